//! Writing results: `sites.geojson` (RFC 7946, flat properties, stable order) and
//! `summary.json`, each written to a temporary file in the output folder and renamed,
//! so a killed or failed run never leaves a truncated file.

use std::io::Write;
use std::path::{Path, PathBuf};

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
    pub area_ha: f64,
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
                power_mw: r.problem.power_mw,
                area_ha: parcel.area_ha,
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
    json!({"type": "FeatureCollection", "features": features})
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
    json!({
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
        "warnings": r.candidates.warnings,
        "seconds": r.seconds,
        "scenario": r.scenario,
        "layers": layers,
        "inputs_fingerprint": crate::inputs_fingerprint(
            &r.scenario,
            &r.layers.info.iter().map(|(n, i)| (n.clone(), i.hash.clone())).collect::<Vec<_>>(),
        ),
        "model_version": 1,
    })
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

/// Writes `bytes` to `path` through a temporary file in the same folder.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp: PathBuf = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// Writes `sites.geojson` (only when there is a plan) and `summary.json` into `dir`.
/// A `sites.geojson` left by an earlier run is removed when this run has no plan, so
/// the folder never pairs a new summary with old sites.
pub fn write_outputs(dir: &Path, r: &RunResult) -> Result<Vec<SiteReport>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let sites = site_reports(r);
    let sites_path = dir.join("sites.geojson");
    if r.outcome.plan.is_some() {
        let text =
            serde_json::to_vec_pretty(&sites_geojson(&sites)).expect("plain data serializes");
        write_atomic(&sites_path, &text)?;
    } else if sites_path.exists() {
        std::fs::remove_file(&sites_path).map_err(|e| Error::io(&sites_path, e))?;
    }
    let summary =
        serde_json::to_vec_pretty(&summary_json(r, &sites)).expect("plain data serializes");
    write_atomic(&dir.join("summary.json"), &summary)?;
    Ok(sites)
}
