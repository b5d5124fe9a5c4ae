//! Reading a GeoPackage feature table (through SQLite, built in by rusqlite's
//! `bundled` feature): the layer is chosen (one table, or `path.gpkg#layer`), its SRS
//! checked (EPSG:4326 only), and each row handed to the layer's checks as a
//! [`Parsed`] feature, like a GeoJSON feature: the columns named like the layer's keys
//! are its properties, the geometry blob is decoded (GeoPackage header, then WKB).
//!
//! GDAL's feature id (the table's INTEGER PRIMARY KEY, `fid`) plays the GeoJSON `id`'s
//! part only where the row has no `id` value: an `id` column wins (issue 12, item 7),
//! and since a row number always differs from a string id no warning is given.

use std::io::Read;
use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::parse::{Feature, Geometry, Value, MAX_KEYS};
use super::{hash_file, limits, wkb, Fnv, Input, LayerInfo, Origin, Parsed, Result, READING};
use crate::progress::Progress;

/// The first bytes of every SQLite database file.
pub(crate) const MAGIC: &[u8] = b"SQLite format 3\0";

/// The hint given with a layer that is not in EPSG:4326.
const REPROJECT: &str = "reproject with `ogr2ogr -t_srs EPSG:4326 out.gpkg in.gpkg`";

/// What is known of the table being read.
struct Table {
    name: String,
    geometry: String,
    /// The INTEGER PRIMARY KEY column (GDAL's `fid`), if any.
    fid: Option<String>,
    /// For `id` and each key: whether the table has the column, and whether its
    /// declared type is BOOLEAN.
    columns: Vec<Option<bool>>,
}

/// Reads the GeoPackage layer of `input`, handing each row to `sink` in order.
pub(crate) fn read(
    input: Input<'_>,
    layer: &str,
    progress: &dyn Progress,
    keys: &'static [&'static str],
    sink: &mut dyn FnMut(Parsed) -> Result<()>,
) -> Result<LayerInfo> {
    input.deadline.check(READING)?;
    let path = input.path;
    let fail = |m: String| input.layer_err(m);
    let sql = |e: rusqlite::Error| fail(format!("not a readable GeoPackage: {}", sqlite_text(&e)));
    let (conn, hash) = match &input.origin {
        Origin::File(file) => {
            check_size(
                &read_header(file).map_err(|e| fail(format!("could not be read: {e}")))?,
                input.total,
            )
            .map_err(fail)?;
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let conn = Connection::open_with_flags(file, flags).map_err(sql)?;
            (conn, hash_file(file)?)
        }
        Origin::Bytes(bytes) => {
            check_size(bytes, input.total).map_err(fail)?;
            (in_memory(bytes).map_err(sql)?, fnv(bytes))
        }
        Origin::Stream => return Err(fail("a GeoPackage is read from a file".into())),
    };
    let table = choose_table(&conn, input.table.as_deref(), keys).map_err(fail)?;
    let count = read_rows(&conn, &table, &input, keys, sink)?;
    progress.read_bytes(layer, input.total, input.total);
    Ok(LayerInfo {
        path: path.to_path_buf(),
        hash,
        bytes: input.total,
        features: count,
        warnings: Vec::new(),
    })
}

/// The first 100 bytes of the file (SQLite's database header), or fewer.
fn read_header(file: &Path) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(100);
    std::fs::File::open(file)?
        .take(100)
        .read_to_end(&mut head)?;
    Ok(head)
}

/// A file shorter than its header's page count says is truncated (SQLite itself
/// reads the pages a query needs and would not notice a missing last page).
fn check_size(header: &[u8], len: u64) -> std::result::Result<(), String> {
    let word = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(header.get(at..at + 4)?.try_into().ok()?))
    };
    let page_size = match header.get(16..18).map(|b| u16::from_be_bytes([b[0], b[1]])) {
        Some(1) => 65536,
        Some(s) => u64::from(s),
        None => return Err("truncated GeoPackage: the file ends inside the SQLite header".into()),
    };
    // The page count is valid when the change counter matches "version valid for".
    let (Some(pages), Some(counter), Some(valid_for)) = (word(28), word(24), word(92)) else {
        return Err("truncated GeoPackage: the file ends inside the SQLite header".into());
    };
    let expected = u64::from(pages) * page_size;
    if counter == valid_for && len < expected {
        return Err(format!(
            "truncated GeoPackage: its header says {pages} pages of {page_size} bytes \
             ({expected} bytes), the file holds {len}"
        ));
    }
    Ok(())
}

