//! Solving: exact reductions, a feasible answer to bound with, the solver backends,
//! and the mapping of solver outcomes onto the statuses of MODEL.md.
//!
//! The path to a proof:
//! 1. Candidates without any stand-alone grid connection (at most `max_lines` lines
//!    reaching P) can never be opened: dropped.
//! 2. Counting checks that prove infeasibility and say why (too few sites or
//!    countries, a demand point no candidate reaches).
//! 3. A feasible plan: the best of several greedy fills, then the program over a small
//!    restricted set (the cheapest sites per country and per demand point). Its cost is
//!    an upper bound U.
//! 4. For every site i a lower bound on any plan containing i: its own floor cost plus
//!    the k − 1 cheapest floors of sites it does not conflict with, respecting the
//!    country cap, plus the least latency cost any plan can have. Sites whose bound
//!    exceeds U are in no optimal plan: dropped. If every survivor was already in the
//!    restricted program, its optimum is the optimum.
//! 5. The program over the survivors, warm-started from the plan, solved to the gap.

use std::time::Instant;

use good_lp::{
    ResolutionError, Solution, SolutionStatus, SolverModel, Variable, WithInitialSolution,
    WithMipGap, WithTimeLimit,
};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{build, Milp, MilpStats, Plan, Problem, VarMap};

/// A solver backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// microlp: pure Rust, always available.
    Microlp,
    /// HiGHS: needs the `highs` cargo feature.
    Highs,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Microlp => "microlp",
            Backend::Highs => "highs",
        }
    }

    /// Whether this build has the backend.
    pub fn available(self) -> bool {
        match self {
            Backend::Microlp => true,
            Backend::Highs => cfg!(feature = "highs"),
        }
    }
}

impl std::str::FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "microlp" => Ok(Backend::Microlp),
            "highs" => Ok(Backend::Highs),
            other => Err(format!("unknown solver {other:?}: use microlp or highs")),
        }
    }
}

/// How to solve.
#[derive(Debug, Clone)]
pub struct SolveOptions {
    pub backend: Backend,
    pub time_limit_s: Option<f64>,
    pub mip_gap: f64,
}

/// The outcome's status, as MODEL.md names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Proven optimal within the gap.
    Optimal,
    /// Stopped by the time limit with a feasible plan.
    TimeLimit,
    /// No plan satisfies the limits.
    Infeasible,
    /// Stopped by the time limit before any feasible plan was found.
    NoSolution,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Optimal => "optimal",
            Status::TimeLimit => "time_limit",
            Status::Infeasible => "infeasible",
            Status::NoSolution => "no_solution",
        }
    }
}

/// What the reductions removed before the final program.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Reductions {
    pub eligible: usize,
    /// Eligible, but no set of at most max_lines_per_site lines reaches P.
    pub no_grid_connection: usize,
    /// Removed because every plan containing them costs more than a known plan.
    pub bound_eliminated: usize,
    pub survivors: usize,
    /// The cost of the best plan known before the final solve, EUR.
    pub upper_bound_eur: Option<f64>,
    /// Sites in the restricted program of step 3.
    pub restricted_sites: usize,
    /// Whether the restricted program's optimum was already the optimum.
    pub restricted_was_final: bool,
}

/// Everything the solve stage found.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    pub plan: Option<Plan>,
    pub objective_eur: Option<f64>,
    pub best_bound_eur: Option<f64>,
    pub gap: Option<f64>,
    pub infeasibility: Vec<String>,
    pub reductions: Reductions,
    pub milp: Option<MilpStats>,
    pub solver: &'static str,
}

/// What one run of a backend gave.
enum Run {
    /// Optimal; `gap` is the relative gap the proof allows (0 for an exact proof).
    Optimal {
        plan: Plan,
        gap: f64,
    },
    TimeLimit(Plan),
    Infeasible,
    NoSolution,
}

/// Relative tolerance when comparing costs for bound elimination.
const REL_TOL: f64 = 1e-9;

