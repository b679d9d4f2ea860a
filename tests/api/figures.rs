//! The kept oversight figures (issue 14): the dashboard, the evaluation, the report and the
//! supervision page give a result worked out before while the change counters of its period's
//! days (`figure_versions`, raised by triggers in the same transaction as each change) are
//! unchanged. After every kind of step a case takes, what they give must equal a recomputation
//! from the rows, for the district and for single units.

use crate::helpers::*;
use crate::on_both_backends;
use serde_json::json;

/// The kept figures of the last twelve weeks equal the ones worked out from the rows.
fn kept_equal_fresh(app: &TestApp, after: &str) {
    let s = &app.services;
    let to = app.today();
    let from = to - chrono::Duration::days(83);
    for unit in [None, Some("fire"), Some("market"), Some("huli")] {
        let kept = s.oversight(unit, from, to).unwrap();
        let fresh = s.oversight_fresh(unit, from, to).unwrap();
        assert_eq!(
            format!("{kept:?}"),
            format!("{fresh:?}"),
            "after {after}, {unit:?}"
        );
        let kept = s.timeliness_in(unit, from, to).unwrap();
        let fresh = s.timeliness_fresh(unit, from, to).unwrap();
        assert_eq!(
            format!("{kept:?}"),
            format!("{fresh:?}"),
            "after {after}, {unit:?}"
        );
    }
}

/// The sum of every day's change counter (they only grow).
fn versions(app: &TestApp) -> i64 {
    app.db
        .scalar("SELECT CAST(COALESCE(SUM(v), 0) AS BIGINT) AS n FROM figure_versions")
}

on_both_backends! {
    fn kept_figures_follow_every_step_of_a_case(app) {
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let head = app.staff("fire.head", "head", Some("fire"));
        let coord = app.staff("coord", "coordinator", None);
        let cases: Vec<String> = ["fire_safety", "fire_safety", "fire_safety", "gas"]
            .iter()
            .map(|s| app.new_case(s))
            .collect();
        let (a, b, c) = (&cases[0], &cases[1], &cases[2]);
        // Every day with tips has a counter.
        assert_eq!(
            app.db.scalar("SELECT COUNT(*) AS n FROM tips WHERE date(submitted_at) NOT IN (SELECT day FROM figure_versions)"),
            0
        );
        // The pages read the kept figures too.
        assert_eq!(coord.get("/staff/dashboard").status, 200);
        assert_eq!(coord.get("/staff/supervision").status, 200);
        kept_equal_fresh(&app, "submissions");
        let received = app.services.oversight(None, app.today() - chrono::Duration::days(83), app.today()).unwrap().total.received;
        assert_eq!(received, 4);

        let mut before = versions(&app);
        let mut step = |what: &str, answer: Answer| {
            assert!((200..300).contains(&answer.status), "{what}: {} {}", answer.status, answer.text);
            let now = versions(&app);
            assert!(now > before, "{what} raised no counter");
            before = now;
            kept_equal_fresh(&app, what);
        };
        step("accept", officer.act(a, json!({"action": "accept"})));
        step("transfer", coord.act(b, json!({"action": "transfer", "department": "market", "reason": "涉及电梯，属特种设备"})));
        step("start verification", officer.act(a, json!({"action": "start_verification"})));
        step("substantiate", officer.act(a, json!({"action": "substantiate", "finding": FINDING})));
        step("message", officer.post(&format!("/api/v1/staff/tips/{a}/messages"), &json!({"body": "已核实，正在整改"})));
        step("order rectification", officer.act(a, json!({"action": "order_rectification", "responsible_party": "某某海鲜酒楼", "measures": "气瓶移出地下室", "deadline": "2099-01-01"})));
        step("confirm rectified", officer.act(a, json!({"action": "confirm_rectified"})));
        officer.steps(c, &["accept", "start_verification"]);
        step("unsubstantiate", officer.act(c, json!({"action": "unsubstantiate", "finding": FINDING})));
        step("close", head.act(c, json!({"action": "close"})));
        step("reopen", coord.act(c, json!({"action": "reopen", "reason": "督查发现核查不实，重新核查"})));
        // A change written straight into the database is caught by the same triggers.
        let day_before = match app.db.sqlite_path {
            Some(_) => "datetime(submitted_at, '-1 day')",
            None => "submitted_at - INTERVAL '1 day'",
        };
        app.exec(&format!("UPDATE tips SET submitted_at = {day_before} WHERE case_number = '{b}'"));
        assert!(versions(&app) > before);
        kept_equal_fresh(&app, "a tip moved to the day before");
        // Limits pass with time alone: nothing is written, the day changes.
        app.advance(chrono::Duration::days(9));
        kept_equal_fresh(&app, "nine days");
        app.advance(chrono::Duration::days(30));
        kept_equal_fresh(&app, "thirty-nine days");
    }
}
