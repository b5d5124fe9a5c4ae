//! The real-data regression (run by CI as its own step, needs ../shared/data):
//! import the open European data, solve ci/real-data/scenario.toml, compare with
//! ci/real-data/expected.json. Ignored by plain `cargo test`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const EUROPE: &str =
    "AT,BE,BG,HR,CY,CZ,DK,EE,FI,FR,DE,GR,HU,IE,IT,LV,LT,LU,MT,NL,PL,PT,RO,SK,SI,ES,SE,NO,CH,GB";
const BACKBONES: [&str; 6] = [
    "Geant2012",
    "Colt",
    "Interoute",
    "GtsCe",
    "BtEurope",
    "Cogentco",
];
const IXP_CITIES: &str = "Frankfurt,Amsterdam,London,Paris,Stockholm,Milan,Madrid,Marseille,Vienna,Warsaw,Copenhagen,Oslo,Helsinki,Dublin,Lisbon,Zurich,Prague,Brussels,Budapest,Bucharest,Sofia,Athens";

fn gigasite(args: &[&str]) -> (String, f64) {
    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_gigasite"))
        .args(args)
        .output()
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.code() == Some(0),
        "gigasite {args:?} exited {:?}:\n{stderr}",
        out.status.code()
    );
    (
        format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr),
        secs,
    )
}

#[test]
#[ignore = "needs ../shared/data; CI runs it as a separate step"]
fn real_european_instance_matches_expected() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = root.join("../shared/data");
    assert!(data.is_dir(), "{} is missing", data.display());
    let work = std::env::temp_dir().join(format!("gigasite-real-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let s = |p: PathBuf| p.to_string_lossy().into_owned();
    let d = |rel: &str| s(data.join(rel));
    let w = |name: &str| s(work.join(name));
    let mut timings = Vec::new();

    let (_, t) = gigasite(&[
        "import",
        "points",
        &d("hotmaps-industrial-sites/Industrial_Database.csv"),
        "--delimiter",
        ";",
        "--wkt",
        "geom",
        "--id",
        "SiteID",
        "--name",
        "SiteName",
        "--country",
        "Country",
        "--default-area-ha",
        "50",
        "--default-price-eur-per-m2",
        "50",
        "--out",
        &w("land.geojson"),
    ]);
    timings.push(("land", t));
    let (_, t) = gigasite(&[
        "import",
        "entsoe-grid",
        &d("pypsa-eur-entsoegridkit/buses.csv"),
        &d("pypsa-eur-entsoegridkit/lines.csv"),
        "--min-kv",
        "220",
        "--out",
        &w("grid.geojson"),
    ]);
    timings.push(("grid", t));
    let mut zones: Vec<String> = std::fs::read_dir(data.join("entsoe-py-bidding-zones"))
        .unwrap()
        .map(|e| s(e.unwrap().path()))
        .filter(|p| p.ends_with(".geojson") && !p.ends_with("_2020.geojson"))
        .collect();
    zones.sort();
    let prices = d("ember-prices/european_wholesale_electricity_price_data_monthly.csv");
    let mut args = vec!["import", "zones"];
    args.extend(zones.iter().map(String::as_str));
    args.extend(["--prices", &prices, "--year", "2024"]);
    let out_prices = w("prices.geojson");
    args.extend(["--out", &out_prices]);
    let (_, t) = gigasite(&args);
    timings.push(("prices", t));
    let graphs: Vec<String> = BACKBONES
        .iter()
        .map(|b| d(&format!("topology-zoo/graphml/{b}.graphml")))
        .collect();
    let mut args = vec!["import", "topology-zoo"];
    args.extend(graphs.iter().map(String::as_str));
    let out_fibre = w("fibre.geojson");
    args.extend(["--ixp-cities", IXP_CITIES, "--out", &out_fibre]);
    let (_, t) = gigasite(&args);
    timings.push(("fibre", t));
    let cities = work.join("cities15000.txt");
    let unzip = Command::new("unzip")
        .arg("-p")
        .arg(data.join("geonames/cities15000.zip"))
        .output()
        .expect("unzip is installed");
    assert!(unzip.status.success());
    std::fs::write(&cities, unzip.stdout).unwrap();
    let (_, t) = gigasite(&[
        "import",
        "geonames",
        &s(cities),
        "--min-population",
        "1000000",
        "--countries",
        EUROPE,
        "--out",
        &w("demand.geojson"),
    ]);
    timings.push(("demand", t));

    std::fs::copy(
        root.join("ci/real-data/scenario.toml"),
        work.join("scenario.toml"),
    )
    .unwrap();
    let (_, t) = gigasite(&["solve", &w("scenario.toml"), "--out", &w("out"), "--quiet"]);
    timings.push(("solve", t));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.join("out/summary.json")).unwrap()).unwrap();
    let got = serde_json::json!({
        "status": summary["status"],
        "objective": summary["objective"],
        "site_ids": summary["sites"].as_array().unwrap().iter().map(|s| s["id"].clone()).collect::<Vec<_>>(),
        "candidates": summary["candidates"]["candidates"],
        "eligible": summary["candidates"]["eligible"],
    });
    eprintln!(
        "real instance: {} candidates, {} eligible, {} survivors, program {} variables / {} rows; layers {}",
        summary["candidates"]["candidates"],
        summary["candidates"]["eligible"],
        summary["reductions"]["survivors"],
        summary["program"]["variables"],
        summary["program"]["rows"],
        summary["layers"].as_array().unwrap().iter().map(|l| format!("{} {} features", l["layer"], l["features"])).collect::<Vec<_>>().join(", ")
    );
    eprintln!(
        "timings (s): {timings:?}; solver stages {}",
        summary["seconds"]
    );
    let expected_path = root.join("ci/real-data/expected.json");
    if std::env::var_os("GIGASITE_UPDATE_EXPECTED").is_some() {
        std::fs::write(
            &expected_path,
            serde_json::to_string_pretty(&got).unwrap() + "\n",
        )
        .unwrap();
        eprintln!("updated {}", expected_path.display());
    } else {
        let expected: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&expected_path).unwrap()).unwrap();
        assert_eq!(got["status"], expected["status"]);
        assert_eq!(got["site_ids"], expected["site_ids"]);
        assert_eq!(got["eligible"], expected["eligible"]);
        let (g, e) = (
            got["objective"].as_f64().unwrap(),
            expected["objective"].as_f64().unwrap(),
        );
        assert!(
            (g - e).abs() <= 1e-9 * e.abs(),
            "objective {g} vs expected {e}"
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}
