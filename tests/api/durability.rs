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
