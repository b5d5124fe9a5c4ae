//! Writing results: `sites.geojson` (RFC 7946, flat properties, stable order) and
//! `summary.json`, each written to a temporary file in the output folder and renamed,
//! so a killed or failed run never leaves a truncated file.
//!
//! # The output folder's protocol
//! A folder holds one run's result, consistent under a kill at any point:
//! 1. Before any work, [`prepare_output_dir`] creates the folder, writes and removes a
//!    probe file (an unusable folder fails at once, not after the solve) and removes
//!    the temporary files of dead runs ([`remove_stale_temporaries`]).
//! 2. [`write_result`] first removes the old `summary.json`: from then on the folder
//!    holds no result until step 4.
//! 3. It writes `sites.geojson` (temporary file, then rename), or removes an old one
//!    when the run has no plan; then, with `--format gpkg`, `sites.gpkg` the same way
//!    (an old `sites.gpkg` is removed when this run writes none).
//! 4. It writes `summary.json` last. It records `sites_geojson`: the file name and the
//!    FNV-1a hash of its exact bytes (null when the run wrote none), so a reader can
//!    check the two belong together (and `sites_gpkg` likewise with `--format gpkg`;
//!    its tables' descriptions carry the fingerprint); `sites.geojson` carries the run's
//!    `inputs_fingerprint` as a foreign member, also recorded in the summary.
//!
//! A reader therefore trusts a folder only when `summary.json` exists, and a
//! `sites.geojson` only when its hash is the one the summary records. A failed run
//! writes a summary with status `error` and its message ([`write_error_summary`]),
//! after removing the old summary and sites.

pub mod decisions;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::model::OpenSite;
use crate::solve::Status;
use crate::RunResult;

/// One chosen site with every figure of its cost, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct SiteReport {
    pub rank: usize,
    pub id: String,
    pub name: Option<String>,
    pub country: Option<String>,
    pub zone: Option<String>,
    pub price_eur_per_mwh: Option<f64>,
    pub cost_total_eur: f64,
    pub cost_land_eur: f64,
    pub cost_energy_eur: f64,
    pub cost_fibre_eur: f64,
    pub cost_grid_eur: f64,
    pub capex_eur: f64,
    pub fibre_access_km: Option<f64>,
    pub rtt_to_ixp_ms: Option<f64>,
    pub nearest_ixp: Option<String>,
    pub power_mw: f64,
    pub pue: f64,
    pub cost_carbon_eur: f64,
    pub co2_t_per_year: Option<f64>,
    pub surcharge_eur_per_mwh: f64,
    pub carbon_g_per_kwh: Option<f64>,
    /// Null when unknown.
    pub water_stress: Option<f64>,
    pub area_ha: f64,
    /// With `--regret`: the regret of dropping the site (null when infinite).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regret_eur: Option<Option<f64>>,
    /// "point" or "interior_point": how the location was taken from the parcel.
    pub location: &'static str,
    #[serde(skip)]
    pub lon_lat: [f64; 2],
    #[serde(skip)]
    pub lines: Vec<LineReport>,
    #[serde(skip)]
    pub fibre_point: Option<[f64; 2]>,
    #[serde(skip)]
    pub fibre_route: Option<String>,
}

/// One built grid line.
#[derive(Debug, Clone, Serialize)]
pub struct LineReport {
    pub substation: String,
    pub mw: f64,
    pub km: f64,
    pub cost_eur: f64,
    #[serde(skip)]
    pub to: [f64; 2],
}

