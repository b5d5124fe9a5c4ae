//! Any bytes, decoded as a GeoPackage geometry blob (header, envelope, WKB): an error
//! is fine, a panic is not. Whole GeoPackage and FlatGeobuf files go through the
//! `layer` target (the format is told from the first bytes; seeds in corpus/layer).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    gigasite::fuzzing::decode_gpkg_geometry(data);
});
