//! Converters from the formats European planners have to gigasite's layers.
//!
//! Each converter lives in its own file and turns one kind of source into one layer
//! of `MODEL.md`'s schema, as a GeoJSON FeatureCollection with flat properties,
//! coordinates rounded to 6 decimals (about 0.1 m) and a stable feature order (the
//! order of the input), so the same input always gives the same bytes:
//!
//! | converter | source | layer |
//! |---|---|---|
//! | [`entsoe_grid`] | ENTSO-E grid map extract as PyPSA-Eur ships it (`buses.csv`, `lines.csv`) | grid |
//! | [`topology_zoo`] | Internet Topology Zoo GraphML | fibre (routes and IXPs) |
//! | [`geonames`] | GeoNames `cities15000.txt` (tab-separated, no header) | demand |
//! | [`zones`] | zone polygons (GeoJSON) joined with a CSV of prices (e.g. Ember's monthly table) | prices |
//! | [`points`] | any CSV with coordinates (columns or POINT WKT), e.g. Hotmaps industrial sites | land |
//!
//! Every converter returns an [`Output`]: the features and an [`ImportReport`] saying
//! what it read, what it wrote and what it dropped, with a count per reason. A
//! *malformed* record (a number that does not parse, a coordinate out of range, a row
//! with the wrong number of fields, a duplicate id) is an error naming the file and
//! the line ([`ImportError::Malformed`]); with `skip_malformed` it is dropped instead
//! and listed in the report. Records that are well-formed but unusable (no
//! coordinates, below a threshold, no price) are dropped and counted, never errors.
//!
//! ```no_run
//! use gigasite::import::geonames::{convert, GeonamesOptions};
//! let out = convert(&GeonamesOptions {
//!     file: "cities15000.txt".into(),
//!     min_population: 1_000_000,
//!     countries: None,
//!     skip_malformed: false,
//! })
//! .unwrap();
//! eprintln!("{}", out.report);
//! out.write("demand.geojson".as_ref()).unwrap();
//! ```

pub mod bidding_zones;
pub mod carbon;
pub mod countries;
pub mod entsoe_grid;
pub mod eurostat;
pub mod geonames;
pub mod points;
pub mod topology_zoo;
pub mod water;
pub mod zonal_prices;
mod zone_attributes;
pub mod zones;

use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{json, Map, Value};

/// Where in an input file a record sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// 1-based line of a text file (CSV, TSV, XML); for a CSV record spanning lines, its first.
    Line(u64),
    /// 0-based index of a feature in a GeoJSON FeatureCollection.
    Feature(usize),
    /// 0-based index of an element of a named JSON array, e.g. `zones[3]`.
    Item(&'static str, usize),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Line(n) => write!(f, "line {n}"),
            Place::Feature(n) => write!(f, "feature {n}"),
            Place::Item(array, n) => write!(f, "{array}[{n}]"),
        }
    }
}

/// What can go wrong in a conversion. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file could not be read. The message includes the OS error's text, so it is
    /// not also given as `source()` (a chain printed with `{:#}` would repeat it).
    #[error("{}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// One record is malformed (and `skip_malformed` is off).
    #[error("{}, {place}: {message} (--skip-malformed drops such records and lists them)", path.display())]
    Malformed {
        path: PathBuf,
        place: Place,
        message: String,
    },
    /// The file as a whole cannot be used: not the format expected, a column missing.
    #[error("{}: {message}", path.display())]
    File { path: PathBuf, message: String },
    /// The options contradict each other or are out of range.
    #[error("{message}")]
    Options { message: String },
    /// Every record was dropped, and the layer must not be empty.
    #[error(
        "nothing to write to the {layer} layer: every record was dropped (see the counts above)"
    )]
    Empty { layer: &'static str },
    /// Writing the output failed.
    #[error(transparent)]
    Write(#[from] crate::Error),
}

impl ImportError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        ImportError::Io {
            path: path.to_path_buf(),
            error: source,
        }
    }

    pub(crate) fn file(path: &Path, message: impl Into<String>) -> Self {
        ImportError::File {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    pub(crate) fn options(message: impl Into<String>) -> Self {
        ImportError::Options {
            message: message.into(),
        }
    }
}

pub type Result<T, E = ImportError> = std::result::Result<T, E>;

/// A count with what it counts, e.g. ("buses below --min-kv", 4050).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub what: String,
    pub count: usize,
}

/// A malformed record that was skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MalformedRecord {
    pub path: PathBuf,
    pub place: Place,
    pub message: String,
}

