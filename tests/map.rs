//! The SVG map, the small multiples of the best plans, the Pareto plot and the
//! regret chart: rasterised with resvg, the sites' markers are where the projection
//! puts them and the bars as long as their values; the documents are well-formed and
//! small.
//!
//! `cargo test --release --test map -- --ignored` also writes `docs/map.png` (and
//! `docs/map.svg`) from `datasets/europe`, or `datasets/tiny` when there is no Europe.

mod common;
use common::TempDir;

use std::path::{Path, PathBuf};

use gigasite::generate::{generate, GenerateOptions};
use gigasite::map::alternatives::{
    render_alternatives, AltLayout, AltOptions, AltPlan, NEW_SITE_RGB, PANEL_MARKER_RADIUS_PX,
};
use gigasite::map::{map_title, projection, render_map, MapOptions, PRICE_LEGEND_TITLE, SITE_RGB};
use gigasite::plot::{pareto_svg, regret_svg, ParetoPoint, RegretRow, INFINITE_LABEL};
use gigasite::progress::Silent;
use gigasite::report::site_reports;
use gigasite::scenario::Scenario;
use gigasite::solve::{Backend, SolveOptions, Status};
use gigasite::RunResult;
use resvg::tiny_skia::{Pixmap, Transform};

fn solve(scenario: &Path) -> RunResult {
    let scenario = Scenario::load(scenario).unwrap();
    let opts = SolveOptions {
        backend: Backend::Microlp,
        time_limit_s: None,
        mip_gap: scenario.sites.mip_gap,
    };
    gigasite::run(&scenario, &opts, &Silent).unwrap()
}

/// The seeded mid-size instance the CLI tests also use (seed 3 is feasible).
fn generated(dir: &Path) -> RunResult {
    let opts = GenerateOptions {
        seed: 3,
        parcels: 400,
        substations: 300,
        routes: 120,
        demand: 6,
        ..GenerateOptions::default()
    };
    generate(dir, &opts).unwrap();
    solve(&dir.join("scenario.toml"))
}

/// Rasterises an SVG at its own size, with the system's fonts for the text.
fn rasterize(svg: &str) -> Pixmap {
    use resvg::usvg::fontdb::{Family, Query};
    let mut opt = resvg::usvg::Options::default();
    let db = opt.fontdb_mut();
    db.load_system_fonts();
    // fontconfig may name a sans-serif font that is not installed (FreeSans on Debian
    // with only DejaVu): fall back to one that is.
    let found = |db: &resvg::usvg::fontdb::Database, families: &[Family]| {
        db.query(&Query {
            families,
            ..Query::default()
        })
        .is_some()
    };
    if !found(db, &[Family::SansSerif]) {
        let name = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial"]
            .into_iter()
            .find(|n| found(db, &[Family::Name(n)]))
            .map(str::to_string)
            .or_else(|| {
                db.faces()
                    .next()
                    .and_then(|f| f.families.first().map(|f| f.0.clone()))
            });
        if let Some(name) = name {
            db.set_sans_serif_family(name);
        }
    }
    let tree = resvg::usvg::Tree::from_str(svg, &opt).expect("usvg reads the SVG");
    let size = tree.size().to_int_size();
    let mut pixmap = Pixmap::new(size.width(), size.height()).expect("a non-empty canvas");
    resvg::render(&tree, Transform::identity(), &mut pixmap.as_mut());
    pixmap
}

fn rgb_at(p: &Pixmap, x: f64, y: f64) -> [u8; 3] {
    let c = p
        .pixel(x.floor() as u32, y.floor() as u32)
        .expect("inside the canvas")
        .demultiply();
    [c.red(), c.green(), c.blue()]
}

fn close(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 3)
}

