//! Writing GeoPackage files (OGC 12-128r18, version 1.2 as GDAL writes it): the
//! required tables (`gpkg_spatial_ref_sys` with EPSG:4326, `gpkg_contents`,
//! `gpkg_geometry_columns`), the `application_id`/`user_version` pragmas, and one
//! feature table per layer, each of one geometry type (GeoPackage geometry blobs:
//! "GP" header with an envelope, then little-endian WKB), in EPSG:4326.
//!
//! No spatial index is written (optional in the standard; GIS tools build one when
//! asked). `last_change` is a fixed timestamp so the same result gives the same bytes.
//!
//! `gigasite solve --format gpkg` writes its sites this way ([`write_sites`]); tests
//! use [`GpkgWriter`] to make GeoPackage layers.

use std::path::{Path, PathBuf};

use geo::{BoundingRect, Coord};
use rusqlite::{params_from_iter, Connection};
use serde_json::Value as Json;

use crate::error::{Error, Result};

/// The type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Integer,
    Real,
    Text,
    Boolean,
}

impl FieldType {
    fn sql(self) -> &'static str {
        match self {
            FieldType::Integer => "MEDIUMINT",
            FieldType::Real => "REAL",
            FieldType::Text => "TEXT",
            FieldType::Boolean => "BOOLEAN",
        }
    }
}

/// A value in a column.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Boolean(bool),
}

impl FieldValue {
    fn sql(&self) -> rusqlite::types::Value {
        use rusqlite::types::Value;
        match self {
            FieldValue::Null => Value::Null,
            FieldValue::Integer(i) => Value::Integer(*i),
            FieldValue::Real(x) => Value::Real(*x),
            FieldValue::Text(s) => Value::Text(s.clone()),
            FieldValue::Boolean(b) => Value::Integer(i64::from(*b)),
        }
    }
}

/// One feature: its geometry (none: NULL) and a value per column.
pub type Row = (Option<geo::Geometry>, Vec<FieldValue>);

/// Timestamp written as every table's `last_change` (deterministic output).
const LAST_CHANGE: &str = "1970-01-01T00:00:00.000Z";

const WGS84_WKT: &str = "GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563,AUTHORITY[\"EPSG\",\"7030\"]],AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],AXIS[\"Latitude\",NORTH],AXIS[\"Longitude\",EAST],AUTHORITY[\"EPSG\",\"4326\"]]";

const SCHEMA: &str = "
PRAGMA application_id = 1196444487;
PRAGMA user_version = 10200;
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
INSERT INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
";

/// `name` quoted as an SQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A GeoPackage being written.
pub struct GpkgWriter {
    conn: Connection,
    path: PathBuf,
}

impl GpkgWriter {
    /// Creates a new GeoPackage at `path` (which must not exist).
    pub fn create(path: &Path) -> Result<GpkgWriter> {
        if path.exists() {
            return Err(output(path, "already exists"));
        }
        let conn = Connection::open(path).map_err(|e| output(path, e))?;
        let w = GpkgWriter {
            conn,
            path: path.to_path_buf(),
        };
        w.conn
            .execute_batch(&format!("PRAGMA journal_mode = OFF;\n{SCHEMA}"))
            .map_err(|e| w.err(e))?;
        w.conn
            .execute(
                "INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326, ?1, 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')",
                [WGS84_WKT],
            )
            .map_err(|e| w.err(e))?;
        Ok(w)
    }

    fn err(&self, e: impl std::fmt::Display) -> Error {
        output(&self.path, e)
    }

