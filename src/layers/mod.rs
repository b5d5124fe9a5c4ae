//! Reading GeoJSON layers into typed structs and geo geometries.
//!
//! One file per layer type; this module holds what they share: parsing a
//! FeatureCollection, checking coordinates, and reading typed properties with
//! errors that name the file, the feature and the property.

mod demand;
mod exclusions;
mod fibre;
mod grid;
mod land;
mod prices;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use geo::{Coord, LineString, MultiPolygon, Polygon};
use geojson::{Feature, GeometryValue, JsonObject, JsonValue, Position};

pub use demand::{read_demand, read_demand_from, DemandPoint};
pub use exclusions::{read_exclusions, read_exclusions_from, Exclusion};
pub use fibre::{read_fibre, read_fibre_from, FibreLayer, Ixp, Route};
pub use grid::{read_grid, read_grid_from, Substation};
pub use land::{read_land, read_land_from, LandParcel, LocationMethod};
pub use prices::{read_prices, read_prices_from, PriceZone};

use crate::error::{Error, FeatureRef, Result};
use crate::progress::Progress;

/// Limits on what a layer may hold; beyond them reading fails with a clear error.
pub mod limits {
    /// Features per layer.
    pub const MAX_FEATURES: usize = 50_000_000;
    /// Bytes of one feature's JSON text (a very detailed polygon fits).
    pub const MAX_FEATURE_BYTES: usize = 256 << 20;
    /// Bytes of one string property (ids, names, zone codes).
    pub const MAX_STRING_BYTES: usize = 64 << 10;
    /// JSON nesting depth (serde_json's own limit).
    pub const MAX_DEPTH: usize = 128;
}

/// What was read from a layer file besides its features.
#[derive(Debug, Clone)]
pub struct LayerInfo {
    pub path: PathBuf,
    /// FNV-1a of the file's bytes.
    pub hash: String,
    pub bytes: u64,
    pub features: usize,
}

/// 64-bit FNV-1a, incrementally, shown as hex: a change detector for layer files,
/// not a cryptographic hash.
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub fn update(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    pub fn hex(&self) -> String {
        format!("fnv1a64:{:016x}", self.0)
    }
}

/// The hash of a file's bytes, read in chunks.
pub fn hash_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Fnv::default();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.hex())
}

/// Where a layer's bytes come from: a file, or bytes in memory (tests, fuzzing).
pub struct Input<'a> {
    /// The file, or the name to use in messages.
    pub path: &'a Path,
    reader: Box<dyn Read + 'a>,
    total: u64,
}

impl<'a> Input<'a> {
    pub fn file(path: &'a Path) -> Result<Input<'a>> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let total = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(Input {
            path,
            reader: Box::new(file),
            total,
        })
    }

    pub fn bytes(label: &'a Path, bytes: &'a [u8]) -> Input<'a> {
        Input {
            path: label,
            reader: Box::new(bytes),
            total: bytes.len() as u64,
        }
    }
}

/// Reads bytes, hashing them and reporting progress as it goes.
struct Tally<'a, R> {
    inner: R,
    hash: Fnv,
    bytes: u64,
    total: u64,
    reported: u64,
    layer: &'a str,
    progress: &'a dyn Progress,
}

impl<R: Read> Read for Tally<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        if self.bytes - self.reported >= 4 << 20 || (n == 0 && self.bytes != self.reported) {
            self.reported = self.bytes;
            self.progress.read_bytes(self.layer, self.bytes, self.total);
        }
        Ok(n)
    }
}

