//! The streaming reader's parser: a FeatureCollection is read in large chunks; a
//! byte scanner finds where each feature's text ends, and serde_json deserialises that
//! slice straight into [`Feature`] with the visitors below: the geometry into `geo`
//! coordinates, and only the properties the layer asks for (the rest are skipped
//! without building a JSON value). The top level (`type`, `crs`, `features`, other
//! members) is parsed by hand so that memory holds one feature at a time.

use std::cell::Cell;
use std::fmt;
use std::io::Read;

use geo::Coord;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::limits;

/// Keys a layer reads, besides `id` (always read: it names features in messages).
pub(crate) const MAX_KEYS: usize = 8;

/// A property value, as far as the typed accessors need it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Array,
    Object,
    /// A GeoPackage BLOB or FlatGeobuf Binary value.
    Binary,
}

impl Value {
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Int(i) => Some(i as f64),
            Value::Uint(u) => Some(u as f64),
            Value::Float(x) => Some(x),
            _ => None,
        }
    }

    /// The value as an id: strings as they are, numbers in decimal.
    pub fn as_id(&self) -> Option<String> {
        match self {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Uint(u) => Some(u.to_string()),
            Value::Float(x) => Some(x.to_string()),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    /// How a value is shown in a message: strings quoted and cut when long.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Uint(u) => write!(f, "{u}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Str(s) => f.write_str(&crate::error::clip(s)),
            Value::Array => f.write_str("an array"),
            Value::Object => f.write_str("an object"),
            Value::Binary => f.write_str("a binary value"),
        }
    }
}

/// A feature's geometry with its coordinates as read (ranges are checked later).
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::enum_variant_names)] // GeoJSON's names
pub(crate) enum Geometry {
    Point(Coord),
    MultiPoint(Vec<Coord>),
    LineString(Vec<Coord>),
    MultiLineString(Vec<Vec<Coord>>),
    Polygon(Vec<Vec<Coord>>),
    MultiPolygon(Vec<Vec<Vec<Coord>>>),
    GeometryCollection,
}

impl Geometry {
    pub fn name(&self) -> &'static str {
        match self {
            Geometry::Point(_) => "Point",
            Geometry::MultiPoint(_) => "MultiPoint",
            Geometry::LineString(_) => "LineString",
            Geometry::MultiLineString(_) => "MultiLineString",
            Geometry::Polygon(_) => "Polygon",
            Geometry::MultiPolygon(_) => "MultiPolygon",
            Geometry::GeometryCollection => "GeometryCollection",
        }
    }
}

/// One feature: its GeoJSON `id`, geometry and the properties the layer reads
/// (`values[0]` is the `id` property, `values[1 + i]` the layer's key `i`).
#[derive(Debug, Default)]
pub(crate) struct Feature {
    pub feature_id: Option<Value>,
    pub geometry: Option<Geometry>,
    pub values: [Option<Value>; MAX_KEYS + 1],
}

/// What the parser knows while inside a feature, for messages.
#[derive(Default)]
pub(crate) struct Cursor {
    /// The member or property being read (empty: none).
    pub key: String,
    /// A problem found by a visitor, with the property it concerns.
    pub problem: Option<(Option<String>, String)>,
    /// A position with fewer than two numbers was read.
    pub short_position: Cell<bool>,
    /// The first string property over the documented limit: (key, bytes).
    pub long_string: Option<(String, usize)>,
}

impl Cursor {
    /// Ready for the next feature (keeping the key's buffer).
    pub fn reset(&mut self) {
        self.key.clear();
        self.problem = None;
        self.short_position.set(false);
        self.long_string = None;
    }

    fn set_key(&mut self, k: &str) {
        self.key.clear();
        self.key.push_str(k);
    }

    fn fail<E: de::Error>(&mut self, property: Option<&str>, message: String) -> E {
        self.problem = Some((property.map(str::to_string), message));
        E::custom("stopped at a problem")
    }
}

/// Where [`FeatureSlot`] deserialises to: the keys the layer reads, the feature and
/// what the parser knows about where it is. serde_json's `StreamDeserializer`, which
/// says where a value ends, takes a type rather than a seed; the type finds its seed
/// here.
#[derive(Default)]
pub(crate) struct Slot {
    pub keys: &'static [&'static str],
    pub feature: Feature,
    pub cur: Cursor,
}

