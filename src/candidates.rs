//! Per-candidate attributes and eligibility (MODEL.md "Derived attributes" and
//! "Eligibility"). Geometry goes in; plain numbers come out.

use std::collections::BTreeMap;

use geo::Coord;
use serde::Serialize;

use crate::deadline::Deadline;
use crate::error::Result;
use crate::fibre::{Entry, NearestSource, Network};
use crate::geodesy::{to_unit, Unit};
use crate::index::{PointIndex, PolygonIndex};
use crate::layers::Layers;
use crate::scenario::Scenario;

/// The eligibility rules, in the order MODEL.md lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Unavailable,
    Excluded,
    AreaBelowLandHa,
    OutsidePriceZones,
    InsideExclusion,
    FibreAccessTooFar,
    IxpRttTooHigh,
    InsufficientHeadroom,
    CarbonAboveMax,
    WaterStressAboveMax,
}

impl Rule {
    pub const ALL: [Rule; 10] = [
        Rule::Unavailable,
        Rule::Excluded,
        Rule::AreaBelowLandHa,
        Rule::OutsidePriceZones,
        Rule::InsideExclusion,
        Rule::FibreAccessTooFar,
        Rule::IxpRttTooHigh,
        Rule::InsufficientHeadroom,
        Rule::CarbonAboveMax,
        Rule::WaterStressAboveMax,
    ];

    /// Whether a scenario applies the rule. Rules of version 2 apply only when their
    /// key is set, so version-1 scenarios report exactly the version-1 counts.
    pub fn in_effect(self, s: &Scenario) -> bool {
        match self {
            Rule::Excluded => !s.sites.exclude.is_empty(),
            Rule::CarbonAboveMax => s.carbon.max_g_per_kwh.is_some(),
            Rule::WaterStressAboveMax => s.sites.max_water_stress.is_some(),
            _ => true,
        }
    }

    /// What failing the rule means, for explanations.
    pub fn describe(self, s: &Scenario) -> String {
        match self {
            Rule::Unavailable => "its parcel is marked `available = false`".into(),
            Rule::Excluded => "it is listed in `sites.exclude`".into(),
            Rule::AreaBelowLandHa => {
                format!("its area is below facility.land_ha = {} ha", s.facility.land_ha)
            }
            Rule::OutsidePriceZones => "it lies in no price zone".into(),
            Rule::InsideExclusion => "it lies inside an exclusion zone".into(),
            Rule::FibreAccessTooFar => format!(
                "its nearest fibre route is farther than fibre.max_access_km = {} km",
                s.fibre.max_access_km
            ),
            Rule::IxpRttTooHigh => format!(
                "its RTT to every exchange point exceeds latency.max_rtt_ms_to_ixp = {} ms",
                s.latency.max_rtt_ms_to_ixp.unwrap_or(f64::INFINITY)
            ),
            Rule::InsufficientHeadroom => format!(
                "the substations within power.max_connection_km = {} km lack the headroom for its power",
                s.power.max_connection_km
            ),
            Rule::CarbonAboveMax => format!(
                "its zone's carbon intensity exceeds carbon.max_g_per_kwh = {} g/kWh",
                s.carbon.max_g_per_kwh.unwrap_or(f64::INFINITY)
            ),
            Rule::WaterStressAboveMax => format!(
                "its water stress is above sites.max_water_stress = {}, or unknown",
                s.sites.max_water_stress.unwrap_or(f64::INFINITY)
            ),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Rule::Unavailable => "unavailable",
            Rule::Excluded => "excluded",
            Rule::AreaBelowLandHa => "area_below_land_ha",
            Rule::OutsidePriceZones => "outside_price_zones",
            Rule::InsideExclusion => "inside_exclusion",
            Rule::FibreAccessTooFar => "fibre_access_too_far",
            Rule::IxpRttTooHigh => "ixp_rtt_too_high",
            Rule::InsufficientHeadroom => "insufficient_headroom",
            Rule::CarbonAboveMax => "carbon_above_max",
            Rule::WaterStressAboveMax => "water_stress_above_max",
        }
    }
}

/// A substation within reach of a candidate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridOption {
    pub substation: usize,
    pub km: f64,
    pub cost_eur: f64,
    /// What one line can carry: min(headroom, P_i), MW.
    pub cap_mw: f64,
}

/// Everything the model needs to know about one candidate, and the report to show.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Index of the parcel in the land layer.
    pub parcel: usize,
    pub id: String,
    pub location: Coord,
    pub unit: Unit,
    pub zone: Option<usize>,
    pub price_eur_per_mwh: Option<f64>,
    /// The zone's surcharge, EUR/MWh (0 outside every zone).
    pub surcharge_eur_per_mwh: f64,
    pub country: Option<String>,
    /// pue_i: the parcel's, else the zone's, else the facility's.
    pub pue: f64,
    /// P_i = it_load_mw × pue_i, MW.
    pub power_mw: f64,
    pub carbon_g_per_kwh: Option<f64>,
    /// Yearly emissions M_i × ci_i / 1000, t (None without a carbon intensity).
    pub co2_t_per_year: Option<f64>,
    /// water_i: the parcel's, else the zone's; None when unknown.
    pub water_stress: Option<f64>,
    pub cost_land_eur: f64,
    pub cost_energy_eur: f64,
    pub cost_carbon_eur: f64,
    pub fibre: Option<Entry>,
    pub cost_fibre_eur: f64,
    pub rtt_to_ixp_ms: Option<f64>,
    pub nearest_ixp: Option<usize>,
    /// Substations within reach, nearest first, ties by substation index (those no
    /// optimal plan can use left out; see `Context::grid_options`).
    pub grid_options: Vec<GridOption>,
    pub headroom_sum_mw: f64,
    /// Every rule the candidate fails, in rule order.
    pub failing: Vec<Rule>,
}

