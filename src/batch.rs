//! Many scenarios at once: layers and candidate attributes shared between scenarios
//! (keyed by file path and content hash, and by the scenario keys the attributes
//! depend on), solves in parallel up to a job count, `summary.csv` (and `timings.csv`)
//! rewritten atomically as each scenario finishes, and `--resume` that skips work
//! already done. `summary.csv` holds no run times, so equal inputs give equal bytes;
//! the times go to `timings.csv`. [`crate::shard`] runs a share of a batch on one
//! machine of many.
//!
//! The library reports progress through [`BatchProgress`] and never prints.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use rayon::prelude::*;

use crate::candidates::{self, Candidates};
use crate::error::{Error, Result};
use crate::layers::{hash_file, Layers};
use crate::progress::{Progress, Stage};
use crate::report::write_atomic;
use crate::scenario::Scenario;
use crate::solve::SolveOptions;

/// One scenario of a batch: its output name, the scenario (or why it could not be
/// read), and for sweeps the parameter values that made it.
pub struct Task {
    pub name: String,
    pub scenario: std::result::Result<Scenario, String>,
    pub params: Vec<(String, String)>,
}

/// One finished scenario: a row of summary.csv.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub name: String,
    pub params: Vec<(String, String)>,
    /// `optimal`, `infeasible`, `time_limit`, `no_solution` or `error`.
    pub status: String,
    pub objective_eur: Option<f64>,
    pub site_ids: Vec<String>,
    pub seconds: f64,
    pub error: String,
    /// Taken from an earlier run by `--resume`.
    pub resumed: bool,
}

impl Row {
    pub fn ok(&self) -> bool {
        self.status == "optimal"
    }

    /// The value of a swept parameter, as written.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The CSV cells every table starts with: name, each parameter, status, objective.
    pub fn leading_cells(&self, keys: &[String]) -> Vec<String> {
        let mut rec = vec![self.name.clone()];
        rec.extend(
            keys.iter()
                .map(|k| self.param(k).unwrap_or_default().to_string()),
        );
        rec.push(self.status.clone());
        rec.push(
            self.objective_eur
                .map(|o| format!("{o:.2}"))
                .unwrap_or_default(),
        );
        rec
    }
}

/// How to run a batch.
pub struct BatchOptions {
    pub out: PathBuf,
    pub jobs: usize,
    pub resume: bool,
    pub solve: SolveOptions,
    /// When set, overrides each scenario's `sites.mip_gap`.
    pub mip_gap: Option<f64>,
    /// `sites.geojson` only, or also `sites.gpkg` in every scenario's folder.
    pub format: crate::report::SitesFormat,
}

/// Receives batch events; every method has an empty default.
pub trait BatchProgress: Sync {
    fn started(&self, _name: &str) {}
    fn stage(&self, _name: &str, _stage: Stage) {}
    fn finished(&self, _row: &Row) {}
}

/// Shows nothing.
pub struct Quiet;
impl BatchProgress for Quiet {}

/// Output folder names: the given names, made unique by a numeric suffix in order.
pub fn unique_names(names: &[String]) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(names.len());
    let taken: std::collections::HashSet<&String> = names.iter().collect();
    for n in names {
        let count = seen.entry(n.clone()).or_insert(0);
        *count += 1;
        if *count == 1 {
            out.push(n.clone());
        } else {
            let mut k = *count;
            let mut candidate = format!("{n}-{k}");
            while taken.contains(&candidate) || out.contains(&candidate) {
                k += 1;
                candidate = format!("{n}-{k}");
            }
            out.push(candidate);
        }
    }
    out
}

type Shared<T> = Arc<OnceLock<std::result::Result<Arc<T>, String>>>;

/// Layers and candidate attributes computed once per distinct input.
#[derive(Default)]
pub struct Cache {
    layers: Mutex<HashMap<String, Shared<Layers>>>,
    candidates: Mutex<HashMap<String, Shared<Candidates>>>,
    /// How many times layers were read and attributes derived (for tests and benches).
    pub layer_reads: std::sync::atomic::AtomicUsize,
    pub derivations: std::sync::atomic::AtomicUsize,
}

