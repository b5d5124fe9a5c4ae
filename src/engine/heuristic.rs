//! Plans to bound with: greedy completions in a given order, a swap search, and a
//! small restricted program when neither finds a plan.

use super::bounds::order_by;
use super::master::Master;
use super::{Engine, Incumbent};
use crate::error::Result;
use crate::solve::SolveOptions;

/// Completes the forced sites and `seed` into k sites, taking compatible sites in
/// `order`; when a demand point is then unserved, serves uncovered points first with
/// the earliest compatible site that covers them. None when no completion is found.
pub fn complete(eng: &Engine, order: &[usize], seed: &[usize]) -> Option<Vec<usize>> {
    let p = eng.p;
    let mut start: Vec<usize> = p.forced.clone();
    for &s in seed {
        if !eng.compatible(&start, s) {
            return None;
        }
        start.push(s);
    }
    let fill = |chosen: &mut Vec<usize>| {
        for &t in order {
            if chosen.len() >= p.k {
                break;
            }
            if eng.compatible(chosen, t) {
                chosen.push(t);
            }
        }
    };
    let mut chosen = start.clone();
    fill(&mut chosen);
    if chosen.len() == p.k && eng.serves_every_point(&chosen) {
        return Some(chosen);
    }
    if eng.cover.is_empty() {
        return None;
    }
    // Coverage first: the points with the fewest covering sites, each served by the
    // earliest compatible site in `order`.
    let mut rank = vec![usize::MAX; p.sites.len()];
    for (r, &s) in order.iter().enumerate() {
        rank[s] = r;
    }
    let mut points: Vec<usize> = (0..eng.cover.len()).collect();
    points.sort_by_key(|&j| (eng.cover[j].len(), j));
    let mut chosen = start;
    let mut served = vec![false; eng.cover.len()];
    let mark = |s: usize, served: &mut Vec<bool>| {
        for &j in &eng.covers[s] {
            served[j as usize] = true;
        }
    };
    for &s in &chosen {
        mark(s, &mut served);
    }
    for j in points {
        if served[j] {
            continue;
        }
        let pick = eng.cover[j]
            .iter()
            .copied()
            .filter(|&s| rank[s] != usize::MAX && eng.compatible(&chosen, s))
            .min_by_key(|&s| rank[s])?;
        if chosen.len() >= p.k {
            return None;
        }
        chosen.push(pick);
        mark(pick, &mut served);
    }
    fill(&mut chosen);
    (chosen.len() == p.k).then_some(chosen)
}

/// The best greedy completion by floor cost from the cheapest few seeds.
pub fn greedy(eng: &Engine) -> Option<Incumbent> {
    let order = order_by(eng, &eng.floor);
    let mut best: Option<Incumbent> = None;
    let seeds: Vec<Option<usize>> = std::iter::once(None)
        .chain(order.iter().take(16).map(|&s| Some(s)))
        .collect();
    for (n, seed) in seeds.into_iter().enumerate() {
        // The unseeded completion always runs: it is one linear pass.
        if n > 0 && eng.deadline.passed() {
            break;
        }
        let seed: Vec<usize> = seed.into_iter().collect();
        if let Some(open) = complete(eng, &order, &seed) {
            eng.offer(&mut best, open);
        }
    }
    best
}

/// Greedy addition by the plan's total cost (the classic p-median greedy): forced
/// sites first, then k times the compatible site whose fixed cost plus the drop in
/// allocation cost is least. One pass over every site's demand list per step.
pub fn greedy_add(eng: &Engine) -> Option<Incumbent> {
    let p = eng.p;
    if eng.alloc.is_empty() {
        return None;
    }
    let mut open: Vec<usize> = p.forced.clone();
    let mut cur = eng.alloc.costs_of(&open);
    // An unserved point counts at a penalty above any cost, so the first sites serve.
    let top = eng
        .alloc
        .lists
        .iter()
        .filter_map(|l| l.costs.last().map(|c| c.0))
        .fold(0.0, f64::max);
    let penalty = 2.0 * top + 1.0;
    while open.len() < p.k {
        let mut best: Option<(f64, usize)> = None;
        for &i in &eng.usable {
            if !eng.compatible(&open, i) {
                continue;
            }
            let gain: f64 = eng.alloc.by_site[i]
                .iter()
                .map(|&(l, c)| {
                    let now = cur[l as usize];
                    let now = if now.is_finite() { now } else { penalty };
                    (c - now).min(0.0)
                })
                .sum();
            let delta = eng.floor[i] + gain;
            if best.is_none_or(|(d, b)| delta < d || (delta == d && p.sites[i].id < p.sites[b].id))
            {
                best = Some((delta, i));
            }
        }
        let (_, i) = best?;
        open.push(i);
        for &(l, c) in &eng.alloc.by_site[i] {
            let slot = &mut cur[l as usize];
            if c < *slot {
                *slot = c;
            }
        }
    }
    let mut found = None;
    eng.offer(&mut found, open);
    found
}

