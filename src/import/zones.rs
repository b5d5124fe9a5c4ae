//! The prices layer: zone polygons (GeoJSON, e.g. entsoe-py's bidding zones or
//! Electricity Maps' zones) joined with a table of prices (CSV).
//!
//! # The price table
//! One row per key (a zone or country code) with a price in EUR/MWh. The key column
//! defaults to `zone`, else `ISO3 Code`; the price column to `price_eur_per_mwh`, else
//! `Price (EUR/MWhe)` (so Ember's monthly table works without flags). When the key
//! column's name contains "ISO3", keys are ISO 3166-1 alpha-3 codes and are converted
//! to alpha-2 ("DEU" → "DE"). A key may appear once, unless `year` is given: then the
//! rows whose date column (default `Date`) starts with that year are averaged per key
//! (a plain mean of the monthly values; the report names keys with fewer than 12
//! rows) and rows of other years are skipped. A price that does not parse is malformed;
//! an empty one is dropped.
//!
//! # The join
//! Codes are compared by their letters and digits only, case-insensitively ("NO_1" =
//! "NO1" = "no-1"). A zone takes the price of, in this order:
//! 1. its own code (for a code of the form "SE-SE3", also "SE3");
//! 2. its country: the feature's country property (`countryKey` by default), as ISO
//!    alpha-2 (Electricity Maps' zone "XX" has countryKey "CY");
//! 3. its code's two-letter prefix: the letters before `_`, `-` or a digit
//!    ("DE_LU" → "DE", "NO1" → "NO", "IT-NO" → "IT").
//!
//! With zonal prices (`zone_prices`, see below) a zone first takes its own zonal
//! series; the three steps above are its fallback, and the report says so per zone.
//!
//! Zones with no price are dropped and named in the report; so is a second zone with
//! the same code. Written properties: `zone` (the code as in the file),
//! `price_eur_per_mwh` (rounded to 0.001), `country` (the country property, else the
//! prefix), `join` (`zone`, `country` or `prefix`) and `price_key` (the key as written
//! in the table). Rings are rounded to 6 decimals and repeated consecutive positions
//! removed; a ring left with fewer than 4 positions is dropped (a polygon with it, when
//! it is the outer ring).
//!
//! # Version-2 attributes (each from an optional input)
//! Without any of them the output is byte for byte what it was before they existed.
//! Zone codes are joined to the sources through the explicit table of
//! [`super::bidding_zones`] (SE_4 ↔ SE4 ↔ SE-SE4, IT_NORD ↔ IT-North ↔ IT-NO, …); a
//! zone's country is its written `country`.
//! - `zone_prices` (Energy-Charts `euprices-data.js`, [`super::zonal_prices`]): the
//!   zone's hour-weighted mean of the 12 months of `year` → `price_eur_per_mwh`,
//!   `join` = `zonal`, `price_key` = the series' code. A zone without a complete series
//!   falls back to the price table. **With zonal prices the price table's yearly means
//!   are hour-weighted too** (each row by the hours of its month, so the Date column
//!   must name the month), so fallback and zonal zones are averaged alike; without them
//!   the table keeps the plain mean of its rows.
//! - `carbon` (Electricity Maps yearly JSON) and `carbon_countries` (Ember yearly CSV,
//!   [`super::carbon`]): the zone's Electricity Maps figure, else its country's Ember
//!   figure of `year` → `carbon_g_per_kwh`, with `carbon_source` (`electricity_maps`
//!   or `ember`) and `carbon_key`.
//! - `surcharge` (Eurostat nrg_pc_205, [`super::eurostat`]): the country's price
//!   excluding VAT and recoverable taxes, largest consumption band with data, mean of
//!   the year's semesters, minus the country's wholesale mean from the price table,
//!   floored at 0 → `surcharge_eur_per_mwh`.
//! - `degree_days` (Eurostat nrg_chdd_a): PUE = 1.10 + 0.0004 × the country's mean
//!   cooling degree days over `cdd_years` years, in [1.10, 1.50] → `pue`.
//! - `water_stress` (Aqueduct country categories, [`super::water`]) → `water_stress`
//!   (absent when Aqueduct has no data).
//!
//! Each zone gets one note saying which source gave each attribute, which fell back and
//! why; a summary note per attribute counts the zones per source.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::countries::{alpha2_of_alpha3, normalize_country};
use super::zonal_prices::{hours_in_month, year_month};
use super::zone_attributes::{Attributes, ZonalPrice};
use super::{
    check_lon_lat, feature, round6, round_to, CsvFile, Dialect, ImportError, ImportReport, Output,
    Place, Result,
};

