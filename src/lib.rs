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

pub mod batch;
pub mod candidates;
pub mod deadline;
pub mod engine;
pub mod error;
pub mod fibre;
#[doc(hidden)]
pub mod fuzzing;
pub mod generate;
pub mod geodesy;
pub mod gpkg;
pub mod import;
pub mod index;
pub mod layers;
pub mod map;
pub mod merge;
pub mod model;
pub mod plot;
pub mod pmedian;
pub mod progress;
pub mod report;
pub mod scenario;
pub mod shard;
pub mod solve;
pub mod sweep;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

pub use error::{Error, Result};

use candidates::Candidates;
use deadline::Deadline;
use layers::Layers;
use model::Problem;
use progress::{Progress, Stage};
use scenario::Scenario;
use solve::{Outcome, SolveOptions};

/// Everything one run produced, for the report. Layers and candidate attributes are
/// shared (`Arc`) so that batches can reuse them across scenarios.
pub struct RunResult {
    pub scenario: Scenario,
    pub layers: Arc<Layers>,
    pub candidates: Arc<Candidates>,
    pub problem: Problem,
    pub outcome: Outcome,
    /// The best plans and regrets, when the scenario asks for them.
    pub decided: engine::ranking::Decided,
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
    let deadline = Deadline::from_limit(opts.time_limit_s);
    let mut seconds = BTreeMap::new();
    let layers = timed(
        progress,
        &mut seconds,
        Stage::ReadLayers,
        "read_layers",
        || Layers::read_until(&scenario.layers, progress, &deadline),
    )?;
    let candidates = timed(
        progress,
        &mut seconds,
        Stage::Candidates,
        "candidates",
        || candidates::derive_until(scenario, &layers, deadline),
    )?;
    let mut r = run_with_until(
        scenario,
        Arc::new(layers),
        Arc::new(candidates),
        opts,
        deadline,
        progress,
    )?;
    for (k, v) in seconds {
        r.seconds.insert(k, v);
    }
    let total = r
        .seconds
        .iter()
        .filter(|(k, _)| **k != "total")
        .map(|(_, v)| v)
        .sum();
    r.seconds.insert("total", total);
    Ok(r)
}

/// Runs the model and solve stages on layers and candidate attributes already at hand.
pub fn run_with(
    scenario: &Scenario,
    layers: Arc<Layers>,
    candidates: Arc<Candidates>,
    opts: &SolveOptions,
    progress: &dyn Progress,
) -> Result<RunResult> {
    let deadline = Deadline::from_limit(opts.time_limit_s);
    run_with_until(scenario, layers, candidates, opts, deadline, progress)
}

/// [`run_with`] under a deadline that may have started earlier (with reading).
pub fn run_with_until(
    scenario: &Scenario,
    layers: Arc<Layers>,
    candidates: Arc<Candidates>,
    opts: &SolveOptions,
    deadline: Deadline,
    progress: &dyn Progress,
) -> Result<RunResult> {
    let mut seconds = BTreeMap::new();
    let started = Instant::now();
    let problem = timed(progress, &mut seconds, Stage::Model, "problem", || {
        Problem::new(
            scenario,
            &candidates,
            layers.grid.iter().map(|s| s.headroom_mw).collect(),
        )
    })?;
    let decisions = scenario.sites.decisions();
    let (outcome, decided) = timed(progress, &mut seconds, Stage::Solve, "solve", || {
        if decisions.any() {
            solve::decide_until(&problem, opts, deadline, progress, &decisions)
        } else {
            solve::solve_until(&problem, opts, deadline, progress).map(|o| (o, Default::default()))
        }
    })?;
    let outcome = match &candidates.unmeasured {
        Some(u) => solve::with_unmeasured(outcome, u.plans_bound_eur, opts.mip_gap),
        None => outcome,
    };
    seconds.insert("total", started.elapsed().as_secs_f64());
    Ok(RunResult {
        scenario: scenario.clone(),
        layers,
        candidates,
        problem,
        outcome,
        decided,
        seconds,
    })
}

/// A fingerprint of a run's inputs: the scenario as read (defaults filled in, layer
/// paths resolved) and the hash of every layer file. Equal fingerprints, equal results.
pub fn inputs_fingerprint(scenario: &Scenario, layer_hashes: &[(String, String)]) -> String {
    let mut h = layers::Fnv::default();
    h.update(
        serde_json::to_string(scenario)
            .expect("plain data serializes")
            .as_bytes(),
    );
    for (name, hash) in layer_hashes {
        h.update(name.as_bytes());
        h.update(hash.as_bytes());
    }
    h.hex()
}
