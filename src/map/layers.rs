//! The data layers under the sites, clipped to the map frame: price zones, hatched
//! exclusions, fibre routes, substations sized by headroom, candidates as dots,
//! demand points and exchange points; and the definitions they use.

use std::fmt::Write as _;

use geo::{Coord, MultiPolygon};
use svg::node::element::{
    ClipPath, Definitions, Group, LinearGradient, Path, Pattern, Rectangle, Stop,
};
use svg::Node as _;

use super::markup::{circle, hex, num, rect, title};
use super::price::PRICE_STOPS;
use super::{
    MapOptions, PriceScale, Projection, Rect, CANDIDATE_COLOR, DEMAND_COLOR, EXCLUSION_COLOR,
    FIBRE_COLOR, SUBSTATION_COLOR,
};
use crate::RunResult;

/// Vertices closer than this after projection are dropped, px.
const SIMPLIFY_PX: f64 = 0.5;
const SUB_R_MIN: f64 = 1.2;
const SUB_R_MAX: f64 = 6.0;

pub(super) fn substation_radius(headroom_mw: f64, max_mw: f64) -> f64 {
    if max_mw > 0.0 {
        SUB_R_MIN + (SUB_R_MAX - SUB_R_MIN) * (headroom_mw / max_mw).clamp(0.0, 1.0).sqrt()
    } else {
        SUB_R_MIN
    }
}

/// The largest substation headroom, MW (0 without substations): the legend's scale.
pub(super) fn max_headroom_mw(r: &RunResult) -> f64 {
    r.layers
        .grid
        .iter()
        .map(|s| s.headroom_mw)
        .fold(0.0, f64::max)
}

/// Definitions: the frame's clip, the exclusion hatch, the price gradient.
pub(super) fn definitions(frame: Rect) -> Definitions {
    let mut gradient = LinearGradient::new().set("id", "gs-price");
    for (t, c) in PRICE_STOPS {
        gradient.append(Stop::new().set("offset", t).set("stop-color", hex(c)));
    }
    let hatch = Pattern::new()
        .set("id", "gs-hatch")
        .set("patternUnits", "userSpaceOnUse")
        .set("width", 6)
        .set("height", 6)
        .set("patternTransform", "rotate(45)")
        .add(
            Path::new()
                .set("d", "M3 0V6")
                .set("stroke", EXCLUSION_COLOR)
                .set("stroke-width", "1.6"),
        );
    Definitions::new()
        .add(ClipPath::new().set("id", "gs-frame").add(rect(frame)))
        .add(hatch)
        .add(gradient)
}

/// The white page behind everything.
pub(super) fn page() -> Rectangle {
    Rectangle::new()
        .set("width", "100%")
        .set("height", "100%")
        .set("fill", "#fff")
}

/// Every layer, bottom to top, in one group clipped to the frame.
pub(super) fn draw_layers(
    result: &RunResult,
    opts: &MapOptions,
    proj: &Projection,
    frame: Rect,
    scale: &PriceScale,
) -> Group {
    let mut clipped = Group::new().set("clip-path", "url(#gs-frame)");
    clipped.append(zones(result, proj, scale));
    if let Some(g) = exclusions(result, proj) {
        clipped.append(g);
    }
    if let Some(p) = fibre_routes(result, proj) {
        clipped.append(p);
    }
    clipped.append(substations(result, proj, frame));
    if opts.show_ineligible {
        if let Some(p) = candidate_dots(result, proj, false) {
            clipped.append(p);
        }
    }
    if let Some(p) = candidate_dots(result, proj, true) {
        clipped.append(p);
    }
    if let Some(p) = demand_points(result, proj) {
        clipped.append(p);
    }
    if let Some(p) = exchange_points(result, proj) {
        clipped.append(p);
    }
    clipped
}

/// Price zones, filled by price on `scale`, each with its price as tooltip.
pub(super) fn zones(result: &RunResult, proj: &Projection, scale: &PriceScale) -> Group {
    let mut zones = Group::new()
        .set("id", "zones")
        .set("stroke", "#fff")
        .set("stroke-width", ".8")
        .set("fill-rule", "evenodd");
    for z in &result.layers.prices {
        let d = polygon_d(&z.area, proj);
        if d.is_empty() {
            continue;
        }
        zones.append(
            Path::new()
                .set("fill", hex(scale.color(z.price_eur_per_mwh)))
                .set("d", d)
                .add(title(&format!(
                    "{}: {} EUR/MWh",
                    z.zone, z.price_eur_per_mwh
                ))),
        );
    }
    zones
}

/// Exclusion zones, hatched; None without any.
fn exclusions(result: &RunResult, proj: &Projection) -> Option<Group> {
    let l = &result.layers;
    if l.exclusions.is_empty() {
        return None;
    }
    let mut g = Group::new()
        .set("id", "exclusions")
        .set("fill", "url(#gs-hatch)")
        .set("stroke", EXCLUSION_COLOR)
        .set("stroke-width", 1)
        .set("fill-rule", "evenodd");
    for e in &l.exclusions {
        let d = polygon_d(&e.area, proj);
        if d.is_empty() {
            continue;
        }
        let mut p = Path::new().set("d", d);
        if let Some(r) = &e.reason {
            p.append(title(r));
        }
        g.append(p);
    }
    Some(g)
}

