//! Taking a tip in: check it, route it, seal the reporter's identity, give it a case number and
//! a receipt, and store it with its routing and first history entries in one transaction. Once
//! this returns, the tip is committed (SQLite `synchronous=FULL` by default: on disk).

use super::audit;
use super::{ServiceError, ServiceResult, Services};
use crate::db::audit::NewEntry;
use crate::db::{cases, tips};
use crate::domain::case_number::CaseNumber;
use crate::domain::catalog::Routing;
use crate::domain::photo::CleanPhoto;
use crate::domain::receipt::Receipt;
use crate::domain::status::Status;
use crate::domain::tip::{Channel, NewTip, TipInput};
use crate::secrets;
use anyhow::Context;
use chrono::{Datelike, NaiveDate, NaiveDateTime, SubsecRound};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use std::sync::Arc;

/// What the reporter gets back.
#[derive(Debug)]
pub struct Submitted {
    pub case_number: CaseNumber,
    pub receipt: Receipt,
    pub routing: Routing,
    pub received: Received,
}

/// When a stored tip came in, and the day its acceptance decision is due.
#[derive(Debug, Clone, Copy)]
pub struct Received {
    pub at: NaiveDateTime,
    pub acceptance_due: NaiveDate,
}

impl Services {
    /// Checks and stores a tip.
    #[tracing::instrument(skip_all, fields(channel = channel.as_str()))]
    pub async fn submit_tip(
        &self,
        input: TipInput,
        channel: Channel,
        photos: Arc<Vec<CleanPhoto>>,
        draft: Option<String>,
    ) -> ServiceResult<Submitted> {
        let tip = NewTip::parse(&input, &self.catalog, self.clock.now())
            .map_err(ServiceError::Validation)?;
        // A receipt collision is astronomically unlikely (1 in 10^16 per pair) but would
        // violate the unique index: draw again rather than fail the reporter.
        for _ in 0..3 {
            let receipt = secrets::new_receipt()?;
            let hash = self.hasher.receipt_hash(receipt.clone()).await?;
            let (tip, photos, draft) = (tip.clone(), photos.clone(), draft.clone());
            match self
                .blocking(move |s| {
                    s.store_tip(&tip, &hash, channel, &photos, draft.as_deref(), None)
                })
                .await
            {
                Ok((case_number, routing, received)) => {
                    // Debug only: with a proxy's access log, a case number and its time could tie a
                    // tip to an address.
                    tracing::debug!(case = %case_number, department = %routing.lead, "tip stored");
                    return Ok(Submitted {
                        case_number,
                        receipt,
                        routing,
                        received,
                    });
                }
                Err(ServiceError::Internal(e)) if is_receipt_collision(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(ServiceError::Internal(anyhow::anyhow!(
            "three receipt collisions in a row"
        )))
    }

    /// Stores a checked tip as received at `now` (blocking).
    pub(crate) fn store_tip(
        &self,
        tip: &NewTip,
        receipt_hash: &str,
        channel: Channel,
        photos: &[CleanPhoto],
        draft: Option<&str>,
        at: Option<NaiveDateTime>,
    ) -> ServiceResult<(CaseNumber, Routing, Received)> {
        let routing = self
            .catalog
            .route(&tip.sector, tip.street.as_deref(), &tip.description);
        self.db.write(|conn| -> ServiceResult<_> {
            // The time is taken once the writer is ours, so times follow case numbers.
            let now = at.unwrap_or_else(|| self.now());
            let year = now.and_utc().with_timezone(&self.offset).year();
            let acceptance_due = self.calendar.add_working_days(
                self.local_date(now),
                self.time_limits.acceptance_working_days,
            );
            let seq = tips::next_case_seq(conn, year)?;
            let case_number = CaseNumber::new(&self.case_prefix, year, seq);
            let sealed = match &tip.reporter {
                Some(id) => {
                    let json = zeroize::Zeroizing::new(
                        serde_json::to_vec(id).context("encoding identity")?,
                    );
                    Some(self.sealer.seal(&json, case_number.as_str())?)
                }
                None => None,
            };
            // A keyed hash of an identified reporter's phone: several tips of one person can be
            // told apart for the monthly reward cap, without the phone being readable.
            let reporter_key = tip
                .reporter
                .as_ref()
                .map(|r| self.keyed_hash("reporter", r.phone.as_str()));
            let row = tips::NewTipRow {
                case_number: case_number.as_str(),
                receipt_hash,
                sector: &tip.sector.code,
                street: tip.street.as_deref(),
                address: &tip.address,
                enterprise: tip.enterprise.as_deref(),
                description: &tip.description,
                severity: tip.severity.as_str(),
                observed_at: tip.observed_at.map(|t| t.naive_utc().trunc_subsecs(6)),
                anonymous: tip.reporter.is_none(),
                identity_sealed: sealed.as_deref(),
                wants_reward: tip.wants_reward,
                status: Status::Submitted.as_str(),
                department: &routing.lead,
                triage: routing.triage,
                suggested_sector: routing.suggested_sector.as_deref(),
                channel: channel.as_str(),
                submitted_at: now,
                updated_at: now,
                next_deadline: Some(acceptance_due),
                reporter_key: reporter_key.as_deref(),
                declared_employee: tip.employee,
                declared_supervision: tip.supervision_staff,
            };
            let id = tips::insert(conn, &row)?;
            cases::insert(
                conn,
                &cases::CaseFileRow {
                    tip_id: id,
                    acceptance_due: Some(acceptance_due),
                    ..Default::default()
                },
            )?;
            audit::append(
                self,
                conn,
                &NewEntry {
                    actor: "reporter",
                    action: "submit",
                    case_number: Some(case_number.as_str()),
                    detail: Some(&format!("{} {}", channel.as_str(), routing_note(&routing))),
                    ..NewEntry::default()
                },
            )?;
            let units: Vec<(String, &str)> = routing
                .assignments()
                .into_iter()
                .map(|(unit, role)| (unit, role.as_str()))
                .collect();
            tips::insert_units(conn, id, &units)?;
            for photo in photos {
                tips::insert_attachment(conn, id, photo.kind.content_type(), &photo.bytes, now)?;
            }
            // The photos kept from a refused form are now the tip's: forget the draft.
            if let Some(token) = draft {
                crate::db::drafts::delete(conn, &super::drafts::token_hash(token))?;
            }
            tips::insert_event(conn, id, "submit", None, Some(channel.as_str()), now)?;
            let route_note = routing_note(&routing);
            tips::insert_event(conn, id, "route", None, Some(&route_note), now)?;
            // Each unit the tip is attached to hears of it (after commit, by the outbox).
            let mut ctx = self.case_mail_context(case_number.as_str(), &routing.lead);
            ctx.insert("sector_zh", &tip.sector.name_zh);
            ctx.insert("sector_en", &tip.sector.name_en);
            ctx.insert("due", &acceptance_due.to_string());
            ctx.insert(
                "major",
                &(tip.severity == crate::domain::tip::Severity::Major),
            );
            for (unit, _) in routing.assignments() {
                if let Some(to) = self.unit_mailbox(&unit) {
                    let mut c = ctx.clone();
                    let unit_ctx = self.case_mail_context(case_number.as_str(), &unit);
                    c.insert("department_zh", &unit_ctx.get("department_zh"));
                    c.insert("department_en", &unit_ctx.get("department_en"));
                    self.queue_mail(conn, &to, "new_tip", &c)?;
                }
            }
            let received = Received {
                at: now,
                acceptance_due,
            };
            Ok((case_number, routing.clone(), received))
        })
    }
}

/// The history note of a routing: who leads, who co-handles, and a triage suggestion.
fn routing_note(r: &Routing) -> String {
    let mut note = format!("lead={}", r.lead);
    if !r.co_departments.is_empty() {
        note.push_str(&format!(" co={}", r.co_departments.join(",")));
    }
    if let Some(s) = &r.street {
        note.push_str(&format!(
            " street={s}{}",
            if r.street_co_handles {
                " (co-handler)"
            } else {
                ""
            }
        ));
    }
    if r.triage {
        note.push_str(" triage");
        if let Some(s) = &r.suggested_sector {
            note.push_str(&format!(" suggested={s}"));
        }
    }
    note
}

fn is_receipt_collision(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<DieselError>(),
            Some(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)) if info.message().contains("receipt_hash")
        )
    })
}
