//! Organisations: municipalities, police units and the central meldpunt team.

use std::fmt;

/// The kind of an organisation decides what its people may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgKind {
    /// A municipality (gemeente), identified by its CBS code; its staff report for the mayor.
    Municipality,
    /// A police unit (politie-eenheid).
    PoliceUnit,
    /// The central meldpunt team that assesses reports.
    CentralTeam,
}

impl OrgKind {
    pub const ALL: [OrgKind; 3] = [
        OrgKind::Municipality,
        OrgKind::PoliceUnit,
        OrgKind::CentralTeam,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Municipality => "municipality",
            OrgKind::PoliceUnit => "police_unit",
            OrgKind::CentralTeam => "central_team",
        }
    }

    pub fn parse(s: &str) -> Option<OrgKind> {
        OrgKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_nl(self) -> &'static str {
        match self {
            OrgKind::Municipality => "Gemeente",
            OrgKind::PoliceUnit => "Politie-eenheid",
            OrgKind::CentralTeam => "Centraal meldpuntteam",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            OrgKind::Municipality => "Municipality",
            OrgKind::PoliceUnit => "Police unit",
            OrgKind::CentralTeam => "Central meldpunt team",
        }
    }
}

/// Why an organisation could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgError {
    #[error("a municipality needs a CBS code of the form GM0363")]
    InvalidCbsCode,
    #[error("the organisation code may only hold letters, digits and hyphens (2 to 20)")]
    InvalidCode,
    #[error("the name is empty or longer than 200 characters")]
    InvalidName,
    #[error("the mayor's name is longer than 200 characters")]
    InvalidMayor,
}

/// A validated organisation code: the CBS code for municipalities (`GM0363`),
/// a short own code for other organisations (`POL-AMS`, `MELDPUNT`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrgCode(String);

impl OrgCode {
    pub fn parse(kind: OrgKind, raw: &str) -> Result<OrgCode, OrgError> {
        let code = raw.trim().to_ascii_uppercase();
        match kind {
            OrgKind::Municipality => {
                let ok = code.len() == 6
                    && code.starts_with("GM")
                    && code[2..].chars().all(|c| c.is_ascii_digit());
                if ok {
                    Ok(OrgCode(code))
                } else {
                    Err(OrgError::InvalidCbsCode)
                }
            }
            _ => {
                let ok = (2..=20).contains(&code.len())
                    && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !code.starts_with("GM");
                if ok {
                    Ok(OrgCode(code))
                } else {
                    Err(OrgError::InvalidCode)
                }
            }
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new organisation, validated and ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOrganisation {
    pub kind: OrgKind,
    pub code: OrgCode,
    pub name: String,
    pub mayor: Option<String>,
    pub province: Option<String>,
    pub safety_region: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

impl NewOrganisation {
    pub fn new(
        kind: OrgKind,
        code: &str,
        name: &str,
        mayor: Option<&str>,
    ) -> Result<NewOrganisation, OrgError> {
        let code = OrgCode::parse(kind, code)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(OrgError::InvalidName);
        }
        let mayor = mayor_name(mayor)?;
        Ok(NewOrganisation {
            kind,
            code,
            name: name.to_string(),
            mayor,
            province: None,
            safety_region: None,
            lat: None,
            lon: None,
        })
    }
}

/// The mayor's name as typed: trimmed, empty meaning "none", at most 200 characters.
pub fn mayor_name(raw: Option<&str>) -> Result<Option<String>, OrgError> {
    let mayor = raw.map(str::trim).filter(|m| !m.is_empty());
    if mayor.is_some_and(|m| m.chars().count() > 200) {
        return Err(OrgError::InvalidMayor);
    }
    Ok(mayor.map(str::to_string))
}

/// One row of the bundled CBS list of municipalities (data/gemeenten-2025.csv).
#[derive(Debug, Clone, PartialEq)]
pub struct Municipality {
    pub code: OrgCode,
    pub name: String,
    pub province: String,
    pub safety_region: String,
    pub lat: f64,
    pub lon: f64,
}

impl From<Municipality> for NewOrganisation {
    fn from(m: Municipality) -> NewOrganisation {
        NewOrganisation {
            kind: OrgKind::Municipality,
            code: m.code,
            name: m.name,
            mayor: None,
            province: Some(m.province),
            safety_region: Some(m.safety_region),
            lat: Some(m.lat),
            lon: Some(m.lon),
        }
    }
}

/// The official list of all 342 municipalities of 2025, shipped inside the binary.
pub const MUNICIPALITIES_2025_CSV: &str = include_str!("../../data/gemeenten-2025.csv");

/// The key municipalities are listed by, as people look them up: accents and case folded, and
/// the old article of a name left out ('s-Hertogenbosch under H, 's-Gravenhage under G).
pub fn name_sort_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let trimmed = ["'s-", "’s-", "'t ", "’t "]
        .iter()
        .find_map(|article| name.strip_prefix(article))
        .unwrap_or(name);
    trimmed
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Sorts (code, name) pairs by name, as people look them up (`name_sort_key`).
pub fn sort_by_name(list: &mut [(String, String)]) {
    list.sort_by_cached_key(|(_, name)| name_sort_key(name));
}

/// Parses the bundled municipality list. Fails loudly on a malformed row: the file ships
/// with meldpunt and is checked by a test.
pub fn municipalities_2025() -> Result<Vec<Municipality>, String> {
    let mut reader = csv::Reader::from_reader(MUNICIPALITIES_2025_CSV.as_bytes());
    let mut out = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.map_err(|e| format!("row {}: {e}", i + 2))?;
        let field = |n: usize| row.get(n).unwrap_or("").to_string();
        let code = OrgCode::parse(OrgKind::Municipality, &field(0))
            .map_err(|e| format!("row {}: {e}", i + 2))?;
        let lat: f64 = field(5)
            .parse()
            .map_err(|_| format!("row {}: bad lat", i + 2))?;
        let lon: f64 = field(6)
            .parse()
            .map_err(|_| format!("row {}: bad lon", i + 2))?;
        out.push(Municipality {
            code,
            name: field(1),
            province: field(2),
            safety_region: field(3),
            lat,
            lon,
        });
    }
    Ok(out)
}

/// The bundled list, parsed once (empty only if the shipped file were broken, which a test
/// rules out).
pub fn municipality_list() -> &'static [Municipality] {
    static LIST: std::sync::OnceLock<Vec<Municipality>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| municipalities_2025().unwrap_or_default())
}