/// What a converter read, wrote and dropped, and why.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportReport {
    /// The converter's name, as on the command line (`entsoe-grid`, …).
    pub converter: String,
    /// Records read, per kind (`buses`, `lines`, …).
    pub read: Vec<Count>,
    /// Features written, per kind (`substations`, `routes`, `ixps`, …).
    pub written: Vec<Count>,
    /// Records dropped, per reason (each record counted once, by the first reason).
    pub dropped: Vec<Count>,
    /// Malformed records skipped (only with `skip_malformed`), in input order.
    pub malformed: Vec<MalformedRecord>,
    /// Details worth a look: cities not found, zones without a price, rules applied.
    pub notes: Vec<String>,
}

fn bump(list: &mut Vec<Count>, what: &str, n: usize) {
    match list.iter_mut().find(|c| c.what == what) {
        Some(c) => c.count += n,
        None => list.push(Count {
            what: what.to_string(),
            count: n,
        }),
    }
}

fn lookup(list: &[Count], what: &str) -> usize {
    list.iter().find(|c| c.what == what).map_or(0, |c| c.count)
}

impl ImportReport {
    pub(crate) fn new(converter: &str) -> Self {
        ImportReport {
            converter: converter.to_string(),
            ..ImportReport::default()
        }
    }

    pub(crate) fn add_read(&mut self, what: &str, n: usize) {
        bump(&mut self.read, what, n);
    }

    pub(crate) fn add_written(&mut self, what: &str, n: usize) {
        bump(&mut self.written, what, n);
    }

    /// Counts a dropped record; call with `n = 0` to list a reason before it occurs.
    pub(crate) fn add_dropped(&mut self, reason: &str, n: usize) {
        bump(&mut self.dropped, reason, n);
    }

    pub(crate) fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// A malformed record: an error, or with `skip` a dropped record listed in the report.
    pub(crate) fn malformed(
        &mut self,
        skip: bool,
        path: &Path,
        place: Place,
        message: impl Into<String>,
    ) -> Result<()> {
        let message = message.into();
        if !skip {
            return Err(ImportError::Malformed {
                path: path.to_path_buf(),
                place,
                message,
            });
        }
        self.malformed.push(MalformedRecord {
            path: path.to_path_buf(),
            place,
            message,
        });
        Ok(())
    }

    /// Records of this kind read.
    pub fn read_count(&self, what: &str) -> usize {
        lookup(&self.read, what)
    }

    /// Features of this kind written.
    pub fn written_count(&self, what: &str) -> usize {
        lookup(&self.written, what)
    }

    /// Records dropped for this reason.
    pub fn dropped_count(&self, reason: &str) -> usize {
        lookup(&self.dropped, reason)
    }

    /// Lines (or feature indexes) of the malformed records skipped in `path`.
    pub fn malformed_places(&self, path: &Path) -> Vec<Place> {
        self.malformed
            .iter()
            .filter(|m| m.path == path)
            .map(|m| m.place)
            .collect()
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |v: &[Count]| {
            v.iter()
                .map(|c| format!("{} {}", c.count, c.what))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(f, "import {}", self.converter)?;
        writeln!(f, "  read:    {}", list(&self.read))?;
        writeln!(f, "  written: {}", list(&self.written))?;
        if !self.dropped.is_empty() {
            writeln!(f, "  dropped:")?;
            for c in &self.dropped {
                writeln!(f, "    {:>8}  {}", c.count, c.what)?;
            }
        }
        if !self.malformed.is_empty() {
            writeln!(f, "  skipped {} malformed records:", self.malformed.len())?;
            const SHOWN: usize = 20;
            for m in self.malformed.iter().take(SHOWN) {
                writeln!(f, "    {}, {}: {}", m.path.display(), m.place, m.message)?;
            }
            if self.malformed.len() > SHOWN {
                let mut rest: Vec<String> = Vec::new();
                for m in &self.malformed[SHOWN..] {
                    rest.push(m.place.to_string());
                }
                writeln!(f, "    … and {}", rest.join(", "))?;
            }
        }
        for n in &self.notes {
            writeln!(f, "  note: {n}")?;
        }
        Ok(())
    }
}

/// A converted layer: its features, in output order, and the report.
#[derive(Debug, Clone)]
pub struct Output {
    /// The layer written: `grid`, `fibre`, `demand`, `prices` or `land`.
    pub layer: &'static str,
    pub features: Vec<Value>,
    /// Nothing the layer requires was written (no routes, zones, parcels, substations).
    pub empty: bool,
    pub report: ImportReport,
}

impl Output {
    /// The FeatureCollection as text: one feature per line, so diffs stay readable.
    pub fn to_geojson(&self) -> String {
        let mut s = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
        for (i, f) in self.features.iter().enumerate() {
            if i > 0 {
                s.push_str(",\n");
            }
            // "type" first, then properties, then geometry, as GIS tools write it.
            let member = |k: &str| serde_json::to_string(&f[k]).expect("plain data serializes");
            s.push_str(&format!(
                "{{\"type\":\"Feature\",\"properties\":{},\"geometry\":{}}}",
                member("properties"),
                geometry(&f["geometry"])
            ));
        }
        s.push_str("\n]}\n");
        s
    }

