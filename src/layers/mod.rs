//! Reading GeoJSON layers into typed structs and geo geometries.
//!
//! One file per layer type; this module holds what they share: parsing a
//! FeatureCollection, checking coordinates, and reading typed properties with
//! errors that name the file, the feature and the property.

mod country;
mod demand;
mod exclusions;
mod fgb;
mod fibre;
mod gpkg;
mod grid;
mod land;
mod parse;
mod prices;
mod wkb;

use std::cell::Cell;
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::Value as JsonValue;

use parse::{Cursor, Feature, FeatureSlot, Geometry, ScanError, Stream, Value, SLOT};

pub(crate) use wkb::encode as wkb_encode;

pub use demand::{read_demand, read_demand_from, DemandPoint};
pub use exclusions::{read_exclusions, read_exclusions_from, Exclusion};
pub use fibre::{read_fibre, read_fibre_from, FibreLayer, Ixp, Route};
pub use grid::{read_grid, read_grid_from, Substation};
pub use land::{read_land, read_land_from, LandParcel, LocationMethod};
pub use prices::{read_prices, read_prices_from, PriceZone};

/// Decodes a GeoPackage geometry blob (for the fuzz harness); the message on error.
pub(crate) fn decode_gpkg_geometry(blob: &[u8]) -> std::result::Result<(), String> {
    gpkg::geometry(blob).map(|_| ())
}

/// Whether `code` is a country code the layers accept (ISO 3166-1 alpha-2, assigned or
/// user-assigned such as `XK`).
pub fn is_country_code(code: &str) -> bool {
    country::is_valid(code)
}

use crate::deadline::Deadline;
use crate::error::{self, Error, FeatureRef, Result};
use crate::progress::Progress;

/// Limits on what a layer may hold; beyond them reading fails with a clear error.
pub mod limits {
    /// Features per layer.
    pub const MAX_FEATURES: usize = 50_000_000;
    /// Bytes of one feature's JSON text (a very detailed polygon fits).
    pub const MAX_FEATURE_BYTES: usize = 256 << 20;
    /// Bytes of one string property (ids, names, zone codes).
    pub const MAX_STRING_BYTES: usize = 64 << 10;
    /// JSON nesting depth (serde_json's own limit).
    pub const MAX_DEPTH: usize = 128;
}

/// What was read from a layer file besides its features.
#[derive(Debug, Clone)]
pub struct LayerInfo {
    pub path: PathBuf,
    /// FNV-1a of the file's bytes.
    pub hash: String,
    pub bytes: u64,
    pub features: usize,
    /// Problems that did not stop the layer from being read (e.g. a GeoJSON `id`
    /// that differs from the `id` property), one line each.
    pub warnings: Vec<String>,
}

/// 64-bit FNV-1a, incrementally, shown as hex: a change detector for layer files,
/// not a cryptographic hash.
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub fn update(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    pub fn hex(&self) -> String {
        format!("fnv1a64:{:016x}", self.0)
    }
}

/// The hash of a file's bytes, read in chunks.
pub fn hash_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Fnv::default();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.hex())
}

/// Where a layer's bytes come from: a file, or bytes in memory (tests, fuzzing).
pub struct Input<'a> {
    /// The file, or the name to use in messages (with its `#layer` suffix, if any).
    pub path: &'a Path,
    reader: Box<dyn Read + Send + 'a>,
    total: u64,
    deadline: Deadline,
    origin: Origin<'a>,
    /// The GeoPackage layer named by a `#layer` suffix.
    table: Option<String>,
    /// The first bytes of the input, to tell its format.
    head: Vec<u8>,
}

/// What an [`Input`] reads: a file (the path without a `#layer` suffix) or bytes.
enum Origin<'a> {
    File(PathBuf),
    Bytes(&'a [u8]),
    /// Any reader (only the tests make one).
    #[cfg_attr(not(test), allow(dead_code))]
    Stream,
}

/// Bytes read to tell a layer's format.
const HEAD_BYTES: usize = 16;

impl<'a> Input<'a> {
    /// Opens a layer file. `path.gpkg#layer` names one layer of a GeoPackage.
    pub fn file(path: &'a Path) -> Result<Input<'a>> {
        let (file, table) = split_layer_suffix(path);
        if file.is_dir() {
            return Err(Error::Layer {
                path: path.to_path_buf(),
                message: "is a directory, not a GeoJSON file".into(),
            });
        }
        let mut f = std::fs::File::open(&file).map_err(|e| Error::io(path, e))?;
        let total = f.metadata().map(|m| m.len()).unwrap_or(0);
        let mut head = Vec::with_capacity(HEAD_BYTES);
        (&mut f)
            .take(HEAD_BYTES as u64)
            .read_to_end(&mut head)
            .map_err(|e| Error::io(path, e))?;
        let reader = std::io::Cursor::new(head.clone()).chain(f);
        Ok(Input {
            path,
            reader: Box::new(reader),
            total,
            deadline: Deadline::never(),
            origin: Origin::File(file),
            table,
            head,
        })
    }

    pub fn bytes(label: &'a Path, bytes: &'a [u8]) -> Input<'a> {
        let table = split_layer_suffix(label).1;
        Input {
            path: label,
            reader: Box::new(bytes),
            total: bytes.len() as u64,
            deadline: Deadline::never(),
            origin: Origin::Bytes(bytes),
            table,
            head: bytes[..bytes.len().min(HEAD_BYTES)].to_vec(),
        }
    }

    /// Stops reading with `Error::TimeLimit { stage: "reading layers" }` once
    /// `deadline` has passed (checked every few thousand features).
    pub fn until(mut self, deadline: Deadline) -> Input<'a> {
        self.deadline = deadline;
        self
    }

    fn layer_err(&self, message: impl Into<String>) -> Error {
        Error::Layer {
            path: self.path.to_path_buf(),
            message: message.into(),
        }
    }

    /// The layer's format: from its first bytes, else from its extension.
    fn format(&self) -> Result<Format> {
        let format = Format::sniff(&self.head).or_else(|| Format::from_extension(self.path));
        match (format, &self.table) {
            (Some(Format::GeoPackage), _) | (_, None) => {}
            (_, Some(t)) => {
                return Err(self.layer_err(format!(
                    "a `#layer` suffix (#{}) names a layer of a GeoPackage, and this is not one",
                    error::clip(t).trim_matches('"')
                )))
            }
        }
        let complain = |what: &str, sign: &str| {
            Err(self.layer_err(format!(
                "not a {what} file: it does not start with {sign} (empty, truncated or another format)"
            )))
        };
        match format {
            Some(Format::GeoPackage) if !self.head.starts_with(gpkg::MAGIC) => {
                complain("GeoPackage", "\"SQLite format 3\"")
            }
            Some(Format::FlatGeobuf) if !fgb::is_magic(&self.head) => {
                complain("FlatGeobuf", "the magic bytes `fgb\\x03fgb`")
            }
            Some(f) => Ok(f),
            None => Ok(Format::GeoJson),
        }
    }
}

/// `dir/file.gpkg#layer` as (`dir/file.gpkg`, `layer`) when `path` itself is not a
/// file and its name has a `#` suffix; else the path as it is.
pub fn split_layer_suffix(path: &Path) -> (PathBuf, Option<String>) {
    let name = path.file_name().and_then(|n| n.to_str());
    match name.and_then(|n| n.rsplit_once('#')) {
        Some((file, layer)) if !file.is_empty() && !path.is_file() => {
            (path.with_file_name(file), Some(layer.to_string()))
        }
        _ => (path.to_path_buf(), None),
    }
}

/// The formats a layer may be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    GeoJson,
    GeoPackage,
    FlatGeobuf,
}

impl Format {
    /// The format the first bytes of a file announce.
    fn sniff(head: &[u8]) -> Option<Format> {
        if head.starts_with(gpkg::MAGIC) {
            Some(Format::GeoPackage)
        } else if fgb::is_magic(head) {
            Some(Format::FlatGeobuf)
        } else {
            None
        }
    }

    fn from_extension(path: &Path) -> Option<Format> {
        let (file, _) = split_layer_suffix(path);
        let ext = file.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "gpkg" => Some(Format::GeoPackage),
            "fgb" => Some(Format::FlatGeobuf),
            _ => None,
        }
    }
}

