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

use std::fmt::Write as _;

use geo::{Coord, InteriorPoint, MultiPolygon};

use svg::node::element::{
    Circle, ClipPath, Definitions, Element, Group, LinearGradient, Path, Pattern, Rectangle, Stop,
    Text, Title,
};
use svg::{Document, Node as _};

use crate::geodesy::EARTH_RADIUS_KM;
use crate::report::{site_reports, SiteReport};
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
const MARGIN: f64 = 16.0;
const TITLE_H: f64 = 62.0;
/// Space kept between the data's bounding box and the map frame, px.
const PAD: f64 = 28.0;
const MIN_MAP_H: f64 = 560.0;
/// Vertices closer than this after projection are dropped, px.
const SIMPLIFY_PX: f64 = 0.5;
const KM_PER_DEG: f64 = EARTH_RADIUS_KM * std::f64::consts::PI / 180.0;

/// An axis-aligned rectangle in px.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn new(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect { x, y, w, h }
    }

    /// The area shared with `o`, px².
    pub fn overlap_area(&self, o: &Rect) -> f64 {
        let w = (self.x + self.w).min(o.x + o.w) - self.x.max(o.x);
        let h = (self.y + self.h).min(o.y + o.h) - self.y.max(o.y);
        if w > 0.0 && h > 0.0 {
            w * h
        } else {
            0.0
        }
    }

    /// Whether `o` lies entirely inside.
    pub fn contains(&self, o: &Rect) -> bool {
        o.x >= self.x
            && o.y >= self.y
            && o.x + o.w <= self.x + self.w
            && o.y + o.h <= self.y + self.h
    }

    fn grown(&self, d: f64) -> Rect {
        Rect::new(self.x - d, self.y - d, self.w + 2.0 * d, self.h + 2.0 * d)
    }

    fn around(x: f64, y: f64, r: f64) -> Rect {
        Rect::new(x - r, y - r, 2.0 * r, 2.0 * r)
    }
}

/// Equirectangular projection fitted to a bounding box: x grows with longitude scaled
/// by cos(φ0), y grows southwards; one degree of latitude is `px_per_deg` px.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    lon_min: f64,
    lat_max: f64,
    /// cos of the bounding box's mean latitude.
    cos_lat: f64,
    /// The latitude where the scale is true, degrees.
    lat0: f64,
    px_per_deg: f64,
    x0: f64,
    y0: f64,
}

impl Projection {
    /// Fits `bbox` = `[lon_min, lat_min, lon_max, lat_max]` (degrees) into `frame`,
    /// centred, leaving at least `pad` px on every side.
    pub fn fit(bbox: [f64; 4], frame: Rect, pad: f64) -> Projection {
        let [lon_min, lat_min, lon_max, lat_max] = bbox;
        let lat0 = 0.5 * (lat_min + lat_max);
        let cos_lat = lat0.to_radians().cos().max(0.05);
        let dx = ((lon_max - lon_min) * cos_lat).max(1e-9);
        let dy = (lat_max - lat_min).max(1e-9);
        let s = ((frame.w - 2.0 * pad) / dx)
            .min((frame.h - 2.0 * pad) / dy)
            .max(1e-9);
        Projection {
            lon_min,
            lat_max,
            cos_lat,
            lat0,
            px_per_deg: s,
            x0: frame.x + 0.5 * (frame.w - dx * s),
            y0: frame.y + 0.5 * (frame.h - dy * s),
        }
    }

    /// Where a longitude/latitude lands, px.
    pub fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            self.x0 + (lon - self.lon_min) * self.cos_lat * self.px_per_deg,
            self.y0 + (self.lat_max - lat) * self.px_per_deg,
        )
    }

    /// Pixels per km at the mean latitude (in every direction there).
    pub fn px_per_km(&self) -> f64 {
        self.px_per_deg / KM_PER_DEG
    }

    /// The latitude where [`Projection::px_per_km`] holds, degrees.
    pub fn true_scale_lat(&self) -> f64 {
        self.lat0
    }

    fn p(&self, c: Coord) -> (f64, f64) {
        self.project(c.x, c.y)
    }
}

