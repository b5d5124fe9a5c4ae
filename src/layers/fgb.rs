//! Reading FlatGeobuf (<https://flatgeobuf.org>, format version 3): magic bytes, a
//! size-prefixed header, an optional packed R-tree (skipped), then size-prefixed
//! features, streamed one at a time. The FlatBuffers tables are decoded by hand with
//! every offset and length checked against the buffer, so corrupt input is an error,
//! never a panic; this needs no FlatBuffers code generation and no dependency.

use std::io::Read;

use geo::Coord;

use super::parse::{Feature, Geometry, Value};
use super::{limits, Input, LayerInfo, Parsed, Result, Tally, READING};
use crate::progress::Progress;

type Res<T> = std::result::Result<T, String>;

/// `fgb`, major version 3, `fgb`, any patch version.
pub(crate) fn is_magic(head: &[u8]) -> bool {
    head.len() >= 8 && &head[..3] == b"fgb" && &head[4..7] == b"fgb"
}

const CORRUPT: &str = "corrupt FlatGeobuf data: an offset or length points outside its buffer";

/// A FlatBuffers table inside `buf`: where it starts and where its vtable is.
#[derive(Clone, Copy)]
struct Table<'a> {
    buf: &'a [u8],
    pos: usize,
    vtable: usize,
    vtable_len: usize,
}

fn bytes<const N: usize>(buf: &[u8], at: usize) -> Res<[u8; N]> {
    at.checked_add(N)
        .and_then(|end| buf.get(at..end))
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| CORRUPT.to_string())
}

fn u16_at(buf: &[u8], at: usize) -> Res<u16> {
    bytes::<2>(buf, at).map(u16::from_le_bytes)
}

fn u32_at(buf: &[u8], at: usize) -> Res<u32> {
    bytes::<4>(buf, at).map(u32::from_le_bytes)
}

/// `at + u32 at at`: where an offset field points.
fn follow(buf: &[u8], at: usize) -> Res<usize> {
    at.checked_add(u32_at(buf, at)? as usize)
        .filter(|&p| p < buf.len())
        .ok_or_else(|| CORRUPT.to_string())
}

impl<'a> Table<'a> {
    fn at(buf: &'a [u8], pos: usize) -> Res<Table<'a>> {
        let soffset = i32::from_le_bytes(bytes::<4>(buf, pos)?);
        let vtable = (pos as i64 - i64::from(soffset))
            .try_into()
            .map_err(|_| CORRUPT.to_string())?;
        let vtable_len = usize::from(u16_at(buf, vtable)?);
        if vtable_len < 4 || vtable + vtable_len > buf.len() {
            return Err(CORRUPT.into());
        }
        Ok(Table {
            buf,
            pos,
            vtable,
            vtable_len,
        })
    }

    /// The root table of a (size-prefix stripped) FlatBuffer.
    fn root(buf: &'a [u8]) -> Res<Table<'a>> {
        Table::at(buf, follow(buf, 0)?)
    }

    /// Where field `i` is stored, if present.
    fn field(&self, i: usize) -> Res<Option<usize>> {
        let slot = 4 + 2 * i;
        if slot + 2 > self.vtable_len {
            return Ok(None);
        }
        match u16_at(self.buf, self.vtable + slot)? {
            0 => Ok(None),
            off => Ok(Some(self.pos + usize::from(off))),
        }
    }

    fn u8(&self, i: usize, default: u8) -> Res<u8> {
        match self.field(i)? {
            Some(at) => bytes::<1>(self.buf, at).map(|b| b[0]),
            None => Ok(default),
        }
    }

    fn u16(&self, i: usize, default: u16) -> Res<u16> {
        self.field(i)?
            .map_or(Ok(default), |at| u16_at(self.buf, at))
    }

    fn i32(&self, i: usize, default: i32) -> Res<i32> {
        self.field(i)?.map_or(Ok(default), |at| {
            bytes::<4>(self.buf, at).map(i32::from_le_bytes)
        })
    }

    fn u64(&self, i: usize, default: u64) -> Res<u64> {
        self.field(i)?.map_or(Ok(default), |at| {
            bytes::<8>(self.buf, at).map(u64::from_le_bytes)
        })
    }

    /// A vector field: its elements' bytes (`size` bytes each) and its length.
    fn vector(&self, i: usize, size: usize) -> Res<Option<(&'a [u8], usize)>> {
        let Some(at) = self.field(i)? else {
            return Ok(None);
        };
        let start = follow(self.buf, at)?;
        let n = u32_at(self.buf, start)? as usize;
        let end = n
            .checked_mul(size)
            .and_then(|b| b.checked_add(start + 4))
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| CORRUPT.to_string())?;
        Ok(Some((&self.buf[start + 4..end], n)))
    }

    fn string(&self, i: usize) -> Res<Option<&'a str>> {
        match self.vector(i, 1)? {
            None => Ok(None),
            Some((b, _)) => std::str::from_utf8(b)
                .map(Some)
                .map_err(|_| "a FlatGeobuf string is not valid UTF-8".to_string()),
        }
    }

