//! The regret chart: one horizontal bar per site, its length the regret in M EUR.
//! For a chosen site the regret is what the best plan without it costs more than the
//! optimum; for a candidate not chosen, what the best plan with it forced in costs
//! more. Chosen sites come first, then candidates, each group by increasing regret
//! (ties by id); an infinite regret (no feasible plan) is a hatched bar running
//! past the axis to an arrow, labelled [`INFINITE_LABEL`].
//!
//! The rows are those `solve --regret` records in `summary.json` under `regret`
//! (see [`Regret`]).

use std::fmt::Write as _;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use svg::node::element::{Definitions, Element, Group, Path, Pattern, Rectangle, Text};
use svg::Node as _;

use crate::map::{
    document, finish, meur, nice_step, num, one_line, rect, text, text_width, tick_label,
    title as svg_title, xml_chars, Rect, SITE_COLOR,
};

/// One site's regret, as `summary.json` records it under `regret.sites`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RegretRow {
    pub id: String,
    /// Whether the site is in the optimum (its regret is that of dropping it) or a
    /// candidate (that of forcing it in).
    pub chosen: bool,
    /// EUR; None (JSON null, which must be written) means infinite: no feasible
    /// plan without the site, or with it.
    #[serde(deserialize_with = "nullable")]
    pub regret_eur: Option<f64>,
    /// Whether a feasible plan exists without (or with) the site.
    pub feasible: bool,
    /// That plan's cost, EUR (not drawn).
    #[serde(default)]
    pub plan_cost_eur: Option<f64>,
    /// That plan's sites (not drawn).
    #[serde(default)]
    pub plan_site_ids: Vec<String>,
    /// The solve's status: "optimal", or another one shown beside the bar.
    pub status: String,
}

impl RegretRow {
    /// The regret in EUR; None when infinite (null, or not a finite number).
    pub fn finite_regret_eur(&self) -> Option<f64> {
        self.regret_eur.filter(|v| v.is_finite())
    }
}

/// `summary.json`'s `regret` object.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Regret {
    pub status: String,
    pub sites: Vec<RegretRow>,
}

/// A field that must be present but may be null (serde takes a missing `Option`
/// for None otherwise).
fn nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Option::<f64>::deserialize(d)
}

/// Reads `v` as a T, the error naming `path`.
pub(crate) fn read_at<T: DeserializeOwned>(v: &Value, path: &str) -> Result<T, String> {
    T::deserialize(v).map_err(|e| format!("`{path}`: {e}"))
}

/// Reads each element of the array `v[key]` as a T, an error naming `path.key[i]`.
pub(crate) fn read_items<T: DeserializeOwned>(
    v: &Value,
    path: &str,
    key: &str,
) -> Result<Vec<T>, String> {
    let items = v
        .get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("`{path}.{key}` is missing or not an array"))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| read_at(item, &format!("{path}.{key}[{i}]")))
        .collect()
}

impl Regret {
    /// Reads and checks the summary's `regret` object: every field present and of
    /// its type, no negative regret, and `regret_eur` null exactly when `feasible`
    /// is false. Errors name the field (`regret.sites[2].regret_eur`).
    pub fn from_json(v: &Value) -> Result<Regret, String> {
        let sites: Vec<RegretRow> = read_items(v, "regret", "sites")?;
        let status = read_at(v.get("status").unwrap_or(&Value::Null), "regret.status")?;
        for (i, s) in sites.iter().enumerate() {
            let at = format!("`regret.sites[{i}]` (site {})", crate::error::clip(&s.id));
            match (s.regret_eur, s.feasible) {
                // Rounding may leave a regret a little below 0.
                (Some(r), _) if r < -1e-6 * r.abs().max(1.0) - 1e-3 => {
                    return Err(format!("{at}: regret_eur is {r}, below 0"))
                }
                (Some(_), false) => {
                    return Err(format!(
                        "{at}: regret_eur is a number but feasible is false"
                    ))
                }
                (None, true) => {
                    return Err(format!(
                        "{at}: regret_eur is null (infinite) but feasible is true"
                    ))
                }
                _ => {}
            }
        }
        Ok(Regret { status, sites })
    }
}

