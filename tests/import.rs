//! The `gigasite import` converters, on small hand-written fixtures in
//! tests/fixtures/import/: counts per drop reason, thresholds, joins, malformed records
//! (errors naming file and line; `skip_malformed` listing them), and every output read
//! back with the crate's own layer readers.

use std::path::{Path, PathBuf};
use std::process::Command;

use gigasite::import::entsoe_grid::{self, EntsoeGridOptions};
use gigasite::import::geonames::{self, GeonamesOptions};
use gigasite::import::points::{self, Coordinates, PointsOptions};
use gigasite::import::topology_zoo::{self, TopologyZooOptions};
use gigasite::import::zones::{self, ZonesOptions};
use gigasite::import::{ImportError, Output, Place};
use gigasite::layers;
use gigasite::progress::Silent;

fn assert_close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-6, "{a} != {b}");
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

fn tmp(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gigasite-import-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes the output and returns its path; the folder holds nothing else afterwards
/// (the write is atomic: no temporary file is left).
fn write(out: &Output, tag: &str) -> PathBuf {
    let dir = tmp(tag);
    let path = dir.join("layer.geojson");
    out.write(&path).unwrap();
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec!["layer.geojson"]);
    path
}

fn malformed_lines(out: &Output, path: &Path) -> Vec<Place> {
    out.report.malformed_places(path)
}

fn expect_malformed(err: ImportError, file: &Path, place: Place) -> String {
    let text = err.to_string();
    match &err {
        ImportError::Malformed { path, place: p, .. } => {
            assert_eq!(path, file, "{text}");
            assert_eq!(*p, place, "{text}");
        }
        other => panic!("expected a malformed-record error, found {other:?}"),
    }
    assert!(text.contains(&file.display().to_string()), "{text}");
    assert!(text.contains(&place.to_string()), "{text}");
    text
}

// ---------------------------------------------------------------------------
// entsoe-grid

fn grid_opts() -> EntsoeGridOptions {
    EntsoeGridOptions::new(fixture("buses.csv"), fixture("lines.csv"))
}

#[test]
fn entsoe_grid_keeps_substations_with_lines_and_estimates_headroom() {
    let out = entsoe_grid::convert(&grid_opts()).unwrap();
    let r = &out.report;
    assert_eq!(r.read_count("buses"), 9);
    assert_eq!(r.read_count("lines"), 6);
    assert_eq!(r.written_count("substations"), 3);
    for reason in [
        "buses without coordinates",
        "buses without voltage",
        "buses below --min-kv",
        "buses not a substation",
        "buses under construction",
        "buses without lines",
        "lines under construction (not counted)",
    ] {
        assert_eq!(r.dropped_count(reason), 1, "{reason}: {r}");
    }
    assert!(r.malformed.is_empty());

    let path = write(&out, "grid");
    let (subs, _) = layers::read_grid(&path, &Silent).unwrap();
    let ids: Vec<&str> = subs.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3"]);
    // Bus 1: line 100 (380 kV, 2 circuits) + line 101 (380 kV, 1) = 3 × 1698 MW.
    assert_close(subs[0].headroom_mw, 0.3 * 3.0 * 1698.0);
    // Bus 2: line 100 only; line 103 is under construction.
    assert_close(subs[1].headroom_mw, 0.3 * 2.0 * 1698.0);
    // Bus 3: line 102 (220 kV) + line 104 (300 kV, interpolated: 1095 MW per circuit).
    assert_close(subs[2].headroom_mw, 0.3 * (492.0 + 1095.0));
    assert_eq!(subs[0].name.as_deref(), Some("Nordhafen"));
    assert_eq!(subs[1].name, None);
    assert_eq!(subs[0].voltage_kv, Some(380.0));
    // Coordinates rounded to 6 decimals.
    assert_eq!(
        (subs[0].location.x, subs[0].location.y),
        (8.500001, 50.100004)
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"country\":\"DE\""), "{text}");
}

#[test]
fn entsoe_grid_thresholds_and_switches() {
    let out = entsoe_grid::convert(&EntsoeGridOptions {
        min_kv: 300.0,
        ..grid_opts()
    })
    .unwrap();
    // Buses 3 and 6 (220 kV) join bus 4 (132 kV).
    assert_eq!(out.report.dropped_count("buses below --min-kv"), 3);
    assert_eq!(out.report.written_count("substations"), 2);

    let out = entsoe_grid::convert(&EntsoeGridOptions {
        all_buses: true,
        headroom_share: 0.5,
        mw_per_circuit_380: 2000.0,
        ..grid_opts()
    })
    .unwrap();
    assert_eq!(out.report.dropped_count("buses not a substation"), 0);
    let (subs, _) = layers::read_grid(&write(&out, "grid-all"), &Silent).unwrap();
    let joint = subs
        .iter()
        .find(|s| s.id == "5")
        .expect("the joint is kept");
    // Line 101 (1 circuit) + line 105 (3 circuits), 380 kV at 2000 MW per circuit.
    assert_close(joint.headroom_mw, 0.5 * 4.0 * 2000.0);

    let out = entsoe_grid::convert(&EntsoeGridOptions {
        include_under_construction: true,
        ..grid_opts()
    })
    .unwrap();
    let (subs, _) = layers::read_grid(&write(&out, "grid-uc"), &Silent).unwrap();
    let two = subs.iter().find(|s| s.id == "2").unwrap();
    assert_close(two.headroom_mw, 0.3 * 3.0 * 1698.0);
    assert!(subs.iter().any(|s| s.id == "7"));

    let err = entsoe_grid::convert(&EntsoeGridOptions {
        headroom_share: 1.5,
        ..grid_opts()
    })
    .unwrap_err();
    assert!(err.to_string().contains("--headroom-share"), "{err}");
}

