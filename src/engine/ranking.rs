//! Decision support on the engine: the N best plans and the regret of a site
//! (MODEL.md "Alternatives and regret").
//!
//! # The N best plans
//! One search proves the optimum and keeps its Lagrangian relaxation. The swap
//! neighbourhood of the optimum (one site out, one in) gives many distinct feasible
//! plans; the (N+1)-th cheapest of them bounds the cost of the (N+1)-th best plan, so
//! every site whose Lagrangian bound exceeds it is in none of the first N + 1 plans.
//! One master program over the survivors is then solved again and again, each time
//! with a no-good row forbidding the plan just ranked; it keeps its Benders cuts and
//! clique rows from round to round. Each round's proof makes its plan the cheapest
//! of those not yet listed. The round after the N-th tells the next plan's cost, which
//! decides ties (equal cost, within the tolerance, ranks by the sorted ids) and whether
//! a `within` list was cut by its cap.
//!
//! # Regret
//! The best plan without a chosen site, or with a candidate forced in, is read off the
//! ranking when it is there (the ranking is exact: every cheaper plan is listed and
//! contains the site, or lacks it). Otherwise it is proven by the engine on the problem
//! with that site forbidden or forced, starting from the Lagrangian of the full problem
//! (its bounds stay valid on a more constrained problem) and from the best swap of the
//! optimum that meets the new condition.

use super::bounds::{self, Lagrangian};
use super::master::{End, Master};
use super::{Engine, Incumbent};
use crate::deadline::Deadline;
use crate::error::Result;
use crate::model::{Plan, Problem};
use crate::progress::Progress;
use crate::solve::{Outcome, SolveOptions, Status};

/// What to compute beyond the optimum.
#[derive(Debug, Clone, Default)]
pub struct Decisions {
    /// How many best plans to list (1: only the optimum).
    pub alternatives: usize,
    /// List the plans within this percentage of the optimum instead (capped by
    /// `alternatives`).
    pub within_pct: Option<f64>,
    /// Compute the regret of every chosen site and of the cheapest candidates.
    pub regret: bool,
    /// How many of the cheapest candidates not chosen get a regret.
    pub regret_candidates: usize,
}

impl Decisions {
    pub fn any(&self) -> bool {
        self.alternatives > 1 || self.within_pct.is_some() || self.regret
    }
}

/// One ranked plan.
#[derive(Debug, Clone)]
pub struct RankedPlan {
    pub rank: usize,
    /// Problem positions, ascending.
    pub open: Vec<usize>,
    pub cost: f64,
    pub plan: Plan,
}

impl RankedPlan {
    /// A plan of cost `cost` at `rank`; its open sites, ascending, taken from the plan.
    pub fn new(rank: usize, cost: f64, plan: Plan) -> RankedPlan {
        let mut open: Vec<usize> = plan.open.iter().map(|o| o.site).collect();
        open.sort_unstable();
        RankedPlan {
            rank,
            open,
            cost,
            plan,
        }
    }
}

/// The best plans, in rank order.
#[derive(Debug, Clone)]
pub struct Ranking {
    pub plans: Vec<RankedPlan>,
    /// Optimal when every listed plan is proven; TimeLimit when the deadline cut the
    /// list short (the plans listed are proven all the same).
    pub status: Status,
    /// With `within_pct`: more plans lie within it than the cap allowed.
    pub cut_by_cap: bool,
    /// The cost of the best plan after the list, when it was proven.
    pub next_cost: Option<f64>,
    /// A proven bound on every plan not listed (infinite: no other plan exists).
    pub next_bound: Option<f64>,
}

/// The regret of one site.
#[derive(Debug, Clone)]
pub struct Regret {
    /// Problem position of the site.
    pub site: usize,
    /// Whether the optimum contains it (regret of dropping it) or not (of forcing it).
    pub chosen: bool,
    /// Status of the best plan under the condition.
    pub status: Status,
    /// That plan (None when infeasible or not found in time).
    pub best: Option<RankedPlan>,
    /// Its cost minus the optimum (proven when `status` is optimal, an upper bound
    /// otherwise); None when no plan meets the condition (infinite) or none was found
    /// in time.
    pub regret_eur: Option<f64>,
}

/// Everything decided for a run.
#[derive(Debug, Clone, Default)]
pub struct Decided {
    pub ranking: Option<Ranking>,
    pub regret: Option<Vec<Regret>>,
}

