//! The files of the best plans and of the regrets: `alternatives.csv`,
//! `alternatives.geojson`, `regret.csv`, `regret.geojson`, and their parts of
//! `summary.json`. Written only when the run computed them.

use serde_json::{json, Value};

use crate::engine::ranking::{RankedPlan, Ranking, Regret};
use crate::model::{Plan, Problem};
use crate::RunResult;

/// Site ids sorted, and each site's cost (fixed plus its lines, EUR) in that order.
fn plan_sites(problem: &Problem, plan: &Plan) -> Vec<(String, f64)> {
    let mut sites: Vec<(String, f64)> = plan
        .open
        .iter()
        .map(|o| {
            let s = &problem.sites[o.site];
            (s.id.clone(), s.fixed_eur + problem.grid_eur(o))
        })
        .collect();
    sites.sort_by(|a, b| a.0.cmp(&b.0));
    sites
}

/// Cost difference to the optimum, EUR and percent (0 within rounding: a plan tied
/// with the optimum never shows a negative difference).
fn delta(cost: f64, optimum: f64) -> (f64, f64) {
    let d = cost - optimum;
    let d = if d.abs() <= 1e-9 * optimum.abs() + 1e-6 {
        0.0
    } else {
        d
    };
    let pct = if optimum.abs() > 0.0 {
        100.0 * d / optimum.abs()
    } else {
        0.0
    };
    (d, pct)
}

fn plan_json(problem: &Problem, p: &RankedPlan, optimum: f64) -> Value {
    let sites = plan_sites(problem, &p.plan);
    let (d, pct) = delta(p.cost, optimum);
    json!({
        "rank": p.rank,
        "cost_eur": p.cost,
        "delta_eur": d,
        "delta_pct": pct,
        "site_ids": sites.iter().map(|s| &s.0).collect::<Vec<_>>(),
        "site_costs_eur": sites.iter().map(|s| s.1).collect::<Vec<_>>(),
        "latency_cost_eur": problem.latency_eur(&p.plan.assignment),
    })
}

fn optimum_of(ranking: &Ranking) -> f64 {
    ranking.plans.first().map_or(0.0, |p| p.cost)
}

/// The `alternatives` object of summary.json.
pub fn alternatives_json(r: &RunResult) -> Option<Value> {
    let ranking = r.decided.ranking.as_ref()?;
    let d = r.scenario.sites.decisions();
    let opt = optimum_of(ranking);
    Some(json!({
        "requested": d.alternatives,
        "within_pct": d.within_pct,
        "listed": ranking.plans.len(),
        "status": ranking.status.as_str(),
        "cut_by_cap": ranking.cut_by_cap,
        "next_cost_eur": ranking.next_cost,
        "next_bound_eur": ranking.next_bound.filter(|b| b.is_finite()),
        "plans": ranking.plans.iter().map(|p| plan_json(&r.problem, p, opt)).collect::<Vec<_>>(),
    }))
}

/// alternatives.csv: rank, cost_eur, delta_eur, delta_pct, site_ids (sorted, `;`),
/// site_costs_eur (in the order of site_ids, `;`), latency_cost_eur.
pub fn alternatives_csv(r: &RunResult) -> Option<Vec<u8>> {
    let ranking = r.decided.ranking.as_ref()?;
    let opt = optimum_of(ranking);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "rank",
        "cost_eur",
        "delta_eur",
        "delta_pct",
        "site_ids",
        "site_costs_eur",
        "latency_cost_eur",
    ])
    .expect("in memory");
    for p in &ranking.plans {
        let sites = plan_sites(&r.problem, &p.plan);
        let (d, pct) = delta(p.cost, opt);
        let ids: Vec<&str> = sites.iter().map(|s| s.0.as_str()).collect();
        let costs: Vec<String> = sites.iter().map(|s| format!("{:.2}", s.1)).collect();
        w.write_record([
            p.rank.to_string(),
            format!("{:.2}", p.cost),
            format!("{d:.2}"),
            format!("{pct:.6}"),
            ids.join(";"),
            costs.join(";"),
            format!("{:.2}", r.problem.latency_eur(&p.plan.assignment)),
        ])
        .expect("in memory");
    }
    Some(w.into_inner().expect("in memory"))
}

/// A Point feature at an eligible site (problem position) with `props`.
fn site_point(r: &RunResult, site: usize, mut props: serde_json::Map<String, Value>) -> Value {
    let cand = &r.candidates.all[r.candidates.eligible[site]];
    let parcel = &r.layers.land[cand.parcel];
    props.insert("id".into(), json!(cand.id));
    props.insert("name".into(), json!(parcel.name));
    props.insert("country".into(), json!(cand.country));
    props.insert(
        "zone".into(),
        json!(cand.zone.map(|z| r.layers.prices[z].zone.clone())),
    );
    json!({
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [cand.location.x, cand.location.y]},
        "properties": props,
    })
}

fn collection(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "features": features})
}

