//! MODEL.md version 2 on the hand-checked fixture `datasets/tiny`: each new key and
//! property changed one at a time, with the figures derived here from the formulas
//! (the version-1 figures are those of datasets/tiny/README.md).

mod common;

use std::path::Path;

use gigasite::progress::Silent;
use gigasite::report::site_reports;
use gigasite::scenario::Scenario;
use gigasite::solve::{Backend, SolveOptions, Status};
use gigasite::RunResult;
use serde_json::{json, Value};

use common::TempDir;

/// A(7 %, 10 years).
const ANNUITY: f64 = 7.023_581_540_932_51;
/// Yearly MWh at the default 180 MW (150 MW × PUE 1.2) and utilization 0.85.
const MWH: f64 = 180.0 * 8760.0 * 0.85;

fn tiny() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/tiny"))
}

/// A copy of datasets/tiny in a fresh folder, its layers changed by `edit`, and its
/// scenario with `extra` TOML appended to the section it names.
struct Case {
    dir: TempDir,
}

impl Case {
    fn new(tag: &str) -> Case {
        let dir = TempDir::new(tag);
        for e in std::fs::read_dir(tiny()).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, dir.0.join(p.file_name().unwrap())).unwrap();
        }
        Case { dir }
    }

    fn edit(&self, layer: &str, f: impl Fn(&str, &mut serde_json::Map<String, Value>)) {
        let path = self.dir.0.join(format!("{layer}.geojson"));
        let mut v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for feature in v["features"].as_array_mut().unwrap() {
            let props = feature["properties"].as_object_mut().unwrap();
            let key = props
                .get("id")
                .or_else(|| props.get("zone"))
                .and_then(Value::as_str)
                .unwrap()
                .to_string();
            f(&key, props);
        }
        std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    }

    /// The tiny scenario with `sections` (TOML `[name]` → lines) merged in.
    fn scenario(&self, sections: &[(&str, &str)]) -> gigasite::Result<Scenario> {
        let path = self.dir.0.join("scenario.toml");
        let mut text = std::fs::read_to_string(tiny().join("scenario.toml")).unwrap();
        for (name, lines) in sections {
            let header = format!("[{name}]\n");
            if text.contains(&header) {
                text = text.replacen(&header, &format!("{header}{lines}\n"), 1);
            } else {
                text.push_str(&format!("\n{header}{lines}\n"));
            }
        }
        std::fs::write(&path, text).unwrap();
        Scenario::load(&path)
    }

    fn run(&self, sections: &[(&str, &str)]) -> gigasite::Result<RunResult> {
        let scenario = self.scenario(sections)?;
        let opts = SolveOptions {
            backend: Backend::Microlp,
            time_limit_s: None,
            mip_gap: 1e-9,
        };
        gigasite::run(&scenario, &opts, &Silent)
    }
}

/// The error of a run that must fail, as text.
fn failure(r: gigasite::Result<RunResult>) -> String {
    match r {
        Ok(_) => panic!("the run was expected to fail"),
        Err(e) => e.to_string(),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0) + 1e-3
}

#[test]
fn defaults_give_the_version_1_answer() {
    let case = Case::new("v2-defaults");
    let v1 = case.run(&[]).unwrap();
    let v2 = case
        .run(&[
            ("sites", "include = []\nexclude = []"),
            ("power", "route_factor = 1.0\nbay_cost_eur = 0"),
            ("carbon", "eur_per_t = 0"),
        ])
        .unwrap();
    assert_eq!(v1.outcome.objective_eur, v2.outcome.objective_eur);
    assert_eq!(
        v1.candidates.counts.removed_by_rule,
        v2.candidates.counts.removed_by_rule
    );
    let rules: Vec<&str> = v2
        .candidates
        .counts
        .removed_by_rule
        .keys()
        .copied()
        .collect();
    assert!(
        !rules.contains(&"excluded") && !rules.contains(&"carbon_above_max"),
        "{rules:?}"
    );
}

