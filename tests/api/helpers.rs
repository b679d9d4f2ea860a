//! The one set of test helpers. `TestApp`: the real application on a random port, each with a
//! fresh database (a temporary SQLite file, or a fresh PostgreSQL schema in the database
//! `TIPLINE_TEST_DATABASE_URL` names) and a clock the test moves (`advance`, `set_now`), driven
//! over HTTP; `StaffClient` (the JSON API with a session), `Browser` (the pages, forms and
//! redirects as a browser sees them), `tipline` (the real binary on a test database).
//!
//! `on_both_backends!` writes each test twice: `…::sqlite` and `…::postgres`. The PostgreSQL
//! one is `#[ignore]`d, and counted as ignored, when the tests were built without
//! `TIPLINE_TEST_DATABASE_URL` (`build.rs` sets `cfg(tipline_pg)` when it is there).

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use figment::Figment;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use tipline::config::Settings;
use tipline::services::{Clock, ManualClock, Services};
use tipline::startup::Application;

/// A verification finding for the reporter, long enough (10–2,000 characters).
pub const FINDING: &str = "已到现场核查举报反映的情况，核查结论已记录在案。";

pub const PG_ENV: &str = "TIPLINE_TEST_DATABASE_URL";

/// The password of every account the helpers create.
pub const PASSWORD: &str = "correct horse battery staple";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh database, removed again on drop.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    /// The SQLite file, for tests that read the raw bytes.
    pub sqlite_path: Option<PathBuf>,
    pg_admin: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A PostgreSQL one needs `TIPLINE_TEST_DATABASE_URL`: without it the PostgreSQL tests are
    /// ignored, so getting here without it (`--ignored`) is a failure, not a quiet pass.
    pub fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let path = dir.path().join("tipline.db");
                TestDb {
                    url: format!("sqlite://{}", path.display()),
                    backend,
                    sqlite_path: Some(path),
                    pg_admin: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let base = std::env::var(PG_ENV)
                    .ok()
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| panic!("a PostgreSQL test needs {PG_ENV}"));
                let schema = format!(
                    "t_{}",
                    hex::encode(tipline::secrets::random_bytes::<8>().expect("random"))
                );
                let mut admin = PgConnection::establish(&base)
                    .expect("connecting to TIPLINE_TEST_DATABASE_URL");
                admin
                    .batch_execute(&format!("CREATE SCHEMA {schema}"))
                    .expect("creating a test schema");
                let sep = if base.contains('?') { '&' } else { '?' };
                TestDb {
                    url: format!("{base}{sep}options=-csearch_path%3D{schema}"),
                    backend,
                    sqlite_path: None,
                    pg_admin: Some((base, schema)),
                    _dir: None,
                }
            }
        }
    }

    /// Runs one statement on its own connection: what someone with the database in hand could
    /// do (tamper with the audit log), or history written as it stands (the oversight data
    /// set). A test about time passing moves the clock instead.
    pub fn exec(&self, sql: &str) {
        use diesel::{RunQueryDsl, SqliteConnection};
        match &self.sqlite_path {
            Some(path) => {
                let mut c = SqliteConnection::establish(&path.to_string_lossy())
                    .expect("opening the test database");
                c.batch_execute("PRAGMA busy_timeout = 5000")
                    .expect("setting a busy timeout");
                diesel::sql_query(sql).execute(&mut c)
            }
            None => {
                let mut c = PgConnection::establish(&self.url).expect("connecting");
                diesel::sql_query(sql).execute(&mut c)
            }
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// The one whole number a query answers (its column named `n`), on its own connection.
    pub fn scalar(&self, sql: &str) -> i64 {
        use diesel::{QueryableByName, RunQueryDsl, SqliteConnection};
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let row: Result<N, _> = match &self.sqlite_path {
            Some(path) => {
                let mut c = SqliteConnection::establish(&path.to_string_lossy())
                    .expect("opening the test database");
                diesel::sql_query(sql).get_result(&mut c)
            }
            None => {
                let mut c = PgConnection::establish(&self.url).expect("connecting");
                diesel::sql_query(sql).get_result(&mut c)
            }
        };
        row.unwrap_or_else(|e| panic!("{sql}: {e}")).n
    }

    /// How many (unit, status) counts of the queue disagree with the tips they count.
    pub fn queue_count_mismatches(&self) -> i64 {
        self.scalar(
            "SELECT COUNT(*) AS n FROM (SELECT unit, status FROM ( \
               SELECT unit, status, n FROM queue_counts \
               UNION ALL SELECT '*', status, -COUNT(*) FROM tips GROUP BY status \
               UNION ALL SELECT u.unit, t.status, -COUNT(*) FROM tip_units u JOIN tips t ON t.id = u.tip_id GROUP BY u.unit, t.status \
             ) d GROUP BY unit, status HAVING SUM(n) <> 0) m",
        )
    }

    /// How many unit rows keep another sort key, place or time than their tip's (the officer's
    /// queue and duplicate suggestions read them).
    pub fn unit_copy_mismatches(&self) -> i64 {
        self.scalar(
            "SELECT COUNT(*) AS n FROM tip_units u JOIN tips t ON t.id = u.tip_id \
             WHERE u.queue_key <> COALESCE(t.next_deadline, '9999-12-31') \
             OR u.street IS DISTINCT FROM t.street OR u.enterprise IS DISTINCT FROM t.enterprise \
             OR u.submitted_at <> t.submitted_at",
        )
    }

    /// Every table's bytes as the database holds them (for "absent in clear" checks).
    pub fn raw_dump(&self) -> Vec<u8> {
        match (&self.sqlite_path, &self.pg_admin) {
            (Some(path), _) => {
                let mut all = std::fs::read(path).unwrap_or_default();
                for suffix in ["-wal", "-shm"] {
                    let mut p = path.as_os_str().to_owned();
                    p.push(suffix);
                    all.extend(std::fs::read(PathBuf::from(p)).unwrap_or_default());
                }
                all
            }
            (None, Some((base, schema))) => {
                use diesel::prelude::*;
                #[derive(QueryableByName)]
                struct Row {
                    #[diesel(sql_type = diesel::sql_types::Text)]
                    t: String,
                }
                let mut c = PgConnection::establish(base).expect("connecting");
                let tables: Vec<Row> = diesel::sql_query(format!(
                    "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = '{schema}'"
                ))
                .load(&mut c)
                .expect("listing tables");
                let mut out = Vec::new();
                for table in tables {
                    let rows: Vec<Row> = diesel::sql_query(format!(
                        "SELECT CAST(x AS TEXT) AS t FROM {schema}.{} x",
                        table.t
                    ))
                    .load(&mut c)
                    .expect("dumping a table");
                    for r in rows {
                        out.extend_from_slice(r.t.as_bytes());
                        out.push(b'\n');
                    }
                }
                out
            }
            _ => Vec::new(),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.pg_admin
            && let Ok(mut c) = PgConnection::establish(base)
        {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

pub fn config_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config")
}

/// Test settings: a fresh data directory, port 0, rate limits off unless a test turns them on.
pub fn settings(db: &TestDb, data_dir: &Path, extra: impl FnOnce(Figment) -> Figment) -> Settings {
    let f = Settings::figment(&config_dir())
        .expect("the shipped configuration")
        .merge(("database_url", db.url.clone()))
        .merge(("bind", "127.0.0.1:0"))
        // Not the loopback address: the tests look for the client's address in the database.
        .merge(("public_url", "https://tipline.example.test"))
        .merge(("data_dir", data_dir.display().to_string()))
        .merge(("rate_limits", "off"))
        .merge(("workers", 2))
        .merge(("log", "warn"))
        .merge(("database.pool_size", 4))
        // The background jobs never run by themselves; a test runs them at the time it chose.
        .merge(("staff.jobs_interval_seconds", 86_400));
    Settings::extract(extra(f)).expect("valid test settings")
}

pub struct TestApp {
    pub base: String,
    pub agent: ureq::Agent,
    pub services: Services,
    pub db: TestDb,
    /// The application's time: it starts at the real time and moves only when the test says.
    pub clock: ManualClock,
    _data_dir: tempfile::TempDir,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// An HTTP answer: status, headers we look at, and the body (JSON when it parses).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<String>,
    pub content_type: Option<String>,
    pub text: String,
    pub json: Value,
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

pub fn answer(mut r: ureq::http::Response<ureq::Body>) -> Answer {
    let header = |n: &str| {
        r.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let retry_after = header("retry-after");
    let content_type = header("content-type");
    let status = r.status().as_u16();
    let text = r
        .body_mut()
        .with_config()
        .limit(100 << 20)
        .read_to_string()
        .unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        retry_after,
        content_type,
        text,
        json,
    }
}

impl TestApp {
    pub fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |f| f)
    }

    /// The app with `crypto_suite = "sm"` (SM4-GCM, HMAC-SM3) on a fresh database.
    pub fn spawn_sm(backend: Backend) -> TestApp {
        let app = Self::spawn_with(backend, |f| f.merge(("crypto_suite", "sm")));
        assert_eq!(app.services.suite, tipline::secrets::CryptoSuite::Sm);
        app
    }

    pub fn spawn_with(backend: Backend, extra: impl FnOnce(Figment) -> Figment) -> TestApp {
        Self::spawn_in(backend, config_dir(), extra)
    }

    /// Starts with another configuration directory (files it lacks come from the built-in copies).
    pub fn spawn_in(
        backend: Backend,
        dir: PathBuf,
        extra: impl FnOnce(Figment) -> Figment,
    ) -> TestApp {
        tipline::telemetry::init("warn");
        let db = TestDb::new(backend);
        let data_dir = tempfile::tempdir().expect("a temporary directory");
        let settings = settings(&db, data_dir.path(), extra);
        let clock = ManualClock::new(chrono::Utc::now());
        let (port, handle, services, thread) =
            serve(settings, dir, clock.clone()).expect("the application starts");
        TestApp {
            base: format!("http://127.0.0.1:{port}"),
            agent: agent(),
            services,
            db,
            clock,
            _data_dir: data_dir,
            handle,
            thread: Some(thread),
        }
    }

    /// The app with a reward policy that asks a head to sign a proposal off before finance.
    pub fn spawn_with_head_signoff(backend: Backend) -> TestApp {
        TestApp::spawn_with_policy(backend, |p| {
            p.replace("head_signoff = false", "head_signoff = true")
        })
    }

    /// The app with the shipped reward policy as `edit` rewrites it (the reference files are
    /// read at start only, so their folder need not outlive it).
    pub fn spawn_with_policy(backend: Backend, edit: impl FnOnce(String) -> String) -> TestApp {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let policy =
            std::fs::read_to_string(config_dir().join("rewards.toml")).expect("the reward policy");
        std::fs::write(dir.path().join("rewards.toml"), edit(policy)).expect("writing the policy");
        TestApp::spawn_in(backend, dir.path().to_path_buf(), |f| f)
    }

    pub fn data_dir(&self) -> &Path {
        self._data_dir.path()
    }

    /// Runs one statement on the instance's database (see [`TestDb::exec`]).
    pub fn exec(&self, sql: &str) {
        self.db.exec(sql);
    }

    /// The application's time now.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The application's local date today.
    pub fn today(&self) -> chrono::NaiveDate {
        self.services.today()
    }

    /// Moves the application's time on (never waits).
    pub fn advance(&self, by: chrono::Duration) {
        self.clock.advance(by);
    }

    /// Sets the application's time, e.g. `"2026-11-02T10:00:00+08:00"`.
    pub fn set_now(&self, rfc3339: &str) {
        self.clock.set(at(rfc3339));
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str) -> Answer {
        answer(self.agent.get(self.url(path)).call().expect("GET"))
    }

    pub fn get_lang(&self, path: &str, accept_language: &str) -> Answer {
        answer(
            self.agent
                .get(self.url(path))
                .header("accept-language", accept_language)
                .call()
                .expect("GET"),
        )
    }

    pub fn post_json(&self, path: &str, body: &Value) -> Answer {
        answer(
            self.agent
                .post(self.url(path))
                .send_json(body)
                .expect("POST"),
        )
    }

    /// A JSON POST with one more header (e.g. `Idempotency-Key`).
    pub fn post_json_header(
        &self,
        path: &str,
        body: &Value,
        (name, value): (&str, &str),
    ) -> Answer {
        answer(
            self.agent
                .post(self.url(path))
                .header(name, value)
                .send_json(body)
                .expect("POST"),
        )
    }

    pub fn post_json_lang(&self, path: &str, body: &Value, accept_language: &str) -> Answer {
        answer(
            self.agent
                .post(self.url(path))
                .header("accept-language", accept_language)
                .send_json(body)
                .expect("POST"),
        )
    }

    pub fn post_raw(&self, path: &str, content_type: &str, body: impl Into<Vec<u8>>) -> Answer {
        answer(
            self.agent
                .post(self.url(path))
                .header("content-type", content_type)
                .send(body.into())
                .expect("POST"),
        )
    }

    /// Submits a valid tip and returns the 201 body.
    pub fn submit(&self, body: &Value) -> Value {
        let a = self.post_json("/api/v1/tips", body);
        assert_eq!(a.status, 201, "{}", a.text);
        a.json
    }

    /// Submits an anonymous tip of `sector` and returns its case number.
    pub fn new_case(&self, sector: &str) -> String {
        self.submit(&anonymous_tip(sector))["case_number"]
            .as_str()
            .expect("a case number")
            .to_owned()
    }
}

/// An instant written as RFC 3339.
pub fn at(rfc3339: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap_or_else(|e| panic!("{rfc3339}: {e}"))
        .to_utc()
}

type Served = (
    u16,
    actix_web::dev::ServerHandle,
    Services,
    std::thread::JoinHandle<()>,
);

/// Builds the application on its own thread and runs it there; `Err` is the start-up error.
fn serve(settings: Settings, dir: PathBuf, clock: ManualClock) -> Result<Served, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            match Application::build(&settings, &dir, Clock::Manual(clock)) {
                Ok(app) => {
                    let _ = tx.send(Ok((app.port(), app.handle(), app.services.clone())));
                    let _ = app.run().await;
                }
                Err(e) => {
                    let _ = tx.send(Err(format!("{e:#}")));
                }
            }
        })
    });
    let (port, handle, services) = rx.recv().expect("the server thread")?;
    Ok((port, handle, services, thread))
}

