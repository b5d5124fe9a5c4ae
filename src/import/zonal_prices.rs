//! Zonal monthly day-ahead prices (Energy-Charts, as `euprices-data.js`) and the
//! hour-weighted yearly mean.
//!
//! # The file
//! A JavaScript assignment `window.euPrices = {...};` whose right-hand side is JSON (a
//! plain JSON object is read too): `months` lists the months (`"2024-01"`, …), and each
//! element of `zones` has a `code` (`SE4`, `DE-LU`, `IT-North`, …), optionally `label`
//! and `cc` (country), and `v`: one price per month in EUR/MWh, `null` where there is
//! none. A month that is not `YYYY-MM` makes the file unusable; a zone without a code,
//! with a `v` of the wrong length, with a value that is not a number or null, or with a
//! code seen before is malformed (`zones[i]`).
//!
//! # The yearly mean
//! Each month's price is the mean over its hours (Energy-Charts averages all price
//! points of a UTC month), so the year's mean is the mean of the months weighted by
//! their hours: 24 × the days of the month (February has 29 days in a leap year; UTC
//! has no daylight-saving change). A year is used only when all 12 months have a price;
//! otherwise the zone has no zonal price for that year and takes its country's.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::zones::normalize_code;
use super::{ImportError, ImportReport, Place, Result};

/// True when `year` has a 29 February (Gregorian rule).
pub fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Hours of a calendar month (1–12) in UTC.
pub fn hours_in_month(year: i32, month: u32) -> f64 {
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        _ => 28,
    };
    f64::from(days) * 24.0
}

/// The hour-weighted mean of monthly means given as (month 1–12, price).
pub fn hour_weighted_mean(year: i32, months: &[(u32, f64)]) -> Option<f64> {
    let hours: f64 = months.iter().map(|&(m, _)| hours_in_month(year, m)).sum();
    let sum: f64 = months
        .iter()
        .map(|&(m, p)| p * hours_in_month(year, m))
        .sum();
    (hours > 0.0).then(|| sum / hours)
}

/// Parses "YYYY-MM" (also the start of "YYYY-MM-DD") into (year, month).
pub fn year_month(s: &str) -> Option<(i32, u32)> {
    let s = s.trim();
    let year = s.get(..4)?.parse::<i32>().ok()?;
    if s.as_bytes().get(4) != Some(&b'-') {
        return None;
    }
    let month = s.get(5..7)?.parse::<u32>().ok()?;
    let rest = &s[7..];
    let rest_ok = rest.is_empty() || rest.starts_with('-');
    ((1..=12).contains(&month) && rest_ok).then_some((year, month))
}

/// One zone's monthly series.
#[derive(Debug, Clone)]
pub struct ZonalSeries {
    /// The code as written in the file.
    pub code: String,
    /// (year, month, price) for every month with a price.
    pub prices: Vec<(i32, u32, f64)>,
}

impl ZonalSeries {
    /// The hour-weighted mean of `year`, or the number of months it lacks.
    pub fn yearly_mean(&self, year: i32) -> std::result::Result<f64, usize> {
        let months: Vec<(u32, f64)> = self
            .prices
            .iter()
            .filter(|p| p.0 == year)
            .map(|p| (p.1, p.2))
            .collect();
        if months.len() != 12 {
            return Err(12 - months.len());
        }
        hour_weighted_mean(year, &months).ok_or(12)
    }
}

/// The JSON text inside `window.euPrices = {...};` (or the whole text when it is JSON).
fn json_part<'a>(path: &Path, text: &'a str) -> Result<(&'a str, usize)> {
    let start = text
        .find('{')
        .ok_or_else(|| ImportError::file(path, "no JSON object (`{...}`) in the file"))?;
    let end = text.rfind('}').unwrap_or(start);
    let head = text[..start].trim();
    let tail = text[end + 1..].trim();
    let head_ok = head.is_empty() || head.ends_with('=');
    if !head_ok || !(tail.is_empty() || tail == ";") {
        return Err(ImportError::file(
            path,
            "expected JSON or a JavaScript assignment `name = {...};`",
        ));
    }
    let line_offset = text[..start].matches('\n').count();
    Ok((&text[start..=end], line_offset))
}

fn months(path: &Path, root: &Value) -> Result<Vec<(i32, u32)>> {
    let list = root
        .get("months")
        .and_then(Value::as_array)
        .ok_or_else(|| ImportError::file(path, "no `months` array"))?;
    list.iter()
        .enumerate()
        .map(|(i, m)| {
            m.as_str().and_then(year_month).ok_or_else(|| {
                ImportError::file(
                    path,
                    format!("months[{i}] is {m}, expected a month \"YYYY-MM\""),
                )
            })
        })
        .collect()
}

