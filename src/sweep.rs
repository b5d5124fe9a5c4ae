//! Parameter sweeps: one scenario, some keys set to lists or ranges of values, the
//! cartesian product run as a batch, and the trade-off between cost and each swept
//! parameter (the Pareto front) written out.

use std::path::Path;

use crate::batch::{Row, Task};
use crate::error::{Error, Result};
use crate::scenario::Scenario;

/// Keys whose values are whole numbers in the scenario.
const INTEGER_KEYS: [&str; 5] = [
    "sites.count",
    "sites.max_per_country",
    "power.max_lines_per_site",
    "sites.alternatives",
    "sites.regret_candidates",
];

/// One `--set KEY=VALUES` flag, expanded.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub key: String,
    /// Values as written to the scenario (and shown in names and CSVs).
    pub values: Vec<String>,
}

/// Parses `KEY=V1,V2,...` or `KEY=START:STOP:STEP` (STOP included when a step lands on it).
pub fn parse_set(spec: &str) -> std::result::Result<Axis, String> {
    let (key, values) = spec
        .split_once('=')
        .ok_or_else(|| format!("--set {spec:?}: expected KEY=VALUES, e.g. sites.count=3,4,5"))?;
    let key = key.trim().to_string();
    if key.split('.').count() != 2 || key.starts_with("layers.") {
        return Err(format!(
            "--set {spec:?}: KEY is section.key, e.g. latency.max_rtt_ms_to_demand"
        ));
    }
    let integer = INTEGER_KEYS.contains(&key.as_str());
    let values: Vec<String> = if let [a, b, c] = values.split(':').collect::<Vec<_>>()[..] {
        let num = |s: &str| {
            s.trim()
                .parse::<f64>()
                .map_err(|_| format!("--set {spec:?}: {s:?} is not a number"))
        };
        let (start, stop, step) = (num(a)?, num(b)?, num(c)?);
        if step.is_nan() || step <= 0.0 || stop < start {
            return Err(format!(
                "--set {spec:?}: a range needs START <= STOP and STEP > 0"
            ));
        }
        let n = ((stop - start) / step + 1e-9).floor() as usize + 1;
        if n > 100_000 {
            return Err(format!("--set {spec:?}: {n} values is too many"));
        }
        (0..n)
            .map(|i| format_value(start + i as f64 * step, integer))
            .collect::<std::result::Result<_, _>>()?
    } else {
        values
            .split(',')
            .map(|v| {
                let x: f64 = v
                    .trim()
                    .parse()
                    .map_err(|_| format!("--set {spec:?}: {v:?} is not a number"))?;
                format_value(x, integer)
            })
            .collect::<std::result::Result<_, _>>()?
    };
    if values.is_empty() {
        return Err(format!("--set {spec:?}: no values"));
    }
    Ok(Axis { key, values })
}

fn format_value(x: f64, integer: bool) -> std::result::Result<String, String> {
    if integer {
        if (x - x.round()).abs() > 1e-9 || x < 0.0 {
            return Err(format!("{x} is not a whole number"));
        }
        Ok(format!("{}", x.round() as i64))
    } else {
        // Shortest text that reads back to the same number, always with a decimal point.
        let x = (x * 1e9).round() / 1e9;
        let s = format!("{x}");
        Ok(if s.contains('.') || s.contains('e') {
            s
        } else {
            format!("{s}.0")
        })
    }
}

/// Parses every `--set`; a key given twice is an error (one would silently win).
pub fn parse_sets(specs: &[String]) -> std::result::Result<Vec<Axis>, String> {
    let axes: Vec<Axis> = specs
        .iter()
        .map(|s| parse_set(s))
        .collect::<std::result::Result<_, _>>()?;
    check_axes(&axes)?;
    Ok(axes)
}

