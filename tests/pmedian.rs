//! OR-Library pmed1–pmed10 (../shared/data/orlib) at their published optima
//! (pmedopt.txt), each proven optimal by the engine.

use std::path::Path;

use gigasite::solve::{solve, Backend, SolveOptions, Status};

#[test]
fn pmed1_to_pmed10_reach_their_published_optima() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/orlib/pmed");
    if !dir.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing on CI",
            dir.display()
        );
        eprintln!("skipped: {} is missing", dir.display());
        return;
    }
    let optima = std::fs::read_to_string(dir.join("pmedopt.txt")).unwrap();
    let opt = |name: &str| -> f64 {
        optima
            .lines()
            .find_map(|l| {
                let mut w = l.split_whitespace();
                (w.next() == Some(name)).then(|| w.next().unwrap().parse().unwrap())
            })
            .unwrap()
    };
    let opts = SolveOptions {
        backend: Backend::Microlp,
        time_limit_s: None,
        mip_gap: 0.0,
    };
    for i in 1..=10 {
        let name = format!("pmed{i}");
        let pm = gigasite::pmedian::read(&dir.join(format!("{name}.txt"))).unwrap();
        let problem = pm.problem();
        let o = solve(&problem, &opts).unwrap();
        assert_eq!(o.status, Status::Optimal, "{name}");
        let got = o.objective_eur.unwrap();
        assert!(
            (got - opt(&name)).abs() < 1e-6,
            "{name}: {got} vs {}",
            opt(&name)
        );
        let bound = o.best_bound_eur.unwrap();
        // Proven: with integer distances the bound is the least whole number at or
        // above what the search proved, here the optimum itself.
        assert_eq!(bound, got, "{name}: bound {bound}");
        let plan = o.plan.unwrap();
        assert_eq!(plan.open.len(), pm.p, "{name}");
        assert_eq!(problem.violation(&plan), None, "{name}");
    }
}

/// A random connected graph in OR-Library's pmed format: n nodes on a cycle plus
/// `extra` chords, integer lengths 1 to `longest` (short cycles with near-equal
/// lengths are where the relaxation is fractional).
fn random_pmed(
    rng: &mut gigasite::generate::SplitMix64,
    n: usize,
    extra: usize,
    longest: usize,
    p: usize,
) -> String {
    let mut edges = Vec::new();
    for i in 1..=n {
        edges.push((i, i % n + 1, 1 + rng.below(longest)));
    }
    for _ in 0..extra {
        let (a, b) = (1 + rng.below(n), 1 + rng.below(n));
        if a != b {
            edges.push((a, b, 1 + rng.below(longest)));
        }
    }
    let mut text = format!("{n} {} {p}\n", edges.len());
    for (a, b, c) in edges {
        text.push_str(&format!("{a} {b} {c}\n"));
    }
    text
}

/// Integer costs: the engine closes a gap below 1 (no plan costs strictly between
/// the bound and the best plan), so its reported bound is a whole number equal to
/// the optimum; every optimum equals enumeration over all p-subsets.
#[test]
fn integer_costs_close_on_whole_numbers_and_match_enumeration() {
    let mut rng = gigasite::generate::SplitMix64::new(909);
    let opts = SolveOptions {
        backend: Backend::Microlp,
        time_limit_s: None,
        mip_gap: 0.0,
    };
    let (mut searched, mut rounded) = (0, 0);
    for case in 0..120 {
        let n = 10 + rng.below(11);
        let p = 1 + rng.below(7);
        let (extra, longest) = if case % 2 == 0 {
            (n + rng.below(2 * n), 60)
        } else {
            (rng.below(3), 3)
        };
        let text = random_pmed(&mut rng, n, extra, longest, p);
        let pm = gigasite::pmedian::parse(Path::new("random.txt"), &text).unwrap();
        let problem = pm.problem();
        // Enumeration over every p-subset of nodes, from the distance matrix.
        let mut best = f64::INFINITY;
        let mut subset: Vec<usize> = (0..p).collect();
        loop {
            let cost: f64 = (0..n)
                .map(|j| {
                    subset
                        .iter()
                        .map(|&i| pm.dist[i][j])
                        .fold(f64::INFINITY, f64::min)
                })
                .sum();
            best = best.min(cost);
            let Some(x) = (0..p).rev().find(|&x| subset[x] < n - p + x) else {
                break;
            };
            subset[x] += 1;
            for y in x + 1..p {
                subset[y] = subset[y - 1] + 1;
            }
        }
        let o = solve(&problem, &opts).unwrap();
        assert_eq!(o.status, Status::Optimal, "case {case}");
        let got = o.objective_eur.unwrap();
        assert_eq!(got, best, "case {case}:\n{text}");
        let bound = o.best_bound_eur.unwrap();
        assert_eq!(bound, got, "case {case}: the proven bound is the optimum");
        assert_eq!(o.gap, Some(0.0), "case {case}");
        let m = o.milp.unwrap_or_default();
        searched += usize::from(m.method != "lagrangian");
        // Closed by rounding: the relaxation's own bound lies below the optimum.
        rounded += usize::from(m.lagrangian_bound_eur.is_some_and(|l| l < got - 1e-6));
    }
    eprintln!("{searched} of 120 cases searched beyond the root, {rounded} needed the rounding");
    assert!(rounded >= 10, "{rounded} cases needed the rounding");
}