impl Candidate {
    pub fn eligible(&self) -> bool {
        self.failing.is_empty()
    }

    /// L + F + E + K (without capex or grid lines).
    pub fn site_cost_eur(&self) -> f64 {
        self.cost_land_eur + self.cost_fibre_eur + self.cost_energy_eur + self.cost_carbon_eur
    }
}

/// A demand point as the model sees it.
#[derive(Debug, Clone)]
pub struct Demand {
    pub id: String,
    pub weight: f64,
    /// (eligible-candidate position, RTT ms) for every eligible candidate with a
    /// network path to it; the demand RTT limit is applied by the model.
    pub reach: Vec<(usize, f64)>,
}

/// Counts of candidates per eligibility rule.
#[derive(Debug, Clone, Serialize)]
pub struct RuleCounts {
    /// Candidates measured (all parcels, unless the time limit stopped the stage).
    pub candidates: usize,
    /// Parcels left unmeasured when the time limit passed (omitted when none).
    #[serde(skip_serializing_if = "is_zero")]
    pub unmeasured: usize,
    pub eligible: usize,
    /// Each ineligible candidate counted once, by the first rule it fails (MODEL order).
    pub removed_by_rule: BTreeMap<&'static str, usize>,
    /// Each rule's count of candidates failing it, whatever else they fail.
    pub failing_rule: BTreeMap<&'static str, usize>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Parcels the time limit left unmeasured, and what bounds the plans that use them.
#[derive(Debug, Clone)]
pub struct Unmeasured {
    pub parcels: usize,
    /// A bound on every plan that opens at least one unmeasured parcel: the least
    /// cost floor among them plus the k − 1 least floors among the other parcels.
    pub plans_bound_eur: f64,
}

/// The candidates stage's result.
pub struct Candidates {
    /// The measured parcels, in land-layer order (every parcel unless `unmeasured`).
    pub all: Vec<Candidate>,
    /// Set when the time limit stopped the measuring (see [`measure_parcels`]).
    pub unmeasured: Option<Unmeasured>,
    /// Indices into `all` of the eligible candidates, in land-layer order.
    pub eligible: Vec<usize>,
    pub demand: Vec<Demand>,
    pub counts: RuleCounts,
    pub warnings: Vec<String>,
    pub network: Network,
}

/// Derives every candidate's attributes from the layers.
pub fn derive(scenario: &Scenario, layers: &Layers) -> Result<Candidates> {
    derive_until(scenario, layers, Deadline::never())
}

const STAGE: &str = "deriving candidate attributes";

/// What every candidate is measured against: indexes, the network and its nearest-IXP
/// table, built once.
struct Context<'a> {
    scenario: &'a Scenario,
    layers: &'a Layers,
    zones: PolygonIndex<'a>,
    exclusions: PolygonIndex<'a>,
    substations: PointIndex,
    network: Network,
    ixps: NearestSource,
    /// IXP index by rank (ascending id).
    ixp_by_rank: Vec<usize>,
    /// A substation the k sites can never exhaust together (see `grid_options`).
    never_binding: Box<dyn Fn(usize) -> bool + Sync + 'a>,
    /// `sites.exclude`, for a lookup per parcel.
    excluded: std::collections::HashSet<&'a str>,
}

