//! The master program over the surviving sites, and its cut loop.
//!
//! ```text
//! minimize   Σ_i x_i (fixed_i + g_i·[i uncontested]) + Σ_is C_is z_is + Σ_l θ_l
//! s.t.       Σ_i x_i = k,   x_i = 1 (forced)
//!            Σ_{i in Q} x_i <= 1          every cell clique and lazy clique Q
//!            Σ_{i in c} x_i <= max_per_country
//!            Σ_{i covers j} x_i >= 1       every demand point that must be served
//!            grid rows of contested sites: Σ_s p_is = P x_i, p_is <= cap z_is,
//!            z_is <= x_i, Σ_s z_is <= max_lines x_i, Σ_i p_is <= h_s (binding s)
//!            θ_l >= D − Σ_i (D − c_il)^+ x_i   every Benders cut (l, D) so far
//!            θ_l >= min_i c_il
//!            Σ_{i in S} x_i <= k − 1       every plan S already ranked (no-good rows)
//! ```
//! Each round solves the program, adds a clique row through every conflicting pair
//! it opened and a cut for every point whose θ undervalues its allocation, and stops
//! when the program's bound meets the best plan within the gap.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use good_lp::{variable, Expression, ProblemVariables, Variable};

use super::conflicts::Separation;
use super::latency::Cut;
use super::{Engine, Incumbent};
use crate::error::Result;
use crate::model::{fill_lines, MilpStats, OpenSite, Plan};
use crate::progress::Progress;
use crate::solve::{solve_milp, SolveOptions, Solved};

/// How the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The bound meets the best plan within the gap.
    Closed,
    /// The deadline passed first.
    Stopped,
    /// No plan over these sites meets the limits.
    Infeasible,
}

pub struct Master<'a> {
    eng: &'a Engine<'a>,
    /// Problem positions of the master's sites, ascending.
    sites: Vec<usize>,
    local: Vec<u32>,
    sep: Option<Separation>,
    cliques: BTreeSet<Vec<usize>>,
    cell_rows: usize,
    lazy_rows: usize,
    /// Benders cuts so far, over problem sites (all among the master's).
    cuts: Vec<Cut>,
    cut_keys: HashSet<(usize, u64)>,
    /// Per allocation list: the least cost among the master's sites.
    theta_floor: Vec<f64>,
    cover_rows: Vec<Vec<usize>>,
    /// Plans the program may no longer choose, as local positions.
    no_goods: Vec<Vec<usize>>,
    contested: Vec<bool>,
    binding: HashSet<usize>,
    priority: Vec<f64>,
    /// The master's proven bound over its sites (−∞ until a round is solved).
    pub lower: f64,
    rounds: usize,
    lp_rounds_done: usize,
    variables: usize,
    rows: usize,
    /// Costs enter the program divided by this (EUR), keeping coefficients near 1 for
    /// the simplex's sake; values are scaled back on the way out.
    scale: f64,
}

const NONE: u32 = u32::MAX;

