//! Background work, run on every instance every `staff.jobs_interval_seconds`: deadline notices
//! (a warning before a limit passes; when it has passed, the case is marked overdue, the
//! department told and the coordinator alerted), mail delivery, and clean-up. Each notice is
//! recorded under a primary key (case, kind, date), so with several instances it goes out once.
//! Open hazards past their deadline are marked overdue the same way: each is marked once (the
//! update that marks it checks it is still unmarked), with its history row, audit entry and the
//! mail to the supervising department in the same transaction.

use super::audit;
use super::cases::deadlines_of;
use super::names::Names;
use super::{ServiceResult, Services};
use crate::db::audit::NewEntry;
use crate::db::tips::TipRow;
use crate::db::{DbConn, cases, hazards, outbox, staff, tips};
use crate::domain::deadlines::Limit;
use crate::domain::roles::Role;
use crate::i18n::Lang;
use crate::sms::SmsKind;
use chrono::{Duration, NaiveDate};

/// Days before a limit ends that its department is warned.
pub const WARN_DAYS: i64 = 2;

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct JobReport {
    pub warned: usize,
    pub escalated: usize,
    pub mailed: usize,
    /// Hazards marked overdue.
    pub hazards_overdue: usize,
}

impl Services {
    /// Warns of limits ending soon and escalates those that have passed, as of `today`.
    pub fn check_deadlines(&self, today: NaiveDate) -> ServiceResult<JobReport> {
        let mut report = JobReport::default();
        let (soon, late) = {
            let mut r = self.db.read()?;
            (
                cases::due_between(&mut r, today, today + Duration::days(WARN_DAYS))?,
                cases::newly_overdue(&mut r, today)?,
            )
        };
        for tip in soon {
            if self.notice(&tip, today, false)? {
                report.warned += 1;
            }
        }
        for tip in late {
            if self.notice(&tip, today, true)? {
                report.escalated += 1;
            }
        }
        Ok(report)
    }

    /// One notice in one transaction; `true` when this instance sent it.
    fn notice(&self, tip: &TipRow, today: NaiveDate, overdue: bool) -> ServiceResult<bool> {
        self.db.write(|conn| -> ServiceResult<bool> {
            cases::lock_tip(conn, tip.id)?;
            let Some(tip) = tips::find(conn, tip.id)? else {
                return Ok(false);
            };
            let status = tip.status;
            let file = cases::get(conn, tip.id)?;
            let Some((limit, due)) = deadlines_of(&file).current(status) else {
                return Ok(false);
            };
            if overdue != (due < today) {
                return Ok(false);
            }
            let kind = format!(
                "{}:{}",
                if overdue { "overdue" } else { "due_soon" },
                limit.as_str()
            );
            let now = self.now();
            if overdue {
                cases::mark_overdue(conn, tip.id)?;
            }
            if !outbox::record_notice(conn, tip.id, &kind, due, now)? {
                return Ok(false);
            }
            let mut ctx = self.case_mail_context(&tip.case_number, &tip.department);
            ctx.insert("due", &due.to_string());
            ctx.insert("limit_zh", limit_zh(limit));
            ctx.insert("limit_en", limit.as_str());
            ctx.insert("rectification", &(limit == Limit::Rectification));
            let template = if overdue { "overdue" } else { "due_soon" };
            if let Some(to) = self.unit_mailbox(&tip.department) {
                self.queue_mail(conn, &to, template, &ctx)?;
            }
            if overdue {
                if let Some(to) = self
                    .catalog
                    .coordinator()
                    .email
                    .clone()
                    .filter(|e| !e.is_empty())
                    && self.catalog.coordinator().code != tip.department
                {
                    self.queue_mail(conn, &to, "overdue", &ctx)?;
                }
                self.text_overdue(conn, &tip.case_number, &tip.department)?;
                tips::insert_event(
                    conn,
                    tip.id,
                    "overdue",
                    None,
                    Some(&format!("{} {due}", limit.as_str())),
                    now,
                )?;
                audit::append(
                    self,
                    conn,
                    &NewEntry {
                        actor: "system",
                        action: "escalate",
                        case_number: Some(&tip.case_number),
                        detail: Some(&format!("{} limit {due} passed", limit.as_str())),
                        ..NewEntry::default()
                    },
                )?;
            }
            Ok(true)
        })
    }