impl<'a> Context<'a> {
    fn new(scenario: &'a Scenario, layers: &'a Layers, deadline: Deadline) -> Result<Context<'a>> {
        // The network and the substations' index are built side by side.
        let (network, substations) = rayon::join(
            || Network::build_until(&layers.fibre, scenario.fibre.snap_km, deadline, STAGE),
            || PointIndex::from_coords(&layers.grid.iter().map(|s| s.location).collect::<Vec<_>>()),
        );
        let network = network?;
        deadline.check(STAGE)?;
        let mut ixp_by_rank: Vec<usize> = (0..layers.fibre.ixps.len()).collect();
        ixp_by_rank.sort_by(|&a, &b| layers.fibre.ixps[a].id.cmp(&layers.fibre.ixps[b].id));
        let sources: Vec<(Entry, u32)> = ixp_by_rank
            .iter()
            .enumerate()
            .filter_map(|(rank, &x)| {
                network
                    .entry(layers.fibre.ixps[x].location)
                    .map(|e| (e, rank as u32))
            })
            .collect();
        let ixps = network.nearest_sources(&sources);
        deadline.check(STAGE)?;
        let power_mw = largest_power_mw(scenario, layers);
        let k = f64::from(scenario.sites.count);
        let no_sharing = separation_forbids_sharing(scenario);
        Ok(Context {
            scenario,
            layers,
            zones: PolygonIndex::new(layers.prices.iter().map(|z| &z.area).collect()),
            exclusions: PolygonIndex::new(layers.exclusions.iter().map(|e| &e.area).collect()),
            substations,
            network,
            ixps,
            ixp_by_rank,
            excluded: scenario.sites.exclude.iter().map(String::as_str).collect(),
            never_binding: Box::new(move |s: usize| {
                no_sharing || layers.grid[s].headroom_mw >= k * power_mw
            }),
        })
    }

    /// Substations within reach of a site drawing `power_mw`, nearest first. Options
    /// dearer than the nearest substation that can power the site alone and that the
    /// k sites can never exhaust are left out: a line's cost grows with its length, so
    /// replacing any connection that uses one by that single line is no dearer and
    /// frees headroom, and no optimal plan needs them.
    fn grid_options(&self, unit: Unit, power_mw: f64) -> Vec<GridOption> {
        let sc = self.scenario;
        self.substations
            .nearest_until(unit, sc.power.max_connection_km, |s, _| {
                self.layers.grid[s].headroom_mw >= power_mw && (self.never_binding)(s)
            })
            .into_iter()
            .map(|(s, km)| GridOption {
                substation: s,
                km,
                cost_eur: sc.power.line_cost_eur(km),
                cap_mw: self.layers.grid[s].headroom_mw.min(power_mw),
            })
            .collect()
    }

    /// The zone of a location (lowest price among several, with a warning).
    fn zone(&self, id: &str, loc: Coord) -> (Option<usize>, Option<String>) {
        let prices = &self.layers.prices;
        let in_zones = self.zones.containing(loc);
        let zone = in_zones.iter().copied().min_by(|&a, &b| {
            prices[a]
                .price_eur_per_mwh
                .total_cmp(&prices[b].price_eur_per_mwh)
                .then_with(|| prices[a].zone.cmp(&prices[b].zone))
        });
        let warning = (in_zones.len() > 1).then(|| {
            let names: Vec<&str> = in_zones.iter().map(|&z| prices[z].zone.as_str()).collect();
            format!(
                "candidate {id:?} lies in several price zones ({}); the lowest price is used",
                names.join(", ")
            )
        });
        (zone, warning)
    }

    /// A bound on the cost of any plan's site on this parcel, from the parcel and its
    /// zone alone: land, energy and carbon (fibre, grid and allocation costs are
    /// never negative). Infinite when a rule known without measuring (availability,
    /// area, exclusion by id, no zone) makes it ineligible.
    fn cost_floor(&self, parcel: &crate::layers::LandParcel, zone: Option<usize>) -> f64 {
        let Some(z) = zone else {
            return f64::INFINITY;
        };
        if self.parcel_checks(parcel, zone).iter().any(|c| c.1) {
            return f64::INFINITY;
        }
        let energy = Energy::of(self.scenario, parcel, Some(&self.layers.prices[z]));
        self.land_cost_eur(parcel) + energy.cost_energy_eur + energy.cost_carbon_eur
    }

    /// L: the land the facility takes, at the parcel's price.
    fn land_cost_eur(&self, parcel: &crate::layers::LandParcel) -> f64 {
        self.scenario.facility.land_ha * 10_000.0 * parcel.price_eur_per_m2
    }

    /// The eligibility rules the parcel's own properties and its zone decide, in
    /// rule order (the first of [`Context::failing`]'s checks), before any measuring.
    fn parcel_checks(
        &self,
        parcel: &crate::layers::LandParcel,
        zone: Option<usize>,
    ) -> [(Rule, bool); 4] {
        [
            (Rule::Unavailable, !parcel.available),
            (Rule::Excluded, self.excluded.contains(parcel.id.as_str())),
            (
                Rule::AreaBelowLandHa,
                parcel.area_ha < self.scenario.facility.land_ha,
            ),
            (Rule::OutsidePriceZones, zone.is_none()),
        ]
    }

    /// The parcel measured, with its zone (and the zone's warning) already found.
    fn candidate(
        &self,
        p: usize,
        parcel: &crate::layers::LandParcel,
        (zone, warning): (Option<usize>, Option<String>),
    ) -> (Candidate, Option<String>) {
        let sc = self.scenario;
        let loc = parcel.location;
        let zone_data = zone.map(|z| &self.layers.prices[z]);
        let price = zone_data.map(|z| z.price_eur_per_mwh);
        let country = parcel
            .country
            .clone()
            .or_else(|| zone_data.and_then(|z| z.country.clone()));
        let energy = Energy::of(sc, parcel, zone_data);
        let fibre = self.network.entry(loc);
        let nearest = fibre
            .as_ref()
            .and_then(|e| self.ixps.nearest(&self.network, e));
        let rtt_ixp = nearest.map(|(km, _)| 2.0 * km * sc.fibre.ms_per_km);
        let nearest_ixp = nearest.map(|(_, rank)| self.ixp_by_rank[rank as usize]);
        let unit = to_unit(loc);
        let grid_options = self.grid_options(unit, energy.power_mw);
        let headroom_sum_mw: f64 = grid_options
            .iter()
            .map(|o| self.layers.grid[o.substation].headroom_mw)
            .sum();
        let access_km = fibre.map(|e| e.access_km);
        let failing = self.failing(parcel, zone, access_km, rtt_ixp, headroom_sum_mw, &energy);
        let candidate = Candidate {
            parcel: p,
            id: parcel.id.clone(),
            location: loc,
            unit,
            zone,
            price_eur_per_mwh: price,
            surcharge_eur_per_mwh: energy.surcharge_eur_per_mwh,
            country,
            pue: energy.pue,
            power_mw: energy.power_mw,
            carbon_g_per_kwh: energy.carbon_g_per_kwh,
            co2_t_per_year: energy.co2_t_per_year,
            water_stress: energy.water_stress,
            cost_land_eur: self.land_cost_eur(parcel),
            cost_energy_eur: energy.cost_energy_eur,
            cost_carbon_eur: energy.cost_carbon_eur,
            fibre,
            cost_fibre_eur: access_km.unwrap_or(0.0) * sc.fibre.cost_eur_per_km,
            rtt_to_ixp_ms: rtt_ixp,
            nearest_ixp,
            grid_options,
            headroom_sum_mw,
            failing,
        };
        (candidate, warning)
    }

    /// Every eligibility rule the candidate fails, in rule order.
    fn failing(
        &self,
        parcel: &crate::layers::LandParcel,
        zone: Option<usize>,
        access_km: Option<f64>,
        rtt_ixp: Option<f64>,
        headroom_sum_mw: f64,
        energy: &Energy,
    ) -> Vec<Rule> {
        let sc = self.scenario;
        let over = |limit: Option<f64>, value: Option<f64>| {
            limit.is_some_and(|l| value.is_none_or(|v| v > l))
        };
        let measured = [
            (
                Rule::InsideExclusion,
                !self.exclusions.containing(parcel.location).is_empty(),
            ),
            (
                Rule::FibreAccessTooFar,
                over(Some(sc.fibre.max_access_km), access_km),
            ),
            (
                Rule::IxpRttTooHigh,
                over(sc.latency.max_rtt_ms_to_ixp, rtt_ixp),
            ),
            (
                Rule::InsufficientHeadroom,
                headroom_sum_mw < energy.power_mw,
            ),
            (
                Rule::CarbonAboveMax,
                zone.is_some() && over(sc.carbon.max_g_per_kwh, energy.carbon_g_per_kwh),
            ),
            (
                Rule::WaterStressAboveMax,
                over(sc.sites.max_water_stress, energy.water_stress),
            ),
        ];
        self.parcel_checks(parcel, zone)
            .into_iter()
            .chain(measured)
            .filter(|&(_, fails)| fails)
            .map(|(rule, _)| rule)
            .collect()
    }
}

