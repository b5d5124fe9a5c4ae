//! Small multiples of a run's best plans: one small map per plan, all of the same
//! extent as the run's map, in a grid of up to three columns. Each panel shades the
//! price zones, dots the eligible candidates and marks the plan's sites with their
//! ids: a site also in the reference plan (the first listed, normally #1) in
//! [`SITE_COLOR`], a site new to this plan in [`NEW_SITE_COLOR`], and a reference
//! site this plan drops as a dashed ring with an empty centre. The panel's title
//! gives its rank, cost and distance to the optimum; the line below it, the swap.
//!
//! Why small multiples rather than one map with the sites of every plan marked by
//! rank: the best plans of a k-median usually differ by one or two swaps, so one map
//! would stack most ranks on the same few markers (a list of numbers per marker) and
//! hide which sites go together. A panel per plan shows each plan whole, and the two
//! marker colours make the swap against #1 visible at a glance.
//!
//! The plans are those `solve --alternatives N` records in `summary.json` under
//! `alternatives` (see [`Alternatives`]).

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::Deserialize;
use serde_json::Value;
use svg::node::element::{Circle, ClipPath, Definitions, Element, Group};
use svg::Node as _;

use super::layers::{candidate_dots, page, zones};
use super::layout::data_bbox;
use super::markup::{
    circle, document, finish, meur, num, one_line, rect, text, text_width, title, xml_chars,
};
use super::placer::{positions_around, Placer};
use super::{scenario_title, PriceScale, Projection, Rect, SITE_COLOR};
use crate::plot::regret::{read_at, read_items};
use crate::{Error, Result, RunResult};

/// Fill colour of a plan's sites that the reference plan does not have.
pub const NEW_SITE_COLOR: &str = "#2e7d32";
/// [`NEW_SITE_COLOR`] as red, green, blue.
pub const NEW_SITE_RGB: [u8; 3] = [0x2e, 0x7d, 0x32];
/// Radius of a site's marker in a panel, px.
pub const PANEL_MARKER_RADIUS_PX: f64 = 6.0;
/// Most panels drawn by default; the subtitle says when plans were left out.
pub const MAX_PANELS: usize = 12;

/// One of the best plans, as `summary.json` records it under `alternatives.plans`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AltPlan {
    /// 1 for the optimum.
    pub rank: usize,
    /// The plan's objective, EUR.
    pub cost_eur: f64,
    /// cost_eur minus the optimum's, EUR.
    pub delta_eur: f64,
    /// delta_eur as a percentage of the optimum's cost (0.5 means 0.5 %).
    pub delta_pct: f64,
    /// The plan's sites, sorted.
    pub site_ids: Vec<String>,
    /// Each site's cost, EUR, in `site_ids` order (not drawn).
    #[serde(default)]
    pub site_costs_eur: Vec<f64>,
    /// The plan's latency cost, EUR (not drawn).
    #[serde(default)]
    pub latency_cost_eur: f64,
}

/// `summary.json`'s `alternatives` object.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Alternatives {
    /// N of `--alternatives N`.
    pub requested: usize,
    /// PCT of `--within PCT`, when given.
    #[serde(default)]
    pub within_pct: Option<f64>,
    /// How many plans were found and listed.
    pub listed: usize,
    /// "optimal" when every listed plan is proven.
    pub status: String,
    /// With `--within`: whether the cap N cut the list.
    #[serde(default)]
    pub cut_by_cap: bool,
    /// The cost of the next plan after the last listed, EUR, when known.
    #[serde(default)]
    pub next_cost_eur: Option<f64>,
    pub plans: Vec<AltPlan>,
}

impl Alternatives {
    /// Reads the summary's `alternatives` object: every field present and of its
    /// type, each plan's `site_ids` without repeats. Errors name the field
    /// (`alternatives.plans[2].cost_eur`). Whether the sites are the run's eligible
    /// candidates is checked when drawing.
    pub fn from_json(v: &Value) -> std::result::Result<Alternatives, String> {
        let plans: Vec<AltPlan> = read_items(v, "alternatives", "plans")?;
        for (i, p) in plans.iter().enumerate() {
            for (j, id) in p.site_ids.iter().enumerate() {
                if p.site_ids[..j].contains(id) {
                    return Err(format!(
                        "`alternatives.plans[{i}].site_ids`: site {} is listed twice",
                        crate::error::clip(id)
                    ));
                }
            }
        }
        read_at(v, "alternatives")
    }

