//! R-trees over the layers. Points and fibre segments live on the unit sphere in 3-D,
//! where Euclidean chord length orders pairs exactly as great-circle distance does, so
//! rstar's Euclidean queries answer spherical questions without any planar error.
//! Polygons are indexed by their longitude/latitude bounding boxes and then tested
//! with geo's point-in-polygon.

use geo::{Coord, Intersects, MultiPolygon, Point};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{PointDistance, RTree, RTreeObject, AABB};

use crate::geodesy::{
    angle, chord_2_for_km, closest_on_arc, closest_on_arc_chord_2, to_unit, unit_km, Unit,
};

/// Relative slack on query radii so that rounding never drops a point at the limit;
/// results are then filtered by the exact distance.
const SLACK: f64 = 1e-9;

/// Points on the sphere, each with its index in the caller's slice.
pub struct PointIndex {
    tree: RTree<GeomWithData<Unit, usize>>,
}

impl PointIndex {
    pub fn new(points: &[Unit]) -> Self {
        let items = points
            .iter()
            .enumerate()
            .map(|(i, p)| GeomWithData::new(*p, i))
            .collect();
        PointIndex {
            tree: RTree::bulk_load(items),
        }
    }

    pub fn from_coords(coords: &[Coord]) -> Self {
        let units: Vec<Unit> = coords.iter().map(|c| to_unit(*c)).collect();
        Self::new(&units)
    }

    /// Every point within `km` (inclusive) of `p`, as (index, km), nearest first, ties by index.
    pub fn within_km(&self, p: Unit, km: f64) -> Vec<(usize, f64)> {
        let r2 = chord_2_for_km(km) * (1.0 + SLACK) + 1e-18;
        let mut out: Vec<(usize, f64)> = self
            .tree
            .locate_within_distance(p, r2)
            .map(|g| (g.data, unit_km(p, *g.geom())))
            .filter(|&(_, d)| d <= km)
            .collect();
        out.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        out
    }

    /// Points within `km` of `p` in order of distance, as (index, km), until `enough`
    /// says so: the point that satisfies it and any at the same distance are the last
    /// returned. Sorted by km then index, like [`PointIndex::within_km`].
    pub fn nearest_until(
        &self,
        p: Unit,
        km: f64,
        mut enough: impl FnMut(usize, f64) -> bool,
    ) -> Vec<(usize, f64)> {
        // Growing radii: a few cheap range queries instead of a nearest-neighbour
        // heap over everything in reach.
        let mut r = (km / 16.0).max(1e-3);
        loop {
            let r_now = r.min(km);
            let mut out = self.within_km(p, r_now);
            if let Some(i) = out.iter().position(|&(s, d)| enough(s, d)) {
                let stop = out[i].1 + 1e-9;
                if stop > r_now && r_now < km {
                    // Ties just beyond this radius.
                    out = self.within_km(p, stop.min(km));
                }
                out.retain(|&(_, d)| d <= stop);
                return out;
            }
            if r_now >= km {
                return out;
            }
            r *= 2.0;
        }
    }

    /// Indices of points strictly closer than `km` to `p`, ascending.
    pub fn closer_than_km(&self, p: Unit, km: f64) -> Vec<usize> {
        let r2 = chord_2_for_km(km) * (1.0 + SLACK) + 1e-18;
        let mut out: Vec<usize> = self
            .tree
            .locate_within_distance(p, r2)
            .filter(|g| unit_km(p, *g.geom()) < km)
            .map(|g| g.data)
            .collect();
        out.sort_unstable();
        out
    }
}

/// All pairs (i, j), i < j, of points strictly closer than `km`; sorted.
/// One R-tree query per point: output-sensitive, never a scan of all pairs.
pub fn pairs_closer_than(points: &[Unit], km: f64) -> Vec<(usize, usize)> {
    let index = PointIndex::new(points);
    let mut out = Vec::new();
    for (i, p) in points.iter().enumerate() {
        for j in index.closer_than_km(*p, km) {
            if j > i {
                out.push((i, j));
            }
        }
    }
    out
}

/// A great-circle segment between two unit vectors, with the caller's segment index.
#[derive(Debug, Clone)]
pub struct Arc {
    pub a: Unit,
    pub b: Unit,
    pub segment: usize,
    /// The bounding box, computed once: queries ask for it again and again.
    envelope: AABB<Unit>,
}

