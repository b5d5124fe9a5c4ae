//! The scenario file: TOML, every key with the default of MODEL.md, unknown keys rejected.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A scenario as read, with defaults filled in and layer paths resolved against its folder.
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    /// The file stem of the scenario file.
    pub name: String,
    #[serde(skip)]
    pub path: PathBuf,
    pub layers: Layers,
    pub sites: Sites,
    pub facility: Facility,
    pub power: Power,
    pub fibre: Fibre,
    pub latency: Latency,
    pub carbon: Carbon,
}

/// Layer files. Paths are relative to the scenario file; resolved on load.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layers {
    pub land: PathBuf,
    pub grid: PathBuf,
    pub prices: PathBuf,
    pub fibre: PathBuf,
    #[serde(default)]
    pub demand: Option<PathBuf>,
    #[serde(default)]
    pub exclusions: Option<PathBuf>,
}

impl Layers {
    /// (name, path) of every layer given, in the order of MODEL.md.
    pub fn named(&self) -> Vec<(&'static str, &Path)> {
        let mut named: Vec<(&'static str, &Path)> = vec![
            ("land", &self.land),
            ("grid", &self.grid),
            ("prices", &self.prices),
            ("fibre", &self.fibre),
        ];
        if let Some(d) = &self.demand {
            named.push(("demand", d));
        }
        if let Some(e) = &self.exclusions {
            named.push(("exclusions", e));
        }
        named
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sites {
    pub count: u32,
    pub min_separation_km: Option<f64>,
    pub max_per_country: Option<u32>,
    pub mip_gap: f64,
    /// Ids of land parcels every plan must contain.
    pub include: Vec<String>,
    /// Ids of land parcels no plan may contain (an eligibility rule).
    pub exclude: Vec<String>,
    /// Largest water-stress category a site may have (0–5); unknown stress is then
    /// ineligible.
    pub max_water_stress: Option<f64>,
    /// How many of the best plans to list (1: the optimum only).
    pub alternatives: u32,
    /// List every plan within this percentage of the optimum instead, at most
    /// `alternatives` of them (at most [`Sites::WITHIN_CAP`] when `alternatives` is 1).
    pub within_pct: Option<f64>,
    /// Compute the regret of each chosen site and of the cheapest candidates.
    pub regret: bool,
    /// How many of the cheapest candidates not chosen get a regret.
    pub regret_candidates: u32,
}

impl Sites {
    /// The cap of a `within_pct` list when `alternatives` is left at 1.
    pub const WITHIN_CAP: u32 = 100;

    /// What to decide beyond the optimum.
    pub fn decisions(&self) -> crate::engine::ranking::Decisions {
        let cap = if self.within_pct.is_some() && self.alternatives == 1 {
            Self::WITHIN_CAP
        } else {
            self.alternatives
        };
        crate::engine::ranking::Decisions {
            alternatives: cap as usize,
            within_pct: self.within_pct,
            regret: self.regret,
            regret_candidates: self.regret_candidates as usize,
        }
    }
}

impl Default for Sites {
    fn default() -> Self {
        Sites {
            count: 4,
            min_separation_km: None,
            max_per_country: None,
            mip_gap: 1e-6,
            include: Vec::new(),
            exclude: Vec::new(),
            max_water_stress: None,
            alternatives: 1,
            within_pct: None,
            regret: false,
            regret_candidates: 20,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Facility {
    pub it_load_mw: f64,
    pub pue: f64,
    pub utilization: f64,
    pub land_ha: f64,
    pub lifetime_years: f64,
    pub discount_rate: f64,
    pub capex_eur: f64,
}

impl Default for Facility {
    fn default() -> Self {
        Facility {
            it_load_mw: 150.0,
            pue: 1.2,
            utilization: 0.85,
            land_ha: 30.0,
            lifetime_years: 10.0,
            discount_rate: 0.07,
            capex_eur: 0.0,
        }
    }
}

impl Facility {
    /// Facility power P = IT load × PUE, MW, at the scenario's default PUE.
    pub fn power_mw(&self) -> f64 {
        self.power_mw_at(self.pue)
    }

    /// Facility power at a given PUE, MW.
    pub fn power_mw_at(&self, pue: f64) -> f64 {
        self.it_load_mw * pue
    }

    /// Yearly energy M = P × 8760 × utilization, MWh, of a facility drawing `power_mw`.
    pub fn yearly_mwh(&self, power_mw: f64) -> f64 {
        power_mw * 8760.0 * self.utilization
    }

    /// Annuity factor A = (1 − (1 + r)^−T) / r, or T when r = 0.
    pub fn annuity(&self) -> f64 {
        let (r, t) = (self.discount_rate, self.lifetime_years);
        if r > 0.0 {
            (1.0 - (1.0 + r).powf(-t)) / r
        } else {
            t
        }
    }

    /// Energy bought over the lifetime per EUR/MWh of price, in discounted MWh:
    /// P × 8760 × utilization × A, at the default PUE.
    pub fn discounted_mwh(&self) -> f64 {
        self.yearly_mwh(self.power_mw()) * self.annuity()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Power {
    pub max_connection_km: f64,
    pub line_cost_eur_per_km: f64,
    pub max_lines_per_site: u32,
    /// Real line route length over the straight line (>= 1).
    pub route_factor: f64,
    /// Cost of the substation bay and transformer, per line, EUR.
    pub bay_cost_eur: f64,
}

impl Default for Power {
    fn default() -> Self {
        Power {
            max_connection_km: 50.0,
            line_cost_eur_per_km: 1.5e6,
            max_lines_per_site: 2,
            route_factor: 1.0,
            bay_cost_eur: 0.0,
        }
    }
}

impl Power {
    /// C_is: the cost of one line to a substation `km` away (straight line).
    pub fn line_cost_eur(&self, km: f64) -> f64 {
        self.bay_cost_eur + self.route_factor * km * self.line_cost_eur_per_km
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Fibre {
    pub cost_eur_per_km: f64,
    pub max_access_km: f64,
    pub snap_km: f64,
    pub ms_per_km: f64,
}

impl Default for Fibre {
    fn default() -> Self {
        Fibre {
            cost_eur_per_km: 3e4,
            max_access_km: 100.0,
            snap_km: 1.0,
            ms_per_km: 0.0049,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Latency {
    pub max_rtt_ms_to_ixp: Option<f64>,
    pub max_rtt_ms_to_demand: Option<f64>,
    pub eur_per_ms: f64,
}

/// The carbon price and cap.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Carbon {
    /// EUR per tonne of CO2 emitted by the site's electricity.
    pub eur_per_t: f64,
    /// Largest grid carbon intensity a site may have, g/kWh.
    pub max_g_per_kwh: Option<f64>,
}

impl Carbon {
    /// Whether the zones' `carbon_g_per_kwh` is needed.
    pub fn needs_intensity(&self) -> bool {
        self.eur_per_t > 0.0 || self.max_g_per_kwh.is_some()
    }
}

/// The file's shape; `layers` has no default because its four main paths are required.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    layers: Layers,
    #[serde(default)]
    sites: Sites,
    #[serde(default)]
    facility: Facility,
    #[serde(default)]
    power: Power,
    #[serde(default)]
    fibre: Fibre,
    #[serde(default)]
    latency: Latency,
    #[serde(default)]
    carbon: Carbon,
}

impl Scenario {
    /// Reads, validates and resolves a scenario file.
    pub fn load(path: &Path) -> Result<Scenario> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".to_string());
        let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
        Scenario::from_toml(&text, path, &name, &dir)
    }

    /// Parses scenario text; `path` is used in messages, `dir` resolves layer paths.
    pub fn from_toml(text: &str, path: &Path, name: &str, dir: &Path) -> Result<Scenario> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let file: ScenarioFile = toml::from_str(text)
            .map_err(|e| Error::scenario(path, with_suggestion(e.to_string().trim_end())))?;
        // Absolute paths, so a recorded scenario still finds its layers from elsewhere.
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let resolve = |p: &Path| -> PathBuf {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                dir.join(p)
            }
        };
        let mut layers = file.layers;
        layers.land = resolve(&layers.land);
        layers.grid = resolve(&layers.grid);
        layers.prices = resolve(&layers.prices);
        layers.fibre = resolve(&layers.fibre);
        layers.demand = layers.demand.as_deref().map(resolve);
        layers.exclusions = layers.exclusions.as_deref().map(resolve);
        let scenario = Scenario {
            name: name.to_string(),
            path: path.to_path_buf(),
            layers,
            sites: file.sites,
            facility: file.facility,
            power: file.power,
            fibre: file.fibre,
            latency: file.latency,
            carbon: file.carbon,
        };
        scenario.validate()?;
        Ok(scenario)
    }

    /// Checks every value's range, and that every layer file exists.
    pub fn validate(&self) -> Result<()> {
        let p = &self.path;
        let bad = |key: &str, expected: &str, value: String| {
            Err(Error::scenario(
                p,
                format!("`{key}` must be {expected}, found {value}"),
            ))
        };
        let finite = |key: &str, v: f64, min: f64| {
            if !v.is_finite() || v < min {
                bad(key, &format!("a finite number >= {min}"), v.to_string())
            } else {
                Ok(())
            }
        };
        if self.sites.count < 1 {
            return bad("sites.count", "at least 1", self.sites.count.to_string());
        }
        if let Some(d) = self.sites.min_separation_km {
            finite("sites.min_separation_km", d, 0.0)?;
        }
        if self.sites.max_per_country == Some(0) {
            return bad("sites.max_per_country", "at least 1", "0".into());
        }
        let gap = self.sites.mip_gap;
        if !(0.0..1.0).contains(&gap) {
            return bad("sites.mip_gap", "in [0, 1)", gap.to_string());
        }
        let f = &self.facility;
        finite("facility.it_load_mw", f.it_load_mw, 0.0)?;
        if f.it_load_mw <= 0.0 {
            return bad(
                "facility.it_load_mw",
                "greater than 0",
                f.it_load_mw.to_string(),
            );
        }
        finite("facility.pue", f.pue, 1.0)?;
        if !(f.utilization > 0.0 && f.utilization <= 1.0) {
            return bad(
                "facility.utilization",
                "in (0, 1]",
                f.utilization.to_string(),
            );
        }
        finite("facility.land_ha", f.land_ha, 0.0)?;
        finite("facility.lifetime_years", f.lifetime_years, 0.0)?;
        if !(f.discount_rate >= 0.0 && f.discount_rate < 1.0) {
            return bad(
                "facility.discount_rate",
                "in [0, 1)",
                f.discount_rate.to_string(),
            );
        }
        finite("facility.capex_eur", f.capex_eur, 0.0)?;
        finite("power.max_connection_km", self.power.max_connection_km, 0.0)?;
        finite(
            "power.line_cost_eur_per_km",
            self.power.line_cost_eur_per_km,
            0.0,
        )?;
        if self.power.max_lines_per_site < 1 {
            return bad("power.max_lines_per_site", "at least 1", "0".into());
        }
        finite("fibre.cost_eur_per_km", self.fibre.cost_eur_per_km, 0.0)?;
        finite("fibre.max_access_km", self.fibre.max_access_km, 0.0)?;
        finite("fibre.snap_km", self.fibre.snap_km, 0.0)?;
        finite("fibre.ms_per_km", self.fibre.ms_per_km, 0.0)?;
        if let Some(v) = self.latency.max_rtt_ms_to_ixp {
            finite("latency.max_rtt_ms_to_ixp", v, 0.0)?;
        }
        if let Some(v) = self.latency.max_rtt_ms_to_demand {
            finite("latency.max_rtt_ms_to_demand", v, 0.0)?;
            if self.layers.demand.is_none() {
                return Err(Error::scenario(
                    p,
                    "`latency.max_rtt_ms_to_demand` is set but there is no `layers.demand`",
                ));
            }
        }
        finite("latency.eur_per_ms", self.latency.eur_per_ms, 0.0)?;
        finite("power.route_factor", self.power.route_factor, 1.0)?;
        finite("power.bay_cost_eur", self.power.bay_cost_eur, 0.0)?;
        finite("carbon.eur_per_t", self.carbon.eur_per_t, 0.0)?;
        if let Some(v) = self.carbon.max_g_per_kwh {
            finite("carbon.max_g_per_kwh", v, 0.0)?;
        }
        if let Some(v) = self.sites.max_water_stress {
            if !(0.0..=5.0).contains(&v) {
                return bad("sites.max_water_stress", "in [0, 5]", v.to_string());
            }
        }
        self.validate_include_exclude()?;
        if self.sites.alternatives < 1 {
            return bad("sites.alternatives", "at least 1", "0".into());
        }
        if let Some(v) = self.sites.within_pct {
            finite("sites.within_pct", v, 0.0)?;
        }
        for (name, path) in self.layers.named() {
            // `file.gpkg#layer` names a layer of a GeoPackage file.
            let file = crate::layers::split_layer_suffix(path).0;
            if !file.is_file() {
                let what = if file.is_dir() {
                    "is a directory, not a GeoJSON file"
                } else {
                    "does not exist"
                };
                return Err(Error::scenario(
                    p,
                    format!("`layers.{name}` names {}, which {what}", path.display()),
                ));
            }
        }
        Ok(())
    }
}

impl Scenario {
    /// `sites.include` and `sites.exclude`: no id twice, none in both, at most k forced.
    fn validate_include_exclude(&self) -> Result<()> {
        let p = &self.path;
        for (key, ids) in [
            ("include", &self.sites.include),
            ("exclude", &self.sites.exclude),
        ] {
            let mut seen = std::collections::BTreeSet::new();
            for id in ids {
                if !seen.insert(id) {
                    return Err(Error::scenario(
                        p,
                        format!("`sites.{key}` lists {} twice", crate::error::clip(id)),
                    ));
                }
            }
        }
        if let Some(id) = self
            .sites
            .include
            .iter()
            .find(|i| self.sites.exclude.contains(i))
        {
            return Err(Error::scenario(
                p,
                format!(
                    "{} is in both `sites.include` and `sites.exclude`",
                    crate::error::clip(id)
                ),
            ));
        }
        Ok(())
    }
}

/// Adds "did you mean" to serde's "unknown field `x`, expected one of `a`, `b`" messages.
fn with_suggestion(message: &str) -> String {
    let Some(rest) = message.split("unknown field `").nth(1) else {
        return message.to_string();
    };
    let Some(unknown) = rest.split('`').next() else {
        return message.to_string();
    };
    let known: Vec<&str> = rest
        .split("expected one of ")
        .nth(1)
        .or_else(|| rest.split("expected ").nth(1))
        .map(|list| list.split('`').skip(1).step_by(2).collect())
        .unwrap_or_default();
    let best = known
        .iter()
        .map(|k| (edit_distance(unknown, k), *k))
        .min()
        .filter(|(d, k)| *d <= 3.max(k.len() / 3));
    match best {
        Some((_, k)) => format!("{message}\nunknown key `{unknown}`: did you mean `{k}`?"),
        None => message.to_string(),
    }
}

/// Levenshtein distance between two short strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Scenario> {
        // Layer existence is checked against this crate's own Cargo.toml.
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        Scenario::from_toml(text, Path::new("test.toml"), "test", dir)
    }

    const LAYERS: &str = "[layers]\nland = \"Cargo.toml\"\ngrid = \"Cargo.toml\"\nprices = \"Cargo.toml\"\nfibre = \"Cargo.toml\"\n";

    #[test]
    fn defaults_are_those_of_the_model() {
        let s = parse(LAYERS).unwrap();
        assert_eq!(s.sites.count, 4);
        assert_eq!(s.sites.min_separation_km, None);
        assert_eq!(s.facility.power_mw(), 150.0 * 1.2);
        assert_eq!(s.power.max_lines_per_site, 2);
        assert_eq!(s.fibre.ms_per_km, 0.0049);
        assert_eq!(s.latency.eur_per_ms, 0.0);
        // A(7 %, 10 y) = 7.0236...
        assert!((s.facility.annuity() - 7.023_581_541).abs() < 1e-6);
    }

    #[test]
    fn unknown_key_is_named() {
        let err = parse(&format!("{LAYERS}[sites]\ncuont = 3\n")).unwrap_err();
        assert!(err.to_string().contains("cuont"), "{err}");
        assert!(err.to_string().contains("did you mean `count`?"), "{err}");
        let err = parse(&format!("{LAYERS}[latency]\nmax_rtt_ms_to_ipx = 3.0\n")).unwrap_err();
        assert!(
            err.to_string()
                .contains("did you mean `max_rtt_ms_to_ixp`?"),
            "{err}"
        );
        let err = parse(&format!("{LAYERS}[powr]\nmax_connection_km = 3.0\n")).unwrap_err();
        assert!(err.to_string().contains("did you mean `power`?"), "{err}");
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        for (section, kv, key) in [
            ("sites", "count = 0", "sites.count"),
            ("facility", "pue = 0.9", "facility.pue"),
            ("facility", "utilization = 1.5", "facility.utilization"),
            ("facility", "discount_rate = 1.0", "facility.discount_rate"),
            ("power", "max_connection_km = -1", "power.max_connection_km"),
        ] {
            let err = parse(&format!("{LAYERS}[{section}]\n{kv}\n")).unwrap_err();
            assert!(err.to_string().contains(key), "{err}");
        }
    }

    #[test]
    fn wrong_type_is_named() {
        let err = parse(&format!("{LAYERS}[sites]\ncount = \"four\"\n")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("count") && msg.contains("test.toml"), "{msg}");
    }

    #[test]
    fn missing_layer_file_is_named() {
        let text = LAYERS.replace("land = \"Cargo.toml\"", "land = \"nope.geojson\"");
        let err = parse(&text).unwrap_err();
        assert!(err.to_string().contains("nope.geojson"), "{err}");
    }

    #[test]
    fn zero_discount_rate_gives_lifetime_as_annuity() {
        let s = parse(&format!(
            "{LAYERS}[facility]\ndiscount_rate = 0.0\nlifetime_years = 12\n"
        ))
        .unwrap();
        assert_eq!(s.facility.annuity(), 12.0);
    }
}
