//! Land parcels: the candidate sites.

use std::cmp::Ordering;

use geo::coordinate_position::{CoordPos, CoordinatePosition};
use geo::{
    BoundingRect, Coord, CoordsIter, GeodesicArea, Intersections, Line, LineIntersection,
    LinesIter, MultiPolygon, Point, Polygon,
};
use serde::Serialize;

use super::{read_features, require_nonempty, Geometry, Input, Item, LayerInfo};
use std::path::Path;

use crate::error::Result;
use crate::progress::Progress;

/// How a candidate's location was taken from its geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationMethod {
    /// The feature is a Point.
    Point,
    /// An interior point of the (Multi)Polygon (geo's `InteriorPoint`).
    InteriorPoint,
}

impl LocationMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            LocationMethod::Point => "point",
            LocationMethod::InteriorPoint => "interior_point",
        }
    }
}

/// One land parcel.
#[derive(Debug, Clone)]
pub struct LandParcel {
    pub id: String,
    pub name: Option<String>,
    pub price_eur_per_m2: f64,
    /// Given, or computed geodesically for polygons.
    pub area_ha: f64,
    pub available: bool,
    pub country: Option<String>,
    /// The site's own PUE (>= 1), before the zone's and the facility's.
    pub pue: Option<f64>,
    /// WRI Aqueduct baseline water-stress category (0–5), before the zone's.
    pub water_stress: Option<f64>,
    /// Longitude/latitude of the site.
    pub location: Coord,
    pub location_method: LocationMethod,
    /// The parcel's outline, for polygons.
    pub outline: Option<MultiPolygon>,
}

impl Item for LandParcel {
    const KEY: Option<&'static str> = Some("id");
    fn key(&self) -> &str {
        &self.id
    }
}

/// The properties a land feature is read for (besides `id`).
const KEYS: &[&str] = &[
    "price_eur_per_m2",
    "area_ha",
    "available",
    "country",
    "name",
    "pue",
    "water_stress",
];

pub fn read_land(path: &Path, progress: &dyn Progress) -> Result<(Vec<LandParcel>, LayerInfo)> {
    read_land_from(Input::file(path)?, progress)
}

pub fn read_land_from(
    input: Input<'_>,
    progress: &dyn Progress,
) -> Result<(Vec<LandParcel>, LayerInfo)> {
    let path = input.path;
    let (out, info) = read_features(input, "land", progress, KEYS, |ctx, id, geometry| {
        let (location, method, outline) = match ctx.geometry(geometry)? {
            Geometry::Point(c) => (ctx.coord(c)?, LocationMethod::Point, None),
            other => {
                let area = ctx.areal(other)?.map_err(|found| {
                    ctx.wrong_geometry(found, "a Point, Polygon or MultiPolygon")
                })?;
                let p = interior_point(&area).ok_or_else(|| {
                    ctx.err(
                        Some("geometry"),
                        "the polygon is empty: it has no interior point",
                    )
                })?;
                (p.0, LocationMethod::InteriorPoint, Some(area))
            }
        };
        let area_ha = match (ctx.number("area_ha", None)?, &outline) {
            (Some(a), _) if a > 0.0 => a,
            (Some(a), _) => {
                return Err(ctx.err(Some("area_ha"), format!("expected a number > 0, found {a}")))
            }
            (None, Some(poly)) => poly.geodesic_area_unsigned() / 10_000.0,
            (None, None) => {
                return Err(ctx.err(Some("area_ha"), "missing: required for Point parcels"))
            }
        };
        let country = ctx.country("country")?;
        Ok(LandParcel {
            price_eur_per_m2: ctx.required_number("price_eur_per_m2", Some(0.0))?,
            available: ctx.boolean("available")?.unwrap_or(true),
            name: ctx.string("name")?,
            pue: ctx.number("pue", Some(1.0))?,
            water_stress: ctx.water_stress("water_stress")?,
            country,
            id,
            area_ha,
            location,
            location_method: method,
            outline,
        })
    })?;
    require_nonempty(path, &out, "land parcels")?;
    Ok((out, info))
}

/// geo's `InteriorPoint` of a MultiPolygon (geo 0.33, whose code this follows), with
/// the same result: for each polygon, a horizontal line through the middle of its
/// bounding box is cut by its edges, and the midpoint of the longest piece that lies in
/// the polygon is its point; the polygon with the longest piece gives the point. geo
/// asks `Relate` whether a midpoint lies in the polygon, which builds the polygon's
/// topology graph (most of the time land reading spends on polygons); for a point
/// that is not on an edge `Relate` takes the answer from `CoordinatePosition`, which
/// is asked here directly. The test below compares both on random polygons.
fn interior_point(area: &MultiPolygon) -> Option<Point> {
    area.iter()
        .filter_map(polygon_interior_point)
        .min_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(Ordering::Less))
        .map(|(point, _length)| point)
}