impl Arc {
    pub fn new(a: Unit, b: Unit, segment: usize) -> Arc {
        // The arc bulges from its chord by at most the sagitta 1 − cos(θ/2).
        let sagitta = 1.0 - (angle(a, b) / 2.0).cos() + 1e-12;
        let lo = [0, 1, 2].map(|k| a[k].min(b[k]) - sagitta);
        let hi = [0, 1, 2].map(|k| a[k].max(b[k]) + sagitta);
        Arc {
            a,
            b,
            segment,
            envelope: AABB::from_corners(lo, hi),
        }
    }
}

impl RTreeObject for Arc {
    type Envelope = AABB<Unit>;

    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

impl PointDistance for Arc {
    /// Squared chord to the closest point of the arc: monotone in great-circle distance.
    fn distance_2(&self, point: &Unit) -> f64 {
        closest_on_arc_chord_2(*point, self.a, self.b).1
    }
}

/// The nearest segment to a point, with the closest point on it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearestSegment {
    pub segment: usize,
    pub km: f64,
    pub closest: Unit,
}

/// Fibre segments on the sphere.
pub struct ArcIndex {
    tree: RTree<Arc>,
}

impl ArcIndex {
    pub fn new(arcs: Vec<Arc>) -> Self {
        ArcIndex {
            tree: RTree::bulk_load(arcs),
        }
    }

    /// The nearest segment: the lowest segment index among those within 1 mm of the
    /// minimum distance, so that ties resolve the same way on every run.
    pub fn nearest(&self, p: Unit) -> Option<NearestSegment> {
        let first = self.tree.nearest_neighbor(&p)?;
        let (_, min_km) = closest_on_arc(p, first.a, first.b);
        // Every segment within the tie distance of the minimum, exactly filtered.
        let r2 = chord_2_for_km(min_km + TIE_KM) * (1.0 + SLACK) + 1e-18;
        let mut best: Option<NearestSegment> = None;
        for arc in self.tree.locate_within_distance(p, r2) {
            let (closest, km) = closest_on_arc(p, arc.a, arc.b);
            if km > min_km + TIE_KM {
                continue;
            }
            if best.as_ref().is_none_or(|b| arc.segment < b.segment) {
                best = Some(NearestSegment {
                    segment: arc.segment,
                    km,
                    closest,
                });
            }
        }
        best
    }
}

/// Distances closer than this (1 mm) are ties, resolved by index.
pub const TIE_KM: f64 = 1e-6;

/// Polygons by their bounding boxes; containment tested exactly with geo.
pub struct PolygonIndex<'a> {
    polygons: Vec<&'a MultiPolygon>,
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
}

