//! Lagrangian branch and bound over the surviving sites.
//!
//! When few sites survive elimination but the root bound leaves a gap (a p-median with
//! small k is the classic case), the master MILP spends its time in the simplex on
//! dense Benders rows. Branching on sites is cheaper: each node fixes some sites open
//! (`forced`) and some closed (`forbidden`) and bounds every plan below it by the
//! Lagrangian relaxation of the assignment rows restricted to the survivors, its
//! multipliers started from the parent's and improved by a few subgradient steps.
//! A node is closed when its bound meets the best plan; otherwise it branches on a
//! site of its relaxed choice: one of a conflicting pair, a site covering a point
//! left uncovered, or the chosen site of largest reduced cost. Children inherit the
//! node's multipliers; sites whose bound with them forced exceeds the best plan are
//! closed in the subtree.
//!
//! It applies only when every plan's cost is its stand-alone cost (no substation the
//! survivors could exhaust together); otherwise the master handles the grid rows.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::{Engine, Incumbent};
use crate::progress::Progress;

/// How a branch and bound ended.
pub struct Branched {
    /// Every node closed: the best plan is optimal within the gap. Otherwise the
    /// deadline or the node budget stopped it.
    pub closed: bool,
    /// A bound on every plan over the survivors: the least bound of a node closed by
    /// the gap (or the best plan's cost), or when stopped the least open bound.
    pub lower: f64,
    pub nodes: usize,
}

/// Nodes explored before giving up (the master takes over): many for small k, where
/// the relaxation's gap closes after a few fixings and the master's simplex is slow;
/// fewer for large k, where the master's cuts often close the gap faster than
/// branching (measured on OR-Library pmed: p = 5–10 need up to ~20,000 nodes; p >= 40
/// either close within ~1,600 or stall).
fn node_budget(k: usize) -> usize {
    if k <= 20 || std::env::var("NOSTALL").is_ok() {
        100_000
    } else {
        2_000
    }
}

/// Bytes the open nodes may hold together (each keeps its multipliers and its closed
/// sites); past it the tree hands over to the master.
const HEAP_BYTES: usize = 1 << 30;

/// For large k, the tree also gives up when a round of this many nodes closes less
/// than a tenth of the gap left: a stalled tree hands over to the master early.
const STALL_ROUND: usize = 400;
/// Subgradient steps at the root and at every other node.
const ROOT_STEPS: usize = 200;
const NODE_STEPS: usize = 10;

/// The survivors' allocation lists: per demand point, (cost, local site) ascending.
struct Local<'a> {
    eng: &'a Engine<'a>,
    sites: Vec<usize>,
    lists: Vec<Vec<(f64, u32)>>,
    /// Per local site: the local sites it conflicts with.
    conflicts: Vec<Vec<u32>>,
    /// Per must-serve demand point: the local sites covering it.
    cover: Vec<Vec<u32>>,
}

#[derive(Clone)]
struct Node {
    bound: f64,
    forced: Vec<u32>,
    forbidden: Vec<bool>,
    /// Multipliers, stored narrow (any λ gives a valid bound; `bound` was computed
    /// with the wide values).
    lambda: Vec<f32>,
}

