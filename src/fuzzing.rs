//! Entry points for the fuzz targets (fuzz/) and the test that replays their corpus.
//! Each returns whether the input was accepted; none may panic.

use std::path::PathBuf;

use crate::progress::Silent;

fn scratch_file() -> PathBuf {
    // tmpfs when there is one: the fuzzer writes a file per execution.
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let id = format!("{:?}", std::thread::current().id())
        .replace(|c: char| !c.is_ascii_alphanumeric(), "");
    dir.join(format!("gigasite-fuzz-{}-{id}.geojson", std::process::id()))
}

/// Reads `data` as every kind of layer. Returns how many kinds accepted it.
pub fn read_layer_bytes(data: &[u8]) -> usize {
    let path = scratch_file();
    if std::fs::write(&path, data).is_err() {
        return 0;
    }
    let p = path.as_path();
    let accepted = [
        crate::layers::read_land(p, &Silent).is_ok(),
        crate::layers::read_grid(p, &Silent).is_ok(),
        crate::layers::read_prices(p, &Silent).is_ok(),
        crate::layers::read_fibre(p, &Silent).is_ok(),
        crate::layers::read_demand(p, &Silent).is_ok(),
        crate::layers::read_exclusions(p, &Silent).is_ok(),
    ]
    .iter()
    .filter(|ok| **ok)
    .count();
    let _ = std::fs::remove_file(&path);
    accepted
}

/// Parses `text` as a scenario whose layer paths resolve against the crate's folder.
pub fn parse_scenario(text: &str) -> bool {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    crate::scenario::Scenario::from_toml(text, std::path::Path::new("fuzz.toml"), "fuzz", dir)
        .is_ok()
}
