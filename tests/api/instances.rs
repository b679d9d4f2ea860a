//! Several instances on one PostgreSQL behave as one service: a tip sent to one is worked on the
//! other with the same staff session, and the deadline job notifies once, not once per instance.
//! An instance started without the shared keys refuses to start.

use crate::helpers::*;
use diesel::RunQueryDsl;
use serde_json::json;

#[test]
fn two_instances_on_one_postgresql_behave_as_one_service() {
    let Some(a) = TestApp::spawn(Backend::Postgres) else {
        return;
    };
    let err = a
        .another_instance(Vec::new())
        .err()
        .expect("an instance with other keys must not start");
    assert!(err.contains("identity_key differs"), "{err}");
    let b = a
        .another_instance(a.key_settings())
        .expect("the second instance starts with the shared keys");

    // Sent to A, signed in on A, worked on B with the same session cookie.
    let sent = a.submit(&anonymous_tip("fire_safety"));
    let case = sent["case_number"].as_str().unwrap().to_owned();
    let officer = a.staff("fire.officer", "officer", Some("fire"));
    let on_b = answer_of(
        officer
            .agent
            .post(b.url(&format!("/api/v1/staff/tips/{case}/actions")))
            .header("x-csrf-token", &officer.csrf)
            .send_json(json!({"action": "accept"})),
    );
    assert_eq!(on_b.0, 200, "{}", on_b.1);
    assert_eq!(
        officer.get(&format!("/api/v1/staff/tips/{case}")).json["status"],
        "accepted"
    );
    // The receipt works on B too.
    let t = answer_of(
        agent()
            .post(b.url("/api/v1/track"))
            .send_json(json!({"receipt": sent["receipt"]})),
    );
    assert_eq!(t.0, 200);

    // The overdue job on both at once: one escalation, one set of mails.
    {
        let mut conn = a.services.db.read().unwrap();
        if let tipline::db::DbConn::Pg(c) = &mut *conn {
            diesel::sql_query("UPDATE case_files SET verification_due = '2026-01-05'")
                .execute(c)
                .unwrap();
            diesel::sql_query("UPDATE tips SET next_deadline = '2026-01-05'")
                .execute(c)
                .unwrap();
        }
    }
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 10).unwrap();
    let (sa, sb) = (a.services.clone(), b.services.clone());
    let ta = std::thread::spawn(move || sa.check_deadlines(today).unwrap().escalated);
    let tb = std::thread::spawn(move || sb.check_deadlines(today).unwrap().escalated);
    assert_eq!(
        ta.join().unwrap() + tb.join().unwrap(),
        1,
        "escalated exactly once"
    );
    let audit = officer.get("/api/v1/staff/audit");
    assert_eq!(audit.status, 403);
    let coord = a.staff("coord", "coordinator", None);
    let entries = coord.get(&format!(
        "/api/v1/staff/audit?case_number={case}&verify=true"
    ));
    assert_eq!(
        entries.json["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "escalate")
            .count(),
        1
    );
    assert_eq!(
        entries.json["verified"], true,
        "the chain holds with two writers"
    );

    // Mail is delivered once whichever instance runs the outbox.
    let (sa, sb) = (a.services.clone(), b.services.clone());
    let ma = std::thread::spawn(move || sa.deliver_mail().unwrap());
    let mb = std::thread::spawn(move || sb.deliver_mail().unwrap());
    let delivered = ma.join().unwrap() + mb.join().unwrap();
    let (pending, sent_count) =
        tipline::db::outbox::counts(&mut a.services.db.read().unwrap()).unwrap();
    assert_eq!(pending, 0);
    assert_eq!(delivered as i64, sent_count);
}

fn answer_of(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, String) {
    let mut r = r.unwrap();
    (
        r.status().as_u16(),
        r.body_mut().read_to_string().unwrap_or_default(),
    )
}
