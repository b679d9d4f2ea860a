//! Following a tip with its receipt. The receipt is hashed (slow, keyed) before anything is
//! looked up, so an unknown receipt costs the same work as a known one and answers the same way
//! as a malformed one.

use super::names::Names;
use super::{ServiceError, ServiceResult, Services};
use crate::db::{self, tips};
use crate::domain::deadlines::Limit;
use crate::domain::photo::{CleanPhoto, MAX_PHOTOS};
use crate::domain::receipt::Receipt;
use crate::domain::status::Status;
use crate::domain::timeline::{self, TimelineStep, TipOutcome};
use crate::domain::tip::{MESSAGE_LEN, text_field};
use crate::i18n::{local_date, local_datetime};
use crate::services::cases::deadlines_of;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::Serialize;

/// A message of the tip as its reporter sees it (the /track answer's `messages`).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct TrackedMessage {
    #[serde(rename = "from", serialize_with = "crate::domain::json::sender")]
    #[schema(value_type = crate::domain::json::Sender)]
    pub from_staff: bool,
    pub body: String,
    #[serde(serialize_with = "crate::domain::json::rfc3339")]
    #[schema(value_type = String)]
    pub at: DateTime<Utc>,
}

/// One step of the tip's course, and its day (local to the deployment).
#[derive(Debug, Clone, Copy, serde::Serialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    pub step: TimelineStep,
    /// `YYYY-MM-DD`
    #[schema(value_type = String, format = Date)]
    pub at: NaiveDate,
}

#[derive(Debug)]
pub struct TrackedTip {
    pub case_number: String,
    pub status: Status,
    pub department: String,
    pub submitted_at: DateTime<Utc>,
    pub messages: Vec<TrackedMessage>,
    /// The time limit the case runs against now (acceptance, verification, feedback,
    /// rectification) and its last day.
    pub next_due: Option<(Limit, NaiveDate)>,
    pub reward: Option<crate::services::rewards::ReporterReward>,
    /// The steps it went through, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// What came of it, once decided.
    pub outcome: Option<TipOutcome>,
    /// What staff wrote for the reporter with the outcome: the reason it was not taken up, or
    /// the verification's finding (never a history note).
    pub outcome_text: Option<String>,
    /// The case's content was erased by the retention job.
    pub content_erased: bool,
}

/// The tip as the follow-up page shows it: where it stands, what comes next and by when, the
/// messages and the reward, in the reporter's language.
#[derive(Serialize)]
pub struct TipInWords {
    case_number: String,
    status_label: String,
    status_next: String,
    department: String,
    submitted: String,
    due_label: String,
    due: String,
    messages: Vec<MessageInWords>,
    /// The reward, when there is one: its state in words, amount and claim deadline.
    reward: Option<RewardInWords>,
    content_erased: bool,
    timeline: Vec<StepInWords>,
    /// The outcome in words, and what staff wrote with it.
    outcome: String,
    outcome_text: String,
}

#[derive(Serialize)]
struct StepInWords {
    label: String,
    at: String,
}

#[derive(Serialize)]
struct RewardInWords {
    label: String,
    amount: String,
    deadline: String,
    claimable: bool,
}

#[derive(Serialize)]
struct MessageInWords {
    from_staff: bool,
    body: String,
    at: String,
}

impl TrackedTip {
    pub fn in_words(&self, names: Names, offset: FixedOffset) -> TipInWords {
        let (t, lang) = (self, names.lang);
        TipInWords {
            case_number: t.case_number.clone(),
            content_erased: t.content_erased,
            status_label: lang.t(&format!("status-{}", t.status)),
            status_next: lang.t(&format!("status-{}-next", t.status)),
            department: names.unit(&t.department),
            submitted: local_datetime(t.submitted_at, offset, lang),
            // The reporter's words for a limit (预计答复日期), not the staff's (反馈期限).
            due_label: (t.next_due)
                .map(|(l, _)| lang.t(&format!("track-due-{}", l.as_str())))
                .unwrap_or_default(),
            timeline: (t.timeline.iter())
                .map(|e| StepInWords {
                    label: lang.t(&format!("track-step-{}", e.step)),
                    at: local_date(e.at, lang),
                })
                .collect(),
            outcome: (t.outcome)
                .map(|o| lang.t(&format!("track-outcome-{o}")))
                .unwrap_or_default(),
            outcome_text: t.outcome_text.clone().unwrap_or_default(),
            due: (t.next_due)
                .map(|(_, d)| local_date(d, lang))
                .unwrap_or_default(),
            reward: t.reward.as_ref().map(|r| RewardInWords {
                label: lang.t(&format!("reward-{}", r.status)),
                amount: r.amount.map(|a| a.to_string()).unwrap_or_default(),
                deadline: (r.claim_deadline)
                    .map(|d| local_date(d, lang))
                    .unwrap_or_default(),
                claimable: r.claimable,
            }),
            messages: (t.messages.iter())
                .map(|m| MessageInWords {
                    from_staff: m.from_staff,
                    body: match m.from_staff {
                        true => super::audit_words::message_in_words(lang, &m.body),
                        false => m.body.clone(),
                    },
                    at: local_datetime(m.at, offset, lang),
                })
                .collect(),
        }
    }
}