/// The chosen sites in report order: by site total cost, then id; ranks from 1.
pub fn site_reports(r: &RunResult) -> Vec<SiteReport> {
    let Some(plan) = r.outcome.plan.as_ref() else {
        return Vec::new();
    };
    let capex = r.scenario.facility.capex_eur;
    let mut out: Vec<SiteReport> = plan
        .open
        .iter()
        .map(|o: &OpenSite| {
            let cand = &r.candidates.all[r.candidates.eligible[o.site]];
            let parcel = &r.layers.land[cand.parcel];
            let site = &r.problem.sites[o.site];
            let lines: Vec<LineReport> = o
                .lines
                .iter()
                .map(|&(k, mw)| {
                    let opt = site.options[k];
                    let sub = &r.layers.grid[opt.substation];
                    LineReport {
                        substation: sub.id.clone(),
                        mw,
                        km: opt.km,
                        cost_eur: opt.cost_eur,
                        to: [sub.location.x, sub.location.y],
                    }
                })
                .collect();
            let grid: f64 = lines.iter().map(|l| l.cost_eur).sum();
            SiteReport {
                rank: 0,
                id: cand.id.clone(),
                name: parcel.name.clone(),
                country: cand.country.clone(),
                zone: cand.zone.map(|z| r.layers.prices[z].zone.clone()),
                price_eur_per_mwh: cand.price_eur_per_mwh,
                cost_total_eur: cand.site_cost_eur() + capex + grid,
                cost_land_eur: cand.cost_land_eur,
                cost_energy_eur: cand.cost_energy_eur,
                cost_fibre_eur: cand.cost_fibre_eur,
                cost_grid_eur: grid,
                capex_eur: capex,
                fibre_access_km: cand.fibre.map(|e| e.access_km),
                rtt_to_ixp_ms: cand.rtt_to_ixp_ms,
                nearest_ixp: cand.nearest_ixp.map(|x| r.layers.fibre.ixps[x].id.clone()),
                power_mw: site.power_mw,
                pue: cand.pue,
                cost_carbon_eur: cand.cost_carbon_eur,
                co2_t_per_year: cand.co2_t_per_year,
                surcharge_eur_per_mwh: cand.surcharge_eur_per_mwh,
                carbon_g_per_kwh: cand.carbon_g_per_kwh,
                water_stress: cand.water_stress,
                area_ha: parcel.area_ha,
                regret_eur: decisions::chosen_regret(r, &cand.id),
                location: parcel.location_method.as_str(),
                lon_lat: [cand.location.x, cand.location.y],
                lines,
                fibre_point: cand.fibre.map(|e| [e.closest.x, e.closest.y]),
                fibre_route: cand.fibre.map(|e| {
                    r.layers.fibre.routes[r.candidates.network.segments[e.segment].route]
                        .id
                        .clone()
                }),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        a.cost_total_eur
            .total_cmp(&b.cost_total_eur)
            .then_with(|| a.id.cmp(&b.id))
    });
    for (i, s) in out.iter_mut().enumerate() {
        s.rank = i + 1;
    }
    out
}

fn feature(geometry: Value, properties: Value) -> Value {
    json!({"type": "Feature", "geometry": geometry, "properties": properties})
}

fn line(a: [f64; 2], b: [f64; 2]) -> Value {
    json!({"type": "LineString", "coordinates": [a, b]})
}

/// The sites layer: one Point per site, then its grid lines and fibre access.
pub fn sites_geojson(sites: &[SiteReport]) -> Value {
    sites_layer(sites, None)
}

/// [`sites_geojson`], marked with the run's inputs fingerprint (a foreign member,
/// which GIS tools ignore) when one is given.
fn sites_layer(sites: &[SiteReport], fingerprint: Option<&str>) -> Value {
    let mut features = Vec::new();
    for s in sites {
        let mut props = serde_json::to_value(s).expect("plain data serializes");
        props
            .as_object_mut()
            .expect("an object")
            .insert("kind".into(), json!("site"));
        features.push(feature(
            json!({"type": "Point", "coordinates": s.lon_lat}),
            props,
        ));
    }
    for s in sites {
        for l in &s.lines {
            features.push(feature(
                line(s.lon_lat, l.to),
                json!({"kind": "grid_line", "site": s.id, "substation": l.substation,
                       "mw": l.mw, "km": l.km, "cost_eur": l.cost_eur}),
            ));
        }
    }
    for s in sites {
        if let (Some(p), Some(km)) = (s.fibre_point, s.fibre_access_km) {
            features.push(feature(
                line(s.lon_lat, p),
                json!({"kind": "fibre_access", "site": s.id, "route": s.fibre_route,
                       "km": km, "cost_eur": s.cost_fibre_eur}),
            ));
        }
    }
    let mut layer = json!({"type": "FeatureCollection", "features": features});
    if let Some(f) = fingerprint {
        layer
            .as_object_mut()
            .expect("an object")
            .insert("inputs_fingerprint".into(), json!(f));
    }
    layer
}

/// The fingerprint of a run's inputs, as recorded in its summary and sites layer.
pub fn run_fingerprint(r: &RunResult) -> String {
    crate::inputs_fingerprint(
        &r.scenario,
        &r.layers
            .info
            .iter()
            .map(|(n, i)| (n.clone(), i.hash.clone()))
            .collect::<Vec<_>>(),
    )
}

/// The FNV-1a hash of bytes, as summary.json records the sites layer's.
pub fn bytes_hash(bytes: &[u8]) -> String {
    let mut h = crate::layers::Fnv::default();
    h.update(bytes);
    h.hex()
}

/// The summary of a run: status, objective, bound, counts, timings, inputs.
pub fn summary_json(r: &RunResult, sites: &[SiteReport]) -> Value {
    let o = &r.outcome;
    let layers: Vec<Value> = r
        .layers
        .info
        .iter()
        .map(|(name, i)| json!({"layer": name, "path": i.path, "hash": i.hash, "bytes": i.bytes, "features": i.features}))
        .collect();
    let latency_eur = o
        .plan
        .as_ref()
        .map(|p| r.problem.latency_eur(&p.assignment));
    let assignment: Vec<Value> = match &o.plan {
        Some(p) => r
            .problem
            .demand
            .iter()
            .zip(&p.assignment)
            .map(|(d, a)| {
                json!({"demand": d.id, "site": a.map(|(s, _)| r.problem.sites[s].id.clone()),
                       "rtt_ms": a.map(|(_, rtt)| rtt)})
            })
            .collect(),
        None => Vec::new(),
    };
    let mut summary = json!({
        "scenario_name": r.scenario.name,
        "status": o.status.as_str(),
        "objective": o.objective_eur,
        "best_bound": o.best_bound_eur,
        "gap": o.gap,
        "solver": o.solver,
        "exit_code": exit_code(o.status),
        "sites": sites.iter().map(|s| json!({"rank": s.rank, "id": s.id, "cost_total_eur": s.cost_total_eur})).collect::<Vec<_>>(),
        "latency_cost_eur": latency_eur,
        "demand_assignment": assignment,
        "infeasibility": o.infeasibility,
        "candidates": r.candidates.counts,
        "reductions": o.reductions,
        "program": o.milp,
        "warnings": r.layers.warnings.iter().chain(&r.candidates.warnings).collect::<Vec<&String>>(),
        "seconds": r.seconds,
        "scenario": r.scenario,
        "layers": layers,
        "inputs_fingerprint": run_fingerprint(r),
        "model_version": 2,
    });
    let obj = summary.as_object_mut().expect("an object");
    if let Some(a) = decisions::alternatives_json(r) {
        obj.insert("alternatives".into(), a);
    }
    if let Some(g) = decisions::regret_json(r) {
        obj.insert("regret".into(), g);
    }
    summary
}

/// The documented exit code of a status: 0 optimal, 2 infeasible, 3 time limit with
/// a feasible answer, 4 time limit without one.
pub fn exit_code(status: Status) -> i32 {
    match status {
        Status::Optimal => 0,
        Status::Infeasible => 2,
        Status::TimeLimit => 3,
        Status::NoSolution => 4,
    }
}

/// The files of the best plans and regrets, written only when computed.
pub const DECISION_FILES: [&str; 4] = [
    "alternatives.csv",
    "alternatives.geojson",
    "regret.csv",
    "regret.geojson",
];

/// Temporary files are named `.<file>.tmp-<pid>-<n>`: the pid tells a later run whether
/// the writer is still alive ([`remove_stale_temporaries`]).
const TMP_MARK: &str = ".tmp-";

fn temporary_path(dir: &Path, name: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{name}{TMP_MARK}{}-{n}", std::process::id()))
}

/// Writes `bytes` to `path` through a temporary file in the same folder.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |tmp| {
        let mut f = std::fs::File::create(tmp).map_err(|e| Error::io(path, e))?;
        f.write_all(bytes).map_err(|e| Error::io(path, e))
    })
}

