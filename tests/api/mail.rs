//! Mail: new tips to their units, news to identified reporters (nothing of the case in it),
//! deadline warnings and escalations sent once, delivered after commit by SMTP to a real server,
//! retried when the server is down, and written as .eml files when no SMTP is configured.

use crate::helpers::*;
use crate::on_both_backends;
use crate::smtp::SmtpSink;
use diesel::prelude::*;
use serde_json::json;

/// (subject, body) of every queued mail (not the texts), oldest first.
fn queued(app: &TestApp) -> Vec<(String, String)> {
    use tipline::db::schema::outbox::dsl as o;
    let mut c = app.services.db.read().unwrap();
    o::outbox
        .filter(o::channel.eq("mail"))
        .order(o::id.asc())
        .select((o::subject, o::body))
        .load(&mut **c)
        .unwrap()
}

fn with_smtp(backend: Backend, sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    TestApp::spawn_with(backend, move |f| f.merge(("smtp_url", url)))
}

on_both_backends! {
    fn new_tips_reach_their_units_by_smtp(backend: Backend) {
        let sink = SmtpSink::start(0);
        let app = with_smtp(backend, &sink);
        let mut tip = anonymous_tip("ebike");
        tip["street"] = json!("jinshan");
        let case = app.submit(&tip)["case_number"].as_str().unwrap().to_owned();
        let mails = queued(&app);
        assert_eq!(mails.len(), 2, "{mails:?}");
        assert!(mails[0].0.contains(&case));
        for (_, body) in &mails {
            assert!(
                !body.contains("液化气") && !body.contains("江头北路"),
                "no tip content in mail: {body}"
            );
            assert!(body.contains(&format!("/staff/tips/{case}")));
        }
        assert_eq!(app.services.deliver_mail().unwrap(), 2);
        assert_eq!(
            sink.recipients(),
            ["fire@huli.example.gov.cn", "jinshan@huli.example.gov.cn"]
        );
        for m in sink.received.lock().unwrap().iter() {
            assert!(
                m.data.contains("Subject:") && m.data.contains("From:"),
                "{}",
                m.data
            );
        }
        assert_eq!(app.services.deliver_mail().unwrap(), 0, "sent once");
    }
}

on_both_backends! {
    fn mail_is_retried_until_the_server_answers(backend: Backend) {
        // A port nobody listens on yet.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let app = TestApp::spawn_with(backend, move |f| {
            f.merge(("smtp_url", format!("smtp://127.0.0.1:{port}")))
        });
        app.submit(&anonymous_tip("gas"));
        assert_eq!(app.services.deliver_mail().unwrap(), 0);
        {
            use tipline::db::schema::outbox::dsl as o;
            let mut c = app.services.db.read().unwrap();
            let (attempts, err): (i32, Option<String>) = o::outbox
                .select((o::attempts, o::last_error))
                .first(&mut **c)
                .unwrap();
            assert_eq!(attempts, 1);
            assert!(err.is_some());
        }
        let sink = SmtpSink::start(port);
        // After the first failure the next attempt is two minutes later.
        app.advance(chrono::Duration::minutes(1));
        assert_eq!(
            app.services.deliver_mail().unwrap(),
            0,
            "not before its retry time"
        );
        app.advance(chrono::Duration::minutes(1));
        assert_eq!(app.services.deliver_mail().unwrap(), 2);
        assert_eq!(
            sink.recipients(),
            [
                "jiangtou@huli.example.gov.cn",
                "municipal@huli.example.gov.cn"
            ]
        );
    }
}