impl PartialEq for Node {
    fn eq(&self, o: &Self) -> bool {
        self.bound.total_cmp(&o.bound) == Ordering::Equal
    }
}
impl Eq for Node {}
impl PartialOrd for Node {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Node {
    /// The heap pops the least bound first.
    fn cmp(&self, o: &Self) -> Ordering {
        o.bound.total_cmp(&self.bound)
    }
}

/// The relaxation at one multiplier vector.
struct Relaxed {
    bound: f64,
    chosen: Vec<u32>,
    rho: Vec<f64>,
}

/// Most survivors the branch and bound takes: its conflict lists are built pair by
/// pair, and each node visits every survivor.
const MAX_SITES: usize = 5_000;

/// Whether the branch and bound applies: few enough survivors, and no substation among
/// their options can bind, so a plan costs its stand-alone cost.
pub fn applies(eng: &Engine, survivors: &[usize]) -> bool {
    !survivors.is_empty()
        && survivors.len() <= MAX_SITES
        && super::master::binding_substations(eng, survivors).is_empty()
}

/// Runs the branch and bound; improves `best` with every plan it meets.
pub fn run(
    eng: &Engine,
    survivors: &[usize],
    lambda: &[f64],
    best: &mut Option<Incumbent>,
    progress: &dyn Progress,
) -> Branched {
    let local = Local::new(eng, survivors);
    let n = survivors.len();
    let root = Node {
        bound: f64::NEG_INFINITY,
        forced: eng
            .p
            .forced
            .iter()
            .filter_map(|f| survivors.binary_search(f).ok().map(|a| a as u32))
            .collect(),
        forbidden: vec![false; n],
        lambda: lambda.iter().map(|&l| l as f32).collect(),
    };
    let mut heap = BinaryHeap::new();
    heap.push(root);
    let mut nodes = 0usize;
    let mut least_closed = f64::INFINITY;
    let mut gap_at_round = f64::INFINITY;
    while let Some(node) = heap.pop() {
        let upper = best.as_ref().map_or(f64::INFINITY, |b| b.cost);
        if upper.is_finite() && eng.closed(upper, node.bound) {
            least_closed = least_closed.min(node.bound);
            continue;
        }
        let mut stalled = false;
        if std::env::var("NOSTALL").is_err()
            && eng.p.k > 20
            && nodes > 0
            && nodes.is_multiple_of(STALL_ROUND)
        {
            // The heap pops the least bound first: node.bound is the tree's bound.
            let gap = upper - node.bound.min(least_closed);
            stalled = gap > 0.9 * gap_at_round;
            gap_at_round = gap;
        }
        let node_bytes = 4 * node.lambda.len() + node.forbidden.len() + 64;
        let full = heap.len() * node_bytes > HEAP_BYTES;
        if stalled || full || nodes >= node_budget(eng.p.k) || eng.deadline.passed() {
            return Branched {
                closed: false,
                lower: node.bound.min(least_closed),
                nodes,
            };
        }
        nodes += 1;
        let steps = if nodes == 1 { ROOT_STEPS } else { NODE_STEPS };
        let Some((node, relaxed)) = local.bound(node, steps, best) else {
            continue; // no k sites left in this subtree
        };
        if nodes.is_multiple_of(256) {
            let lower = heap.peek().map_or(node.bound, |h| h.bound.min(node.bound));
            progress.search(
                &format!("branch and bound, node {nodes}"),
                best.as_ref().map(|b| b.cost),
                Some(lower),
            );
        }
        let upper = best.as_ref().map_or(f64::INFINITY, |b| b.cost);
        if upper.is_finite() && eng.closed(upper, node.bound) {
            least_closed = least_closed.min(node.bound);
            continue;
        }
        let node = local.fix_by_bounds(node, &relaxed, upper);
        let Some(b) = local.branch_site(&node, &relaxed) else {
            continue;
        };
        let mut closed = node.clone();
        closed.forbidden[b as usize] = true;
        let mut open = node;
        open.forced.push(b);
        for &c in &local.conflicts[b as usize] {
            open.forbidden[c as usize] = true;
        }
        heap.push(closed);
        heap.push(open);
    }
    let upper = best.as_ref().map_or(f64::INFINITY, |b| b.cost);
    Branched {
        closed: true,
        lower: least_closed.min(upper),
        nodes,
    }
}

impl<'a> Local<'a> {
    fn new(eng: &'a Engine<'a>, survivors: &[usize]) -> Local<'a> {
        let mut at = vec![u32::MAX; eng.p.sites.len()];
        for (a, &s) in survivors.iter().enumerate() {
            at[s] = a as u32;
        }
        let lists = eng
            .alloc
            .lists
            .iter()
            .map(|l| {
                l.costs
                    .iter()
                    .filter(|(_, s)| at[*s as usize] != u32::MAX)
                    .map(|&(c, s)| (c, at[s as usize]))
                    .collect()
            })
            .collect();
        let conflicts = survivors
            .iter()
            .map(|&a| {
                if eng.p.separation_km.is_none() {
                    return Vec::new();
                }
                (0..survivors.len() as u32)
                    .filter(|&b| eng.conflict(a, survivors[b as usize]))
                    .collect()
            })
            .collect();
        let cover = eng
            .cover
            .iter()
            .map(|c| {
                c.iter()
                    .filter(|&&s| at[s] != u32::MAX)
                    .map(|&s| at[s])
                    .collect()
            })
            .collect();
        Local {
            eng,
            sites: survivors.to_vec(),
            lists,
            conflicts,
            cover,
        }
    }