impl Drop for TestApp {
    fn drop(&mut self) {
        actix_web::rt::System::new().block_on(self.handle.stop(false));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A valid anonymous tip.
pub fn anonymous_tip(sector: &str) -> Value {
    json!({
        "sector": sector,
        "street": "jiangtou",
        "address": "江头北路216号负一楼",
        "enterprise": "某某海鲜酒楼",
        "description": "后厨堆放了七八个液化气瓶，地下室不通风，闻到怪味。",
        "severity": "major",
        "observed_at": "2026-01-10T20:30:00+08:00",
        "anonymous": true,
        "wants_reward": true
    })
}

/// A valid tip under a name.
pub fn identified_tip(name: &str, phone: &str, email: &str) -> Value {
    let mut t = anonymous_tip("fire_safety");
    t["anonymous"] = json!(false);
    t["reporter"] = json!({ "name": name, "phone": phone, "email": email });
    t
}

/// Writes each test once per backend: `name::sqlite` and `name::postgres`. A test written
/// `fn name(app)` gets a started `TestApp`; one written `fn name(backend: Backend)` starts what
/// it needs itself (other settings, the real binary). The PostgreSQL variant is ignored when the
/// tests were built without `TIPLINE_TEST_DATABASE_URL`.
#[macro_export]
macro_rules! on_both_backends {
    () => {};
    (
        $(#[doc = $doc:literal])*
        fn $name:ident($backend:ident: Backend) $body:block
        $($rest:tt)*
    ) => {
        $crate::on_both_backends!(@pair [$($doc)*] $name, fn body($backend: Backend) $body, body);
        $crate::on_both_backends!($($rest)*);
    };
    (
        $(#[doc = $doc:literal])*
        fn $name:ident($app:ident) $body:block
        $($rest:tt)*
    ) => {
        $crate::on_both_backends!(
            @pair [$($doc)*] $name,
            fn with_app($app: TestApp) $body,
            |backend| with_app(TestApp::spawn(backend))
        );
        $crate::on_both_backends!($($rest)*);
    };
    (@pair [$($doc:literal)*] $name:ident, $body:item, $run:expr) => {
        $(#[doc = $doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use $crate::helpers::*;

            $body

            #[test]
            fn sqlite() {
                ($run)(Backend::Sqlite);
            }

            #[test]
            #[cfg_attr(
                not(tipline_pg),
                ignore = "needs PostgreSQL: build and run with TIPLINE_TEST_DATABASE_URL set"
            )]
            fn postgres() {
                ($run)(Backend::Postgres);
            }
        }
    };
}

/// Like [`on_both_backends!`] for a test written `fn name(app)`, and again under each
/// cryptographic suite: `name::sqlite`, `name::postgres` (standard), `name::sm_sqlite` and
/// `name::sm_postgres` (`crypto_suite = "sm"`). For the tests of what protects a reporter
/// (identity, payee and receipt sealing, keyed hashes, the audit chain, erasure), which must
/// hold whichever suite an installation chose; the rest run under the standard suite only.
#[macro_export]
macro_rules! on_both_backends_and_suites {
    () => {};
    (
        $(#[doc = $doc:literal])*
        fn $name:ident($app:ident) $body:block
        $($rest:tt)*
    ) => {
        $(#[doc = $doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use $crate::helpers::*;

            fn with_app($app: TestApp) $body

            #[test]
            fn sqlite() {
                with_app(TestApp::spawn(Backend::Sqlite));
            }

            #[test]
            #[cfg_attr(
                not(tipline_pg),
                ignore = "needs PostgreSQL: build and run with TIPLINE_TEST_DATABASE_URL set"
            )]
            fn postgres() {
                with_app(TestApp::spawn(Backend::Postgres));
            }

            #[test]
            fn sm_sqlite() {
                with_app(TestApp::spawn_sm(Backend::Sqlite));
            }

            #[test]
            #[cfg_attr(
                not(tipline_pg),
                ignore = "needs PostgreSQL: build and run with TIPLINE_TEST_DATABASE_URL set"
            )]
            fn sm_postgres() {
                with_app(TestApp::spawn_sm(Backend::Postgres));
            }
        }
        $crate::on_both_backends_and_suites!($($rest)*);
    };
}

