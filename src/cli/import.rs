//! `gigasite import`: thin glue from flags to the converters in `gigasite::import`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

use gigasite::import::entsoe_grid::{self, EntsoeGridOptions};
use gigasite::import::geonames::{self, GeonamesOptions};
use gigasite::import::points::{self, Coordinates, PointsOptions};
use gigasite::import::topology_zoo::{self, TopologyZooOptions};
use gigasite::import::zones::{self, ZonesOptions};
use gigasite::import::{split_list, Output};

/// Convert open data to gigasite layers. Each converter prints what it read, wrote and
/// dropped (per reason) on stderr; a malformed record is an error naming the file and
/// line, unless --skip-malformed drops it and lists it.
#[derive(Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    converter: Box<Converter>,
}

/// Flags every converter takes.
#[derive(Args)]
struct Common {
    /// The layer to write (GeoJSON; replaced atomically).
    #[arg(long)]
    out: PathBuf,
    /// Drop malformed records and list their lines in the report, instead of failing.
    #[arg(long)]
    skip_malformed: bool,
}

#[derive(Subcommand)]
enum Converter {
    /// Grid substations from the ENTSO-E grid map extract (PyPSA-Eur buses.csv, lines.csv).
    ///
    /// Keeps buses whose symbol names a substation, at or above --min-kv, in service,
    /// with at least one line in service. headroom_mw = --headroom-share × Σ over the
    /// lines meeting the bus of circuits × MW per circuit, with MW per circuit linear
    /// in voltage between the 220 kV and 380 kV classes and proportional to voltage
    /// outside them.
    EntsoeGrid {
        buses: PathBuf,
        lines: PathBuf,
        #[command(flatten)]
        common: Common,
        /// Drop buses below this voltage (kV).
        #[arg(long, default_value_t = EntsoeGridOptions::DEFAULT_MIN_KV)]
        min_kv: f64,
        /// MW per circuit of a 220 kV line.
        #[arg(long = "mw-per-circuit-220", default_value_t = EntsoeGridOptions::DEFAULT_MW_PER_CIRCUIT_220)]
        mw_per_circuit_220: f64,
        /// MW per circuit of a 380 kV line.
        #[arg(long = "mw-per-circuit-380", default_value_t = EntsoeGridOptions::DEFAULT_MW_PER_CIRCUIT_380)]
        mw_per_circuit_380: f64,
        /// Share of the line capacity at a bus taken as its headroom, in [0, 1].
        #[arg(long, default_value_t = EntsoeGridOptions::DEFAULT_HEADROOM_SHARE)]
        headroom_share: f64,
        /// Keep buses of every symbol (joints, power plants…), not only substations.
        #[arg(long)]
        all_buses: bool,
        /// Keep buses and count lines that are under construction.
        #[arg(long)]
        include_under_construction: bool,
    },
    /// Fibre routes (one LineString per edge) and IXPs from Internet Topology Zoo GraphML.
    TopologyZoo {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        common: Common,
        /// Comma-separated cities that get an IXP (at the first node labelled so).
        #[arg(long, conflicts_with = "ixp_file")]
        ixp_cities: Option<String>,
        /// A file of IXP cities, one per line (# comments).
        #[arg(long)]
        ixp_file: Option<PathBuf>,
    },
    /// Demand points from a GeoNames dump (cities15000.txt): weight = population in millions.
    Geonames {
        file: PathBuf,
        #[command(flatten)]
        common: Common,
        /// Drop places with fewer inhabitants.
        #[arg(long, default_value_t = GeonamesOptions::DEFAULT_MIN_POPULATION)]
        min_population: u64,
        /// Comma-separated ISO alpha-2 country codes to keep (default: all).
        #[arg(long)]
        countries: Option<String>,
    },
    /// Price zones: zone polygons joined with a CSV of prices by zone code, else country.
    ///
    /// A zone takes the price of its own code, else of its country property, else of
    /// its code's two-letter prefix (DE_LU → DE, NO1 → NO); codes compare by letters
    /// and digits only. Ember's monthly table works as is with --year.
    ///
    /// Version-2 attributes, each from an optional input: --zone-prices (the zone's own
    /// hour-weighted yearly price, else the country's as above), --carbon and
    /// --carbon-countries (carbon_g_per_kwh: the zone's Electricity Maps figure, else the
    /// country's Ember figure), --surcharge (surcharge_eur_per_mwh: Eurostat's price
    /// excluding VAT and recoverable taxes, largest band, minus the wholesale country
    /// mean, floored at 0), --degree-days (pue = 1.10 + 0.0004 × mean CDD, in [1.1, 1.5])
    /// and --water-stress (Aqueduct's category). The report names each zone's sources.
    Zones {
        #[arg(required = true)]
        zone_files: Vec<PathBuf>,
        /// The price table (CSV).
        #[arg(long)]
        prices: PathBuf,
        #[command(flatten)]
        common: Common,
        /// The property holding a zone's code.
        #[arg(long, default_value = "zoneName")]
        zone_property: String,
        /// The property holding a zone's country (ISO alpha-2); "" for none.
        #[arg(long, default_value = "countryKey")]
        country_property: String,
        /// Price column (default: price_eur_per_mwh, else Ember's "Price (EUR/MWhe)").
        #[arg(long)]
        price_column: Option<String>,
        /// Key column (default: zone, else Ember's "ISO3 Code"; a name with ISO3 means alpha-3 keys).
        #[arg(long)]
        key_column: Option<String>,
        /// Date column, with --year (default: Date).
        #[arg(long)]
        date_column: Option<String>,
        /// Average the rows of this year per key (e.g. Ember's monthly prices).
        #[arg(long)]
        year: Option<i32>,
        /// Field separator of the price table (one character; "tab" for tabs).
        #[arg(long, default_value = ",")]
        delimiter: String,
        #[command(flatten)]
        v2: ZoneInputs,
    },
    /// Land candidates (Points) from any CSV with coordinates.
    Points {
        file: PathBuf,
        #[command(flatten)]
        common: Common,
        /// Longitude column.
        #[arg(long, requires = "lat", required_unless_present = "wkt")]
        lon: Option<String>,
        /// Latitude column.
        #[arg(long, requires = "lon")]
        lat: Option<String>,
        /// A column of POINT(lon lat) WKT, also SRID=4326;POINT(...), instead of --lon/--lat.
        #[arg(long, conflicts_with_all = ["lon", "lat"])]
        wkt: Option<String>,
        /// Id column (default: "<file name>-<line>").
        #[arg(long)]
        id: Option<String>,
        /// Name column.
        #[arg(long)]
        name: Option<String>,
        /// Country column (codes or English names; written as ISO alpha-2).
        #[arg(long)]
        country: Option<String>,
        /// Area column (ha).
        #[arg(long)]
        area_ha: Option<String>,
        /// Area of a parcel without one (no --area-ha, or an empty cell), in ha [default: 50].
        #[arg(long)]
        default_area_ha: Option<f64>,
        /// Land price column (EUR/m²).
        #[arg(long)]
        price: Option<String>,
        /// Land price of a parcel without one (no --price, or an empty cell), in EUR/m² [default: 50].
        #[arg(long)]
        default_price_eur_per_m2: Option<f64>,
        /// Field separator (one character; "tab" for tabs).
        #[arg(long, default_value = ",")]
        delimiter: String,
    },
}

