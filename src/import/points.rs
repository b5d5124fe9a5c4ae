//! The land layer from any CSV with coordinates: each row a Point candidate.
//!
//! # Rules
//! - Coordinates come from two columns (longitude, latitude) or one WKT column holding
//!   `POINT(lon lat)`, optionally `SRID=4326;POINT(lon lat)` (EWKT, as PostGIS and the
//!   Hotmaps industrial database write it; a Z value is ignored). Empty coordinates (or
//!   `POINT EMPTY`) drop the row (counted); coordinates that do not parse, lie out of
//!   range or carry another SRID make it malformed.
//! - `id` from the id column (empty or repeated: malformed), else `"<file name>-<line>"`.
//! - `area_ha` and `price_eur_per_m2` from their columns when given (an empty cell takes
//!   the default, counted in the report; a value that does not parse, an area <= 0 or a
//!   negative price is malformed), else the defaults (50 ha, 50 EUR/m²).
//! - `country` is written as ISO 3166-1 alpha-2: alpha-2 codes are kept (Eurostat's
//!   "EL", "UK" become "GR", "GB"), alpha-3 codes and English names of European
//!   countries are converted ("Germany", "Netherland" → "DE", "NL"); other values are
//!   left out (the land reader accepts only ISO 3166-1 alpha-2 codes) and listed in the
//!   report.
//! - With a delimiter other than `,`, numbers may use a decimal comma ("47,03").

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use serde_json::{Map, Value};

use super::countries::normalize_country;
use super::{
    check_lon_lat, feature, parse_number, point, CsvFile, Dialect, ImportError, ImportReport,
    Output, Place, Result,
};

/// Where a row's coordinates are.
#[derive(Debug, Clone)]
pub enum Coordinates {
    /// Longitude and latitude columns.
    LonLat { lon: String, lat: String },
    /// One column of POINT WKT (or EWKT with SRID=4326).
    Wkt(String),
}

/// Options of the `points` converter; [`PointsOptions::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct PointsOptions {
    pub file: PathBuf,
    pub coordinates: Coordinates,
    pub id_column: Option<String>,
    pub name_column: Option<String>,
    pub country_column: Option<String>,
    pub area_ha_column: Option<String>,
    pub default_area_ha: f64,
    pub price_column: Option<String>,
    pub default_price_eur_per_m2: f64,
    pub delimiter: u8,
    pub skip_malformed: bool,
}

impl PointsOptions {
    pub const DEFAULT_AREA_HA: f64 = 50.0;
    pub const DEFAULT_PRICE_EUR_PER_M2: f64 = 50.0;

    pub fn new(file: PathBuf, coordinates: Coordinates) -> Self {
        PointsOptions {
            file,
            coordinates,
            id_column: None,
            name_column: None,
            country_column: None,
            area_ha_column: None,
            default_area_ha: Self::DEFAULT_AREA_HA,
            price_column: None,
            default_price_eur_per_m2: Self::DEFAULT_PRICE_EUR_PER_M2,
            delimiter: b',',
            skip_malformed: false,
        }
    }
}

/// Parses `POINT(lon lat)`, `POINT Z (lon lat z)` or `SRID=4326;POINT(lon lat)`;
/// `Ok(None)` for an empty value or `POINT EMPTY`.
pub fn parse_wkt_point(s: &str) -> std::result::Result<Option<(f64, f64)>, String> {
    let mut rest = s.trim();
    if rest.is_empty() {
        return Ok(None);
    }
    if rest.len() >= 5 && rest[..5].eq_ignore_ascii_case("SRID=") {
        let (srid, geom) = rest
            .split_once(';')
            .ok_or_else(|| format!("{s:?}: an SRID without a geometry after `;`"))?;
        if srid[5..].trim() != "4326" {
            return Err(format!(
                "{s:?}: only SRID=4326 (WGS84 longitude/latitude) is read; reproject first"
            ));
        }
        rest = geom.trim();
    }
    let bad = || format!("expected POINT(longitude latitude), found {s:?}");
    if rest.len() < 5 || !rest[..5].eq_ignore_ascii_case("POINT") {
        return Err(bad());
    }
    let mut body = rest[5..].trim_start();
    for dim in ["ZM", "Z", "M"] {
        if body.len() >= dim.len()
            && body[..dim.len()].eq_ignore_ascii_case(dim)
            && !body[dim.len()..].starts_with(|c: char| c.is_ascii_alphabetic())
        {
            body = body[dim.len()..].trim_start();
            break;
        }
    }
    if body.eq_ignore_ascii_case("EMPTY") {
        return Ok(None);
    }
    let inner = body
        .strip_prefix('(')
        .and_then(|b| b.strip_suffix(')'))
        .ok_or_else(bad)?;
    let numbers: Vec<f64> = inner
        .split_whitespace()
        .map(|t| parse_number(t, false).ok_or_else(bad))
        .collect::<std::result::Result<_, _>>()?;
    match numbers.as_slice() {
        [x, y] | [x, y, _] | [x, y, _, _] => Ok(Some((*x, *y))),
        _ => Err(bad()),
    }
}

