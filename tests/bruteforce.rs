//! The program against brute force: on hundreds of small generated instances, the
//! optimum that `solve` proves (after all its reductions) equals the cheapest plan
//! found by enumerating every k-subset of eligible candidates, with the grid-line
//! sub-problem (line sets per site, shared substation headroom) solved exactly for
//! each subset by enumeration and max-flow.
//!
//! Model version 2 is exercised too: random per-parcel and per-zone PUE, surcharges,
//! carbon intensities, water stress, a carbon price and cap, bay costs, route factors,
//! and `sites.include` / `sites.exclude`. Each site's fixed cost, power and line costs
//! are recomputed here from the layer files by MODEL.md's formulas, independently of
//! the candidates stage.

mod common;

use std::path::Path;

use gigasite::generate::{generate, GenerateOptions, SplitMix64};
use gigasite::model::Problem;
use gigasite::progress::Silent;
use gigasite::scenario::Scenario;
use gigasite::solve::{Backend, SolveOptions, Status};

/// Feasible line sets of one site: (options used, cost), cheapest first.
fn line_sets(problem: &Problem, site: usize) -> Vec<(Vec<usize>, f64)> {
    let s = &problem.sites[site];
    let n = s.options.len();
    let mut out = Vec::new();
    for mask in 1u32..(1u32 << n) {
        if mask.count_ones() as usize > problem.max_lines {
            continue;
        }
        let set: Vec<usize> = (0..n).filter(|k| mask & (1 << k) != 0).collect();
        let cap: f64 = set.iter().map(|&k| s.options[k].cap_mw).sum();
        if cap >= s.power_mw - 1e-9 {
            let cost: f64 = set.iter().map(|&k| s.options[k].cost_eur).sum();
            out.push((set, cost));
        }
    }
    out.sort_by(|a, b| a.1.total_cmp(&b.1));
    out
}

