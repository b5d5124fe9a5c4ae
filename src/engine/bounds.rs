//! The Lagrangian relaxation of the assignment rows, its plans, and the per-site
//! bounds that eliminate sites.
//!
//! With multipliers λ_l on "demand point l is served once", the program falls apart
//! into a choice of k sites with costs `ρ_i = floor_i + Σ_l min(0, c_il − λ_l)`,
//! under the country cap (a partition matroid, so the greedy choice is optimal) and
//! with separation and coverage dropped. `L(λ) = Σλ + (that choice's Σρ)` bounds every
//! plan; subgradient steps raise it.

use super::heuristic;
use super::{Engine, Incumbent};
use crate::progress::Progress;

/// The relaxation's result.
#[derive(Debug, Clone)]
pub struct Lagrangian {
    /// The best bound L(λ) found (−∞ when none).
    pub bound: f64,
    /// The multipliers that gave it, per allocation list.
    pub lambda: Vec<f64>,
    /// ρ at those multipliers, per problem site (infinite for unusable sites).
    pub rho: Vec<f64>,
    pub sum_lambda: f64,
    /// The best plan met on the way.
    pub incumbent: Option<Incumbent>,
    pub iterations: usize,
    /// Plans to start a swap search from: the completed relaxed choices of the last
    /// steps that raised the bound (distinct, newest last).
    pub starts: Vec<Vec<usize>>,
}

/// Swap-search starts kept from the relaxation.
const STARTS: usize = 8;

/// Usable sites by ascending ρ, ties by id.
pub fn order_by(eng: &Engine, rho: &[f64]) -> Vec<usize> {
    let mut order = eng.usable.clone();
    order.sort_by(|&a, &b| {
        rho[a]
            .total_cmp(&rho[b])
            .then_with(|| eng.p.sites[a].id.cmp(&eng.p.sites[b].id))
    });
    order
}

/// The relaxed choice: forced sites, then the cheapest by ρ under the country cap.
/// Returns (Σρ, chosen); None when fewer than k sites can be chosen.
pub fn relaxed_choice(eng: &Engine, order: &[usize], rho: &[f64]) -> Option<(f64, Vec<usize>)> {
    let p = eng.p;
    let mut chosen: Vec<usize> = p.forced.clone();
    let mut per = vec![0usize; p.countries.len()];
    for &f in &p.forced {
        if let Some(c) = p.sites[f].country {
            per[c] += 1;
        }
    }
    for &s in order {
        if chosen.len() >= p.k {
            break;
        }
        if p.forced.contains(&s) {
            continue;
        }
        if let (Some(m), Some(c)) = (p.max_per_country, p.sites[s].country) {
            if per[c] >= m {
                continue;
            }
            per[c] += 1;
        }
        chosen.push(s);
    }
    (chosen.len() == p.k).then(|| (chosen.iter().map(|&s| rho[s]).sum(), chosen))
}

fn rho_at(eng: &Engine, lambda: &[f64]) -> Vec<f64> {
    let mut rho = eng.floor.clone();
    eng.alloc.lagrangian_terms(lambda, &mut rho);
    rho
}

/// Subgradient optimisation of λ, with a repaired plan at every step.
pub fn lagrangian(eng: &Engine, progress: &dyn Progress) -> Lagrangian {
    let lists = eng.alloc.lists.len();
    let mut incumbent = heuristic::greedy(eng);
    if let Some(g) = heuristic::greedy_add(eng) {
        if incumbent
            .as_ref()
            .is_none_or(|b| g.cost < b.cost - eng.tol(b.cost))
        {
            incumbent = Some(g);
        }
    }
    // Start each multiplier at the point's cost in the best plan, else its cheapest.
    let mut lambda: Vec<f64> = match &incumbent {
        Some(b) => eng.alloc.costs_of(&b.open),
        None => eng
            .alloc
            .lists
            .iter()
            .map(|l| l.costs.first().map_or(0.0, |c| c.0))
            .collect(),
    };
    let mut best = Lagrangian {
        bound: f64::NEG_INFINITY,
        lambda: lambda.clone(),
        rho: eng.floor.clone(),
        sum_lambda: 0.0,
        incumbent: None,
        iterations: 0,
        starts: Vec::new(),
    };
    // Steps are as dear as the lists are long: many on small problems, fewer on
    // continental ones (each step visits a prefix of every list).
    let entries: usize = eng.alloc.lists.iter().map(|l| l.costs.len()).sum();
    let max_iterations = if lists == 0 {
        1
    } else {
        (4e9 / entries.max(1) as f64).clamp(150.0, 1500.0) as usize
    };
    let mut mu = 2.0;
    let mut stale = 0;
    for it in 0..max_iterations {
        // The first step always runs (it is linear in the sorted lists): a run whose
        // deadline passed while reading still leaves with a plan and a bound.
        if it > 0 && eng.deadline.passed() {
            break;
        }
        let rho = rho_at(eng, &lambda);
        let order = order_by(eng, &rho);
        let Some((sum_rho, chosen)) = relaxed_choice(eng, &order, &rho) else {
            break;
        };
        let sum_lambda: f64 = lambda.iter().sum();
        let bound = sum_lambda + sum_rho;
        best.iterations = it + 1;
        let raised = !best.bound.is_finite() || bound > best.bound + eng.tol(best.bound) * 1e-3;
        if raised {
            best.bound = bound;
            best.lambda = lambda.clone();
            best.rho = rho.clone();
            best.sum_lambda = sum_lambda;
            stale = 0;
        } else {
            stale += 1;
            if stale >= 20 {
                mu /= 2.0;
                stale = 0;
            }
        }
        if let Some(open) = heuristic::complete(eng, &order, &[]) {
            if raised {
                let mut key = open.clone();
                key.sort_unstable();
                if !best.starts.contains(&key) {
                    if best.starts.len() == STARTS {
                        best.starts.remove(0);
                    }
                    best.starts.push(key);
                }
            }
            eng.offer(&mut incumbent, open);
        }
        let upper = incumbent.as_ref().map(|b| b.cost);
        progress.search("bounding", upper, Some(best.bound));
        if lists == 0 || mu < 1e-3 || upper.is_some_and(|u| eng.closed(u, best.bound)) {
            break;
        }
        let mut open = vec![false; eng.p.sites.len()];
        for &s in &chosen {
            open[s] = true;
        }
        let served = eng.alloc.served_below(&lambda, &open);
        let g: Vec<f64> = served.iter().map(|&n| 1.0 - f64::from(n)).collect();
        let norm: f64 = g.iter().map(|x| x * x).sum();
        if norm == 0.0 {
            // The relaxed choice serves every point exactly once: L(λ) is optimal.
            break;
        }
        let target = upper.unwrap_or(bound.abs() * 1.05 + 1.0);
        let step = mu * (target - bound).max(1e-9 * target.abs()) / norm;
        for (l, gl) in lambda.iter_mut().zip(&g) {
            *l = (*l + step * gl).max(0.0);
        }
    }
    best.incumbent = incumbent;
    best
}

