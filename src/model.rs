//! The optimization problem as plain numbers: eligible sites with their fixed costs
//! and grid options, demand points with the sites that may serve them, and the
//! scenario's limits. The search over it is [`crate::engine`]; this module also checks
//! and prices a plan against MODEL.md's program directly ([`Problem::violation`],
//! [`Problem::objective_eur`]), which is how every answer is verified.

use std::collections::BTreeMap;

use crate::candidates::{standalone_grid, Candidates, GridOption};
use crate::error::{Error, Result};
use crate::geodesy::Unit;
use crate::scenario::Scenario;

/// One eligible candidate, as numbers.
#[derive(Debug, Clone)]
pub struct Site {
    pub id: String,
    /// L + F + E + K + capex, EUR.
    pub fixed_eur: f64,
    /// P_i, MW: what its lines must deliver.
    pub power_mw: f64,
    pub options: Vec<GridOption>,
    /// Its cheapest connection on its own: (option positions, EUR); None if it has none.
    pub standalone: Option<(Vec<usize>, f64)>,
    pub country: Option<usize>,
    pub unit: Unit,
}

impl Site {
    /// A lower bound of the site's cost in any solution: fixed + stand-alone grid.
    pub fn floor_eur(&self) -> f64 {
        self.fixed_eur + self.standalone.as_ref().map_or(f64::INFINITY, |s| s.1)
    }
}

/// A demand point: weight and the sites (positions in `Problem::sites`) that may serve it.
#[derive(Debug, Clone)]
pub struct DemandReach {
    pub id: String,
    pub weight: f64,
    pub reach: Vec<(usize, f64)>,
}

/// The optimization problem: eligible sites and the scenario's limits, no geometry
/// beyond unit vectors for the separation rule.
#[derive(Debug, Clone)]
pub struct Problem {
    pub k: usize,
    pub max_lines: usize,
    pub separation_km: Option<f64>,
    pub max_connection_km: f64,
    pub max_per_country: Option<usize>,
    pub countries: Vec<String>,
    pub eur_per_ms: f64,
    pub demand_limit_ms: Option<f64>,
    pub sites: Vec<Site>,
    pub headroom_mw: Vec<f64>,
    pub demand: Vec<DemandReach>,
    /// Sites that every plan must contain (positions in `sites`), ascending.
    pub forced: Vec<usize>,
    /// Sites no plan may contain (positions in `sites`), ascending: how regret drops a
    /// chosen site (`sites.exclude` acts earlier, as an eligibility rule).
    pub forbidden: Vec<usize>,
    /// Ids of `sites.include` that are not eligible, each with the rules it fails: the
    /// scenario is infeasible when there is any.
    pub include_failures: Vec<String>,
}

impl Problem {
    /// The problem over the eligible candidates of `c`, in their order. Fails when
    /// `sites.max_per_country` is set and an eligible candidate has no country.
    pub fn new(scenario: &Scenario, c: &Candidates, headroom_mw: Vec<f64>) -> Result<Problem> {
        if scenario.sites.max_per_country.is_some() {
            if let Some(&i) = c.eligible.iter().find(|&&i| c.all[i].country.is_none()) {
                return Err(Error::Data {
                    message: format!(
                        "sites.max_per_country is set but eligible candidate {:?} has no country: \
                         give it a `country` property, or its price zone one",
                        c.all[i].id
                    ),
                });
            }
        }
        let (forced, include_failures) = include_exclude(scenario, c)?;
        let limit = scenario.latency.max_rtt_ms_to_demand;
        let max_lines = scenario.power.max_lines_per_site as usize;
        let mut countries: Vec<String> = c
            .eligible
            .iter()
            .filter_map(|&i| c.all[i].country.clone())
            .collect();
        countries.sort();
        countries.dedup();
        let sites = c
            .eligible
            .iter()
            .map(|&i| {
                let cand = &c.all[i];
                Site {
                    id: cand.id.clone(),
                    fixed_eur: cand.site_cost_eur() + scenario.facility.capex_eur,
                    power_mw: cand.power_mw,
                    standalone: standalone_grid(&cand.grid_options, cand.power_mw, max_lines),
                    options: cand.grid_options.clone(),
                    country: cand
                        .country
                        .as_ref()
                        .map(|k| countries.binary_search(k).expect("country listed")),
                    unit: cand.unit,
                }
            })
            .collect();
        Ok(Problem {
            k: scenario.sites.count as usize,
            max_lines,
            separation_km: scenario.sites.min_separation_km,
            max_connection_km: scenario.power.max_connection_km,
            max_per_country: scenario.sites.max_per_country.map(|m| m as usize),
            countries,
            eur_per_ms: scenario.latency.eur_per_ms,
            demand_limit_ms: scenario.latency.max_rtt_ms_to_demand,
            sites,
            headroom_mw,
            demand: c
                .demand
                .iter()
                .map(|d| DemandReach {
                    id: d.id.clone(),
                    weight: d.weight,
                    reach: d
                        .reach
                        .iter()
                        .copied()
                        .filter(|&(_, rtt)| limit.is_none_or(|l| rtt <= l))
                        .collect(),
                })
                .collect(),
            forced,
            forbidden: Vec::new(),
            include_failures,
        })
    }