/// (layer name, content hash) of every layer a scenario names.
pub fn layer_hashes(s: &Scenario) -> Result<Vec<(String, String)>> {
    s.layers
        .named()
        .into_iter()
        .map(|(n, p)| Ok((n.to_string(), hash_file(p)?)))
        .collect()
}

impl Cache {
    fn cell<T>(map: &Mutex<HashMap<String, Shared<T>>>, key: &str) -> Shared<T> {
        map.lock()
            .expect("not poisoned")
            .entry(key.to_string())
            .or_default()
            .clone()
    }

    /// The layers of a scenario, read at most once per distinct set of files.
    pub fn layers(
        &self,
        s: &Scenario,
        hashes: &[(String, String)],
        progress: &dyn Progress,
    ) -> Result<(Arc<Layers>, String)> {
        let mut key = String::new();
        for (_, p) in s.layers.named() {
            key.push_str(&p.display().to_string());
            key.push('\n');
        }
        for (n, h) in hashes {
            key.push_str(&format!("{n}={h}\n"));
        }
        let cell = Self::cell(&self.layers, &key);
        let got = cell.get_or_init(|| {
            self.layer_reads
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Layers::read(&s.layers, progress)
                .map(Arc::new)
                .map_err(|e| e.to_string())
        });
        match got {
            Ok(layers) => Ok((layers.clone(), key)),
            Err(e) => Err(Error::Data { message: e.clone() }),
        }
    }

    /// Candidate attributes, derived at most once per layers and relevant keys.
    pub fn candidates(
        &self,
        s: &Scenario,
        layers: &Arc<Layers>,
        layers_key: &str,
    ) -> Result<Arc<Candidates>> {
        let relevant = candidates::attribute_keys(s);
        let key = format!("{layers_key}{relevant}");
        let cell = Self::cell(&self.candidates, &key);
        let got = cell.get_or_init(|| {
            self.derivations
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            candidates::derive(s, layers)
                .map(Arc::new)
                .map_err(|e| e.to_string())
        });
        match got {
            Ok(c) => Ok(c.clone()),
            Err(e) => Err(Error::Data { message: e.clone() }),
        }
    }
}

/// Forwards a run's stages to the batch progress, tagged with the scenario name.
struct Tagged<'a> {
    name: &'a str,
    progress: &'a dyn BatchProgress,
}

impl Progress for Tagged<'_> {
    fn start(&self, stage: Stage) {
        self.progress.stage(self.name, stage);
    }
}

/// The output tables being kept current: rows in task order (positions in the full
/// list of scenarios), finished ones only.
struct Table {
    out: PathBuf,
    keys: Vec<String>,
    rows: Vec<Option<Row>>,
    /// Also keep `rows.json` (a shard's rows, for `gigasite merge`).
    rows_json: bool,
}

impl Table {
    fn write(&self) -> Result<()> {
        let rows = self
            .rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.as_ref().map(|r| (i, r)));
        if self.rows_json {
            write_atomic(
                &self.out.join(crate::shard::ROWS_FILE),
                &crate::shard::rows_json(rows.clone()),
            )?;
        }
        write_atomic(
            &self.out.join("summary.csv"),
            &summary_csv(&self.keys, rows.clone().map(|(_, r)| r)),
        )?;
        write_atomic(
            &self.out.join("timings.csv"),
            &timings_csv(rows.map(|(_, r)| r)),
        )
    }

    fn record(&mut self, index: usize, row: Row) -> Result<()> {
        self.rows[index] = Some(row);
        self.write()
    }
}

