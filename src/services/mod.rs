//! Use cases. Each runs in one database transaction (the history row in the same transaction)
//! and is called from the web layer or the CLI. Blocking database work runs on the blocking
//! pool, slow hashes behind the hashing gate, so the async workers never wait on either.
//!
//! Errors: [`ServiceError`] says what the caller did wrong (validation, not found, conflict,
//! forbidden); anything else is `Internal`, logged with its context and never shown.

pub mod actions;
pub mod audit;
pub mod audit_words;
pub mod auth;
pub mod blacklist;
pub mod case_json;
pub mod case_words;
pub mod cases;
pub mod clock;
pub mod demo;
mod demo_campaign;
pub mod drafts;
pub mod enterprises;
pub mod evaluation;
pub mod explanations;
pub mod exports;
pub mod exposure;
pub mod figures;
pub mod hazard_actions;
pub mod hazards;
pub mod import;
pub mod inspections;
pub mod intake;
pub mod jobs;
pub mod listing;
pub mod lists;
pub mod names;
pub mod notify;
pub mod open311;
pub mod oversight;
mod permit;
pub mod proof;
pub mod reports;
pub mod retention;
pub mod reward_json;
pub mod rewards;
pub mod staff;
pub mod stats;
pub mod supervision;
pub mod track;

use crate::config::{Settings, TimeLimits};
use crate::db::Db;
use crate::domain::FieldError;
use crate::domain::calendar::Calendar;
use crate::domain::catalog::Catalog;
use crate::domain::reward::Policy as RewardPolicy;
use crate::mail::{MailTemplates, Mailer};
use crate::secrets::{CryptoSuite, Hasher, KeyedHashScheme, KeyedHasher, Keys, MacKey, Sealer};
use secrecy::ExposeSecret;
use std::sync::Arc;

pub use clock::{Clock, ManualClock};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("forbidden")]
    Forbidden,
    #[error("unauthenticated")]
    Unauthenticated,
    /// The password was right but the account's second factor is missing or wrong.
    #[error("second factor required")]
    SecondFactor,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for ServiceError {
    fn from(e: diesel::result::Error) -> Self {
        ServiceError::Internal(anyhow::Error::new(e).context("database"))
    }
}

/// One field's error is a validation error, so a check can end with `?`.
impl From<FieldError> for ServiceError {
    fn from(e: FieldError) -> Self {
        ServiceError::Validation(vec![e])
    }
}

impl ServiceError {
    pub fn field(field: &'static str, key: &'static str) -> Self {
        ServiceError::Validation(vec![FieldError::new(field, key)])
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// Everything the use cases need, shared by every worker.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub catalog: Arc<Catalog>,
    /// The algorithms of this database (`crypto_suite`): every key below is bound to it.
    pub suite: CryptoSuite,
    pub sealer: Sealer,
    pub hasher: Hasher,
    pub case_prefix: String,
    pub offset: chrono::FixedOffset,
    pub calendar: Arc<Calendar>,
    pub reward_policy: Arc<RewardPolicy>,
    pub time_limits: TimeLimits,
    /// Keys the hashes of session tokens (derived from the session key).
    pub session_mac: MacKey,
    /// Key the audit chain (derived from the identity key; never in the database).
    pub audit_keys: audit::AuditKeys,
    /// Keyed hashes of phone numbers and payee accounts.
    pub keyed: KeyedHasher,
    pub idle_timeout: chrono::Duration,
    /// A session ends this long after sign-in whatever the activity.
    pub absolute_timeout: chrono::Duration,
    /// The most bytes all kept photos of refused forms may hold together.
    pub draft_bytes_total: u64,
    pub mailer: Mailer,
    pub mail_templates: Arc<MailTemplates>,
    pub mail_from: lettre::message::Mailbox,
    pub public_url: String,
    pub weights: crate::domain::metrics::Weights,
    /// The campaign the lists count against (hazards still open past its end).
    pub campaign: crate::config::Campaign,
    /// The supervision groups (督查组) inspectors belong to.
    pub supervision_groups: Vec<crate::config::SupervisionGroup>,
    /// Text messages: the gateway (or files), and the `[sms]` settings.
    pub texter: crate::sms::Texter,
    pub sms: Arc<crate::config::SmsSettings>,
    /// Texts this instance may still send this hour (`sms.per_instance_hourly`).
    pub sms_allowance: Arc<governor::DefaultDirectRateLimiter>,
    /// The time every use case and background job reads (a test moves it).
    pub clock: Clock,
    /// Proof-of-work challenges for clients past their submission burst.
    pub proofs: proof::Proofs,
    /// How long case content and finance records are kept.
    pub retention: crate::config::Retention,
    /// Bumped after each committed change to what the public exposure list shows (a
    /// publication, a withdrawal, a case action), so its kept page is rendered again.
    public_version: Arc<std::sync::atomic::AtomicU64>,
    /// Oversight figures kept while the rows they read are unchanged (`services::figures`).
    pub figures: Arc<figures::Figures>,
    /// Staff display names by username, kept for case pages (`Services::names_for`).
    names: Arc<std::sync::RwLock<Arc<std::collections::HashMap<String, String>>>>,
    /// Turns at the database for blocking work, as many as the pool has connections, handed
    /// out in the order asked (see [`Services::blocking`]).
    db_turns: Arc<tokio::sync::Semaphore>,
}

impl Services {
    pub fn new(
        settings: &Settings,
        db: Db,
        catalog: Catalog,
        calendar: Calendar,
        rewards: RewardPolicy,
        (keys, keyed_hash_scheme): (&Keys, KeyedHashScheme),
        clock: Clock,
    ) -> anyhow::Result<Self> {
        Ok(Services {
            db,
            catalog: Arc::new(catalog),
            suite: keys.suite(),
            sealer: Sealer::new(&keys.identity)?,
            hasher: Hasher::new(keys.receipt.clone(), settings)?,
            case_prefix: settings.case_prefix.clone(),
            offset: settings
                .offset()
                .ok_or_else(|| anyhow::anyhow!("utc_offset is invalid"))?,
            calendar: Arc::new(calendar),
            reward_policy: Arc::new(rewards),
            time_limits: settings.time_limits.clone(),
            weights: settings.evaluation.clone(),
            campaign: settings.campaign.clone(),
            supervision_groups: settings.supervision_groups.clone(),
            session_mac: MacKey::new(&keys.session.derive("tipline session v2")?)?,
            audit_keys: audit::AuditKeys::new(&keys.identity)?,
            keyed: KeyedHasher::new(&keys.identity, keyed_hash_scheme)?,
            idle_timeout: chrono::Duration::minutes(i64::from(settings.staff.idle_timeout_minutes)),
            absolute_timeout: chrono::Duration::hours(i64::from(
                settings.staff.absolute_timeout_hours,
            )),
            draft_bytes_total: settings.limits.draft_bytes_total,
            mailer: Mailer::new(
                settings.smtp_url.as_ref().map(|u| u.expose_secret()),
                &settings.data_dir,
            )?,
            mail_templates: Arc::new(MailTemplates::new()?),
            mail_from: settings
                .mail_from
                .parse()
                .map_err(|e| anyhow::anyhow!("mail_from `{}`: {e}", settings.mail_from))?,
            public_url: settings.public_url.clone(),
            texter: crate::sms::Texter::new(&settings.sms, &settings.data_dir)?,
            sms: Arc::new(settings.sms.clone()),
            sms_allowance: Arc::new(governor::RateLimiter::direct(governor::Quota::per_hour(
                std::num::NonZeroU32::new(settings.sms.per_instance_hourly)
                    .unwrap_or(std::num::NonZeroU32::MIN),
            ))),
            clock,
            proofs: proof::Proofs::new(&settings.proof_of_work, &keys.session)?,
            retention: settings.retention.clone(),
            public_version: Arc::default(),
            figures: Arc::default(),
            names: Arc::default(),
            db_turns: Arc::new(tokio::sync::Semaphore::new(
                usize::try_from(settings.database.pool_size).unwrap_or(8),
            )),
        })
    }