/// A polygon's interior point and the length of its piece of line (0 on the boundary).
fn polygon_interior_point(polygon: &Polygon) -> Option<(Point, f64)> {
    if polygon.exterior().0.len() == 1 {
        return Some((polygon.exterior().0[0].into(), 0.0));
    }
    let bounds = polygon.bounding_rect()?;
    // The middle of the bounds, unless a vertex is on it: then halfway to the nearest
    // other height, to make collinear intersections less likely.
    let mut y_mid = (bounds.min().y + bounds.max().y) / 2.0;
    if polygon.coords_iter().any(|c| c.y == y_mid) {
        let next_closest = polygon
            .coords_iter()
            .filter(|c| c.y != y_mid)
            .map(|c| (c.y, (c.y - y_mid).abs()))
            .min_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(Ordering::Less));
        if let Some((closest, _)) = next_closest {
            y_mid = (y_mid + closest) / 2.0;
        }
    }
    let scan_line = Line::new(
        Coord {
            x: bounds.min().x,
            y: y_mid,
        },
        Coord {
            x: bounds.max().x,
            y: y_mid,
        },
    );
    let lines = polygon.lines_iter().chain(std::iter::once(scan_line));
    let mut crossings: Vec<Point> = Vec::new();
    for (l1, l2, inter) in Intersections::from_iter(lines) {
        if !(l1 == scan_line || l2 == scan_line) {
            continue;
        }
        match inter {
            LineIntersection::Collinear { intersection } => {
                crossings.push(intersection.start.into());
                crossings.push(intersection.end.into());
            }
            LineIntersection::SinglePoint { intersection, .. } => {
                crossings.push(intersection.into());
            }
        }
    }
    crossings.sort_by(|a, b| a.x().total_cmp(&b.x()));
    let mut pieces: Vec<(Point, f64)> = crossings
        .windows(2)
        .map(|w| {
            let midpoint = Point::new((w[0].x() + w[1].x()) / 2.0, y_mid);
            (midpoint, w[1].x() - w[0].x())
        })
        .collect();
    pieces.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (midpoint, length) in pieces {
        match polygon.coordinate_position(&midpoint.0) {
            CoordPos::Inside => return Some((midpoint, length)),
            // Only a polygon of no area has its point on the boundary: ranked last.
            CoordPos::OnBoundary => return Some((midpoint, 0.0)),
            CoordPos::Outside => {}
        }
    }
    polygon
        .coords_iter()
        .next()
        .map(|coord| (coord.into(), 0.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{InteriorPoint, LineString};

    /// geo's interior point and ours, on polygons that are convex, concave, self-
    /// intersecting, with holes, of no area, on a grid (many vertices on the middle
    /// line) and in several parts.
    #[test]
    fn the_interior_point_is_geos() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut ring = |n: usize, grid: bool, cx: f64, cy: f64, r: f64| {
            let mut coords: Vec<Coord> = (0..n)
                .map(|_| {
                    let (mut x, mut y) = (cx + r * (next() - 0.5), cy + r * (next() - 0.5));
                    if grid {
                        (x, y) = ((x * 4.0).round() / 4.0, (y * 4.0).round() / 4.0);
                    }
                    Coord { x, y }
                })
                .collect();
            coords.push(coords[0]);
            LineString(coords)
        };
        let mut checked = 0;
        for case in 0..20_000 {
            let grid = case % 3 == 0;
            let n = 3 + case % 9;
            let parts = 1 + case % 4 / 3 + case % 7 / 6;
            let polygons: Vec<Polygon> = (0..parts)
                .map(|k| {
                    let (cx, cy) = (10.0 * k as f64, 50.0);
                    let holes = if case % 5 == 0 {
                        vec![ring(3 + case % 4, grid, cx, cy, 0.5)]
                    } else {
                        vec![]
                    };
                    Polygon::new(ring(n, grid, cx, cy, 4.0), holes)
                })
                .collect();
            let area = MultiPolygon(polygons);
            assert_eq!(interior_point(&area), area.interior_point(), "{area:?}");
            checked += 1;
        }
        // Rectangles like the generator's, a line and a point.
        for (w, h) in [
            (0.02, 0.013),
            (1.0, 1.0),
            (0.0, 1.0),
            (1.0, 0.0),
            (0.0, 0.0),
        ] {
            let r = geo::Rect::new(
                Coord { x: 21.69, y: 57.91 },
                Coord {
                    x: 21.69 + w,
                    y: 57.91 + h,
                },
            );
            let area = MultiPolygon(vec![r.to_polygon()]);
            assert_eq!(interior_point(&area), area.interior_point(), "{area:?}");
            checked += 1;
        }
        assert_eq!(checked, 20_005);
    }
}
