//! GeoPackage and FlatGeobuf layers (issue 12): the European instance in either
//! format gives the GeoJSON answer; bad files give errors naming the file, feature and
//! property; `solve --format gpkg` writes a GeoPackage. The GDAL round trips at the end
//! run where ogr2ogr is installed (always on CI).

mod common;
use common::{bin, TempDir};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gigasite::gpkg::{FieldType, FieldValue, GpkgWriter, Row};
use gigasite::layers::{read_land_from, Input, LandParcel};
use gigasite::progress::Silent;
use serde_json::Value;

const LAYERS: [&str; 5] = ["land", "grid", "prices", "fibre", "demand"];

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn europe_dir() -> PathBuf {
    manifest().join("datasets/europe")
}

fn fixture(name: &str) -> PathBuf {
    manifest().join("tests/fixtures/fgb").join(name)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The European scenario with some layers replaced: writes `dir/scenario.toml`.
fn scenario_with(dir: &Path, replaced: &[(&str, String)]) -> PathBuf {
    let mut toml = std::fs::read_to_string(europe_dir().join("scenario.toml")).unwrap();
    for l in LAYERS {
        let path = replaced.iter().find(|(n, _)| *n == l).map_or_else(
            || {
                europe_dir()
                    .join(format!("{l}.geojson"))
                    .display()
                    .to_string()
            },
            |(_, p)| p.clone(),
        );
        toml = toml.replace(&format!("\"{l}.geojson\""), &format!("{path:?}"));
    }
    let p = dir.join("scenario.toml");
    std::fs::write(&p, toml).unwrap();
    p
}

/// `gigasite solve SCENARIO --out DIR --json -q EXTRA...`: the printed summary.
fn solve(scenario: &Path, out: &Path, extra: &[&str]) -> Value {
    let o = bin()
        .arg("solve")
        .arg(scenario)
        .arg("--out")
        .arg(out)
        .args(["--json", "-q"])
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The GeoJSON answer of the European instance.
fn expected() -> (f64, Vec<String>) {
    let e: Value =
        serde_json::from_slice(&std::fs::read(europe_dir().join("expected.json")).unwrap())
            .unwrap();
    let ids = e["site_ids"].as_array().unwrap();
    (
        e["objective"].as_f64().unwrap(),
        ids.iter()
            .map(|i| i.as_str().unwrap().to_string())
            .collect(),
    )
}

fn assert_same_answer(summary: &Value, what: &str) {
    let (objective, ids) = expected();
    let got = summary["objective"].as_f64().unwrap();
    assert!(
        (got - objective).abs() <= 1e-6 * objective,
        "{what}: objective {got}, GeoJSON {objective}"
    );
    let sites: Vec<&str> = summary["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(sites, ids, "{what}");
}

// --- GeoJSON to GeoPackage, without GDAL -------------------------------------------

fn position(p: &Value) -> geo::Coord {
    geo::Coord {
        x: p[0].as_f64().unwrap(),
        y: p[1].as_f64().unwrap(),
    }
}

fn line(v: &Value) -> geo::LineString {
    geo::LineString(v.as_array().unwrap().iter().map(position).collect())
}

fn polygon(v: &Value) -> geo::Polygon {
    let rings: Vec<geo::LineString> = v.as_array().unwrap().iter().map(line).collect();
    geo::Polygon::new(rings[0].clone(), rings[1..].to_vec())
}

fn geometry(g: &Value) -> geo::Geometry {
    let c = &g["coordinates"];
    let each = |f: fn(&Value) -> _| c.as_array().unwrap().iter().map(f).collect::<Vec<_>>();
    match g["type"].as_str().unwrap() {
        "Point" => geo::Geometry::Point(geo::Point(position(c))),
        "LineString" => geo::Geometry::LineString(line(c)),
        "MultiLineString" => geo::Geometry::MultiLineString(geo::MultiLineString(
            c.as_array().unwrap().iter().map(line).collect(),
        )),
        "Polygon" => geo::Geometry::Polygon(polygon(c)),
        "MultiPolygon" => geo::Geometry::MultiPolygon(geo::MultiPolygon(each(polygon))),
        other => panic!("{other}"),
    }
}

/// A column type that holds every value of a property.
fn field_type(values: &[&Value]) -> FieldType {
    if values.iter().any(|v| v.is_string()) {
        FieldType::Text
    } else if values.iter().any(|v| v.is_boolean()) {
        FieldType::Boolean
    } else if values.iter().all(|v| v.is_i64() || v.is_null()) {
        FieldType::Integer
    } else {
        FieldType::Real
    }
}

fn field_value(v: Option<&Value>) -> FieldValue {
    match v {
        Some(Value::String(s)) => FieldValue::Text(s.clone()),
        Some(Value::Bool(b)) => FieldValue::Boolean(*b),
        Some(Value::Number(n)) if n.is_i64() => FieldValue::Integer(n.as_i64().unwrap()),
        Some(Value::Number(n)) => FieldValue::Real(n.as_f64().unwrap()),
        _ => FieldValue::Null,
    }
}

/// Adds the GeoJSON layer `src` to `w` as table `table`, its properties as columns.
fn add_geojson(w: &mut GpkgWriter, table: &str, src: &Path) {
    let layer: Value = serde_json::from_slice(&std::fs::read(src).unwrap()).unwrap();
    let features = layer["features"].as_array().unwrap();
    let mut names: Vec<String> = Vec::new();
    for f in features {
        for k in f["properties"].as_object().unwrap().keys() {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
    }
    let fields: Vec<(&str, FieldType)> = names
        .iter()
        .map(|n| {
            let values: Vec<&Value> = features
                .iter()
                .filter_map(|f| f["properties"].get(n))
                .collect();
            (n.as_str(), field_type(&values))
        })
        .collect();
    let rows: Vec<Row> = features
        .iter()
        .map(|f| {
            let values = names.iter().map(|n| field_value(f["properties"].get(n)));
            (Some(geometry(&f["geometry"])), values.collect())
        })
        .collect();
    w.layer(table, "GEOMETRY", "", &fields, &rows).unwrap();
}

#[test]
fn each_europe_layer_as_geopackage_gives_the_geojson_answer() {
    let t = TempDir::new("fmt-gpkg");
    for l in LAYERS {
        let gpkg = t.0.join(format!("{l}.gpkg"));
        let mut w = GpkgWriter::create(&gpkg).unwrap();
        add_geojson(&mut w, l, &europe_dir().join(format!("{l}.geojson")));
        w.finish().unwrap();
        let dir = t.0.join(l);
        std::fs::create_dir_all(&dir).unwrap();
        let s = scenario_with(&dir, &[(l, gpkg.display().to_string())]);
        assert_same_answer(&solve(&s, &dir.join("out"), &[]), l);
    }
}

#[test]
fn all_europe_layers_in_one_geopackage_are_named_with_a_hash_suffix() {
    let t = TempDir::new("fmt-gpkg-multi");
    let gpkg = t.0.join("europe.gpkg");
    let mut w = GpkgWriter::create(&gpkg).unwrap();
    for l in LAYERS {
        add_geojson(&mut w, l, &europe_dir().join(format!("{l}.geojson")));
    }
    w.finish().unwrap();
    let named: Vec<(&str, String)> = LAYERS
        .iter()
        .map(|l| (*l, format!("{}#{l}", gpkg.display())))
        .collect();
    let s = scenario_with(&t.0, &named);
    let summary = solve(&s, &t.0.join("out"), &[]);
    assert_same_answer(&summary, "europe.gpkg");
    // The summary names each layer with its suffix.
    let layers = summary["layers"].as_array().unwrap();
    assert!(layers[0]["path"]
        .as_str()
        .unwrap()
        .ends_with("europe.gpkg#land"));
    // Without the suffix the reader lists the layers.
    let s = scenario_with(&t.0, &[("land", gpkg.display().to_string())]);
    let o = bin().arg("check").arg(&s).arg("-q").output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("has 5 feature layers (demand, fibre, grid, land, prices)")
            && err.contains("PATH.gpkg#LAYER"),
        "{err}"
    );
}

#[test]
fn each_europe_layer_as_flatgeobuf_gives_the_geojson_answer() {
    let t = TempDir::new("fmt-fgb");
    for l in LAYERS {
        let dir = t.0.join(l);
        std::fs::create_dir_all(&dir).unwrap();
        let fgb = fixture(&format!("{l}.fgb")).display().to_string();
        let s = scenario_with(&dir, &[(l, fgb)]);
        assert_same_answer(&solve(&s, &dir.join("out"), &[]), l);
    }
    // `check` reads them all at once.
    let all: Vec<(&str, String)> = LAYERS
        .iter()
        .map(|l| (*l, fixture(&format!("{l}.fgb")).display().to_string()))
        .collect();
    let s = scenario_with(&t.0, &all);
    let o = bin().arg("check").arg(&s).arg("-q").output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("land              118 features"), "{out}");
    assert!(out.contains("fibre             148 features"), "{out}");
}

// --- GeoPackage errors -------------------------------------------------------------

/// A land GeoPackage of two parcels `a` (DE, available) and `b` (FR, not available),
/// then `sql` run on it.
fn land_gpkg(path: &Path, available: FieldType, sql: &str) {
    let fields = [
        ("id", FieldType::Text),
        ("price_eur_per_m2", FieldType::Real),
        ("area_ha", FieldType::Integer),
        ("available", available),
        ("country", FieldType::Text),
    ];
    let row = |id: &str, x: f64, avail: bool, c: &str| -> Row {
        let avail = match available {
            FieldType::Boolean => FieldValue::Boolean(avail),
            _ => FieldValue::Integer(i64::from(avail)),
        };
        (
            Some(geo::Geometry::Point(geo::Point::new(x, 50.0))),
            vec![
                FieldValue::Text(id.into()),
                FieldValue::Real(10.0),
                FieldValue::Integer(40),
                avail,
                FieldValue::Text(c.into()),
            ],
        )
    };
    let _ = std::fs::remove_file(path);
    let mut w = GpkgWriter::create(path).unwrap();
    w.layer(
        "land",
        "POINT",
        "",
        &fields,
        &[row("a", 8.5, true, "DE"), row("b", 2.3, false, "FR")],
    )
    .unwrap();
    w.finish().unwrap();
    rusqlite::Connection::open(path)
        .unwrap()
        .execute_batch(&format!("PRAGMA foreign_keys = OFF; {sql}"))
        .unwrap();
}

fn read_land(path: &Path) -> Result<Vec<LandParcel>, String> {
    let p = path.to_path_buf();
    let input = Input::file(&p).map_err(|e| e.to_string())?;
    read_land_from(input, &Silent)
        .map(|(v, _)| v)
        .map_err(|e| e.to_string())
}

#[test]
fn geopackage_properties_read_like_geojson_ones() {
    let t = TempDir::new("fmt-gpkg-props");
    let p = t.0.join("land.gpkg");
    for available in [FieldType::Boolean, FieldType::Integer] {
        land_gpkg(&p, available, "");
        let land = read_land(&p).unwrap();
        assert_eq!(land.len(), 2);
        assert_eq!((land[0].id.as_str(), land[0].available), ("a", true));
        assert_eq!((land[1].id.as_str(), land[1].available), ("b", false));
        assert_eq!(land[1].country.as_deref(), Some("FR"));
        assert_eq!(land[0].area_ha, 40.0);
        assert_eq!(land[1].location, geo::Coord { x: 2.3, y: 50.0 });
    }
    // An integer other than 0 and 1 is not a boolean.
    land_gpkg(
        &p,
        FieldType::Integer,
        "UPDATE land SET available = 2 WHERE id = 'b'",
    );
    let e = read_land(&p).unwrap_err();
    assert!(
        e.contains("feature 1 (id \"b\"), property `available`: expected true or false, found 2"),
        "{e}"
    );
}

#[test]
fn the_id_column_wins_over_the_fid_which_is_the_id_only_without_one() {
    let t = TempDir::new("fmt-gpkg-fid");
    let p = t.0.join("land.gpkg");
    // ogr2ogr -preserve_fid: row numbers unrelated to the ids.
    land_gpkg(&p, FieldType::Boolean, "UPDATE land SET fid = fid + 100");
    let ids: Vec<String> = read_land(&p).unwrap().into_iter().map(|l| l.id).collect();
    assert_eq!(ids, ["a", "b"]);
    // A NULL id falls back to the fid, as a GeoJSON feature `id` would.
    land_gpkg(
        &p,
        FieldType::Boolean,
        "UPDATE land SET id = NULL WHERE fid = 2",
    );
    let ids: Vec<String> = read_land(&p).unwrap().into_iter().map(|l| l.id).collect();
    assert_eq!(ids, ["a", "2"]);
    // No id column: the fid is the id.
    land_gpkg(&p, FieldType::Boolean, "ALTER TABLE land DROP COLUMN id");
    let ids: Vec<String> = read_land(&p).unwrap().into_iter().map(|l| l.id).collect();
    assert_eq!(ids, ["1", "2"]);
}

#[test]
fn bad_geopackages_are_errors_naming_file_feature_and_property() {
    let t = TempDir::new("fmt-gpkg-bad");
    let p = t.0.join("land.gpkg");
    let shown = p.display().to_string();
    let cases: &[(&str, &str)] = &[
        (
            "INSERT INTO gpkg_spatial_ref_sys VALUES ('Web Mercator', 3857, 'EPSG', 3857, 'x', NULL);
             UPDATE gpkg_geometry_columns SET srs_id = 3857; UPDATE gpkg_contents SET srs_id = 3857;",
            "layer \"land\" is in EPSG:3857 (srs_id 3857); only WGS84 longitude/latitude (EPSG:4326) is read: reproject with `ogr2ogr -t_srs EPSG:4326",
        ),
        (
            "UPDATE gpkg_geometry_columns SET srs_id = 0; UPDATE gpkg_contents SET srs_id = 0;",
            "is in NONE:0 (srs_id 0)",
        ),
        (
            "ALTER TABLE land DROP COLUMN price_eur_per_m2",
            "feature 0 (id \"a\"), property `price_eur_per_m2`: missing: a number is required",
        ),
        (
            "UPDATE land SET price_eur_per_m2 = 'cheap' WHERE id = 'b'",
            "feature 1 (id \"b\"), property `price_eur_per_m2`: expected a number, found \"cheap\"",
        ),
        (
            "UPDATE land SET country = 'Sweden' WHERE id = 'b'",
            "feature 1 (id \"b\"), property `country`:",
        ),
        (
            "UPDATE land SET geom = X'47500001E6100000' WHERE id = 'b'",
            "feature 1 (id \"b\"), property `geometry`: the WKB geometry is truncated",
        ),
        (
            "UPDATE land SET geom = X'0102' WHERE id = 'a'",
            "feature 0 (id \"a\"), property `geometry`: not a GeoPackage geometry",
        ),
        (
            "UPDATE land SET geom = NULL WHERE id = 'a'",
            "feature 0 (id \"a\"), property `geometry`: the feature has no geometry",
        ),
        (
            "UPDATE land SET id = CAST('b' AS BLOB) WHERE id = 'a'",
            "property `id`: expected a string or number, found a binary value",
        ),
        ("DROP TABLE gpkg_contents", "an SQLite database but not a GeoPackage"),
        ("DELETE FROM gpkg_contents", "the GeoPackage has no feature layer"),
    ];
    for (sql, want) in cases {
        land_gpkg(&p, FieldType::Boolean, sql);
        let e = read_land(&p).unwrap_err();
        assert!(e.starts_with(&shown), "{sql}: {e}");
        assert!(e.contains(want), "{sql}:\n{e}\nlacks\n{want}");
    }
    // An SRS defined as EPSG 4326 under another srs_id is EPSG:4326.
    land_gpkg(
        &p,
        FieldType::Boolean,
        "INSERT INTO gpkg_spatial_ref_sys VALUES ('wgs', 99, 'epsg', 4326, 'x', NULL);
         UPDATE gpkg_geometry_columns SET srs_id = 99;",
    );
    assert_eq!(read_land(&p).unwrap().len(), 2);
}

#[test]
fn a_hash_suffix_names_a_layer_and_an_unknown_one_is_listed() {
    let t = TempDir::new("fmt-gpkg-layer");
    let p = t.0.join("land.gpkg");
    land_gpkg(&p, FieldType::Boolean, "");
    let named = t.0.join("land.gpkg#land");
    assert_eq!(read_land(&named).unwrap().len(), 2);
    let e = read_land(&t.0.join("land.gpkg#parcels")).unwrap_err();
    assert!(
        e.contains(
            "land.gpkg#parcels: the GeoPackage has no feature layer \"parcels\" (it has: land)"
        ),
        "{e}"
    );
    // A suffix on a file that is not a GeoPackage.
    let e = read_land(Path::new(&format!(
        "{}#x",
        fixture("land_small.fgb").display()
    )))
    .unwrap_err();
    assert!(
        e.contains("names a layer of a GeoPackage, and this is not one"),
        "{e}"
    );
}

#[test]
fn truncated_or_mislabelled_geopackages_are_errors() {
    let t = TempDir::new("fmt-gpkg-cut");
    let p = t.0.join("land.gpkg");
    land_gpkg(&p, FieldType::Boolean, "");
    let bytes = std::fs::read(&p).unwrap();
    let cut = t.0.join("cut.gpkg");
    for len in [0, 10, 16, 100, 1024, 4096, bytes.len() / 2, bytes.len() - 1] {
        std::fs::write(&cut, &bytes[..len]).unwrap();
        let e = read_land(&cut).unwrap_err();
        assert!(e.contains("cut.gpkg"), "{len}: {e}");
    }
    // GeoJSON text in a file named .gpkg.
    std::fs::copy(europe_dir().join("land.geojson"), &cut).unwrap();
    let e = read_land(&cut).unwrap_err();
    assert!(
        e.contains("not a GeoPackage file: it does not start with \"SQLite format 3\""),
        "{e}"
    );
}

// --- FlatGeobuf errors -------------------------------------------------------------

#[test]
fn flatgeobuf_properties_and_errors() {
    let land = read_land(&fixture("land_small.fgb")).unwrap();
    assert_eq!(land.len(), 2);
    assert_eq!((land[0].id.as_str(), land[0].available), ("a", true));
    assert_eq!((land[1].id.as_str(), land[1].available), ("b", false));
    assert_eq!(land[1].country.as_deref(), Some("FR"));
    assert_eq!(land[1].location, geo::Coord { x: 2.3, y: 48.8 });
    let cases = [
        (
            "land_3857.fgb",
            "the layer is in EPSG:3857; only WGS84 longitude/latitude (EPSG:4326) is read: reproject with `ogr2ogr -t_srs EPSG:4326",
        ),
        (
            "land_no_price.fgb",
            "feature 0 (id \"a\"), property `price_eur_per_m2`: missing: a number is required",
        ),
        (
            "land_bad_type.fgb",
            "feature 0 (id \"a\"), property `price_eur_per_m2`: expected a number, found \"cheap\"",
        ),
    ];
    for (file, want) in cases {
        let e = read_land(&fixture(file)).unwrap_err();
        assert!(e.contains(file) && e.contains(want), "{file}: {e}");
    }
}

#[test]
fn every_truncation_of_a_flatgeobuf_is_an_error() {
    let bytes = std::fs::read(fixture("land_small.fgb")).unwrap();
    let label = Path::new("cut.fgb");
    for len in 0..bytes.len() {
        let r = read_land_from(Input::bytes(label, &bytes[..len]), &Silent);
        let e = r
            .err()
            .unwrap_or_else(|| panic!("a cut at {len} was accepted"));
        let e = e.to_string();
        assert!(e.starts_with("cut.fgb"), "{len}: {e}");
        if len >= 8 {
            assert!(e.contains("truncated FlatGeobuf"), "{len}: {e}");
        }
    }
    assert!(read_land_from(Input::bytes(label, &bytes), &Silent).is_ok());
}

// --- GeoPackage output -------------------------------------------------------------

#[test]
fn format_gpkg_writes_sites_and_lines_recorded_in_the_summary() {
    let t = TempDir::new("fmt-out");
    let scenario = europe_dir().join("scenario.toml");
    let out = t.0.join("out");
    let summary = solve(&scenario, &out, &["--format", "gpkg"]);
    let gpkg = std::fs::read(out.join("sites.gpkg")).unwrap();
    let record = &summary["sites_gpkg"];
    assert_eq!(record["file"], "sites.gpkg");
    assert_eq!(record["bytes"], gpkg.len());
    let mut h = gigasite::layers::Fnv::default();
    h.update(&gpkg);
    assert_eq!(record["hash"], h.hex().as_str());
    // The tables hold what sites.geojson holds.
    let geojson: Value =
        serde_json::from_slice(&std::fs::read(out.join("sites.geojson")).unwrap()).unwrap();
    let features = geojson["features"].as_array().unwrap();
    let sites = features
        .iter()
        .filter(|f| f["properties"]["kind"] == "site")
        .count();
    let db = rusqlite::Connection::open(out.join("sites.gpkg")).unwrap();
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM sites") as usize, sites);
    assert_eq!(
        count("SELECT count(*) FROM lines") as usize,
        features.len() - sites
    );
    assert_eq!(count("PRAGMA application_id"), 0x4750_4B47);
    let first: String = db
        .query_row("SELECT id FROM sites ORDER BY rank LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(first, expected().1[0]);
    let described: String = db
        .query_row(
            "SELECT description FROM gpkg_contents WHERE table_name = 'sites'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let fingerprint = summary["inputs_fingerprint"].as_str().unwrap();
    assert!(described.ends_with(fingerprint), "{described}");
    drop(db);
    // The same run again gives the same bytes; a geojson run removes the GeoPackage.
    solve(&scenario, &out, &["--format", "gpkg"]);
    assert_eq!(std::fs::read(out.join("sites.gpkg")).unwrap(), gpkg);
    let summary = solve(&scenario, &out, &[]);
    assert!(!out.join("sites.gpkg").exists());
    assert!(summary.get("sites_gpkg").is_none());
    // The reader opens the output too: as land, its sites lack a price, and the error
    // names the first site by its id.
    solve(&scenario, &out, &["--format", "gpkg"]);
    let e = read_land(Path::new(&format!(
        "{}#sites",
        out.join("sites.gpkg").display()
    )))
    .unwrap_err();
    assert!(
        e.contains(&format!("feature 0 (id \"{}\")", expected().1[0])),
        "{e}"
    );
}

#[test]
fn an_unknown_format_is_a_usage_error() {
    let t = TempDir::new("fmt-usage");
    let o = bin()
        .arg("solve")
        .arg(europe_dir().join("scenario.toml"))
        .arg("--out")
        .arg(t.0.join("out"))
        .args(["--format", "shp"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("use geojson or gpkg"),
        "{}",
        text(&o.stderr)
    );
}

// --- Round trips through GDAL ------------------------------------------------------

/// Whether GDAL's tools are here; on CI they must be.
fn gdal() -> bool {
    if Command::new("ogr2ogr").arg("--version").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "ogr2ogr is missing on CI: install gdal-bin"
    );
    eprintln!("skipped: ogr2ogr not installed");
    false
}

fn run(cmd: &mut Command) -> Output {
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    o
}

#[test]
fn europe_layers_converted_by_ogr2ogr_give_the_geojson_answer() {
    if !gdal() {
        return;
    }
    let t = TempDir::new("fmt-gdal");
    for (driver, ext) in [("GPKG", "gpkg"), ("FlatGeobuf", "fgb")] {
        for l in LAYERS {
            let file = t.0.join(format!("{l}.{ext}"));
            run(Command::new("ogr2ogr")
                .args(["-f", driver])
                .arg(&file)
                .arg(europe_dir().join(format!("{l}.geojson"))));
            let dir = t.0.join(format!("{l}-{ext}"));
            std::fs::create_dir_all(&dir).unwrap();
            let s = scenario_with(&dir, &[(l, file.display().to_string())]);
            assert_same_answer(&solve(&s, &dir.join("out"), &[]), &format!("{l}.{ext}"));
        }
    }
}

#[test]
fn ogrinfo_reads_sites_gpkg() {
    if !gdal() {
        return;
    }
    let t = TempDir::new("fmt-ogrinfo");
    let out = t.0.join("out");
    solve(
        &europe_dir().join("scenario.toml"),
        &out,
        &["--format", "gpkg"],
    );
    let geojson: Value =
        serde_json::from_slice(&std::fs::read(out.join("sites.geojson")).unwrap()).unwrap();
    let features = geojson["features"].as_array().unwrap();
    let sites = features
        .iter()
        .filter(|f| f["properties"]["kind"] == "site")
        .count();
    let info = |table: &str| {
        let o = run(Command::new("ogrinfo")
            .args(["-ro", "-so"])
            .arg(out.join("sites.gpkg"))
            .arg(table));
        assert!(o.stderr.is_empty(), "{}", text(&o.stderr));
        text(&o.stdout)
    };
    let s = info("sites");
    assert!(s.contains(&format!("Feature Count: {sites}")), "{s}");
    assert!(s.contains("Geometry: Point"), "{s}");
    for field in [
        "rank: Integer (",
        "id: String",
        "cost_total_eur: Real",
        "price_eur_per_mwh: Real",
        "location: String",
        "kind: String",
    ] {
        assert!(s.contains(field), "sites lacks {field}:\n{s}");
    }
    let l = info("lines");
    assert!(
        l.contains(&format!("Feature Count: {}", features.len() - sites)),
        "{l}"
    );
    assert!(l.contains("Geometry: Line String"), "{l}");
    for field in [
        "site: String",
        "substation: String",
        "route: String",
        "mw: Real",
        "km: Real",
        "cost_eur: Real",
    ] {
        assert!(l.contains(field), "lines lacks {field}:\n{l}");
    }
    // A value as GDAL reads it.
    let o = run(Command::new("ogrinfo")
        .args(["-ro", "-where", "rank = 1"])
        .arg(out.join("sites.gpkg"))
        .arg("sites"));
    let v = text(&o.stdout);
    assert!(
        v.contains(&format!("id (String) = {}", expected().1[0])),
        "{v}"
    );
}
