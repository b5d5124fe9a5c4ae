//! Labels: each chosen site's cost breakdown with its rank badge (always shown),
//! then zone and exchange-point names where room is left.

use geo::{Coord, InteriorPoint, MultiPolygon};
use svg::node::element::Group;
use svg::Node as _;

use super::markup::{circle, meur, num, one_line, rect, text, text_width};
use super::placer::{positions_around, Placer};
use super::{MapLayout, Projection, Rect, SITE_COLOR, SITE_MARKER_RADIUS_PX};
use crate::report::SiteReport;
use crate::RunResult;

const LABEL_FONT: f64 = 11.0;
const LABEL_LINE: f64 = 13.0;
const LABEL_PAD: f64 = 5.0;
const BADGE_R: f64 = 7.0;

/// A chosen site's label: where it goes and its lines.
pub(super) struct SiteLabel {
    pub rect: Rect,
    pub lines: Vec<String>,
}

/// A placer for the frame that keeps labels off the scale bar, the site markers,
/// the point symbols and the far ends of the grid lines.
pub(super) fn label_placer(
    result: &RunResult,
    layout: &MapLayout,
    sites: &[SiteReport],
    site_px: &[(f64, f64)],
    scale_bar: Rect,
) -> Placer {
    let l = &result.layers;
    let mut placer = Placer::new(layout.frame.grown(-2.0));
    placer.block(scale_bar);
    for &(x, y) in site_px {
        placer.block(Rect::around(x, y, SITE_MARKER_RADIUS_PX + 2.0));
    }
    let points = l
        .fibre
        .ixps
        .iter()
        .map(|x| x.location)
        .chain(l.demand.iter().map(|d| d.location))
        .chain(sites.iter().flat_map(|s| {
            s.lines
                .iter()
                .map(|line| Coord::from((line.to[0], line.to[1])))
        }));
    for c in points {
        let (x, y) = layout.projection.p(c);
        placer.block(Rect::around(x, y, 5.0));
    }
    placer
}

/// Places every site's label (the first free spot around it, else the least
/// crowded one), in site order.
pub(super) fn place_site_labels(
    result: &RunResult,
    sites: &[SiteReport],
    site_px: &[(f64, f64)],
    placer: &mut Placer,
) -> Vec<SiteLabel> {
    sites
        .iter()
        .zip(site_px)
        .map(|(s, &(x, y))| {
            let lines = site_label_lines(s, result.scenario.facility.pue);
            let w = lines
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let indent = if i == 0 { 2.0 * BADGE_R + 4.0 } else { 0.0 };
                    indent + text_width(t, LABEL_FONT, i <= 1)
                })
                .fold(0.0, f64::max)
                + 2.0 * LABEL_PAD;
            let h = lines.len() as f64 * LABEL_LINE + 2.0 * LABEL_PAD + 2.0;
            let rect = placer.place_always(&positions_around(x, y, w, h, 14.0));
            SiteLabel { rect, lines }
        })
        .collect()
}

/// The placed labels: a framed box with the rank badge, the id and total in bold,
/// then the cost breakdown.
pub(super) fn site_labels(sites: &[SiteReport], labels_at: &[SiteLabel]) -> Group {
    let mut labels = Group::new()
        .set("id", "site-labels")
        .set("font-size", num(LABEL_FONT));
    for (s, SiteLabel { rect: r, lines }) in sites.iter().zip(labels_at) {
        labels.append(
            rect(*r)
                .set("rx", 3)
                .set("fill", "#fff")
                .set("fill-opacity", ".93")
                .set("stroke", SITE_COLOR),
        );
        let (bx, by) = (r.x + LABEL_PAD + BADGE_R, r.y + LABEL_PAD + BADGE_R - 1.0);
        labels.append(circle(bx, by, BADGE_R).set("fill", SITE_COLOR));
        labels.append(one_line(
            text(bx, by + 4.0, &s.rank.to_string())
                .set("fill", "#fff")
                .set("font-weight", "bold")
                .set("text-anchor", "middle"),
        ));
        for (i, line) in lines.iter().enumerate() {
            let x = r.x + LABEL_PAD + if i == 0 { 2.0 * BADGE_R + 4.0 } else { 0.0 };
            let y = r.y + LABEL_PAD + 10.0 + i as f64 * LABEL_LINE;
            let mut t = text(x, y, line);
            if i <= 1 {
                t = t.set("font-weight", "bold");
            }
            labels.append(one_line(t));
        }
    }
    labels
}

