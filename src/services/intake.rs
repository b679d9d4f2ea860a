//! Taking a tip in: check it, route it, seal the reporter's identity, give it a case number and
//! a receipt, and store it with its routing and first history entries in one transaction. Once
//! this returns, the tip is committed (SQLite `synchronous=FULL` by default: on disk).

use super::audit;
use super::auth::Staff;
use super::names::Names;
use super::{ServiceError, ServiceResult, Services};
use crate::db::audit::NewEntry;
use crate::db::{cases, submissions, tips};
use crate::domain::FieldError;
use crate::domain::access::Permission;
use crate::domain::case_number::CaseNumber;
use crate::domain::catalog::Routing;
use crate::domain::photo::CleanPhoto;
use crate::domain::receipt::Receipt;
use crate::domain::status::Status;
use crate::domain::tip::{Channel, NewTip, TipInput};
use crate::i18n::{local_date, local_datetime};
use crate::secrets;
use anyhow::Context;
use chrono::{Datelike, FixedOffset, NaiveDate, NaiveDateTime, SubsecRound};
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

/// The receipt page in the reporter's language: when the tip came in, who handles it, and the
/// text of the file the page offers to download (made in the page, nothing kept).
pub struct ReceiptInWords {
    pub receipt: String,
    pub submitted: String,
    pub department: String,
    pub street: String,
    pub acceptance_due: String,
    /// Where to follow the tip up: the site's `/track` page (from `public_url`).
    pub track_url: String,
    pub file: String,
}

impl Submitted {
    /// `site` is the deployment's `public_url`: the receipt says where to use it.
    pub fn in_words(&self, names: Names, offset: FixedOffset, site: &str) -> ReceiptInWords {
        let lang = names.lang;
        let track_url = format!("{}/track", site.trim_end_matches('/'));
        let submitted = local_datetime(self.received.at.and_utc(), offset, lang);
        let department = names.unit(&self.routing.lead);
        let receipt = self.receipt.grouped();
        let file = format!(
            "{}\r\n\r\n{}: {}\r\n{}: {}\r\n{}: {}\r\n{}: {}\r\n{}: {}\r\n\r\n{}\r\n{}\r\n",
            lang.t("receipt-file-title"),
            lang.t("receipt-case-label"),
            self.case_number,
            lang.t("track-receipt"),
            receipt,
            lang.t("receipt-date"),
            submitted,
            lang.t("receipt-department"),
            department,
            lang.t("receipt-site"),
            track_url,
            lang.t("receipt-file-how"),
            lang.t("receipt-file-keep"),
        );
        ReceiptInWords {
            street: (self.routing.street.as_deref())
                .map(|st| names.unit(st))
                .unwrap_or_default(),
            acceptance_due: local_date(self.received.acceptance_due, lang),
            track_url,
            receipt,
            submitted,
            department,
            file,
        }
    }
}

/// When a stored tip came in, and the day its acceptance decision is due.
#[derive(Debug, Clone, Copy)]
pub struct Received {
    pub at: NaiveDateTime,
    pub acceptance_due: NaiveDate,
}

/// Who took a tip in and when it was received, when that is not "a reporter, now": staff taking
/// a call, a letter or a visit (time limits count from `at`), the demo's back-dated tips.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub at: Option<NaiveDateTime>,
    /// The staff member who took it (the audit entry's actor).
    pub by: Option<String>,
    /// The outlet, letter number or hotline ticket.
    pub source_note: Option<String>,
}

