//! Fibre routes and internet exchange points.

use geo::Coord;
use geojson::GeometryValue;

use super::{read_features, require_nonempty, FeatureCtx, Input, LayerInfo, UniqueIds};
use std::path::Path;

use crate::error::Result;
use crate::progress::Progress;

/// A fibre route: one or more polylines (a MultiLineString's parts are not joined
/// unless their vertices snap together).
#[derive(Debug, Clone)]
pub struct Route {
    pub id: String,
    pub name: Option<String>,
    pub parts: Vec<Vec<Coord>>,
}

/// An internet exchange point.
#[derive(Debug, Clone)]
pub struct Ixp {
    pub id: String,
    pub name: Option<String>,
    pub location: Coord,
}

#[derive(Debug, Clone, Default)]
pub struct FibreLayer {
    pub routes: Vec<Route>,
    pub ixps: Vec<Ixp>,
}

pub fn read_fibre(path: &Path, progress: &dyn Progress) -> Result<(FibreLayer, LayerInfo)> {
    read_fibre_from(Input::file(path)?, progress)
}

pub fn read_fibre_from(
    input: Input<'_>,
    progress: &dyn Progress,
) -> Result<(FibreLayer, LayerInfo)> {
    let path = input.path;
    let mut ids = UniqueIds::default();
    let mut layer = FibreLayer::default();
    let info = read_features(input, "fibre", progress, |index, feature| {
        let ctx = FeatureCtx::new(path, index, feature);
        let id = ctx.required_id()?;
        ids.check(&ctx, &id, "id")?;
        let name = ctx.string("name")?;
        let line = |coords: &[geojson::Position]| -> Result<Vec<Coord>> {
            let line = coords
                .iter()
                .map(|p| ctx.coord(p))
                .collect::<Result<Vec<_>>>()?;
            if line.len() < 2 {
                return Err(ctx.err(Some("geometry"), "a route line needs at least 2 positions"));
            }
            Ok(line)
        };
        match ctx.geometry(feature)? {
            GeometryValue::Point { coordinates } => {
                let kind = ctx.string("kind")?;
                if kind.as_deref() != Some("ixp") {
                    return Err(ctx.err(
                        Some("kind"),
                        format!(
                            "a Point in the fibre layer must have kind = \"ixp\", found {kind:?}"
                        ),
                    ));
                }
                layer.ixps.push(Ixp {
                    id,
                    name,
                    location: ctx.coord(coordinates)?,
                });
            }
            GeometryValue::LineString { coordinates } => layer.routes.push(Route {
                id,
                name,
                parts: vec![line(coordinates)?],
            }),
            GeometryValue::MultiLineString { coordinates } => layer.routes.push(Route {
                id,
                name,
                parts: coordinates
                    .iter()
                    .map(|c| line(c))
                    .collect::<Result<Vec<_>>>()?,
            }),
            other => {
                return Err(
                    ctx.wrong_geometry(other, "a LineString, MultiLineString or an IXP Point")
                )
            }
        }
        Ok(())
    })?;
    require_nonempty(path, &layer.routes, "fibre routes")?;
    Ok((layer, info))
}
