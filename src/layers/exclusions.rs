//! Exclusion zones: areas where no site may be.

use geo::MultiPolygon;

use super::{read_features, FeatureCtx, Input, LayerInfo};
use std::path::Path;

use crate::error::Result;
use crate::progress::Progress;

#[derive(Debug, Clone)]
pub struct Exclusion {
    pub reason: Option<String>,
    pub area: MultiPolygon,
}

pub fn read_exclusions(
    path: &Path,
    progress: &dyn Progress,
) -> Result<(Vec<Exclusion>, LayerInfo)> {
    read_exclusions_from(Input::file(path)?, progress)
}

pub fn read_exclusions_from(
    input: Input<'_>,
    progress: &dyn Progress,
) -> Result<(Vec<Exclusion>, LayerInfo)> {
    let path = input.path;
    let mut out = Vec::new();
    let info = read_features(input, "exclusions", progress, |index, feature| {
        let ctx = FeatureCtx::new(path, index, feature);
        let g = ctx.geometry(feature)?;
        let area = ctx
            .areal(g)?
            .ok_or_else(|| ctx.wrong_geometry(g, "a Polygon or MultiPolygon"))?;
        out.push(Exclusion {
            reason: ctx.string("reason")?,
            area,
        });
        Ok(())
    })?;
    Ok((out, info))
}