/// Solves a problem to proven optimality (or the time limit).
pub fn solve(problem: &Problem, opts: &SolveOptions) -> Result<Outcome> {
    if !opts.backend.available() {
        return Err(Error::Solver {
            solver: opts.backend.name().into(),
            message: "this build has no HiGHS backend: rebuild with `--features highs`".into(),
        });
    }
    let started = Instant::now();
    let deadline = opts
        .time_limit_s
        .map(|t| started + std::time::Duration::from_secs_f64(t.max(0.0)));
    let mut red = Reductions {
        eligible: problem.sites.len(),
        ..Default::default()
    };
    let usable: Vec<usize> = (0..problem.sites.len())
        .filter(|&s| problem.sites[s].standalone.is_some())
        .collect();
    red.no_grid_connection = problem.sites.len() - usable.len();
    let mut outcome = Outcome {
        status: Status::Infeasible,
        plan: None,
        objective_eur: None,
        best_bound_eur: None,
        gap: None,
        infeasibility: Vec::new(),
        reductions: red.clone(),
        milp: None,
        solver: opts.backend.name(),
    };

    let reasons = explain_infeasible(problem, &usable);
    if !reasons.is_empty() {
        outcome.infeasibility = reasons;
        outcome.reductions = red;
        return Ok(outcome);
    }

    // Step 3: a feasible plan to bound with.
    let mut best: Option<(Plan, f64)> = greedy(problem, &usable).map(|p| {
        let c = problem.objective_eur(&p);
        (p, c)
    });
    let restricted = restricted_set(problem, &usable, best.as_ref().map(|b| &b.0));
    red.restricted_sites = restricted.len();
    // The restricted program's size, kept when it was solved to optimality.
    let mut restricted_optimal: Option<MilpStats> = None;
    if restricted.len() < usable.len() {
        let milp = build(problem, &restricted, false);
        let stats = milp.map.stats.clone();
        let warm = best.as_ref().map(|(p, _)| milp.map.values_of(p));
        match run(milp, problem, opts, deadline, warm)? {
            Run::Optimal { plan, .. } => {
                restricted_optimal = Some(stats);
                let c = problem.objective_eur(&plan);
                if best.as_ref().is_none_or(|b| c < b.1) {
                    best = Some((plan, c));
                }
            }
            Run::TimeLimit(plan) => {
                let c = problem.objective_eur(&plan);
                if best.as_ref().is_none_or(|b| c < b.1) {
                    best = Some((plan, c));
                }
            }
            Run::Infeasible | Run::NoSolution => {}
        }
    }

    // Step 4: bound elimination.
    let (survivors, lower) = match &best {
        Some((_, ub)) => {
            red.upper_bound_eur = Some(*ub);
            let bounds = site_lower_bounds(problem, &usable);
            let tol = REL_TOL * ub.abs() + 1e-6;
            let survivors: Vec<usize> = usable
                .iter()
                .zip(&bounds)
                .filter(|(_, &lb)| lb <= ub + tol)
                .map(|(&s, _)| s)
                .collect();
            let lower = survivors
                .iter()
                .map(|&s| bounds[usable.binary_search(&s).unwrap()])
                .fold(f64::INFINITY, f64::min)
                .min(*ub);
            (survivors, Some(lower))
        }
        None => (usable.clone(), None),
    };
    red.bound_eliminated = usable.len() - survivors.len();
    red.survivors = survivors.len();

    if let Some(stats) = restricted_optimal.filter(|_| {
        survivors
            .iter()
            .all(|s| restricted.binary_search(s).is_ok())
    }) {
        // Every site of every optimal plan was in the restricted program.
        red.restricted_was_final = true;
        let (plan, obj) = best.expect("an optimal restricted plan exists");
        outcome.milp = Some(stats);
        return Ok(finish_optimal(outcome, red, plan, obj, opts.mip_gap));
    }

    // Step 5: the program over the survivors.
    let milp = build(problem, &survivors, false);
    outcome.milp = Some(milp.map.stats.clone());
    let warm = best.as_ref().map(|(p, _)| milp.map.values_of(p));
    let result = run(milp, problem, opts, deadline, warm)?;
    outcome.reductions = red.clone();
    match result {
        Run::Optimal { plan, gap } => {
            let obj = problem.objective_eur(&plan);
            // A warm start the solver did not beat can be returned as is.
            let (plan, obj) = match best {
                Some((bp, bc)) if bc < obj - REL_TOL * obj.abs() => (bp, bc),
                _ => (plan, obj),
            };
            Ok(finish_optimal(outcome, red, plan, obj, gap))
        }
        Run::TimeLimit(plan) => {
            let obj = problem.objective_eur(&plan);
            let (plan, obj) = match best {
                Some((bp, bc)) if bc < obj => (bp, bc),
                _ => (plan, obj),
            };
            Ok(finish_time_limit(
                problem, outcome, &survivors, plan, obj, lower,
            ))
        }
        Run::NoSolution => match best {
            Some((plan, obj)) => Ok(finish_time_limit(
                problem, outcome, &survivors, plan, obj, lower,
            )),
            None => {
                outcome.status = Status::NoSolution;
                Ok(outcome)
            }
        },
        Run::Infeasible => {
            if best.is_some() {
                return Err(Error::Solver {
                    solver: opts.backend.name().into(),
                    message: "the solver reported the program infeasible although a feasible plan is known (numerical trouble)".into(),
                });
            }
            outcome.infeasibility.push(match problem.separation_km {
                Some(d) => format!(
                    "no {} eligible candidates are pairwise at least {d} km apart while meeting the other limits",
                    problem.k
                ),
                None => format!("no choice of {} eligible candidates meets all the limits together", problem.k),
            });
            Ok(outcome)
        }
    }
}

