//! Typed settings and the deployment's reference data.
//!
//! Settings are layered, later wins: built-in defaults < `config/default.toml` < the file named
//! by `TIPLINE_CONFIG` < `TIPLINE_*` environment variables. Unknown keys are an error naming the
//! key and where it came from. The config directory is `./config` (or `TIPLINE_CONFIG_DIR`);
//! each shipped file is also embedded in the binary and used when the directory lacks it, so the
//! binary runs from anywhere.

use crate::domain::case_number;
use crate::domain::catalog::{Catalog, Department, Sector, Street};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Deserializer, Serialize};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// The shipped configuration files, embedded as the fallback.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("default.toml", include_str!("../config/default.toml")),
    (
        "departments.toml",
        include_str!("../config/departments.toml"),
    ),
    ("streets.toml", include_str!("../config/streets.toml")),
    ("sectors.toml", include_str!("../config/sectors.toml")),
    ("demo.toml", include_str!("../config/demo.toml")),
    ("calendar.toml", include_str!("../config/calendar.toml")),
    ("rewards.toml", include_str!("../config/rewards.toml")),
];

/// Environment variables with the `TIPLINE_` prefix that are not settings.
const NOT_SETTINGS: &[&str] = &["config", "config_dir", "test_database_url"];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `sqlite://PATH` (relative to the working directory, or `sqlite:///abs/path`) or `postgres://…`.
    pub database_url: String,
    /// Listen address, e.g. `127.0.0.1:8080` (port 0 picks a free port).
    pub bind: String,
    /// Where generated keys, the outbox and the default database live.
    pub data_dir: PathBuf,
    /// `smtp://host:port` (`smtps://user:password@host` with TLS and a password); unset writes
    /// mail as .eml files under `data_dir/outbox`. Secret: it may hold a password.
    #[serde(skip_serializing)]
    pub smtp_url: Option<SecretString>,
    /// Absolute base URL used in mails and links.
    pub public_url: String,
    /// The sender of Tipline's mail.
    pub mail_from: String,
    /// Open311 API keys; when any is set, Open311 calls must carry one (`api_key`).
    /// Comma-separated in the environment. Secret.
    #[serde(default, skip_serializing, deserialize_with = "secret_list")]
    pub open311_api_keys: Vec<SecretString>,
    /// A bearer token that lets `/metrics` be read from elsewhere than this host (Prometheus
    /// sends `Authorization: Bearer …`). Unset: only a direct request from loopback, not
    /// through a proxy, may read it. Secret.
    #[serde(default, skip_serializing)]
    pub metrics_token: Option<SecretString>,
    /// Proxies whose `X-Forwarded-For` is believed (comma-separated in the environment).
    #[serde(deserialize_with = "addresses")]
    pub trusted_proxies: Vec<IpAddr>,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Log filter in tracing syntax.
    pub log: String,
    /// `on` or `off`: off turns every rate limit off.
    #[serde(deserialize_with = "on_off")]
    pub rate_limits: bool,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// A database query that takes this many milliseconds or more is logged (its SQL only).
    pub slow_query_ms: u64,
    /// Case numbers look like `PREFIX-2026-000123`.
    pub case_prefix: String,
    /// The deployment's offset from UTC, e.g. `+08:00`: decides the year of a case number.
    pub utc_offset: String,
    /// 32-byte keys as 64 hex digits. Unset: generated once into `data_dir/keys/` (owner-only).
    /// Several instances on one PostgreSQL must share them, so set them there. Secret: held
    /// as `SecretString`, so they never show in `Debug` output or logs.
    #[serde(skip_serializing)]
    pub identity_key: Option<SecretString>,
    #[serde(skip_serializing)]
    pub receipt_key: Option<SecretString>,
    #[serde(skip_serializing)]
    pub session_key: Option<SecretString>,
    /// The algorithms that seal and key personal data: `standard` (XChaCha20-Poly1305,
    /// HMAC-SHA-256) or `sm` (SM4-GCM, HMAC-SM3). Chosen when the database is created and
    /// recorded there: an instance with the other suite refuses to start.
    #[serde(default)]
    pub crypto_suite: crate::secrets::CryptoSuite,
    pub database: DatabaseSettings,
    pub hashing: HashingSettings,
    pub quotas: Quotas,
    /// Slowing down sign-ins on a username under pressure.
    #[serde(default)]
    pub signin: SigninSettings,
    /// A proof of work instead of a hard wall for a client past its submission burst.
    #[serde(default)]
    pub proof_of_work: ProofOfWork,
    /// How long case content and finance records are kept.
    #[serde(default)]
    pub retention: Retention,
    pub limits: BodyLimits,
    pub time_limits: TimeLimits,
    pub staff: StaffSettings,
    pub stats: StatsSettings,
    /// Weights of the evaluation score (成效评估); missing means the defaults.
    #[serde(default)]
    pub evaluation: crate::domain::metrics::Weights,
    /// The hazard campaign (大排查大整治): its name and dates.
    #[serde(default)]
    pub campaign: Campaign,
    /// The supervision groups (督查组) inspectors belong to; missing means 第一督查组…第六督查组.
    #[serde(default = "default_supervision_groups")]
    pub supervision_groups: Vec<SupervisionGroup>,
    /// Text messages (SMS) to reporters who gave a phone and to staff who opted in.
    #[serde(default)]
    pub sms: SmsSettings,
}