/// Reads bytes, hashing them and reporting progress as it goes.
pub(crate) struct Tally<'a, R> {
    pub inner: R,
    pub hash: Fnv,
    pub bytes: u64,
    pub total: u64,
    pub reported: u64,
    pub layer: &'a str,
    pub progress: &'a dyn Progress,
}

impl<R: Read> Read for Tally<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        if self.bytes - self.reported >= 4 << 20 || (n == 0 && self.bytes != self.reported) {
            self.reported = self.bytes;
            self.progress.read_bytes(self.layer, self.bytes, self.total);
        }
        Ok(n)
    }
}

/// Warnings about a layer that do not stop it from being read.
#[derive(Default)]
struct Warnings {
    /// Features whose GeoJSON `id` differs from their `id` property, and the first.
    id_mismatch: usize,
    first_mismatch: Option<(usize, String, String)>,
}

impl Warnings {
    fn into_messages(self, path: &Path) -> Vec<String> {
        let mut out = Vec::new();
        if let Some((index, prop, fid)) = self.first_mismatch {
            out.push(format!(
                "{}: {} feature(s) have a GeoJSON `id` that differs from their `id` property \
                 (first: feature {index}, `id` property {}, feature id {}); the property is used \
                 (`ogr2ogr -preserve_fid` writes row numbers as feature ids)",
                path.display(),
                self.id_mismatch,
                error::clip(&prop),
                error::clip(&fid),
            ));
        }
        out
    }
}

/// Features between deadline checks.
const DEADLINE_EVERY: usize = 4096;

/// What every reader checks before feature `index`: the documented feature limit
/// (`fail` makes the layer's error), and the deadline every [`DEADLINE_EVERY`] features.
pub(crate) fn before_feature(
    index: usize,
    deadline: &Deadline,
    fail: impl FnOnce(String) -> Error,
) -> Result<()> {
    if index >= limits::MAX_FEATURES {
        return Err(fail(format!(
            "more than {} features: over the documented limit",
            limits::MAX_FEATURES
        )));
    }
    if index.is_multiple_of(DEADLINE_EVERY) {
        deadline.check(READING)?;
    }
    Ok(())
}

/// What one feature of a layer becomes.
pub(crate) trait Item: Send {
    /// The property whose value is unique in the layer (`id`, `zone`), if any: it is
    /// read before the rest of the feature and checked for duplicates in file order.
    const KEY: Option<&'static str>;
    /// The item's value of [`Item::KEY`].
    fn key(&self) -> &str;
}

/// How a layer makes an item of one checked feature, given the value of its
/// [`Item::KEY`] (empty without one); called on any thread.
pub(crate) type Make<'m, T> =
    dyn Fn(&FeatureCtx<'_>, String, Option<Geometry>) -> Result<T> + Sync + 'm;

/// Reads the features of a layer into items, in file order. Each feature is
/// deserialised straight into its geometry and the properties named in `keys` (plus
/// `id`); other properties are skipped. GeoJSON is streamed, so memory holds the items
/// rather than the file's text: the top level is checked (a FeatureCollection; a `crs`
/// member, if any, naming WGS84), a UTF-8 byte-order mark is skipped, the file's hash
/// is computed on the way and the input's deadline is checked every few thousand
/// features. Large files are parsed and made into items on all cores; the first error
/// in file order is the one reported, whatever the thread count.
pub(crate) fn read_features<T: Item>(
    input: Input<'_>,
    layer: &str,
    progress: &dyn Progress,
    keys: &'static [&'static str],
    make: impl Fn(&FeatureCtx<'_>, String, Option<Geometry>) -> Result<T> + Sync,
) -> Result<(Vec<T>, LayerInfo)> {
    assert!(keys.len() <= parse::MAX_KEYS);
    let path = input.path;
    let maker = Maker {
        path,
        keys,
        make: &make,
    };
    let mut kept = Kept::new(path);
    let info = match input.format()? {
        Format::GeoPackage => gpkg::read(input, layer, progress, keys, &mut |p| {
            kept.add(maker.item(p))
        })?,
        Format::FlatGeobuf => fgb::read(input, layer, progress, keys, &mut |p| {
            kept.add(maker.item(p))
        })?,
        Format::GeoJson => read_geojson(input, layer, progress, &maker, &mut kept)?,
    };
    let Kept {
        items, warnings, ..
    } = kept;
    Ok((
        items,
        LayerInfo {
            warnings: warnings.into_messages(path),
            ..info
        },
    ))
}

/// Makes items of parsed features: the checks every layer shares, the key, then the
/// layer's own `make`. Holds nothing that changes, so it serves all threads.
struct Maker<'a, T> {
    path: &'a Path,
    keys: &'static [&'static str],
    make: &'a Make<'a, T>,
}

/// A feature made into an item, or why it could not be, for [`Kept::add`].
struct Outcome<T> {
    index: usize,
    /// The hash of the feature's [`Item::KEY`], once read.
    hash: Option<u64>,
    /// What a message about a duplicate key needs besides the item: the key, when
    /// `item` is an error, and the feature's id, when the key is not the id.
    key: Option<String>,
    id: Option<String>,
    /// The `id` property and the GeoJSON `id`, when they differ.
    mismatch: Option<(String, String)>,
    item: Result<T>,
}

impl<T: Item> Maker<'_, T> {
    fn item(&self, p: Parsed) -> Outcome<T> {
        let Parsed {
            index,
            feature,
            long_string,
            short_position,
            problem,
            ints_as_bools,
        } = p;
        let mut ctx = FeatureCtx::new(
            self.path,
            index,
            self.keys,
            feature.values,
            feature.feature_id,
        );
        ctx.ints_as_bools = ints_as_bools;
        // An `id` key is the feature's id, which `ctx` keeps for messages; another key
        // is copied in case `make` fails.
        let by_id = T::KEY == Some("id");
        let (mut hash, mut spare) = (None, None);
        let item = (|| {
            if let Some((property, message)) = problem {
                return Err(ctx.err(property.as_deref(), message));
            }
            if let Some((key, len)) = &long_string {
                return Err(ctx.err(
                    Some(key),
                    format!(
                        "a string of {len} bytes, over the documented limit of {}",
                        limits::MAX_STRING_BYTES
                    ),
                ));
            }
            if short_position {
                return Err(ctx.err(Some("geometry"), "a position needs longitude and latitude"));
            }
            let key = match T::KEY {
                None => String::new(),
                Some("id") => ctx.required_id()?,
                Some(name) => ctx.required_string(name)?,
            };
            if T::KEY.is_some() {
                hash = Some(id_hash(&key));
                spare = (!by_id).then(|| key.clone());
            }
            (self.make)(&ctx, key, feature.geometry)
        })();
        let mismatch = ctx.mismatch.take();
        let (key, id) = match (by_id, &item) {
            (true, Ok(_)) => (None, None),
            (true, Err(_)) => (ctx.id, None),
            (false, Ok(_)) => (None, ctx.id),
            (false, Err(_)) => (spare, ctx.id),
        };
        Outcome {
            index,
            hash,
            key,
            id,
            mismatch,
            item,
        }
    }

    /// Parses the text of one feature (starting at line and column `start` of the
    /// file) and makes its item; `cur` is the parser's scratch space.
    fn text(
        &self,
        index: usize,
        start: (usize, usize),
        text: &[u8],
        cur: &mut Cursor,
    ) -> Outcome<T> {
        match parse_feature(self.path, self.keys, index, start, text, cur) {
            Ok(p) => self.item(p),
            Err(e) => Outcome {
                index,
                hash: None,
                key: None,
                id: None,
                mismatch: None,
                item: Err(e),
            },
        }
    }
}