    /// Adds a feature table `name` of `geometry_type` (POINT, LINESTRING, POLYGON,
    /// MULTIPOLYGON, GEOMETRY …) with the given columns after `fid` and `geom`.
    pub fn layer(
        &mut self,
        name: &str,
        geometry_type: &str,
        description: &str,
        fields: &[(&str, FieldType)],
        rows: &[Row],
    ) -> Result<()> {
        let cols: Vec<String> = fields
            .iter()
            .map(|(n, t)| format!("{} {}", quote(n), t.sql()))
            .collect();
        let mut create = format!(
            "CREATE TABLE {} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom {geometry_type}",
            quote(name)
        );
        for c in &cols {
            create.push_str(", ");
            create.push_str(c);
        }
        create.push(')');
        let extent = extent(rows.iter().filter_map(|r| r.0.as_ref()));
        let tx = self.conn.transaction().map_err(|e| output(&self.path, e))?;
        let path = &self.path;
        let e = |e: rusqlite::Error| output(path, e);
        tx.execute(&create, []).map_err(e)?;
        tx.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, min_x, min_y, max_x, max_y, srs_id) VALUES (?1, 'features', ?1, ?2, ?3, ?4, ?5, ?6, ?7, 4326)",
            rusqlite::params![name, description, LAST_CHANGE, extent.map(|b| b.0.x), extent.map(|b| b.0.y), extent.map(|b| b.1.x), extent.map(|b| b.1.y)],
        )
        .map_err(e)?;
        tx.execute(
            "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', ?2, 4326, 0, 0)",
            [name, geometry_type],
        )
        .map_err(e)?;
        let marks = vec!["?"; fields.len() + 1].join(", ");
        let names: Vec<String> = fields.iter().map(|(n, _)| quote(n)).collect();
        let sql = format!(
            "INSERT INTO {} (geom{}{}) VALUES ({marks})",
            quote(name),
            if names.is_empty() { "" } else { ", " },
            names.join(", ")
        );
        {
            let mut insert = tx.prepare(&sql).map_err(e)?;
            for (g, values) in rows {
                let geom = match g {
                    Some(g) => rusqlite::types::Value::Blob(geometry_blob(g)),
                    None => rusqlite::types::Value::Null,
                };
                let vals = values.iter().map(FieldValue::sql);
                insert
                    .execute(params_from_iter(std::iter::once(geom).chain(vals)))
                    .map_err(e)?;
            }
        }
        tx.commit().map_err(e)
    }

    /// Closes the file.
    pub fn finish(self) -> Result<()> {
        let path = self.path;
        self.conn.close().map_err(|(_, e)| output(&path, e))
    }
}

fn output(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Output {
        path: path.to_path_buf(),
        message: format!("writing the GeoPackage: {e}"),
    }
}

/// The bounding box of the geometries: (min, max).
fn extent<'a>(geoms: impl Iterator<Item = &'a geo::Geometry>) -> Option<(Coord, Coord)> {
    geoms
        .filter_map(|g| g.bounding_rect())
        .fold(None, |acc, r| {
            let (lo, hi) = (r.min(), r.max());
            Some(match acc {
                None => (lo, hi),
                Some((a, b)) => (
                    Coord {
                        x: a.x.min(lo.x),
                        y: a.y.min(lo.y),
                    },
                    Coord {
                        x: b.x.max(hi.x),
                        y: b.y.max(hi.y),
                    },
                ),
            })
        })
}