/// Has `write` create a temporary file in `path`'s folder (given its path), then
/// syncs it and renames it to `path`; the temporary file is removed on failure.
pub fn write_atomic_with(path: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = temporary_path(dir, &name);
    let result = write(&tmp).and_then(|()| {
        (|| -> std::io::Result<()> {
            std::fs::OpenOptions::new()
                .write(true)
                .open(&tmp)?
                .sync_all()?;
            std::fs::rename(&tmp, path)
        })()
        .map_err(|e| Error::io(path, e))
    });
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    // Make the rename itself durable where the platform allows it.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The pid in a temporary file's name, when it is one of ours.
fn temporary_pid(name: &str) -> Option<u32> {
    if !name.starts_with('.') {
        return None;
    }
    let (_, rest) = name.rsplit_once(TMP_MARK)?;
    let pid = rest.split('-').next()?;
    pid.parse().ok()
}

/// Whether a process is alive. Where this cannot be told (not Linux), every process
/// counts as alive, so nothing is removed.
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

/// Removes the temporary files (`.<name>.tmp-<pid>…`) that runs which are no longer
/// alive left in `dir` when they were killed; returns the files removed. Files of live
/// processes are left alone.
pub fn remove_stale_temporaries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temporary_pid) else {
            continue;
        };
        if process_alive(pid) || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        match std::fs::remove_file(&path) {
            Ok(()) => removed.push(path),
            // Another run cleaned it first.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&path, e)),
        }
    }
    Ok(removed)
}

