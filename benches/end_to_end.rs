//! End-to-end speed on the reference instance: 5,000 candidates, 4,000
//! substations, 600 fibre routes, 25 demand points, 500 km separation, at most one
//! site per country, both latency limits. Generated (seeded), solved with proof.
//!
//! Run: `cargo bench --bench end_to_end` (microlp), and with `--features highs` for
//! HiGHS too. Prints the median and worst of several runs per stage; the target is
//! under 2 s end to end on a 2-core machine.

use std::time::Instant;

use gigasite::generate::{generate, GenerateOptions};
use gigasite::progress::Silent;
use gigasite::scenario::Scenario;
use gigasite::solve::{Backend, SolveOptions, Status};

fn main() {
    let runs: usize = std::env::var("GIGASITE_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let seeds: Vec<u64> = vec![1, 2, 3];
    let root = std::env::temp_dir().join(format!("gigasite-bench-{}", std::process::id()));
    let mut backends = vec![Backend::Microlp];
    if Backend::Highs.available() {
        backends.push(Backend::Highs);
    }
    println!("instance: 5000 parcels, 4000 substations, 600 routes, 25 demand points; separation 500 km, max 1 per country, IXP RTT <= 10 ms, demand RTT <= 15 ms");
    for seed in seeds {
        let dir = root.join(seed.to_string());
        let opts = GenerateOptions {
            seed,
            parcels: 5000,
            substations: 4000,
            routes: 600,
            demand: 25,
            min_separation_km: Some(500.0),
            max_per_country: Some(1),
            max_rtt_ms_to_ixp: Some(10.0),
            max_rtt_ms_to_demand: Some(15.0),
            ..GenerateOptions::default()
        };
        generate(&dir, &opts).expect("generated");
        let scenario = Scenario::load(&dir.join("scenario.toml")).expect("scenario");
        for &backend in &backends {
            let solve = SolveOptions {
                backend,
                time_limit_s: None,
                mip_gap: scenario.sites.mip_gap,
            };
            let mut totals = Vec::new();
            let mut last = None;
            for _ in 0..runs {
                let t = Instant::now();
                let r = gigasite::run(&scenario, &solve, &Silent).expect("solved");
                totals.push(t.elapsed().as_secs_f64());
                last = Some(r);
            }
            let r = last.unwrap();
            assert_eq!(
                r.outcome.status,
                Status::Optimal,
                "seed {seed}: not proven optimal"
            );
            totals.sort_by(f64::total_cmp);
            let red = &r.outcome.reductions;
            let m = r.outcome.milp.clone().unwrap_or_default();
            let eligible_units: Vec<_> = r.problem.sites.iter().map(|s| s.unit).collect();
            let pairwise = gigasite::index::pairs_closer_than(&eligible_units, 500.0).len();
            println!(
                "seed {seed} {:<8} end-to-end median {:.3} s, max {:.3} s over {runs} runs | stages (last run): read {:.3} s, candidates {:.3} s, solve {:.3} s | objective {:.0} EUR | eligible {}, survivors {}, program {} vars {} rows ({} clique rows for {} conflict pairs; literal pairwise rows over all eligible: {pairwise})",
                backend.name(),
                totals[totals.len() / 2],
                totals[totals.len() - 1],
                r.seconds["read_layers"],
                r.seconds["candidates"],
                r.seconds["solve"],
                r.outcome.objective_eur.unwrap(),
                red.eligible,
                red.survivors,
                m.variables,
                m.rows,
                m.clique_rows,
                m.lazy_clique_rows,
            );
        }
    }
    let _ = std::fs::remove_dir_all(&root);
}
