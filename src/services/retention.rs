//! Retention (issue 18, point 1): two clocks. The content of a case closed more than
//! `retention.closed_case_content_days` ago (description, place, business, source note, photos,
//! messages, sealed identity and the reporter's keyed hash) is erased by the background job;
//! the case number, routing, statuses, dates, deadlines, rewards' amounts and history stay, so
//! reports and evaluations do not change. A reward's payee details follow
//! `retention.finance_record_years`. Each erasure is audited with counts, never content, and
//! the space is given back (SQLite: `secure_delete` zeroes what is deleted, then an incremental
//! vacuum and a truncating checkpoint of the write-ahead log; PostgreSQL: `VACUUM`). Photo
//! drafts and submission keys are already purged after two hours by their own jobs.

use super::{ServiceResult, Services, audit};
use crate::db::audit::NewEntry;
use crate::db::{self, retention};

/// Cases erased per read of the due ones.
const BATCH: i64 = 100;

/// What one run of the retention job erased.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Erasure {
    pub cases: usize,
    pub photos: usize,
    pub messages: usize,
    pub identities: usize,
    pub payees: usize,
}

impl Services {
    /// Erases what the retention periods say is due, as of the installation's clock.
    pub fn apply_retention(&self) -> ServiceResult<Erasure> {
        let now = self.now();
        let r = &self.retention;
        let content_before = now - chrono::Duration::days(i64::from(r.closed_case_content_days));
        let mut done = Erasure::default();
        loop {
            let due = retention::closed_before(&mut *self.db.read()?, content_before, BATCH)?;
            if due.is_empty() {
                break;
            }
            for (tip_id, case_number) in due {
                let erased = self.db.write(|conn| -> ServiceResult<_> {
                    let e = retention::erase_case(conn, tip_id, now)?;
                    let detail = format!(
                        "photos {}, messages {}, identity {}",
                        e.photos, e.messages, e.identities
                    );
                    audit::append(
                        self,
                        conn,
                        &NewEntry {
                            actor: "system",
                            action: "erase_content",
                            case_number: Some(&case_number),
                            detail: Some(&detail),
                            ..NewEntry::default()
                        },
                    )?;
                    Ok(e)
                })?;
                done.cases += 1;
                done.photos += erased.photos;
                done.messages += erased.messages;
                done.identities += erased.identities;
            }
        }
        let years = r.finance_record_years.saturating_mul(12);
        let finance_before = now
            .checked_sub_months(chrono::Months::new(years))
            .unwrap_or(chrono::NaiveDateTime::MIN);
        done.payees = self.db.write(|conn| -> ServiceResult<usize> {
            let n = retention::erase_payees(conn, finance_before)?;
            if n > 0 {
                audit::append(
                    self,
                    conn,
                    &NewEntry {
                        actor: "system",
                        action: "erase_payees",
                        detail: Some(&format!("rewards {n}")),
                        ..NewEntry::default()
                    },
                )?;
            }
            Ok(n)
        })?;
        if done.cases > 0 || done.payees > 0 {
            let tables = ["tips", "attachments", "messages", "rewards"];
            db::reclaim_space(&mut *self.db.read()?, &tables)?;
            tracing::info!(?done, "content erased at the end of its retention period");
        }
        Ok(done)
    }
}
