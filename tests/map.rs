//! The SVG map and the Pareto plot: rasterised with resvg, the chosen sites' markers
//! are where the projection puts them; the documents are well-formed and small.
//!
//! `cargo test --release --test map -- --ignored` also writes `docs/map.png` (and
//! `docs/map.svg`) from `datasets/europe`, or `datasets/tiny` when there is no Europe.

mod common;
use common::TempDir;

use std::path::{Path, PathBuf};

use gigasite::generate::{generate, GenerateOptions};
use gigasite::map::{map_title, projection, render_map, MapOptions, PRICE_LEGEND_TITLE, SITE_RGB};
use gigasite::plot::{pareto_svg, ParetoPoint};
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
