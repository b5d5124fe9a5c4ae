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
    // GIGASITE_REAL_WORK keeps the imported layers there (benches/decisions.sh uses it).
    let keep = std::env::var_os("GIGASITE_REAL_WORK").map(PathBuf::from);
    let work = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("gigasite-real-{}", std::process::id()))
    });
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
    let zonal = d("energy-charts-zone-prices/euprices-data.js");
    let carbon = d("electricitymaps-carbon/electricitymaps_yearly_2024.json");
    let carbon_countries = d("ember-carbon/ember_api_country_overview_yearly.csv");
    let mut args = vec!["import", "zones"];
    args.extend(zones.iter().map(String::as_str));
    args.extend(["--prices", &prices, "--year", "2024"]);
    // Zonal prices and carbon intensity (model version 2); the scenarios price carbon.
    args.extend(["--zone-prices", &zonal, "--carbon", &carbon]);
    args.extend(["--carbon-countries", &carbon_countries]);
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
    if let Some(expected) = expected_or_update(&root.join("ci/real-data/expected.json"), &got) {
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
    latency_over_cities(&work, &s(work.join("cities15000.txt")), root);
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&work);
    }
}

/// The same layers with a latency cost over every city of at least 100,000 people:
/// cities with no fibre path to any eligible candidate are left out and counted, then
/// the optimum is proven and compared with ci/real-data/expected-latency.json.
fn latency_over_cities(work: &Path, cities: &str, root: &Path) {
    let w = |name: &str| work.join(name).to_string_lossy().into_owned();
    gigasite(&[
        "import",
        "geonames",
        cities,
        "--min-population",
        "100000",
        "--countries",
        EUROPE,
        "--out",
        &w("demand-latency.geojson"),
    ]);
    std::fs::copy(
        root.join("ci/real-data/latency.toml"),
        work.join("latency.toml"),
    )
    .unwrap();
    // First pass: which cities no eligible candidate reaches (exit 2, named).
    let out = Command::new(env!("CARGO_BIN_EXE_gigasite"))
        .args([
            "solve",
            &w("latency.toml"),
            "--out",
            &w("out-probe"),
            "--quiet",
        ])
        .output()
        .unwrap();
    let probe: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.join("out-probe/summary.json")).unwrap())
            .unwrap();
    let unreachable: Vec<String> = probe["infeasibility"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| {
            let r = r.as_str()?;
            let id = r.strip_prefix("demand point ")?;
            id.strip_suffix(" has no fibre path to any eligible candidate")
                .map(str::to_string)
        })
        .collect();
    assert!(
        out.status.code() == Some(0) || !unreachable.is_empty(),
        "probe exited {:?}",
        out.status.code()
    );
    let mut demand: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.join("demand-latency.geojson")).unwrap())
            .unwrap();
    let features = demand["features"].as_array_mut().unwrap();
    let total = features.len();
    features.retain(|f| {
        let id = f["properties"]["id"].to_string();
        !unreachable.iter().any(|u| id.trim_matches('"') == u)
    });
    let kept = features.len();
    std::fs::write(
        work.join("demand-latency.geojson"),
        serde_json::to_vec(&demand).unwrap(),
    )
    .unwrap();
    let (_, t) = gigasite(&[
        "solve",
        &w("latency.toml"),
        "--out",
        &w("out-latency"),
        "--quiet",
    ]);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.join("out-latency/summary.json")).unwrap())
            .unwrap();
    eprintln!(
        "latency over {kept} cities ({} left out of {total}): {} in {t:.2} s end to end, survivors {}, program {}",
        total - kept,
        summary["status"],
        summary["reductions"]["survivors"],
        summary["program"]
    );
    let got = serde_json::json!({
        "status": summary["status"],
        "objective": summary["objective"],
        "site_ids": summary["sites"].as_array().unwrap().iter().map(|s| s["id"].clone()).collect::<Vec<_>>(),
        "cities": total,
        "cities_without_path": total - kept,
    });
    let Some(expected) = expected_or_update(&root.join("ci/real-data/expected-latency.json"), &got)
    else {
        return;
    };
    assert_eq!(got["status"], "optimal");
    assert_eq!(got["status"], expected["status"]);
    assert_eq!(got["site_ids"], expected["site_ids"]);
    assert_eq!(got["cities"], expected["cities"]);
    assert_eq!(got["cities_without_path"], expected["cities_without_path"]);
    let (g, e) = (
        got["objective"].as_f64().unwrap(),
        expected["objective"].as_f64().unwrap(),
    );
    // Proven within sites.mip_gap (1e-6): two correct runs may differ by that much.
    assert!(
        (g - e).abs() <= 2e-6 * e.abs(),
        "objective {g} vs expected {e}"
    );
}

/// The expected result at `path`, or None after rewriting it with `got` when
/// GIGASITE_UPDATE_EXPECTED is set (regenerating is explicit).
fn expected_or_update(path: &Path, got: &serde_json::Value) -> Option<serde_json::Value> {
    if std::env::var_os("GIGASITE_UPDATE_EXPECTED").is_some() {
        std::fs::write(path, serde_json::to_string_pretty(got).unwrap() + "\n").unwrap();
        eprintln!("updated {}", path.display());
        return None;
    }
    Some(serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap())
}
