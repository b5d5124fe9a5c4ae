//! Small SVG helpers, shared with `plot`: escaped one-line text, rounded numbers,
//! rectangles and circles, the document, and nice axis ticks.

use svg::node::element::{Circle, Element, Rectangle, Text, Title};
use svg::Document;

use super::Rect;

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

/// A `<circle>` at (x, y) of radius r, rounded with [`num`].
pub(crate) fn circle(x: f64, y: f64, r: f64) -> Circle {
    Circle::new()
        .set("cx", num(x))
        .set("cy", num(y))
        .set("r", num(r))
}