    /// Runs blocking work (database) on the blocking pool.
    pub async fn blocking<T, F>(&self, f: F) -> ServiceResult<T>
    where
        T: Send + 'static,
        F: FnOnce(Services) -> ServiceResult<T> + Send + 'static,
    {
        // Wait for a turn here, as a task, rather than as a thread blocked in the pool: with 32
        // requests in flight, 32 threads took turns at 8 connections, and switching between
        // them cost more than the queries (and the turns went in no order, so some waited long).
        let turn = Arc::clone(&self.db_turns)
            .acquire_owned()
            .await
            .map_err(|e| {
                ServiceError::Internal(anyhow::anyhow!("the database gate closed: {e}"))
            })?;
        let me = self.clone();
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            f(me)
        })
        .await
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("a blocking task failed: {e}")))?
    }
}

impl Services {
    /// The version of the public exposure list's data in this instance (see `web::cache`).
    pub fn public_version(&self) -> u64 {
        self.public_version
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Marks the public exposure list's data changed; called after the change committed.
    fn public_changed(&self) {
        self.public_version
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// A keyed one-way hash (hex) of a personal value, for matching without storing it: the
    /// same value gives the same hash in this installation only.
    pub fn keyed_hash(&self, purpose: &str, value: &str) -> String {
        self.keyed.hash(purpose, value)
    }

    /// Now, as stored (UTC, to the microsecond), from the installation's clock.
    pub fn now(&self) -> chrono::NaiveDateTime {
        crate::db::timestamp(self.clock.now())
    }

    /// Today's date in the deployment's local time, from the installation's clock.
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.now().with_timezone(&self.offset).date_naive()
    }

    /// The local calendar date of a stored UTC instant.
    pub fn local_date(&self, t: chrono::NaiveDateTime) -> chrono::NaiveDate {
        t.and_utc().with_timezone(&self.offset).date_naive()
    }

    /// The local days `from` to `to` (both included) as stored UTC instants: from `from`'s local
    /// midnight up to, not including, the local midnight after `to`.
    pub fn utc_bounds(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> (chrono::NaiveDateTime, chrono::NaiveDateTime) {
        let utc = |d: chrono::NaiveDate| {
            d.and_time(chrono::NaiveTime::MIN)
                - chrono::Duration::seconds(i64::from(self.offset.local_minus_utc()))
        };
        (utc(from), utc(to + chrono::Duration::days(1)))
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> anyhow::Result<()> {
        use diesel::connection::SimpleConnection;
        self.blocking(|s| {
            let mut conn = s.db.read()?;
            conn.batch_execute("SELECT 1")
                .map_err(anyhow::Error::from)?;
            Ok(())
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))
    }
}