impl Slot {
    pub fn reset(&mut self, keys: &'static [&'static str]) {
        self.keys = keys;
        self.feature = Feature::default();
        self.cur.reset();
    }
}

thread_local! {
    pub(crate) static SLOT: std::cell::RefCell<Slot> = std::cell::RefCell::new(Slot::default());
}

/// A feature deserialised into this thread's [`SLOT`].
pub(crate) struct FeatureSlot;

impl<'de> de::Deserialize<'de> for FeatureSlot {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<FeatureSlot, D::Error> {
        SLOT.with(|slot| {
            let mut slot = slot.borrow_mut();
            let Slot { keys, feature, cur } = &mut *slot;
            FeatureSeed {
                keys,
                out: feature,
                cur,
            }
            .deserialize(d)
        })?;
        Ok(FeatureSlot)
    }
}

/// Deserialises one feature into `out`, reading the properties named in `keys`.
pub(crate) struct FeatureSeed<'a> {
    pub keys: &'a [&'a str],
    pub out: &'a mut Feature,
    pub cur: &'a mut Cursor,
}

impl<'de> DeserializeSeed<'de> for FeatureSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

/// The name in a `type` member.
enum TypeName {
    Known(&'static str),
    Other(String),
    NotAString(String),
}

const TYPE_NAMES: [&str; 9] = [
    "Feature",
    "FeatureCollection",
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
];

impl<'de> de::Deserialize<'de> for TypeName {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TypeName;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a type name")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<TypeName, E> {
                Ok(match TYPE_NAMES.iter().find(|n| **n == s) {
                    Some(n) => TypeName::Known(n),
                    None => TypeName::Other(s.to_string()),
                })
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<TypeName, E> {
                Ok(TypeName::NotAString(b.to_string()))
            }
            fn visit_i64<E: de::Error>(self, i: i64) -> Result<TypeName, E> {
                Ok(TypeName::NotAString(i.to_string()))
            }
            fn visit_u64<E: de::Error>(self, u: u64) -> Result<TypeName, E> {
                Ok(TypeName::NotAString(u.to_string()))
            }
            fn visit_f64<E: de::Error>(self, x: f64) -> Result<TypeName, E> {
                Ok(TypeName::NotAString(x.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<TypeName, E> {
                Ok(TypeName::NotAString("null".into()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TypeName, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(TypeName::NotAString("an array".into()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TypeName, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(TypeName::NotAString("an object".into()))
            }
        }
        d.deserialize_any(V)
    }
}

/// Members of a Feature object.
enum FeatureKey {
    Type,
    Id,
    Geometry,
    Properties,
    Other,
}

struct FeatureKeySeed<'a>(&'a mut Cursor);

impl<'de> DeserializeSeed<'de> for FeatureKeySeed<'_> {
    type Value = FeatureKey;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<FeatureKey, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for FeatureKeySeed<'_> {
    type Value = FeatureKey;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<FeatureKey, E> {
        self.0.set_key(s);
        Ok(match s {
            "type" => FeatureKey::Type,
            "id" => FeatureKey::Id,
            "geometry" => FeatureKey::Geometry,
            "properties" => FeatureKey::Properties,
            _ => FeatureKey::Other,
        })
    }
}

impl<'de> Visitor<'de> for FeatureSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON Feature object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let FeatureSeed { keys, out, cur } = self;
        let mut kind = None;
        while let Some(k) = map.next_key_seed(FeatureKeySeed(cur))? {
            match k {
                FeatureKey::Type => kind = Some(map.next_value::<TypeName>()?),
                FeatureKey::Id => {
                    let v = map.next_value_seed(ValueSeed { cur: &mut *cur })?;
                    match v {
                        Value::Str(_) | Value::Int(_) | Value::Uint(_) | Value::Float(_) => {
                            out.feature_id = Some(v)
                        }
                        Value::Null => out.feature_id = None,
                        other => {
                            return Err(cur.fail(
                                Some("id"),
                                format!(
                                    "the feature `id` must be a string or number, found {other}"
                                ),
                            ))
                        }
                    }
                }
                FeatureKey::Geometry => {
                    out.geometry = map.next_value_seed(GeometrySeed { cur: &mut *cur })?;
                }
                FeatureKey::Properties => {
                    map.next_value_seed(PropertiesSeed {
                        keys,
                        out: &mut *out,
                        cur: &mut *cur,
                    })?;
                }
                FeatureKey::Other => map.next_value_seed(SkipSeed {
                    cur: &mut *cur,
                    top: false,
                })?,
            }
        }
        cur.key.clear();
        match kind {
            Some(TypeName::Known("Feature")) => Ok(()),
            None => Err(cur.fail(
                None,
                "expected a GeoJSON Feature: the object has no \"type\": \"Feature\"".into(),
            )),
            Some(TypeName::Known(other)) => {
                Err(cur.fail(None, format!("expected a GeoJSON Feature, found a {other}")))
            }
            Some(TypeName::Other(s)) | Some(TypeName::NotAString(s)) => Err(cur.fail(
                Some("type"),
                format!(
                    "expected \"type\": \"Feature\", found {}",
                    crate::error::clip(&s)
                ),
            )),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Err(self.cur.fail(
            None,
            "expected a GeoJSON Feature object, found an array".into(),
        ))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        let s = crate::error::clip(s);
        Err(self.cur.fail(
            None,
            format!("expected a GeoJSON Feature object, found the string {s}"),
        ))
    }
    fn visit_f64<E: de::Error>(self, x: f64) -> Result<(), E> {
        Err(self.cur.fail(
            None,
            format!("expected a GeoJSON Feature object, found the number {x}"),
        ))
    }
    fn visit_i64<E: de::Error>(self, x: i64) -> Result<(), E> {
        self.visit_f64(x as f64)
    }
    fn visit_u64<E: de::Error>(self, x: u64) -> Result<(), E> {
        self.visit_f64(x as f64)
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<(), E> {
        Err(self.cur.fail(
            None,
            format!("expected a GeoJSON Feature object, found {b}"),
        ))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(self
            .cur
            .fail(None, "expected a GeoJSON Feature object, found null".into()))
    }
}

/// A property value of a key the layer reads.
struct ValueSeed<'a> {
    cur: &'a mut Cursor,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E: de::Error>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Int(i))
    }
    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Value, E> {
        Ok(Value::Uint(u))
    }
    fn visit_f64<E: de::Error>(self, x: f64) -> Result<Value, E> {
        Ok(Value::Float(x))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        note_long(self.cur, s);
        Ok(Value::Str(s.to_string()))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        note_long(self.cur, &s);
        Ok(Value::Str(s))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        while seq
            .next_element_seed(SkipSeed {
                cur: &mut *self.cur,
                top: false,
            })?
            .is_some()
        {}
        Ok(Value::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(SkipSeed {
                cur: &mut *self.cur,
                top: false,
            })?;
        }
        Ok(Value::Object)
    }
}

fn note_long(cur: &mut Cursor, s: &str) {
    if s.len() > limits::MAX_STRING_BYTES && cur.long_string.is_none() {
        cur.long_string = Some((cur.key.clone(), s.len()));
    }
}

/// Skips a value, with serde_json's nesting limit; `top` marks a property value,
/// whose strings are held to the documented limit.
struct SkipSeed<'a> {
    cur: &'a mut Cursor,
    top: bool,
}

impl<'de> DeserializeSeed<'de> for SkipSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SkipSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        if self.top {
            note_long(self.cur, s);
        }
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(SkipSeed {
                cur: &mut *self.cur,
                top: false,
            })?
            .is_some()
        {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(SkipSeed {
                cur: &mut *self.cur,
                top: false,
            })?;
        }
        Ok(())
    }
}

