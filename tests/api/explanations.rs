//! Written explanations for every limit and their acknowledgement: a case's acceptance,
//! verification, feedback and rectification limits are explained once passed (and only then),
//! the explanations are kept in order with an optional new date, 区安委办 accepts or returns
//! each (a returned one asks again), the report and the evaluation use them; a hazard's
//! explanations likewise; and 区安委办 reopens a finished case for verification (复查).

use crate::helpers::*;
use crate::on_both_backends;
use serde_json::{Value, json};

fn case_json(who: &StaffClient, case: &str) -> Value {
    who.get(&format!("/api/v1/staff/tips/{case}")).json
}

fn texts(case: &Value) -> Vec<String> {
    case["explanations"]
        .as_array()
        .expect("a list of explanations")
        .iter()
        .map(|e| e["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Moves the clock on by `days` and signs `who` in again (sessions end while idle).
fn days_later(app: &TestApp, days: i64, who: &str) -> StaffClient {
    app.advance(chrono::Duration::days(days));
    app.services.run_jobs().unwrap();
    app.sign_in(who, PASSWORD).expect("signing in")
}

/// A case ordered rectified by the day after tomorrow, three days later: its rectification is
/// overdue. Answers the case number and the officer signed in again.
fn late_rectification(app: &TestApp) -> (String, StaffClient) {
    let case = app.new_case("fire_safety");
    let officer = app.staff("fire.officer", "officer", Some("fire"));
    officer.steps(&case, &["accept", "start_verification", "substantiate"]);
    let deadline = (app.today() + chrono::Duration::days(2)).to_string();
    let order = officer.act(
        &case,
        json!({"action": "order_rectification", "deadline": deadline,
               "responsible_party": "业主", "measures": "清理安全出口"}),
    );
    assert_eq!(order.status, 200, "{}", order.text);
    let officer = days_later(app, 3, "fire.officer");
    (case, officer)
}

on_both_backends! {
    /// Acceptance, verification, feedback and rectification: each is refused (409) while its
    /// limit runs and accepted once it has passed, with its new date; all four are kept.
    fn each_limit_is_explained_once_it_has_passed(app) {
        app.set_now("2026-11-02T10:00:00+08:00");
        let case = app.new_case("fire_safety");
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let explain = |who: &StaffClient, limit: &str, text: &str| {
            who.act(&case, json!({"action": "explain_delay", "limit": limit, "explanation": text}))
        };
        for limit in ["acceptance", "verification", "feedback", "rectification"] {
            assert_eq!(explain(&officer, limit, "x").status, 409, "{limit} has not passed");
        }
        // Acceptance was due on Monday 9 November (five working days).
        let officer = days_later(&app, 8, "fire.officer");
        let bad = explain(&officer, "weekly", "x");
        assert_eq!(bad.status, 422, "{}", bad.text);
        assert!(bad.json["fields"]["limit"].is_array(), "{}", bad.text);
        let past = officer.act(&case, json!({"action": "explain_delay", "limit": "acceptance", "explanation": "x", "new_date": "2026-01-01"}));
        assert_eq!(past.status, 422);
        assert!(past.json["fields"]["new_date"].is_array(), "{}", past.text);
        let a = officer.act(&case, json!({"action": "explain_delay", "limit": "acceptance",
            "explanation": "举报地址不详，已电话联系核实地址。", "new_date": "2026-11-11"}));
        assert_eq!(a.status, 200, "{}", a.text);
        let e = &a.json["explanations"][0];
        assert_eq!((e["limit"].as_str(), e["new_date"].as_str(), e["by"].as_str()), (Some("acceptance"), Some("2026-11-11"), Some("fire.officer")));
        assert!(e["decision"].is_null() && e["id"].is_i64(), "{e}");
        // Verification: 60 days from acceptance.
        officer.steps(&case, &["accept"]);
        assert_eq!(explain(&officer, "verification", "x").status, 409);
        let officer = days_later(&app, 61, "fire.officer");
        assert_eq!(explain(&officer, "verification", "需检测机构出具报告，已延迟。").status, 200);
        // Feedback: 10 days after the result, unless the reporter is told.
        officer.steps(&case, &["start_verification", "substantiate"]);
        assert_eq!(explain(&officer, "feedback", "x").status, 409);
        let officer = days_later(&app, 11, "fire.officer");
        assert_eq!(explain(&officer, "feedback", "举报人电话无法接通。").status, 200);
        assert_eq!(explain(&officer, "rectification", "x").status, 409, "none ordered");
        let deadline = (app.today() + chrono::Duration::days(1)).to_string();
        assert_eq!(officer.act(&case, json!({"action": "order_rectification", "deadline": deadline, "responsible_party": "业主", "measures": "清理"})).status, 200);
        let officer = days_later(&app, 2, "fire.officer");
        // Without `limit`: the rectification, as in version 1.
        let r = officer.act(&case, json!({"action": "explain_delay", "explanation": "防火门到货延迟。"}));
        assert_eq!(r.status, 200, "{}", r.text);
        let c = case_json(&officer, &case);
        let limits: Vec<&str> = c["explanations"].as_array().unwrap().iter().map(|e| e["limit"].as_str().unwrap()).collect();
        assert_eq!(limits, ["acceptance", "verification", "feedback", "rectification"]);
        assert_eq!(c["rectification"]["delay_explanation"], "防火门到货延迟。");
        // The history says which limit, in words.
        let page = Browser::new(&app);
        page.sign_in("fire.officer", PASSWORD, "");
        let (_, html) = page.get(&format!("/staff/tips/{case}"));
        assert!(html.contains("受理期限：举报地址不详"), "{html}");
        assert!(html.contains("id=\"explanations\""));
    }
}

on_both_backends! {
    /// Two explanations are kept in order; only the coordinator accepts or returns one (a
    /// return needs a note); a returned explanation no longer counts, so confirming the
    /// rectification needs a new one, which the case page asks for.
    fn explanations_are_kept_and_acknowledged_by_the_coordinator(app) {
        let (case, officer) = late_rectification(&app);
        let head = app.staff("fire.head", "head", Some("fire"));
        let coord = app.staff("coord", "coordinator", None);
        for text in ["防火门厂家停产，正在另行采购。", "新防火门预计下周安装。"] {
            let a = officer.act(&case, json!({"action": "explain_delay", "limit": "rectification", "explanation": text}));
            assert_eq!(a.status, 200, "{}", a.text);
        }
        let c = case_json(&officer, &case);
        assert_eq!(texts(&c), ["防火门厂家停产，正在另行采购。", "新防火门预计下周安装。"]);
        let first = c["explanations"][0]["id"].as_i64().unwrap();
        let second = c["explanations"][1]["id"].as_i64().unwrap();
        assert!(!c["actions"].as_array().unwrap().contains(&json!("acknowledge_explanation")));
        let ack = |who: &StaffClient, id: i64, decision: &str, note: &str| {
            who.act(&case, json!({"action": "acknowledge_explanation", "explanation_id": id, "decision": decision, "note": note}))
        };
        assert_eq!(ack(&officer, first, "accepted", "").status, 403);
        assert_eq!(ack(&head, first, "accepted", "").status, 403);
        let no_note = ack(&coord, first, "returned", "");
        assert_eq!(no_note.status, 422);
        assert!(no_note.json["fields"]["note"].is_array(), "{}", no_note.text);
        assert_eq!(ack(&coord, first, "maybe", "x").status, 422);
        assert_eq!(ack(&coord, 999_999, "accepted", "").status, 422);
        let r = ack(&coord, first, "returned", "未说明临时措施");
        assert_eq!(r.status, 200, "{}", r.text);
        let e = &r.json["explanations"][0];
        assert_eq!((e["decision"].as_str(), e["decided_by"].as_str(), e["decision_note"].as_str()), (Some("returned"), Some("coord"), Some("未说明临时措施")));
        assert_eq!(ack(&coord, first, "accepted", "").status, 409, "decided already");
        // The second still stands: confirming is allowed by it; return it too, and it is not.
        assert_eq!(ack(&coord, second, "returned", "仍未说明临时措施").status, 200);
        let refused = officer.act(&case, json!({"action": "confirm_rectified"}));
        assert_eq!(refused.status, 409);
        assert!(refused.json["message"].as_str().unwrap().contains("延期说明"), "{}", refused.text);
        // The page asks again, and offers the form with the missed limit only.
        let page = Browser::new(&app);
        page.sign_in("fire.officer", PASSWORD, "");
        let (_, html) = page.get(&format!("/staff/tips/{case}"));
        assert!(element_text(&html, "explanation-requested").is_some_and(|t| t.contains("整改期限")), "{html}");
        assert!(html.contains("<option value=\"rectification\"") && !html.contains("<option value=\"acceptance\""), "{html}");
        assert!(html.contains("已退回"));
        let a = officer.act(&case, json!({"action": "explain_delay", "explanation": "已设置临时隔离和专人值守，新门周五安装。", "new_date": (app.today() + chrono::Duration::days(3)).to_string()}));
        assert_eq!(a.status, 200);
        let third = a.json["explanations"][2]["id"].as_i64().unwrap();
        // The coordinator decides on the page: a return without a note comes back with the error.
        let coord_page = Browser::new(&app);
        coord_page.sign_in("coord", PASSWORD, "");
        let path = format!("/staff/tips/{case}");
        let (_, html) = coord_page.get(&path);
        assert!(html.contains("name=\"decision\" value=\"returned\""), "{html}");
        let csrf = coord_page.csrf(&path);
        let id = third.to_string();
        let form = |decision: &'static str, note: &'static str| {
            vec![("csrf", csrf.clone()), ("action", "acknowledge_explanation".into()), ("explanation_id", id.clone()), ("decision", decision.into()), ("note", note.into())]
        };
        let send = |fields: Vec<(&str, String)>| {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            coord_page.post(&format!("{path}/act"), &f)
        };
        let (status, html, _) = send(form("returned", ""));
        assert_eq!(status, 422);
        assert!(element_text(&html, "acknowledge-errors").is_some(), "{html}");
        let (status, _, to) = send(form("accepted", "同意"));
        assert_eq!((status, to), (303, Some(format!("{path}?done=acknowledge_explanation"))));
        assert_eq!(case_json(&coord, &case)["explanations"][2]["decision"], "accepted");
        assert_eq!(officer.act(&case, json!({"action": "confirm_rectified"})).json["status"], "rectified");
        // Audit and history hold each step.
        let history: Vec<String> = case_json(&coord, &case)["history"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap().to_owned()).collect();
        assert_eq!(history.iter().filter(|a| *a == "acknowledge_explanation").count(), 3);
        assert_eq!(history.iter().filter(|a| *a == "explain_delay").count(), 3);
        let audit = app.staff("insp", "inspector", None).get("/api/v1/staff/audit");
        assert!(audit.text.contains("acknowledge_explanation"), "{}", audit.text);
    }
}

on_both_backends! {
    /// 复查: the coordinator reopens a refused, an unfounded and a closed case for verification
    /// with a new verification limit; not a case still running, and nobody else.
    fn the_coordinator_reopens_finished_cases(app) {
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let head = app.staff("fire.head", "head", Some("fire"));
        let coord = app.staff("coord", "coordinator", None);
        let refused = app.new_case("fire_safety");
        assert_eq!(officer.act(&refused, json!({"action": "reject", "reason": "不属于安全生产隐患"})).status, 200);
        let unfounded = app.new_case("fire_safety");
        officer.steps(&unfounded, &["accept", "start_verification", "unsubstantiate"]);
        let closed = app.new_case("fire_safety");
        officer.steps(&closed, &["accept", "start_verification", "unsubstantiate"]);
        assert_eq!(head.act(&closed, json!({"action": "close"})).status, 200);
        let running = app.new_case("fire_safety");
        officer.steps(&running, &["accept"]);

        let reopen = json!({"action": "reopen", "reason": "督查发现核查不实，重新核查"});
        assert_eq!(officer.act(&refused, reopen.clone()).status, 403);
        assert_eq!(head.act(&closed, reopen.clone()).status, 403);
        assert_eq!(coord.act(&refused, json!({"action": "reopen"})).status, 422);
        assert_eq!(coord.act(&running, reopen.clone()).status, 409);
        let limit = (app.today() + chrono::Duration::days(60)).to_string();
        for case in [&refused, &unfounded, &closed] {
            let a = coord.act(case, reopen.clone());
            assert_eq!(a.status, 200, "{case}: {}", a.text);
            assert_eq!(a.json["status"], "verifying");
            assert_eq!(a.json["deadlines"]["verification"], limit.as_str());
            assert_eq!(a.json["deadlines"]["feedback"], Value::Null);
            assert!(a.json["reject_reason"].is_null());
        }
        // The case goes on from verification.
        assert_eq!(officer.act(&refused, json!({"action": "substantiate", "finding": FINDING})).status, 200);
        // The page offers the coordinator the form in the allowed statuses only.
        let page = Browser::new(&app);
        page.sign_in("coord", PASSWORD, "");
        let (_, html) = page.get(&format!("/staff/tips/{running}"));
        assert!(!html.contains("value=\"reopen\""));
        assert_eq!(coord.act(&running, json!({"action": "reject", "reason": "重复"})).status, 409);
        let other = app.new_case("fire_safety");
        assert_eq!(officer.act(&other, json!({"action": "reject", "reason": "不属于安全生产隐患"})).status, 200);
        let (_, html) = page.get(&format!("/staff/tips/{other}"));
        assert!(html.contains("value=\"reopen\""), "{html}");
    }
}

on_both_backends! {
    /// The report lists each missed limit with its explanations and where they stand, instead
    /// of "no written explanation"; the evaluation counts the overdue cases whose explanations
    /// were accepted.
    fn the_report_and_the_evaluation_use_the_explanations(app) {
        app.set_now("2026-11-02T10:00:00+08:00");
        let explained = app.new_case("fire_safety");
        let silent = app.new_case("fire_safety");
        app.add_user("fire.officer", "officer", Some("fire"), None);
        let officer = days_later(&app, 8, "fire.officer");
        let coord = app.staff("coord", "coordinator", None);
        let a = officer.act(&explained, json!({"action": "explain_delay", "limit": "acceptance", "explanation": "系统故障未能及时受理。"}));
        assert_eq!(a.status, 200, "{}", a.text);
        let id = a.json["explanations"][0]["id"].as_i64().unwrap();
        let html = coord.get("/staff/report?from=2026-11-01&to=2026-11-30&unit=fire").text;
        assert!(html.contains("系统故障未能及时受理。（待审核）"), "{html}");
        assert!(html.contains(&format!("<th scope=\"row\">{silent}</th>")) && html.contains("无书面说明"));
        assert_eq!(coord.act(&explained, json!({"action": "acknowledge_explanation", "explanation_id": id, "decision": "accepted"})).status, 200);
        let html = coord.get("/staff/report?from=2026-11-01&to=2026-11-30&unit=fire").text;
        assert!(html.contains("系统故障未能及时受理。（已采纳）"), "{html}");
        let csv = coord.get("/staff/report.csv?from=2026-11-01&to=2026-11-30&unit=fire").text;
        assert!(csv.contains("系统故障未能及时受理。（已采纳）"), "{csv}");
        // Two overdue, none a late rectification, one with its explanation accepted.
        let dash = without_labels(&coord.get("/staff/dashboard?from=2026-11-01&to=2026-11-30").text);
        assert!(dash.contains("逾期说明已采纳"), "{dash}");
        assert!(dash.contains("<tr data-unit=\"fire\"><th scope=\"row\">区消防救援大队</th><td class=\"num\">2</td><td class=\"num\">0.0%</td><td class=\"num\">—</td><td class=\"num\">—</td><td class=\"num\">2</td><td class=\"num\">0</td><td class=\"num\">1</td>"), "{dash}");
        let eval = coord.get("/staff/evaluation.csv?from=2026-11-01&to=2026-11-30&lang=en").text;
        assert!(eval.contains("\"Overdue with explanations accepted\""), "{eval}");
    }
}

on_both_backends! {
    /// A hazard past its deadline: its explanations are kept with their new dates, the
    /// coordinator accepts or returns each, and a returned one does not let it be reported
    /// rectified; the hazard page lists them with the coordinator's buttons.
    fn hazard_explanations_are_listed_and_acknowledged(app) {
        let e = crate::hazards::enterprise(&app, "某某海鲜酒楼", "91350100M000100Y43");
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let mut body = crate::hazards::hazard_body(&app, e);
        body["deadline"] = json!((app.today() + chrono::Duration::days(2)).to_string());
        let h = officer.post("/api/v1/staff/hazards", &body);
        assert_eq!(h.status, 201, "{}", h.text);
        let path = format!("/api/v1/staff/hazards/{}", h.json["id"]);
        let step = |who: &StaffClient, b: Value| who.post(&format!("{path}/actions"), &b);
        let officer = days_later(&app, 3, "fire.officer");
        let head = app.staff("fire.head", "head", Some("fire"));
        let coord = app.staff("coord", "coordinator", None);
        let new_date = (app.today() + chrono::Duration::days(7)).to_string();
        let a = step(&officer, json!({"action": "explain_delay", "explanation": "资金未到位。", "new_date": new_date}));
        assert_eq!(a.status, 200, "{}", a.text);
        let first = &a.json["explanations"][0];
        assert_eq!((first["limit"].as_str(), first["new_date"].as_str()), (Some("rectification"), Some(new_date.as_str())));
        let id = first["id"].as_i64().unwrap();
        let ack = |who: &StaffClient, id: i64, decision: &str, note: &str| {
            step(who, json!({"action": "acknowledge_explanation", "explanation_id": id, "decision": decision, "note": note}))
        };
        assert_eq!(ack(&head, id, "accepted", "").status, 403);
        assert_eq!(ack(&coord, id, "returned", "").status, 422);
        let r = ack(&coord, id, "returned", "请说明资金到位时间");
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json["explanations"][0]["decision"], "returned");
        assert_eq!(ack(&coord, id, "accepted", "").status, 409);
        let report = json!({"action": "report_rectified", "completed_on": app.today().to_string(), "note": "已整改"});
        assert_eq!(step(&officer, report.clone()).status, 409, "a returned explanation asks again");
        let b = step(&officer, json!({"action": "explain_delay", "explanation": "资金下周到位，已限量存放。"}));
        assert_eq!(b.status, 200);
        let second = b.json["explanations"][1]["id"].as_i64().unwrap();
        // The page lists both, with the coordinator's buttons beside the one awaiting.
        let page = Browser::new(&app);
        page.sign_in("coord", PASSWORD, "");
        let (_, html) = page.get(&format!("/staff/hazards/{}", h.json["id"]));
        assert!(html.contains("资金未到位。") && html.contains("已退回") && html.contains("待审核"), "{html}");
        assert!(html.contains(&format!("name=\"explanation_id\" value=\"{second}\"")), "{html}");
        assert!(!html.contains(&format!("name=\"explanation_id\" value=\"{id}\"")), "decided already");
        assert_eq!(ack(&coord, second, "accepted", "").status, 200);
        assert_eq!(step(&officer, report).status, 200);
        let history = coord.get(&path).json["history"].to_string();
        assert!(history.contains("acknowledge_explanation"), "{history}");
    }
}

/// Runs `down` then `up` of this change's migration on the app's database: what an
/// installation upgraded from the single `delay_explanation` (and the hazards' history rows)
/// goes through, from a database that has the older shape.
fn migrate_down_and_up_again(app: &TestApp) {
    use diesel::Connection;
    use diesel::migration::MigrationSource;
    use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
    const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
    const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
    fn again<C, B>(conn: &mut C, source: EmbeddedMigrations)
    where
        C: MigrationHarness<B>,
        B: diesel::backend::Backend,
        EmbeddedMigrations: MigrationSource<B>,
    {
        let all = MigrationSource::<B>::migrations(&source).unwrap();
        let m = all
            .iter()
            .find(|m| m.name().to_string().contains("explanations"))
            .expect("the explanations migration");
        conn.revert_migration(m.as_ref()).unwrap();
        conn.run_migration(m.as_ref()).unwrap();
    }
    match &app.db.sqlite_path {
        Some(path) => {
            let mut c = diesel::SqliteConnection::establish(&path.display().to_string()).unwrap();
            again(&mut c, SQLITE);
        }
        None => {
            let mut c = diesel::PgConnection::establish(&app.db.url).unwrap();
            again(&mut c, POSTGRES);
        }
    }
}

on_both_backends! {
    /// The migration moves a case's single explanation (written by the last `explain_delay` in
    /// its history) and a hazard's explanation rows into the list; undone, it puts the latest
    /// back in `delay_explanation`.
    fn the_migration_moves_the_explanations_kept_before(app) {
        let (case, officer) = late_rectification(&app);
        for text in ["第一次说明。", "第二次说明。"] {
            assert_eq!(officer.act(&case, json!({"action": "explain_delay", "explanation": text})).status, 200);
        }
        let e = crate::hazards::enterprise(&app, "某某海鲜酒楼", "91350100M000100Y43");
        let mut body = crate::hazards::hazard_body(&app, e);
        body["found_on"] = json!((app.today() - chrono::Duration::days(9)).to_string());
        body["deadline"] = json!((app.today() - chrono::Duration::days(1)).to_string());
        let h = officer.post("/api/v1/staff/hazards", &body);
        assert_eq!(h.status, 201, "{}", h.text);
        let path = format!("/api/v1/staff/hazards/{}/actions", h.json["id"]);
        let new_date = (app.today() + chrono::Duration::days(5)).to_string();
        let a = officer.post(&path, &json!({"action": "explain_delay", "explanation": "资金未到位。", "new_date": new_date}));
        assert_eq!(a.status, 200, "{}", a.text);

        migrate_down_and_up_again(&app);

        let c = case_json(&officer, &case);
        assert_eq!(texts(&c), ["第二次说明。"], "version 1 kept the latest only");
        let moved = &c["explanations"][0];
        assert_eq!((moved["limit"].as_str(), moved["by"].as_str()), (Some("rectification"), Some("fire.officer")));
        let hazard = officer.get(&format!("/api/v1/staff/hazards/{}", h.json["id"])).json;
        let moved = &hazard["explanations"][0];
        assert_eq!((moved["text"].as_str(), moved["new_date"].as_str(), moved["by"].as_str()), (Some("资金未到位。"), Some(new_date.as_str()), Some("fire.officer")));
        assert_eq!(officer.act(&case, json!({"action": "confirm_rectified"})).status, 200, "it still explains the delay");
    }
}
