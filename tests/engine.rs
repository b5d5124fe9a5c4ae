//! The engine against enumeration on problems built directly: 50–200 demand points
//! with a latency cost, separation below and above 2 × max_connection_km, country caps,
//! coverage limits, forced sites and k from 1 to 8 — every optimum equals the cheapest
//! feasible k-subset, every bound lies below it. Also: an expired deadline still gives
//! a plan and a bound the run proved.

mod common;

use common::problems::{all_plans, random_problem};
use gigasite::deadline::Deadline;
use gigasite::generate::SplitMix64;
use gigasite::model::Problem;
use gigasite::progress::Silent;
use gigasite::solve::{solve_until, Backend, SolveOptions, Status};

/// Every k-subset: the cheapest feasible cost, or None.
fn enumerate(p: &Problem) -> Option<f64> {
    all_plans(p).first().map(|b| b.1)
}

fn backends() -> Vec<Backend> {
    let mut b = vec![Backend::Microlp];
    if Backend::Highs.available() {
        b.push(Backend::Highs);
    }
    b
}

#[test]
fn latency_separation_caps_and_k_up_to_8_equal_enumeration() {
    let mut rng = SplitMix64::new(2026);
    let (mut optimal, mut infeasible, mut with_separation) = (0, 0, 0);
    for case in 0..120 {
        let k = 1 + case % 8;
        let sites = (k + 4 + rng.below(6)).min(15);
        let demand = 50 + rng.below(151);
        let p = random_problem(&mut rng, sites, demand, k);
        let want = enumerate(&p);
        for backend in backends() {
            let opts = SolveOptions {
                backend,
                time_limit_s: None,
                mip_gap: 0.0,
            };
            let o = solve_until(&p, &opts, Deadline::never(), &Silent)
                .unwrap_or_else(|e| panic!("case {case}: {e}"));
            match want {
                None => {
                    assert_eq!(o.status, Status::Infeasible, "case {case}");
                    infeasible += 1;
                }
                Some(w) => {
                    assert_eq!(
                        o.status,
                        Status::Optimal,
                        "case {case}: enumeration finds {w}"
                    );
                    let got = o.objective_eur.unwrap();
                    assert!((got - w).abs() <= 1e-7 * w, "case {case}: {got} vs {w}");
                    let plan = o.plan.as_ref().unwrap();
                    assert_eq!(p.violation(plan), None, "case {case}");
                    assert!((p.objective_eur(plan) - got).abs() <= 1e-7 * w);
                    let bound = o.best_bound_eur.unwrap();
                    assert!(
                        bound <= w * (1.0 + 1e-9),
                        "case {case}: bound {bound} above {w}"
                    );
                    optimal += 1;
                    with_separation += usize::from(p.separation_km.is_some());
                }
            }
        }
    }
    eprintln!("{optimal} optimal, {infeasible} infeasible, {with_separation} with separation");
    assert!(optimal >= 60 && infeasible >= 3 && with_separation >= 30);
}

#[test]
fn an_expired_deadline_still_gives_a_plan_and_a_proven_bound() {
    let mut rng = SplitMix64::new(7);
    let mut checked = 0;
    for _ in 0..20 {
        let mut p = random_problem(&mut rng, 40, 150, 6);
        p.demand_limit_ms = None;
        p.forced.clear();
        p.separation_km = None;
        p.max_per_country = None;
        for d in &mut p.demand {
            d.reach.sort_by_key(|r| r.0);
        }
        let opts = SolveOptions {
            backend: Backend::Microlp,
            time_limit_s: None,
            mip_gap: 0.0,
        };
        let o = solve_until(&p, &opts, Deadline::after_secs(0.0), &Silent).unwrap();
        if o.status == Status::Optimal {
            continue; // the first bound closed the gap already
        }
        assert_eq!(o.status, Status::TimeLimit);
        let plan = o.plan.as_ref().expect("the first completion always runs");
        assert_eq!(p.violation(plan), None);
        let (obj, bound) = (o.objective_eur.unwrap(), o.best_bound_eur.unwrap());
        assert!(o.gap.unwrap() > 0.0 && bound < obj);
        // The bound is a true bound: the exact optimum lies between.
        let exact = solve_until(&p, &opts, Deadline::never(), &Silent).unwrap();
        let opt = exact.objective_eur.unwrap();
        assert!(bound <= opt * (1.0 + 1e-9) && opt <= obj * (1.0 + 1e-9));
        checked += 1;
    }
    assert!(checked >= 10, "{checked}");
}

/// The swap search ends at a local optimum: no single swap of an open site for a
/// closed one gives a cheaper plan (checked over every swap), and it never returns a
/// dearer plan than it was given.
#[test]
fn the_swap_search_ends_where_no_single_swap_improves() {
    use gigasite::engine::{heuristic, Engine};
    let mut rng = SplitMix64::new(31);
    let mut improved = 0;
    for case in 0..60 {
        let k = 1 + case % 6;
        let sites = (k + 6 + rng.below(10)).min(20);
        let demand = 50 + rng.below(100);
        let p = random_problem(&mut rng, sites, demand, k);
        let eng = Engine::new(&p, Deadline::never(), 0.0);
        // Start from the first feasible plan in enumeration order (not a good one).
        let Some(start) = all_plans(&p).last().map(|b| b.0.clone()) else {
            continue;
        };
        let mut inc = None;
        assert!(eng.offer(&mut inc, start), "case {case}");
        let inc = inc.unwrap();
        let out = heuristic::interchange(&eng, inc.clone(), 1000);
        assert!(out.cost <= inc.cost + 1e-9 * inc.cost, "case {case}");
        improved += usize::from(out.cost < inc.cost);
        assert_eq!(eng.evaluate(&out.open), Some(out.cost), "case {case}");
        for r in 0..k {
            for i in 0..p.sites.len() {
                if out.open.contains(&i) {
                    continue;
                }
                let mut open = out.open.clone();
                open[r] = i;
                if let Some(c) = eng.evaluate(&open) {
                    assert!(
                        c >= out.cost - 1e-9 * out.cost,
                        "case {case}: swapping slot {r} for site {i} gives {c} < {}",
                        out.cost
                    );
                }
            }
        }
    }
    assert!(improved >= 20, "{improved} starts improved");
}
