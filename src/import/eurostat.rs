//! Eurostat bulk tables (TSV) and the two rules `import zones` derives from them: the
//! surcharge on top of the wholesale price (nrg_pc_205) and the PUE from cooling
//! degree days (nrg_chdd_a).
//!
//! # The format
//! A header `freq,unit,…,geo\TIME_PERIOD<TAB>2023<TAB>2024 …`: comma-separated dimension
//! names, then one column per period. Each row: the dimension values, comma-separated,
//! then one cell per period: a number with optional flags after a space (`0.1350 e`:
//! estimated; `d`, `n`, `p`, …), or `:` (not available, also `: c` confidential). A row
//! with the wrong number of cells or dimension values, or a cell that is neither, is
//! malformed (named by its line).
//!
//! # Surcharge rule (`surcharge_eur_per_mwh`, per country)
//! From nrg_pc_205 (electricity prices for non-household consumers, EUR/kWh): the price
//! **excluding VAT and other recoverable taxes** (`tax` = `X_VAT`, `currency` = `EUR`,
//! `unit` = `KWH`) of the **largest consumption band with data**, tried in the order
//! `MWH_GE150000` (≥ 150 GWh a year, the band of a 150 MW campus, which uses about
//! 1.3 TWh), `MWH70000-149999`, `MWH20000-69999`; the mean of the year's two semesters
//! (one when only one has data), × 1000 → EUR/MWh; **minus the country's wholesale
//! mean of the same year** (the Ember country series of `--prices`), floored at 0. A
//! value of 0 is read as "no data" (Eurostat writes 0.0000 where a band has no
//! consumers, e.g. EE and LV in 2024). The band used is reported per country.
//!
//! Caveats: the Eurostat price covers energy, network and taxes, and its energy part is
//! what consumers paid under their contracts (often hedged a year or more ahead), not
//! the spot price; in a year of falling spot prices (2024) the difference therefore
//! overstates network charges and levies. A smaller band's price is higher than the
//! largest band's (more network charges per MWh), so a country that falls back to one
//! is overstated too. Zones of one country share its surcharge.
//!
//! # PUE rule (`pue`, per country)
//! PUE = 1.10 + 0.0004 × CDD, clamped to [1.10, 1.50], rounded to 0.001, with CDD the
//! mean of nrg_chdd_a's annual cooling degree days (`indic_nrg` = `CDD`, Eurostat's
//! base 21 °C, counted on days above 24 °C) over the `cdd_years` years ending with the
//! chosen year (climate, not one summer's weather). The intercept 1.10 is the level of
//! a modern hyperscale campus that free-cools most of the year (Google reports a
//! fleet-wide trailing-twelve-month PUE of about 1.10); 1.50 is about the industry-wide
//! average (Uptime Institute's global surveys: about 1.55–1.6 in 2020–2024), a
//! ceiling a new 150 MW build should stay under. **The slope is an assumption**, not a
//! published fit: Nordic and Irish sites (CDD ≈ 0) get 1.10, Germany (≈ 30) 1.11, Italy
//! and Spain (≈ 300) 1.22 — just above the cap Germany sets for new data centres in its
//! cooler climate (EnEfG 2023: PUE ≤ 1.2 from July 2026) — and Cyprus (≈ 770) 1.41.
//! Degree days are national (Eurostat's table has no bidding zones), so
//! every zone of a country gets the same PUE.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::countries::normalize_country;
use super::{round_to, ImportError, ImportReport, Place, Result};

/// One row: its line, dimension values and cells (None: not available).
#[derive(Debug, Clone)]
pub struct Row {
    pub line: u64,
    pub keys: Vec<String>,
    pub values: Vec<Option<f64>>,
}

/// A Eurostat bulk table.
#[derive(Debug, Clone)]
pub struct Table {
    pub path: PathBuf,
    pub dims: Vec<String>,
    pub periods: Vec<String>,
    pub rows: Vec<Row>,
}

/// A cell: `None` for `:` (with or without flags), else the number before the flags.
fn cell(s: &str) -> std::result::Result<Option<f64>, String> {
    let s = s.trim();
    if s.starts_with(':') {
        return Ok(None);
    }
    let mut parts = s.split_whitespace();
    let number = parts.next().unwrap_or("");
    let flags_ok = parts.all(|f| f.chars().all(|c| c.is_ascii_alphabetic()));
    match number.parse::<f64>() {
        Ok(x) if x.is_finite() && flags_ok => Ok(Some(x)),
        _ => Err(format!(
            "the cell {s:?} is neither a number (with optional flags) nor `:`"
        )),
    }
}

