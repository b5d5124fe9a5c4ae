//! Bad input meets a clear error naming the file, the feature (index and id) and the
//! property; what GIS tools legitimately write is accepted. One test per case.

use std::path::{Path, PathBuf};
use std::process::Command;

use gigasite::layers::Layers;
use gigasite::progress::Silent;
use gigasite::scenario::Scenario;

const LAND: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[10.0,50.0]},"properties":{"id":"A","price_eur_per_m2":10,"area_ha":50}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[10.2,50.05]},"properties":{"id":"B","price_eur_per_m2":12,"area_ha":40}}]}"#;
const GRID: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[10.1,50.0]},"properties":{"id":"S1","headroom_mw":500}}]}"#;
const PRICES: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[9,49],[11,49],[11,51],[9,51],[9,49]]]},"properties":{"zone":"Z1","price_eur_per_mwh":50,"country":"DE"}}]}"#;
const FIBRE: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","geometry":{"type":"LineString","coordinates":[[9.5,50.0],[10.5,50.0]]},"properties":{"id":"R1"}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[10.5,50.0]},"properties":{"id":"X1","kind":"ixp"}}]}"#;

/// A scenario folder with valid layers; tests overwrite one file to break it.
struct Case(PathBuf);

impl Case {
    fn new(tag: &str) -> Case {
        let dir = std::env::temp_dir().join(format!("gigasite-err-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in [
            ("land", LAND),
            ("grid", GRID),
            ("prices", PRICES),
            ("fibre", FIBRE),
        ] {
            std::fs::write(dir.join(format!("{name}.geojson")), text).unwrap();
        }
        std::fs::write(
            dir.join("scenario.toml"),
            "[layers]\nland = \"land.geojson\"\ngrid = \"grid.geojson\"\nprices = \"prices.geojson\"\nfibre = \"fibre.geojson\"\n[sites]\ncount = 1\n",
        )
        .unwrap();
        Case(dir)
    }

    fn write(&self, layer: &str, text: &str) -> &Self {
        std::fs::write(self.0.join(format!("{layer}.geojson")), text).unwrap();
        self
    }

    fn write_bytes(&self, layer: &str, bytes: &[u8]) -> &Self {
        std::fs::write(self.0.join(format!("{layer}.geojson")), bytes).unwrap();
        self
    }

    fn scenario(&self) -> Scenario {
        Scenario::load(&self.0.join("scenario.toml")).unwrap()
    }

    fn read(&self) -> Result<Layers, gigasite::Error> {
        Layers::read(&self.scenario().layers, &Silent)
    }

    /// The error message, which must name every fragment given.
    fn error(&self, fragments: &[&str]) -> String {
        let msg = match self.read() {
            Ok(_) => panic!("expected an error containing {fragments:?}"),
            Err(e) => e.to_string(),
        };
        for f in fragments {
            assert!(msg.contains(f), "message lacks {f:?}: {msg}");
        }
        msg
    }
}

impl Drop for Case {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn land_with(feature: &str) -> String {
    format!(r#"{{"type":"FeatureCollection","features":[{feature}]}}"#)
}

#[test]
fn valid_case_reads() {
    let c = Case::new("valid");
    let layers = c.read().unwrap();
    assert_eq!(layers.land.len(), 2);
    assert_eq!(layers.fibre.ixps.len(), 1);
}

#[test]
fn missing_file() {
    let c = Case::new("missing");
    std::fs::remove_file(c.0.join("grid.geojson")).unwrap();
    let err = Scenario::load(&c.0.join("scenario.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("layers.grid")
            && err.contains("grid.geojson")
            && err.contains("does not exist"),
        "{err}"
    );
}

#[test]
fn not_json() {
    Case::new("notjson")
        .write("land", "hello, world")
        .error(&["land.geojson", "not valid JSON"]);
}

#[test]
fn truncated_json() {
    Case::new("truncated")
        .write("land", &LAND[..LAND.len() / 2])
        .error(&["land.geojson", "truncated JSON"]);
}

#[test]
fn not_a_feature_collection() {
    Case::new("notfc")
        .write(
            "grid",
            r#"{"type":"Feature","geometry":null,"properties":{}}"#,
        )
        .error(&[
            "grid.geojson",
            "expected a GeoJSON FeatureCollection, found a Feature",
        ]);
    Case::new("array")
        .write("grid", "[1, 2]")
        .error(&["grid.geojson", "found a JSON array"]);
}

#[test]
fn absurd_nesting_depth() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    // Deep nesting outside the features is skipped without recursion; inside a feature
    // it meets the parser's depth limit.
    let text = format!(
        r#"{{"type":"FeatureCollection","x":{deep},"features":[{{"type":"Feature","geometry":{{"type":"Point","coordinates":[10,50]}},"properties":{{"id":"A","price_eur_per_m2":1,"area_ha":40,"deep":{deep}}}}}]}}"#
    );
    Case::new("deep").write("land", &text).error(&[
        "land.geojson",
        "feature 0 (id \"A\")",
        "nested deeper than 128 levels",
    ]);
}

#[test]
fn feature_without_geometry() {
    let f = r#"{"type":"Feature","geometry":null,"properties":{"id":"P7","price_eur_per_m2":1,"area_ha":40}}"#;
    Case::new("nogeom").write("land", &land_with(f)).error(&[
        "land.geojson",
        "feature 0 (id \"P7\")",
        "`geometry`",
        "no geometry",
    ]);
}

#[test]
fn geometry_type_the_layer_does_not_take() {
    let f = r#"{"type":"Feature","geometry":{"type":"LineString","coordinates":[[10,50],[11,50]]},"properties":{"id":"S9","headroom_mw":5}}"#;
    Case::new("wronggeom").write("grid", &land_with(f)).error(&[
        "grid.geojson",
        "feature 0 (id \"S9\")",
        "expected a Point, found LineString",
    ]);
}

#[test]
fn projected_coordinates_get_a_hint() {
    let f = r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[1113194.9,6446275.8]},"properties":{"id":"A","price_eur_per_m2":1,"area_ha":40}}"#;
    Case::new("projected").write("land", &land_with(f)).error(&[
        "land.geojson",
        "feature 0",
        "projected",
        "ogr2ogr -t_srs EPSG:4326",
    ]);
    let f = r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[190.0,50.0]},"properties":{"id":"A","price_eur_per_m2":1,"area_ha":40}}"#;
    Case::new("range")
        .write("land", &land_with(f))
        .error(&["outside longitude [-180, 180]"]);
}