fn fnv(bytes: &[u8]) -> String {
    let mut h = Fnv::default();
    h.update(bytes);
    h.hex()
}

/// An SQLite error as a message (rusqlite's Display adds nothing useful).
fn sqlite_text(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(f, Some(m)) => format!("{m} ({f})"),
        other => other.to_string(),
    }
}

/// A read-only in-memory database holding a copy of `bytes`.
fn in_memory(bytes: &[u8]) -> rusqlite::Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    conn.deserialize_read_exact(rusqlite::MAIN_DB, bytes, bytes.len(), true)?;
    Ok(conn)
}

/// `name` quoted as an SQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Picks the feature table to read and checks its SRS and columns.
fn choose_table(
    conn: &Connection,
    wanted: Option<&str>,
    keys: &[&str],
) -> std::result::Result<Table, String> {
    let err = |e: rusqlite::Error| format!("not a readable GeoPackage: {}", sqlite_text(&e));
    let names: Vec<String> = conn
        .prepare(
            "SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY table_name",
        )
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(_, Some(m)) if m.contains("no such table") => {
                "an SQLite database but not a GeoPackage (it has no gpkg_contents table)".into()
            }
            e => err(e),
        })?;
    let list = || names.join(", ");
    let name = match (wanted, names.as_slice()) {
        (Some(w), _) if names.iter().any(|n| n == w) => w.to_string(),
        (Some(w), _) => {
            return Err(format!(
                "the GeoPackage has no feature layer {} (it has: {})",
                crate::error::clip(w),
                list()
            ))
        }
        (None, [only]) => only.clone(),
        (None, []) => return Err("the GeoPackage has no feature layer".into()),
        (None, _) => {
            return Err(format!(
                "the GeoPackage has {} feature layers ({}): name one as PATH.gpkg#LAYER",
                names.len(),
                list()
            ))
        }
    };
    let (geometry, srs_id): (String, i64) = conn
        .query_row(
            "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?1",
            [&name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => {
                format!("layer {name:?} has no row in gpkg_geometry_columns")
            }
            e => err(e),
        })?;
    check_srs(conn, &name, srs_id)?;
    let (fid, columns) = columns(conn, &name, keys).map_err(err)?;
    Ok(Table {
        name,
        geometry,
        fid,
        columns,
    })
}