#[test]
fn surcharge_and_carbon_price_add_to_each_site() {
    let case = Case::new("v2-carbon");
    case.edit("prices", |zone, p| {
        let (surcharge, carbon) = if zone == "GA-W" {
            (12.0, 250.0)
        } else {
            (5.0, 40.0)
        };
        p.insert("surcharge_eur_per_mwh".into(), json!(surcharge));
        p.insert("carbon_g_per_kwh".into(), json!(carbon));
    });
    let r = case.run(&[("carbon", "eur_per_t = 65")]).unwrap();
    assert_eq!(r.outcome.status, Status::Optimal);
    let sites = site_reports(&r);
    for s in &sites {
        let (price, surcharge, carbon) = match s.zone.as_deref() {
            Some("GA-W") => (60.0, 12.0, 250.0),
            Some("CG-E") => (63.0, 5.0, 40.0),
            other => panic!("zone {other:?}"),
        };
        assert!(
            close(s.cost_energy_eur, MWH * (price + surcharge) * ANNUITY),
            "{}",
            s.id
        );
        assert!(close(s.co2_t_per_year.unwrap(), MWH * carbon / 1000.0));
        assert!(close(
            s.cost_carbon_eur,
            MWH * carbon / 1000.0 * 65.0 * ANNUITY
        ));
        assert_eq!(s.surcharge_eur_per_mwh, surcharge);
        assert_eq!(s.carbon_g_per_kwh, Some(carbon));
        let parts = s.cost_land_eur
            + s.cost_energy_eur
            + s.cost_carbon_eur
            + s.cost_fibre_eur
            + s.cost_grid_eur;
        assert!(close(s.cost_total_eur, parts));
    }
    let total: f64 = sites.iter().map(|s| s.cost_total_eur).sum();
    assert!(close(r.outcome.objective_eur.unwrap(), total));
}

#[test]
fn carbon_cap_removes_sites_by_rule() {
    let case = Case::new("v2-carbon-cap");
    case.edit("prices", |zone, p| {
        p.insert(
            "carbon_g_per_kwh".into(),
            json!(if zone == "GA-W" { 300.0 } else { 30.0 }),
        );
    });
    let free = case.run(&[]).unwrap();
    let capped = case.run(&[("carbon", "max_g_per_kwh = 100")]).unwrap();
    let in_ga = free
        .candidates
        .eligible
        .iter()
        .filter(|&&i| free.candidates.all[i].carbon_g_per_kwh == Some(300.0))
        .count();
    assert!(in_ga > 0);
    let counts = &capped.candidates.counts;
    assert!(counts.failing_rule["carbon_above_max"] >= in_ga);
    assert_eq!(counts.eligible, free.candidates.counts.eligible - in_ga);
    for s in site_reports(&capped) {
        assert_eq!(s.carbon_g_per_kwh, Some(30.0), "{}", s.id);
    }
}

#[test]
fn a_carbon_price_without_intensities_names_the_zone_and_property() {
    let case = Case::new("v2-carbon-missing");
    case.edit("prices", |zone, p| {
        if zone == "GA-W" {
            p.insert("carbon_g_per_kwh".into(), json!(100.0));
        }
    });
    let msg = failure(case.run(&[("carbon", "eur_per_t = 80")]));
    assert!(msg.contains("prices.geojson"), "{msg}");
    assert!(msg.contains("feature 1") && msg.contains("CG-E"), "{msg}");
    assert!(msg.contains("carbon_g_per_kwh"), "{msg}");
}

