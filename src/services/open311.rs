//! Open311 GeoReport v2 as a use case: the discovery document, one service per sector, the
//! public request list built from cases, and a posted request read as a tip. The web layer
//! (`web::open311`) only checks the key and the rate limit and writes these views as JSON or XML.
//!
//! The public request list carries no description, address, location, photo or identity: only
//! what the case is about, who handles it and where it stands; its times are days.

use super::cases::CaseSummary;
use super::names::Names;
use super::{ServiceResult, Services};
use crate::domain::query::PublicFilter;
use crate::domain::tip::{ReporterInput, TipInput};
use crate::i18n::Lang;
use chrono::SecondsFormat;
use serde::{Deserialize, Serialize};

/// When the service list last changed (the standard's `changeset`).
const CHANGESET: &str = "2026-11-28T00:00:00Z";

/// The discovery document (`/open311/discovery`).
#[derive(Serialize)]
pub struct Discovery {
    changeset: &'static str,
    contact: &'static str,
    key_service: &'static str,
    endpoints: [Endpoint; 1],
}

#[derive(Serialize)]
struct Endpoint {
    specification: &'static str,
    url: String,
    changeset: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    formats: [&'static str; 2],
}

/// One service: a sector, grouped under its lead department.
#[derive(Serialize)]
pub struct Service {
    service_code: String,
    service_name: String,
    description: String,
    metadata: bool,
    #[serde(rename = "type")]
    kind: &'static str,
    keywords: String,
    group: String,
}

/// One request of the public list: a case without its text, place or reporter.
#[derive(Serialize)]
pub struct ServiceRequest {
    service_request_id: String,
    status: &'static str,
    status_notes: String,
    service_name: String,
    service_code: String,
    agency_responsible: String,
    requested_datetime: String,
    updated_datetime: String,
    expected_datetime: Option<String>,
}

impl Services {
    pub fn open311_discovery(&self) -> Discovery {
        let base = self.public_url.trim_end_matches('/');
        Discovery {
            changeset: CHANGESET,
            contact: "区安委办 / District Work Safety Committee Office",
            key_service: "Ask the district office for an API key.",
            endpoints: [Endpoint {
                specification: "http://wiki.open311.org/GeoReport_v2",
                url: format!("{base}/open311/v2"),
                changeset: CHANGESET,
                kind: "production",
                formats: ["application/json", "text/xml"],
            }],
        }
    }

    /// Every sector as a service, in the catalog's order.
    pub fn open311_services(&self, lang: Lang) -> Vec<Service> {
        let names = Names::new(&self.catalog, lang);
        let service = |s: &crate::domain::catalog::Sector| Service {
            service_code: s.code.clone(),
            service_name: names.name(s),
            description: lang.pick(&s.hint_zh, &s.hint_en),
            metadata: false,
            kind: "realtime",
            keywords: s.keywords.join(","),
            group: names.department(&s.lead),
        };
        self.catalog.sectors().iter().map(service).collect()
    }

    /// The public requests the filter asks for (at most 1,000), in words of `lang`.
    pub fn open311_requests(
        &self,
        filter: PublicFilter,
        lang: Lang,
    ) -> ServiceResult<Vec<ServiceRequest>> {
        let rows = self.public_requests(filter, 1000)?;
        Ok(rows.iter().map(|t| self.service_request(lang, t)).collect())
    }

    /// One public request by its case number.
    pub fn open311_request(&self, id: &str, lang: Lang) -> ServiceResult<Option<ServiceRequest>> {
        let row = self.public_request(id)?;
        Ok(row.map(|t| self.service_request(lang, &t)))
    }

    fn service_request(&self, lang: Lang, t: &CaseSummary) -> ServiceRequest {
        let names = Names::new(&self.catalog, lang);
        ServiceRequest {
            service_request_id: t.case_number.clone(),
            status: if t.status.is_final() {
                "closed"
            } else {
                "open"
            },
            status_notes: lang.t(&format!("status-{}", t.status)),
            service_name: names.known_sector(&t.sector),
            service_code: t.sector.clone(),
            agency_responsible: names.department(&t.department),
            requested_datetime: day(t.submitted_at, self.offset),
            updated_datetime: day(t.updated_at, self.offset),
            expected_datetime: t.next_deadline.map(|d| d.to_string()),
        }
    }
}

/// The day only (local midnight): the minute a tip came in can point at who sent it, and the
/// public list has no need of it.
fn day(t: chrono::NaiveDateTime, offset: chrono::FixedOffset) -> String {
    let local = t.and_utc().with_timezone(&offset).date_naive();
    local
        .and_hms_opt(0, 0, 0)
        .and_then(|m| m.and_local_timezone(offset).single())
        .map(|m| m.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_else(|| local.to_string())
}

/// A request as Open311 posts it (JSON or a form).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PostRequest {
    pub api_key: Option<String>,
    service_code: Option<String>,
    description: Option<String>,
    address_string: Option<String>,
    lat: Option<String>,
    long: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

impl PostRequest {
    /// The tip it stands for: identified when it names a caller or a phone; a place from the
    /// address or the coordinates; a general severity and never a reward (the caller has no
    /// receipt to claim with).
    pub fn tip(&self) -> TipInput {
        let name: String = [self.last_name.as_deref(), self.first_name.as_deref()]
            .iter()
            .flatten()
            .map(|s| s.trim())
            .collect();
        let phone = self.phone.as_deref().is_some_and(|s| !s.trim().is_empty());
        let identified = !name.is_empty() || phone;
        let coordinates = match (&self.lat, &self.long) {
            (Some(lat), Some(long)) => Some(format!("{lat},{long}")),
            _ => None,
        };
        let address = self.address_string.clone().filter(|a| !a.trim().is_empty());
        TipInput {
            sector: self.service_code.clone(),
            address: address.or(coordinates),
            description: self.description.clone(),
            severity: Some("general".into()),
            anonymous: Some(!identified),
            reporter: identified.then(|| ReporterInput {
                name: Some(name),
                phone: self.phone.clone(),
                email: self.email.clone(),
            }),
            wants_reward: Some(false),
            ..TipInput::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_times_are_days() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 11, 2)
            .unwrap()
            .and_hms_opt(18, 31, 7)
            .unwrap();
        let cst = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        assert_eq!(day(t, cst), "2026-11-03T00:00:00+08:00");
    }
}