    /// One line on what was asked and found, for the picture's subtitle.
    pub fn describe(&self) -> String {
        let mut s = match self.within_pct {
            Some(p) => format!(
                "{} plans within {p} % of the optimum (at most {})",
                self.listed, self.requested
            ),
            None => format!(
                "{} of the {} best plans asked for",
                self.listed, self.requested
            ),
        };
        if self.cut_by_cap {
            s.push_str(", cut by the cap");
        }
        let _ = write!(s, " · {}", self.status);
        if let Some(next) = self.next_cost_eur {
            let _ = write!(s, " · next plan {} M EUR", meur(next));
        }
        s
    }
}

/// How to draw the small multiples.
#[derive(Debug, Clone)]
pub struct AltOptions {
    /// Width of one panel's map, px.
    pub panel_width_px: f64,
    /// Panels per row; None: 1 for one plan, 2 up to four, else 3.
    pub columns: Option<usize>,
    /// Draw at most this many plans (the first ones).
    pub max_panels: usize,
    /// A line under the title, e.g. [`Alternatives::describe`].
    pub subtitle: Option<String>,
}

impl Default for AltOptions {
    fn default() -> Self {
        AltOptions {
            panel_width_px: 360.0,
            columns: None,
            max_panels: MAX_PANELS,
            subtitle: None,
        }
    }
}

/// The narrowest canvas, px: room for the title and the key.
pub const MIN_WIDTH_PX: f64 = 640.0;
const MARGIN: f64 = 16.0;
const HEADER_H: f64 = 96.0;
/// Height of a panel's two title lines above its frame, px.
const PANEL_TITLE_H: f64 = 32.0;
const GAP_X: f64 = 18.0;
const GAP_Y: f64 = 14.0;
const PAD: f64 = 14.0;
const LABEL_FONT: f64 = 9.5;

/// One panel: its map frame and the projection fitted to it (every panel has the
/// same extent and scale).
#[derive(Debug, Clone, Copy)]
pub struct Panel {
    pub frame: Rect,
    pub projection: Projection,
}

/// Where the panels go on the canvas.
#[derive(Debug, Clone)]
pub struct AltLayout {
    /// In plan order.
    pub panels: Vec<Panel>,
    pub width: f64,
    pub height: f64,
}

impl AltLayout {
    /// The layout [`render_alternatives`] uses to draw `plans` panels of this result
    /// (the number drawn, after the [`AltOptions::max_panels`] cap). The canvas is at
    /// least [`MIN_WIDTH_PX`] wide, for the key.
    pub fn new(result: &RunResult, plans: usize, opts: &AltOptions) -> AltLayout {
        let bbox = data_bbox(result);
        let w = opts.panel_width_px.max(160.0);
        let lat0 = 0.5 * (bbox[1] + bbox[3]);
        let c = lat0.to_radians().cos().max(0.05);
        let (dx, dy) = ((bbox[2] - bbox[0]) * c, bbox[3] - bbox[1]);
        let h = (dy * (w - 2.0 * PAD) / dx + 2.0 * PAD).clamp(0.5 * w, 1.3 * w);
        let cols = opts
            .columns
            .unwrap_or(match plans {
                0 | 1 => 1,
                2..=4 => 2,
                _ => 3,
            })
            .clamp(1, plans.max(1));
        let rows = plans.div_ceil(cols).max(1);
        let panels = (0..plans)
            .map(|i| {
                let (col, row) = ((i % cols) as f64, (i / cols) as f64);
                let x = MARGIN + col * (w + GAP_X);
                let y = HEADER_H + row * (PANEL_TITLE_H + h + GAP_Y) + PANEL_TITLE_H;
                let frame = Rect::new(x, y, w, h);
                Panel {
                    frame,
                    projection: Projection::fit(bbox, frame, PAD),
                }
            })
            .collect();
        AltLayout {
            panels,
            width: (2.0 * MARGIN + cols as f64 * w + (cols - 1) as f64 * GAP_X).max(MIN_WIDTH_PX),
            height: HEADER_H + rows as f64 * (PANEL_TITLE_H + h + GAP_Y) - GAP_Y + MARGIN,
        }
    }
}

/// Where a plan's site is, for drawing.
struct PlanSite<'a> {
    id: &'a str,
    lon_lat: (f64, f64),
    /// Whether the reference plan has it too.
    shared: bool,
}