#[test]
fn per_site_pue_sets_power_energy_and_lines() {
    let case = Case::new("v2-pue");
    // B's own PUE 1.1 (165 MW: its two 100 MW lines still suffice); zone CG-E 1.3.
    case.edit("land", |id, p| {
        if id == "B" {
            p.insert("pue".into(), json!(1.1));
        }
    });
    case.edit("prices", |zone, p| {
        if zone == "CG-E" {
            p.insert("pue".into(), json!(1.3));
        }
    });
    let r = case.run(&[]).unwrap();
    for &i in &r.candidates.eligible {
        let c = &r.candidates.all[i];
        let zone = &r.layers.prices[c.zone.unwrap()].zone;
        let want = match (c.id.as_str(), zone.as_str()) {
            ("B", _) => 1.1,
            (_, "CG-E") => 1.3,
            _ => 1.2,
        };
        assert_eq!(c.pue, want, "{}", c.id);
        assert!(close(c.power_mw, 150.0 * want));
        for o in &c.grid_options {
            let headroom = r.layers.grid[o.substation].headroom_mw;
            assert!(close(o.cap_mw, headroom.min(150.0 * want)));
        }
        let price = r.layers.prices[c.zone.unwrap()].price_eur_per_mwh;
        let mwh = 150.0 * want * 8760.0 * 0.85;
        assert!(close(c.cost_energy_eur, mwh * price * ANNUITY), "{}", c.id);
    }
    let plan = r.outcome.plan.as_ref().unwrap();
    assert_eq!(r.problem.violation(plan), None);
    for o in &plan.open {
        let drawn: f64 = o.lines.iter().map(|l| l.1).sum();
        assert!(close(drawn, r.problem.sites[o.site].power_mw));
    }
}

#[test]
fn route_factor_and_bay_cost_price_every_line() {
    let case = Case::new("v2-lines");
    let v1 = case.run(&[]).unwrap();
    let r = case
        .run(&[("power", "route_factor = 1.25\nbay_cost_eur = 7.5e6")])
        .unwrap();
    let sites = site_reports(&r);
    for s in &sites {
        let want: f64 = s.lines.iter().map(|l| 7.5e6 + 1.25 * l.km * 1.5e6).sum();
        assert!(close(s.cost_grid_eur, want), "{}", s.id);
        for l in &s.lines {
            assert!(close(l.cost_eur, 7.5e6 + 1.25 * l.km * 1.5e6));
        }
    }
    assert!(r.outcome.objective_eur.unwrap() > v1.outcome.objective_eur.unwrap());
}

#[test]
fn water_stress_limit_treats_unknown_as_ineligible() {
    let case = Case::new("v2-water");
    case.edit("prices", |zone, p| {
        if zone == "GA-W" {
            p.insert("water_stress".into(), json!(1.0));
        }
    });
    // A's own category overrides its zone's.
    case.edit("land", |id, p| {
        if id == "A" {
            p.insert("water_stress".into(), json!(4.0));
        }
    });
    let free = case.run(&[]).unwrap();
    let r = case.run(&[("sites", "max_water_stress = 2")]).unwrap();
    for &i in &free.candidates.eligible {
        let c = &free.candidates.all[i];
        let kept = r.candidates.eligible.contains(&i);
        let ok = c.water_stress.is_some_and(|w| w <= 2.0);
        assert_eq!(kept, ok, "{}: water {:?}", c.id, c.water_stress);
    }
    let a = free.candidates.all.iter().find(|c| c.id == "A").unwrap();
    assert_eq!(a.water_stress, Some(4.0));
    assert!(r.candidates.counts.failing_rule["water_stress_above_max"] > 0);
}