/// The `properties` member: the layer's keys are kept, the rest skipped.
struct PropertiesSeed<'a> {
    keys: &'a [&'a str],
    out: &'a mut Feature,
    cur: &'a mut Cursor,
}

impl<'de> DeserializeSeed<'de> for PropertiesSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

/// A property name: its index among the kept keys (0 for `id`), if kept.
struct PropKeySeed<'a> {
    keys: &'a [&'a str],
    cur: &'a mut Cursor,
}

impl<'de> DeserializeSeed<'de> for PropKeySeed<'_> {
    type Value = Option<usize>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for PropKeySeed<'_> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a property name")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Option<usize>, E> {
        self.cur.set_key(s);
        if s == "id" {
            return Ok(Some(0));
        }
        Ok(self.keys.iter().position(|k| *k == s).map(|i| i + 1))
    }
}

impl<'de> Visitor<'de> for PropertiesSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of properties, or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let PropertiesSeed { keys, out, cur } = self;
        loop {
            cur.set_key("properties");
            let Some(k) = map.next_key_seed(PropKeySeed {
                keys,
                cur: &mut *cur,
            })?
            else {
                break;
            };
            match k {
                Some(i) => {
                    out.values[i] = Some(map.next_value_seed(ValueSeed { cur: &mut *cur })?);
                }
                None => map.next_value_seed(SkipSeed {
                    cur: &mut *cur,
                    top: true,
                })?,
            }
        }
        cur.set_key("properties");
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Err(self.cur.fail(
            Some("properties"),
            "expected an object or null, found an array".into(),
        ))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Err(self.cur.fail(
            Some("properties"),
            "expected an object or null, found a string".into(),
        ))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Err(self.cur.fail(
            Some("properties"),
            "expected an object or null, found a number".into(),
        ))
    }
    fn visit_i64<E: de::Error>(self, x: i64) -> Result<(), E> {
        self.visit_f64(x as f64)
    }
    fn visit_u64<E: de::Error>(self, x: u64) -> Result<(), E> {
        self.visit_f64(x as f64)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Err(self.cur.fail(
            Some("properties"),
            "expected an object or null, found a boolean".into(),
        ))
    }
}