/// Deserialises the text of one feature, which the scanner delimited, with the
/// visitors of [`parse`]; an error names the feature, the property and the place.
fn parse_feature(
    path: &Path,
    keys: &'static [&'static str],
    index: usize,
    start: (usize, usize),
    text: &[u8],
    cur: &mut Cursor,
) -> Result<Parsed> {
    use serde::de::DeserializeSeed;
    fn run<'de, R: serde_json::de::Read<'de>>(
        mut de: serde_json::Deserializer<R>,
        seed: parse::FeatureSeed<'_>,
    ) -> serde_json::Result<()> {
        seed.deserialize(&mut de)
    }
    cur.reset();
    let mut feature = Feature::default();
    let seed = parse::FeatureSeed {
        keys,
        out: &mut feature,
        cur: &mut *cur,
    };
    // Text that is valid UTF-8 (nearly always) is checked at once rather than string by
    // string; otherwise serde_json finds the bad string, as it would in the file.
    let parsed = match std::str::from_utf8(text) {
        Ok(text) => run(serde_json::Deserializer::from_str(text), seed),
        Err(_) => run(serde_json::Deserializer::from_slice(text), seed),
    };
    match parsed {
        Ok(()) => Ok(Parsed {
            index,
            feature,
            long_string: cur.long_string.take(),
            short_position: cur.short_position.get(),
            ..Parsed::default()
        }),
        Err(e) => Err(feature_json_error(
            path, index, text, start, cur, &feature, &e,
        )),
    }
}

/// The items of a layer in file order, with what is checked across features: unique
/// keys and the warnings.
struct Kept<'a, T> {
    path: &'a Path,
    items: Vec<T>,
    /// The hashes of the keys kept (the keys themselves are in the items).
    hashes: HashSet<u64, std::hash::BuildHasherDefault<PassHasher>>,
    warnings: Warnings,
}

impl<'a, T: Item> Kept<'a, T> {
    fn new(path: &'a Path) -> Self {
        Kept {
            path,
            items: Vec::new(),
            hashes: HashSet::default(),
            warnings: Warnings::default(),
        }
    }

    /// Keeps the next feature's item, or fails with its error.
    fn add(&mut self, o: Outcome<T>) -> Result<()> {
        let seen = o.hash.is_some_and(|h| !self.hashes.insert(h));
        self.keep(o, seen)
    }

    /// [`Kept::add`] of the next features, in order. The hashes go into the set
    /// first, in a loop of their own: the set outgrows the cache, and its misses
    /// overlap there rather than one per feature.
    fn add_all(&mut self, made: Vec<Outcome<T>>) -> Result<()> {
        let seen: Vec<bool> = made
            .iter()
            .map(|o| o.hash.is_some_and(|h| !self.hashes.insert(h)))
            .collect();
        made.into_iter()
            .zip(seen)
            .try_for_each(|(o, seen)| self.keep(o, seen))
    }

    /// Keeps an item whose key's hash was `seen` before, unless the key itself was: a
    /// duplicate key is reported before any problem found after the key was read.
    fn keep(&mut self, o: Outcome<T>, seen: bool) -> Result<()> {
        if let Some((prop, fid)) = o.mismatch {
            self.warnings.id_mismatch += 1;
            if self.warnings.first_mismatch.is_none() {
                self.warnings.first_mismatch = Some((o.index, prop, fid));
            }
        }
        if seen {
            let key = match &o.item {
                Ok(item) => item.key(),
                Err(_) => o.key.as_deref().unwrap_or_default(),
            };
            if self.items.iter().any(|x| x.key() == key) {
                let name = T::KEY.unwrap_or_default();
                let id = if name == "id" {
                    Some(key.to_string())
                } else {
                    o.id
                };
                return Err(feature_error(
                    self.path,
                    o.index,
                    id,
                    Some(name.to_string()),
                    format!(
                        "duplicate {name} {}: ids are unique per layer",
                        error::clip(key)
                    ),
                ));
            }
        }
        self.items.push(o.item?);
        Ok(())
    }
}

/// [`read_features`] for GeoJSON: small files on this thread; large ones read and
/// split into features on one thread while the others parse them and make items.
fn read_geojson<T: Item>(
    input: Input<'_>,
    layer: &str,
    progress: &dyn Progress,
    maker: &Maker<'_, T>,
    kept: &mut Kept<'_, T>,
) -> Result<LayerInfo> {
    let keys = maker.keys;
    if input.total < PIPELINE_BYTES {
        let mut cur = Cursor::default();
        return parse_collection(input, layer, progress, keys, &mut |piece| {
            kept.add(match piece {
                Piece::Text { index, start, text } => maker.text(index, start, text, &mut cur),
                Piece::Parsed(p) => maker.item(*p),
            })
        });
    }
    // The reader thread hashes the file and cuts it into batches of whole features;
    // each batch is parsed and made into items on all cores (rayon) while the items
    // of the one before are kept, in order. Features before a reader's error are kept
    // first, so the first error in the file is the one reported.
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(BATCHES_AHEAD);
        let reader = scope.spawn(move || {
            let mut batch = Batch::new();
            let outcome = parse_collection(input, layer, progress, keys, &mut |piece| {
                batch.push(piece);
                if batch.is_full() {
                    tx.send(std::mem::replace(&mut batch, Batch::new()))
                        .map_err(|_| Error::Data {
                            message: "stopped: a feature was rejected".into(),
                        })?;
                }
                Ok(())
            });
            if !batch.pieces.is_empty() {
                let _ = tx.send(batch);
            }
            outcome
        });
        let mut failure = None;
        let mut made: Vec<Outcome<T>> = Vec::new();
        for batch in rx.iter() {
            let (kept_ok, next) = rayon::join(
                || kept.add_all(std::mem::take(&mut made)),
                || batch.make(maker),
            );
            if let Err(e) = kept_ok {
                failure = Some(e);
                break;
            }
            made = next;
        }
        if failure.is_none() {
            failure = kept.add_all(made).err();
        }
        drop(rx);
        let outcome = match reader.join() {
            Ok(outcome) => outcome,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        match failure {
            Some(e) => Err(e),
            None => outcome,
        }
    })
}

/// Files from this size are read on several threads.
const PIPELINE_BYTES: u64 = 4 << 20;
/// Batches the reader may be ahead of the threads that parse them.
const BATCHES_AHEAD: usize = 4;
/// A batch is sent once it holds this many bytes of feature text...
const BATCH_BYTES: usize = 1 << 20;
/// ...or this many features.
const BATCH_FEATURES: usize = 8192;
/// Features longer than this are parsed on the reader thread, in its buffer, rather
/// than copied into a batch.
const TEXT_BYTES: usize = 4 << 20;

/// Features as the GeoJSON reader hands them on.
pub(crate) enum Piece<'b> {
    /// The text of a feature (an object) starting at `start` (line, column).
    Text {
        index: usize,
        start: (usize, usize),
        text: &'b [u8],
    },
    /// A feature the scanner could not delimit (not an object, broken, or over
    /// [`TEXT_BYTES`]), parsed in the reader's buffer.
    Parsed(Box<Parsed>),
}

/// Features cut from the file, to parse on any thread: their texts end to end.
struct Batch {
    text: Vec<u8>,
    pieces: Vec<Owned>,
}

/// A [`Piece`] in a batch.
enum Owned {
    Text {
        index: usize,
        start: (usize, usize),
        range: std::ops::Range<usize>,
    },
    Parsed(Box<Parsed>),
}

impl Batch {
    fn new() -> Self {
        Batch {
            // Room for the feature that fills it, unless that one is long.
            text: Vec::with_capacity(BATCH_BYTES + (64 << 10)),
            pieces: Vec::with_capacity(BATCH_FEATURES),
        }
    }

    fn push(&mut self, piece: Piece<'_>) {
        self.pieces.push(match piece {
            Piece::Text { index, start, text } => {
                let begin = self.text.len();
                self.text.extend_from_slice(text);
                Owned::Text {
                    index,
                    start,
                    range: begin..self.text.len(),
                }
            }
            Piece::Parsed(p) => Owned::Parsed(p),
        });
    }

    fn is_full(&self) -> bool {
        self.text.len() >= BATCH_BYTES || self.pieces.len() >= BATCH_FEATURES
    }

