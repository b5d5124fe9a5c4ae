//! The `gigasite` command: thin glue from flags to the library to an exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use gigasite::generate::{generate, GenerateOptions};
use gigasite::progress::{Progress, Silent, Stage};

mod cli;

use cli::{counts_text, print_table, Spinner};
use gigasite::report::{exit_code, summary_json, write_outputs};
use gigasite::scenario::Scenario;
use gigasite::solve::{Backend, SolveOptions};

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
    Solve {
        /// The scenario TOML file.
        scenario: PathBuf,
        /// Output folder (created if missing; files in it are replaced atomically).
        #[arg(long)]
        out: PathBuf,
        /// Print the summary JSON instead of the table.
        #[arg(long)]
        json: bool,
        /// Solver backend: microlp (pure Rust) or highs (needs the `highs` feature).
        #[arg(long, default_value = "microlp")]
        solver: Backend,
        /// Stop after this many seconds with the best answer found (exit 3).
        #[arg(long)]
        time_limit: Option<f64>,
        /// Relative optimality gap; overrides the scenario's sites.mip_gap.
        #[arg(long)]
        mip_gap: Option<f64>,
        /// No progress display.
        #[arg(long, short)]
        quiet: bool,
        /// Also write an SVG map of the result to FILE, after the other outputs.
        #[arg(long, value_name = "FILE")]
        map: Option<PathBuf>,
    },
    /// Write an SVG map of the result in OUTDIR (re-runs its recorded scenario and checks
    /// it chooses the same sites).
    Map {
        /// A folder written by `gigasite solve`.
        outdir: PathBuf,
        /// Where to write the map (default OUTDIR/map.svg).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also draw the ineligible candidates (fainter).
        #[arg(long)]
        show_ineligible: bool,
    },
    /// Read and validate a scenario and its layers; print what they hold.
    Check {
        /// The scenario TOML file.
        scenario: PathBuf,
        #[arg(long, short)]
        quiet: bool,
    },
    /// Write a seeded synthetic instance (all layers and scenario.toml) to OUTDIR.
    Generate {
        outdir: PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 200)]
        parcels: usize,
        #[arg(long, default_value_t = 150)]
        substations: usize,
        #[arg(long, default_value_t = 10)]
        demand: usize,
        #[arg(long, default_value_t = 40)]
        routes: usize,
        #[arg(long, default_value_t = 3)]
        exclusions: usize,
        #[arg(long, default_value_t = 12)]
        countries: usize,
        /// Number of sites in the scenario.
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
        /// latency.max_rtt_ms_to_demand (negative: unset).
        #[arg(long, default_value_t = 15.0, allow_negative_numbers = true)]
        demand_rtt_ms: f64,
        /// latency.eur_per_ms.
        #[arg(long, default_value_t = 0.0)]
        eur_per_ms: f64,
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
    match dispatch(cli) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Import(args) => cli::import::run(args),
        Command::Batch { scenarios, flags } => cli::batch::batch(scenarios, flags),
        Command::Sweep {
            scenario,
            sets,
            flags,
        } => cli::batch::sweep(scenario, sets, flags),
        Command::Merge { dirs, out } => cli::batch::merge(dirs, out),
        Command::Solve {
            scenario,
            out,
            json,
            solver,
            time_limit,
            mip_gap,
            quiet,
            map,
        } => {
            let scenario = Scenario::load(&scenario)?;
            let opts = SolveOptions {
                backend: solver,
                time_limit_s: time_limit,
                mip_gap: mip_gap.unwrap_or(scenario.sites.mip_gap),
            };
            if !(0.0..1.0).contains(&opts.mip_gap) {
                anyhow::bail!("--mip-gap must be in [0, 1), found {}", opts.mip_gap);
            }
            let spinner = Spinner::new(quiet);
            let progress: &dyn Progress = if quiet { &Silent } else { &spinner };
            let result = gigasite::run(&scenario, &opts, progress)?;
            progress.start(Stage::Report);
            let sites = write_outputs(&out, &result)
                .with_context(|| format!("writing results to {}", out.display()))?;
            progress.finish(Stage::Report, 0.0);
            if let Some(path) = &map {
                cli::map::write_map(path, &result, false)?;
            }
            for w in &result.candidates.warnings {
                eprintln!("warning: {w}");
            }
            let o = &result.outcome;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&summary_json(&result, &sites))?
                );
            } else {
                print_table(&result, &sites);
            }
            if !o.infeasibility.is_empty() || o.plan.is_none() {
                eprintln!("{}", counts_text(&result));
                for r in &o.infeasibility {
                    eprintln!("infeasible: {r}");
                }
            }
            Ok(exit_code(o.status))
        }
        Command::Check { scenario, quiet } => {
            let scenario = Scenario::load(&scenario)?;
            let spinner = Spinner::new(quiet);
            let progress: &dyn Progress = if quiet { &Silent } else { &spinner };
            progress.start(Stage::ReadLayers);
            let t = std::time::Instant::now();
            let layers = gigasite::layers::Layers::read(&scenario.layers, progress)?;
            progress.finish(Stage::ReadLayers, t.elapsed().as_secs_f64());
            for (name, info) in &layers.info {
                println!(
                    "{name:<10} {:>10} features {:>14} bytes  {}  {}",
                    info.features,
                    info.bytes,
                    info.hash,
                    info.path.display()
                );
            }
            println!("parsed data: about {} bytes", layers.heap_bytes());
            if let Some(peak) = cli::peak_rss_bytes() {
                println!("peak memory (VmHWM): {peak} bytes");
            }
            println!("read in {:.2} s", t.elapsed().as_secs_f64());
            Ok(0)
        }
        Command::Map {
            outdir,
            out,
            show_ineligible,
        } => {
            let spinner = Spinner::new(false);
            let path = cli::map::map_command(&outdir, out, show_ineligible, &spinner)?;
            println!("{}", path.display());
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
                println!("{}", f.display());
            }
            Ok(0)
        }
    }
}