/// Draws the first [`AltOptions::max_panels`] plans as small multiples, the first
/// plan the reference the others are compared with. Fails, naming the plan and the
/// site, when a plan holds a site twice or one that is not an eligible candidate of
/// this run. Every marker is a `<circle>` of class `alt-site` plus `shared` or
/// `new`, with `data-rank` and `data-id`; every panel a `<g>` of class `panel`.
pub fn render_alternatives(
    result: &RunResult,
    plans: &[AltPlan],
    opts: &AltOptions,
) -> Result<String> {
    let shown = &plans[..plans.len().min(opts.max_panels.max(1))];
    let located = locate_sites(result, shown)?;
    let layout = AltLayout::new(result, shown.len(), opts);
    let prices: Vec<f64> = result
        .layers
        .prices
        .iter()
        .map(|z| z.price_eur_per_mwh)
        .collect();
    let scale = PriceScale::for_prices(&prices);
    let heading = format!(
        "{} — the best plans of {} sites",
        scenario_title(result),
        result.scenario.sites.count
    );
    let mut doc = document(layout.width, layout.height, &heading);
    let mut defs = Definitions::new();
    for (i, p) in layout.panels.iter().enumerate() {
        defs.append(ClipPath::new().set("id", clip_id(i)).add(rect(p.frame)));
    }
    doc.append(defs);
    doc.append(page());
    for line in header(&heading, plans.len(), shown.len(), opts) {
        doc.append(line);
    }
    doc.append(key(layout.width));
    if shown.is_empty() {
        doc.append(one_line(
            text(MARGIN, HEADER_H + 20.0, "No plan to draw.").set("font-size", 13),
        ));
    }
    let reference = shown.first().map(|p| p.rank).unwrap_or(1);
    let first: &[PlanSite] = located.first().map(Vec::as_slice).unwrap_or(&[]);
    for (index, (plan, sites)) in shown.iter().zip(&located).enumerate() {
        let dropped = first
            .iter()
            .filter(|d| !sites.iter().any(|s| s.id == d.id))
            .collect();
        let p = PanelPlan {
            index,
            plan,
            sites,
            dropped,
            reference,
        };
        doc.append(draw_panel(result, &scale, &p, &layout.panels[index]));
    }
    Ok(finish(&doc))
}

fn clip_id(panel: usize) -> String {
    format!("gs-panel-{}", panel + 1)
}

/// Every plan's sites with their location and whether the first plan has them;
/// an error for a site that is not an eligible candidate or is listed twice.
fn locate_sites<'a>(result: &RunResult, plans: &'a [AltPlan]) -> Result<Vec<Vec<PlanSite<'a>>>> {
    let all = &result.candidates.all;
    let by_id: HashMap<&str, usize> = all
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let reference: &[String] = plans.first().map(|p| &p.site_ids[..]).unwrap_or(&[]);
    let mut out = Vec::with_capacity(plans.len());
    for plan in plans {
        let mut sites = Vec::with_capacity(plan.site_ids.len());
        for (j, id) in plan.site_ids.iter().enumerate() {
            let bad = |why: String| Error::Data {
                message: format!(
                    "plan #{} (site_ids[{j}]): site {} {why}",
                    plan.rank,
                    crate::error::clip(id)
                ),
            };
            if plan.site_ids[..j].contains(id) {
                return Err(bad("is listed twice".into()));
            }
            let c = match by_id.get(id.as_str()) {
                Some(&i) => &all[i],
                None => return Err(bad("is not a candidate of this run".into())),
            };
            if !c.eligible() {
                let rules: Vec<&str> = c.failing.iter().map(|r| r.name()).collect();
                return Err(bad(format!(
                    "is not an eligible candidate of this run (fails {})",
                    rules.join(", ")
                )));
            }
            sites.push(PlanSite {
                id,
                lon_lat: (c.location.x, c.location.y),
                shared: reference.contains(id),
            });
        }
        out.push(sites);
    }
    Ok(out)
}

/// The title, the subtitle, and a note when plans were left out.
fn header(heading: &str, plans: usize, shown: usize, opts: &AltOptions) -> Vec<Element> {
    let mut lines = vec![one_line(
        text(MARGIN, 30.0, heading)
            .set("id", "title")
            .set("font-size", 18)
            .set("font-weight", "bold")
            .set("fill", "#111"),
    )];
    let mut sub = opts.subtitle.clone().unwrap_or_default();
    if shown < plans {
        if !sub.is_empty() {
            sub.push_str(" · ");
        }
        let _ = write!(sub, "the first {shown} of {plans} plans drawn");
    }
    if !sub.is_empty() {
        lines.push(one_line(
            text(MARGIN, 50.0, &sub)
                .set("font-size", 12)
                .set("fill", "#555"),
        ));
    }
    lines
}