impl<'a> PolygonIndex<'a> {
    pub fn new(polygons: Vec<&'a MultiPolygon>) -> Self {
        use geo::BoundingRect;
        let items = polygons
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                p.bounding_rect().map(|r| {
                    GeomWithData::new(
                        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                        i,
                    )
                })
            })
            .collect();
        PolygonIndex {
            polygons,
            tree: RTree::bulk_load(items),
        }
    }

    /// Indices of the polygons that contain `c` (boundary included), ascending.
    pub fn containing(&self, c: Coord) -> Vec<usize> {
        let point = Point(c);
        let mut out: Vec<usize> = self
            .tree
            .locate_all_at_point(&[c.x, c.y])
            .map(|g| g.data)
            .filter(|&i| self.polygons[i].intersects(&point))
            .collect();
        out.sort_unstable();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::SplitMix64;
    use geo::{LineString, Polygon};

    fn random_coord(rng: &mut SplitMix64) -> Coord {
        Coord {
            x: rng.range(-10.0, 30.0),
            y: rng.range(36.0, 70.0),
        }
    }

    #[test]
    fn within_km_equals_linear_scan() {
        let mut rng = SplitMix64::new(7);
        let pts: Vec<Unit> = (0..2000).map(|_| to_unit(random_coord(&mut rng))).collect();
        let index = PointIndex::new(&pts);
        for _ in 0..200 {
            let q = to_unit(random_coord(&mut rng));
            let km = rng.range(1.0, 400.0);
            let got = index.within_km(q, km);
            let mut want: Vec<(usize, f64)> = pts
                .iter()
                .enumerate()
                .map(|(i, p)| (i, unit_km(q, *p)))
                .filter(|&(_, d)| d <= km)
                .collect();
            want.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            assert_eq!(got, want);
        }
    }

    #[test]
    fn nearest_until_is_a_prefix_of_within_km() {
        let mut rng = SplitMix64::new(8);
        let pts: Vec<Unit> = (0..2000).map(|_| to_unit(random_coord(&mut rng))).collect();
        let index = PointIndex::new(&pts);
        for _ in 0..200 {
            let q = to_unit(random_coord(&mut rng));
            let km = rng.range(10.0, 400.0);
            let all = index.within_km(q, km);
            let stop = rng.below(pts.len());
            let got = index.nearest_until(q, km, |i, _| i % 7 == stop % 7);
            let cut = all.iter().position(|&(i, _)| i % 7 == stop % 7);
            match cut {
                None => assert_eq!(got, all),
                Some(c) => {
                    let d = all[c].1;
                    let want: Vec<(usize, f64)> =
                        all.iter().copied().filter(|x| x.1 <= d + 1e-9).collect();
                    assert_eq!(got, want);
                }
            }
        }
    }

    #[test]
    fn separation_pairs_equal_linear_scan() {
        let mut rng = SplitMix64::new(11);
        let pts: Vec<Unit> = (0..600).map(|_| to_unit(random_coord(&mut rng))).collect();
        for km in [50.0, 300.0, 900.0] {
            let got = pairs_closer_than(&pts, km);
            let mut want = Vec::new();
            for i in 0..pts.len() {
                for j in i + 1..pts.len() {
                    if unit_km(pts[i], pts[j]) < km {
                        want.push((i, j));
                    }
                }
            }
            assert_eq!(got, want, "separation {km} km");
        }
    }

    #[test]
    fn nearest_segment_equals_linear_scan() {
        let mut rng = SplitMix64::new(5);
        let arcs: Vec<Arc> = (0..800)
            .map(|i| {
                let a = random_coord(&mut rng);
                let b = Coord {
                    x: a.x + rng.range(-3.0, 3.0),
                    y: a.y + rng.range(-2.0, 2.0),
                };
                Arc::new(to_unit(a), to_unit(b), i)
            })
            .collect();
        let index = ArcIndex::new(arcs.clone());
        for _ in 0..300 {
            let q = to_unit(random_coord(&mut rng));
            let got = index.nearest(q).unwrap();
            let kms: Vec<f64> = arcs.iter().map(|a| closest_on_arc(q, a.a, a.b).1).collect();
            let best_km = kms.iter().cloned().fold(f64::INFINITY, f64::min);
            let best_i = (0..arcs.len())
                .filter(|&i| kms[i] <= best_km + TIE_KM)
                .min()
                .unwrap();
            assert_eq!(got.segment, best_i);
            assert!((got.km - best_km).abs() < 1e-9);
        }
    }

    #[test]
    fn containing_equals_linear_scan() {
        let mut rng = SplitMix64::new(3);
        let polys: Vec<MultiPolygon> = (0..300)
            .map(|_| {
                let c = random_coord(&mut rng);
                let r = rng.range(0.2, 3.0);
                let n = 3 + rng.below(6);
                let ring: Vec<Coord> = (0..=n)
                    .map(|k| {
                        let t = (k % n) as f64 / n as f64 * std::f64::consts::TAU;
                        let rr = r * rng.range(0.5, 1.0);
                        Coord {
                            x: c.x + rr * t.cos(),
                            y: c.y + rr * t.sin(),
                        }
                    })
                    .collect();
                let mut ring = ring;
                let first = ring[0];
                *ring.last_mut().unwrap() = first;
                MultiPolygon(vec![Polygon::new(LineString(ring), vec![])])
            })
            .collect();
        let index = PolygonIndex::new(polys.iter().collect());
        for _ in 0..2000 {
            let q = random_coord(&mut rng);
            let want: Vec<usize> = (0..polys.len())
                .filter(|&i| polys[i].intersects(&Point(q)))
                .collect();
            assert_eq!(index.containing(q), want);
        }
    }
}