/// A site's power, energy and carbon figures (MODEL.md "Derived attributes").
struct Energy {
    pue: f64,
    power_mw: f64,
    surcharge_eur_per_mwh: f64,
    carbon_g_per_kwh: Option<f64>,
    co2_t_per_year: Option<f64>,
    water_stress: Option<f64>,
    cost_energy_eur: f64,
    cost_carbon_eur: f64,
}

impl Energy {
    fn of(
        sc: &Scenario,
        parcel: &crate::layers::LandParcel,
        zone: Option<&crate::layers::PriceZone>,
    ) -> Energy {
        let f = &sc.facility;
        let pue = parcel
            .pue
            .or_else(|| zone.and_then(|z| z.pue))
            .unwrap_or(f.pue);
        let power_mw = f.power_mw_at(pue);
        let mwh = f.yearly_mwh(power_mw);
        let annuity = f.annuity();
        let surcharge = zone.map_or(0.0, |z| z.surcharge_eur_per_mwh);
        let carbon = zone.and_then(|z| z.carbon_g_per_kwh);
        let co2 = carbon.map(|ci| mwh * ci / 1000.0);
        let cost_carbon_eur = match co2 {
            Some(t) if sc.carbon.eur_per_t > 0.0 => t * sc.carbon.eur_per_t * annuity,
            _ => 0.0,
        };
        Energy {
            pue,
            power_mw,
            surcharge_eur_per_mwh: surcharge,
            carbon_g_per_kwh: carbon,
            co2_t_per_year: co2,
            water_stress: parcel
                .water_stress
                .or_else(|| zone.and_then(|z| z.water_stress)),
            cost_energy_eur: zone
                .map_or(0.0, |z| mwh * (z.price_eur_per_mwh + surcharge) * annuity),
            cost_carbon_eur,
        }
    }
}

/// The largest facility power any parcel can have: at the largest PUE of the
/// facility, the parcels and the zones.
fn largest_power_mw(sc: &Scenario, layers: &Layers) -> f64 {
    let pue = layers
        .land
        .iter()
        .filter_map(|p| p.pue)
        .chain(layers.prices.iter().filter_map(|z| z.pue))
        .fold(sc.facility.pue, f64::max);
    sc.facility.power_mw_at(pue)
}

/// With a carbon price or cap, every zone must give its carbon intensity.
fn check_carbon_intensities(sc: &Scenario, layers: &Layers) -> Result<()> {
    if !sc.carbon.needs_intensity() {
        return Ok(());
    }
    let Some((index, zone)) = layers
        .prices
        .iter()
        .enumerate()
        .find(|(_, z)| z.carbon_g_per_kwh.is_none())
    else {
        return Ok(());
    };
    Err(crate::error::Error::Feature {
        path: sc.layers.prices.clone(),
        feature: crate::error::FeatureRef {
            index,
            id: Some(zone.zone.clone()),
        },
        property: Some("carbon_g_per_kwh".into()),
        message: "missing: required when carbon.eur_per_t > 0 or carbon.max_g_per_kwh is set"
            .into(),
    })
}

/// [`derive`], checking `deadline` as it goes. Parcels are measured in parallel; the
/// result does not depend on the number of threads.
pub fn derive_until(
    scenario: &Scenario,
    layers: &Layers,
    deadline: Deadline,
) -> Result<Candidates> {
    check_carbon_intensities(scenario, layers)?;
    let ctx = Context::new(scenario, layers, deadline)?;
    deadline.check(STAGE)?;
    let reserve = after_measuring_s(scenario, layers, &ctx, deadline);
    let (measured, unmeasured) = measure_parcels(&ctx, scenario, layers, deadline, reserve)?;
    let mut warnings = Vec::new();
    let all: Vec<Candidate> = measured
        .into_iter()
        .map(|(c, w)| {
            warnings.extend(w);
            c
        })
        .collect();
    let eligible: Vec<usize> = (0..all.len()).filter(|&i| all[i].eligible()).collect();
    // Stopped by the deadline: the measured parcels' demand reach is still needed for
    // a plan (one search of the network per demand point).
    let demand_deadline = if unmeasured.is_some() {
        Deadline::never()
    } else {
        deadline.check(STAGE)?;
        deadline
    };
    let demand = demand_reach(
        scenario,
        layers,
        &ctx.network,
        &all,
        &eligible,
        demand_deadline,
    )?;
    let mut counts = rule_counts(scenario, &all, eligible.len());
    counts.unmeasured = unmeasured.as_ref().map_or(0, |u| u.parcels);
    if let Some(u) = &unmeasured {
        let others = if u.plans_bound_eur.is_finite() {
            format!(
                "every plan using another costs at least {:.1} M EUR",
                u.plans_bound_eur / 1e6
            )
        } else {
            "no plan can use another".to_string()
        };
        warnings.push(format!(
            "the time limit passed while measuring parcels: {} of {} were measured (the \
             cheapest first by land, energy and carbon cost); {others}",
            all.len(),
            layers.land.len(),
        ));
    }
    Ok(Candidates {
        unmeasured,
        all,
        eligible,
        demand,
        counts,
        warnings,
        network: ctx.network,
    })
}

