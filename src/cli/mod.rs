//! The binary's pieces: progress display and text output. Only the binary prints.

pub mod batch;
pub mod import;
pub mod map;

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use gigasite::progress::{Progress, Stage};
use gigasite::report::SiteReport;

/// Shows each stage as a spinner on stderr; hidden when stderr is not a terminal.
pub struct Spinner {
    bar: Mutex<Option<ProgressBar>>,
    visible: bool,
}

impl Spinner {
    pub fn new(quiet: bool) -> Self {
        Spinner {
            bar: Mutex::new(None),
            visible: !quiet && std::io::stderr().is_terminal(),
        }
    }
}

impl Progress for Spinner {
    fn start(&self, stage: Stage) {
        if !self.visible {
            return;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("valid template"),
        );
        bar.set_message(stage.name());
        bar.enable_steady_tick(Duration::from_millis(100));
        *self.bar.lock().expect("not poisoned") = Some(bar);
    }

    fn finish(&self, stage: Stage, seconds: f64) {
        if let Some(bar) = self.bar.lock().expect("not poisoned").take() {
            bar.finish_and_clear();
            eprintln!("{} ({seconds:.2} s)", stage.name());
        }
    }

    /// Large files get a bar of bytes read instead of the spinner.
    fn read_bytes(&self, layer: &str, done: u64, total: u64) {
        const LARGE: u64 = 8 << 20;
        if !self.visible || total < LARGE {
            return;
        }
        let mut guard = self.bar.lock().expect("not poisoned");
        let bar = guard.get_or_insert_with(|| {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        });
        if bar.length() != Some(total) {
            bar.set_length(total);
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar.set_message(format!("reading {layer}"));
        }
        bar.set_position(done.min(total));
    }
}

pub fn counts_text(r: &gigasite::RunResult) -> String {
    let c = &r.candidates.counts;
    let mut s = format!(
        "{} candidates, {} eligible; removed by rule:",
        c.candidates, c.eligible
    );
    for (rule, n) in &c.removed_by_rule {
        s.push_str(&format!(" {rule} {n};"));
    }
    s
}

pub fn print_table(r: &gigasite::RunResult, sites: &[SiteReport]) {
    let o = &r.outcome;
    let meur = |v: f64| format!("{:.1}", v / 1e6);
    print!("status {}", o.status.as_str());
    if let Some(obj) = o.objective_eur {
        print!("  objective {} M EUR", meur(obj));
    }
    if let Some(g) = o.gap {
        print!("  gap {g:.2e}");
    }
    println!("  solver {}", o.solver);
    if sites.is_empty() {
        return;
    }
    println!(
        "{:>4}  {:<14} {:<7} {:<8} {:>10} {:>8} {:>9} {:>7} {:>7} {:>6} {:>8}",
        "rank",
        "id",
        "country",
        "zone",
        "total M€",
        "land",
        "energy",
        "fibre",
        "grid",
        "MW",
        "RTT ms"
    );
    for s in sites {
        println!(
            "{:>4}  {:<14} {:<7} {:<8} {:>10} {:>8} {:>9} {:>7} {:>7} {:>6.0} {:>8}",
            s.rank,
            s.id,
            s.country.as_deref().unwrap_or("-"),
            s.zone.as_deref().unwrap_or("-"),
            meur(s.cost_total_eur),
            meur(s.cost_land_eur),
            meur(s.cost_energy_eur),
            meur(s.cost_fibre_eur),
            meur(s.cost_grid_eur),
            s.power_mw,
            s.rtt_to_ixp_ms
                .map_or("-".to_string(), |r| format!("{r:.2}")),
        );
    }
}

/// The process's peak resident memory, from /proc (Linux only).
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