#[test]
fn chosen_sites_are_drawn_where_they_are() {
    let dir = TempDir::new("map-sites");
    let r = generated(&dir.0);
    assert_eq!(r.outcome.status, Status::Optimal);
    let sites = site_reports(&r);
    assert_eq!(sites.len(), 4);

    let opts = MapOptions::default();
    let svg = render_map(&r, &opts);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    assert!(svg.len() < 150_000, "{} bytes", svg.len());

    // Title (scenario, objective, status) and legend.
    let objective = format!(
        "objective {:.1} M EUR",
        r.outcome.objective_eur.unwrap() / 1e6
    );
    assert!(map_title(&r).contains(&objective), "{}", map_title(&r));
    assert!(map_title(&r).contains("optimal"));
    let title = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("title"))
        .and_then(|n| n.text())
        .expect("a title text");
    assert_eq!(title, map_title(&r));
    assert!(doc
        .descendants()
        .any(|n| n.text() == Some(PRICE_LEGEND_TITLE)));
    assert!(svg.contains(" km</text>"), "a scale bar in km");

    // One marker per site, ranked 1..k, in report order.
    let markers: Vec<(String, String)> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("site"))
        .map(|n| {
            (
                n.attribute("data-rank").unwrap().to_string(),
                n.attribute("data-id").unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = sites
        .iter()
        .map(|s| (s.rank.to_string(), s.id.clone()))
        .collect();
    assert_eq!(markers, expected);

    // Each site's pixel has the marker colour, and the projection keeps the sites apart.
    let pixmap = rasterize(&svg);
    let proj = projection(&r, &opts);
    for s in &sites {
        let (x, y) = proj.project(s.lon_lat[0], s.lon_lat[1]);
        let got = rgb_at(&pixmap, x, y);
        assert!(
            close(got, SITE_RGB),
            "site {} at ({x:.1}, {y:.1}): {got:?}",
            s.id
        );
    }
    // The colour is the sites' own: not at the map's corners, and only on a small
    // part of the canvas (markers, grid lines, label frames).
    let (w, h) = (pixmap.width(), pixmap.height());
    let site_px = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| close(rgb_at(&pixmap, x as f64, y as f64), SITE_RGB))
        .count();
    assert!(site_px >= 4 * 100, "{site_px}");
    assert!(site_px < (w * h / 50) as usize, "{site_px}");
}

#[test]
fn ineligible_candidates_only_on_request() {
    let dir = TempDir::new("map-ineligible");
    let r = generated(&dir.0);
    let plain = render_map(&r, &MapOptions::default());
    let all = render_map(
        &r,
        &MapOptions {
            show_ineligible: true,
            ..MapOptions::default()
        },
    );
    assert!(!plain.contains("candidates-ineligible"));
    assert!(all.contains(r#"id="candidates-ineligible""#));
    assert!(all.contains("ineligible candidate"));
    roxmltree::Document::parse(&all).expect("well-formed XML");
}

#[test]
fn pareto_plot_is_well_formed_with_one_marker_per_point() {
    let point = |x: f64, eur: Option<f64>, dominated: bool| ParetoPoint {
        x,
        objective_eur: eur,
        dominated,
        label: format!("sep <{x}> & co"),
    };
    let points = vec![
        point(0.0, Some(1.10e9), false),
        point(250.0, Some(1.15e9), false),
        point(400.0, Some(1.30e9), true),
        point(500.0, Some(1.25e9), false),
        point(800.0, None, false),
    ];
    let svg = pareto_svg(
        &points,
        "min separation (km)",
        "Cost of spreading sites out",
    );
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let class_count = |c: &str| {
        doc.descendants()
            .filter(|n| {
                n.attribute("class")
                    .is_some_and(|k| k.split(' ').any(|w| w == c))
            })
            .count()
    };
    assert_eq!(class_count("point"), points.len());
    assert_eq!(class_count("front"), 3);
    assert_eq!(class_count("dominated"), 1);
    assert_eq!(class_count("infeasible"), 1);
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    assert!(texts.contains(&"min separation (km)"));
    assert!(texts.contains(&"objective (M EUR)"));
    assert!(texts.contains(&"Cost of spreading sites out"));
    assert!(
        texts.iter().any(|t| t.contains("sep <0> & co")),
        "labels escaped"
    );
    // The front joins the three non-dominated feasible points.
    let front = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("front"))
        .expect("a front line");
    assert_eq!(front.attribute("d").unwrap().split(' ').count(), 6);
    rasterize(&svg);
}

/// The shipped dataset for the docs: Europe when it is there, else the tiny fixture.
fn docs_dataset() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets");
    ["europe", "tiny"]
        .iter()
        .map(|d| root.join(d).join("scenario.toml"))
        .find(|p| p.is_file())
}

#[test]
fn tiny_dataset_map_is_well_formed() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/tiny/scenario.toml");
    if !path.is_file() {
        eprintln!("skipped: no datasets/tiny/scenario.toml");
        return;
    }
    let r = solve(&path);
    let svg = render_map(&r, &MapOptions::default());
    roxmltree::Document::parse(&svg).expect("well-formed XML");
    assert!(svg.len() < 2_000_000, "{} bytes", svg.len());
    let pixmap = rasterize(&svg);
    let proj = projection(&r, &MapOptions::default());
    for s in site_reports(&r) {
        let (x, y) = proj.project(s.lon_lat[0], s.lon_lat[1]);
        assert!(close(rgb_at(&pixmap, x, y), SITE_RGB), "site {}", s.id);
    }
}