#[test]
fn legacy_crs_other_than_wgs84() {
    let text = LAND.replacen(
        r#"{"type":"FeatureCollection","#,
        r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3857"}},"#,
        1,
    );
    Case::new("crs").write("land", &text).error(&[
        "land.geojson",
        "EPSG::3857",
        "ogr2ogr -t_srs EPSG:4326",
    ]);
    for ok in ["urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326"] {
        let text = LAND.replacen(
            r#"{"type":"FeatureCollection","#,
            &format!(r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"{ok}"}}}},"#),
            1,
        );
        Case::new("crsok").write("land", &text).read().unwrap();
    }
}

#[test]
fn required_property_missing() {
    let f = r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[10,50]},"properties":{"id":"A","area_ha":40}}"#;
    Case::new("missingprop")
        .write("land", &land_with(f))
        .error(&[
            "land.geojson",
            "feature 0 (id \"A\")",
            "`price_eur_per_m2`",
            "missing",
        ]);
}

#[test]
fn property_of_the_wrong_type() {
    let f = r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[10,50]},"properties":{"id":"A","price_eur_per_m2":"cheap","area_ha":40}}"#;
    Case::new("wrongtype").write("land", &land_with(f)).error(&[
        "`price_eur_per_m2`",
        "expected a number",
        "\"cheap\"",
    ]);
    let f = r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[10,50]},"properties":{"id":"A","price_eur_per_m2":1,"area_ha":40,"available":"yes"}}"#;
    Case::new("wrongbool")
        .write("land", &land_with(f))
        .error(&["`available`", "expected true or false"]);
}

#[test]
fn negative_where_it_must_not_be() {
    let f = r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[10,50]},"properties":{"id":"S1","headroom_mw":-5}}"#;
    Case::new("negative").write("grid", &land_with(f)).error(&[
        "grid.geojson",
        "feature 0 (id \"S1\")",
        "`headroom_mw`",
        ">= 0",
        "-5",
    ]);
}

#[test]
fn number_that_is_not_finite() {
    let f = r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[10,50]},"properties":{"id":"A","price_eur_per_m2":1e999,"area_ha":40}}"#;
    Case::new("infinite").write("land", &land_with(f)).error(&[
        "land.geojson",
        "feature 0 (id \"A\")",
        "`price_eur_per_m2`",
        "not a finite number",
    ]);
}

