//! Demand points: where the users of the sites are.

use geo::Coord;
use geojson::GeometryValue;

use super::{FeatureCtx, RawLayer, UniqueIds};
use crate::error::Result;

#[derive(Debug, Clone)]
pub struct DemandPoint {
    pub id: String,
    pub name: Option<String>,
    pub weight: f64,
    pub location: Coord,
}

pub fn read_demand(raw: &RawLayer) -> Result<Vec<DemandPoint>> {
    let mut ids = UniqueIds::default();
    let mut out = Vec::with_capacity(raw.collection.features.len());
    for (index, feature) in raw.collection.features.iter().enumerate() {
        let ctx = FeatureCtx::new(&raw.path, index, feature);
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
    }
    Ok(out)
}
