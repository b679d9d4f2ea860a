//! `TestApp`: the real application on a random port, each with a fresh database (a temporary
//! SQLite file, or a fresh PostgreSQL schema when `TIPLINE_TEST_DATABASE_URL` is set), driven
//! over HTTP. `on_both_backends!` writes each test twice: `…::sqlite` and `…::postgres` (the
//! latter returns at once when no PostgreSQL URL is given).

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use figment::Figment;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tipline::config::Settings;
use tipline::services::{Clock, ManualClock, Services};
use tipline::startup::Application;

pub const PG_ENV: &str = "TIPLINE_TEST_DATABASE_URL";

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
    pub fn new(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let path = dir.path().join("tipline.db");
                Some(TestDb {
                    url: format!("sqlite://{}", path.display()),
                    backend,
                    sqlite_path: Some(path),
                    pg_admin: None,
                    _dir: Some(dir),
                })
            }
            Backend::Postgres => {
                let base = std::env::var(PG_ENV).ok().filter(|s| !s.is_empty())?;
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
                Some(TestDb {
                    url: format!("{base}{sep}options=-csearch_path%3D{schema}"),
                    backend,
                    sqlite_path: None,
                    pg_admin: Some((base, schema)),
                    _dir: None,
                })
            }
        }
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
        .merge(("database.pool_size", 4));
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

fn answer(mut r: ureq::http::Response<ureq::Body>) -> Answer {
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
    pub fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, |f| f)
    }

    pub fn spawn_with(backend: Backend, extra: impl FnOnce(Figment) -> Figment) -> Option<TestApp> {
        Self::spawn_in(backend, config_dir(), extra)
    }

    /// Starts with another configuration directory (files it lacks come from the built-in copies).
    pub fn spawn_in(
        backend: Backend,
        dir: PathBuf,
        extra: impl FnOnce(Figment) -> Figment,
    ) -> Option<TestApp> {
        tipline::telemetry::init("warn");
        let db = TestDb::new(backend)?;
        let data_dir = tempfile::tempdir().expect("a temporary directory");
        let settings = settings(&db, data_dir.path(), extra);
        let clock = ManualClock::new(chrono::Utc::now());
        let app_clock = Clock::Manual(clock.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                match Application::build(&settings, &dir, app_clock) {
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
        let (port, handle, services) = rx
            .recv()
            .expect("the server thread")
            .expect("the application starts");
        Some(TestApp {
            base: format!("http://127.0.0.1:{port}"),
            agent: agent(),
            services,
            db,
            clock,
            _data_dir: data_dir,
            handle,
            thread: Some(thread),
        })
    }

    pub fn data_dir(&self) -> &Path {
        self._data_dir.path()
    }

    /// Runs statements on the instance's database (to set times a test cannot wait for).
    pub fn sql(&self, statements: &[String]) {
        use diesel::RunQueryDsl;
        self.services
            .db
            .write(|conn| -> anyhow::Result<()> {
                for s in statements {
                    match conn {
                        tipline::db::DbConn::Sqlite(c) => diesel::sql_query(s).execute(c)?,
                        tipline::db::DbConn::Pg(c) => diesel::sql_query(s).execute(c)?,
                    };
                }
                Ok(())
            })
            .expect("the statements run");
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

    /// Submits a valid tip of `sector` and returns the 201 body.
    pub fn submit(&self, body: &Value) -> Value {
        let a = self.post_json("/api/v1/tips", body);
        assert_eq!(a.status, 201, "{}", a.text);
        a.json
    }
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
        "observed_at": "2026-11-01T20:30:00+08:00",
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

/// Writes each test once per backend: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident($app:ident) $body:block
    )*) => {
        $(
            $(#[doc = $doc])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                #[allow(unused_imports)]
                use $crate::helpers::*;

                fn body($app: TestApp) $body

                #[test]
                fn sqlite() {
                    body(TestApp::spawn(Backend::Sqlite).expect("SQLite is always available"));
                }

                #[test]
                fn postgres() {
                    // Runs when TIPLINE_TEST_DATABASE_URL names a PostgreSQL database.
                    if let Some(app) = TestApp::spawn(Backend::Postgres) {
                        body(app);
                    }
                }
            }
        )*
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
    /// Creates an account and signs it in.
    pub fn staff(&self, username: &str, role: &str, unit: Option<&str>) -> StaffClient {
        self.services
            .add_staff(&tipline::services::staff::NewStaff {
                username,
                role: role.parse().unwrap(),
                unit,
                display_name: None,
                password: "correct horse battery staple",
                phone: None,
            })
            .expect("creating a staff account");
        self.sign_in(username, "correct horse battery staple")
            .expect("signing in")
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

    /// Starts another instance on this app's database; `Err` carries the start-up error.
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
        let clock = Clock::Manual(self.clock.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                match Application::build(&settings, &config_dir(), clock) {
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
        let (port, handle, services) = rx.recv().unwrap()?;
        Ok(Instance {
            base: format!("http://127.0.0.1:{port}"),
            services,
            handle,
            _dir: dir,
        })
    }
}
