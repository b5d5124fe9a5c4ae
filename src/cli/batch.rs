//! `gigasite batch` and `gigasite sweep`: progress bars and the closing report.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use gigasite::batch::{
    run_batch, status_counts, tasks_from_files, BatchOptions, BatchProgress, Quiet, Row, Task,
};
use gigasite::progress::Stage;
use gigasite::report::write_atomic;
use gigasite::solve::{Backend, SolveOptions};
use gigasite::sweep::{pareto_csv, parse_set, sweep_tasks, Axis};

/// Flags shared by batch and sweep.
#[derive(clap::Args)]
pub struct RunFlags {
    /// Output folder: one sub-folder per scenario, plus summary.csv.
    #[arg(long)]
    pub out: PathBuf,
    /// Scenarios solved at once (default: the number of cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Skip scenarios whose inputs match a finished result in the output folder.
    #[arg(long)]
    pub resume: bool,
    #[arg(long, default_value = "microlp")]
    pub solver: Backend,
    /// Per-scenario time limit, seconds (>= 0; `inf` for no limit).
    #[arg(
        long,
        value_name = "SECONDS",
        value_parser = crate::cli::parse_time_limit,
        allow_hyphen_values = true
    )]
    pub time_limit: Option<f64>,
    /// Overrides every scenario's sites.mip_gap.
    #[arg(long)]
    pub mip_gap: Option<f64>,
    #[arg(long, short)]
    pub quiet: bool,
}

/// An overall bar and a line per running scenario, on stderr.
struct Bars {
    multi: MultiProgress,
    overall: ProgressBar,
    lines: Mutex<HashMap<String, ProgressBar>>,
}

impl Bars {
    fn new(total: usize) -> Bars {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let overall = multi.add(ProgressBar::new(total as u64));
        overall.set_style(
            ProgressStyle::with_template(
                "[{bar:30}] {pos}/{len} scenarios, {elapsed} elapsed, eta {eta} {msg}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        Bars {
            multi,
            overall,
            lines: Mutex::new(HashMap::new()),
        }
    }
}

impl BatchProgress for Bars {
    fn started(&self, name: &str) {
        let line = self.multi.add(ProgressBar::new_spinner());
        line.set_style(
            ProgressStyle::with_template("  {spinner} {prefix}: {msg}").expect("valid template"),
        );
        line.set_prefix(name.to_string());
        line.set_message("starting");
        line.enable_steady_tick(Duration::from_millis(120));
        self.lines
            .lock()
            .expect("not poisoned")
            .insert(name.to_string(), line);
    }
    fn stage(&self, name: &str, stage: Stage) {
        if let Some(line) = self.lines.lock().expect("not poisoned").get(name) {
            line.set_message(stage.name());
        }
    }
    fn finished(&self, row: &Row) {
        if let Some(line) = self.lines.lock().expect("not poisoned").remove(&row.name) {
            line.finish_and_clear();
            self.multi.remove(&line);
        }
        self.overall.inc(1);
        if !row.ok() {
            self.overall
                .set_message(format!("(last failure: {} {})", row.name, row.status));
        }
    }
}

fn options(flags: &RunFlags) -> anyhow::Result<BatchOptions> {
    if let Some(g) = flags.mip_gap {
        anyhow::ensure!(
            (0.0..1.0).contains(&g),
            "--mip-gap must be in [0, 1), found {g}"
        );
    }
    Ok(BatchOptions {
        out: flags.out.clone(),
        jobs: flags
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        resume: flags.resume,
        solve: SolveOptions {
            backend: flags.solver,
            time_limit_s: crate::cli::effective_time_limit(flags.time_limit),
            mip_gap: 0.0,
        },
        mip_gap: flags.mip_gap,
    })
}

fn execute(tasks: &[Task], flags: &RunFlags) -> anyhow::Result<Vec<Row>> {
    let opts = options(flags)?;
    gigasite::report::prepare_output_dir(&flags.out)?;
    let visible = !flags.quiet && std::io::stderr().is_terminal();
    let rows = if visible {
        let bars = Bars::new(tasks.len());
        let rows = run_batch(tasks, &opts, &bars)?;
        bars.overall.finish_and_clear();
        rows
    } else {
        run_batch(tasks, &opts, &Quiet)?
    };
    Ok(rows)
}

/// Prints the closing lines; the exit code is 1 when any scenario did not end optimal.
fn close(rows: &[Row], out: &std::path::Path) -> i32 {
    let failed: Vec<&Row> = rows.iter().filter(|r| !r.ok()).collect();
    let resumed = rows.iter().filter(|r| r.resumed).count();
    let counts: Vec<String> = status_counts(rows)
        .into_iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    crate::cli::outln!(
        "{} scenarios: {}{}; results in {}",
        rows.len(),
        counts.join(", "),
        if resumed > 0 {
            format!(" ({resumed} resumed)")
        } else {
            String::new()
        },
        out.display()
    );
    if failed.is_empty() {
        return 0;
    }
    crate::cli::errln!(
        "{} of {} scenarios did not end optimal:",
        failed.len(),
        rows.len()
    );
    for r in failed {
        let why = if r.error.is_empty() {
            String::new()
        } else {
            format!(": {}", r.error)
        };
        crate::cli::errln!("  {} {}{why}", r.name, r.status);
    }
    1
}

pub fn batch(scenarios: Vec<PathBuf>, flags: RunFlags) -> anyhow::Result<i32> {
    anyhow::ensure!(!scenarios.is_empty(), "give at least one scenario file");
    let tasks = tasks_from_files(&scenarios);
    let rows = execute(&tasks, &flags)?;
    Ok(close(&rows, &flags.out))
}

pub fn sweep(scenario: PathBuf, sets: Vec<String>, flags: RunFlags) -> anyhow::Result<i32> {
    anyhow::ensure!(!sets.is_empty(), "give at least one --set KEY=VALUES");
    let axes: Vec<Axis> = sets
        .iter()
        .map(|s| parse_set(s))
        .collect::<Result<_, _>>()
        .map_err(anyhow::Error::msg)?;
    let tasks = sweep_tasks(&scenario, &axes)?;
    let rows = execute(&tasks, &flags)?;
    let keys: Vec<String> = axes.iter().map(|a| a.key.clone()).collect();
    write_atomic(&flags.out.join("pareto.csv"), &pareto_csv(&rows, &keys))?;
    if let [axis] = &axes[..] {
        let dominated = gigasite::sweep::dominated(&rows, &keys);
        let points: Vec<gigasite::plot::ParetoPoint> = rows
            .iter()
            .zip(dominated)
            .map(|(r, d)| gigasite::plot::ParetoPoint {
                x: r.params[0].1.parse().unwrap_or(f64::NAN),
                objective_eur: r.objective_eur.filter(|_| r.ok()),
                dominated: d,
                label: r.name.clone(),
            })
            .collect();
        let svg =
            gigasite::plot::pareto_svg(&points, &axis.key, &format!("Cost against {}", axis.key));
        write_atomic(&flags.out.join("pareto.svg"), svg.as_bytes())?;
    }
    Ok(close(&rows, &flags.out))
}