/// Colour of the chosen sites' bars: the map's chosen-site colour.
pub const CHOSEN_BAR_COLOR: &str = SITE_COLOR;
/// Colour of the candidates' bars.
pub const CANDIDATE_BAR_COLOR: &str = "#78909c";
/// The label of an infinite regret.
pub const INFINITE_LABEL: &str = "∞ (no feasible plan)";

const W: f64 = 760.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 70.0;
const ROW_H: f64 = 20.0;
const BAR_H: f64 = 13.0;
const GROUP_HEAD_H: f64 = 24.0;
const GROUP_GAP: f64 = 8.0;
const AXIS_H: f64 = 56.0;
/// Share of the plot's width the finite axis takes; infinite bars run to the end.
const AXIS_FRAC: f64 = 0.74;

/// The rows in drawing order: chosen first, then candidates; each group by
/// increasing regret, infinite ones last, ties by id.
pub fn regret_order(rows: &[RegretRow]) -> Vec<&RegretRow> {
    let mut order: Vec<&RegretRow> = rows.iter().collect();
    order.sort_by(|a, b| {
        b.chosen
            .cmp(&a.chosen)
            .then(
                a.finite_regret_eur()
                    .is_none()
                    .cmp(&b.finite_regret_eur().is_none()),
            )
            .then(
                a.finite_regret_eur()
                    .unwrap_or(0.0)
                    .total_cmp(&b.finite_regret_eur().unwrap_or(0.0)),
            )
            .then(a.id.cmp(&b.id))
    });
    order
}

/// The finite axis: its end and tick step, M EUR (the end a multiple of the step
/// at or above the largest finite regret).
fn axis(rows: &[RegretRow]) -> (f64, f64) {
    let max = rows
        .iter()
        .filter_map(RegretRow::finite_regret_eur)
        .map(|r| r.max(0.0) / 1e6)
        .fold(0.0, f64::max);
    let step = nice_step(max / 4.0);
    let hi = ((max / step - 1e-9).ceil() * step).max(step);
    (hi, step)
}

/// Charts the regret of each site (M EUR). Every bar is a `<rect>` of class `bar`
/// plus `chosen` or `candidate` (and `infinite`), with `data-id`; its left end at
/// the axis' 0.
pub fn regret_svg(rows: &[RegretRow], title: &str) -> String {
    let order = regret_order(rows);
    let label_w = order
        .iter()
        .map(|r| text_width(&r.id, 11.0, false))
        .fold(60.0, f64::max)
        .min(240.0);
    let left = 16.0 + label_w + 10.0;
    let groups = [true, false].map(|c| order.iter().filter(|r| r.chosen == c).count());
    let body: f64 = groups
        .iter()
        .filter(|&&n| n > 0)
        .map(|&n| GROUP_HEAD_H + n as f64 * ROW_H + GROUP_GAP)
        .sum();
    let plot = Rect::new(left, TOP, W - left - RIGHT, body.max(ROW_H));
    let height = TOP + plot.h + AXIS_H;
    let (hi, step) = axis(rows);
    let sx = |m: f64| plot.x + m.max(0.0) / hi * plot.w * AXIS_FRAC;

    let mut doc = document(W, height, title)
        .set("font-size", 11)
        .set("fill", "#222")
        .add(hatches())
        .add(
            Rectangle::new()
                .set("width", "100%")
                .set("height", "100%")
                .set("fill", "#fff"),
        )
        .add(one_line(
            text(16.0, 28.0, title)
                .set("id", "title")
                .set("font-size", 16)
                .set("font-weight", "bold"),
        ))
        .add(key());
    doc.append(grid_and_ticks(plot, hi, step, &sx));
    if order.is_empty() {
        doc.append(one_line(
            text(plot.x, plot.y + 14.0, "No regret to draw.").set("font-size", 12),
        ));
    }
    let mut bars = Group::new().set("id", "bars");
    let mut y = plot.y;
    for chosen in [true, false] {
        let group: Vec<&RegretRow> = order
            .iter()
            .copied()
            .filter(|r| r.chosen == chosen)
            .collect();
        if group.is_empty() {
            continue;
        }
        bars.append(group_heading(chosen, y));
        y += GROUP_HEAD_H;
        for r in group {
            for e in bar_row(r, y, plot, label_w, &sx) {
                bars.append(e);
            }
            y += ROW_H;
        }
        y += GROUP_GAP;
    }
    doc.append(bars);
    finish(&doc)
}

