//! Shards: a batch or sweep split over separate processes by `--shard I/N`, merged
//! with `gigasite merge`, gives byte for byte the tables of one machine's run; a
//! missing shard is reported and re-running it completes the merge.

mod common;
use common::{bin, TempDir};

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The shard variables of Slurm and Kubernetes, removed so that a test run inside an
/// array job still tests what it means to.
const SHARD_ENV: [&str; 3] = [
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_COUNT",
    "JOB_COMPLETION_INDEX",
];

fn gigasite() -> Command {
    let mut c = bin();
    for v in SHARD_ENV {
        c.env_remove(v);
    }
    c
}

fn run(c: &mut Command) -> Output {
    c.output().expect("gigasite runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// datasets/tiny copied into `dir` (so tests never write beside the shipped data).
fn tiny(dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/tiny");
    let dst = dir.join("tiny");
    std::fs::create_dir_all(&dst).unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dst.join(e.file_name())).unwrap();
    }
    dst
}

/// Ten scenario files over datasets/tiny: optimal, infeasible, a broken one, and two
/// with the same stem.
fn batch_scenarios(dir: &Path) -> Vec<PathBuf> {
    let data = tiny(dir);
    let base = std::fs::read_to_string(data.join("scenario.toml")).unwrap();
    let mut paths = Vec::new();
    for (count, sep) in [
        (1, 50),
        (2, 0),
        (2, 50),
        (2, 100),
        (2, 120),
        (2, 500),
        (3, 0),
    ] {
        let p = data.join(format!("k{count}-sep{sep}.toml"));
        let s = base
            .replace("count = 2", &format!("count = {count}"))
            .replace(
                "min_separation_km = 50",
                &format!("min_separation_km = {sep}"),
            );
        std::fs::write(&p, s).unwrap();
        paths.push(p);
    }
    std::fs::write(data.join("broken.toml"), "[sites]\ncount = \"many\"\n").unwrap();
    paths.insert(3, data.join("broken.toml"));
    // Same stem twice: the names are made unique by position, the same on every shard.
    let other = data.join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(
        other.join("k2-sep0.toml"),
        base.replace("[layers]\nland = \"", "[layers]\nland = \"../")
            .replace("grid = \"", "grid = \"../")
            .replace("prices = \"", "prices = \"../")
            .replace("fibre = \"", "fibre = \"../")
            .replace("demand = \"", "demand = \"../")
            .replace("exclusions = \"", "exclusions = \"../")
            .replace("max_rtt_ms_to_demand = 1.35", "max_rtt_ms_to_demand = 1.5"),
    )
    .unwrap();
    paths.push(other.join("k2-sep0.toml"));
    paths.push(data.join("scenario.toml"));
    paths
}

/// 51 points of one parameter over datasets/tiny: optimal ones, then infeasible ones.
const SWEEP: &str = "sites.min_separation_km=0:200:4";

fn sweep(data: &Path, set: &str, out: &Path, extra: &[&str]) -> Output {
    run(gigasite()
        .arg("sweep")
        .arg(data.join("scenario.toml"))
        .args(["--set", set, "--out"])
        .arg(out)
        .args(extra))
}

fn merge(dirs: &[PathBuf], out: &Path) -> Output {
    run(gigasite().arg("merge").args(dirs).arg("--out").arg(out))
}

