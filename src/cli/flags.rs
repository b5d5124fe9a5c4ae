//! Flags that change the scenario as read: forced and forbidden sites (`solve`,
//! `batch`, `sweep`) and what to decide beyond the optimum (`solve`).

use gigasite::scenario::Scenario;
use gigasite::solve::Backend;

/// `--solver` and `--time-limit`, shared by `solve`, `pmedian`, `batch` and `sweep`.
#[derive(clap::Args, Debug, Clone)]
pub struct SolverFlags {
    /// Solver backend: microlp (pure Rust) or highs (needs the `highs` feature).
    #[arg(long, default_value = "microlp")]
    pub solver: Backend,
    /// Stop after this many seconds (per scenario in batch and sweep) with the best
    /// answer found (exit 3); a number >= 0, `inf` (or 1e9 and more) for no limit.
    #[arg(
        long,
        value_name = "SECONDS",
        value_parser = super::parse_time_limit,
        allow_hyphen_values = true
    )]
    pub time_limit: Option<f64>,
}

impl SolverFlags {
    /// The time limit to run under (None: no limit).
    pub fn limit_s(&self) -> Option<f64> {
        super::effective_time_limit(self.time_limit)
    }
}

/// `--include` and `--exclude`: added to the scenario's `sites.include` and
/// `sites.exclude`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct SiteFlags {
    /// Land ids every plan must contain, comma-separated (added to sites.include).
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    pub include: Vec<String>,
    /// Land ids no plan may contain, comma-separated (added to sites.exclude).
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    pub exclude: Vec<String>,
}

impl SiteFlags {
    /// Adds the ids to the scenario's lists (once each); whether it changed anything
    /// (the caller then checks the scenario again).
    pub fn apply(&self, s: &mut Scenario) -> bool {
        if self.include.is_empty() && self.exclude.is_empty() {
            return false;
        }
        let add = |list: &mut Vec<String>, ids: &[String]| {
            for id in ids {
                if !list.contains(id) {
                    list.push(id.clone());
                }
            }
        };
        add(&mut s.sites.include, &self.include);
        add(&mut s.sites.exclude, &self.exclude);
        true
    }
}

/// `--alternatives`, `--within`, `--regret`, `--regret-candidates`: override the
/// scenario's `sites.alternatives`, `sites.within_pct`, `sites.regret` and
/// `sites.regret_candidates`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct DecisionFlags {
    /// List the N best plans, each proven (DIR/alternatives.csv and .geojson).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub alternatives: Option<u32>,
    /// List every plan within PCT % of the optimum instead, at most N of them
    /// (--alternatives; 100 when not given).
    #[arg(long, value_name = "PCT")]
    pub within: Option<f64>,
    /// The regret of dropping each chosen site and of forcing in each of the cheapest
    /// candidates not chosen (DIR/regret.csv and .geojson).
    #[arg(long)]
    pub regret: bool,
    /// How many of the cheapest candidates not chosen get a regret [default: 20].
    #[arg(long, value_name = "M")]
    pub regret_candidates: Option<u32>,
}

impl DecisionFlags {
    /// Sets the keys given; whether it changed anything (the caller then checks the
    /// scenario again).
    pub fn apply(&self, s: &mut Scenario) -> bool {
        let given = self.alternatives.is_some()
            || self.within.is_some()
            || self.regret
            || self.regret_candidates.is_some();
        if let Some(n) = self.alternatives {
            s.sites.alternatives = n;
        }
        if self.within.is_some() {
            s.sites.within_pct = self.within;
        }
        if self.regret {
            s.sites.regret = true;
        }
        if let Some(m) = self.regret_candidates {
            s.sites.regret_candidates = m;
        }
        given
    }
}
