//! Grid substations with spare capacity.

use geo::Coord;

use super::{read_features, require_nonempty, Geometry, Input, Item, LayerInfo};
use std::path::Path;

use crate::error::Result;
use crate::progress::Progress;

#[derive(Debug, Clone)]
pub struct Substation {
    pub id: String,
    pub name: Option<String>,
    pub headroom_mw: f64,
    pub voltage_kv: Option<f64>,
    pub location: Coord,
}

impl Item for Substation {
    const KEY: Option<&'static str> = Some("id");
    fn key(&self) -> &str {
        &self.id
    }
}

/// The properties a substation is read for (besides `id`).
const KEYS: &[&str] = &["headroom_mw", "voltage_kv", "name"];

pub fn read_grid(path: &Path, progress: &dyn Progress) -> Result<(Vec<Substation>, LayerInfo)> {
    read_grid_from(Input::file(path)?, progress)
}

pub fn read_grid_from(
    input: Input<'_>,
    progress: &dyn Progress,
) -> Result<(Vec<Substation>, LayerInfo)> {
    let path = input.path;
    let (out, info) = read_features(input, "grid", progress, KEYS, |ctx, id, geometry| {
        let location = match ctx.geometry(geometry)? {
            Geometry::Point(c) => ctx.coord(c)?,
            other => return Err(ctx.wrong_geometry(other.name(), "a Point")),
        };
        Ok(Substation {
            headroom_mw: ctx.required_number("headroom_mw", Some(0.0))?,
            voltage_kv: ctx.number("voltage_kv", Some(0.0))?,
            name: ctx.string("name")?,
            id,
            location,
        })
    })?;
    require_nonempty(path, &out, "substations")?;
    Ok((out, info))
}