/// Which SMS gateway sends texts: `off` writes them as files under `data_dir/outbox/sms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmsProvider {
    /// Alibaba Cloud SMS (`SendSms`, RPC signature HMAC-SHA1).
    Aliyun,
    /// Tencent Cloud SMS (`SendSms` 2021-01-11, TC3-HMAC-SHA256).
    Tencent,
    #[default]
    Off,
}

/// The `[sms]` section: the gateway, its credentials, the signature (签名) and the approved
/// templates (模板) of each notice, and the limits against SMS bombing.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmsSettings {
    pub provider: SmsProvider,
    /// The gateway's base URL instead of the vendor's (a test's local server).
    pub endpoint: Option<String>,
    /// AccessKeyId (Alibaba Cloud) or SecretId (Tencent Cloud).
    pub access_key_id: String,
    /// AccessKeySecret or SecretKey. Secret: never shown in logs or `Debug` output.
    #[serde(skip_serializing)]
    pub access_key_secret: Option<SecretString>,
    /// The approved signature (短信签名), shown as 【…】 before each text.
    pub sign_name: String,
    /// Tencent Cloud only: the SMS application (SmsSdkAppId) and the region.
    pub sdk_app_id: String,
    pub region: String,
    /// Approved template codes (模板 ID) of each notice.
    pub template_news: String,
    pub template_reward: String,
    pub template_claim_reminder: String,
    pub template_overdue: String,
    /// Texts one phone number may receive in a local day (all instances together); more wait
    /// for the next day.
    #[serde(deserialize_with = "count")]
    pub per_recipient_daily: u32,
    /// Texts one instance sends per hour; more wait for the next round of the jobs.
    #[serde(deserialize_with = "count")]
    pub per_instance_hourly: u32,
    /// Failed attempts after which a text (or mail) shows to the coordinator as failing.
    #[serde(deserialize_with = "count")]
    pub failing_after: u32,
}

impl Default for SmsSettings {
    fn default() -> Self {
        SmsSettings {
            provider: SmsProvider::Off,
            endpoint: None,
            access_key_id: String::new(),
            access_key_secret: None,
            sign_name: "湖里区应急管理局".into(),
            sdk_app_id: String::new(),
            region: "ap-guangzhou".into(),
            template_news: "SMS_NEWS".into(),
            template_reward: "SMS_REWARD".into(),
            template_claim_reminder: "SMS_CLAIM".into(),
            template_overdue: "SMS_OVERDUE".into(),
            per_recipient_daily: 3,
            per_instance_hourly: 200,
            failing_after: 5,
        }
    }
}