#[test]
fn entsoe_grid_malformed_rows_name_the_line_or_are_skipped() {
    let buses = fixture("buses_malformed.csv");
    let lines = fixture("lines_malformed.csv");
    let opts = EntsoeGridOptions::new(buses.clone(), lines.clone());
    let text = expect_malformed(
        entsoe_grid::convert(&opts).unwrap_err(),
        &buses,
        Place::Line(3),
    );
    assert!(text.contains("`x`") && text.contains("east"), "{text}");

    let out = entsoe_grid::convert(&EntsoeGridOptions {
        skip_malformed: true,
        ..opts
    })
    .unwrap();
    // Line 3: x not a number; line 5: bus_id 1 again; line 6: projected coordinates.
    assert_eq!(
        malformed_lines(&out, &buses),
        [Place::Line(3), Place::Line(5), Place::Line(6)]
    );
    assert!(out.report.malformed[1].message.contains("first on line 2"));
    assert!(out.report.malformed[2].message.contains("projected"));
    // lines_malformed.csv line 3: circuits "two".
    assert_eq!(malformed_lines(&out, &lines), [Place::Line(3)]);
    let (subs, _) = layers::read_grid(&write(&out, "grid-skip"), &Silent).unwrap();
    let ids: Vec<&str> = subs.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["1", "3"]);
}

// ---------------------------------------------------------------------------
// topology-zoo

#[test]
fn topology_zoo_routes_ixps_and_drops() {
    let west = fixture("westnet.graphml");
    let out = topology_zoo::convert(&TopologyZooOptions {
        files: vec![west.clone(), fixture("eastnet.graphml")],
        ixp_cities: ["Frankfurt", "amsterdam", "Paris", "Vienna", "Atlantis"]
            .map(String::from)
            .to_vec(),
        skip_malformed: false,
    })
    .unwrap();
    let r = &out.report;
    assert_eq!(r.read_count("nodes"), 10);
    assert_eq!(r.read_count("edges"), 10);
    assert_eq!(r.dropped_count("nodes without coordinates"), 1);
    assert_eq!(r.dropped_count("edges to a node without coordinates"), 1);
    assert_eq!(r.dropped_count("duplicate edges"), 1);
    assert_eq!(r.dropped_count("self-loops"), 1);
    assert_eq!(r.dropped_count("zero-length edges"), 1);
    assert_eq!(r.dropped_count("IXP cities not found"), 2);
    assert!(r.notes.iter().any(|n| n.contains("Paris, Atlantis")), "{r}");
    assert_eq!(r.written_count("routes"), 6);
    assert_eq!(r.written_count("ixps"), 3);

    let (fibre, _) = layers::read_fibre(&write(&out, "fibre"), &Silent).unwrap();
    let ids: Vec<&str> = fibre.routes.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "westnet-0",
            "westnet-3",
            "westnet-6",
            "westnet-7",
            "eastnet-0",
            "eastnet-1"
        ]
    );
    let names: Vec<&str> = fibre
        .routes
        .iter()
        .map(|r| r.name.as_deref().unwrap())
        .collect();
    assert_eq!(names[0], "Frankfurt – Amsterdam");
    assert_eq!(
        names[3], "6 – Frankfurt",
        "an unlabelled node is named by its id"
    );
    assert_eq!(names[5], "Prague – Frankfurt");
    assert_eq!(fibre.routes[0].parts[0].len(), 2);

    let ixps: Vec<(&str, f64, f64)> = fibre
        .ixps
        .iter()
        .map(|i| (i.id.as_str(), i.location.x, i.location.y))
        .collect();
    // Frankfurt: the first node so labelled in file order (westnet node 0), not node 5
    // (" FRANKFURT ") nor eastnet's.
    assert_eq!(
        ixps,
        [
            ("ixp-frankfurt", 8.68333, 50.11667),
            ("ixp-amsterdam", 4.88969, 52.37403),
            ("ixp-vienna", 16.37208, 48.20849),
        ]
    );
}

