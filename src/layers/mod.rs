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
use std::path::{Path, PathBuf};

use geo::{Coord, LineString, MultiPolygon, Polygon};
use geojson::{Feature, FeatureCollection, GeometryValue, JsonObject, JsonValue, Position};

pub use demand::{read_demand, DemandPoint};
pub use exclusions::{read_exclusions, Exclusion};
pub use fibre::{read_fibre, FibreLayer, Ixp, Route};
pub use grid::{read_grid, Substation};
pub use land::{read_land, LandParcel, LocationMethod};
pub use prices::{read_prices, PriceZone};

use crate::error::{Error, FeatureRef, Result};

/// A layer file parsed as a FeatureCollection, with the hash of its bytes.
pub struct RawLayer {
    pub path: PathBuf,
    pub collection: FeatureCollection,
    pub hash: String,
}

/// 64-bit FNV-1a of the file's bytes, as hex. A change detector, not a cryptographic hash.
pub fn content_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("fnv1a64:{h:016x}")
}

pub fn read_collection(path: &Path) -> Result<RawLayer> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let hash = content_hash(&bytes);
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let layer_err = |message: String| Error::Layer {
        path: path.to_path_buf(),
        message,
    };
    let value: JsonValue =
        serde_json::from_slice(text).map_err(|e| layer_err(format!("not valid JSON: {e}")))?;
    match value.get("type").and_then(JsonValue::as_str) {
        Some("FeatureCollection") => {}
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
    if let Some(crs) = value.get("crs") {
        check_crs(crs).map_err(layer_err)?;
    }
    let collection: FeatureCollection = serde_json::from_value(value)
        .map_err(|e| layer_err(format!("not a valid FeatureCollection: {e}")))?;
    Ok(RawLayer {
        path: path.to_path_buf(),
        collection,
        hash,
    })
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
    /// (layer name, path, content hash) of every layer read.
    pub hashes: Vec<(String, PathBuf, String)>,
}

impl Layers {
    /// Reads every layer a scenario names.
    pub fn read(l: &crate::scenario::Layers) -> Result<Layers> {
        let mut hashes = Vec::new();
        let mut note = |name: &str, raw: &RawLayer| {
            hashes.push((name.to_string(), raw.path.clone(), raw.hash.clone()));
        };
        let raw = read_collection(&l.land)?;
        note("land", &raw);
        let land = read_land(&raw)?;
        let raw = read_collection(&l.grid)?;
        note("grid", &raw);
        let grid = read_grid(&raw)?;
        let raw = read_collection(&l.prices)?;
        note("prices", &raw);
        let prices = read_prices(&raw)?;
        let raw = read_collection(&l.fibre)?;
        note("fibre", &raw);
        let fibre = read_fibre(&raw)?;
        let demand = match &l.demand {
            Some(p) => {
                let raw = read_collection(p)?;
                note("demand", &raw);
                read_demand(&raw)?
            }
            None => Vec::new(),
        };
        let exclusions = match &l.exclusions {
            Some(p) => {
                let raw = read_collection(p)?;
                note("exclusions", &raw);
                read_exclusions(&raw)?
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
            hashes,
        })
    }
}