/// The hatch patterns of infinite bars, one per colour.
fn hatches() -> Definitions {
    let mut defs = Definitions::new();
    for (id, color) in [
        ("gs-inf-chosen", CHOSEN_BAR_COLOR),
        ("gs-inf-candidate", CANDIDATE_BAR_COLOR),
    ] {
        defs.append(
            Pattern::new()
                .set("id", id)
                .set("patternUnits", "userSpaceOnUse")
                .set("width", 6)
                .set("height", 6)
                .set("patternTransform", "rotate(45)")
                .add(
                    Rectangle::new()
                        .set("width", 6)
                        .set("height", 6)
                        .set("fill", "#fff"),
                )
                .add(
                    Path::new()
                        .set("d", "M3 0V6")
                        .set("stroke", color)
                        .set("stroke-width", "2.6"),
                ),
        );
    }
    defs
}

/// The key under the title: the two bar colours and the infinite bar.
fn key() -> Group {
    let y = 44.0;
    let swatch = |x: f64, fill: &str| rect(Rect::new(x, y, 18.0, 11.0)).set("fill", fill);
    Group::new()
        .set("id", "key")
        .add(swatch(16.0, CHOSEN_BAR_COLOR))
        .add(one_line(text(
            40.0,
            y + 10.0,
            "chosen site: cost of dropping it",
        )))
        .add(swatch(250.0, CANDIDATE_BAR_COLOR))
        .add(one_line(text(
            274.0,
            y + 10.0,
            "candidate: cost of forcing it in",
        )))
        .add(swatch(480.0, "url(#gs-inf-candidate)").set("stroke", CANDIDATE_BAR_COLOR))
        .add(one_line(text(504.0, y + 10.0, "no feasible plan")))
}

/// Vertical grid lines and the x axis with its ticks, labels and title.
fn grid_and_ticks(plot: Rect, hi: f64, step: f64, sx: &impl Fn(f64) -> f64) -> Group {
    let bottom = plot.y + plot.h;
    let mut g = Group::new().set("id", "axes").set("stroke", "#222");
    let n = (hi / step).round() as usize;
    for i in 0..=n {
        let v = i as f64 * step;
        let x = sx(v);
        g.append(
            Path::new()
                .set("d", format!("M{} {}V{}", num(x), num(plot.y), num(bottom)))
                .set("stroke", if i == 0 { "#222" } else { "#e0e0e0" }),
        );
        g.append(Path::new().set("d", format!("M{} {}v5", num(x), num(bottom))));
        g.append(one_line(
            text(x, bottom + 18.0, &tick_label(v, step))
                .set("stroke", "none")
                .set("text-anchor", "middle"),
        ));
    }
    // The axis breaks after its end: beyond lie only the infinite bars.
    let end = sx(hi);
    let mut d = format!("M{} {}H{}", num(plot.x), num(bottom), num(end + 8.0));
    let _ = write!(
        d,
        "M{} {}l6 -8M{} {}l6 -8",
        num(end + 10.0),
        num(bottom + 4.0),
        num(end + 15.0),
        num(bottom + 4.0)
    );
    g.append(Path::new().set("fill", "none").set("d", d));
    g.append(one_line(
        text(plot.x + plot.w - 5.0, bottom + 18.0, "∞")
            .set("stroke", "none")
            .set("text-anchor", "middle")
            .set("font-size", 13),
    ));
    g.append(one_line(
        text(
            plot.x + plot.w * AXIS_FRAC / 2.0,
            bottom + 40.0,
            "regret (M EUR)",
        )
        .set("id", "x-label")
        .set("stroke", "none")
        .set("text-anchor", "middle")
        .set("font-size", 13),
    ));
    g
}