#[test]
fn duplicate_ids() {
    let text = LAND.replace("\"id\":\"B\"", "\"id\":\"A\"");
    Case::new("dup").write("land", &text).error(&[
        "land.geojson",
        "feature 1 (id \"A\")",
        "duplicate id",
    ]);
}

#[test]
fn empty_required_layer() {
    Case::new("empty")
        .write("grid", r#"{"type":"FeatureCollection","features":[]}"#)
        .error(&["grid.geojson", "no substations"]);
}

#[test]
fn invalid_polygons_are_rejected_not_repaired() {
    let unclosed = r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[9,49],[11,49],[11,51],[9,51]]]},"properties":{"zone":"Z1","price_eur_per_mwh":50}}"#;
    Case::new("unclosed")
        .write("prices", &land_with(unclosed))
        .error(&["prices.geojson", "feature 0", "not closed", "rejected"]);
    let short = r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[9,49],[11,49],[9,49]]]},"properties":{"zone":"Z1","price_eur_per_mwh":50}}"#;
    Case::new("short")
        .write("prices", &land_with(short))
        .error(&["at least 4 positions", "rejected"]);
}

#[test]
fn very_long_strings_fail_cleanly() {
    let name = "x".repeat(100_000);
    let f = format!(
        r#"{{"type":"Feature","geometry":{{"type":"Point","coordinates":[10,50]}},"properties":{{"id":"A","price_eur_per_m2":1,"area_ha":40,"name":"{name}"}}}}"#
    );
    Case::new("long").write("land", &land_with(&f)).error(&[
        "feature 0 (id \"A\")",
        "`name`",
        "documented limit",
    ]);
}

#[test]
fn what_gis_tools_write_is_accepted() {
    // 3-D coordinates, bbox members, the feature-level id, a byte-order mark, extra
    // properties and null optional properties.
    let land = r#"{"type":"FeatureCollection","bbox":[9,49,11,51],"features":[
      {"type":"Feature","id":"A","bbox":[10,50,10,50],"geometry":{"type":"Point","coordinates":[10.0,50.0,120.5]},
       "properties":{"price_eur_per_m2":10,"area_ha":50,"name":null,"country":null,"available":null,"owner":"someone","height":3}},
      {"type":"Feature","id":7,"geometry":{"type":"Point","coordinates":[10.2,50.05]},"properties":{"price_eur_per_m2":12,"area_ha":40}}]}"#;
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(land.as_bytes());
    let c = Case::new("gis");
    c.write_bytes("land", &bytes);
    let layers = c.read().unwrap();
    assert_eq!(layers.land[0].id, "A");
    assert_eq!(layers.land[1].id, "7");
    assert!(layers.land[0].available);
    assert_eq!(layers.land[0].location.x, 10.0);
    let r = gigasite::run(
        &c.scenario(),
        &gigasite::solve::SolveOptions {
            backend: gigasite::solve::Backend::Microlp,
            time_limit_s: None,
            mip_gap: 0.0,
        },
        &Silent,
    )
    .unwrap();
    assert_eq!(r.outcome.status, gigasite::solve::Status::Optimal);
}

#[test]
fn the_command_exits_1_and_writes_nothing() {
    let c = Case::new("cli");
    let f = r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[10,50]},"properties":{"id":"A","price_eur_per_m2":1e999,"area_ha":40}}"#;
    c.write("land", &land_with(f));
    let out_dir: &Path = &c.0.join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_gigasite"))
        .arg("solve")
        .arg(c.0.join("scenario.toml"))
        .arg("--out")
        .arg(out_dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("price_eur_per_m2") && !stderr.contains("panicked"),
        "{stderr}"
    );
    // A failed run writes no result: only a summary recording the error (issue 12,
    // item 5).
    let names: Vec<String> = std::fs::read_dir(out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["summary.json"], "a failed run must write no result");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["status"], "error");
    assert!(summary["error"]
        .as_str()
        .unwrap()
        .contains("price_eur_per_m2"));
}