#[test]
fn topology_zoo_city_file_and_malformed_nodes() {
    let cities = topology_zoo::read_city_file(&fixture("ixp_cities.txt")).unwrap();
    assert_eq!(cities, ["Frankfurt", "Vienna", "Atlantis"]);

    let bad = fixture("badnet.graphml");
    let opts = TopologyZooOptions {
        files: vec![bad.clone()],
        ixp_cities: cities,
        skip_malformed: false,
    };
    let text = expect_malformed(
        topology_zoo::convert(&opts).unwrap_err(),
        &bad,
        Place::Line(13),
    );
    assert!(text.contains("north"), "{text}");

    let out = topology_zoo::convert(&TopologyZooOptions {
        skip_malformed: true,
        ..opts
    })
    .unwrap();
    // Node y (line 13) is skipped and its edge dropped; the edge to the undeclared
    // node w (line 25) is malformed too.
    assert_eq!(
        malformed_lines(&out, &bad),
        [Place::Line(13), Place::Line(25)]
    );
    assert_eq!(
        out.report
            .dropped_count("edges to a skipped malformed node"),
        1
    );
    assert_eq!(out.report.dropped_count("IXP cities not found"), 3);
    let (fibre, _) = layers::read_fibre(&write(&out, "fibre-bad"), &Silent).unwrap();
    assert_eq!(fibre.routes.len(), 1);
    assert_eq!(fibre.routes[0].id, "badnet-1");
}

#[test]
fn topology_zoo_rejects_non_xml() {
    let err = topology_zoo::convert(&TopologyZooOptions {
        files: vec![fixture("prices.csv")],
        ..TopologyZooOptions::default()
    })
    .unwrap_err();
    assert!(matches!(err, ImportError::File { .. }), "{err}");
    assert!(err.to_string().contains("XML"), "{err}");
}

// ---------------------------------------------------------------------------
// geonames

fn geonames_opts(file: &str) -> GeonamesOptions {
    GeonamesOptions {
        file: fixture(file),
        min_population: GeonamesOptions::DEFAULT_MIN_POPULATION,
        countries: None,
        skip_malformed: false,
    }
}

#[test]
fn geonames_population_threshold_and_countries() {
    let out = geonames::convert(&geonames_opts("cities.txt")).unwrap();
    assert_eq!(out.report.read_count("places"), 6);
    assert_eq!(out.report.dropped_count("places below --min-population"), 2);
    let (demand, _) = layers::read_demand(&write(&out, "demand"), &Silent).unwrap();
    let got: Vec<(&str, f64)> = demand.iter().map(|d| (d.id.as_str(), d.weight)).collect();
    assert_eq!(
        got,
        [
            ("9000001", 3.5),
            ("9000002", 1.45),
            ("9000004", 2.1),
            ("9000005", 1.0)
        ]
    );
    // No quoting: the quotes are part of the name.
    assert_eq!(demand[2].name.as_deref(), Some("Ville \"Lumière\""));
    assert_eq!((demand[0].location.x, demand[0].location.y), (13.4, 52.5));

    let out = geonames::convert(&GeonamesOptions {
        countries: Some(vec!["DE".into(), "nl".into()]),
        min_population: 0,
        ..geonames_opts("cities.txt")
    })
    .unwrap();
    assert_eq!(out.report.dropped_count("places in other countries"), 2);
    assert_eq!(out.report.dropped_count("places below --min-population"), 0);
    assert_eq!(out.report.written_count("demand points"), 4);
}

#[test]
fn geonames_malformed_rows() {
    let file = fixture("cities_malformed.txt");
    let text = expect_malformed(
        geonames::convert(&geonames_opts("cities_malformed.txt")).unwrap_err(),
        &file,
        Place::Line(2),
    );
    assert!(text.contains("latitude"), "{text}");
    let out = geonames::convert(&GeonamesOptions {
        skip_malformed: true,
        ..geonames_opts("cities_malformed.txt")
    })
    .unwrap();
    assert_eq!(
        malformed_lines(&out, &file),
        [Place::Line(2), Place::Line(3), Place::Line(5)]
    );
    assert!(out.report.malformed[1].message.contains("18 fields"));
    let (demand, _) = layers::read_demand(&write(&out, "demand-bad"), &Silent).unwrap();
    assert_eq!(demand.len(), 2);
}

// ---------------------------------------------------------------------------
// zones

#[test]
fn zones_join_by_code_then_country_then_prefix() {
    let out = zones::convert(&ZonesOptions::new(
        vec![fixture("zones_a.geojson"), fixture("zones_b.geojson")],
        fixture("prices.csv"),
    ))
    .unwrap();
    let r = &out.report;
    assert_eq!(r.read_count("zones"), 7);
    assert_eq!(r.dropped_count("zones without a price"), 1);
    assert_eq!(r.dropped_count("zones repeating an earlier zone's code"), 1);
    assert!(
        r.notes.iter().any(|n| n.contains("without a price: QQ")),
        "{r}"
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("price keys no zone used: DK, FR")),
        "{r}"
    );
    assert!(r.notes.iter().any(|n| n.contains("1 rings dropped")), "{r}");

    let path = write(&out, "prices");
    let (zones, _) = layers::read_prices(&path, &Silent).unwrap();
    let got: Vec<(&str, f64, Option<&str>)> = zones
        .iter()
        .map(|z| (z.zone.as_str(), z.price_eur_per_mwh, z.country.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("DE_LU", 80.5, Some("DE")),    // prefix
            ("NO_1", 40.25, Some("NO")),    // zone code NO1 = NO_1
            ("IT_CNOR", 101.0, Some("IT")), // prefix
            ("XX", 120.0, Some("CY")),      // country property
            ("DK-DK1", 70.0, Some("DK")),   // zone code without the repeated country
        ]
    );
    let text = std::fs::read_to_string(&path).unwrap();
    for join in [
        "\"join\":\"prefix\",\"price_eur_per_mwh\":80.5,\"price_key\":\"DE\"",
        "\"join\":\"zone\",\"price_eur_per_mwh\":40.25,\"price_key\":\"NO1\"",
        "\"join\":\"country\",\"price_eur_per_mwh\":120.0,\"price_key\":\"CY\"",
    ] {
        assert!(text.contains(join), "{join} in {text}");
    }
    // Rounded to 6 decimals; the hole that collapsed to a point is gone.
    assert!(text.contains("[9.123457,59.0]"), "{text}");
    assert_eq!(zones[0].area.0.len(), 2);
    assert!(zones[0].area.0[0].interiors().is_empty());
}