/// The optional inputs of `import zones` (model version 2).
#[derive(Args)]
struct ZoneInputs {
    /// Zonal monthly day-ahead prices (Energy-Charts euprices-data.js); needs --year.
    #[arg(long, requires = "year")]
    zone_prices: Option<PathBuf>,
    /// Carbon intensity per zone (Electricity Maps yearly JSON, e.g. electricitymaps_yearly_2024.json).
    #[arg(long)]
    carbon: Option<PathBuf>,
    /// Carbon intensity per country, the fallback (Ember api_country_overview_yearly.csv); needs --year.
    #[arg(long, requires = "year")]
    carbon_countries: Option<PathBuf>,
    /// Non-household electricity prices (Eurostat nrg_pc_205 TSV) for surcharge_eur_per_mwh; needs --year.
    #[arg(long, requires = "year")]
    surcharge: Option<PathBuf>,
    /// The nrg_pc_205 tax level the surcharge rule reads (X_VAT: excluding VAT and recoverable taxes).
    #[arg(long, default_value = ZonesOptions::DEFAULT_SURCHARGE_TAX)]
    surcharge_tax: String,
    /// Cooling degree days (Eurostat nrg_chdd_a TSV) for pue; needs --year.
    #[arg(long, requires = "year")]
    degree_days: Option<PathBuf>,
    /// Years of cooling degree days averaged, ending with --year.
    #[arg(long, default_value_t = ZonesOptions::DEFAULT_CDD_YEARS, value_parser = clap::value_parser!(u32).range(1..=50))]
    cdd_years: u32,
    /// Baseline water stress per country (WRI Aqueduct country categories CSV, bws_cat_0_4).
    #[arg(long)]
    water_stress: Option<PathBuf>,
}

