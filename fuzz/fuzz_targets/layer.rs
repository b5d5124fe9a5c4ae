//! Any bytes, read as each kind of layer: an error is fine, a panic is not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    gigasite::fuzzing::read_layer_bytes(data);
});