/// Streams the features of a GeoJSON FeatureCollection to `each`, one at a time, so
/// memory holds what `each` keeps rather than the file's text. Checks the top level
/// (a FeatureCollection; a `crs` member, if any, naming WGS84); a UTF-8 byte-order
/// mark is skipped; the file's hash is computed on the way.
pub fn read_features(
    input: Input<'_>,
    layer: &str,
    progress: &dyn Progress,
    mut each: impl FnMut(usize, &Feature) -> Result<()>,
) -> Result<LayerInfo> {
    let Input {
        path,
        reader,
        total,
    } = input;
    let tally = Tally {
        inner: reader,
        hash: Fnv::default(),
        bytes: 0,
        total,
        reported: 0,
        layer,
        progress,
    };
    let capacity = usize::try_from(total)
        .unwrap_or(usize::MAX)
        .clamp(8 << 10, 1 << 20);
    let mut reader = BufReader::with_capacity(capacity, tally);
    let layer_err = |message: String| Error::Layer {
        path: path.to_path_buf(),
        message,
    };
    {
        let head = reader.fill_buf().map_err(|e| Error::io(path, e))?;
        if head.starts_with(b"\xEF\xBB\xBF") {
            reader.consume(3);
        }
    }
    let mut failure: Option<Error> = None;
    let mut count = 0usize;
    let outcome = {
        let mut de = serde_json::Deserializer::from_reader(&mut reader);
        let visitor = TopVisitor {
            path,
            each: &mut each,
            failure: &mut failure,
            count: &mut count,
        };
        serde::Deserializer::deserialize_any(&mut de, visitor).and_then(|top| de.end().map(|_| top))
    };
    if let Some(e) = failure {
        return Err(e);
    }
    let top = outcome.map_err(|e| {
        let what = if e.to_string().contains("recursion limit") {
            format!("JSON nested deeper than {} levels ({e})", limits::MAX_DEPTH)
        } else if e.is_eof() {
            format!("truncated JSON: the file ends early ({e})")
        } else if e.is_io() {
            format!("could not be read: {e}")
        } else {
            format!("not valid JSON: {e}")
        };
        layer_err(what)
    })?;
    match top.kind.as_deref() {
        Some("FeatureCollection") if top.has_features => {}
        Some("FeatureCollection") => {
            return Err(layer_err(
                "the FeatureCollection has no `features` member".into(),
            ))
        }
        Some(other) => {
            return Err(layer_err(format!(
                "expected a GeoJSON FeatureCollection, found a {other}"
            )))
        }
        None => return Err(layer_err(
            "expected a GeoJSON FeatureCollection (an object with \"type\": \"FeatureCollection\")"
                .into(),
        )),
    }
    if let Some(crs) = &top.crs {
        check_crs(crs).map_err(layer_err)?;
    }
    let tally = reader.into_inner();
    Ok(LayerInfo {
        path: path.to_path_buf(),
        hash: tally.hash.hex(),
        bytes: tally.bytes,
        features: count,
    })
}

/// The top-level members that matter, once the features have been streamed.
struct Top {
    kind: Option<String>,
    crs: Option<JsonValue>,
    has_features: bool,
}

impl Top {
    fn not_an_object(what: &str) -> Top {
        Top {
            kind: Some(what.into()),
            crs: None,
            has_features: false,
        }
    }
}

struct TopVisitor<'a, F> {
    path: &'a Path,
    each: &'a mut F,
    failure: &'a mut Option<Error>,
    count: &'a mut usize,
}

