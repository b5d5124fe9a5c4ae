//! The grid layer from the ENTSO-E grid map extract as PyPSA-Eur ships it
//! (`data/entsoegridkit`: `buses.csv`, `lines.csv`; comma-separated, `'` quotes).
//!
//! # Which buses become substations
//! Each bus is kept or dropped by the first rule it fails, in this order (the report
//! counts each reason):
//! 1. it has coordinates (`x` longitude, `y` latitude; empty: dropped);
//! 2. its `voltage` is known and at least `min_kv` (default 220 kV);
//! 3. its `symbol` names a substation (`Substation`, `Substations + Power Plants`):
//!    `joint` buses are synthetic line junctions and power-plant, converter and
//!    phase-shifter buses are not where a load connects. `all_buses` keeps every symbol;
//! 4. it is in service (`under_construction` not `t`), unless `include_under_construction`;
//! 5. at least one AC line in service meets it.
//!
//! Buses of one station at different voltages stay separate substations (they are
//! separate connection points, each with its own lines).
//!
//! # Headroom (no public figures exist; this is a documented proxy)
//! `headroom_mw = headroom_share × Σ over the lines meeting the bus of circuits × MW per
//! circuit at the line's voltage`, with MW per circuit piecewise linear in voltage
//! through the two reference classes (PyPSA-Eur's standard line types:
//! 492 MW for a 220 kV circuit, 1,698 MW for a 380 kV circuit):
//! - v ≤ 220 kV: `mw_220 × v / 220` (same conductors, power ∝ voltage);
//! - 220 < v < 380 kV: linear interpolation (300 kV → 1,095 MW with the defaults);
//! - v ≥ 380 kV: `mw_380 × v / 380` (400 kV → 1,787 MW, 750 kV → 3,351 MW).
//!
//! A line with no `circuits` value counts as one circuit; lines under construction
//! count only with `include_under_construction`. Properties written: `id` (bus_id),
//! `headroom_mw` (rounded to 0.001), `voltage_kv`, `line_capacity_mw` (the sum before
//! the share), `lines` (how many), `symbol`, and `name`, `country` from the hstore
//! `tags` when present.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::{Map, Value};

use super::{
    feature, number_field, point, round_to, CsvFile, Dialect, ImportError, ImportReport, Output,
    Place, Result,
};

/// Options of the `entsoe-grid` converter; [`EntsoeGridOptions::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct EntsoeGridOptions {
    pub buses: PathBuf,
    pub lines: PathBuf,
    /// Buses below this voltage are dropped (kV).
    pub min_kv: f64,
    /// MW per circuit of a 220 kV line.
    pub mw_per_circuit_220: f64,
    /// MW per circuit of a 380 kV line.
    pub mw_per_circuit_380: f64,
    /// Share of the line capacity meeting a bus taken as its headroom, in [0, 1].
    pub headroom_share: f64,
    /// Keep buses of every symbol, not only substations.
    pub all_buses: bool,
    /// Keep buses and count lines that are under construction.
    pub include_under_construction: bool,
    pub skip_malformed: bool,
}

impl EntsoeGridOptions {
    pub const DEFAULT_MIN_KV: f64 = 220.0;
    pub const DEFAULT_MW_PER_CIRCUIT_220: f64 = 492.0;
    pub const DEFAULT_MW_PER_CIRCUIT_380: f64 = 1698.0;
    pub const DEFAULT_HEADROOM_SHARE: f64 = 0.3;

    pub fn new(buses: PathBuf, lines: PathBuf) -> Self {
        EntsoeGridOptions {
            buses,
            lines,
            min_kv: Self::DEFAULT_MIN_KV,
            mw_per_circuit_220: Self::DEFAULT_MW_PER_CIRCUIT_220,
            mw_per_circuit_380: Self::DEFAULT_MW_PER_CIRCUIT_380,
            headroom_share: Self::DEFAULT_HEADROOM_SHARE,
            all_buses: false,
            include_under_construction: false,
            skip_malformed: false,
        }
    }

    fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(ImportError::options(m));
        if !(self.min_kv.is_finite() && self.min_kv >= 0.0) {
            return bad(format!("--min-kv must be >= 0, found {}", self.min_kv));
        }
        for (flag, v) in [
            ("--mw-per-circuit-220", self.mw_per_circuit_220),
            ("--mw-per-circuit-380", self.mw_per_circuit_380),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return bad(format!("{flag} must be > 0, found {v}"));
            }
        }
        if !(0.0..=1.0).contains(&self.headroom_share) {
            return bad(format!(
                "--headroom-share must be in [0, 1], found {}",
                self.headroom_share
            ));
        }
        Ok(())
    }
}

/// MW carried by one circuit at `voltage_kv`: piecewise linear through the 220 kV and
/// 380 kV classes, proportional to voltage outside them (see the module docs).
///
/// # Units
/// kV in, MW out.
pub fn mw_per_circuit(voltage_kv: f64, mw_220: f64, mw_380: f64) -> f64 {
    if voltage_kv <= 220.0 {
        mw_220 * voltage_kv / 220.0
    } else if voltage_kv < 380.0 {
        mw_220 + (mw_380 - mw_220) * (voltage_kv - 220.0) / 160.0
    } else {
        mw_380 * voltage_kv / 380.0
    }
}

/// Parses an hstore text (`"key"=>"value", "k2"=>NULL`) as PostgreSQL writes it; what
/// does not parse ends the list (tags are optional extras).
pub fn parse_hstore(s: &str) -> Vec<(String, Option<String>)> {
    fn quoted(it: &mut std::iter::Peekable<std::str::Chars>) -> Option<String> {
        if it.next()? != '"' {
            return None;
        }
        let mut out = String::new();
        loop {
            match it.next()? {
                '\\' => out.push(it.next()?),
                '"' => return Some(out),
                c => out.push(c),
            }
        }
    }
    fn skip_ws(it: &mut std::iter::Peekable<std::str::Chars>) {
        while it.peek().is_some_and(|c| c.is_whitespace()) {
            it.next();
        }
    }
    let mut out = Vec::new();
    let mut it = s.chars().peekable();
    loop {
        skip_ws(&mut it);
        if it.peek().is_none() {
            break;
        }
        let Some(key) = quoted(&mut it) else { break };
        skip_ws(&mut it);
        if it.next() != Some('=') || it.next() != Some('>') {
            break;
        }
        skip_ws(&mut it);
        let value = if it.peek() == Some(&'"') {
            match quoted(&mut it) {
                Some(v) => Some(v),
                None => break,
            }
        } else {
            let word: String = std::iter::from_fn(|| it.next_if(|c| c.is_alphanumeric())).collect();
            if !word.eq_ignore_ascii_case("NULL") {
                break;
            }
            None
        };
        out.push((key, value));
        skip_ws(&mut it);
        match it.next() {
            Some(',') => continue,
            _ => break,
        }
    }
    out
}

struct Bus {
    id: String,
    lon_lat: Option<(f64, f64)>,
    voltage_kv: Option<f64>,
    symbol: String,
    under_construction: bool,
    tags: Vec<(String, Option<String>)>,
}

fn truthy(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "t" | "true" | "1" | "yes"
    )
}

const DIALECT: Dialect = Dialect {
    delimiter: b',',
    quote: Some(b'\''),
    has_headers: true,
};

/// A field that is empty or a number; anything else is malformed.
fn optional_number(value: &str, column: &str) -> std::result::Result<Option<f64>, String> {
    if value.trim().is_empty() {
        Ok(None)
    } else {
        number_field(value, column, false).map(Some)
    }
}