fn output_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Output {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// The first existing ancestor of `path` (itself included) that is not a folder.
fn file_in_the_way(path: &Path) -> Option<&Path> {
    path.ancestors()
        .filter(|p| !p.as_os_str().is_empty())
        .find(|p| p.exists() && !p.is_dir())
}

/// Makes `dir` ready for a run's outputs, before any work: creates it, checks that
/// files can be written in it (a probe file, written and removed) and removes the
/// temporary files of dead runs. Errors say when `dir`, or a folder above it, is a file.
pub fn prepare_output_dir(dir: &Path) -> Result<()> {
    if let Some(file) = file_in_the_way(dir) {
        let message = if file == dir {
            "is a file, not a folder (--out names the folder the results are written in)"
                .to_string()
        } else {
            format!(
                "cannot create this folder: {} is a file, not a folder",
                file.display()
            )
        };
        return Err(output_error(dir, message));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| output_error(dir, format!("cannot create the folder: {e}")))?;
    probe(dir)?;
    remove_stale_temporaries(dir)?;
    Ok(())
}

/// Writes and removes a small file in `dir`.
fn probe(dir: &Path) -> Result<()> {
    let path = temporary_path(dir, "gigasite-probe");
    let written = std::fs::File::create(&path).and_then(|mut f| f.write_all(b"probe"));
    let removed = std::fs::remove_file(&path);
    written
        .and(removed)
        .map_err(|e| output_error(dir, format!("cannot write files in this folder: {e}")))
}

/// Checks, before any work, that `file` can be written later: it is not a folder and
/// its folder exists (created when missing) and is writable. `file` itself is not
/// created.
pub fn prepare_output_file(file: &Path) -> Result<()> {
    if file.is_dir() {
        return Err(output_error(file, "is a folder, not a file"));
    }
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Some(f) = file_in_the_way(dir) {
        return Err(output_error(
            file,
            format!("cannot be written: {} is a file, not a folder", f.display()),
        ));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| output_error(dir, format!("cannot create the folder: {e}")))?;
    probe(dir)
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// What [`write_result`] wrote: the sites in report order and the summary as written.
#[derive(Debug, Clone)]
pub struct Written {
    pub sites: Vec<SiteReport>,
    pub summary: Value,
}

/// The formats `solve --format` writes the sites in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SitesFormat {
    /// `sites.geojson` only.
    #[default]
    GeoJson,
    /// `sites.geojson` and `sites.gpkg` (tables `sites` and `lines`).
    GeoPackage,
}

impl std::str::FromStr for SitesFormat {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "geojson" => Ok(SitesFormat::GeoJson),
            "gpkg" => Ok(SitesFormat::GeoPackage),
            other => Err(format!("unknown format {other:?}: use geojson or gpkg")),
        }
    }
}

/// Writes a run's result into `dir` following the folder protocol (module docs): the
/// old summary removed first, then `sites.geojson` written (only when there is a plan;
/// an old one removed otherwise), then `summary.json` last, recording the sites file's
/// hash.
pub fn write_result(dir: &Path, r: &RunResult) -> Result<Written> {
    write_result_as(dir, r, SitesFormat::GeoJson)
}

/// Writes `sites.gpkg` (when `format` asks for it and there is a plan; an old one is
/// removed otherwise); what the summary records of it (`null`: none written).
fn write_sites_gpkg(
    dir: &Path,
    layer: &Value,
    fingerprint: &str,
    format: SitesFormat,
) -> Result<Value> {
    let path = dir.join("sites.gpkg");
    if format != SitesFormat::GeoPackage || layer["features"].is_null() {
        remove_if_present(&path)?;
        return Ok(Value::Null);
    }
    write_atomic_with(&path, |tmp| {
        crate::gpkg::write_sites(tmp, layer, fingerprint)
    })?;
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    Ok(json!({"file": "sites.gpkg", "hash": bytes_hash(&bytes), "bytes": bytes.len()}))
}