    /// Texts the staff who opted in, of the case's department and the coordinator, that a case
    /// is overdue (inside the escalation's transaction, so once).
    fn text_overdue(&self, conn: &mut DbConn, case_number: &str, unit: &str) -> ServiceResult<()> {
        let coordinator: &str = Role::Coordinator.into();
        for (id, sealed) in staff::sms_recipients(conn, unit, coordinator)? {
            let phone = self.sealer.open(&sealed, &staff_sms_context(id))?;
            let phone = String::from_utf8(phone.to_vec())
                .map_err(|e| anyhow::anyhow!("staff phone: {e}"))?;
            let params = [
                ("case", case_number.to_owned()),
                ("site", self.link("/staff")),
            ];
            self.queue_text(conn, &phone, SmsKind::Overdue, &params)?;
        }
        Ok(())
    }

    /// Marks open hazards past their deadline as of `today` overdue, each with a history row, an
    /// audit entry and a mail to the supervising department's mailbox; how many it marked.
    pub fn mark_overdue_hazards(&self, today: NaiveDate) -> ServiceResult<usize> {
        self.db.write(|conn| -> ServiceResult<usize> {
            let marked = hazards::mark_overdue(conn, today)?;
            for row in &marked {
                let key = (row.id, row.number.as_str());
                let what = (None, Some(row.deadline));
                self.hazard_event_by(conn, "system", key, "overdue", what)?;
                if let Some(to) = self.unit_mailbox(&row.department) {
                    let mut ctx = tera::Context::new();
                    ctx.insert("number", &row.number);
                    ctx.insert("due", &row.deadline.to_string());
                    ctx.insert("link", &self.link(&format!("/staff/hazards/{}", row.id.0)));
                    for (key, lang) in [("department_zh", Lang::Zh), ("department_en", Lang::En)] {
                        ctx.insert(key, &Names::new(&self.catalog, lang).unit(&row.department));
                    }
                    self.queue_mail(conn, &to, "hazard_overdue", &ctx)?;
                }
            }
            Ok(marked.len())
        })
    }

    /// One round of every background job; each runs even if another failed.
    pub fn run_jobs(&self) -> ServiceResult<JobReport> {
        let mut report = self.check_deadlines(self.today()).unwrap_or_else(|e| {
            tracing::error!(error = ?e, "the deadline check failed");
            JobReport::default()
        });
        report.hazards_overdue = self.mark_overdue_hazards(self.today()).unwrap_or_else(|e| {
            tracing::error!(error = ?e, "marking overdue hazards failed");
            0
        });
        report.mailed = self.deliver_mail().unwrap_or_else(|e| {
            tracing::error!(error = ?e, "mail delivery failed");
            0
        });
        for (what, result) in [
            ("photo drafts", self.purge_drafts()),
            ("submission keys", self.purge_submissions()),
            ("spent challenges", self.purge_spent_challenges()),
            (
                "retention",
                self.apply_retention().map(|e| e.cases + e.payees),
            ),
            ("sessions", self.purge_sessions()),
            ("sent mail", self.purge_sent_mail()),
            ("expired rewards", self.expire_rewards()),
            ("claim reminders", self.remind_unclaimed_rewards()),
            ("unpaid claims", self.alert_unpaid_claims()),
        ] {
            if let Err(e) = result {
                tracing::error!(error = ?e, what, "clean-up failed");
            }
        }
        Ok(report)
    }
}

/// The context a staff member's number for texts is sealed under.
pub fn staff_sms_context(id: i64) -> String {
    format!("staff-sms:{id}")
}

fn limit_zh(limit: Limit) -> &'static str {
    match limit {
        Limit::Acceptance => "受理",
        Limit::Verification => "核查",
        Limit::Feedback => "反馈",
        Limit::Rectification => "整改",
    }
}