/// A multipart/form-data body: text fields, then files as (field, file name, content type, bytes).
pub fn multipart(
    fields: &[(&str, &str)],
    files: &[(&str, &str, &str, Vec<u8>)],
) -> (String, Vec<u8>) {
    let boundary = "----tipline-test-boundary-7d93";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(value.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    for (name, filename, content_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The text of the element with this id (`<p id="receipt">…</p>`), tags stripped.
/// A page without its cells' `data-label` attributes (the column titles a phone shows in each
/// card), for tests that read a table row as one string.
pub fn without_labels(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(" data-label=\"") {
        out.push_str(&rest[..i]);
        let after = &rest[i + " data-label=\"".len()..];
        rest = after.find('"').map_or("", |j| &after[j + 1..]);
    }
    out.push_str(rest);
    out
}

pub fn element_text(html: &str, id: &str) -> Option<String> {
    let start = html.find(&format!("id=\"{id}\""))?;
    let open_end = start + html[start..].find('>')? + 1;
    let close = open_end + html[open_end..].find("</")?;
    Some(html[open_end..close].trim().to_owned())
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .expect("a fixture")
}

impl TestApp {
    pub fn post_form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &str, Vec<u8>)],
    ) -> Answer {
        let (ct, body) = multipart(fields, files);
        self.post_raw(path, &ct, body)
    }

    pub fn post_urlencoded(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body = serde_urlencoded::to_string(fields).expect("encoding a form");
        self.post_raw(path, "application/x-www-form-urlencoded", body)
    }
}