/// [`write_result`], also writing `sites.gpkg` when `format` is GeoPackage (after
/// `sites.geojson`, before `summary.json`, which records its hash as `sites_gpkg`).
pub fn write_result_as(dir: &Path, r: &RunResult, format: SitesFormat) -> Result<Written> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    // Best effort: a folder that cannot be listed fails below with a clearer error.
    let _ = remove_stale_temporaries(dir);
    let sites = site_reports(r);
    let fingerprint = run_fingerprint(r);
    let summary_path = dir.join("summary.json");
    let sites_path = dir.join("sites.geojson");
    remove_if_present(&summary_path)?;
    let layer = if r.outcome.plan.is_some() {
        sites_layer(&sites, Some(&fingerprint))
    } else {
        Value::Null
    };
    let sites_file = if r.outcome.plan.is_some() {
        let text = serde_json::to_vec_pretty(&layer).expect("plain data serializes");
        write_atomic(&sites_path, &text)?;
        json!({"file": "sites.geojson", "hash": bytes_hash(&text), "bytes": text.len()})
    } else {
        remove_if_present(&sites_path)?;
        Value::Null
    };
    let (made, absent) = decisions::files(r);
    let mut decision_files = Vec::new();
    for (name, bytes) in made {
        write_atomic(&dir.join(name), &bytes)?;
        decision_files
            .push(json!({"file": name, "hash": bytes_hash(&bytes), "bytes": bytes.len()}));
    }
    for name in absent {
        remove_if_present(&dir.join(name))?;
    }
    let gpkg_file = write_sites_gpkg(dir, &layer, &fingerprint, format)?;
    let mut summary = summary_json(r, &sites);
    let fields = summary.as_object_mut().expect("an object");
    fields.insert("sites_geojson".into(), sites_file);
    fields.insert("decision_files".into(), json!(decision_files));
    if format == SitesFormat::GeoPackage {
        fields.insert("sites_gpkg".into(), gpkg_file);
    }
    let text = serde_json::to_vec_pretty(&summary).expect("plain data serializes");
    write_atomic(&summary_path, &text)?;
    Ok(Written { sites, summary })
}

/// Writes `sites.geojson` (only when there is a plan) and `summary.json` into `dir`
/// ([`write_result`]); returns the sites.
pub fn write_outputs(dir: &Path, r: &RunResult) -> Result<Vec<SiteReport>> {
    write_result(dir, r).map(|w| w.sites)
}

/// The summary of a run that ended without a result: status `error` (exit code 1), or
/// with `timed_out` status `no_solution` (exit code 4: the time limit passed, as
/// [`Error::TimeLimit`] says, before any plan was found). `message` says why.
pub fn error_summary(scenario_file: &Path, message: &str, timed_out: bool) -> Value {
    let (status, code) = if timed_out {
        (Status::NoSolution.as_str(), exit_code(Status::NoSolution))
    } else {
        ("error", 1)
    };
    json!({
        "scenario_name": Value::Null,
        "scenario_file": scenario_file,
        "status": status,
        "error": message,
        "objective": Value::Null,
        "best_bound": Value::Null,
        "gap": Value::Null,
        "exit_code": code,
        "sites": [],
        "sites_geojson": Value::Null,
        "model_version": 2,
    })
}

/// Records a run that ended without a result in `dir` ([`error_summary`]): removes the
/// old summary, then the old sites, then writes the new summary.
pub fn write_error_summary(
    dir: &Path,
    scenario_file: &Path,
    message: &str,
    timed_out: bool,
) -> Result<()> {
    let summary_path = dir.join("summary.json");
    remove_if_present(&summary_path)?;
    remove_if_present(&dir.join("sites.geojson"))?;
    for name in DECISION_FILES {
        remove_if_present(&dir.join(name))?;
    }
    remove_if_present(&dir.join("sites.gpkg"))?;
    let text = serde_json::to_vec_pretty(&error_summary(scenario_file, message, timed_out))
        .expect("plain data serializes");
    write_atomic(&summary_path, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_carry_the_pid() {
        let p = temporary_path(Path::new("d"), "summary.json");
        let name = p.file_name().unwrap().to_str().unwrap();
        assert_eq!(temporary_pid(name), Some(std::process::id()));
        assert_eq!(temporary_pid(".summary.json.tmp-123"), Some(123));
        assert_eq!(temporary_pid(".sites.geojson.tmp-77-4"), Some(77));
        assert_eq!(temporary_pid("summary.json"), None);
        assert_eq!(temporary_pid(".x.tmp-abc"), None);
    }

    #[test]
    fn a_run_stopped_before_any_plan_is_no_solution_not_error() {
        let s = error_summary(Path::new("s.toml"), "the time limit passed", true);
        assert_eq!(s["status"], "no_solution");
        assert_eq!(s["exit_code"], 4);
        let s = error_summary(Path::new("s.toml"), "bad layer", false);
        assert_eq!(s["status"], "error");
        assert_eq!(s["exit_code"], 1);
        assert_eq!(s["error"], "bad layer");
    }
}
