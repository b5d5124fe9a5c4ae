//! The version-2 attributes `import zones` adds to each zone from the optional inputs:
//! the zonal price, `carbon_g_per_kwh`, `surcharge_eur_per_mwh`, `pue` and
//! `water_stress`. Each zone's sources are listed in the report, one note per zone.
//! The rules are in the modules that read each source ([`super::zonal_prices`],
//! [`super::carbon`], [`super::eurostat`], [`super::water`]); the zone codes are joined
//! through [`super::bidding_zones`].

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value};

use super::bidding_zones::{self, BiddingZone};
use super::carbon::{self, Intensity};
use super::eurostat::{self, Cooling, IndustrialPrice, Table};
use super::water::{self, WaterStress};
use super::zonal_prices::{self, ZonalSeries};
use super::zones::{normalize_code, ZonesOptions};
use super::{round_to, ImportError, ImportReport, Result};

/// The optional inputs, read.
#[derive(Default)]
pub(crate) struct Attributes {
    year: i32,
    zonal: Option<HashMap<String, ZonalSeries>>,
    electricity_maps: Option<HashMap<String, Intensity>>,
    ember: Option<HashMap<String, Intensity>>,
    industrial: Option<HashMap<String, IndustrialPrice>>,
    cooling: Option<HashMap<String, Cooling>>,
    cdd_years: u32,
    water: Option<HashMap<String, WaterStress>>,
    /// Zones per (attribute, source), for the summary note.
    tally: BTreeMap<(&'static str, String), Vec<String>>,
    used_zonal: HashSet<String>,
}

/// Where a zone's price comes from.
pub(crate) enum ZonalPrice {
    /// The zonal series: (price, the series' code).
    Found(f64, String),
    /// No zonal series, and why (the country table decides).
    Missing(String),
    /// No zonal prices were given.
    NotAsked,
}

fn needs_year(opts: &ZonesOptions, flag: &str) -> Result<i32> {
    opts.year
        .ok_or_else(|| ImportError::options(format!("{flag} needs --year")))
}

impl Attributes {
    pub fn read(opts: &ZonesOptions, report: &mut ImportReport) -> Result<Attributes> {
        let skip = opts.skip_malformed;
        let mut a = Attributes {
            cdd_years: opts.cdd_years,
            ..Attributes::default()
        };
        if let Some(p) = &opts.zone_prices {
            a.year = needs_year(opts, "--zone-prices")?;
            a.zonal = Some(zonal_prices::read(p, skip, report)?);
        }
        if let Some(p) = &opts.carbon {
            a.electricity_maps = Some(carbon::read_electricity_maps(p, skip, report)?);
        }
        if let Some(p) = &opts.carbon_countries {
            a.year = needs_year(opts, "--carbon-countries")?;
            a.ember = Some(carbon::read_ember(p, a.year, skip, report)?);
        }
        if let Some(p) = &opts.surcharge {
            a.year = needs_year(opts, "--surcharge")?;
            let t = Table::read(p, "industrial price rows (Eurostat)", skip, report)?;
            a.industrial = Some(eurostat::industrial_prices(
                &t,
                a.year,
                &opts.surcharge_tax,
            )?);
        }
        if let Some(p) = &opts.degree_days {
            a.year = needs_year(opts, "--degree-days")?;
            let t = Table::read(p, "degree-day rows (Eurostat)", skip, report)?;
            a.cooling = Some(eurostat::cooling_degree_days(&t, a.year, opts.cdd_years)?);
        }
        if let Some(p) = &opts.water_stress {
            a.water = Some(water::read(p, skip, report)?);
        }
        Ok(a)
    }

    /// True when some optional input was given.
    pub fn any(&self) -> bool {
        self.zonal.is_some()
            || self.electricity_maps.is_some()
            || self.ember.is_some()
            || self.industrial.is_some()
            || self.cooling.is_some()
            || self.water.is_some()
    }

    fn count(&mut self, attribute: &'static str, source: impl Into<String>, zone: &str) {
        self.tally
            .entry((attribute, source.into()))
            .or_default()
            .push(zone.to_string());
    }