/// A signed-in staff member's browser: its own cookie jar and the session's CSRF token.
pub struct StaffClient {
    pub agent: ureq::Agent,
    pub csrf: String,
    base: String,
}

impl TestApp {
    /// Creates an account with [`PASSWORD`] (and the phone, when given).
    pub fn add_user(&self, username: &str, role: &str, unit: Option<&str>, phone: Option<&str>) {
        self.add_named_user(username, None, role, unit, phone);
    }

    /// An account with a display name (pages name people by it, never by the username).
    pub fn add_named_user(
        &self,
        username: &str,
        display_name: Option<&str>,
        role: &str,
        unit: Option<&str>,
        phone: Option<&str>,
    ) {
        self.services
            .add_staff(&tipline::services::staff::NewStaff {
                username,
                role: role.parse().expect("a role"),
                unit,
                display_name,
                password: PASSWORD,
                phone,
                group: None,
            })
            .expect("creating a staff account");
    }

    /// Creates an account and signs it in to the JSON API.
    pub fn staff(&self, username: &str, role: &str, unit: Option<&str>) -> StaffClient {
        self.add_user(username, role, unit, None);
        self.sign_in(username, PASSWORD).expect("signing in")
    }

    pub fn sign_in(&self, username: &str, password: &str) -> Result<StaffClient, Answer> {
        let agent = agent();
        let a = answer(
            agent
                .post(self.url("/api/v1/staff/session"))
                .send_json(serde_json::json!({ "username": username, "password": password }))
                .expect("POST"),
        );
        if a.status != 200 {
            return Err(a);
        }
        Ok(StaffClient {
            agent,
            csrf: a.json["csrf_token"].as_str().unwrap().to_owned(),
            base: self.base.clone(),
        })
    }
}