    /// The batch's items (or errors), in order, made on all cores.
    fn make<T: Item>(self, maker: &Maker<'_, T>) -> Vec<Outcome<T>> {
        use rayon::prelude::*;
        let Batch { text, pieces } = self;
        pieces
            .into_par_iter()
            .map_init(Cursor::default, |cur, piece| match piece {
                Owned::Text {
                    index,
                    start,
                    range,
                } => maker.text(index, start, &text[range], cur),
                Owned::Parsed(p) => maker.item(*p),
            })
            .collect()
    }
}

/// A feature as parsed, for [`read_features`] to check and hand to the layer.
#[derive(Default)]
pub(crate) struct Parsed {
    pub index: usize,
    pub feature: Feature,
    /// The first read string over the documented limit: (key, bytes).
    pub long_string: Option<(String, usize)>,
    pub short_position: bool,
    /// A problem the reader found in the feature (property, message), reported with
    /// the feature's id.
    pub problem: Option<(Option<String>, String)>,
    /// Integers 0 and 1 count as booleans (GeoPackage: SQLite has no boolean type).
    pub ints_as_bools: bool,
}

/// Parses the FeatureCollection, handing each feature to `sink` in order.
fn parse_collection(
    input: Input<'_>,
    layer: &str,
    progress: &dyn Progress,
    keys: &'static [&'static str],
    sink: &mut dyn FnMut(Piece<'_>) -> Result<()>,
) -> Result<LayerInfo> {
    let Input {
        path,
        reader,
        total,
        deadline,
        ..
    } = input;
    deadline.check(READING)?;
    let tally = Tally {
        inner: reader,
        hash: Fnv::default(),
        bytes: 0,
        total,
        reported: 0,
        layer,
        progress,
    };
    let capacity = usize::try_from(total)
        .unwrap_or(usize::MAX)
        .saturating_add(16)
        .clamp(8 << 10, 1 << 20);
    let mut s = Stream::new(tally, capacity);
    let layer_err = |message: String| Error::Layer {
        path: path.to_path_buf(),
        message,
    };
    let io_err = |e: std::io::Error| layer_err(format!("could not be read: {e}"));
    let syntax = |s: &Stream<_>, what: &str| {
        let (line, col) = s.position();
        layer_err(format!(
            "not valid JSON: {what} at line {line} column {col}"
        ))
    };
    let truncated = |s: &Stream<_>| {
        let (line, _) = s.position();
        layer_err(format!(
            "truncated JSON: the file ends early (at line {line})"
        ))
    };
    let scan_err = |s: &Stream<_>, e: ScanError| match e {
        ScanError::Io(e) => io_err(e),
        ScanError::Eof => truncated(s),
        ScanError::TooLong => syntax(s, "a value too long"),
    };
    // Parses a whole top-level value held in the buffer.
    let value_err = |start: (usize, usize), e: serde_json::Error| {
        let (line, col) = shift(start, &e);
        let what = if e.to_string().contains("recursion limit") {
            format!("JSON nested deeper than {} levels", limits::MAX_DEPTH)
        } else if e.is_eof() {
            "truncated JSON: the file ends early".to_string()
        } else {
            format!("not valid JSON: {}", parse::bare_message(&e))
        };
        layer_err(format!("{what} at line {line} column {col}"))
    };

    s.skip_bom().map_err(io_err)?;
    match s.skip_ws().map_err(io_err)? {
        None => {
            return Err(layer_err(
                "the file is empty: expected a GeoJSON FeatureCollection".into(),
            ))
        }
        Some(b'{') => {}
        Some(first) => {
            let start = s.position();
            let n = s.scan(usize::MAX).map_err(|e| scan_err(&s, e))?;
            serde_json::from_slice::<serde::de::IgnoredAny>(s.slice(n))
                .map_err(|e| value_err(start, e))?;
            let what = match first {
                b'[' => "a JSON array",
                b'"' => "a JSON string",
                b't' | b'f' => "a JSON boolean",
                b'n' => "JSON null",
                _ => "a JSON number",
            };
            return Err(layer_err(format!(
                "expected a GeoJSON FeatureCollection, found {what}"
            )));
        }
    }
    s.consume(1);
    let mut kind: Option<JsonValue> = None;
    let mut crs: Option<JsonValue> = None;
    let mut has_features = false;
    let mut count = 0usize;
    let mut first_member = true;
    loop {
        match s.skip_ws().map_err(io_err)? {
            None => return Err(truncated(&s)),
            Some(b'}') if first_member => {
                s.consume(1);
                break;
            }
            Some(b'"') => {}
            Some(_) => return Err(syntax(&s, "expected a member name (a string)")),
        }
        let start = s.position();
        let n = s.scan(usize::MAX).map_err(|e| scan_err(&s, e))?;
        let key: String = serde_json::from_slice(s.slice(n)).map_err(|e| value_err(start, e))?;
        s.consume(n);
        match s.skip_ws().map_err(io_err)? {
            None => return Err(truncated(&s)),
            Some(b':') => s.consume(1),
            Some(_) => return Err(syntax(&s, "expected `:` after a member name")),
        }
        if s.skip_ws().map_err(io_err)?.is_none() {
            return Err(truncated(&s));
        }
        match key.as_str() {
            "features" => {
                has_features = true;
                if s.peek().map_err(io_err)? != Some(b'[') {
                    return Err(syntax(
                        &s,
                        "the `features` member must be an array of features; found something else",
                    ));
                }
                s.consume(1);
                let mut need_value = false;
                loop {
                    match s.skip_ws().map_err(io_err)? {
                        None => return Err(truncated(&s)),
                        Some(b']') if !need_value => {
                            s.consume(1);
                            break;
                        }
                        Some(_) => {}
                    }
                    let index = count;
                    before_feature(index, &deadline, layer_err)?;
                    let start = s.position();
                    // An object is delimited by the scanner (brackets and strings) and
                    // handed on as text, to be parsed on any thread. Whatever the
                    // scanner cannot delimit is parsed here, so its error is the one
                    // serde_json finds in the file's own bytes.
                    let text = match s.peek().map_err(io_err)? {
                        Some(b'{') => s.scan(TEXT_BYTES).ok(),
                        _ => None,
                    };
                    if let Some(n) = text {
                        sink(Piece::Text {
                            index,
                            start,
                            text: s.slice(n),
                        })?;
                        s.consume(n);
                    } else {
                        let Some((parsed, n)) =
                            parse_in_buffer(&mut s, path, keys, index, start, &io_err)?
                        else {
                            return Err(truncated(&s));
                        };
                        sink(Piece::Parsed(Box::new(parsed)))?;
                        s.consume(n);
                    }
                    count += 1;
                    match s.skip_ws().map_err(io_err)? {
                        None => return Err(truncated(&s)),
                        Some(b',') => {
                            s.consume(1);
                            need_value = true;
                        }
                        Some(b']') => {
                            s.consume(1);
                            break;
                        }
                        Some(_) => return Err(syntax(&s, "expected `,` or `]` after a feature")),
                    }
                }
            }
            "type" | "crs" => {
                let start = s.position();
                let n = s
                    .scan(limits::MAX_FEATURE_BYTES)
                    .map_err(|e| scan_err(&s, e))?;
                let v: JsonValue =
                    serde_json::from_slice(s.slice(n)).map_err(|e| value_err(start, e))?;
                s.consume(n);
                if key == "type" {
                    kind = Some(v);
                } else {
                    crs = Some(v);
                }
            }
            _ => {
                // Checked as JSON and skipped without recursion (deep nesting is fine here).
                let start = s.position();
                let n = s.scan(usize::MAX).map_err(|e| scan_err(&s, e))?;
                serde_json::from_slice::<serde::de::IgnoredAny>(s.slice(n))
                    .map_err(|e| value_err(start, e))?;
                s.consume(n);
            }
        }
        first_member = false;
        match s.skip_ws().map_err(io_err)? {
            None => return Err(truncated(&s)),
            Some(b',') => s.consume(1),
            Some(b'}') => {
                s.consume(1);
                break;
            }
            Some(_) => return Err(syntax(&s, "expected `,` or `}` after a member")),
        }
    }
    if s.skip_ws().map_err(io_err)?.is_some() {
        return Err(syntax(
            &s,
            "trailing characters after the FeatureCollection",
        ));
    }
    match kind.as_ref().map(|k| k.as_str()) {
        Some(Some("FeatureCollection")) if has_features => {}
        Some(Some("FeatureCollection")) => {
            return Err(layer_err(
                "the FeatureCollection has no `features` member".into(),
            ))
        }
        Some(Some(other)) => {
            return Err(layer_err(format!(
                "expected a GeoJSON FeatureCollection, found a {}",
                error::clip(other).trim_matches('"')
            )))
        }
        Some(None) => {
            return Err(layer_err(
                "expected a GeoJSON FeatureCollection, found a (type that is not a string)".into(),
            ))
        }
        None => return Err(layer_err(
            "expected a GeoJSON FeatureCollection (an object with \"type\": \"FeatureCollection\")"
                .into(),
        )),
    }
    if let Some(crs) = &crs {
        check_crs(crs).map_err(layer_err)?;
    }
    let tally = s.into_inner();
    Ok(LayerInfo {
        path: path.to_path_buf(),
        hash: tally.hash.hex(),
        bytes: tally.bytes,
        features: count,
        warnings: Vec::new(),
    })
}