    fn table(&self, i: usize) -> Res<Option<Table<'a>>> {
        match self.field(i)? {
            None => Ok(None),
            Some(at) => Table::at(self.buf, follow(self.buf, at)?).map(Some),
        }
    }

    /// A vector of tables.
    fn tables(&self, i: usize) -> Res<Vec<Table<'a>>> {
        let Some(at) = self.field(i)? else {
            return Ok(Vec::new());
        };
        let start = follow(self.buf, at)?;
        let (_, n) = self.vector(i, 4)?.ok_or(CORRUPT)?;
        (0..n)
            .map(|k| Table::at(self.buf, follow(self.buf, start + 4 + 4 * k)?))
            .collect()
    }
}

/// Column types (FlatGeobuf's `ColumnType`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ColumnType {
    Byte,
    UByte,
    Bool,
    Short,
    UShort,
    Int,
    UInt,
    Long,
    ULong,
    Float,
    Double,
    String,
    Json,
    DateTime,
    Binary,
}

const COLUMN_TYPES: [ColumnType; 15] = [
    ColumnType::Byte,
    ColumnType::UByte,
    ColumnType::Bool,
    ColumnType::Short,
    ColumnType::UShort,
    ColumnType::Int,
    ColumnType::UInt,
    ColumnType::Long,
    ColumnType::ULong,
    ColumnType::Float,
    ColumnType::Double,
    ColumnType::String,
    ColumnType::Json,
    ColumnType::DateTime,
    ColumnType::Binary,
];

/// A column: its type, and which of the layer's values (`id`, then the keys) it is.
struct Column {
    kind: ColumnType,
    slot: Option<usize>,
}

fn read_columns(t: &Table<'_>, field: usize, keys: &[&str]) -> Res<Vec<Column>> {
    t.tables(field)?
        .iter()
        .map(|c| {
            let name = c.string(0)?.ok_or("a FlatGeobuf column has no name")?;
            let code = c.u8(1, 0)?;
            let kind = *COLUMN_TYPES
                .get(usize::from(code))
                .ok_or_else(|| format!("unknown FlatGeobuf column type {code}"))?;
            let slot = if name == "id" {
                Some(0)
            } else {
                keys.iter().position(|k| *k == name).map(|p| p + 1)
            };
            Ok(Column { kind, slot })
        })
        .collect()
}

/// What the header says.
struct Header {
    geometry_type: u8,
    columns: Vec<Column>,
    features: u64,
    index_bytes: u64,
}

