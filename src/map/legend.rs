//! Around the map: the title and subtitle, the scale bar, and the legend panel (the
//! price scale, the map symbols, substation sizes and notes on the costs).

use std::fmt::Write as _;

use svg::node::element::{Element, Group, Path};
use svg::Node as _;

use super::layers::substation_radius;
use super::markup::{
    circle, nice_step, nice_ticks, num, one_line, rect, text, text_width, tick_label,
};
use super::{
    MapLayout, MapOptions, PriceScale, Rect, CANDIDATE_COLOR, DEMAND_COLOR, EXCLUSION_COLOR,
    FIBRE_COLOR, LEGEND_WIDTH_PX, PRICE_LEGEND_TITLE, SITE_COLOR, SITE_MARKER_RADIUS_PX,
    SUBSTATION_COLOR,
};
use crate::RunResult;

/// Where the scale bar sits: the frame's bottom-left corner.
pub(super) fn scale_bar_box(layout: &MapLayout) -> Rect {
    let f = layout.frame;
    Rect::new(f.x + 8.0, f.y + f.h - 8.0 - 40.0, 190.0, 40.0)
}

pub(super) fn draw_scale_bar(layout: &MapLayout, b: Rect) -> Group {
    let px_per_km = layout.projection.px_per_km();
    // The nice length closest below 140 px.
    let raw_km = 140.0 / px_per_km;
    let mut km = nice_step(raw_km);
    if km > raw_km {
        km = nice_step(km / 2.2);
    }
    let w = km * px_per_km;
    let (x, y) = (b.x + 10.0, b.y + 22.0);
    let mut g = Group::new()
        .set("id", "scale-bar")
        .set("font-size", 10)
        .set("fill", "#222")
        .add(
            rect(b)
                .set("rx", 3)
                .set("fill", "#fff")
                .set("fill-opacity", ".85"),
        )
        .add(rect(Rect::new(x, y, w / 2.0, 5.0)).set("fill", "#222"))
        .add(
            rect(Rect::new(x + w / 2.0, y, w / 2.0, 5.0))
                .set("fill", "#fff")
                .set("stroke", "#222")
                .set("stroke-width", ".8"),
        );
    let step = km / 2.0;
    for (i, v) in [0.0, step, km].iter().enumerate() {
        let label = if i == 2 {
            format!("{} km", tick_label(*v, step))
        } else {
            tick_label(*v, step)
        };
        g.append(one_line(
            text(x + v * px_per_km, y - 4.0, &label).set("text-anchor", "middle"),
        ));
    }
    let lat = layout.projection.true_scale_lat();
    let note = format!(
        "true at {:.0}°{}",
        lat.abs(),
        if lat >= 0.0 { "N" } else { "S" }
    );
    g.add(one_line(
        text(x, y + 15.0, &note)
            .set("font-size", "8.5")
            .set("fill", "#555"),
    ))
}

pub(super) fn draw_legend(
    r: &RunResult,
    opts: &MapOptions,
    layout: &MapLayout,
    scale: &PriceScale,
    prices: &[f64],
    max_headroom: f64,
) -> Group {
    let x = layout.legend_x;
    let y = layout.frame.y + 14.0;
    let mut g = Group::new()
        .set("id", "legend")
        .set("font-size", 11)
        .set("fill", "#222");
    let y = price_legend(&mut g, x, y, scale, prices);
    let y = symbols_legend(&mut g, r, opts, x, y);
    let y = substation_legend(&mut g, x, y, max_headroom);
    cost_notes(&mut g, r, x, y);
    g
}

