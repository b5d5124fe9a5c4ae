//! Batches and sweeps: failures recorded without stopping the others, identical bytes
//! whatever the job count, resume, layers read once.

mod common;
use common::{bin, generate_instance, TempDir};

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use gigasite::batch::{run_batch_with, BatchOptions, Cache, Quiet};
use gigasite::solve::{Backend, SolveOptions};
use gigasite::sweep::{parse_set, sweep_tasks};

/// Three scenarios over one generated instance (counts 2, 3, 4) and one broken one.
fn scenarios(dir: &Path) -> Vec<PathBuf> {
    generate_instance(dir, &[]);
    let base = std::fs::read_to_string(dir.join("scenario.toml")).unwrap();
    let mut paths = Vec::new();
    for k in [2, 3, 4] {
        let p = dir.join(format!("k{k}.toml"));
        std::fs::write(&p, base.replace("count = 4", &format!("count = {k}"))).unwrap();
        paths.push(p);
    }
    let broken_dir = dir.join("broken");
    std::fs::create_dir_all(&broken_dir).unwrap();
    for f in ["grid", "prices", "fibre", "demand", "exclusions"] {
        std::fs::copy(
            dir.join(format!("{f}.geojson")),
            broken_dir.join(format!("{f}.geojson")),
        )
        .unwrap();
    }
    std::fs::write(
        broken_dir.join("land.geojson"),
        "{\"type\":\"FeatureCollection\",\"features\":[",
    )
    .unwrap();
    std::fs::write(broken_dir.join("scenario.toml"), &base).unwrap();
    paths.insert(1, broken_dir.join("scenario.toml"));
    paths
}