/// The `geometry` member: null, or a geometry object.
struct GeometrySeed<'a> {
    cur: &'a mut Cursor,
}

impl<'de> DeserializeSeed<'de> for GeometrySeed<'_> {
    type Value = Option<Geometry>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<Geometry>, D::Error> {
        d.deserialize_any(self)
    }
}

/// Coordinates whose nesting follows the geometry type.
fn coordinates<'de, A: MapAccess<'de>>(
    map: &mut A,
    kind: &'static str,
    short: &Cell<bool>,
) -> Result<Option<Geometry>, A::Error> {
    let p = PosSeed(short);
    Ok(Some(match kind {
        "Point" => Geometry::Point(map.next_value_seed(p)?),
        "MultiPoint" => Geometry::MultiPoint(map.next_value_seed(ListSeed(p))?),
        "LineString" => Geometry::LineString(map.next_value_seed(ListSeed(p))?),
        "MultiLineString" => Geometry::MultiLineString(map.next_value_seed(ListSeed(ListSeed(p)))?),
        "Polygon" => Geometry::Polygon(map.next_value_seed(ListSeed(ListSeed(p)))?),
        "MultiPolygon" => {
            Geometry::MultiPolygon(map.next_value_seed(ListSeed(ListSeed(ListSeed(p))))?)
        }
        _ => {
            map.next_value::<IgnoredAny>()?;
            return Ok(None);
        }
    }))
}

/// Coordinates given before the `type` member, parsed once the type is known.
fn coordinates_from_raw(
    raw: &str,
    kind: &'static str,
    short: &Cell<bool>,
) -> serde_json::Result<Option<Geometry>> {
    let mut de = serde_json::Deserializer::from_str(raw);
    let p = PosSeed(short);
    let g = match kind {
        "Point" => Geometry::Point(p.deserialize(&mut de)?),
        "MultiPoint" => Geometry::MultiPoint(ListSeed(p).deserialize(&mut de)?),
        "LineString" => Geometry::LineString(ListSeed(p).deserialize(&mut de)?),
        "MultiLineString" => Geometry::MultiLineString(ListSeed(ListSeed(p)).deserialize(&mut de)?),
        "Polygon" => Geometry::Polygon(ListSeed(ListSeed(p)).deserialize(&mut de)?),
        "MultiPolygon" => {
            Geometry::MultiPolygon(ListSeed(ListSeed(ListSeed(p))).deserialize(&mut de)?)
        }
        _ => return Ok(None),
    };
    de.end()?;
    Ok(Some(g))
}