    /// Whether sites i and l are too close to both be open.
    pub fn conflict(&self, i: usize, l: usize) -> bool {
        match self.separation_km {
            Some(d) => crate::geodesy::unit_km(self.sites[i].unit, self.sites[l].unit) < d,
            None => false,
        }
    }

    /// True when the separation rule alone stops two sites from sharing a substation.
    pub fn separation_forbids_sharing(&self) -> bool {
        crate::candidates::sharing_forbidden(self.separation_km, self.max_connection_km)
    }

    /// Whether the demand latency cost term is present.
    pub fn has_latency_cost(&self) -> bool {
        self.eur_per_ms > 0.0 && self.demand.iter().any(|d| d.weight > 0.0)
    }
}

/// Checks `sites.include` and `sites.exclude` against the land layer (an unknown id is
/// an error) and returns the positions of the included sites among the eligible ones,
/// ascending, and a sentence per included id that is not eligible.
fn include_exclude(scenario: &Scenario, c: &Candidates) -> Result<(Vec<usize>, Vec<String>)> {
    let sites = &scenario.sites;
    if sites.include.is_empty() && sites.exclude.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let by_id: std::collections::HashMap<&str, usize> = c
        .all
        .iter()
        .enumerate()
        .map(|(i, cand)| (cand.id.as_str(), i))
        .collect();
    for (key, ids) in [("include", &sites.include), ("exclude", &sites.exclude)] {
        if let Some(id) = ids.iter().find(|id| !by_id.contains_key(id.as_str())) {
            return Err(Error::scenario(
                &scenario.path,
                format!(
                    "`sites.{key}` names {}, which no land feature has as its id ({})",
                    crate::error::clip(id),
                    scenario.layers.land.display()
                ),
            ));
        }
    }
    let mut forced = Vec::new();
    let mut failures = Vec::new();
    for id in &sites.include {
        let i = by_id[id.as_str()];
        match c.eligible.binary_search(&i) {
            Ok(pos) => forced.push(pos),
            Err(_) => {
                let rules: Vec<String> = c.all[i]
                    .failing
                    .iter()
                    .map(|r| format!("{} ({})", r.name(), r.describe(scenario)))
                    .collect();
                failures.push(format!(
                    "sites.include names {}, which is not eligible: {}",
                    crate::error::clip(id),
                    rules.join("; ")
                ));
            }
        }
    }
    forced.sort_unstable();
    Ok((forced, failures))
}

/// A chosen site and the lines that power it.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenSite {
    /// Position in `Problem::sites`.
    pub site: usize,
    /// (option position, MW drawn) per built line.
    pub lines: Vec<(usize, f64)>,
}

/// A complete answer: open sites and the cost of the latency term.
#[derive(Debug, Clone)]
pub struct Plan {
    pub open: Vec<OpenSite>,
    /// Per demand point: (serving site position, RTT ms).
    pub assignment: Vec<Option<(usize, f64)>>,
}

impl Problem {
    /// Grid cost of an open site's built lines.
    pub fn grid_eur(&self, o: &OpenSite) -> f64 {
        o.lines
            .iter()
            .map(|&(k, _)| self.sites[o.site].options[k].cost_eur)
            .sum()
    }

    /// Assigns every demand point to its nearest open site (ties by site id).
    pub fn assign(&self, open: &[usize]) -> Vec<Option<(usize, f64)>> {
        let mut is_open = vec![false; self.sites.len()];
        for &s in open {
            is_open[s] = true;
        }
        self.demand
            .iter()
            .map(|d| {
                d.reach
                    .iter()
                    .filter(|(s, _)| is_open[*s])
                    .min_by(|a, b| {
                        a.1.total_cmp(&b.1)
                            .then_with(|| self.sites[a.0].id.cmp(&self.sites[b.0].id))
                    })
                    .copied()
            })
            .collect()
    }

    /// Latency cost term of an assignment, EUR.
    pub fn latency_eur(&self, assignment: &[Option<(usize, f64)>]) -> f64 {
        if self.eur_per_ms <= 0.0 {
            return 0.0;
        }
        self.demand
            .iter()
            .zip(assignment)
            .map(|(d, a)| a.map_or(0.0, |(_, rtt)| self.eur_per_ms * d.weight * rtt))
            .sum()
    }

    /// The objective of a plan, recomputed from the inputs.
    pub fn objective_eur(&self, plan: &Plan) -> f64 {
        plan.open
            .iter()
            .map(|o| self.sites[o.site].fixed_eur + self.grid_eur(o))
            .sum::<f64>()
            + self.latency_eur(&plan.assignment)
    }