fn parse_header(buf: &[u8], keys: &[&str]) -> Res<Header> {
    let h = Table::root(buf)?;
    let geometry_type = h.u8(2, 0)?;
    let columns = read_columns(&h, 7, keys)?;
    let features = h.u64(8, 0)?;
    let node_size = h.u16(9, 16)?;
    if let Some(crs) = h.table(10)? {
        check_crs(&crs)?;
    }
    let index_bytes = if node_size > 0 && features > 0 {
        tree_bytes(features, u64::from(node_size)).ok_or("the header's index size overflows")?
    } else {
        0
    };
    Ok(Header {
        geometry_type,
        columns,
        features,
        index_bytes,
    })
}

/// EPSG:4326 (or OGC CRS84, or an unknown CRS: code 0) only.
fn check_crs(crs: &Table<'_>) -> Res<()> {
    let org = crs.string(0)?.unwrap_or("EPSG");
    let code = crs.i32(1, 0)?;
    let code_string = crs.string(5)?.unwrap_or("");
    let ok = (org.eq_ignore_ascii_case("EPSG") && (code == 4326 || code == 0))
        || (org.eq_ignore_ascii_case("OGC") && code_string.eq_ignore_ascii_case("CRS84"));
    if ok {
        return Ok(());
    }
    let named = if code_string.is_empty() {
        code.to_string()
    } else {
        code_string.to_string()
    };
    Err(format!(
        "the layer is in {org}:{named}; only WGS84 longitude/latitude (EPSG:4326) is read: \
         reproject with `ogr2ogr -t_srs EPSG:4326 out.fgb in.fgb`"
    ))
}

/// Bytes of the packed Hilbert R-tree of `n` items with nodes of `node_size` (40
/// bytes a node: an envelope and an offset).
fn tree_bytes(n: u64, node_size: u64) -> Option<u64> {
    let node_size = node_size.clamp(2, 65535);
    // The reference implementation's levels: at least one above the leaves.
    let mut level = n;
    let mut nodes = n;
    loop {
        level = level.div_ceil(node_size);
        nodes = nodes.checked_add(level)?;
        if level <= 1 {
            break;
        }
    }
    nodes.checked_mul(40)
}

/// Reads the FlatGeobuf layer of `input`, handing each feature to `sink` in order.
pub(crate) fn read(
    input: Input<'_>,
    layer: &str,
    progress: &dyn Progress,
    keys: &'static [&'static str],
    sink: &mut dyn FnMut(Parsed) -> Result<()>,
) -> Result<LayerInfo> {
    input.deadline.check(READING)?;
    let Input {
        path,
        reader,
        total,
        deadline,
        ..
    } = input;
    let fail = |message: String| super::Error::Layer {
        path: path.to_path_buf(),
        message,
    };
    let mut r = Tally {
        inner: reader,
        hash: super::Fnv::default(),
        bytes: 0,
        total,
        reported: 0,
        layer,
        progress,
    };
    let mut magic = [0u8; 8];
    read_exact(&mut r, &mut magic, "the magic bytes").map_err(fail)?;
    if magic[3] != 3 {
        return Err(fail(format!(
            "FlatGeobuf version {} is not read (version 3 is)",
            magic[3]
        )));
    }
    let header = sized(&mut r, "the header")
        .map_err(fail)?
        .ok_or_else(|| fail("truncated FlatGeobuf: the file ends before the header".into()))?;
    let header = parse_header(&header, keys).map_err(|m| fail(format!("header: {m}")))?;
    skip(&mut r, header.index_bytes).map_err(fail)?;
    let mut index = 0usize;
    while let Some(buf) =
        sized(&mut r, "a feature").map_err(|m| fail(format!("feature {index}: {m}")))?
    {
        super::before_feature(index, &deadline, fail)?;
        sink(feature(&buf, index, &header, keys))?;
        index += 1;
    }
    if header.features > 0 && header.features != index as u64 {
        return Err(fail(format!(
            "truncated FlatGeobuf: the header announces {} features, the file holds {index}",
            header.features
        )));
    }
    Ok(LayerInfo {
        path: path.to_path_buf(),
        hash: r.hash.hex(),
        bytes: r.bytes,
        features: index,
        warnings: Vec::new(),
    })
}