/// A supervision group (督查组): its code (stored with an inspector's account and with each
/// finding they record) and its names.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SupervisionGroup {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// The district's six supervision groups.
pub fn default_supervision_groups() -> Vec<SupervisionGroup> {
    let zh = ["一", "二", "三", "四", "五", "六"];
    let en = ["First", "Second", "Third", "Fourth", "Fifth", "Sixth"];
    zh.iter()
        .zip(en)
        .enumerate()
        .map(|(i, (zh, en))| SupervisionGroup {
            code: format!("group{}", i + 1),
            name_zh: format!("第{zh}督查组"),
            name_en: format!("{en} supervision group"),
        })
        .collect()
}

/// The campaign the lists and reports count against: hazards still open after `ends` are past
/// the campaign's deadline ("in principle rectified by the end of September").
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    pub name: String,
    pub starts: chrono::NaiveDate,
    pub ends: chrono::NaiveDate,
}

impl Default for Campaign {
    fn default() -> Self {
        Campaign {
            name: "湖里区安全生产隐患大排查大整治".into(),
            starts: chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or_default(),
            ends: chrono::NaiveDate::from_ymd_opt(2026, 9, 30).unwrap_or_default(),
        }
    }
}

/// Public statistics.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsSettings {
    /// Counts from 1 up to one below this are withheld ("fewer than N"), so no small cell can
    /// point at a reporter.
    pub min_cell: i64,
    /// Months shown.
    pub months: usize,
}

/// Staff sessions and background work.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffSettings {
    /// A staff session ends after this many minutes without a request.
    pub idle_timeout_minutes: u32,
    /// A staff session ends this many hours after sign-in, however busy.
    pub absolute_timeout_hours: u32,
    /// How often the background jobs (deadlines, mail, clean-up) run.
    pub jobs_interval_seconds: u64,
}

/// Legal time limits (DESIGN.md, "The case lifecycle").
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeLimits {
    /// Decide whether to accept a tip within this many working days of its arrival.
    pub acceptance_working_days: u32,
    /// Verify within this many days of acceptance.
    pub verification_days: u32,
    /// One extension of verification, signed off by a head.
    pub verification_extension_days: u32,
    /// Tell the reporter the result within this many days of the verification result.
    pub feedback_days: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// Connections for reads (and for writes on PostgreSQL). SQLite always has one writer.
    pub pool_size: u32,
    /// `full` (survives power loss) or `normal` (survives a process crash only).
    pub sqlite_synchronous: String,
    /// How long SQLite waits for a lock held by another process before failing.
    pub busy_timeout_ms: u32,
    /// How long a request waits for a free connection.
    pub connection_timeout_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HashingSettings {
    /// Slow hashes (receipts, passwords) running at once; 0 means cores − 1 (at least 1), so a
    /// burst of look-ups cannot take every core from the other routes.
    pub concurrency: usize,
    /// argon2id memory in KiB and passes for receipts (OWASP: 19456 KiB, 2 passes).
    pub memory_kib: u32,
    pub iterations: u32,
}

/// A rate: `burst` requests at once, then `count` per `per_seconds`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    pub burst: u32,
    pub count: u32,
    pub per_seconds: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quotas {
    /// Tip submissions per client address (`/report`, `/api/v1/tips`, Open311 POST).
    pub submission: Quota,
    /// Tip submissions for the whole instance.
    pub submission_instance: Quota,
    /// Refused submissions (a form or body with mistakes) per client address: counted apart
    /// from the accepted ones, looser, so that correcting a form does not lock anyone out.
    #[serde(default = "default_submission_refused")]
    pub submission_refused: Quota,
    /// Receipt look-ups per client address (`/track`, `/api/v1/track*`).
    pub lookup: Quota,
    /// Staff sign-ins per client address.
    pub signin_address: Quota,
    /// No longer used: a username is slowed down (`[signin]`), never refused. Still read, so
    /// that an older configuration file keeps working.
    #[serde(default, skip_serializing)]
    pub signin_username: Option<Quota>,
}

/// Thirty refused forms at once, then one every two minutes.
fn default_submission_refused() -> Quota {
    Quota {
        burst: 30,
        count: 30,
        per_seconds: 3_600,
    }
}

/// How long content is kept (issue 18): a closed case's content, and reward and payee records.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Retention {
    /// Description, place, business, photos, messages and sealed identity of a case closed
    /// this many days ago are erased; the case number, routing, statuses, dates and figures stay.
    pub closed_case_content_days: u32,
    /// Payee details of a reward are erased this many years after its last step.
    pub finance_record_years: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            closed_case_content_days: 1_095,
            finance_record_years: 10,
        }
    }
}

