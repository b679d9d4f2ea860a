//! Who is told what, by mail and by text (SMS): the department of a new tip, the department and
//! the coordinator when a limit is near or has passed (once, however many instances run), and
//! staff who opted in by text when it has passed; the new department of a transfer; the unit
//! of a case whose reporter wrote (a message or photos later); an
//! identified reporter when there is news, when a reward is approved and seven days before its
//! claim period ends, by mail if they gave an email and by text to their phone (without anything
//! of the case in either). Messages are queued in the outbox inside the transaction of the event;
//! [`Services::deliver_mail`] sends them after commit and retries failures; a number receives at
//! most `sms.per_recipient_daily` texts a day, counted in the database for every instance.

use super::ServiceError;
use super::names::Names;
use super::{ServiceResult, Services};
use crate::db::DbConn;
use crate::db::{outbox, tips};
use crate::domain::tip::ReporterIdentity;
use crate::domain::tip::TipId;
use crate::i18n::Lang;
use crate::sms::{SmsKind, Text};
use chrono::NaiveDate;
use tera::Context;

/// Contexts the recipient address is sealed under in the outbox.
const OUTBOX: &str = "outbox";

/// What a reporter is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReporterNews {
    /// Something changed on the case.
    News,
    /// A reward was approved; it may be claimed until the date.
    RewardApproved(NaiveDate),
    /// The claim period ends on the date (told seven days before).
    ClaimEnds(NaiveDate),
}

impl Services {
    /// Messages (mails, texts) in the outbox not yet sent, and how many seconds the oldest of
    /// them has waited (for `/metrics`).
    pub fn outbox_depth(&self) -> ServiceResult<(i64, Option<i64>)> {
        let mut c = self.db.read()?;
        let (count, oldest) = outbox::pending(&mut c)?;
        let now = self.clock.now().naive_utc();
        Ok((count, oldest.map(|t| (now - t).num_seconds().max(0))))
    }

