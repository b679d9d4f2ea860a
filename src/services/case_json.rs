//! A case as the JSON API answers it (API.md, "Staff"): the [`CaseView`] with its units named
//! and the reporter's kind, a typed view from which the OpenAPI document is generated.

use super::cases::{AttachmentInfo, CaseMessage, CaseView, HistoryItem, Rectification};
use super::explanations::ExplanationView;
use super::hazards::EnterpriseRef;
use super::listing::ListedSupervision;
use super::names::{Unit, unit};
use crate::domain::catalog::Catalog;
use crate::domain::deadlines::Deadlines;
use crate::domain::json;
use crate::domain::status::Status;
use crate::domain::tip::{Channel, Severity};
use crate::domain::workflow::Action;
use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

/// Whether the reporter gave their identity (never the identity itself).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReporterKind {
    Anonymous,
    Identified,
}

/// A case as staff see it (API.md, "Staff"): the service's [`CaseView`] with its units named
/// (`{code, name_zh, name_en}` where the view has codes) and the reporter's kind; the parts the
/// contract shows as they are (history, messages, deadlines…) are the view's own.
#[derive(Serialize, ToSchema)]
#[schema(as = Case)]
pub struct CaseJson<'a> {
    pub case_number: &'a str,
    /// The sector's code.
    pub sector: &'a str,
    #[schema(required)]
    pub street: Option<Unit>,
    pub address: &'a str,
    /// The business as the reporter named it (free text).
    #[schema(required)]
    pub enterprise: Option<&'a str>,
    /// The enterprise record the tip is linked to (`link_enterprise`).
    #[schema(required)]
    pub linked_enterprise: Option<&'a EnterpriseRef>,
    /// When none is linked: records whose name the free-text business matches (ignoring
    /// suffixes such as 有限公司), for staff to confirm.
    pub enterprise_matches: &'a [EnterpriseRef],
    pub description: &'a str,
    /// When the retention job erased the case's content (description, place, business,
    /// photos, messages, identity), or null while it is kept.
    #[serde(serialize_with = "json::rfc3339_or_null")]
    #[schema(value_type = Option<String>, required)]
    pub content_erased_at: Option<NaiveDateTime>,
    pub severity: Severity,
    #[serde(serialize_with = "json::rfc3339_or_null")]
    #[schema(value_type = Option<String>, required)]
    pub observed_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "json::rfc3339")]
    #[schema(value_type = String)]
    pub submitted_at: NaiveDateTime,
    /// When it was received, from which its time limits count (for a tip taken by staff, the
    /// time they entered; otherwise when it was submitted).
    #[serde(serialize_with = "json::rfc3339")]
    #[schema(value_type = String)]
    pub received_at: NaiveDateTime,
    pub channel: Channel,
    /// Where a tip taken by staff came from.
    #[schema(required)]
    pub source_note: Option<&'a str>,
    pub status: Status,
    pub department: Unit,
    pub co_departments: Vec<Unit>,
    pub triage: bool,
    #[schema(required)]
    pub suggested_sector: Option<&'a str>,
    pub wants_reward: bool,
    pub reporter: ReporterKind,
    pub history: &'a [HistoryItem],
    pub messages: &'a [CaseMessage],
    pub deadlines: &'a Deadlines,
    pub verification_extended: bool,
    pub overdue: bool,
    pub rectification: &'a Rectification,
    /// The written explanations of missed limits, oldest first, never overwritten.
    pub explanations: &'a [ExplanationView],
    #[schema(required)]
    pub duplicate_of: Option<&'a str>,
    /// The cases marked as duplicates of this one.
    pub duplicates: &'a [String],
    /// Open cases of the last 90 days about the same enterprise or place (for staff to
    /// confirm), within the caller's reach.
    pub suggested_duplicates: &'a [String],
    #[schema(required)]
    pub reject_reason: Option<&'a str>,
    pub attachments: &'a [AttachmentInfo],
    /// What the signed-in staff member may do now.
    pub actions: &'a [Action],
    /// 挂牌督办 of the case in force, or null.
    #[schema(required)]
    pub listed_supervision: Option<&'a ListedSupervision>,
}

pub fn case_json<'a>(catalog: &Catalog, v: &'a CaseView) -> CaseJson<'a> {
    CaseJson {
        case_number: &v.case_number,
        sector: &v.sector,
        street: v.street.as_deref().map(|s| unit(catalog, s)),
        address: &v.address,
        enterprise: v.enterprise.as_deref(),
        linked_enterprise: v.linked_enterprise.as_ref(),
        enterprise_matches: &v.enterprise_matches,
        description: &v.description,
        content_erased_at: v.content_erased_at,
        severity: v.severity,
        observed_at: v.observed_at,
        submitted_at: v.submitted_at,
        received_at: v.submitted_at,
        channel: v.channel,
        source_note: v.source_note.as_deref(),
        status: v.status,
        department: unit(catalog, &v.department),
        co_departments: v.co_departments.iter().map(|u| unit(catalog, u)).collect(),
        triage: v.triage,
        suggested_sector: v.suggested_sector.as_deref(),
        wants_reward: v.wants_reward,
        reporter: match v.anonymous {
            true => ReporterKind::Anonymous,
            false => ReporterKind::Identified,
        },
        history: &v.history,
        messages: &v.messages,
        deadlines: &v.deadlines,
        verification_extended: v.verification_extended,
        overdue: v.overdue,
        rectification: &v.rectification,
        explanations: &v.explanations,
        duplicate_of: v.duplicate_of.as_deref(),
        duplicates: &v.duplicates,
        suggested_duplicates: &v.suggested_duplicates,
        reject_reason: v.reject_reason.as_deref(),
        attachments: &v.attachments,
        actions: &v.actions,
        listed_supervision: v.listed_supervision.as_ref(),
    }
}
