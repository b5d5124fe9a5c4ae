//! Charts as self-contained SVG: the Pareto plot of a parameter sweep (objective
//! against the swept parameter).
//!
//! # Units
//! Objectives are given in EUR and plotted in million EUR (M EUR); the swept
//! parameter is plotted in whatever unit its axis label names.

use std::fmt::Write as _;

use crate::map::{meur, nice_ticks, num, positions_around, text_width, xml_escape, Placer, Rect};

/// One point of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct ParetoPoint {
    /// The swept parameter's value.
    pub x: f64,
    /// The minimized total, EUR; None when the run was infeasible (or found no answer).
    pub objective_eur: Option<f64>,
    /// Whether another point is at least as good in both the parameter and the
    /// objective (the caller decides which direction of x is better).
    pub dominated: bool,
    /// Shown beside the point (non-dominated ones) and as its tooltip.
    pub label: String,
}

/// Colour of non-dominated points and the line joining them.
pub const FRONT_COLOR: &str = "#1f4e9c";
/// Colour of dominated points.
pub const DOMINATED_COLOR: &str = "#9e9e9e";
/// Colour of infeasible points' crosses on the x axis.
pub const INFEASIBLE_COLOR: &str = "#c62828";

const W: f64 = 760.0;
const H: f64 = 460.0;
const LEFT: f64 = 86.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 64.0;
const BOTTOM: f64 = 64.0;