#[test]
fn zones_average_a_year_of_ember_rows() {
    let opts = ZonesOptions {
        year: Some(2024),
        ..ZonesOptions::new(
            vec![fixture("zones_a.geojson")],
            fixture("ember_monthly.csv"),
        )
    };
    let out = zones::convert(&opts).unwrap();
    let r = &out.report;
    assert_eq!(r.read_count("price rows"), 7);
    assert_eq!(r.dropped_count("price rows of other years"), 1);
    assert_eq!(r.dropped_count("price rows with an unknown ISO3 code"), 1);
    assert_eq!(r.dropped_count("price rows without a price"), 1);
    assert_eq!(r.dropped_count("zones without a price"), 1, "{r}");
    assert!(r.notes.iter().any(|n| n.contains("DEU (3 rows)")), "{r}");
    let (zones, _) = layers::read_prices(&write(&out, "prices-ember"), &Silent).unwrap();
    let got: Vec<(&str, f64)> = zones
        .iter()
        .map(|z| (z.zone.as_str(), z.price_eur_per_mwh))
        .collect();
    assert_eq!(got, [("DE_LU", 70.0), ("NO_1", 30.5)]);

    // Without --year the dated rows repeat their key: malformed, naming the line.
    let file = fixture("ember_monthly.csv");
    let text = expect_malformed(
        zones::convert(&ZonesOptions { year: None, ..opts }).unwrap_err(),
        &file,
        Place::Line(3),
    );
    assert!(text.contains("--year"), "{text}");
}

#[test]
fn zones_malformed_features() {
    let file = fixture("zones_bad.geojson");
    let opts = ZonesOptions::new(vec![file.clone()], fixture("prices.csv"));
    let text = expect_malformed(zones::convert(&opts).unwrap_err(), &file, Place::Feature(1));
    assert!(text.contains("zoneName"), "{text}");
    let out = zones::convert(&ZonesOptions {
        skip_malformed: true,
        ..opts
    })
    .unwrap();
    assert_eq!(
        malformed_lines(&out, &file),
        [Place::Feature(1), Place::Feature(2)]
    );
    let (zones, _) = layers::read_prices(&write(&out, "prices-bad"), &Silent).unwrap();
    assert_eq!(zones.len(), 1);
    assert_eq!(zones[0].price_eur_per_mwh, 60.0);
}

// ---------------------------------------------------------------------------
// points

fn sites_opts() -> PointsOptions {
    PointsOptions {
        id_column: Some("site".into()),
        name_column: Some("label".into()),
        country_column: Some("country".into()),
        area_ha_column: Some("hectares".into()),
        price_column: Some("eur_m2".into()),
        default_area_ha: 35.0,
        ..PointsOptions::new(
            fixture("sites.csv"),
            Coordinates::LonLat {
                lon: "lon".into(),
                lat: "lat".into(),
            },
        )
    }
}