#[test]
fn item_7_id_property_wins_over_feature_id() {
    // As after `ogr2ogr -preserve_fid`: feature ids are row numbers, the `id`
    // property is the real id. Two features differ: one warning for the layer.
    let land = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","id":1,"geometry":{"type":"Point","coordinates":[10.0,50.0]},"properties":{"id":"A","price_eur_per_m2":10,"area_ha":50}},
{"type":"Feature","id":2,"geometry":{"type":"Point","coordinates":[10.2,50.05]},"properties":{"id":"B","price_eur_per_m2":12,"area_ha":40}},
{"type":"Feature","id":"C","geometry":{"type":"Point","coordinates":[10.3,50.05]},"properties":{"id":"C","price_eur_per_m2":12,"area_ha":40}},
{"type":"Feature","id":"D","geometry":{"type":"Point","coordinates":[10.4,50.05]},"properties":{"price_eur_per_m2":12,"area_ha":40}}]}"#;
    let c = Case::new("item7");
    c.write("land", land);
    let layers = c.read().unwrap();
    let ids: Vec<_> = layers.land.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["A", "B", "C", "D"]);
    assert_eq!(layers.warnings.len(), 1, "{:?}", layers.warnings);
    let w = &layers.warnings[0];
    assert!(
        w.contains("land.geojson") && w.contains("2 feature(s)") && w.contains("\"A\""),
        "{w}"
    );
    assert_eq!(layers.info[0].1.warnings.len(), 1);
    // Errors name the feature by its `id` property.
    let bad = land.replace(
        r#""id":"B","price_eur_per_m2":12"#,
        r#""id":"B","price_eur_per_m2":-1"#,
    );
    Case::new("item7err")
        .write("land", &bad)
        .error(&["feature 1 (id \"B\")", "`price_eur_per_m2`"]);
}

#[test]
fn item_8_country_must_be_an_iso_alpha2_code() {
    let f = r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[10,50]},"properties":{"id":"A","price_eur_per_m2":1,"area_ha":40,"country":"Sweden"}}"#;
    Case::new("item8").write("land", &land_with(f)).error(&[
        "land.geojson",
        "feature 0 (id \"A\")",
        "`country`",
        "ISO 3166-1 alpha-2",
        "\"Sweden\"",
        "write \"SE\"",
    ]);
    for (bad, hint) in [("se", "SE"), ("SWE", "SE"), ("UK", "GB")] {
        let f = f.replace("Sweden", bad);
        Case::new("item8b")
            .write("land", &land_with(&f))
            .error(&["`country`", &format!("write \"{hint}\"")]);
    }
    let f2 = f.replace("Sweden", "AB");
    Case::new("item8c")
        .write("land", &land_with(&f2))
        .error(&["`country`", "\"AB\"", "not one"]);
    // Zones too; Eurostat's EL is not ISO's GR.
    let zone = PRICES.replace(r#""country":"DE""#, r#""country":"EL""#);
    Case::new("item8z").write("prices", &zone).error(&[
        "prices.geojson",
        "feature 0",
        "`country`",
        "write \"GR\"",
    ]);
    // Kosovo's user-assigned XK, and GB, are accepted.
    for ok in ["XK", "GB", "SE"] {
        let c = Case::new("item8ok");
        c.write("land", &land_with(&f.replace("Sweden", ok)));
        c.write("prices", &PRICES.replace("DE", ok));
        let layers = c.read().unwrap();
        assert_eq!(layers.land[0].country.as_deref(), Some(ok));
        assert_eq!(layers.prices[0].country.as_deref(), Some(ok));
    }
}

#[test]
fn item_10_negative_zone_price_is_rejected() {
    let zone = PRICES.replace(r#""price_eur_per_mwh":50"#, r#""price_eur_per_mwh":-3.5"#);
    Case::new("item10").write("prices", &zone).error(&[
        "prices.geojson",
        "feature 0",
        "`price_eur_per_mwh`",
        ">= 0",
        "-3.5",
    ]);
    let free = PRICES.replace(r#""price_eur_per_mwh":50"#, r#""price_eur_per_mwh":0"#);
    let c = Case::new("item10ok");
    c.write("prices", &free);
    assert_eq!(c.read().unwrap().prices[0].price_eur_per_mwh, 0.0);
}

#[test]
fn item_11_nan_and_infinity_name_the_feature_and_property() {
    let f = r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[10,50]},"properties":{"id":"C","price_eur_per_m2":NaN,"area_ha":40}}"#;
    let text = format!("{},\n{f}]}}", LAND.strip_suffix("]}").unwrap());
    Case::new("item11nan").write("land", &text).error(&[
        "land.geojson",
        "feature 2 (id \"C\")",
        "`price_eur_per_m2`",
        "`NaN` is not a JSON number",
        "line 4",
    ]);
    // The id comes after the bad token: found in the feature's text.
    let f = r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[10,-Infinity]},"properties":{"id":"Q","price_eur_per_m2":1,"area_ha":40}}"#;
    Case::new("item11inf").write("land", &land_with(f)).error(&[
        "feature 0 (id \"Q\")",
        "`geometry`",
        "`-Infinity` is not a JSON number",
    ]);
    let f = r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[10,50]},"properties":{"id":"A","price_eur_per_m2":1,"area_ha":Infinity}}"#;
    Case::new("item11inf2")
        .write("land", &land_with(f))
        .error(&["feature 0 (id \"A\")", "`area_ha`", "`Infinity`"]);
}