fn header(path: &Path, line: &str) -> Result<(Vec<String>, Vec<String>)> {
    let mut fields = line.split('\t');
    let first = fields.next().unwrap_or("").trim_start_matches('\u{feff}');
    let Some((dims, _)) = first.split_once('\\') else {
        return Err(ImportError::file(
            path,
            "line 1: not a Eurostat TSV header (`dim,…,geo\\TIME_PERIOD<TAB>period…`)",
        ));
    };
    let dims: Vec<String> = dims.split(',').map(|d| d.trim().to_string()).collect();
    let periods: Vec<String> = fields.map(|p| p.trim().to_string()).collect();
    if periods.is_empty() {
        return Err(ImportError::file(path, "line 1: no period columns"));
    }
    Ok((dims, periods))
}

fn row(
    line: &str,
    dims: usize,
    periods: usize,
) -> std::result::Result<(Vec<String>, Vec<Option<f64>>), String> {
    let fields: Vec<&str> = line.split('\t').collect();
    if fields.len() != periods + 1 {
        return Err(format!(
            "{} cells where the header has {} periods",
            fields.len() - 1,
            periods
        ));
    }
    let keys: Vec<String> = fields[0].split(',').map(|k| k.trim().to_string()).collect();
    if keys.len() != dims {
        return Err(format!(
            "{} dimension values where the header names {dims}",
            keys.len()
        ));
    }
    let values = fields[1..]
        .iter()
        .map(|c| cell(c))
        .collect::<std::result::Result<_, _>>()?;
    Ok((keys, values))
}

impl Table {
    /// Reads a table; `what` names its rows in the report ("price rows", …).
    pub fn read(path: &Path, what: &str, skip: bool, report: &mut ImportReport) -> Result<Table> {
        let text = std::fs::read_to_string(path).map_err(|e| ImportError::io(path, e))?;
        let mut lines = text.lines();
        let (dims, periods) = header(path, lines.next().unwrap_or(""))?;
        let mut rows = Vec::new();
        for (i, l) in lines.enumerate() {
            let line = i as u64 + 2;
            if l.trim().is_empty() {
                continue;
            }
            match row(l, dims.len(), periods.len()) {
                Ok((keys, values)) => rows.push(Row { line, keys, values }),
                Err(m) => report.malformed(skip, path, Place::Line(line), m)?,
            }
        }
        report.add_read(what, rows.len());
        Ok(Table {
            path: path.to_path_buf(),
            dims,
            periods,
            rows,
        })
    }

    fn dim(&self, name: &str) -> Result<usize> {
        self.dims.iter().position(|d| d == name).ok_or_else(|| {
            ImportError::file(
                &self.path,
                format!(
                    "no dimension `{name}` in the header (it has {})",
                    self.dims.join(", ")
                ),
            )
        })
    }

    /// The column of a period, when the table has it.
    pub fn period(&self, period: &str) -> Option<usize> {
        self.periods.iter().position(|p| p == period)
    }

    /// The rows whose dimensions have the given values; a filter on a dimension the
    /// table lacks is an error unless it is listed as optional (`?` before the name).
    pub fn select(&self, filters: &[(&str, &str)]) -> Result<Vec<&Row>> {
        let mut cols = Vec::new();
        for &(name, value) in filters {
            match name.strip_prefix('?') {
                Some(n) => {
                    if let Some(i) = self.dims.iter().position(|d| d == n) {
                        cols.push((i, value));
                    }
                }
                None => cols.push((self.dim(name)?, value)),
            }
        }
        Ok(self
            .rows
            .iter()
            .filter(|r| cols.iter().all(|&(i, v)| r.keys[i] == v))
            .collect())
    }

    /// The country (ISO alpha-2) of a row's `geo`, None for aggregates (EU27_2020, EA).
    fn country(&self, row: &Row, geo: usize) -> Option<String> {
        let g = row.keys[geo].as_str();
        (g.len() == 2 && g != "EA" && g != "EU")
            .then(|| normalize_country(g))
            .flatten()
    }
}

/// The consumption bands tried for the surcharge, largest first.
pub const BANDS: [&str; 3] = ["MWH_GE150000", "MWH70000-149999", "MWH20000-69999"];

/// A country's non-household price of the chosen year.
#[derive(Debug, Clone, PartialEq)]
pub struct IndustrialPrice {
    pub eur_per_mwh: f64,
    pub band: &'static str,
    /// Semesters with data (1 or 2).
    pub semesters: usize,
}

