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
        // Proven: the bound meets the optimum within the engine's closing tolerance
        // (1e-9 relative, which `mip_gap = 0` allows).
        assert!(
            bound <= got + 1e-6 && got - bound <= 1e-9 * got + 1e-6,
            "{name}: bound {bound}"
        );
        let plan = o.plan.unwrap();
        assert_eq!(plan.open.len(), pm.p, "{name}");
        assert_eq!(problem.violation(&plan), None, "{name}");
    }
}
