//! `gigasite batch`, `gigasite sweep` and `gigasite merge`: shards, progress bars and
//! the closing report.

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
use gigasite::shard::{plan_text, run_shard, Shard};
use gigasite::solve::SolveOptions;
use gigasite::sweep::{parse_sets, sweep_tasks, write_pareto};

/// Flags shared by batch and sweep.
#[derive(clap::Args)]
pub struct RunFlags {
    /// Output folder: one sub-folder per scenario, plus summary.csv and timings.csv.
    #[arg(long, required_unless_present = "plan")]
    pub out: Option<PathBuf>,
    /// Run only shard I of N (0-based: 0 to N-1, like SLURM_ARRAY_TASK_ID with
    /// --array=0-(N-1)); combine the shard folders with `gigasite merge`. Without it,
    /// SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT name the shard when set.
    #[arg(long, value_name = "I/N", value_parser = Shard::parse, conflicts_with = "shards")]
    pub shard: Option<Shard>,
    /// The number of shards, the index taken from SLURM_ARRAY_TASK_ID or Kubernetes'
    /// JOB_COMPLETION_INDEX.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=gigasite::shard::MAX_SHARDS as u64))]
    pub shards: Option<u64>,
    /// Print the scenario list (one line per scenario: name, then KEY=VALUE per swept
    /// parameter, tab-separated; only the shard's with --shard) and solve nothing.
    #[arg(long)]
    pub plan: bool,
    /// Scenarios solved at once (default: the number of cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Skip scenarios whose inputs match a finished result in the output folder.
    #[arg(long)]
    pub resume: bool,
    #[command(flatten)]
    pub run: crate::cli::flags::SolverFlags,
    /// Overrides every scenario's sites.mip_gap.
    #[arg(long)]
    pub mip_gap: Option<f64>,
    #[arg(long, short)]
    pub quiet: bool,
    /// Sites output of every scenario: geojson, or gpkg (also sites.gpkg).
    #[arg(long, default_value = "geojson", value_name = "FORMAT")]
    pub format: gigasite::report::SitesFormat,
    #[command(flatten)]
    pub sites: crate::cli::flags::SiteFlags,
}

