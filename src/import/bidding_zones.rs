//! The European bidding zones and their codes in the sources `import zones` joins.
//!
//! Three naming schemes meet here, and the join between them is this explicit table,
//! not a guess from the spelling:
//!
//! | scheme | used by | examples |
//! |---|---|---|
//! | ENTSO-E / entsoe-py (the table's `id`) | the bidding-zone polygons (`zoneName`) | `SE_4`, `IT_NORD`, `DE_LU`, `NO_1`, `DK_1` |
//! | Energy-Charts (`energy_charts`) | zonal monthly day-ahead prices (`euprices-data.js`, `code`) | `SE4`, `IT-North`, `DE-LU`, `NO1`, `DK1` |
//! | Electricity Maps (`electricity_maps`) | yearly carbon intensity per zone | `SE-SE4`, `IT-NO`, `NO-NO1`, `DK-DK1` |
//!
//! A zone polygon's code is looked up by any of its spellings, compared by letters and
//! digits only ("IT-NORD" = "IT_NORD", "SE4" = "SE_4", "DE-LU" = "DE_LU"). Codes not in
//! the table (e.g. the `*_2020` Italian configuration) are only matched verbatim.
//!
//! Where a source has no series of exactly the zone's area the table says so:
//! - Energy-Charts has no series for BG, HR, GB and the Irish single market (IE_SEM):
//!   these take their country's price.
//! - Electricity Maps has no Calabria (IT_CALA): it takes its country's figure. DE_LU
//!   uses Electricity Maps' `DE` (Luxembourg is about 1 % of the zone's demand) and
//!   IE_SEM uses `IE` (Northern Ireland, about a fifth of the demand, is `GB-NIR`
//!   there): approximations, reported as such per zone.

use super::zones::normalize_code;

/// One bidding zone and its spellings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BiddingZone {
    /// The ENTSO-E / entsoe-py code, e.g. `SE_4`.
    pub id: &'static str,
    /// ISO 3166-1 alpha-2 code of the zone's country.
    pub country: &'static str,
    /// The Energy-Charts code of its price series, when there is one.
    pub energy_charts: Option<&'static str>,
    /// The Electricity Maps zone used for its carbon intensity, when there is one.
    pub electricity_maps: Option<&'static str>,
    /// Why the Electricity Maps zone is not exactly this zone's area (None: it is).
    pub electricity_maps_caveat: Option<&'static str>,
}

const fn zone(
    id: &'static str,
    country: &'static str,
    energy_charts: Option<&'static str>,
    electricity_maps: Option<&'static str>,
) -> BiddingZone {
    BiddingZone {
        id,
        country,
        energy_charts,
        electricity_maps,
        electricity_maps_caveat: None,
    }
}

/// A zone that is its whole country, with the country's code in every scheme.
const fn national(id: &'static str) -> BiddingZone {
    zone(id, id, Some(id), Some(id))
}

