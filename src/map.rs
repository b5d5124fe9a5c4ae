//! A map of a run as one self-contained SVG: price zones on a colour scale with a
//! legend, exclusion zones hatched, fibre routes and exchange points, substations
//! sized by headroom, the candidates, and the chosen sites numbered by rank with their
//! grid lines and a cost breakdown beside each; a scale bar and a title with the
//! scenario, objective and status.
//!
//! The file needs nothing else to display: no network, no external files, and only the
//! generic `sans-serif` font family.
//!
//! # Units
//! SVG user units are pixels. Longitude/latitude are projected equirectangularly with
//! the horizontal axis scaled by cos(mean latitude) of the data, so that distances are
//! true at that latitude (which the scale bar states). Costs on the map are in million
//! EUR (M EUR), as in the output files divided by 10^6.
//!
//! ```no_run
//! use gigasite::map::{render_map, MapOptions};
//! # fn f(result: &gigasite::RunResult) {
//! let svg = render_map(result, &MapOptions::default());
//! std::fs::write("map.svg", svg).unwrap();
//! # }
//! ```
//!
//! # Layout of the code
//! `layout` ([`MapLayout`]) fits the projection and places the frame and legend;
//! `layers` draws the data under the sites; `sites` the chosen sites, their grid
//! lines and markers; `labels` the site labels and the names placed where room is
//! left; `legend` the title, scale bar and legend panel. [`alternatives`] draws the
//! small multiples of a run's best plans. `markup` and `placer` are helpers shared
//! with [`plot`](crate::plot).

pub mod alternatives;
mod labels;
mod layers;
mod layout;
mod legend;
mod markup;
mod placer;
mod price;
mod sites;

use svg::Node as _;

pub use layout::{projection, MapLayout, Projection, Rect};
pub(crate) use markup::*;
pub(crate) use placer::{positions_around, Placer};
pub use price::{PriceScale, MIN_PRICE_SPAN_EUR_PER_MWH};

use crate::report::site_reports;
use crate::solve::Status;
use crate::RunResult;

/// Fill colour of the chosen sites' markers, also used for their grid lines and
/// labels; no other map element uses it, so a pixel of this colour is a chosen site.
pub const SITE_COLOR: &str = "#7b1fa2";
/// [`SITE_COLOR`] as red, green, blue.
pub const SITE_RGB: [u8; 3] = [0x7b, 0x1f, 0xa2];
/// Radius of a chosen site's marker, px.
pub const SITE_MARKER_RADIUS_PX: f64 = 7.0;

/// Title of the price legend, as it appears in the SVG.
pub const PRICE_LEGEND_TITLE: &str = "Electricity price (EUR/MWh)";

/// How to draw the map.
#[derive(Debug, Clone)]
pub struct MapOptions {
    /// Width of the map frame in px; the legend panel adds [`LEGEND_WIDTH_PX`] and margins.
    pub width_px: f64,
    /// Draw ineligible candidates (fainter than eligible ones); hidden when false.
    pub show_ineligible: bool,
}

impl Default for MapOptions {
    fn default() -> Self {
        MapOptions {
            width_px: 1000.0,
            show_ineligible: false,
        }
    }
}

/// Width of the legend panel right of the map, px.
pub const LEGEND_WIDTH_PX: f64 = 250.0;

// Colours of the layers.
const FIBRE_COLOR: &str = "#1769aa";
const SUBSTATION_COLOR: &str = "#37474f";
const CANDIDATE_COLOR: &str = "#263238";
const EXCLUSION_COLOR: &str = "#c62828";
const DEMAND_COLOR: &str = "#00796b";

fn status_text(r: &RunResult) -> String {
    let o = &r.outcome;
    match o.status {
        Status::Optimal => "optimal".to_string(),
        Status::TimeLimit => match o.gap {
            Some(g) => format!("time limit, gap {:.2} %", g * 100.0),
            None => "time limit".to_string(),
        },
        Status::Infeasible => "infeasible".to_string(),
        Status::NoSolution => "time limit, no solution".to_string(),
    }
}

/// The scenario's name for the title; "scenario" alone says little, so the folder of
/// its land layer is added.
pub fn scenario_title(r: &RunResult) -> String {
    let name = r.scenario.name.clone();
    if name != "scenario" {
        return name;
    }
    let folder = r
        .scenario
        .layers
        .land
        .parent()
        .and_then(|p| p.file_name())
        .map(|f| f.to_string_lossy().into_owned());
    match folder {
        Some(f) if !f.is_empty() => format!("{f}/{name}"),
        _ => name,
    }
}

/// The title line: scenario name, objective (M EUR) and status.
pub fn map_title(r: &RunResult) -> String {
    let objective = match r.outcome.objective_eur {
        Some(v) => format!("objective {} M EUR", meur(v)),
        None => "no objective".to_string(),
    };
    format!("{} — {} — {}", scenario_title(r), objective, status_text(r))
}

