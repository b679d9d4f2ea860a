//! Taking a tip in: check it, route it, seal the reporter's identity, give it a case number and
//! a receipt, and store it with its routing and first history entries in one transaction. Once
//! this returns, the tip is committed (SQLite `synchronous=FULL` by default: on disk).

use super::audit;
use super::{ServiceError, ServiceResult, Services};
use crate::db::audit::NewEntry;
use crate::db::{cases, submissions, tips};
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
    /// The photos stored with it.
    pub photos: usize,
}

/// When a stored tip came in, and the day its acceptance decision is due.
#[derive(Debug, Clone, Copy)]
pub struct Received {
    pub at: NaiveDateTime,
    pub acceptance_due: NaiveDate,
}

/// How long a submission key answers with the same receipt.
pub const REPLAY_HOURS: i64 = 2;

/// A submission key: the `Idempotency-Key` header, or the report form's `submission_id`.
#[derive(Clone)]
pub struct SubmissionKey(String);

impl SubmissionKey {
    /// 8 to 64 characters of `[A-Za-z0-9_-]` (API.md), else a field error.
    pub fn parse(field: &'static str, text: &str) -> Result<SubmissionKey, ServiceError> {
        let ok = (8..=64).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(SubmissionKey(text.to_owned()))
        } else {
            Err(ServiceError::field(field, "bad_submission_key"))
        }
    }

    /// A fresh one, for the form to carry.
    pub fn new_random() -> anyhow::Result<SubmissionKey> {
        let bytes = secrets::random_bytes::<18>()?;
        Ok(SubmissionKey(
            bytes.iter().map(|b| format!("{b:02x}")).collect(),
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SubmissionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SubmissionKey(<redacted>)")
    }
}

/// What a replayed submission answers again, sealed under its key.
#[derive(serde::Serialize, serde::Deserialize)]
struct Replay {
    case_number: String,
    receipt: String,
    at: NaiveDateTime,
    acceptance_due: NaiveDate,
    photos: usize,
}

/// A submission key as stored and used: its keyed hash (the only trace in the database), the
/// keyed hash of the body sent with it, and the key that seals the answer.
struct Once {
    lookup: String,
    body: String,
    seal: secrets::Sealer,
}

impl Services {
    /// Checks and stores a tip.
    pub async fn submit_tip(
        &self,
        input: TipInput,
        channel: Channel,
        photos: Arc<Vec<CleanPhoto>>,
        draft: Option<String>,
    ) -> ServiceResult<Submitted> {
        self.submit_tip_once(input, channel, photos, draft, None)
            .await
    }

    /// Checks and stores a tip once per submission key: the same key again within
    /// [`REPLAY_HOURS`] answers the first submission's case number and receipt and stores
    /// nothing; with another body it is refused (422 `idempotency_key`).
    #[tracing::instrument(skip_all, fields(channel = channel.as_str()))]
    pub async fn submit_tip_once(
        &self,
        input: TipInput,
        channel: Channel,
        photos: Arc<Vec<CleanPhoto>>,
        draft: Option<String>,
        key: Option<SubmissionKey>,
    ) -> ServiceResult<Submitted> {
        let once = match &key {
            None => None,
            Some(k) => Some(self.once(k, &input)?),
        };
        if let Some(once) = &once
            && let Some(replayed) = self.replay(once, &input).await?
        {
            return Ok(replayed);
        }
        let tip = NewTip::parse(&input, &self.catalog, self.clock.now())
            .map_err(ServiceError::Validation)?;
        // A receipt collision is astronomically unlikely (1 in 10^16 per pair) but would
        // violate the unique index: draw again rather than fail the reporter.
        let once = once.map(Arc::new);
        for _ in 0..3 {
            let receipt = secrets::new_receipt()?;
            let hash = self.hasher.receipt_hash(receipt.clone()).await?;
            let (tip, photos, draft) = (tip.clone(), photos.clone(), draft.clone());
            let (stored_once, sent, count) = (once.clone(), receipt.clone(), photos.len());
            match self
                .blocking(move |s| {
                    let once = stored_once.as_deref().map(|o| (o, &sent));
                    s.store_tip_once(&tip, &hash, channel, (&photos, draft.as_deref()), once)
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
                        photos: count,
                    });
                }
                Err(ServiceError::Internal(e)) if is_receipt_collision(&e) => continue,
                // Another request with the same key was stored first: answer as it did.
                Err(ServiceError::Conflict("submission_taken")) => {
                    if let Some(once) = &once
                        && let Some(replayed) = self.replay(once, &input).await?
                    {
                        return Ok(replayed);
                    }
                    continue;
                }
                Err(e) => return Err(e),
            }
        }
        Err(ServiceError::Internal(anyhow::anyhow!(
            "three receipt collisions in a row"
        )))
    }

    /// The first answer to a submission key within the window, if any (a reload of the
    /// receipt page); a key used with another body answers nothing here.
    pub async fn replayed(
        &self,
        key: SubmissionKey,
        input: TipInput,
    ) -> ServiceResult<Option<Submitted>> {
        let once = self.once(&key, &input)?;
        match self.replay(&once, &input).await {
            Err(ServiceError::Validation(_)) => Ok(None),
            other => other,
        }
    }

    /// Forgets the submission keys past their window (background job).
    pub fn purge_submissions(&self) -> ServiceResult<usize> {
        let before = self.now() - chrono::Duration::hours(REPLAY_HOURS);
        self.db
            .write(|conn| -> ServiceResult<usize> { Ok(submissions::purge(conn, before)?) })
    }

    /// A submission key's hashes and sealing key for this body.
    fn once(&self, key: &SubmissionKey, input: &TipInput) -> ServiceResult<Once> {
        let body = serde_json::to_string(input).map_err(|e| anyhow::anyhow!("a tip body: {e}"))?;
        let material = self.keyed_hash("submission-seal", key.as_str());
        let seal = secrets::SecretKey::from_material(material.as_bytes(), "submission receipt")?;
        Ok(Once {
            lookup: self.keyed_hash("submission", key.as_str()),
            body: self.keyed_hash("submission-body", &body),
            seal: secrets::Sealer::new(&seal)?,
        })
    }

    /// The first answer to this submission key, if it came within the window: the same case
    /// number and receipt (its routing again from the same body); another body is refused.
    async fn replay(&self, once: &Once, input: &TipInput) -> ServiceResult<Option<Submitted>> {
        let since = self.now() - chrono::Duration::hours(REPLAY_HOURS);
        let lookup = once.lookup.clone();
        let found = self
            .blocking(move |s| {
                let mut r = s.db.read()?;
                Ok(submissions::find(&mut r, &lookup, since)?)
            })
            .await?;
        let Some((body, sealed)) = found else {
            return Ok(None);
        };
        if !secrets::constant_time_eq(body.as_bytes(), once.body.as_bytes()) {
            return Err(ServiceError::field(
                "idempotency_key",
                "idempotency_key_reused",
            ));
        }
        let json = once.seal.open(&sealed, &once.lookup)?;
        let r: Replay =
            serde_json::from_slice(&json).map_err(|e| anyhow::anyhow!("a sealed replay: {e}"))?;
        let tip = NewTip::parse(input, &self.catalog, self.clock.now())
            .map_err(ServiceError::Validation)?;
        let routing = self
            .catalog
            .route(&tip.sector, tip.street.as_deref(), &tip.description);
        let (Some(case_number), Some(receipt)) = (
            CaseNumber::parse(&r.case_number),
            Receipt::parse(&r.receipt),
        ) else {
            return Err(anyhow::anyhow!("a sealed replay that does not parse").into());
        };
        Ok(Some(Submitted {
            case_number,
            receipt,
            routing,
            received: Received {
                at: r.at,
                acceptance_due: r.acceptance_due,
            },
            photos: r.photos,
        }))
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
        self.store(tip, receipt_hash, channel, (photos, draft), (at, None))
    }

    /// Stores a checked tip now, with its submission key and the answer sealed under it in the
    /// same transaction (blocking).
    fn store_tip_once(
        &self,
        tip: &NewTip,
        receipt_hash: &str,
        channel: Channel,
        files: (&[CleanPhoto], Option<&str>),
        once: Option<(&Once, &Receipt)>,
    ) -> ServiceResult<(CaseNumber, Routing, Received)> {
        self.store(tip, receipt_hash, channel, files, (None, once))
    }

    fn store(
        &self,
        tip: &NewTip,
        receipt_hash: &str,
        channel: Channel,
        (photos, draft): (&[CleanPhoto], Option<&str>),
        (at, once): (Option<NaiveDateTime>, Option<(&Once, &Receipt)>),
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
            if let Some((once, receipt)) = once {
                let replay = zeroize::Zeroizing::new(
                    serde_json::to_vec(&Replay {
                        case_number: case_number.as_str().to_owned(),
                        receipt: receipt.digits(),
                        at: now,
                        acceptance_due,
                        photos: photos.len(),
                    })
                    .context("encoding a replay")?,
                );
                let sealed = once.seal.seal(&replay, &once.lookup)?;
                let since = now - chrono::Duration::hours(REPLAY_HOURS);
                let row = (once.lookup.as_str(), once.body.as_str(), sealed.as_slice());
                if !submissions::insert(conn, row, (now, since))? {
                    return Err(ServiceError::Conflict("submission_taken"));
                }
            }
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
