//! Layer reading throughput (issue 9 item 8): MB/s of the land, grid and fibre layers
//! of a generated instance, best of several runs. No assertions: throughput depends on
//! the machine and its load. Target: land at 100 MB/s or more.
//!
//! Run: `cargo bench --bench read_speed` (generates 200,000 parcels in a temporary
//! folder), or `cargo bench --bench read_speed -- /tmp/g1m` to read an instance made
//! with `gigasite generate /tmp/g1m --seed 1 --parcels 1000000 --substations 800000
//! --routes 120000 --demand 25`; layer names after the folder (`-- /tmp/g1m land`) read
//! only those. `READ_SPEED_RUNS` sets the runs per layer (default 3).

use std::path::{Path, PathBuf};
use std::time::Instant;

use gigasite::generate::{generate, GenerateOptions};
use gigasite::layers::{read_fibre, read_grid, read_land};
use gigasite::progress::Silent;

/// Seconds this process (all threads) has run on a CPU, from /proc/self/stat (Linux;
/// clock ticks of 1/100 s), or None: on a loaded machine MB per CPU-second is steadier
/// than wall-clock MB/s.
fn cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses): utime is the 12th.
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Best MB/s (wall clock, and per CPU-second) of `runs` reads; what was read is
/// dropped outside the timing.
fn best_of(
    runs: usize,
    path: &Path,
    read: impl Fn(&Path) -> Box<dyn Read>,
) -> (f64, Option<f64>, usize) {
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) as f64;
    let mut best = f64::INFINITY;
    let mut best_cpu = f64::INFINITY;
    let mut features = 0;
    for _ in 0..runs {
        let c = cpu_seconds();
        let t = Instant::now();
        let layer = read(path);
        best = best.min(t.elapsed().as_secs_f64());
        if let (Some(c0), Some(c1)) = (c, cpu_seconds()) {
            best_cpu = best_cpu.min(c1 - c0);
        }
        features = layer.features();
    }
    let cpu = best_cpu.is_finite().then(|| bytes / 1e6 / best_cpu);
    (bytes / 1e6 / best, cpu, features)
}

/// A layer as read, kept until the timing stops.
trait Read {
    fn features(&self) -> usize;
}

impl<T> Read for Vec<T> {
    fn features(&self) -> usize {
        self.len()
    }
}

impl Read for gigasite::layers::FibreLayer {
    fn features(&self) -> usize {
        self.routes.len() + self.ixps.len()
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let given = args.first().map(PathBuf::from);
    // Layer names after the folder read only those layers (for profiling one).
    let only = args.get(1..).unwrap_or_default();
    let runs: usize = std::env::var("READ_SPEED_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let mut temp = None;
    let dir = match given {
        Some(d) => d,
        None => {
            let d =
                std::env::temp_dir().join(format!("gigasite-read-speed-{}", std::process::id()));
            let opts = GenerateOptions {
                parcels: 200_000,
                substations: 100_000,
                routes: 20_000,
                ..GenerateOptions::default()
            };
            generate(&d, &opts).expect("generate");
            temp = Some(d.clone());
            d
        }
    };
    type Reader = fn(&Path) -> Box<dyn Read>;
    let layers: [(&str, Reader); 3] = [
        ("land", |p| Box::new(read_land(p, &Silent).expect("land").0)),
        ("grid", |p| Box::new(read_grid(p, &Silent).expect("grid").0)),
        ("fibre", |p| {
            Box::new(read_fibre(p, &Silent).expect("fibre").0)
        }),
    ];
    for (name, read) in layers {
        if !only.is_empty() && !only.iter().any(|o| o == name) {
            continue;
        }
        let path = dir.join(format!("{name}.geojson"));
        let (mbs, cpu, n) = best_of(runs, &path, read);
        let cpu = cpu.map_or(String::new(), |c| format!(", {c:.1} MB per CPU-second"));
        println!(
            "{name:<6} {n:>9} features  {:>8.1} MB  {mbs:>7.1} MB/s{cpu} (best of {runs})",
            std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
        );
    }
    if let Some(d) = temp {
        let _ = std::fs::remove_dir_all(d);
    }
}