/// Solves `problem` and then lists its best plans and regrets as `d` asks.
pub fn decide(
    problem: &Problem,
    opts: &SolveOptions,
    deadline: Deadline,
    progress: &dyn Progress,
    d: &Decisions,
) -> Result<(Outcome, Decided)> {
    let eng = Engine::new(problem, deadline, opts.mip_gap);
    let (outcome, lag) = super::search_keeping(&eng, opts, progress, true)?;
    let (Some(lag), Some(plan), Some(cost)) = (lag, &outcome.plan, outcome.objective_eur) else {
        return Ok((outcome, Decided::default()));
    };
    if outcome.status != Status::Optimal {
        // Ranks and regrets are defined from a proven optimum.
        return Ok((outcome, Decided::default()));
    }
    let optimum = RankedPlan::new(1, cost, plan.clone());
    let swaps = Swaps::around(&eng, &optimum.open, &lag.rho);
    let want = d.alternatives.max(1);
    let ranking = if want > 1 || d.within_pct.is_some() {
        progress.search("ranking the best plans", Some(cost), None);
        Some(rank(
            &eng,
            &lag,
            &optimum,
            &swaps,
            want,
            d.within_pct,
            opts,
            progress,
        )?)
    } else {
        None
    };
    let regret = if d.regret {
        let r = Regrets {
            eng: &eng,
            lag: &lag,
            optimum: &optimum,
            swaps: &swaps,
            ranking: ranking.as_ref(),
            opts,
            progress,
        };
        Some(r.all(d.regret_candidates)?)
    } else {
        None
    };
    Ok((outcome, Decided { ranking, regret }))
}

/// The feasible plans one swap away from the optimum, evaluated with stand-alone grid
/// connections (an upper bound of each plan's cost).
struct Swaps {
    /// (plan, cost, site out, site in), ascending by cost then plan.
    plans: Vec<(Vec<usize>, f64, usize, usize)>,
}

impl Swaps {
    /// Sites tried in: the usable sites of least ρ, at most this many.
    const IN_SITES: usize = 2000;

    fn around(eng: &Engine, open: &[usize], rho: &[f64]) -> Swaps {
        let order = bounds::order_by(eng, rho);
        let mut plans = Vec::new();
        for &t in order
            .iter()
            .filter(|s| !open.contains(s))
            .take(Self::IN_SITES)
        {
            if eng.deadline.passed() {
                break;
            }
            for (pos, &out) in open.iter().enumerate() {
                let mut next = open.to_vec();
                next[pos] = t;
                if let Some(cost) = eng.evaluate(&next) {
                    next.sort_unstable();
                    plans.push((next, cost, out, t));
                }
            }
        }
        plans.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        Swaps { plans }
    }

    /// The cheapest swap meeting `keep`, as an incumbent of `eng`'s problem.
    fn best(
        &self,
        eng: &Engine,
        keep: impl Fn(&[usize], usize, usize) -> bool,
    ) -> Option<Incumbent> {
        self.plans
            .iter()
            .find(|(open, _, out, t)| keep(open, *out, *t) && eng.evaluate(open).is_some())
            .map(|(open, cost, _, _)| Incumbent {
                open: open.clone(),
                cost: *cost,
                plan: eng.standalone_plan(open),
            })
    }
}

/// The ranking loop (see the module's docs).
#[allow(clippy::too_many_arguments)]
fn rank(
    eng: &Engine,
    lag: &Lagrangian,
    optimum: &RankedPlan,
    swaps: &Swaps,
    want: usize,
    within_pct: Option<f64>,
    opts: &SolveOptions,
    progress: &dyn Progress,
) -> Result<Ranking> {
    let threshold = within_pct.map(|pct| optimum.cost + optimum.cost.abs() * pct / 100.0);
    // An upper bound on the (want + 1)-th best plan: the want-th cheapest swap (the
    // optimum is one more plan), or the threshold when that is lower.
    let known = swaps.plans.get(want - 1).map_or(f64::INFINITY, |p| p.1);
    let upper = threshold.map_or(known, |t| known.min(t));
    let (survivors, eliminated_floor) = bounds::eliminate(eng, lag, upper);
    let start = Incumbent {
        open: optimum.open.clone(),
        cost: optimum.cost,
        plan: optimum.plan.clone(),
    };
    let mut master = Master::new(eng, &survivors, &lag.lambda, &lag.rho, Some(&start));
    let mut plans = vec![optimum.clone()];
    master.exclude_plan(&optimum.open);
    let mut out = Ranking {
        plans: Vec::new(),
        status: Status::Optimal,
        cut_by_cap: false,
        next_cost: None,
        next_bound: None,
    };
    loop {
        let mut best = swaps.best(eng, |open, _, _| plans.iter().all(|p| p.open != open));
        let end = master.run(opts, &mut best, progress)?;
        let next = match (end, best) {
            (End::Stopped, _) => {
                out.status = Status::TimeLimit;
                out.next_bound = Some(master.lower.min(eliminated_floor)).filter(|b| b.is_finite());
                break;
            }
            (End::Infeasible, _) | (End::Closed, None) => {
                // No other plan over the survivors: the rest use an eliminated site.
                out.next_bound = Some(eliminated_floor);
                break;
            }
            (End::Closed, Some(b)) => b,
        };
        // Proven only when no plan through an eliminated site can be cheaper.
        if next.cost > eliminated_floor + eng.tol(eliminated_floor) {
            out.next_bound = Some(eliminated_floor);
            break;
        }
        let beyond = threshold.is_some_and(|t| next.cost > t + eng.tol(t));
        if plans.len() >= want || beyond {
            out.next_cost = Some(next.cost);
            out.next_bound = Some(next.cost);
            out.cut_by_cap = !beyond && threshold.is_some();
            // A tie with the last listed plan ranks by the sorted ids.
            let last = plans.last_mut().expect("the optimum is listed");
            let next = RankedPlan::new(last.rank, next.cost, next.plan);
            if (next.cost - last.cost).abs() <= eng.tol(last.cost) && next.open < last.open {
                *last = next;
            }
            break;
        }
        master.exclude_plan(&next.open);
        progress.search(
            &format!("plan {} ranked", plans.len() + 1),
            Some(next.cost),
            None,
        );
        plans.push(RankedPlan::new(plans.len() + 1, next.cost, next.plan));
    }
    order_ties(&mut plans, eng);
    out.plans = plans;
    Ok(out)
}