/// A proof of work that lets a client past its submission burst submit at once (computed by
/// the report form's script, or by an API client from the 429 answer's challenge).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProofOfWork {
    pub enabled: bool,
    /// Leading zero bits of SHA-256(challenge ":" nonce); each bit doubles the work.
    pub difficulty_bits: u8,
    /// How long a challenge may be answered.
    pub challenge_minutes: u32,
}

impl Default for ProofOfWork {
    fn default() -> Self {
        ProofOfWork {
            enabled: true,
            difficulty_bits: 18,
            challenge_minutes: 60,
        }
    }
}

/// How sign-in attempts on one username are slowed down once they fail often: never refused,
/// so nobody can lock an account out by failing on purpose.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SigninSettings {
    /// Failed attempts on one username within the window before further ones wait.
    pub slow_after: u32,
    /// The window failed attempts are counted in, and the audit log's pressure entry covers.
    pub window_seconds: u64,
    /// The first wait; each further attempt doubles it, up to `delay_max_ms`.
    pub delay_base_ms: u64,
    pub delay_max_ms: u64,
}

impl Default for SigninSettings {
    fn default() -> Self {
        SigninSettings {
            slow_after: 5,
            window_seconds: 900,
            delay_base_ms: 250,
            delay_max_ms: 8_000,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyLimits {
    /// JSON bodies above this many bytes answer 413.
    pub json_bytes: usize,
    /// Multipart (form with photos) bodies above this many bytes answer 413.
    pub multipart_bytes: usize,
    /// Report forms with photos read at once (each may hold a whole body in memory).
    pub concurrent_uploads: usize,
    /// A form body that sends nothing for this many seconds is dropped.
    pub upload_stall_seconds: u64,
    /// A form body that takes longer than this many seconds to arrive is dropped.
    pub upload_total_seconds: u64,
    /// The most bytes the photos of refused forms may hold together.
    pub draft_bytes_total: u64,
}

/// A list of IP addresses, written like a [`string_list`] (array items are trimmed too).
fn addresses<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<IpAddr>, D::Error> {
    string_list(d)?
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map_err(|_| serde::de::Error::custom(format!("`{s}` is not an IP address")))
        })
        .collect()
}

/// A list of strings: a TOML array as it is, or one comma-separated string (how an environment
/// variable carries a list) whose items are trimmed and whose empty items are dropped.
fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        List(Vec<String>),
        One(String),
    }
    Ok(match Raw::deserialize(d)? {
        Raw::List(v) => v,
        Raw::One(s) => s
            .split(',')
            .map(|x| x.trim().to_owned())
            .filter(|x| !x.is_empty())
            .collect(),
    })
}

fn secret_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<SecretString>, D::Error> {
    Ok(string_list(d)?
        .into_iter()
        .map(SecretString::from)
        .collect())
}

/// A count, also as the text an environment variable or a command line gives.
fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Count {
        Number(u32),
        Text(String),
    }
    match Count::deserialize(d)? {
        Count::Number(n) => Ok(n),
        Count::Text(t) => t
            .trim()
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("`{t}` is not a count"))),
    }
}

fn on_off<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        B(bool),
        S(String),
    }
    match Raw::deserialize(d)? {
        Raw::B(b) => Ok(b),
        Raw::S(s) => match s.to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" => Ok(true),
            "off" | "false" | "no" => Ok(false),
            _ => Err(serde::de::Error::custom(format!(
                "`{s}` is neither `on` nor `off`"
            ))),
        },
    }
}

