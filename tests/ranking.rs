//! The N best plans and the regrets (MODEL.md "Alternatives and regret") against a
//! brute-force ranking of every feasible k-subset, ties by sorted ids, on random
//! problems with a latency cost, separation, country caps, coverage limits and
//! forced sites.

mod common;

use common::problems::{all_plans, random_problem};
use gigasite::deadline::Deadline;
use gigasite::engine::ranking::{decide, Decisions};
use gigasite::generate::SplitMix64;
use gigasite::progress::Silent;
use gigasite::solve::{Backend, SolveOptions, Status};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-7 * b.abs().max(1.0)
}

#[test]
fn the_n_best_plans_and_every_regret_equal_brute_force() {
    let mut rng = SplitMix64::new(11);
    let opts = SolveOptions {
        backend: Backend::Microlp,
        time_limit_s: None,
        mip_gap: 0.0,
    };
    let (mut checked, mut regrets, mut infinite, mut solved_regrets) = (0, 0, 0, 0);
    let mut case = 0;
    while checked < 120 {
        case += 1;
        assert!(case < 600, "too few feasible problems");
        let k = 1 + case % 5;
        let sites = (k + 4 + rng.below(6)).min(13);
        let demand = 20 + rng.below(60);
        let p = random_problem(&mut rng, sites, demand, k);
        let brute = all_plans(&p);
        if brute.is_empty() {
            continue;
        }
        checked += 1;
        let n = 1 + case % 10;
        let d = Decisions {
            alternatives: n,
            within_pct: None,
            regret: true,
            regret_candidates: 3,
        };
        let (o, decided) = decide(&p, &opts, Deadline::never(), &Silent, &d).unwrap();
        assert_eq!(o.status, Status::Optimal, "case {case}");
        assert!(close(o.objective_eur.unwrap(), brute[0].1), "case {case}");

        if n > 1 {
            let ranking = decided.ranking.as_ref().expect("a ranking");
            assert_eq!(ranking.status, Status::Optimal, "case {case}");
            let want: Vec<_> = brute.iter().take(n).collect();
            assert_eq!(ranking.plans.len(), want.len(), "case {case}: plans listed");
            for (got, (ids, cost)) in ranking.plans.iter().zip(&want) {
                assert_eq!(&got.open, ids, "case {case}: rank {}", got.rank);
                assert!(close(got.cost, *cost), "case {case}: rank {}", got.rank);
                assert_eq!(p.violation(&got.plan), None, "case {case}");
                assert!(close(p.objective_eur(&got.plan), got.cost), "case {case}");
            }
            if let Some(next) = ranking.next_cost {
                assert!(close(next, brute[n].1), "case {case}: next {next}");
            }
            if brute.len() > n {
                let bound = ranking.next_bound.expect("a bound on the rest");
                assert!(bound <= brute[n].1 * (1.0 + 1e-9), "case {case}: bound");
            }
        }

        let regret = decided.regret.as_ref().expect("regrets");
        let opt = brute[0].1;
        let chosen = &brute[0].0;
        assert!(regret.iter().filter(|r| r.chosen).count() == chosen.len());
        for r in regret {
            let best = brute
                .iter()
                .find(|(ids, _)| ids.contains(&r.site) != r.chosen)
                .map(|b| b.1);
            match best {
                Some(b) => {
                    assert_eq!(r.status, Status::Optimal, "case {case}: site {}", r.site);
                    let got = r.regret_eur.expect("a finite regret");
                    assert!(
                        (got - (b - opt)).abs() <= 1e-7 * opt.abs(),
                        "case {case}: site {} regret {got} vs {}",
                        r.site,
                        b - opt
                    );
                }
                None => {
                    assert_eq!(r.status, Status::Infeasible, "case {case}: site {}", r.site);
                    assert_eq!(r.regret_eur, None);
                    infinite += 1;
                }
            }
            let listed = decided.ranking.as_ref().is_some_and(|k| {
                k.plans
                    .iter()
                    .any(|pl| pl.open.contains(&r.site) != r.chosen)
            });
            solved_regrets += usize::from(!listed);
            regrets += 1;
        }
    }
    eprintln!("{checked} problems, {regrets} regrets ({infinite} infinite, {solved_regrets} solved apart)");
    assert!(regrets >= 300 && infinite >= 5 && solved_regrets >= 100);
}

#[test]
fn plans_within_a_percentage_are_all_listed_and_the_cap_is_reported() {
    let mut rng = SplitMix64::new(5);
    let opts = SolveOptions {
        backend: Backend::Microlp,
        time_limit_s: None,
        mip_gap: 0.0,
    };
    let (mut checked, mut capped) = (0, 0);
    for case in 0..200 {
        let k = 2 + case % 3;
        let p = random_problem(&mut rng, 9, 30, k);
        let brute = all_plans(&p);
        if brute.len() < 3 {
            continue;
        }
        let pct = [0.5, 2.0, 5.0][case % 3];
        let cap = 2 + case % 6;
        let d = Decisions {
            alternatives: cap,
            within_pct: Some(pct),
            regret: false,
            regret_candidates: 0,
        };
        let (_, decided) = decide(&p, &opts, Deadline::never(), &Silent, &d).unwrap();
        let ranking = decided.ranking.expect("a ranking");
        let limit = brute[0].1 * (1.0 + pct / 100.0);
        let within: Vec<_> = brute.iter().filter(|b| b.1 <= limit).collect();
        let want = within.len().min(cap);
        assert_eq!(ranking.plans.len(), want, "case {case}");
        for (got, (ids, _)) in ranking.plans.iter().zip(&within) {
            assert_eq!(&got.open, ids, "case {case}");
        }
        assert_eq!(ranking.cut_by_cap, within.len() > cap, "case {case}");
        capped += usize::from(ranking.cut_by_cap);
        checked += 1;
    }
    eprintln!("{checked} problems, {capped} cut by the cap");
    assert!(checked >= 80 && capped >= 10, "{checked} {capped}");
}