impl<'de> Visitor<'de> for GeometrySeed<'_> {
    type Value = Option<Geometry>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON geometry object or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<Geometry>, E> {
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<Geometry>, A::Error> {
        let cur = self.cur;
        let mut kind: Option<&'static str> = None;
        let mut geometry = None;
        let mut raw: Option<&'de serde_json::value::RawValue> = None;
        let mut has_coordinates = false;
        let mut has_geometries = false;
        while let Some(key) =
            map.next_key_seed(MemberSeed(&["type", "coordinates", "geometries"]))?
        {
            match key {
                Some(0) => match map.next_value::<TypeName>()? {
                    TypeName::Known(k) if k != "Feature" && k != "FeatureCollection" => {
                        kind = Some(k)
                    }
                    TypeName::Known(k) => {
                        return Err(cur.fail(
                            Some("geometry"),
                            format!("expected a geometry, found a {k}"),
                        ))
                    }
                    TypeName::Other(s) | TypeName::NotAString(s) => {
                        return Err(cur.fail(
                            Some("geometry"),
                            format!("unknown geometry type {}", crate::error::clip(&s)),
                        ))
                    }
                },
                Some(1) => {
                    has_coordinates = true;
                    match kind {
                        Some(k) => geometry = coordinates(&mut map, k, &cur.short_position)?,
                        // Coordinates before the type: kept as text until the type is known.
                        None => raw = Some(map.next_value()?),
                    }
                }
                Some(2) => {
                    has_geometries = true;
                    map.next_value_seed(SkipSeed {
                        cur: &mut *cur,
                        top: false,
                    })?
                }
                _ => map.next_value_seed(SkipSeed {
                    cur: &mut *cur,
                    top: false,
                })?,
            }
        }
        let Some(kind) = kind else {
            return Err(cur.fail(Some("geometry"), "the geometry has no `type` member".into()));
        };
        if kind == "GeometryCollection" {
            if !has_geometries {
                return Err(cur.fail(
                    Some("geometry"),
                    "the GeometryCollection has no `geometries` member".into(),
                ));
            }
            return Ok(Some(Geometry::GeometryCollection));
        }
        if !has_coordinates {
            return Err(cur.fail(
                Some("geometry"),
                format!("the {kind} has no `coordinates` member"),
            ));
        }
        if let Some(raw) = raw {
            geometry = coordinates_from_raw(raw.get(), kind, &cur.short_position).map_err(|e| {
                let message = if e.to_string().contains("number out of range") {
                    "not a finite number (it overflows a 64-bit float)".to_string()
                } else {
                    format!("the coordinates do not fit a {kind}: {e}")
                };
                cur.fail::<A::Error>(Some("geometry"), message)
            })?;
        }
        Ok(geometry)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Geometry>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Err(self.cur.fail(
            Some("geometry"),
            "expected a geometry object or null, found an array".into(),
        ))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Option<Geometry>, E> {
        Err(self.cur.fail(
            Some("geometry"),
            "expected a geometry object or null, found a string".into(),
        ))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Option<Geometry>, E> {
        Err(self.cur.fail(
            Some("geometry"),
            "expected a geometry object or null, found a number".into(),
        ))
    }
    fn visit_i64<E: de::Error>(self, x: i64) -> Result<Option<Geometry>, E> {
        self.visit_f64(x as f64)
    }
    fn visit_u64<E: de::Error>(self, x: u64) -> Result<Option<Geometry>, E> {
        self.visit_f64(x as f64)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Option<Geometry>, E> {
        Err(self.cur.fail(
            Some("geometry"),
            "expected a geometry object or null, found a boolean".into(),
        ))
    }
}

/// A member name: its index in the list, if there.
struct MemberSeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for MemberSeed {
    type Value = Option<usize>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for MemberSeed {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|k| *k == s))
    }
}

/// A position: longitude and latitude; further numbers (z, m) are read and ignored.
/// Fewer than two numbers sets the `short` flag (the error is raised with context).
#[derive(Clone, Copy)]
struct PosSeed<'a>(&'a Cell<bool>);

impl<'de> DeserializeSeed<'de> for PosSeed<'_> {
    type Value = Coord;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Coord, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for PosSeed<'_> {
    type Value = Coord;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a position (an array of numbers: longitude, latitude)")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Coord, A::Error> {
        let x = seq.next_element::<f64>()?;
        let y = match x {
            Some(_) => seq.next_element::<f64>()?,
            None => None,
        };
        if y.is_some() {
            while seq.next_element::<f64>()?.is_some() {}
        }
        match (x, y) {
            (Some(x), Some(y)) => Ok(Coord { x, y }),
            _ => {
                self.0.set(true);
                Ok(Coord {
                    x: f64::NAN,
                    y: f64::NAN,
                })
            }
        }
    }
}

/// An array of what `S` reads.
#[derive(Clone, Copy)]
struct ListSeed<S>(S);