impl<'de, F: FnMut(usize, &Feature) -> Result<()>> serde::de::Visitor<'de> for TopVisitor<'_, F> {
    type Value = Top;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a GeoJSON FeatureCollection object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Top, A::Error> {
        let mut top = Top {
            kind: None,
            crs: None,
            has_features: false,
        };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => {
                    let v: JsonValue = map.next_value()?;
                    top.kind = Some(
                        v.as_str()
                            .unwrap_or("(type that is not a string)")
                            .to_string(),
                    );
                }
                "crs" => top.crs = Some(map.next_value()?),
                "features" => {
                    top.has_features = true;
                    map.next_value_seed(FeaturesSeed {
                        path: self.path,
                        each: &mut *self.each,
                        failure: &mut *self.failure,
                        count: &mut *self.count,
                    })?;
                }
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(top)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Top, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Top::not_an_object("JSON array"))
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> std::result::Result<Top, E> {
        Ok(Top::not_an_object("JSON string"))
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> std::result::Result<Top, E> {
        Ok(Top::not_an_object("JSON number"))
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> std::result::Result<Top, E> {
        Ok(Top::not_an_object("JSON number"))
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> std::result::Result<Top, E> {
        Ok(Top::not_an_object("JSON number"))
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> std::result::Result<Top, E> {
        Ok(Top::not_an_object("JSON boolean"))
    }
    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Top, E> {
        Ok(Top::not_an_object("JSON null"))
    }
}

struct FeaturesSeed<'a, F> {
    path: &'a Path,
    each: &'a mut F,
    failure: &'a mut Option<Error>,
    count: &'a mut usize,
}

impl<'de, F: FnMut(usize, &Feature) -> Result<()>> serde::de::DeserializeSeed<'de>
    for FeaturesSeed<'_, F>
{
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(usize, &Feature) -> Result<()>> serde::de::Visitor<'de> for FeaturesSeed<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of features")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<(), A::Error> {
        use serde::de::Error as _;
        let mut index = 0usize;
        // Each feature is first taken as raw text (numbers unparsed), so a number out
        // of f64 range can be pinned to its feature and property.
        while let Some(raw) = seq.next_element::<Box<serde_json::value::RawValue>>()? {
            let text = raw.get();
            let checked = if index >= limits::MAX_FEATURES {
                Err(Error::Layer {
                    path: self.path.to_path_buf(),
                    message: format!(
                        "more than {} features: over the documented limit",
                        limits::MAX_FEATURES
                    ),
                })
            } else if text.len() > limits::MAX_FEATURE_BYTES {
                Err(raw_feature_error(
                    self.path,
                    index,
                    text,
                    None,
                    format!(
                        "the feature's JSON is {} bytes, over the documented limit of {}",
                        text.len(),
                        limits::MAX_FEATURE_BYTES
                    ),
                ))
            } else {
                serde_json::from_str::<Feature>(text)
                    .map_err(|e| feature_parse_error(self.path, index, text, &e))
                    .and_then(|feature| {
                        check_strings(self.path, index, &feature)?;
                        (self.each)(index, &feature)
                    })
            };
            if let Err(e) = checked {
                *self.failure = Some(e);
                return Err(A::Error::custom("stopped at a bad feature"));
            }
            index += 1;
            *self.count = index;
        }
        Ok(())
    }
}

/// Long strings in properties fail cleanly.
fn check_strings(path: &Path, index: usize, feature: &Feature) -> Result<()> {
    if let Some(props) = &feature.properties {
        for (k, v) in props {
            if let JsonValue::String(s) = v {
                if s.len() > limits::MAX_STRING_BYTES {
                    let ctx = FeatureCtx::new(path, index, feature);
                    return Err(ctx.err(
                        Some(k),
                        format!(
                            "a string of {} bytes, over the documented limit of {}",
                            s.len(),
                            limits::MAX_STRING_BYTES
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// An error for a feature known only as text: finds its id if it can.
fn raw_feature_error(
    path: &Path,
    index: usize,
    text: &str,
    property: Option<String>,
    message: String,
) -> Error {
    Error::Feature {
        path: path.to_path_buf(),
        feature: FeatureRef {
            index,
            id: find_id(text),
        },
        property,
        message,
    }
}

/// The feature's `id` from its text, when it is a plain string or number.
fn find_id(text: &str) -> Option<String> {
    let at = text.find("\"id\"")?;
    let rest = text[at + 4..].trim_start().strip_prefix(':')?.trim_start();
    if let Some(s) = rest.strip_prefix('"') {
        return s.find('"').map(|end| s[..end].to_string());
    }
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '+'))
        .unwrap_or(rest.len());
    (end > 0).then(|| rest[..end].to_string())
}

/// Explains why one feature's text did not parse, naming the property when the
/// problem is a number beyond f64 (e.g. 1e999).
fn feature_parse_error(path: &Path, index: usize, text: &str, e: &serde_json::Error) -> Error {
    let msg = e.to_string();
    if msg.contains("number out of range") {
        // Walk back from the error to the key whose value overflowed.
        let offset = line_col_offset(text, e.line(), e.column()).min(text.len());
        let property = text.get(..offset).and_then(|head| {
            let colon = head.rfind(':')?;
            let before = head[..colon].trim_end().strip_suffix('"')?;
            let start = before.rfind('"')?;
            Some(before[start + 1..].to_string())
        });
        return raw_feature_error(
            path,
            index,
            text,
            property,
            "not a finite number (it overflows a 64-bit float)".into(),
        );
    }
    if msg.contains("recursion limit") {
        return raw_feature_error(
            path,
            index,
            text,
            None,
            format!(
                "JSON nested deeper than {} levels ({msg})",
                limits::MAX_DEPTH
            ),
        );
    }
    raw_feature_error(
        path,
        index,
        text,
        None,
        format!("not a valid GeoJSON feature: {msg}"),
    )
}

fn line_col_offset(text: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset + col.saturating_sub(1);
        }
        offset += l.len();
    }
    text.len()
}

/// The legacy `crs` member is accepted only when it names WGS84 longitude/latitude.
fn check_crs(crs: &JsonValue) -> std::result::Result<(), String> {
    let name = crs
        .pointer("/properties/name")
        .and_then(JsonValue::as_str)
        .unwrap_or("");
    let ok = ["CRS84", "EPSG:4326", "EPSG::4326"]
        .iter()
        .any(|n| name.ends_with(n));
    if crs.is_null() || ok {
        Ok(())
    } else {
        Err(format!(
            "the `crs` member names {name:?}; only WGS84 longitude/latitude (CRS84, EPSG:4326) is read. \
             Reproject with `ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson`"
        ))
    }
}

/// One feature being read: knows where it is, for error messages.
pub(crate) struct FeatureCtx<'a> {
    pub path: &'a Path,
    pub index: usize,
    pub id: Option<String>,
    props: Option<&'a JsonObject>,
}

impl<'a> FeatureCtx<'a> {
    pub fn new(path: &'a Path, index: usize, feature: &'a Feature) -> Self {
        let props = feature.properties.as_ref();
        let id = match &feature.id {
            Some(geojson::feature::Id::String(s)) => Some(s.clone()),
            Some(geojson::feature::Id::Number(n)) => Some(n.to_string()),
            None => match props.and_then(|p| p.get("id")) {
                Some(JsonValue::String(s)) => Some(s.clone()),
                Some(JsonValue::Number(n)) => Some(n.to_string()),
                _ => None,
            },
        };
        FeatureCtx {
            path,
            index,
            id,
            props,
        }
    }

    pub fn err(&self, property: Option<&str>, message: impl Into<String>) -> Error {
        Error::Feature {
            path: self.path.to_path_buf(),
            feature: FeatureRef {
                index: self.index,
                id: self.id.clone(),
            },
            property: property.map(str::to_string),
            message: message.into(),
        }
    }

    fn get(&self, key: &str) -> Option<&'a JsonValue> {
        self.props.and_then(|p| p.get(key)).filter(|v| !v.is_null())
    }

    /// The feature's id, required.
    pub fn required_id(&self) -> Result<String> {
        match self.props.and_then(|p| p.get("id")) {
            Some(JsonValue::String(_))
            | Some(JsonValue::Number(_))
            | None
            | Some(JsonValue::Null) => {}
            Some(other) => {
                return Err(self.err(
                    Some("id"),
                    format!("expected a string or number, found {other}"),
                ))
            }
        }
        self.id.clone().ok_or_else(|| {
            self.err(
                Some("id"),
                "missing: give an `id` property or a feature `id`",
            )
        })
    }

    /// An optional finite number; `min` is the smallest value allowed.
    pub fn number(&self, key: &str, min: Option<f64>) -> Result<Option<f64>> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let x = match v {
            JsonValue::Number(n) => n.as_f64(),
            _ => None,
        }
        .ok_or_else(|| self.err(Some(key), format!("expected a number, found {v}")))?;
        if !x.is_finite() {
            return Err(self.err(Some(key), format!("expected a finite number, found {x}")));
        }
        if let Some(min) = min {
            if x < min {
                return Err(self.err(Some(key), format!("expected a number >= {min}, found {x}")));
            }
        }
        Ok(Some(x))
    }

    pub fn required_number(&self, key: &str, min: Option<f64>) -> Result<f64> {
        self.number(key, min)?
            .ok_or_else(|| self.err(Some(key), "missing: a number is required"))
    }

    pub fn string(&self, key: &str) -> Result<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(JsonValue::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(self.err(Some(key), format!("expected a string, found {v}"))),
        }
    }

    pub fn required_string(&self, key: &str) -> Result<String> {
        self.string(key)?
            .ok_or_else(|| self.err(Some(key), "missing: a string is required"))
    }

    pub fn boolean(&self, key: &str) -> Result<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(JsonValue::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(self.err(Some(key), format!("expected true or false, found {v}"))),
        }
    }

    /// A position as a lon/lat coordinate; z is ignored; ranges are checked.
    pub fn coord(&self, p: &Position) -> Result<Coord> {
        let s = p.as_slice();
        if s.len() < 2 {
            return Err(self.err(Some("geometry"), "a position needs longitude and latitude"));
        }
        let (x, y) = (s[0], s[1]);
        if !x.is_finite() || !y.is_finite() {
            return Err(self.err(Some("geometry"), "coordinates must be finite numbers"));
        }
        if x.abs() > 180.0 || y.abs() > 90.0 {
            let hint = if x.abs() > 1000.0 || y.abs() > 1000.0 {
                " They look projected (metres, e.g. EPSG:3857): reproject with `ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson`."
            } else {
                ""
            };
            return Err(self.err(
                Some("geometry"),
                format!("coordinate [{x}, {y}] is outside longitude [-180, 180] / latitude [-90, 90].{hint}"),
            ));
        }
        Ok(Coord { x, y })
    }

    pub fn geometry(&self, feature: &'a Feature) -> Result<&'a GeometryValue> {
        feature
            .geometry
            .as_ref()
            .map(|g| &g.value)
            .ok_or_else(|| self.err(Some("geometry"), "the feature has no geometry"))
    }

    pub fn wrong_geometry(&self, found: &GeometryValue, expected: &str) -> Error {
        self.err(
            Some("geometry"),
            format!("expected {expected}, found {}", geometry_name(found)),
        )
    }

    fn ring(&self, ring: &[Position]) -> Result<LineString> {
        let coords = ring
            .iter()
            .map(|p| self.coord(p))
            .collect::<Result<Vec<_>>>()?;
        if coords.len() < 4 {
            return Err(self.err(
                Some("geometry"),
                format!(
                    "a polygon ring needs at least 4 positions, found {} (rejected)",
                    coords.len()
                ),
            ));
        }
        if coords.first() != coords.last() {
            return Err(self.err(
                Some("geometry"),
                "a polygon ring is not closed: its first and last positions differ (rejected)",
            ));
        }
        Ok(LineString(coords))
    }

    pub fn polygon(&self, rings: &[Vec<Position>]) -> Result<Polygon> {
        let mut it = rings.iter();
        let exterior = it
            .next()
            .ok_or_else(|| self.err(Some("geometry"), "a polygon needs an exterior ring"))?;
        let exterior = self.ring(exterior)?;
        let interiors = it.map(|r| self.ring(r)).collect::<Result<Vec<_>>>()?;
        Ok(Polygon::new(exterior, interiors))
    }

    /// A Polygon or MultiPolygon as a MultiPolygon.
    pub fn areal(&self, g: &GeometryValue) -> Result<Option<MultiPolygon>> {
        Ok(match g {
            GeometryValue::Polygon { coordinates } => {
                Some(MultiPolygon(vec![self.polygon(coordinates)?]))
            }
            GeometryValue::MultiPolygon { coordinates } => Some(MultiPolygon(
                coordinates
                    .iter()
                    .map(|p| self.polygon(p))
                    .collect::<Result<Vec<_>>>()?,
            )),
            _ => None,
        })
    }
}

pub(crate) fn geometry_name(g: &GeometryValue) -> &'static str {
    match g {
        GeometryValue::Point { .. } => "Point",
        GeometryValue::MultiPoint { .. } => "MultiPoint",
        GeometryValue::LineString { .. } => "LineString",
        GeometryValue::MultiLineString { .. } => "MultiLineString",
        GeometryValue::Polygon { .. } => "Polygon",
        GeometryValue::MultiPolygon { .. } => "MultiPolygon",
        GeometryValue::GeometryCollection { .. } => "GeometryCollection",
    }
}

