//! Naming the rules that make a program infeasible: each limit is dropped in turn and
//! the rest solved again (under the same deadline); a limit without which a plan
//! exists is one the plan cannot meet together with the others.

use crate::deadline::Deadline;
use crate::model::Problem;
use crate::progress::Silent;
use crate::solve::{SolveOptions, Status};

/// One limit of the scenario that can be dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    Separation,
    CountryCap,
    DemandCoverage,
    Forced,
}

impl Limit {
    fn present(self, p: &Problem) -> bool {
        match self {
            Limit::Separation => p.separation_km.is_some_and(|d| d > 0.0),
            Limit::CountryCap => p.max_per_country.is_some(),
            Limit::DemandCoverage => p.demand_limit_ms.is_some(),
            Limit::Forced => !p.forced.is_empty(),
        }
    }

    fn name(self, p: &Problem) -> String {
        match self {
            Limit::Separation => format!(
                "sites.min_separation_km = {}",
                p.separation_km.unwrap_or_default()
            ),
            Limit::CountryCap => format!(
                "sites.max_per_country = {}",
                p.max_per_country.unwrap_or_default()
            ),
            Limit::DemandCoverage => format!(
                "latency.max_rtt_ms_to_demand = {}",
                p.demand_limit_ms.unwrap_or_default()
            ),
            Limit::Forced => {
                let ids: Vec<&str> = p.forced.iter().map(|&f| p.sites[f].id.as_str()).collect();
                format!("sites.include = [{}]", ids.join(", "))
            }
        }
    }

    fn drop_from(self, p: &Problem) -> Problem {
        let mut q = p.clone();
        match self {
            Limit::Separation => q.separation_km = None,
            Limit::CountryCap => q.max_per_country = None,
            Limit::DemandCoverage => {
                // Without the limit every site with a path may serve, as without the key.
                q.demand_limit_ms = None;
            }
            Limit::Forced => q.forced.clear(),
        }
        q
    }
}

/// Sentences naming the limits that cannot hold together, for an infeasible problem.
/// With a latency cost the demand limit is not dropped: the sites beyond it were left
/// out of each point's reach before the search, so that test would be unsound.
pub fn explain(p: &Problem, opts: &SolveOptions, deadline: Deadline) -> Vec<String> {
    let k = p.k;
    let limits: Vec<Limit> = [
        Limit::Separation,
        Limit::CountryCap,
        Limit::DemandCoverage,
        Limit::Forced,
    ]
    .into_iter()
    .filter(|l| l.present(p))
    .collect();
    let feasible_without = |l: Limit| -> Option<bool> {
        if deadline.passed() {
            return None;
        }
        if l == Limit::DemandCoverage && p.has_latency_cost() {
            return None;
        }
        let q = l.drop_from(p);
        let o = crate::engine::search(&q, opts, deadline, &Silent, false).ok()?;
        match o.status {
            Status::Optimal | Status::TimeLimit => Some(true),
            Status::Infeasible => Some(false),
            Status::NoSolution => None,
        }
    };
    let mut blamed = Vec::new();
    let mut unknown = Vec::new();
    for &l in &limits {
        match feasible_without(l) {
            Some(true) => blamed.push(l),
            Some(false) => {}
            None => unknown.push(l),
        }
    }
    let names = |ls: &[Limit]| ls.iter().map(|l| l.name(p)).collect::<Vec<_>>().join(", ");
    let mut out = Vec::new();
    for &l in &blamed {
        out.push(format!(
            "{} cannot hold together with the other limits: without it a plan of {k} sites exists",
            l.name(p)
        ));
    }
    if blamed.is_empty() {
        if limits.is_empty() {
            out.push(format!(
                "no choice of {k} eligible candidates can be powered together within the substations' headroom"
            ));
        } else if unknown.is_empty() {
            out.push(format!(
                "no single limit is to blame: dropping any one of {} still leaves no plan of {k} sites",
                names(&limits)
            ));
        } else {
            out.push(format!(
                "no choice of {k} eligible candidates meets all the limits together (the time limit stopped the search for the cause among {})",
                names(&unknown)
            ));
        }
    }
    out
}