impl Default for Settings {
    fn default() -> Self {
        let q = |burst, count, per_seconds| Quota {
            burst,
            count,
            per_seconds,
        };
        Settings {
            database_url: "sqlite://data/tipline.db".into(),
            bind: "127.0.0.1:8080".into(),
            data_dir: "data".into(),
            smtp_url: None,
            public_url: "http://127.0.0.1:8080".into(),
            mail_from: "Tipline <noreply@tipline.invalid>".into(),
            open311_api_keys: Vec::new(),
            metrics_token: None,
            trusted_proxies: Vec::new(),
            secure_cookies: false,
            log: "info".into(),
            rate_limits: true,
            workers: 0,
            slow_query_ms: 100,
            case_prefix: "HL".into(),
            utc_offset: "+08:00".into(),
            identity_key: None,
            receipt_key: None,
            session_key: None,
            crypto_suite: crate::secrets::CryptoSuite::Standard,
            database: DatabaseSettings {
                pool_size: 8,
                sqlite_synchronous: "full".into(),
                busy_timeout_ms: 5_000,
                connection_timeout_ms: 10_000,
            },
            hashing: HashingSettings {
                concurrency: 0,
                memory_kib: 19_456,
                iterations: 2,
            },
            quotas: Quotas {
                submission: q(5, 10, 3_600),
                submission_instance: q(1_000, 1_000, 3_600),
                submission_refused: default_submission_refused(),
                lookup: q(10, 10, 60),
                signin_address: q(5, 5, 60),
                signin_username: None,
            },
            signin: SigninSettings::default(),
            proof_of_work: ProofOfWork::default(),
            retention: Retention::default(),
            limits: BodyLimits {
                json_bytes: 1 << 20,
                multipart_bytes: 60 << 20,
                concurrent_uploads: 4,
                upload_stall_seconds: 10,
                upload_total_seconds: 120,
                draft_bytes_total: 256 << 20,
            },
            time_limits: TimeLimits {
                acceptance_working_days: 5,
                verification_days: 60,
                verification_extension_days: 30,
                feedback_days: 10,
            },
            staff: StaffSettings {
                idle_timeout_minutes: 30,
                absolute_timeout_hours: 12,
                jobs_interval_seconds: 60,
            },
            stats: StatsSettings {
                min_cell: 5,
                months: 12,
            },
            evaluation: crate::domain::metrics::Weights::default(),
            campaign: Campaign::default(),
            supervision_groups: default_supervision_groups(),
            sms: SmsSettings::default(),
        }
    }
}