/// Fibre routes as one path; None when nothing is left to draw.
fn fibre_routes(result: &RunResult, proj: &Projection) -> Option<Path> {
    let mut d = String::new();
    for route in &result.layers.fibre.routes {
        for part in &route.parts {
            push_path(&mut d, part, proj, false);
        }
    }
    if d.is_empty() {
        return None;
    }
    Some(
        Path::new()
            .set("id", "fibre")
            .set("fill", "none")
            .set("stroke", FIBRE_COLOR)
            .set("stroke-width", "1.3")
            .set("stroke-opacity", ".75")
            .set("stroke-linejoin", "round")
            .set("d", d),
    )
}

/// Substations sized by headroom (area ∝ headroom); those off the frame are skipped.
fn substations(result: &RunResult, proj: &Projection, frame: Rect) -> Group {
    let max_headroom = max_headroom_mw(result);
    let mut substations = Group::new()
        .set("id", "substations")
        .set("fill", SUBSTATION_COLOR)
        .set("fill-opacity", ".35")
        .set("stroke", SUBSTATION_COLOR)
        .set("stroke-width", ".5");
    for s in &result.layers.grid {
        let (x, y) = proj.p(s.location);
        if !frame.grown(SUB_R_MAX).contains(&Rect::around(x, y, 0.0)) {
            continue;
        }
        substations.append(circle(x, y, substation_radius(s.headroom_mw, max_headroom)));
    }
    substations
}

/// The eligible (or the ineligible) candidates as dots: zero-length round-capped
/// strokes in one path, dots landing on the same 0.1 px spot written once. None
/// when there are none.
pub(super) fn candidate_dots(
    result: &RunResult,
    proj: &Projection,
    eligible: bool,
) -> Option<Path> {
    let mut seen = std::collections::HashSet::new();
    let mut d = String::new();
    for c in result
        .candidates
        .all
        .iter()
        .filter(|c| c.eligible() == eligible)
    {
        let (x, y) = proj.p(c.location);
        let key = (num(x), num(y));
        if seen.insert(key.clone()) {
            let _ = write!(d, "M{} {}h0", key.0, key.1);
        }
    }
    if d.is_empty() {
        return None;
    }
    let (id, opacity, width) = if eligible {
        ("candidates", ".6", "3.6")
    } else {
        ("candidates-ineligible", ".2", "2.2")
    };
    Some(
        Path::new()
            .set("id", id)
            .set("fill", "none")
            .set("stroke", CANDIDATE_COLOR)
            .set("stroke-opacity", opacity)
            .set("stroke-width", width)
            .set("stroke-linecap", "round")
            .set("d", d),
    )
}

/// Demand points: small triangles; None without any.
fn demand_points(result: &RunResult, proj: &Projection) -> Option<Path> {
    let l = &result.layers;
    if l.demand.is_empty() {
        return None;
    }
    let mut d = String::new();
    for p in &l.demand {
        let (x, y) = proj.p(p.location);
        let _ = write!(d, "M{} {}l4 7h-8z", num(x), num(y - 4.5));
    }
    Some(
        Path::new()
            .set("id", "demand")
            .set("fill", DEMAND_COLOR)
            .set("stroke", "#fff")
            .set("stroke-width", ".8")
            .set("d", d),
    )
}

/// Internet exchange points: diamonds; None without any.
fn exchange_points(result: &RunResult, proj: &Projection) -> Option<Path> {
    let ixps = &result.layers.fibre.ixps;
    if ixps.is_empty() {
        return None;
    }
    let mut d = String::new();
    for x in ixps {
        let (px, py) = proj.p(x.location);
        let _ = write!(d, "M{} {}l4.5 4.5-4.5 4.5-4.5-4.5z", num(px), num(py - 4.5));
    }
    Some(
        Path::new()
            .set("id", "ixps")
            .set("fill", "#111")
            .set("stroke", "#fff")
            .set("stroke-width", 1)
            .set("d", d),
    )
}

// ---------------------------------------------------------------------------------
// Paths.

/// Appends one polyline or ring to a path's `d`, dropping vertices closer than
/// lines shorter than that are skipped.
fn push_path(d: &mut String, coords: &[Coord], proj: &Projection, closed: bool) {
    let mut pts: Vec<(f64, f64)> = Vec::with_capacity(coords.len());
    let n = if closed && coords.len() > 1 && coords[0] == coords[coords.len() - 1] {
        coords.len() - 1
    } else {
        coords.len()
    };
    for (i, c) in coords[..n].iter().enumerate() {
        let p = proj.p(*c);
        let far = |q: &(f64, f64)| (p.0 - q.0).hypot(p.1 - q.1) >= SIMPLIFY_PX;
        match pts.last() {
            None => pts.push(p),
            Some(q) if far(q) => pts.push(p),
            // An open line keeps its end: it replaces the close last vertex.
            Some(_) if !closed && i == n - 1 && pts.len() > 1 => {
                *pts.last_mut().expect("nonempty") = p;
            }
            Some(_) => {}
        }
    }
    if closed {
        if let (Some(f), Some(l)) = (pts.first(), pts.last()) {
            if pts.len() > 1 && (f.0 - l.0).hypot(f.1 - l.1) < SIMPLIFY_PX {
                pts.pop();
            }
        }
    }
    if pts.len() < if closed { 3 } else { 2 } {
        return;
    }
    for (i, (x, y)) in pts.iter().enumerate() {
        d.push(if i == 0 { 'M' } else { ' ' });
        let _ = write!(d, "{} {}", num(*x), num(*y));
    }
    if closed {
        d.push('Z');
    }
}

fn polygon_d(mp: &MultiPolygon, proj: &Projection) -> String {
    let mut d = String::new();
    for poly in mp {
        push_path(&mut d, &poly.exterior().0, proj, true);
        for ring in poly.interiors() {
            push_path(&mut d, &ring.0, proj, true);
        }
    }
    d
}