impl StaffClient {
    pub fn get(&self, path: &str) -> Answer {
        answer(
            self.agent
                .get(format!("{}{path}", self.base))
                .call()
                .expect("GET"),
        )
    }

    pub fn post(&self, path: &str, body: &Value) -> Answer {
        answer(
            self.agent
                .post(format!("{}{path}", self.base))
                .header("x-csrf-token", &self.csrf)
                .send_json(body)
                .expect("POST"),
        )
    }

    pub fn put(&self, path: &str, body: &Value) -> Answer {
        answer(
            self.agent
                .put(format!("{}{path}", self.base))
                .header("x-csrf-token", &self.csrf)
                .send_json(body)
                .expect("PUT"),
        )
    }

    pub fn post_without_csrf(&self, path: &str, body: &Value) -> Answer {
        answer(
            self.agent
                .post(format!("{}{path}", self.base))
                .send_json(body)
                .expect("POST"),
        )
    }

    pub fn act(&self, case: &str, body: Value) -> Answer {
        self.post(&format!("/api/v1/staff/tips/{case}/actions"), &body)
    }

    /// Takes each of these plain actions on the case, each answered 200 (a verification result
    /// carries the finding it requires).
    pub fn steps(&self, case: &str, actions: &[&str]) {
        for a in actions {
            let body = match *a {
                "substantiate" | "unsubstantiate" => json!({ "action": a, "finding": FINDING }),
                _ => json!({ "action": a }),
            };
            let r = self.act(case, body);
            assert_eq!(r.status, 200, "{a}: {}", r.text);
        }
    }