fn read_buses(opts: &EntsoeGridOptions, report: &mut ImportReport) -> Result<Vec<Bus>> {
    let mut csv = CsvFile::open(&opts.buses, DIALECT)?;
    let path = csv.path.clone();
    let c_id = csv.column("bus_id", "")?;
    let c_v = csv.column("voltage", "")?;
    let c_sym = csv.column("symbol", "")?;
    let c_x = csv.column("x", "")?;
    let c_y = csv.column("y", "")?;
    let c_uc = csv.optional_column("under_construction");
    let c_tags = csv.optional_column("tags");
    let mut buses = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut n = 0;
    while let Some((line, rec)) = csv.next_record(report, opts.skip_malformed, None)? {
        n += 1;
        let parsed = (|| -> std::result::Result<Bus, String> {
            let id = rec[c_id].trim().to_string();
            if id.is_empty() {
                return Err("column `bus_id` is empty".into());
            }
            if let Some(first) = seen.get(&id) {
                return Err(format!("duplicate bus_id {id:?} (first on line {first})"));
            }
            let x = optional_number(&rec[c_x], "x")?;
            let y = optional_number(&rec[c_y], "y")?;
            let lon_lat = match (x, y) {
                (Some(x), Some(y)) => {
                    super::check_lon_lat(x, y)?;
                    Some((x, y))
                }
                _ => None,
            };
            let voltage_kv = optional_number(&rec[c_v], "voltage")?;
            if voltage_kv.is_some_and(|v| v < 0.0) {
                return Err(format!("column `voltage`: negative ({})", &rec[c_v]));
            }
            Ok(Bus {
                id,
                lon_lat,
                voltage_kv,
                symbol: rec[c_sym].trim().to_string(),
                under_construction: c_uc.is_some_and(|c| truthy(&rec[c])),
                tags: c_tags.map(|c| parse_hstore(&rec[c])).unwrap_or_default(),
            })
        })();
        match parsed {
            Ok(bus) => {
                seen.insert(bus.id.clone(), line);
                buses.push(bus);
            }
            Err(m) => report.malformed(opts.skip_malformed, &path, Place::Line(line), m)?,
        }
    }
    report.add_read("buses", n);
    Ok(buses)
}

/// Per bus id: (line capacity MW, number of lines).
fn read_lines(
    opts: &EntsoeGridOptions,
    report: &mut ImportReport,
    buses: &HashMap<&str, usize>,
) -> Result<Vec<(f64, usize)>> {
    let mut csv = CsvFile::open(&opts.lines, DIALECT)?;
    let path = csv.path.clone();
    let c_b0 = csv.column("bus0", "")?;
    let c_b1 = csv.column("bus1", "")?;
    let c_v = csv.column("voltage", "")?;
    let c_circ = csv.optional_column("circuits");
    let c_uc = csv.optional_column("under_construction");
    let mut per_bus = vec![(0.0, 0usize); buses.len()];
    let (mut n, mut used, mut one_circuit, mut unknown_bus) = (0, 0, 0, 0);
    for reason in [
        "lines under construction (not counted)",
        "lines without voltage (not counted)",
    ] {
        report.add_dropped(reason, 0);
    }
    while let Some((line, rec)) = csv.next_record(report, opts.skip_malformed, None)? {
        n += 1;
        let parsed = (|| -> std::result::Result<_, String> {
            let b0 = rec[c_b0].trim().to_string();
            let b1 = rec[c_b1].trim().to_string();
            if b0.is_empty() || b1.is_empty() {
                return Err("column `bus0` or `bus1` is empty".into());
            }
            let v = optional_number(&rec[c_v], "voltage")?;
            let circuits = match c_circ {
                Some(c) => optional_number(&rec[c], "circuits")?,
                None => None,
            };
            if circuits.is_some_and(|c| c < 0.0) || v.is_some_and(|v| v < 0.0) {
                return Err("negative `voltage` or `circuits`".into());
            }
            let uc = c_uc.is_some_and(|c| truthy(&rec[c]));
            Ok((b0, b1, v, circuits, uc))
        })();
        let (b0, b1, v, circuits, uc) = match parsed {
            Ok(p) => p,
            Err(m) => {
                report.malformed(opts.skip_malformed, &path, Place::Line(line), m)?;
                continue;
            }
        };
        if uc && !opts.include_under_construction {
            report.add_dropped("lines under construction (not counted)", 1);
            continue;
        }
        let Some(v) = v else {
            report.add_dropped("lines without voltage (not counted)", 1);
            continue;
        };
        let circuits = circuits.unwrap_or_else(|| {
            one_circuit += 1;
            1.0
        });
        let mw = circuits * mw_per_circuit(v, opts.mw_per_circuit_220, opts.mw_per_circuit_380);
        used += 1;
        let mut ends = vec![b0];
        if b1 != ends[0] {
            ends.push(b1);
        }
        for b in ends {
            match buses.get(b.as_str()) {
                Some(&i) => {
                    per_bus[i].0 += mw;
                    per_bus[i].1 += 1;
                }
                None => unknown_bus += 1,
            }
        }
    }
    report.add_read("lines", n);
    report.note(format!(
        "{used} lines counted towards headroom; {one_circuit} without `circuits` taken as 1 circuit; \
         {unknown_bus} line ends name a bus not in the buses file"
    ));
    Ok(per_bus)
}