/// Options of the `zones` converter; [`ZonesOptions::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct ZonesOptions {
    pub zone_files: Vec<PathBuf>,
    pub prices: PathBuf,
    /// The property holding a zone's code.
    pub zone_property: String,
    /// The property holding a zone's country (ISO alpha-2), when there is one.
    pub country_property: Option<String>,
    pub key_column: Option<String>,
    pub price_column: Option<String>,
    pub date_column: Option<String>,
    /// Average the rows of this year per key.
    pub year: Option<i32>,
    /// Field separator of the price table.
    pub delimiter: u8,
    pub skip_malformed: bool,
    /// Zonal monthly prices (Energy-Charts `euprices-data.js`); needs `year`.
    pub zone_prices: Option<PathBuf>,
    /// Carbon intensity per zone (Electricity Maps yearly JSON).
    pub carbon: Option<PathBuf>,
    /// Carbon intensity per country (Ember yearly overview CSV); needs `year`.
    pub carbon_countries: Option<PathBuf>,
    /// Non-household electricity prices (Eurostat nrg_pc_205 TSV); needs `year`.
    pub surcharge: Option<PathBuf>,
    /// The `tax` level of nrg_pc_205 the surcharge rule reads.
    pub surcharge_tax: String,
    /// Cooling degree days (Eurostat nrg_chdd_a TSV); needs `year`.
    pub degree_days: Option<PathBuf>,
    /// Years of degree days averaged, ending with `year`.
    pub cdd_years: u32,
    /// Baseline water stress per country (Aqueduct country categories CSV).
    pub water_stress: Option<PathBuf>,
}

impl ZonesOptions {
    pub fn new(zone_files: Vec<PathBuf>, prices: PathBuf) -> Self {
        ZonesOptions {
            zone_files,
            prices,
            zone_property: "zoneName".into(),
            country_property: Some("countryKey".into()),
            key_column: None,
            price_column: None,
            date_column: None,
            year: None,
            delimiter: b',',
            skip_malformed: false,
            zone_prices: None,
            carbon: None,
            carbon_countries: None,
            surcharge: None,
            surcharge_tax: Self::DEFAULT_SURCHARGE_TAX.into(),
            degree_days: None,
            cdd_years: Self::DEFAULT_CDD_YEARS,
            water_stress: None,
        }
    }

    pub const DEFAULT_SURCHARGE_TAX: &'static str = "X_VAT";
    pub const DEFAULT_CDD_YEARS: u32 = 10;
}