/// EPSG:4326 only: srs_id 4326, or an SRS defined as organization EPSG, code 4326.
fn check_srs(conn: &Connection, table: &str, srs_id: i64) -> std::result::Result<(), String> {
    let def: Option<(String, i64)> = conn
        .query_row(
            "SELECT organization, organization_coordsys_id FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
            [srs_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .ok();
    let epsg_4326 = matches!(&def, Some((org, 4326)) if org.eq_ignore_ascii_case("EPSG"));
    if srs_id == 4326 || epsg_4326 {
        return Ok(());
    }
    let named = match &def {
        Some((org, code)) => format!("{org}:{code}"),
        None => "an SRS missing from gpkg_spatial_ref_sys".into(),
    };
    Err(format!(
        "layer {table:?} is in {named} (srs_id {srs_id}); only WGS84 longitude/latitude \
         (EPSG:4326) is read: {REPROJECT}"
    ))
}

/// The table's INTEGER PRIMARY KEY and, for `id` and each key, whether it is a
/// column (Some) and whether that column is declared BOOLEAN.
type Columns = (Option<String>, Vec<Option<bool>>);

fn columns(conn: &Connection, table: &str, keys: &[&str]) -> rusqlite::Result<Columns> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({})", quote(table)))?;
    let info: Vec<(String, String, i64)> = stmt
        .query_map([], |r| Ok((r.get(1)?, r.get(2)?, r.get(5)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let fid = info
        .iter()
        .find(|(_, t, pk)| *pk == 1 && t.eq_ignore_ascii_case("INTEGER"))
        .map(|(n, _, _)| n.clone());
    let wanted = std::iter::once(&"id").chain(keys);
    let cols = wanted
        .map(|k| {
            info.iter()
                .find(|(n, _, _)| n == k)
                .map(|(_, t, _)| t.eq_ignore_ascii_case("BOOLEAN"))
        })
        .collect();
    Ok((fid, cols))
}

/// Reads the rows in fid order, each as a feature; returns how many.
fn read_rows(
    conn: &Connection,
    table: &Table,
    input: &Input<'_>,
    keys: &[&str],
    sink: &mut dyn FnMut(Parsed) -> Result<()>,
) -> Result<usize> {
    let names: Vec<&str> = std::iter::once("id").chain(keys.iter().copied()).collect();
    let mut select = vec![
        table.fid.as_deref().map_or("NULL".into(), quote),
        quote(&table.geometry),
    ];
    for (name, col) in names.iter().zip(&table.columns) {
        select.push(col.map_or("NULL".into(), |_| quote(name)));
    }
    let order = table
        .fid
        .as_deref()
        .map_or(String::new(), |f| format!(" ORDER BY {}", quote(f)));
    let query = format!(
        "SELECT {} FROM {}{order}",
        select.join(", "),
        quote(&table.name)
    );
    let fail = |index: usize, e: rusqlite::Error| {
        input.layer_err(format!(
            "not a readable GeoPackage: {} (reading feature {index})",
            sqlite_text(&e)
        ))
    };
    let mut stmt = conn.prepare(&query).map_err(|e| fail(0, e))?;
    let mut rows = stmt.query([]).map_err(|e| fail(0, e))?;
    let mut index = 0usize;
    while let Some(row) = rows.next().map_err(|e| fail(index, e))? {
        super::before_feature(index, &input.deadline, |m| input.layer_err(m))?;
        let parsed = feature(row, index, &names, &table.columns).map_err(|e| fail(index, e))?;
        sink(parsed)?;
        index += 1;
    }
    Ok(index)
}

/// One row as a feature: fid, geometry, then `id` and the keys.
fn feature(
    row: &rusqlite::Row<'_>,
    index: usize,
    names: &[&str],
    columns: &[Option<bool>],
) -> rusqlite::Result<Parsed> {
    let mut p = Parsed {
        index,
        ints_as_bools: true,
        feature: Feature::default(),
        ..Parsed::default()
    };
    let mut problem = None;
    for (i, (name, col)) in names.iter().zip(columns).enumerate().take(MAX_KEYS + 1) {
        let v = value(row.get_ref(2 + i)?, col.unwrap_or(false));
        let v = v.unwrap_or_else(|m| {
            problem.get_or_insert((Some(name.to_string()), m));
            Value::Null
        });
        if let Value::Str(s) = &v {
            if s.len() > limits::MAX_STRING_BYTES && p.long_string.is_none() {
                p.long_string = Some((name.to_string(), s.len()));
            }
        }
        p.feature.values[i] = Some(v);
    }
    let has_id = !matches!(p.feature.values[0], None | Some(Value::Null));
    if !has_id {
        if let ValueRef::Integer(fid) = row.get_ref(0)? {
            p.feature.feature_id = Some(Value::Int(fid));
        }
    }
    match row.get_ref(1)? {
        ValueRef::Null => {}
        ValueRef::Blob(b) => match geometry(b) {
            Ok(g) => p.feature.geometry = g,
            Err(m) => {
                problem.get_or_insert((Some("geometry".into()), m));
            }
        },
        _ => {
            problem.get_or_insert((
                Some("geometry".into()),
                "the geometry column holds a value that is not a GeoPackage geometry blob".into(),
            ));
        }
    }
    p.problem = problem;
    Ok(p)
}

/// An SQLite value as a property value; BOOLEAN columns' 0 and 1 as booleans.
fn value(v: ValueRef<'_>, boolean: bool) -> std::result::Result<Value, String> {
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i @ (0 | 1)) if boolean => Value::Bool(i == 1),
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(x) => Value::Float(x),
        ValueRef::Text(t) => Value::Str(
            std::str::from_utf8(t)
                .map_err(|_| "not valid UTF-8 text (GeoPackage text is UTF-8)".to_string())?
                .to_string(),
        ),
        ValueRef::Blob(_) => Value::Binary,
    })
}

/// A GeoPackage geometry blob: "GP", version, flags, srs_id, envelope, then WKB.
/// `None` for a geometry flagged empty.
pub(crate) fn geometry(b: &[u8]) -> std::result::Result<Option<Geometry>, String> {
    if b.len() < 8 || &b[..2] != b"GP" {
        return Err(
            "not a GeoPackage geometry: the blob does not start with \"GP\" and an 8-byte header"
                .into(),
        );
    }
    let flags = b[3];
    if flags & 0x20 != 0 {
        return Err("an extended GeoPackage geometry (flag bit 5), which is not read".into());
    }
    let envelope = match (flags >> 1) & 0x07 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        e => return Err(format!("invalid GeoPackage envelope indicator {e}")),
    };
    let start = 8 + envelope;
    let wkb = b
        .get(start..)
        .ok_or("the GeoPackage geometry is truncated inside its envelope")?;
    if flags & 0x10 != 0 {
        return Ok(None);
    }
    wkb::decode(wkb).map(Some)
}