#[test]
fn points_from_lon_lat_columns() {
    let file = fixture("sites.csv");
    let text = expect_malformed(
        points::convert(&sites_opts()).unwrap_err(),
        &file,
        Place::Line(5),
    );
    assert!(text.contains("`lon`") && text.contains("east"), "{text}");

    let out = points::convert(&PointsOptions {
        skip_malformed: true,
        ..sites_opts()
    })
    .unwrap();
    assert_eq!(
        malformed_lines(&out, &file),
        [Place::Line(5), Place::Line(6), Place::Line(7)]
    );
    assert_eq!(out.report.dropped_count("rows without coordinates"), 1);
    assert!(out
        .report
        .notes
        .iter()
        .any(|n| n.contains("\"Atlantis\" (1)")));
    let (land, _) = layers::read_land(&write(&out, "land"), &Silent).unwrap();
    let got: Vec<(&str, f64, f64, Option<&str>)> = land
        .iter()
        .map(|l| {
            (
                l.id.as_str(),
                l.area_ha,
                l.price_eur_per_m2,
                l.country.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("A1", 60.0, 12.5, Some("DE")),
            ("A2", 35.0, 50.0, Some("DE")), // empty cells take the defaults; "Germany" → DE
            ("A6", 30.0, 0.0, None),        // not a country: left out, listed in the report
        ]
    );
    assert_eq!(land[2].name.as_deref(), Some("Quoted, name"));
    assert_eq!(land[1].name, None);
}

#[test]
fn points_from_wkt_with_semicolons_and_decimal_commas() {
    let file = fixture("sites_wkt.csv");
    let opts = PointsOptions {
        id_column: Some("SiteID".into()),
        name_column: Some("SiteName".into()),
        country_column: Some("Country".into()),
        area_ha_column: Some("area".into()),
        delimiter: b';',
        ..PointsOptions::new(file.clone(), Coordinates::Wkt("geom".into()))
    };
    let text = expect_malformed(points::convert(&opts).unwrap_err(), &file, Place::Line(6));
    assert!(text.contains("SRID"), "{text}");
    let out = points::convert(&PointsOptions {
        skip_malformed: true,
        ..opts
    })
    .unwrap();
    assert_eq!(out.report.dropped_count("rows without coordinates"), 2);
    let (land, _) = layers::read_land(&write(&out, "land-wkt"), &Silent).unwrap();
    let got: Vec<(&str, f64, f64, f64, Option<&str>)> = land
        .iter()
        .map(|l| {
            (
                l.id.as_str(),
                l.location.x,
                l.location.y,
                l.area_ha,
                l.country.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("1", 15.067806, 47.03378, 12.5, Some("AT")),
            ("2", 4.9, 52.4, 50.0, Some("NL")),
        ]
    );
}

#[test]
fn points_without_id_column_use_file_and_line() {
    let out = points::convert(&PointsOptions {
        id_column: None,
        skip_malformed: true,
        ..sites_opts()
    })
    .unwrap();
    let (land, _) = layers::read_land(&write(&out, "land-noid"), &Silent).unwrap();
    let ids: Vec<&str> = land.iter().map(|l| l.id.as_str()).collect();
    // Line 6 (a repeated "site") is no longer a duplicate without the id column.
    assert_eq!(ids, ["sites-2", "sites-3", "sites-6", "sites-8"]);
}

// ---------------------------------------------------------------------------
// Determinism and the command line

#[test]
fn same_input_same_bytes() {
    let a = entsoe_grid::convert(&grid_opts()).unwrap().to_geojson();
    let b = entsoe_grid::convert(&grid_opts()).unwrap().to_geojson();
    assert_eq!(a, b);
    let opts = ZonesOptions::new(
        vec![fixture("zones_a.geojson"), fixture("zones_b.geojson")],
        fixture("prices.csv"),
    );
    assert_eq!(
        zones::convert(&opts).unwrap().to_geojson(),
        zones::convert(&opts).unwrap().to_geojson()
    );
}

fn gigasite(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gigasite"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_reports_on_stderr_and_exits_1_on_malformed_rows() {
    let dir = tmp("cli");
    let out = dir.join("land.geojson");
    let file = fixture("sites.csv");
    let args = [
        "import",
        "points",
        file.to_str().unwrap(),
        "--lon",
        "lon",
        "--lat",
        "lat",
        "--id",
        "site",
        "--out",
        out.to_str().unwrap(),
    ];
    let (code, stderr) = gigasite(&args);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("sites.csv, line 5"), "{stderr}");
    assert!(!out.exists());

    let mut with_skip = args.to_vec();
    with_skip.push("--skip-malformed");
    let (code, stderr) = gigasite(&with_skip);
    assert_eq!(code, 0, "{stderr}");
    // Without --area-ha, line 7's negative area is not read: lines 5 and 6 only.
    assert!(stderr.contains("skipped 2 malformed records"), "{stderr}");
    assert!(stderr.contains("rows without coordinates"), "{stderr}");
    layers::read_land(&out, &Silent).unwrap();

    let grid = dir.join("grid.geojson");
    let (code, stderr) = gigasite(&[
        "import",
        "entsoe-grid",
        fixture("buses.csv").to_str().unwrap(),
        fixture("lines.csv").to_str().unwrap(),
        "--out",
        grid.to_str().unwrap(),
        "--min-kv",
        "300",
        "--headroom-share",
        "0.5",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("buses below --min-kv"), "{stderr}");
    let (subs, _) = layers::read_grid(&grid, &Silent).unwrap();
    assert_eq!(subs.len(), 2);

    let fibre = dir.join("fibre.geojson");
    let (code, stderr) = gigasite(&[
        "import",
        "topology-zoo",
        fixture("westnet.graphml").to_str().unwrap(),
        "--ixp-file",
        fixture("ixp_cities.txt").to_str().unwrap(),
        "--out",
        fibre.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("Vienna, Atlantis"), "{stderr}");

    // Usage errors exit 1 too (clap's 2 would mean "infeasible").
    let (code, _) = gigasite(&[
        "import",
        "points",
        file.to_str().unwrap(),
        "--out",
        "x.geojson",
    ]);
    assert_eq!(code, 1);
}

// ---------------------------------------------------------------------------
// zones, version-2 attributes

fn v2_opts() -> ZonesOptions {
    ZonesOptions {
        year: Some(2024),
        zone_prices: Some(fixture("zone_prices.js")),
        carbon: Some(fixture("carbon_zones.json")),
        carbon_countries: Some(fixture("carbon_countries.csv")),
        surcharge: Some(fixture("nrg_pc_205.tsv")),
        degree_days: Some(fixture("nrg_chdd_a.tsv")),
        cdd_years: 2,
        water_stress: Some(fixture("aqueduct.csv")),
        ..ZonesOptions::new(
            vec![fixture("zones_a.geojson"), fixture("zones_b.geojson")],
            fixture("ember_2024.csv"),
        )
    }
}

/// The written properties of each zone, by zone code.
fn zone_props(out: &Output) -> std::collections::BTreeMap<String, serde_json::Value> {
    out.features
        .iter()
        .map(|f| {
            let p = f["properties"].clone();
            (p["zone"].as_str().unwrap().to_string(), p)
        })
        .collect()
}

fn note_of<'a>(out: &'a Output, zone: &str) -> &'a str {
    let head = format!("zone {zone}: ");
    out.report
        .notes
        .iter()
        .find_map(|n| n.strip_prefix(&head))
        .unwrap_or_else(|| panic!("no note for {zone}: {}", out.report))
}

#[test]
fn zones_v2_zonal_prices_are_hour_weighted_and_fall_back_to_the_country() {
    let out = zones::convert(&v2_opts()).unwrap();
    let p = zone_props(&out);
    // DE-LU: 100 in February (696 h of 8784 in leap 2024), 60 in the other months;
    // the plain mean of the 12 months would be 63.333. December 2023 (500) is not 2024.
    let de: f64 = 60.0 + 40.0 * 696.0 / 8784.0;
    assert_close(
        p["DE_LU"]["price_eur_per_mwh"].as_f64().unwrap(),
        (de * 1000.0).round() / 1000.0,
    );
    assert_eq!(p["DE_LU"]["join"], "zonal");
    assert_eq!(p["DE_LU"]["price_key"], "DE-LU");
    assert_eq!(p["IT_CNOR"]["price_eur_per_mwh"], 90.0);
    // NO1 lacks July 2024: the country series (Norway, 40) instead, said per zone.
    assert_eq!(p["NO_1"]["price_eur_per_mwh"], 40.0);
    assert_eq!(p["NO_1"]["join"], "prefix");
    assert!(
        note_of(&out, "NO_1").contains("lacks 1 of the 12 months of 2024"),
        "{}",
        out.report
    );
    // DK-DK1 is bidding zone DK_1, whose series (DK1) the file does not have.
    assert_eq!(p["DK-DK1"]["price_eur_per_mwh"], 75.0);
    assert!(note_of(&out, "DK-DK1").contains("fallback: no zonal series DK1"));
    assert_eq!(p["XX"]["price_eur_per_mwh"], 120.0);
    let r = &out.report;
    assert!(
        r.notes
            .iter()
            .any(|n| n == "zonal series no zone used: SE4"),
        "{r}"
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.starts_with("price: 3 country series (DK-DK1, NO_1, XX); 2 zonal")),
        "{r}"
    );
    // The country rows are hour-weighted too when zonal prices are given: Germany's
    // (60 in January, 100 in February) is (60 × 744 + 100 × 696) / 1440 = 79.333…
    // (its plain mean would be 80), as the surcharge note shows.
    assert!(note_of(&out, "DE_LU").contains("wholesale 79.333"), "{r}");
    // The layer reads back.
    let (zones, _) = layers::read_prices(&write(&out, "prices-v2"), &Silent).unwrap();
    assert_eq!(zones.len(), 5);
}