/// What staff add to a tip they take in (API.md, "Staff: intake on behalf").
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TakenTip {
    /// `hotline_12345` | `hotline_12350` | `letter` | `visit` | `media` |
    /// `leader_instruction` | `referral` | `other`
    pub channel: String,
    /// RFC 3339; not in the future, at most 366 days ago. Time limits count from it.
    pub received_at: Option<String>,
    /// The outlet, letter number or hotline ticket (up to 200 characters).
    pub source_note: Option<String>,
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
        Ok(SubmissionKey(hex::encode(secrets::random_bytes::<18>()?)))
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
        let replay = once.map(|o| (Arc::new(o), input));
        self.store_with_receipt(tip, channel, (photos, draft), replay, Origin::default())
            .await
    }

    /// Stores a checked tip under a fresh receipt. A receipt collision is astronomically
    /// unlikely (1 in 10^16 per pair) but would violate the unique index: draw again rather
    /// than fail the reporter. With a submission key, another request that stored it first
    /// is answered as it was.
    async fn store_with_receipt(
        &self,
        tip: NewTip,
        channel: Channel,
        (photos, draft): (Arc<Vec<CleanPhoto>>, Option<String>),
        replay: Option<(Arc<Once>, TipInput)>,
        origin: Origin,
    ) -> ServiceResult<Submitted> {
        let once = replay.as_ref().map(|(o, _)| o.clone());
        let origin = Arc::new(origin);
        for _ in 0..3 {
            let receipt = secrets::new_receipt()?;
            let hash = self.hasher.receipt_hash(receipt.clone()).await?;
            let (tip, photos, draft) = (tip.clone(), photos.clone(), draft.clone());
            let (stored_once, sent, count) = (once.clone(), receipt.clone(), photos.len());
            let origin = origin.clone();
            match self
                .blocking(move |s| {
                    let once = stored_once.as_deref().map(|o| (o, &sent));
                    s.store(
                        &tip,
                        &hash,
                        channel,
                        (&photos, draft.as_deref()),
                        (&origin, once),
                    )
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
                    if let Some((once, input)) = &replay
                        && let Some(replayed) = self.replay(once, input).await?
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

    /// A tip taken by staff on behalf of a caller, a letter, a visit, the media, a leader's
    /// instruction or a referral: the channel, when it was received (time limits count from
    /// it; not in the future, at most 366 days ago) and where it came from. Not limited per
    /// address; the audit entry names the staff member. The receipt is shown this once, to read
    /// back to the caller or print on the slip.
    pub async fn take_tip(
        &self,
        staff: &Staff,
        input: TipInput,
        taken: TakenTip,
    ) -> ServiceResult<Submitted> {
        if !staff.may(Permission::WorkCases) {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let mut errors = Vec::new();
        let channel = taken
            .channel
            .trim()
            .parse::<Channel>()
            .ok()
            .filter(|c| Channel::TAKEN_BY_STAFF.contains(c));
        if channel.is_none() {
            errors.push(FieldError::new("channel", "unknown_channel"));
        }
        let received = match taken.received_at.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(FieldError::new("received_at", "required"));
                None
            }
            Some(t) => match chrono::DateTime::parse_from_rfc3339(t) {
                Ok(t) if t > now + chrono::Duration::minutes(5) => {
                    errors.push(FieldError::new("received_at", "received_in_future"));
                    None
                }
                Ok(t) if t < now - chrono::Duration::days(366) => {
                    errors.push(FieldError::new("received_at", "received_too_old"));
                    None
                }
                Ok(t) => Some(crate::db::timestamp(t.with_timezone(&chrono::Utc))),
                Err(_) => {
                    errors.push(FieldError::new("received_at", "bad_time"));
                    None
                }
            },
        };
        let note = taken
            .source_note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        let source_note = match note {
            Some(n) => crate::domain::tip::text_field("source_note", Some(n), (1, 200))
                .map_err(|e| errors.push(e))
                .ok(),
            None => None,
        };
        let tip = NewTip::parse(&input, &self.catalog, now).map_err(|mut e| {
            e.append(&mut errors);
            ServiceError::Validation(e)
        })?;
        let (Some(channel), Some(at)) = (channel, received) else {
            return Err(ServiceError::Validation(errors));
        };
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let origin = Origin {
            at: Some(at),
            by: Some(staff.username.clone()),
            source_note,
        };
        self.store_with_receipt(tip, channel, (Arc::default(), None), None, origin)
            .await
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
        let seal = secrets::SecretKey::from_material(
            material.as_bytes(),
            "submission receipt",
            self.suite,
        )?;
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

    /// Stores a checked tip as received at `at` (blocking; the demo's back-dated tips).
    pub(crate) fn store_tip(
        &self,
        tip: &NewTip,
        receipt_hash: &str,
        channel: Channel,
        photos: &[CleanPhoto],
        draft: Option<&str>,
        at: Option<NaiveDateTime>,
    ) -> ServiceResult<(CaseNumber, Routing, Received)> {
        let origin = Origin {
            at,
            ..Origin::default()
        };
        self.store(tip, receipt_hash, channel, (photos, draft), (&origin, None))
    }

    /// Stores a checked tip (blocking), with its submission key and the answer sealed under it
    /// in the same transaction when there is one.
    fn store(
        &self,
        tip: &NewTip,
        receipt_hash: &str,
        channel: Channel,
        (photos, draft): (&[CleanPhoto], Option<&str>),
        (origin, once): (&Origin, Option<(&Once, &Receipt)>),
    ) -> ServiceResult<(CaseNumber, Routing, Received)> {
        let routing = self
            .catalog
            .route(&tip.sector, tip.street.as_deref(), &tip.description);
        self.db.write(|conn| -> ServiceResult<_> {
            // The time is taken once the writer is ours, so times follow case numbers.
            let now = origin.at.unwrap_or_else(|| self.now());
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
                source_note: origin.source_note.as_deref(),
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
                    actor: origin.by.as_deref().unwrap_or("reporter"),
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
                tips::insert_attachment(
                    conn,
                    id,
                    photo.kind.content_type(),
                    &photo.bytes,
                    now,
                    false,
                )?;
            }
            // The photos kept from a refused form are now the tip's: forget the draft.
            if let Some(token) = draft {
                crate::db::drafts::delete(conn, &super::drafts::token_hash(self.suite, token))?;
            }
            let by = origin.by.as_deref();
            tips::insert_event(conn, id, "submit", by, Some(channel.as_str()), now)?;
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
