//! `solve --alternatives/--within/--regret` and `--include/--exclude` on `solve`,
//! `batch` and `sweep`, through the binary, on datasets/europe.

mod common;

use std::path::{Path, PathBuf};

use common::{bin, TempDir};
use serde_json::Value;

fn europe() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/europe/scenario.toml")
}

fn solve(out: &Path, extra: &[&str]) -> (i32, Value) {
    let o = bin()
        .arg("solve")
        .arg(europe())
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .args(extra)
        .output()
        .unwrap();
    let summary: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    (o.status.code().unwrap(), summary)
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn alternatives_are_written_ranked_and_consistent() {
    let dir = TempDir::new("dec-alt");
    let (code, s) = solve(&dir.0, &["--alternatives", "6"]);
    assert_eq!(code, 0);
    let a = &s["alternatives"];
    assert_eq!(a["listed"], 6);
    assert_eq!(a["status"], "optimal");
    let plans = a["plans"].as_array().unwrap();
    let opt = s["objective"].as_f64().unwrap();
    assert!((plans[0]["cost_eur"].as_f64().unwrap() - opt).abs() < 1e-3);
    let mut chosen: Vec<String> = s["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect();
    chosen.sort();
    assert_eq!(ids(&plans[0]["site_ids"]), chosen);
    let mut seen = std::collections::BTreeSet::new();
    for w in plans.windows(2) {
        assert!(w[0]["cost_eur"].as_f64() <= w[1]["cost_eur"].as_f64());
    }
    for p in plans {
        let sites = ids(&p["site_ids"]);
        let mut sorted = sites.clone();
        sorted.sort();
        assert_eq!(sites, sorted, "site_ids sorted");
        assert!(seen.insert(sites), "plans are distinct");
        let parts: f64 = p["site_costs_eur"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_f64().unwrap())
            .sum::<f64>()
            + p["latency_cost_eur"].as_f64().unwrap();
        assert!((parts - p["cost_eur"].as_f64().unwrap()).abs() < 1.0);
    }
    let next = a["next_cost_eur"].as_f64().unwrap();
    assert!(next >= plans[5]["cost_eur"].as_f64().unwrap());

    let rows = csv_rows(&dir.0.join("alternatives.csv"));
    assert_eq!(rows.len(), 6);
    for (row, p) in rows.iter().zip(plans) {
        assert_eq!(row[0], p["rank"].to_string());
        assert_eq!(row[4], ids(&p["site_ids"]).join(";"));
        let cost: f64 = row[1].parse().unwrap();
        assert!((cost - p["cost_eur"].as_f64().unwrap()).abs() < 0.01);
    }
    let g: Value =
        serde_json::from_slice(&std::fs::read(dir.0.join("alternatives.geojson")).unwrap())
            .unwrap();
    let features = g["features"].as_array().unwrap();
    assert_eq!(features.len(), 6 * chosen.len());
    for f in features {
        let r = f["properties"]["alternative"].as_u64().unwrap() as usize;
        let id = f["properties"]["id"].as_str().unwrap().to_string();
        assert!(ids(&plans[r - 1]["site_ids"]).contains(&id));
    }
    // The hashes of the decision files are in the summary.
    let files = s["decision_files"].as_array().unwrap();
    assert_eq!(files.len(), 2);

    // A run without them removes the old files.
    let (_, s) = solve(&dir.0, &[]);
    assert!(s.get("alternatives").is_none());
    assert!(!dir.0.join("alternatives.csv").exists());
}

#[test]
fn within_lists_every_close_plan_and_says_when_the_cap_cuts() {
    let dir = TempDir::new("dec-within");
    let (_, wide) = solve(&dir.0, &["--alternatives", "20", "--within", "0.8"]);
    let opt = wide["objective"].as_f64().unwrap();
    let plans = wide["alternatives"]["plans"].as_array().unwrap().clone();
    assert!(plans.len() >= 2);
    for p in &plans {
        assert!(p["cost_eur"].as_f64().unwrap() <= opt * 1.008 + 1e-3);
    }
    assert_eq!(wide["alternatives"]["cut_by_cap"], false);
    if let Some(next) = wide["alternatives"]["next_cost_eur"].as_f64() {
        assert!(next > opt * 1.008);
    }
    let cap = plans.len() - 1;
    let (_, cut) = solve(
        &dir.0,
        &["--alternatives", &cap.to_string(), "--within", "0.8"],
    );
    assert_eq!(cut["alternatives"]["listed"], cap);
    assert_eq!(cut["alternatives"]["cut_by_cap"], true);
}

#[test]
fn regret_of_chosen_sites_matches_a_solve_without_them() {
    let dir = TempDir::new("dec-regret");
    let (code, s) = solve(&dir.0, &["--regret", "--regret-candidates", "3"]);
    assert_eq!(code, 0);
    let opt = s["objective"].as_f64().unwrap();
    let rows = s["regret"]["sites"].as_array().unwrap();
    assert_eq!(rows.iter().filter(|r| r["chosen"] == true).count(), 4);
    assert_eq!(rows.iter().filter(|r| r["chosen"] == false).count(), 3);
    let csv = csv_rows(&dir.0.join("regret.csv"));
    assert_eq!(csv.len(), rows.len());
    // Each chosen site's regret, checked by excluding it; each candidate's by
    // including it.
    let other = TempDir::new("dec-regret-check");
    for r in rows {
        let id = r["id"].as_str().unwrap();
        let flag = if r["chosen"] == true {
            "--exclude"
        } else {
            "--include"
        };
        let (_, t) = solve(&other.0, &[flag, id]);
        let want = t["objective"].as_f64().unwrap() - opt;
        let got = r["regret_eur"].as_f64().unwrap();
        assert!((got - want).abs() <= 1e-6 * opt, "{id}: {got} vs {want}");
    }
    // The chosen sites carry their regret in sites.geojson.
    let g: Value =
        serde_json::from_slice(&std::fs::read(dir.0.join("sites.geojson")).unwrap()).unwrap();
    let with_regret = g["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["kind"] == "site")
        .filter(|f| f["properties"]["regret_eur"].is_number())
        .count();
    assert_eq!(with_regret, 4);
}

#[test]
fn include_and_exclude_flags_change_the_answer_in_solve_batch_and_sweep() {
    let dir = TempDir::new("dec-flags");
    let (_, base) = solve(&dir.0.join("base"), &[]);
    let first = base["sites"][0]["id"].as_str().unwrap().to_string();
    let (_, s) = solve(&dir.0.join("ex"), &["--exclude", &first]);
    let chosen: Vec<&str> = s["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert!(!chosen.contains(&first.as_str()));
    assert_eq!(s["scenario"]["sites"]["exclude"][0], first.as_str());

    let out = dir.0.join("batch");
    let o = bin()
        .arg("batch")
        .arg(europe())
        .arg("--out")
        .arg(&out)
        .args(["--quiet", "--exclude", &first])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = csv_rows(&out.join("summary.csv"));
    assert!(!rows[0].last().unwrap().contains(&first) && !rows[0][3].contains(&first));

    let out = dir.0.join("sweep");
    let o = bin()
        .arg("sweep")
        .arg(europe())
        .args(["--set", "sites.count=3,4", "--out"])
        .arg(&out)
        .args(["--quiet", "--include", "pt-sines"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for row in csv_rows(&out.join("summary.csv")) {
        assert!(row.iter().any(|c| c.contains("pt-sines")), "{row:?}");
    }

    // An unknown id is an error naming it; a forced ineligible site is infeasible.
    let o = bin()
        .arg("solve")
        .arg(europe())
        .arg("--out")
        .arg(dir.0.join("bad"))
        .args(["--quiet", "--include", "no-such-site"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no-such-site"));
}