#[test]
fn zones_v2_carbon_from_the_zone_else_the_country() {
    let out = zones::convert(&v2_opts()).unwrap();
    let p = zone_props(&out);
    let carbon = |z: &str| {
        (
            p[z]["carbon_g_per_kwh"].as_f64(),
            p[z]["carbon_source"].as_str().map(str::to_string),
            p[z]["carbon_key"].as_str().map(str::to_string),
        )
    };
    let got = |g: f64, s: &str, k: &str| (Some(g), Some(s.to_string()), Some(k.to_string()));
    assert_eq!(carbon("NO_1"), got(30.0, "electricity_maps", "NO-NO1"));
    assert_eq!(carbon("DK-DK1"), got(120.5, "electricity_maps", "DK-DK1"));
    // DE_LU is read from Electricity Maps' DE, an approximation the note names.
    assert_eq!(carbon("DE_LU"), got(300.0, "electricity_maps", "DE"));
    assert!(note_of(&out, "DE_LU").contains("approximation"));
    // IT_CNOR has no sub-zone IT-CNO in the file: Ember's Italy, not Electricity Maps' IT.
    assert_eq!(carbon("IT_CNOR"), got(280.5, "ember", "ITA"));
    assert!(note_of(&out, "IT_CNOR").contains("fallback: no Electricity Maps zone IT-CNO"));
    assert_eq!(carbon("XX"), got(600.0, "ember", "CYP"));
    let r = &out.report;
    assert_eq!(r.read_count("carbon zones (Electricity Maps)"), 5);
    assert_eq!(r.read_count("carbon country rows (Ember)"), 6);
    assert_eq!(r.dropped_count("carbon rows of other years"), 1);
    assert_eq!(
        r.dropped_count("carbon rows of regions (no country code)"),
        1
    );
    assert_eq!(r.dropped_count("carbon rows without a value"), 1);
    assert_eq!(r.dropped_count("carbon rows with an unknown ISO3 code"), 1);
    assert!(r.notes.iter().any(|n| n == "carbon: 3 electricity_maps (DE_LU, DK-DK1, NO_1); 2 ember (IT_CNOR, XX)"), "{r}");
}

