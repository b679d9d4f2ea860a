//! The real binary, killed with SIGKILL right after answering 201: the tip is still there.

use crate::helpers::*;
use crate::on_both_backends;
use serde_json::{Value, json};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(db: &TestDb, data_dir: &std::path::Path, port: u16) -> Child {
    tipline(db, data_dir)
        .arg("serve")
        .env("TIPLINE_BIND", format!("127.0.0.1:{port}"))
        .env("TIPLINE_RATE_LIMITS", "off")
        .env("TIPLINE_WORKERS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting tipline")
}

fn wait_healthy(base: &str) {
    let agent = agent();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(r) = agent.get(format!("{base}/healthz")).call()
            && r.status().as_u16() == 200
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("tipline did not become healthy at {base}");
}

on_both_backends! {
    /// Three tips answered 201, then SIGKILL: after a restart all three are there.
    fn a_tip_answered_201_survives_kill_9(backend: Backend) {
        let db = TestDb::new(backend);
        let data_dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut child = start(&db, data_dir.path(), port);
        wait_healthy(&base);

        let agent = agent();
        let mut receipts = Vec::new();
        for _ in 0..3 {
            let mut r = agent
                .post(format!("{base}/api/v1/tips"))
                .send_json(anonymous_tip("gas"))
                .unwrap();
            assert_eq!(r.status().as_u16(), 201);
            let v: Value = r.body_mut().read_json().unwrap();
            receipts.push((
                v["receipt"].as_str().unwrap().to_owned(),
                v["case_number"].as_str().unwrap().to_owned(),
            ));
        }
        // SIGKILL: no shutdown, no flush, nothing the process could do on the way out.
        child.kill().unwrap();
        child.wait().unwrap();

        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut child = start(&db, data_dir.path(), port);
        wait_healthy(&base);
        for (receipt, case) in &receipts {
            let mut r = agent
                .post(format!("{base}/api/v1/track"))
                .send_json(json!({ "receipt": receipt }))
                .unwrap();
            assert_eq!(r.status().as_u16(), 200, "tip {case} lost after kill -9");
            let v: Value = r.body_mut().read_json().unwrap();
            assert_eq!(v["case_number"], case.as_str());
        }
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

/// PostgreSQL may cut a connection (a restart, an administrator, an idle timeout). The pool asks a
/// connection that has rested longer than half a second whether it is alive before handing it
/// out (`db::ALIVE_WITHOUT_ASKING`), so a cut one is replaced rather than used.
#[test]
#[cfg_attr(
    not(tipline_pg),
    ignore = "needs PostgreSQL: build and run with TIPLINE_TEST_DATABASE_URL set"
)]
fn postgres_connection_the_database_cut_is_replaced() {
    use diesel::prelude::*;
    let app = TestApp::spawn(Backend::Postgres);
    let backend_pid = || {
        let mut conn = app.services.db.read().expect("a connection");
        let tipline::db::DbConn::Pg(c) = &mut **conn else {
            panic!("a PostgreSQL connection")
        };
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>(
            "pg_backend_pid()",
        ))
        .get_result::<i32>(c)
        .expect("the connection answers")
    };
    let first = backend_pid();
    let mut admin = diesel::PgConnection::establish(&app.db.url).expect("a second connection");
    let cut: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
        "pg_terminate_backend({first})"
    )))
    .get_result(&mut admin)
    .expect("terminates");
    assert!(cut);
    std::thread::sleep(Duration::from_millis(700));
    let next = backend_pid();
    assert_ne!(next, first, "the cut connection was handed out again");
    // And the application reads through the pool as before.
    assert_eq!(app.get("/api/v1/sectors").status, 200);
}

/// A read by key plans its statements once (one generic plan each, from a pool of its own);
/// every other read and every write plans for its values.
#[test]
#[cfg_attr(
    not(tipline_pg),
    ignore = "needs PostgreSQL: build and run with TIPLINE_TEST_DATABASE_URL set"
)]
fn postgres_reads_by_key_keep_one_plan_and_the_others_plan_for_their_values() {
    use diesel::prelude::*;
    let app = TestApp::spawn(Backend::Postgres);
    let db = &app.services.db;
    let mode = |conn: &mut tipline::db::DbConn| {
        let tipline::db::DbConn::Pg(c) = conn else {
            panic!("a PostgreSQL connection")
        };
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
            "current_setting('plan_cache_mode')",
        ))
        .get_result::<String>(c)
        .expect("the connection answers")
    };
    for _ in 0..2 {
        let mut by_key = db.read_by_key().expect("a connection");
        assert_eq!(mode(&mut by_key), "force_generic_plan");
        drop(by_key);
        let mut other = db.read().expect("a connection");
        assert_eq!(mode(&mut other), "auto");
        drop(other);
        let _ = db.read_by_key().expect("a connection");
        let in_write = db
            .write(|c| -> anyhow::Result<String> { Ok(mode(c)) })
            .expect("writes");
        assert_eq!(in_write, "auto");
    }
    // A session and a case (both read by key), after another use of the pool, still answer.
    let case = app.new_case("fire_safety");
    let coordinator = app.staff("coord", "coordinator", None);
    for _ in 0..2 {
        let a = coordinator.get(&format!("/api/v1/staff/tips/{case}"));
        assert_eq!(
            (a.status, a.json["case_number"].as_str()),
            (200, Some(case.as_str()))
        );
        assert_eq!(coordinator.get("/api/v1/staff/tips").status, 200);
    }
}