    /// A multipart form (as [`multipart`] makes it) with the session's CSRF token in the header.
    pub fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &str, Vec<u8>)],
    ) -> Answer {
        let (content_type, body) = multipart(fields, files);
        answer(
            self.agent
                .post(format!("{}{path}", self.base))
                .header("x-csrf-token", &self.csrf)
                .header("content-type", &content_type)
                .send(body)
                .expect("POST"),
        )
    }

    /// A download as bytes: status, content type, body.
    pub fn get_bytes(&self, path: &str) -> (u16, Option<String>, Vec<u8>) {
        let mut r = self
            .agent
            .get(format!("{}{path}", self.base))
            .call()
            .expect("GET");
        let content_type = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = r
            .body_mut()
            .with_config()
            .limit(100 << 20)
            .read_to_vec()
            .unwrap_or_default();
        (r.status().as_u16(), content_type, bytes)
    }

    pub fn delete(&self, path: &str) -> Answer {
        answer(
            self.agent
                .delete(format!("{}{path}", self.base))
                .header("x-csrf-token", &self.csrf)
                .call()
                .expect("DELETE"),
        )
    }
}

/// Another `tipline serve` on the same database (the scale-out setup): its own data directory,
/// port and memory, sharing only what the database and the given settings hold.
pub struct Instance {
    pub base: String,
    pub services: Services,
    handle: actix_web::dev::ServerHandle,
    _dir: tempfile::TempDir,
}