#[test]
fn zones_v2_surcharge_rule() {
    let out = zones::convert(&v2_opts()).unwrap();
    let p = zone_props(&out);
    let s = |z: &str| p[z]["surcharge_eur_per_mwh"].as_f64();
    // DE: X_VAT of the largest band, (0.12 + 0.14) / 2 × 1000 = 130, minus 79.333.
    assert_close(s("DE_LU").unwrap(), 50.667);
    // IT: the largest band reads 0.0000 (no data), the next has S1 only: 110 − 101.
    assert_close(s("IT_CNOR").unwrap(), 9.0);
    assert!(note_of(&out, "IT_CNOR").contains("MWH70000-149999 2024, 1 semester(s)"));
    // NO: largest band `:`, next (0.05 + 0.045) / 2 = 47.5, minus Norway's 40.
    assert_close(s("NO_1").unwrap(), 7.5);
    // DK: 50 below the wholesale 75: floored at 0.
    assert_eq!(s("DK-DK1"), Some(0.0));
    assert!(note_of(&out, "DK-DK1").contains("floored at 0"));
    // CY: no Eurostat row: no property, and the note says why.
    assert_eq!(s("XX"), None);
    assert!(note_of(&out, "XX").contains("surcharge none (no Eurostat price for CY)"));
    assert_eq!(out.report.read_count("industrial price rows (Eurostat)"), 9);
}

#[test]
fn zones_v2_pue_rule_and_water_stress() {
    let out = zones::convert(&v2_opts()).unwrap();
    let p = zone_props(&out);
    let pue = |z: &str| p[z]["pue"].as_f64();
    // 1.10 + 0.0004 × mean CDD of 2023–2024, in [1.1, 1.5].
    assert_eq!(pue("DE_LU"), Some(1.108)); // (10 + 30) / 2 = 20
    assert_eq!(pue("IT_CNOR"), Some(1.26)); // 400
    assert_eq!(pue("NO_1"), Some(1.1)); // 0
    assert_eq!(pue("XX"), Some(1.5)); // 1600, clamped
    assert_eq!(pue("DK-DK1"), None); // heating degree days only
                                     // Ten years (the default) average what the table has: IT (250 + 300 + 500) / 3.
    let ten = zones::convert(&ZonesOptions {
        cdd_years: ZonesOptions::DEFAULT_CDD_YEARS,
        ..v2_opts()
    })
    .unwrap();
    assert_eq!(zone_props(&ten)["IT_CNOR"]["pue"].as_f64(), Some(1.24));
    assert!(note_of(&ten, "IT_CNOR").contains("mean of 3 of the 10 years"));

    let w = |z: &str| p[z]["water_stress"].as_f64();
    assert_eq!(w("DE_LU"), Some(2.0));
    assert_eq!(w("IT_CNOR"), Some(3.0));
    assert_eq!(w("NO_1"), Some(0.0));
    assert_eq!(w("DK-DK1"), Some(1.0));
    assert_eq!(w("XX"), None); // -9999: no data
    let r = &out.report;
    assert_eq!(r.read_count("water-stress rows"), 7);
    assert_eq!(r.dropped_count("water-stress rows without data (-9999)"), 1);
    assert_eq!(
        r.dropped_count("water-stress rows 'arid and low water use' (-1)"),
        1
    );
    assert_eq!(
        r.dropped_count("water-stress rows with an unknown ISO3 code"),
        1
    );
}

#[test]
fn zones_v2_inputs_are_optional_and_the_old_output_is_unchanged() {
    let old = ZonesOptions {
        year: Some(2024),
        ..ZonesOptions::new(vec![fixture("zones_a.geojson")], fixture("ember_2024.csv"))
    };
    let text = zones::convert(&old).unwrap().to_geojson();
    for key in ["carbon", "surcharge", "pue", "water_stress", "zonal"] {
        assert!(!text.contains(key), "{key} in {text}");
    }
    // Without zonal prices, Germany keeps the plain mean of its rows (80, not 79.333).
    assert!(text.contains("\"price_eur_per_mwh\":80.0"), "{text}");
    // One input alone adds only its property.
    let only_water = zones::convert(&ZonesOptions {
        water_stress: Some(fixture("aqueduct.csv")),
        ..old.clone()
    })
    .unwrap();
    let p = zone_props(&only_water);
    assert_eq!(p["DE_LU"]["water_stress"], 2.0);
    assert_eq!(p["DE_LU"]["price_eur_per_mwh"], 80.0);
    assert!(p["DE_LU"].get("pue").is_none() && p["DE_LU"].get("carbon_g_per_kwh").is_none());
    // Inputs of a year need --year.
    let err = zones::convert(&ZonesOptions {
        year: None,
        surcharge: Some(fixture("nrg_pc_205.tsv")),
        ..ZonesOptions::new(vec![fixture("zones_a.geojson")], fixture("prices.csv"))
    })
    .unwrap_err();
    assert!(
        err.to_string().contains("--surcharge needs --year"),
        "{err}"
    );
    assert_eq!(
        zones::convert(&v2_opts()).unwrap().to_geojson(),
        zones::convert(&v2_opts()).unwrap().to_geojson()
    );
}