    /// Checks a plan against every constraint of MODEL.md; the first violation, if any.
    pub fn violation(&self, plan: &Plan) -> Option<String> {
        const TOL: f64 = 1e-6;
        if let Some(&f) = self
            .forced
            .iter()
            .find(|&&f| plan.open.iter().all(|o| o.site != f))
        {
            return Some(format!("forced site {} is not open", self.sites[f].id));
        }
        if let Some(o) = plan.open.iter().find(|o| self.forbidden.contains(&o.site)) {
            return Some(format!("forbidden site {} is open", self.sites[o.site].id));
        }
        if plan.open.len() != self.k {
            return Some(format!(
                "{} sites open, {} required",
                plan.open.len(),
                self.k
            ));
        }
        let mut drawn = BTreeMap::<usize, f64>::new();
        for o in &plan.open {
            let site = &self.sites[o.site];
            if o.lines.len() > self.max_lines {
                return Some(format!("site {} has {} lines", site.id, o.lines.len()));
            }
            let mut total = 0.0;
            for &(k, mw) in &o.lines {
                let opt = &site.options[k];
                if mw > opt.cap_mw + TOL || mw < -TOL {
                    return Some(format!(
                        "site {} draws {mw} MW over a {} MW line",
                        site.id, opt.cap_mw
                    ));
                }
                *drawn.entry(opt.substation).or_default() += mw;
                total += mw;
            }
            if (total - site.power_mw).abs() > TOL * site.power_mw.max(1.0) {
                return Some(format!(
                    "site {} draws {total} MW, needs {}",
                    site.id, site.power_mw
                ));
            }
        }
        for (s, mw) in drawn {
            if mw > self.headroom_mw[s] + TOL {
                return Some(format!(
                    "substation {s} gives {mw} MW over its {} MW headroom",
                    self.headroom_mw[s]
                ));
            }
        }
        for (a, oa) in plan.open.iter().enumerate() {
            for ob in &plan.open[a + 1..] {
                if oa.site == ob.site {
                    return Some(format!("site {} opened twice", self.sites[oa.site].id));
                }
                if self.conflict(oa.site, ob.site) {
                    return Some(format!(
                        "sites {} and {} are closer than the separation",
                        self.sites[oa.site].id, self.sites[ob.site].id
                    ));
                }
            }
        }
        if let Some(m) = self.max_per_country {
            let mut per = BTreeMap::<usize, usize>::new();
            for o in &plan.open {
                if let Some(c) = self.sites[o.site].country {
                    *per.entry(c).or_default() += 1;
                }
            }
            if let Some((c, n)) = per.into_iter().find(|&(_, n)| n > m) {
                return Some(format!("{n} sites in {}", self.countries[c]));
            }
        }
        if self.demand_limit_ms.is_some() || self.has_latency_cost() {
            let open: Vec<usize> = plan.open.iter().map(|o| o.site).collect();
            for (d, a) in self.demand.iter().zip(self.assign(&open)) {
                if a.is_none() {
                    return Some(format!("demand point {} is not served", d.id));
                }
            }
        }
        None
    }
}

/// Splits `power_mw` over the chosen lines: nearest first, each up to its capacity.
pub fn fill_lines(options: &[GridOption], set: &[usize], power_mw: f64) -> Vec<(usize, f64)> {
    let mut order = set.to_vec();
    order.sort_by(|&a, &b| options[a].km.total_cmp(&options[b].km).then(a.cmp(&b)));
    let mut left = power_mw;
    let mut lines: Vec<(usize, f64)> = order
        .into_iter()
        .map(|k| {
            let mw = options[k].cap_mw.min(left).max(0.0);
            left -= mw;
            (k, mw)
        })
        .collect();
    lines.sort_by_key(|l| l.0);
    lines
}

/// Sizes of the program solved and the work of the search, for the summary.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct MilpStats {
    /// Sites in the master program.
    pub sites: usize,
    /// Variables and rows of its last round.
    pub variables: usize,
    pub rows: usize,
    pub contested_sites: usize,
    pub binding_substations: usize,
    /// Separation rows at the end: cell cliques plus lazy cliques.
    pub clique_rows: usize,
    pub cell_clique_rows: usize,
    pub lazy_clique_rows: usize,
    /// Benders cuts on the allocation cost.
    pub benders_cuts: usize,
    /// Rounds of the master's solve-and-cut loop.
    pub master_rounds: usize,
    /// Rounds of the master's linear relaxation (cuts at fractional points).
    pub relaxation_rounds: usize,
    /// The Lagrangian bound, EUR.
    pub lagrangian_bound_eur: Option<f64>,
    /// Subgradient iterations.
    pub lagrangian_iterations: usize,
    /// Nodes of the Lagrangian branch and bound over the survivors (0: not used).
    pub branch_nodes: usize,
    /// What closed the gap: `lagrangian` (the root bound alone), `branch_and_bound`,
    /// `master`, or `branch_and_bound_then_master` (the tree ran out of nodes).
    pub method: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_lines_uses_nearest_capacity_first() {
        let o = |s, km, cap| GridOption {
            substation: s,
            km,
            cost_eur: km,
            cap_mw: cap,
        };
        let options = [o(0, 10.0, 100.0), o(1, 5.0, 120.0)];
        assert_eq!(
            fill_lines(&options, &[0, 1], 180.0),
            vec![(0, 60.0), (1, 120.0)]
        );
    }
}
