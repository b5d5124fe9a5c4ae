//! `gigasite map OUTDIR` and `gigasite solve … --map FILE`: the SVG map of a result.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde_json::Value;

use gigasite::map::alternatives::{render_alternatives, AltOptions, Alternatives};
use gigasite::map::{render_map, scenario_title, MapOptions};
use gigasite::plot::{regret_svg, Regret};
use gigasite::progress::Progress;
use gigasite::report::{bytes_hash, prepare_output_file, site_reports, summary_json, write_atomic};
use gigasite::scenario::Scenario;
use gigasite::solve::{Backend, SolveOptions};
use gigasite::RunResult;

/// Renders the map of `result` and writes it to `path` (temporary file, then rename).
pub fn write_map(path: &Path, result: &RunResult, show_ineligible: bool) -> anyhow::Result<()> {
    let opts = MapOptions {
        show_ineligible,
        ..MapOptions::default()
    };
    let svg = render_map(result, &opts);
    write_atomic(path, svg.as_bytes())
        .with_context(|| format!("writing the map to {}", path.display()))
}

/// Draws the best plans as small multiples and writes them to `path` (temporary
/// file, then rename). Fails when a plan's site is not an eligible candidate of
/// `result`.
pub fn write_alternatives(
    path: &Path,
    result: &RunResult,
    alternatives: &Alternatives,
) -> anyhow::Result<()> {
    let opts = AltOptions {
        subtitle: Some(alternatives.describe()),
        ..AltOptions::default()
    };
    let svg = render_alternatives(result, &alternatives.plans, &opts)
        .context("drawing the alternatives")?;
    write_atomic(path, svg.as_bytes())
        .with_context(|| format!("writing the alternatives to {}", path.display()))
}

/// Charts the regret per site and writes it to `path` (temporary file, then rename).
pub fn write_regret(path: &Path, result: &RunResult, regret: &Regret) -> anyhow::Result<()> {
    let title = format!("{} — regret per site", scenario_title(result));
    let svg = regret_svg(&regret.sites, &title);
    write_atomic(path, svg.as_bytes())
        .with_context(|| format!("writing the regret chart to {}", path.display()))
}

/// Where `map_command` writes; None: the default in OUTDIR.
#[derive(Debug, Clone, Default)]
pub struct MapPaths {
    /// Default `OUTDIR/map.svg`.
    pub map: Option<PathBuf>,
    /// Written only when the summary records `alternatives`; default
    /// `OUTDIR/alternatives.svg`.
    pub alternatives: Option<PathBuf>,
    /// Written only when the summary records `regret`; default `OUTDIR/regret.svg`.
    pub regret: Option<PathBuf>,
}

/// Makes the map of an existing result folder: re-runs the scenario recorded in
/// `OUTDIR/summary.json`, checks that the inputs and the chosen sites are those of the
/// recorded run, and writes the map (default `OUTDIR/map.svg`); when the summary
/// records `alternatives`, their small multiples (default `OUTDIR/alternatives.svg`),
/// and when it records `regret`, the regret chart (default `OUTDIR/regret.svg`).
/// Returns the paths written, the map first.
pub fn map_command(
    outdir: &Path,
    paths: &MapPaths,
    show_ineligible: bool,
    progress: &dyn Progress,
) -> anyhow::Result<Vec<PathBuf>> {
    let summary_path = outdir.join("summary.json");
    let text = std::fs::read_to_string(&summary_path)
        .with_context(|| format!("reading {}", summary_path.display()))?;
    let summary: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", summary_path.display()))?;
    // Failed runs, and runs stopped before any plan, record the reason in `error`.
    if let Some(why) = summary.get("error").and_then(Value::as_str) {
        bail!(
            "{} records a run without a result (status {}): {why}",
            summary_path.display(),
            summary
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or("unknown"),
        );
    }
    check_sites_belong(outdir, &summary)?;
    let field = |e: String| anyhow::anyhow!("{}: {e}", summary_path.display());
    let alternatives = summary
        .get("alternatives")
        .map(Alternatives::from_json)
        .transpose()
        .map_err(field)?;
    let regret = summary
        .get("regret")
        .map(Regret::from_json)
        .transpose()
        .map_err(field)?;
    // Checked before the re-run, once OUTDIR is known to hold a result.
    let or_default =
        |p: &Option<PathBuf>, name: &str| p.clone().unwrap_or_else(|| outdir.join(name));
    let path = or_default(&paths.map, "map.svg");
    let alt_path = alternatives
        .as_ref()
        .map(|_| or_default(&paths.alternatives, "alternatives.svg"));
    let regret_path = regret
        .as_ref()
        .map(|_| or_default(&paths.regret, "regret.svg"));
    for p in std::iter::once(&path).chain(&alt_path).chain(&regret_path) {
        prepare_output_file(p)?;
    }
    let scenario = scenario_from_summary(&summary, &summary_path)?;
    let backend = summary
        .get("solver")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<Backend>().ok())
        .filter(|b| b.available())
        .unwrap_or(Backend::Microlp);
    let opts = SolveOptions {
        backend,
        time_limit_s: None,
        mip_gap: scenario.sites.mip_gap,
    };
    let result = gigasite::run(&scenario, &opts, progress)?;

    let sites = site_reports(&result);
    check_same_inputs(&summary, &summary_json(&result, &sites))?;
    let recorded = recorded_site_ids(outdir)?;
    let now: Vec<String> = sites.iter().map(|s| s.id.clone()).collect();
    if recorded != now {
        bail!(
            "inputs changed since the run: {} records sites [{}] but re-running the scenario chooses [{}]",
            outdir.join("sites.geojson").display(),
            recorded.join(", "),
            now.join(", ")
        );
    }
    write_map(&path, &result, show_ineligible)?;
    let mut written = vec![path];
    if let (Some(a), Some(p)) = (&alternatives, alt_path) {
        write_alternatives(&p, &result, a)
            .with_context(|| format!("`alternatives` in {}", summary_path.display()))?;
        written.push(p);
    }
    if let (Some(r), Some(p)) = (&regret, regret_path) {
        write_regret(&p, &result, r)?;
        written.push(p);
    }
    Ok(written)
}

