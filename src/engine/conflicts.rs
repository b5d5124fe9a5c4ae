//! The separation rule without a list of conflicting pairs.
//!
//! Two sites conflict when they are closer than `min_separation_km`. The program gets
//! - one row per cell of a 3-D grid over the unit sphere whose cells are small enough
//!   (diagonal below the separation chord) that all sites in a cell conflict with
//!   each other: `Σ_{i in cell} x_i <= 1`, one row per occupied cell;
//! - and, lazily, a clique row through every conflicting pair that a master solution
//!   opens together, grown through the R-tree to a maximal clique.
//!
//! Memory is linear in the sites; every pairwise row of MODEL.md is implied by the
//! rows present at the end (the master's answer opens no conflicting pair), and every
//! row present is implied by the pairwise rows, so the optimum is the same.

use std::collections::BTreeMap;

use crate::geodesy::{chord_2_for_km, closer_than, Unit};
use crate::index::PointIndex;

/// Separation among a subset of sites (positions in the problem's site list).
pub struct Separation {
    pub km: f64,
    chord_2: f64,
    sites: Vec<usize>,
    units: Vec<Unit>,
    index: PointIndex,
}

impl Separation {
    pub fn new(km: f64, sites: &[usize], unit_of: impl Fn(usize) -> Unit) -> Separation {
        let units: Vec<Unit> = sites.iter().map(|&s| unit_of(s)).collect();
        Separation {
            km,
            chord_2: chord_2_for_km(km),
            sites: sites.to_vec(),
            index: PointIndex::new(&units),
            units,
        }
    }

    /// Whether local positions a and b conflict.
    pub fn conflict(&self, a: usize, b: usize) -> bool {
        a != b && closer_than(self.units[a], self.units[b], self.km, self.chord_2)
    }

    /// Local positions of the sites conflicting with local position a, ascending.
    pub fn neighbours(&self, a: usize) -> Vec<usize> {
        self.index
            .closer_than_km(self.units[a], self.km)
            .into_iter()
            .filter(|&b| b != a)
            .collect()
    }

    /// One clique per occupied grid cell with two or more sites (local positions).
    pub fn cell_cliques(&self) -> Vec<Vec<usize>> {
        // A cube of side s has diagonal s√3; keep it strictly below the chord.
        let side = chord_2_for_km(self.km).sqrt() / 3f64.sqrt() * (1.0 - 1e-6);
        if side <= 0.0 {
            return Vec::new();
        }
        let mut cells: BTreeMap<[i64; 3], Vec<usize>> = BTreeMap::new();
        for (a, u) in self.units.iter().enumerate() {
            let key = [0, 1, 2].map(|d| (u[d] / side).floor() as i64);
            cells.entry(key).or_default().push(a);
        }
        cells
            .into_values()
            .filter(|c| c.len() >= 2)
            // Rounding at the cell edge must never put a non-conflicting pair in a row.
            .flat_map(|c| self.split_into_cliques(c))
            .collect()
    }

    /// Splits a group that should be a clique into true cliques (normally one).
    fn split_into_cliques(&self, mut group: Vec<usize>) -> Vec<Vec<usize>> {
        let mut out = Vec::new();
        while group.len() >= 2 {
            let mut clique = vec![group[0]];
            let mut rest = Vec::new();
            for &b in &group[1..] {
                if clique.iter().all(|&a| self.conflict(a, b)) {
                    clique.push(b);
                } else {
                    rest.push(b);
                }
            }
            if clique.len() >= 2 {
                out.push(clique);
            }
            group = rest;
        }
        out
    }

    /// A maximal clique through the conflicting pair (a, b): common neighbours added
    /// in the order given by `priority` (lower first), ties by position.
    pub fn clique_through(
        &self,
        a: usize,
        b: usize,
        priority: impl Fn(usize) -> f64,
    ) -> Vec<usize> {
        let mut common: Vec<usize> = self
            .neighbours(a)
            .into_iter()
            .filter(|&c| c != b && self.conflict(b, c))
            .collect();
        common.sort_by(|&p, &q| priority(p).total_cmp(&priority(q)).then(p.cmp(&q)));
        let mut clique = vec![a, b];
        for c in common {
            if clique.iter().all(|&m| self.conflict(m, c)) {
                clique.push(c);
            }
        }
        clique.sort_unstable();
        clique
    }

    /// Conflicting pairs (local positions) among the open local positions.
    pub fn violated_pairs(&self, open: &[usize]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (n, &a) in open.iter().enumerate() {
            for &b in &open[n + 1..] {
                if self.conflict(a, b) {
                    out.push((a.min(b), a.max(b)));
                }
            }
        }
        out
    }

    /// The problem site at local position a.
    pub fn site(&self, a: usize) -> usize {
        self.sites[a]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::SplitMix64;
    use crate::geodesy::{to_unit, unit_km};
    use geo::Coord;

    #[test]
    fn cells_and_lazy_cliques_hold_only_conflicting_pairs_and_neighbours_match_a_scan() {
        let mut rng = SplitMix64::new(17);
        for km in [30.0, 200.0, 700.0] {
            let units: Vec<Unit> = (0..400)
                .map(|_| {
                    to_unit(Coord {
                        x: rng.range(-10.0, 30.0),
                        y: rng.range(36.0, 70.0),
                    })
                })
                .collect();
            let sites: Vec<usize> = (0..units.len()).collect();
            let sep = Separation::new(km, &sites, |s| units[s]);
            for clique in sep.cell_cliques() {
                for (n, &a) in clique.iter().enumerate() {
                    for &b in &clique[n + 1..] {
                        assert!(unit_km(units[a], units[b]) < km);
                    }
                }
            }
            for a in 0..units.len() {
                let want: Vec<usize> = (0..units.len())
                    .filter(|&b| b != a && unit_km(units[a], units[b]) < km)
                    .collect();
                assert_eq!(sep.neighbours(a), want);
                if let Some(&b) = want.first() {
                    let c = sep.clique_through(a, b, |p| p as f64);
                    assert!(c.contains(&a) && c.contains(&b));
                    for (n, &p) in c.iter().enumerate() {
                        for &q in &c[n + 1..] {
                            assert!(sep.conflict(p, q));
                        }
                    }
                }
            }
        }
    }
}