/// summary.csv text: name, swept parameters, status, objective, site ids, error. No run
/// times (see [`timings_csv`]): the same scenarios give the same bytes on any machine
/// and in any split.
pub fn summary_csv<'a>(keys: &[String], rows: impl Iterator<Item = &'a Row>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["name".to_string()];
    header.extend(keys.iter().cloned());
    header.extend(["status", "objective_eur", "site_ids", "error"].map(String::from));
    w.write_record(&header).expect("in memory");
    for r in rows {
        let mut rec = r.leading_cells(keys);
        rec.push(r.site_ids.join(" "));
        rec.push(r.error.clone());
        w.write_record(&rec).expect("in memory");
    }
    w.into_inner().expect("in memory")
}

/// timings.csv text: name, seconds (wall time of the scenario in this run, or of the
/// earlier run it was resumed from), resumed.
pub fn timings_csv<'a>(rows: impl Iterator<Item = &'a Row>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["name", "seconds", "resumed"])
        .expect("in memory");
    for r in rows {
        w.write_record([
            r.name.clone(),
            format!("{:.3}", r.seconds),
            r.resumed.to_string(),
        ])
        .expect("in memory");
    }
    w.into_inner().expect("in memory")
}

/// The swept parameter keys of a list of tasks, in order of first appearance: the
/// parameter columns of summary.csv.
pub fn param_keys(tasks: &[Task]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for t in tasks {
        for (k, _) in &t.params {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    keys
}

/// Runs every task; one failing never stops the others. Returns the rows in task order.
pub fn run_batch(
    tasks: &[Task],
    opts: &BatchOptions,
    progress: &dyn BatchProgress,
) -> Result<Vec<Row>> {
    run_batch_with(tasks, opts, progress, &Cache::default())
}

/// [`run_batch`] with a cache of the caller's, which can be inspected afterwards.
pub fn run_batch_with(
    tasks: &[Task],
    opts: &BatchOptions,
    progress: &dyn BatchProgress,
    cache: &Cache,
) -> Result<Vec<Row>> {
    let all: Vec<usize> = (0..tasks.len()).collect();
    run_selected(tasks, &all, opts, progress, cache, false)
}

/// Runs the tasks at `selected` (positions in `tasks`, ascending), keeping summary.csv
/// and timings.csv (and with `rows_json`, rows.json) current in `opts.out`; the tables
/// are written once before any task starts, so an empty selection still leaves them.
/// Returns the rows of the selected tasks, in task order.
pub(crate) fn run_selected(
    tasks: &[Task],
    selected: &[usize],
    opts: &BatchOptions,
    progress: &dyn BatchProgress,
    cache: &Cache,
    rows_json: bool,
) -> Result<Vec<Row>> {
    std::fs::create_dir_all(&opts.out).map_err(|e| Error::io(&opts.out, e))?;
    let table = Table {
        out: opts.out.clone(),
        keys: param_keys(tasks),
        rows: vec![None; tasks.len()],
        rows_json,
    };
    table.write()?;
    let table = Mutex::new(table);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .build()
        .map_err(|e| Error::Data {
            message: format!("cannot start {} worker threads: {e}", opts.jobs),
        })?;
    let results: Vec<Result<Row>> = pool.install(|| {
        selected
            .par_iter()
            .map(|&i| {
                let task = &tasks[i];
                progress.started(&task.name);
                let row = run_task(task, cache, opts, progress);
                progress.finished(&row);
                table.lock().expect("not poisoned").record(i, row.clone())?;
                Ok(row)
            })
            .collect()
    });
    results.into_iter().collect()
}

fn error_row(task: &Task, started: Instant, e: impl ToString) -> Row {
    Row {
        name: task.name.clone(),
        params: task.params.clone(),
        status: "error".into(),
        objective_eur: None,
        site_ids: Vec::new(),
        seconds: started.elapsed().as_secs_f64(),
        error: e.to_string(),
        resumed: false,
    }
}

fn run_task(task: &Task, cache: &Cache, opts: &BatchOptions, progress: &dyn BatchProgress) -> Row {
    let started = Instant::now();
    let scenario = match &task.scenario {
        Ok(s) => s,
        Err(e) => return error_row(task, started, e),
    };
    let dir = opts.out.join(&task.name);
    let hashes = match layer_hashes(scenario) {
        Ok(h) => h,
        Err(e) => return error_row(task, started, e),
    };
    if opts.resume {
        if let Some(row) = resumed_row(task, &dir, scenario, &hashes, opts.format) {
            return row;
        }
    }
    let tagged = Tagged {
        name: &task.name,
        progress,
    };
    let solve = SolveOptions {
        mip_gap: opts.mip_gap.unwrap_or(scenario.sites.mip_gap),
        ..opts.solve.clone()
    };
    let result = (|| -> Result<crate::RunResult> {
        tagged.start(Stage::ReadLayers);
        let (layers, key) = cache.layers(scenario, &hashes, &tagged)?;
        tagged.start(Stage::Candidates);
        let candidates = cache.candidates(scenario, &layers, &key)?;
        let r = crate::run_with(scenario, layers, candidates, &solve, &tagged)?;
        tagged.start(Stage::Report);
        crate::report::write_result_as(&dir, &r, opts.format)?;
        Ok(r)
    })();
    match result {
        Err(e) => error_row(task, started, e),
        Ok(r) => {
            let sites = crate::report::site_reports(&r);
            let o = &r.outcome;
            Row {
                name: task.name.clone(),
                params: task.params.clone(),
                status: o.status.as_str().into(),
                objective_eur: o.objective_eur,
                site_ids: sites.into_iter().map(|s| s.id).collect(),
                seconds: started.elapsed().as_secs_f64(),
                error: o.infeasibility.join("; "),
                resumed: false,
            }
        }
    }
}

/// The row of a finished earlier run whose inputs are unchanged, if there is one.
fn resumed_row(
    task: &Task,
    dir: &Path,
    scenario: &Scenario,
    hashes: &[(String, String)],
    format: crate::report::SitesFormat,
) -> Option<Row> {
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).ok()?).ok()?;
    let fingerprint = crate::inputs_fingerprint(scenario, hashes);
    if summary["inputs_fingerprint"].as_str() != Some(fingerprint.as_str()) {
        return None;
    }
    let status = summary["status"].as_str()?.to_string();
    if status == "optimal" && !dir.join("sites.geojson").is_file() {
        return None;
    }
    // A GeoPackage asked for now but not written then: run again.
    let has_gpkg = summary.get("sites_gpkg").is_some_and(|g| !g.is_null());
    if format == crate::report::SitesFormat::GeoPackage
        && summary["sites"].as_array().is_some_and(|s| !s.is_empty())
        && !has_gpkg
    {
        return None;
    }
    Some(Row {
        name: task.name.clone(),
        params: task.params.clone(),
        status,
        objective_eur: summary["objective"].as_f64(),
        site_ids: summary["sites"]
            .as_array()?
            .iter()
            .filter_map(|s| s["id"].as_str().map(String::from))
            .collect(),
        seconds: summary["seconds"]["total"].as_f64().unwrap_or(0.0),
        error: summary["infeasibility"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default(),
        resumed: true,
    })
}

/// Tasks from scenario files: names from the file stems, made unique.
pub fn tasks_from_files(paths: &[PathBuf]) -> Vec<Task> {
    let stems: Vec<String> = paths
        .iter()
        .map(|p| {
            p.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "scenario".into())
        })
        .collect();
    unique_names(&stems)
        .into_iter()
        .zip(paths)
        .map(|(name, path)| Task {
            name,
            scenario: Scenario::load(path).map_err(|e| e.to_string()),
            params: Vec::new(),
        })
        .collect()
}

/// Counts rows by status, for the closing line.
pub fn status_counts(rows: &[Row]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for r in rows {
        *m.entry(r.status.clone()).or_insert(0) += 1;
    }
    m
}