    /// The zonal price of a zone code (hour-weighted mean of the year).
    pub fn zonal_price(&mut self, code: &str) -> ZonalPrice {
        let Some(zonal) = &self.zonal else {
            return ZonalPrice::NotAsked;
        };
        let entry = bidding_zones::lookup(code);
        let ec = match entry {
            Some(BiddingZone {
                energy_charts: None,
                id,
                ..
            }) => return ZonalPrice::Missing(format!("Energy-Charts has no series for {id}")),
            Some(z) => z.energy_charts.unwrap_or(z.id),
            None => code,
        };
        let Some(series) = zonal.get(&normalize_code(ec)) else {
            return ZonalPrice::Missing(format!("no zonal series {ec}"));
        };
        self.used_zonal.insert(normalize_code(ec));
        match series.yearly_mean(self.year) {
            Ok(p) => ZonalPrice::Found(p, series.code.clone()),
            Err(missing) => ZonalPrice::Missing(format!(
                "the zonal series {} lacks {missing} of the 12 months of {}",
                series.code, self.year
            )),
        }
    }

    /// Records where a zone's price came from.
    pub fn count_price(&mut self, zone: &str, zonal: bool) {
        if self.zonal.is_some() {
            let source = if zonal { "zonal" } else { "country series" };
            self.count("price", source, zone);
        }
    }

    /// Adds carbon, surcharge, PUE and water stress to `props`; returns the note parts.
    pub fn add(
        &mut self,
        code: &str,
        country: Option<&str>,
        wholesale: Option<f64>,
        props: &mut Map<String, Value>,
    ) -> Vec<String> {
        let mut notes = Vec::new();
        if let Some(n) = self.add_carbon(code, country, props) {
            notes.push(n);
        }
        if let Some(n) = self.add_surcharge(code, country, wholesale, props) {
            notes.push(n);
        }
        if let Some(n) = self.add_pue(code, country, props) {
            notes.push(n);
        }
        if let Some(n) = self.add_water(code, country, props) {
            notes.push(n);
        }
        notes
    }

    fn add_carbon(
        &mut self,
        code: &str,
        country: Option<&str>,
        props: &mut Map<String, Value>,
    ) -> Option<String> {
        if self.electricity_maps.is_none() && self.ember.is_none() {
            return None;
        }
        let (zone_hit, why) = self.zone_carbon(code);
        let (source, found, caveat) = match zone_hit {
            Some((i, caveat)) => ("electricity_maps", Some(i), caveat),
            None => {
                let c = country.and_then(|c| self.ember.as_ref()?.get(c)).cloned();
                ("ember", c, None)
            }
        };
        let Some(i) = found else {
            self.count("carbon", "none", code);
            return Some(format!("carbon none ({why}; no country figure)"));
        };
        self.count("carbon", source, code);
        let g = round_to(i.g_per_kwh, 3);
        props.insert("carbon_g_per_kwh".into(), Value::from(g));
        props.insert("carbon_source".into(), Value::from(source));
        props.insert("carbon_key".into(), Value::from(i.key.clone()));
        Some(match (source, caveat) {
            ("ember", _) => format!("carbon {g} Ember {} (fallback: {why})", i.key),
            (_, Some(c)) => format!("carbon {g} Electricity Maps {} (approximation: {c})", i.key),
            _ => format!("carbon {g} Electricity Maps {}", i.key),
        })
    }