    /// Writes the layer atomically (temporary file, then rename). The demand layer may be
    /// empty; the others are required by the model and an empty one is an error.
    pub fn write(&self, path: &Path) -> Result<()> {
        if self.empty {
            return Err(ImportError::Empty { layer: self.layer });
        }
        crate::report::write_atomic(path, self.to_geojson().as_bytes())?;
        Ok(())
    }
}

fn geometry(g: &Value) -> String {
    let member = |k: &str| serde_json::to_string(&g[k]).expect("plain data serializes");
    format!(
        "{{\"type\":{},\"coordinates\":{}}}",
        member("type"),
        member("coordinates")
    )
}

// ---------------------------------------------------------------------------
// Shared helpers for the converters.

/// `x` rounded to 6 decimals (about 0.1 m in degrees); never `-0`.
pub(crate) fn round_to(x: f64, decimals: i32) -> f64 {
    let p = 10f64.powi(decimals);
    let r = (x * p).round() / p;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

pub(crate) fn round6(x: f64) -> f64 {
    round_to(x, 6)
}

/// A GeoJSON Point position, rounded.
pub(crate) fn position(lon: f64, lat: f64) -> Value {
    json!([round6(lon), round6(lat)])
}

pub(crate) fn feature(geometry: Value, properties: Map<String, Value>) -> Value {
    json!({"type": "Feature", "properties": properties, "geometry": geometry})
}

pub(crate) fn point(lon: f64, lat: f64) -> Value {
    json!({"type": "Point", "coordinates": position(lon, lat)})
}

/// Checks a longitude/latitude pair; the message hints at reprojection when the
/// numbers look like metres.
pub(crate) fn check_lon_lat(lon: f64, lat: f64) -> std::result::Result<(), String> {
    if !lon.is_finite() || !lat.is_finite() {
        return Err("coordinates must be finite numbers".into());
    }
    if lon.abs() > 180.0 || lat.abs() > 90.0 {
        let hint = if lon.abs() > 1000.0 || lat.abs() > 1000.0 {
            " They look projected (metres): reproject to EPSG:4326 first."
        } else {
            ""
        };
        return Err(format!(
            "coordinate ({lon}, {lat}) is outside longitude [-180, 180] / latitude [-90, 90].{hint}"
        ));
    }
    Ok(())
}

/// A finite number; with `decimal_comma`, "47,03" reads as 47.03 (files that use `;`
/// between fields often use `,` in numbers).
pub(crate) fn parse_number(s: &str, decimal_comma: bool) -> Option<f64> {
    let s = s.trim();
    let x = match s.parse::<f64>() {
        Ok(x) => x,
        Err(_) if decimal_comma && s.matches(',').count() == 1 && !s.contains('.') => {
            s.replace(',', ".").parse::<f64>().ok()?
        }
        Err(_) => return None,
    };
    x.is_finite().then_some(x)
}

/// How a CSV file is laid out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dialect {
    pub delimiter: u8,
    /// `None`: no quoting at all (GeoNames).
    pub quote: Option<u8>,
    pub has_headers: bool,
}

/// A CSV file being read record by record, with its header.
pub(crate) struct CsvFile {
    pub path: PathBuf,
    reader: csv::Reader<File>,
    pub headers: Vec<String>,
    record: csv::StringRecord,
    /// Records read so far, the malformed ones skipped included.
    pub records: usize,
}

/// Refuses a compressed archive given where text is expected, naming what it is,
/// rather than failing later on its bytes as "not valid UTF-8".
fn refuse_archive(path: &Path, file: &mut File) -> Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut magic = [0u8; 4];
    let mut n = 0;
    while n < magic.len() {
        match file.read(&mut magic[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ImportError::io(path, e)),
        }
    }
    file.seek(SeekFrom::Start(0))
        .map_err(|e| ImportError::io(path, e))?;
    let kind = match &magic[..n] {
        [b'P', b'K', 3, 4] | [b'P', b'K', 5, 6] | [b'P', b'K', 7, 8] => Some(("zip", "unzip")),
        [0x1f, 0x8b, ..] => Some(("gzip", "gunzip")),
        [b'B', b'Z', b'h', ..] => Some(("bzip2", "bunzip2")),
        [0xfd, b'7', b'z', b'X'] => Some(("xz", "unxz")),
        _ => None,
    };
    match kind {
        Some((what, tool)) => Err(ImportError::file(
            path,
            format!(
                "this is a {what} archive, not a text file: extract it first (e.g. `{tool} {}`) \
                 and give the file inside",
                path.display()
            ),
        )),
        None => Ok(()),
    }
}

