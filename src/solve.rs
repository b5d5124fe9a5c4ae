//! Solving: solver backends, options, statuses, and the counting arguments that
//! prove infeasibility up front. The search itself is [`crate::engine`].

use std::collections::HashMap;

use good_lp::{
    Constraint, Expression, ProblemVariables, ResolutionError, Solution, SolutionStatus,
    SolverModel, Variable, WithInitialSolution, WithMipGap, WithTimeLimit,
};
use serde::Serialize;

use crate::deadline::Deadline;
use crate::error::{Error, Result};
use crate::model::{MilpStats, Plan, Problem};
use crate::progress::{Progress, Silent};

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
    /// Sites in the restricted program solved for a better plan (0 when none was).
    pub restricted_sites: usize,
    /// Whether the Lagrangian bound alone proved the plan optimal (no master program).
    pub closed_by_lagrangian: bool,
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

/// An outcome over the measured parcels, widened to every parcel when the time limit
/// left some unmeasured: every plan using one of them costs at least `plans_bound`,
/// so the run's bound is the lesser of the two, and a plan is optimal only when that
/// bound still meets it.
pub fn with_unmeasured(mut o: Outcome, plans_bound: f64, mip_gap: f64) -> Outcome {
    let measured = match o.status {
        Status::Infeasible => f64::INFINITY,
        _ => o.best_bound_eur.unwrap_or(f64::NEG_INFINITY),
    };
    let lower = measured.min(plans_bound);
    match o.objective_eur {
        Some(obj) => {
            if obj - lower > mip_gap * obj.abs() + crate::engine::tol(obj) {
                o.status = Status::TimeLimit;
            }
            o.set_bound(obj, lower.min(obj));
        }
        None if lower < f64::INFINITY => {
            // No plan among the measured parcels, but an unmeasured one may hold one.
            o.status = Status::NoSolution;
            o.infeasibility.clear();
            o.best_bound_eur = lower.is_finite().then_some(lower);
        }
        None => {}
    }
    o
}

impl Outcome {
    /// Records the bound proven on a plan of cost `objective`, and the gap between
    /// them (none when the bound is not finite).
    pub fn set_bound(&mut self, objective: f64, lower: f64) {
        self.best_bound_eur = lower.is_finite().then_some(lower);
        self.gap = lower.is_finite().then(|| {
            if objective.abs() > 0.0 {
                ((objective - lower) / objective.abs()).max(0.0)
            } else {
                0.0
            }
        });
    }
}

/// Solves a problem to proven optimality within the gap, or until the time limit
/// counted from now.
pub fn solve(problem: &Problem, opts: &SolveOptions) -> Result<Outcome> {
    solve_until(
        problem,
        opts,
        Deadline::from_limit(opts.time_limit_s),
        &Silent,
    )
}

/// Solves a problem until `deadline`, reporting the search on `progress`.
pub fn solve_until(
    problem: &Problem,
    opts: &SolveOptions,
    deadline: Deadline,
    progress: &dyn Progress,
) -> Result<Outcome> {
    backend_available(opts)?;
    crate::engine::solve(problem, opts, deadline, progress)
}

/// An error when the chosen backend is not in this build.
fn backend_available(opts: &SolveOptions) -> Result<()> {
    if opts.backend.available() {
        Ok(())
    } else {
        Err(solver_err(
            opts,
            "this build has no HiGHS backend: rebuild with `--features highs`".into(),
        ))
    }
}

/// [`solve_until`], then the best plans and regrets `d` asks for
/// ([`crate::engine::ranking`]).
pub fn decide_until(
    problem: &Problem,
    opts: &SolveOptions,
    deadline: Deadline,
    progress: &dyn Progress,
    d: &crate::engine::ranking::Decisions,
) -> Result<(Outcome, crate::engine::ranking::Decided)> {
    backend_available(opts)?;
    crate::engine::ranking::decide(problem, opts, deadline, progress, d)
}