    pub(super) fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.trim_end_matches('/'))
    }

    /// The mailbox of a department or sub-district, if it has one.
    pub fn unit_mailbox(&self, unit: &str) -> Option<String> {
        self.catalog
            .department(unit)
            .and_then(|d| d.email.clone())
            .or_else(|| self.catalog.street(unit).and_then(|s| s.email.clone()))
            .filter(|e| !e.trim().is_empty())
    }

    /// Queues a rendered mail to `to` inside the caller's transaction.
    pub fn queue_mail(
        &self,
        conn: &mut DbConn,
        to: &str,
        template: &str,
        ctx: &Context,
    ) -> ServiceResult<()> {
        let (subject, body) = self.mail_templates.render(template, ctx)?;
        let sealed = self.sealer.seal(to.as_bytes(), OUTBOX)?;
        outbox::enqueue(conn, &sealed, &subject, &body, self.now())?;
        Ok(())
    }

    /// The common context of a case mail.
    pub fn case_mail_context(&self, case_number: &str, unit: &str) -> Context {
        let mut ctx = Context::new();
        ctx.insert("case_number", case_number);
        ctx.insert("link", &self.link(&format!("/staff/tips/{case_number}")));
        for (key, lang) in [("department_zh", Lang::Zh), ("department_en", Lang::En)] {
            ctx.insert(key, &Names::new(&self.catalog, lang).unit(unit));
        }
        ctx
    }

    /// Queues a text to `phone` inside the caller's transaction: the number sealed, its keyed
    /// hash (to count its texts), the notice's kind and parameters. A piece of news to a number
    /// that still has one waiting is not queued twice: it would say the same.
    pub fn queue_text(
        &self,
        conn: &mut DbConn,
        phone: &str,
        kind: SmsKind,
        params: &[(&str, String)],
    ) -> ServiceResult<()> {
        let key = self.keyed_hash("sms", phone);
        if kind == SmsKind::News && outbox::text_waiting(conn, &key, kind.as_ref())? {
            return Ok(());
        }
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        let text = kind.text(&self.sms.sign_name, &params);
        let params = serde_json::to_string(&params).map_err(anyhow::Error::from)?;
        let sealed = self.sealer.seal(phone.as_bytes(), OUTBOX)?;
        let new = outbox::NewText {
            recipient_sealed: &sealed,
            recipient_key: &key,
            kind: kind.as_ref(),
            text: &text,
            params: &params,
        };
        outbox::enqueue_text(conn, &new, self.now())?;
        Ok(())
    }

    /// Tells an identified reporter that there is news (inside the transaction).
    pub fn tell_reporter(
        &self,
        conn: &mut DbConn,
        case_number: &str,
        sealed_identity: Option<&[u8]>,
    ) -> ServiceResult<()> {
        self.tell_reporter_of(conn, case_number, sealed_identity, ReporterNews::News)
    }

    /// Tells an identified reporter (inside the transaction): by mail if they gave an email
    /// (that there is news), by text to their phone (the news, or the reward's claim deadline);
    /// neither says anything of the case, they look it up with the receipt.
    pub fn tell_reporter_of(
        &self,
        conn: &mut DbConn,
        case_number: &str,
        sealed_identity: Option<&[u8]>,
        news: ReporterNews,
    ) -> ServiceResult<()> {
        let Some(sealed) = sealed_identity else {
            return Ok(());
        };
        let plain = self.sealer.open(sealed, case_number)?;
        let id: ReporterIdentity =
            serde_json::from_slice(&plain).map_err(|e| anyhow::anyhow!("identity: {e}"))?;
        let site = self.link("/track");
        if let Some(email) = id.email.filter(|e| !e.trim().is_empty()) {
            let mut ctx = Context::new();
            ctx.insert("link", &site);
            self.queue_mail(conn, &email, "reporter_news", &ctx)?;
        }
        let (kind, deadline) = match news {
            ReporterNews::News => (SmsKind::News, None),
            ReporterNews::RewardApproved(d) => (SmsKind::Reward, Some(d)),
            ReporterNews::ClaimEnds(d) => (SmsKind::ClaimReminder, Some(d)),
        };
        let mut params = Vec::new();
        if let Some(d) = deadline {
            params.push(("deadline", d.to_string()));
        }
        params.push(("site", site));
        self.queue_text(conn, id.phone.as_str(), kind, &params)
    }

    /// Tells the case's unit, by mail, that its reporter wrote (a message or photos): the case
    /// number and a link, nothing of what they wrote.
    pub(super) fn tell_unit_reporter_wrote(
        &self,
        conn: &mut DbConn,
        tip_id: TipId,
        photos: bool,
    ) -> ServiceResult<()> {
        let tip = tips::find(conn, tip_id)?.ok_or(ServiceError::NotFound)?;
        if let Some(to) = self.unit_mailbox(&tip.department) {
            let mut ctx = self.case_mail_context(&tip.case_number, &tip.department);
            ctx.insert("photos", &photos);
            self.queue_mail(conn, &to, "reporter_wrote", &ctx)?;
        }
        Ok(())
    }

    /// Sends what is due in the outbox, mail and texts; returns how many went out. Safe to run
    /// on several instances at once: each message is claimed by one. Texts beyond this
    /// instance's hourly allowance wait for a later round.
    pub fn deliver_mail(&self) -> ServiceResult<usize> {
        let due = {
            let mut reader = self.db.read()?;
            outbox::due(&mut reader, self.now(), 50)?
        };
        let mut sent = 0;
        for (id, channel) in due {
            if channel == outbox::SMS && self.sms_allowance.check().is_err() {
                continue;
            }
            // One message's trouble never stops the others.
            match self.deliver_one(id) {
                Ok(true) => sent += 1,
                Ok(false) => {}
                Err(e) => tracing::error!(id, error = ?e, "an outbox message could not be handled"),
            }
        }
        Ok(sent)
    }

    /// Claims and sends one message; `Ok(false)` when another instance has it or it failed (and
    /// will be retried).
    fn deliver_one(&self, id: i64) -> ServiceResult<bool> {
        let now = self.now();
        let claim_until = now + chrono::Duration::minutes(5);
        let Some(row) = self
            .db
            .write(|c| -> ServiceResult<_> { Ok(outbox::claim(c, id, now, claim_until)?) })?
        else {
            return Ok(false);
        };
        let to = String::from_utf8(self.sealer.open(&row.recipient_sealed, OUTBOX)?.to_vec())
            .map_err(|e| anyhow::anyhow!("recipient: {e}"))?;
        let outcome = if row.channel == outbox::SMS {
            match self.send_text(&row, &to)? {
                Some(outcome) => outcome,
                None => return Ok(false),
            }
        } else {
            self.mailer
                .send(&self.mail_from, &to, &row.subject, &row.body)
                .map_err(|e| crate::mail::error_class(&e).to_owned())
        };
        match outcome {
            Ok(()) => {
                self.db.write(|c| -> ServiceResult<()> {
                    Ok(outbox::mark_sent(c, id, self.now())?)
                })?;
                Ok(true)
            }
            Err(class) => {
                // 1, 2, 4 … minutes, at most six hours between attempts. The error's text may
                // quote the recipient (a server's "550 <address>: rejected"): only its class is
                // kept or logged.
                let delay = chrono::Duration::minutes(1i64 << row.attempts.clamp(0, 9))
                    .min(chrono::Duration::hours(6));
                let failing = row.attempts >= i32::try_from(self.sms.failing_after).unwrap_or(5);
                tracing::warn!(
                    id,
                    channel = row.channel,
                    attempts = row.attempts,
                    class,
                    failing,
                    "not delivered; will retry"
                );
                self.db.write(|c| -> ServiceResult<()> {
                    Ok(outbox::mark_failed(c, id, self.now() + delay, &class)?)
                })?;
                Ok(false)
            }
        }
    }

    /// Sends one claimed text within its number's daily limit: `None` when the number had its
    /// texts for the (local) day, and the text waits for the next; else the gateway's outcome
    /// (a failed text gives its slot back).
    fn send_text(
        &self,
        row: &outbox::OutboxRow,
        to: &str,
    ) -> ServiceResult<Option<Result<(), String>>> {
        let key = row.recipient_key.clone().unwrap_or_default();
        let day = self.today();
        let limit = i32::try_from(self.sms.per_recipient_daily).unwrap_or(i32::MAX);
        let took = self.db.write(|c| -> ServiceResult<bool> {
            Ok(outbox::take_text_slot(c, &key, day, limit)?)
        })?;
        if !took {
            let (_, tomorrow) = self.utc_bounds(day, day);
            tracing::info!(id = row.id, "a number had its texts for the day; one waits");
            self.db.write(|c| -> ServiceResult<()> {
                Ok(outbox::defer(
                    c,
                    row.id,
                    tomorrow,
                    "sms: daily limit of the number",
                )?)
            })?;
            return Ok(None);
        }
        let kind: SmsKind = row
            .subject
            .parse()
            .map_err(|_| anyhow::anyhow!("outbox {}: unknown text kind", row.id))?;
        let params: Vec<(String, String)> =
            serde_json::from_str(row.params.as_deref().unwrap_or("[]"))
                .map_err(|e| anyhow::anyhow!("outbox {}: parameters: {e}", row.id))?;
        let text = Text {
            to,
            kind,
            params: &params,
            id: row.id,
        };
        let outcome = self.texter.send(&text).map_err(|e| e.class());
        if outcome.is_err() {
            self.db.write(|c| -> ServiceResult<()> {
                Ok(outbox::give_back_text_slot(c, &key, day)?)
            })?;
        }
        Ok(Some(outcome))
    }

    /// Removes delivered messages older than thirty days (their recipients are sealed, but what
    /// is not kept cannot leak).
    pub fn purge_sent_mail(&self) -> ServiceResult<usize> {
        let cutoff = self.now() - chrono::Duration::days(30);
        let day = self.today() - chrono::Duration::days(2);
        self.db.write(|c| {
            outbox::purge_text_counts(c, day)?;
            Ok(outbox::purge_sent(c, cutoff)?)
        })
    }
}
