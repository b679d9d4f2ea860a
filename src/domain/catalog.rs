//! The reference data of a deployment (departments, sub-districts, sectors with their routing
//! and keyword hints) and the routing rule itself: 谁主管谁负责 (the sector's supervising
//! department leads), 属地管理 (the sub-district where it happened co-handles).
//!
//! Nothing here names a real department: the data comes from `config/*.toml`, is checked once
//! by [`Catalog::new`], and is read-only afterwards.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// The district office that coordinates: sees every tip and triages "other".
    #[serde(default)]
    pub coordinator: bool,
    /// The department's mailbox for new-tip and deadline notices.
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Street {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sector {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// One plain-language sentence telling a reporter what belongs here.
    pub hint_zh: String,
    pub hint_en: String,
    /// The supervising department (lead handler).
    pub lead: String,
    /// Departments that co-handle every tip of this sector (joint supervision).
    #[serde(default)]
    pub co_departments: Vec<String>,
    /// The sub-district is a co-handler in its own right, not only informed.
    #[serde(default)]
    pub street_co_handles: bool,
    /// Tips go to the coordinator's triage queue (the "other / not sure" sector).
    #[serde(default)]
    pub triage: bool,
    /// Words in a triage tip's description that suggest this sector.
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// A catalog entry (a department, a sub-district, a sector): a code and a name in each language.
pub trait Entry {
    fn code(&self) -> &str;
    /// The name in Chinese and in English.
    fn names(&self) -> (&str, &str);
}

macro_rules! entries {
    ($($t:ty),*) => {$(
        impl Entry for $t {
            fn code(&self) -> &str {
                &self.code
            }

            fn names(&self) -> (&str, &str) {
                (&self.name_zh, &self.name_en)
            }
        }
    )*};
}

entries!(Department, Street, Sector);

/// Which kind of unit a staff member or an assignment belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    Department,
    Street,
}

/// How a unit is attached to a tip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentRole {
    /// The department that answers for the tip.
    Lead,
    /// A department that co-handles it (joint sectors).
    CoDepartment,
    /// The sub-district where it happened (属地).
    Street,
}

impl AssignmentRole {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentRole::Lead => "lead",
            AssignmentRole::CoDepartment => "co_department",
            AssignmentRole::Street => "street",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "lead" => Some(AssignmentRole::Lead),
            "co_department" => Some(AssignmentRole::CoDepartment),
            "street" => Some(AssignmentRole::Street),
            _ => None,
        }
    }
}

/// Where a tip goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routing {
    pub lead: String,
    pub co_departments: Vec<String>,
    /// The sub-district, when the reporter named one.
    pub street: Option<String>,
    /// Whether the sub-district co-handles (true) or is only informed (false).
    pub street_co_handles: bool,
    pub triage: bool,
    /// For a triage tip: the sector its description's keywords suggest.
    pub suggested_sector: Option<String>,
}

