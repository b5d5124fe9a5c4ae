//! OR-Library pmed1–pmed40 on the engine: each instance's optimum, bound and seconds,
//! and the total (`cargo bench --bench pmedian`; needs ../shared/data/orlib).

use std::path::Path;
use std::time::Instant;

use gigasite::solve::{solve, Backend, SolveOptions, Status};

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/orlib/pmed");
    let optima = std::fs::read_to_string(dir.join("pmedopt.txt")).expect("pmedopt.txt");
    let opts = SolveOptions {
        backend: Backend::Microlp,
        time_limit_s: None,
        mip_gap: 0.0,
    };
    let (mut total, mut wrong) = (0.0, 0);
    for i in 1..=40 {
        let name = format!("pmed{i}");
        let want: f64 = optima
            .lines()
            .find_map(|l| {
                let mut w = l.split_whitespace();
                (w.next() == Some(name.as_str())).then(|| w.next().unwrap().parse().unwrap())
            })
            .expect("listed");
        let t = Instant::now();
        let pm = gigasite::pmedian::read(&dir.join(format!("{name}.txt"))).expect("readable");
        let o = solve(&pm.problem(), &opts).expect("solved");
        let s = t.elapsed().as_secs_f64();
        total += s;
        let got = o.objective_eur.unwrap_or(f64::NAN);
        let ok = o.status == Status::Optimal && (got - want).abs() < 1e-6;
        wrong += usize::from(!ok);
        let m = o.milp.unwrap_or_default();
        println!(
            "{name:<7} n {:>3} p {:>3}  optimum {got:>6} (published {want:>6}) bound {:>8.1} {:?} {s:>6.2} s | survivors {} rounds {} cuts {}",
            pm.nodes,
            pm.p,
            o.best_bound_eur.unwrap_or(f64::NAN),
            o.status,
            o.reductions.survivors,
            m.master_rounds,
            m.benders_cuts,
        );
    }
    println!("all 40: {total:.1} s, {wrong} not at the published optimum");
}