/// Applies `--include`/`--exclude` to every task's scenario; a scenario they make
/// invalid fails alone, as a scenario file with an error would.
fn with_site_flags(mut tasks: Vec<Task>, flags: &RunFlags) -> Vec<Task> {
    for t in &mut tasks {
        if let Ok(s) = &mut t.scenario {
            if flags.sites.apply(s) {
                if let Err(e) = s.validate() {
                    t.scenario = Err(e.to_string());
                }
            }
        }
    }
    tasks
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

fn options(flags: &RunFlags, out: &std::path::Path) -> anyhow::Result<BatchOptions> {
    if let Some(g) = flags.mip_gap {
        anyhow::ensure!(
            (0.0..1.0).contains(&g),
            "--mip-gap must be in [0, 1), found {g}"
        );
    }
    Ok(BatchOptions {
        out: out.to_path_buf(),
        jobs: flags
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        resume: flags.resume,
        solve: SolveOptions {
            backend: flags.run.solver,
            time_limit_s: flags.run.limit_s(),
            mip_gap: 0.0,
        },
        mip_gap: flags.mip_gap,
        format: flags.format,
    })
}

/// The shard this run is: `--shard`, else the environment (see `Shard::from_env`).
fn shard(flags: &RunFlags) -> anyhow::Result<Option<(Shard, String)>> {
    if let Some(s) = flags.shard {
        return Ok(Some((s, "--shard".into())));
    }
    let shards = flags.shards.map(|n| n as usize);
    Shard::from_env(shards, |k| std::env::var(k).ok()).map_err(anyhow::Error::msg)
}

/// What a run did: every row it ran, and its shard.
struct Ran {
    rows: Vec<Row>,
    shard: Option<Shard>,
    out: PathBuf,
}

/// Runs the tasks (or prints the plan, returning None).
fn execute(command: &str, tasks: &[Task], flags: &RunFlags) -> anyhow::Result<Option<Ran>> {
    let shard = shard(flags)?;
    if flags.plan {
        crate::cli::write_stdout(format_args!(
            "{}",
            plan_text(tasks, shard.as_ref().map(|s| s.0))
        ));
        return Ok(None);
    }
    let out = flags
        .out
        .clone()
        .expect("clap requires --out without --plan");
    if shard.is_none() && out.join(gigasite::shard::SHARD_FILE).exists() {
        anyhow::bail!(
            "{} holds a shard ({}): run it again with its --shard I/N, or give another --out",
            out.display(),
            gigasite::shard::SHARD_FILE
        );
    }
    let opts = options(flags, &out)?;
    gigasite::report::prepare_output_dir(&out)?;
    let visible = !flags.quiet && std::io::stderr().is_terminal();
    if let Some((s, from)) = &shard {
        if !flags.quiet && from != "--shard" {
            crate::cli::errln!("shard {s} (from {from})");
        }
    }
    let run = |progress: &dyn BatchProgress| -> anyhow::Result<Vec<Row>> {
        Ok(match &shard {
            Some((s, _)) => run_shard(command, tasks, *s, &opts, progress)?.rows,
            None => run_batch(tasks, &opts, progress)?,
        })
    };
    let rows = if visible {
        let total = match &shard {
            Some((s, _)) => {
                let keys = gigasite::shard::keys(tasks);
                keys.iter().filter(|&&k| s.owns(k)).count()
            }
            None => tasks.len(),
        };
        let bars = Bars::new(total);
        let rows = run(&bars)?;
        bars.overall.finish_and_clear();
        rows
    } else {
        run(&Quiet)?
    };
    Ok(Some(Ran {
        rows,
        shard: shard.map(|s| s.0),
        out,
    }))
}

/// Prints the closing lines; the exit code is 1 when any scenario did not end optimal.
fn close(ran: &Ran, total: usize) -> i32 {
    let rows = &ran.rows;
    let failed: Vec<&Row> = rows.iter().filter(|r| !r.ok()).collect();
    let resumed = rows.iter().filter(|r| r.resumed).count();
    let counts: Vec<String> = status_counts(rows)
        .into_iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let what = match ran.shard {
        Some(s) => format!("shard {s}: {} of {total} scenarios", rows.len()),
        None => format!("{} scenarios", rows.len()),
    };
    crate::cli::outln!(
        "{what}: {}{}; results in {}",
        if counts.is_empty() {
            "none to run".to_string()
        } else {
            counts.join(", ")
        },
        if resumed > 0 {
            format!(" ({resumed} resumed)")
        } else {
            String::new()
        },
        ran.out.display()
    );
    if ran.shard.is_some() {
        crate::cli::outln!("combine the shard folders with: gigasite merge DIR... --out DIR");
    }
    report_failed(&failed, rows.len())
}

/// Lists the scenarios that did not end optimal on stderr; 1 when there are any.
fn report_failed(failed: &[&Row], of: usize) -> i32 {
    if failed.is_empty() {
        return 0;
    }
    crate::cli::errln!("{} of {of} scenarios did not end optimal:", failed.len());
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
    let tasks = with_site_flags(tasks_from_files(&scenarios), &flags);
    match execute("batch", &tasks, &flags)? {
        None => Ok(0),
        Some(ran) => Ok(close(&ran, tasks.len())),
    }
}

pub fn sweep(scenario: PathBuf, sets: Vec<String>, flags: RunFlags) -> anyhow::Result<i32> {
    anyhow::ensure!(!sets.is_empty(), "give at least one --set KEY=VALUES");
    let axes = parse_sets(&sets).map_err(anyhow::Error::msg)?;
    let tasks = with_site_flags(sweep_tasks(&scenario, &axes)?, &flags);
    let Some(ran) = execute("sweep", &tasks, &flags)? else {
        return Ok(0);
    };
    if ran.shard.is_none() {
        let keys: Vec<String> = axes.iter().map(|a| a.key.clone()).collect();
        write_pareto(&ran.out, &ran.rows, &keys)?;
    }
    Ok(close(&ran, tasks.len()))
}

/// `gigasite merge`: exit 0 when every scenario is there and optimal, else 1.
pub fn merge(dirs: Vec<PathBuf>, out: PathBuf) -> anyhow::Result<i32> {
    let r = gigasite::merge::merge(&dirs, &out)?;
    let counts: Vec<String> = status_counts(&r.rows)
        .into_iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    crate::cli::outln!(
        "merged {} of {} shards: {} of {} scenarios{}{}; results in {}",
        r.shards - r.missing_shards.len(),
        r.shards,
        r.rows.len(),
        r.total,
        if counts.is_empty() {
            String::new()
        } else {
            format!(" ({})", counts.join(", "))
        },
        if r.pareto {
            ", with the Pareto front"
        } else {
            ""
        },
        out.display()
    );
    let mut code = 0;
    for (i, dir) in &r.unfinished_shards {
        crate::cli::errln!(
            "shard {i}/{} did not finish ({}); re-run it with --shard {i}/{} --resume",
            r.shards,
            dir.display(),
            r.shards
        );
    }
    if !r.missing_shards.is_empty() {
        let list: Vec<String> = r.missing_shards.iter().map(|i| i.to_string()).collect();
        crate::cli::errln!(
            "missing shards (no folder given): {} of {}",
            list.join(", "),
            r.shards
        );
        code = 1;
    }
    if !r.missing.is_empty() {
        crate::cli::errln!(
            "{} of {} scenarios are missing{}:",
            r.missing.len(),
            r.total,
            if r.command == "sweep" {
                "; no pareto.csv written"
            } else {
                ""
            }
        );
        const SHOWN: usize = 50;
        for (name, shard) in r.missing.iter().take(SHOWN) {
            crate::cli::errln!("  {name} (shard {shard})");
        }
        if r.missing.len() > SHOWN {
            crate::cli::errln!("  ... and {} more", r.missing.len() - SHOWN);
        }
        code = 1;
    }
    let failed: Vec<&Row> = r.rows.iter().filter(|r| !r.ok()).collect();
    code = code.max(report_failed(&failed, r.rows.len()));
    Ok(code)
}
