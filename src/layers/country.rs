//! Country codes in layers: ISO 3166-1 alpha-2.
//!
//! Accepted: the 249 officially assigned codes, and the user-assigned ones (`AA`,
//! `QM`–`QZ`, `XA`–`XZ`, `ZZ`), which include `XK` for Kosovo (used by the European
//! Commission and most data sets) and the synthetic countries `gigasite generate`
//! writes. Rejected with a hint: Eurostat's `EL` (Greece, ISO `GR`) and `UK` (ISO
//! `GB`), lower case, names and alpha-3 codes. One spelling per country matters:
//! `max_per_country` compares the codes as written, so `EL` next to `GR` would count
//! Greece twice.

/// The officially assigned ISO 3166-1 alpha-2 codes.
const ASSIGNED: &str = "\
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ \
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ \
DE DJ DK DM DO DZ \
EC EE EG EH ER ES ET \
FI FJ FK FM FO FR \
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY \
HK HM HN HR HT HU \
ID IE IL IM IN IO IQ IR IS IT \
JE JM JO JP \
KE KG KH KI KM KN KP KR KW KY KZ \
LA LB LC LI LK LR LS LT LU LV LY \
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ \
NA NC NE NF NG NI NL NO NP NR NU NZ \
OM \
PA PE PF PG PH PK PL PM PN PR PS PT PW PY \
QA \
RE RO RS RU RW \
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ \
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ \
UA UG UM US UY UZ \
VA VC VE VG VI VN VU \
WF WS \
YE YT \
ZA ZM ZW";

/// Whether `code` is an ISO 3166-1 alpha-2 code this reader accepts.
pub fn is_valid(code: &str) -> bool {
    let b = code.as_bytes();
    if b.len() != 2 || !b.iter().all(u8::is_ascii_uppercase) {
        return false;
    }
    let user_assigned =
        code == "AA" || code == "ZZ" || b[0] == b'X' || (b[0] == b'Q' && b[1] >= b'M');
    user_assigned || ASSIGNED.split(' ').any(|c| c == code)
}

/// Why `value` is not accepted, with the code to write instead when one is known.
pub fn explain(value: &str) -> String {
    let shown = crate::error::clip(value);
    let hint = match value.trim() {
        "EL" => Some("GR".to_string()),
        "UK" => Some("GB".to_string()),
        v => crate::import::countries::normalize_country(v).filter(|c| is_valid(c)),
    };
    match hint {
        Some(code) => format!(
            "expected an ISO 3166-1 alpha-2 code (two upper-case letters), found {shown}: write {code:?}"
        ),
        None => format!(
            "expected an ISO 3166-1 alpha-2 code (two upper-case letters, e.g. \"DE\"), found {shown}, which is not one"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assigned_user_assigned_and_rejected_codes() {
        assert_eq!(ASSIGNED.split(' ').count(), 249);
        for ok in ["SE", "DE", "GB", "GR", "XK", "XA", "QZ", "AA", "ZZ"] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in [
            "Sweden", "se", "SWE", "EL", "UK", "QA ", "", "S", "ÅÅ", "AB",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
        assert!(explain("Sweden").contains("write \"SE\""));
        assert!(explain("EL").contains("write \"GR\""));
        assert!(explain("UK").contains("write \"GB\""));
        assert!(explain("AB").contains("not one"));
    }
}
