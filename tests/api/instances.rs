//! Several instances on one PostgreSQL behave as one service: a tip sent to one is worked on the
//! other with the same staff session, and the deadline job notifies once, not once per instance.
//! An instance started without the shared keys refuses to start.

use crate::helpers::*;
use serde_json::json;

#[test]
#[cfg_attr(
    not(tipline_pg),
    ignore = "needs PostgreSQL: build and run with TIPLINE_TEST_DATABASE_URL set"
)]
fn two_instances_on_one_postgresql_behave_as_one_service() {
    let a = TestApp::spawn(Backend::Postgres);
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
    let on_b = answer(
        officer
            .agent
            .post(b.url(&format!("/api/v1/staff/tips/{case}/actions")))
            .header("x-csrf-token", &officer.csrf)
            .send_json(json!({"action": "accept"}))
            .unwrap(),
    );
    assert_eq!(on_b.status, 200, "{}", on_b.text);
    assert_eq!(
        officer.get(&format!("/api/v1/staff/tips/{case}")).json["status"],
        "accepted"
    );
    // The receipt works on B too.
    let t = answer(
        agent()
            .post(b.url("/api/v1/track"))
            .send_json(json!({"receipt": sent["receipt"]}))
            .unwrap(),
    );
    assert_eq!(t.status, 200);

    assert_eq!(officer.get("/api/v1/staff/audit").status, 403);

    // Sixty-one days on (both instances share the clock), the verification limit has passed:
    // the deadline job on both at once escalates once and sends one set of mails.
    a.advance(chrono::Duration::days(61));
    let (sa, sb) = (a.services.clone(), b.services.clone());
    let ta = std::thread::spawn(move || sa.check_deadlines(sa.today()).unwrap().escalated);
    let tb = std::thread::spawn(move || sb.check_deadlines(sb.today()).unwrap().escalated);
    assert_eq!(
        ta.join().unwrap() + tb.join().unwrap(),
        1,
        "escalated exactly once"
    );
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