fn batch(paths: &[PathBuf], out: &Path, extra: &[&str]) -> std::process::Output {
    bin()
        .arg("batch")
        .args(paths)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn a_broken_scenario_is_recorded_and_the_others_finish() {
    let t = TempDir::new("batch-broken");
    let paths = scenarios(&t.0);
    let out_dir = t.0.join("out");
    let out = batch(&paths, &out_dir, &["--jobs", "2"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1 of 4 scenarios did not end optimal"),
        "{stderr}"
    );
    assert!(stderr.contains("truncated JSON"), "{stderr}");
    let csv = std::fs::read_to_string(out_dir.join("summary.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "name,status,objective_eur,site_ids,error");
    assert_eq!(lines.len(), 5, "{csv}");
    assert!(lines[1].starts_with("k2,optimal,"), "{csv}");
    assert!(lines[2].starts_with("scenario,error,"), "{csv}");
    assert!(
        lines[3].starts_with("k3,optimal,") && lines[4].starts_with("k4,optimal,"),
        "{csv}"
    );
    for k in ["k2", "k3", "k4"] {
        assert!(out_dir.join(k).join("sites.geojson").is_file());
    }
    assert!(!out_dir.join("scenario").join("sites.geojson").exists());
    // Run times are kept out of summary.csv (so equal inputs give equal bytes), in
    // timings.csv, one row per scenario in the same order.
    let timings = std::fs::read_to_string(out_dir.join("timings.csv")).unwrap();
    let names: Vec<&str> = timings
        .lines()
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(names, ["name", "k2", "scenario", "k3", "k4"], "{timings}");
    assert!(timings.starts_with("name,seconds,resumed\n"), "{timings}");
}

#[test]
fn two_sets_with_the_same_key_are_an_error() {
    // Regression: `--set sites.count=3 --set sites.count=4` used to let one silently win.
    let t = TempDir::new("batch-twosets");
    scenarios(&t.0);
    let out_dir = t.0.join("out");
    let out = bin()
        .arg("sweep")
        .arg(t.0.join("scenario.toml"))
        .args(["--set", "sites.count=3", "--set", "latency.eur_per_ms=0,1"])
        .args(["--set", "sites.count=4,5", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("--set sites.count is given twice") && stderr.contains("sites.count=3,4,5"),
        "{stderr}"
    );
    assert!(!out_dir.exists(), "nothing run");
    // The library refuses it too.
    let axes = vec![
        parse_set("sites.count=3").unwrap(),
        parse_set("sites.count=4").unwrap(),
    ];
    assert!(sweep_tasks(&t.0.join("scenario.toml"), &axes).is_err());
}

#[test]
fn job_count_does_not_change_a_byte() {
    let t = TempDir::new("batch-jobs");
    let paths: Vec<PathBuf> = scenarios(&t.0)
        .into_iter()
        .filter(|p| !p.to_string_lossy().contains("broken"))
        .collect();
    let (one, two) = (t.0.join("one"), t.0.join("two"));
    assert_eq!(batch(&paths, &one, &["--jobs", "1"]).status.code(), Some(0));
    assert_eq!(batch(&paths, &two, &["--jobs", "2"]).status.code(), Some(0));
    for k in ["k2", "k3", "k4"] {
        let a = std::fs::read(one.join(k).join("sites.geojson")).unwrap();
        let b = std::fs::read(two.join(k).join("sites.geojson")).unwrap();
        assert_eq!(a, b, "{k}");
    }
    // summary.csv holds no run times: identical too.
    assert_eq!(
        std::fs::read(one.join("summary.csv")).unwrap(),
        std::fs::read(two.join("summary.csv")).unwrap()
    );
}

#[test]
fn resume_skips_finished_work_and_reruns_changed_inputs() {
    let t = TempDir::new("batch-resume");
    let paths: Vec<PathBuf> = scenarios(&t.0)
        .into_iter()
        .filter(|p| !p.to_string_lossy().contains("broken"))
        .collect();
    let out_dir = t.0.join("out");
    assert_eq!(batch(&paths, &out_dir, &[]).status.code(), Some(0));
    let before = std::fs::metadata(out_dir.join("k3").join("summary.json"))
        .unwrap()
        .modified()
        .unwrap();
    // Change one scenario: only it runs again.
    let k4 = std::fs::read_to_string(&paths[2]).unwrap();
    std::fs::write(&paths[2], k4.replace("[sites]", "[sites]\nmip_gap = 1e-5")).unwrap();
    let out = batch(&paths, &out_dir, &["--resume"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("3 optimal (2 resumed)"), "{stdout}");
    let timings = std::fs::read_to_string(out_dir.join("timings.csv")).unwrap();
    assert!(
        timings.contains("\nk3,") && timings.contains(",true\n"),
        "{timings}"
    );
    let after = std::fs::metadata(out_dir.join("k3").join("summary.json"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after, "a resumed scenario is not rewritten");
    let csv = std::fs::read_to_string(out_dir.join("summary.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4, "{csv}");
}

#[test]
fn a_sweep_reads_layers_and_derives_attributes_once() {
    let t = TempDir::new("batch-sweep");
    scenarios(&t.0);
    let axes = vec![
        parse_set("latency.max_rtt_ms_to_demand=8:20:4").unwrap(),
        parse_set("sites.count=3,4").unwrap(),
    ];
    let tasks = sweep_tasks(&t.0.join("scenario.toml"), &axes).unwrap();
    assert_eq!(tasks.len(), 8);
    let opts = BatchOptions {
        out: t.0.join("sweep"),
        jobs: 2,
        resume: false,
        solve: SolveOptions {
            backend: Backend::Microlp,
            time_limit_s: None,
            mip_gap: 0.0,
        },
        mip_gap: None,
        format: gigasite::report::SitesFormat::GeoJson,
    };
    let cache = Cache::default();
    let rows = run_batch_with(&tasks, &opts, &Quiet, &cache).unwrap();
    assert_eq!(rows.len(), 8);
    assert_eq!(cache.layer_reads.load(Ordering::Relaxed), 1);
    assert_eq!(cache.derivations.load(Ordering::Relaxed), 1);
    // A looser demand limit never costs more.
    for k in ["3", "4"] {
        let objs: Vec<f64> = rows
            .iter()
            .filter(|r| r.params[1].1 == k && r.ok())
            .map(|r| r.objective_eur.unwrap())
            .collect();
        assert!(objs.windows(2).all(|w| w[1] <= w[0] + 1e-6), "{objs:?}");
    }
}

#[test]
fn sweep_command_writes_pareto_files() {
    let t = TempDir::new("batch-sweepcli");
    scenarios(&t.0);
    let out_dir = t.0.join("out");
    let out = bin()
        .arg("sweep")
        .arg(t.0.join("scenario.toml"))
        .args(["--set", "latency.max_rtt_ms_to_demand=8:20:4", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.code().is_some());
    let pareto = std::fs::read_to_string(out_dir.join("pareto.csv")).unwrap();
    assert!(
        pareto.starts_with("name,latency.max_rtt_ms_to_demand,status,objective_eur,dominated"),
        "{pareto}"
    );
    assert_eq!(pareto.lines().count(), 5);
    assert!(out_dir.join("pareto.svg").is_file());
}

#[test]
fn format_gpkg_writes_a_geopackage_in_every_scenario_folder() {
    let t = TempDir::new("batch-gpkg");
    let tiny = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/tiny/scenario.toml");
    let out = t.0.join("out");
    let o = batch(&[tiny], &out, &["--quiet", "--format", "gpkg"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dir = out.join("scenario");
    let gpkg = std::fs::read(dir.join("sites.gpkg")).unwrap();
    assert!(gpkg.starts_with(b"SQLite format 3\0"));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["sites_gpkg"]["file"], "sites.gpkg");
    assert_eq!(summary["sites_gpkg"]["bytes"], gpkg.len());
}

#[test]
fn resume_reruns_a_scenario_whose_geopackage_was_not_written() {
    let t = TempDir::new("batch-gpkg-resume");
    let tiny = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/tiny/scenario.toml");
    let out = t.0.join("out");
    assert!(batch(std::slice::from_ref(&tiny), &out, &["--quiet"])
        .status
        .success());
    assert!(!out.join("scenario/sites.gpkg").exists());
    let o = batch(&[tiny], &out, &["--quiet", "--resume", "--format", "gpkg"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("scenario/sites.gpkg").is_file());
}