fn shard_dirs(root: &Path, n: usize) -> Vec<PathBuf> {
    (0..n).map(|i| root.join(format!("shard-{i}"))).collect()
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn assert_same(a: &Path, b: &Path) {
    assert!(
        read(a) == read(b),
        "{} and {} differ:\n{}\n---\n{}",
        a.display(),
        b.display(),
        text(&read(a)),
        text(&read(b))
    );
}

/// The names each shard folder's shard.json assigns to it.
fn assigned(dir: &Path) -> Vec<String> {
    let m: serde_json::Value = serde_json::from_slice(&read(&dir.join("shard.json"))).unwrap();
    let me = m["shard"].as_u64().unwrap();
    m["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["shard"].as_u64() == Some(me))
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_sharded_batch_merges_to_the_bytes_of_one_machine() {
    let t = TempDir::new("shard-batch");
    let paths = batch_scenarios(&t.0);
    let single = t.0.join("single");
    let one = run(gigasite()
        .arg("batch")
        .args(&paths)
        .arg("--out")
        .arg(&single)
        .args(["--jobs", "1"]));
    // The broken scenario, the 500 km one and the one-site one do not end optimal.
    assert_eq!(one.status.code(), Some(1), "{}", text(&one.stderr));
    let summary = text(&read(&single.join("summary.csv")));
    let records = csv::Reader::from_reader(summary.as_bytes())
        .records()
        .count();
    assert_eq!(records, 10, "{summary}");
    assert!(summary.contains("\nbroken,error,"), "{summary}");
    assert!(summary.contains("\nk2-sep500,infeasible,"), "{summary}");
    assert!(summary.contains("\nk2-sep0-2,optimal,"), "{summary}");
    for n in [1usize, 2, 3, 7] {
        let root = t.0.join(format!("n{n}"));
        let dirs = shard_dirs(&root, n);
        let mut seen = BTreeSet::new();
        for (i, d) in dirs.iter().enumerate() {
            let out = run(gigasite()
                .arg("batch")
                .args(&paths)
                .arg("--out")
                .arg(d)
                .args(["--shard", &format!("{i}/{n}"), "--jobs", "1"]));
            assert!(out.status.code().is_some(), "{}", text(&out.stderr));
            for name in assigned(d) {
                assert!(seen.insert(name.clone()), "{name} is in two shards");
            }
        }
        assert_eq!(
            seen.len(),
            10,
            "every scenario in exactly one of {n} shards"
        );
        let merged = root.join("merged");
        let m = merge(&dirs, &merged);
        assert_eq!(m.status.code(), Some(1), "{}", text(&m.stderr));
        assert!(
            text(&m.stdout).contains(&format!("merged {n} of {n} shards: 10 of 10 scenarios")),
            "{}",
            text(&m.stdout)
        );
        assert!(
            text(&m.stderr).contains("3 of 10 scenarios did not end optimal"),
            "{}",
            text(&m.stderr)
        );
        assert_same(&single.join("summary.csv"), &merged.join("summary.csv"));
        for k in ["k2-sep50", "k3-sep0", "k2-sep0-2", "scenario"] {
            assert_same(
                &single.join(k).join("sites.geojson"),
                &merged.join(k).join("sites.geojson"),
            );
            assert!(merged.join(k).join("summary.json").is_file());
        }
        assert!(merged.join("timings.csv").is_file());
        assert!(!merged.join("shard.json").exists());
    }
}

#[test]
fn a_sharded_sweep_of_51_points_merges_to_the_bytes_of_one_machine() {
    let t = TempDir::new("shard-sweep");
    let data = tiny(&t.0);
    let single = t.0.join("single");
    let one = sweep(&data, SWEEP, &single, &["--jobs", "1"]);
    let code = one.status.code();
    assert_eq!(code, Some(1), "{}", text(&one.stderr));
    let pareto = text(&read(&single.join("pareto.csv")));
    assert_eq!(pareto.lines().count(), 52, "{pareto}");
    assert!(pareto.contains(",optimal,") && pareto.contains(",infeasible,"));
    assert!(pareto.contains(",false\n") && pareto.contains(",true\n"));
    for n in [1usize, 2, 3, 7] {
        let root = t.0.join(format!("n{n}"));
        let dirs = shard_dirs(&root, n);
        let mut total = 0;
        for (i, d) in dirs.iter().enumerate() {
            let out = sweep(&data, SWEEP, d, &["--shard", &format!("{i}/{n}")]);
            assert!(out.status.code().is_some(), "{}", text(&out.stderr));
            // A shard writes no front: it has only part of the points.
            assert!(!d.join("pareto.csv").exists());
            total += assigned(d).len();
            let rows = text(&read(&d.join("summary.csv"))).lines().count() - 1;
            assert_eq!(rows, assigned(d).len(), "shard {i}/{n}");
        }
        assert_eq!(total, 51);
        let merged = root.join("merged");
        let m = merge(&dirs, &merged);
        assert_eq!(m.status.code(), code, "{}", text(&m.stderr));
        for f in ["summary.csv", "pareto.csv", "pareto.svg"] {
            assert_same(&single.join(f), &merged.join(f));
        }
    }
}

#[test]
fn a_missing_shard_is_reported_and_re_running_it_completes_the_merge() {
    let t = TempDir::new("shard-missing");
    let data = tiny(&t.0);
    let single = t.0.join("single");
    sweep(&data, SWEEP, &single, &["--jobs", "1"]);
    let dirs = shard_dirs(&t.0.join("out"), 3);
    for i in [0, 2] {
        sweep(&data, SWEEP, &dirs[i], &["--shard", &format!("{i}/3")]);
    }
    let kept = read(&dirs[0].join("summary.csv"));
    let merged = t.0.join("merged");
    let present = [dirs[0].clone(), dirs[2].clone()];
    let m = merge(&present, &merged);
    assert_eq!(m.status.code(), Some(1));
    let stderr = text(&m.stderr);
    assert!(
        stderr.contains("missing shards (no folder given): 1 of 3"),
        "{stderr}"
    );
    // Every scenario of shard 1 is named, and the tables hold the others.
    let plan = text(
        &run(gigasite()
            .arg("sweep")
            .arg(data.join("scenario.toml"))
            .args(["--set", SWEEP, "--shard", "1/3", "--plan"]))
        .stdout,
    );
    let of_shard_1: Vec<&str> = plan
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert!(!of_shard_1.is_empty());
    assert!(
        stderr.contains(&format!("{} of 51 scenarios are missing", of_shard_1.len())),
        "{stderr}"
    );
    for name in &of_shard_1 {
        assert!(
            stderr.contains(&format!("  {name} (shard 1)")),
            "{name}: {stderr}"
        );
    }
    let partial = text(&read(&merged.join("summary.csv")));
    assert_eq!(partial.lines().count(), 52 - of_shard_1.len());
    assert!(
        !merged.join("pareto.csv").exists() && !merged.join("pareto.svg").exists(),
        "no front from part of the points"
    );
    // Re-run only the lost shard, merge again: the whole result, the others untouched.
    let again = sweep(&data, SWEEP, &dirs[1], &["--shard", "1/3", "--resume"]);
    assert!(again.status.code().is_some(), "{}", text(&again.stderr));
    assert_eq!(read(&dirs[0].join("summary.csv")), kept);
    let m = merge(&dirs, &merged);
    assert_eq!(m.status.code(), Some(1), "{}", text(&m.stderr));
    assert!(!text(&m.stderr).contains("missing"), "{}", text(&m.stderr));
    for f in ["summary.csv", "pareto.csv", "pareto.svg"] {
        assert_same(&single.join(f), &merged.join(f));
    }
    // --resume works per shard: nothing of shard 1 runs again.
    let resumed = sweep(&data, SWEEP, &dirs[1], &["--shard", "1/3", "--resume"]);
    let stdout = text(&resumed.stdout);
    let n = of_shard_1.len();
    assert!(
        stdout.contains(&format!("shard 1/3: {n} of 51 scenarios"))
            && stdout.contains(&format!("({n} resumed)")),
        "{stdout}"
    );
}

#[test]
fn the_environment_names_the_shard_like_the_flag() {
    let t = TempDir::new("shard-env");
    let data = tiny(&t.0);
    let flag = t.0.join("flag");
    sweep(&data, SWEEP, &flag, &["--shard", "1/3"]);
    let slurm = t.0.join("slurm");
    let out = run(gigasite()
        .arg("sweep")
        .arg(data.join("scenario.toml"))
        .args(["--set", SWEEP, "--out"])
        .arg(&slurm)
        .env("SLURM_ARRAY_TASK_ID", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "3"));
    assert!(
        text(&out.stderr)
            .contains("shard 1/3 (from SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT)"),
        "{}",
        text(&out.stderr)
    );
    assert_same(&flag.join("summary.csv"), &slurm.join("summary.csv"));
    let k8s = t.0.join("k8s");
    let out = run(gigasite()
        .arg("sweep")
        .arg(data.join("scenario.toml"))
        .args(["--set", SWEEP, "--shards", "3", "--out"])
        .arg(&k8s)
        .env("JOB_COMPLETION_INDEX", "1"));
    assert!(out.status.code().is_some(), "{}", text(&out.stderr));
    assert_same(&flag.join("summary.csv"), &k8s.join("summary.csv"));
    assert_same(&flag.join("shard.json"), &k8s.join("shard.json"));
}

#[test]
fn bad_shard_flags_are_usage_errors() {
    let t = TempDir::new("shard-flags");
    let data = tiny(&t.0);
    let out = t.0.join("out");
    for (flags, env, says) in [
        (vec!["--shard", "3/3"], None, "numbered 0 to 2"),
        (vec!["--shard", "0/0"], None, "at least 1"),
        (vec!["--shard", "x"], None, "expected I/N"),
        (vec!["--shard=-1/3"], None, "whole number"),
        (
            vec!["--shard", "0/2", "--shards", "2"],
            None,
            "cannot be used with",
        ),
        (
            vec!["--shards", "0"],
            Some(("JOB_COMPLETION_INDEX", "0")),
            "is not in 1..",
        ),
        (vec!["--shards", "3"], None, "neither is set"),
        (
            vec![],
            Some(("SLURM_ARRAY_TASK_ID", "1")),
            "SLURM_ARRAY_TASK_COUNT is not",
        ),
        (
            vec!["--shards", "2"],
            Some(("JOB_COMPLETION_INDEX", "2")),
            "numbered 0 to 1",
        ),
    ] {
        let mut c = gigasite();
        c.arg("sweep")
            .arg(data.join("scenario.toml"))
            .args(["--set", SWEEP, "--out"])
            .arg(&out)
            .args(&flags);
        if let Some((k, v)) = env {
            c.env(k, v);
        }
        let o = run(&mut c);
        let stderr = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{flags:?}: {stderr}");
        assert!(stderr.contains(says), "{flags:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!out.exists(), "{flags:?} wrote {}", out.display());
    }
}

#[test]
fn two_shards_never_share_a_folder_and_merge_refuses_mixed_runs() {
    let t = TempDir::new("shard-mixed");
    let data = tiny(&t.0);
    let a = t.0.join("a");
    assert!(sweep(&data, SWEEP, &a, &["--shard", "0/2"])
        .status
        .code()
        .is_some());
    let o = sweep(&data, SWEEP, &a, &["--shard", "1/2"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("holds shard 0/2, not 1/2"),
        "{}",
        text(&o.stderr)
    );
    // Nor does an unsharded run write over a shard's folder.
    let o = sweep(&data, SWEEP, &a, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("holds a shard"),
        "{}",
        text(&o.stderr)
    );
    // Shard 1 of another sweep (other points) does not merge with shard 0 of this one.
    let b = t.0.join("b");
    sweep(
        &data,
        "sites.min_separation_km=0:100:4",
        &b,
        &["--shard", "1/2"],
    );
    let merged = t.0.join("merged");
    let m = merge(&[a.clone(), b.clone()], &merged);
    assert_eq!(m.status.code(), Some(1));
    assert!(
        text(&m.stderr).contains("different lists of scenarios"),
        "{}",
        text(&m.stderr)
    );
    assert!(!merged.exists(), "nothing written");
    // Another shard count, a shard given twice, a folder that is no shard, --out a shard.
    let c = t.0.join("c");
    sweep(&data, SWEEP, &c, &["--shard", "1/3"]);
    for (dirs, out, says) in [
        (vec![a.clone(), c.clone()], &merged, "share N"),
        (vec![a.clone(), a.clone()], &merged, "given twice"),
        (vec![a.clone(), data.clone()], &merged, "not a shard folder"),
        (vec![a.clone()], &c, "is a shard folder"),
        (vec![a.clone()], &a, "one of the shard folders"),
    ] {
        let m = merge(&dirs, out);
        assert_eq!(m.status.code(), Some(1), "{says}");
        assert!(
            text(&m.stderr).contains(says),
            "{says}: {}",
            text(&m.stderr)
        );
        assert!(!merged.exists(), "nothing written");
    }
}

#[test]
fn the_plan_lists_every_point_and_adding_points_moves_none() {
    let t = TempDir::new("shard-plan");
    let data = tiny(&t.0);
    let plan = |set: &str, shard: Option<&str>| -> Vec<String> {
        let mut c = gigasite();
        c.arg("sweep")
            .arg(data.join("scenario.toml"))
            .args(["--set", set, "--plan"]);
        if let Some(s) = shard {
            c.args(["--shard", s]);
        }
        let o = run(&mut c);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        text(&o.stdout).lines().map(String::from).collect()
    };
    let all = plan(SWEEP, None);
    assert_eq!(all.len(), 51);
    assert_eq!(
        all[0],
        "scenario_min_separation_km=0.0\tsites.min_separation_km=0.0"
    );
    let mut union = Vec::new();
    for i in 0..3 {
        let before = plan(SWEEP, Some(&format!("{i}/3")));
        // Points 204 to 300 km added: none of the first 51 changes shard.
        let after = plan("sites.min_separation_km=0:300:4", Some(&format!("{i}/3")));
        let kept: Vec<&String> = after.iter().filter(|l| all.contains(l)).collect();
        assert_eq!(kept, before.iter().collect::<Vec<_>>(), "shard {i}");
        union.extend(before);
    }
    union.sort();
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(union, sorted, "the shards split the plan");
}

#[test]
fn a_shard_killed_midway_is_reported_and_resumed() {
    let t = TempDir::new("shard-killed");
    let data = tiny(&t.0);
    let single = t.0.join("single");
    sweep(&data, SWEEP, &single, &["--jobs", "1"]);
    let dirs = shard_dirs(&t.0.join("out"), 2);
    for (i, d) in dirs.iter().enumerate() {
        sweep(&data, SWEEP, d, &["--shard", &format!("{i}/2")]);
    }
    // What a kill after the first finished scenario leaves: shard.json not finished,
    // rows.json and summary.csv with that row only, the other scenario folders absent.
    let d = &dirs[1];
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&read(&d.join("shard.json"))).unwrap();
    manifest["finished"] = serde_json::Value::Bool(false);
    std::fs::write(d.join("shard.json"), manifest.to_string()).unwrap();
    let mut rows: serde_json::Value = serde_json::from_slice(&read(&d.join("rows.json"))).unwrap();
    let all = rows["rows"].as_array().unwrap().clone();
    assert!(all.len() >= 2, "shard 1/2 has {} scenarios", all.len());
    rows["rows"] = serde_json::Value::Array(all[..1].to_vec());
    std::fs::write(d.join("rows.json"), rows.to_string()).unwrap();
    for r in &all[1..] {
        let _ = std::fs::remove_dir_all(d.join(r["name"].as_str().unwrap()));
    }
    let merged = t.0.join("merged");
    let m = merge(&dirs, &merged);
    let stderr = text(&m.stderr);
    assert_eq!(m.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("shard 1/2 did not finish"), "{stderr}");
    assert!(
        stderr.contains(&format!("{} of 51 scenarios are missing", all.len() - 1)),
        "{stderr}"
    );
    let second = all[1]["name"].as_str().unwrap();
    assert!(
        stderr.contains(&format!("  {second} (shard 1)")),
        "{stderr}"
    );
    // Resuming the killed shard runs only what it had not finished.
    let again = sweep(&data, SWEEP, d, &["--shard", "1/2", "--resume"]);
    assert!(
        text(&again.stdout).contains("(1 resumed)"),
        "{}",
        text(&again.stdout)
    );
    let m = merge(&dirs, &merged);
    assert!(
        !text(&m.stderr).contains("did not finish"),
        "{}",
        text(&m.stderr)
    );
    for f in ["summary.csv", "pareto.csv", "pareto.svg"] {
        assert_same(&single.join(f), &merged.join(f));
    }
}