#[test]
fn item_11_non_utf8_bytes_name_the_feature_and_property() {
    let mut bytes = br#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[10,50]},"properties":{"id":"A","price_eur_per_m2":1,"area_ha":40,"name":"Malm"#.to_vec();
    bytes.push(0xF6); // 'ö' in Latin-1
    bytes.extend_from_slice(br#""}}]}"#);
    Case::new("item11utf8").write_bytes("land", &bytes).error(&[
        "land.geojson",
        "feature 0 (id \"A\")",
        "`name`",
        "not valid UTF-8",
    ]);
}

#[test]
fn item_11_layer_path_that_is_a_directory() {
    let c = Case::new("item11dir");
    std::fs::remove_file(c.0.join("grid.geojson")).unwrap();
    std::fs::create_dir(c.0.join("grid.geojson")).unwrap();
    let err = Scenario::load(&c.0.join("scenario.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("layers.grid") && err.contains("is a directory"),
        "{err}"
    );
    let err = gigasite::layers::read_grid(&c.0.join("grid.geojson"), &Silent)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("is a directory"), "{err}");
}

#[test]
fn item_11_long_ids_are_cut_in_messages() {
    let id = "x".repeat(70_000);
    let f = format!(
        r#"{{"type":"Feature","geometry":{{"type":"Point","coordinates":[10,50]}},"properties":{{"id":"{id}","price_eur_per_m2":1,"area_ha":40}}}}"#
    );
    let msg = Case::new("item11long")
        .write("land", &land_with(&f))
        .error(&["feature 0 (id \"xxxx", "…\" (70000 characters)", "`id`"]);
    assert!(msg.len() < 600, "{} bytes: {}", msg.len(), &msg[..600]);
    // A long id that fits the string limit, duplicated.
    let id = "y".repeat(20_000);
    let f = format!(
        r#"{{"type":"Feature","geometry":{{"type":"Point","coordinates":[10,50]}},"properties":{{"id":"{id}","price_eur_per_m2":1,"area_ha":40}}}}"#
    );
    let msg = Case::new("item11dup")
        .write("land", &land_with(&format!("{f},{f}")))
        .error(&["feature 1", "duplicate id", "(20000 characters)"]);
    assert!(msg.len() < 600, "{} bytes", msg.len());
}

#[test]
fn reading_stops_at_the_deadline() {
    let c = Case::new("deadline");
    let err = Layers::read_until(
        &c.scenario().layers,
        &Silent,
        &gigasite::deadline::Deadline::after_secs(0.0),
    )
    .err()
    .unwrap();
    assert!(
        matches!(
            err,
            gigasite::Error::TimeLimit {
                stage: "reading layers"
            }
        ),
        "{err}"
    );
    Layers::read_until(
        &c.scenario().layers,
        &Silent,
        &gigasite::deadline::Deadline::after_secs(3600.0),
    )
    .unwrap();
}

#[test]
fn coordinates_before_the_type_and_odd_members_are_read() {
    let land = r#"{"features":[
{"properties":{"price_eur_per_m2":10,"area_ha":50,"tags":{"a":[1,{"b":null}]},"id":"A"},"geometry":{"coordinates":[10.0,50.0],"type":"Point"},"type":"Feature"},
{"type":"Feature","geometry":{"coordinates":[[[9,49],[11,49],[11,51],[9,51],[9,49]]],"bbox":[9,49,11,51],"type":"Polygon"},"properties":{"id":"P\u00f6","price_eur_per_m2":1}}],
"name":"land","type":"FeatureCollection"}"#;
    let c = Case::new("order");
    c.write("land", land);
    let layers = c.read().unwrap();
    assert_eq!(layers.land[0].location.x, 10.0);
    assert_eq!(layers.land[1].id, "Pö");
    assert!(layers.land[1].area_ha > 10_000.0);
    // Syntax errors between features name the place.
    Case::new("comma")
        .write("land", &LAND.replace("}},\n{", "}}\n{"))
        .error(&[
            "land.geojson",
            "expected `,` or `]` after a feature",
            "line 3",
        ]);
}