/// The key: what the two marker colours and the ring mean.
fn key(width: f64) -> Group {
    let y = 72.0;
    let mut g = Group::new()
        .set("id", "key")
        .set("font-size", 11)
        .set("fill", "#222");
    let mut x = MARGIN + PANEL_MARKER_RADIUS_PX;
    let items = [
        ("in the first plan too", Some(SITE_COLOR)),
        ("not in the first plan", Some(NEW_SITE_COLOR)),
        ("first plan's site dropped", None),
    ];
    for (label, fill) in items {
        let mark = match fill {
            Some(c) => site_marker(x, y, c),
            None => dropped_ring(x, y),
        };
        g.append(mark);
        g.append(one_line(text(x + 11.0, y + 4.0, label)));
        x += 11.0 + text_width(label, 11.0, false) + 26.0;
    }
    if x < width {
        g.append(one_line(
            text(x, y + 4.0, "· costs in M EUR")
                .set("fill", "#555")
                .set("font-size", 10),
        ));
    }
    g
}

fn site_marker(x: f64, y: f64, fill: &str) -> Circle {
    circle(x, y, PANEL_MARKER_RADIUS_PX)
        .set("fill", fill)
        .set("stroke", "#fff")
        .set("stroke-width", "1.3")
}

fn dropped_ring(x: f64, y: f64) -> Circle {
    circle(x, y, PANEL_MARKER_RADIUS_PX - 1.0)
        .set("fill", "none")
        .set("stroke", SITE_COLOR)
        .set("stroke-width", "1.6")
        .set("stroke-dasharray", "2.5 1.5")
}

/// What one panel shows.
struct PanelPlan<'a> {
    /// Position in the grid, from 0.
    index: usize,
    plan: &'a AltPlan,
    sites: &'a [PlanSite<'a>],
    /// The reference plan's sites this plan does not have.
    dropped: Vec<&'a PlanSite<'a>>,
    /// The reference plan's rank.
    reference: usize,
}

/// One panel: the titles, the shaded zones and candidates, then the plan's sites,
/// clipped to its frame.
fn draw_panel(result: &RunResult, scale: &PriceScale, p: &PanelPlan, panel: &Panel) -> Group {
    let (proj, frame) = (&panel.projection, panel.frame);
    let n = p.index + 1;
    let mut g = Group::new()
        .set("class", "panel")
        .set("data-rank", p.plan.rank);
    for t in panel_titles(p, frame) {
        g.append(t);
    }
    g.append(rect(frame).set("fill", "#eef2f5"));
    let mut clipped = Group::new().set("clip-path", format!("url(#{})", clip_id(p.index)));
    clipped.append(
        zones(result, proj, scale)
            .set("id", format!("zones-{n}"))
            .set("fill-opacity", ".7"),
    );
    if let Some(d) = candidate_dots(result, proj, true) {
        clipped.append(d.set("id", format!("candidates-{n}")));
    }
    clipped.append(plan_sites(p, panel));
    g.append(clipped);
    g.append(rect(frame).set("fill", "none").set("stroke", "#90a4ae"));
    g
}

/// The dropped rings, the plan's markers, and an id label beside each marker (kept
/// off every marker and ring).
fn plan_sites(p: &PanelPlan, panel: &Panel) -> Group {
    let at = |s: &PlanSite| panel.projection.project(s.lon_lat.0, s.lon_lat.1);
    let mut placer = Placer::new(panel.frame.grown(-2.0));
    for s in p.sites.iter().chain(p.dropped.iter().copied()) {
        let (x, y) = at(s);
        placer.block(Rect::around(x, y, PANEL_MARKER_RADIUS_PX + 1.5));
    }
    let mut g = Group::new();
    for s in &p.dropped {
        let (x, y) = at(s);
        g.append(
            dropped_ring(x, y)
                .set("class", "alt-dropped")
                .set("data-id", xml_chars(s.id)),
        );
    }
    let mut labels = Group::new()
        .set("font-size", num(LABEL_FONT))
        .set("fill", "#111")
        .set("stroke", "#fff")
        .set("stroke-width", "2.5")
        .set("stroke-opacity", ".8")
        .set("paint-order", "stroke");
    for s in p.sites {
        let (x, y) = at(s);
        let (class, fill) = if s.shared {
            ("alt-site shared", SITE_COLOR)
        } else {
            ("alt-site new", NEW_SITE_COLOR)
        };
        g.append(
            site_marker(x, y, fill)
                .set("class", class)
                .set("data-rank", p.plan.rank)
                .set("data-id", xml_chars(s.id))
                .add(title(s.id)),
        );
        let w = text_width(s.id, LABEL_FONT, !s.shared);
        let spot = placer.place_always(&positions_around(x, y, w, 11.0, 8.0));
        let mut t = text(spot.x, spot.y + 8.5, s.id);
        if !s.shared {
            t = t.set("font-weight", "bold");
        }
        labels.append(one_line(t));
    }
    g.add(labels)
}