fn read_exact(r: &mut impl Read, buf: &mut [u8], what: &str) -> Res<()> {
    r.read_exact(buf).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => {
            format!("truncated FlatGeobuf: the file ends inside {what}")
        }
        _ => format!("could not be read: {e}"),
    })
}

/// A u32-size-prefixed block; `None` at a clean end of the file.
fn sized(r: &mut impl Read, what: &str) -> Res<Option<Vec<u8>>> {
    let mut size = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match r.read(&mut size[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(format!("truncated FlatGeobuf: the file ends inside {what}")),
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("could not be read: {e}")),
        }
    }
    let size = u32::from_le_bytes(size) as usize;
    if size > limits::MAX_FEATURE_BYTES {
        return Err(format!(
            "{what} of {size} bytes, over the documented limit of {} bytes",
            limits::MAX_FEATURE_BYTES
        ));
    }
    let mut buf = Vec::new();
    r.take(size as u64)
        .read_to_end(&mut buf)
        .map_err(|e| format!("could not be read: {e}"))?;
    if buf.len() < size {
        return Err(format!("truncated FlatGeobuf: the file ends inside {what}"));
    }
    Ok(Some(buf))
}

fn skip(r: &mut impl Read, n: u64) -> Res<()> {
    let skipped = std::io::copy(&mut r.take(n), &mut std::io::sink())
        .map_err(|e| format!("could not be read: {e}"))?;
    if skipped < n {
        return Err("truncated FlatGeobuf: the file ends inside the spatial index".into());
    }
    Ok(())
}

/// One feature as parsed; a problem in it is reported with its id.
fn feature(buf: &[u8], index: usize, header: &Header, keys: &[&str]) -> Parsed {
    let mut p = Parsed {
        index,
        feature: Feature::default(),
        ..Parsed::default()
    };
    let t = match Table::root(buf) {
        Ok(t) => t,
        Err(m) => {
            p.problem = Some((None, m));
            return p;
        }
    };
    if let Err((property, m)) = properties(&t, header, keys, &mut p) {
        p.problem = Some((property, m));
        return p;
    }
    match t.table(0).and_then(|g| match g {
        None => Ok(None),
        // FlatBuffers offsets may point back at a table: bound the parts visited.
        Some(g) => geometry(&g, header.geometry_type, 0, &mut (buf.len() / 4 + 1)),
    }) {
        Ok(g) => p.feature.geometry = g,
        Err(m) => p.problem = Some((Some("geometry".into()), m)),
    }
    p
}

/// The feature's properties: (u16 column index, value) pairs.
fn properties(
    t: &Table<'_>,
    header: &Header,
    keys: &[&str],
    p: &mut Parsed,
) -> std::result::Result<(), (Option<String>, String)> {
    let own = read_columns(t, 2, keys).map_err(|m| (None, m))?;
    let columns = if own.is_empty() {
        &header.columns
    } else {
        &own
    };
    let Some((b, _)) = t.vector(1, 1).map_err(|m| (None, m))? else {
        return Ok(());
    };
    let mut at = 0usize;
    while at < b.len() {
        let i = usize::from(u16_at(b, at).map_err(|m| (None, m))?);
        at += 2;
        let col = columns.get(i).ok_or_else(|| {
            (
                None,
                format!("corrupt FlatGeobuf properties: column {i} does not exist"),
            )
        })?;
        let name =
            |slot: Option<usize>| slot.map(|s| if s == 0 { "id" } else { keys[s - 1] }.to_string());
        let v = value(b, &mut at, col.kind).map_err(|m| (name(col.slot), m))?;
        if let Some(slot) = col.slot {
            if let Value::Str(s) = &v {
                if s.len() > limits::MAX_STRING_BYTES && p.long_string.is_none() {
                    p.long_string = name(col.slot).map(|n| (n, s.len()));
                }
            }
            p.feature.values[slot] = Some(v);
        }
    }
    Ok(())
}