impl CsvFile {
    pub fn open(path: &Path, dialect: Dialect) -> Result<Self> {
        let mut file = File::open(path).map_err(|e| ImportError::io(path, e))?;
        refuse_archive(path, &mut file)?;
        let mut builder = csv::ReaderBuilder::new();
        builder
            .delimiter(dialect.delimiter)
            .has_headers(dialect.has_headers)
            .flexible(true);
        match dialect.quote {
            Some(q) => builder.quote(q),
            None => builder.quoting(false),
        };
        let mut reader = builder.from_reader(file);
        let headers = if dialect.has_headers {
            let h = reader
                .headers()
                .map_err(|e| ImportError::file(path, format!("cannot read the header: {e}")))?;
            h.iter()
                .enumerate()
                .map(|(i, s)| {
                    let s = if i == 0 {
                        s.trim_start_matches('\u{feff}')
                    } else {
                        s
                    };
                    s.trim().to_string()
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(CsvFile {
            path: path.to_path_buf(),
            reader,
            headers,
            record: csv::StringRecord::new(),
            records: 0,
        })
    }

    /// The index of a column, by exact name, else by a unique case-insensitive match.
    pub fn optional_column(&self, name: &str) -> Option<usize> {
        if let Some(i) = self.headers.iter().position(|h| h == name) {
            return Some(i);
        }
        let mut it = self
            .headers
            .iter()
            .enumerate()
            .filter(|(_, h)| h.eq_ignore_ascii_case(name));
        match (it.next(), it.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    }

    pub fn column(&self, name: &str, flag: &str) -> Result<usize> {
        self.optional_column(name).ok_or_else(|| {
            ImportError::file(
                &self.path,
                format!(
                    "no column `{name}`{} in the header; the columns are: {}",
                    if flag.is_empty() {
                        String::new()
                    } else {
                        format!(" (set with {flag})")
                    },
                    self.headers.join(", ")
                ),
            )
        })
    }

    /// The next record and its line. Records that are not valid UTF-8 or do not have
    /// `expected_fields` fields (the header's count by default) are malformed.
    pub fn next_record(
        &mut self,
        report: &mut ImportReport,
        skip: bool,
        expected_fields: Option<usize>,
    ) -> Result<Option<(u64, &csv::StringRecord)>> {
        let expected = expected_fields.unwrap_or(self.headers.len());
        loop {
            match self.reader.read_record(&mut self.record) {
                Ok(false) => return Ok(None),
                Ok(true) => {
                    self.records += 1;
                    let line = self.record.position().map_or(0, |p| p.line());
                    if self.record.len() != expected {
                        report.malformed(
                            skip,
                            &self.path,
                            Place::Line(line),
                            format!(
                                "{} fields where {expected} were expected{}",
                                self.record.len(),
                                if self.headers.is_empty() {
                                    ""
                                } else {
                                    " (as in the header)"
                                }
                            ),
                        )?;
                        continue;
                    }
                    return Ok(Some((line, &self.record)));
                }
                Err(e) => {
                    let line = e.position().map(|p| p.line());
                    match (e.kind(), line) {
                        (csv::ErrorKind::Utf8 { .. }, Some(line)) => {
                            self.records += 1;
                            report.malformed(
                                skip,
                                &self.path,
                                Place::Line(line),
                                "not valid UTF-8 (convert the file, e.g. `iconv -f latin1 -t utf-8`)",
                            )?;
                        }
                        (csv::ErrorKind::Io(_), _) => {
                            let csv::ErrorKind::Io(io) = e.into_kind() else {
                                unreachable!()
                            };
                            return Err(ImportError::io(&self.path, io));
                        }
                        _ => return Err(ImportError::file(&self.path, e.to_string())),
                    }
                }
            }
        }
    }
}

/// Reads a field that must be a finite number; `what` names it in the message.
pub(crate) fn number_field(
    value: &str,
    what: &str,
    decimal_comma: bool,
) -> std::result::Result<f64, String> {
    parse_number(value, decimal_comma)
        .ok_or_else(|| format!("column `{what}`: expected a number, found {value:?}"))
}

/// Splits a comma-separated option value ("DE, FR,IT") into trimmed, non-empty items.
pub fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_six_decimals_without_negative_zero() {
        assert_eq!(round6(15.0678064999), 15.067806);
        assert_eq!(round6(-0.0000001), 0.0);
        assert!(round6(-0.0000001).is_sign_positive());
    }

    #[test]
    fn decimal_comma_only_when_asked() {
        assert_eq!(parse_number("47,03", true), Some(47.03));
        assert_eq!(parse_number("47,03", false), None);
        assert_eq!(parse_number("1,000.5", true), None);
        assert_eq!(parse_number("NaN", true), None);
        assert_eq!(parse_number(" 12.5 ", false), Some(12.5));
    }
}