/// A GeoPackage geometry blob: "GP", version 0, flags (little-endian; an xy
/// envelope except for points), srs_id 4326, envelope, then WKB.
pub fn geometry_blob(g: &geo::Geometry) -> Vec<u8> {
    let envelope = match g {
        geo::Geometry::Point(_) => None,
        other => other.bounding_rect(),
    };
    let mut out = vec![b'G', b'P', 0, if envelope.is_some() { 0x03 } else { 0x01 }];
    out.extend_from_slice(&4326i32.to_le_bytes());
    if let Some(r) = envelope {
        for v in [r.min().x, r.max().x, r.min().y, r.max().y] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out.extend_from_slice(&crate::layers::wkb_encode(g));
    out
}

/// The columns of the `sites` table: the site properties of sites.geojson.
pub const SITE_FIELDS: &[(&str, FieldType)] = &[
    ("rank", FieldType::Integer),
    ("id", FieldType::Text),
    ("name", FieldType::Text),
    ("country", FieldType::Text),
    ("zone", FieldType::Text),
    ("price_eur_per_mwh", FieldType::Real),
    ("cost_total_eur", FieldType::Real),
    ("cost_land_eur", FieldType::Real),
    ("cost_energy_eur", FieldType::Real),
    ("cost_fibre_eur", FieldType::Real),
    ("cost_grid_eur", FieldType::Real),
    ("capex_eur", FieldType::Real),
    ("fibre_access_km", FieldType::Real),
    ("rtt_to_ixp_ms", FieldType::Real),
    ("nearest_ixp", FieldType::Text),
    ("power_mw", FieldType::Real),
    ("area_ha", FieldType::Real),
    ("location", FieldType::Text),
    ("kind", FieldType::Text),
];

/// The columns of the `lines` table: grid lines (`substation`, `mw`) and fibre
/// access lines (`route`), as in sites.geojson.
pub const LINE_FIELDS: &[(&str, FieldType)] = &[
    ("kind", FieldType::Text),
    ("site", FieldType::Text),
    ("substation", FieldType::Text),
    ("route", FieldType::Text),
    ("mw", FieldType::Real),
    ("km", FieldType::Real),
    ("cost_eur", FieldType::Real),
];

/// A JSON property as a column value of type `t`.
fn field_value(v: Option<&Json>, t: FieldType) -> FieldValue {
    match (v, t) {
        (Some(Json::Number(n)), FieldType::Integer) => {
            n.as_i64().map_or(FieldValue::Null, FieldValue::Integer)
        }
        (Some(Json::Number(n)), FieldType::Real) => {
            n.as_f64().map_or(FieldValue::Null, FieldValue::Real)
        }
        (Some(Json::String(s)), FieldType::Text) => FieldValue::Text(s.clone()),
        (Some(Json::Bool(b)), FieldType::Boolean) => FieldValue::Boolean(*b),
        _ => FieldValue::Null,
    }
}

/// A JSON Point or LineString geometry as geo's.
fn json_geometry(g: &Json) -> Option<geo::Geometry> {
    let pos = |p: &Json| -> Option<Coord> {
        Some(Coord {
            x: p.get(0)?.as_f64()?,
            y: p.get(1)?.as_f64()?,
        })
    };
    let coords = g.get("coordinates")?;
    match g.get("type")?.as_str()? {
        "Point" => Some(geo::Geometry::Point(geo::Point(pos(coords)?))),
        "LineString" => Some(geo::Geometry::LineString(geo::LineString(
            coords
                .as_array()?
                .iter()
                .map(pos)
                .collect::<Option<Vec<_>>>()?,
        ))),
        _ => None,
    }
}

/// Writes the content of sites.geojson (`layer`, a FeatureCollection) as a new
/// GeoPackage at `path`: table `sites` (POINT, one row per site, [`SITE_FIELDS`]) and
/// table `lines` (LINESTRING, grid lines then fibre access lines, [`LINE_FIELDS`]).
/// Both tables' descriptions carry the run's inputs fingerprint.
pub fn write_sites(path: &Path, layer: &Json, fingerprint: &str) -> Result<()> {
    let features = layer["features"].as_array().map_or(&[][..], |v| v);
    let rows = |site: bool, fields: &[(&str, FieldType)]| -> Vec<Row> {
        features
            .iter()
            .filter(|f| (f["properties"]["kind"] == "site") == site)
            .map(|f| {
                let p = &f["properties"];
                let values = fields.iter().map(|(n, t)| field_value(p.get(n), *t));
                (json_geometry(&f["geometry"]), values.collect())
            })
            .collect()
    };
    let mut w = GpkgWriter::create(path)?;
    let about = |what: &str| format!("gigasite {what}; inputs_fingerprint {fingerprint}");
    w.layer(
        "sites",
        "POINT",
        &about("sites"),
        SITE_FIELDS,
        &rows(true, SITE_FIELDS),
    )?;
    w.layer(
        "lines",
        "LINESTRING",
        &about("grid lines and fibre access lines"),
        LINE_FIELDS,
        &rows(false, LINE_FIELDS),
    )?;
    w.finish()
}