/// A code compared by its letters and digits only, upper-case.
pub fn normalize_code(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The two-letter country prefix of a zone code, when it has one ("DE_LU" → "DE").
pub fn code_prefix(code: &str) -> Option<String> {
    let c: Vec<char> = code.trim().chars().collect();
    let letters = c.len() >= 2 && c[0].is_ascii_alphabetic() && c[1].is_ascii_alphabetic();
    (letters && (c.len() == 2 || !c[2].is_ascii_alphabetic()))
        .then(|| c[..2].iter().collect::<String>().to_ascii_uppercase())
}

/// For a code "CC-CC…" (Electricity Maps: "SE-SE3", "NO-NO1"), the part after the
/// repeated country ("SE3").
fn repeated_prefix_variant(code: &str) -> Option<String> {
    let p = code_prefix(code)?;
    let rest = code.trim()[2..].trim_start_matches(['-', '_', ' ']);
    (rest.len() > 2 && rest[..2].eq_ignore_ascii_case(&p)).then(|| rest.to_string())
}

struct Price {
    /// The key as written in the table.
    key: String,
    sum: f64,
    rows: usize,
    line: u64,
    /// Σ price × hours of the row's month, and Σ hours (with hour weighting).
    hour_sum: f64,
    hours: f64,
}

impl Price {
    /// The mean: hour-weighted when the rows were read so, else plain.
    fn mean(&self) -> f64 {
        if self.hours > 0.0 {
            self.hour_sum / self.hours
        } else {
            self.sum / self.rows as f64
        }
    }
}

const OTHER_YEARS: &str = "price rows of other years";
const NO_PRICE_VALUE: &str = "price rows without a price";
const UNKNOWN_ISO3: &str = "price rows with an unknown ISO3 code";

fn first_present(
    csv: &CsvFile,
    given: &Option<String>,
    defaults: &[&str],
    flag: &str,
) -> Result<usize> {
    if let Some(name) = given {
        return csv.column(name, flag);
    }
    defaults
        .iter()
        .find_map(|d| csv.optional_column(d))
        .ok_or_else(|| {
            ImportError::file(
                &csv.path,
                format!(
                    "none of the columns {} is in the header; name one with {flag} (the columns are: {})",
                    defaults.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", "),
                    csv.headers.join(", ")
                ),
            )
        })
}

fn read_prices(opts: &ZonesOptions, report: &mut ImportReport) -> Result<HashMap<String, Price>> {
    let dialect = Dialect {
        delimiter: opts.delimiter,
        quote: Some(b'"'),
        has_headers: true,
    };
    let mut csv = CsvFile::open(&opts.prices, dialect)?;
    let path = csv.path.clone();
    let c_key = first_present(
        &csv,
        &opts.key_column,
        &["zone", "ISO3 Code"],
        "--key-column",
    )?;
    let c_price = first_present(
        &csv,
        &opts.price_column,
        &["price_eur_per_mwh", "Price (EUR/MWhe)"],
        "--price-column",
    )?;
    let c_date = match opts.year {
        Some(_) => Some(first_present(
            &csv,
            &opts.date_column,
            &["Date"],
            "--date-column",
        )?),
        None => None,
    };
    let key_name = csv.headers[c_key].clone();
    let iso3 = key_name.to_ascii_lowercase().contains("iso3");
    let decimal_comma = opts.delimiter != b',';
    let skip = opts.skip_malformed;
    // With zonal prices, the country rows are averaged like them (hour-weighted).
    let hour_weighted = opts.zone_prices.is_some();
    if opts.year.is_some() {
        report.add_dropped(OTHER_YEARS, 0);
    }
    report.add_dropped(NO_PRICE_VALUE, 0);
    if iso3 {
        report.add_dropped(UNKNOWN_ISO3, 0);
    }
    let mut unknown: Vec<String> = Vec::new();
    let mut prices: HashMap<String, Price> = HashMap::new();
    let mut n = 0;
    while let Some((line, rec)) = csv.next_record(report, skip, None)? {
        n += 1;
        let raw_key = rec[c_key].trim().to_string();
        if raw_key.is_empty() {
            report.malformed(
                skip,
                &path,
                Place::Line(line),
                format!("column `{key_name}` is empty"),
            )?;
            continue;
        }
        let mut hours = 0.0;
        if let (Some(year), Some(c)) = (opts.year, c_date) {
            let date = rec[c].trim();
            let y = date.get(..4).and_then(|y| y.parse::<i32>().ok());
            if hour_weighted && y == Some(year) {
                match year_month(date) {
                    Some((_, m)) => hours = hours_in_month(year, m),
                    None => {
                        report.malformed(
                            skip,
                            &path,
                            Place::Line(line),
                            format!("the date {date:?} has no month (YYYY-MM…), which hour weighting needs"),
                        )?;
                        continue;
                    }
                }
            }
            match y {
                None => {
                    report.malformed(
                        skip,
                        &path,
                        Place::Line(line),
                        format!("the date {date:?} does not start with a year"),
                    )?;
                    continue;
                }
                Some(y) if y != year => {
                    report.add_dropped(OTHER_YEARS, 1);
                    continue;
                }
                Some(_) => {}
            }
        }
        let value = rec[c_price].trim();
        if value.is_empty() {
            report.add_dropped(NO_PRICE_VALUE, 1);
            continue;
        }
        let Some(price) = super::parse_number(value, decimal_comma) else {
            report.malformed(
                skip,
                &path,
                Place::Line(line),
                format!("the price {value:?} is not a number"),
            )?;
            continue;
        };
        let key = if iso3 {
            match alpha2_of_alpha3(&raw_key) {
                Some(a2) => a2.to_string(),
                None => {
                    report.add_dropped(UNKNOWN_ISO3, 1);
                    if !unknown.contains(&raw_key) {
                        unknown.push(raw_key);
                    }
                    continue;
                }
            }
        } else {
            raw_key.clone()
        };
        let norm = normalize_code(&key);
        match prices.get_mut(&norm) {
            Some(p) if opts.year.is_some() => {
                p.sum += price;
                p.rows += 1;
                p.hour_sum += price * hours;
                p.hours += hours;
            }
            Some(p) => {
                let first = p.line;
                report.malformed(
                    skip,
                    &path,
                    Place::Line(line),
                    format!(
                        "key {raw_key:?} again (first on line {first}); with dated rows, give --year to average them"
                    ),
                )?;
            }
            None => {
                prices.insert(
                    norm,
                    Price {
                        key: raw_key,
                        sum: price,
                        rows: 1,
                        line,
                        hour_sum: price * hours,
                        hours,
                    },
                );
            }
        }
    }
    report.add_read("price rows", n);
    if !unknown.is_empty() {
        report.note(format!(
            "ISO3 codes not known to gigasite: {}",
            unknown.join(", ")
        ));
    }
    if let Some(year) = opts.year {
        let mut partial: Vec<String> = prices
            .values()
            .filter(|p| p.rows != 12)
            .map(|p| format!("{} ({} rows)", p.key, p.rows))
            .collect();
        partial.sort();
        if !partial.is_empty() {
            report.note(format!(
                "keys without 12 rows in {year} (averaged over what there is): {}",
                partial.join(", ")
            ));
        }
    }
    Ok(prices)
}

