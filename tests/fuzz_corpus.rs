//! Replays the committed fuzz corpus (fuzz/corpus) through the same entry points the
//! fuzz targets use, and adds seeded random mutations of valid layers and scenarios:
//! none may panic.

use std::path::Path;

use gigasite::fuzzing::{parse_scenario, read_layer_bytes, read_layer_bytes_named};
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

// --- Binary layers: GeoPackage and FlatGeobuf ----------------------------------------

/// Byte mutations for binary formats: any byte value, 32-bit words set to extreme
/// values (counts, offsets, sizes), truncations, deleted and duplicated spans.
fn mutate_binary(rng: &mut SplitMix64, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        if v.is_empty() {
            break;
        }
        let at = rng.below(v.len());
        match rng.below(6) {
            0 => v.truncate(at),
            1 | 2 => v[at] = rng.next_u64() as u8,
            3 => {
                let word: u32 =
                    [0, 1, 0x7fff_ffff, 0xffff_ffff, 0x8000_0000, 0x10000][rng.below(6)];
                for (k, b) in word.to_le_bytes().iter().enumerate() {
                    if let Some(x) = v.get_mut(at + k) {
                        *x = *b;
                    }
                }
            }
            4 => {
                let end = (at + rng.below(64)).min(v.len());
                v.drain(at..end);
            }
            _ => {
                let end = (at + rng.below(64)).min(v.len());
                let span = v[at..end].to_vec();
                v.splice(at..at, span);
            }
        }
    }
    v
}

/// Valid binary layers to mutate: (file name for messages, bytes).
fn binary_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read(root.join(p)).unwrap();
    vec![
        ("fuzz.gpkg", read("fuzz/corpus/layer/gpkg-land-small-gdal")),
        ("fuzz.gpkg", writer_gpkg()),
        ("fuzz.fgb", read("tests/fixtures/fgb/land_small.fgb")),
        ("fuzz.fgb", read("tests/fixtures/fgb/fibre.fgb")),
    ]
}

/// A small land GeoPackage written by gigasite's own writer, vacuumed to 512-byte
/// pages so mutations land in the data rather than in empty page space.
fn writer_gpkg() -> Vec<u8> {
    use gigasite::gpkg::{FieldType, FieldValue, GpkgWriter};
    let dir = std::env::temp_dir().join(format!("gigasite-fuzz-seed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("seed.gpkg");
    let mut w = GpkgWriter::create(&path).unwrap();
    let poly = geo::Polygon::new(
        geo::LineString::from(vec![(8.0, 50.0), (8.1, 50.0), (8.1, 50.1), (8.0, 50.0)]),
        vec![],
    );
    let rows = vec![
        (
            Some(geo::Geometry::Point(geo::Point::new(8.5, 50.1))),
            vec![
                FieldValue::Text("a".into()),
                FieldValue::Real(10.0),
                FieldValue::Integer(40),
                FieldValue::Boolean(true),
            ],
        ),
        (
            Some(geo::Geometry::Polygon(poly)),
            vec![
                FieldValue::Text("b".into()),
                FieldValue::Real(12.5),
                FieldValue::Null,
                FieldValue::Boolean(false),
            ],
        ),
    ];
    let fields = [
        ("id", FieldType::Text),
        ("price_eur_per_m2", FieldType::Real),
        ("area_ha", FieldType::Integer),
        ("available", FieldType::Boolean),
    ];
    w.layer("land", "GEOMETRY", "", &fields, &rows).unwrap();
    w.finish().unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA page_size = 512; VACUUM;")
        .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    bytes
}

/// Runs `executions` mutations of the seeds of one format (`ext`) through every layer
/// reader; a panic reports the execution and saves its input. Returns (inputs that
/// some reader accepted, seconds).
fn fuzz_format(ext: &str, executions: usize, seed: u64) -> (usize, f64) {
    let seeds: Vec<_> = binary_seeds()
        .into_iter()
        .filter(|(n, _)| n.ends_with(ext))
        .collect();
    for (name, bytes) in &seeds {
        assert!(
            read_layer_bytes_named(bytes, name) > 0,
            "a {ext} seed is not read"
        );
    }
    let mut rng = SplitMix64::new(seed);
    let started = std::time::Instant::now();
    let mut accepted = 0;
    for i in 0..executions {
        let (name, bytes) = &seeds[i % seeds.len()];
        let data = mutate_binary(&mut rng, bytes);
        let outcome = std::panic::catch_unwind(|| read_layer_bytes_named(&data, name));
        match outcome {
            Ok(n) => accepted += usize::from(n > 0),
            Err(_) => {
                let saved = std::env::temp_dir().join(format!("gigasite-fuzz-crash-{ext}-{i}"));
                std::fs::write(&saved, &data).unwrap();
                panic!(
                    "execution {i} of {ext} (seed {seed}) panicked; input saved to {}",
                    saved.display()
                );
            }
        }
    }
    (accepted, started.elapsed().as_secs_f64())
}

#[test]
fn mutated_geopackages_and_flatgeobufs_never_panic() {
    for ext in ["gpkg", "fgb"] {
        let n = 3000;
        let (accepted, _) = fuzz_format(ext, n, 2026);
        // Some mutations leave a readable layer (a changed coordinate or name), most
        // do not: both paths are exercised.
        assert!(
            accepted > 0 && accepted < n,
            "{ext}: {accepted} of {n} accepted"
        );
    }
}

#[test]
fn mutated_geopackage_geometry_blobs_never_panic() {
    use gigasite::fuzzing::decode_gpkg_geometry;
    let point = {
        let mut b = vec![b'G', b'P', 0, 1];
        b.extend_from_slice(&4326i32.to_le_bytes());
        b.extend_from_slice(&[1, 1, 0, 0, 0]);
        b.extend_from_slice(&8.5f64.to_le_bytes());
        b.extend_from_slice(&50.0f64.to_le_bytes());
        b
    };
    let poly =
        gigasite::gpkg::geometry_blob(&geo::Geometry::MultiPolygon(geo::MultiPolygon(vec![
            geo::Polygon::new(
                geo::LineString::from(vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]),
                vec![geo::LineString::from(vec![
                    (0.2, 0.2),
                    (0.3, 0.2),
                    (0.3, 0.3),
                    (0.2, 0.2),
                ])],
            ),
        ])));
    let seeds = [point, poly];
    assert!(seeds.iter().all(|s| decode_gpkg_geometry(s)));
    let mut rng = SplitMix64::new(7);
    let mut ok = 0;
    for i in 0..50_000 {
        ok += usize::from(decode_gpkg_geometry(&mutate_binary(
            &mut rng,
            &seeds[i % 2],
        )));
    }
    assert!(ok > 0 && ok < 50_000, "{ok}");
}

/// The long run: FUZZ_EXECUTIONS (default 1,000,000) mutations per binary reader
/// (FUZZ_FORMATS, default "fgb,gpkg", picks the readers).
/// `cargo test --release --test fuzz_corpus -- --ignored --nocapture`
#[test]
#[ignore]
fn a_million_mutations_per_binary_reader() {
    let n: usize = std::env::var("FUZZ_EXECUTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let formats = std::env::var("FUZZ_FORMATS").unwrap_or_else(|_| "fgb,gpkg".into());
    for ext in formats.split(',') {
        let (accepted, secs) = fuzz_format(ext, n, 12);
        println!(
            "{ext}: {n} executions, no panic, {accepted} accepted, {secs:.1} s ({:.0}/s)",
            n as f64 / secs
        );
    }
}