/// Parses the feature at the stream's position in its buffer (what the scanner could
/// not delimit): serde_json says where it ended, and a feature cut by the buffer's end
/// is parsed again once more of the file is read. The feature and its length; None if
/// the file ends before it starts.
fn parse_in_buffer<R: Read>(
    s: &mut Stream<R>,
    path: &Path,
    keys: &'static [&'static str],
    index: usize,
    start: (usize, usize),
    io_err: &dyn Fn(std::io::Error) -> Error,
) -> Result<Option<(Parsed, usize)>> {
    let n = loop {
        SLOT.with(|slot| slot.borrow_mut().reset(keys));
        let avail = s.rest();
        let mut it = serde_json::Deserializer::from_slice(avail).into_iter::<FeatureSlot>();
        match it.next() {
            Some(Ok(FeatureSlot)) => break it.byte_offset(),
            Some(Err(e)) if e.is_eof() && !s.at_eof() => {
                if avail.len() > limits::MAX_FEATURE_BYTES {
                    let id = parse::find_id(&avail[..avail.len().min(1 << 20)]);
                    return Err(feature_error(
                        path,
                        index,
                        id,
                        None,
                        format!(
                            "the feature's JSON is over the documented limit of {} bytes",
                            limits::MAX_FEATURE_BYTES
                        ),
                    ));
                }
                s.more().map_err(io_err)?;
            }
            Some(Err(e)) => {
                return Err(SLOT.with(|slot| {
                    let slot = slot.borrow();
                    feature_json_error(path, index, avail, start, &slot.cur, &slot.feature, &e)
                }))
            }
            None => return Ok(None),
        }
    };
    let parsed = SLOT.with(|slot| {
        let mut slot = slot.borrow_mut();
        Parsed {
            index,
            feature: std::mem::take(&mut slot.feature),
            long_string: slot.cur.long_string.take(),
            short_position: slot.cur.short_position.get(),
            ..Parsed::default()
        }
    });
    Ok(Some((parsed, n)))
}

const READING: &str = "reading layers";

/// A serde_json position inside a value that starts at `start` (1-based line and
/// column in the file), as a position in the file.
fn shift(start: (usize, usize), e: &serde_json::Error) -> (usize, usize) {
    if e.line() <= 1 {
        (start.0, start.1 + e.column().saturating_sub(1))
    } else {
        (start.0 + e.line() - 1, e.column())
    }
}

fn feature_error(
    path: &Path,
    index: usize,
    id: Option<String>,
    property: Option<String>,
    message: String,
) -> Error {
    Error::Feature {
        path: path.to_path_buf(),
        feature: FeatureRef { index, id },
        property,
        message,
    }
}

/// Explains why one feature's text did not deserialise: names the feature (its id
/// from what was read, else from its text), the property being read, and the place.
fn feature_json_error(
    path: &Path,
    index: usize,
    text: &[u8],
    start: (usize, usize),
    cur: &Cursor,
    feature: &Feature,
    e: &serde_json::Error,
) -> Error {
    let id = feature.values[0]
        .as_ref()
        .and_then(Value::as_id)
        .or_else(|| feature.feature_id.as_ref().and_then(Value::as_id))
        .or_else(|| parse::find_id(text));
    if let Some((property, message)) = &cur.problem {
        return feature_error(path, index, id, property.clone(), message.clone());
    }
    let property = (!cur.key.is_empty()).then(|| cur.key.clone());
    let (line, col) = shift(start, e);
    let at = format!("line {line} column {col}");
    let msg = e.to_string();
    let bare = parse::bare_message(e);
    let offset = parse::line_col_offset(text, e.line(), e.column());
    let here = text.get(offset.saturating_sub(3)..).unwrap_or(&[]);
    let message = if e.is_eof() {
        format!(
            "truncated JSON: the file ends inside the feature, which starts at line {} column {}",
            start.0, start.1
        )
    } else if msg.contains("number out of range") {
        "not a finite number (it overflows a 64-bit float)".to_string()
    } else if msg.contains("recursion limit") {
        format!(
            "JSON nested deeper than {} levels ({bare} at {at})",
            limits::MAX_DEPTH
        )
    } else if let Some(token) = ["-Infinity", "Infinity", "NaN", "-inf", "inf", "nan"]
        .iter()
        .find(|t| (0..4).any(|k| here.get(k..).is_some_and(|h| h.starts_with(t.as_bytes()))))
        .filter(|_| msg.starts_with("expected value") || msg.starts_with("invalid number"))
    {
        format!(
            "`{token}` is not a JSON number: JSON has no NaN or Infinity; write null or leave \
             the property out (at {at})"
        )
    } else if msg.contains("invalid unicode code point") || msg.contains("invalid UTF-8") {
        format!(
            "not valid UTF-8 text (at {at}); GeoJSON is UTF-8: convert the file, e.g. with \
             `iconv -f LATIN1 -t UTF-8` or `ogr2ogr`"
        )
    } else if e.is_syntax() || e.is_eof() {
        format!("not valid JSON: {bare} at {at}")
    } else {
        format!("not a valid GeoJSON feature: {bare} at {at}")
    };
    feature_error(path, index, id, property, message)
}

/// The legacy `crs` member is accepted only when it names WGS84 longitude/latitude.
fn check_crs(crs: &JsonValue) -> std::result::Result<(), String> {
    let name = crs
        .pointer("/properties/name")
        .and_then(JsonValue::as_str)
        .unwrap_or("");
    let ok = ["CRS84", "EPSG:4326", "EPSG::4326"]
        .iter()
        .any(|n| name.ends_with(n));
    if crs.is_null() || ok {
        Ok(())
    } else {
        Err(format!(
            "the `crs` member names {}; only WGS84 longitude/latitude (CRS84, EPSG:4326) is read. \
             Reproject with `ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson`",
            error::clip(name)
        ))
    }
}

/// One feature being read: knows where it is, for error messages, and holds the
/// properties the layer asked for. Each accessor takes its property out: read each
/// key once.
pub(crate) struct FeatureCtx<'a> {
    pub path: &'a Path,
    pub index: usize,
    /// The `id` property when it is a string or number, else the GeoJSON `id`.
    pub id: Option<String>,
    keys: &'a [&'a str],
    values: [Cell<Option<Value>>; parse::MAX_KEYS + 1],
    /// Both ids, when the `id` property and the GeoJSON `id` differ.
    mismatch: Option<(String, String)>,
    /// Integers 0 and 1 are read as booleans (GeoPackage).
    ints_as_bools: bool,
}

