//! Demand points: where the users of the sites are.

use geo::Coord;
use geojson::GeometryValue;

use super::{read_features, FeatureCtx, Input, LayerInfo, UniqueIds};
use std::path::Path;

use crate::error::Result;
use crate::progress::Progress;

#[derive(Debug, Clone)]
pub struct DemandPoint {
    pub id: String,
    pub name: Option<String>,
    pub weight: f64,
    pub location: Coord,
}

pub fn read_demand(path: &Path, progress: &dyn Progress) -> Result<(Vec<DemandPoint>, LayerInfo)> {
    read_demand_from(Input::file(path)?, progress)
}

pub fn read_demand_from(
    input: Input<'_>,
    progress: &dyn Progress,
) -> Result<(Vec<DemandPoint>, LayerInfo)> {
    let path = input.path;
    let mut ids = UniqueIds::default();
    let mut out = Vec::new();
    let info = read_features(input, "demand", progress, |index, feature| {
        let ctx = FeatureCtx::new(path, index, feature);
        let id = ctx.required_id()?;
        ids.check(&ctx, &id, "id")?;
        let location = match ctx.geometry(feature)? {
            GeometryValue::Point { coordinates } => ctx.coord(coordinates)?,
            other => return Err(ctx.wrong_geometry(other, "a Point")),
        };
        out.push(DemandPoint {
            weight: ctx.required_number("weight", Some(0.0))?,
            name: ctx.string("name")?,
            id,
            location,
        });
        Ok(())
    })?;
    Ok((out, info))
}