fn group_heading(chosen: bool, y: f64) -> Element {
    let t = if chosen {
        "Chosen sites — what dropping each costs"
    } else {
        "Candidates not chosen — what forcing each in costs"
    };
    one_line(
        text(16.0, y + 16.0, t)
            .set("class", "group-heading")
            .set("font-weight", "bold")
            .set("font-size", 12),
    )
}

/// One row: the id right-aligned before the axis, the bar, and its value (or
/// [`INFINITE_LABEL`] and an arrow).
fn bar_row(
    r: &RegretRow,
    y: f64,
    plot: Rect,
    label_w: f64,
    sx: &impl Fn(f64) -> f64,
) -> Vec<Element> {
    let (group, color) = if r.chosen {
        ("chosen", CHOSEN_BAR_COLOR)
    } else {
        ("candidate", CANDIDATE_BAR_COLOR)
    };
    let by = y + (ROW_H - BAR_H) / 2.0;
    let id = fit_id(&r.id, label_w);
    let mut out = vec![one_line(
        Text::new(xml_chars(&id))
            .set("x", num(plot.x - 8.0))
            .set("y", num(by + 10.5))
            .set("text-anchor", "end"),
    )];
    // An infinite regret's label already says "infeasible".
    let infinite = r.finite_regret_eur().is_none();
    let note = if r.status == "optimal" || (infinite && r.status == "infeasible") {
        String::new()
    } else {
        format!(" ({})", r.status)
    };
    match r.finite_regret_eur() {
        Some(eur) => {
            let x1 = sx(eur / 1e6);
            let bar = rect(Rect::new(plot.x, by, x1 - plot.x, BAR_H))
                .set("class", format!("bar {group}"))
                .set("data-id", xml_chars(&r.id))
                .set("fill", color)
                .add(svg_title(&format!("{}: {} M EUR{note}", r.id, meur(eur))));
            out.push(bar.into());
            out.push(one_line(
                text(x1 + 5.0, by + 10.5, &format!("{}{note}", value_label(eur)))
                    .set("font-size", 10)
                    .set("fill", "#333"),
            ));
        }
        None => {
            let x1 = plot.x + plot.w - 10.0;
            let bar = rect(Rect::new(plot.x, by, x1 - plot.x, BAR_H))
                .set("class", format!("bar {group} infinite"))
                .set("data-id", xml_chars(&r.id))
                .set("fill", format!("url(#gs-inf-{group})"))
                .set("stroke", color)
                .add(svg_title(&format!("{}: {INFINITE_LABEL}{note}", r.id)));
            out.push(bar.into());
            let arrow = format!(
                "M{} {}l10 {}l-10 {}z",
                num(x1),
                num(by - 3.0),
                num(BAR_H / 2.0 + 3.0),
                num(BAR_H / 2.0 + 3.0)
            );
            out.push(Path::new().set("d", arrow).set("fill", color).into());
            out.push(one_line(
                text(plot.x + 6.0, by + 10.5, &format!("{INFINITE_LABEL}{note}"))
                    .set("class", "infinite-label")
                    .set("font-size", 10)
                    .set("font-weight", "bold")
                    .set("fill", "#111")
                    .set("stroke", "#fff")
                    .set("stroke-width", 3)
                    .set("paint-order", "stroke"),
            ));
        }
    }
    out
}

