//! Electricity price zones.

use geo::MultiPolygon;

use super::{read_features, require_nonempty, Input, Item, LayerInfo};
use std::path::Path;

use crate::error::Result;
use crate::progress::Progress;

#[derive(Debug, Clone)]
pub struct PriceZone {
    pub zone: String,
    pub price_eur_per_mwh: f64,
    pub country: Option<String>,
    /// Network charges and taxes on top of the wholesale price, EUR/MWh (default 0).
    pub surcharge_eur_per_mwh: f64,
    /// Grid carbon intensity, g/kWh.
    pub carbon_g_per_kwh: Option<f64>,
    pub pue: Option<f64>,
    pub water_stress: Option<f64>,
    pub area: MultiPolygon,
}

impl Item for PriceZone {
    const KEY: Option<&'static str> = Some("zone");
    fn key(&self) -> &str {
        &self.zone
    }
}

/// The properties a price zone is read for.
const KEYS: &[&str] = &[
    "zone",
    "price_eur_per_mwh",
    "country",
    "surcharge_eur_per_mwh",
    "carbon_g_per_kwh",
    "pue",
    "water_stress",
];

pub fn read_prices(path: &Path, progress: &dyn Progress) -> Result<(Vec<PriceZone>, LayerInfo)> {
    read_prices_from(Input::file(path)?, progress)
}

pub fn read_prices_from(
    input: Input<'_>,
    progress: &dyn Progress,
) -> Result<(Vec<PriceZone>, LayerInfo)> {
    let path = input.path;
    let (out, info) = read_features(input, "prices", progress, KEYS, |ctx, zone, geometry| {
        let area = ctx
            .areal(ctx.geometry(geometry)?)?
            .map_err(|found| ctx.wrong_geometry(found, "a Polygon or MultiPolygon"))?;
        Ok(PriceZone {
            price_eur_per_mwh: ctx.required_number("price_eur_per_mwh", Some(0.0))?,
            country: ctx.country("country")?,
            surcharge_eur_per_mwh: ctx
                .number("surcharge_eur_per_mwh", Some(0.0))?
                .unwrap_or(0.0),
            carbon_g_per_kwh: ctx.number("carbon_g_per_kwh", Some(0.0))?,
            pue: ctx.number("pue", Some(1.0))?,
            water_stress: ctx.water_stress("water_stress")?,
            zone,
            area,
        })
    })?;
    require_nonempty(path, &out, "price zones")?;
    Ok((out, info))
}
