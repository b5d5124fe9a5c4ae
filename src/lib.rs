//! # gigasite
//!
//! Chooses where to build AI gigafactories: reads GeoJSON layers (land parcels,
//! substations, price zones, fibre routes, and optionally demand points and
//! exclusion zones), derives every candidate's costs and limits, and picks the k
//! sites of least total cost with a mixed-integer program, proven optimal.
//!
//! The model is the contract in `MODEL.md` (version 1); data flows one way:
//! [`scenario`] → [`layers`] → [`index`] → [`fibre`] → [`candidates`] → [`model`] →
//! [`solve`] → [`report`].
//!
//! ```no_run
//! use gigasite::{run, scenario::Scenario, solve::{Backend, SolveOptions}, progress::Silent};
//! let scenario = Scenario::load("datasets/tiny/scenario.toml".as_ref()).unwrap();
//! let opts = SolveOptions { backend: Backend::Microlp, time_limit_s: None, mip_gap: scenario.sites.mip_gap };
//! let result = run(&scenario, &opts, &Silent).unwrap();
//! println!("{:?} {:?}", result.outcome.status, result.outcome.objective_eur);
//! ```
#![forbid(unsafe_code)]

pub mod candidates;
pub mod error;
pub mod fibre;
pub mod generate;
pub mod geodesy;
pub mod import;
pub mod index;
pub mod layers;
pub mod map;
pub mod model;
pub mod plot;
pub mod progress;
pub mod report;
pub mod scenario;
pub mod solve;

use std::collections::BTreeMap;
use std::time::Instant;

pub use error::{Error, Result};

use candidates::Candidates;
use layers::Layers;
use model::Problem;
use progress::{Progress, Stage};
use scenario::Scenario;
use solve::{Outcome, SolveOptions};

/// Everything one run produced, for the report.
pub struct RunResult {
    pub scenario: Scenario,
    pub layers: Layers,
    pub candidates: Candidates,
    pub problem: Problem,
    pub outcome: Outcome,
    /// Seconds per stage.
    pub seconds: BTreeMap<&'static str, f64>,
}

fn timed<T>(
    progress: &dyn Progress,
    seconds: &mut BTreeMap<&'static str, f64>,
    stage: Stage,
    key: &'static str,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    progress.start(stage);
    let t = Instant::now();
    let out = f();
    let s = t.elapsed().as_secs_f64();
    seconds.insert(key, s);
    progress.finish(stage, s);
    out
}

/// Runs a scenario end to end: layers, candidates, program, solve.
pub fn run(scenario: &Scenario, opts: &SolveOptions, progress: &dyn Progress) -> Result<RunResult> {
    let mut seconds = BTreeMap::new();
    let started = Instant::now();
    let layers = timed(
        progress,
        &mut seconds,
        Stage::ReadLayers,
        "read_layers",
        || Layers::read(&scenario.layers, progress),
    )?;
    let candidates = timed(
        progress,
        &mut seconds,
        Stage::Candidates,
        "candidates",
        || candidates::derive(scenario, &layers),
    )?;
    let problem = timed(progress, &mut seconds, Stage::Model, "problem", || {
        Problem::new(
            scenario,
            &candidates,
            layers.grid.iter().map(|s| s.headroom_mw).collect(),
        )
    })?;
    let outcome = timed(progress, &mut seconds, Stage::Solve, "solve", || {
        solve::solve(&problem, opts)
    })?;
    seconds.insert("total", started.elapsed().as_secs_f64());
    Ok(RunResult {
        scenario: scenario.clone(),
        layers,
        candidates,
        problem,
        outcome,
        seconds,
    })
}