/// A regret's value label, M EUR: one decimal, more for a small one.
fn value_label(eur: f64) -> String {
    let m = eur.max(0.0) / 1e6;
    if m == 0.0 || m >= 0.1 {
        format!("{m:.1}")
    } else if m >= 0.001 {
        format!("{m:.3}")
    } else {
        format!("{m:.6}")
    }
}

/// The id cut with an ellipsis to `width` px at 11 px.
fn fit_id(id: &str, width: f64) -> String {
    if text_width(id, 11.0, false) <= width {
        return id.to_string();
    }
    let keep = ((width / text_width("x", 11.0, false)) as usize).saturating_sub(1);
    let mut s: String = id.chars().take(keep).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, chosen: bool, regret: Option<f64>) -> RegretRow {
        RegretRow {
            id: id.into(),
            chosen,
            regret_eur: regret,
            feasible: regret.is_some(),
            plan_cost_eur: None,
            plan_site_ids: Vec::new(),
            status: "optimal".into(),
        }
    }

    #[test]
    fn chosen_first_then_by_regret_infinite_last() {
        let rows = [
            row("c", false, Some(5.0)),
            row("a", true, None),
            row("b", true, Some(9.0)),
            row("d", false, Some(1.0)),
            row("e", true, Some(9.0)),
        ];
        let ids: Vec<&str> = regret_order(&rows).iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["b", "e", "a", "d", "c"]);
    }

    #[test]
    fn axis_ends_at_a_nice_value_above_the_largest() {
        let rows = [row("a", true, Some(37e6)), row("b", true, None)];
        assert_eq!(axis(&rows), (40.0, 10.0));
        assert_eq!(axis(&[row("a", true, Some(0.0))]), (1.0, 1.0));
        assert_eq!(axis(&[]), (1.0, 1.0));
    }

    #[test]
    fn summary_object_is_read_and_checked() {
        let good = serde_json::json!({"status": "optimal", "sites": [
            {"id": "se-malmo", "chosen": true, "regret_eur": 12345.0, "feasible": true,
             "plan_cost_eur": 2226537766.0, "plan_site_ids": ["a"], "status": "optimal"},
            {"id": "x", "chosen": false, "regret_eur": null, "feasible": false,
             "plan_cost_eur": null, "plan_site_ids": [], "status": "infeasible"}]});
        let r = Regret::from_json(&good).unwrap();
        assert_eq!(r.sites[1].regret_eur, None);
        let mut missing = good.clone();
        missing["sites"][1]
            .as_object_mut()
            .unwrap()
            .remove("regret_eur");
        let e = Regret::from_json(&missing).unwrap_err();
        assert!(
            e.contains("regret.sites[1]") && e.contains("regret_eur"),
            "{e}"
        );
        let mut wrong = good.clone();
        wrong["sites"][0]["feasible"] = false.into();
        let e = Regret::from_json(&wrong).unwrap_err();
        assert!(
            e.contains("regret.sites[0]") && e.contains("feasible"),
            "{e}"
        );
        let mut negative = good;
        negative["sites"][0]["regret_eur"] = (-5.0).into();
        assert!(Regret::from_json(&negative)
            .unwrap_err()
            .contains("below 0"));
    }

    #[test]
    fn empty_and_odd_charts_are_well_formed() {
        for rows in [
            vec![],
            vec![
                row("plus-infinity", true, Some(f64::INFINITY)),
                row("nan", false, Some(f64::NAN)),
            ],
            vec![row("a <&>\u{1}", true, Some(-0.0001))],
            vec![row(&"long".repeat(100), false, None)],
        ] {
            let svg = regret_svg(&rows, "t & <u>");
            roxmltree::Document::parse(&svg).expect("well-formed XML");
            assert!(!svg.contains("NaN") && !svg.contains("inf\""), "{svg}");
        }
    }
}