/// The swap search over every site when there is an allocation cost
/// ([`interchange`]), else first-improvement swaps between the plan and the cheapest
/// sites by ρ.
pub fn improve(eng: &Engine, inc: Incumbent, rho: &[f64]) -> Incumbent {
    if eng.alloc.is_empty() {
        improve_by_pool(eng, inc, rho)
    } else {
        interchange(eng, inc, 20 * eng.p.k + 100)
    }
}

/// First-improvement swaps between the plan and the cheapest sites by ρ.
fn improve_by_pool(eng: &Engine, mut inc: Incumbent, rho: &[f64]) -> Incumbent {
    const POOL: usize = 48;
    const MAX_EVALUATIONS: usize = 4000;
    let order = order_by(eng, rho);
    let pool: Vec<usize> = order.iter().copied().take(POOL + eng.p.k).collect();
    let mut evaluations = 0;
    'outer: loop {
        for out in 0..inc.open.len() {
            if eng.p.forced.contains(&inc.open[out]) {
                continue;
            }
            for &cand in &pool {
                if inc.open.contains(&cand) {
                    continue;
                }
                if evaluations >= MAX_EVALUATIONS || eng.deadline.passed() {
                    break 'outer;
                }
                evaluations += 1;
                let mut open = inc.open.clone();
                open[out] = cand;
                // Evaluated first: the plan is built only for an improvement.
                if eng
                    .evaluate(&open)
                    .is_some_and(|c| c < inc.cost - eng.tol(inc.cost))
                {
                    let mut better = None;
                    eng.offer(&mut better, open);
                    inc = better.expect("feasible, just evaluated");
                    continue 'outer;
                }
            }
        }
        break;
    }
    inc
}

/// The exact optimum over a small set likely to hold a good plan (the cheapest sites
/// by ρ overall, per country and per demand point), and the set's size.
pub fn restricted(
    eng: &Engine,
    opts: &SolveOptions,
    rho: &[f64],
) -> Result<(Option<Incumbent>, usize)> {
    let p = eng.p;
    let order = order_by(eng, rho);
    let k = p.k;
    let per_country = p.max_per_country.unwrap_or(k) + 2;
    let mut set: Vec<usize> = order.iter().take(4 * k + 200).copied().collect();
    let mut taken = vec![0usize; p.countries.len() + 1];
    for &s in &order {
        let c = p.sites[s].country.unwrap_or(p.countries.len());
        if taken[c] < per_country {
            taken[c] += 1;
            set.push(s);
        }
    }
    let mut rank = vec![usize::MAX; p.sites.len()];
    for (r, &s) in order.iter().enumerate() {
        rank[s] = r;
    }
    for c in &eng.cover {
        let mut reach = c.clone();
        reach.sort_by_key(|&s| rank[s]);
        set.extend(reach.into_iter().take(2 * k));
    }
    set.extend(p.forced.iter().copied());
    set.sort_unstable();
    set.dedup();
    if set.len() >= eng.usable.len() {
        return Ok((None, 0));
    }
    let mut best = None;
    // Without multipliers: the restricted program's own rounds find its cuts.
    let mut m = Master::new(eng, &set, &[], rho, None);
    match m.run(opts, &mut best, &crate::progress::Silent)? {
        super::master::End::Infeasible => Ok((None, set.len())),
        _ => Ok((best, set.len())),
    }
}