/// Seconds to leave, when the measuring may be stopped, for what runs after it on
/// the measured parcels: the demand points' network searches (one is timed here; the
/// rest are taken to run as many at a time as there are threads, at half the speed,
/// since they share the memory bus) and a margin for the model, the first search step
/// and the output. Zero without a time limit.
fn after_measuring_s(
    scenario: &Scenario,
    layers: &Layers,
    ctx: &Context<'_>,
    deadline: Deadline,
) -> f64 {
    const MARGIN_S: f64 = 0.4;
    if deadline.instant().is_none() {
        return 0.0;
    }
    if !needs_demand_rtt(scenario) {
        return MARGIN_S;
    }
    let first = layers
        .demand
        .iter()
        .find_map(|d| ctx.network.entry(d.location));
    let searches = first.map_or(0.0, |e| {
        let t = std::time::Instant::now();
        let _ = ctx.network.distances_from(&e);
        let waves = layers
            .demand
            .len()
            .div_ceil(rayon::current_num_threads().max(1));
        2.0 * t.elapsed().as_secs_f64() * waves as f64
    });
    searches + MARGIN_S
}

/// A parcel's zone, and the warning when it lies in several.
type Zoned = (Option<usize>, Option<String>);
/// A measured parcel, and its zone warning.
type Measured = (Candidate, Option<String>);

/// Parcels per measuring step; the deadline is checked between steps.
const CHUNK: usize = 4096;
/// Measured parcels kept for the model when the deadline stops the measuring.
const KEEP: usize = 16_384;

/// Measures every parcel and returns them in land-layer order. Without a time limit
/// they are measured in that order; with one, cheapest first by their cost floor
/// (land, energy and carbon from the zone) in steps of [`CHUNK`]. With a
/// country cap the order takes each country's cheapest parcel, then each country's
/// second cheapest, and so on, so that any prefix can hold a plan. When the deadline
/// passes, the first step is still measured (a plan needs some sites), at most
/// [`KEEP`] measured parcels go on, and the rest are left unmeasured with a bound on
/// every plan that uses them. The order does not change what is measured when the
/// stage completes.
fn measure_parcels(
    ctx: &Context<'_>,
    scenario: &Scenario,
    layers: &Layers,
    deadline: Deadline,
    reserve_s: f64,
) -> Result<(Vec<Measured>, Option<Unmeasured>)> {
    use rayon::prelude::*;
    let land = &layers.land;
    // The zones are looked up under the run's deadline; the measuring stops
    // `reserve_s` before it.
    let stop = deadline.earlier_by(reserve_s);
    let zones: Vec<Zoned> = land
        .par_iter()
        .enumerate()
        .map(|(p, parcel)| {
            if p % 8192 == 0 {
                deadline.check(STAGE)?;
            }
            Ok(ctx.zone(&parcel.id, parcel.location))
        })
        .collect::<Result<_>>()?;
    if deadline.instant().is_none() {
        // No time limit: nothing can stop the measuring, so no order is needed.
        let measured = land
            .par_iter()
            .zip(zones)
            .enumerate()
            .map(|(p, (parcel, z))| ctx.candidate(p, parcel, z))
            .collect();
        return Ok((measured, None));
    }
    let floors = Floors::new(ctx, scenario, layers, &zones);
    let order = floors.order(scenario, land);
    // Measured in `order`, one step after another: `measured[i]` is `order[i]`.
    let mut measured: Vec<(u32, Measured)> = Vec::with_capacity(land.len());
    for chunk in order.chunks(CHUNK) {
        if !measured.is_empty() && stop.passed() {
            // Past the deadline only the first parcels go on to the model, few
            // enough for the stages after this one to take a moment.
            measured.truncate(KEEP);
            break;
        }
        measured.par_extend(chunk.par_iter().map(|&p| {
            let p = p as usize;
            (p as u32, ctx.candidate(p, &land[p], zones[p].clone()))
        }));
    }
    let done = measured.len();
    let unmeasured = (done < land.len()).then(|| Unmeasured {
        parcels: land.len() - done,
        plans_bound_eur: floors.plans_bound(scenario, &order[done..]),
    });
    measured.par_sort_unstable_by_key(|m| m.0);
    Ok((measured.into_iter().map(|m| m.1).collect(), unmeasured))
}

/// Every parcel's cost floor and country (its own, else its zone's), for the order
/// of measuring and the bound on plans through parcels left unmeasured.
struct Floors {
    floor: Vec<f64>,
    /// Country index per parcel (`countries` long for none).
    country: Vec<u32>,
    countries: usize,
}

impl Floors {
    fn new(
        ctx: &Context<'_>,
        scenario: &Scenario,
        layers: &Layers,
        zones: &[(Option<usize>, Option<String>)],
    ) -> Floors {
        use rayon::prelude::*;
        let floor: Vec<f64> = layers
            .land
            .par_iter()
            .zip(zones)
            .map(|(parcel, z)| ctx.cost_floor(parcel, z.0))
            .collect();
        let mut names: BTreeMap<&str, u32> = BTreeMap::new();
        let of = |p: usize| {
            layers.land[p]
                .country
                .as_deref()
                .or_else(|| zones[p].0.and_then(|z| layers.prices[z].country.as_deref()))
        };
        if scenario.sites.max_per_country.is_some() {
            for p in 0..layers.land.len() {
                if let Some(c) = of(p) {
                    let n = names.len() as u32;
                    names.entry(c).or_insert(n);
                }
            }
        }
        let countries = names.len();
        let country = (0..layers.land.len())
            .map(|p| {
                of(p)
                    .and_then(|c| names.get(c).copied())
                    .unwrap_or(countries as u32)
            })
            .collect();
        Floors {
            floor,
            country,
            countries,
        }
    }