impl Instance {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        actix_web::rt::System::new().block_on(self.handle.stop(false));
    }
}

impl TestApp {
    /// The keys this instance generated, as settings another instance can be given.
    pub fn key_settings(&self) -> Vec<(String, String)> {
        ["identity_key", "receipt_key", "session_key"]
            .iter()
            .map(|k| {
                let text =
                    std::fs::read_to_string(self.data_dir().join("keys").join(format!("{k}.hex")))
                        .unwrap();
                (k.to_string(), text.trim().to_owned())
            })
            .collect()
    }

    /// Starts another instance on this app's database and clock; `Err` carries the start-up
    /// error.
    pub fn another_instance(
        &self,
        settings_extra: Vec<(String, String)>,
    ) -> Result<Instance, String> {
        let dir = tempfile::tempdir().unwrap();
        let settings = settings(&self.db, dir.path(), |mut f| {
            for (k, v) in settings_extra {
                f = f.merge((k, v));
            }
            f
        });
        // The same time as this app: one world, several instances.
        let (port, handle, services, _thread) = serve(settings, config_dir(), self.clock.clone())?;
        Ok(Instance {
            base: format!("http://127.0.0.1:{port}"),
            services,
            handle,
            _dir: dir,
        })
    }
}

/// The value of the form field `name` in a page (`name="csrf" value="…"`).
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let start = html.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    let len = html[start..].find('"')?;
    Some(html[start..start + len].to_owned())
}

/// A browser on the pages: its own cookies, forms sent as a browser sends them, redirects not
/// followed (so a test sees the 303 and where it leads).
pub struct Browser {
    agent: ureq::Agent,
    base: String,
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Browser {
            agent,
            base: app.base.clone(),
        }
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        let a = answer(
            self.agent
                .get(format!("{}{path}", self.base))
                .call()
                .expect("GET"),
        );
        (a.status, a.text)
    }

    /// A form post: status, page, and where a redirect leads.
    pub fn post(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String, Option<String>) {
        let body = serde_urlencoded::to_string(fields).expect("encoding a form");
        let mut r = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .send(body)
            .expect("POST");
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        (
            r.status().as_u16(),
            r.body_mut().read_to_string().unwrap_or_default(),
            location,
        )
    }

    pub fn sign_in(
        &self,
        username: &str,
        password: &str,
        totp: &str,
    ) -> (u16, String, Option<String>) {
        let csrf = self.csrf("/staff/login");
        self.post(
            "/staff/login",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("password", password),
                ("totp", totp),
            ],
        )
    }

    /// The CSRF token the page carries.
    pub fn csrf(&self, path: &str) -> String {
        let (_, html) = self.get(path);
        input_value(&html, "csrf").unwrap_or_else(|| panic!("no CSRF token on {path}: {html}"))
    }
}

/// The real binary on a test database, with a clean environment.
pub fn tipline(db: &TestDb, data_dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tipline"));
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TIPLINE_DATABASE_URL", &db.url)
        .env("TIPLINE_DATA_DIR", data_dir)
        .env("TIPLINE_CONFIG_DIR", config_dir())
        .env("TIPLINE_LOG", "warn");
    c
}

/// The fields of a valid report form (`/report`).
pub fn valid_report_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("sector", "crowded_places"),
        ("street", "jinshan"),
        ("address", "金山路 99 号某某商场三楼"),
        ("enterprise", "某某商场"),
        (
            "description",
            "三楼东侧安全出口被铁链锁住，周末人很多，一旦起火跑不出去。",
        ),
        ("severity", "major"),
        ("observed_at", "2026-11-20T19:30"),
        ("anonymous", "on"),
        ("wants_reward", "on"),
    ]
}