/// Refuses two axes of the same key.
pub fn check_axes(axes: &[Axis]) -> std::result::Result<(), String> {
    for (i, a) in axes.iter().enumerate() {
        if axes[..i].iter().any(|b| b.key == a.key) {
            return Err(format!(
                "--set {} is given twice: give all its values in one --set, e.g. {}={}",
                a.key,
                a.key,
                axes.iter()
                    .filter(|b| b.key == a.key)
                    .flat_map(|b| b.values.iter().cloned())
                    .collect::<Vec<_>>()
                    .join(",")
            ));
        }
    }
    Ok(())
}

/// The cartesian product of the axes applied to the base scenario text, as batch tasks.
/// Two axes of one key are an error.
pub fn sweep_tasks(base_path: &Path, axes: &[Axis]) -> Result<Vec<Task>> {
    check_axes(axes).map_err(|message| Error::Data { message })?;
    let text = std::fs::read_to_string(base_path).map_err(|e| Error::io(base_path, e))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    let base: toml::Table =
        toml::from_str(&text).map_err(|e| Error::scenario(base_path, e.to_string()))?;
    let dir = base_path.parent().unwrap_or(Path::new("")).to_path_buf();
    let stem = base_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sweep".into());
    let mut points: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for axis in axes {
        points = points
            .into_iter()
            .flat_map(|p| {
                axis.values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push((axis.key.clone(), v.clone()));
                    q
                })
            })
            .collect();
    }
    let names: Vec<String> = points
        .iter()
        .map(|p| {
            let parts: Vec<String> = p
                .iter()
                .map(|(k, v)| format!("{}={v}", k.rsplit('.').next().unwrap_or(k)))
                .collect();
            sanitize(&format!("{stem}_{}", parts.join("_")))
        })
        .collect();
    let names = crate::batch::unique_names(&names);
    Ok(points
        .into_iter()
        .zip(names)
        .map(|(params, name)| {
            let scenario = apply(&base, &params).and_then(|table| {
                let text = toml::to_string(&table).map_err(|e| e.to_string())?;
                Scenario::from_toml(&text, base_path, &name, &dir).map_err(|e| e.to_string())
            });
            Task {
                name,
                scenario,
                params,
            }
        })
        .collect())
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.=".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn apply(
    base: &toml::Table,
    params: &[(String, String)],
) -> std::result::Result<toml::Table, String> {
    let mut t = base.clone();
    for (key, value) in params {
        let (section, field) = key.split_once('.').expect("checked when parsed");
        let entry = t
            .entry(section.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let table = entry
            .as_table_mut()
            .ok_or_else(|| format!("`{section}` in the scenario is not a table"))?;
        let v = if INTEGER_KEYS.contains(&key.as_str()) {
            toml::Value::Integer(
                value
                    .parse()
                    .map_err(|_| format!("{key} = {value}: not a whole number"))?,
            )
        } else {
            toml::Value::Float(
                value
                    .parse()
                    .map_err(|_| format!("{key} = {value}: not a number"))?,
            )
        };
        table.insert(field.to_string(), v);
    }
    Ok(t)
}

/// Which way a swept parameter is better: lower (a tighter limit, a smaller gap) or
/// higher (more sites, a wider separation).
pub fn lower_is_better(key: &str) -> bool {
    !matches!(
        key,
        "sites.count"
            | "sites.min_separation_km"
            | "facility.it_load_mw"
            | "facility.lifetime_years"
    )
}

/// Marks each row dominated when another feasible row costs no more and is no worse
/// on every swept parameter, and strictly better on the cost or one parameter.
/// Rows without an objective are never dominated (nor dominate).
pub fn dominated(rows: &[Row], keys: &[String]) -> Vec<bool> {
    let score = |r: &Row, k: &str| {
        let v: f64 = r.param(k)?.parse().ok()?;
        Some(if lower_is_better(k) { v } else { -v })
    };
    rows.iter()
        .map(|p| {
            let Some(cp) = p.objective_eur.filter(|_| p.ok()) else {
                return false;
            };
            rows.iter().any(|q| {
                let Some(cq) = q.objective_eur.filter(|_| q.ok()) else {
                    return false;
                };
                let tol = 1e-9 * cp.abs().max(1.0);
                if cq > cp + tol {
                    return false;
                }
                let mut strictly = cq < cp - tol;
                for k in keys {
                    match (score(q, k), score(p, k)) {
                        (Some(a), Some(b)) if a > b + 1e-12 => return false,
                        (Some(a), Some(b)) if a < b - 1e-12 => strictly = true,
                        _ => {}
                    }
                }
                strictly
            })
        })
        .collect()
}

/// pareto.csv: every point's parameters, objective and whether it is dominated.
pub fn pareto_csv(rows: &[Row], keys: &[String]) -> Vec<u8> {
    let dom = dominated(rows, keys);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["name".to_string()];
    header.extend(keys.iter().cloned());
    header.extend(["status", "objective_eur", "dominated"].map(String::from));
    w.write_record(&header).expect("in memory");
    for (r, d) in rows.iter().zip(dom) {
        let mut rec = r.leading_cells(keys);
        rec.push(if r.ok() { d.to_string() } else { String::new() });
        w.write_record(&rec).expect("in memory");
    }
    w.into_inner().expect("in memory")
}

/// Writes `out/pareto.csv`, and for a one-parameter sweep `out/pareto.svg`, each
/// atomically.
pub fn write_pareto(out: &Path, rows: &[Row], keys: &[String]) -> Result<()> {
    crate::report::write_atomic(&out.join("pareto.csv"), &pareto_csv(rows, keys))?;
    if let [key] = keys {
        let points: Vec<crate::plot::ParetoPoint> = rows
            .iter()
            .zip(dominated(rows, keys))
            .map(|(r, d)| crate::plot::ParetoPoint {
                x: r.param(key)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(f64::NAN),
                objective_eur: r.objective_eur.filter(|_| r.ok()),
                dominated: d,
                label: r.name.clone(),
            })
            .collect();
        let svg = crate::plot::pareto_svg(&points, key, &format!("Cost against {key}"));
        crate::report::write_atomic(&out.join("pareto.svg"), svg.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_ranges() {
        assert_eq!(
            parse_set("sites.count=3,4,5").unwrap().values,
            vec!["3", "4", "5"]
        );
        assert_eq!(
            parse_set("latency.max_rtt_ms_to_demand=10:40:5")
                .unwrap()
                .values,
            vec!["10.0", "15.0", "20.0", "25.0", "30.0", "35.0", "40.0"]
        );
        assert_eq!(
            parse_set("facility.pue=1.1:1.3:0.1").unwrap().values,
            vec!["1.1", "1.2", "1.3"]
        );
        assert!(parse_set("sites.count=2.5").is_err());
        assert!(parse_set("count=3").is_err());
        assert!(parse_set("sites.count=5:1:1").is_err());
        assert!(parse_set("sites.count=a,b").is_err());
    }

    fn row(name: &str, x: &str, obj: Option<f64>) -> Row {
        Row {
            name: name.into(),
            params: vec![("latency.max_rtt_ms_to_demand".into(), x.into())],
            status: if obj.is_some() {
                "optimal"
            } else {
                "infeasible"
            }
            .into(),
            objective_eur: obj,
            site_ids: vec![],
            seconds: 0.0,
            error: String::new(),
            resumed: false,
        }
    }

    #[test]
    fn a_looser_limit_that_costs_no_less_is_dominated() {
        let keys = vec!["latency.max_rtt_ms_to_demand".to_string()];
        let rows = vec![
            row("a", "10", None),
            row("b", "15", Some(300.0)),
            row("c", "20", Some(250.0)),
            row("d", "25", Some(250.0)),
            row("e", "30", Some(260.0)),
        ];
        assert_eq!(
            dominated(&rows, &keys),
            vec![false, false, false, true, true]
        );
    }
}
