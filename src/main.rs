//! The `gigasite` command: thin glue from flags to the library to an exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use gigasite::generate::{generate, GenerateOptions};
use gigasite::progress::{Progress, Silent, Stage};

mod cli;

use cli::{counts_text, errln, outln, print_table, Spinner};
use gigasite::report::{exit_code, write_error_summary, write_result_as, Written};
use gigasite::scenario::Scenario;
use gigasite::solve::SolveOptions;

/// Choose the k cheapest feasible sites for AI gigafactories, with a proof.
///
/// Exit codes: 0 optimal; 1 error; 2 infeasible; 3 stopped by the time limit with a
/// feasible answer (reported with its gap); 4 stopped by the time limit before any
/// feasible answer was found.
#[derive(Parser)]
#[command(
    name = "gigasite",
    version,
    about,
    long_about = None,
    after_help = "Exit codes of solve: 0 optimal; 1 error; 2 infeasible; 3 stopped by the time limit with a feasible answer (gap in summary.json); 4 stopped by the time limit with none.\nbatch and sweep: 0 when every scenario ended optimal, else 1. merge: 0 when every scenario is there and optimal, else 1."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Solve a scenario and write DIR/sites.geojson and DIR/summary.json.
    Solve(SolveArgs),
    /// Write an SVG map of the result in OUTDIR (re-runs its recorded scenario and checks
    /// it chooses the same sites); also the best plans and the regret chart when the
    /// summary records them.
    Map {
        /// A folder written by `gigasite solve`.
        outdir: PathBuf,
        /// Where to write the map (default OUTDIR/map.svg).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also draw the ineligible candidates (fainter).
        #[arg(long)]
        show_ineligible: bool,
        /// Where to write the small multiples of the best plans, when the summary
        /// records `alternatives` (default OUTDIR/alternatives.svg).
        #[arg(long, value_name = "FILE")]
        alternatives_out: Option<PathBuf>,
        /// Where to write the regret chart, when the summary records `regret`
        /// (default OUTDIR/regret.svg).
        #[arg(long, value_name = "FILE")]
        regret_out: Option<PathBuf>,
    },
    /// Read and validate a scenario and its layers; print what they hold.
    Check {
        /// The scenario TOML file.
        scenario: PathBuf,
        /// No progress display.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Write a seeded synthetic instance (all layers and scenario.toml) to OUTDIR.
    Generate {
        /// The folder to write the layers and scenario.toml in (created if missing).
        outdir: PathBuf,
        /// Seed of every random stream: the same options give the same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Land candidates (land.geojson).
        #[arg(long, default_value_t = 200)]
        parcels: usize,
        /// Substations (grid.geojson).
        #[arg(long, default_value_t = 150)]
        substations: usize,
        /// Demand points (demand.geojson); 0: no demand layer and no demand keys.
        #[arg(long, default_value_t = 10)]
        demand: usize,
        /// Fibre routes (fibre.geojson); the IXP hub count is max(8, routes / 6).
        #[arg(long, default_value_t = 40)]
        routes: usize,
        /// Exclusion polygons (exclusions.geojson); 0: no exclusions layer.
        #[arg(long, default_value_t = 3)]
        exclusions: usize,
        /// Synthetic countries the parcels are spread over (1 to 40).
        #[arg(long, default_value_t = 12)]
        countries: usize,
        /// sites.count: number of sites in the scenario.
        #[arg(long, default_value_t = 4)]
        count: u32,
        /// sites.min_separation_km (negative: unset).
        #[arg(long, default_value_t = 500.0, allow_negative_numbers = true)]
        separation_km: f64,
        /// sites.max_per_country (0: unset).
        #[arg(long, default_value_t = 1)]
        max_per_country: u32,
        /// latency.max_rtt_ms_to_ixp (negative: unset).
        #[arg(long, default_value_t = 10.0, allow_negative_numbers = true)]
        ixp_rtt_ms: f64,
        /// latency.max_rtt_ms_to_demand (negative, or --demand 0: unset).
        #[arg(long, default_value_t = 15.0, allow_negative_numbers = true)]
        demand_rtt_ms: f64,
        /// latency.eur_per_ms: cost of a millisecond of demand-weighted RTT (written
        /// only when > 0 and --demand > 0).
        #[arg(long, default_value_t = 0.0)]
        eur_per_ms: f64,
    },
    /// Solve an OR-Library p-median file (pmed format) on the engine: optimum, bound, nodes.
    Pmedian {
        /// The pmed file (`n edges p`, then `i j cost` lines).
        file: PathBuf,
        /// Print a JSON object (objective, best_bound, gap, status, nodes, seconds).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        run: cli::flags::SolverFlags,
        /// No progress display.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Convert open data (ENTSO-E grid, Topology Zoo, GeoNames, zones + prices, CSV points) to layers.
    Import(cli::import::ImportArgs),
    /// Solve many scenarios (in parallel), each into OUT/<name>/, with OUT/summary.csv.
    Batch {
        /// Scenario TOML files.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        #[command(flatten)]
        flags: cli::batch::RunFlags,
    },
    /// Solve a scenario for every combination of swept values; writes OUT/pareto.csv.
    Sweep {
        /// The base scenario TOML file.
        scenario: PathBuf,
        /// KEY=V1,V2,... or KEY=START:STOP:STEP, e.g. latency.max_rtt_ms_to_demand=10:40:5.
        #[arg(long = "set", required = true)]
        sets: Vec<String>,
        #[command(flatten)]
        flags: cli::batch::RunFlags,
    },
    /// Combine the folders of `batch`/`sweep --shard I/N` into one, as one machine
    /// would have written it; reports missing shards and scenarios.
    Merge {
        /// Shard folders (e.g. OUT/shard-*).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// The merged folder.
        #[arg(long)]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    // clap exits 2 on usage errors, which here means "infeasible": map them to 1.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = dispatch(cli);
    // A closed stdout (broken pipe) is not an error: the output was not wanted. Any
    // other failure to write it is.
    let printed = cli::finish_stdout();
    match (result, printed) {
        (Ok(code), Ok(())) => ExitCode::from(code as u8),
        (Ok(_), Err(e)) => {
            errln!("error: writing to stdout: {e}");
            ExitCode::from(1)
        }
        (Err(e), _) => {
            errln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// The flags of `gigasite solve`.
#[derive(clap::Args)]
struct SolveArgs {
    /// The scenario TOML file.
    scenario: PathBuf,
    /// Output folder (created if missing; files in it are replaced atomically).
    #[arg(long)]
    out: PathBuf,
    /// Print the summary JSON instead of the table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    run: cli::flags::SolverFlags,
    /// Relative optimality gap; overrides the scenario's sites.mip_gap.
    #[arg(long)]
    mip_gap: Option<f64>,
    /// No progress display.
    #[arg(long, short)]
    quiet: bool,
    /// Also write an SVG map of the result to FILE, after the other outputs.
    #[arg(long, value_name = "FILE")]
    map: Option<PathBuf>,
    #[command(flatten)]
    sites: cli::flags::SiteFlags,
    #[command(flatten)]
    decisions: cli::flags::DecisionFlags,
    /// Sites output: geojson (DIR/sites.geojson), or gpkg (also DIR/sites.gpkg, a
    /// GeoPackage with tables `sites` and `lines`).
    #[arg(long, default_value = "geojson", value_name = "FORMAT")]
    format: gigasite::report::SitesFormat,
}

/// `gigasite solve`: the output folder is checked before any work; a run that fails
/// after that records the failure in OUT/summary.json (status `error`).
fn solve_command(a: SolveArgs) -> anyhow::Result<i32> {
    if let Some(g) = a.mip_gap {
        anyhow::ensure!(
            (0.0..1.0).contains(&g),
            "--mip-gap must be in [0, 1), found {g}"
        );
    }
    gigasite::report::prepare_output_dir(&a.out)?;
    if let Some(path) = &a.map {
        gigasite::report::prepare_output_file(path)?;
    }
    let (result, sites) = match solve_and_write(&a) {
        Ok(done) => done,
        Err(e) => {
            // The time limit passing before any plan is the documented exit 4
            // (no_solution), not an error.
            let timed_out = matches!(
                e.downcast_ref::<gigasite::Error>(),
                Some(gigasite::Error::TimeLimit { .. })
            );
            let message = format!("{e:#}");
            if let Err(w) = write_error_summary(&a.out, &a.scenario, &message, timed_out) {
                errln!("warning: could not record the failure in the output folder: {w}");
            }
            if timed_out {
                errln!("stopped: {message}");
                return Ok(exit_code(gigasite::solve::Status::NoSolution));
            }
            return Err(e);
        }
    };
    // The result is written and stands; a map that cannot be written fails the
    // command (exit 1) but does not undo it.
    if let Some(path) = &a.map {
        cli::map::write_map(path, &result, false)?;
    }
    for w in result
        .layers
        .warnings
        .iter()
        .chain(&result.candidates.warnings)
    {
        errln!("warning: {w}");
    }
    let o = &result.outcome;
    if a.json {
        outln!("{}", serde_json::to_string_pretty(&sites.summary)?);
    } else {
        print_table(&result, &sites.sites);
        cli::print_decisions(&result);
    }
    if !o.infeasibility.is_empty() || o.plan.is_none() {
        errln!("{}", counts_text(&result));
        for r in &o.infeasibility {
            errln!("infeasible: {r}");
        }
    }
    let code = exit_code(o.status);
    // The process ends next: freeing a continental instance's layers and indexes
    // piece by piece takes a noticeable part of a second, which a time limit counts.
    std::mem::forget(result);
    Ok(code)
}

/// Loads, solves and writes the outputs of `gigasite solve`.
fn solve_and_write(a: &SolveArgs) -> anyhow::Result<(gigasite::RunResult, Written)> {
    let mut scenario = Scenario::load(&a.scenario)?;
    let sites = a.sites.apply(&mut scenario);
    if a.decisions.apply(&mut scenario) || sites {
        scenario.validate()?;
    }
    let opts = SolveOptions {
        backend: a.run.solver,
        time_limit_s: a.run.limit_s(),
        mip_gap: a.mip_gap.unwrap_or(scenario.sites.mip_gap),
    };
    if !(0.0..1.0).contains(&opts.mip_gap) {
        anyhow::bail!("--mip-gap must be in [0, 1), found {}", opts.mip_gap);
    }
    let spinner = Spinner::new(a.quiet);
    let progress: &dyn Progress = if a.quiet { &Silent } else { &spinner };
    let result = gigasite::run(&scenario, &opts, progress)?;
    progress.start(Stage::Report);
    let written = write_result_as(&a.out, &result, a.format)
        .with_context(|| format!("writing results to {}", a.out.display()))?;
    progress.finish(Stage::Report, 0.0);
    Ok((result, written))
}

/// `gigasite pmedian`: the classic p-median, proven by the same engine.
fn pmedian_command(
    file: &std::path::Path,
    json: bool,
    run: &cli::flags::SolverFlags,
    quiet: bool,
) -> anyhow::Result<i32> {
    let started = std::time::Instant::now();
    let deadline = gigasite::deadline::Deadline::from_limit(run.limit_s());
    let pm = gigasite::pmedian::read(file)?;
    let problem = pm.problem();
    let opts = SolveOptions {
        backend: run.solver,
        time_limit_s: None,
        mip_gap: 0.0,
    };
    let spinner = Spinner::new(quiet);
    let progress: &dyn Progress = if quiet { &Silent } else { &spinner };
    progress.start(Stage::Solve);
    let o = gigasite::solve::solve_until(&problem, &opts, deadline, progress)?;
    progress.finish(Stage::Solve, started.elapsed().as_secs_f64());
    let mut nodes: Vec<usize> = o
        .plan
        .iter()
        .flat_map(|p| p.open.iter().map(|s| s.site + 1))
        .collect();
    nodes.sort_unstable();
    let seconds = started.elapsed().as_secs_f64();
    if json {
        let v = serde_json::json!({
            "file": file.display().to_string(),
            "nodes_in_graph": pm.nodes,
            "p": pm.p,
            "status": o.status.as_str(),
            "objective": o.objective_eur,
            "best_bound": o.best_bound_eur,
            "gap": o.gap,
            "nodes": nodes,
            "seconds": seconds,
            "program": o.milp,
            "reductions": o.reductions,
        });
        outln!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        outln!("status {}", o.status.as_str());
        if let Some(obj) = o.objective_eur {
            outln!("objective {obj}");
        }
        if let Some(b) = o.best_bound_eur {
            outln!("best_bound {b}");
        }
        if let Some(g) = o.gap {
            outln!("gap {g:e}");
        }
        let list: Vec<String> = nodes.iter().map(|n| n.to_string()).collect();
        outln!("nodes {}", list.join(" "));
        outln!("seconds {seconds:.3}");
    }
    Ok(exit_code(o.status))
}

fn dispatch(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Import(args) => cli::import::run(args),
        Command::Pmedian {
            file,
            json,
            run,
            quiet,
        } => pmedian_command(&file, json, &run, quiet),
        Command::Batch { scenarios, flags } => cli::batch::batch(scenarios, flags),
        Command::Sweep {
            scenario,
            sets,
            flags,
        } => cli::batch::sweep(scenario, sets, flags),
        Command::Merge { dirs, out } => cli::batch::merge(dirs, out),
        Command::Solve(args) => solve_command(args),
        Command::Check { scenario, quiet } => {
            let scenario = Scenario::load(&scenario)?;
            let spinner = Spinner::new(quiet);
            let progress: &dyn Progress = if quiet { &Silent } else { &spinner };
            progress.start(Stage::ReadLayers);
            let t = std::time::Instant::now();
            let layers = gigasite::layers::Layers::read(&scenario.layers, progress)?;
            progress.finish(Stage::ReadLayers, t.elapsed().as_secs_f64());
            for (name, info) in &layers.info {
                outln!(
                    "{name:<10} {:>10} features {:>14} bytes  {}  {}",
                    info.features,
                    info.bytes,
                    info.hash,
                    info.path.display()
                );
            }
            outln!("parsed data: about {} bytes", layers.heap_bytes());
            if let Some(peak) = cli::peak_rss_bytes() {
                outln!("peak memory (VmHWM): {peak} bytes");
            }
            outln!("read in {:.2} s", t.elapsed().as_secs_f64());
            Ok(0)
        }
        Command::Map {
            outdir,
            out,
            show_ineligible,
            alternatives_out,
            regret_out,
        } => {
            let spinner = Spinner::new(false);
            let paths = cli::map::MapPaths {
                map: out,
                alternatives: alternatives_out,
                regret: regret_out,
            };
            for path in cli::map::map_command(&outdir, &paths, show_ineligible, &spinner)? {
                outln!("{}", path.display());
            }
            Ok(0)
        }
        Command::Generate {
            outdir,
            seed,
            parcels,
            substations,
            demand,
            routes,
            exclusions,
            countries,
            count,
            separation_km,
            max_per_country,
            ixp_rtt_ms,
            demand_rtt_ms,
            eur_per_ms,
        } => {
            let set = |v: f64| (v >= 0.0).then_some(v);
            let opts = GenerateOptions {
                seed,
                parcels,
                substations,
                routes,
                demand,
                exclusions,
                countries,
                count,
                min_separation_km: set(separation_km),
                max_per_country: (max_per_country > 0).then_some(max_per_country),
                max_rtt_ms_to_ixp: set(ixp_rtt_ms),
                max_rtt_ms_to_demand: set(demand_rtt_ms),
                eur_per_ms,
                ..GenerateOptions::default()
            };
            let summary = generate(&outdir, &opts)
                .with_context(|| format!("generating into {}", outdir.display()))?;
            for f in summary.files {
                outln!("{}", f.display());
            }
            Ok(0)
        }
    }
}