fn finish_optimal(mut o: Outcome, red: Reductions, plan: Plan, obj: f64, gap: f64) -> Outcome {
    o.status = Status::Optimal;
    o.objective_eur = Some(obj);
    o.best_bound_eur = Some(obj - gap * obj.abs());
    o.gap = Some(gap);
    o.plan = Some(plan);
    o.reductions = red;
    o
}

fn finish_time_limit(
    problem: &Problem,
    mut o: Outcome,
    survivors: &[usize],
    plan: Plan,
    obj: f64,
    lower: Option<f64>,
) -> Outcome {
    // The LP relaxation of the survivors' program is a valid bound; so is the least
    // per-site bound. Report the better of the two.
    let relaxed = build(problem, survivors, true);
    let lp = lp_bound(relaxed).unwrap_or(f64::NEG_INFINITY);
    let bound = lp.max(lower.unwrap_or(f64::NEG_INFINITY)).min(obj);
    o.status = Status::TimeLimit;
    o.objective_eur = Some(obj);
    if bound.is_finite() {
        o.best_bound_eur = Some(bound);
        o.gap = Some(if obj.abs() > 0.0 {
            (obj - bound) / obj.abs()
        } else {
            0.0
        });
    }
    o.plan = Some(plan);
    o
}

/// Counting arguments that prove infeasibility, each as a sentence.
pub fn explain_infeasible(problem: &Problem, usable: &[usize]) -> Vec<String> {
    let mut reasons = Vec::new();
    let k = problem.k;
    if usable.len() < k {
        let mut s = format!(
            "{k} sites are required but only {} eligible candidates can be powered",
            usable.len()
        );
        let unpowered = problem.sites.len() - usable.len();
        if unpowered > 0 {
            s.push_str(&format!(
                " ({unpowered} eligible candidates cannot reach {} MW with at most {} lines)",
                problem.power_mw, problem.max_lines
            ));
        }
        reasons.push(s);
    }
    if let Some(m) = problem.max_per_country {
        let mut per = vec![0usize; problem.countries.len()];
        for &s in usable {
            if let Some(c) = problem.sites[s].country {
                per[c] += 1;
            }
        }
        let places: usize = per.iter().map(|&n| n.min(m)).sum();
        let countries = per.iter().filter(|&&n| n > 0).count();
        if places < k && usable.len() >= k {
            reasons.push(format!(
                "{k} sites with max_per_country = {m}, but eligible candidates lie in only {countries} countries"
            ));
        }
    }
    let usable_set: std::collections::HashSet<usize> = usable.iter().copied().collect();
    for d in &problem.demand {
        let reachable = d.reach.iter().any(|(s, _)| usable_set.contains(s));
        if reachable {
            continue;
        }
        if let Some(l) = problem.demand_limit_ms {
            reasons.push(format!(
                "demand point {} is beyond {l} ms of every eligible candidate",
                d.id
            ));
        } else if problem.eur_per_ms > 0.0 && d.weight > 0.0 {
            reasons.push(format!(
                "demand point {} has no fibre path to any eligible candidate",
                d.id
            ));
        }
    }
    reasons
}