/// Tracks ids already seen in a layer.
#[derive(Default)]
pub(crate) struct UniqueIds(HashSet<String>);

impl UniqueIds {
    pub fn check(&mut self, ctx: &FeatureCtx, id: &str, key: &str) -> Result<()> {
        if self.0.insert(id.to_string()) {
            Ok(())
        } else {
            Err(ctx.err(
                Some(key),
                format!("duplicate {key} {id:?}: ids are unique per layer"),
            ))
        }
    }
}

/// An empty required layer is an error.
pub(crate) fn require_nonempty<T>(path: &Path, items: &[T], what: &str) -> Result<()> {
    if items.is_empty() {
        Err(Error::Layer {
            path: path.to_path_buf(),
            message: format!("the layer has no {what}; at least one is required"),
        })
    } else {
        Ok(())
    }
}

/// All layers of a scenario, read and validated.
pub struct Layers {
    pub land: Vec<LandParcel>,
    pub grid: Vec<Substation>,
    pub prices: Vec<PriceZone>,
    pub fibre: FibreLayer,
    pub demand: Vec<DemandPoint>,
    pub exclusions: Vec<Exclusion>,
    /// (layer name, what was read) for every layer read.
    pub info: Vec<(String, LayerInfo)>,
}

impl Layers {
    /// An estimate of the memory the parsed layers hold, bytes: struct sizes plus
    /// string and coordinate buffers. For the memory benchmark.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let s = |x: &String| x.capacity();
        let os = |x: &Option<String>| x.as_ref().map_or(0, |x| x.capacity());
        let mp = |m: &MultiPolygon| -> usize {
            m.0.iter()
                .map(|p| {
                    size_of::<Polygon>()
                        + (p.exterior().0.capacity()
                            + p.interiors().iter().map(|r| r.0.capacity()).sum::<usize>())
                            * size_of::<Coord>()
                })
                .sum()
        };
        let land: usize = self
            .land
            .iter()
            .map(|p| {
                size_of::<LandParcel>()
                    + s(&p.id)
                    + os(&p.name)
                    + os(&p.country)
                    + p.outline.as_ref().map_or(0, mp)
            })
            .sum();
        let grid: usize = self
            .grid
            .iter()
            .map(|g| size_of::<Substation>() + s(&g.id) + os(&g.name))
            .sum();
        let prices: usize = self
            .prices
            .iter()
            .map(|z| size_of::<PriceZone>() + s(&z.zone) + mp(&z.area))
            .sum();
        let fibre: usize = self
            .fibre
            .routes
            .iter()
            .map(|r| {
                size_of::<Route>()
                    + s(&r.id)
                    + r.parts
                        .iter()
                        .map(|p| p.capacity() * size_of::<Coord>())
                        .sum::<usize>()
            })
            .sum::<usize>()
            + self
                .fibre
                .ixps
                .iter()
                .map(|x| size_of::<Ixp>() + s(&x.id))
                .sum::<usize>();
        let demand: usize = self
            .demand
            .iter()
            .map(|d| size_of::<DemandPoint>() + s(&d.id) + os(&d.name))
            .sum();
        let excl: usize = self
            .exclusions
            .iter()
            .map(|e| size_of::<Exclusion>() + mp(&e.area))
            .sum();
        land + grid + prices + fibre + demand + excl
    }

    /// Reads every layer a scenario names.
    pub fn read(l: &crate::scenario::Layers, progress: &dyn Progress) -> Result<Layers> {
        let mut info = Vec::new();
        let (land, i) = read_land(&l.land, progress)?;
        info.push(("land".to_string(), i));
        let (grid, i) = read_grid(&l.grid, progress)?;
        info.push(("grid".to_string(), i));
        let (prices, i) = read_prices(&l.prices, progress)?;
        info.push(("prices".to_string(), i));
        let (fibre, i) = read_fibre(&l.fibre, progress)?;
        info.push(("fibre".to_string(), i));
        let demand = match &l.demand {
            Some(p) => {
                let (d, i) = read_demand(p, progress)?;
                info.push(("demand".to_string(), i));
                d
            }
            None => Vec::new(),
        };
        let exclusions = match &l.exclusions {
            Some(p) => {
                let (e, i) = read_exclusions(p, progress)?;
                info.push(("exclusions".to_string(), i));
                e
            }
            None => Vec::new(),
        };
        Ok(Layers {
            land,
            grid,
            prices,
            fibre,
            demand,
            exclusions,
            info,
        })
    }
}