/// One property value of type `kind` at `*at`, moving past it.
fn value(b: &[u8], at: &mut usize, kind: ColumnType) -> Res<Value> {
    use ColumnType as C;
    let size = match kind {
        C::Byte | C::UByte | C::Bool => 1,
        C::Short | C::UShort => 2,
        C::Int | C::UInt | C::Float => 4,
        C::Long | C::ULong | C::Double => 8,
        C::String | C::Json | C::DateTime | C::Binary => 4 + u32_at(b, *at)? as usize,
    };
    let s = at
        .checked_add(size)
        .and_then(|end| b.get(*at..end))
        .ok_or("corrupt FlatGeobuf properties: a value runs past the end")?;
    *at += size;
    let arr = |n: usize| -> [u8; 8] {
        let mut a = [0u8; 8];
        a[..n].copy_from_slice(&s[..n]);
        a
    };
    Ok(match kind {
        C::Byte => Value::Int(i64::from(s[0] as i8)),
        C::UByte => Value::Int(i64::from(s[0])),
        C::Bool => Value::Bool(s[0] != 0),
        C::Short => Value::Int(i64::from(i16::from_le_bytes([s[0], s[1]]))),
        C::UShort => Value::Int(i64::from(u16::from_le_bytes([s[0], s[1]]))),
        C::Int => Value::Int(i64::from(i32::from_le_bytes([s[0], s[1], s[2], s[3]]))),
        C::UInt => Value::Int(i64::from(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))),
        C::Long => Value::Int(i64::from_le_bytes(arr(8))),
        C::ULong => Value::Uint(u64::from_le_bytes(arr(8))),
        C::Float => Value::Float(f64::from(f32::from_le_bytes([s[0], s[1], s[2], s[3]]))),
        C::Double => Value::Float(f64::from_le_bytes(arr(8))),
        C::String | C::DateTime => Value::Str(
            std::str::from_utf8(&s[4..])
                .map_err(|_| "not valid UTF-8 text (FlatGeobuf strings are UTF-8)")?
                .to_string(),
        ),
        C::Json => match s[4..].iter().find(|c| !c.is_ascii_whitespace()) {
            Some(b'[') => Value::Array,
            Some(b'{') => Value::Object,
            _ => Value::Str(String::from_utf8_lossy(&s[4..]).into_owned()),
        },
        C::Binary => Value::Binary,
    })
}

/// Geometry types (FlatGeobuf's `GeometryType`, the same codes as WKB's).
const POINT: u8 = 1;
const LINESTRING: u8 = 2;
const POLYGON: u8 = 3;
const MULTIPOINT: u8 = 4;
const MULTILINESTRING: u8 = 5;
const MULTIPOLYGON: u8 = 6;
const COLLECTION: u8 = 7;

/// How deep geometry parts may nest.
const MAX_DEPTH: usize = 32;

/// A Geometry table; `kind` is the header's type, 0 (Unknown) when each geometry
/// carries its own. `budget` is how many more geometry tables may be visited.
fn geometry(g: &Table<'_>, kind: u8, depth: usize, budget: &mut usize) -> Res<Option<Geometry>> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "geometry parts nested deeper than {MAX_DEPTH} levels"
        ));
    }
    if *budget == 0 {
        return Err(
            "corrupt FlatGeobuf geometry: more parts than the feature has bytes for".into(),
        );
    }
    *budget -= 1;
    let kind = if kind == 0 { g.u8(6, 0)? } else { kind };
    let xy = coords(g)?;
    let ends = || -> Res<Vec<Vec<Coord>>> { split(&xy, g) };
    Ok(Some(match kind {
        POINT => match xy.first() {
            Some(c) => Geometry::Point(*c),
            None => return Ok(None),
        },
        MULTIPOINT => Geometry::MultiPoint(xy),
        LINESTRING => Geometry::LineString(xy),
        MULTILINESTRING => Geometry::MultiLineString(ends()?),
        POLYGON => Geometry::Polygon(ends()?),
        MULTIPOLYGON => {
            let mut polys = Vec::new();
            for part in g.tables(7)? {
                match geometry(&part, POLYGON, depth + 1, budget)? {
                    Some(Geometry::Polygon(rings)) => polys.push(rings),
                    _ => return Err("a MultiPolygon part is not a polygon".into()),
                }
            }
            Geometry::MultiPolygon(polys)
        }
        COLLECTION => {
            for part in g.tables(7)? {
                geometry(&part, 0, depth + 1, budget)?;
            }
            Geometry::GeometryCollection
        }
        0 => return Err("the geometry has no type (Unknown)".into()),
        other => {
            return Err(format!(
                "FlatGeobuf geometry type {other} is not read (curves, surfaces and TINs \
                 are not supported: convert them with `ogr2ogr -nlt CONVERT_TO_LINEAR`)"
            ))
        }
    }))
}