impl Services {
    /// Runs `f` off the async workers with the lookup hash of a receipt as typed, for every use
    /// case that takes a receipt; a malformed receipt is not found, after the same time as a
    /// well-formed unknown one.
    pub(crate) async fn with_receipt<T: Send + 'static>(
        &self,
        typed: &str,
        f: impl FnOnce(Services, String) -> ServiceResult<T> + Send + 'static,
    ) -> ServiceResult<T> {
        let hash = self
            .receipt_lookup_hash(typed)
            .await?
            .ok_or(ServiceError::NotFound)?;
        self.blocking(move |s| f(s, hash)).await
    }

    /// The tip a receipt's look-up hash names, looked up on a reader so an unknown receipt
    /// never takes the writer.
    fn tip_with_receipt_hash(&self, hash: &str) -> ServiceResult<crate::domain::tip::TipId> {
        let mut reader = self.db.read()?;
        Ok(tips::find_by_receipt_hash(&mut reader, hash)?
            .ok_or(ServiceError::NotFound)?
            .id)
    }

    /// Hashes a receipt as typed. A malformed receipt is hashed too (as all zeros) so its
    /// answer takes as long as a well-formed unknown one.
    async fn receipt_lookup_hash(&self, typed: &str) -> ServiceResult<Option<String>> {
        let parsed = Receipt::parse(typed);
        let probe = parsed
            .clone()
            .unwrap_or_else(|| Receipt::from_random_bytes(|| 0));
        let hash = self.hasher.receipt_hash(probe).await?;
        Ok(parsed.map(|_| hash))
    }

    #[tracing::instrument(skip_all)]
    pub async fn track(&self, receipt: &str) -> ServiceResult<TrackedTip> {
        self.with_receipt(receipt, move |s, hash| {
            let mut conn = s.db.read()?;
            let tip =
                tips::find_by_receipt_hash(&mut conn, &hash)?.ok_or(ServiceError::NotFound)?;
            let messages = tips::messages_of(&mut conn, tip.id)?
                .into_iter()
                .map(|m| TrackedMessage {
                    from_staff: m.sender == "staff",
                    body: m.body,
                    at: db::to_utc(m.created_at),
                })
                .collect();
            let file = crate::db::cases::get(&mut conn, tip.id)?;
            let next_due = deadlines_of(&file).current(tip.status);
            let reward = s.reporter_reward(&mut conn, tip.id)?;
            let events = tips::events_of(&mut conn, tip.id)?;
            let timeline = (events.iter())
                .filter_map(|e| {
                    let at = db::to_utc(e.created_at)
                        .with_timezone(&s.offset)
                        .date_naive();
                    timeline::step_of(&e.action).map(|step| TimelineEntry { step, at })
                })
                .collect();
            let outcome = timeline::outcome(tip.status, events.iter().map(|e| e.action.as_str()));
            let outcome_text = match outcome {
                Some(TipOutcome::Rejected) => file.reject_reason,
                Some(TipOutcome::Substantiated | TipOutcome::Unsubstantiated) => file.finding,
                Some(TipOutcome::Duplicate) | None => None,
            };
            Ok(TrackedTip {
                reward,
                next_due,
                timeline,
                outcome,
                outcome_text,
                content_erased: tip.content_erased_at.is_some(),
                case_number: tip.case_number,
                status: tip.status,
                department: tip.department,
                submitted_at: db::to_utc(tip.submitted_at),
                messages,
            })
        })
        .await
    }

    /// The reporter answers or adds to their tip. The body is checked before the receipt is
    /// hashed, so a bad message is reported as such (422) whatever the receipt.
    #[tracing::instrument(skip_all)]
    pub async fn reporter_message(&self, receipt: &str, body: &str) -> ServiceResult<()> {
        let body = text_field("body", Some(body), MESSAGE_LEN)?;
        self.with_receipt(receipt, move |s, hash| {
            let tip_id = s.tip_with_receipt_hash(&hash)?;
            s.db.write(|conn| -> ServiceResult<()> {
                let tip = tips::find(conn, tip_id)?.ok_or(ServiceError::NotFound)?;
                let now = s.now();
                tips::insert_message(conn, tip.id, "reporter", None, &body, now)?;
                tips::insert_event(conn, tip.id, "reporter_message", None, None, now)?;
                s.tell_unit_reporter_wrote(conn, tip.id, false)
            })
        })
        .await
    }

    /// Photos the reporter adds later (one to five, already stripped of their metadata), kept
    /// with the tip marked as added later; the case's unit hears of it. Answers how many were
    /// stored.
    #[tracing::instrument(skip_all)]
    pub async fn reporter_photos(
        &self,
        receipt: &str,
        photos: Vec<CleanPhoto>,
    ) -> ServiceResult<usize> {
        if photos.is_empty() {
            return Err(ServiceError::field("photo", "photo_required"));
        }
        if photos.len() > MAX_PHOTOS {
            return Err(ServiceError::field("photo", "photo_count"));
        }
        self.with_receipt(receipt, move |s, hash| {
            let tip_id = s.tip_with_receipt_hash(&hash)?;
            s.db.write(|conn| -> ServiceResult<usize> {
                let now = s.now();
                for p in &photos {
                    tips::insert_attachment(
                        conn,
                        tip_id,
                        p.kind.content_type(),
                        &p.bytes,
                        now,
                        true,
                    )?;
                }
                let note = photos.len().to_string();
                tips::insert_event(conn, tip_id, "reporter_photos", None, Some(&note), now)?;
                s.tell_unit_reporter_wrote(conn, tip_id, true)?;
                Ok(photos.len())
            })
        })
        .await
    }
}