/// Fails when `sites.geojson` is not the file `summary.json` records (by hash): the
/// folder holds pieces of two runs, or a run was killed while writing.
fn check_sites_belong(outdir: &Path, summary: &Value) -> anyhow::Result<()> {
    let Some(recorded) = summary.get("sites_geojson") else {
        // Written before summaries recorded the sites file.
        return Ok(());
    };
    let path = outdir.join("sites.geojson");
    let expected = recorded.get("hash").and_then(Value::as_str);
    let actual = match std::fs::read(&path) {
        Ok(bytes) => Some(bytes_hash(&bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    if expected != actual.as_deref() {
        bail!(
            "{} does not belong to the run {} records (expected {}, found {}): re-run `gigasite solve`",
            path.display(),
            outdir.join("summary.json").display(),
            expected.unwrap_or("no sites file"),
            actual.as_deref().unwrap_or("none")
        );
    }
    Ok(())
}

/// The scenario as the summary recorded it (defaults filled in, layer paths resolved).
fn scenario_from_summary(summary: &Value, path: &Path) -> anyhow::Result<Scenario> {
    let mut recorded = summary
        .get("scenario")
        .cloned()
        .with_context(|| format!("{} has no `scenario` object", path.display()))?;
    let obj = recorded
        .as_object_mut()
        .with_context(|| format!("`scenario` in {} is not an object", path.display()))?;
    let name = obj
        .remove("name")
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "scenario".to_string());
    // Unset limits are recorded as null; in TOML they are simply absent.
    strip_nulls(&mut recorded);
    let text = toml::to_string(&recorded)
        .with_context(|| format!("`scenario` in {} cannot be re-read", path.display()))?;
    // Layer paths were resolved when the run read its scenario file: they are used as
    // they are (relative ones against the current folder).
    Scenario::from_toml(&text, path, &name, Path::new("")).with_context(|| {
        "the scenario recorded in the summary cannot be loaded (relative layer paths are \
         read from the folder `gigasite solve` was run in)"
    })
}

fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|_, x| !x.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// Fails when a layer's hash differs from the one the summary recorded.
fn check_same_inputs(recorded: &Value, now: &Value) -> anyhow::Result<()> {
    let hashes = |v: &Value| -> Vec<(String, String)> {
        v.get("layers")
            .and_then(Value::as_array)
            .map(|layers| {
                layers
                    .iter()
                    .map(|l| {
                        let field = |k: &str| {
                            l.get(k)
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_string()
                        };
                        (field("layer"), field("hash"))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (before, after) = (hashes(recorded), hashes(now));
    for (layer, hash) in &before {
        match after.iter().find(|(l, _)| l == layer) {
            Some((_, h)) if h == hash => {}
            Some((_, h)) => {
                bail!("inputs changed since the run: the {layer} layer's hash was {hash}, now {h}")
            }
            None => bail!("inputs changed since the run: the {layer} layer is no longer read"),
        }
    }
    Ok(())
}

/// The ids of the sites in `OUTDIR/sites.geojson`, by rank; none when the file is
/// absent (a run without an answer writes none).
fn recorded_site_ids(outdir: &Path) -> anyhow::Result<Vec<String>> {
    let path = outdir.join("sites.geojson");
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let layer: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", path.display()))?;
    let mut sites: Vec<(u64, String)> = layer
        .get("features")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|f| f.get("properties"))
        .filter(|p| p.get("kind").and_then(Value::as_str) == Some("site"))
        .map(|p| {
            let rank = p.get("rank").and_then(Value::as_u64).unwrap_or(u64::MAX);
            let id = match p.get("id") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            (rank, id)
        })
        .collect();
    sites.sort();
    Ok(sites.into_iter().map(|(_, id)| id).collect())
}