impl<'a> Master<'a> {
    /// The master over `sites`; `lambda` (Lagrangian multipliers, possibly none) give
    /// its first cuts and `rho` the order in which lazy cliques grow.
    pub fn new(
        eng: &'a Engine<'a>,
        sites: &[usize],
        lambda: &[f64],
        rho: &[f64],
        incumbent: Option<&Incumbent>,
    ) -> Master<'a> {
        let p = eng.p;
        let mut local = vec![NONE; p.sites.len()];
        for (a, &s) in sites.iter().enumerate() {
            local[s] = a as u32;
        }
        let sep = p
            .separation_km
            .filter(|&d| d > 0.0)
            .map(|d| Separation::new(d, sites, |s| p.sites[s].unit));
        let mut cliques = BTreeSet::new();
        let mut cell_rows = 0;
        if let Some(sep) = &sep {
            for c in sep.cell_cliques() {
                cell_rows += 1;
                cliques.insert(c);
            }
        }
        let theta_floor = eng
            .alloc
            .lists
            .iter()
            .map(|l| {
                l.costs
                    .iter()
                    .find(|&&(_, s)| local[s as usize] != NONE)
                    .map_or(f64::INFINITY, |c| c.0)
            })
            .collect();
        // Coverage rows over the master's sites, without duplicates.
        let mut seen = BTreeSet::new();
        for c in &eng.cover {
            let row: Vec<usize> = c
                .iter()
                .filter_map(|&s| (local[s] != NONE).then_some(local[s] as usize))
                .collect();
            if row.len() < sites.len() {
                seen.insert(row);
            }
        }
        let (contested, binding) = contested_sites(eng, sites);
        let mut m = Master {
            eng,
            sites: sites.to_vec(),
            local,
            sep,
            cliques,
            cell_rows,
            lazy_rows: 0,
            cuts: Vec::new(),
            cut_keys: HashSet::new(),
            theta_floor,
            cover_rows: seen.into_iter().collect(),
            no_goods: Vec::new(),
            contested,
            binding,
            priority: sites.iter().map(|&s| rho[s]).collect(),
            lower: f64::NEG_INFINITY,
            rounds: 0,
            lp_rounds_done: 0,
            variables: 0,
            rows: 0,
            scale: 1.0,
        };
        let typical = sites
            .iter()
            .map(|&s| eng.floor[s].abs())
            .fold(0.0, f64::max)
            .max(incumbent.map_or(0.0, |b| b.cost.abs() / eng.p.k.max(1) as f64));
        m.scale = if typical > 0.0 { typical } else { 1.0 };
        // Cuts that carry the Lagrangian bound and the best plan into the first round.
        for (l, &lam) in lambda.iter().enumerate() {
            m.add_cut(l, lam);
        }
        if let Some(b) = incumbent {
            for (l, c) in eng.alloc.costs_of(&b.open).into_iter().enumerate() {
                if c.is_finite() {
                    m.add_cut(l, c);
                }
            }
        }
        m
    }

    /// Forbids the plan `open` (problem positions) from now on: a no-good row. A plan
    /// with a site outside the master cannot be chosen anyway and needs none.
    pub fn exclude_plan(&mut self, open: &[usize]) {
        let local: Option<Vec<usize>> = open
            .iter()
            .map(|&s| (self.local[s] != NONE).then_some(self.local[s] as usize))
            .collect();
        if let Some(mut row) = local {
            row.sort_unstable();
            self.no_goods.push(row);
        }
    }

    /// Adds the cut of list l at level d, unless it is trivial or already present.
    fn add_cut(&mut self, l: usize, d: f64) -> bool {
        if !d.is_finite()
            || d.partial_cmp(&self.theta_floor[l]) != Some(std::cmp::Ordering::Greater)
        {
            return false;
        }
        if !self.cut_keys.insert((l, d.to_bits())) {
            return false;
        }
        let local = &self.local;
        let cut = self.eng.alloc.cut_among(l, d, |s| local[s] != NONE);
        self.cuts.push(cut);
        true
    }

    /// The program's size and the loop's work, added to `stats`.
    pub fn stats(&self, mut stats: MilpStats) -> MilpStats {
        stats.sites = self.sites.len();
        stats.variables = self.variables;
        stats.rows = self.rows;
        stats.contested_sites = self.contested.iter().filter(|&&c| c).count();
        stats.binding_substations = self.binding.len();
        stats.clique_rows = self.cliques.len();
        stats.cell_clique_rows = self.cell_rows;
        stats.lazy_clique_rows = self.lazy_rows;
        stats.benders_cuts = self.cuts.len();
        stats.master_rounds = self.rounds;
        stats.relaxation_rounds = self.lp_rounds_done;
        stats
    }

    /// Solves, cuts and re-solves until closed, infeasible or out of time; improves
    /// `best` with every feasible plan it meets.
    pub fn run(
        &mut self,
        opts: &SolveOptions,
        best: &mut Option<Incumbent>,
        progress: &dyn Progress,
    ) -> Result<End> {
        let eng = self.eng;
        if !eng.alloc.is_empty() {
            if let Some(end) = self.lp_rounds(opts, progress)? {
                return Ok(end);
            }
        }
        loop {
            if eng.deadline.passed() {
                return Ok(End::Stopped);
            }
            self.rounds += 1;
            let mut built = self.build(best.as_ref(), false);
            let time_left = eng.deadline.remaining_s().map(|t| t.max(1e-3));
            let gap = opts.mip_gap / 2.0;
            let solved = solve_milp(
                std::mem::take(&mut built.vars),
                built.objective.clone(),
                std::mem::take(&mut built.constraints),
                &built.all,
                opts,
                time_left,
                built.warm.take(),
                gap,
            )?;
            let (values, proven_gap) = match solved {
                Solved::Infeasible => return Ok(End::Infeasible),
                Solved::NoSolution => return Ok(End::Stopped),
                Solved::TimeLimit(v) => (v, None),
                Solved::Optimal { values, gap } => (values, Some(gap)),
            };
            let value = |v: Variable| values[&v];
            let objective = built.objective.eval_with(&values) * self.scale;
            if let Some(g) = proven_gap {
                self.lower = self.lower.max(objective - g * objective.abs());
            }
            let open_local: Vec<usize> = (0..self.sites.len())
                .filter(|&a| value(built.x[a]) > 0.5)
                .collect();
            let open: Vec<usize> = open_local.iter().map(|&a| self.sites[a]).collect();

            // Lazy separation rows.
            let mut added = 0;
            if let Some(sep) = &self.sep {
                let pairs = sep.violated_pairs(&open_local);
                for (a, b) in pairs {
                    let clique = sep.clique_through(a, b, |c| self.priority[c]);
                    if self.cliques.insert(clique) {
                        self.lazy_rows += 1;
                        added += 1;
                    }
                }
            }
            let feasible = added == 0;
            // Benders cuts where θ undervalues the allocation.
            let costs = eng.alloc.costs_of(&open);
            for (l, &c) in costs.iter().enumerate() {
                let theta = built.theta[l].map_or(0.0, value) * self.scale;
                if c.is_finite() && theta < c - eng.tol(c) && self.add_cut(l, c) {
                    added += 1;
                }
            }
            if feasible {
                let plan = self.plan_of(&open_local, &built, &value);
                let fixed: f64 = plan
                    .open
                    .iter()
                    .map(|o| eng.p.sites[o.site].fixed_eur + eng.p.grid_eur(o))
                    .sum();
                let cost = fixed + costs.iter().sum::<f64>();
                if best
                    .as_ref()
                    .is_none_or(|b| cost < b.cost - eng.tol(b.cost))
                {
                    *best = Some(Incumbent { open, cost, plan });
                }
            }
            let upper = best.as_ref().map(|b| b.cost);
            progress.search(
                &format!("master round {}", self.rounds),
                upper,
                self.lower.is_finite().then_some(self.lower),
            );
            if proven_gap.is_none() {
                return Ok(End::Stopped);
            }
            if let Some(u) = upper {
                if eng.closed(u, self.lower) {
                    return Ok(End::Closed);
                }
            }
            if added == 0 {
                // Nothing to cut and the round was solved: its answer is exact.
                return Ok(End::Closed);
            }
            // Cheap relaxation rounds before the next integer one: cuts at the
            // fractional points the new cuts lead to.
            if !eng.alloc.is_empty() {
                if let Some(end) = self.lp_rounds(opts, progress)? {
                    return Ok(end);
                }
            }
        }
    }

    fn plan_of(
        &self,
        open_local: &[usize],
        built: &Built,
        value: &dyn Fn(Variable) -> f64,
    ) -> Plan {
        let p = self.eng.p;
        let mut open: Vec<OpenSite> = open_local
            .iter()
            .map(|&a| {
                let s = self.sites[a];
                let lines = if built.lines[a].is_empty() {
                    let (set, _) = p.sites[s].standalone.as_ref().expect("usable");
                    fill_lines(&p.sites[s].options, set, p.sites[s].power_mw)
                } else {
                    built.lines[a]
                        .iter()
                        .filter(|(_, z, _)| value(*z) > 0.5)
                        .map(|&(k, _, pv)| (k, value(pv).max(0.0)))
                        .collect()
                };
                OpenSite { site: s, lines }
            })
            .collect();
        open.sort_by_key(|o| o.site);
        let ids: Vec<usize> = open.iter().map(|o| o.site).collect();
        Plan {
            assignment: p.assign(&ids),
            open,
        }
    }

    /// Rounds of the linear relaxation: cuts at fractional points (each point's level
    /// where the open mass reaches 1), until none is violated. Its optimum bounds the
    /// master from below. Returns an end only when the relaxation is infeasible.
    fn lp_rounds(&mut self, opts: &SolveOptions, progress: &dyn Progress) -> Result<Option<End>> {
        const MAX_LP_ROUNDS: usize = 50;
        let eng = self.eng;
        for _ in 0..MAX_LP_ROUNDS {
            if eng.deadline.passed() {
                return Ok(None);
            }
            self.lp_rounds_done += 1;
            let mut built = self.build(None, true);
            let time_left = eng.deadline.remaining_s().map(|t| t.max(1e-3));
            let solved = solve_milp(
                std::mem::take(&mut built.vars),
                built.objective.clone(),
                std::mem::take(&mut built.constraints),
                &built.all,
                &SolveOptions {
                    backend: crate::solve::Backend::Microlp,
                    ..opts.clone()
                },
                time_left,
                None,
                0.0,
            )?;
            let values = match solved {
                Solved::Infeasible => return Ok(Some(End::Infeasible)),
                Solved::Optimal { values, .. } => values,
                Solved::NoSolution | Solved::TimeLimit(_) => return Ok(None),
            };
            let objective = built.objective.eval_with(&values) * self.scale;
            self.lower = self.lower.max(objective);
            progress.search(
                &format!("master relaxation round {}", self.lp_rounds_done),
                None,
                Some(self.lower),
            );
            let xs: Vec<f64> = built.x.iter().map(|v| values[v]).collect();
            let mut added = 0;
            for l in 0..eng.alloc.lists.len() {
                let Some(t) = built.theta[l] else { continue };
                let local = &self.local;
                let Some(d) = eng.alloc.level(l, |s| {
                    let a = local[s];
                    if a == NONE {
                        0.0
                    } else {
                        xs[a as usize]
                    }
                }) else {
                    continue;
                };
                let theta = values[&t] * self.scale;
                let rhs = eng
                    .alloc
                    .cut_among(l, d, |s| local[s] != NONE)
                    .value(|s| xs[local[s] as usize]);
                if theta < rhs - eng.tol(rhs) && self.add_cut(l, d) {
                    added += 1;
                }
            }
            if added == 0 {
                break;
            }
        }
        Ok(None)
    }

    fn build(&mut self, warm_from: Option<&Incumbent>, relax: bool) -> Built {
        let eng = self.eng;
        let p = eng.p;
        let n = self.sites.len();
        let mut vars = ProblemVariables::new();
        let mut all = Vec::new();
        let mut objective = Expression::with_capacity(n);
        let mut constraints = Vec::new();
        let add = |vars: &mut ProblemVariables, all: &mut Vec<Variable>, def| {
            let v = vars.add(def);
            all.push(v);
            v
        };
        let x: Vec<Variable> = (0..n)
            .map(|a| {
                let forced = p.forced.contains(&self.sites[a]);
                let lo = if forced { 1.0 } else { 0.0 };
                let def = if relax {
                    variable().min(lo).max(1.0)
                } else {
                    variable().binary().min(lo)
                };
                add(&mut vars, &mut all, def)
            })
            .collect();
        let sc = 1.0 / self.scale;
        let mut lines = vec![Vec::new(); n];
        let mut draw: BTreeMap<usize, Expression> = BTreeMap::new();
        for (a, &s) in self.sites.iter().enumerate() {
            let site = &p.sites[s];
            if !self.contested[a] {
                objective.add_mul(eng.floor[s] * sc, x[a]);
                continue;
            }
            objective.add_mul(site.fixed_eur * sc, x[a]);
            let mut power = Expression::with_capacity(site.options.len());
            let mut count = Expression::with_capacity(site.options.len());
            for (k, o) in site.options.iter().enumerate() {
                if o.cap_mw <= 0.0 {
                    continue;
                }
                let z = add(
                    &mut vars,
                    &mut all,
                    if relax {
                        variable().min(0.0).max(1.0)
                    } else {
                        variable().binary()
                    },
                );
                let pv = add(&mut vars, &mut all, variable().min(0.0).max(o.cap_mw));
                objective.add_mul(o.cost_eur * sc, z);
                constraints.push((Expression::from(pv) - o.cap_mw * z).leq(0.0));
                constraints.push((Expression::from(z) - x[a]).leq(0.0));
                power.add_mul(1.0, pv);
                count.add_mul(1.0, z);
                if self.binding.contains(&o.substation) {
                    draw.entry(o.substation).or_default().add_mul(1.0, pv);
                }
                lines[a].push((k, z, pv));
            }
            constraints.push((power - site.power_mw * x[a]).eq(0.0));
            constraints.push((count - p.max_lines as f64 * x[a]).leq(0.0));
        }
        for (sub, e) in draw {
            constraints.push(e.leq(p.headroom_mw[sub]));
        }
        let total: Expression = x.iter().copied().sum();
        constraints.push(total.eq(p.k as f64));
        for clique in &self.cliques {
            let e: Expression = clique.iter().map(|&a| x[a]).sum();
            constraints.push(e.leq(1.0));
        }
        if let Some(m) = p.max_per_country {
            let mut per: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
            for (a, &s) in self.sites.iter().enumerate() {
                if let Some(c) = p.sites[s].country {
                    per.entry(c).or_default().push(a);
                }
            }
            for members in per.values().filter(|v| v.len() > m) {
                let e: Expression = members.iter().map(|&a| x[a]).sum();
                constraints.push(e.leq(m as f64));
            }
        }
        for row in &self.cover_rows {
            let e: Expression = row.iter().map(|&a| x[a]).sum();
            constraints.push(e.geq(1.0));
        }
        for row in &self.no_goods {
            let e: Expression = row.iter().map(|&a| x[a]).sum();
            constraints.push(e.leq(row.len() as f64 - 1.0));
        }
        let theta: Vec<Option<Variable>> = self
            .theta_floor
            .iter()
            .map(|&f| {
                f.is_finite().then(|| {
                    let v = add(&mut vars, &mut all, variable().min(f * sc));
                    objective.add_mul(1.0, v);
                    v
                })
            })
            .collect();
        for cut in &self.cuts {
            let Some(t) = theta[cut.list] else { continue };
            let mut e = Expression::from(t);
            for &(s, c) in &cut.terms {
                e.add_mul(c * sc, x[self.local[s] as usize]);
            }
            constraints.push(e.geq(cut.level * sc));
        }
        self.variables = all.len();
        self.rows = constraints.len();
        let warm = warm_from
            .filter(|b| b.open.iter().all(|&s| self.local[s] != NONE))
            .map(|b| self.warm_values(b, &x, &lines, &theta));
        Built {
            vars,
            objective,
            constraints,
            all,
            x,
            lines,
            theta,
            warm,
        }
    }

    fn warm_values(
        &self,
        b: &Incumbent,
        x: &[Variable],
        lines: &[Vec<(usize, Variable, Variable)>],
        theta: &[Option<Variable>],
    ) -> Vec<(Variable, f64)> {
        let mut out = Vec::new();
        let open: BTreeMap<usize, &OpenSite> = b.plan.open.iter().map(|o| (o.site, o)).collect();
        for (a, &s) in self.sites.iter().enumerate() {
            let o = open.get(&s);
            out.push((x[a], f64::from(u8::from(o.is_some()))));
            for &(k, z, pv) in &lines[a] {
                let mw = o
                    .and_then(|o| o.lines.iter().find(|l| l.0 == k))
                    .map(|l| l.1);
                out.push((z, f64::from(u8::from(mw.is_some()))));
                out.push((pv, mw.unwrap_or(0.0)));
            }
        }
        let costs = self.eng.alloc.costs_of(&b.open);
        for (l, t) in theta.iter().enumerate() {
            if let Some(t) = t {
                out.push((*t, costs[l].max(self.theta_floor[l]) / self.scale));
            }
        }
        out
    }
}