    /// ρ at λ over the sites not forbidden, and the relaxed choice: the forced sites,
    /// then the least ρ under the country cap.
    fn relax(&self, node: &Node, lambda: &[f64]) -> Option<Relaxed> {
        let eng = self.eng;
        let p = eng.p;
        let mut rho: Vec<f64> = self.sites.iter().map(|&s| eng.floor[s]).collect();
        for (l, list) in self.lists.iter().enumerate() {
            let lam = lambda[l];
            for &(c, a) in list {
                if c >= lam {
                    break;
                }
                rho[a as usize] += c - lam;
            }
        }
        let mut is_forced = vec![false; self.sites.len()];
        for &f in &node.forced {
            is_forced[f as usize] = true;
        }
        let mut order: Vec<u32> = (0..self.sites.len() as u32)
            .filter(|&a| !node.forbidden[a as usize] && !is_forced[a as usize])
            .collect();
        let by_rho =
            |a: &u32, b: &u32| rho[*a as usize].total_cmp(&rho[*b as usize]).then(a.cmp(b));
        let need = p.k.saturating_sub(node.forced.len());
        if p.max_per_country.is_none() && need < order.len() {
            // Only the `need` least ρ are taken (and the next one, for the bounds).
            order.select_nth_unstable_by(need, by_rho);
            order.truncate(need + 1);
        }
        order.sort_by(by_rho);
        let mut chosen = node.forced.clone();
        let mut per = vec![0usize; p.countries.len()];
        for &f in &chosen {
            if let Some(c) = p.sites[self.sites[f as usize]].country {
                per[c] += 1;
            }
        }
        for a in order {
            if chosen.len() >= p.k {
                break;
            }
            if let (Some(m), Some(c)) = (p.max_per_country, p.sites[self.sites[a as usize]].country)
            {
                if per[c] >= m {
                    continue;
                }
                per[c] += 1;
            }
            chosen.push(a);
        }
        if chosen.len() < p.k {
            return None;
        }
        let sum_lambda: f64 = lambda.iter().sum();
        let bound = sum_lambda + chosen.iter().map(|&a| rho[a as usize]).sum::<f64>();
        Some(Relaxed { bound, chosen, rho })
    }

    /// A few subgradient steps from the node's λ; the node keeps the best bound and
    /// its λ. Every relaxed choice that is a plan is offered as one.
    fn bound(
        &self,
        mut node: Node,
        steps: usize,
        best: &mut Option<Incumbent>,
    ) -> Option<(Node, Relaxed)> {
        let eng = self.eng;
        let mut lambda: Vec<f64> = node.lambda.iter().map(|&l| f64::from(l)).collect();
        let mut kept: Option<(Vec<f64>, Relaxed)> = None;
        let (mut mu, mut stale) = (1.0, 0);
        for _ in 0..steps.max(1) {
            let r = self.relax(&node, &lambda)?;
            let open: Vec<usize> = r.chosen.iter().map(|&a| self.sites[a as usize]).collect();
            eng.offer(best, open);
            let g = self.subgradient(&r, &lambda);
            let value = r.bound;
            if kept.as_ref().is_none_or(|(_, k)| value > k.bound) {
                stale = 0;
                kept = Some((lambda.clone(), r));
            } else {
                stale += 1;
                if stale >= 5 {
                    mu *= 0.5;
                    stale = 0;
                }
            }
            let upper = best.as_ref().map_or(f64::INFINITY, |b| b.cost);
            let kept_bound = kept.as_ref().map_or(f64::NEG_INFINITY, |k| k.1.bound);
            let norm: f64 = g.iter().map(|x| x * x).sum();
            // norm 0: the relaxed choice serves every point once, the bound is exact.
            let done = (upper.is_finite() && eng.closed(upper, kept_bound)) || mu < 1e-4;
            if done || norm == 0.0 || eng.deadline.passed() {
                break;
            }
            let target = if upper.is_finite() {
                upper
            } else {
                value.abs() * 1.05 + 1.0
            };
            let step = mu * (target - value).max(1e-9 * target.abs()) / norm;
            for (l, gl) in lambda.iter_mut().zip(&g) {
                *l = (*l + step * gl).max(0.0);
            }
        }
        let (lam, r) = kept?;
        node.lambda = lam.iter().map(|&l| l as f32).collect();
        node.bound = node.bound.max(r.bound);
        Some((node, r))
    }

