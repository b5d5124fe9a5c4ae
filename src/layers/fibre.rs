//! Fibre routes and internet exchange points.

use geo::Coord;

use super::{read_features, require_nonempty, Geometry, Input, Item, LayerInfo};
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

/// The properties a fibre feature is read for (besides `id`).
const KEYS: &[&str] = &["name", "kind"];

pub fn read_fibre(path: &Path, progress: &dyn Progress) -> Result<(FibreLayer, LayerInfo)> {
    read_fibre_from(Input::file(path)?, progress)
}

/// One feature of the fibre layer.
enum FibreItem {
    Route(Route),
    Ixp(Ixp),
}

impl Item for FibreItem {
    const KEY: Option<&'static str> = Some("id");
    fn key(&self) -> &str {
        match self {
            FibreItem::Route(r) => &r.id,
            FibreItem::Ixp(x) => &x.id,
        }
    }
}

pub fn read_fibre_from(
    input: Input<'_>,
    progress: &dyn Progress,
) -> Result<(FibreLayer, LayerInfo)> {
    let path = input.path;
    let (features, info) = read_features(input, "fibre", progress, KEYS, |ctx, id, geometry| {
        let name = ctx.string("name")?;
        let line = |coords: Vec<Coord>| -> Result<Vec<Coord>> {
            let line = ctx.coords(coords)?;
            if line.len() < 2 {
                return Err(ctx.err(Some("geometry"), "a route line needs at least 2 positions"));
            }
            Ok(line)
        };
        Ok(match ctx.geometry(geometry)? {
            Geometry::Point(c) => {
                let kind = ctx.string("kind")?;
                if kind.as_deref() != Some("ixp") {
                    return Err(ctx.err(
                        Some("kind"),
                        format!(
                            "a Point in the fibre layer must have kind = \"ixp\", found {}",
                            kind.as_deref()
                                .map_or("none".to_string(), crate::error::clip)
                        ),
                    ));
                }
                FibreItem::Ixp(Ixp {
                    id,
                    name,
                    location: ctx.coord(c)?,
                })
            }
            Geometry::LineString(coords) => FibreItem::Route(Route {
                id,
                name,
                parts: vec![line(coords)?],
            }),
            Geometry::MultiLineString(lines) => FibreItem::Route(Route {
                id,
                name,
                parts: lines.into_iter().map(line).collect::<Result<Vec<_>>>()?,
            }),
            other => {
                return Err(ctx.wrong_geometry(
                    other.name(),
                    "a LineString, MultiLineString or an IXP Point",
                ))
            }
        })
    })?;
    let mut layer = FibreLayer::default();
    for f in features {
        match f {
            FibreItem::Route(r) => layer.routes.push(r),
            FibreItem::Ixp(x) => layer.ixps.push(x),
        }
    }
    require_nonempty(path, &layer.routes, "fibre routes")?;
    Ok((layer, info))
}