/// The `xy` vector as positions.
fn coords(g: &Table<'_>) -> Res<Vec<Coord>> {
    let Some((b, n)) = g.vector(1, 8)? else {
        return Ok(Vec::new());
    };
    if n % 2 != 0 {
        return Err("the geometry's xy holds an odd number of values".into());
    }
    Ok(b.chunks_exact(16)
        .map(|c| {
            let f = |k: usize| {
                let mut a = [0u8; 8];
                a.copy_from_slice(&c[k..k + 8]);
                f64::from_le_bytes(a)
            };
            Coord { x: f(0), y: f(8) }
        })
        .collect())
}

/// Positions split at `ends` (one part when there are none).
fn split(xy: &[Coord], g: &Table<'_>) -> Res<Vec<Vec<Coord>>> {
    let Some((b, _)) = g.vector(0, 4)? else {
        return Ok(vec![xy.to_vec()]);
    };
    let mut parts = Vec::new();
    let mut start = 0usize;
    for e in b.chunks_exact(4) {
        let end = u32::from_le_bytes([e[0], e[1], e[2], e[3]]) as usize;
        if end < start || end > xy.len() {
            return Err(format!(
                "the geometry's ends ({end}) do not fit its {} positions",
                xy.len()
            ));
        }
        parts.push(xy[start..end].to_vec());
        start = end;
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collections 20 deep whose 8 parts all point at the same next table: a few
    /// hundred bytes that would take 8^20 visits without the parts budget.
    #[test]
    fn shared_parts_are_bounded() {
        let u16s = |v: &[u16]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        // The geometry vtable: `type` (field 6) at +4, `parts` (field 7) at +8.
        let mut b = u16s(&[20, 12, 0, 0, 0, 0, 0, 0, 4, 8]);
        let mut refs: Vec<usize> = Vec::new();
        let mut first = None;
        for level in 0..20 {
            let t = b.len();
            first.get_or_insert(t);
            for r in refs.drain(..) {
                b[r..r + 4].copy_from_slice(&((t - r) as u32).to_le_bytes());
            }
            b.extend((t as i32).to_le_bytes());
            b.extend([COLLECTION, 0, 0, 0]);
            b.extend(4u32.to_le_bytes());
            let n: u32 = if level == 19 { 0 } else { 8 };
            b.extend(n.to_le_bytes());
            for _ in 0..n {
                refs.push(b.len());
                b.extend(0u32.to_le_bytes());
            }
        }
        let g = Table::at(&b, first.unwrap()).unwrap();
        let e = geometry(&g, 0, 0, &mut (b.len() / 4 + 1)).unwrap_err();
        assert!(
            e.contains("more parts than the feature has bytes for"),
            "{e}"
        );
        // The last level alone, an empty collection, reads within a small budget.
        let g = Table::at(&b, b.len() - 16).unwrap();
        assert_eq!(
            geometry(&g, 0, 0, &mut 10).unwrap(),
            Some(Geometry::GeometryCollection)
        );
    }
}