/// Sites in order of floor cost, ties by id.
fn by_floor(problem: &Problem, usable: &[usize]) -> Vec<usize> {
    let mut order = usable.to_vec();
    order.sort_by(|&a, &b| {
        let (sa, sb) = (&problem.sites[a], &problem.sites[b]);
        sa.floor_eur()
            .total_cmp(&sb.floor_eur())
            .then_with(|| sa.id.cmp(&sb.id))
    });
    order
}

/// Greedy fills from several seeds; the cheapest fully feasible plan.
fn greedy(problem: &Problem, usable: &[usize]) -> Option<Plan> {
    let order = by_floor(problem, usable);
    let mut best: Option<(Plan, f64)> = None;
    for &seed in order.iter().take(32) {
        let mut chosen = vec![seed];
        for &t in &order {
            if chosen.len() == problem.k {
                break;
            }
            if compatible(problem, &chosen, t) {
                chosen.push(t);
            }
        }
        if chosen.len() < problem.k {
            continue;
        }
        if let Some(plan) = problem.standalone_plan(&chosen) {
            let c = problem.objective_eur(&plan);
            if best.as_ref().is_none_or(|b| c < b.1) {
                best = Some((plan, c));
            }
        }
    }
    best.map(|b| b.0)
}

fn compatible(problem: &Problem, chosen: &[usize], t: usize) -> bool {
    if chosen.contains(&t) || chosen.iter().any(|&c| problem.conflict(c, t)) {
        return false;
    }
    match (problem.max_per_country, problem.sites[t].country) {
        (Some(m), Some(ct)) => {
            chosen
                .iter()
                .filter(|&&c| problem.sites[c].country == Some(ct))
                .count()
                < m
        }
        _ => true,
    }
}

/// A small set likely to hold a good plan: the greedy plan, the cheapest sites overall,
/// per country, and per demand point. Sorted.
fn restricted_set(problem: &Problem, usable: &[usize], plan: Option<&Plan>) -> Vec<usize> {
    let order = by_floor(problem, usable);
    let k = problem.k;
    let per_country = problem.max_per_country.unwrap_or(k) + 2;
    let mut set: Vec<usize> = order.iter().take(4 * k).copied().collect();
    let mut taken = vec![0usize; problem.countries.len() + 1];
    for &s in &order {
        let c = problem.sites[s].country.unwrap_or(problem.countries.len());
        if taken[c] < per_country {
            taken[c] += 1;
            set.push(s);
        }
    }
    let rank: std::collections::HashMap<usize, usize> =
        order.iter().enumerate().map(|(r, &s)| (s, r)).collect();
    for d in &problem.demand {
        let mut reach: Vec<usize> = d
            .reach
            .iter()
            .map(|r| r.0)
            .filter(|s| rank.contains_key(s))
            .collect();
        reach.sort_by_key(|s| rank[s]);
        set.extend(reach.into_iter().take(2 * k));
    }
    if let Some(p) = plan {
        set.extend(p.open.iter().map(|o| o.site));
    }
    set.sort_unstable();
    set.dedup();
    set
}

