//! Exclusion zones: areas where no site may be.

use geo::MultiPolygon;

use super::{FeatureCtx, RawLayer};
use crate::error::Result;

#[derive(Debug, Clone)]
pub struct Exclusion {
    pub reason: Option<String>,
    pub area: MultiPolygon,
}

pub fn read_exclusions(raw: &RawLayer) -> Result<Vec<Exclusion>> {
    let mut out = Vec::with_capacity(raw.collection.features.len());
    for (index, feature) in raw.collection.features.iter().enumerate() {
        let ctx = FeatureCtx::new(&raw.path, index, feature);
        let g = ctx.geometry(feature)?;
        let area = ctx
            .areal(g)?
            .ok_or_else(|| ctx.wrong_geometry(g, "a Polygon or MultiPolygon"))?;
        out.push(Exclusion {
            reason: ctx.string("reason")?,
            area,
        });
    }
    Ok(out)
}
