//! A 100-point sweep on datasets/europe (issue 5): the demand RTT limit from 10 to
//! 59.5 ms in 0.5 ms steps, on 2 jobs, default backend. Target: under 30 s on 2 cores,
//! layers read once. Run: `cargo bench --bench sweep`.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Instant;

use gigasite::batch::{run_batch_with, BatchOptions, Cache, Quiet};
use gigasite::solve::{Backend, SolveOptions};
use gigasite::sweep::{parse_set, sweep_tasks};

fn main() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/europe/scenario.toml");
    let axes = vec![parse_set("latency.max_rtt_ms_to_demand=10:59.5:0.5").unwrap()];
    let tasks = sweep_tasks(&base, &axes).unwrap();
    assert_eq!(tasks.len(), 100);
    let out = std::env::temp_dir().join(format!("gigasite-sweep-bench-{}", std::process::id()));
    for jobs in [1, 2] {
        let _ = std::fs::remove_dir_all(&out);
        let opts = BatchOptions {
            out: out.clone(),
            jobs,
            resume: false,
            solve: SolveOptions {
                backend: Backend::Microlp,
                time_limit_s: None,
                mip_gap: 0.0,
            },
            mip_gap: None,
            format: gigasite::report::SitesFormat::GeoJson,
        };
        let cache = Cache::default();
        let t = Instant::now();
        let rows = run_batch_with(&tasks, &opts, &Quiet, &cache).unwrap();
        let secs = t.elapsed().as_secs_f64();
        let optimal = rows.iter().filter(|r| r.ok()).count();
        println!(
            "100-point sweep on datasets/europe, {jobs} job(s): {secs:.2} s ({optimal} optimal, {} other); layers read {} time(s), attributes derived {} time(s)",
            rows.len() - optimal,
            cache.layer_reads.load(Ordering::Relaxed),
            cache.derivations.load(Ordering::Relaxed)
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}
