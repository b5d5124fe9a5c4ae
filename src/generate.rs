//! Seeded synthetic instances: a Europe-like set of layers plus a scenario.
//!
//! [`generate`] writes `land`, `grid`, `prices`, `fibre` (and optionally `demand`
//! and `exclusions`) GeoJSON layers and a `scenario.toml` that refers to them. The
//! output is a pure function of [`GenerateOptions`]: the same options give
//! byte-identical files on every platform and with every dependency version,
//! because
//!
//! - randomness comes from [`SplitMix64`], written here, not from the `rand` crate
//!   (whose streams may change between versions);
//! - only `+ - * /`, `sqrt`, `round`, `floor` are used on floats (all exactly
//!   rounded by IEEE 754); the one cosine needed is a fixed Taylor polynomial
//!   ([`cos_deg`]) instead of the platform's `libm`;
//! - JSON and TOML are written as text with a fixed key order, and numbers are
//!   rounded (coordinates to 6 decimals, money to 2) and printed with Rust's
//!   own shortest round-trip formatting.
//!
//! Each layer draws from its own random stream, so changing e.g. `parcels` does
//! not move the substations. Countries, zones and hubs depend only on the seed,
//! `countries`, `extent` and `routes` (which sets the number of hubs).
//!
//! # Units
//! Distances in km, coordinates in WGS84 degrees (lon, lat), prices in EUR.
//!
//! # Example
//! ```no_run
//! use gigasite::generate::{generate, GenerateOptions};
//! let opts = GenerateOptions { seed: 7, parcels: 500, ..GenerateOptions::default() };
//! let summary = generate(std::path::Path::new("/tmp/synthetic"), &opts).unwrap();
//! assert!(summary.files.iter().any(|f| f.ends_with("scenario.toml")));
//! ```

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fast, well-mixed 64-bit PRNG.
///
/// Used instead of the `rand` crate so that generated datasets never change
/// across dependency versions or platforms: the whole algorithm is the five lines
/// of [`SplitMix64::next_u64`].
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose stream is fully determined by `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64 uniformly distributed bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)` with 53 bits of precision.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[lo, hi)` (or `lo` when `hi <= lo`).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next_f64()
    }

    /// Uniform integer in `0..n` (multiply-shift; the bias is below 2^-40 for
    /// any realistic `n`). Returns 0 when `n == 0`.
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        self.next_f64() < p
    }

    /// One element of a non-empty slice.
    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }

    /// Fisher–Yates shuffle.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// What to generate and the scenario written next to it.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateOptions {
    /// Seed of every random stream; the same options give the same bytes.
    pub seed: u64,
    /// Land candidates (`land.geojson`).
    pub parcels: usize,
    /// Substations (`grid.geojson`).
    pub substations: usize,
    /// Fibre LineStrings (`fibre.geojson`); also sets the hub count, `max(8, routes / 6)`.
    pub routes: usize,
    /// Demand points (0 = no demand layer and no demand keys).
    pub demand: usize,
    /// Exclusion polygons (0 = no exclusions layer).
    pub exclusions: usize,
    /// Number of synthetic countries (1..=40).
    pub countries: usize,
    /// `[lon_min, lat_min, lon_max, lat_max]` in degrees; every feature lies strictly inside.
    pub extent: [f64; 4],
    /// `[sites] count` in scenario.toml.
    pub count: u32,
    /// `[sites] min_separation_km` (omitted when `None`).
    pub min_separation_km: Option<f64>,
    /// `[sites] max_per_country` (omitted when `None`).
    pub max_per_country: Option<u32>,
    /// `[latency] max_rtt_ms_to_ixp` (omitted when `None`).
    pub max_rtt_ms_to_ixp: Option<f64>,
    /// `[latency] max_rtt_ms_to_demand` (omitted when `None` or when `demand == 0`).
    pub max_rtt_ms_to_demand: Option<f64>,
    /// `[latency] eur_per_ms` (written only when > 0 and `demand > 0`).
    pub eur_per_ms: f64,
    /// `[power] max_connection_km`.
    pub max_connection_km: f64,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            seed: 1,
            parcels: 200,
            substations: 150,
            routes: 40,
            demand: 10,
            exclusions: 3,
            countries: 12,
            extent: [-10.0, 36.0, 30.0, 70.0],
            count: 4,
            min_separation_km: Some(500.0),
            max_per_country: Some(1),
            max_rtt_ms_to_ixp: Some(10.0),
            max_rtt_ms_to_demand: Some(15.0),
            eur_per_ms: 0.0,
            max_connection_km: 50.0,
        }
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateSummary {
    /// Every file written (`dir` joined with its name), in writing order;
    /// `scenario.toml` is last.
    pub files: Vec<PathBuf>,
}

/// Writes a synthetic instance into `dir` (created if needed).
///
/// Files: `land.geojson`, `grid.geojson`, `prices.geojson`, `fibre.geojson`,
/// `demand.geojson` (if `demand > 0`), `exclusions.geojson` (if
/// `exclusions > 0`) and `scenario.toml`. Each is written to a temporary name in
/// `dir` and then renamed. Nothing is written when the options are invalid
/// (`ErrorKind::InvalidInput`). Files from an earlier run that this run does not
/// produce (e.g. `demand.geojson` with `demand = 0`) are left alone; the
/// scenario does not refer to them.
pub fn generate(dir: &Path, opts: &GenerateOptions) -> io::Result<GenerateSummary> {
    validate(opts)?;
    let frame = Frame::new(opts.extent);
    let countries = Countries::build(&frame, opts.countries, &mut stream(opts.seed, 1));
    let zones = build_zones(&countries, &mut stream(opts.seed, 2));
    let hubs = build_hubs(&frame, opts.routes, &mut stream(opts.seed, 3));

    let mut outputs: Vec<(&str, String)> = vec![
        (
            "land.geojson",
            land_layer(&frame, &countries, &hubs, opts, &mut stream(opts.seed, 5)),
        ),
        (
            "grid.geojson",
            grid_layer(&frame, &hubs, opts, &mut stream(opts.seed, 6)),
        ),
        ("prices.geojson", prices_layer(&zones)),
        (
            "fibre.geojson",
            fibre_layer(&frame, &hubs, opts, &mut stream(opts.seed, 4)),
        ),
    ];
    if opts.demand > 0 {
        outputs.push((
            "demand.geojson",
            demand_layer(&frame, &hubs, opts, &mut stream(opts.seed, 7)),
        ));
    }
    if opts.exclusions > 0 {
        outputs.push((
            "exclusions.geojson",
            exclusions_layer(&frame, opts, &mut stream(opts.seed, 8)),
        ));
    }
    outputs.push(("scenario.toml", scenario_toml(opts)));

    fs::create_dir_all(dir)?;
    let mut files = Vec::with_capacity(outputs.len());
    for (name, text) in &outputs {
        files.push(write_atomic(dir, name, text)?);
    }
    Ok(GenerateSummary { files })
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

fn validate(opts: &GenerateOptions) -> io::Result<()> {
    if !(1..=COUNTRY_CODES.len()).contains(&opts.countries) {
        return Err(invalid(format!(
            "generate: countries must be in 1..={}, got {}",
            COUNTRY_CODES.len(),
            opts.countries
        )));
    }
    let [x0, y0, x1, y1] = opts.extent;
    let ok = opts.extent.iter().all(|v| v.is_finite())
        && (-180.0..=180.0).contains(&x0)
        && (-180.0..=180.0).contains(&x1)
        && (-85.0..=85.0).contains(&y0)
        && (-85.0..=85.0).contains(&y1)
        && x1 - x0 >= 0.01
        && y1 - y0 >= 0.01;
    if !ok {
        return Err(invalid(format!(
            "generate: extent must be [lon_min, lat_min, lon_max, lat_max] with lon in \
             [-180, 180], lat in [-85, 85] and each side at least 0.01 degrees, got {:?}",
            opts.extent
        )));
    }
    let non_negative = [
        ("min_separation_km", opts.min_separation_km),
        ("max_rtt_ms_to_ixp", opts.max_rtt_ms_to_ixp),
        ("max_rtt_ms_to_demand", opts.max_rtt_ms_to_demand),
        ("eur_per_ms", Some(opts.eur_per_ms)),
    ];
    for (name, value) in non_negative {
        if let Some(v) = value {
            if !v.is_finite() || v < 0.0 {
                return Err(invalid(format!(
                    "generate: {name} must be finite and >= 0, got {v}"
                )));
            }
        }
    }
    if !opts.max_connection_km.is_finite() || opts.max_connection_km <= 0.0 {
        return Err(invalid(format!(
            "generate: max_connection_km must be finite and > 0, got {}",
            opts.max_connection_km
        )));
    }
    Ok(())
}

/// An independent random stream per layer, so layers do not shift each other.
fn stream(seed: u64, layer: u64) -> SplitMix64 {
    let mut mixer = SplitMix64::new(seed ^ layer.wrapping_mul(0xD1B5_4A32_D192_ED03));
    SplitMix64::new(mixer.next_u64())
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

fn write_atomic(dir: &Path, name: &str, text: &str) -> io::Result<PathBuf> {
    let path = dir.join(name);
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}-{n}.tmp", std::process::id()));
    let result = fs::write(&tmp, text).and_then(|()| fs::rename(&tmp, &path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map(|()| path)
}

// ---------------------------------------------------------------------------
// Geometry (deterministic: no libm).

/// km per degree of latitude on the mean-radius sphere (R = 6371.0088 km).
const KM_PER_DEG: f64 = 6371.0088 * std::f64::consts::PI / 180.0;

/// Cosine of an angle in degrees, |deg| <= 90, from a fixed Taylor polynomial
/// (error < 1e-15) so results do not depend on the platform's `libm`.
fn cos_deg(deg: f64) -> f64 {
    let x = deg * (std::f64::consts::PI / 180.0);
    let x2 = x * x;
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..=12u32 {
        term *= -x2 / f64::from((2 * k - 1) * (2 * k));
        sum += term;
    }
    sum
}

/// km per degree of longitude at `lat` (never below 1 km, for safety near the poles).
fn km_per_deg_lon(lat: f64) -> f64 {
    (KM_PER_DEG * cos_deg(lat)).max(1.0)
}

const POW10: [f64; 7] = [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6];

/// `x` rounded to `decimals` (<= 6) places; never `-0`.
fn round_to(x: f64, decimals: usize) -> f64 {
    let p = POW10[decimals];
    let r = (x * p).round() / p;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

fn round6(x: f64) -> f64 {
    round_to(x, 6)
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Pt {
    lon: f64,
    lat: f64,
}

/// Equirectangular distance in km; plenty for spacing hubs and choosing neighbours.
fn dist_km(a: Pt, b: Pt) -> f64 {
    let dx = (b.lon - a.lon) * km_per_deg_lon(0.5 * (a.lat + b.lat));
    let dy = (b.lat - a.lat) * KM_PER_DEG;
    (dx * dx + dy * dy).sqrt()
}

/// `p` moved `dx_km` east and `dy_km` north (local flat approximation).
fn offset(p: Pt, dx_km: f64, dy_km: f64) -> Pt {
    Pt {
        lon: p.lon + dx_km / km_per_deg_lon(p.lat),
        lat: p.lat + dy_km / KM_PER_DEG,
    }
}

/// A uniform point in the unit disc, by rejection (no trigonometry).
fn unit_disc(rng: &mut SplitMix64) -> (f64, f64) {
    loop {
        let x = rng.range(-1.0, 1.0);
        let y = rng.range(-1.0, 1.0);
        if x * x + y * y <= 1.0 {
            return (x, y);
        }
    }
}

/// The extent and an inner box (0.5 % margin per side) that every generated
/// coordinate is kept in, so features stay strictly inside the extent even after
/// rounding.
struct Frame {
    ext: [f64; 4],
    inner: [f64; 4],
}

impl Frame {
    fn new(ext: [f64; 4]) -> Self {
        let mx = (ext[2] - ext[0]) * 0.005;
        let my = (ext[3] - ext[1]) * 0.005;
        Frame {
            ext,
            inner: [ext[0] + mx, ext[1] + my, ext[2] - mx, ext[3] - my],
        }
    }

    fn inside_inner(&self, p: Pt) -> bool {
        p.lon >= self.inner[0]
            && p.lon <= self.inner[2]
            && p.lat >= self.inner[1]
            && p.lat <= self.inner[3]
    }

    /// Clamped into the inner box and rounded to 6 decimals.
    fn fix(&self, p: Pt) -> Pt {
        Pt {
            lon: round6(p.lon.clamp(self.inner[0], self.inner[2])),
            lat: round6(p.lat.clamp(self.inner[1], self.inner[3])),
        }
    }

    fn uniform(&self, rng: &mut SplitMix64) -> Pt {
        let lon = rng.range(self.inner[0], self.inner[2]);
        let lat = rng.range(self.inner[1], self.inner[3]);
        self.fix(Pt { lon, lat })
    }

    /// A point within `radius_km` of `centre`, its distance uniform in
    /// `[0, radius_km)` (so denser near the centre, like land around a city);
    /// retried a few times to land inside the frame, else uniform in the frame.
    fn near(&self, centre: Pt, radius_km: f64, rng: &mut SplitMix64) -> Pt {
        for _ in 0..8 {
            let (x, y) = unit_disc(rng);
            // |(x, y)| = ρ has CDF ρ², so scaling by ρ gives a uniform distance ρ².
            let scale = radius_km * (x * x + y * y).sqrt();
            let p = offset(centre, x * scale, y * scale);
            if self.inside_inner(p) {
                return self.fix(p);
            }
        }
        self.uniform(rng)
    }

    /// Centre and half sizes (degrees) of a box of half size `half_km` around
    /// `centre`, shrunk and moved as needed to fit in the inner box.
    fn fit_box(&self, centre: Pt, half_km: f64) -> (Pt, f64, f64) {
        let [x0, y0, x1, y1] = self.inner;
        let hy = (half_km / KM_PER_DEG).min(0.45 * (y1 - y0));
        let lat = centre.lat.clamp(y0 + hy, y1 - hy);
        let hx = (half_km / km_per_deg_lon(lat)).min(0.45 * (x1 - x0));
        let lon = centre.lon.clamp(x0 + hx, x1 - hx);
        (Pt { lon, lat }, hx, hy)
    }
}

// ---------------------------------------------------------------------------
// Countries and price zones.

/// ISO 3166-1 user-assigned codes: XA..XZ, then QM..QZ.
const COUNTRY_CODES: [&str; 40] = [
    "XA", "XB", "XC", "XD", "XE", "XF", "XG", "XH", "XI", "XJ", "XK", "XL", "XM", "XN", "XO", "XP",
    "XQ", "XR", "XS", "XT", "XU", "XV", "XW", "XX", "XY", "XZ", "QM", "QN", "QO", "QP", "QQ", "QR",
    "QS", "QT", "QU", "QV", "QW", "QX", "QY", "QZ",
];

/// Rows of rectangles tiling the extent; each row has its own column edges.
/// All edges are rounded to 6 decimals once and shared, so neighbours meet exactly.
struct Countries {
    row_edges: Vec<f64>,
    col_edges: Vec<Vec<f64>>,
    first_in_row: Vec<usize>,
}

/// Edges `lo = e0 < e1 < ... < en = hi`, interior ones jittered by up to a
/// quarter of a cell.
fn jittered_edges(lo: f64, hi: f64, n: usize, rng: &mut SplitMix64) -> Vec<f64> {
    let mut edges = Vec::with_capacity(n + 1);
    edges.push(round6(lo));
    for i in 1..n {
        let t = (i as f64 + rng.range(-0.25, 0.25)) / n as f64;
        edges.push(round6(lo + (hi - lo) * t));
    }
    edges.push(round6(hi));
    edges
}

/// Index `i` with `edges[i] <= v < edges[i + 1]`, clamped to the cells.
fn cell_of(edges: &[f64], v: f64) -> usize {
    let n = edges.len() - 1;
    edges[1..n].partition_point(|&e| e <= v)
}

impl Countries {
    fn build(frame: &Frame, n: usize, rng: &mut SplitMix64) -> Self {
        let [x0, y0, x1, y1] = frame.ext;
        let rows = ((n as f64).sqrt().floor() as usize).max(1);
        let row_edges = jittered_edges(y0, y1, rows, rng);
        let (base, extra) = (n / rows, n % rows);
        let mut col_edges = Vec::with_capacity(rows);
        let mut first_in_row = Vec::with_capacity(rows);
        let mut first = 0;
        for r in 0..rows {
            let cols = base + usize::from(r >= rows - extra);
            col_edges.push(jittered_edges(x0, x1, cols, rng));
            first_in_row.push(first);
            first += cols;
        }
        Countries {
            row_edges,
            col_edges,
            first_in_row,
        }
    }

    fn len(&self) -> usize {
        self.col_edges.iter().map(|c| c.len() - 1).sum()
    }

    /// Bounding rectangle `[lon_min, lat_min, lon_max, lat_max]` of country `i`.
    fn bbox(&self, i: usize) -> [f64; 4] {
        let r = self.first_in_row.partition_point(|&f| f <= i) - 1;
        let c = i - self.first_in_row[r];
        let cols = &self.col_edges[r];
        [
            cols[c],
            self.row_edges[r],
            cols[c + 1],
            self.row_edges[r + 1],
        ]
    }

    fn of(&self, p: Pt) -> usize {
        let r = cell_of(&self.row_edges, p.lat);
        self.first_in_row[r] + cell_of(&self.col_edges[r], p.lon)
    }

    fn code(i: usize) -> &'static str {
        COUNTRY_CODES[i]
    }
}

struct Zone {
    name: String,
    country: usize,
    bbox: [f64; 4],
    price_eur_per_mwh: f64,
}

/// Splits every country into 1–3 strips across its longer side; two zones
/// (when there are two) are cheap "hydro" zones.
fn build_zones(countries: &Countries, rng: &mut SplitMix64) -> Vec<Zone> {
    let mut zones = Vec::new();
    for c in 0..countries.len() {
        let [x0, y0, x1, y1] = countries.bbox(c);
        let k = 1 + rng.below(3);
        let cuts: Vec<f64> = match k {
            1 => vec![],
            2 => vec![rng.range(0.35, 0.65)],
            _ => vec![rng.range(0.25, 0.4), rng.range(0.6, 0.75)],
        };
        let width_km = (x1 - x0) * km_per_deg_lon(0.5 * (y0 + y1));
        let height_km = (y1 - y0) * KM_PER_DEG;
        let split_lon = width_km >= height_km;
        let (lo, hi) = if split_lon { (x0, x1) } else { (y0, y1) };
        let mut edges = vec![lo];
        edges.extend(cuts.iter().map(|t| round6(lo + (hi - lo) * t)));
        edges.push(hi);
        for (j, w) in edges.windows(2).enumerate() {
            let bbox = if split_lon {
                [w[0], y0, w[1], y1]
            } else {
                [x0, w[0], x1, w[1]]
            };
            zones.push(Zone {
                name: format!("{}{}", Countries::code(c), j + 1),
                country: c,
                bbox,
                price_eur_per_mwh: 0.0,
            });
        }
    }
    let mut order: Vec<usize> = (0..zones.len()).collect();
    rng.shuffle(&mut order);
    let hydro = &order[..order.len().min(2)];
    for (i, zone) in zones.iter_mut().enumerate() {
        let price = if hydro.contains(&i) {
            rng.range(20.0, 40.0)
        } else {
            rng.range(25.0, 120.0)
        };
        zone.price_eur_per_mwh = round_to(price, 2);
    }
    zones
}

// ---------------------------------------------------------------------------
// Names.

const NAME_HEAD: [&str; 24] = [
    "Al", "Bar", "Bel", "Cor", "Dal", "Dor", "El", "Fal", "Gar", "Hel", "Kar", "Lin", "Mar", "Nor",
    "Ost", "Pra", "Ros", "Sal", "Tor", "Val", "Ven", "Wes", "Zor", "Bra",
];
const NAME_MID: [&str; 8] = ["", "a", "e", "i", "o", "en", "er", "an"];
const NAME_TAIL: [&str; 16] = [
    "burg", "stad", "ville", "heim", "grad", "ia", "ona", "sk", "holm", "wick", "ford", "ow", "ec",
    "by", "ano", "dorf",
];
const PARCEL_KINDS: [&str; 8] = [
    "Business Park",
    "Industrial Estate",
    "Farmland",
    "Brownfield",
    "Logistics Park",
    "Former Airfield",
    "Energy Park",
    "Greenfield",
];
const EXCLUSION_REASONS: [&str; 8] = [
    "nature reserve",
    "military",
    "flood plain",
    "airport",
    "urban area",
    "heritage site",
    "water protection zone",
    "bird sanctuary",
];

fn place_name(rng: &mut SplitMix64) -> String {
    let head = rng.pick(&NAME_HEAD);
    let mid = rng.pick(&NAME_MID);
    let tail = rng.pick(&NAME_TAIL);
    format!("{head}{mid}{tail}")
}

// ---------------------------------------------------------------------------
// Hubs (fibre cities).

struct Hub {
    at: Pt,
    name: String,
}

/// `max(8, routes / 6)` cities at random, at least 60 km apart when 30 tries
/// allow it (otherwise the try farthest from the others). O(hubs²), fine for
/// thousands.
fn build_hubs(frame: &Frame, routes: usize, rng: &mut SplitMix64) -> Vec<Hub> {
    let n = (routes / 6).max(8);
    let mut hubs: Vec<Hub> = Vec::with_capacity(n);
    for _ in 0..n {
        let mut best = Pt { lon: 0.0, lat: 0.0 };
        let mut best_gap = f64::NEG_INFINITY;
        for _ in 0..30 {
            let p = frame.uniform(rng);
            let gap = hubs
                .iter()
                .map(|h| dist_km(h.at, p))
                .fold(f64::INFINITY, f64::min);
            if gap > best_gap {
                best = p;
                best_gap = gap;
            }
            if best_gap >= 60.0 {
                break;
            }
        }
        hubs.push(Hub {
            at: best,
            name: place_name(rng),
        });
    }
    hubs
}

/// Minimum spanning tree (Prim, O(n²)) over the hubs: connects the network with
/// short, neighbour-to-neighbour routes.
fn spanning_tree(hubs: &[Hub]) -> Vec<(usize, usize)> {
    let n = hubs.len();
    let mut in_tree = vec![false; n];
    let mut best = vec![(f64::INFINITY, 0usize); n];
    let mut edges = Vec::with_capacity(n.saturating_sub(1));
    in_tree[0] = true;
    for j in 1..n {
        best[j] = (dist_km(hubs[0].at, hubs[j].at), 0);
    }
    for _ in 1..n {
        let mut next = usize::MAX;
        for j in 0..n {
            if !in_tree[j] && (next == usize::MAX || best[j].0 < best[next].0) {
                next = j;
            }
        }
        in_tree[next] = true;
        let from = best[next].1;
        edges.push((from.min(next), from.max(next)));
        for j in 0..n {
            if !in_tree[j] {
                let d = dist_km(hubs[next].at, hubs[j].at);
                if d < best[j].0 {
                    best[j] = (d, next);
                }
            }
        }
    }
    edges
}

/// Hub pairs for `routes` routes: the spanning tree first, then each hub's links
/// to its 4 nearest other hubs in random order, cycling (parallel routes along a
/// corridor) when those run out.
fn route_pairs(hubs: &[Hub], routes: usize, rng: &mut SplitMix64) -> Vec<(usize, usize)> {
    let tree = spanning_tree(hubs);
    let mut extra: Vec<(usize, usize)> = Vec::new();
    for (a, hub) in hubs.iter().enumerate() {
        let mut others: Vec<(f64, usize)> = (0..hubs.len())
            .filter(|&b| b != a)
            .map(|b| (dist_km(hub.at, hubs[b].at), b))
            .collect();
        others.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
        for &(_, b) in others.iter().take(4) {
            extra.push((a.min(b), a.max(b)));
        }
    }
    extra.sort_unstable();
    extra.dedup();
    extra.retain(|e| !tree.contains(e));
    rng.shuffle(&mut extra);
    let mut pairs: Vec<(usize, usize)> = tree.iter().copied().take(routes).collect();
    let pool: &[(usize, usize)] = if extra.is_empty() { &tree } else { &extra };
    let mut i = 0;
    while pairs.len() < routes {
        pairs.push(pool[i % pool.len()]);
        i += 1;
    }
    pairs
}

// ---------------------------------------------------------------------------
// GeoJSON text writer (fixed key order, one feature per line).

struct Collection {
    buf: String,
    features: usize,
}

impl Collection {
    fn new() -> Self {
        Collection {
            buf: String::from("{\"type\":\"FeatureCollection\",\"features\":[\n"),
            features: 0,
        }
    }

    fn push(&mut self, geometry: &str, props: Props) {
        if self.features > 0 {
            self.buf.push_str(",\n");
        }
        self.features += 1;
        self.buf.push_str("{\"type\":\"Feature\",\"geometry\":");
        self.buf.push_str(geometry);
        self.buf.push_str(",\"properties\":{");
        self.buf.push_str(&props.0);
        self.buf.push_str("}}");
    }

    fn finish(mut self) -> String {
        self.buf.push_str("\n]}\n");
        self.buf
    }
}

/// Flat properties in insertion order.
struct Props(String);

impl Props {
    fn new() -> Self {
        Props(String::new())
    }

    fn key(&mut self, key: &str) {
        if !self.0.is_empty() {
            self.0.push(',');
        }
        push_json_str(&mut self.0, key);
        self.0.push(':');
    }

    fn str(mut self, key: &str, value: &str) -> Self {
        self.key(key);
        push_json_str(&mut self.0, value);
        self
    }

    fn num(mut self, key: &str, value: f64, decimals: usize) -> Self {
        self.key(key);
        let _ = write!(self.0, "{}", round_to(value, decimals));
        self
    }

    fn bool(mut self, key: &str, value: bool) -> Self {
        self.key(key);
        self.0.push_str(if value { "true" } else { "false" });
        self
    }
}

fn push_json_str(buf: &mut String, s: &str) {
    buf.push_str(&serde_json::to_string(s).expect("a str always serializes"));
}

/// Coordinates are already rounded by [`Frame::fix`]; rounding again is a no-op
/// that guarantees at most 6 decimals.
fn push_pos(buf: &mut String, p: Pt) {
    let _ = write!(buf, "[{},{}]", round6(p.lon), round6(p.lat));
}

fn push_positions(buf: &mut String, pts: &[Pt]) {
    buf.push('[');
    for (i, &p) in pts.iter().enumerate() {
        if i > 0 {
            buf.push(',');
        }
        push_pos(buf, p);
    }
    buf.push(']');
}

fn point_geometry(p: Pt) -> String {
    let mut g = String::from("{\"type\":\"Point\",\"coordinates\":");
    push_pos(&mut g, p);
    g.push('}');
    g
}

fn line_geometry(pts: &[Pt]) -> String {
    let mut g = String::from("{\"type\":\"LineString\",\"coordinates\":");
    push_positions(&mut g, pts);
    g.push('}');
    g
}

/// A single-ring polygon; `ring` must be counter-clockwise and is closed here.
fn polygon_geometry(ring: &[Pt]) -> String {
    let mut closed = ring.to_vec();
    closed.push(ring[0]);
    let mut g = String::from("{\"type\":\"Polygon\",\"coordinates\":[");
    push_positions(&mut g, &closed);
    g.push_str("]}");
    g
}

/// Counter-clockwise rectangle ring (unclosed).
fn rect_ring(b: [f64; 4]) -> [Pt; 4] {
    [
        Pt {
            lon: b[0],
            lat: b[1],
        },
        Pt {
            lon: b[2],
            lat: b[1],
        },
        Pt {
            lon: b[2],
            lat: b[3],
        },
        Pt {
            lon: b[0],
            lat: b[3],
        },
    ]
}

// ---------------------------------------------------------------------------
// Layers.

fn prices_layer(zones: &[Zone]) -> String {
    let mut fc = Collection::new();
    for z in zones {
        let props = Props::new()
            .str("zone", &z.name)
            .num("price_eur_per_mwh", z.price_eur_per_mwh, 2)
            .str("country", Countries::code(z.country));
        fc.push(&polygon_geometry(&rect_ring(z.bbox)), props);
    }
    fc.finish()
}

fn fibre_layer(
    frame: &Frame,
    hubs: &[Hub],
    opts: &GenerateOptions,
    rng: &mut SplitMix64,
) -> String {
    let mut fc = Collection::new();
    for (i, &(a, b)) in route_pairs(hubs, opts.routes, rng).iter().enumerate() {
        let (pa, pb) = (hubs[a].at, hubs[b].at);
        let vertices = 3 + rng.below(6);
        let segments = (vertices - 1) as f64;
        let dx = (pb.lon - pa.lon) * km_per_deg_lon(0.5 * (pa.lat + pb.lat));
        let dy = (pb.lat - pa.lat) * KM_PER_DEG;
        let len_km = (dx * dx + dy * dy).sqrt().max(1e-9);
        // Ends within 250 m of the hub, so routes meeting there snap together at 1 km.
        let end = |hub: Pt, rng: &mut SplitMix64| {
            let (x, y) = unit_disc(rng);
            frame.fix(offset(hub, 0.25 * x, 0.25 * y))
        };
        let mut line = Vec::with_capacity(vertices);
        line.push(end(pa, rng));
        for k in 1..vertices - 1 {
            let t = (k as f64 + rng.range(-0.3, 0.3)) / segments;
            let base = Pt {
                lon: pa.lon + (pb.lon - pa.lon) * t,
                lat: pa.lat + (pb.lat - pa.lat) * t,
            };
            let side_km = rng.range(-0.05, 0.05) * len_km;
            line.push(frame.fix(offset(base, -dy / len_km * side_km, dx / len_km * side_km)));
        }
        line.push(end(pb, rng));
        let name = format!("{} - {}", hubs[a].name, hubs[b].name);
        fc.push(
            &line_geometry(&line),
            Props::new()
                .str("id", &format!("R{:04}", i + 1))
                .str("name", &name),
        );
    }
    // About one hub in four hosts an internet exchange point, at the hub itself.
    let ixps = (hubs.len().div_ceil(4)).max(2).min(hubs.len());
    for (i, h) in ixp_hubs(hubs, ixps, rng).into_iter().enumerate() {
        let props = Props::new()
            .str("id", &format!("IXP{:02}", i + 1))
            .str("kind", "ixp")
            .str("name", &format!("{}-IX", hubs[h].name));
        fc.push(&point_geometry(hubs[h].at), props);
    }
    fc.finish()
}

/// `n` hubs spread over the map: a random first one, then repeatedly the hub
/// farthest from those chosen (greedy k-centre), so that most land is within
/// reach of an exchange, as in Europe.
fn ixp_hubs(hubs: &[Hub], n: usize, rng: &mut SplitMix64) -> Vec<usize> {
    let mut chosen = vec![rng.below(hubs.len())];
    let mut gap: Vec<f64> = hubs
        .iter()
        .map(|h| dist_km(h.at, hubs[chosen[0]].at))
        .collect();
    while chosen.len() < n {
        let mut next = 0;
        for j in 1..hubs.len() {
            if gap[j] > gap[next] {
                next = j;
            }
        }
        chosen.push(next);
        for (j, hub) in hubs.iter().enumerate() {
            gap[j] = gap[j].min(dist_km(hub.at, hubs[next].at));
        }
    }
    chosen
}

fn land_layer(
    frame: &Frame,
    countries: &Countries,
    hubs: &[Hub],
    opts: &GenerateOptions,
    rng: &mut SplitMix64,
) -> String {
    let mut fc = Collection::new();
    for i in 0..opts.parcels {
        let (centre, town) = if rng.chance(0.6) {
            let hub = &hubs[rng.below(hubs.len())];
            (frame.near(hub.at, 150.0, rng), hub.name.clone())
        } else {
            (frame.uniform(rng), place_name(rng))
        };
        let name = format!("{} {}", town, rng.pick(&PARCEL_KINDS));
        // Cube of a uniform: most land is cheap, a few parcels are expensive.
        let u = rng.next_f64();
        let price_eur_per_m2 = 2.0 + 148.0 * u * u * u;
        let available = !rng.chance(0.05);
        let with_country = rng.chance(0.5);
        let is_polygon = rng.chance(0.2);
        let area_ha = rng.range(10.0, 200.0);
        let side_km = rng.range(0.5, 1.5);
        let (geometry, location) = if is_polygon {
            let (c, hx, hy) = frame.fit_box(centre, 0.5 * side_km);
            let b = [
                round6(c.lon - hx),
                round6(c.lat - hy),
                round6(c.lon + hx),
                round6(c.lat + hy),
            ];
            let location = Pt {
                lon: round6(0.5 * (b[0] + b[2])),
                lat: round6(0.5 * (b[1] + b[3])),
            };
            (polygon_geometry(&rect_ring(b)), location)
        } else {
            (point_geometry(centre), centre)
        };
        let mut props = Props::new()
            .str("id", &format!("P{:05}", i + 1))
            .str("name", &name)
            .num("price_eur_per_m2", price_eur_per_m2, 2);
        if !is_polygon {
            props = props.num("area_ha", area_ha, 1);
        }
        props = props.bool("available", available);
        if with_country {
            props = props.str("country", Countries::code(countries.of(location)));
        }
        fc.push(&geometry, props);
    }
    fc.finish()
}

const VOLTAGES_KV: [u32; 3] = [220, 380, 400];

fn grid_layer(frame: &Frame, hubs: &[Hub], opts: &GenerateOptions, rng: &mut SplitMix64) -> String {
    let mut fc = Collection::new();
    for i in 0..opts.substations {
        let (at, town) = if rng.chance(0.7) {
            let hub = &hubs[rng.below(hubs.len())];
            (frame.near(hub.at, 80.0, rng), hub.name.clone())
        } else {
            (frame.uniform(rng), place_name(rng))
        };
        // 10 % full; otherwise 1200·u^2.25 (sqrt, not powf, for determinism), so
        // about half of all substations exceed 200 MW.
        let zero = rng.chance(0.1);
        let u = rng.next_f64();
        let headroom_mw = if zero {
            0.0
        } else {
            1200.0 * u * u * u.sqrt().sqrt()
        };
        let voltage_kv = VOLTAGES_KV[rng.below(VOLTAGES_KV.len())];
        let props = Props::new()
            .str("id", &format!("S{:05}", i + 1))
            .str("name", &format!("{} {} kV", town, voltage_kv))
            .num("headroom_mw", headroom_mw, 1)
            .num("voltage_kv", f64::from(voltage_kv), 0);
        fc.push(&point_geometry(at), props);
    }
    fc.finish()
}

fn demand_layer(
    frame: &Frame,
    hubs: &[Hub],
    opts: &GenerateOptions,
    rng: &mut SplitMix64,
) -> String {
    let mut order: Vec<usize> = (0..hubs.len()).collect();
    rng.shuffle(&mut order);
    let mut fc = Collection::new();
    for i in 0..opts.demand {
        // Distinct hubs first; more demand points than hubs share them.
        let hub = &hubs[order[i % order.len()]];
        let at = frame.near(hub.at, 5.0, rng);
        let u = rng.next_f64();
        let props = Props::new()
            .str("id", &format!("D{:03}", i + 1))
            .str("name", &format!("{} metro", hub.name))
            .num("weight", 0.2 + 11.8 * u * u, 2);
        fc.push(&point_geometry(at), props);
    }
    fc.finish()
}

/// cos and sin of 0°, 60°, ..., 300°: a counter-clockwise hexagon.
const HEXAGON: [(f64, f64); 6] = [
    (1.0, 0.0),
    (0.5, 0.866_025_403_784_438_6),
    (-0.5, 0.866_025_403_784_438_6),
    (-1.0, 0.0),
    (-0.5, -0.866_025_403_784_438_6),
    (0.5, -0.866_025_403_784_438_6),
];

fn exclusions_layer(frame: &Frame, opts: &GenerateOptions, rng: &mut SplitMix64) -> String {
    let mut fc = Collection::new();
    for _ in 0..opts.exclusions {
        let centre = frame.uniform(rng);
        let radius_km = rng.range(15.0, 80.0);
        let reason = rng.pick(&EXCLUSION_REASONS);
        let (c, rx, ry) = frame.fit_box(centre, radius_km);
        let ring: Vec<Pt> = HEXAGON
            .iter()
            .map(|&(cx, sy)| Pt {
                lon: round6(c.lon + rx * cx),
                lat: round6(c.lat + ry * sy),
            })
            .collect();
        fc.push(&polygon_geometry(&ring), Props::new().str("reason", reason));
    }
    fc.finish()
}

// ---------------------------------------------------------------------------
// Scenario.

/// A TOML float: always with a decimal point or exponent (`{:?}`), finite by validation.
fn toml_f64(x: f64) -> String {
    format!("{x:?}")
}

fn scenario_toml(opts: &GenerateOptions) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Synthetic gigasite instance (seed = {}).", opts.seed);
    let _ = writeln!(
        s,
        "# parcels = {}, substations = {}, routes = {}, demand = {}, exclusions = {}, countries = {}, extent = [{}, {}, {}, {}]",
        opts.parcels,
        opts.substations,
        opts.routes,
        opts.demand,
        opts.exclusions,
        opts.countries,
        toml_f64(opts.extent[0]),
        toml_f64(opts.extent[1]),
        toml_f64(opts.extent[2]),
        toml_f64(opts.extent[3]),
    );
    s.push_str("\n[layers]\n");
    s.push_str("land = \"land.geojson\"\n");
    s.push_str("grid = \"grid.geojson\"\n");
    s.push_str("prices = \"prices.geojson\"\n");
    s.push_str("fibre = \"fibre.geojson\"\n");
    if opts.demand > 0 {
        s.push_str("demand = \"demand.geojson\"\n");
    }
    if opts.exclusions > 0 {
        s.push_str("exclusions = \"exclusions.geojson\"\n");
    }
    s.push_str("\n[sites]\n");
    let _ = writeln!(s, "count = {}", opts.count);
    if let Some(km) = opts.min_separation_km {
        let _ = writeln!(s, "min_separation_km = {}", toml_f64(km));
    }
    if let Some(n) = opts.max_per_country {
        let _ = writeln!(s, "max_per_country = {n}");
    }
    s.push_str("\n[power]\n");
    let _ = writeln!(
        s,
        "max_connection_km = {}",
        toml_f64(opts.max_connection_km)
    );
    // Demand keys mean nothing without a demand layer, so they follow it.
    let mut latency = String::new();
    if let Some(ms) = opts.max_rtt_ms_to_ixp {
        let _ = writeln!(latency, "max_rtt_ms_to_ixp = {}", toml_f64(ms));
    }
    if opts.demand > 0 {
        if let Some(ms) = opts.max_rtt_ms_to_demand {
            let _ = writeln!(latency, "max_rtt_ms_to_demand = {}", toml_f64(ms));
        }
        if opts.eur_per_ms > 0.0 {
            let _ = writeln!(latency, "eur_per_ms = {}", toml_f64(opts.eur_per_ms));
        }
    }
    if !latency.is_empty() {
        s.push_str("\n[latency]\n");
        s.push_str(&latency);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// A fresh, empty scratch folder for one test.
    fn scratch(tag: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("gigasite-generate-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn read_json(dir: &Path, name: &str) -> Value {
        let text = fs::read_to_string(dir.join(name)).unwrap();
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn features(fc: &Value) -> &Vec<Value> {
        assert_eq!(fc["type"], "FeatureCollection");
        fc["features"].as_array().unwrap()
    }

    fn geometry_type(f: &Value) -> &str {
        f["geometry"]["type"].as_str().unwrap()
    }

    fn position(v: &Value) -> (f64, f64) {
        let a = v.as_array().unwrap();
        assert_eq!(a.len(), 2);
        (a[0].as_f64().unwrap(), a[1].as_f64().unwrap())
    }

    type Ring = Vec<(f64, f64)>;

    fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
        let (la1, la2) = (a.1.to_radians(), b.1.to_radians());
        let h = ((la2 - la1) / 2.0).sin().powi(2)
            + la1.cos() * la2.cos() * ((b.0 - a.0).to_radians() / 2.0).sin().powi(2);
        2.0 * 6371.0088 * h.sqrt().asin()
    }

    /// Every position of every geometry, and each polygon's rings.
    fn positions_and_rings(f: &Value) -> (Vec<(f64, f64)>, Vec<Ring>) {
        let c = &f["geometry"]["coordinates"];
        match geometry_type(f) {
            "Point" => (vec![position(c)], vec![]),
            "LineString" => (c.as_array().unwrap().iter().map(position).collect(), vec![]),
            "Polygon" => {
                let rings: Vec<Vec<(f64, f64)>> = c
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_array().unwrap().iter().map(position).collect())
                    .collect();
                (rings.concat(), rings)
            }
            other => panic!("unexpected geometry {other}"),
        }
    }

    fn signed_area(ring: &[(f64, f64)]) -> f64 {
        ring.windows(2)
            .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
            .sum::<f64>()
            / 2.0
    }

    fn all_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn splitmix64_matches_reference_vector() {
        // Reference outputs of splitmix64.c (Vigna) for seed 1234567.
        let mut rng = SplitMix64::new(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
        let mut rng = SplitMix64::new(9);
        for _ in 0..10_000 {
            let x = rng.next_f64();
            assert!((0.0..1.0).contains(&x));
            assert!(rng.below(7) < 7);
            let r = rng.range(-3.0, 5.0);
            assert!((-3.0..5.0).contains(&r));
        }
        assert_eq!(rng.below(0), 0);
    }

    #[test]
    fn cos_deg_matches_libm() {
        for i in -900..=900 {
            let d = f64::from(i) / 10.0;
            assert!((cos_deg(d) - d.to_radians().cos()).abs() < 1e-14, "{d}");
        }
    }

    #[test]
    fn same_seed_gives_identical_bytes_and_other_seeds_differ() {
        let (a, b, c) = (scratch("same-a"), scratch("same-b"), scratch("same-c"));
        let opts = GenerateOptions::default();
        let sa = generate(&a, &opts).unwrap();
        generate(&b, &opts).unwrap();
        generate(
            &c,
            &GenerateOptions {
                seed: 2,
                ..opts.clone()
            },
        )
        .unwrap();
        assert_eq!(sa.files.len(), 7);
        assert!(sa.files.iter().all(|f| f.starts_with(&a) && f.exists()));
        let (fa, fb, fc) = (all_files(&a), all_files(&b), all_files(&c));
        assert_eq!(fa.len(), 7, "no temporary files left behind");
        assert_eq!(fa, fb);
        for ((name, x), (_, y)) in fa.iter().zip(&fc) {
            if name != "scenario.toml" {
                assert_ne!(x, y, "{name} should depend on the seed");
            }
        }
        // Regenerating into a populated folder overwrites in place.
        generate(&a, &opts).unwrap();
        assert_eq!(all_files(&a), fb);
        for d in [a, b, c] {
            fs::remove_dir_all(d).unwrap();
        }
    }

    #[test]
    fn layers_change_independently() {
        let (a, b) = (scratch("indep-a"), scratch("indep-b"));
        let opts = GenerateOptions::default();
        generate(&a, &opts).unwrap();
        generate(
            &b,
            &GenerateOptions {
                parcels: 17,
                ..opts
            },
        )
        .unwrap();
        for name in [
            "grid.geojson",
            "prices.geojson",
            "fibre.geojson",
            "demand.geojson",
            "exclusions.geojson",
        ] {
            assert_eq!(
                fs::read(a.join(name)).unwrap(),
                fs::read(b.join(name)).unwrap(),
                "{name}"
            );
        }
        fs::remove_dir_all(a).unwrap();
        fs::remove_dir_all(b).unwrap();
    }

    #[test]
    fn feature_counts_equal_the_options() {
        let dir = scratch("counts");
        let opts = GenerateOptions {
            seed: 11,
            parcels: 321,
            substations: 123,
            routes: 77,
            demand: 14,
            exclusions: 5,
            countries: 7,
            ..GenerateOptions::default()
        };
        generate(&dir, &opts).unwrap();
        assert_eq!(features(&read_json(&dir, "land.geojson")).len(), 321);
        assert_eq!(features(&read_json(&dir, "grid.geojson")).len(), 123);
        assert_eq!(features(&read_json(&dir, "demand.geojson")).len(), 14);
        assert_eq!(features(&read_json(&dir, "exclusions.geojson")).len(), 5);
        let fibre = read_json(&dir, "fibre.geojson");
        let routes = features(&fibre)
            .iter()
            .filter(|f| geometry_type(f) == "LineString")
            .count();
        let ixps: Vec<&Value> = features(&fibre)
            .iter()
            .filter(|f| geometry_type(f) == "Point")
            .collect();
        assert_eq!(routes, 77);
        let hubs: usize = 77 / 6; // more than the minimum of 8
        assert_eq!(ixps.len(), hubs.div_ceil(4));
        assert!(ixps.iter().all(|f| f["properties"]["kind"] == "ixp"));
        let zones = features(&read_json(&dir, "prices.geojson")).clone();
        let mut countries: Vec<&str> = zones
            .iter()
            .map(|z| z["properties"]["country"].as_str().unwrap())
            .collect();
        countries.dedup();
        assert_eq!(countries, COUNTRY_CODES[..7].to_vec());
        assert!(zones.len() >= 7 && zones.len() <= 21);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn optional_layers_and_keys_follow_the_options() {
        let dir = scratch("optional");
        let opts = GenerateOptions {
            demand: 0,
            exclusions: 0,
            min_separation_km: None,
            max_per_country: None,
            max_rtt_ms_to_ixp: None,
            eur_per_ms: 3.5,
            ..GenerateOptions::default()
        };
        let summary = generate(&dir, &opts).unwrap();
        let names: Vec<String> = summary
            .files
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "land.geojson",
                "grid.geojson",
                "prices.geojson",
                "fibre.geojson",
                "scenario.toml"
            ]
        );
        let text = fs::read_to_string(dir.join("scenario.toml")).unwrap();
        let toml: String = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        for absent in [
            "demand",
            "exclusions",
            "min_separation_km",
            "max_per_country",
            "[latency]",
            "eur_per_ms",
        ] {
            assert!(!toml.contains(absent), "{absent} in\n{toml}");
        }
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn scenario_toml_for_the_defaults() {
        let toml = scenario_toml(&GenerateOptions {
            eur_per_ms: 2000.0,
            ..GenerateOptions::default()
        });
        let expected = "\
# Synthetic gigasite instance (seed = 1).
# parcels = 200, substations = 150, routes = 40, demand = 10, exclusions = 3, countries = 12, extent = [-10.0, 36.0, 30.0, 70.0]

[layers]
land = \"land.geojson\"
grid = \"grid.geojson\"
prices = \"prices.geojson\"
fibre = \"fibre.geojson\"
demand = \"demand.geojson\"
exclusions = \"exclusions.geojson\"

[sites]
count = 4
min_separation_km = 500.0
max_per_country = 1

[power]
max_connection_km = 50.0

[latency]
max_rtt_ms_to_ixp = 10.0
max_rtt_ms_to_demand = 15.0
eur_per_ms = 2000.0
";
        assert_eq!(toml, expected);
    }

    #[test]
    fn geometry_is_valid_and_inside_the_extent() {
        let dir = scratch("geometry");
        let opts = GenerateOptions {
            seed: 5,
            parcels: 1000,
            exclusions: 20,
            ..GenerateOptions::default()
        };
        generate(&dir, &opts).unwrap();
        let [x0, y0, x1, y1] = opts.extent;
        let mut polygons = 0;
        for name in [
            "land.geojson",
            "grid.geojson",
            "fibre.geojson",
            "demand.geojson",
            "exclusions.geojson",
        ] {
            for f in features(&read_json(&dir, name)) {
                assert!(f["properties"]
                    .as_object()
                    .unwrap()
                    .values()
                    .all(|v| !v.is_object() && !v.is_array()));
                let (positions, rings) = positions_and_rings(f);
                for (lon, lat) in positions {
                    assert!(
                        lon > x0 && lon < x1 && lat > y0 && lat < y1,
                        "{name}: ({lon}, {lat}) outside"
                    );
                    assert_eq!(round6(lon), lon);
                    assert_eq!(round6(lat), lat);
                }
                for ring in rings {
                    polygons += 1;
                    assert!(ring.len() >= 4);
                    assert_eq!(ring.first(), ring.last(), "{name}: ring not closed");
                    assert!(
                        signed_area(&ring) > 0.0,
                        "{name}: exterior ring not counter-clockwise"
                    );
                }
            }
        }
        for f in features(&read_json(&dir, "prices.geojson")) {
            let (_, rings) = positions_and_rings(f);
            assert_eq!(rings.len(), 1);
            assert_eq!(rings[0].first(), rings[0].last());
            assert!(signed_area(&rings[0]) > 0.0);
        }
        assert!(
            polygons > 20 + 100,
            "about 20 % of parcels are polygons plus 20 exclusions: {polygons}"
        );
        fs::remove_dir_all(dir).unwrap();
    }

    /// Zone rectangles as [lon_min, lat_min, lon_max, lat_max] with their country.
    fn zone_boxes(dir: &Path) -> Vec<([f64; 4], String)> {
        features(&read_json(dir, "prices.geojson"))
            .iter()
            .map(|z| {
                let (pts, _) = positions_and_rings(z);
                assert_eq!(pts.len(), 5);
                let xs: Vec<f64> = pts.iter().map(|p| p.0).collect();
                let ys: Vec<f64> = pts.iter().map(|p| p.1).collect();
                let b = [
                    xs.iter().copied().fold(f64::INFINITY, f64::min),
                    ys.iter().copied().fold(f64::INFINITY, f64::min),
                    xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                    ys.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                ];
                // Axis-aligned: every corner is on the bounding box.
                assert!(pts
                    .iter()
                    .all(|p| (p.0 == b[0] || p.0 == b[2]) && (p.1 == b[1] || p.1 == b[3])));
                (b, z["properties"]["country"].as_str().unwrap().to_owned())
            })
            .collect()
    }

    #[test]
    fn zones_tile_the_extent() {
        for (seed, countries) in [(1, 12), (2, 1), (3, 5), (4, 40), (5, 17)] {
            let dir = scratch(&format!("tile-{seed}"));
            let opts = GenerateOptions {
                seed,
                countries,
                parcels: 0,
                ..GenerateOptions::default()
            };
            generate(&dir, &opts).unwrap();
            let boxes = zone_boxes(&dir);
            let [x0, y0, x1, y1] = opts.extent;
            let total: f64 = boxes
                .iter()
                .map(|(b, _)| (b[2] - b[0]) * (b[3] - b[1]))
                .sum();
            assert!(
                (total - (x1 - x0) * (y1 - y0)).abs() < 1e-6,
                "zone areas sum to the extent"
            );
            let mut rng = SplitMix64::new(seed + 100);
            for _ in 0..2000 {
                let (x, y) = (rng.range(x0, x1), rng.range(y0, y1));
                let closed = boxes
                    .iter()
                    .filter(|(b, _)| x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3])
                    .count();
                let open = boxes
                    .iter()
                    .filter(|(b, _)| x > b[0] && x < b[2] && y > b[1] && y < b[3])
                    .count();
                assert!(closed >= 1, "({x}, {y}) is in no zone");
                assert!(open <= 1, "({x}, {y}) is inside {open} zones");
            }
            // The corners of the extent are covered too.
            for (x, y) in [(x0, y0), (x1, y0), (x1, y1), (x0, y1)] {
                assert!(boxes
                    .iter()
                    .any(|(b, _)| x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3]));
            }
            fs::remove_dir_all(dir).unwrap();
        }
    }

    #[test]
    fn land_country_agrees_with_its_zone_and_properties_are_in_range() {
        let dir = scratch("props");
        let opts = GenerateOptions {
            seed: 8,
            parcels: 2000,
            substations: 2000,
            demand: 30,
            ..GenerateOptions::default()
        };
        generate(&dir, &opts).unwrap();
        let boxes = zone_boxes(&dir);
        let land = read_json(&dir, "land.geojson");
        let land = features(&land);
        let (mut with_country, mut unavailable, mut points) = (0, 0, 0);
        let mut ids = std::collections::HashSet::new();
        for f in land {
            let p = &f["properties"];
            assert!(
                ids.insert(p["id"].as_str().unwrap().to_owned()),
                "duplicate id"
            );
            let price = p["price_eur_per_m2"].as_f64().unwrap();
            assert!((2.0..=150.0).contains(&price));
            unavailable += usize::from(p["available"] == false);
            let (pts, _) = positions_and_rings(f);
            if geometry_type(f) == "Point" {
                points += 1;
                let area = p["area_ha"].as_f64().unwrap();
                assert!((10.0..=200.0).contains(&area));
            } else {
                assert!(p.get("area_ha").is_none());
                let side_km = haversine_km(pts[0], pts[1]);
                assert!(
                    (0.49..=1.51).contains(&side_km),
                    "polygon side {side_km} km"
                );
            }
            if let Some(code) = p.get("country") {
                with_country += 1;
                let (x, y) = if pts.len() == 1 {
                    pts[0]
                } else {
                    ((pts[0].0 + pts[2].0) / 2.0, (pts[0].1 + pts[2].1) / 2.0)
                };
                let zone = boxes
                    .iter()
                    .find(|(b, _)| x > b[0] && x < b[2] && y > b[1] && y < b[3])
                    .unwrap();
                assert_eq!(code.as_str().unwrap(), zone.1);
            }
        }
        assert!((700..1300).contains(&with_country), "{with_country}");
        assert!((40..170).contains(&unavailable), "{unavailable}");
        assert!((1500..1700).contains(&points), "{points}");

        let grid = read_json(&dir, "grid.geojson");
        let (mut zero, mut over_200) = (0, 0);
        for f in features(&grid) {
            let p = &f["properties"];
            let mw = p["headroom_mw"].as_f64().unwrap();
            assert!((0.0..=1200.0).contains(&mw));
            zero += usize::from(mw == 0.0);
            over_200 += usize::from(mw > 200.0);
            assert!([220, 380, 400].contains(&p["voltage_kv"].as_u64().unwrap()));
        }
        assert!((120..280).contains(&zero), "{zero}");
        assert!((850..1150).contains(&over_200), "{over_200}");

        for z in features(&read_json(&dir, "prices.geojson")) {
            let price = z["properties"]["price_eur_per_mwh"].as_f64().unwrap();
            assert!((20.0..=120.0).contains(&price));
        }
        let demand = read_json(&dir, "demand.geojson");
        for f in features(&demand) {
            let w = f["properties"]["weight"].as_f64().unwrap();
            assert!((0.2..=12.0).contains(&w));
        }
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn fibre_network_is_connected_with_1_km_snapping() {
        for (seed, routes) in [(1, 40), (2, 3), (3, 600)] {
            let dir = scratch(&format!("fibre-{seed}"));
            generate(
                &dir,
                &GenerateOptions {
                    seed,
                    routes,
                    parcels: 0,
                    ..GenerateOptions::default()
                },
            )
            .unwrap();
            let fibre = read_json(&dir, "fibre.geojson");
            let lines: Vec<Vec<(f64, f64)>> = features(&fibre)
                .iter()
                .filter(|f| geometry_type(f) == "LineString")
                .map(|f| positions_and_rings(f).0)
                .collect();
            assert!(lines.iter().all(|l| (3..=8).contains(&l.len())));
            // Union-find over routes whose ends are within 1 km.
            let mut parent: Vec<usize> = (0..lines.len()).collect();
            fn root(parent: &mut [usize], mut i: usize) -> usize {
                while parent[i] != i {
                    parent[i] = parent[parent[i]];
                    i = parent[i];
                }
                i
            }
            let ends: Vec<(usize, (f64, f64))> = lines
                .iter()
                .enumerate()
                .flat_map(|(i, l)| [(i, l[0]), (i, l[l.len() - 1])])
                .collect();
            for (i, a) in &ends {
                for (j, b) in &ends {
                    if haversine_km(*a, *b) < 1.0 {
                        let (ri, rj) = (root(&mut parent, *i), root(&mut parent, *j));
                        parent[ri] = rj;
                    }
                }
            }
            let components: std::collections::HashSet<usize> =
                (0..lines.len()).map(|i| root(&mut parent, i)).collect();
            // With fewer routes (3) than the spanning tree needs (7), a prefix of Prim's
            // tree is still one component.
            assert_eq!(components.len(), 1, "seed {seed}, routes {routes}");
            // Every IXP sits within 300 m of a route end (when it has a route).
            let ixps: Vec<(f64, f64)> = features(&fibre)
                .iter()
                .filter(|f| geometry_type(f) == "Point")
                .map(|f| positions_and_rings(f).0[0])
                .collect();
            let served = ixps
                .iter()
                .filter(|x| ends.iter().any(|(_, e)| haversine_km(**x, *e) < 0.3))
                .count();
            if routes >= 7 {
                assert_eq!(served, ixps.len());
            }
            fs::remove_dir_all(dir).unwrap();
        }
    }

    #[test]
    fn invalid_options_write_nothing() {
        let dir = scratch("invalid");
        for opts in [
            GenerateOptions {
                countries: 0,
                ..GenerateOptions::default()
            },
            GenerateOptions {
                countries: 41,
                ..GenerateOptions::default()
            },
            GenerateOptions {
                extent: [10.0, 0.0, 5.0, 1.0],
                ..GenerateOptions::default()
            },
            GenerateOptions {
                extent: [0.0, 0.0, f64::NAN, 1.0],
                ..GenerateOptions::default()
            },
            GenerateOptions {
                max_connection_km: 0.0,
                ..GenerateOptions::default()
            },
            GenerateOptions {
                min_separation_km: Some(-1.0),
                ..GenerateOptions::default()
            },
        ] {
            let err = generate(&dir, &opts).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
        }
        assert!(!dir.exists());
    }

    #[test]
    fn tiny_extent_still_stays_inside() {
        let dir = scratch("tiny");
        let opts = GenerateOptions {
            extent: [5.0, 50.0, 5.02, 50.02],
            exclusions: 4,
            ..GenerateOptions::default()
        };
        generate(&dir, &opts).unwrap();
        for name in [
            "land.geojson",
            "grid.geojson",
            "fibre.geojson",
            "demand.geojson",
            "exclusions.geojson",
        ] {
            for f in features(&read_json(&dir, name)) {
                for (lon, lat) in positions_and_rings(f).0 {
                    assert!(
                        lon > 5.0 && lon < 5.02 && lat > 50.0 && lat < 50.02,
                        "{name}"
                    );
                }
            }
        }
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn large_instance_is_fast() {
        let dir = scratch("large");
        let opts = GenerateOptions {
            parcels: 5000,
            substations: 4000,
            routes: 600,
            demand: 25,
            ..GenerateOptions::default()
        };
        let start = std::time::Instant::now();
        generate(&dir, &opts).unwrap();
        let seconds = start.elapsed().as_secs_f64();
        let limit = if cfg!(debug_assertions) { 10.0 } else { 1.0 };
        assert!(seconds < limit, "took {seconds} s");
        fs::remove_dir_all(dir).unwrap();
    }
}