/// Per usable site (same order as `usable`): a lower bound on the objective of any
/// feasible plan that opens it. See the module docs, step 4.
pub fn site_lower_bounds(problem: &Problem, usable: &[usize]) -> Vec<f64> {
    /// Beyond this many skipped sites the scan settles for the unconstrained bound.
    const SCAN_CAP: usize = 4096;
    let order = by_floor(problem, usable);
    let k = problem.k;
    let latency_floor: f64 = if problem.has_latency_cost() {
        let usable_set: std::collections::HashSet<usize> = usable.iter().copied().collect();
        problem
            .demand
            .iter()
            .map(|d| {
                let best = d
                    .reach
                    .iter()
                    .filter(|(s, _)| usable_set.contains(s))
                    .map(|r| r.1)
                    .fold(f64::INFINITY, f64::min);
                problem.eur_per_ms * d.weight * if best.is_finite() { best } else { 0.0 }
            })
            .sum()
    } else {
        0.0
    };
    // The k cheapest floors, for the fallback bound.
    let cheapest: Vec<(usize, f64)> = order
        .iter()
        .take(k)
        .map(|&s| (s, problem.sites[s].floor_eur()))
        .collect();
    usable
        .iter()
        .map(|&i| {
            let own = problem.sites[i].floor_eur();
            let fallback = || -> f64 {
                cheapest
                    .iter()
                    .filter(|(s, _)| *s != i)
                    .take(k - 1)
                    .map(|c| c.1)
                    .sum()
            };
            let mut sum = 0.0;
            let mut taken = 0;
            let mut countries: Vec<(usize, usize)> = Vec::new();
            if let Some(c) = problem.sites[i].country {
                countries.push((c, 1));
            }
            let mut steps = 0;
            let mut capped = false;
            for &t in &order {
                if taken == k - 1 {
                    break;
                }
                if t == i {
                    continue;
                }
                steps += 1;
                if steps > SCAN_CAP {
                    capped = true;
                    break;
                }
                if problem.conflict(i, t) {
                    continue;
                }
                if let (Some(m), Some(ct)) = (problem.max_per_country, problem.sites[t].country) {
                    match countries.iter_mut().find(|(c, _)| *c == ct) {
                        Some((_, n)) if *n >= m => continue,
                        Some((_, n)) => *n += 1,
                        None => countries.push((ct, 1)),
                    }
                }
                sum += problem.sites[t].floor_eur();
                taken += 1;
            }
            if capped {
                own + fallback() + latency_floor
            } else if taken < k - 1 {
                // Not even the relaxation can complete a plan with this site.
                f64::INFINITY
            } else {
                own + sum + latency_floor
            }
        })
        .collect()
}

/// Solves a built program with the chosen backend.
fn run(
    milp: Milp,
    problem: &Problem,
    opts: &SolveOptions,
    deadline: Option<Instant>,
    warm: Option<Vec<(Variable, f64)>>,
) -> Result<Run> {
    if deadline.is_some_and(|d| Instant::now() >= d) {
        // Out of time before this solve began: whatever plan is known stands.
        return Ok(Run::NoSolution);
    }
    let time_left = deadline.map(|d| {
        d.saturating_duration_since(Instant::now())
            .as_secs_f64()
            .max(1e-3)
    });
    let Milp {
        vars,
        objective,
        constraints,
        map,
    } = milp;
    let gap = opts.mip_gap;
    match opts.backend {
        Backend::Microlp => {
            let mut model = vars.minimise(objective).using(good_lp::microlp);
            if let Some(t) = time_left {
                model = model.with_time_limit(t);
            }
            model = model
                .with_mip_gap(gap as f32)
                .map_err(|e| solver_err(opts, format!("{e:?}")))?;
            if let Some(w) = warm {
                model = model.with_initial_solution(w);
            }
            let model = model.with_all(constraints);
            interpret(model.solve(), &map, problem, opts)
        }
        Backend::Highs => run_highs(
            vars,
            objective,
            constraints,
            &map,
            problem,
            opts,
            time_left,
            warm,
        ),
    }
}

#[cfg(feature = "highs")]
#[allow(clippy::too_many_arguments)]
fn run_highs(
    vars: good_lp::ProblemVariables,
    objective: good_lp::Expression,
    constraints: Vec<good_lp::Constraint>,
    map: &VarMap,
    problem: &Problem,
    opts: &SolveOptions,
    time_left: Option<f64>,
    warm: Option<Vec<(Variable, f64)>>,
) -> Result<Run> {
    let mut model = vars.minimise(objective).using(good_lp::highs);
    model.set_verbose(false);
    // One thread: the same answer on every machine and every run.
    let mut model = model
        .set_threads(1)
        .set_mip_rel_gap(opts.mip_gap as f32)
        .map_err(|e| solver_err(opts, format!("{e:?}")))?;
    if let Some(t) = time_left {
        model = model.set_time_limit(t);
    }
    if let Some(w) = warm {
        model = model.with_initial_solution(w);
    }
    let model = model.with_all(constraints);
    interpret(model.solve(), map, problem, opts)
}

