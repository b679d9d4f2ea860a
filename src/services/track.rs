//! Following a tip with its receipt. The receipt is hashed (slow, keyed) before anything is
//! looked up, so an unknown receipt costs the same work as a known one and answers the same way
//! as a malformed one.

use super::names::Names;
use super::{ServiceError, ServiceResult, Services};
use crate::db::{self, tips};
use crate::domain::deadlines::Limit;
use crate::domain::receipt::Receipt;
use crate::domain::status::Status;
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
            status_label: lang.t(&format!("status-{}", t.status)),
            status_next: lang.t(&format!("status-{}-next", t.status)),
            department: names.unit(&t.department),
            submitted: local_datetime(t.submitted_at, offset, lang),
            due_label: (t.next_due)
                .map(|(l, _)| lang.t(&format!("limit-{}", l.as_str())))
                .unwrap_or_default(),
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
            Ok(TrackedTip {
                reward,
                next_due,
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
            // Look first on a reader: an unknown receipt never takes the writer.
            let mut reader = s.db.read()?;
            let tip_id = tips::find_by_receipt_hash(&mut reader, &hash)?
                .ok_or(ServiceError::NotFound)?
                .id;
            drop(reader);
            s.db.write(|conn| -> ServiceResult<()> {
                let tip = tips::find(conn, tip_id)?.ok_or(ServiceError::NotFound)?;
                let now = s.now();
                tips::insert_message(conn, tip.id, "reporter", None, &body, now)?;
                tips::insert_event(conn, tip.id, "reporter_message", None, None, now)?;
                Ok(())
            })
        })
        .await
    }
}