/// Plans of equal cost (within the tolerance) in the order of their sorted ids, then
/// ranks from 1.
fn order_ties(plans: &mut [RankedPlan], eng: &Engine) {
    for i in 1..plans.len() {
        let mut j = i;
        while j > 0
            && (plans[j].cost - plans[j - 1].cost).abs() <= eng.tol(plans[j].cost)
            && plans[j].open < plans[j - 1].open
        {
            plans.swap(j, j - 1);
            j -= 1;
        }
    }
    for (r, p) in plans.iter_mut().enumerate() {
        p.rank = r + 1;
    }
}

/// The regret computations of one run.
struct Regrets<'a> {
    eng: &'a Engine<'a>,
    lag: &'a Lagrangian,
    optimum: &'a RankedPlan,
    swaps: &'a Swaps,
    ranking: Option<&'a Ranking>,
    opts: &'a SolveOptions,
    progress: &'a dyn Progress,
}

impl Regrets<'_> {
    /// Every chosen site, then the `candidates` cheapest sites not chosen (by their
    /// cost alone, fixed plus stand-alone grid, ties by id).
    fn all(&self, candidates: usize) -> Result<Vec<Regret>> {
        let eng = self.eng;
        let mut out = Vec::new();
        for &s in &self.optimum.open {
            out.push(self.one(s, true)?);
        }
        let mut others: Vec<usize> = eng
            .usable
            .iter()
            .copied()
            .filter(|s| !self.optimum.open.contains(s))
            .collect();
        others.sort_by(|&a, &b| {
            eng.floor[a]
                .total_cmp(&eng.floor[b])
                .then_with(|| eng.p.sites[a].id.cmp(&eng.p.sites[b].id))
        });
        for &s in others.iter().take(candidates) {
            out.push(self.one(s, false)?);
        }
        Ok(out)
    }

    /// The best plan without `site` (chosen) or with it forced in (not chosen).
    fn one(&self, site: usize, chosen: bool) -> Result<Regret> {
        let meets = |open: &[usize]| open.contains(&site) != chosen;
        let from_ranking = self
            .ranking
            .and_then(|r| r.plans.iter().find(|p| meets(&p.open)).cloned());
        let (status, best) = match from_ranking {
            Some(p) => (Status::Optimal, Some(p)),
            None => self.solve(site, chosen)?,
        };
        let regret_eur = best.as_ref().map(|b| (b.cost - self.optimum.cost).max(0.0));
        Ok(Regret {
            site,
            chosen,
            status,
            best,
            regret_eur,
        })
    }

    /// Proves the best plan of the problem with `site` forbidden or forced.
    fn solve(&self, site: usize, chosen: bool) -> Result<(Status, Option<RankedPlan>)> {
        let mut q = self.eng.p.clone();
        if chosen {
            q.forbidden.push(site);
            q.forbidden.sort_unstable();
        } else if !q.forced.contains(&site) {
            q.forced.push(site);
            q.forced.sort_unstable();
        }
        let eng = Engine::new(&q, self.eng.deadline, self.opts.mip_gap);
        if super::forced_infeasible(&eng).is_some() {
            return Ok((Status::Infeasible, None));
        }
        let best = self.swaps.best(&eng, |open, out, t| {
            if chosen {
                out == site && !open.contains(&site)
            } else {
                t == site
            }
        });
        let red = super::first_reductions(&eng);
        let o = super::prove(&eng, self.lag, best, red, self.opts, self.progress, false)?;
        let plan = o
            .plan
            .map(|plan| RankedPlan::new(0, o.objective_eur.expect("a plan has a cost"), plan));
        Ok((o.status, plan))
    }
}
