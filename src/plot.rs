//! Charts as self-contained SVG: the Pareto plot of a parameter sweep (objective
//! against the swept parameter), and the regret per site ([`regret_svg`]).
//!
//! # Units
//! Objectives are given in EUR and plotted in million EUR (M EUR); the swept
//! parameter is plotted in whatever unit its axis label names.

pub(crate) mod regret;

use std::fmt::Write as _;

use svg::node::element::{Circle, Group, Path, Rectangle, Text};
use svg::Node as _;

use crate::map::{
    document, finish, meur, nice_ticks, num, one_line, positions_around, text, text_width,
    tick_label, title as svg_title, Placer, Rect,
};

pub use regret::{
    regret_order, regret_svg, Regret, RegretRow, CANDIDATE_BAR_COLOR, CHOSEN_BAR_COLOR,
    INFINITE_LABEL,
};

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

    let mut doc = document(W, H, title)
        .set("font-size", 12)
        .set("fill", "#222")
        .add(
            Rectangle::new()
                .set("width", "100%")
                .set("height", "100%")
                .set("fill", "#fff"),
        )
        .add(one_line(
            text(LEFT, 28.0, title)
                .set("id", "title")
                .set("font-size", 16)
                .set("font-weight", "bold"),
        ));

    // Grid, ticks and tick labels.
    let mut axes = Group::new().set("id", "axes").set("stroke", "#222");
    let x_ticks = nice_ticks(x_lo, x_hi, 6);
    let y_ticks = nice_ticks(y_lo, y_hi, 5);
    let step = |t: &[f64]| if t.len() > 1 { t[1] - t[0] } else { 1.0 };
    let (x_step, y_step) = (step(&x_ticks), step(&y_ticks));
    for &v in &y_ticks {
        let y = sy(v);
        axes.append(
            Path::new()
                .set(
                    "d",
                    format!("M{} {}H{}", num(plot.x), num(y), num(plot.x + plot.w)),
                )
                .set("stroke", "#e0e0e0"),
        );
        axes.append(Path::new().set("d", format!("M{} {}h-5", num(plot.x), num(y))));
        axes.append(one_line(
            text(plot.x - 8.0, y + 4.0, &tick_label(v, y_step))
                .set("stroke", "none")
                .set("text-anchor", "end"),
        ));
    }
    for &v in &x_ticks {
        let x = sx(v);
        axes.append(Path::new().set("d", format!("M{} {}v5", num(x), num(plot.y + plot.h))));
        axes.append(one_line(
            text(x, plot.y + plot.h + 19.0, &tick_label(v, x_step))
                .set("stroke", "none")
                .set("text-anchor", "middle"),
        ));
    }
    axes.append(Path::new().set("fill", "none").set(
        "d",
        format!(
            "M{} {}V{}H{}",
            num(plot.x),
            num(plot.y),
            num(plot.y + plot.h),
            num(plot.x + plot.w)
        ),
    ));
    doc.append(axes);
    doc.append(one_line(
        text(plot.x + plot.w / 2.0, H - 18.0, x_label)
            .set("id", "x-label")
            .set("text-anchor", "middle")
            .set("font-size", 13),
    ));
    doc.append(one_line(
        Text::new("objective (M EUR)")
            .set("id", "y-label")
            .set(
                "transform",
                format!("translate(22 {}) rotate(-90)", num(plot.y + plot.h / 2.0)),
            )
            .set("text-anchor", "middle")
            .set("font-size", 13),
    ));

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
        doc.append(
            Path::new()
                .set("id", "front")
                .set("fill", "none")
                .set("stroke", FRONT_COLOR)
                .set("stroke-width", 2)
                .set("d", d),
        );
    }

    // Points: dominated first so the front is drawn over them.
    let mut placer = Placer::new(Rect::new(plot.x, 0.0, plot.w + RIGHT, H));
    let mut labels = Group::new()
        .set("id", "point-labels")
        .set("font-size", 10)
        .set("fill", "#333");
    let mut order: Vec<&ParetoPoint> = points.iter().collect();
    order.sort_by_key(|p| {
        (
            p.objective_eur.is_some() && !p.dominated,
            p.objective_eur.is_none(),
        )
    });
    let mut marks = Group::new().set("id", "points");
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
                marks.append(
                    Circle::new()
                        .set("class", class)
                        .set("cx", num(x))
                        .set("cy", num(y))
                        .set("r", 5)
                        .set("fill", color)
                        .set("stroke", "#fff")
                        .set("stroke-width", "1.2")
                        .add(svg_title(&tip)),
                );
                placer.block(Rect::new(x - 6.0, y - 6.0, 12.0, 12.0));
                if !p.dominated && !p.label.is_empty() {
                    let w = text_width(&p.label, 10.0, false);
                    if let Some(r) = placer.place(&positions_around(x, y, w, 12.0, 8.0)[..8]) {
                        labels.append(one_line(text(r.x, r.y + 9.5, &p.label)));
                    }
                }
            }
            None => {
                let y = plot.y + plot.h;
                marks.append(
                    Path::new()
                        .set("class", "point infeasible")
                        .set(
                            "d",
                            format!("M{} {}l10 10m0-10l-10 10", num(x - 5.0), num(y - 5.0)),
                        )
                        .set("stroke", INFEASIBLE_COLOR)
                        .set("stroke-width", "2.2")
                        .add(svg_title(&tip)),
                );
            }
        }
    }
    doc.append(marks);
    if labels.get_children().is_some_and(|c| !c.is_empty()) {
        doc.append(labels);
    }

    // Key.
    let kx = W - RIGHT - 330.0;
    let key_circle = |cx: f64, color: &str| {
        Circle::new()
            .set("cx", num(cx))
            .set("cy", 44)
            .set("r", 5)
            .set("fill", color)
    };
    doc.append(
        Group::new()
            .set("id", "key")
            .set("font-size", 11)
            .add(key_circle(kx, FRONT_COLOR))
            .add(one_line(text(kx + 9.0, 48.0, "non-dominated")))
            .add(key_circle(kx + 120.0, DOMINATED_COLOR))
            .add(one_line(text(kx + 129.0, 48.0, "dominated")))
            .add(
                Path::new()
                    .set("d", format!("M{} 39l10 10m0-10l-10 10", num(kx + 220.0)))
                    .set("stroke", INFEASIBLE_COLOR)
                    .set("stroke-width", "2.2"),
            )
            .add(one_line(text(kx + 237.0, 48.0, "infeasible"))),
    );
    finish(&doc)
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

    #[test]
    fn names_with_markup_and_control_characters_stay_well_formed() {
        let p = ParetoPoint {
            x: 1.0,
            objective_eur: Some(1e9),
            dominated: false,
            label: "a <b> & 'c' \"d\" \u{7}".into(),
        };
        let svg = pareto_svg(&[p], "x & <y>", "t\u{0}");
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
        assert!(texts.contains(&"a <b> & 'c' \"d\" \u{fffd}"), "{texts:?}");
        assert!(texts.contains(&"x & <y>"), "{texts:?}");
        assert!(texts.contains(&"t\u{fffd}"), "{texts:?}");
    }
}
