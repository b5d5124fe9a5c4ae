//! Entry points for the fuzz targets (fuzz/) and the test that replays their corpus.
//! Each returns how much of the input was accepted; none may panic.

use std::path::Path;

use crate::layers::{
    read_demand_from, read_exclusions_from, read_fibre_from, read_grid_from, read_land_from,
    read_prices_from, Input,
};
use crate::progress::Silent;

/// Reads `data` as every kind of layer. Returns how many kinds accepted it. The
/// format is told from the first bytes (GeoPackage, FlatGeobuf), else GeoJSON.
pub fn read_layer_bytes(data: &[u8]) -> usize {
    read_layer_bytes_named(data, "fuzz.geojson")
}

/// [`read_layer_bytes`] with the file name the messages use (its extension decides
/// the format when the first bytes do not).
pub fn read_layer_bytes_named(data: &[u8], name: &str) -> usize {
    let p = Path::new(name);
    [
        read_land_from(Input::bytes(p, data), &Silent).is_ok(),
        read_grid_from(Input::bytes(p, data), &Silent).is_ok(),
        read_prices_from(Input::bytes(p, data), &Silent).is_ok(),
        read_fibre_from(Input::bytes(p, data), &Silent).is_ok(),
        read_demand_from(Input::bytes(p, data), &Silent).is_ok(),
        read_exclusions_from(Input::bytes(p, data), &Silent).is_ok(),
    ]
    .iter()
    .filter(|ok| **ok)
    .count()
}

/// Parses `text` as a scenario whose layer paths resolve against the crate's folder.
pub fn parse_scenario(text: &str) -> bool {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate::scenario::Scenario::from_toml(text, Path::new("fuzz.toml"), "fuzz", dir).is_ok()
}

/// Decodes `data` as a GeoPackage geometry blob (header, envelope, WKB). Returns
/// whether it decoded.
pub fn decode_gpkg_geometry(data: &[u8]) -> bool {
    crate::layers::decode_gpkg_geometry(data).is_ok()
}
