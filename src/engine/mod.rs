//! The exact engine: decomposition, bounds and a master program, each stage under
//! the run's deadline.
//!
//! # The path to a proof
//! 1. **Usable sites.** Candidates with no stand-alone grid connection (at most
//!    `max_lines` lines reaching P) can never open. Counting arguments prove some
//!    instances infeasible at once and say why.
//! 2. **Decomposition of the allocation cost** ([`latency`]): each demand point's
//!    costs sorted once, giving Benders cuts and a Lagrangian relaxation of the
//!    assignment rows. No site × demand matrix reaches the solver.
//! 3. **Lagrangian bound and plans** ([`bounds`]): subgradient steps on the
//!    multipliers λ; each step's relaxed choice, repaired to respect every limit, is a
//!    plan whose cost is an upper bound U; the best λ gives the bound L.
//! 4. **Elimination**: for every site i, `L_i = Σλ + ρ_i + (the k − 1 cheapest ρ of
//!    sites compatible with i under the country cap)` bounds every plan containing i;
//!    sites with `L_i > U` are in no optimal plan.
//! 5. **Master** ([`master`]): a MILP over the survivors with a variable θ_j per demand
//!    point bounded by Benders cuts, separation by cell cliques plus lazy clique rows,
//!    the country and coverage rows, and the shared-headroom grid rows; solved,
//!    cut, re-solved until its bound meets the best plan within `mip_gap`.
//!
//! The reported bound is `max(L, min(master bound, least eliminated L_i))`: a bound
//! this run proved, never derived from the gap setting alone.

pub mod bounds;
pub mod branch;
pub mod conflicts;
pub mod diagnose;
pub mod heuristic;
pub mod latency;
pub mod master;
pub mod ranking;

use crate::deadline::Deadline;
use crate::error::Result;
use crate::model::{fill_lines, MilpStats, OpenSite, Plan, Problem};
use crate::progress::Progress;
use crate::solve::{explain_infeasible, Outcome, Reductions, SolveOptions, Status};

use latency::Allocation;

/// Relative tolerance on costs when comparing bounds with plans.
pub const REL_TOL: f64 = 1e-9;

/// The tolerance on a cost: [`REL_TOL`] of it, and a micro-euro.
pub fn tol(cost: f64) -> f64 {
    REL_TOL * cost.abs() + 1e-6
}

/// Survivor counts above which a restricted program is solved first for a better plan.
const RESTRICT_ABOVE: usize = 1000;

/// What the engine knows about a problem before searching.
pub struct Engine<'a> {
    pub p: &'a Problem,
    /// Positions of the sites that can be powered on their own, ascending.
    pub usable: Vec<usize>,
    pub is_usable: Vec<bool>,
    /// Fixed cost plus stand-alone grid cost per problem site (infinite if unusable).
    pub floor: Vec<f64>,
    /// Allocation costs of the weighted demand points (empty without a latency cost).
    pub alloc: Allocation,
    /// Per demand point that must be served: the usable sites that may serve it.
    pub cover: Vec<Vec<usize>>,
    /// Transpose of `cover`: per site, the demand points it covers.
    pub covers: Vec<Vec<u32>>,
    pub deadline: Deadline,
    pub mip_gap: f64,
    /// Squared chord of the separation distance (see [`crate::geodesy::closer_than`]).
    sep_chord_2: f64,
    /// Every plan costs a whole number (all fixed, grid and allocation costs are
    /// integers, as in OR-Library's p-median): a bound above U − 1 then proves U.
    pub integral: bool,
}