const NO_COORDS: &str = "rows without coordinates";

/// Converts a CSV of points to a land layer (see the module docs for the rules).
pub fn convert(opts: &PointsOptions) -> Result<Output> {
    if !(opts.default_area_ha.is_finite() && opts.default_area_ha > 0.0) {
        return Err(ImportError::options(format!(
            "--default-area-ha must be > 0, found {}",
            opts.default_area_ha
        )));
    }
    if !(opts.default_price_eur_per_m2.is_finite() && opts.default_price_eur_per_m2 >= 0.0) {
        return Err(ImportError::options(format!(
            "--default-price-eur-per-m2 must be >= 0, found {}",
            opts.default_price_eur_per_m2
        )));
    }
    let mut report = ImportReport::new("points");
    report.add_dropped(NO_COORDS, 0);
    let dialect = Dialect {
        delimiter: opts.delimiter,
        quote: Some(b'"'),
        has_headers: true,
    };
    let mut csv = CsvFile::open(&opts.file, dialect)?;
    let path = csv.path.clone();
    let coords = match &opts.coordinates {
        Coordinates::LonLat { lon, lat } => {
            (csv.column(lon, "--lon")?, Some(csv.column(lat, "--lat")?))
        }
        Coordinates::Wkt(c) => (csv.column(c, "--wkt")?, None),
    };
    let col = |name: &Option<String>, flag: &str| -> Result<Option<usize>> {
        name.as_ref().map(|n| csv.column(n, flag)).transpose()
    };
    let c_id = col(&opts.id_column, "--id")?;
    let c_name = col(&opts.name_column, "--name")?;
    let c_country = col(&opts.country_column, "--country")?;
    let c_area = col(&opts.area_ha_column, "--area-ha")?;
    let c_price = col(&opts.price_column, "--price")?;
    let headers = csv.headers.clone();
    let stem = opts
        .file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let decimal_comma = opts.delimiter != b',';
    let skip = opts.skip_malformed;

    let mut seen: HashMap<String, u64> = HashMap::new();
    let (mut area_defaulted, mut price_defaulted) = (0, 0);
    let mut unknown_countries: BTreeMap<String, usize> = BTreeMap::new();
    let mut features = Vec::new();
    let mut n = 0;
    while let Some((line, rec)) = csv.next_record(&mut report, skip, None)? {
        n += 1;
        let parsed = (|| -> std::result::Result<_, String> {
            let lon_lat = match coords {
                (c_lon, Some(c_lat)) => {
                    let (x, y) = (rec[c_lon].trim(), rec[c_lat].trim());
                    if x.is_empty() || y.is_empty() {
                        None
                    } else {
                        let num = |v: &str, c: usize| {
                            parse_number(v, decimal_comma).ok_or_else(|| {
                                format!("column `{}`: expected a number, found {v:?}", headers[c])
                            })
                        };
                        Some((num(x, c_lon)?, num(y, c_lat)?))
                    }
                }
                (c_wkt, None) => parse_wkt_point(&rec[c_wkt])
                    .map_err(|m| format!("column `{}`: {m}", headers[c_wkt]))?,
            };
            if let Some((x, y)) = lon_lat {
                check_lon_lat(x, y)?;
            }
            let id = match c_id {
                Some(c) => {
                    let id = rec[c].trim();
                    if id.is_empty() {
                        return Err(format!("column `{}` (the id) is empty", headers[c]));
                    }
                    if let Some(first) = seen.get(id) {
                        return Err(format!("duplicate id {id:?} (first on line {first})"));
                    }
                    id.to_string()
                }
                None => format!("{stem}-{line}"),
            };
            let optional = |c: Option<usize>,
                            min_exclusive: bool|
             -> std::result::Result<Option<f64>, String> {
                let Some(c) = c else { return Ok(None) };
                let v = rec[c].trim();
                if v.is_empty() {
                    return Ok(None);
                }
                let x = parse_number(v, decimal_comma).ok_or_else(|| {
                    format!("column `{}`: expected a number, found {v:?}", headers[c])
                })?;
                if (min_exclusive && x <= 0.0) || x < 0.0 {
                    return Err(format!(
                        "column `{}`: expected a number {} 0, found {x}",
                        headers[c],
                        if min_exclusive { ">" } else { ">=" }
                    ));
                }
                Ok(Some(x))
            };
            let area = optional(c_area, true)?;
            let price = optional(c_price, false)?;
            Ok((lon_lat, id, area, price))
        })();
        let (lon_lat, id, area, price) = match parsed {
            Ok(p) => p,
            Err(m) => {
                report.malformed(skip, &path, Place::Line(line), m)?;
                continue;
            }
        };
        let Some((lon, lat)) = lon_lat else {
            report.add_dropped(NO_COORDS, 1);
            continue;
        };
        seen.insert(id.clone(), line);
        let mut p = Map::new();
        p.insert("id".into(), Value::from(id));
        if let Some(c) = c_name {
            let name = rec[c].trim();
            if !name.is_empty() {
                p.insert("name".into(), Value::from(name));
            }
        }
        if let Some(c) = c_country {
            let raw = rec[c].trim();
            if !raw.is_empty() {
                match normalize_country(raw).filter(|c| crate::layers::is_country_code(c)) {
                    Some(country) => {
                        p.insert("country".into(), Value::from(country));
                    }
                    None => *unknown_countries.entry(raw.to_string()).or_default() += 1,
                }
            }
        }
        if c_area.is_some() && area.is_none() {
            area_defaulted += 1;
        }
        if c_price.is_some() && price.is_none() {
            price_defaulted += 1;
        }
        p.insert(
            "area_ha".into(),
            Value::from(area.unwrap_or(opts.default_area_ha)),
        );
        p.insert(
            "price_eur_per_m2".into(),
            Value::from(price.unwrap_or(opts.default_price_eur_per_m2)),
        );
        features.push(feature(point(lon, lat), p));
    }
    // Every record read, the malformed ones skipped included (`n` counts only those
    // that had the right number of fields).
    debug_assert!(n <= csv.records);
    report.add_read("rows", csv.records);
    report.add_written("parcels", features.len());
    if c_area.is_some() {
        report.note(format!(
            "{area_defaulted} rows without an area took --default-area-ha {}",
            opts.default_area_ha
        ));
    } else {
        report.note(format!(
            "every parcel has area_ha = {} (--default-area-ha)",
            opts.default_area_ha
        ));
    }
    if c_price.is_some() {
        report.note(format!(
            "{price_defaulted} rows without a price took --default-price-eur-per-m2 {}",
            opts.default_price_eur_per_m2
        ));
    } else {
        report.note(format!(
            "every parcel has price_eur_per_m2 = {} (--default-price-eur-per-m2)",
            opts.default_price_eur_per_m2
        ));
    }
    if !unknown_countries.is_empty() {
        let list: Vec<String> = unknown_countries
            .iter()
            .map(|(c, n)| format!("{c:?} ({n})"))
            .collect();
        report.note(format!(
            "country values left out (not recognised as ISO 3166 codes or names): {}",
            list.join(", ")
        ));
    }
    Ok(Output {
        layer: "land",
        empty: features.is_empty(),
        features,
        report,
    })
}

#[cfg(test)]
mod tests {
    use super::parse_wkt_point;

    #[test]
    fn wkt_points() {
        assert_eq!(parse_wkt_point("POINT(15.1 47.0)"), Ok(Some((15.1, 47.0))));
        assert_eq!(
            parse_wkt_point("SRID=4326;POINT(15.1 47.0)"),
            Ok(Some((15.1, 47.0)))
        );
        assert_eq!(parse_wkt_point(" point z (1 2 3) "), Ok(Some((1.0, 2.0))));
        assert_eq!(parse_wkt_point("POINT EMPTY"), Ok(None));
        assert_eq!(parse_wkt_point(""), Ok(None));
        assert!(parse_wkt_point("SRID=3035;POINT(4321000 3210000)").is_err());
        assert!(parse_wkt_point("POINT(1)").is_err());
        assert!(parse_wkt_point("LINESTRING(1 2, 3 4)").is_err());
        assert!(parse_wkt_point("POINT(a b)").is_err());
    }
}