/// The surcharge rule's price part (see the module docs), per country.
pub fn industrial_prices(
    table: &Table,
    year: i32,
    tax: &str,
) -> Result<HashMap<String, IndustrialPrice>> {
    let geo = table.dim("geo")?;
    let band_dim = table.dim("nrg_cons")?;
    let rows = table.select(&[
        ("tax", tax),
        ("currency", "EUR"),
        ("unit", "KWH"),
        ("?siec", "E7000"),
    ])?;
    let cols: Vec<usize> = ["S1", "S2"]
        .iter()
        .filter_map(|s| table.period(&format!("{year}-{s}")))
        .collect();
    if cols.is_empty() {
        return Err(ImportError::file(
            &table.path,
            format!("no column {year}-S1 or {year}-S2"),
        ));
    }
    let mut out: HashMap<String, IndustrialPrice> = HashMap::new();
    for band in BANDS {
        for r in rows.iter().filter(|r| r.keys[band_dim] == band) {
            let Some(country) = table.country(r, geo) else {
                continue;
            };
            let v: Vec<f64> = cols
                .iter()
                .filter_map(|&c| r.values[c])
                .filter(|&x| x > 0.0)
                .collect();
            if v.is_empty() || out.contains_key(&country) {
                continue;
            }
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            out.insert(
                country,
                IndustrialPrice {
                    eur_per_mwh: mean * 1000.0,
                    band,
                    semesters: v.len(),
                },
            );
        }
    }
    Ok(out)
}

/// The surcharge: industrial price minus wholesale mean, floored at 0, to 0.001.
pub fn surcharge(industrial_eur_per_mwh: f64, wholesale_eur_per_mwh: f64) -> f64 {
    round_to((industrial_eur_per_mwh - wholesale_eur_per_mwh).max(0.0), 3)
}

/// Mean cooling degree days of a country over the years used, and how many there were.
#[derive(Debug, Clone, PartialEq)]
pub struct Cooling {
    pub cdd: f64,
    pub years: usize,
}

/// Mean annual CDD over the `span` years ending with `year`, per country.
pub fn cooling_degree_days(
    table: &Table,
    year: i32,
    span: u32,
) -> Result<HashMap<String, Cooling>> {
    let geo = table.dim("geo")?;
    let rows = table.select(&[("indic_nrg", "CDD"), ("?unit", "NR")])?;
    let first = year - span.max(1) as i32 + 1;
    let cols: Vec<usize> = (first..=year)
        .filter_map(|y| table.period(&y.to_string()))
        .collect();
    if table.period(&year.to_string()).is_none() {
        return Err(ImportError::file(
            &table.path,
            format!("no column for the year {year}"),
        ));
    }
    let mut out = HashMap::new();
    for r in rows {
        let Some(country) = table.country(r, geo) else {
            continue;
        };
        let v: Vec<f64> = cols.iter().filter_map(|&c| r.values[c]).collect();
        if !v.is_empty() {
            let cdd = v.iter().sum::<f64>() / v.len() as f64;
            out.insert(
                country,
                Cooling {
                    cdd,
                    years: v.len(),
                },
            );
        }
    }
    Ok(out)
}

pub const PUE_BASE: f64 = 1.10;
pub const PUE_PER_CDD: f64 = 0.0004;
pub const PUE_MAX: f64 = 1.50;

/// The PUE rule of the module docs.
pub fn pue_of_cdd(cdd: f64) -> f64 {
    round_to((PUE_BASE + PUE_PER_CDD * cdd).clamp(PUE_BASE, PUE_MAX), 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_and_flags() {
        assert_eq!(cell("0.1350 e"), Ok(Some(0.135)));
        assert_eq!(cell(" 12.03 "), Ok(Some(12.03)));
        assert_eq!(cell(":"), Ok(None));
        assert_eq!(cell(": c"), Ok(None));
        assert_eq!(cell(":       @C"), Ok(None));
        assert!(cell("0,13").is_err());
        assert!(cell("0.13 12").is_err());
        assert!(cell("").is_err());
    }

    #[test]
    fn pue_rule() {
        assert_eq!(pue_of_cdd(0.0), 1.1);
        assert_eq!(pue_of_cdd(-3.0), 1.1);
        assert_eq!(pue_of_cdd(250.0), 1.2);
        assert_eq!(pue_of_cdd(300.0), 1.22);
        assert_eq!(pue_of_cdd(2000.0), 1.5);
    }

    #[test]
    fn surcharge_is_floored() {
        assert_eq!(surcharge(130.1, 77.75), 52.35);
        assert_eq!(surcharge(50.0, 60.0), 0.0);
    }
}