/// Counting arguments that prove infeasibility, each as a sentence.
pub fn explain_infeasible(problem: &Problem, usable: &[usize]) -> Vec<String> {
    let mut reasons = problem.include_failures.clone();
    let k = problem.k;
    if usable.len() < k {
        let mut s = format!(
            "{k} sites are required but only {} eligible candidates can be powered",
            usable.len()
        );
        let unpowered = problem.sites.len() - usable.len();
        if unpowered > 0 {
            let mut is_usable = vec![false; problem.sites.len()];
            for &s in usable {
                is_usable[s] = true;
            }
            let (lo, hi) = problem
                .sites
                .iter()
                .zip(&is_usable)
                .filter(|(_, &u)| !u)
                .fold((f64::INFINITY, 0.0f64), |(lo, hi), (s, _)| {
                    (lo.min(s.power_mw), hi.max(s.power_mw))
                });
            let power = if hi - lo <= 1e-9 {
                format!("{hi} MW")
            } else {
                format!("their {lo}–{hi} MW")
            };
            s.push_str(&format!(
                " ({unpowered} eligible candidates cannot reach {power} with at most {} lines)",
                problem.max_lines
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

/// What one MILP solve gave: values of every variable, or why there are none.
pub enum Solved {
    /// Solved; `gap` is the relative gap the proof allows (0 for an exact proof).
    Optimal {
        values: HashMap<Variable, f64>,
        gap: f64,
    },
    /// Stopped by the time limit with a feasible answer.
    TimeLimit(HashMap<Variable, f64>),
    Infeasible,
    /// Stopped by the time limit before any feasible answer.
    NoSolution,
}

/// Solves a MILP with the chosen backend: `all` lists every variable to read back.
#[allow(clippy::too_many_arguments)]
pub fn solve_milp(
    vars: ProblemVariables,
    objective: Expression,
    constraints: Vec<Constraint>,
    all: &[Variable],
    opts: &SolveOptions,
    time_left_s: Option<f64>,
    warm: Option<Vec<(Variable, f64)>>,
    gap: f64,
) -> Result<Solved> {
    match opts.backend {
        Backend::Microlp => {
            let mut model = vars.minimise(objective).using(good_lp::microlp);
            if let Some(t) = time_left_s {
                model = model.with_time_limit(t);
            }
            model = model
                .with_mip_gap(gap as f32)
                .map_err(|e| solver_err(opts, format!("{e:?}")))?;
            if let Some(w) = warm {
                model = model.with_initial_solution(w);
            }
            interpret(model.with_all(constraints).solve(), all, opts, gap)
        }
        Backend::Highs => run_highs(
            vars,
            objective,
            constraints,
            all,
            opts,
            time_left_s,
            warm,
            gap,
        ),
    }
}

#[cfg(feature = "highs")]
#[allow(clippy::too_many_arguments)]
fn run_highs(
    vars: ProblemVariables,
    objective: Expression,
    constraints: Vec<Constraint>,
    all: &[Variable],
    opts: &SolveOptions,
    time_left_s: Option<f64>,
    warm: Option<Vec<(Variable, f64)>>,
    gap: f64,
) -> Result<Solved> {
    let mut model = vars.minimise(objective).using(good_lp::highs);
    model.set_verbose(false);
    // One thread: the same answer on every machine and every run.
    let mut model = model
        .set_threads(1)
        .set_mip_rel_gap(gap as f32)
        .map_err(|e| solver_err(opts, format!("{e:?}")))?;
    if let Some(t) = time_left_s {
        model = model.set_time_limit(t);
    }
    // No initial solution: with one, HiGHS (through good_lp) has been seen to stop at
    // that solution and report it optimal when a cheaper one existed (tests/bruteforce
    // seed 44). The engine gives the master its best plan as cuts and bounds anyway.
    let _ = warm;
    interpret(model.with_all(constraints).solve(), all, opts, gap)
}

#[cfg(not(feature = "highs"))]
#[allow(clippy::too_many_arguments)]
fn run_highs(
    _: ProblemVariables,
    _: Expression,
    _: Vec<Constraint>,
    _: &[Variable],
    opts: &SolveOptions,
    _: Option<f64>,
    _: Option<Vec<(Variable, f64)>>,
    _: f64,
) -> Result<Solved> {
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
    all: &[Variable],
    opts: &SolveOptions,
    gap: f64,
) -> Result<Solved> {
    match result {
        Ok(sol) => {
            let values: HashMap<Variable, f64> = all.iter().map(|&v| (v, sol.value(v))).collect();
            Ok(match sol.status() {
                SolutionStatus::Optimal => Solved::Optimal { values, gap: 0.0 },
                SolutionStatus::GapLimit => Solved::Optimal { values, gap },
                SolutionStatus::TimeLimit => Solved::TimeLimit(values),
            })
        }
        Err(ResolutionError::Infeasible) => Ok(Solved::Infeasible),
        Err(ResolutionError::Other(m)) if m.contains("Time limit") || m == "NoSolutionFound" => {
            Ok(Solved::NoSolution)
        }
        Err(e) => Err(solver_err(opts, e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> SolveOptions {
        SolveOptions {
            backend: Backend::Microlp,
            time_limit_s: None,
            mip_gap: 0.0,
        }
    }

    #[test]
    fn backend_failures_become_errors_with_the_solvers_message() {
        let r: std::result::Result<good_lp::solvers::microlp::MicroLpSolution, _> =
            Err(ResolutionError::Str("singular basis".into()));
        match interpret(r, &[], &opts(), 0.0) {
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
            interpret(r, &[], &opts(), 0.0),
            Err(Error::Solver { .. })
        ));
    }

    #[test]
    fn unmeasured_parcels_widen_the_bound_and_reopen_the_gap() {
        let base = Outcome {
            status: Status::Optimal,
            plan: None,
            objective_eur: Some(100.0),
            best_bound_eur: Some(100.0),
            gap: Some(0.0),
            infeasibility: Vec::new(),
            reductions: Reductions::default(),
            milp: None,
            solver: "microlp",
        };
        // Every plan through an unmeasured parcel costs at least 120: still optimal.
        let o = with_unmeasured(base.clone(), 120.0, 0.0);
        assert_eq!(o.status, Status::Optimal);
        assert_eq!(o.best_bound_eur, Some(100.0));
        // At least 90: the bound drops to 90 and the gap opens.
        let o = with_unmeasured(base.clone(), 90.0, 0.0);
        assert_eq!(o.status, Status::TimeLimit);
        assert_eq!(o.best_bound_eur, Some(90.0));
        assert!((o.gap.unwrap() - 0.1).abs() < 1e-12);
        // Within the allowed gap it stays optimal.
        assert_eq!(
            with_unmeasured(base.clone(), 99.5, 0.01).status,
            Status::Optimal
        );
        // No plan among the measured parcels, but the others may hold one.
        let none = Outcome {
            status: Status::Infeasible,
            objective_eur: None,
            best_bound_eur: None,
            gap: None,
            infeasibility: vec!["no plan".into()],
            ..base
        };
        let o = with_unmeasured(none.clone(), 95.0, 0.0);
        assert_eq!(o.status, Status::NoSolution);
        assert_eq!(o.best_bound_eur, Some(95.0));
        assert!(o.infeasibility.is_empty());
        // No unmeasured parcel can be in a plan: still infeasible.
        let o = with_unmeasured(none, f64::INFINITY, 0.0);
        assert_eq!(o.status, Status::Infeasible);
    }

    #[test]
    fn a_time_limit_before_any_plan_is_no_solution() {
        let r: std::result::Result<good_lp::solvers::microlp::MicroLpSolution, _> = Err(
            ResolutionError::Other("Time limit reached before finding a feasible solution"),
        );
        assert!(matches!(
            interpret(r, &[], &opts(), 0.0),
            Ok(Solved::NoSolution)
        ));
    }
}