/// Best-improvement swap search over every usable site (Whitaker's fast interchange):
/// each pass prices every swap (site in, open site out) from the nearest and second
/// nearest open site of each demand point, in one walk over each candidate's demand
/// list plus O(k) per candidate, and makes the best swap that is a plan. Prices only
/// screen swaps: each is checked and costed by [`Engine::evaluate`] before it is
/// made. Stops when no swap improves, after `max_passes` or at the deadline.
pub fn interchange(eng: &Engine, mut inc: Incumbent, max_passes: usize) -> Incumbent {
    let p = eng.p;
    let alloc = &eng.alloc;
    if alloc.is_empty() || p.k == 0 {
        return inc;
    }
    let k = p.k;
    let none = u32::MAX;
    let mut slot_of = vec![none; p.sites.len()];
    // Per open slot: the finite part of the cost of closing it, and the points only
    // it serves (closing it leaves them unserved unless the incoming site reaches them).
    let mut loss = vec![0.0f64; k];
    let mut unique = vec![0u32; k];
    let mut adj = vec![0.0f64; k];
    let mut covered = vec![0u32; k];
    let (mut d1, mut d2, mut s1) = (
        vec![0.0f64; alloc.lists.len()],
        vec![0.0f64; alloc.lists.len()],
        vec![0u32; alloc.lists.len()],
    );
    for _ in 0..max_passes {
        if eng.deadline.passed() {
            break;
        }
        slot_of.iter_mut().for_each(|s| *s = none);
        for (r, &s) in inc.open.iter().enumerate() {
            slot_of[s] = r as u32;
        }
        loss.iter_mut().for_each(|x| *x = 0.0);
        unique.iter_mut().for_each(|x| *x = 0);
        for (l, list) in alloc.lists.iter().enumerate() {
            let mut open = list
                .costs
                .iter()
                .filter(|(_, s)| slot_of[*s as usize] != none);
            let Some(&(c1, a)) = open.next() else {
                return inc; // an unserved point: not a plan this search understands
            };
            d1[l] = c1;
            s1[l] = slot_of[a as usize];
            d2[l] = open.next().map_or(f64::INFINITY, |x| x.0);
            let r = s1[l] as usize;
            if d2[l].is_finite() {
                loss[r] += d2[l] - d1[l];
            } else {
                unique[r] += 1;
            }
        }
        let fixed: Vec<bool> = inc.open.iter().map(|s| p.forced.contains(s)).collect();
        let mut swaps: Vec<(f64, usize, usize)> = Vec::new();
        for &i in &eng.usable {
            if slot_of[i] != none {
                continue;
            }
            adj.iter_mut().for_each(|x| *x = 0.0);
            covered.iter_mut().for_each(|x| *x = 0);
            let mut gain = 0.0;
            for &(l, c) in &alloc.by_site[i] {
                let l = l as usize;
                let (a, b, r) = (d1[l], d2[l], s1[l] as usize);
                if c < a {
                    gain += c - a;
                }
                if b.is_finite() {
                    adj[r] += if c < a {
                        a - b
                    } else if c < b {
                        c - b
                    } else {
                        0.0
                    };
                } else {
                    covered[r] += 1;
                    adj[r] += (c - a).max(0.0);
                }
            }
            let price = |r: usize| {
                (covered[r] == unique[r] && !fixed[r])
                    .then(|| eng.floor[i] - eng.floor[inc.open[r]] + gain + loss[r] + adj[r])
            };
            let improving = (0..k)
                .filter_map(|r| price(r).map(|d| (d, r)))
                .filter(|&(d, _)| d < -eng.tol(inc.cost));
            let mut mine: Vec<(f64, usize)> = improving.collect();
            mine.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            // The few cheapest swaps for this site (the cheapest may break a limit).
            swaps.extend(mine.into_iter().take(4).map(|(d, r)| (d, i, r)));
        }
        // The cheapest priced swap that is a plan, among the 64 cheapest.
        const TRIED: usize = 64;
        let by_price = |a: &(f64, usize, usize), b: &(f64, usize, usize)| {
            a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2))
        };
        if swaps.len() > TRIED {
            swaps.select_nth_unstable_by(TRIED - 1, by_price);
            swaps.truncate(TRIED);
        }
        swaps.sort_by(by_price);
        let best = swaps.iter().copied().find(|&(_, i, r)| {
            let mut open = inc.open.clone();
            open[r] = i;
            eng.evaluate(&open).is_some()
        });
        let Some((_, i, r)) = best else { break };
        let mut open = inc.open.clone();
        open[r] = i;
        match eng.evaluate(&open) {
            Some(c) if c < inc.cost - eng.tol(inc.cost) => {
                let mut better = None;
                eng.offer(&mut better, open);
                inc = better.expect("feasible, just evaluated");
            }
            _ => break,
        }
    }
    inc
}