impl<'a> Engine<'a> {
    pub fn new(p: &'a Problem, deadline: Deadline, mip_gap: f64) -> Engine<'a> {
        let n = p.sites.len();
        let mut is_usable: Vec<bool> = p.sites.iter().map(|s| s.standalone.is_some()).collect();
        for &f in &p.forbidden {
            is_usable[f] = false;
        }
        let usable: Vec<usize> = (0..n).filter(|&s| is_usable[s]).collect();
        let floor: Vec<f64> = p.sites.iter().map(|s| s.floor_eur()).collect();
        let alloc = if p.has_latency_cost() {
            Allocation::new(
                n,
                p.demand
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| d.weight > 0.0)
                    .map(|(j, d)| {
                        let f = p.eur_per_ms * d.weight;
                        (j, d.reach.iter().map(|&(s, rtt)| (s, f * rtt)).collect())
                    }),
                &is_usable,
            )
        } else {
            Allocation::default()
        };
        let need_cover = p.demand_limit_ms.is_some() || p.has_latency_cost();
        let mut cover = Vec::new();
        let mut covers = vec![Vec::new(); n];
        if need_cover {
            for d in &p.demand {
                let mut c: Vec<usize> = d
                    .reach
                    .iter()
                    .map(|r| r.0)
                    .filter(|&s| is_usable[s])
                    .collect();
                c.sort_unstable();
                c.dedup();
                for &s in &c {
                    covers[s].push(cover.len() as u32);
                }
                cover.push(c);
            }
        }
        let integral = costs_are_integers(&usable, &floor, &alloc);
        Engine {
            p,
            usable,
            is_usable,
            floor,
            alloc,
            integral,
            cover,
            covers,
            deadline,
            mip_gap,
            sep_chord_2: p.separation_km.map_or(0.0, crate::geodesy::chord_2_for_km),
        }
    }

    /// Whether sites a and b are too close to open together.
    pub fn conflict(&self, a: usize, b: usize) -> bool {
        match self.p.separation_km {
            Some(d) => {
                a != b
                    && crate::geodesy::closer_than(
                        self.p.sites[a].unit,
                        self.p.sites[b].unit,
                        d,
                        self.sep_chord_2,
                    )
            }
            None => false,
        }
    }

    /// Whether `t` can join `chosen` without breaking separation or the country cap.
    pub fn compatible(&self, chosen: &[usize], t: usize) -> bool {
        if chosen.contains(&t) || chosen.iter().any(|&c| self.conflict(c, t)) {
            return false;
        }
        match (self.p.max_per_country, self.p.sites[t].country) {
            (Some(m), Some(ct)) => {
                chosen
                    .iter()
                    .filter(|&&c| self.p.sites[c].country == Some(ct))
                    .count()
                    < m
            }
            _ => true,
        }
    }

    /// The cost of opening `open` with stand-alone connections, when that is a
    /// feasible plan (every limit, joint headroom); None otherwise.
    pub fn evaluate(&self, open: &[usize]) -> Option<f64> {
        let p = self.p;
        if open.len() != p.k || p.forced.iter().any(|f| !open.contains(f)) {
            return None;
        }
        for (n, &a) in open.iter().enumerate() {
            if !self.is_usable[a] || !self.compatible(&open[..n], a) {
                return None;
            }
        }
        if !self.serves_every_point(open) || !self.standalone_headroom_ok(open) {
            return None;
        }
        let fixed: f64 = open.iter().map(|&s| self.floor[s]).sum();
        Some(fixed + self.alloc.total(open))
    }

    /// Whether every demand point that must be served has a site of `open` in reach.
    pub fn serves_every_point(&self, open: &[usize]) -> bool {
        if self.cover.is_empty() {
            return true;
        }
        let mut served = vec![false; self.cover.len()];
        for &s in open {
            for &j in &self.covers[s] {
                served[j as usize] = true;
            }
        }
        served.iter().all(|&s| s)
    }

    /// Makes `open` the best plan when it is feasible and cheaper than `best` beyond
    /// the tolerance; whether it did.
    pub fn offer(&self, best: &mut Option<Incumbent>, open: Vec<usize>) -> bool {
        let Some(cost) = self.evaluate(&open) else {
            return false;
        };
        if best
            .as_ref()
            .is_some_and(|b| cost >= b.cost - self.tol(b.cost))
        {
            return false;
        }
        *best = Some(Incumbent {
            plan: self.standalone_plan(&open),
            open,
            cost,
        });
        true
    }

    /// Whether the sites' stand-alone connections fit their substations together.
    fn standalone_headroom_ok(&self, open: &[usize]) -> bool {
        let p = self.p;
        if p.separation_forbids_sharing() {
            return true;
        }
        let mut drawn: Vec<(usize, f64)> = Vec::new();
        for &s in open {
            let site = &p.sites[s];
            let (set, _) = site.standalone.as_ref().expect("usable");
            for (k, mw) in fill_lines(&site.options, set, site.power_mw) {
                drawn.push((site.options[k].substation, mw));
            }
        }
        drawn.sort_by_key(|d| d.0);
        drawn
            .chunk_by(|a, b| a.0 == b.0)
            .all(|c| c.iter().map(|d| d.1).sum::<f64>() <= p.headroom_mw[c[0].0] + 1e-6)
    }