    /// g_l = 1 − (chosen sites below λ_l): the violation of "served once".
    fn subgradient(&self, r: &Relaxed, lambda: &[f64]) -> Vec<f64> {
        let mut is_chosen = vec![false; self.sites.len()];
        for &a in &r.chosen {
            is_chosen[a as usize] = true;
        }
        self.lists
            .iter()
            .zip(lambda)
            .map(|(list, &lam)| {
                1.0 - list
                    .iter()
                    .take_while(|(c, _)| *c < lam)
                    .filter(|(_, a)| is_chosen[*a as usize])
                    .count() as f64
            })
            .collect()
    }

    /// Fixes sites in the node's subtree by the relaxation's bound at its λ (without
    /// a country cap, where the swap bounds below are exact relaxation values):
    /// closes every free site whose bound with it forced (swapped in for the dearest
    /// free chosen site) cannot beat the best plan, then opens every free chosen site
    /// whose bound with it closed (replaced by the cheapest site left) cannot.
    fn fix_by_bounds(&self, mut node: Node, r: &Relaxed, upper: f64) -> Node {
        let eng = self.eng;
        if !upper.is_finite() || eng.p.max_per_country.is_some() {
            // With a country cap the swap bound is not valid as computed; skip.
            return node;
        }
        let n = self.sites.len();
        let mut is_forced = vec![false; n];
        for &f in &node.forced {
            is_forced[f as usize] = true;
        }
        let mut is_chosen = vec![false; n];
        for &a in &r.chosen {
            is_chosen[a as usize] = true;
        }
        let free_chosen: Vec<u32> = r
            .chosen
            .iter()
            .copied()
            .filter(|&a| !is_forced[a as usize])
            .collect();
        let Some(dearest) = free_chosen
            .iter()
            .map(|&a| r.rho[a as usize])
            .max_by(|a, b| a.total_cmp(b))
        else {
            return node;
        };
        let mut cheapest_left = f64::INFINITY;
        for ((closed, &chosen), &rho) in node.forbidden.iter_mut().zip(&is_chosen).zip(&r.rho) {
            if *closed || chosen {
                continue;
            }
            if !eng.can_beat(r.bound - dearest + rho, upper) {
                *closed = true;
            } else {
                cheapest_left = cheapest_left.min(rho);
            }
        }
        if cheapest_left.is_finite() {
            for &a in &free_chosen {
                if !eng.can_beat(r.bound - r.rho[a as usize] + cheapest_left, upper) {
                    node.forced.push(a);
                    for &c in &self.conflicts[a as usize] {
                        node.forbidden[c as usize] = true;
                    }
                }
            }
        }
        node
    }

    /// The site to branch on: one of a conflicting pair in the relaxed choice, else a
    /// free site covering a point the choice leaves uncovered, else the free chosen
    /// site of largest ρ. None when the node needs no branching (its choice is a plan
    /// whose cost the bound meets) or cannot branch.
    fn branch_site(&self, node: &Node, r: &Relaxed) -> Option<u32> {
        let free = |a: &u32| !node.forced.contains(a);
        for (x, &a) in r.chosen.iter().enumerate() {
            for &b in &r.chosen[x + 1..] {
                if self.conflicts[a as usize].contains(&b) {
                    return Some(if free(&a) { a } else { b }).filter(free);
                }
            }
        }
        let mut is_chosen = vec![false; self.sites.len()];
        for &a in &r.chosen {
            is_chosen[a as usize] = true;
        }
        for c in &self.cover {
            if !c.iter().any(|&a| is_chosen[a as usize]) {
                return c
                    .iter()
                    .copied()
                    .filter(|&a| !node.forbidden[a as usize])
                    .min_by(|&a, &b| r.rho[a as usize].total_cmp(&r.rho[b as usize]));
            }
        }
        r.chosen.iter().copied().filter(free).max_by(|&a, &b| {
            r.rho[a as usize]
                .total_cmp(&r.rho[b as usize])
                .then(b.cmp(&a))
        })
    }
}