/// Plots objective (M EUR) against the swept parameter: non-dominated points joined
/// by a line in x order, dominated ones grey, infeasible ones as crosses on the x axis.
/// Every point is drawn as one element of class `point` (plus `front`, `dominated` or
/// `infeasible`).
pub fn pareto_svg(points: &[ParetoPoint], x_label: &str, title: &str) -> String {
    let plot = Rect::new(LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM);
    let finite_x: Vec<f64> = points
        .iter()
        .map(|p| p.x)
        .filter(|x| x.is_finite())
        .collect();
    let ys: Vec<f64> = points
        .iter()
        .filter_map(|p| p.objective_eur)
        .filter(|y| y.is_finite())
        .map(|y| y / 1e6)
        .collect();
    let (x_lo, x_hi) = padded_range(&finite_x);
    let (y_lo, y_hi) = padded_range(&ys);
    let sx = |x: f64| plot.x + (x - x_lo) / (x_hi - x_lo) * plot.w;
    let sy = |y: f64| plot.y + plot.h - (y - y_lo) / (y_hi - y_lo) * plot.h;

    let mut svg = String::with_capacity(8 * 1024);
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12" fill="#222"><title>{t}</title><rect width="100%" height="100%" fill="#fff"/>"##,
        w = num(W),
        h = num(H),
        t = xml_escape(title)
    );
    let _ = write!(
        svg,
        r#"<text id="title" x="{}" y="28" font-size="16" font-weight="bold">{}</text>"#,
        num(LEFT),
        xml_escape(title)
    );

    // Grid, ticks and tick labels.
    let _ = write!(svg, r##"<g id="axes" stroke="#222">"##);
    let x_ticks = nice_ticks(x_lo, x_hi, 6);
    let y_ticks = nice_ticks(y_lo, y_hi, 5);
    let step = |t: &[f64]| if t.len() > 1 { t[1] - t[0] } else { 1.0 };
    let (x_step, y_step) = (step(&x_ticks), step(&y_ticks));
    for &v in &y_ticks {
        let y = sy(v);
        let _ = write!(
            svg,
            r##"<path d="M{} {}H{}" stroke="#e0e0e0"/><path d="M{} {}h-5"/><text x="{}" y="{}" stroke="none" text-anchor="end">{}</text>"##,
            num(plot.x),
            num(y),
            num(plot.x + plot.w),
            num(plot.x),
            num(y),
            num(plot.x - 8.0),
            num(y + 4.0),
            crate::map::tick_label(v, y_step)
        );
    }
    for &v in &x_ticks {
        let x = sx(v);
        let _ = write!(
            svg,
            r#"<path d="M{} {}v5"/><text x="{}" y="{}" stroke="none" text-anchor="middle">{}</text>"#,
            num(x),
            num(plot.y + plot.h),
            num(x),
            num(plot.y + plot.h + 19.0),
            crate::map::tick_label(v, x_step)
        );
    }
    let _ = write!(
        svg,
        r#"<path fill="none" d="M{} {}V{}H{}"/></g>"#,
        num(plot.x),
        num(plot.y),
        num(plot.y + plot.h),
        num(plot.x + plot.w)
    );
    let _ = write!(
        svg,
        r#"<text id="x-label" x="{}" y="{}" text-anchor="middle" font-size="13">{}</text>"#,
        num(plot.x + plot.w / 2.0),
        num(H - 18.0),
        xml_escape(x_label)
    );
    let _ = write!(
        svg,
        r#"<text id="y-label" transform="translate(22 {}) rotate(-90)" text-anchor="middle" font-size="13">objective (M EUR)</text>"#,
        num(plot.y + plot.h / 2.0)
    );

    // The front: non-dominated feasible points in x order.
    let mut front: Vec<(f64, f64)> = points
        .iter()
        .filter(|p| !p.dominated && p.x.is_finite())
        .filter_map(|p| Some((p.x, p.objective_eur.filter(|y| y.is_finite())? / 1e6)))
        .collect();
    front.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    if front.len() > 1 {
        let mut d = String::new();
        for (i, (x, y)) in front.iter().enumerate() {
            d.push(if i == 0 { 'M' } else { ' ' });
            let _ = write!(d, "{} {}", num(sx(*x)), num(sy(*y)));
        }
        let _ = write!(
            svg,
            r#"<path id="front" fill="none" stroke="{FRONT_COLOR}" stroke-width="2" d="{d}"/>"#
        );
    }

    // Points: dominated first so the front is drawn over them.
    let mut placer = Placer::new(Rect::new(plot.x, 0.0, plot.w + RIGHT, H));
    let mut labels = String::new();
    let mut order: Vec<&ParetoPoint> = points.iter().collect();
    order.sort_by_key(|p| {
        (
            p.objective_eur.is_some() && !p.dominated,
            p.objective_eur.is_none(),
        )
    });
    svg.push_str(r#"<g id="points">"#);
    for p in order {
        let x = if p.x.is_finite() { sx(p.x) } else { plot.x };
        let tip = match p.objective_eur {
            Some(v) => format!("{}: {} M EUR", p.label, meur(v)),
            None => format!("{}: infeasible", p.label),
        };
        match p.objective_eur.filter(|y| y.is_finite()) {
            Some(v) => {
                let y = sy(v / 1e6);
                let (class, color) = if p.dominated {
                    ("point dominated", DOMINATED_COLOR)
                } else {
                    ("point front", FRONT_COLOR)
                };
                let _ = write!(
                    svg,
                    r##"<circle class="{class}" cx="{}" cy="{}" r="5" fill="{color}" stroke="#fff" stroke-width="1.2"><title>{}</title></circle>"##,
                    num(x),
                    num(y),
                    xml_escape(&tip)
                );
                placer.block(Rect::new(x - 6.0, y - 6.0, 12.0, 12.0));
                if !p.dominated && !p.label.is_empty() {
                    let w = text_width(&p.label, 10.0, false);
                    if let Some(r) = placer.place(&positions_around(x, y, w, 12.0, 8.0)[..8]) {
                        let _ = write!(
                            labels,
                            r#"<text x="{}" y="{}">{}</text>"#,
                            num(r.x),
                            num(r.y + 9.5),
                            xml_escape(&p.label)
                        );
                    }
                }
            }
            None => {
                let y = plot.y + plot.h;
                let _ = write!(
                    svg,
                    r#"<path class="point infeasible" d="M{} {}l10 10m0-10l-10 10" stroke="{INFEASIBLE_COLOR}" stroke-width="2.2"><title>{}</title></path>"#,
                    num(x - 5.0),
                    num(y - 5.0),
                    xml_escape(&tip)
                );
            }
        }
    }
    svg.push_str("</g>");
    if !labels.is_empty() {
        let _ = write!(
            svg,
            r##"<g id="point-labels" font-size="10" fill="#333">{labels}</g>"##
        );
    }

    // Key.
    let kx = W - RIGHT - 330.0;
    let _ = write!(
        svg,
        r##"<g id="key" font-size="11"><circle cx="{}" cy="44" r="5" fill="{FRONT_COLOR}"/><text x="{}" y="48">non-dominated</text><circle cx="{}" cy="44" r="5" fill="{DOMINATED_COLOR}"/><text x="{}" y="48">dominated</text><path d="M{} 39l10 10m0-10l-10 10" stroke="{INFEASIBLE_COLOR}" stroke-width="2.2"/><text x="{}" y="48">infeasible</text></g>"##,
        num(kx),
        num(kx + 9.0),
        num(kx + 120.0),
        num(kx + 129.0),
        num(kx + 220.0),
        num(kx + 237.0)
    );
    svg.push_str("</svg>\n");
    svg
}

/// The values' range widened by 5 % each side (by 1 when they are all equal; [0, 1]
/// when there are none).
fn padded_range(v: &[f64]) -> (f64, f64) {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
        return (lo - 1.0, hi + 1.0);
    }
    let pad = 0.05 * (hi - lo);
    (lo - pad, hi + pad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_single_point_plots_are_drawn() {
        assert!(pareto_svg(&[], "x", "t").ends_with("</svg>\n"));
        let p = ParetoPoint {
            x: 3.0,
            objective_eur: Some(1e9),
            dominated: false,
            label: "k = 3".into(),
        };
        let svg = pareto_svg(&[p], "sites (count)", "t");
        assert_eq!(svg.matches("class=\"point").count(), 1);
    }
}