fn series(zone: &Value, months: &[(i32, u32)]) -> std::result::Result<ZonalSeries, String> {
    let code = zone
        .get("code")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or("no `code` (a non-empty string)")?;
    let v = zone
        .get("v")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("zone {code:?}: no `v` array of monthly prices"))?;
    if v.len() != months.len() {
        return Err(format!(
            "zone {code:?}: `v` has {} values for {} months",
            v.len(),
            months.len()
        ));
    }
    let mut prices = Vec::new();
    for (x, &(y, m)) in v.iter().zip(months) {
        match x {
            Value::Null => {}
            Value::Number(n) => match n.as_f64().filter(|p| p.is_finite()) {
                Some(p) => prices.push((y, m, p)),
                None => return Err(format!("zone {code:?}, {y}-{m:02}: {n} is not finite")),
            },
            other => {
                return Err(format!(
                    "zone {code:?}, {y}-{m:02}: expected a price or null, found {other}"
                ))
            }
        }
    }
    Ok(ZonalSeries {
        code: code.to_string(),
        prices,
    })
}

/// Reads the zonal series, keyed by the normalized code (see the module docs).
pub fn read(
    path: &Path,
    skip: bool,
    report: &mut ImportReport,
) -> Result<HashMap<String, ZonalSeries>> {
    let text = std::fs::read_to_string(path).map_err(|e| ImportError::io(path, e))?;
    let text = text.trim_start_matches('\u{feff}');
    let (json, offset) = json_part(path, text)?;
    let root: Value = serde_json::from_str(json).map_err(|e| {
        ImportError::file(
            path,
            format!("line {}: not valid JSON: {e}", e.line() + offset),
        )
    })?;
    let months = months(path, &root)?;
    let zones = root
        .get("zones")
        .and_then(Value::as_array)
        .ok_or_else(|| ImportError::file(path, "no `zones` array"))?;
    let mut out: HashMap<String, ZonalSeries> = HashMap::new();
    for (i, z) in zones.iter().enumerate() {
        let parsed = series(z, &months).and_then(|s| {
            let key = normalize_code(&s.code);
            match out.get(&key) {
                Some(first) => Err(format!("zone {:?} again (as {:?})", s.code, first.code)),
                None => Ok((key, s)),
            }
        });
        match parsed {
            Ok((key, s)) => {
                out.insert(key, s);
            }
            Err(m) => report.malformed(skip, path, Place::Item("zones", i), m)?,
        }
    }
    report.add_read("zonal price series", out.len());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leap_years_and_month_hours() {
        assert!(is_leap(2024) && is_leap(2000) && !is_leap(1900) && !is_leap(2023));
        assert_eq!(hours_in_month(2024, 2), 696.0);
        assert_eq!(hours_in_month(2023, 2), 672.0);
        assert_eq!(hours_in_month(2024, 1), 744.0);
        assert_eq!(hours_in_month(2024, 4), 720.0);
        let year: f64 = (1..=12).map(|m| hours_in_month(2024, m)).sum();
        assert_eq!(year, 8784.0);
    }

    #[test]
    fn weighted_mean_differs_from_plain_mean() {
        // 100 in February, 0 elsewhere: 100 × 696 / 8784 in 2024, × 672 / 8760 in 2023.
        let months: Vec<(u32, f64)> = (1..=12)
            .map(|m| (m, if m == 2 { 100.0 } else { 0.0 }))
            .collect();
        let m24 = hour_weighted_mean(2024, &months).unwrap();
        let m23 = hour_weighted_mean(2023, &months).unwrap();
        assert!((m24 - 100.0 * 696.0 / 8784.0).abs() < 1e-12);
        assert!((m23 - 100.0 * 672.0 / 8760.0).abs() < 1e-12);
        assert!(m24 < 100.0 / 12.0);
    }

    #[test]
    fn months_parse() {
        assert_eq!(year_month("2024-02"), Some((2024, 2)));
        assert_eq!(year_month("2024-12-01"), Some((2024, 12)));
        assert_eq!(year_month("2024-13"), None);
        assert_eq!(year_month("2024"), None);
        assert_eq!(year_month("2024-1"), None);
        assert_eq!(year_month("24-01"), None);
    }
}
