//! Exclusion zones: areas where no site may be.

use geo::MultiPolygon;

use super::{read_features, Input, Item, LayerInfo};
use std::path::Path;

use crate::error::Result;
use crate::progress::Progress;

#[derive(Debug, Clone)]
pub struct Exclusion {
    pub reason: Option<String>,
    pub area: MultiPolygon,
}

impl Item for Exclusion {
    const KEY: Option<&'static str> = None;
    fn key(&self) -> &str {
        ""
    }
}

/// The properties an exclusion zone is read for.
const KEYS: &[&str] = &["reason"];

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
    read_features(input, "exclusions", progress, KEYS, |ctx, _, geometry| {
        let area = ctx
            .areal(ctx.geometry(geometry)?)?
            .map_err(|found| ctx.wrong_geometry(found, "a Polygon or MultiPolygon"))?;
        Ok(Exclusion {
            reason: ctx.string("reason")?,
            area,
        })
    })
}