    /// The plan of a set opened with stand-alone connections (checked by `evaluate`).
    pub fn standalone_plan(&self, open: &[usize]) -> Plan {
        let p = self.p;
        let mut sorted = open.to_vec();
        sorted.sort_unstable();
        Plan {
            open: sorted
                .iter()
                .map(|&s| {
                    let site = &p.sites[s];
                    let (set, _) = site.standalone.as_ref().expect("usable");
                    OpenSite {
                        site: s,
                        lines: fill_lines(&site.options, set, site.power_mw),
                    }
                })
                .collect(),
            assignment: p.assign(&sorted),
        }
    }

    /// Relative-and-absolute tolerance around a cost.
    pub fn tol(&self, cost: f64) -> f64 {
        tol(cost)
    }

    /// Whether a bound proves a cost optimal within the gap. With integer costs a
    /// bound above U − 1 also does: no plan costs strictly between it and U.
    pub fn closed(&self, upper: f64, lower: f64) -> bool {
        upper - lower <= self.mip_gap * upper.abs() + self.tol(upper)
            || (self.integral && upper - lower < 1.0 - self.tol(upper))
    }

    /// The bound `lower` proves on every plan: itself, or with integer costs the
    /// least whole number not below it (less the tolerance).
    pub fn proven(&self, lower: f64) -> f64 {
        if self.integral && lower.is_finite() {
            (lower - self.tol(lower)).ceil().max(lower)
        } else {
            lower
        }
    }

    /// Whether a subtree (or site) whose plans all cost at least `lower` may hold a
    /// plan cheaper than `upper` beyond the tolerance (with integer costs, judged by
    /// the proven ceiling of `lower`).
    pub fn can_beat(&self, lower: f64, upper: f64) -> bool {
        self.proven(lower) < upper - self.tol(upper)
    }
}

/// Whether every cost a plan adds up is a whole number small enough to add exactly.
fn costs_are_integers(usable: &[usize], floor: &[f64], alloc: &Allocation) -> bool {
    const EXACT: f64 = (1u64 << 50) as f64;
    let whole = |x: f64| x.fract() == 0.0 && x.abs() < EXACT;
    usable.iter().all(|&s| whole(floor[s]))
        && alloc
            .lists
            .iter()
            .all(|l| l.costs.iter().all(|&(c, _)| whole(c)))
}

/// The best plan known: its open sites, cost and full plan (grid lines).
#[derive(Debug, Clone)]
pub struct Incumbent {
    pub open: Vec<usize>,
    pub cost: f64,
    pub plan: Plan,
}

/// Solves a problem to proven optimality within the gap, or until the deadline; an
/// infeasible answer names the limits that cause it.
pub fn solve(
    problem: &Problem,
    opts: &SolveOptions,
    deadline: Deadline,
    progress: &dyn Progress,
) -> Result<Outcome> {
    search(problem, opts, deadline, progress, true)
}

/// [`solve`], with or without the search for the cause of infeasibility.
fn search(
    problem: &Problem,
    opts: &SolveOptions,
    deadline: Deadline,
    progress: &dyn Progress,
    diagnose: bool,
) -> Result<Outcome> {
    let eng = Engine::new(problem, deadline, opts.mip_gap);
    Ok(search_keeping(&eng, opts, progress, diagnose)?.0)
}

/// [`search`] on an engine already built, also returning the Lagrangian relaxation
/// it computed (None when a counting argument or the forced sites settled the
/// problem first).
pub(crate) fn search_keeping(
    eng: &Engine,
    opts: &SolveOptions,
    progress: &dyn Progress,
    diagnose: bool,
) -> Result<(Outcome, Option<bounds::Lagrangian>)> {
    let problem = eng.p;
    let red = first_reductions(eng);
    let mut outcome = empty_outcome(opts, &red);
    let reasons = explain_infeasible(problem, &eng.usable);
    if !reasons.is_empty() {
        outcome.infeasibility = reasons;
        return Ok((outcome, None));
    }
    if let Some(why) = forced_infeasible(eng) {
        outcome.infeasibility.push(why);
        return Ok((outcome, None));
    }
    // Bounds and plans from the Lagrangian relaxation.
    progress.search("bounding", None, None);
    let lag = bounds::lagrangian(eng, progress);
    let best = lag.incumbent.clone();
    let outcome = prove(eng, &lag, best, red, opts, progress, diagnose)?;
    Ok((outcome, Some(lag)))
}