on_both_backends! {
    /// An identified reporter with an email hears that there is news, and nothing more.
    fn identified_reporters_are_told_of_news_without_content(app) {
        let b = app.submit(&identified_tip("钱先生", "13900002222", "qian@example.com"));
        let case = b["case_number"].as_str().unwrap();
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let before = queued(&app).len();
        officer.post(&format!("/api/v1/staff/tips/{case}/messages"), &json!({"body": "请问消防通道堵了多久？"}));
        officer.act(case, json!({"action": "accept"}));
        let mails = queued(&app);
        assert_eq!(mails.len(), before + 2);
        for (subject, body) in &mails[before..] {
            assert!(body.contains("/track"));
            for leak in [case, "消防通道", "钱先生", "13900002222"] {
                assert!(!subject.contains(leak) && !body.contains(leak), "{leak} in mail");
            }
        }
        // An anonymous reporter has no address: nothing is sent.
        let anon = app.new_case("fire_safety");
        let before = queued(&app).len();
        officer.post(&format!("/api/v1/staff/tips/{anon}/messages"), &json!({"body": "请补充"}));
        assert_eq!(queued(&app).len(), before);
    }

    /// Without SMTP, mail lands as .eml files in the data directory's outbox.
    fn without_smtp_mail_is_written_as_files(app) {
        app.submit(&anonymous_tip("gas"));
        assert_eq!(app.services.deliver_mail().unwrap(), 2);
        let dir = app.data_dir().join("outbox");
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().filter(|e| e.path().extension().is_some_and(|x| x == "eml")).collect();
        assert_eq!(files.len(), 2);
        let all: String = files.iter().map(|f| std::fs::read_to_string(f.path()).unwrap()).collect();
        assert!(all.contains("municipal@huli.example.gov.cn") && all.contains("jiangtou@huli.example.gov.cn"));
        // Files the service writes are its owner's alone.
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        for f in &files {
            assert_eq!(mode(&f.path()), 0o600, "{}", f.path().display());
        }
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(app.data_dir()), 0o700);
        if let Some(db) = &app.db.sqlite_path {
            assert_eq!(mode(db), 0o600, "the SQLite file");
        }
    }

    /// A passed limit escalates once: the case is marked overdue, the department and the
    /// coordinator are told, and the audit log says so; a limit two days away is warned of.
    fn overdue_cases_are_escalated_once(app) {
        // Monday 2 March 2026 and Thursday 5 March: five working days to decide on each.
        app.set_now("2026-03-02T09:00:00+08:00");
        let case = app.new_case("gas");
        app.set_now("2026-03-05T09:00:00+08:00");
        let soon = app.new_case("gas");
        // Tuesday 10 March: the first limit (9 March) has passed, the second (12 March) is near.
        app.set_now("2026-03-10T09:00:00+08:00");
        let coord = app.staff("coord", "coordinator", None);
        let due = |c: &str| coord.get(&format!("/api/v1/staff/tips/{c}")).json["deadlines"]["acceptance"].clone();
        assert_eq!((due(&case), due(&soon)), (json!("2026-03-09"), json!("2026-03-12")));
        let before = queued(&app).len();
        let first = app.services.run_jobs().unwrap();
        assert_eq!((first.escalated, first.warned), (1, 1));
        let again = app.services.run_jobs().unwrap();
        assert_eq!((again.escalated, again.warned), (0, 0), "notified once");
        let mails = &queued(&app)[before..];
        assert_eq!(mails.len(), 3, "department + coordinator for the overdue one, department for the warning");
        assert!(mails.iter().any(|(s, _)| s.contains("已超期") && s.contains(&case)));
        assert!(mails.iter().any(|(s, _)| s.contains("即将到期") && s.contains(&soon)));
        let d = coord.get(&format!("/api/v1/staff/tips/{case}"));
        assert_eq!(d.json["overdue"], true);
        assert!(d.json["history"].as_array().unwrap().iter().any(|h| h["action"] == "overdue"));
        let audit = coord.get(&format!("/api/v1/staff/audit?case_number={case}"));
        assert!(audit.json["entries"].as_array().unwrap().iter().any(|e| e["action"] == "escalate" && e["actor"] == "system"));
        assert_eq!(coord.get("/api/v1/staff/tips?overdue=true").json["total"], 1);
    }
}