type Ring = Vec<(f64, f64)>;

/// Reads a GeoJSON ring, checking positions, length and closure.
fn ring(v: &Value) -> std::result::Result<Ring, String> {
    let positions = v.as_array().ok_or("a ring must be an array of positions")?;
    let mut out = Vec::with_capacity(positions.len());
    for p in positions {
        let xy = p
            .as_array()
            .filter(|a| a.len() >= 2)
            .and_then(|a| Some((a[0].as_f64()?, a[1].as_f64()?)))
            .ok_or_else(|| format!("a position must be [longitude, latitude], found {p}"))?;
        check_lon_lat(xy.0, xy.1)?;
        out.push(xy);
    }
    if out.len() < 4 {
        return Err(format!(
            "a polygon ring needs at least 4 positions, found {}",
            out.len()
        ));
    }
    if out.first() != out.last() {
        return Err("a polygon ring is not closed (first and last positions differ)".into());
    }
    Ok(out)
}

fn polygon(v: &Value) -> std::result::Result<Vec<Ring>, String> {
    let rings = v.as_array().ok_or("a polygon must be an array of rings")?;
    if rings.is_empty() {
        return Err("a polygon without rings".into());
    }
    rings.iter().map(ring).collect()
}

/// Rounds a ring to 6 decimals and drops repeated consecutive positions; `None` when
/// fewer than 4 positions are left.
fn round_ring(r: &Ring) -> Option<Vec<Value>> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(r.len());
    for &(x, y) in r {
        let p = (round6(x), round6(y));
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    (out.len() >= 4).then(|| out.iter().map(|&(x, y)| json!([x, y])).collect())
}

