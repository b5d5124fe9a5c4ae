//! The binary's pieces: progress display and text output. Only the binary prints.
//!
//! Everything printed goes through [`outln!`]/[`out!`] (stdout) and [`errln!`]
//! (stderr), never `println!`: a closed pipe (`gigasite check … | head -1`) must end
//! the printing quietly instead of panicking.

pub mod batch;
pub mod import;
pub mod map;

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use gigasite::deadline::Deadline;
use gigasite::progress::{Progress, Stage};
use gigasite::report::SiteReport;

/// Set once stdout is closed (broken pipe) or failed: later output is dropped.
static STDOUT_DONE: AtomicBool = AtomicBool::new(false);
/// The first stdout error other than a broken pipe, reported when the command ends.
static STDOUT_ERROR: Mutex<Option<std::io::Error>> = Mutex::new(None);

fn stdout_failed(e: std::io::Error) {
    STDOUT_DONE.store(true, Ordering::SeqCst);
    if e.kind() != std::io::ErrorKind::BrokenPipe {
        let mut slot = STDOUT_ERROR.lock().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert(e);
    }
}

/// Writes to stdout. A broken pipe (the reader went away) stops all later output
/// quietly; any other error is kept for [`finish_stdout`].
pub fn write_stdout(args: std::fmt::Arguments<'_>) {
    if STDOUT_DONE.load(Ordering::SeqCst) {
        return;
    }
    if let Err(e) = std::io::stdout().lock().write_fmt(args) {
        stdout_failed(e);
    }
}

/// Writes to stderr, ignoring failures: there is nowhere left to report them.
pub fn write_stderr(args: std::fmt::Arguments<'_>) {
    let _ = std::io::stderr().lock().write_fmt(args);
}

/// Flushes stdout at the end of a command. `Err` for a write error other than a
/// broken pipe (a full disk behind `> file`): the command then fails.
pub fn finish_stdout() -> std::io::Result<()> {
    if !STDOUT_DONE.load(Ordering::SeqCst) {
        if let Err(e) = std::io::stdout().lock().flush() {
            stdout_failed(e);
        }
    }
    match STDOUT_ERROR
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
    {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// `println!` that survives a closed stdout (see [`write_stdout`]).
macro_rules! outln {
    () => {
        $crate::cli::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` that survives a closed stdout.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!($($arg)*))
    };
}

/// `eprintln!` that never panics.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cli::write_stderr(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprint!` that never panics.
macro_rules! err {
    ($($arg:tt)*) => {
        $crate::cli::write_stderr(format_args!($($arg)*))
    };
}

pub(crate) use {err, errln, outln};

/// Limits of this many seconds or more (about 32 years) never fire: they mean no limit.
pub const NO_LIMIT_FROM_S: f64 = 1e9;

/// The clap value parser of `--time-limit` (solve, batch and sweep): a number of
/// seconds >= 0; `inf` (and any limit of [`NO_LIMIT_FROM_S`] or more) means no limit.
/// NaN, negative numbers and text are usage errors.
pub fn parse_time_limit(s: &str) -> Result<f64, String> {
    let bad = || format!("expected a number of seconds >= 0 (or inf for no limit), found {s:?}");
    let t: f64 = s.trim().parse().map_err(|_| bad())?;
    if t.is_nan() || t < 0.0 {
        return Err(bad());
    }
    Ok(t)
}

/// The limit handed to the library: `None` (no limit) for `inf` and for limits too
/// large to ever fire, which the library cannot turn into a deadline.
pub fn effective_time_limit(limit: Option<f64>) -> Option<f64> {
    limit.filter(|&t| t < NO_LIMIT_FROM_S && Deadline::after_secs(t) != Deadline::never())
}

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
            errln!("{} ({seconds:.2} s)", stage.name());
        }
    }

    /// The search's step, best plan, bound and gap on the spinner's line.
    fn search(&self, step: &str, incumbent: Option<f64>, bound: Option<f64>) {
        if !self.visible {
            return;
        }
        if let Some(bar) = self.bar.lock().expect("not poisoned").as_ref() {
            bar.set_message(search_line(step, incumbent, bound));
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

/// "solving: master, best 1234.5 M EUR, bound 1230.0 M EUR, gap 0.36 %".
pub fn search_line(step: &str, incumbent: Option<f64>, bound: Option<f64>) -> String {
    let mut s = format!("solving: {step}");
    if let Some(u) = incumbent {
        s.push_str(&format!(", best {:.1} M EUR", u / 1e6));
    }
    if let Some(b) = bound {
        s.push_str(&format!(", bound {:.1} M EUR", b / 1e6));
    }
    if let (Some(u), Some(b)) = (incumbent, bound) {
        if u.abs() > 0.0 {
            s.push_str(&format!(
                ", gap {:.3} %",
                ((u - b) / u.abs()).max(0.0) * 100.0
            ));
        }
    }
    s
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
    out!("status {}", o.status.as_str());
    if let Some(obj) = o.objective_eur {
        out!("  objective {} M EUR", meur(obj));
    }
    if let Some(g) = o.gap {
        out!("  gap {g:.2e}");
    }
    outln!("  solver {}", o.solver);
    if sites.is_empty() {
        return;
    }
    let carbon = sites.iter().any(|s| s.cost_carbon_eur > 0.0);
    let pue = sites.iter().any(|s| s.pue != r.scenario.facility.pue);
    let mut head = format!(
        "{:>4}  {:<14} {:<7} {:<8} {:>10} {:>8} {:>9}",
        "rank", "id", "country", "zone", "total M€", "land", "energy"
    );
    if carbon {
        head.push_str(&format!(" {:>8}", "carbon"));
    }
    head.push_str(&format!(" {:>7} {:>7} {:>6}", "fibre", "grid", "MW"));
    if pue {
        head.push_str(&format!(" {:>5}", "PUE"));
    }
    outln!("{head} {:>8}", "RTT ms");
    for s in sites {
        let mut row = format!(
            "{:>4}  {:<14} {:<7} {:<8} {:>10} {:>8} {:>9}",
            s.rank,
            s.id,
            s.country.as_deref().unwrap_or("-"),
            s.zone.as_deref().unwrap_or("-"),
            meur(s.cost_total_eur),
            meur(s.cost_land_eur),
            meur(s.cost_energy_eur),
        );
        if carbon {
            row.push_str(&format!(" {:>8}", meur(s.cost_carbon_eur)));
        }
        row.push_str(&format!(
            " {:>7} {:>7} {:>6.0}",
            meur(s.cost_fibre_eur),
            meur(s.cost_grid_eur),
            s.power_mw
        ));
        if pue {
            row.push_str(&format!(" {:>5.2}", s.pue));
        }
        let rtt = s
            .rtt_to_ixp_ms
            .map_or("-".to_string(), |r| format!("{r:.2}"));
        outln!("{row} {rtt:>8}");
    }
}

/// The process's peak resident memory, from /proc (Linux only).
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