/// Sites that may be in a plan costing at most `upper`, and the least bound among the
/// eliminated ones (infinite when none was).
pub fn eliminate(eng: &Engine, lag: &Lagrangian, upper: f64) -> (Vec<usize>, f64) {
    let lb = site_bounds(eng, lag);
    let tol = eng.tol(upper);
    let mut survivors = Vec::new();
    let mut least = f64::INFINITY;
    for (&s, &b) in eng.usable.iter().zip(&lb) {
        if b <= upper + tol || eng.p.forced.contains(&s) {
            survivors.push(s);
        } else {
            least = least.min(b);
        }
    }
    (survivors, least)
}

/// Per usable site (in `eng.usable` order): a bound on every plan that opens it.
pub fn site_bounds(eng: &Engine, lag: &Lagrangian) -> Vec<f64> {
    /// Sites walked past (conflicts, full countries) before settling for the
    /// country-cap-only bound.
    const STEP_CAP: usize = 64;
    let p = eng.p;
    let rho = &lag.rho;
    let order = order_by(eng, rho);
    let forced = &p.forced;
    let need = p.k - forced.len();
    let forced_rho: f64 = forced.iter().map(|&f| rho[f]).sum();
    // The first m + 1 sites per country (and k + 1 without one), in ρ order: the
    // greedy under the cap alone never looks further, whichever site is fixed.
    let short: Vec<usize> = {
        let none = p.countries.len();
        let mut per = vec![0usize; none + 1];
        order
            .iter()
            .copied()
            .filter(|&s| {
                let c = p.sites[s].country.unwrap_or(none);
                per[c] += 1;
                let cap = match p.max_per_country {
                    Some(m) if c < none => m + 1,
                    _ => p.k + 1,
                };
                per[c] <= cap
            })
            .collect()
    };
    let walk = |i: usize, list: &[usize], skip_conflicts: bool, cap: usize| -> Option<f64> {
        // Some(sum) of the `need − 1` cheapest compatible sites besides i and the
        // forced ones; None if the walk was cut short; Some(∞) if none exist.
        let mut base: Vec<usize> = forced.clone();
        base.push(i);
        let mut per = vec![0usize; p.countries.len()];
        for &b in &base {
            if let Some(c) = p.sites[b].country {
                per[c] += 1;
            }
        }
        let (mut sum, mut taken, mut steps) = (0.0, 0usize, 0usize);
        for &t in list {
            if taken + 1 >= need {
                break;
            }
            if base.contains(&t) {
                continue;
            }
            steps += 1;
            if steps > cap {
                return None;
            }
            if skip_conflicts && base.iter().any(|&b| eng.conflict(b, t)) {
                continue;
            }
            if let (Some(m), Some(c)) = (p.max_per_country, p.sites[t].country) {
                if per[c] >= m {
                    continue;
                }
                per[c] += 1;
            }
            sum += rho[t];
            taken += 1;
        }
        Some(if taken + 1 >= need {
            sum
        } else {
            f64::INFINITY
        })
    };
    eng.usable
        .iter()
        .map(|&i| {
            if forced.contains(&i) {
                return lag.bound;
            }
            if need == 0 || !eng.compatible(forced, i) {
                return f64::INFINITY;
            }
            let rest = walk(i, &order, true, STEP_CAP)
                .or_else(|| walk(i, &short, false, usize::MAX))
                .unwrap_or(f64::NEG_INFINITY);
            lag.sum_lambda + forced_rho + rho[i] + rest
        })
        .collect()
}