impl<'de, S: DeserializeSeed<'de> + Copy> DeserializeSeed<'de> for ListSeed<S> {
    type Value = Vec<S::Value>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, S: DeserializeSeed<'de> + Copy> Visitor<'de> for ListSeed<S> {
    type Value = Vec<S::Value>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of coordinates")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(4).min(1024));
        while let Some(x) = seq.next_element_seed(self.0)? {
            v.push(x);
        }
        v.shrink_to_fit();
        Ok(v)
    }
}

/// Why the scanner stopped before the end of a value.
pub(crate) enum ScanError {
    Io(std::io::Error),
    /// The file ended inside the value.
    Eof,
    /// The value is longer than the limit given.
    TooLong,
}

/// A buffered byte stream with the position of the next byte (line, column) for
/// messages, and a scanner that finds where a JSON value's text ends.
pub(crate) struct Stream<R> {
    inner: R,
    buf: Vec<u8>,
    /// Next unread byte in `buf`, and end of the bytes read into it.
    pos: usize,
    end: usize,
    eof: bool,
    /// 1-based line of `buf[pos]`, and the number of bytes of that line before `pos`
    /// that were in earlier buffers.
    line: usize,
    line_start: isize,
}

impl<R: Read> Stream<R> {
    pub fn new(inner: R, capacity: usize) -> Self {
        Stream {
            inner,
            buf: vec![0; capacity.max(4096)],
            pos: 0,
            end: 0,
            eof: false,
            line: 1,
            line_start: 0,
        }
    }

    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Reads more bytes after `end`, compacting or growing the buffer; false at EOF.
    fn fill(&mut self) -> std::io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.end == self.buf.len() {
            if self.pos > 0 {
                self.buf.copy_within(self.pos..self.end, 0);
                self.end -= self.pos;
                self.line_start -= self.pos as isize;
                self.pos = 0;
            }
            if self.end == self.buf.len() {
                let len = self.buf.len() * 2;
                self.buf.resize(len, 0);
            }
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The line and column (1-based, in bytes) of the next byte.
    pub fn position(&self) -> (usize, usize) {
        (
            self.line,
            (self.pos as isize - self.line_start) as usize + 1,
        )
    }

    /// The bytes of the value the scanner measured.
    pub fn slice(&self, len: usize) -> &[u8] {
        &self.buf[self.pos..self.pos + len]
    }

    /// The bytes read and not consumed.
    pub fn rest(&self) -> &[u8] {
        &self.buf[self.pos..self.end]
    }

    /// Whether the whole input has been read into the buffer.
    pub fn at_eof(&self) -> bool {
        self.eof
    }

    /// Reads more of the input (compacting or growing the buffer as needed).
    pub fn more(&mut self) -> std::io::Result<bool> {
        if self.end < self.buf.len() && self.pos > 0 && self.end - self.pos < self.buf.len() / 2 {
            // Room at the front: compact first so the next read is large.
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.line_start -= self.pos as isize;
            self.pos = 0;
        }
        // Fill the free space (growing a full buffer first), so that a feature cut by
        // the buffer's end is parsed again at most once per doubling, even from an
        // input that returns small reads (a pipe).
        let mut more = self.fill()?;
        while more && self.end < self.buf.len() {
            more = self.fill()?;
        }
        Ok(self.end > self.pos || !self.eof)
    }

    /// Moves past `n` bytes, counting lines.
    pub fn consume(&mut self, n: usize) {
        let s = &self.buf[self.pos..self.pos + n];
        // Counted in byte-wide lanes, which vectorise, in chunks that cannot overflow them.
        let newlines: usize = s
            .chunks(255)
            .map(|c| usize::from(c.iter().fold(0u8, |k, &b| k + u8::from(b == b'\n'))))
            .sum();
        if newlines > 0 {
            self.line += newlines;
            let last = s.iter().rposition(|&b| b == b'\n').unwrap_or(0);
            self.line_start = (self.pos + last + 1) as isize;
        }
        self.pos += n;
    }

    /// The next byte, not consumed; None at EOF.
    pub fn peek(&mut self) -> std::io::Result<Option<u8>> {
        if self.pos == self.end && !self.fill()? {
            return Ok(None);
        }
        Ok(Some(self.buf[self.pos]))
    }

    /// Skips a UTF-8 byte-order mark at the very start.
    pub fn skip_bom(&mut self) -> std::io::Result<()> {
        while self.end < 3 && self.fill()? {}
        if self.buf[..self.end].starts_with(b"\xEF\xBB\xBF") {
            self.pos = 3;
            self.line_start = 3;
        }
        Ok(())
    }

    /// Skips whitespace; the next byte, not consumed.
    pub fn skip_ws(&mut self) -> std::io::Result<Option<u8>> {
        loop {
            while self.pos < self.end {
                match self.buf[self.pos] {
                    b' ' | b'\t' | b'\r' => self.pos += 1,
                    b'\n' => {
                        self.pos += 1;
                        self.line += 1;
                        self.line_start = self.pos as isize;
                    }
                    b => return Ok(Some(b)),
                }
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// The length of the JSON value starting at the next byte, reading as much as it
    /// needs. Only brackets and strings are followed: the text is checked when it is
    /// parsed. Fails with `TooLong` past `limit` bytes.
    pub fn scan(&mut self, limit: usize) -> Result<usize, ScanError> {
        if self.pos == self.end && !self.fill().map_err(ScanError::Io)? {
            return Err(ScanError::Eof);
        }
        let mut i = 0usize;
        match self.buf[self.pos] {
            b'{' | b'[' => {
                let mut depth = 0usize;
                let mut in_str = false;
                loop {
                    let bytes = &self.buf[self.pos..self.end];
                    // From one byte that matters to the next: in a string its end or an
                    // escape (which skips the byte after it), else a quote or bracket.
                    while i < bytes.len() {
                        let next = if in_str {
                            bytes[i..].iter().position(|&b| b == b'"' || b == b'\\')
                        } else {
                            bytes[i..]
                                .iter()
                                .position(|&b| matches!(b, b'"' | b'{' | b'[' | b'}' | b']'))
                        };
                        let Some(k) = next else {
                            i = bytes.len();
                            break;
                        };
                        i += k;
                        match bytes[i] {
                            b'\\' => i += 1,
                            b'"' => in_str = !in_str,
                            b'{' | b'[' => depth += 1,
                            _ => {
                                depth -= 1;
                                if depth == 0 {
                                    return Ok(i + 1);
                                }
                            }
                        }
                        i += 1;
                    }
                    if i > limit {
                        return Err(ScanError::TooLong);
                    }
                    if !self.fill().map_err(ScanError::Io)? {
                        return Err(ScanError::Eof);
                    }
                }
            }
            b'"' => {
                i = 1;
                loop {
                    let bytes = &self.buf[self.pos..self.end];
                    while i < bytes.len() {
                        match bytes[i] {
                            b'"' => return Ok(i + 1),
                            b'\\' => i += 2,
                            _ => i += 1,
                        }
                    }
                    if i > limit {
                        return Err(ScanError::TooLong);
                    }
                    if !self.fill().map_err(ScanError::Io)? {
                        return Err(ScanError::Eof);
                    }
                }
            }
            _ => loop {
                // A scalar (or garbage): up to the next delimiter.
                let bytes = &self.buf[self.pos..self.end];
                while i < bytes.len() {
                    if matches!(
                        bytes[i],
                        b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'{' | b'['
                    ) {
                        return Ok(i.max(1));
                    }
                    i += 1;
                }
                if i > limit {
                    return Err(ScanError::TooLong);
                }
                if !self.fill().map_err(ScanError::Io)? {
                    return Ok(i);
                }
            },
        }
    }
}

/// serde_json's message without its " at line L column C" suffix.
pub(crate) fn bare_message(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rfind(" at line ") {
        Some(at) if e.line() > 0 => msg[..at].to_string(),
        _ => msg,
    }
}

/// The byte offset of a 1-based line and column in `text`.
pub(crate) fn line_col_offset(text: &[u8], line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive(|&b| b == b'\n').enumerate() {
        if i + 1 == line {
            return (offset + col.saturating_sub(1)).min(text.len());
        }
        offset += l.len();
    }
    text.len()
}

/// The feature's `id` from its text, when it is a plain string or number: the `id`
/// property if there is one, else the first `id` member.
pub(crate) fn find_id(text: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(text);
    let props = text.find("\"properties\"");
    let at = props
        .and_then(|p| text[p..].find("\"id\"").map(|a| p + a))
        .or_else(|| text.find("\"id\""))?;
    let rest = text[at + 4..].trim_start().strip_prefix(':')?.trim_start();
    if let Some(s) = rest.strip_prefix('"') {
        return s.find('"').map(|end| s[..end].to_string());
    }
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '+'))
        .unwrap_or(rest.len());
    (end > 0).then(|| rest[..end].to_string())
}