    /// The Electricity Maps intensity of a zone, with the caveat of an approximate
    /// match, or why there is none.
    fn zone_carbon(&self, code: &str) -> (Option<(Intensity, Option<&'static str>)>, String) {
        let Some(em) = &self.electricity_maps else {
            return (None, "no --carbon".into());
        };
        let (key, caveat) = match bidding_zones::lookup(code) {
            Some(BiddingZone {
                electricity_maps: None,
                id,
                ..
            }) => return (None, format!("Electricity Maps has no zone {id}")),
            Some(z) => (
                z.electricity_maps.unwrap_or(z.id),
                z.electricity_maps_caveat,
            ),
            None => (code, None),
        };
        match em.get(&normalize_code(key)) {
            Some(i) => (Some((i.clone(), caveat)), String::new()),
            None => (None, format!("no Electricity Maps zone {key}")),
        }
    }

    fn add_surcharge(
        &mut self,
        code: &str,
        country: Option<&str>,
        wholesale: Option<f64>,
        props: &mut Map<String, Value>,
    ) -> Option<String> {
        let industrial = self.industrial.as_ref()?;
        let Some((c, p)) = country.and_then(|c| Some((c, industrial.get(c)?.clone()))) else {
            self.count("surcharge", "none", code);
            return Some(format!(
                "surcharge none (no Eurostat price for {})",
                country.unwrap_or("a zone without a country")
            ));
        };
        let Some(w) = wholesale else {
            self.count("surcharge", "none", code);
            return Some(format!(
                "surcharge none (no wholesale country mean for {c})"
            ));
        };
        let s = eurostat::surcharge(p.eur_per_mwh, w);
        self.count("surcharge", p.band, code);
        props.insert("surcharge_eur_per_mwh".into(), Value::from(s));
        Some(format!(
            "surcharge {s} {c} ({} {}, {} semester(s): {:.3} − wholesale {:.3}{})",
            p.band,
            self.year,
            p.semesters,
            p.eur_per_mwh,
            w,
            if s == 0.0 { ", floored at 0" } else { "" }
        ))
    }

    fn add_pue(
        &mut self,
        code: &str,
        country: Option<&str>,
        props: &mut Map<String, Value>,
    ) -> Option<String> {
        let cooling = self.cooling.as_ref()?;
        let Some((c, k)) = country.and_then(|c| Some((c, cooling.get(c)?.clone()))) else {
            self.count("pue", "none", code);
            return Some(format!(
                "pue none (no degree days for {})",
                country.unwrap_or("a zone without a country")
            ));
        };
        let pue = eurostat::pue_of_cdd(k.cdd);
        self.count("pue", "degree days", code);
        props.insert("pue".into(), Value::from(pue));
        Some(format!(
            "pue {pue} {c} (CDD {:.1}, mean of {} of the {} years to {})",
            k.cdd, k.years, self.cdd_years, self.year
        ))
    }

    fn add_water(
        &mut self,
        code: &str,
        country: Option<&str>,
        props: &mut Map<String, Value>,
    ) -> Option<String> {
        let water = self.water.as_ref()?;
        let Some(w) = country.and_then(|c| water.get(c)).cloned() else {
            self.count("water_stress", "none", code);
            return Some(format!(
                "water_stress none (no Aqueduct category for {})",
                country.unwrap_or("a zone without a country")
            ));
        };
        self.count("water_stress", "aqueduct", code);
        props.insert("water_stress".into(), Value::from(w.category));
        Some(format!("water_stress {} {}", w.category, w.iso3))
    }

    /// The summary notes: zones per attribute and source, and zonal series unused.
    pub fn finish(mut self, report: &mut ImportReport) {
        let mut by_attribute: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for ((attribute, source), zones) in &mut self.tally {
            zones.sort();
            let shown = if zones.len() <= 12 {
                format!(" ({})", zones.join(", "))
            } else {
                String::new()
            };
            by_attribute
                .entry(attribute)
                .or_default()
                .push(format!("{} {source}{shown}", zones.len()));
        }
        for (attribute, parts) in by_attribute {
            report.note(format!("{attribute}: {}", parts.join("; ")));
        }
        if let Some(zonal) = &self.zonal {
            let mut unused: Vec<&str> = zonal
                .iter()
                .filter(|(k, _)| !self.used_zonal.contains(*k))
                .map(|(_, s)| s.code.as_str())
                .collect();
            unused.sort_unstable();
            if !unused.is_empty() {
                report.note(format!("zonal series no zone used: {}", unused.join(", ")));
            }
        }
    }
}
