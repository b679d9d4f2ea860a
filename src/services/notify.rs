//! Who is told what, by mail: the department of a new tip, the department and the coordinator
//! when a limit is near or has passed (once, however many instances run), the new department of
//! a transfer, and an identified reporter who gave an email when there is news (without anything
//! of the case in the mail). Messages are queued in the outbox inside the transaction of the
//! event; [`Services::deliver_mail`] sends them after commit and retries failures.

use super::names::Names;
use super::{ServiceResult, Services};
use crate::db::DbConn;
use crate::db::outbox;
use crate::domain::tip::ReporterIdentity;
use crate::i18n::Lang;
use tera::Context;

/// Contexts the recipient address is sealed under in the outbox.
const OUTBOX: &str = "outbox";

impl Services {
    /// Mails in the outbox not yet sent (for `/metrics`).
    pub fn outbox_depth(&self) -> ServiceResult<i64> {
        let mut c = self.db.read()?;
        Ok(outbox::counts(&mut c)?.0)
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

    /// Tells an identified reporter with an email that there is news (inside the transaction).
    pub fn tell_reporter(
        &self,
        conn: &mut DbConn,
        case_number: &str,
        sealed_identity: Option<&[u8]>,
    ) -> ServiceResult<()> {
        let Some(sealed) = sealed_identity else {
            return Ok(());
        };
        let plain = self.sealer.open(sealed, case_number)?;
        let id: ReporterIdentity =
            serde_json::from_slice(&plain).map_err(|e| anyhow::anyhow!("identity: {e}"))?;
        if let Some(email) = id.email {
            let mut ctx = Context::new();
            ctx.insert("link", &self.link("/track"));
            self.queue_mail(conn, &email, "reporter_news", &ctx)?;
        }
        Ok(())
    }

    /// Sends what is due in the outbox; returns how many went out. Safe to run on several
    /// instances at once: each message is claimed by one.
    pub fn deliver_mail(&self) -> ServiceResult<usize> {
        let ids = {
            let mut reader = self.db.read()?;
            outbox::due(&mut reader, self.now(), 50)?
        };
        let mut sent = 0;
        for id in ids {
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
        match self
            .mailer
            .send(&self.mail_from, &to, &row.subject, &row.body)
        {
            Ok(()) => {
                self.db.write(|c| -> ServiceResult<()> {
                    Ok(outbox::mark_sent(c, id, self.now())?)
                })?;
                Ok(true)
            }
            Err(e) => {
                // 1, 2, 4 … minutes, at most six hours between attempts. The error's text may
                // quote the recipient (a server's "550 <address>: rejected"): only its class is
                // kept or logged.
                let delay = chrono::Duration::minutes(1i64 << row.attempts.clamp(0, 9))
                    .min(chrono::Duration::hours(6));
                let class = crate::mail::error_class(&e);
                tracing::warn!(
                    id,
                    attempts = row.attempts,
                    class,
                    "mail not delivered; will retry"
                );
                self.db.write(|c| -> ServiceResult<()> {
                    Ok(outbox::mark_failed(c, id, self.now() + delay, class)?)
                })?;
                Ok(false)
            }
        }
    }

    /// Removes delivered messages older than thirty days (their recipients are sealed, but what
    /// is not kept cannot leak).
    pub fn purge_sent_mail(&self) -> ServiceResult<usize> {
        let cutoff = self.now() - chrono::Duration::days(30);
        self.db.write(|c| Ok(outbox::purge_sent(c, cutoff)?))
    }
}