/// The reductions known before any search: eligible sites, and those that cannot be
/// powered on their own (or are forbidden).
pub(crate) fn first_reductions(eng: &Engine) -> Reductions {
    Reductions {
        eligible: eng.p.sites.len(),
        no_grid_connection: eng.p.sites.len() - eng.usable.len(),
        ..Default::default()
    }
}

/// An infeasible outcome with nothing found yet, to be filled in.
fn empty_outcome(opts: &SolveOptions, red: &Reductions) -> Outcome {
    Outcome {
        status: Status::Infeasible,
        plan: None,
        objective_eur: None,
        best_bound_eur: None,
        gap: None,
        infeasibility: Vec::new(),
        reductions: red.clone(),
        milp: None,
        solver: opts.backend.name(),
    }
}

/// From a Lagrangian relaxation and the best plan known to a proof: improve the plan,
/// eliminate sites by their bounds, and solve the master over the survivors. `lag`
/// may come from a less constrained problem (its bounds stay valid: every plan here
/// is a plan there).
pub(crate) fn prove(
    eng: &Engine,
    lag: &bounds::Lagrangian,
    mut best: Option<Incumbent>,
    mut red: Reductions,
    opts: &SolveOptions,
    progress: &dyn Progress,
    diagnose: bool,
) -> Result<Outcome> {
    let problem = eng.p;
    let mut outcome = empty_outcome(opts, &red);
    if best.is_none() && !eng.deadline.passed() {
        let (plan, size) = heuristic::restricted(eng, opts, &lag.rho)?;
        red.restricted_sites = size;
        best = plan;
    }
    if let Some(b) = &best {
        best = Some(heuristic::improve(eng, b.clone(), &lag.rho));
    }
    // More starts, until the bound closes: the relaxed choices of the relaxation's
    // last steps, each swapped to a local optimum (near the dual optimum they often
    // lie close to the optimum).
    for start in &lag.starts {
        let closed = best
            .as_ref()
            .is_some_and(|b| lag.bound.is_finite() && eng.closed(b.cost, lag.bound));
        if closed || eng.deadline.passed() {
            break;
        }
        let mut found = None;
        if !eng.offer(&mut found, start.clone()) {
            continue;
        }
        let found = heuristic::improve(eng, found.expect("offered"), &lag.rho);
        if best
            .as_ref()
            .is_none_or(|b| found.cost < b.cost - eng.tol(b.cost))
        {
            best = Some(found);
        }
    }
    let lower_lag = lag.bound;

    // Elimination; when many sites survive, the optimum over a restricted set gives a
    // better plan to eliminate with.
    let mut elim = match &best {
        Some(b) => bounds::eliminate(eng, lag, b.cost),
        None => (eng.usable.clone(), f64::INFINITY),
    };
    if best.is_some() && elim.0.len() > RESTRICT_ABOVE && !eng.deadline.passed() {
        progress.search("restricted program", best.as_ref().map(|b| b.cost), None);
        let (plan, size) = heuristic::restricted(eng, opts, &lag.rho)?;
        red.restricted_sites = size;
        if let Some(r) = plan {
            if best
                .as_ref()
                .is_none_or(|b| r.cost < b.cost - eng.tol(b.cost))
            {
                best = Some(heuristic::improve(eng, r, &lag.rho));
                elim = bounds::eliminate(eng, lag, best.as_ref().expect("set").cost);
            }
        }
    }
    red.upper_bound_eur = best.as_ref().map(|b| b.cost);
    let (survivors, eliminated_floor) = elim;
    red.bound_eliminated = eng.usable.len() - survivors.len();
    red.survivors = survivors.len();
    let mut stats = MilpStats {
        sites: survivors.len(),
        lagrangian_bound_eur: lower_lag.is_finite().then_some(lower_lag),
        lagrangian_iterations: lag.iterations,
        ..Default::default()
    };

    let global_lower = |master_lower: f64| lower_lag.max(master_lower.min(eliminated_floor));
    if let Some(b) = &best {
        if lower_lag.is_finite() && eng.closed(b.cost, lower_lag) {
            // The Lagrangian bound alone closes the gap.
            red.closed_by_lagrangian = true;
            stats.method = "lagrangian";
            outcome.reductions = red;
            outcome.milp = Some(stats);
            let b = best.expect("checked");
            let lb = lower_lag.min(b.cost);
            return Ok(finish(eng, outcome, Status::Optimal, b, lb));
        }
    }

    // Branch and bound on sites when plans cost their stand-alone cost.
    if best.is_some() && branch::applies(eng, &survivors) {
        progress.search(
            "branch and bound",
            best.as_ref().map(|b| b.cost),
            Some(lower_lag),
        );
        let end = branch::run(eng, &survivors, &lag.lambda, &mut best, progress);
        stats.branch_nodes = end.nodes;
        stats.method = "branch_and_bound";
        // Out of time: report what the tree proved. Out of nodes: the master goes on.
        let status = if end.closed {
            Some(Status::Optimal)
        } else {
            eng.deadline.passed().then_some(Status::TimeLimit)
        };
        if let Some(status) = status {
            let lower = end.lower;
            outcome.milp = Some(stats);
            outcome.reductions = red;
            let b = best.expect("checked");
            let lb = global_lower(lower).min(b.cost);
            let status = if eng.closed(b.cost, lb) {
                Status::Optimal
            } else {
                status
            };
            return Ok(finish(eng, outcome, status, b, lb));
        }
    }

    // The master program over the survivors.
    let mut m = master::Master::new(eng, &survivors, &lag.lambda, &lag.rho, best.as_ref());
    let result = m.run(opts, &mut best, progress)?;
    stats = m.stats(stats);
    stats.method = if stats.branch_nodes > 0 {
        "branch_and_bound_then_master"
    } else {
        "master"
    };
    outcome.milp = Some(stats);
    outcome.reductions = red;
    match (result, best) {
        (master::End::Infeasible, None) => {
            outcome.infeasibility = if diagnose {
                progress.search("naming the limits that cannot hold together", None, None);
                diagnose::explain(problem, opts, eng.deadline)
            } else {
                vec!["no plan meets every limit".into()]
            };
            Ok(outcome)
        }
        (master::End::Infeasible, Some(_)) => Err(crate::error::Error::Solver {
            solver: opts.backend.name().into(),
            message: "the master program is infeasible although a feasible plan is known (numerical trouble)"
                .into(),
        }),
        (_, None) => {
            outcome.status = Status::NoSolution;
            let lb = global_lower(m.lower);
            outcome.best_bound_eur = lb.is_finite().then_some(lb);
            Ok(outcome)
        }
        (end, Some(b)) => {
            let lb = global_lower(m.lower).min(b.cost);
            let status = if matches!(end, master::End::Closed) || eng.closed(b.cost, lb) {
                Status::Optimal
            } else {
                Status::TimeLimit
            };
            Ok(finish(eng, outcome, status, b, lb))
        }
    }
}

fn finish(eng: &Engine, mut o: Outcome, status: Status, b: Incumbent, lower: f64) -> Outcome {
    let lower = eng.proven(lower).min(b.cost);
    o.status = status;
    o.objective_eur = Some(b.cost);
    o.set_bound(b.cost, lower);
    o.plan = Some(b.plan);
    o
}

/// A forced site that cannot open, or forced sites that cannot open together.
fn forced_infeasible(eng: &Engine) -> Option<String> {
    let p = eng.p;
    if p.forced.len() > p.k {
        return Some(format!(
            "{} sites are forced in but only {} are chosen",
            p.forced.len(),
            p.k
        ));
    }
    for (n, &f) in p.forced.iter().enumerate() {
        if !eng.is_usable[f] {
            return Some(format!(
                "forced site {} cannot reach {} MW with at most {} lines",
                p.sites[f].id, p.sites[f].power_mw, p.max_lines
            ));
        }
        if !eng.compatible(&p.forced[..n], f) {
            return Some(format!(
                "forced site {} conflicts with another forced site (separation or country cap)",
                p.sites[f].id
            ));
        }
    }
    None
}