/// Zone names (with price) and exchange-point names where they fit; None when none
/// fits.
pub(super) fn minor_labels(
    result: &RunResult,
    proj: &Projection,
    placer: &mut Placer,
) -> Option<Group> {
    let l = &result.layers;
    let mut minor = Group::new()
        .set("id", "minor-labels")
        .set("font-size", "9.5")
        .set("stroke", "#fff")
        .set("stroke-width", "2.5")
        .set("stroke-opacity", ".7")
        .set("paint-order", "stroke");
    for z in &l.prices {
        let Some(p) = largest_part_point(&z.area) else {
            continue;
        };
        let (x, y) = proj.p(p);
        let label = format!("{} {}", z.zone, z.price_eur_per_mwh.round());
        let (w, h) = (text_width(&label, 9.5, false), 11.0);
        if let Some(r) = placer.place(&[Rect::new(x - w / 2.0, y - h / 2.0, w, h)]) {
            minor.append(one_line(
                text(r.x + w / 2.0, r.y + 8.5, &label)
                    .set("fill", "#3e2723")
                    .set("text-anchor", "middle"),
            ));
        }
    }
    for x in &l.fibre.ixps {
        let (px, py) = proj.p(x.location);
        let label = x.name.clone().unwrap_or_else(|| x.id.clone());
        let (w, h) = (text_width(&label, 9.5, false), 11.0);
        let spots = [
            Rect::new(px + 6.0, py - h / 2.0, w, h),
            Rect::new(px - 6.0 - w, py - h / 2.0, w, h),
            Rect::new(px - w / 2.0, py - 6.0 - h, w, h),
            Rect::new(px - w / 2.0, py + 6.0, w, h),
        ];
        if let Some(r) = placer.place(&spots) {
            minor.append(one_line(text(r.x, r.y + 8.5, &label).set("fill", "#111")));
        }
    }
    minor
        .get_children()
        .is_some_and(|c| !c.is_empty())
        .then_some(minor)
}

/// A point inside the zone's largest part, for its label.
fn largest_part_point(mp: &MultiPolygon) -> Option<Coord> {
    use geo::Area;
    let largest = mp
        .iter()
        .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))?;
    largest.interior_point().map(|p| p.0)
}

/// One label's text lines beside a chosen site.
fn site_label_lines(s: &SiteReport, default_pue: f64) -> Vec<String> {
    let mut head = s.id.clone();
    if let Some(z) = &s.zone {
        head.push_str(&format!(" · {z}"));
    } else if let Some(c) = &s.country {
        head.push_str(&format!(" · {c}"));
    }
    let mut lines = vec![
        head,
        format!("total {} M EUR", meur(s.cost_total_eur)),
        format!(
            "energy {} · land {}",
            meur(s.cost_energy_eur),
            meur(s.cost_land_eur)
        ),
        format!(
            "grid {} · fibre {}",
            meur(s.cost_grid_eur),
            meur(s.cost_fibre_eur)
        ),
    ];
    if s.cost_carbon_eur > 0.0 {
        let mut text = format!("carbon {}", meur(s.cost_carbon_eur));
        if let Some(ci) = s.carbon_g_per_kwh {
            text.push_str(&format!(" · {ci:.0} g/kWh"));
        }
        lines.push(text);
    }
    if s.capex_eur > 0.0 {
        lines.push(format!("capex {}", meur(s.capex_eur)));
    }
    if (s.pue - default_pue).abs() > 1e-12 {
        lines.push(format!("PUE {:.2} · {:.0} MW", s.pue, s.power_mw));
    }
    lines
}
