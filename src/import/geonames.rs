//! The demand layer from a GeoNames dump (`cities15000.txt` and its siblings).
//!
//! The file is tab-separated with no header and no quoting (a name may contain `"`),
//! 19 columns: geonameid, name, asciiname, alternatenames, latitude, longitude,
//! feature class, feature code, country code, cc2, admin1..4, population, elevation,
//! dem, timezone, modification date.
//!
//! # Rules
//! A place is kept when its country code is listed (when a list is given) and its
//! population is at least `min_population` (default 1,000,000); it is dropped for the
//! first of these it fails. A demand point has `id` = geonameid, `name`, `weight` =
//! population in millions, and `country`, `population` for reference. A row without 19
//! fields, a coordinate or population that does not parse, or a repeated geonameid is
//! malformed. An empty population counts as 0.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use serde_json::{Map, Value};

use super::{
    check_lon_lat, feature, number_field, point, round6, CsvFile, Dialect, ImportReport, Output,
    Place, Result,
};

/// Options of the `geonames` converter.
#[derive(Debug, Clone)]
pub struct GeonamesOptions {
    pub file: PathBuf,
    /// Places with fewer inhabitants are dropped.
    pub min_population: u64,
    /// ISO 3166-1 alpha-2 codes to keep (all when `None`).
    pub countries: Option<Vec<String>>,
    pub skip_malformed: bool,
}

impl GeonamesOptions {
    pub const DEFAULT_MIN_POPULATION: u64 = 1_000_000;
}

const COLUMNS: usize = 19;
const C_ID: usize = 0;
const C_NAME: usize = 1;
const C_LAT: usize = 4;
const C_LON: usize = 5;
const C_COUNTRY: usize = 8;
const C_POPULATION: usize = 14;

/// Converts a GeoNames dump to a demand layer (see the module docs for the rules).
pub fn convert(opts: &GeonamesOptions) -> Result<Output> {
    let mut report = ImportReport::new("geonames");
    let countries: Option<HashSet<String>> = opts
        .countries
        .as_ref()
        .map(|c| c.iter().map(|s| s.trim().to_ascii_uppercase()).collect());
    const OTHER_COUNTRY: &str = "places in other countries";
    const BELOW: &str = "places below --min-population";
    if countries.is_some() {
        report.add_dropped(OTHER_COUNTRY, 0);
    }
    report.add_dropped(BELOW, 0);
    let dialect = Dialect {
        delimiter: b'\t',
        quote: None,
        has_headers: false,
    };
    let mut tsv = CsvFile::open(&opts.file, dialect)?;
    let path = tsv.path.clone();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut features = Vec::new();
    let mut n = 0;
    while let Some((line, rec)) =
        tsv.next_record(&mut report, opts.skip_malformed, Some(COLUMNS))?
    {
        n += 1;
        let parsed = (|| -> std::result::Result<_, String> {
            let id = rec[C_ID].trim();
            if id.is_empty() {
                return Err("the geonameid (column 1) is empty".into());
            }
            if let Some(first) = seen.get(id) {
                return Err(format!("duplicate geonameid {id} (first on line {first})"));
            }
            let lat = number_field(&rec[C_LAT], "latitude", false)?;
            let lon = number_field(&rec[C_LON], "longitude", false)?;
            check_lon_lat(lon, lat)?;
            let pop = rec[C_POPULATION].trim();
            let population: u64 = if pop.is_empty() {
                0
            } else {
                pop.parse().map_err(|_| {
                    format!("column `population`: expected a whole number, found {pop:?}")
                })?
            };
            Ok((id.to_string(), lon, lat, population))
        })();
        let (id, lon, lat, population) = match parsed {
            Ok(p) => p,
            Err(m) => {
                report.malformed(opts.skip_malformed, &path, Place::Line(line), m)?;
                continue;
            }
        };
        seen.insert(id.clone(), line);
        let country = rec[C_COUNTRY].trim().to_ascii_uppercase();
        if countries.as_ref().is_some_and(|c| !c.contains(&country)) {
            report.add_dropped(OTHER_COUNTRY, 1);
            continue;
        }
        if population < opts.min_population {
            report.add_dropped(BELOW, 1);
            continue;
        }
        let mut p = Map::new();
        p.insert("id".into(), Value::from(id));
        p.insert("name".into(), Value::from(rec[C_NAME].trim()));
        p.insert(
            "weight".into(),
            Value::from(round6(population as f64 / 1e6)),
        );
        p.insert("population".into(), Value::from(population));
        if !country.is_empty() {
            p.insert("country".into(), Value::from(country));
        }
        features.push(feature(point(lon, lat), p));
    }
    // Every record read, the malformed ones skipped included (`n` counts only those
    // that had the right number of fields).
    debug_assert!(n <= tsv.records);
    report.add_read("places", tsv.records);
    report.add_written("demand points", features.len());
    Ok(Output {
        layer: "demand",
        empty: false,
        features,
        report,
    })
}