/// Where everything goes on the canvas.
#[derive(Debug, Clone, Copy)]
pub struct MapLayout {
    pub projection: Projection,
    /// The map frame (data is clipped to it).
    pub frame: Rect,
    pub width: f64,
    pub height: f64,
    /// Left edge of the legend panel.
    pub legend_x: f64,
}

impl MapLayout {
    /// The layout [`render_map`] uses for this result and these options.
    pub fn new(result: &RunResult, opts: &MapOptions) -> MapLayout {
        let bbox = data_bbox(result);
        let w = opts.width_px.max(320.0);
        let lat0 = 0.5 * (bbox[1] + bbox[3]);
        let c = lat0.to_radians().cos().max(0.05);
        let (dx, dy) = ((bbox[2] - bbox[0]) * c, bbox[3] - bbox[1]);
        let s = (w - 2.0 * PAD) / dx;
        let h = (dy * s + 2.0 * PAD).clamp(MIN_MAP_H, 1.3 * w);
        let frame = Rect::new(MARGIN, TITLE_H, w, h);
        MapLayout {
            projection: Projection::fit(bbox, frame, PAD),
            frame,
            width: MARGIN + w + 20.0 + LEGEND_WIDTH_PX + MARGIN,
            height: TITLE_H + h + MARGIN,
            legend_x: MARGIN + w + 20.0,
        }
    }
}

/// The projection [`render_map`] uses: where a longitude/latitude lands on the map.
pub fn projection(result: &RunResult, opts: &MapOptions) -> Projection {
    MapLayout::new(result, opts).projection
}

/// The box the map is fitted to: every candidate, substation, exchange point and demand
/// point (fibre routes, zones and exclusions are clipped to it), at least 0.2° wide.
fn data_bbox(r: &RunResult) -> [f64; 4] {
    let l = &r.layers;
    let points = l
        .land
        .iter()
        .map(|p| p.location)
        .chain(l.grid.iter().map(|s| s.location))
        .chain(l.fibre.ixps.iter().map(|x| x.location))
        .chain(l.demand.iter().map(|d| d.location));
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for c in points.filter(|c| c.x.is_finite() && c.y.is_finite()) {
        b = [b[0].min(c.x), b[1].min(c.y), b[2].max(c.x), b[3].max(c.y)];
    }
    if !b[0].is_finite() {
        return [-10.0, 35.0, 30.0, 70.0];
    }
    for (lo, hi) in [(0, 2), (1, 3)] {
        let span = b[hi] - b[lo];
        if span < 0.2 {
            let mid = 0.5 * (b[lo] + b[hi]);
            b[lo] = mid - 0.1;
            b[hi] = mid + 0.1;
        }
    }
    b
}

// ---------------------------------------------------------------------------------
// Small SVG helpers, shared with `plot`.

/// Replaces the characters XML 1.0 forbids (control characters other than tab, line
/// feed and carriage return, and U+FFFE/U+FFFF) with U+FFFD. The `svg` crate escapes
/// `&`, `<`, `>` (and quotes in attribute values) but passes these through, and one
/// of them in a zone or site name from the input would make the document malformed.
pub(crate) fn xml_chars(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || matches!(c, '\u{fffe}' | '\u{ffff}') => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// A `<text>` at (x, y), rounded with [`num`]; `svg` escapes the content. Pass it
/// through [`one_line`] before adding it.
pub(crate) fn text(x: f64, y: f64, content: &str) -> Text {
    Text::new(xml_chars(content))
        .set("x", num(x))
        .set("y", num(y))
}

/// The text as a plain element, which `svg` writes on one line: it writes a `Text`'s
/// content on a line of its own, and those line breaks would be part of the text.
pub(crate) fn one_line(t: Text) -> Element {
    t.into()
}

/// A `<title>` (the tooltip, or the document's title); `svg` escapes the content.
pub(crate) fn title(content: &str) -> Title {
    Title::new(xml_chars(content))
}

/// A `<rect>` covering `r`, rounded with [`num`].
pub(crate) fn rect(r: Rect) -> Rectangle {
    Rectangle::new()
        .set("x", num(r.x))
        .set("y", num(r.y))
        .set("width", num(r.w))
        .set("height", num(r.h))
}

/// An SVG document of this size in px, with its title.
pub(crate) fn document(width: f64, height: f64, heading: &str) -> Document {
    let (w, h) = (num(width), num(height));
    Document::new()
        .set("width", w.as_str())
        .set("height", h.as_str())
        .set("viewBox", format!("0 0 {w} {h}"))
        .set("font-family", "sans-serif")
        .add(title(heading))
}

/// The document as text, ending in a line break.
pub(crate) fn finish(doc: &Document) -> String {
    let mut s = doc.to_string();
    s.push('\n');
    s
}

/// A coordinate rounded to 0.1, written short: `12.3`, `4`, `.5`, `-.5`.
pub(crate) fn num(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    let r = if r == 0.0 { 0.0 } else { r };
    let s = if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    };
    if let Some(rest) = s.strip_prefix("0.") {
        format!(".{rest}")
    } else if let Some(rest) = s.strip_prefix("-0.") {
        format!("-.{rest}")
    } else {
        s
    }
}

