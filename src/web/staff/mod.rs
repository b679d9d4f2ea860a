//! The staff workspace as pages (`/staff/…`), a file per feature: sign-in, the queue, one case
//! (with its actions, messages, identity reveal, reward proposal and exposure), the three lists,
//! the audit log, one's own account, the accounts of others. Every handler takes the signed-in
//! staff member whose role has the permission its route needs (`Staff<P>`, `StaffForm<P, T>` for a form, whose
//! CSRF token is checked before the handler runs) and returns `PageError` for what it cannot
//! show. The finance pages are beside the finance API, in `web/finance_pages.rs`.

pub mod account;
pub mod audit;
pub mod case;
pub mod enterprises;
pub mod evaluation;
pub mod exposure;
pub mod hazards;
pub mod inspections;
pub mod intake;
pub mod lists;
pub mod posters;
pub mod queue;
pub mod reports;
pub mod rewards;
pub mod signin;
pub mod supervision;
pub mod users;