impl<'a> FeatureCtx<'a> {
    fn new(
        path: &'a Path,
        index: usize,
        keys: &'a [&'a str],
        values: [Option<Value>; parse::MAX_KEYS + 1],
        feature_id: Option<Value>,
    ) -> Self {
        let mut values = values;
        // A string `id` property moves into `id`; `Int` etc. are small to render.
        let prop_id = match &mut values[0] {
            Some(Value::Str(s)) => {
                let s = std::mem::take(s);
                values[0] = Some(Value::Uint(0));
                Some(s)
            }
            other => other.as_ref().and_then(Value::as_id),
        };
        let fid = feature_id.as_ref().and_then(Value::as_id);
        let mismatch = match (&prop_id, &fid) {
            (Some(p), Some(f)) if p != f => Some((p.clone(), f.clone())),
            _ => None,
        };
        FeatureCtx {
            path,
            index,
            id: prop_id.or(fid),
            keys,
            values: values.map(Cell::new),
            mismatch,
            ints_as_bools: false,
        }
    }

    pub fn err(&self, property: Option<&str>, message: impl Into<String>) -> Error {
        feature_error(
            self.path,
            self.index,
            self.id.clone(),
            property.map(str::to_string),
            message.into(),
        )
    }

    /// Takes the value of `key` (a key the layer named); null counts as absent.
    fn take(&self, key: &str) -> Option<Value> {
        let i = if key == "id" {
            0
        } else {
            1 + self.keys.iter().position(|k| *k == key)?
        };
        self.values[i].take().filter(|v| *v != Value::Null)
    }

    /// The feature's id, required: the `id` property, else the GeoJSON `id`.
    pub fn required_id(&self) -> Result<String> {
        match self.take("id") {
            Some(Value::Str(_) | Value::Int(_) | Value::Uint(_) | Value::Float(_)) | None => {}
            Some(other) => {
                return Err(self.err(
                    Some("id"),
                    format!("expected a string or number, found {other}"),
                ))
            }
        }
        self.id.clone().ok_or_else(|| {
            self.err(
                Some("id"),
                "missing: give an `id` property or a feature `id`",
            )
        })
    }

    /// An optional finite number; `min` is the smallest value allowed.
    pub fn number(&self, key: &str, min: Option<f64>) -> Result<Option<f64>> {
        let Some(v) = self.take(key) else {
            return Ok(None);
        };
        let x = v
            .as_f64()
            .ok_or_else(|| self.err(Some(key), format!("expected a number, found {v}")))?;
        if !x.is_finite() {
            return Err(self.err(Some(key), format!("expected a finite number, found {x}")));
        }
        if let Some(min) = min {
            if x < min {
                return Err(self.err(Some(key), format!("expected a number >= {min}, found {x}")));
            }
        }
        Ok(Some(x))
    }

    /// An optional WRI Aqueduct water-stress category, a number in [0, 5].
    pub fn water_stress(&self, key: &str) -> Result<Option<f64>> {
        let v = self.number(key, Some(0.0))?;
        match v {
            Some(x) if x > 5.0 => Err(self.err(
                Some(key),
                format!("expected a water-stress category in [0, 5], found {x}"),
            )),
            _ => Ok(v),
        }
    }

    pub fn required_number(&self, key: &str, min: Option<f64>) -> Result<f64> {
        self.number(key, min)?
            .ok_or_else(|| self.err(Some(key), "missing: a number is required"))
    }

    pub fn string(&self, key: &str) -> Result<Option<String>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Str(s)) => Ok(Some(s)),
            Some(v) => Err(self.err(Some(key), format!("expected a string, found {v}"))),
        }
    }

    pub fn required_string(&self, key: &str) -> Result<String> {
        self.string(key)?
            .ok_or_else(|| self.err(Some(key), "missing: a string is required"))
    }

    /// An optional ISO 3166-1 alpha-2 country code (see `country.rs` for which).
    pub fn country(&self, key: &str) -> Result<Option<String>> {
        let c = self.string(key)?;
        match &c {
            Some(code) if !country::is_valid(code) => {
                Err(self.err(Some(key), country::explain(code)))
            }
            _ => Ok(c),
        }
    }

    pub fn boolean(&self, key: &str) -> Result<Option<bool>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(Value::Int(i @ (0 | 1))) if self.ints_as_bools => Ok(Some(i == 1)),
            Some(v) => Err(self.err(Some(key), format!("expected true or false, found {v}"))),
        }
    }

    /// A lon/lat coordinate as read; ranges are checked.
    pub fn coord(&self, c: Coord) -> Result<Coord> {
        let Coord { x, y } = c;
        if !x.is_finite() || !y.is_finite() {
            return Err(self.err(Some("geometry"), "coordinates must be finite numbers"));
        }
        if x.abs() > 180.0 || y.abs() > 90.0 {
            let hint = if x.abs() > 1000.0 || y.abs() > 1000.0 {
                " They look projected (metres, e.g. EPSG:3857): reproject with `ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson`."
            } else {
                ""
            };
            return Err(self.err(
                Some("geometry"),
                format!("coordinate [{x}, {y}] is outside longitude [-180, 180] / latitude [-90, 90].{hint}"),
            ));
        }
        Ok(c)
    }

    /// Checks every coordinate of a line.
    pub fn coords(&self, line: Vec<Coord>) -> Result<Vec<Coord>> {
        for c in &line {
            self.coord(*c)?;
        }
        Ok(line)
    }

    pub fn geometry(&self, g: Option<Geometry>) -> Result<Geometry> {
        g.ok_or_else(|| self.err(Some("geometry"), "the feature has no geometry"))
    }

    pub fn wrong_geometry(&self, found: &str, expected: &str) -> Error {
        self.err(
            Some("geometry"),
            format!("expected {expected}, found {found}"),
        )
    }

    fn ring(&self, ring: Vec<Coord>) -> Result<LineString> {
        let coords = self.coords(ring)?;
        if coords.len() < 4 {
            return Err(self.err(
                Some("geometry"),
                format!(
                    "a polygon ring needs at least 4 positions, found {} (rejected)",
                    coords.len()
                ),
            ));
        }
        if coords.first() != coords.last() {
            return Err(self.err(
                Some("geometry"),
                "a polygon ring is not closed: its first and last positions differ (rejected)",
            ));
        }
        Ok(LineString(coords))
    }

    pub fn polygon(&self, rings: Vec<Vec<Coord>>) -> Result<Polygon> {
        let mut it = rings.into_iter();
        let exterior = it
            .next()
            .ok_or_else(|| self.err(Some("geometry"), "a polygon needs an exterior ring"))?;
        let exterior = self.ring(exterior)?;
        let interiors = it.map(|r| self.ring(r)).collect::<Result<Vec<_>>>()?;
        Ok(Polygon::new(exterior, interiors))
    }

    /// A Polygon or MultiPolygon as a MultiPolygon; `Err(name)` of another geometry.
    pub fn areal(&self, g: Geometry) -> Result<std::result::Result<MultiPolygon, &'static str>> {
        Ok(Ok(match g {
            Geometry::Polygon(rings) => MultiPolygon(vec![self.polygon(rings)?]),
            Geometry::MultiPolygon(polys) => MultiPolygon(
                polys
                    .into_iter()
                    .map(|p| self.polygon(p))
                    .collect::<Result<Vec<_>>>()?,
            ),
            other => return Ok(Err(other.name())),
        }))
    }
}

