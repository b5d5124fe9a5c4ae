//! Grid substations with spare capacity.

use geo::Coord;
use geojson::GeometryValue;

use super::{require_nonempty, FeatureCtx, RawLayer, UniqueIds};
use crate::error::Result;

#[derive(Debug, Clone)]
pub struct Substation {
    pub id: String,
    pub name: Option<String>,
    pub headroom_mw: f64,
    pub voltage_kv: Option<f64>,
    pub location: Coord,
}

pub fn read_grid(raw: &RawLayer) -> Result<Vec<Substation>> {
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
        out.push(Substation {
            headroom_mw: ctx.required_number("headroom_mw", Some(0.0))?,
            voltage_kv: ctx.number("voltage_kv", Some(0.0))?,
            name: ctx.string("name")?,
            id,
            location,
        });
    }
    require_nonempty(&raw.path, &out, "substations")?;
    Ok(out)
}
