//! Land parcels: the candidate sites.

use geo::{Coord, GeodesicArea, InteriorPoint, MultiPolygon};
use serde::Serialize;

use super::{read_features, require_nonempty, Geometry, Input, Item, LayerInfo};
use std::path::Path;

use crate::error::Result;
use crate::progress::Progress;

/// How a candidate's location was taken from its geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationMethod {
    /// The feature is a Point.
    Point,
    /// An interior point of the (Multi)Polygon (geo's `InteriorPoint`).
    InteriorPoint,
}

impl LocationMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            LocationMethod::Point => "point",
            LocationMethod::InteriorPoint => "interior_point",
        }
    }
}

/// One land parcel.
#[derive(Debug, Clone)]
pub struct LandParcel {
    pub id: String,
    pub name: Option<String>,
    pub price_eur_per_m2: f64,
    /// Given, or computed geodesically for polygons.
    pub area_ha: f64,
    pub available: bool,
    pub country: Option<String>,
    /// The site's own PUE (>= 1), before the zone's and the facility's.
    pub pue: Option<f64>,
    /// WRI Aqueduct baseline water-stress category (0–5), before the zone's.
    pub water_stress: Option<f64>,
    /// Longitude/latitude of the site.
    pub location: Coord,
    pub location_method: LocationMethod,
    /// The parcel's outline, for polygons.
    pub outline: Option<MultiPolygon>,
}

impl Item for LandParcel {
    const KEY: Option<&'static str> = Some("id");
    fn key(&self) -> &str {
        &self.id
    }
}

/// The properties a land feature is read for (besides `id`).
const KEYS: &[&str] = &[
    "price_eur_per_m2",
    "area_ha",
    "available",
    "country",
    "name",
    "pue",
    "water_stress",
];

pub fn read_land(path: &Path, progress: &dyn Progress) -> Result<(Vec<LandParcel>, LayerInfo)> {
    read_land_from(Input::file(path)?, progress)
}

pub fn read_land_from(
    input: Input<'_>,
    progress: &dyn Progress,
) -> Result<(Vec<LandParcel>, LayerInfo)> {
    let path = input.path;
    let (out, info) = read_features(input, "land", progress, KEYS, |ctx, id, geometry| {
        let (location, method, outline) = match ctx.geometry(geometry)? {
            Geometry::Point(c) => (ctx.coord(c)?, LocationMethod::Point, None),
            other => {
                let area = ctx.areal(other)?.map_err(|found| {
                    ctx.wrong_geometry(found, "a Point, Polygon or MultiPolygon")
                })?;
                let p = area.interior_point().ok_or_else(|| {
                    ctx.err(
                        Some("geometry"),
                        "the polygon is empty: it has no interior point",
                    )
                })?;
                (p.0, LocationMethod::InteriorPoint, Some(area))
            }
        };
        let area_ha = match (ctx.number("area_ha", None)?, &outline) {
            (Some(a), _) if a > 0.0 => a,
            (Some(a), _) => {
                return Err(ctx.err(Some("area_ha"), format!("expected a number > 0, found {a}")))
            }
            (None, Some(poly)) => poly.geodesic_area_unsigned() / 10_000.0,
            (None, None) => {
                return Err(ctx.err(Some("area_ha"), "missing: required for Point parcels"))
            }
        };
        let country = ctx.country("country")?;
        Ok(LandParcel {
            price_eur_per_m2: ctx.required_number("price_eur_per_m2", Some(0.0))?,
            available: ctx.boolean("available")?.unwrap_or(true),
            name: ctx.string("name")?,
            pue: ctx.number("pue", Some(1.0))?,
            water_stress: ctx.water_stress("water_stress")?,
            country,
            id,
            area_ha,
            location,
            location_method: method,
            outline,
        })
    })?;
    require_nonempty(path, &out, "land parcels")?;
    Ok((out, info))
}
