//! Carbon intensity of electricity, gCO2eq/kWh: per zone from Electricity Maps' yearly
//! data, per country from Ember's yearly country overview.
//!
//! # Electricity Maps (`--carbon`)
//! The yearly JSON that co2.js republishes (`electricitymaps_yearly_2024.json`): an
//! object keyed by zone (`SE-SE4`, `IT-NO`, `DE`, …), each with
//! `carbonIntensity.value` (and `unit`, which must be gCO2eq/kWh when given). The file
//! is one year; which year is the file's business. A value that is missing, not a
//! number or negative is malformed (named by the line of its key).
//!
//! # Ember (`--carbon-countries`)
//! Ember's `api_country_overview_yearly.csv`: columns `country_code` (ISO 3166-1
//! alpha-3), `year` and `emissions_intensity_gco2_per_kwh`. Rows of other years, of
//! regions (no country code), of unknown codes and without a value are dropped and
//! counted; a value or year that does not parse, or a country twice in the year, is
//! malformed (named by its line).
//!
//! The two are different methods (Electricity Maps: consumption-based, imports
//! included, life-cycle factors; Ember: production-based, life-cycle factors), so a
//! zone that falls back to Ember is marked as such in the layer (`carbon_source`).

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::countries::alpha2_of_alpha3;
use super::zones::normalize_code;
use super::{CsvFile, Dialect, ImportError, ImportReport, Place, Result};

/// A carbon intensity and the key it was read under.
#[derive(Debug, Clone, PartialEq)]
pub struct Intensity {
    /// The key as written in the file (`SE-SE4`, or the ISO3 code for Ember).
    pub key: String,
    pub g_per_kwh: f64,
}

/// The 1-based line on which `"key":` first appears, else 1.
fn line_of_key(text: &str, key: &str) -> u64 {
    let needle = format!("{}:", serde_json::to_string(key).unwrap_or_default());
    let compact = needle.clone();
    let spaced = needle.replace("\":", "\" :");
    let at = text.find(&compact).or_else(|| text.find(&spaced));
    at.map_or(1, |i| text[..i].matches('\n').count() as u64 + 1)
}

fn intensity_of(v: &Value) -> std::result::Result<f64, String> {
    let ci = v
        .get("carbonIntensity")
        .ok_or("no `carbonIntensity` member")?;
    if let Some(unit) = ci.get("unit").and_then(Value::as_str) {
        if !unit.replace(' ', "").eq_ignore_ascii_case("gco2eq/kwh") {
            return Err(format!(
                "`carbonIntensity.unit` is {unit:?}, not gCO2eq/kWh"
            ));
        }
    }
    match ci.get("value") {
        Some(Value::Number(n)) => match n.as_f64() {
            Some(x) if x.is_finite() && x >= 0.0 => Ok(x),
            _ => Err(format!("`carbonIntensity.value` {n} is negative")),
        },
        Some(other) => Err(format!("`carbonIntensity.value` is {other}, not a number")),
        None => Err("no `carbonIntensity.value`".into()),
    }
}

/// Reads Electricity Maps' yearly intensities, keyed by the normalized zone code.
pub fn read_electricity_maps(
    path: &Path,
    skip: bool,
    report: &mut ImportReport,
) -> Result<HashMap<String, Intensity>> {
    let text = std::fs::read_to_string(path).map_err(|e| ImportError::io(path, e))?;
    let text = text.trim_start_matches('\u{feff}');
    let root: Value = serde_json::from_str(text)
        .map_err(|e| ImportError::file(path, format!("line {}: not valid JSON: {e}", e.line())))?;
    let obj = root.as_object().ok_or_else(|| {
        ImportError::file(
            path,
            "expected a JSON object keyed by zone (\"SE-SE4\": {...})",
        )
    })?;
    let mut out = HashMap::new();
    let mut n = 0;
    for (key, v) in obj {
        match intensity_of(v) {
            Ok(g) => {
                n += 1;
                out.insert(
                    normalize_code(key),
                    Intensity {
                        key: key.clone(),
                        g_per_kwh: g,
                    },
                );
            }
            Err(m) => {
                let place = Place::Line(line_of_key(text, key));
                report.malformed(skip, path, place, format!("zone {key:?}: {m}"))?;
            }
        }
    }
    report.add_read("carbon zones (Electricity Maps)", n);
    Ok(out)
}