    /// Included parcels first (the model needs them whatever their cost), then by
    /// floor; with a country cap, by rank within the country first.
    fn order(&self, scenario: &Scenario, land: &[crate::layers::LandParcel]) -> Vec<u32> {
        use rayon::prelude::*;
        let included: std::collections::HashSet<&str> =
            scenario.sites.include.iter().map(String::as_str).collect();
        let later = |p: u32| !included.contains(land[p as usize].id.as_str());
        let by_floor = |a: &u32, b: &u32| {
            later(*a)
                .cmp(&later(*b))
                .then(self.floor[*a as usize].total_cmp(&self.floor[*b as usize]))
                .then(a.cmp(b))
        };
        let mut order: Vec<u32> = (0..land.len() as u32).collect();
        order.par_sort_unstable_by(by_floor);
        if scenario.sites.max_per_country.is_some() {
            let mut seen = vec![0u32; self.countries + 1];
            let mut rank = vec![0u32; land.len()];
            for &p in &order {
                let c = self.country[p as usize] as usize;
                rank[p as usize] = seen[c];
                seen[c] += 1;
            }
            order.par_sort_unstable_by(|a, b| {
                later(*a)
                    .cmp(&later(*b))
                    .then(rank[*a as usize].cmp(&rank[*b as usize]))
                    .then(by_floor(a, b))
            });
        }
        order
    }

    /// A bound on every plan that opens at least one of `rest`: per country, the least
    /// floor in `rest` plus the k − 1 least floors of the other parcels a plan may
    /// hold with it (at most m per country, m − 1 more in its own); the least over
    /// countries. Infinite when no plan can use them.
    fn plans_bound(&self, scenario: &Scenario, rest: &[u32]) -> f64 {
        let k = scenario.sites.count as usize;
        let cap = scenario.sites.max_per_country.map(|m| m as usize);
        let groups = self.countries + 1;
        let none = self.countries;
        let mut least_rest = vec![f64::INFINITY; groups];
        for &p in rest {
            let c = self.country[p as usize] as usize;
            least_rest[c] = least_rest[c].min(self.floor[p as usize]);
        }
        // The k least floors per country (a plan never holds more from one).
        let mut least: Vec<Vec<f64>> = vec![Vec::new(); groups];
        for (p, &f) in self.floor.iter().enumerate() {
            if !f.is_finite() {
                continue;
            }
            let l = &mut least[self.country[p] as usize];
            if l.len() < k || f < *l.last().expect("non-empty") {
                let at = l.partition_point(|&x| x <= f);
                l.insert(at, f);
                l.truncate(k);
            }
        }
        let mut bound = f64::INFINITY;
        for (c, &f) in least_rest.iter().enumerate() {
            if !f.is_finite() {
                continue;
            }
            let mut others: Vec<f64> = Vec::new();
            for (d, l) in least.iter().enumerate() {
                let take = match cap {
                    Some(m) if d != none => {
                        if d == c {
                            m.saturating_sub(1)
                        } else {
                            m
                        }
                    }
                    _ => k,
                };
                // The parcel itself may be among its country's least: drop one copy
                // of its floor (any parcel of equal floor leaves the same values).
                let own = if d == c {
                    l.iter().position(|&x| x == f)
                } else {
                    None
                };
                others.extend(
                    l.iter()
                        .enumerate()
                        .filter(|&(i, _)| Some(i) != own)
                        .map(|(_, &x)| x)
                        .take(take),
                );
            }
            if others.len() + 1 < k {
                continue;
            }
            others.sort_by(f64::total_cmp);
            let sum: f64 = others[..k - 1].iter().sum();
            bound = bound.min(f + sum);
        }
        bound + k as f64 * scenario.facility.capex_eur
    }
}

/// RTT from every demand point to every eligible candidate with a path, kept only when
/// the scenario uses it (a coverage limit or a latency cost); the limit itself is
/// applied by the model, so scenarios that differ only in it share these attributes.
fn demand_reach(
    scenario: &Scenario,
    layers: &Layers,
    network: &Network,
    all: &[Candidate],
    eligible: &[usize],
    deadline: Deadline,
) -> Result<Vec<Demand>> {
    use rayon::prelude::*;
    let needs_reach = needs_demand_rtt(scenario);
    let ms_per_km = scenario.fibre.ms_per_km;
    layers
        .demand
        .par_iter()
        .map(|d| {
            deadline.check(STAGE)?;
            let mut reach = Vec::new();
            if needs_reach {
                if let Some(se) = network.entry(d.location) {
                    let dist = network.distances_from(&se);
                    for (pos, &i) in eligible.iter().enumerate() {
                        let Some(e) = all[i].fibre.as_ref() else {
                            continue;
                        };
                        let km = e.access_km + network.network_km(&se, &dist, e) + se.access_km;
                        let rtt = 2.0 * km * ms_per_km;
                        if km.is_finite() {
                            reach.push((pos, rtt));
                        }
                    }
                }
            }
            Ok(Demand {
                id: d.id.clone(),
                weight: d.weight,
                reach,
            })
        })
        .collect()
}

