//! Replays the committed fuzz corpus (fuzz/corpus) through the same entry points the
//! fuzz targets use, and adds seeded random mutations of valid layers and scenarios:
//! none may panic.

use std::path::Path;

use gigasite::fuzzing::{parse_scenario, read_layer_bytes};
use gigasite::generate::SplitMix64;

fn corpus(kind: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(kind);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|f| std::fs::read(f).unwrap())
        .collect()
}

#[test]
fn layer_corpus_replays_without_panic() {
    let inputs = corpus("layer");
    assert!(inputs.len() >= 4);
    let accepted: usize = inputs
        .iter()
        .map(|d| usize::from(read_layer_bytes(d) > 0))
        .sum();
    // The seeds include valid layers: the reader must accept those.
    assert!(accepted >= 4, "{accepted} accepted");
}

#[test]
fn scenario_corpus_replays_without_panic() {
    for d in corpus("scenario") {
        parse_scenario(&String::from_utf8_lossy(&d));
    }
}

/// Truncations, byte flips, duplicated and deleted spans of valid inputs.
fn mutate(rng: &mut SplitMix64, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        if v.is_empty() {
            break;
        }
        let at = rng.below(v.len());
        match rng.below(5) {
            0 => v.truncate(at),
            1 => v[at] = b"{}[]\",:-.0123456789eE \x00\xff"[rng.below(22)],
            2 => {
                let end = (at + rng.below(64)).min(v.len());
                let span = v[at..end].to_vec();
                v.splice(at..at, span);
            }
            3 => {
                let end = (at + rng.below(64)).min(v.len());
                v.drain(at..end);
            }
            _ => v.insert(at, b"9e999"[rng.below(5)]),
        }
    }
    v
}

#[test]
fn mutated_layers_and_scenarios_never_panic() {
    let mut rng = SplitMix64::new(2026);
    let layers = corpus("layer");
    for i in 0..3000 {
        let data = mutate(&mut rng, &layers[i % layers.len()]);
        read_layer_bytes(&data);
    }
    let scenarios = corpus("scenario");
    for i in 0..3000 {
        let data = mutate(&mut rng, &scenarios[i % scenarios.len()]);
        parse_scenario(&String::from_utf8_lossy(&data));
    }
}
