//! The hand-checked fixture `datasets/tiny`: every number asserted here is derived by
//! hand in `datasets/tiny/README.md` and recorded in `datasets/tiny/expected.json`.

use std::path::{Path, PathBuf};

use gigasite::progress::Silent;
use gigasite::report::site_reports;
use gigasite::scenario::Scenario;
use gigasite::solve::{Backend, SolveOptions};
use gigasite::RunResult;
use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/tiny")
}

fn expected() -> Value {
    let path = dir().join("expected.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("expected.json parses")
}

fn scenario() -> Scenario {
    Scenario::load(&dir().join("scenario.toml")).expect("tiny scenario loads")
}

fn run(scenario: &Scenario) -> RunResult {
    let opts = SolveOptions {
        backend: Backend::Microlp,
        time_limit_s: None,
        mip_gap: 1e-6,
    };
    gigasite::run(scenario, &opts, &Silent).expect("tiny scenario runs")
}

fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("expected.json: {key} is not a number in {v}"))
}

/// Within 1 EUR, or 1e-9 relative.
fn assert_eur(what: &str, got: f64, want: f64) {
    let tol = 1.0f64.max(1e-9 * want.abs());
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got:.2} EUR, hand-derived {want:.2} EUR (diff {:.2})",
        got - want
    );
}

fn assert_close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got}, hand-derived {want} (tolerance {tol})"
    );
}

/// Status, objective and site ids (rank order) of a run against an expected block.
fn assert_outcome(label: &str, result: &RunResult, want: &Value) {
    assert_eq!(
        result.outcome.status.as_str(),
        "optimal",
        "{label}: status ({:?})",
        result.outcome.infeasibility
    );
    let objective = result
        .outcome
        .objective_eur
        .expect("an optimal run has an objective");
    assert_eur(
        &format!("{label}: objective"),
        objective,
        num(want, "objective"),
    );
    let ids: Vec<String> = site_reports(result).into_iter().map(|s| s.id).collect();
    let want_ids: Vec<String> = want["site_ids"]
        .as_array()
        .expect("site_ids")
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, want_ids, "{label}: sites in rank order");
}

#[test]
fn tiny_optimum_equals_the_hand_derivation() {
    let want = expected();
    let result = run(&scenario());
    assert_outcome("tiny", &result, &want);

    // Eligibility counts.
    let counts = &result.candidates.counts;
    assert_eq!(counts.candidates, 11, "candidates");
    assert_eq!(
        counts.eligible as u64,
        want["eligible"].as_u64().unwrap(),
        "eligible"
    );
    for (block, got) in [
        ("removed_by_rule", &counts.removed_by_rule),
        ("failing_rule", &counts.failing_rule),
    ] {
        let rules = want[block].as_object().expect(block);
        assert_eq!(rules.len(), 7, "{block}: all 7 rules in expected.json");
        for (rule, n) in rules {
            assert_eq!(
                got.get(rule.as_str()).copied(),
                Some(n.as_u64().unwrap() as usize),
                "{block}[{rule}]"
            );
        }
        assert_eq!(
            got.len(),
            7,
            "{block}: the tool reports exactly the 7 rules"
        );
    }

    // Which rule removes which candidate (counts alone could match by coincidence).
    let first = want["first_failing_rule"].as_object().unwrap();
    for c in &result.candidates.all {
        let got = c.failing.first().map(|r| r.name());
        let want = first.get(&c.id).map(|v| v.as_str().unwrap());
        assert_eq!(got, want, "first failing rule of {}", c.id);
    }

    // Per-site derived numbers of the two chosen sites.
    let sites = site_reports(&result);
    for (got, want) in sites.iter().zip(want["sites"].as_array().unwrap()) {
        let id = &got.id;
        for (key, value) in [
            ("cost_total_eur", got.cost_total_eur),
            ("cost_land_eur", got.cost_land_eur),
            ("cost_energy_eur", got.cost_energy_eur),
            ("cost_fibre_eur", got.cost_fibre_eur),
            ("cost_grid_eur", got.cost_grid_eur),
        ] {
            assert_eur(&format!("{id}.{key}"), value, num(want, key));
        }
        assert_close(
            &format!("{id}.fibre_access_km"),
            got.fibre_access_km
                .expect("a chosen site is on the network"),
            num(want, "fibre_access_km"),
            1e-3,
        );
        assert_close(
            &format!("{id}.rtt_to_ixp_ms"),
            got.rtt_to_ixp_ms.expect("a chosen site reaches an IXP"),
            num(want, "rtt_to_ixp_ms"),
            1e-3,
        );
        let mut subs: Vec<&str> = got.lines.iter().map(|l| l.substation.as_str()).collect();
        subs.sort_unstable();
        let want_subs: Vec<&str> = want["substations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(subs, want_subs, "{id}: substations of its built lines");
        let mw: f64 = got.lines.iter().map(|l| l.mw).sum();
        assert_close(&format!("{id}: MW drawn"), mw, 180.0, 1e-6);
    }

    // Candidate attributes that exercise geometry corner cases: access to a route's end
    // vertex (X-NOZONE), and a path that crosses the snapped spur/trunk junction (X-RTT).
    for (id, want) in want["candidates"].as_object().unwrap() {
        let c = result
            .candidates
            .all
            .iter()
            .find(|c| &c.id == id)
            .unwrap_or_else(|| panic!("candidate {id}"));
        let access = c
            .fibre
            .as_ref()
            .map(|e| e.access_km)
            .expect("on the network");
        assert_close(
            &format!("{id}.fibre_access_km"),
            access,
            num(want, "fibre_access_km"),
            1e-3,
        );
        let rtt = c.rtt_to_ixp_ms.expect("reaches an IXP");
        assert_close(
            &format!("{id}.rtt_to_ixp_ms"),
            rtt,
            num(want, "rtt_to_ixp_ms"),
            1e-3,
        );
    }
}

/// Each limit binds: lifting it changes the optimum to the one derived in the README.
#[test]
fn tiny_each_limit_binds() {
    let want = expected();
    for variant in want["variants"].as_array().unwrap() {
        let name = variant["name"].as_str().unwrap();
        let mut s = scenario();
        match name {
            "no_separation" => s.sites.min_separation_km = Some(0.0),
            "no_demand_limit" => s.latency.max_rtt_ms_to_demand = None,
            "one_line_per_site" => s.power.max_lines_per_site = 1,
            other => panic!("unknown variant {other} in expected.json"),
        }
        assert_outcome(name, &run(&s), variant);
    }
}
