//! Country codes: ISO 3166-1 alpha-2 from alpha-3 codes and English names, for the
//! countries of Europe and its neighbours (the sources the importers read use all three).

/// (alpha-2, alpha-3, English names; the first is the usual one).
const COUNTRIES: &[(&str, &str, &[&str])] = &[
    ("AD", "AND", &["Andorra"]),
    ("AL", "ALB", &["Albania"]),
    ("AM", "ARM", &["Armenia"]),
    ("AT", "AUT", &["Austria"]),
    ("AZ", "AZE", &["Azerbaijan"]),
    (
        "BA",
        "BIH",
        &["Bosnia and Herzegovina", "Bosnia-Herzegovina"],
    ),
    ("BE", "BEL", &["Belgium"]),
    ("BG", "BGR", &["Bulgaria"]),
    ("BY", "BLR", &["Belarus"]),
    ("CH", "CHE", &["Switzerland"]),
    ("CY", "CYP", &["Cyprus"]),
    ("CZ", "CZE", &["Czechia", "Czech Republic"]),
    ("DE", "DEU", &["Germany"]),
    ("DK", "DNK", &["Denmark"]),
    ("DZ", "DZA", &["Algeria"]),
    ("EE", "EST", &["Estonia"]),
    ("EG", "EGY", &["Egypt"]),
    ("ES", "ESP", &["Spain"]),
    ("FI", "FIN", &["Finland"]),
    ("FO", "FRO", &["Faroe Islands"]),
    ("FR", "FRA", &["France"]),
    ("GB", "GBR", &["United Kingdom", "Great Britain", "UK"]),
    ("GE", "GEO", &["Georgia"]),
    ("GI", "GIB", &["Gibraltar"]),
    ("GR", "GRC", &["Greece"]),
    ("HR", "HRV", &["Croatia"]),
    ("HU", "HUN", &["Hungary"]),
    ("IE", "IRL", &["Ireland"]),
    ("IL", "ISR", &["Israel"]),
    ("IS", "ISL", &["Iceland"]),
    ("IT", "ITA", &["Italy"]),
    ("JO", "JOR", &["Jordan"]),
    ("LB", "LBN", &["Lebanon"]),
    ("LI", "LIE", &["Liechtenstein"]),
    ("LT", "LTU", &["Lithuania"]),
    ("LU", "LUX", &["Luxembourg"]),
    ("LV", "LVA", &["Latvia"]),
    ("LY", "LBY", &["Libya"]),
    ("MA", "MAR", &["Morocco"]),
    ("MC", "MCO", &["Monaco"]),
    ("MD", "MDA", &["Moldova", "Republic of Moldova"]),
    ("ME", "MNE", &["Montenegro"]),
    ("MK", "MKD", &["North Macedonia", "Macedonia"]),
    ("MT", "MLT", &["Malta"]),
    (
        "NL",
        "NLD",
        &["Netherlands", "The Netherlands", "Netherland", "Holland"],
    ),
    ("NO", "NOR", &["Norway"]),
    ("PL", "POL", &["Poland"]),
    ("PT", "PRT", &["Portugal"]),
    ("RO", "ROU", &["Romania"]),
    ("RS", "SRB", &["Serbia"]),
    ("RU", "RUS", &["Russia", "Russian Federation"]),
    ("SA", "SAU", &["Saudi Arabia"]),
    ("SE", "SWE", &["Sweden"]),
    ("SI", "SVN", &["Slovenia"]),
    ("SK", "SVK", &["Slovakia"]),
    ("SM", "SMR", &["San Marino"]),
    ("SY", "SYR", &["Syria"]),
    ("TN", "TUN", &["Tunisia"]),
    ("TR", "TUR", &["Turkey", "Türkiye", "Turkiye"]),
    ("UA", "UKR", &["Ukraine"]),
    ("VA", "VAT", &["Vatican City", "Holy See"]),
    ("XK", "XKX", &["Kosovo"]),
];

/// The alpha-2 code of an alpha-3 code ("DEU" → "DE"), case-insensitively.
pub fn alpha2_of_alpha3(code: &str) -> Option<&'static str> {
    let code = code.trim();
    COUNTRIES
        .iter()
        .find(|(_, a3, _)| a3.eq_ignore_ascii_case(code))
        .map(|(a2, _, _)| *a2)
}

/// An ISO 3166-1 alpha-2 code for a country given as alpha-2 (case-insensitive; the
/// Eurostat codes "EL" and "UK" become "GR" and "GB"), alpha-3, or English name.
/// `None` when the value is none of these (an unknown alpha-2 code is accepted as is).
pub fn normalize_country(value: &str) -> Option<String> {
    let v = value.trim();
    if v.len() == 2 && v.chars().all(|c| c.is_ascii_alphabetic()) {
        let up = v.to_ascii_uppercase();
        return Some(match up.as_str() {
            "EL" => "GR".to_string(),
            "UK" => "GB".to_string(),
            _ => up,
        });
    }
    if v.len() == 3 {
        if let Some(a2) = alpha2_of_alpha3(v) {
            return Some(a2.to_string());
        }
    }
    COUNTRIES
        .iter()
        .find(|(_, _, names)| names.iter().any(|n| n.to_lowercase() == v.to_lowercase()))
        .map(|(a2, _, _)| a2.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names() {
        assert_eq!(alpha2_of_alpha3("deu"), Some("DE"));
        assert_eq!(alpha2_of_alpha3("GBR"), Some("GB"));
        assert_eq!(normalize_country("Netherland").as_deref(), Some("NL"));
        assert_eq!(normalize_country("czech republic").as_deref(), Some("CZ"));
        assert_eq!(normalize_country("el").as_deref(), Some("GR"));
        assert_eq!(normalize_country("SWE").as_deref(), Some("SE"));
        assert_eq!(normalize_country("Atlantis"), None);
    }

    #[test]
    fn table_is_consistent() {
        let mut a2: Vec<_> = COUNTRIES.iter().map(|c| c.0).collect();
        let mut a3: Vec<_> = COUNTRIES.iter().map(|c| c.1).collect();
        a2.sort_unstable();
        a3.sort_unstable();
        a2.dedup();
        a3.dedup();
        assert_eq!(a2.len(), COUNTRIES.len());
        assert_eq!(a3.len(), COUNTRIES.len());
    }
}