#[cfg(not(feature = "highs"))]
#[allow(clippy::too_many_arguments)]
fn run_highs(
    _: good_lp::ProblemVariables,
    _: good_lp::Expression,
    _: Vec<good_lp::Constraint>,
    _: &VarMap,
    _: &Problem,
    opts: &SolveOptions,
    _: Option<f64>,
    _: Option<Vec<(Variable, f64)>>,
) -> Result<Run> {
    Err(solver_err(
        opts,
        "this build has no HiGHS backend: rebuild with `--features highs`".into(),
    ))
}

fn solver_err(opts: &SolveOptions, message: String) -> Error {
    Error::Solver {
        solver: opts.backend.name().into(),
        message,
    }
}

fn interpret<S: Solution>(
    result: std::result::Result<S, ResolutionError>,
    map: &VarMap,
    problem: &Problem,
    opts: &SolveOptions,
) -> Result<Run> {
    match result {
        Ok(sol) => {
            let plan = map.plan(problem, |v| sol.value(v));
            if let Some(why) = problem.violation(&plan) {
                return Err(solver_err(
                    opts,
                    format!("the solver's answer breaks a limit ({why}): numerical trouble"),
                ));
            }
            Ok(match sol.status() {
                SolutionStatus::Optimal => Run::Optimal { plan, gap: 0.0 },
                SolutionStatus::GapLimit => Run::Optimal {
                    plan,
                    gap: opts.mip_gap,
                },
                SolutionStatus::TimeLimit => Run::TimeLimit(plan),
            })
        }
        Err(ResolutionError::Infeasible) => Ok(Run::Infeasible),
        Err(ResolutionError::Other(m)) if m.contains("Time limit") || m == "NoSolutionFound" => {
            Ok(Run::NoSolution)
        }
        Err(e) => Err(solver_err(opts, e.to_string())),
    }
}

/// The optimum of the LP relaxation, a lower bound (microlp: an LP is quick for either
/// backend, and this keeps the bound the same whichever backend solved).
fn lp_bound(milp: Milp) -> Option<f64> {
    let Milp {
        vars,
        objective,
        constraints,
        ..
    } = milp;
    let eval = objective.clone();
    let sol = vars
        .minimise(objective)
        .using(good_lp::microlp)
        .with_all(constraints)
        .solve()
        .ok()?;
    Some(eval.eval_with(&sol))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty_problem() -> Problem {
        Problem {
            k: 1,
            power_mw: 180.0,
            max_lines: 2,
            separation_km: None,
            max_connection_km: 50.0,
            max_per_country: None,
            countries: vec![],
            eur_per_ms: 0.0,
            demand_limit_ms: None,
            sites: vec![],
            headroom_mw: vec![],
            demand: vec![],
        }
    }

    #[test]
    fn backend_failures_become_errors_with_the_solvers_message() {
        let opts = SolveOptions {
            backend: Backend::Microlp,
            time_limit_s: None,
            mip_gap: 0.0,
        };
        let map = build(&empty_problem(), &[], false).map;
        let r: std::result::Result<good_lp::solvers::microlp::MicroLpSolution, _> =
            Err(ResolutionError::Str("singular basis".into()));
        match interpret(r, &map, &empty_problem(), &opts) {
            Err(Error::Solver { solver, message }) => {
                assert_eq!(solver, "microlp");
                assert!(message.contains("singular basis"), "{message}");
            }
            Err(e) => panic!("wrong error {e}"),
            Ok(_) => panic!("a failure must not pass"),
        }
        let r: std::result::Result<good_lp::solvers::microlp::MicroLpSolution, _> =
            Err(ResolutionError::Unbounded);
        assert!(matches!(
            interpret(r, &map, &empty_problem(), &opts),
            Err(Error::Solver { .. })
        ));
    }

    #[test]
    fn a_time_limit_before_any_plan_is_no_solution() {
        let opts = SolveOptions {
            backend: Backend::Microlp,
            time_limit_s: None,
            mip_gap: 0.0,
        };
        let map = build(&empty_problem(), &[], false).map;
        let r: std::result::Result<good_lp::solvers::microlp::MicroLpSolution, _> = Err(
            ResolutionError::Other("Time limit reached before finding a feasible solution"),
        );
        assert!(matches!(
            interpret(r, &map, &empty_problem(), &opts),
            Ok(Run::NoSolution)
        ));
    }
}
