//! The mixed-integer program of MODEL.md, built with good_lp from plain numbers.
//!
//! # Formulation
//! For the sites S that survive the exact reductions (see [`crate::solve`]):
//!
//! ```text
//! minimize   Σ_i x_i (L_i + F_i + E_i + capex + g_i·[i uncontested])
//!          + Σ_is C_is z_is                               (contested sites only)
//!          + eur_per_ms Σ_j w_j Σ_i RTT_ij y_ij           (only when eur_per_ms > 0)
//! s.t.       Σ_i x_i = k
//!            Σ_s p_is = P x_i,  p_is <= min(h_s, P) z_is,  z_is <= x_i,
//!            Σ_s z_is <= max_lines · x_i                   (contested sites)
//!            Σ_i p_is <= h_s                               (binding substations)
//!            Σ_{i in Q} x_i <= 1   for every clique Q of a clique cover of the
//!                                  separation conflict graph
//!            Σ_{i in c} x_i <= max_per_country             (countries with more sites)
//!            Σ_{i: RTT_ij <= limit} x_i >= 1               (every demand point j)
//!            Σ_i y_ij = 1,  y_ij <= x_i                    (every demand point j)
//! ```
//!
//! Why this equals MODEL.md's program:
//! - A substation is *binding* only when the sites that can reach it could, together,
//!   draw more than its headroom: at least two of them can be open at once (they do not
//!   all conflict: two sites sharing a substation are within 2 × max_connection_km of
//!   each other, so a larger separation forbids sharing) and headroom < min(k, users) × P.
//!   A site whose every option is non-binding can draw from them freely, so its
//!   cheapest stand-alone connection g_i is optimal whatever else is open, and its
//!   z/p variables are replaced by that constant.
//! - Every conflicting pair lies in some clique of the cover, so the clique rows imply
//!   every pairwise row; each clique row is implied by the pairwise rows (at most one
//!   site of a clique can be open). Same integer solutions, a stronger relaxation, far
//!   fewer rows.
//! - y is only created for candidates that may serve j (within the demand RTT limit,
//!   when set): an optimal y assigns each demand point to its nearest open site, which
//!   the coverage row guarantees is within the limit.

use std::collections::{BTreeMap, HashSet};

use good_lp::{variable, Constraint, Expression, ProblemVariables, Variable};

use crate::candidates::{standalone_grid, Candidates, GridOption};
use crate::error::{Error, Result};
use crate::geodesy::Unit;
use crate::index::pairs_closer_than;
use crate::scenario::Scenario;