/// A built round: the program and the map back.
struct Built {
    vars: ProblemVariables,
    objective: Expression,
    constraints: Vec<good_lp::Constraint>,
    all: Vec<Variable>,
    x: Vec<Variable>,
    lines: Vec<Vec<(usize, Variable, Variable)>>,
    theta: Vec<Option<Variable>>,
    warm: Option<Vec<(Variable, f64)>>,
}

/// The substations whose headroom the given sites could exhaust together.
pub(crate) fn binding_substations(eng: &Engine, sites: &[usize]) -> HashSet<usize> {
    contested_sites(eng, sites).1
}

/// Which sites must carry grid variables: those with an option at a substation whose
/// headroom the master's sites could exhaust together (see `crate::model`).
fn contested_sites(eng: &Engine, sites: &[usize]) -> (Vec<bool>, HashSet<usize>) {
    let p = eng.p;
    // Per substation, the powers of the sites that could draw from it.
    let mut users: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
    for &s in sites {
        for o in &p.sites[s].options {
            if o.cap_mw > 0.0 {
                users
                    .entry(o.substation)
                    .or_default()
                    .push(p.sites[s].power_mw);
            }
        }
    }
    let sharing = !p.separation_forbids_sharing();
    for powers in users.values_mut() {
        powers.sort_by(|a, b| b.total_cmp(a));
    }
    let binding: HashSet<usize> = users
        .iter()
        .filter(|(sub, powers)| {
            // The most the k sites could ask of it together.
            let most: f64 = powers.iter().take(p.k).sum();
            sharing && powers.len().min(p.k) >= 2 && p.headroom_mw[**sub] < most - 1e-9
        })
        .map(|(sub, _)| *sub)
        .collect();
    let contested = sites
        .iter()
        .map(|&s| {
            p.sites[s]
                .options
                .iter()
                .any(|o| o.cap_mw > 0.0 && binding.contains(&o.substation))
        })
        .collect();
    (contested, binding)
}