struct Zone {
    file: usize,
    index: usize,
    code: String,
    country: Option<String>,
    is_multi: bool,
    polygons: Vec<Vec<Ring>>,
}

const NO_PRICE: &str = "zones without a price";
const DUPLICATE: &str = "zones repeating an earlier zone's code";
const DEGENERATE: &str = "zones empty after rounding";

fn read_zone_file(
    path: &Path,
    file: usize,
    opts: &ZonesOptions,
    report: &mut ImportReport,
    zones: &mut Vec<Zone>,
) -> Result<()> {
    let bytes = std::fs::read(path).map_err(|e| ImportError::io(path, e))?;
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let value: Value = serde_json::from_slice(text)
        .map_err(|e| ImportError::file(path, format!("not valid JSON: {e}")))?;
    if let Some(crs) = value.get("crs").filter(|c| !c.is_null()) {
        let name = crs
            .pointer("/properties/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !["CRS84", "EPSG:4326", "EPSG::4326"]
            .iter()
            .any(|n| name.ends_with(n))
        {
            return Err(ImportError::file(
                path,
                format!("the `crs` member names {name:?}; only WGS84 longitude/latitude is read (reproject with ogr2ogr -t_srs EPSG:4326)"),
            ));
        }
    }
    let features: Vec<&Value> = match value.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => value
            .get("features")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                ImportError::file(path, "a FeatureCollection without a `features` array")
            })?
            .iter()
            .collect(),
        Some("Feature") => vec![&value],
        _ => {
            return Err(ImportError::file(
                path,
                "expected a GeoJSON FeatureCollection or Feature",
            ))
        }
    };
    for (index, f) in features.into_iter().enumerate() {
        report.add_read("zones", 1);
        let props = f.get("properties").and_then(Value::as_object);
        let prop_string = |key: &str| -> Option<String> {
            match props?.get(key)? {
                Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        let parsed = (|| -> std::result::Result<Zone, String> {
            let code = prop_string(&opts.zone_property).ok_or_else(|| {
                format!(
                    "no `{}` property (set the property with --zone-property)",
                    opts.zone_property
                )
            })?;
            let geometry = f
                .get("geometry")
                .filter(|g| !g.is_null())
                .ok_or("the feature has no geometry")?;
            let coords = geometry
                .get("coordinates")
                .ok_or("the geometry has no coordinates")?;
            let (is_multi, polygons) = match geometry.get("type").and_then(Value::as_str) {
                Some("Polygon") => (false, vec![polygon(coords)?]),
                Some("MultiPolygon") => (
                    true,
                    coords
                        .as_array()
                        .ok_or("a MultiPolygon's coordinates must be an array of polygons")?
                        .iter()
                        .map(polygon)
                        .collect::<std::result::Result<Vec<_>, _>>()?,
                ),
                other => {
                    return Err(format!(
                        "expected a Polygon or MultiPolygon, found {}",
                        other.unwrap_or("no type")
                    ))
                }
            };
            let country = opts
                .country_property
                .as_deref()
                .and_then(prop_string)
                .and_then(|c| normalize_country(&c));
            Ok(Zone {
                file,
                index,
                code,
                country,
                is_multi,
                polygons,
            })
        })();
        match parsed {
            Ok(z) => zones.push(z),
            Err(m) => report.malformed(opts.skip_malformed, path, Place::Feature(index), m)?,
        }
    }
    Ok(())
}

fn list_some(items: &[String]) -> String {
    const SHOWN: usize = 50;
    let mut s = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        s.push_str(&format!(" … and {} more", items.len() - SHOWN));
    }
    s
}

/// A zone's price and where it came from.
struct Joined {
    price: f64,
    /// `zonal`, else how the price table matched: `zone`, `country` or `prefix`.
    join: &'static str,
    /// The key as written in its source.
    key: String,
    /// The price table's normalized key, when the table gave the price.
    table_key: Option<String>,
}

