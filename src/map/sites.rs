//! The chosen sites: their grid lines to the substations they use (ringed), their
//! fibre access lines, the leaders to their labels, and their markers.

use std::fmt::Write as _;

use svg::node::element::{Group, Path};
use svg::Node as _;

use super::markup::{circle, meur, num, title, xml_chars};
use super::{Projection, Rect, FIBRE_COLOR, SITE_COLOR, SITE_MARKER_RADIUS_PX};
use crate::report::SiteReport;

/// Each site's dashed line to where it joins the fibre, when that is not the site
/// itself; in site order.
pub(super) fn fibre_access_lines(
    proj: &Projection,
    sites: &[SiteReport],
    site_px: &[(f64, f64)],
) -> Vec<Path> {
    let mut out = Vec::new();
    for (s, &(x, y)) in sites.iter().zip(site_px) {
        let Some(p) = s.fibre_point else { continue };
        let (fx, fy) = proj.project(p[0], p[1]);
        if (fx - x).hypot(fy - y) > 1.0 {
            out.push(
                Path::new()
                    .set("fill", "none")
                    .set("stroke", FIBRE_COLOR)
                    .set("stroke-width", "1.5")
                    .set("stroke-dasharray", "3 2")
                    .set(
                        "d",
                        format!("M{} {} {} {}", num(x), num(y), num(fx), num(fy)),
                    ),
            );
        }
    }
    out
}

/// The grid lines of the chosen sites, the substations they use ringed (with the
/// line's MW and km as tooltip).
pub(super) fn grid_lines(proj: &Projection, sites: &[SiteReport], site_px: &[(f64, f64)]) -> Group {
    let mut d = String::new();
    let mut rings = Group::new()
        .set("fill", "none")
        .set("stroke", SITE_COLOR)
        .set("stroke-width", "1.8");
    for (s, &(x, y)) in sites.iter().zip(site_px) {
        for line in &s.lines {
            let (tx, ty) = proj.project(line.to[0], line.to[1]);
            let _ = write!(d, "M{} {} {} {}", num(x), num(y), num(tx), num(ty));
            rings.append(circle(tx, ty, 4.0).add(title(&format!(
                "{}: {} MW, {} km",
                line.substation,
                num(line.mw),
                num(line.km)
            ))));
        }
    }
    Group::new()
        .set("id", "grid-lines")
        .add(
            Path::new()
                .set("fill", "none")
                .set("stroke", SITE_COLOR)
                .set("stroke-width", "2.4")
                .set("stroke-linecap", "round")
                .set("d", d),
        )
        .add(rings)
}

/// Leaders from marker to label when the label sits away from it; None when every
/// label is beside its marker.
pub(super) fn leaders(site_px: &[(f64, f64)], label_boxes: &[Rect]) -> Option<Path> {
    let mut d = String::new();
    for (r, &(x, y)) in label_boxes.iter().zip(site_px) {
        let (cx, cy) = (x.clamp(r.x, r.x + r.w), y.clamp(r.y, r.y + r.h));
        if (cx - x).hypot(cy - y) > SITE_MARKER_RADIUS_PX + 8.0 {
            let _ = write!(d, "M{} {} {} {}", num(x), num(y), num(cx), num(cy));
        }
    }
    if d.is_empty() {
        return None;
    }
    Some(
        Path::new()
            .set("id", "leaders")
            .set("fill", "none")
            .set("stroke", SITE_COLOR)
            .set("stroke-width", 1)
            .set("d", d),
    )
}

/// One marker per site, of class `site` with its rank and id as data attributes.
pub(super) fn markers(sites: &[SiteReport], site_px: &[(f64, f64)]) -> Group {
    let mut markers = Group::new()
        .set("id", "sites")
        .set("fill", SITE_COLOR)
        .set("stroke", "#fff")
        .set("stroke-width", "1.5");
    for (s, &(x, y)) in sites.iter().zip(site_px) {
        markers.append(
            circle(x, y, SITE_MARKER_RADIUS_PX)
                .set("class", "site")
                .set("data-rank", s.rank)
                .set("data-id", xml_chars(&s.id))
                .add(title(&format!(
                    "{}. {}: {} M EUR",
                    s.rank,
                    s.id,
                    meur(s.cost_total_eur)
                ))),
        );
    }
    markers
}