impl SmsSettings {
    /// A gateway needs its credentials, signature and templates; the limits must let some through.
    fn check(&self) -> Result<(), String> {
        if self.per_recipient_daily == 0 || self.per_instance_hourly == 0 || self.failing_after == 0
        {
            return Err(
                "sms: per_recipient_daily, per_instance_hourly and failing_after must be above 0"
                    .into(),
            );
        }
        if self.provider == SmsProvider::Off {
            return Ok(());
        }
        let mut missing: Vec<&str> = [
            ("access_key_id", &self.access_key_id),
            ("sign_name", &self.sign_name),
            ("template_news", &self.template_news),
            ("template_reward", &self.template_reward),
            ("template_claim_reminder", &self.template_claim_reminder),
            ("template_overdue", &self.template_overdue),
        ]
        .into_iter()
        .filter(|(_, v)| v.trim().is_empty())
        .map(|(k, _)| k)
        .collect();
        if self.access_key_secret.is_none() {
            missing.push("access_key_secret");
        }
        if self.provider == SmsProvider::Tencent {
            for (k, v) in [("sdk_app_id", &self.sdk_app_id), ("region", &self.region)] {
                if v.trim().is_empty() {
                    missing.push(k);
                }
            }
        }
        if !missing.is_empty() {
            return Err(format!("sms: the provider needs {}", missing.join(", ")));
        }
        if let Some(e) = &self.endpoint
            && !(e.starts_with("http://") || e.starts_with("https://"))
        {
            return Err(format!(
                "sms.endpoint `{e}` must start with http:// or https://"
            ));
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Settings(String),
    #[error("configuration: {0}")]
    Reference(String),
}

/// The configuration directory: `TIPLINE_CONFIG_DIR`, else `./config`.
pub fn config_dir() -> PathBuf {
    std::env::var_os("TIPLINE_CONFIG_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("config"))
}

/// Reads one configuration file: from `dir` when it is there, else the embedded copy.
pub fn read_config_file(dir: &Path, name: &str) -> Result<(String, String), ConfigError> {
    let path = dir.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok((path.display().to_string(), text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => EMBEDDED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, text)| (format!("{name} (built in)"), (*text).to_owned()))
            .ok_or_else(|| ConfigError::Settings(format!("{} is missing", path.display()))),
        Err(e) => Err(ConfigError::Settings(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

impl Settings {
    /// The layers below the environment: defaults, `default.toml`, the `TIPLINE_CONFIG` file.
    pub fn figment(dir: &Path) -> Result<Figment, ConfigError> {
        let (_, default_toml) = read_config_file(dir, "default.toml")?;
        let mut f = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string(&default_toml));
        if let Some(extra) = std::env::var_os("TIPLINE_CONFIG") {
            let path = PathBuf::from(extra);
            if !path.is_file() {
                return Err(ConfigError::Settings(format!(
                    "TIPLINE_CONFIG names {}, which is not a file",
                    path.display()
                )));
            }
            f = f.merge(Toml::file(path));
        }
        Ok(f)
    }

    /// Loads the settings from every layer, environment included.
    pub fn load(dir: &Path) -> Result<Settings, ConfigError> {
        let f =
            Self::figment(dir)?.merge(Env::prefixed("TIPLINE_").ignore(NOT_SETTINGS).split("__"));
        Self::extract(f)
    }

    /// Extracts and checks settings from a prepared figment (tests add their own layers).
    pub fn extract(f: Figment) -> Result<Settings, ConfigError> {
        let s: Settings = f
            .extract()
            .map_err(|e| ConfigError::Settings(describe(e)))?;
        s.check()?;
        Ok(s)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Settings(m));
        if !(self.database_url.starts_with("sqlite://")
            || self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://"))
        {
            return bad("database_url must start with sqlite:// or postgres://".into());
        }
        if !case_number::valid_prefix(&self.case_prefix) {
            return bad(format!(
                "case_prefix `{}` must be 1-16 ASCII letters or digits",
                self.case_prefix
            ));
        }
        if self.offset().is_none() {
            return bad(format!(
                "utc_offset `{}` must look like +08:00",
                self.utc_offset
            ));
        }
        if !matches!(self.database.sqlite_synchronous.as_str(), "full" | "normal") {
            return bad("database.sqlite_synchronous must be `full` or `normal`".into());
        }
        if self.database.pool_size == 0 {
            return bad("database.pool_size must be at least 1".into());
        }
        for (name, q) in [
            ("submission", self.quotas.submission),
            ("submission_instance", self.quotas.submission_instance),
            ("submission_refused", self.quotas.submission_refused),
            ("lookup", self.quotas.lookup),
            ("signin_address", self.quotas.signin_address),
        ] {
            if q.burst == 0 || q.count == 0 || q.per_seconds == 0 {
                return bad(format!(
                    "quotas.{name}: burst, count and per_seconds must all be above 0"
                ));
            }
        }
        if !(8..=32).contains(&self.proof_of_work.difficulty_bits)
            || self.proof_of_work.challenge_minutes == 0
        {
            return bad(
                "proof_of_work: difficulty_bits must be 8 to 32 and challenge_minutes above 0"
                    .into(),
            );
        }
        if self.retention.closed_case_content_days == 0 || self.retention.finance_record_years == 0
        {
            return bad(
                "retention: closed_case_content_days and finance_record_years must be above 0"
                    .into(),
            );
        }
        if self.signin.slow_after == 0 || self.signin.window_seconds == 0 {
            return bad("signin.slow_after and signin.window_seconds must be above 0".into());
        }
        if self.signin.delay_max_ms > 60_000 {
            return bad("signin.delay_max_ms must be at most 60000 (one minute)".into());
        }
        if self.limits.concurrent_uploads == 0 {
            return bad("limits.concurrent_uploads must be at least 1".into());
        }
        if self.limits.upload_stall_seconds == 0 || self.limits.upload_total_seconds == 0 {
            return bad(
                "limits.upload_stall_seconds and limits.upload_total_seconds must be above 0"
                    .into(),
            );
        }
        if self.hashing.memory_kib < 8 * 1024 || self.hashing.iterations == 0 {
            return bad(
                "hashing: memory_kib must be at least 8192 and iterations at least 1".into(),
            );
        }
        self.sms.check().map_err(ConfigError::Settings)?;
        if self.campaign.ends < self.campaign.starts || self.campaign.name.trim().is_empty() {
            return bad("campaign: needs a name, and `ends` may not come before `starts`".into());
        }
        Ok(())
    }

    /// The deployment's fixed offset from UTC.
    pub fn offset(&self) -> Option<chrono::FixedOffset> {
        chrono::DateTime::parse_from_rfc3339(&format!("2000-01-01T00:00:00{}", self.utc_offset))
            .ok()
            .map(|t| *t.offset())
    }

    /// Number of slow hashes allowed at once.
    pub fn hash_concurrency(&self) -> usize {
        if self.hashing.concurrency > 0 {
            return self.hashing.concurrency;
        }
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        cores.saturating_sub(1).max(1)
    }
}

fn describe(e: figment::Error) -> String {
    e.into_iter()
        .map(|e| {
            let key = if e.path.is_empty() {
                String::new()
            } else {
                format!(" (key `{}`)", e.path.join("."))
            };
            let from = e
                .metadata
                .as_ref()
                .map(|m| format!(" in {}", m.name))
                .unwrap_or_default();
            let src = e
                .metadata
                .as_ref()
                .and_then(|m| m.source.as_ref())
                .map(|s| format!(" [{s}]"))
                .unwrap_or_default();
            format!("{}{key}{from}{src}", e.kind)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DepartmentsFile {
    department: Vec<Department>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StreetsFile {
    #[serde(default)]
    street: Vec<Street>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SectorsFile {
    sector: Vec<Sector>,
}

/// Parses one TOML file, naming the file, line and reason on failure.
pub fn parse_toml<T: serde::de::DeserializeOwned>(
    dir: &Path,
    name: &str,
) -> Result<T, ConfigError> {
    let (origin, text) = read_config_file(dir, name)?;
    toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| {
                format!(
                    " line {}",
                    text[..s.start.min(text.len())].lines().count().max(1)
                )
            })
            .unwrap_or_default();
        ConfigError::Reference(format!("{origin}{line}: {}", e.message()))
    })
}

/// Loads and checks the reward policy.
pub fn load_rewards(dir: &Path) -> Result<crate::domain::reward::Policy, ConfigError> {
    let p: crate::domain::reward::Policy = parse_toml(dir, "rewards.toml")?;
    p.check()
        .map_err(|e| ConfigError::Reference(format!("rewards.toml: {e}")))?;
    Ok(p)
}

/// Loads the working-day calendar.
pub fn load_calendar(dir: &Path) -> Result<crate::domain::calendar::Calendar, ConfigError> {
    parse_toml(dir, "calendar.toml")
}

/// Loads and checks the departments, streets and sectors.
pub fn load_catalog(dir: &Path) -> Result<Catalog, ConfigError> {
    let d: DepartmentsFile = parse_toml(dir, "departments.toml")?;
    let st: StreetsFile = parse_toml(dir, "streets.toml")?;
    let se: SectorsFile = parse_toml(dir, "sectors.toml")?;
    Catalog::new(d.department, st.street, se.sector)
        .map_err(|e| ConfigError::Reference(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_files_parse_and_hold_together() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        let c = load_catalog(&dir).unwrap();
        assert_eq!(c.coordinator().code, "safety_office");
        assert!(!load_calendar(&dir).unwrap().holidays.is_empty());
        assert_eq!(load_rewards(&dir).unwrap().major_hazard_fine.percent, 15);
        let s = Settings::extract(Settings::figment(&dir).unwrap()).unwrap();
        assert_eq!(s.case_prefix, "HL");
    }

    #[test]
    fn an_unknown_key_is_an_error_that_names_it() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        let f = Settings::figment(&dir)
            .unwrap()
            .merge(Toml::string("databse_url = \"x\""));
        let e = Settings::extract(f).unwrap_err().to_string();
        assert!(e.contains("databse_url"), "{e}");
    }

    #[test]
    fn env_style_values_parse() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        let f = Settings::figment(&dir)
            .unwrap()
            .merge(("trusted_proxies", "10.0.0.1, 10.0.0.2"))
            .merge(("rate_limits", "off"));
        let s = Settings::extract(f).unwrap();
        assert_eq!(s.trusted_proxies.len(), 2);
        assert!(!s.rate_limits);
    }

    #[test]
    fn an_sms_provider_needs_its_credentials_and_counts_read_from_text() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        let f = || Settings::figment(&dir).unwrap();
        let s = Settings::extract(f().merge(("sms.per_recipient_daily", "4"))).unwrap();
        assert_eq!(s.sms.provider, SmsProvider::Off);
        assert_eq!(s.sms.per_recipient_daily, 4);
        let err = Settings::extract(f().merge(("sms.provider", "tencent")))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("access_key_id")
                && err.contains("access_key_secret")
                && err.contains("sdk_app_id"),
            "{err}"
        );
        let ok = f()
            .merge(("sms.provider", "aliyun"))
            .merge(("sms.access_key_id", "LTAI"))
            .merge(("sms.access_key_secret", "s"));
        assert_eq!(
            Settings::extract(ok).unwrap().sms.provider,
            SmsProvider::Aliyun
        );
        for (k, v) in [
            ("sms.provider", "twilio"),
            ("sms.per_recipient_daily", "0"),
            ("sms.endpoint", "ftp://x"),
        ] {
            let bad = f()
                .merge(("sms.provider", "aliyun"))
                .merge(("sms.access_key_id", "LTAI"))
                .merge(("sms.access_key_secret", "s"))
                .merge((k, v));
            assert!(Settings::extract(bad).is_err(), "{k} = {v}");
        }
    }

    #[test]
    fn debug_output_of_settings_shows_no_secret() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        let key = "ab".repeat(32);
        let f = Settings::figment(&dir)
            .unwrap()
            .merge(("smtp_url", "smtps://mailer:hunter2-smtp@mail.example:465"))
            .merge(("open311_api_keys", "k-open311-one, k-open311-two"))
            .merge(("identity_key", key.as_str()))
            .merge(("receipt_key", "cd".repeat(32)))
            .merge(("session_key", "ef".repeat(64)))
            .merge(("sms.access_key_secret", "sms-secret-xyz"));
        let s = Settings::extract(f).unwrap();
        let shown = format!("{s:?} {s:#?}");
        for secret in [
            "hunter2",
            "mailer",
            "k-open311",
            &key,
            "cdcd",
            "efef",
            "sms-secret",
        ] {
            assert!(!shown.contains(secret), "Debug shows `{secret}`: {shown}");
        }
        use secrecy::ExposeSecret;
        assert_eq!(s.open311_api_keys.len(), 2);
        assert_eq!(s.open311_api_keys[1].expose_secret(), "k-open311-two");
        assert_eq!(s.identity_key.as_ref().unwrap().expose_secret(), key);
    }

    #[test]
    fn reward_periods_are_read_and_overlaps_stop_the_start() {
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        let text = std::fs::read_to_string(shipped.join("rewards.toml")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        // The example period of the shipped file, switched on, as a district would.
        let example: String = text
            .lines()
            .skip_while(|l| !l.starts_with("# [[periods]]"))
            .map(|l| l.trim_start_matches("# "))
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(
            dir.path().join("rewards.toml"),
            format!("{text}\n{example}\n"),
        )
        .unwrap();
        let p = load_rewards(dir.path()).unwrap();
        assert_eq!(p.periods.len(), 1);
        let during = p.in_force(chrono::NaiveDate::from_ymd_opt(2026, 7, 1).unwrap());
        assert!(during.name.contains("大排查大整治"), "{}", during.name);
        assert_eq!(during.general_hazard.flat_yuan, 1000);
        let overlapping = format!(
            "{text}\n{example}\n{}",
            example.replace("2026-06-01", "2026-12-01")
        );
        std::fs::write(dir.path().join("rewards.toml"), overlapping).unwrap();
        let e = load_rewards(dir.path()).unwrap_err().to_string();
        assert!(e.contains("overlap"), "{e}");
    }
}
