//! Where everything goes: the data's bounding box, the equirectangular projection
//! fitted to the map frame, and the canvas layout around it.

use geo::Coord;

use super::{MapOptions, LEGEND_WIDTH_PX};
use crate::geodesy::EARTH_RADIUS_KM;
use crate::RunResult;

const MARGIN: f64 = 16.0;
pub(super) const TITLE_H: f64 = 62.0;
/// Space kept between the data's bounding box and the map frame, px.
const PAD: f64 = 28.0;
const MIN_MAP_H: f64 = 560.0;
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

    pub(crate) fn grown(&self, d: f64) -> Rect {
        Rect::new(self.x - d, self.y - d, self.w + 2.0 * d, self.h + 2.0 * d)
    }

    pub(crate) fn around(x: f64, y: f64, r: f64) -> Rect {
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

    pub(crate) fn p(&self, c: Coord) -> (f64, f64) {
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
pub(crate) fn data_bbox(r: &RunResult) -> [f64; 4] {
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
