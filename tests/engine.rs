//! The engine against enumeration on problems built directly: 50–200 demand points
//! with a latency cost, separation below and above 2 × max_connection_km, country caps,
//! coverage limits, forced sites and k from 1 to 8 — every optimum equals the cheapest
//! feasible k-subset, every bound lies below it. Also: an expired deadline still gives
//! a plan and a bound the run proved.

mod common;

use geo::Coord;
use gigasite::candidates::GridOption;
use gigasite::deadline::Deadline;
use gigasite::generate::SplitMix64;
use gigasite::geodesy::{to_unit, unit_km};
use gigasite::model::{DemandReach, Problem, Site};
use gigasite::progress::Silent;
use gigasite::solve::{solve_until, Backend, SolveOptions, Status};

/// A random problem: sites in a 6° × 4° box, each with one private substation (so
/// the grid cost is its stand-alone cost), demand points with RTT from distance.
fn random_problem(rng: &mut SplitMix64, sites: usize, demand: usize, k: usize) -> Problem {
    let coords: Vec<Coord> = (0..sites)
        .map(|_| Coord {
            x: rng.range(5.0, 11.0),
            y: rng.range(45.0, 49.0),
        })
        .collect();
    let countries = 1 + rng.below(4);
    let reach_km = 50.0;
    let separation = match rng.below(3) {
        0 => None,
        1 => Some(rng.range(20.0, 2.0 * reach_km)),
        _ => Some(rng.range(2.0 * reach_km + 1.0, 250.0)),
    };
    let site_list: Vec<Site> = coords
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let km = rng.range(1.0, 40.0);
            let option = GridOption {
                substation: i,
                km,
                cost_eur: km * 1.5e6,
                cap_mw: 180.0,
            };
            Site {
                id: format!("S{i:03}"),
                fixed_eur: rng.range(5e8, 9e8),
                power_mw: 180.0,
                options: vec![option],
                standalone: Some((vec![0], option.cost_eur)),
                country: Some(rng.below(countries)),
                unit: to_unit(*c),
            }
        })
        .collect();
    let limit = (rng.below(3) == 0).then(|| rng.range(3.0, 6.0));
    let demand = (0..demand)
        .map(|j| {
            let p = to_unit(Coord {
                x: rng.range(4.0, 12.0),
                y: rng.range(44.0, 50.0),
            });
            let reach = coords
                .iter()
                .enumerate()
                .map(|(i, c)| (i, 2.0 * (unit_km(p, to_unit(*c)) * 1.3) * 0.0049))
                .filter(|&(_, rtt)| limit.is_none_or(|l| rtt <= l))
                .collect();
            DemandReach {
                id: format!("D{j}"),
                weight: rng.range(0.1, 3.0),
                reach,
            }
        })
        .collect();
    let mut forced = Vec::new();
    if rng.below(4) == 0 {
        forced.push(rng.below(sites));
    }
    Problem {
        k,
        max_lines: 2,
        separation_km: separation,
        max_connection_km: reach_km,
        max_per_country: (rng.below(2) == 0).then(|| 1 + rng.below(3)),
        countries: (0..countries).map(|c| format!("C{c}")).collect(),
        eur_per_ms: [1e6, 2e7, 5e7][rng.below(3)],
        demand_limit_ms: limit,
        sites: site_list,
        headroom_mw: vec![1e9; sites],
        demand,
        forced,
        include_failures: Vec::new(),
    }
}

/// Every k-subset: the cheapest feasible cost, or None.
fn enumerate(p: &Problem) -> Option<f64> {
    let (n, k) = (p.sites.len(), p.k);
    let mut best: Option<f64> = None;
    let mut subset: Vec<usize> = (0..k).collect();
    loop {
        let ok_pairs = subset
            .iter()
            .enumerate()
            .all(|(a, &i)| subset[a + 1..].iter().all(|&l| !p.conflict(i, l)));
        let ok_caps = p.max_per_country.is_none_or(|m| {
            subset.iter().all(|&i| {
                subset
                    .iter()
                    .filter(|&&l| p.sites[l].country == p.sites[i].country)
                    .count()
                    <= m
            })
        });
        let ok_forced = p.forced.iter().all(|f| subset.contains(f));
        if ok_pairs && ok_caps && ok_forced {
            let a = p.assign(&subset);
            if a.iter().all(|x| x.is_some()) {
                let c: f64 =
                    subset.iter().map(|&i| p.sites[i].floor_eur()).sum::<f64>() + p.latency_eur(&a);
                if best.is_none_or(|b| c < b) {
                    best = Some(c);
                }
            }
        }
        if !common::next_subset(&mut subset, n) {
            return best;
        }
    }
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
