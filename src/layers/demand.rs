//! Demand points: where the users of the sites are.

use geo::Coord;

use super::{read_features, Geometry, Input, Item, LayerInfo};
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

impl Item for DemandPoint {
    const KEY: Option<&'static str> = Some("id");
    fn key(&self) -> &str {
        &self.id
    }
}

/// The properties a demand point is read for (besides `id`).
const KEYS: &[&str] = &["weight", "name"];

pub fn read_demand(path: &Path, progress: &dyn Progress) -> Result<(Vec<DemandPoint>, LayerInfo)> {
    read_demand_from(Input::file(path)?, progress)
}

pub fn read_demand_from(
    input: Input<'_>,
    progress: &dyn Progress,
) -> Result<(Vec<DemandPoint>, LayerInfo)> {
    read_features(input, "demand", progress, KEYS, |ctx, id, geometry| {
        let location = match ctx.geometry(geometry)? {
            Geometry::Point(c) => ctx.coord(c)?,
            other => return Err(ctx.wrong_geometry(other.name(), "a Point")),
        };
        Ok(DemandPoint {
            weight: ctx.required_number("weight", Some(0.0))?,
            name: ctx.string("name")?,
            id,
            location,
        })
    })
}