/// Converts the extract to a grid layer (see the module docs for the rules).
pub fn convert(opts: &EntsoeGridOptions) -> Result<Output> {
    opts.validate()?;
    let mut report = ImportReport::new("entsoe-grid");
    let buses = read_buses(opts, &mut report)?;
    let index: HashMap<&str, usize> = buses
        .iter()
        .enumerate()
        .map(|(i, b)| (b.id.as_str(), i))
        .collect();
    let per_bus = read_lines(opts, &mut report, &index)?;
    const NO_COORDS: &str = "buses without coordinates";
    const NO_VOLTAGE: &str = "buses without voltage";
    const BELOW: &str = "buses below --min-kv";
    const NOT_SUBSTATION: &str = "buses not a substation";
    const UNDER_CONSTRUCTION: &str = "buses under construction";
    const NO_LINES: &str = "buses without lines";
    for r in [
        NO_COORDS,
        NO_VOLTAGE,
        BELOW,
        NOT_SUBSTATION,
        UNDER_CONSTRUCTION,
        NO_LINES,
    ] {
        report.add_dropped(r, 0);
    }
    let mut features = Vec::new();
    for (bus, &(capacity_mw, lines)) in buses.iter().zip(&per_bus) {
        let reason = match (bus.lon_lat, bus.voltage_kv) {
            (None, _) => Some(NO_COORDS),
            (_, None) => Some(NO_VOLTAGE),
            (_, Some(v)) if v < opts.min_kv => Some(BELOW),
            _ if !opts.all_buses && !bus.symbol.to_lowercase().contains("substation") => {
                Some(NOT_SUBSTATION)
            }
            _ if bus.under_construction && !opts.include_under_construction => {
                Some(UNDER_CONSTRUCTION)
            }
            _ if lines == 0 => Some(NO_LINES),
            _ => None,
        };
        if let Some(r) = reason {
            report.add_dropped(r, 1);
            continue;
        }
        let (lon, lat) = bus.lon_lat.expect("checked above");
        let mut p = Map::new();
        p.insert("id".into(), Value::from(bus.id.clone()));
        p.insert(
            "headroom_mw".into(),
            Value::from(round_to(opts.headroom_share * capacity_mw, 3)),
        );
        p.insert("voltage_kv".into(), Value::from(bus.voltage_kv));
        p.insert(
            "line_capacity_mw".into(),
            Value::from(round_to(capacity_mw, 3)),
        );
        p.insert("lines".into(), Value::from(lines));
        p.insert("symbol".into(), Value::from(bus.symbol.clone()));
        for key in ["name", "country"] {
            if let Some((_, Some(v))) = bus.tags.iter().find(|(k, _)| k == key) {
                if !v.trim().is_empty() {
                    p.insert(key.into(), Value::from(v.trim().to_string()));
                }
            }
        }
        features.push(feature(point(lon, lat), p));
    }
    report.add_written("substations", features.len());
    report.note(format!(
        "headroom_mw = {} × Σ circuits × MW per circuit ({} MW at 220 kV, {} MW at 380 kV, \
         interpolated between, proportional to voltage outside)",
        opts.headroom_share, opts.mw_per_circuit_220, opts.mw_per_circuit_380
    ));
    Ok(Output {
        layer: "grid",
        empty: features.is_empty(),
        features,
        report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mw_per_circuit_classes() {
        let f = |v| mw_per_circuit(v, 492.0, 1698.0);
        assert_eq!(f(220.0), 492.0);
        assert_eq!(f(380.0), 1698.0);
        assert_eq!(f(300.0), 1095.0);
        assert_eq!(f(110.0), 246.0);
        assert!((f(750.0) - 1698.0 * 750.0 / 380.0).abs() < 1e-9);
    }

    #[test]
    fn hstore_tags() {
        let t = parse_hstore(r#""TSO"=>"", "name"=>"Kr\"um", "x"=>NULL, "country"=>"DE""#);
        assert_eq!(
            t,
            vec![
                ("TSO".into(), Some(String::new())),
                ("name".into(), Some("Kr\"um".into())),
                ("x".into(), None),
                ("country".into(), Some("DE".into())),
            ]
        );
        assert!(parse_hstore("").is_empty());
        assert_eq!(parse_hstore(r#""a"=>"1", garbage"#).len(), 1);
    }
}