/// alternatives.geojson: a Point per site of every listed plan, with the plan's rank
/// (`alternative`), cost and difference to the optimum, and the site's own cost.
pub fn alternatives_geojson(r: &RunResult) -> Option<Value> {
    let ranking = r.decided.ranking.as_ref()?;
    let opt = optimum_of(ranking);
    let mut features = Vec::new();
    for p in &ranking.plans {
        let (d, pct) = delta(p.cost, opt);
        for o in &p.plan.open {
            let site = &r.problem.sites[o.site];
            let mut props = serde_json::Map::new();
            props.insert("alternative".into(), json!(p.rank));
            props.insert("plan_cost_eur".into(), json!(p.cost));
            props.insert("delta_eur".into(), json!(d));
            props.insert("delta_pct".into(), json!(pct));
            props.insert(
                "cost_site_eur".into(),
                json!(site.fixed_eur + r.problem.grid_eur(o)),
            );
            features.push(site_point(r, o.site, props));
        }
    }
    Some(collection(features))
}

fn regret_row_json(r: &RunResult, g: &Regret) -> Value {
    json!({
        "id": r.problem.sites[g.site].id,
        "chosen": g.chosen,
        "regret_eur": g.regret_eur,
        "feasible": g.best.is_some(),
        "plan_cost_eur": g.best.as_ref().map(|b| b.cost),
        "plan_site_ids": g.best.as_ref().map_or_else(Vec::new, |b| {
            plan_sites(&r.problem, &b.plan).into_iter().map(|s| s.0).collect()
        }),
        "status": g.status.as_str(),
    })
}

/// The `regret` object of summary.json. `regret_eur` is null exactly when no plan was
/// found (`feasible` false): infinite when `status` is infeasible, unknown when the
/// time ran out; with a plan but a status other than optimal it is an upper bound.
pub fn regret_json(r: &RunResult) -> Option<Value> {
    let regret = r.decided.regret.as_ref()?;
    let all_proven = regret.iter().all(|g| {
        matches!(
            g.status,
            crate::solve::Status::Optimal | crate::solve::Status::Infeasible
        )
    });
    Some(json!({
        "status": if all_proven { "optimal" } else { "time_limit" },
        "sites": regret.iter().map(|g| regret_row_json(r, g)).collect::<Vec<_>>(),
    }))
}

/// The regret of dropping a chosen site, by id (for the sites layer's properties).
pub fn chosen_regret(r: &RunResult, id: &str) -> Option<Option<f64>> {
    let regret = r.decided.regret.as_ref()?;
    regret
        .iter()
        .find(|g| g.chosen && r.problem.sites[g.site].id == id)
        .map(|g| g.regret_eur)
}

/// regret.csv: id, chosen, regret_eur (`inf` when no plan meets the condition, empty
/// when none was found in time; an upper bound unless status is optimal), regret_pct,
/// plan_cost_eur, plan_site_ids, status.
pub fn regret_csv(r: &RunResult) -> Option<Vec<u8>> {
    let regret = r.decided.regret.as_ref()?;
    let opt = r.outcome.objective_eur.unwrap_or(0.0);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "id",
        "chosen",
        "regret_eur",
        "regret_pct",
        "plan_cost_eur",
        "plan_site_ids",
        "status",
    ])
    .expect("in memory");
    for g in regret {
        let (value, pct) = match (g.regret_eur, g.status) {
            (Some(v), _) => (format!("{v:.2}"), format!("{:.6}", delta(opt + v, opt).1)),
            (None, crate::solve::Status::Infeasible) => ("inf".into(), "inf".into()),
            (None, _) => (String::new(), String::new()),
        };
        let ids: Vec<String> = g.best.as_ref().map_or_else(Vec::new, |b| {
            plan_sites(&r.problem, &b.plan)
                .into_iter()
                .map(|s| s.0)
                .collect()
        });
        w.write_record([
            r.problem.sites[g.site].id.clone(),
            g.chosen.to_string(),
            value,
            pct,
            g.best
                .as_ref()
                .map_or(String::new(), |b| format!("{:.2}", b.cost)),
            ids.join(";"),
            g.status.as_str().to_string(),
        ])
        .expect("in memory");
    }
    Some(w.into_inner().expect("in memory"))
}

/// regret.geojson: a Point per site with a regret: `chosen`, `regret_eur` (null when
/// infinite or unknown), `feasible`, `status`.
pub fn regret_geojson(r: &RunResult) -> Option<Value> {
    let regret = r.decided.regret.as_ref()?;
    let features = regret
        .iter()
        .map(|g| {
            let mut props = serde_json::Map::new();
            props.insert("chosen".into(), json!(g.chosen));
            props.insert("regret_eur".into(), json!(g.regret_eur));
            props.insert("feasible".into(), json!(g.best.is_some()));
            props.insert("status".into(), json!(g.status.as_str()));
            props.insert(
                "plan_cost_eur".into(),
                json!(g.best.as_ref().map(|b| b.cost)),
            );
            site_point(r, g.site, props)
        })
        .collect();
    Some(collection(features))
}

/// The decision files of a run: (file name, bytes) for each one it computed, and the
/// names of those it did not (to be removed from a reused folder).
pub fn files(r: &RunResult) -> (Vec<(&'static str, Vec<u8>)>, Vec<&'static str>) {
    let pretty = |v: Value| serde_json::to_vec_pretty(&v).expect("plain data serializes");
    let made = [
        ("alternatives.csv", alternatives_csv(r)),
        ("alternatives.geojson", alternatives_geojson(r).map(pretty)),
        ("regret.csv", regret_csv(r)),
        ("regret.geojson", regret_geojson(r).map(pretty)),
    ];
    let mut written = Vec::new();
    let mut absent = Vec::new();
    for (name, bytes) in made {
        match bytes {
            Some(b) => written.push((name, b)),
            None => absent.push(name),
        }
    }
    (written, absent)
}