fn rule_counts(scenario: &Scenario, all: &[Candidate], eligible: usize) -> RuleCounts {
    let mut removed_by_rule = BTreeMap::new();
    let mut failing_rule = BTreeMap::new();
    for rule in Rule::ALL.into_iter().filter(|r| r.in_effect(scenario)) {
        removed_by_rule.insert(rule.name(), 0);
        failing_rule.insert(rule.name(), 0);
    }
    for c in all {
        if let Some(first) = c.failing.first() {
            *removed_by_rule.get_mut(first.name()).unwrap() += 1;
        }
        for r in &c.failing {
            *failing_rule.get_mut(r.name()).unwrap() += 1;
        }
    }
    RuleCounts {
        unmeasured: 0,
        candidates: all.len(),
        eligible,
        removed_by_rule,
        failing_rule,
    }
}

/// The scenario keys [`derive`] reads, as a value: equal values, equal attributes
/// (batches derive once per distinct value). The grid options depend on whether the
/// separation forbids sharing a substation and, when it does not, on the site count
/// (which substations can never bind; see `Context::grid_options`).
pub fn attribute_keys(s: &Scenario) -> serde_json::Value {
    let no_sharing = separation_forbids_sharing(s);
    serde_json::json!({
        "facility": s.facility,
        "power": s.power,
        "carbon": s.carbon,
        "exclude": s.sites.exclude,
        "max_water_stress": s.sites.max_water_stress,
        "fibre": s.fibre,
        "max_rtt_ms_to_ixp": s.latency.max_rtt_ms_to_ixp,
        "demand_rtt": needs_demand_rtt(s),
        "separation_forbids_sharing": no_sharing,
        "count": (!no_sharing).then_some(s.sites.count),
    })
}

/// Whether the separation rule alone keeps two sites from sharing a substation (two
/// sites sharing one lie within 2 × max_connection_km of each other).
pub fn separation_forbids_sharing(s: &Scenario) -> bool {
    sharing_forbidden(s.sites.min_separation_km, s.power.max_connection_km)
}

/// The rule behind [`separation_forbids_sharing`], for a separation and a reach in km.
pub fn sharing_forbidden(separation_km: Option<f64>, max_connection_km: f64) -> bool {
    separation_km.is_some_and(|d| d > 2.0 * max_connection_km + 1e-6)
}

/// Whether a scenario needs RTTs between candidates and demand points.
pub fn needs_demand_rtt(scenario: &Scenario) -> bool {
    scenario.latency.max_rtt_ms_to_demand.is_some() || scenario.latency.eur_per_ms > 0.0
}

/// The cheapest way to power one site on its own: at most `max_lines` lines whose
/// capacities sum to at least `power_mw`. Returns the chosen options (positions in
/// `options`) and their cost, or None when no such set exists.
///
/// Depth-first over options in cost order with two prunings: a partial set already
/// dearer than the best, and a partial set that cannot reach `power_mw` even with the
/// largest remaining capacities.
pub fn standalone_grid(
    options: &[GridOption],
    power_mw: f64,
    max_lines: usize,
) -> Option<(Vec<usize>, f64)> {
    let mut order: Vec<usize> = (0..options.len()).collect();
    order.sort_by(|&a, &b| {
        options[a]
            .cost_eur
            .total_cmp(&options[b].cost_eur)
            .then(options[a].substation.cmp(&options[b].substation))
    });
    // Largest capacities first, for the reachability bound.
    let mut caps: Vec<f64> = options.iter().map(|o| o.cap_mw).collect();
    caps.sort_by(|a, b| b.total_cmp(a));
    let mut best: Option<(Vec<usize>, f64)> = None;
    let mut chosen = Vec::new();
    search(
        options,
        &order,
        &caps,
        power_mw,
        max_lines,
        0,
        0.0,
        0.0,
        &mut chosen,
        &mut best,
    );
    best.map(|(mut set, cost)| {
        set.sort_unstable();
        (set, cost)
    })
}

