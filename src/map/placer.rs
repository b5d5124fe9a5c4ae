//! Greedy label placement, shared with `plot`.

use super::Rect;

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