/// The municipality with this CBS code.
pub fn municipality(code: &str) -> Option<&'static Municipality> {
    municipality_list().iter().find(|m| m.code.as_str() == code)
}

/// The CBS codes of every municipality in the same safety region as `code` (itself included);
/// empty for an unknown code.
pub fn safety_region_of(code: &str) -> Vec<String> {
    let Some(home) = municipality(code) else {
        return Vec::new();
    };
    municipality_list()
        .iter()
        .filter(|m| m.safety_region == home.safety_region)
        .map(|m| m.code.as_str().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_safety_region_holds_its_municipalities() {
        assert_eq!(municipality_list().len(), 342);
        let region = safety_region_of("GM0599");
        assert!(region.contains(&"GM0599".to_string()));
        assert!(!region.contains(&"GM0363".to_string()));
        assert!(safety_region_of("GM9999").is_empty());
        let amsterdam = safety_region_of("GM0363");
        assert!(amsterdam.contains(&"GM0362".to_string()), "Amstelveen");
    }

    #[test]
    fn municipalities_are_listed_as_people_look_them_up() {
        let mut list: Vec<(String, String)> = municipalities_2025()
            .unwrap()
            .into_iter()
            .map(|m| (m.code.as_str().to_string(), m.name))
            .collect();
        sort_by_name(&mut list);
        let names: Vec<&str> = list.iter().map(|(_, n)| n.as_str()).collect();
        let at = |n: &str| names.iter().position(|x| *x == n).unwrap();
        assert_eq!(names[0], "Aa en Hunze");
        assert!(at("Amsterdam") < at("Zwolle"));
        // Under the letter of the name, not of the article, and accents do not push a name to the end.
        assert!(at("Goes") < at("'s-Gravenhage") && at("'s-Gravenhage") < at("Groningen"));
        assert!(at("Súdwest-Fryslân") < at("Teylingen"));
    }

    #[test]
    fn the_bundled_list_holds_all_342_municipalities_of_2025_with_unique_codes() {
        let list = municipalities_2025().expect("bundled list parses");
        assert_eq!(list.len(), 342);
        let mut codes: Vec<_> = list.iter().map(|m| m.code.as_str().to_string()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 342);
        let amsterdam = list
            .iter()
            .find(|m| m.code.as_str() == "GM0363")
            .expect("Amsterdam");
        assert_eq!(amsterdam.name, "Amsterdam");
        assert_eq!(amsterdam.safety_region, "Amsterdam-Amstelland");
        assert!(list
            .iter()
            .all(|m| (50.0..54.0).contains(&m.lat) && (3.0..8.0).contains(&m.lon)));
    }

    #[test]
    fn municipality_codes_must_be_cbs_codes() {
        assert_eq!(
            OrgCode::parse(OrgKind::Municipality, " gm0363 ")
                .unwrap()
                .as_str(),
            "GM0363"
        );
        for bad in ["GM363", "GM03631", "XX0363", "GM03a3", ""] {
            assert_eq!(
                OrgCode::parse(OrgKind::Municipality, bad),
                Err(OrgError::InvalidCbsCode),
                "{bad}"
            );
        }
    }

    #[test]
    fn other_organisations_use_short_codes_that_cannot_pass_for_a_municipality() {
        assert!(OrgCode::parse(OrgKind::PoliceUnit, "pol-ams").is_ok());
        assert_eq!(
            OrgCode::parse(OrgKind::PoliceUnit, "GM0363"),
            Err(OrgError::InvalidCode)
        );
        assert_eq!(
            OrgCode::parse(OrgKind::CentralTeam, "a b"),
            Err(OrgError::InvalidCode)
        );
    }

    #[test]
    fn an_organisation_needs_a_name() {
        assert_eq!(
            NewOrganisation::new(OrgKind::CentralTeam, "MELDPUNT", "  ", None),
            Err(OrgError::InvalidName)
        );
    }
}
