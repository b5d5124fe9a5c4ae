//! Baseline water stress per country: WRI Aqueduct 4.0 country categories.
//!
//! A CSV with the country's ISO 3166-1 alpha-3 code (`gid_0`) and the baseline water
//! stress category (`bws_cat_0_4`: 0 low, 1 low–medium, 2 medium–high, 3 high,
//! 4 extremely high). `-9999` means no data: the country gets no `water_stress` (the
//! model then treats it as unknown). Aqueduct's `-1` ("arid and low water use") is not
//! on the 0–4 scale either and is dropped the same way, counted apart. Any other value
//! outside 0–5, or one that does not parse, is malformed (named by its line); so is a
//! country twice. Unknown codes are dropped and named.

use std::collections::HashMap;
use std::path::Path;

use super::countries::alpha2_of_alpha3;
use super::{number_field, CsvFile, Dialect, ImportReport, Place, Result};

const NO_DATA: &str = "water-stress rows without data (-9999)";
const ARID: &str = "water-stress rows 'arid and low water use' (-1)";
const UNKNOWN: &str = "water-stress rows with an unknown ISO3 code";

/// A country's category and the code it was read under.
#[derive(Debug, Clone, PartialEq)]
pub struct WaterStress {
    pub iso3: String,
    pub category: f64,
}

enum Parsed {
    Value(f64),
    Dropped(&'static str),
}

fn category(value: &str) -> std::result::Result<Parsed, String> {
    let x = number_field(value, "bws_cat_0_4", false)?;
    if x == -9999.0 {
        Ok(Parsed::Dropped(NO_DATA))
    } else if x == -1.0 {
        Ok(Parsed::Dropped(ARID))
    } else if (0.0..=5.0).contains(&x) {
        Ok(Parsed::Value(x))
    } else {
        Err(format!(
            "column `bws_cat_0_4`: {x} is outside 0–5 (and not -9999, no data)"
        ))
    }
}

/// Reads the categories, keyed by ISO alpha-2.
pub fn read(
    path: &Path,
    skip: bool,
    report: &mut ImportReport,
) -> Result<HashMap<String, WaterStress>> {
    let dialect = Dialect {
        delimiter: b',',
        quote: Some(b'"'),
        has_headers: true,
    };
    let mut csv = CsvFile::open(path, dialect)?;
    let c_code = csv.column("gid_0", "")?;
    let c_cat = csv.column("bws_cat_0_4", "")?;
    for r in [NO_DATA, ARID, UNKNOWN] {
        report.add_dropped(r, 0);
    }
    let mut out: HashMap<String, (WaterStress, u64)> = HashMap::new();
    let mut unknown = Vec::new();
    let mut n = 0;
    while let Some((line, rec)) = csv.next_record(report, skip, None)? {
        let iso3 = rec[c_code].trim().to_string();
        let parsed = match category(rec[c_cat].trim()) {
            Ok(p) => p,
            Err(m) => {
                report.malformed(skip, path, Place::Line(line), m)?;
                continue;
            }
        };
        let Some(a2) = alpha2_of_alpha3(&iso3) else {
            n += 1;
            report.add_dropped(UNKNOWN, 1);
            unknown.push(iso3);
            continue;
        };
        if let Some((_, first)) = out.get(a2) {
            let m = format!("country {iso3} again (first on line {first})");
            report.malformed(skip, path, Place::Line(line), m)?;
            continue;
        }
        n += 1;
        match parsed {
            Parsed::Dropped(reason) => report.add_dropped(reason, 1),
            Parsed::Value(category) => {
                out.insert(a2.to_string(), (WaterStress { iso3, category }, line));
            }
        }
    }
    report.add_read("water-stress rows", n);
    if !unknown.is_empty() {
        unknown.sort();
        report.note(format!(
            "water stress: ISO3 codes not known to gigasite (outside Europe and its neighbours): {} codes",
            unknown.len()
        ));
    }
    Ok(out.into_iter().map(|(k, (v, _))| (k, v)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories() {
        assert!(matches!(category("3.0"), Ok(Parsed::Value(x)) if x == 3.0));
        assert!(matches!(category("-9999.0"), Ok(Parsed::Dropped(NO_DATA))));
        assert!(matches!(category("-1"), Ok(Parsed::Dropped(ARID))));
        assert!(category("7").is_err());
        assert!(category("high").is_err());
    }
}