/// One eligible candidate, as numbers.
#[derive(Debug, Clone)]
pub struct Site {
    pub id: String,
    /// L + F + E + capex, EUR.
    pub fixed_eur: f64,
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
    pub power_mw: f64,
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
        let limit = scenario.latency.max_rtt_ms_to_demand;
        let power_mw = scenario.facility.power_mw();
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
                    standalone: standalone_grid(&cand.grid_options, power_mw, max_lines),
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
            power_mw,
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
        self.separation_km
            .is_some_and(|d| d > 2.0 * self.max_connection_km + 1e-6)
    }

    /// Whether the demand latency cost term is present.
    pub fn has_latency_cost(&self) -> bool {
        self.eur_per_ms > 0.0 && self.demand.iter().any(|d| d.weight > 0.0)
    }
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
        let is_open: HashSet<usize> = open.iter().copied().collect();
        self.demand
            .iter()
            .map(|d| {
                d.reach
                    .iter()
                    .filter(|(s, _)| is_open.contains(s))
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
            if (total - self.power_mw).abs() > TOL * self.power_mw.max(1.0) {
                return Some(format!(
                    "site {} draws {total} MW, needs {}",
                    site.id, self.power_mw
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

    /// A plan that opens `sites` with their stand-alone connections, if those are
    /// jointly feasible (no substation over its headroom).
    pub fn standalone_plan(&self, sites: &[usize]) -> Option<Plan> {
        let open: Vec<OpenSite> = sites
            .iter()
            .map(|&s| {
                let (set, _) = self.sites[s].standalone.as_ref()?;
                Some(OpenSite {
                    site: s,
                    lines: fill_lines(&self.sites[s].options, set, self.power_mw),
                })
            })
            .collect::<Option<_>>()?;
        let mut sorted: Vec<usize> = sites.to_vec();
        sorted.sort_unstable();
        let plan = Plan {
            assignment: self.assign(&sorted),
            open,
        };
        self.violation(&plan).is_none().then_some(plan)
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

/// A built program: good_lp variables, objective and rows, plus the map back.
pub struct Milp {
    pub vars: ProblemVariables,
    pub objective: Expression,
    pub constraints: Vec<Constraint>,
    pub map: VarMap,
}

/// Which variable is what, to read a plan back from a solution.
pub struct VarMap {
    /// The sites of the program (positions in `Problem::sites`), and their x.
    pub sites: Vec<usize>,
    pub x: Vec<Variable>,
    /// Per program site: (option position, z, p) for contested sites; empty otherwise.
    pub lines: Vec<Vec<(usize, Variable, Variable)>>,
    /// Per demand point: (site position, y).
    pub y: Vec<Vec<(usize, Variable)>>,
    pub stats: MilpStats,
}

/// Sizes of a built program, for the summary.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct MilpStats {
    pub sites: usize,
    pub variables: usize,
    pub rows: usize,
    pub contested_sites: usize,
    pub binding_substations: usize,
    pub conflict_pairs: usize,
    pub clique_rows: usize,
}

impl VarMap {
    /// Reads a plan from variable values (`value(v)`).
    pub fn plan(&self, problem: &Problem, value: impl Fn(Variable) -> f64) -> Plan {
        let mut open = Vec::new();
        for (pos, &s) in self.sites.iter().enumerate() {
            if value(self.x[pos]) < 0.5 {
                continue;
            }
            let lines = if self.lines[pos].is_empty() {
                let (set, _) = problem.sites[s]
                    .standalone
                    .as_ref()
                    .expect("uncontested sites have one");
                fill_lines(&problem.sites[s].options, set, problem.power_mw)
            } else {
                self.lines[pos]
                    .iter()
                    .filter(|(_, z, _)| value(*z) > 0.5)
                    .map(|&(k, _, p)| (k, value(p).max(0.0)))
                    .collect()
            };
            open.push(OpenSite { site: s, lines });
        }
        let mut ids: Vec<usize> = open.iter().map(|o| o.site).collect();
        ids.sort_unstable();
        Plan {
            assignment: problem.assign(&ids),
            open,
        }
    }

    /// Values of every variable for a plan, as a warm start.
    pub fn values_of(&self, plan: &Plan) -> Vec<(Variable, f64)> {
        let mut out = Vec::new();
        let open: BTreeMap<usize, &OpenSite> = plan.open.iter().map(|o| (o.site, o)).collect();
        for (pos, &s) in self.sites.iter().enumerate() {
            let o = open.get(&s);
            out.push((self.x[pos], f64::from(u8::from(o.is_some()))));
            for &(k, z, p) in &self.lines[pos] {
                let mw = o
                    .and_then(|o| o.lines.iter().find(|l| l.0 == k))
                    .map(|l| l.1);
                out.push((z, f64::from(u8::from(mw.is_some()))));
                out.push((p, mw.unwrap_or(0.0)));
            }
        }
        for (j, ys) in self.y.iter().enumerate() {
            let served = plan.assignment.get(j).copied().flatten().map(|a| a.0);
            for &(s, y) in ys {
                out.push((y, f64::from(u8::from(served == Some(s)))));
            }
        }
        out
    }
}

/// Builds the program over `subset` (positions in `problem.sites`, each with a
/// stand-alone connection). `relax` makes every variable continuous (an LP bound).
pub fn build(problem: &Problem, subset: &[usize], relax: bool) -> Milp {
    let mut vars = ProblemVariables::new();
    let mut objective = Expression::with_capacity(subset.len());
    let mut constraints = Vec::new();
    let mut stats = MilpStats {
        sites: subset.len(),
        ..Default::default()
    };
    let bin = || {
        if relax {
            variable().min(0.0).max(1.0)
        } else {
            variable().binary()
        }
    };
    let pos_of: BTreeMap<usize, usize> = subset.iter().enumerate().map(|(p, &s)| (s, p)).collect();

    // Which substations can bind among these sites.
    let mut users: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &s in subset {
        for o in &problem.sites[s].options {
            if o.cap_mw > 0.0 {
                users.entry(o.substation).or_default().push(s);
            }
        }
    }
    let sharing_possible = !problem.separation_forbids_sharing();
    let binding: HashSet<usize> = users
        .iter()
        .filter(|(sub, u)| {
            let m = u.len().min(problem.k);
            sharing_possible
                && m >= 2
                && problem.headroom_mw[**sub] < m as f64 * problem.power_mw - 1e-9
        })
        .map(|(sub, _)| *sub)
        .collect();
    stats.binding_substations = binding.len();

    let x: Vec<Variable> = subset.iter().map(|_| vars.add(bin())).collect();
    let mut lines = vec![Vec::new(); subset.len()];
    let mut draw: BTreeMap<usize, Expression> = BTreeMap::new();
    for (pos, &s) in subset.iter().enumerate() {
        let site = &problem.sites[s];
        let contested = site
            .options
            .iter()
            .any(|o| o.cap_mw > 0.0 && binding.contains(&o.substation));
        if !contested {
            let (_, g) = site
                .standalone
                .as_ref()
                .expect("subset sites have a connection");
            objective.add_mul(site.fixed_eur + g, x[pos]);
            continue;
        }
        stats.contested_sites += 1;
        objective.add_mul(site.fixed_eur, x[pos]);
        let mut power = Expression::with_capacity(site.options.len());
        let mut count = Expression::with_capacity(site.options.len());
        for (k, o) in site.options.iter().enumerate() {
            if o.cap_mw <= 0.0 {
                continue;
            }
            let z = vars.add(bin());
            let p = vars.add(variable().min(0.0).max(o.cap_mw));
            objective.add_mul(o.cost_eur, z);
            constraints.push((Expression::from(p) - o.cap_mw * z).leq(0.0));
            constraints.push((Expression::from(z) - x[pos]).leq(0.0));
            power.add_mul(1.0, p);
            count.add_mul(1.0, z);
            if binding.contains(&o.substation) {
                draw.entry(o.substation).or_default().add_mul(1.0, p);
            }
            lines[pos].push((k, z, p));
        }
        constraints.push((power - problem.power_mw * x[pos]).eq(0.0));
        constraints.push((count - problem.max_lines as f64 * x[pos]).leq(0.0));
    }
    for (sub, e) in draw {
        constraints.push(e.leq(problem.headroom_mw[sub]));
    }

    let total: Expression = x.iter().copied().sum();
    constraints.push(total.eq(problem.k as f64));

    if let Some(d) = problem.separation_km {
        let units: Vec<Unit> = subset.iter().map(|&s| problem.sites[s].unit).collect();
        let edges = pairs_closer_than(&units, d);
        stats.conflict_pairs = edges.len();
        for clique in clique_cover(subset.len(), &edges) {
            let e: Expression = clique.iter().map(|&p| x[p]).sum();
            constraints.push(e.leq(1.0));
            stats.clique_rows += 1;
        }
    }

    if let Some(m) = problem.max_per_country {
        let mut per: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (pos, &s) in subset.iter().enumerate() {
            if let Some(c) = problem.sites[s].country {
                per.entry(c).or_default().push(pos);
            }
        }
        for members in per.values().filter(|m_| m_.len() > m) {
            let e: Expression = members.iter().map(|&p| x[p]).sum();
            constraints.push(e.leq(m as f64));
        }
    }

    let mut y = vec![Vec::new(); problem.demand.len()];
    let latency = problem.has_latency_cost();
    for (j, d) in problem.demand.iter().enumerate() {
        let local: Vec<(usize, f64)> = d
            .reach
            .iter()
            .filter_map(|&(s, rtt)| pos_of.get(&s).map(|&p| (p, rtt)))
            .collect();
        if problem.demand_limit_ms.is_some() {
            let e: Expression = local.iter().map(|&(p, _)| x[p]).sum();
            constraints.push(e.geq(1.0));
        }
        if latency && d.weight > 0.0 {
            let mut served = Expression::with_capacity(local.len());
            for &(p, rtt) in &local {
                let v = vars.add(variable().min(0.0).max(1.0));
                objective.add_mul(problem.eur_per_ms * d.weight * rtt, v);
                constraints.push((Expression::from(v) - x[p]).leq(0.0));
                served.add_mul(1.0, v);
                y[j].push((subset[p], v));
            }
            constraints.push(served.eq(1.0));
        }
    }

    stats.variables = vars.len();
    stats.rows = constraints.len();
    Milp {
        vars,
        objective,
        constraints,
        map: VarMap {
            sites: subset.to_vec(),
            x,
            lines,
            y,
            stats,
        },
    }
}

/// A greedy clique cover of a graph given by sorted edges (u < v): every edge lies in
/// at least one returned clique. Each uncovered edge seeds a clique, grown by common
/// neighbours in index order.
pub fn clique_cover(n: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(u, v) in edges {
        adj[u].push(v);
        adj[v].push(u);
    }
    for a in &mut adj {
        a.sort_unstable();
    }
    let adjacent = |a: usize, b: usize| adj[a].binary_search(&b).is_ok();
    let mut covered: HashSet<(usize, usize)> = HashSet::new();
    let mut cliques = Vec::new();
    for &(u, v) in edges {
        if covered.contains(&(u, v)) {
            continue;
        }
        let mut clique = vec![u, v];
        for &w in &adj[u] {
            if w != v
                && adjacent(v, w)
                && clique.iter().all(|&c| c == u || c == v || adjacent(c, w))
            {
                clique.push(w);
            }
        }
        clique.sort_unstable();
        for (a, &ca) in clique.iter().enumerate() {
            for &cb in &clique[a + 1..] {
                covered.insert((ca, cb));
            }
        }
        cliques.push(clique);
    }
    cliques
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clique_cover_covers_every_edge_with_true_cliques() {
        let mut rng = crate::generate::SplitMix64::new(9);
        for _ in 0..50 {
            let n = 2 + rng.below(30);
            let mut edges = Vec::new();
            for u in 0..n {
                for v in u + 1..n {
                    if rng.next_f64() < 0.3 {
                        edges.push((u, v));
                    }
                }
            }
            let set: HashSet<(usize, usize)> = edges.iter().copied().collect();
            let cliques = clique_cover(n, &edges);
            let mut seen = HashSet::new();
            for c in &cliques {
                for (a, &ca) in c.iter().enumerate() {
                    for &cb in &c[a + 1..] {
                        assert!(set.contains(&(ca, cb)), "clique {c:?} holds a non-edge");
                        seen.insert((ca, cb));
                    }
                }
            }
            assert_eq!(seen, set);
        }
    }

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
