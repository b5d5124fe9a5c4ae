//! `gigasite merge`: shard folders combined into the folder one machine would have
//! written: each scenario's sub-folder, summary.csv (and for sweeps pareto.csv and
//! pareto.svg) byte-identical to a single-machine run of the same scenarios, and
//! timings.csv. Shards that are missing or unfinished, and their scenarios, are
//! reported; the tables then hold what is there, and no Pareto front is written
//! (a front over part of the points would be wrong).

use std::path::{Path, PathBuf};

use crate::batch::{summary_csv, timings_csv, Row};
use crate::error::{Error, Result};
use crate::report::write_atomic;
use crate::shard::{read_rows, Manifest, SHARD_FILE};

/// What a merge found.
pub struct MergeReport {
    /// `batch` or `sweep`.
    pub command: String,
    pub shards: usize,
    /// Scenarios in the run.
    pub total: usize,
    /// The rows found, in batch order.
    pub rows: Vec<Row>,
    /// Shards no folder was given for.
    pub missing_shards: Vec<usize>,
    /// Shards whose run did not finish (killed, failed), with their folder.
    pub unfinished_shards: Vec<(usize, PathBuf)>,
    /// Scenarios without a row: name and shard.
    pub missing: Vec<(String, usize)>,
    /// Whether pareto.csv (and pareto.svg for one parameter) were written.
    pub pareto: bool,
}

impl MergeReport {
    pub fn complete(&self) -> bool {
        self.missing.is_empty() && self.missing_shards.is_empty()
    }
}

fn data(message: String) -> Error {
    Error::Data { message }
}

fn same_path(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Copies the regular files of a scenario folder (not the temporary files of a write
/// in progress), each atomically; a `sites.geojson` the source lacks is removed, as a
/// run without an answer removes it.
fn copy_scenario(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(|e| Error::io(to, e))?;
    let mut names = Vec::new();
    for entry in std::fs::read_dir(from).map_err(|e| Error::io(from, e))? {
        let entry = entry.map_err(|e| Error::io(from, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().map_err(|e| Error::io(from, e))?.is_file();
        if is_file && !name.starts_with('.') {
            names.push(name);
        }
    }
    names.sort();
    for name in &names {
        let src = from.join(name);
        let bytes = std::fs::read(&src).map_err(|e| Error::io(&src, e))?;
        write_atomic(&to.join(name), &bytes)?;
    }
    let stale = to.join("sites.geojson");
    if !names.iter().any(|n| n == "sites.geojson") && stale.exists() {
        std::fs::remove_file(&stale).map_err(|e| Error::io(&stale, e))?;
    }
    Ok(())
}

/// Merges shard folders (written by `batch`/`sweep --shard`) into `out`.
///
/// Errors, before anything is written, when a folder is not a shard, when the shards
/// come from different runs (another scenario list or shard count), when a shard is
/// given twice, or when `out` is one of the shards.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<MergeReport> {
    if dirs.is_empty() {
        return Err(data("give at least one shard folder".into()));
    }
    let mut shards: Vec<(PathBuf, Manifest)> = Vec::new();
    for d in dirs {
        if !d.join(SHARD_FILE).is_file() {
            return Err(data(format!(
                "{} is not a shard folder (no {SHARD_FILE}): give the --out folders of \
                 `batch`/`sweep --shard I/N`",
                d.display()
            )));
        }
        if same_path(d, out) {
            return Err(data(format!(
                "--out {} is one of the shard folders: merge into a new folder",
                out.display()
            )));
        }
        shards.push((d.clone(), Manifest::read(d)?));
    }
    if out.join(SHARD_FILE).exists() {
        return Err(data(format!(
            "--out {} is a shard folder: merge into a new folder",
            out.display()
        )));
    }
    let (first_dir, first) = &shards[0];
    for (d, m) in &shards[1..] {
        if m.shards != first.shards {
            return Err(data(format!(
                "{} is shard {}/{} but {} is shard {}/{}: shards of one run share N",
                d.display(),
                m.shard,
                m.shards,
                first_dir.display(),
                first.shard,
                first.shards
            )));
        }
        if m.plan != first.plan || m.command != first.command || m.keys != first.keys {
            return Err(data(format!(
                "{} and {} were run on different lists of scenarios (plan {} and {}): \
                 run every shard with the same command and inputs",
                first_dir.display(),
                d.display(),
                first.plan,
                m.plan
            )));
        }
    }
    let mut by_index: Vec<Option<&PathBuf>> = vec![None; first.shards];
    for (d, m) in &shards {
        if let Some(other) = by_index[m.shard] {
            return Err(data(format!(
                "shard {}/{} is given twice: {} and {}",
                m.shard,
                m.shards,
                other.display(),
                d.display()
            )));
        }
        by_index[m.shard] = Some(d);
    }
    let plan = &first.scenarios;
    let mut rows: Vec<Option<(Row, &PathBuf)>> = vec![None; plan.len()];
    let mut unfinished_shards = Vec::new();
    for (d, m) in &shards {
        if !m.finished {
            unfinished_shards.push((m.shard, d.clone()));
        }
        let records = match read_rows(d) {
            Ok(r) => r,
            // A shard killed before it wrote anything: its scenarios are missing.
            Err(Error::Io { .. }) if !m.finished => Vec::new(),
            Err(e) => return Err(e),
        };
        for rec in records {
            let bad = |why: &str| {
                data(format!(
                    "{}: row {:?} {why}",
                    d.join(crate::shard::ROWS_FILE).display(),
                    rec.name
                ))
            };
            let entry = plan
                .get(rec.index)
                .ok_or_else(|| bad("is beyond the list of scenarios"))?;
            if entry.name != rec.name || entry.shard != m.shard {
                return Err(bad("does not match the list of scenarios in shard.json"));
            }
            let row = rec.row().map_err(|e| bad(&e))?;
            rows[rec.index] = Some((row, d));
        }
    }
    unfinished_shards.sort();
    let missing_shards: Vec<usize> = (0..first.shards)
        .filter(|&i| by_index[i].is_none())
        .collect();
    let missing: Vec<(String, usize)> = plan
        .iter()
        .zip(&rows)
        .filter(|(_, r)| r.is_none())
        .map(|(e, _)| (e.name.clone(), e.shard))
        .collect();

    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    for (row, dir) in rows.iter().flatten() {
        let from = dir.join(&row.name);
        if from.is_dir() {
            copy_scenario(&from, &out.join(&row.name))?;
        }
    }
    let found: Vec<Row> = rows.into_iter().flatten().map(|(r, _)| r).collect();
    write_atomic(
        &out.join("summary.csv"),
        &summary_csv(&first.keys, found.iter()),
    )?;
    write_atomic(&out.join("timings.csv"), &timings_csv(found.iter()))?;
    let mut report = MergeReport {
        command: first.command.clone(),
        shards: first.shards,
        total: plan.len(),
        rows: found,
        missing_shards,
        unfinished_shards,
        missing,
        pareto: false,
    };
    if report.command == "sweep" {
        if report.complete() {
            crate::sweep::write_pareto(out, &report.rows, &first.keys)?;
            report.pareto = true;
        } else {
            // Never leave a front from an earlier, complete merge beside these rows.
            for f in ["pareto.csv", "pareto.svg"] {
                let p = out.join(f);
                if p.exists() {
                    std::fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
                }
            }
        }
    }
    Ok(report)
}
