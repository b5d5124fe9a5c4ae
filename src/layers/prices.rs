//! Electricity price zones.

use geo::MultiPolygon;

use super::{read_features, require_nonempty, FeatureCtx, Input, LayerInfo, UniqueIds};
use std::path::Path;

use crate::error::Result;
use crate::progress::Progress;

#[derive(Debug, Clone)]
pub struct PriceZone {
    pub zone: String,
    pub price_eur_per_mwh: f64,
    pub country: Option<String>,
    pub area: MultiPolygon,
}

pub fn read_prices(path: &Path, progress: &dyn Progress) -> Result<(Vec<PriceZone>, LayerInfo)> {
    read_prices_from(Input::file(path)?, progress)
}

pub fn read_prices_from(
    input: Input<'_>,
    progress: &dyn Progress,
) -> Result<(Vec<PriceZone>, LayerInfo)> {
    let path = input.path;
    let mut zones = UniqueIds::default();
    let mut out = Vec::new();
    let info = read_features(input, "prices", progress, |index, feature| {
        let ctx = FeatureCtx::new(path, index, feature);
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
        Ok(())
    })?;
    require_nonempty(path, &out, "price zones")?;
    Ok((out, info))
}