/// A number of millions, one decimal: 214893000.0 → "214.9".
pub(crate) fn meur(eur: f64) -> String {
    format!("{:.1}", eur / 1e6)
}

/// Estimated width of a text in the generic sans-serif font, px (no font metrics
/// are available; this errs wide).
pub(crate) fn text_width(s: &str, size: f64, bold: bool) -> f64 {
    let per_char = if bold { 0.66 } else { 0.6 };
    s.chars().count() as f64 * size * per_char
}

/// "Nice" tick values (1, 2 or 5 × 10^n apart) covering [lo, hi], about `n` of them.
pub(crate) fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return if lo.is_finite() { vec![lo] } else { Vec::new() };
    }
    let raw = (hi - lo) / n.max(1) as f64;
    // The nice step nearest the raw one (by ratio).
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|f| f * mag)
        .min_by(|a, b| (a / raw).ln().abs().total_cmp(&(b / raw).ln().abs()))
        .unwrap_or(raw);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last)
        .map(|i| {
            let v = i as f64 * step;
            if v.abs() < step * 1e-9 {
                0.0
            } else {
                v
            }
        })
        .collect()
}

/// The nice (1, 2, 5 × 10^n) value nearest above `raw`.
pub(crate) fn nice_step(raw: f64) -> f64 {
    if !(raw > 0.0 && raw.is_finite()) {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// A tick label: no more decimals than the step needs.
pub(crate) fn tick_label(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    let s = format!("{v:.decimals$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

pub(crate) fn hex([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Greedy label placement: each label takes the first of its candidate positions that
/// stays inside the bounds and overlaps nothing already placed.
#[derive(Debug, Clone)]
pub(crate) struct Placer {
    bounds: Rect,
    taken: Vec<Rect>,
}

impl Placer {
    pub fn new(bounds: Rect) -> Placer {
        Placer {
            bounds,
            taken: Vec::new(),
        }
    }

    /// Marks an area (a marker, a legend box) as unavailable to labels.
    pub fn block(&mut self, r: Rect) {
        self.taken.push(r);
    }

    fn overlap(&self, r: &Rect) -> f64 {
        self.taken.iter().map(|t| t.overlap_area(r)).sum()
    }

    /// The first free position, reserved; None when every position overlaps.
    pub fn place(&mut self, candidates: &[Rect]) -> Option<Rect> {
        let r = *candidates
            .iter()
            .find(|r| self.bounds.contains(r) && self.overlap(r) == 0.0)?;
        self.taken.push(r);
        Some(r)
    }

    /// Like [`Placer::place`], but when nothing is free takes the position inside the
    /// bounds with the least overlap (or the first position): for labels that must show.
    pub fn place_always(&mut self, candidates: &[Rect]) -> Rect {
        if let Some(r) = self.place(candidates) {
            return r;
        }
        let inside: Vec<&Rect> = candidates
            .iter()
            .filter(|r| self.bounds.contains(r))
            .collect();
        let r = inside
            .into_iter()
            .min_by(|a, b| self.overlap(a).total_cmp(&self.overlap(b)))
            .copied()
            .unwrap_or(candidates[0]);
        self.taken.push(r);
        r
    }
}

/// Positions for a `w` × `h` label around a point, nearest first: right, left, the
/// four diagonals, above, below; then the same further out.
pub(crate) fn positions_around(x: f64, y: f64, w: f64, h: f64, gap: f64) -> Vec<Rect> {
    let mut out = Vec::new();
    for k in [1.0, 2.5, 4.5, 7.0] {
        let g = gap * k;
        out.extend([
            Rect::new(x + g, y - h / 2.0, w, h),
            Rect::new(x - g - w, y - h / 2.0, w, h),
            Rect::new(x + g * 0.5, y - g - h, w, h),
            Rect::new(x + g * 0.5, y + g, w, h),
            Rect::new(x - g * 0.5 - w, y - g - h, w, h),
            Rect::new(x - g * 0.5 - w, y + g, w, h),
            Rect::new(x - w / 2.0, y - g - h, w, h),
            Rect::new(x - w / 2.0, y + g, w, h),
        ]);
    }
    out
}

/// Appends one polyline or ring to a path's `d`, dropping vertices closer than
/// [`SIMPLIFY_PX`] to the last one kept. Rings left with fewer than 3 vertices and
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

// ---------------------------------------------------------------------------------
// The price colour scale.

/// Colour stops of the price scale: light yellow (cheap) to red-orange (dear), light
/// enough that everything drawn over it stays visible, and far from [`SITE_COLOR`].
const PRICE_STOPS: [(f64, [u8; 3]); 5] = [
    (0.0, [255, 250, 214]),
    (0.25, [254, 228, 145]),
    (0.5, [253, 190, 100]),
    (0.75, [249, 141, 72]),
    (1.0, [226, 88, 58]),
];

/// The narrowest price range the colour scale spans, EUR/MWh.
pub const MIN_PRICE_SPAN_EUR_PER_MWH: f64 = 20.0;

/// Maps a price to a colour, linearly between the lowest and highest zone price.
#[derive(Debug, Clone, Copy)]
pub struct PriceScale {
    pub min_eur_per_mwh: f64,
    pub max_eur_per_mwh: f64,
}

impl PriceScale {
    /// The scale for these zone prices: their range, widened about its middle to at
    /// least [`MIN_PRICE_SPAN_EUR_PER_MWH`] so that a few EUR of difference do not
    /// look like the whole scale (and never below zero when the prices are not).
    pub fn for_prices(prices: &[f64]) -> PriceScale {
        let lo = prices.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = prices.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !(lo.is_finite() && hi.is_finite()) {
            return PriceScale {
                min_eur_per_mwh: 0.0,
                max_eur_per_mwh: MIN_PRICE_SPAN_EUR_PER_MWH,
            };
        }
        let widen = (MIN_PRICE_SPAN_EUR_PER_MWH - (hi - lo)).max(0.0) / 2.0;
        let mut min = lo - widen;
        if lo >= 0.0 && min < 0.0 {
            min = 0.0;
        }
        PriceScale {
            min_eur_per_mwh: min,
            max_eur_per_mwh: hi.max(min + MIN_PRICE_SPAN_EUR_PER_MWH).max(hi + widen),
        }
    }

    fn t(&self, price: f64) -> f64 {
        let span = self.max_eur_per_mwh - self.min_eur_per_mwh;
        if span > 0.0 {
            ((price - self.min_eur_per_mwh) / span).clamp(0.0, 1.0)
        } else {
            0.5
        }
    }

    /// The fill colour of a zone with this price.
    pub fn color(&self, price: f64) -> [u8; 3] {
        stop_color(self.t(price))
    }
}

fn stop_color(t: f64) -> [u8; 3] {
    let i = PRICE_STOPS
        .windows(2)
        .position(|w| t <= w[1].0)
        .unwrap_or(PRICE_STOPS.len() - 2);
    let ((t0, a), (t1, b)) = (PRICE_STOPS[i], PRICE_STOPS[i + 1]);
    let u = ((t - t0) / (t1 - t0)).clamp(0.0, 1.0);
    let mix = |k: usize| (f64::from(a[k]) + u * (f64::from(b[k]) - f64::from(a[k]))).round() as u8;
    [mix(0), mix(1), mix(2)]
}

// ---------------------------------------------------------------------------------
// Drawing.

const FIBRE_COLOR: &str = "#1769aa";
const SUBSTATION_COLOR: &str = "#37474f";
const CANDIDATE_COLOR: &str = "#263238";
const EXCLUSION_COLOR: &str = "#c62828";
const DEMAND_COLOR: &str = "#00796b";
const SUB_R_MIN: f64 = 1.2;
const SUB_R_MAX: f64 = 6.0;

fn substation_radius(headroom_mw: f64, max_mw: f64) -> f64 {
    if max_mw > 0.0 {
        SUB_R_MIN + (SUB_R_MAX - SUB_R_MIN) * (headroom_mw / max_mw).clamp(0.0, 1.0).sqrt()
    } else {
        SUB_R_MIN
    }
}

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
fn scenario_title(r: &RunResult) -> String {
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

const LABEL_FONT: f64 = 11.0;
const LABEL_LINE: f64 = 13.0;
const LABEL_PAD: f64 = 5.0;
const BADGE_R: f64 = 7.0;

/// Renders the map of a run as a self-contained SVG document.
pub fn render_map(result: &RunResult, opts: &MapOptions) -> String {
    let layout = MapLayout::new(result, opts);
    let proj = layout.projection;
    let frame = layout.frame;
    let l = &result.layers;
    let sites = site_reports(result);
    let heading = map_title(result);
    let mut doc = document(layout.width, layout.height, &heading);

    // Definitions: the frame's clip, the exclusion hatch, the price gradient.
    let prices: Vec<f64> = l.prices.iter().map(|z| z.price_eur_per_mwh).collect();
    let scale = PriceScale::for_prices(&prices);
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
    doc.append(
        Definitions::new()
            .add(ClipPath::new().set("id", "gs-frame").add(rect(frame)))
            .add(hatch)
            .add(gradient),
    );
    doc.append(
        Rectangle::new()
            .set("width", "100%")
            .set("height", "100%")
            .set("fill", "#fff"),
    );
    doc.append(rect(frame).set("fill", "#e8eef3"));

    let mut clipped = Group::new().set("clip-path", "url(#gs-frame)");

    // Price zones.
    let mut zones = Group::new()
        .set("id", "zones")
        .set("stroke", "#fff")
        .set("stroke-width", ".8")
        .set("fill-rule", "evenodd");
    for z in &l.prices {
        let d = polygon_d(&z.area, &proj);
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
    clipped.append(zones);

    // Exclusion zones, hatched.
    if !l.exclusions.is_empty() {
        let mut g = Group::new()
            .set("id", "exclusions")
            .set("fill", "url(#gs-hatch)")
            .set("stroke", EXCLUSION_COLOR)
            .set("stroke-width", 1)
            .set("fill-rule", "evenodd");
        for e in &l.exclusions {
            let d = polygon_d(&e.area, &proj);
            if d.is_empty() {
                continue;
            }
            let mut p = Path::new().set("d", d);
            if let Some(r) = &e.reason {
                p.append(title(r));
            }
            g.append(p);
        }
        clipped.append(g);
    }

    // Fibre routes: one path.
    let mut d = String::new();
    for route in &l.fibre.routes {
        for part in &route.parts {
            push_path(&mut d, part, &proj, false);
        }
    }
    if !d.is_empty() {
        clipped.append(
            Path::new()
                .set("id", "fibre")
                .set("fill", "none")
                .set("stroke", FIBRE_COLOR)
                .set("stroke-width", "1.3")
                .set("stroke-opacity", ".75")
                .set("stroke-linejoin", "round")
                .set("d", d),
        );
    }

    // Substations sized by headroom (area ∝ headroom).
    let max_headroom = l.grid.iter().map(|s| s.headroom_mw).fold(0.0, f64::max);
    let mut substations = Group::new()
        .set("id", "substations")
        .set("fill", SUBSTATION_COLOR)
        .set("fill-opacity", ".35")
        .set("stroke", SUBSTATION_COLOR)
        .set("stroke-width", ".5");
    for s in &l.grid {
        let (x, y) = proj.p(s.location);
        if !frame.grown(SUB_R_MAX).contains(&Rect::around(x, y, 0.0)) {
            continue;
        }
        substations.append(circle(x, y, substation_radius(s.headroom_mw, max_headroom)));
    }
    clipped.append(substations);

    // Candidates as dots (zero-length round-capped strokes), one path per class;
    // dots landing on the same 0.1 px spot are written once.
    let dots = |eligible: bool| -> String {
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
        d
    };
    let dot_path = |id: &str, opacity: &str, width: &str, d: String| {
        Path::new()
            .set("id", id)
            .set("fill", "none")
            .set("stroke", CANDIDATE_COLOR)
            .set("stroke-opacity", opacity)
            .set("stroke-width", width)
            .set("stroke-linecap", "round")
            .set("d", d)
    };
    if opts.show_ineligible {
        let d = dots(false);
        if !d.is_empty() {
            clipped.append(dot_path("candidates-ineligible", ".2", "2.2", d));
        }
    }
    let d = dots(true);
    if !d.is_empty() {
        clipped.append(dot_path("candidates", ".6", "3.6", d));
    }

    // Demand points: small triangles.
    if !l.demand.is_empty() {
        let mut d = String::new();
        for p in &l.demand {
            let (x, y) = proj.p(p.location);
            let _ = write!(d, "M{} {}l4 7h-8z", num(x), num(y - 4.5));
        }
        clipped.append(
            Path::new()
                .set("id", "demand")
                .set("fill", DEMAND_COLOR)
                .set("stroke", "#fff")
                .set("stroke-width", ".8")
                .set("d", d),
        );
    }

    // Internet exchange points: diamonds.
    if !l.fibre.ixps.is_empty() {
        let mut d = String::new();
        for x in &l.fibre.ixps {
            let (px, py) = proj.p(x.location);
            let _ = write!(d, "M{} {}l4.5 4.5-4.5 4.5-4.5-4.5z", num(px), num(py - 4.5));
        }
        clipped.append(
            Path::new()
                .set("id", "ixps")
                .set("fill", "#111")
                .set("stroke", "#fff")
                .set("stroke-width", 1)
                .set("d", d),
        );
    }
    doc.append(clipped);

    // Labels: chosen sites first (always shown), then zones and IXPs where room is left.
    let mut placer = Placer::new(frame.grown(-2.0));
    let scale_bar = scale_bar_box(&layout);
    placer.block(scale_bar);
    let site_px: Vec<(f64, f64)> = sites
        .iter()
        .map(|s| proj.project(s.lon_lat[0], s.lon_lat[1]))
        .collect();
    for &(x, y) in &site_px {
        placer.block(Rect::around(x, y, SITE_MARKER_RADIUS_PX + 2.0));
    }
    // Labels keep off the point symbols and the far ends of the grid lines.
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
        let (x, y) = proj.p(c);
        placer.block(Rect::around(x, y, 5.0));
    }
    let site_boxes: Vec<(Rect, Vec<String>)> = sites
        .iter()
        .zip(&site_px)
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
            let r = placer.place_always(&positions_around(x, y, w, h, 14.0));
            (r, lines)
        })
        .collect();

    // Grid lines of the chosen sites, the substations they use ringed.
    if !sites.is_empty() {
        let mut d = String::new();
        let mut rings = Group::new()
            .set("fill", "none")
            .set("stroke", SITE_COLOR)
            .set("stroke-width", "1.8");
        for (s, &(x, y)) in sites.iter().zip(&site_px) {
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
            if let Some(p) = s.fibre_point {
                let (fx, fy) = proj.project(p[0], p[1]);
                if (fx - x).hypot(fy - y) > 1.0 {
                    doc.append(
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
        }
        doc.append(
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
                .add(rings),
        );
        // Leaders from marker to label when the label sits away from it.
        let mut d = String::new();
        for ((r, _), &(x, y)) in site_boxes.iter().zip(&site_px) {
            let (cx, cy) = (x.clamp(r.x, r.x + r.w), y.clamp(r.y, r.y + r.h));
            if (cx - x).hypot(cy - y) > SITE_MARKER_RADIUS_PX + 8.0 {
                let _ = write!(d, "M{} {} {} {}", num(x), num(y), num(cx), num(cy));
            }
        }
        if !d.is_empty() {
            doc.append(
                Path::new()
                    .set("id", "leaders")
                    .set("fill", "none")
                    .set("stroke", SITE_COLOR)
                    .set("stroke-width", 1)
                    .set("d", d),
            );
        }
        // Markers.
        let mut markers = Group::new()
            .set("id", "sites")
            .set("fill", SITE_COLOR)
            .set("stroke", "#fff")
            .set("stroke-width", "1.5");
        for (s, &(x, y)) in sites.iter().zip(&site_px) {
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
        doc.append(markers);
        // Labels with the rank badge and the cost breakdown.
        let mut labels = Group::new()
            .set("id", "site-labels")
            .set("font-size", num(LABEL_FONT));
        for (s, (r, lines)) in sites.iter().zip(&site_boxes) {
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
        doc.append(labels);
    }

    // Zone names and IXP names where they fit.
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
    if minor.get_children().is_some_and(|c| !c.is_empty()) {
        doc.append(minor);
    }

    doc.append(rect(frame).set("fill", "none").set("stroke", "#90a4ae"));
    doc.append(draw_scale_bar(&layout, scale_bar));

    // Title and subtitle.
    let c = &result.candidates.counts;
    let mut sub = format!(
        "{} of {} sites chosen · {} candidates, {} eligible · solver {}",
        sites.len(),
        result.scenario.sites.count,
        c.candidates,
        c.eligible,
        result.outcome.solver
    );
    if let Some(first) = result.outcome.infeasibility.first() {
        sub.push_str(" · ");
        sub.push_str(first);
    }
    doc.append(one_line(
        text(MARGIN, 30.0, &heading)
            .set("id", "title")
            .set("font-size", 19)
            .set("font-weight", "bold")
            .set("fill", "#111"),
    ));
    doc.append(one_line(
        text(MARGIN, 50.0, &sub)
            .set("font-size", 12)
            .set("fill", "#555"),
    ));

    doc.append(draw_legend(
        result,
        opts,
        &layout,
        &scale,
        &prices,
        max_headroom,
    ));
    finish(&doc)
}

/// A `<circle>` at (x, y) of radius r, rounded with [`num`].
fn circle(x: f64, y: f64, r: f64) -> Circle {
    Circle::new()
        .set("cx", num(x))
        .set("cy", num(y))
        .set("r", num(r))
}

/// A point inside the zone's largest part, for its label.
fn largest_part_point(mp: &MultiPolygon) -> Option<Coord> {
    use geo::Area;
    let largest = mp
        .iter()
        .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))?;
    largest.interior_point().map(|p| p.0)
}

/// Where the scale bar sits: the frame's bottom-left corner.
fn scale_bar_box(layout: &MapLayout) -> Rect {
    let f = layout.frame;
    Rect::new(f.x + 8.0, f.y + f.h - 8.0 - 40.0, 190.0, 40.0)
}

fn draw_scale_bar(layout: &MapLayout, b: Rect) -> Group {
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

fn draw_legend(
    r: &RunResult,
    opts: &MapOptions,
    layout: &MapLayout,
    scale: &PriceScale,
    prices: &[f64],
    max_headroom: f64,
) -> Group {
    let x = layout.legend_x;
    let mut y = layout.frame.y + 14.0;
    let mut g = Group::new()
        .set("id", "legend")
        .set("font-size", 11)
        .set("fill", "#222")
        .add(one_line(
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
    y += 72.0;

    // Symbols: an icon and its text per row.
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
    // Substation sizes.
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
    g
}

/// Rounds to two significant digits: 1234.5 → 1200.
fn round_sig(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 0.0;
    }
    let mag = 10f64.powf(v.log10().floor() - 1.0);
    (v / mag).round() * mag
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