/// "#r · cost M EUR · +delta M EUR (+pct %)" (the optimum says so instead), and
/// the swap against the reference plan below it, each cut to the panel's width.
fn panel_titles(p: &PanelPlan, frame: Rect) -> [Element; 2] {
    let plan = p.plan;
    let mut head = format!("#{} · cost {} M EUR · ", plan.rank, meur(plan.cost_eur));
    if plan.rank == 1 && plan.delta_eur == 0.0 {
        head.push_str("optimum");
    } else {
        let _ = write!(
            head,
            "{} ({})",
            delta_meur(plan.delta_eur),
            delta_pct(plan.delta_pct)
        );
    }
    let reference = p.reference;
    let mut swap = format!("vs #{reference}:");
    for s in &p.dropped {
        let _ = write!(swap, " −{}", s.id);
    }
    for s in p.sites.iter().filter(|s| !s.shared) {
        let _ = write!(swap, " +{}", s.id);
    }
    if p.dropped.is_empty() && p.sites.iter().all(|s| s.shared) {
        swap = format!("sites of #{reference}");
    }
    let y = frame.y - PANEL_TITLE_H;
    [
        one_line(
            text(frame.x, y + 13.0, &fit(&head, frame.w, 11.5, true))
                .set("class", "panel-title")
                .set("font-size", "11.5")
                .set("font-weight", "bold")
                .set("fill", "#111"),
        ),
        one_line(
            text(frame.x, y + 27.0, &fit(&swap, frame.w, 10.0, false))
                .set("font-size", 10)
                .set("fill", "#555"),
        ),
    ]
}

/// A cost difference in M EUR with a sign, with enough decimals to show a small one.
fn delta_meur(eur: f64) -> String {
    let m = eur / 1e6;
    let digits = if m.abs() >= 0.1 || m == 0.0 {
        1
    } else if m.abs() >= 0.001 {
        3
    } else {
        6
    };
    format!("{m:+.digits$} M EUR")
}

/// A percentage with a sign, two decimals ("<0.01 %" for a small positive one).
fn delta_pct(pct: f64) -> String {
    if pct > 0.0 && pct < 0.005 {
        "+<0.01 %".to_string()
    } else {
        format!("{pct:+.2} %")
    }
}

/// The text cut with an ellipsis to fit `width` px at this size.
fn fit(s: &str, width: f64, size: f64, bold: bool) -> String {
    if text_width(s, size, bold) <= width {
        return s.to_string();
    }
    let per_char = text_width("x", size, bold);
    let keep = ((width / per_char) as usize).saturating_sub(1);
    let mut out: String = s.chars().take(keep).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_show_small_differences() {
        assert_eq!(delta_meur(12_345.0), "+0.012 M EUR");
        assert_eq!(delta_meur(73_400_000.0), "+73.4 M EUR");
        assert_eq!(delta_meur(0.0), "+0.0 M EUR");
        assert_eq!(delta_pct(0.554), "+0.55 %");
        assert_eq!(delta_pct(0.001), "+<0.01 %");
    }

    #[test]
    fn long_titles_are_cut() {
        let s = fit(&"a".repeat(200), 100.0, 10.0, false);
        assert!(text_width(&s, 10.0, false) <= 100.0 + 6.0, "{s}");
        assert!(s.ends_with('…'));
        assert_eq!(fit("short", 100.0, 10.0, false), "short");
    }

    #[test]
    fn summary_object_is_read() {
        let a: Alternatives = serde_json::from_str(
            r#"{"requested": 10, "within_pct": null, "listed": 1, "status": "optimal",
                "cut_by_cap": false, "next_cost_eur": 2300000000.0,
                "plans": [{"rank": 1, "cost_eur": 2226525421.0, "delta_eur": 0.0,
                  "delta_pct": 0.0, "site_ids": ["a", "b"], "site_costs_eur": [1.0, 2.0],
                  "latency_cost_eur": 0.0}]}"#,
        )
        .unwrap();
        assert_eq!(a.plans[0].site_ids, ["a", "b"]);
        assert_eq!(
            a.describe(),
            "1 of the 10 best plans asked for · optimal · next plan 2300.0 M EUR"
        );
    }
}