/// Renders the map of a run as a self-contained SVG document.
pub fn render_map(result: &RunResult, opts: &MapOptions) -> String {
    let layout = MapLayout::new(result, opts);
    let (proj, frame) = (layout.projection, layout.frame);
    let sites = site_reports(result);
    let prices: Vec<f64> = result
        .layers
        .prices
        .iter()
        .map(|z| z.price_eur_per_mwh)
        .collect();
    let scale = PriceScale::for_prices(&prices);
    let mut doc = document(layout.width, layout.height, &map_title(result));
    doc.append(layers::definitions(frame));
    doc.append(layers::page());
    doc.append(rect(frame).set("fill", "#e8eef3"));
    doc.append(layers::draw_layers(result, opts, &proj, frame, &scale));

    // Labels: chosen sites first (always shown), then zones and IXPs where room is left.
    let site_px: Vec<(f64, f64)> = sites
        .iter()
        .map(|s| proj.project(s.lon_lat[0], s.lon_lat[1]))
        .collect();
    let scale_bar = legend::scale_bar_box(&layout);
    let mut placer = labels::label_placer(result, &layout, &sites, &site_px, scale_bar);
    let site_labels = labels::place_site_labels(result, &sites, &site_px, &mut placer);
    if !sites.is_empty() {
        for line in sites::fibre_access_lines(&proj, &sites, &site_px) {
            doc.append(line);
        }
        doc.append(sites::grid_lines(&proj, &sites, &site_px));
        let boxes: Vec<Rect> = site_labels.iter().map(|l| l.rect).collect();
        if let Some(leaders) = sites::leaders(&site_px, &boxes) {
            doc.append(leaders);
        }
        doc.append(sites::markers(&sites, &site_px));
        doc.append(labels::site_labels(&sites, &site_labels));
    }
    if let Some(minor) = labels::minor_labels(result, &proj, &mut placer) {
        doc.append(minor);
    }

    doc.append(rect(frame).set("fill", "none").set("stroke", "#90a4ae"));
    doc.append(legend::draw_scale_bar(&layout, scale_bar));
    for line in legend::heading(result, sites.len(), frame.x) {
        doc.append(line);
    }
    let max_headroom = layers::max_headroom_mw(result);
    doc.append(legend::draw_legend(
        result,
        opts,
        &layout,
        &scale,
        &prices,
        max_headroom,
    ));
    finish(&doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_color_constants_agree() {
        assert_eq!(hex(SITE_RGB), SITE_COLOR);
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(12.34), "12.3");
        assert_eq!(num(4.0), "4");
        assert_eq!(num(0.46), ".5");
        assert_eq!(num(-0.46), "-.5");
        assert_eq!(num(-0.01), "0");
    }

    #[test]
    fn text_is_escaped_on_one_line() {
        let t = one_line(text(1.0, 2.0, "a<b & \"c\"\u{1}")).to_string();
        assert_eq!(t, "<text x=\"1\" y=\"2\">a&lt;b &amp; \"c\"\u{fffd}</text>");
        let c = circle(0.0, 0.0, 1.0).set("data-id", "a\"<&").to_string();
        assert!(c.contains(r#"data-id="a&quot;&lt;&amp;""#), "{c}");
    }

    #[test]
    fn ticks_are_nice() {
        assert_eq!(nice_ticks(30.66, 111.7, 4), vec![40.0, 60.0, 80.0, 100.0]);
        assert_eq!(nice_step(140.0), 200.0);
        assert_eq!(tick_label(0.5, 0.5), "0.5");
    }

    #[test]
    fn placer_skips_taken_positions() {
        let mut p = Placer::new(Rect::new(0.0, 0.0, 100.0, 100.0));
        p.block(Rect::new(50.0, 40.0, 20.0, 20.0));
        let spots = positions_around(50.0, 50.0, 20.0, 10.0, 5.0);
        let a = p.place(&spots).unwrap();
        let b = p.place(&spots).unwrap();
        assert_eq!(a.overlap_area(&b), 0.0);
        assert_eq!(a.overlap_area(&Rect::new(50.0, 40.0, 20.0, 20.0)), 0.0);
    }

    #[test]
    fn projection_keeps_aspect_at_mean_latitude() {
        let p = Projection::fit(
            [0.0, 50.0, 10.0, 60.0],
            Rect::new(0.0, 0.0, 1000.0, 1000.0),
            10.0,
        );
        let (x0, y0) = p.project(0.0, 55.0);
        let (x1, _) = p.project(1.0, 55.0);
        let (_, y1) = p.project(0.0, 54.0);
        assert!(((x1 - x0) / (y1 - y0) - 55f64.to_radians().cos()).abs() < 1e-12);
        // North is up.
        assert!(p.project(0.0, 60.0).1 < p.project(0.0, 50.0).1);
    }
}