/// Can every chosen site draw P through its lines without any substation exceeding
/// its headroom? Max-flow (Edmonds–Karp) source → sites → substations → sink.
fn flow_feasible(problem: &Problem, sites: &[usize], sets: &[&Vec<usize>]) -> bool {
    let subs: Vec<usize> = {
        let mut v: Vec<usize> = sites
            .iter()
            .zip(sets)
            .flat_map(|(&i, set)| {
                set.iter()
                    .map(move |&k| problem.sites[i].options[k].substation)
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let n = 2 + sites.len() + subs.len();
    let (src, sink) = (0, n - 1);
    let mut cap = vec![vec![0.0f64; n]; n];
    for (a, (&i, set)) in sites.iter().zip(sets).enumerate() {
        cap[src][1 + a] = problem.sites[i].power_mw;
        for &k in set.iter() {
            let o = &problem.sites[i].options[k];
            let b = 1 + sites.len() + subs.binary_search(&o.substation).unwrap();
            cap[1 + a][b] += o.cap_mw;
        }
    }
    for (b, &s) in subs.iter().enumerate() {
        cap[1 + sites.len() + b][sink] = problem.headroom_mw[s];
    }
    let mut total = 0.0;
    loop {
        let mut prev = vec![usize::MAX; n];
        prev[src] = src;
        let mut queue = std::collections::VecDeque::from([src]);
        while let Some(u) = queue.pop_front() {
            for v in 0..n {
                if prev[v] == usize::MAX && cap[u][v] > 1e-9 {
                    prev[v] = u;
                    queue.push_back(v);
                }
            }
        }
        if prev[sink] == usize::MAX {
            break;
        }
        let mut push = f64::INFINITY;
        let mut v = sink;
        while v != src {
            push = push.min(cap[prev[v]][v]);
            v = prev[v];
        }
        let mut v = sink;
        while v != src {
            cap[prev[v]][v] -= push;
            cap[v][prev[v]] += push;
            v = prev[v];
        }
        total += push;
    }
    let need: f64 = sites.iter().map(|&i| problem.sites[i].power_mw).sum();
    total >= need - 1e-6
}

/// Cheapest grid cost for a set of open sites, or None when no lines can power them.
fn grid_cost(problem: &Problem, sites: &[usize], sets: &[Vec<(Vec<usize>, f64)>]) -> Option<f64> {
    let floors: Vec<f64> = sets
        .iter()
        .map(|s| s.first().map_or(f64::INFINITY, |f| f.1))
        .collect();
    let mut best = f64::INFINITY;
    let mut chosen: Vec<&Vec<usize>> = Vec::new();
    #[allow(clippy::too_many_arguments)]
    fn dfs<'a>(
        problem: &Problem,
        sites: &[usize],
        sets: &'a [Vec<(Vec<usize>, f64)>],
        floors: &[f64],
        depth: usize,
        cost: f64,
        chosen: &mut Vec<&'a Vec<usize>>,
        best: &mut f64,
    ) {
        if depth == sites.len() {
            if cost < *best && flow_feasible(problem, sites, chosen) {
                *best = cost;
            }
            return;
        }
        let rest: f64 = floors[depth + 1..].iter().sum();
        for (set, c) in &sets[depth] {
            if cost + c + rest >= *best {
                break;
            }
            chosen.push(set);
            dfs(
                problem,
                sites,
                sets,
                floors,
                depth + 1,
                cost + c,
                chosen,
                best,
            );
            chosen.pop();
        }
    }
    dfs(
        problem,
        sites,
        sets,
        &floors,
        0,
        0.0,
        &mut chosen,
        &mut best,
    );
    best.is_finite().then_some(best)
}

/// The optimum by enumeration of every k-subset, or None when none is feasible.
fn brute_force(problem: &Problem) -> Option<f64> {
    let n = problem.sites.len();
    let k = problem.k;
    let all_sets: Vec<Vec<(Vec<usize>, f64)>> = (0..n).map(|i| line_sets(problem, i)).collect();
    let mut best: Option<f64> = None;
    let mut subset: Vec<usize> = (0..k).collect();
    if k > n || !problem.include_failures.is_empty() {
        return None;
    }
    loop {
        let forced_in = problem.forced.iter().all(|f| subset.contains(f));
        if let Some(c) = forced_in
            .then(|| subset_cost(problem, &subset, &all_sets))
            .flatten()
        {
            if best.is_none_or(|b| c < b) {
                best = Some(c);
            }
        }
        if !common::next_subset(&mut subset, n) {
            return best;
        }
    }
}

fn subset_cost(
    problem: &Problem,
    subset: &[usize],
    all_sets: &[Vec<(Vec<usize>, f64)>],
) -> Option<f64> {
    for (a, &i) in subset.iter().enumerate() {
        for &l in &subset[a + 1..] {
            if problem.conflict(i, l) {
                return None;
            }
        }
    }
    if let Some(m) = problem.max_per_country {
        for &i in subset {
            let c = problem.sites[i].country;
            if subset
                .iter()
                .filter(|&&l| problem.sites[l].country == c)
                .count()
                > m
            {
                return None;
            }
        }
    }
    let assignment = problem.assign(subset);
    let needs_service = problem.demand_limit_ms.is_some() || problem.has_latency_cost();
    if needs_service && assignment.iter().any(|a| a.is_none()) {
        return None;
    }
    let sets: Vec<Vec<(Vec<usize>, f64)>> = subset.iter().map(|&i| all_sets[i].clone()).collect();
    let grid = grid_cost(problem, subset, &sets)?;
    let fixed: f64 = subset.iter().map(|&i| problem.sites[i].fixed_eur).sum();
    Some(fixed + grid + problem.latency_eur(&assignment))
}

/// A random small scenario over freshly generated layers.
fn instance(seed: u64, dir: &Path) -> Scenario {
    let mut rng = SplitMix64::new(seed ^ 0x5eed);
    let opts = GenerateOptions {
        seed,
        parcels: 14 + rng.below(24),
        substations: 5 + rng.below(12),
        routes: 6 + rng.below(8),
        demand: rng.below(4),
        exclusions: rng.below(2),
        countries: 1 + rng.below(4),
        extent: [
            5.0,
            45.0,
            5.0 + rng.range(2.0, 6.0),
            45.0 + rng.range(1.5, 4.0),
        ],
        ..GenerateOptions::default()
    };
    generate(dir, &opts).expect("generated");
    let k = 1 + rng.below(4);
    let mut text = String::from(
        "[layers]\nland = \"land.geojson\"\ngrid = \"grid.geojson\"\nprices = \"prices.geojson\"\nfibre = \"fibre.geojson\"\n",
    );
    if opts.demand > 0 {
        text.push_str("demand = \"demand.geojson\"\n");
    }
    if opts.exclusions > 0 {
        text.push_str("exclusions = \"exclusions.geojson\"\n");
    }
    text.push_str(&format!("[sites]\ncount = {k}\n"));
    if rng.below(3) > 0 {
        text.push_str(&format!(
            "min_separation_km = {:.1}\n",
            rng.range(20.0, 200.0)
        ));
    }
    if rng.below(2) == 0 {
        text.push_str(&format!("max_per_country = {}\n", 1 + rng.below(2)));
    }
    text.push_str(&format!(
        "[power]\nmax_connection_km = {:.1}\nmax_lines_per_site = {}\n",
        rng.range(20.0, 90.0),
        1 + rng.below(3)
    ));
    text.push_str(&format!(
        "[facility]\nit_load_mw = {:.1}\nland_ha = {:.1}\n",
        rng.range(50.0, 250.0),
        rng.range(5.0, 60.0)
    ));
    text.push_str("[latency]\n");
    if rng.below(2) == 0 {
        text.push_str(&format!("max_rtt_ms_to_ixp = {:.2}\n", rng.range(2.0, 8.0)));
    }
    if opts.demand > 0 {
        if rng.below(2) == 0 {
            text.push_str(&format!(
                "max_rtt_ms_to_demand = {:.2}\n",
                rng.range(2.0, 8.0)
            ));
        }
        text.push_str(&format!(
            "eur_per_ms = {:.1}\n",
            [0.0, 1e6, 2e7][rng.below(3)]
        ));
    }
    if !seed.is_multiple_of(3) {
        text = with_version_2(seed, dir, text);
    }
    let path = dir.join("scenario.toml");
    std::fs::write(&path, &text).unwrap();
    Scenario::load(&path).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{text}"))
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn write_json(path: &Path, v: &serde_json::Value) {
    std::fs::write(path, serde_json::to_vec(v).unwrap()).unwrap();
}

/// Adds version-2 properties to the generated layers at random, and version-2 keys to
/// the scenario text (inserted into its sections).
fn with_version_2(seed: u64, dir: &Path, text: String) -> String {
    use serde_json::json;
    let mut rng = SplitMix64::new(seed ^ 0x7632);
    let carbon_price = [0.0, 65.0, 150.0][rng.below(3)];
    let carbon_cap = (rng.below(3) == 0).then(|| rng.range(100.0, 500.0));
    let needs_carbon = carbon_price > 0.0 || carbon_cap.is_some();
    let mut prices = read_json(&dir.join("prices.geojson"));
    for f in prices["features"].as_array_mut().unwrap() {
        let props = f["properties"].as_object_mut().unwrap();
        if rng.below(3) > 0 {
            props.insert("surcharge_eur_per_mwh".into(), json!(rng.range(0.0, 40.0)));
        }
        if needs_carbon || rng.below(2) == 0 {
            props.insert("carbon_g_per_kwh".into(), json!(rng.range(10.0, 600.0)));
        }
        if rng.below(2) == 0 {
            props.insert("pue".into(), json!(rng.range(1.05, 1.5)));
        }
        if rng.below(2) == 0 {
            props.insert("water_stress".into(), json!(rng.below(6) as f64));
        }
    }
    write_json(&dir.join("prices.geojson"), &prices);
    let mut land = read_json(&dir.join("land.geojson"));
    let mut ids = Vec::new();
    for f in land["features"].as_array_mut().unwrap() {
        let props = f["properties"].as_object_mut().unwrap();
        ids.push(props["id"].as_str().unwrap().to_string());
        if rng.below(3) == 0 {
            props.insert("pue".into(), json!(rng.range(1.0, 1.7)));
        }
        if rng.below(4) == 0 {
            props.insert("water_stress".into(), json!(rng.range(0.0, 5.0)));
        }
    }
    write_json(&dir.join("land.geojson"), &land);

    let pick = |rng: &mut SplitMix64, n: usize| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        while out.len() < n {
            let id = ids[rng.below(ids.len())].clone();
            if !out.contains(&id) {
                out.push(id);
            }
        }
        out
    };
    let exclude = if rng.below(3) == 0 {
        let n = 1 + rng.below(3);
        pick(&mut rng, n)
    } else {
        Vec::new()
    };
    let include: Vec<String> = if rng.below(4) == 0 {
        pick(&mut rng, 1)
            .into_iter()
            .filter(|i| !exclude.contains(i))
            .collect()
    } else {
        Vec::new()
    };
    let mut sites = format!("include = {include:?}\nexclude = {exclude:?}\n");
    if rng.below(4) == 0 {
        sites.push_str(&format!("max_water_stress = {}\n", 2 + rng.below(3)));
    }
    let power = format!(
        "route_factor = {:.3}\nbay_cost_eur = {:.1}\n",
        [1.0, 1.25, rng.range(1.0, 1.6)][rng.below(3)],
        [0.0, 8e6, rng.range(0.0, 3e7)][rng.below(3)]
    );
    let mut carbon = format!("[carbon]\neur_per_t = {carbon_price}\n");
    if let Some(c) = carbon_cap {
        carbon.push_str(&format!("max_g_per_kwh = {c:.1}\n"));
    }
    let text = text
        .replacen("[sites]\n", &format!("[sites]\n{sites}"), 1)
        .replacen("[power]\n", &format!("[power]\n{power}"), 1);
    format!("{text}{carbon}")
}

/// MODEL.md's per-site figures recomputed from the layer files: for every eligible
/// candidate, P_i, the fixed cost L + F + E + K + capex, and each grid option's cost.
/// The zone and the fibre access distance are taken from the candidate (version-1
/// attributes, checked elsewhere); everything version 2 adds is recomputed.
fn check_site_figures(seed: u64, r: &gigasite::RunResult) {
    let sc = &r.scenario;
    let land = read_json(&sc.layers.land);
    let prices = read_json(&sc.layers.prices);
    let f = &sc.facility;
    let annuity = if f.discount_rate > 0.0 {
        (1.0 - (1.0 + f.discount_rate).powf(-f.lifetime_years)) / f.discount_rate
    } else {
        f.lifetime_years
    };
    for (pos, &ci) in r.candidates.eligible.iter().enumerate() {
        let cand = &r.candidates.all[ci];
        let parcel = &land["features"][cand.parcel]["properties"];
        let zone = &prices["features"][cand.zone.unwrap()]["properties"];
        let num = |v: &serde_json::Value| v.as_f64();
        let pue = num(&parcel["pue"])
            .or_else(|| num(&zone["pue"]))
            .unwrap_or(f.pue);
        let power = f.it_load_mw * pue;
        let mwh = power * 8760.0 * f.utilization;
        let price = num(&zone["price_eur_per_mwh"]).unwrap();
        let surcharge = num(&zone["surcharge_eur_per_mwh"]).unwrap_or(0.0);
        let energy = mwh * (price + surcharge) * annuity;
        let carbon = num(&zone["carbon_g_per_kwh"])
            .map_or(0.0, |g| mwh * g / 1000.0 * sc.carbon.eur_per_t * annuity);
        let land_cost = f.land_ha * 10_000.0 * num(&parcel["price_eur_per_m2"]).unwrap();
        let fibre = cand.fibre.unwrap().access_km * sc.fibre.cost_eur_per_km;
        let want = land_cost + fibre + energy + carbon + f.capex_eur;
        let site = &r.problem.sites[pos];
        assert!(
            (site.fixed_eur - want).abs() <= 1e-9 * want + 1e-3,
            "seed {seed}: site {} fixed {} vs {want}",
            site.id,
            site.fixed_eur
        );
        assert!((site.power_mw - power).abs() < 1e-9, "seed {seed}: power");
        if let Some(cap) = sc.carbon.max_g_per_kwh {
            assert!(
                num(&zone["carbon_g_per_kwh"]).unwrap() <= cap,
                "seed {seed}"
            );
        }
        if let Some(cap) = sc.sites.max_water_stress {
            let w = num(&parcel["water_stress"]).or_else(|| num(&zone["water_stress"]));
            assert!(
                w.is_some_and(|w| w <= cap),
                "seed {seed}: water stress {w:?}"
            );
        }
        assert!(
            !sc.sites.exclude.contains(&site.id),
            "seed {seed}: excluded"
        );
        for o in &site.options {
            let c = sc.power.bay_cost_eur
                + sc.power.route_factor * o.km * sc.power.line_cost_eur_per_km;
            assert!(
                (o.cost_eur - c).abs() <= 1e-9 * c + 1e-6,
                "seed {seed}: line cost"
            );
            let headroom = r.layers.grid[o.substation].headroom_mw;
            assert!(
                (o.cap_mw - headroom.min(power)).abs() < 1e-9,
                "seed {seed}: cap"
            );
        }
    }
}

#[test]
fn optimum_equals_brute_force_on_200_small_instances() {
    let root = std::env::temp_dir().join(format!("gigasite-bf-{}", std::process::id()));
    let opts = SolveOptions {
        backend: Backend::Microlp,
        time_limit_s: None,
        mip_gap: 0.0,
    };
    let (mut checked, mut optimal, mut infeasible, mut shared) = (0, 0, 0, 0);
    let (mut with_include_exclude, mut forced_ineligible, mut forced_optimal) = (0, 0, 0);
    let mut seed = 0u64;
    while checked < 200 {
        seed += 1;
        assert!(seed < 2000, "too few small instances generated");
        let dir = root.join(seed.to_string());
        let scenario = instance(seed, &dir);
        let result =
            gigasite::run(&scenario, &opts, &Silent).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let problem = &result.problem;
        if problem.sites.len() > 25 || problem.sites.len() < problem.k {
            continue;
        }
        checked += 1;
        check_site_figures(seed, &result);
        if !scenario.sites.include.is_empty() || !scenario.sites.exclude.is_empty() {
            with_include_exclude += 1;
        }
        for failure in &problem.include_failures {
            let id = &scenario.sites.include[0];
            assert!(failure.contains(id.as_str()), "seed {seed}: {failure}");
            assert!(
                result.outcome.infeasibility.iter().any(|r| r == failure),
                "seed {seed}: the infeasibility names the included id"
            );
            forced_ineligible += 1;
        }
        let want = brute_force(problem);
        let mut outcomes = vec![result.outcome.clone()];
        if Backend::Highs.available() {
            let highs = SolveOptions {
                backend: Backend::Highs,
                ..opts.clone()
            };
            outcomes.push(
                gigasite::solve::solve(problem, &highs)
                    .unwrap_or_else(|e| panic!("seed {seed}: {e}")),
            );
        }
        for o in &outcomes {
            match want {
                None => {
                    assert_eq!(
                        o.status,
                        Status::Infeasible,
                        "seed {seed}: brute force finds no plan"
                    );
                    infeasible += 1;
                }
                Some(w) => {
                    assert_eq!(
                        o.status,
                        Status::Optimal,
                        "seed {seed}: brute force finds {w}"
                    );
                    let got = o.objective_eur.unwrap();
                    assert!(
                        (got - w).abs() <= 1e-7 * w.abs() + 1e-3,
                        "seed {seed}: solver {got} vs brute force {w}"
                    );
                    let plan = o.plan.as_ref().unwrap();
                    assert_eq!(problem.violation(plan), None, "seed {seed}");
                    assert!((problem.objective_eur(plan) - got).abs() < 1e-6 * got.abs());
                    optimal += 1;
                    if !problem.forced.is_empty() {
                        forced_optimal += 1;
                    }
                    if o.milp.as_ref().is_some_and(|m| m.binding_substations > 0) {
                        shared += 1;
                    }
                }
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    let _ = std::fs::remove_dir_all(&root);
    eprintln!("{checked} instances: {optimal} optimal, {infeasible} infeasible, {shared} with shared substations");
    // The sample must exercise both outcomes and the shared-headroom rows.
    let backends = if Backend::Highs.available() { 2 } else { 1 };
    let (optimal, infeasible, shared) =
        (optimal / backends, infeasible / backends, shared / backends);
    assert!(optimal >= 100, "{optimal} optimal");
    assert!(infeasible >= 5, "{infeasible} infeasible");
    assert!(shared >= 5, "{shared} with shared substations");
    eprintln!(
        "{with_include_exclude} with include/exclude, {forced_ineligible} forcing an ineligible site, \
         {forced_optimal} optimal with a forced site"
    );
    assert!(
        forced_optimal >= 5,
        "{forced_optimal} optimal with a forced site"
    );
    assert!(
        with_include_exclude >= 20,
        "{with_include_exclude} with include/exclude"
    );
    assert!(
        forced_ineligible >= 2,
        "{forced_ineligible} forcing an ineligible site"
    );
}

/// MODEL.md's program written literally: every pairwise separation row, z/p for every
/// option of every site, a headroom row for every substation, no reductions.
fn literal_model_objective(problem: &Problem) -> Option<f64> {
    use good_lp::{variable, Expression, ProblemVariables, SolverModel};
    if !problem.include_failures.is_empty() {
        return None;
    }
    let mut vars = ProblemVariables::new();
    let mut obj = Expression::default();
    let mut rows = Vec::new();
    let x: Vec<_> = problem
        .sites
        .iter()
        .map(|_| vars.add(variable().binary()))
        .collect();
    let mut draw: Vec<Expression> = vec![Expression::default(); problem.headroom_mw.len()];
    for (i, s) in problem.sites.iter().enumerate() {
        obj.add_mul(s.fixed_eur, x[i]);
        let mut power = Expression::default();
        let mut count = Expression::default();
        for o in &s.options {
            let z = vars.add(variable().binary());
            let p = vars.add(variable().min(0.0));
            obj.add_mul(o.cost_eur, z);
            rows.push((Expression::from(p) - o.cap_mw * z).leq(0.0));
            rows.push((Expression::from(z) - x[i]).leq(0.0));
            power.add_mul(1.0, p);
            count.add_mul(1.0, z);
            draw[o.substation].add_mul(1.0, p);
        }
        rows.push((power - s.power_mw * x[i]).eq(0.0));
        rows.push(count.leq(problem.max_lines as f64));
    }
    for (s, e) in draw.into_iter().enumerate() {
        rows.push(e.leq(problem.headroom_mw[s]));
    }
    rows.push(x.iter().copied().sum::<Expression>().eq(problem.k as f64));
    for &f in &problem.forced {
        rows.push(Expression::from(x[f]).eq(1.0));
    }
    for i in 0..x.len() {
        for l in i + 1..x.len() {
            if problem.conflict(i, l) {
                rows.push((x[i] + x[l]).leq(1.0));
            }
        }
    }
    if let Some(m) = problem.max_per_country {
        for c in 0..problem.countries.len() {
            let e: Expression = (0..x.len())
                .filter(|&i| problem.sites[i].country == Some(c))
                .map(|i| x[i])
                .sum();
            rows.push(e.leq(m as f64));
        }
    }
    for d in &problem.demand {
        if problem.demand_limit_ms.is_some() {
            rows.push(
                d.reach
                    .iter()
                    .map(|&(i, _)| x[i])
                    .sum::<Expression>()
                    .geq(1.0),
            );
        }
        if problem.has_latency_cost() && d.weight > 0.0 {
            let mut served = Expression::default();
            for &(i, rtt) in &d.reach {
                let y = vars.add(variable().min(0.0).max(1.0));
                obj.add_mul(problem.eur_per_ms * d.weight * rtt, y);
                rows.push((Expression::from(y) - x[i]).leq(0.0));
                served.add_mul(1.0, y);
            }
            rows.push(served.eq(1.0));
        }
    }
    let eval = obj.clone();
    match vars
        .minimise(obj)
        .using(good_lp::microlp)
        .with_all(rows)
        .solve()
    {
        Ok(sol) => Some(eval.eval_with(&sol)),
        Err(good_lp::ResolutionError::Infeasible) => None,
        Err(e) => panic!("literal model: {e}"),
    }
}

#[test]
fn reduced_program_equals_literal_model_on_larger_instances() {
    let root = std::env::temp_dir().join(format!("gigasite-lit-{}", std::process::id()));
    let opts = SolveOptions {
        backend: Backend::Microlp,
        time_limit_s: None,
        mip_gap: 0.0,
    };
    let mut compared = 0;
    for seed in 1..=12u64 {
        let dir = root.join(seed.to_string());
        let mut rng = SplitMix64::new(seed);
        let g = GenerateOptions {
            seed: 1000 + seed,
            parcels: 300,
            substations: 150,
            routes: 40,
            demand: 3,
            countries: 4,
            extent: [0.0, 44.0, 10.0, 52.0],
            ..GenerateOptions::default()
        };
        generate(&dir, &g).unwrap();
        let text = format!(
            "[layers]\nland = \"land.geojson\"\ngrid = \"grid.geojson\"\nprices = \"prices.geojson\"\nfibre = \"fibre.geojson\"\ndemand = \"demand.geojson\"\n\
             [sites]\ncount = {}\nmin_separation_km = {:.1}\n{}\n[latency]\neur_per_ms = {:.1}\n",
            2 + rng.below(3),
            rng.range(50.0, 300.0),
            if rng.below(2) == 0 { "max_per_country = 1" } else { "" },
            [0.0, 5e6][rng.below(2)],
        );
        let text = if seed.is_multiple_of(2) {
            with_version_2(seed, &dir, text.replace("[latency]", "[power]\n[latency]"))
        } else {
            text
        };
        let path = dir.join("scenario.toml");
        std::fs::write(&path, text).unwrap();
        let scenario = Scenario::load(&path).unwrap();
        let result = gigasite::run(&scenario, &opts, &Silent).unwrap();
        if seed % 2 == 0 {
            check_site_figures(seed, &result);
        }
        let literal = literal_model_objective(&result.problem);
        match (literal, result.outcome.objective_eur) {
            (None, None) => assert_eq!(result.outcome.status, Status::Infeasible),
            (Some(want), Some(got)) => {
                assert!(
                    (want - got).abs() <= 1e-7 * want.abs(),
                    "seed {seed}: literal {want} vs reduced {got}"
                );
                compared += 1;
            }
            other => panic!("seed {seed}: literal vs reduced {other:?}"),
        }
        eprintln!(
            "seed {seed}: {} eligible, {} survivors, status {:?}",
            result.problem.sites.len(),
            result.outcome.reductions.survivors,
            result.outcome.status
        );
        {}
        let _ = std::fs::remove_dir_all(&dir);
    }
    let _ = std::fs::remove_dir_all(&root);
    assert!(compared >= 8, "only {compared} feasible instances compared");
}