impl Joined {
    fn note(&self, zonal: &ZonalPrice) -> String {
        let p = round_to(self.price, 3);
        match zonal {
            ZonalPrice::Found(..) => format!("price {p} zonal {}", self.key),
            ZonalPrice::Missing(why) => {
                format!("price {p} price table {} (fallback: {why})", self.key)
            }
            ZonalPrice::NotAsked => format!("price {p} {} {}", self.join, self.key),
        }
    }
}

/// The zonal price when there is one, else the price table's by code, country, prefix.
fn join_price(
    z: &Zone,
    prefix: &Option<String>,
    zonal: &ZonalPrice,
    prices: &HashMap<String, Price>,
) -> Option<Joined> {
    if let ZonalPrice::Found(price, code) = zonal {
        return Some(Joined {
            price: *price,
            join: "zonal",
            key: code.clone(),
            table_key: None,
        });
    }
    let mut tries: Vec<(&str, String)> = vec![("zone", normalize_code(&z.code))];
    if let Some(v) = repeated_prefix_variant(&z.code) {
        tries.push(("zone", normalize_code(&v)));
    }
    if let Some(c) = &z.country {
        tries.push(("country", normalize_code(c)));
    }
    if let Some(p) = prefix {
        tries.push(("prefix", p.clone()));
    }
    tries.into_iter().find_map(|(how, k)| {
        prices.get(&k).map(|p| Joined {
            price: p.mean(),
            join: how,
            key: p.key.clone(),
            table_key: Some(k),
        })
    })
}

/// The zone's geometry rounded, or None when nothing is left of it.
fn zone_geometry(z: &Zone, rings_dropped: &mut usize) -> Option<Value> {
    let mut polygons = Vec::new();
    for poly in &z.polygons {
        let Some(outer) = round_ring(&poly[0]) else {
            *rings_dropped += poly.len();
            continue;
        };
        let mut rings = vec![Value::from(outer)];
        for hole in &poly[1..] {
            match round_ring(hole) {
                Some(h) => rings.push(Value::from(h)),
                None => *rings_dropped += 1,
            }
        }
        polygons.push(Value::from(rings));
    }
    if polygons.is_empty() {
        return None;
    }
    Some(if z.is_multi || polygons.len() != 1 {
        json!({"type": "MultiPolygon", "coordinates": polygons})
    } else {
        json!({"type": "Polygon", "coordinates": polygons[0]})
    })
}