#[test]
fn zones_v2_malformed_inputs_name_the_file_and_place() {
    type Case = (
        fn(&mut ZonesOptions, PathBuf),
        &'static str,
        Place,
        &'static str,
    );
    let cases: [Case; 5] = [
        (
            |o, f| o.zone_prices = Some(f),
            "zone_prices_bad.js",
            Place::Item("zones", 1),
            "2 values for 3 months",
        ),
        (
            |o, f| o.carbon = Some(f),
            "carbon_zones_bad.json",
            Place::Line(5),
            "not a number",
        ),
        (
            |o, f| o.carbon_countries = Some(f),
            "carbon_countries_bad.csv",
            Place::Line(3),
            "expected a number",
        ),
        (
            |o, f| o.surcharge = Some(f),
            "nrg_pc_205_bad.tsv",
            Place::Line(3),
            "\"0,0500\"",
        ),
        (
            |o, f| o.water_stress = Some(f),
            "aqueduct_bad.csv",
            Place::Line(3),
            "outside 0–5",
        ),
    ];
    for (set, name, place, message) in cases {
        let file = fixture(name);
        let mut opts = ZonesOptions {
            year: Some(2024),
            ..ZonesOptions::new(vec![fixture("zones_a.geojson")], fixture("ember_2024.csv"))
        };
        set(&mut opts, file.clone());
        let text = expect_malformed(zones::convert(&opts).unwrap_err(), &file, place);
        assert!(text.contains(message), "{text}");
        opts.skip_malformed = true;
        let out = zones::convert(&opts).unwrap();
        assert_eq!(malformed_lines(&out, &file)[0], place, "{name}");
    }
    // Skipped records are listed, and only well-formed rows are counted as read.
    let out = zones::convert(&ZonesOptions {
        year: Some(2024),
        skip_malformed: true,
        zone_prices: Some(fixture("zone_prices_bad.js")),
        surcharge: Some(fixture("nrg_pc_205_bad.tsv")),
        carbon_countries: Some(fixture("carbon_countries_bad.csv")),
        ..ZonesOptions::new(vec![fixture("zones_a.geojson")], fixture("ember_2024.csv"))
    })
    .unwrap();
    let r = &out.report;
    assert_eq!(
        malformed_lines(&out, &fixture("zone_prices_bad.js")),
        [
            Place::Item("zones", 1),
            Place::Item("zones", 2),
            Place::Item("zones", 3)
        ]
    );
    assert_eq!(r.read_count("zonal price series"), 1);
    assert_eq!(
        malformed_lines(&out, &fixture("nrg_pc_205_bad.tsv")),
        [Place::Line(3), Place::Line(4)]
    );
    assert_eq!(r.read_count("industrial price rows (Eurostat)"), 1);
    // Line 4 repeats Italy's 2024 row.
    assert_eq!(
        malformed_lines(&out, &fixture("carbon_countries_bad.csv")),
        [Place::Line(3), Place::Line(4)]
    );
    assert_eq!(r.read_count("carbon country rows (Ember)"), 1);
}

#[test]
fn cli_zones_with_every_v2_input() {
    let dir = tmp("cli-zones-v2");
    let out = dir.join("prices.geojson");
    let f = |n: &str| fixture(n).to_string_lossy().into_owned();
    let mut args = vec![
        "import".to_string(),
        "zones".into(),
        f("zones_a.geojson"),
        f("zones_b.geojson"),
    ];
    for (flag, file) in [
        ("--prices", "ember_2024.csv"),
        ("--zone-prices", "zone_prices.js"),
        ("--carbon", "carbon_zones.json"),
        ("--carbon-countries", "carbon_countries.csv"),
        ("--surcharge", "nrg_pc_205.tsv"),
        ("--degree-days", "nrg_chdd_a.tsv"),
        ("--water-stress", "aqueduct.csv"),
    ] {
        args.push(flag.into());
        args.push(f(file));
    }
    args.extend(["--year", "2024", "--cdd-years", "2", "--out"].map(String::from));
    args.push(out.to_string_lossy().into_owned());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, stderr) = gigasite(&argv);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("zone NO_1: price 40 price table NOR"),
        "{stderr}"
    );
    let written = std::fs::read_to_string(&out).unwrap();
    let lib = zones::convert(&v2_opts()).unwrap().to_geojson();
    assert_eq!(written, lib);
    // --zone-prices without --year is a usage error (exit 1).
    let (code, stderr) = gigasite(&[
        "import",
        "zones",
        &f("zones_a.geojson"),
        "--prices",
        &f("prices.csv"),
        "--zone-prices",
        &f("zone_prices.js"),
        "--out",
        "x.geojson",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("--year"), "{stderr}");
}