#[allow(clippy::too_many_arguments)]
fn search(
    options: &[GridOption],
    order: &[usize],
    caps_desc: &[f64],
    need_mw: f64,
    slots: usize,
    from: usize,
    cost: f64,
    mw: f64,
    chosen: &mut Vec<usize>,
    best: &mut Option<(Vec<usize>, f64)>,
) {
    const MW_TOL: f64 = 1e-9;
    if mw >= need_mw - MW_TOL {
        if best.as_ref().is_none_or(|(_, c)| cost < *c) {
            *best = Some((chosen.clone(), cost));
        }
        return;
    }
    let left = slots - chosen.len();
    if left == 0 {
        return;
    }
    let reachable: f64 = caps_desc.iter().take(left).sum();
    if mw + reachable < need_mw - MW_TOL {
        return;
    }
    for k in from..order.len() {
        let o = &options[order[k]];
        if best.as_ref().is_some_and(|(_, c)| cost + o.cost_eur >= *c) {
            // Options are in cost order: every later one is at least as dear.
            break;
        }
        if o.cap_mw <= 0.0 {
            continue;
        }
        chosen.push(order[k]);
        search(
            options,
            order,
            caps_desc,
            need_mw,
            slots,
            k + 1,
            cost + o.cost_eur,
            mw + o.cap_mw,
            chosen,
            best,
        );
        chosen.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bound on plans through unmeasured parcels against the truth: for every
    /// parcel u of a set, the optimum with u forced in; the least over u must not lie
    /// below the bound. Also every eligible parcel's floor lies below its site cost.
    #[test]
    fn the_bound_on_plans_through_unmeasured_parcels_holds() {
        use crate::generate::{generate, GenerateOptions, SplitMix64};
        use crate::solve::{solve, Backend, SolveOptions};
        let opts = SolveOptions {
            backend: Backend::Microlp,
            time_limit_s: None,
            mip_gap: 0.0,
        };
        let (mut checked, mut finite) = (0, 0);
        for (seed, cap) in [(1, Some(1)), (2, None), (3, Some(2)), (4, Some(1))] {
            let dir =
                std::env::temp_dir().join(format!("gigasite-floors-{seed}-{}", std::process::id()));
            let g = GenerateOptions {
                seed,
                parcels: 120,
                substations: 150,
                routes: 40,
                demand: 4,
                countries: 4,
                count: 3,
                max_per_country: cap,
                ..GenerateOptions::default()
            };
            generate(&dir, &g).unwrap();
            let sc = Scenario::load(&dir.join("scenario.toml")).unwrap();
            let layers = Layers::read(&sc.layers, &crate::progress::Silent).unwrap();
            let cands = derive(&sc, &layers).unwrap();
            let ctx = Context::new(&sc, &layers, Deadline::never()).unwrap();
            let zones: Vec<_> = layers
                .land
                .iter()
                .map(|p| ctx.zone(&p.id, p.location))
                .collect();
            let floors = Floors::new(&ctx, &sc, &layers, &zones);
            for &i in &cands.eligible {
                let c = &cands.all[i];
                assert!(floors.floor[c.parcel] <= c.site_cost_eur() + 1e-6);
            }
            let problem = crate::model::Problem::new(
                &sc,
                &cands,
                layers.grid.iter().map(|s| s.headroom_mw).collect(),
            )
            .unwrap();
            // The optimum with each eligible parcel forced in.
            let forced_optimum: Vec<f64> = (0..cands.eligible.len())
                .map(|pos| {
                    let mut p = problem.clone();
                    p.forced = vec![pos];
                    solve(&p, &opts)
                        .unwrap()
                        .objective_eur
                        .unwrap_or(f64::INFINITY)
                })
                .collect();
            let mut at = vec![usize::MAX; layers.land.len()];
            for (pos, &i) in cands.eligible.iter().enumerate() {
                at[cands.all[i].parcel] = pos;
            }
            let order = floors.order(&sc, &layers.land);
            let mut rng = SplitMix64::new(seed);
            for t in [0, 3, 10, 30, 60, 100] {
                // The tail of the measuring order, and a random set of parcels.
                let tail: Vec<u32> = order[t.min(order.len())..].to_vec();
                let random: Vec<u32> = (0..layers.land.len() as u32)
                    .filter(|_| rng.below(4) == 0)
                    .collect();
                for rest in [tail, random] {
                    let truth = rest
                        .iter()
                        .filter(|&&p| at[p as usize] != usize::MAX)
                        .map(|&p| forced_optimum[at[p as usize]])
                        .fold(f64::INFINITY, f64::min);
                    let bound = floors.plans_bound(&sc, &rest);
                    assert!(
                        bound <= truth * (1.0 + 1e-9) + 1e-6,
                        "seed {seed}, {} parcels: bound {bound} above {truth}",
                        rest.len()
                    );
                    checked += 1;
                    // Where a plan exists, the bound is one too (not −∞ or 0).
                    if truth.is_finite() {
                        assert!(bound.is_finite() && bound > 0.0, "seed {seed}: {bound}");
                        finite += 1;
                    }
                }
            }
            let _ = std::fs::remove_dir_all(&dir);
        }
        assert!(
            checked == 48 && finite >= 20,
            "{checked} checked, {finite} with a plan"
        );
    }

    fn opt(s: usize, km: f64, cap: f64) -> GridOption {
        GridOption {
            substation: s,
            km,
            cost_eur: km * 1.5e6,
            cap_mw: cap,
        }
    }

    /// Every subset of at most `max_lines` options, by brute force.
    fn brute(options: &[GridOption], need: f64, max_lines: usize) -> Option<f64> {
        let n = options.len();
        let mut best: Option<f64> = None;
        for mask in 1u32..(1 << n) {
            if mask.count_ones() as usize > max_lines {
                continue;
            }
            let (mut cost, mut mw) = (0.0, 0.0);
            for (i, o) in options.iter().enumerate() {
                if mask & (1 << i) != 0 {
                    cost += o.cost_eur;
                    mw += o.cap_mw;
                }
            }
            if mw >= need - 1e-9 && best.is_none_or(|b| cost < b) {
                best = Some(cost);
            }
        }
        best
    }

    #[test]
    fn standalone_grid_equals_brute_force() {
        let mut rng = crate::generate::SplitMix64::new(42);
        for _ in 0..500 {
            let n = rng.below(9);
            let options: Vec<GridOption> = (0..n)
                .map(|s| opt(s, rng.range(0.0, 50.0), rng.range(0.0, 200.0).min(180.0)))
                .collect();
            let lines = 1 + rng.below(4);
            let got = standalone_grid(&options, 180.0, lines).map(|(_, c)| c);
            let want = brute(&options, 180.0, lines);
            match (got, want) {
                (None, None) => {}
                (Some(g), Some(w)) => assert!((g - w).abs() < 1e-6, "{g} vs {w}"),
                other => panic!("mismatch {other:?} for {options:?} lines {lines}"),
            }
        }
    }

    #[test]
    fn two_small_lines_can_power_a_site_when_one_cannot() {
        let options = [opt(0, 5.0, 100.0), opt(1, 8.0, 100.0), opt(2, 40.0, 180.0)];
        let (set, cost) = standalone_grid(&options, 180.0, 2).unwrap();
        assert_eq!(set, vec![0, 1]);
        assert!((cost - 13.0 * 1.5e6).abs() < 1e-6);
        // With one line only the far, large substation will do.
        assert_eq!(standalone_grid(&options, 180.0, 1).unwrap().0, vec![2]);
    }
}
