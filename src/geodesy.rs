//! Distances on the sphere of MODEL.md: mean Earth radius, great-circle distances,
//! and points as unit vectors so that R-trees in 3-D give exact spherical queries.
//!
//! # Units
//! Longitudes and latitudes in degrees, distances in km. A chord is the straight-line
//! distance between two unit vectors; it grows monotonically with the great-circle
//! angle, so "within d km" on the sphere is "within chord(d)" in 3-D.

use geo::Coord;

/// Mean Earth radius (IUGG), km.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A point on the unit sphere.
pub type Unit = [f64; 3];

/// The unit vector of a longitude/latitude in degrees.
pub fn to_unit(c: Coord) -> Unit {
    let (lon, lat) = (c.x.to_radians(), c.y.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

/// The longitude/latitude in degrees of a unit vector.
pub fn from_unit(u: Unit) -> Coord {
    let lat = u[2].clamp(-1.0, 1.0).asin().to_degrees();
    let lon = u[1].atan2(u[0]).to_degrees();
    Coord { x: lon, y: lat }
}

pub(crate) fn dot(a: Unit, b: Unit) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

pub(crate) fn cross(a: Unit, b: Unit) -> Unit {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn norm(a: Unit) -> f64 {
    dot(a, a).sqrt()
}

fn scale(a: Unit, s: f64) -> Unit {
    [a[0] * s, a[1] * s, a[2] * s]
}

/// Great-circle angle between two unit vectors, radians (atan2 form: exact at all angles).
pub fn angle(a: Unit, b: Unit) -> f64 {
    norm(cross(a, b)).atan2(dot(a, b))
}

/// Great-circle distance between two unit vectors, km.
pub fn unit_km(a: Unit, b: Unit) -> f64 {
    angle(a, b) * EARTH_RADIUS_KM
}

/// Whether two unit vectors are strictly closer than `km`, given `chord_2` =
/// [`chord_2_for_km`]`(km)`: the squared chord decides, except within rounding of the
/// threshold, where the exact distance does (so the answer always equals
/// `unit_km(a, b) < km`).
pub fn closer_than(a: Unit, b: Unit, km: f64, chord_2: f64) -> bool {
    let d = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    let c2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    if (c2 - chord_2).abs() > 1e-9 * chord_2 + 1e-15 {
        c2 < chord_2
    } else {
        unit_km(a, b) < km
    }
}

/// Haversine great-circle distance between two longitude/latitude points, km.
pub fn haversine_km(a: Coord, b: Coord) -> f64 {
    let (lat1, lat2) = (a.y.to_radians(), b.y.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.x - a.x).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// Squared chord between unit vectors at great-circle distance `km` (capped at half the globe).
pub fn chord_2_for_km(km: f64) -> f64 {
    let theta = (km / EARTH_RADIUS_KM).clamp(0.0, std::f64::consts::PI);
    let c = 2.0 * (theta / 2.0).sin();
    c * c
}

/// The closest point of the minor great-circle arc `a`–`b` to `p`, and its squared
/// chord from `p` (monotone in the great-circle distance; no trigonometry).
pub fn closest_on_arc_chord_2(p: Unit, a: Unit, b: Unit) -> (Unit, f64) {
    let c2 = |q: Unit| {
        let d = [p[0] - q[0], p[1] - q[1], p[2] - q[2]];
        d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
    };
    let endpoint = || {
        let (da, db) = (c2(a), c2(b));
        if db < da {
            (b, db)
        } else {
            (a, da)
        }
    };
    let n = cross(a, b);
    let n_len = norm(n);
    if n_len < 1e-15 {
        return endpoint();
    }
    let n = scale(n, 1.0 / n_len);
    let off = dot(p, n);
    let proj = [p[0] - off * n[0], p[1] - off * n[1], p[2] - off * n[2]];
    let proj_len = norm(proj);
    if proj_len < 1e-15 {
        return endpoint();
    }
    let c = scale(proj, 1.0 / proj_len);
    if dot(cross(a, c), n) >= 0.0 && dot(cross(c, b), n) >= 0.0 {
        (c, c2(c))
    } else {
        endpoint()
    }
}

/// The closest point of the minor great-circle arc `a`–`b` to `p`.
///
/// Returns the point and its distance from `p` in km.
pub fn closest_on_arc(p: Unit, a: Unit, b: Unit) -> (Unit, f64) {
    let (c, _) = closest_on_arc_chord_2(p, a, b);
    (c, unit_km(p, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64, y: f64) -> Coord {
        Coord { x, y }
    }

    #[test]
    fn haversine_matches_unit_angle() {
        let pairs = [
            (c(2.35, 48.85), c(13.40, 52.52)),
            (c(-9.14, 38.72), c(24.94, 60.17)),
            (c(179.9, 0.0), c(-179.9, 0.0)),
            (c(0.0, 89.9), c(180.0, 89.9)),
        ];
        for (a, b) in pairs {
            let h = haversine_km(a, b);
            let u = unit_km(to_unit(a), to_unit(b));
            assert!((h - u).abs() < 1e-6, "{h} vs {u}");
        }
        // Paris–Berlin is about 878 km.
        assert!((haversine_km(pairs[0].0, pairs[0].1) - 878.0).abs() < 2.0);
    }

    #[test]
    fn chord_is_monotone_in_distance() {
        let a = to_unit(c(0.0, 0.0));
        for km in [0.5, 10.0, 500.0, 5000.0, 15000.0] {
            let b = to_unit(c(km / EARTH_RADIUS_KM * 180.0 / std::f64::consts::PI, 0.0));
            let d = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
            assert!((dot(d, d) - chord_2_for_km(km)).abs() < 1e-12);
        }
    }

    #[test]
    fn closest_on_arc_agrees_with_dense_sampling() {
        let a = to_unit(c(0.0, 45.0));
        let b = to_unit(c(10.0, 46.0));
        for p in [c(5.0, 47.0), c(-3.0, 44.0), c(12.0, 40.0), c(5.0, 45.5)] {
            let pu = to_unit(p);
            let (_, km) = closest_on_arc(pu, a, b);
            let mut best = f64::INFINITY;
            for s in 0..=10_000 {
                let t = s as f64 / 10_000.0;
                // Spherical interpolation along the arc.
                let th = angle(a, b);
                let (wa, wb) = (((1.0 - t) * th).sin() / th.sin(), (t * th).sin() / th.sin());
                let q = [
                    wa * a[0] + wb * b[0],
                    wa * a[1] + wb * b[1],
                    wa * a[2] + wb * b[2],
                ];
                best = best.min(unit_km(pu, q));
            }
            assert!((km - best).abs() < 0.05, "{km} vs sampled {best}");
        }
    }

    #[test]
    fn unit_round_trip() {
        let p = c(-3.7, 40.4);
        let q = from_unit(to_unit(p));
        assert!((p.x - q.x).abs() < 1e-9 && (p.y - q.y).abs() < 1e-9);
    }
}

#[cfg(test)]
mod closer_than_tests {
    use super::*;

    #[test]
    fn closer_than_equals_the_exact_distance_test() {
        let mut rng = crate::generate::SplitMix64::new(31);
        for _ in 0..20_000 {
            let a = to_unit(Coord {
                x: rng.range(-10.0, 30.0),
                y: rng.range(36.0, 70.0),
            });
            let b = to_unit(Coord {
                x: rng.range(-10.0, 30.0),
                y: rng.range(36.0, 70.0),
            });
            let d = unit_km(a, b);
            // Thresholds around the distance itself exercise the exact fallback.
            for km in [
                d,
                d * (1.0 + 1e-12),
                d * (1.0 - 1e-12),
                rng.range(1.0, 3000.0),
            ] {
                assert_eq!(
                    closer_than(a, b, km, chord_2_for_km(km)),
                    d < km,
                    "{d} {km}"
                );
            }
        }
    }
}