/// Joins zone polygons with a price table (see the module docs for the rules).
pub fn convert(opts: &ZonesOptions) -> Result<Output> {
    if opts.zone_files.is_empty() {
        return Err(ImportError::options("give at least one zone GeoJSON file"));
    }
    if opts.date_column.is_some() && opts.year.is_none() {
        return Err(ImportError::options(
            "--date-column is only used with --year",
        ));
    }
    let mut report = ImportReport::new("zones");
    report.add_read("zone files", opts.zone_files.len());
    report.add_read("zones", 0);
    let prices = read_prices(opts, &mut report)?;
    let mut zones = Vec::new();
    for (i, path) in opts.zone_files.iter().enumerate() {
        read_zone_file(path, i, opts, &mut report, &mut zones)?;
    }
    for r in [NO_PRICE, DUPLICATE, DEGENERATE] {
        report.add_dropped(r, 0);
    }
    let mut attributes = Attributes::read(opts, &mut report)?;
    let mut codes: HashSet<String> = HashSet::new();
    let mut joins: BTreeMap<&str, usize> = BTreeMap::new();
    let mut used_keys: HashSet<String> = HashSet::new();
    let (mut unpriced, mut duplicates) = (Vec::new(), Vec::new());
    let mut rings_dropped = 0;
    let mut features = Vec::new();
    for z in &zones {
        if !codes.insert(z.code.clone()) {
            report.add_dropped(DUPLICATE, 1);
            duplicates.push(format!(
                "{} ({}, feature {})",
                z.code,
                opts.zone_files[z.file].display(),
                z.index
            ));
            continue;
        }
        let prefix = code_prefix(&z.code);
        let zonal = attributes.zonal_price(&z.code);
        let Some(joined) = join_price(z, &prefix, &zonal, &prices) else {
            report.add_dropped(NO_PRICE, 1);
            unpriced.push(z.code.clone());
            continue;
        };
        let Some(geometry) = zone_geometry(z, &mut rings_dropped) else {
            report.add_dropped(DEGENERATE, 1);
            continue;
        };
        *joins.entry(joined.join).or_default() += 1;
        if let Some(k) = &joined.table_key {
            used_keys.insert(k.clone());
        }
        let country = z.country.clone().or(prefix);
        let mut p = Map::new();
        p.insert("zone".into(), Value::from(z.code.clone()));
        p.insert(
            "price_eur_per_mwh".into(),
            Value::from(round_to(joined.price, 3)),
        );
        if let Some(c) = &country {
            p.insert("country".into(), Value::from(c.clone()));
        }
        p.insert("join".into(), Value::from(joined.join));
        p.insert("price_key".into(), Value::from(joined.key.clone()));
        if attributes.any() {
            attributes.count_price(&z.code, joined.join == "zonal");
            let wholesale_key = country.as_deref().map(normalize_code);
            let wholesale = wholesale_key.as_ref().and_then(|k| prices.get(k));
            if let (Some(k), Some(_), true) = (&wholesale_key, wholesale, opts.surcharge.is_some())
            {
                used_keys.insert(k.clone());
            }
            let wholesale = wholesale.map(Price::mean);
            let mut parts = vec![joined.note(&zonal)];
            parts.extend(attributes.add(&z.code, country.as_deref(), wholesale, &mut p));
            report.note(format!("zone {}: {}", z.code, parts.join("; ")));
        }
        features.push(feature(geometry, p));
    }
    attributes.finish(&mut report);
    report.add_written("zones", features.len());
    let zonal = match opts.zone_prices {
        Some(_) => format!("by zonal series {}, ", joins.get("zonal").unwrap_or(&0)),
        None => String::new(),
    };
    report.note(format!(
        "joined {zonal}by zone code {}, by country property {}, by zone-code prefix {}",
        joins.get("zone").unwrap_or(&0),
        joins.get("country").unwrap_or(&0),
        joins.get("prefix").unwrap_or(&0)
    ));
    if !unpriced.is_empty() {
        report.note(format!("zones without a price: {}", list_some(&unpriced)));
    }
    if !duplicates.is_empty() {
        report.note(format!(
            "repeated zone codes dropped: {}",
            list_some(&duplicates)
        ));
    }
    let mut unused: Vec<String> = prices
        .iter()
        .filter(|(k, _)| !used_keys.contains(*k))
        .map(|(_, p)| p.key.clone())
        .collect();
    unused.sort();
    if !unused.is_empty() {
        let what = if opts.surcharge.is_some() {
            "price keys no zone used (for its price or its country's surcharge)"
        } else {
            "price keys no zone used"
        };
        report.note(format!("{what}: {}", list_some(&unused)));
    }
    if rings_dropped > 0 {
        report.note(format!(
            "{rings_dropped} rings dropped: fewer than 4 distinct positions after rounding"
        ));
    }
    Ok(Output {
        layer: "prices",
        empty: features.is_empty(),
        features,
        report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(normalize_code("no-1"), "NO1");
        assert_eq!(normalize_code("DE_LU"), "DELU");
        assert_eq!(code_prefix("DE_LU").as_deref(), Some("DE"));
        assert_eq!(code_prefix("NO1").as_deref(), Some("NO"));
        assert_eq!(code_prefix("IT-NO").as_deref(), Some("IT"));
        assert_eq!(code_prefix("XX").as_deref(), Some("XX"));
        assert_eq!(code_prefix("NKR"), None);
        assert_eq!(code_prefix("X1"), None);
        assert_eq!(repeated_prefix_variant("SE-SE3").as_deref(), Some("SE3"));
        assert_eq!(repeated_prefix_variant("DK-BHM"), None);
        assert_eq!(repeated_prefix_variant("NO_1"), None);
    }
}
