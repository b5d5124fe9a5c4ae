//! The allocation part of the objective, decomposed per demand point.
//!
//! For demand point j and open set X, the allocation cost is
//! `a_j(X) = min_{i in X} c_ij` with `c_ij = eur_per_ms × weight_j × RTT_ij`. Each
//! point's costs are sorted once; from the sorted list come
//! - the Benders cut at any level D: `θ_j >= D − Σ_i (D − c_ij)^+ x_i`, valid for every
//!   integer x (the nearest open site either lies below D and the sum pays the
//!   difference, or none does and a_j >= D), and exact at D = a_j(X);
//! - the Lagrangian relaxation of the assignment rows with multiplier λ_j, whose
//!   per-site part is `Σ_j min(0, c_ij − λ_j)`: only the prefix of j's list below λ_j
//!   is visited.
//!
//! The solver never sees a site × demand matrix: only cuts, each as long as the
//! prefix of one sorted list.

/// Costs of one demand point: (EUR, site), ascending, ties by site position.
#[derive(Debug, Clone)]
pub struct Sorted {
    pub demand: usize,
    pub costs: Vec<(f64, u32)>,
}

/// The allocation costs of every weighted demand point, sorted once, plus the
/// transpose (per site) for evaluating a plan in O(k × demand points).
#[derive(Debug, Clone, Default)]
pub struct Allocation {
    pub lists: Vec<Sorted>,
    /// Per problem site: (list position, EUR) of every list it appears in.
    pub by_site: Vec<Vec<(u32, f64)>>,
}

impl Allocation {
    /// From (site, cost) pairs per demand point; `usable` marks the sites kept.
    pub fn new(
        sites: usize,
        per_demand: impl Iterator<Item = (usize, Vec<(usize, f64)>)>,
        usable: &[bool],
    ) -> Allocation {
        let mut lists = Vec::new();
        let mut by_site = vec![Vec::new(); sites];
        for (demand, reach) in per_demand {
            let mut costs: Vec<(f64, u32)> = reach
                .into_iter()
                .filter(|&(s, _)| usable[s])
                .map(|(s, c)| (c, s as u32))
                .collect();
            costs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let pos = lists.len() as u32;
            for &(c, s) in &costs {
                by_site[s as usize].push((pos, c));
            }
            lists.push(Sorted { demand, costs });
        }
        Allocation { lists, by_site }
    }

    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    /// Allocation cost of each list for an open set; infinite where no open site
    /// serves it.
    pub fn costs_of(&self, open: &[usize]) -> Vec<f64> {
        let mut cur = vec![f64::INFINITY; self.lists.len()];
        if self.lists.is_empty() {
            return cur;
        }
        for &i in open {
            for &(l, c) in &self.by_site[i] {
                let slot = &mut cur[l as usize];
                if c < *slot {
                    *slot = c;
                }
            }
        }
        cur
    }

    /// Total allocation cost of an open set (infinite when a point is unserved).
    pub fn total(&self, open: &[usize]) -> f64 {
        self.costs_of(open).iter().sum()
    }

    /// The level of list `l` at a (possibly fractional) point `x` (indexed by site):
    /// the least cost at which the open mass reaches 1. Sites missing from `x`
    /// count as closed. None when the mass never reaches 1.
    pub fn level(&self, l: usize, x: impl Fn(usize) -> f64) -> Option<f64> {
        let mut mass = 0.0;
        for &(c, s) in &self.lists[l].costs {
            mass += x(s as usize);
            if mass >= 1.0 - 1e-9 {
                return Some(c);
            }
        }
        None
    }

    /// The cut of list `l` at level `d`: constant D and coefficients (site, D − c)
    /// to subtract, for the sites whose cost lies below D.
    pub fn cut(&self, l: usize, d: f64) -> Cut {
        self.cut_among(l, d, |_| true)
    }

    /// [`Allocation::cut`] over the sites `keep` accepts (a master's sites): the others
    /// are closed in every plan it considers, so their terms vanish.
    pub fn cut_among(&self, l: usize, d: f64, keep: impl Fn(usize) -> bool) -> Cut {
        let terms = self.lists[l]
            .costs
            .iter()
            .take_while(|&&(c, _)| c < d)
            .map(|&(c, s)| (s as usize, d - c))
            .filter(|&(s, _)| keep(s))
            .collect();
        Cut {
            list: l,
            level: d,
            terms,
        }
    }

    /// Per-site Lagrangian part `Σ_j min(0, c_ij − λ_j)` added into `rho`, and the
    /// subgradient's "served" count per list for an open set marked in `open`.
    pub fn lagrangian_terms(&self, lambda: &[f64], rho: &mut [f64]) {
        for (l, list) in self.lists.iter().enumerate() {
            let lam = lambda[l];
            for &(c, s) in &list.costs {
                if c >= lam {
                    break;
                }
                rho[s as usize] += c - lam;
            }
        }
    }

    /// How many open sites lie strictly below λ in each list (the relaxed y).
    pub fn served_below(&self, lambda: &[f64], open: &[bool]) -> Vec<u32> {
        self.lists
            .iter()
            .enumerate()
            .map(|(l, list)| {
                list.costs
                    .iter()
                    .take_while(|&&(c, _)| c < lambda[l])
                    .filter(|&&(_, s)| open[s as usize])
                    .count() as u32
            })
            .collect()
    }
}

/// A Benders cut `θ_l >= level − Σ coef × x_site`.
#[derive(Debug, Clone)]
pub struct Cut {
    pub list: usize,
    pub level: f64,
    pub terms: Vec<(usize, f64)>,
}

impl Cut {
    /// The cut's right-hand side at a point.
    pub fn value(&self, x: impl Fn(usize) -> f64) -> f64 {
        self.level - self.terms.iter().map(|&(s, c)| c * x(s)).sum::<f64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::SplitMix64;

    fn random(rng: &mut SplitMix64, sites: usize, demand: usize) -> Allocation {
        let usable = vec![true; sites];
        let per: Vec<(usize, Vec<(usize, f64)>)> = (0..demand)
            .map(|j| {
                let mut reach = Vec::new();
                for s in 0..sites {
                    if rng.next_f64() < 0.8 {
                        reach.push((s, (rng.range(0.0, 100.0) * 4.0).round()));
                    }
                }
                (j, reach)
            })
            .collect();
        Allocation::new(sites, per.into_iter(), &usable)
    }

    #[test]
    fn cuts_are_valid_everywhere_and_exact_at_their_level() {
        let mut rng = SplitMix64::new(3);
        for _ in 0..100 {
            let n = 2 + rng.below(8);
            let lists = 1 + rng.below(5);
            let a = random(&mut rng, n, lists);
            for _ in 0..20 {
                let open: Vec<usize> = (0..n).filter(|_| rng.next_f64() < 0.4).collect();
                let costs = a.costs_of(&open);
                let x = |s: usize| f64::from(u8::from(open.contains(&s)));
                for (l, &cost) in costs.iter().enumerate() {
                    // Every cut, at every level, lies below the true cost.
                    for &(d, _) in &a.lists[l].costs {
                        assert!(a.cut(l, d).value(x) <= cost + 1e-9);
                    }
                    if cost.is_finite() {
                        let d = a.level(l, x).unwrap();
                        assert_eq!(d, cost);
                        assert!((a.cut(l, d).value(x) - cost).abs() < 1e-9);
                    } else {
                        assert!(a.level(l, x).is_none());
                    }
                }
            }
        }
    }
}