/// A 64-bit hash of an id (FxHash's mixing, then murmur3's finaliser).
fn id_hash(id: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = id.len() as u64;
    let mut chunks = id.as_bytes().chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    for &b in chunks.remainder() {
        h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Hashes a `u64` that already is a hash: as it is.
#[derive(Default, Clone, Copy)]
pub(crate) struct PassHasher(u64);

impl std::hash::Hasher for PassHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = x;
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// An empty required layer is an error.
pub(crate) fn require_nonempty<T>(path: &Path, items: &[T], what: &str) -> Result<()> {
    if items.is_empty() {
        Err(Error::Layer {
            path: path.to_path_buf(),
            message: format!("the layer has no {what}; at least one is required"),
        })
    } else {
        Ok(())
    }
}

/// All layers of a scenario, read and validated.
pub struct Layers {
    pub land: Vec<LandParcel>,
    pub grid: Vec<Substation>,
    pub prices: Vec<PriceZone>,
    pub fibre: FibreLayer,
    pub demand: Vec<DemandPoint>,
    pub exclusions: Vec<Exclusion>,
    /// (layer name, what was read) for every layer read.
    pub info: Vec<(String, LayerInfo)>,
    /// Every layer's warnings (see [`LayerInfo::warnings`]), in reading order.
    pub warnings: Vec<String>,
}

impl Layers {
    /// An estimate of the memory the parsed layers hold, bytes: struct sizes plus
    /// string and coordinate buffers. For the memory benchmark.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let s = |x: &String| x.capacity();
        let os = |x: &Option<String>| x.as_ref().map_or(0, |x| x.capacity());
        let mp = |m: &MultiPolygon| -> usize {
            m.0.iter()
                .map(|p| {
                    size_of::<Polygon>()
                        + (p.exterior().0.capacity()
                            + p.interiors().iter().map(|r| r.0.capacity()).sum::<usize>())
                            * size_of::<Coord>()
                })
                .sum()
        };
        let land: usize = self
            .land
            .iter()
            .map(|p| {
                size_of::<LandParcel>()
                    + s(&p.id)
                    + os(&p.name)
                    + os(&p.country)
                    + p.outline.as_ref().map_or(0, mp)
            })
            .sum();
        let grid: usize = self
            .grid
            .iter()
            .map(|g| size_of::<Substation>() + s(&g.id) + os(&g.name))
            .sum();
        let prices: usize = self
            .prices
            .iter()
            .map(|z| size_of::<PriceZone>() + s(&z.zone) + mp(&z.area))
            .sum();
        let fibre: usize = self
            .fibre
            .routes
            .iter()
            .map(|r| {
                size_of::<Route>()
                    + s(&r.id)
                    + r.parts
                        .iter()
                        .map(|p| p.capacity() * size_of::<Coord>())
                        .sum::<usize>()
            })
            .sum::<usize>()
            + self
                .fibre
                .ixps
                .iter()
                .map(|x| size_of::<Ixp>() + s(&x.id))
                .sum::<usize>();
        let demand: usize = self
            .demand
            .iter()
            .map(|d| size_of::<DemandPoint>() + s(&d.id) + os(&d.name))
            .sum();
        let excl: usize = self
            .exclusions
            .iter()
            .map(|e| size_of::<Exclusion>() + mp(&e.area))
            .sum();
        land + grid + prices + fibre + demand + excl
    }

    /// Reads every layer a scenario names.
    pub fn read(l: &crate::scenario::Layers, progress: &dyn Progress) -> Result<Layers> {
        Layers::read_until(l, progress, &Deadline::never())
    }

    /// Reads every layer a scenario names, stopping with
    /// `Error::TimeLimit { stage: "reading layers" }` once `deadline` has passed.
    pub fn read_until(
        l: &crate::scenario::Layers,
        progress: &dyn Progress,
        deadline: &Deadline,
    ) -> Result<Layers> {
        let d = *deadline;
        let mut info = Vec::new();
        let (land, i) = read_land_from(Input::file(&l.land)?.until(d), progress)?;
        info.push(("land".to_string(), i));
        let (grid, i) = read_grid_from(Input::file(&l.grid)?.until(d), progress)?;
        info.push(("grid".to_string(), i));
        let (prices, i) = read_prices_from(Input::file(&l.prices)?.until(d), progress)?;
        info.push(("prices".to_string(), i));
        let (fibre, i) = read_fibre_from(Input::file(&l.fibre)?.until(d), progress)?;
        info.push(("fibre".to_string(), i));
        let demand = match &l.demand {
            Some(p) => {
                let (v, i) = read_demand_from(Input::file(p)?.until(d), progress)?;
                info.push(("demand".to_string(), i));
                v
            }
            None => Vec::new(),
        };
        let exclusions = match &l.exclusions {
            Some(p) => {
                let (v, i) = read_exclusions_from(Input::file(p)?.until(d), progress)?;
                info.push(("exclusions".to_string(), i));
                v
            }
            None => Vec::new(),
        };
        let warnings = info
            .iter()
            .flat_map(|(_, i)| i.warnings.iter().cloned())
            .collect();
        Ok(Layers {
            land,
            grid,
            prices,
            fibre,
            demand,
            exclusions,
            info,
            warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Silent;

    /// A land layer of `n` Point parcels, over the two-thread threshold for large `n`.
    fn land(n: usize, edit: impl Fn(usize, String) -> String) -> Vec<u8> {
        let mut s = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
        for i in 0..n {
            let f = format!(
                r#"{{"type":"Feature","geometry":{{"type":"Point","coordinates":[{}.5,50.25,12]}},"properties":{{"id":"P{i}","name":"Parcel number {i} of the test layer","price_eur_per_m2":{},"area_ha":40,"available":true,"country":"DE","extra":[1,2,{{"a":"b"}}]}}}}"#,
                i % 170,
                i % 97
            );
            s.push_str(&edit(i, f));
            s.push_str(if i + 1 < n { ",\n" } else { "\n" });
        }
        s.push_str("]}\n");
        s.into_bytes()
    }

    fn read(bytes: &[u8]) -> Result<(Vec<LandParcel>, LayerInfo)> {
        read_land_from(Input::bytes(Path::new("big.geojson"), bytes), &Silent)
    }

    fn index_of(e: &Error) -> usize {
        match e {
            Error::Feature { feature, .. } => feature.index,
            other => panic!("{other}"),
        }
    }

    #[test]
    fn large_layers_read_on_two_threads_like_small_ones() {
        let bytes = land(40_000, |_, f| f);
        assert!(bytes.len() as u64 > PIPELINE_BYTES);
        let (parcels, info) = read(&bytes).unwrap();
        assert_eq!(parcels.len(), 40_000);
        assert_eq!(info.features, 40_000);
        assert_eq!(info.bytes, bytes.len() as u64);
        let mut h = Fnv::default();
        h.update(&bytes);
        assert_eq!(info.hash, h.hex());
        assert_eq!(parcels[39_999].id, "P39999");
        assert_eq!(parcels[123].location, Coord { x: 123.5, y: 50.25 });
        assert_eq!(parcels[5].country.as_deref(), Some("DE"));
        // The same features in a small file give the same parcels.
        let small = land(300, |_, f| f);
        let (few, _) = read(&small).unwrap();
        assert_eq!(few[299].id, parcels[299].id);
        assert_eq!(few[299].name, parcels[299].name);
    }

    #[test]
    fn the_first_error_in_a_large_layer_is_reported() {
        // A rejected value late in the file.
        let bad_value = land(40_000, |i, f| {
            if i == 30_000 {
                f.replace("\"area_ha\":40", "\"area_ha\":-1")
            } else {
                f
            }
        });
        let e = read(&bad_value).unwrap_err();
        assert_eq!(index_of(&e), 30_000, "{e}");
        assert!(e.to_string().contains("P30000"), "{e}");
        // A syntax error after it: the earlier rejected value is still the error.
        let both = land(40_000, |i, f| match i {
            20_000 => f.replace("\"area_ha\":40", "\"area_ha\":-1"),
            35_000 => f.replace("\"area_ha\":40", "\"area_ha\":4 0"),
            _ => f,
        });
        let e = read(&both).unwrap_err();
        assert_eq!(index_of(&e), 20_000, "{e}");
        // A syntax error alone names its feature, property and line.
        let syntax = land(40_000, |i, f| {
            if i == 35_000 {
                f.replace("\"area_ha\":40", "\"area_ha\":NaN")
            } else {
                f
            }
        });
        let e = read(&syntax).unwrap_err();
        assert_eq!(index_of(&e), 35_000, "{e}");
        let msg = e.to_string();
        assert!(
            msg.contains("`area_ha`") && msg.contains("line 35002"),
            "{msg}"
        );
        // Cut off in the middle of a feature.
        let good = land(40_000, |_, f| f);
        let e = read(&good[..good.len() - 500]).unwrap_err();
        assert!(e.to_string().contains("truncated JSON"), "{e}");
    }

    #[test]
    fn a_large_layer_has_the_errors_of_a_small_one() {
        // Each edit of feature 200 gives the same error (index, id, property, line and
        // column) in a layer read on one thread and in one read on all cores.
        let deep = format!("\"extra\":{}{}", "[".repeat(200), "]".repeat(200));
        let edits: Vec<(&str, String)> = vec![
            ("\"area_ha\":40", "\"area_ha\":-1".into()),
            ("\"area_ha\":40", "\"area_ha\":4 0".into()),
            ("\"area_ha\":40", "\"area_ha\":NaN".into()),
            ("\"area_ha\":40", "\"area_ha\":1e999".into()),
            (
                "\"price_eur_per_m2\":",
                "\"price_eur_per_m2\":\"cheap\",\"x\":".into(),
            ),
            ("{\"a\":\"b\"}]", "{\"a\":\"b\"}}".into()),
            ("\"country\":\"DE\"", "\"country\":\"DE".into()),
            ("\"country\":\"DE\"", "\"country\":\"D\u{1}E\"".into()),
            ("\"extra\":[1,2,{\"a\":\"b\"}]", deep),
            ("\"id\":\"P200\"", "\"id\":\"P100\"".into()),
            ("\"id\":\"P200\",", "\"id\":\"P100\",\"area_ha\":-1,".into()),
            ("\"id\":\"P200\",", "".into()),
            ("\"id\":\"P200\",", "\"id\":[1],".into()),
            ("\"type\":\"Point\"", "\"type\":\"Pt\"".into()),
            (
                "\"coordinates\":[30.5,50.25,12]",
                "\"coordinates\":[30.5]".into(),
            ),
            ("{\"type\":\"Feature\",", "{\"type\":\"Feature\"}, {".into()),
        ];
        for (from, to) in &edits {
            let edit = |i: usize, f: String| {
                if i == 200 {
                    assert!(f.contains(from), "{from}");
                    f.replacen(from, to, 1)
                } else {
                    f
                }
            };
            let small = read(&land(300, edit)).unwrap_err().to_string();
            let large = land(40_000, edit);
            assert!(large.len() as u64 > PIPELINE_BYTES);
            assert_eq!(small, read(&large).unwrap_err().to_string(), "{to}");
            assert!(
                small.contains("feature 200") || small.contains("line 202"),
                "{small}"
            );
        }
        // Bytes that are not UTF-8, in a string and outside one.
        for (from, to) in [
            (&b"number 200 "[..], &b"number \xff "[..]),
            (b"number 200 ", b"number \xc3( "),
            (b"\"area_ha\":40", b"\"area_ha\":\xff"),
        ] {
            let edit = |bytes: Vec<u8>| {
                let find = |what: &[u8], after: usize| {
                    after
                        + bytes[after..]
                            .windows(what.len())
                            .position(|w| w == what)
                            .unwrap()
                };
                let at = find(from, find(b"\"P200\"", 0));
                [&bytes[..at], to, &bytes[at + from.len()..]].concat()
            };
            let small = read(&edit(land(300, |_, f| f))).unwrap_err().to_string();
            let large = read(&edit(land(40_000, |_, f| f))).unwrap_err().to_string();
            assert_eq!(small, large);
            assert!(small.contains("feature 200"), "{small}");
        }
        // Whole features that are not objects, or a feature cut off at the end.
        for to in [
            "[1,2]",
            "\"P200\"",
            "12",
            "null",
            "{\"type\":\"Feature\"",
            "]",
        ] {
            let edit = |i: usize, f: String| if i == 200 { to.to_string() } else { f };
            let small = read(&land(300, edit)).unwrap_err().to_string();
            assert_eq!(
                small,
                read(&land(40_000, edit)).unwrap_err().to_string(),
                "{to}"
            );
        }
    }

    #[test]
    fn duplicate_keys_are_named_with_the_feature() {
        let collection = |features: &[String]| {
            format!(
                "{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}",
                features.join(",\n")
            )
        };
        let zone = |id: &str, zone: &str, price: &str| {
            format!(
                r#"{{"type":"Feature","geometry":{{"type":"Polygon","coordinates":[[[9,49],[11,49],[11,51],[9,49]]]}},"properties":{{"id":"{id}","zone":"{zone}","price_eur_per_mwh":{price}}}}}"#
            )
        };
        let prices = |f: &[String]| {
            let text = collection(f);
            let input = Input::bytes(Path::new("prices.geojson"), text.as_bytes());
            read_prices_from(input, &Silent)
                .map(|_| ())
                .unwrap_err()
                .to_string()
        };
        // A duplicate zone is named with the feature's id, before a bad price.
        for price in ["50", "-1"] {
            let e = prices(&[zone("F1", "Z1", "40"), zone("F2", "Z1", price)]);
            assert_eq!(
                e,
                "prices.geojson: feature 1 (id \"F2\"), property `zone`: duplicate zone \"Z1\": \
                 ids are unique per layer"
            );
        }
        // A route and an IXP with one id, and a duplicate in a large layer.
        let route = |id: &str| {
            format!(
                r#"{{"type":"Feature","geometry":{{"type":"LineString","coordinates":[[9,49],[10,49.5]]}},"properties":{{"id":"{id}"}}}}"#
            )
        };
        let ixp = r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[9,49]},"properties":{"id":"R7","kind":"ixp"}}"#;
        let mut features: Vec<String> = (0..40_000).map(|i| route(&format!("R{i}"))).collect();
        features[30_000] = ixp.to_string();
        let text = collection(&features);
        assert!(text.len() as u64 > PIPELINE_BYTES);
        let input = Input::bytes(Path::new("fibre.geojson"), text.as_bytes());
        let e = read_fibre_from(input, &Silent).map(|_| ()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "fibre.geojson: feature 30000 (id \"R7\"), property `id`: duplicate id \"R7\": ids \
             are unique per layer"
        );
    }

    /// Hands out a few bytes per read, like a pipe.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.0.len()).min(7);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// A parcel `BIG` whose polygon has `n` + 2 positions (about 17 bytes each).
    fn big_parcel(n: u32) -> String {
        let ring: Vec<String> = (0..n)
            .map(|i| format!("[{:.6},50.0]", 10.0 + f64::from(i) * 1e-6))
            .chain(std::iter::once("[10.0,49.9]".to_string()))
            .collect();
        format!(
            r#"{{"type":"Feature","geometry":{{"type":"Polygon","coordinates":[[[10,49.9],{}]]}},"properties":{{"id":"BIG","price_eur_per_m2":1}}}}"#,
            ring.join(",")
        )
    }

    #[test]
    fn small_reads_and_features_longer_than_the_buffer_are_read() {
        // One feature of about 1.7 MB (a long name under the string limit is not
        // enough: a polygon with many positions), read 7 bytes at a time.
        let big = big_parcel(100_000);
        let bytes = land(50, |i, f| if i == 20 { big.clone() } else { f });
        let input = Input {
            path: Path::new("trickle.geojson"),
            reader: Box::new(Trickle(&bytes)),
            total: bytes.len() as u64,
            deadline: Deadline::never(),
            origin: Origin::Stream,
            table: None,
            head: Vec::new(),
        };
        let (parcels, info) = read_land_from(input, &Silent).unwrap();
        assert_eq!(parcels.len(), 50);
        assert_eq!(parcels[20].id, "BIG");
        assert_eq!(info.bytes, bytes.len() as u64);
        assert_eq!(read(&bytes).unwrap().0[20].id, "BIG");
    }

    #[test]
    fn features_too_long_for_a_batch_are_parsed_where_they_are_read() {
        // A polygon of about 5 MB (over TEXT_BYTES) among small features, in a layer
        // read on all cores: the same parcels as when every feature is small.
        let big = big_parcel(300_000);
        assert!(big.len() > TEXT_BYTES);
        let bytes = land(20_000, |i, f| if i == 7_000 { big.clone() } else { f });
        let (parcels, info) = read(&bytes).unwrap();
        assert_eq!((parcels.len(), info.features), (20_000, 20_000));
        let outline = parcels[7_000].outline.as_ref().unwrap();
        assert_eq!(outline.0[0].exterior().0.len(), 300_002);
        assert_eq!(parcels[7_001].id, "P7001");
        let small = land(20_000, |_, f| f);
        assert_eq!(
            parcels[19_999].location,
            read(&small).unwrap().0[19_999].location
        );
    }

    #[test]
    fn the_deadline_stops_a_large_read() {
        let bytes = land(20_000, |_, f| f);
        let e = read_land_from(
            Input::bytes(Path::new("big.geojson"), &bytes).until(Deadline::after_secs(0.0)),
            &Silent,
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                Error::TimeLimit {
                    stage: "reading layers"
                }
            ),
            "{e}"
        );
    }
}