#[test]
#[ignore = "writes docs/map.png; run with --ignored"]
fn docs_map_png() {
    let path = docs_dataset().expect("datasets/europe or datasets/tiny");
    let r = solve(&path);
    let svg = render_map(&r, &MapOptions::default());
    roxmltree::Document::parse(&svg).expect("well-formed XML");
    assert!(svg.len() < 2_000_000, "{} bytes", svg.len());
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(docs.join("map.svg"), &svg).unwrap();
    rasterize(&svg).save_png(docs.join("map.png")).unwrap();
    eprintln!(
        "{}: map.svg {} bytes, docs/map.png written",
        path.display(),
        svg.len()
    );
}

fn bin() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_gigasite"))
}

fn run_ok(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().expect("gigasite runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn map_command_redraws_the_solve_map_and_refuses_changed_inputs() {
    let dir = TempDir::new("map-cli");
    let data = dir.0.join("data");
    let out = dir.0.join("out");
    generate(
        &data,
        &GenerateOptions {
            seed: 3,
            parcels: 400,
            substations: 300,
            routes: 120,
            demand: 6,
            ..GenerateOptions::default()
        },
    )
    .unwrap();
    let first = dir.0.join("first.svg");
    run_ok(
        bin()
            .args(["solve", "--quiet", "--out"])
            .arg(&out)
            .arg("--map")
            .arg(&first)
            .arg(data.join("scenario.toml")),
    );
    let stdout = run_ok(bin().arg("map").arg(&out));
    assert_eq!(stdout.trim(), out.join("map.svg").display().to_string());
    // Same result, same options: the same bytes.
    assert_eq!(
        std::fs::read(&first).unwrap(),
        std::fs::read(out.join("map.svg")).unwrap()
    );
    let shown = dir.0.join("all.svg");
    run_ok(
        bin()
            .arg("map")
            .arg(&out)
            .arg("--out")
            .arg(&shown)
            .arg("--show-ineligible"),
    );
    assert!(std::fs::read_to_string(&shown)
        .unwrap()
        .contains("candidates-ineligible"));

    // Recorded sites that the inputs no longer give: refused.
    let sites_path = out.join("sites.geojson");
    let sites = std::fs::read_to_string(&sites_path).unwrap();
    let first_id = site_ids(&sites)[0].clone();
    let edited = sites.replace(&format!("\"{first_id}\""), "\"P99999\"");
    std::fs::write(&sites_path, &edited).unwrap();
    // summary.json records the hash of the sites file it was written with: an edited
    // sites file alone is refused as not belonging to the run...
    let o = bin().arg("map").arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("does not belong to the run"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // ...and with the summary's hash updated too, the re-run tells the sites apart.
    let summary_path = out.join("summary.json");
    let summary_text = std::fs::read_to_string(&summary_path).unwrap();
    let mut summary: serde_json::Value = serde_json::from_str(&summary_text).unwrap();
    summary["sites_geojson"]["hash"] = gigasite::report::bytes_hash(edited.as_bytes()).into();
    std::fs::write(&summary_path, summary.to_string()).unwrap();
    let o = bin().arg("map").arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("inputs changed since the run"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::write(&sites_path, &sites).unwrap();
    std::fs::write(&summary_path, &summary_text).unwrap();

    // A layer edited after the run: refused, naming the layer.
    let grid = data.join("grid.geojson");
    let mut text = std::fs::read_to_string(&grid).unwrap();
    text.push('\n');
    std::fs::write(&grid, text).unwrap();
    let o = bin().arg("map").arg(&out).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err.contains("inputs changed") && err.contains("grid"),
        "{err}"
    );
}

fn site_ids(sites_geojson: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(sites_geojson).unwrap();
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["kind"] == "site")
        .map(|f| f["properties"]["id"].as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------------------------
// Alternatives and regret.

/// The optimum's ids, sorted (as `summary.json` lists a plan's sites).
fn optimum_ids(r: &RunResult) -> Vec<String> {
    let mut ids: Vec<String> = site_reports(r).into_iter().map(|s| s.id).collect();
    ids.sort();
    ids
}

/// Hand-written best plans drawn from the run's eligible candidates: the real
/// optimum, then four plans that swap one of its sites (the first, second, ...) for
/// an eligible candidate, and one that swaps two. The candidates swapped in are ones
/// whose markers cannot touch another site's, so each marker's centre pixel is its own.
fn hand_written_plans(r: &RunResult) -> Vec<AltPlan> {
    let optimum = optimum_ids(r);
    let layout = AltLayout::new(r, 6, &AltOptions::default());
    let proj = layout.panels[0].projection;
    let px = |id: &str| {
        let c = r.candidates.all.iter().find(|c| c.id == id).unwrap();
        proj.project(c.location.x, c.location.y)
    };
    let mut taken: Vec<(f64, f64)> = optimum.iter().map(|id| px(id)).collect();
    let mut spare = r
        .candidates
        .eligible
        .iter()
        .map(|&i| r.candidates.all[i].id.clone())
        .filter(|id| !optimum.contains(id));
    let mut far_one = || -> String {
        let id = spare
            .find(|id| {
                let (x, y) = px(id);
                taken
                    .iter()
                    .all(|&(a, b)| (x - a).hypot(y - b) > 4.0 * PANEL_MARKER_RADIUS_PX)
            })
            .expect("an eligible candidate away from the others");
        taken.push(px(&id));
        id
    };
    let objective = r.outcome.objective_eur.unwrap();
    let plan = |rank: usize, mut ids: Vec<String>| {
        ids.sort();
        let delta = (rank - 1) as f64 * 7.5e6;
        AltPlan {
            rank,
            cost_eur: objective + delta,
            delta_eur: delta,
            delta_pct: delta / objective * 100.0,
            site_costs_eur: vec![1.0; ids.len()],
            site_ids: ids,
            latency_cost_eur: 0.0,
        }
    };
    let mut plans = vec![plan(1, optimum.clone())];
    for i in 0..optimum.len() {
        let mut ids = optimum.clone();
        ids[i] = far_one();
        plans.push(plan(i + 2, ids));
    }
    let mut ids = optimum.clone();
    ids[0] = far_one();
    ids[1] = far_one();
    plans.push(plan(plans.len() + 1, ids));
    plans
}

#[test]
fn alternatives_panels_mark_each_plans_sites_where_they_are() {
    let dir = TempDir::new("map-alternatives");
    let r = generated(&dir.0);
    let plans = hand_written_plans(&r);
    assert_eq!(plans.len(), 6);
    let opts = AltOptions::default();
    let svg = render_alternatives(&r, &plans, &opts).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    assert!(svg.len() < 400_000, "{} bytes", svg.len());

    // One panel per plan, titled with its rank, cost and distance to the optimum.
    let panels: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("panel"))
        .collect();
    assert_eq!(panels.len(), plans.len());
    let titles: Vec<&str> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("panel-title"))
        .filter_map(|n| n.text())
        .collect();
    let cost = |p: &AltPlan| format!("{:.1}", p.cost_eur / 1e6);
    assert_eq!(
        titles[0],
        format!("#1 · cost {} M EUR · optimum", cost(&plans[0]))
    );
    assert_eq!(
        titles[2],
        format!(
            "#3 · cost {} M EUR · +15.0 M EUR (+{:.2} %)",
            cost(&plans[2]),
            plans[2].delta_pct
        )
    );

    // Markers: each plan's sites, shared with #1 or new, in its panel.
    let pixmap = rasterize(&svg);
    let layout = AltLayout::new(&r, plans.len(), &opts);
    let first = &plans[0].site_ids;
    let at = |id: &str| {
        let c = r.candidates.all.iter().find(|c| c.id == id).unwrap();
        (c.location.x, c.location.y)
    };
    for ((plan, panel), node) in plans.iter().zip(&layout.panels).zip(&panels) {
        let rank = plan.rank.to_string();
        assert_eq!(node.attribute("data-rank"), Some(rank.as_str()));
        let mut marked: Vec<(String, bool)> = node
            .descendants()
            .filter(|n| {
                n.attribute("class")
                    .is_some_and(|c| c.starts_with("alt-site"))
            })
            .map(|n| {
                let class = n.attribute("class").unwrap();
                (
                    n.attribute("data-id").unwrap().to_string(),
                    class.ends_with("shared"),
                )
            })
            .collect();
        marked.sort();
        let expected: Vec<(String, bool)> = plan
            .site_ids
            .iter()
            .map(|id| (id.clone(), first.contains(id)))
            .collect();
        assert_eq!(marked, expected, "plan #{}", plan.rank);
        for id in &plan.site_ids {
            let (lon, lat) = at(id);
            let (x, y) = panel.projection.project(lon, lat);
            assert!(panel
                .frame
                .contains(&gigasite::map::Rect::new(x, y, 0.0, 0.0)));
            let want = if first.contains(id) {
                SITE_RGB
            } else {
                NEW_SITE_RGB
            };
            let got = rgb_at(&pixmap, x, y);
            assert!(
                close(got, want),
                "plan #{} site {id} at ({x:.1}, {y:.1}): {got:?}",
                plan.rank
            );
        }
        // The first plan's sites this plan drops: a ring, its centre neither colour.
        for id in first.iter().filter(|id| !plan.site_ids.contains(id)) {
            let (lon, lat) = at(id);
            let (x, y) = panel.projection.project(lon, lat);
            let got = rgb_at(&pixmap, x, y);
            assert!(
                !close(got, SITE_RGB) && !close(got, NEW_SITE_RGB),
                "plan #{} dropped {id}: {got:?}",
                plan.rank
            );
        }
    }
    // Panels in a grid of three columns: the fourth starts a second row.
    let p = &layout.panels;
    assert!(p[1].frame.x > p[0].frame.x && p[1].frame.y == p[0].frame.y);
    assert!(p[3].frame.x == p[0].frame.x && p[3].frame.y > p[0].frame.y + p[0].frame.h);
    assert_eq!(
        (pixmap.width(), pixmap.height()),
        (layout.width.round() as u32, layout.height.round() as u32)
    );
}

#[test]
fn alternatives_refuse_sites_that_are_not_eligible_candidates() {
    let dir = TempDir::new("map-alternatives-bad");
    let r = generated(&dir.0);
    let mut plans = hand_written_plans(&r);
    let ineligible = r
        .candidates
        .all
        .iter()
        .find(|c| !c.eligible())
        .expect("an ineligible candidate")
        .id
        .clone();
    plans[2].site_ids[0] = ineligible.clone();
    let e = render_alternatives(&r, &plans, &AltOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("plan #3") && e.contains(&ineligible) && e.contains("not an eligible candidate"),
        "{e}"
    );
    plans[2].site_ids[0] = "no-such-site".into();
    let e = render_alternatives(&r, &plans, &AltOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("\"no-such-site\" is not a candidate"), "{e}");
    // A long list is cut to the cap, and says so.
    let plans = hand_written_plans(&r);
    let opts = AltOptions {
        max_panels: 2,
        ..AltOptions::default()
    };
    let svg = render_alternatives(&r, &plans, &opts).unwrap();
    assert_eq!(svg.matches(r#"class="panel""#).count(), 2);
    assert!(svg.contains("the first 2 of 6 plans drawn"));
    // One plan: one panel, the canvas still wide enough for the key.
    let svg = render_alternatives(&r, &plans[..1], &AltOptions::default()).unwrap();
    assert_eq!(svg.matches(r#"class="panel""#).count(), 1);
    assert!(rasterize(&svg).width() >= 640);
    // No plan (an infeasible run lists none): a picture that says so.
    let svg = render_alternatives(&r, &[], &AltOptions::default()).unwrap();
    assert!(svg.contains("No plan to draw."));
    rasterize(&svg);
}

fn regret_row(id: &str, chosen: bool, regret: Option<f64>) -> RegretRow {
    RegretRow {
        id: id.into(),
        chosen,
        regret_eur: regret,
        feasible: regret.is_some(),
        plan_cost_eur: None,
        plan_site_ids: Vec::new(),
        status: if regret.is_some() {
            "optimal"
        } else {
            "infeasible"
        }
        .into(),
    }
}

/// The length of the run of `color` pixels on row y starting at x, px.
fn run_length(p: &Pixmap, x: f64, y: f64, color: [u8; 3]) -> u32 {
    let mut n = 0;
    while x as u32 + n < p.width() && close(rgb_at(p, x + n as f64, y), color) {
        n += 1;
    }
    n
}

#[test]
fn regret_bars_grow_with_the_regret_and_infinite_ones_are_drawn() {
    let rows = vec![
        regret_row("c-mid", false, Some(7e6)),
        regret_row("s-big", true, Some(40e6)),
        regret_row("s-none", true, None),
        regret_row("c-small", false, Some(0.5e6)),
        regret_row("s-small", true, Some(3e6)),
        regret_row("c-big", false, Some(25e6)),
        regret_row("s-mid", true, Some(12e6)),
        regret_row("c-none", false, None),
    ];
    let svg = regret_svg(&rows, "Regret <per> site");
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let pixmap = rasterize(&svg);
    let attr = |n: &roxmltree::Node, k: &str| -> f64 { n.attribute(k).unwrap().parse().unwrap() };
    struct Bar {
        id: String,
        chosen: bool,
        infinite: bool,
        x: f64,
        cy: f64,
    }
    let bars: Vec<Bar> = doc
        .descendants()
        .filter(|n| n.attribute("class").is_some_and(|c| c.starts_with("bar ")))
        .map(|n| {
            let class = n.attribute("class").unwrap();
            Bar {
                id: n.attribute("data-id").unwrap().to_string(),
                chosen: class.contains("chosen"),
                infinite: class.contains("infinite"),
                x: attr(&n, "x"),
                cy: attr(&n, "y") + attr(&n, "height") / 2.0,
            }
        })
        .collect();
    assert_eq!(bars.len(), rows.len());
    // Chosen sites first, each group by increasing regret, the infinite one last.
    let ids: Vec<&str> = bars.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(
        ids,
        ["s-small", "s-mid", "s-big", "s-none", "c-small", "c-mid", "c-big", "c-none"]
    );
    assert!(bars.windows(2).all(|w| w[0].cy < w[1].cy));

    // Finite bars: measured in pixels, as long as their regret on one scale.
    let color = |b: &Bar| {
        if b.chosen {
            SITE_RGB
        } else {
            [0x78, 0x90, 0x9c]
        }
    };
    let regret = |id: &str| rows.iter().find(|r| r.id == id).unwrap().regret_eur;
    let mut finite: Vec<(f64, u32)> = bars
        .iter()
        .filter(|b| !b.infinite)
        .map(|b| {
            (
                regret(&b.id).unwrap(),
                run_length(&pixmap, b.x + 0.5, b.cy, color(b)),
            )
        })
        .collect();
    finite.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(finite.windows(2).all(|w| w[0].1 < w[1].1), "{finite:?}");
    let (max_regret, max_len) = *finite.last().unwrap();
    assert!(max_len > 200, "{max_len}");
    for &(r, len) in &finite {
        let want = max_len as f64 * r / max_regret;
        assert!(
            (len as f64 - want).abs() <= 2.0,
            "{r}: {len} px, want {want:.1}"
        );
    }
    // Infinite bars: hatched in their colour past the longest finite bar.
    let longest_end = bars.iter().find(|b| b.id == "s-big").unwrap().x + max_len as f64;
    for b in bars.iter().filter(|b| b.infinite) {
        let row: Vec<[u8; 3]> = (longest_end as u32 + 20..pixmap.width() - 40)
            .map(|x| rgb_at(&pixmap, x as f64, b.cy))
            .collect();
        // Stripes of the colour (softened by the pattern's filtering) and white.
        let near = |a: [u8; 3], b: [u8; 3]| a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 12);
        let stripes = row.iter().filter(|&&c| near(c, color(b))).count();
        let white = row.iter().filter(|&&c| near(c, [255; 3])).count();
        assert!(
            stripes > row.len() / 10 && white > row.len() / 10,
            "{}: {stripes} and {white} of {} px",
            b.id,
            row.len()
        );
    }
    let labels = doc
        .descendants()
        .filter(|n| n.is_element() && n.text() == Some(INFINITE_LABEL))
        .count();
    assert_eq!(labels, 2);
    assert!(doc
        .descendants()
        .any(|n| n.text() == Some("Regret <per> site")));
}

/// Adds `alternatives` and `regret` to the summary of a solve of the generated
/// instance, as `solve --alternatives --regret` records them.
fn record_alternatives(out: &Path, r: &RunResult) -> String {
    let path = out.join("summary.json");
    let original = std::fs::read_to_string(&path).unwrap();
    let mut summary: serde_json::Value = serde_json::from_str(&original).unwrap();
    let plans: Vec<serde_json::Value> = hand_written_plans(r)
        .iter()
        .map(|p| {
            serde_json::json!({"rank": p.rank, "cost_eur": p.cost_eur, "delta_eur": p.delta_eur,
                "delta_pct": p.delta_pct, "site_ids": p.site_ids,
                "site_costs_eur": p.site_costs_eur, "latency_cost_eur": 0.0})
        })
        .collect();
    summary["alternatives"] = serde_json::json!({"requested": 10, "within_pct": null,
        "listed": plans.len(), "status": "optimal", "cut_by_cap": false,
        "next_cost_eur": null, "plans": plans});
    let ids = optimum_ids(r);
    summary["regret"] = serde_json::json!({"status": "optimal", "sites": [
        {"id": ids[0], "chosen": true, "regret_eur": 2.0e6, "feasible": true,
         "plan_cost_eur": 1.0, "plan_site_ids": [], "status": "optimal"},
        {"id": ids[1], "chosen": true, "regret_eur": null, "feasible": false,
         "plan_cost_eur": null, "plan_site_ids": [], "status": "infeasible"}]});
    std::fs::write(&path, summary.to_string()).unwrap();
    original
}

#[test]
fn map_command_draws_recorded_alternatives_and_regret() {
    let dir = TempDir::new("map-cli-alternatives");
    let data = dir.0.join("data");
    let out = dir.0.join("out");
    let r = generated(&data);
    run_ok(
        bin()
            .args(["solve", "--quiet", "--out"])
            .arg(&out)
            .arg(data.join("scenario.toml")),
    );
    // Without the keys, only the map.
    let stdout = run_ok(bin().arg("map").arg(&out));
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(!out.join("alternatives.svg").exists());

    let original = record_alternatives(&out, &r);
    let stdout = run_ok(bin().arg("map").arg(&out));
    let listed: Vec<&str> = stdout.lines().collect();
    let expect = |f: &str| out.join(f).display().to_string();
    assert_eq!(
        listed,
        [
            expect("map.svg"),
            expect("alternatives.svg"),
            expect("regret.svg")
        ]
    );
    let alt = std::fs::read_to_string(out.join("alternatives.svg")).unwrap();
    assert_eq!(alt.matches(r#"class="panel""#).count(), 6);
    assert!(alt.contains("6 of the 10 best plans asked for · optimal"));
    let regret = std::fs::read_to_string(out.join("regret.svg")).unwrap();
    assert_eq!(regret.matches(r#"class="bar "#).count(), 2);
    assert!(regret.contains(INFINITE_LABEL));
    // Same summary, same bytes.
    let elsewhere = dir.0.join("alt.svg");
    run_ok(
        bin()
            .arg("map")
            .arg(&out)
            .arg("--alternatives-out")
            .arg(&elsewhere),
    );
    assert_eq!(alt, std::fs::read_to_string(&elsewhere).unwrap());

    // A malformed field is refused, naming the file and the field.
    let path = out.join("summary.json");
    let good = std::fs::read_to_string(&path).unwrap();
    let mut summary: serde_json::Value = serde_json::from_str(&good).unwrap();
    summary["alternatives"]["plans"][1]["cost_eur"] = "cheap".into();
    std::fs::write(&path, summary.to_string()).unwrap();
    let o = bin().arg("map").arg(&out).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err.contains("summary.json") && err.contains("alternatives.plans[1]"),
        "{err}"
    );
    // A plan site the re-run does not have as an eligible candidate: refused, naming it.
    let mut summary: serde_json::Value = serde_json::from_str(&good).unwrap();
    summary["alternatives"]["plans"][0]["site_ids"][0] = "P99999".into();
    std::fs::write(&path, summary.to_string()).unwrap();
    let o = bin().arg("map").arg(&out).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("\"P99999\" is not a candidate"), "{err}");
    // regret_eur missing (rather than null): refused.
    let mut summary: serde_json::Value = serde_json::from_str(&good).unwrap();
    summary["regret"]["sites"][0]
        .as_object_mut()
        .unwrap()
        .remove("regret_eur");
    std::fs::write(&path, summary.to_string()).unwrap();
    let o = bin().arg("map").arg(&out).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("regret.sites[0]") && err.contains("regret_eur"),
        "{err}"
    );
    std::fs::write(&path, original).unwrap();
}

#[test]
#[ignore = "writes docs/alternatives.png and docs/regret.png; run with --ignored"]
fn docs_alternatives_png() {
    // The real decisions on datasets/europe: its 6 best plans and the regrets of its
    // chosen sites and 6 candidates.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/europe/scenario.toml");
    let mut scenario = Scenario::load(&path).unwrap();
    scenario.sites.alternatives = 6;
    scenario.sites.regret = true;
    scenario.sites.regret_candidates = 6;
    let opts = SolveOptions {
        backend: Backend::Microlp,
        time_limit_s: None,
        mip_gap: scenario.sites.mip_gap,
    };
    let r = gigasite::run(&scenario, &opts, &Silent).unwrap();
    let summary = gigasite::report::summary_json(&r, &site_reports(&r));
    let alternatives =
        gigasite::map::alternatives::Alternatives::from_json(&summary["alternatives"]).unwrap();
    let svg = render_alternatives(&r, &alternatives.plans, &AltOptions::default()).unwrap();
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    rasterize(&svg)
        .save_png(docs.join("alternatives.png"))
        .unwrap();
    let regret = gigasite::plot::Regret::from_json(&summary["regret"]).unwrap();
    let svg = regret_svg(&regret.sites, "Regret per site, datasets/europe");
    rasterize(&svg).save_png(docs.join("regret.png")).unwrap();
}