fn delimiter(s: &str) -> anyhow::Result<u8> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => anyhow::bail!("--delimiter must be one ASCII character or \"tab\", found {s:?}"),
    }
}

fn finish(output: Output, common: &Common) -> anyhow::Result<i32> {
    crate::cli::err!("{}", output.report);
    output
        .write(&common.out)
        .with_context(|| format!("writing {}", common.out.display()))?;
    crate::cli::errln!(
        "wrote {} features to {}",
        output.features.len(),
        common.out.display()
    );
    Ok(0)
}

pub fn run(args: ImportArgs) -> anyhow::Result<i32> {
    match *args.converter {
        Converter::EntsoeGrid {
            buses,
            lines,
            common,
            min_kv,
            mw_per_circuit_220,
            mw_per_circuit_380,
            headroom_share,
            all_buses,
            include_under_construction,
        } => {
            let opts = EntsoeGridOptions {
                min_kv,
                mw_per_circuit_220,
                mw_per_circuit_380,
                headroom_share,
                all_buses,
                include_under_construction,
                skip_malformed: common.skip_malformed,
                ..EntsoeGridOptions::new(buses, lines)
            };
            finish(entsoe_grid::convert(&opts)?, &common)
        }
        Converter::TopologyZoo {
            files,
            common,
            ixp_cities,
            ixp_file,
        } => {
            let ixp_cities = match (ixp_cities, ixp_file) {
                (Some(list), _) => split_list(&list),
                (None, Some(file)) => topology_zoo::read_city_file(&file)?,
                (None, None) => Vec::new(),
            };
            let opts = TopologyZooOptions {
                files,
                ixp_cities,
                skip_malformed: common.skip_malformed,
            };
            finish(topology_zoo::convert(&opts)?, &common)
        }
        Converter::Geonames {
            file,
            common,
            min_population,
            countries,
        } => {
            let opts = GeonamesOptions {
                file,
                min_population,
                countries: countries.as_deref().map(split_list),
                skip_malformed: common.skip_malformed,
            };
            finish(geonames::convert(&opts)?, &common)
        }
        Converter::Zones {
            zone_files,
            prices,
            common,
            zone_property,
            country_property,
            price_column,
            key_column,
            date_column,
            year,
            delimiter: d,
            v2,
        } => {
            let opts = ZonesOptions {
                zone_prices: v2.zone_prices,
                carbon: v2.carbon,
                carbon_countries: v2.carbon_countries,
                surcharge: v2.surcharge,
                surcharge_tax: v2.surcharge_tax,
                degree_days: v2.degree_days,
                cdd_years: v2.cdd_years,
                water_stress: v2.water_stress,
                zone_property,
                country_property: (!country_property.is_empty()).then_some(country_property),
                price_column,
                key_column,
                date_column,
                year,
                delimiter: delimiter(&d)?,
                skip_malformed: common.skip_malformed,
                ..ZonesOptions::new(zone_files, prices)
            };
            finish(zones::convert(&opts)?, &common)
        }
        Converter::Points {
            file,
            common,
            lon,
            lat,
            wkt,
            id,
            name,
            country,
            area_ha,
            default_area_ha,
            price,
            default_price_eur_per_m2,
            delimiter: d,
        } => {
            let coordinates = match (lon, lat, wkt) {
                (_, _, Some(w)) => Coordinates::Wkt(w),
                (Some(lon), Some(lat), None) => Coordinates::LonLat { lon, lat },
                _ => anyhow::bail!("give --lon and --lat, or --wkt"),
            };
            let opts = PointsOptions {
                id_column: id,
                name_column: name,
                country_column: country,
                area_ha_column: area_ha,
                default_area_ha: default_area_ha.unwrap_or(PointsOptions::DEFAULT_AREA_HA),
                price_column: price,
                default_price_eur_per_m2: default_price_eur_per_m2
                    .unwrap_or(PointsOptions::DEFAULT_PRICE_EUR_PER_M2),
                delimiter: delimiter(&d)?,
                skip_malformed: common.skip_malformed,
                ..PointsOptions::new(file, coordinates)
            };
            finish(points::convert(&opts)?, &common)
        }
    }
}
