//! Electricity price zones.

use geo::MultiPolygon;

use super::{require_nonempty, FeatureCtx, RawLayer, UniqueIds};
use crate::error::Result;

#[derive(Debug, Clone)]
pub struct PriceZone {
    pub zone: String,
    pub price_eur_per_mwh: f64,
    pub country: Option<String>,
    pub area: MultiPolygon,
}

pub fn read_prices(raw: &RawLayer) -> Result<Vec<PriceZone>> {
    let mut zones = UniqueIds::default();
    let mut out = Vec::with_capacity(raw.collection.features.len());
    for (index, feature) in raw.collection.features.iter().enumerate() {
        let ctx = FeatureCtx::new(&raw.path, index, feature);
        let zone = ctx.required_string("zone")?;
        zones.check(&ctx, &zone, "zone")?;
        let g = ctx.geometry(feature)?;
        let area = ctx
            .areal(g)?
            .ok_or_else(|| ctx.wrong_geometry(g, "a Polygon or MultiPolygon"))?;
        out.push(PriceZone {
            price_eur_per_mwh: ctx.required_number("price_eur_per_mwh", None)?,
            country: ctx.string("country")?,
            zone,
            area,
        });
    }
    require_nonempty(&raw.path, &out, "price zones")?;
    Ok(out)
}
