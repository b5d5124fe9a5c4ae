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