const OTHER_YEARS: &str = "carbon rows of other years";
const REGIONS: &str = "carbon rows of regions (no country code)";
const UNKNOWN: &str = "carbon rows with an unknown ISO3 code";
const NO_VALUE: &str = "carbon rows without a value";

/// Reads Ember's yearly country intensities of `year`, keyed by ISO alpha-2.
pub fn read_ember(
    path: &Path,
    year: i32,
    skip: bool,
    report: &mut ImportReport,
) -> Result<HashMap<String, Intensity>> {
    let dialect = Dialect {
        delimiter: b',',
        quote: Some(b'"'),
        has_headers: true,
    };
    let mut csv = CsvFile::open(path, dialect)?;
    let c_code = csv.column("country_code", "")?;
    let c_year = csv.column("year", "")?;
    let c_value = csv.column("emissions_intensity_gco2_per_kwh", "")?;
    for r in [OTHER_YEARS, REGIONS, UNKNOWN, NO_VALUE] {
        report.add_dropped(r, 0);
    }
    let mut out: HashMap<String, (Intensity, u64)> = HashMap::new();
    let mut n = 0;
    while let Some((line, rec)) = csv.next_record(report, skip, None)? {
        let (code, y, value) = (rec[c_code].trim(), rec[c_year].trim(), rec[c_value].trim());
        let row = match ember_row(code, y, value, year) {
            Ok(row) => row,
            Err(m) => {
                report.malformed(skip, path, Place::Line(line), m)?;
                continue;
            }
        };
        n += 1;
        let (a2, g) = match row {
            EmberRow::Dropped(reason) => {
                report.add_dropped(reason, 1);
                continue;
            }
            EmberRow::Value(a2, g) => (a2, g),
        };
        if let Some((_, first)) = out.get(a2) {
            let m = format!("country {code} again in {year} (first on line {first})");
            report.malformed(skip, path, Place::Line(line), m)?;
            n -= 1;
            continue;
        }
        let key = code.to_string();
        out.insert(a2.to_string(), (Intensity { key, g_per_kwh: g }, line));
    }
    report.add_read("carbon country rows (Ember)", n);
    Ok(out.into_iter().map(|(k, (v, _))| (k, v)).collect())
}

enum EmberRow {
    Dropped(&'static str),
    Value(&'static str, f64),
}

fn ember_row(code: &str, y: &str, value: &str, year: i32) -> std::result::Result<EmberRow, String> {
    let y: i32 = y
        .parse()
        .map_err(|_| format!("column `year`: expected a year, found {y:?}"))?;
    let g = if value.is_empty() {
        None
    } else {
        let g = super::number_field(value, "emissions_intensity_gco2_per_kwh", false)?;
        if g < 0.0 {
            return Err(format!("a negative carbon intensity {g}"));
        }
        Some(g)
    };
    Ok(if y != year {
        EmberRow::Dropped(OTHER_YEARS)
    } else if code.is_empty() {
        EmberRow::Dropped(REGIONS)
    } else if let (Some(a2), Some(g)) = (alpha2_of_alpha3(code), g) {
        EmberRow::Value(a2, g)
    } else if g.is_none() {
        EmberRow::Dropped(NO_VALUE)
    } else {
        EmberRow::Dropped(UNKNOWN)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_lines() {
        let text = "{\n  \"AT\": {},\n  \"SE-SE4\" : {}\n}";
        assert_eq!(line_of_key(text, "AT"), 2);
        assert_eq!(line_of_key(text, "SE-SE4"), 3);
        assert_eq!(line_of_key(text, "XX"), 1);
    }

    #[test]
    fn intensity_members() {
        let ok = serde_json::json!({"carbonIntensity": {"value": 39, "unit": "gCO2eq/kWh"}});
        assert_eq!(intensity_of(&ok), Ok(39.0));
        let neg = serde_json::json!({"carbonIntensity": {"value": -1}});
        assert!(intensity_of(&neg).unwrap_err().contains("negative"));
        let unit = serde_json::json!({"carbonIntensity": {"value": 1, "unit": "lb/MWh"}});
        assert!(intensity_of(&unit).unwrap_err().contains("unit"));
        let text = serde_json::json!({"carbonIntensity": {"value": "39"}});
        assert!(intensity_of(&text).unwrap_err().contains("not a number"));
    }
}