impl Routing {
    /// Every unit attached to the tip, with the way it is attached; the street is attached
    /// whenever one was named, so its officers see what happens on their ground.
    pub fn assignments(&self) -> Vec<(String, AssignmentRole)> {
        let mut out = vec![(self.lead.clone(), AssignmentRole::Lead)];
        out.extend(
            self.co_departments
                .iter()
                .map(|d| (d.clone(), AssignmentRole::CoDepartment)),
        );
        if let Some(street) = &self.street {
            out.push((street.clone(), AssignmentRole::Street));
        }
        out
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{file}: {reason}")]
pub struct CatalogError {
    pub file: &'static str,
    pub reason: String,
}

fn err(file: &'static str, reason: impl Into<String>) -> CatalogError {
    CatalogError {
        file,
        reason: reason.into(),
    }
}

/// A code is what forms, URLs and the database carry: 1 to 40 lowercase ASCII letters, digits
/// or `_`.
fn check_code(file: &'static str, kind: &str, code: &str) -> Result<(), CatalogError> {
    let valid = !code.is_empty()
        && code.len() <= 40
        && code
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
    if valid {
        Ok(())
    } else {
        Err(err(
            file,
            format!("{kind} code `{code}` must be lowercase letters, digits or _"),
        ))
    }
}

/// A unit is shown in both languages, so it needs both names.
fn check_names(
    file: &'static str,
    kind: &str,
    code: &str,
    names: [&str; 2],
) -> Result<(), CatalogError> {
    if names.iter().any(|n| n.trim().is_empty()) {
        return Err(err(
            file,
            format!("{kind} `{code}` needs name_zh and name_en"),
        ));
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Catalog {
    departments: Vec<Department>,
    streets: Vec<Street>,
    sectors: Vec<Sector>,
}

impl Catalog {
    /// Checks the reference data as a whole: unique codes (departments and streets share one
    /// namespace, since a staff member's unit may be either), every reference resolves, exactly
    /// one coordinator department and one triage sector, no empty names.
    pub fn new(
        departments: Vec<Department>,
        streets: Vec<Street>,
        sectors: Vec<Sector>,
    ) -> Result<Self, CatalogError> {
        const D: &str = "departments.toml";
        const ST: &str = "streets.toml";
        const SE: &str = "sectors.toml";
        if departments.is_empty() {
            return Err(err(D, "no department is defined"));
        }
        if sectors.is_empty() {
            return Err(err(SE, "no sector is defined"));
        }
        let mut units = HashSet::new();
        for d in &departments {
            check_code(D, "department", &d.code)?;
            check_names(D, "department", &d.code, [&d.name_zh, &d.name_en])?;
            if !units.insert(d.code.as_str()) {
                return Err(err(
                    D,
                    format!("department code `{}` appears twice", d.code),
                ));
            }
        }
        for s in &streets {
            check_code(ST, "street", &s.code)?;
            check_names(ST, "street", &s.code, [&s.name_zh, &s.name_en])?;
            if !units.insert(s.code.as_str()) {
                return Err(err(
                    ST,
                    format!(
                        "street code `{}` is already used by a department or another street",
                        s.code
                    ),
                ));
            }
        }
        match departments.iter().filter(|d| d.coordinator).count() {
            1 => {}
            n => {
                return Err(err(
                    D,
                    format!("exactly one department must have coordinator = true (found {n})"),
                ));
            }
        }
        let dept_codes: HashSet<&str> = departments.iter().map(|d| d.code.as_str()).collect();
        let mut sector_codes = HashSet::new();
        for s in &sectors {
            check_code(SE, "sector", &s.code)?;
            if !sector_codes.insert(s.code.as_str()) {
                return Err(err(SE, format!("sector code `{}` appears twice", s.code)));
            }
            for (what, text) in [
                ("name_zh", &s.name_zh),
                ("name_en", &s.name_en),
                ("hint_zh", &s.hint_zh),
                ("hint_en", &s.hint_en),
            ] {
                if text.trim().is_empty() {
                    return Err(err(SE, format!("sector `{}` has an empty {what}", s.code)));
                }
            }
            if !dept_codes.contains(s.lead.as_str()) {
                return Err(err(
                    SE,
                    format!("sector `{}`: lead `{}` is not a department", s.code, s.lead),
                ));
            }
            for co in &s.co_departments {
                if !dept_codes.contains(co.as_str()) {
                    return Err(err(
                        SE,
                        format!(
                            "sector `{}`: co-department `{co}` is not a department",
                            s.code
                        ),
                    ));
                }
                if *co == s.lead {
                    return Err(err(
                        SE,
                        format!("sector `{}`: `{co}` is both lead and co-department", s.code),
                    ));
                }
            }
            if s.triage && !s.keywords.is_empty() {
                return Err(err(
                    SE,
                    format!(
                        "sector `{}` is the triage sector and cannot have keywords",
                        s.code
                    ),
                ));
            }
            if s.keywords.iter().any(|k| k.trim().is_empty()) {
                return Err(err(SE, format!("sector `{}` has an empty keyword", s.code)));
            }
        }
        match sectors.iter().filter(|s| s.triage).count() {
            1 => {}
            n => {
                return Err(err(
                    SE,
                    format!("exactly one sector must have triage = true (found {n})"),
                ));
            }
        }
        Ok(Catalog {
            departments,
            streets,
            sectors,
        })
    }

    pub fn departments(&self) -> &[Department] {
        &self.departments
    }

    pub fn streets(&self) -> &[Street] {
        &self.streets
    }

    pub fn sectors(&self) -> &[Sector] {
        &self.sectors
    }

    pub fn department(&self, code: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.code == code)
    }

    pub fn street(&self, code: &str) -> Option<&Street> {
        self.streets.iter().find(|s| s.code == code)
    }

    pub fn sector(&self, code: &str) -> Option<&Sector> {
        self.sectors.iter().find(|s| s.code == code)
    }

    pub fn coordinator(&self) -> &Department {
        // `new` guarantees exactly one.
        self.departments
            .iter()
            .find(|d| d.coordinator)
            .unwrap_or(&self.departments[0])
    }

    /// Whether a code names a department or a street, for staff accounts.
    pub fn unit_kind(&self, code: &str) -> Option<UnitKind> {
        if self.department(code).is_some() {
            Some(UnitKind::Department)
        } else if self.street(code).is_some() {
            Some(UnitKind::Street)
        } else {
            None
        }
    }

    /// Routes a tip of a known sector. The sector and street must come from this catalog (the
    /// tip parser guarantees it).
    pub fn route(&self, sector: &Sector, street: Option<&str>, description: &str) -> Routing {
        let suggested_sector = if sector.triage {
            self.suggest_sector(description)
        } else {
            None
        };
        Routing {
            lead: sector.lead.clone(),
            co_departments: sector.co_departments.clone(),
            street: street.map(str::to_owned),
            street_co_handles: sector.street_co_handles,
            triage: sector.triage,
            suggested_sector,
        }
    }

    /// The sector whose keywords appear earliest in the text (ties: the longest keyword), so
    /// "电梯旁的燃气管" suggests special equipment rather than whatever is listed first.
    pub fn suggest_sector(&self, text: &str) -> Option<String> {
        self.sectors
            .iter()
            .flat_map(|s| s.keywords.iter().map(move |k| (s, k)))
            .filter_map(|(s, k)| {
                text.find(k.as_str())
                    .map(|pos| (pos, std::cmp::Reverse(k.len()), s))
            })
            .min_by_key(|(pos, len, _)| (*pos, *len))
            .map(|(_, _, s)| s.code.clone())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn dept(code: &str, coordinator: bool) -> Department {
        Department {
            code: code.into(),
            name_zh: format!("{code}局"),
            name_en: code.into(),
            coordinator,
            email: None,
        }
    }

    pub(crate) fn sector(
        code: &str,
        lead: &str,
        co: &[&str],
        street: bool,
        triage: bool,
        keywords: &[&str],
    ) -> Sector {
        Sector {
            code: code.into(),
            name_zh: format!("{code}行业"),
            name_en: code.into(),
            hint_zh: "提示".into(),
            hint_en: "hint".into(),
            lead: lead.into(),
            co_departments: co.iter().map(|s| s.to_string()).collect(),
            street_co_handles: street,
            triage,
            keywords: keywords.iter().map(|s| s.to_string()).collect(),
        }
    }

    pub(crate) fn small() -> Catalog {
        Catalog::new(
            vec![
                dept("office", true),
                dept("fire", false),
                dept("gasdept", false),
                dept("commerce", false),
            ],
            vec![Street {
                code: "north".into(),
                name_zh: "北街道".into(),
                name_en: "North".into(),
                email: None,
            }],
            vec![
                sector("gas", "gasdept", &[], false, false, &["燃气", "液化气"]),
                sector("crowded", "fire", &["commerce"], false, false, &[]),
                sector("ebike", "fire", &[], true, false, &["电动车"]),
                sector("other", "office", &[], false, true, &[]),
            ],
        )
        .unwrap()
    }

    #[test]
    fn a_joint_sector_routes_to_its_lead_and_co_departments() {
        let c = small();
        let r = c.route(
            c.sector("crowded").unwrap(),
            Some("north"),
            "商场安全出口被锁",
        );
        assert_eq!(r.lead, "fire");
        assert_eq!(r.co_departments, vec!["commerce".to_string()]);
        assert_eq!(
            r.assignments(),
            vec![
                ("fire".into(), AssignmentRole::Lead),
                ("commerce".into(), AssignmentRole::CoDepartment),
                ("north".into(), AssignmentRole::Street)
            ]
        );
        assert!(!r.triage);
        assert_eq!(r.suggested_sector, None);
    }

    #[test]
    fn other_goes_to_triage_with_a_keyword_suggestion() {
        let c = small();
        let r = c.route(
            c.sector("other").unwrap(),
            None,
            "楼下电动车在楼道充电，旁边还有液化气瓶",
        );
        assert_eq!(r.lead, "office");
        assert!(r.triage);
        assert_eq!(r.suggested_sector.as_deref(), Some("ebike"));
        let none = c.route(c.sector("other").unwrap(), None, "不知道归谁管的问题");
        assert_eq!(none.suggested_sector, None);
    }

    #[test]
    fn street_co_handling_comes_from_the_sector() {
        let c = small();
        assert!(
            c.route(c.sector("ebike").unwrap(), Some("north"), "x")
                .street_co_handles
        );
        assert!(
            !c.route(c.sector("gas").unwrap(), Some("north"), "x")
                .street_co_handles
        );
    }

    #[test]
    fn bad_reference_data_is_refused_with_the_file_and_reason() {
        let e = Catalog::new(
            vec![dept("office", true)],
            vec![],
            vec![sector("gas", "nobody", &[], false, true, &[])],
        )
        .unwrap_err();
        assert_eq!(e.file, "sectors.toml");
        assert!(e.reason.contains("nobody"), "{e}");

        let e = Catalog::new(
            vec![dept("a", true), dept("b", true)],
            vec![],
            vec![sector("o", "a", &[], false, true, &[])],
        )
        .unwrap_err();
        assert!(e.reason.contains("coordinator"), "{e}");

        let e = Catalog::new(
            vec![dept("a", true)],
            vec![Street {
                code: "a".into(),
                name_zh: "甲".into(),
                name_en: "A".into(),
                email: None,
            }],
            vec![sector("o", "a", &[], false, true, &[])],
        )
        .unwrap_err();
        assert_eq!(e.file, "streets.toml");

        let e = Catalog::new(
            vec![dept("a", true)],
            vec![],
            vec![sector("o", "a", &[], false, false, &[])],
        )
        .unwrap_err();
        assert!(e.reason.contains("triage"), "{e}");
    }
}