#[test]
fn include_forces_a_site_and_exclude_forbids_one() {
    let case = Case::new("v2-include");
    let free = case.run(&[]).unwrap();
    let chosen: Vec<String> = site_reports(&free).into_iter().map(|s| s.id).collect();
    let other = free
        .problem
        .sites
        .iter()
        .map(|s| s.id.clone())
        .find(|id| !chosen.contains(id))
        .expect("an eligible site left out");
    let forced = case
        .run(&[("sites", &format!("include = [{other:?}]"))])
        .unwrap();
    let ids: Vec<String> = site_reports(&forced).into_iter().map(|s| s.id).collect();
    assert!(ids.contains(&other), "{ids:?}");
    assert!(forced.outcome.objective_eur.unwrap() >= free.outcome.objective_eur.unwrap() - 1e-3);

    let dropped = &chosen[0];
    let without = case
        .run(&[("sites", &format!("exclude = [{dropped:?}]"))])
        .unwrap();
    let ids: Vec<String> = site_reports(&without).into_iter().map(|s| s.id).collect();
    assert!(!ids.contains(dropped), "{ids:?}");
    let counts = &without.candidates.counts;
    assert_eq!(counts.removed_by_rule["excluded"], 1);
    assert_eq!(counts.eligible, free.candidates.counts.eligible - 1);
}

#[test]
fn an_ineligible_included_site_makes_the_scenario_infeasible_naming_its_rule() {
    let case = Case::new("v2-include-bad");
    let r = case.run(&[("sites", "include = [\"X-SMALL\"]")]).unwrap();
    assert_eq!(r.outcome.status, Status::Infeasible);
    let why = r.outcome.infeasibility.join(" | ");
    assert!(
        why.contains("X-SMALL") && why.contains("area_below_land_ha"),
        "{why}"
    );
    let r = case
        .run(&[("sites", "include = [\"X-HEADROOM\"]")])
        .unwrap();
    let why = r.outcome.infeasibility.join(" | ");
    assert!(
        why.contains("X-HEADROOM") && why.contains("insufficient_headroom"),
        "{why}"
    );
}

#[test]
fn unknown_or_contradictory_ids_are_errors_naming_them() {
    let case = Case::new("v2-include-unknown");
    for (key, text) in [
        ("sites.include", "include = [\"NOPE-1\"]"),
        ("sites.exclude", "exclude = [\"NOPE-1\"]"),
    ] {
        let err = failure(case.run(&[("sites", text)]));
        assert!(err.contains(key) && err.contains("NOPE-1"), "{err}");
    }
    let err = case
        .scenario(&[("sites", "include = [\"B\"]\nexclude = [\"B\"]")])
        .expect_err("an error")
        .to_string();
    assert!(err.contains("both") && err.contains("\"B\""), "{err}");
    let err = case
        .scenario(&[("sites", "include = [\"B\", \"B\"]")])
        .expect_err("an error")
        .to_string();
    assert!(err.contains("twice"), "{err}");
}

#[test]
fn out_of_range_values_are_rejected() {
    let case = Case::new("v2-ranges");
    for (section, text, key) in [
        ("power", "route_factor = 0.8", "power.route_factor"),
        ("power", "bay_cost_eur = -1", "power.bay_cost_eur"),
        ("carbon", "eur_per_t = -5", "carbon.eur_per_t"),
        ("carbon", "max_g_per_kwh = -1", "carbon.max_g_per_kwh"),
        ("sites", "max_water_stress = 6", "sites.max_water_stress"),
        ("carbon", "eur_per_tonne = 5", "eur_per_tonne"),
    ] {
        let err = case
            .scenario(&[(section, text)])
            .expect_err(key)
            .to_string();
        assert!(err.contains(key), "{err}");
    }
    for (layer, key, value) in [
        ("land", "pue", json!(0.9)),
        ("land", "water_stress", json!(6)),
        ("prices", "surcharge_eur_per_mwh", json!(-2)),
        ("prices", "carbon_g_per_kwh", json!("high")),
        ("prices", "pue", json!(0.5)),
    ] {
        let bad = Case::new("v2-ranges-layer");
        bad.edit(layer, |_, p| {
            p.insert(key.into(), value.clone());
        });
        let err = failure(bad.run(&[]));
        assert!(
            err.contains(&format!("{layer}.geojson")) && err.contains(&format!("`{key}`")),
            "{err}"
        );
    }
}