/// Every zone `import zones` knows, in ENTSO-E order of the code.
pub const ZONES: &[BiddingZone] = &[
    national("AT"),
    national("BE"),
    zone("BG", "BG", None, Some("BG")),
    national("CH"),
    national("CZ"),
    BiddingZone {
        electricity_maps_caveat: Some(
            "Electricity Maps `DE` (Germany only; Luxembourg is about 1 % of the zone's demand)",
        ),
        ..zone("DE_LU", "DE", Some("DE-LU"), Some("DE"))
    },
    zone("DK_1", "DK", Some("DK1"), Some("DK-DK1")),
    zone("DK_2", "DK", Some("DK2"), Some("DK-DK2")),
    national("EE"),
    national("ES"),
    national("FI"),
    national("FR"),
    zone("GB", "GB", None, Some("GB")),
    national("GR"),
    zone("HR", "HR", None, Some("HR")),
    national("HU"),
    BiddingZone {
        electricity_maps_caveat: Some(
            "Electricity Maps `IE` (Ireland only; Northern Ireland is `GB-NIR` there)",
        ),
        ..zone("IE_SEM", "IE", None, Some("IE"))
    },
    zone("IT_CALA", "IT", Some("IT-Calabria"), None),
    zone("IT_CNOR", "IT", Some("IT-Centre-North"), Some("IT-CNO")),
    zone("IT_CSUD", "IT", Some("IT-Centre-South"), Some("IT-CSO")),
    zone("IT_NORD", "IT", Some("IT-North"), Some("IT-NO")),
    zone("IT_SARD", "IT", Some("IT-Sardinia"), Some("IT-SAR")),
    zone("IT_SICI", "IT", Some("IT-Sicily"), Some("IT-SIC")),
    zone("IT_SUD", "IT", Some("IT-South"), Some("IT-SO")),
    national("LT"),
    national("LV"),
    national("NL"),
    zone("NO_1", "NO", Some("NO1"), Some("NO-NO1")),
    zone("NO_2", "NO", Some("NO2"), Some("NO-NO2")),
    zone("NO_3", "NO", Some("NO3"), Some("NO-NO3")),
    zone("NO_4", "NO", Some("NO4"), Some("NO-NO4")),
    zone("NO_5", "NO", Some("NO5"), Some("NO-NO5")),
    national("PL"),
    national("PT"),
    national("RO"),
    national("RS"),
    zone("SE_1", "SE", Some("SE1"), Some("SE-SE1")),
    zone("SE_2", "SE", Some("SE2"), Some("SE-SE2")),
    zone("SE_3", "SE", Some("SE3"), Some("SE-SE3")),
    zone("SE_4", "SE", Some("SE4"), Some("SE-SE4")),
    national("SI"),
    national("SK"),
];

impl BiddingZone {
    /// The spellings a zone polygon's code may use for this zone (the Electricity Maps
    /// code only when it is exactly this zone).
    fn spellings(&self) -> impl Iterator<Item = &'static str> {
        let em = self
            .electricity_maps
            .filter(|_| self.electricity_maps_caveat.is_none());
        [Some(self.id), self.energy_charts, em]
            .into_iter()
            .flatten()
    }
}

/// The zone a code names, by any of its spellings (compared by letters and digits).
pub fn lookup(code: &str) -> Option<&'static BiddingZone> {
    let key = normalize_code(code);
    if key.is_empty() {
        return None;
    }
    ZONES
        .iter()
        .find(|z| z.spellings().any(|s| normalize_code(s) == key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scheme_finds_the_same_zone() {
        for (code, id) in [
            ("SE_4", "SE_4"),
            ("SE4", "SE_4"),
            ("SE-SE4", "SE_4"),
            ("IT-North", "IT_NORD"),
            ("IT-NORD", "IT_NORD"),
            ("IT-NO", "IT_NORD"),
            ("it_nord", "IT_NORD"),
            ("DE-LU", "DE_LU"),
            ("NO1", "NO_1"),
            ("DK-DK1", "DK_1"),
            ("IE-SEM", "IE_SEM"),
            ("IT-Calabria", "IT_CALA"),
            ("AT", "AT"),
        ] {
            assert_eq!(lookup(code).map(|z| z.id), Some(id), "{code}");
        }
        // An approximate Electricity Maps zone is not a spelling of the bidding zone.
        assert_eq!(lookup("DE"), None);
        assert_eq!(lookup("IE"), None);
        assert_eq!(lookup("IT_CNOR_2020"), None);
        assert_eq!(lookup(""), None);
    }

    #[test]
    fn spellings_are_unambiguous() {
        let mut all: Vec<String> = ZONES
            .iter()
            .flat_map(|z| z.spellings().map(normalize_code).collect::<Vec<_>>())
            .collect();
        let n = all.len();
        all.sort();
        all.dedup();
        // National zones spell themselves three times; count distinct per zone.
        let per_zone: usize = ZONES
            .iter()
            .map(|z| {
                let mut s: Vec<String> = z.spellings().map(normalize_code).collect();
                s.sort();
                s.dedup();
                s.len()
            })
            .sum();
        assert!(n >= per_zone);
        assert_eq!(all.len(), per_zone, "a spelling names two zones");
        for z in ZONES {
            assert_eq!(z.country.len(), 2, "{}", z.id);
        }
    }
}