/// The price bar with its title, ticks and a rug of the zones' prices; returns the
/// y below it.
fn price_legend(g: &mut Group, x: f64, mut y: f64, scale: &PriceScale, prices: &[f64]) -> f64 {
    g.append(one_line(
        text(x, y, PRICE_LEGEND_TITLE).set("font-weight", "bold"),
    ));
    y += 10.0;
    let bar_w = LEGEND_WIDTH_PX - 30.0;
    let (lo, hi) = (scale.min_eur_per_mwh, scale.max_eur_per_mwh);
    let at = |v: f64| x + (v - lo) / (hi - lo) * bar_w;
    g.append(
        rect(Rect::new(x, y + 6.0, bar_w, 14.0))
            .set("fill", "url(#gs-price)")
            .set("stroke", "#999")
            .set("stroke-width", ".5"),
    );
    // A rug of the zones' prices above the bar.
    let mut rug = String::new();
    for p in prices {
        let _ = write!(rug, "M{} {}v5", num(at(*p)), num(y));
    }
    if !rug.is_empty() {
        g.append(
            Path::new()
                .set("d", rug)
                .set("stroke", "#444")
                .set("stroke-width", ".8"),
        );
    }
    let ticks = nice_ticks(lo, hi, 4);
    let step = if ticks.len() > 1 {
        ticks[1] - ticks[0]
    } else {
        1.0
    };
    for v in ticks {
        let tx = at(v);
        g.append(
            Path::new()
                .set("d", format!("M{} {}v4", num(tx), num(y + 20.0)))
                .set("stroke", "#222"),
        );
        g.append(one_line(
            text(tx, y + 34.0, &tick_label(v, step))
                .set("text-anchor", "middle")
                .set("font-size", 10),
        ));
    }
    let (p_lo, p_hi) = (
        prices.iter().copied().fold(f64::INFINITY, f64::min),
        prices.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    if p_lo.is_finite() {
        let note = format!(
            "{} zones, {:.1} to {:.1} EUR/MWh (marks above)",
            prices.len(),
            p_lo,
            p_hi
        );
        g.append(one_line(
            text(x, y + 50.0, &note)
                .set("font-size", "9.5")
                .set("fill", "#555"),
        ));
    }
    y + 72.0
}

/// "Map symbols": an icon and its text per row, for the layers the map shows;
/// returns the y below the last row.
fn symbols_legend(g: &mut Group, r: &RunResult, opts: &MapOptions, x: f64, mut y: f64) -> f64 {
    g.append(one_line(
        text(x, y, "Map symbols").set("font-weight", "bold"),
    ));
    y += 8.0;
    let label = |y: f64, t: &str| one_line(text(x + 30.0, y + 14.0, t));
    let (ix, iy) = (x + 12.0, |y: f64| y + 10.0);
    let stroke = |y: f64, color: &str, width: &str| {
        Path::new()
            .set("d", format!("M{} {}h22", num(x + 1.0), num(iy(y))))
            .set("stroke", color)
            .set("stroke-width", width)
    };
    if r.outcome.plan.is_some() {
        g.append(
            circle(ix, iy(y), SITE_MARKER_RADIUS_PX)
                .set("fill", SITE_COLOR)
                .set("stroke", "#fff")
                .set("stroke-width", "1.5"),
        );
        g.append(label(y, "chosen site (label: rank, costs M EUR)"));
        y += 22.0;
        g.append(stroke(y, SITE_COLOR, "2.4"));
        g.append(label(y, "grid line to a substation"));
        y += 22.0;
    }
    if !r.layers.fibre.routes.is_empty() {
        g.append(stroke(y, FIBRE_COLOR, "1.6"));
        g.append(label(y, "fibre route"));
        y += 22.0;
    }
    if !r.layers.fibre.ixps.is_empty() {
        g.append(
            Path::new()
                .set(
                    "d",
                    format!("M{} {}l5 5-5 5-5-5z", num(ix), num(iy(y) - 5.0)),
                )
                .set("fill", "#111"),
        );
        g.append(label(y, "internet exchange point"));
        y += 22.0;
    }
    if !r.layers.demand.is_empty() {
        g.append(
            Path::new()
                .set("d", format!("M{} {}l4 7h-8z", num(ix), num(iy(y) - 4.5)))
                .set("fill", DEMAND_COLOR),
        );
        g.append(label(y, "demand point"));
        y += 22.0;
    }
    g.append(
        circle(ix, iy(y), 1.8)
            .set("fill", CANDIDATE_COLOR)
            .set("fill-opacity", ".6"),
    );
    g.append(label(y, "eligible candidate"));
    y += 22.0;
    if opts.show_ineligible {
        g.append(
            circle(ix, iy(y), 1.1)
                .set("fill", CANDIDATE_COLOR)
                .set("fill-opacity", ".2"),
        );
        g.append(label(y, "ineligible candidate"));
        y += 22.0;
    }
    if !r.layers.exclusions.is_empty() {
        g.append(
            rect(Rect::new(x + 1.0, y + 3.0, 22.0, 13.0))
                .set("fill", "url(#gs-hatch)")
                .set("stroke", EXCLUSION_COLOR),
        );
        g.append(label(y, "exclusion zone"));
        y += 22.0;
    }
    y
}

/// Substation circles for a few headrooms (10 %, 40 % and 100 % of the largest,
/// rounded); returns the y below them.
fn substation_legend(g: &mut Group, x: f64, mut y: f64, max_headroom: f64) -> f64 {
    g.append(one_line(text(x, y + 14.0, "substation, by headroom:")));
    y += 22.0;
    if max_headroom > 0.0 {
        let mut cx = x + 8.0;
        let mut seen = Vec::new();
        for f in [0.1, 0.4, 1.0] {
            let v = round_sig(max_headroom * f);
            if seen.contains(&v) || v <= 0.0 {
                continue;
            }
            seen.push(v);
            let rad = substation_radius(v, max_headroom);
            let size = format!("{v} MW");
            g.append(
                circle(cx, y + 8.0, rad)
                    .set("fill", SUBSTATION_COLOR)
                    .set("fill-opacity", ".35")
                    .set("stroke", SUBSTATION_COLOR)
                    .set("stroke-width", ".5"),
            );
            g.append(one_line(
                text(cx + rad + 3.0, y + 12.0, &size).set("font-size", 10),
            ));
            cx += 2.0 * rad + 14.0 + text_width(&size, 10.0, false);
        }
        y += 22.0;
    }
    y
}

/// What the costs on the map are.
fn cost_notes(g: &mut Group, r: &RunResult, x: f64, mut y: f64) {
    y += 8.0;
    let notes = [
        "Costs: million EUR over the facility".to_string(),
        format!(
            "lifetime ({} years, discounted at {} %).",
            r.scenario.facility.lifetime_years,
            (r.scenario.facility.discount_rate * 1000.0).round() / 10.0
        ),
        "Site total = energy + land + grid + fibre".to_string(),
        "(+ capex); the objective adds latency.".to_string(),
    ];
    for n in notes {
        g.append(one_line(
            text(x, y + 10.0, &n)
                .set("font-size", "9.5")
                .set("fill", "#555"),
        ));
        y += 13.0;
    }
}

/// Rounds to two significant digits: 1234.5 → 1200.
fn round_sig(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 0.0;
    }
    let mag = 10f64.powf(v.log10().floor() - 1.0);
    (v / mag).round() * mag
}

/// The title (scenario, objective, status) and the subtitle (sites chosen,
/// candidates, solver, and the first reason when infeasible).
pub(super) fn heading(result: &RunResult, sites: usize, x: f64) -> [Element; 2] {
    let c = &result.candidates.counts;
    let mut sub = format!(
        "{} of {} sites chosen · {} candidates, {} eligible · solver {}",
        sites, result.scenario.sites.count, c.candidates, c.eligible, result.outcome.solver
    );
    if let Some(first) = result.outcome.infeasibility.first() {
        sub.push_str(" · ");
        sub.push_str(first);
    }
    [
        one_line(
            text(x, 30.0, &super::map_title(result))
                .set("id", "title")
                .set("font-size", 19)
                .set("font-weight", "bold")
                .set("fill", "#111"),
        ),
        one_line(text(x, 50.0, &sub).set("font-size", 12).set("fill", "#555")),
    ]
}
