//! Hazards (隐患) through HTTP: recording one and every way a record is refused, who sees which,
//! the lifecycle from report to 销号 with its four eyes, the other steps (extend, explain,
//! escalate, supervise, resume, assign), the hazard a tip's rectification order creates, the
//! overdue job, and the pages that record and show a hazard.

use crate::helpers::*;
use crate::on_both_backends;
use serde_json::{Value, json};
use tipline::domain::credit_code::check_character;

/// A valid credit code made from seventeen characters and their check character.
pub fn credit_code(first17: &str) -> String {
    let check = check_character(first17.as_bytes()).expect("characters of the code's alphabet");
    format!("{first17}{check}")
}

/// Registers an enterprise in the street (arrange: the enterprise API is not this test's).
pub fn enterprise(app: &TestApp, name: &str, code: &str) -> i64 {
    use tipline::db::enterprises::{NewEnterprise, insert};
    let row = NewEnterprise {
        name,
        credit_code: Some(code),
        address: "湖里区江头北路 216 号",
        street: "jiangtou",
        sector: "fire_safety",
        created_by: "test",
        created_at: tipline::db::timestamp(app.now()),
    };
    app.services
        .db
        .write(|conn| insert(conn, &row).map_err(tipline::services::ServiceError::from))
        .expect("storing an enterprise")
}

/// The value of `attr` on the element whose id is `id`.
fn element_attr(html: &str, id: &str, attr: &str) -> Option<String> {
    let tag_start = html[..html.find(&format!("id=\"{id}\""))?].rfind('<')?;
    let tag = &html[tag_start..tag_start + html[tag_start..].find('>')?];
    let start = tag.find(&format!("{attr}=\""))? + attr.len() + 2;
    Some(tag[start..start + tag[start..].find('"')?].to_owned())
}

/// A valid hazard body found by the fire department in Jiangtou.
pub fn hazard_body(app: &TestApp, enterprise_id: i64) -> Value {
    let today = app.today();
    json!({
        "source": "department_inspection",
        "enterprise_id": enterprise_id,
        "description": "三楼安全出口被货物堵塞，疏散指示标志损坏。",
        "grade": "general",
        "found_on": (today - chrono::Duration::days(1)).to_string(),
        "department": "fire",
        "street": "jiangtou",
        "responsible_person": "王经理",
        "supervisor": "消防大队 李监督员",
        "street_official": "江头街道 陈干事",
        "measures": "清理安全出口，更换疏散指示标志。",
        "deadline": (today + chrono::Duration::days(30)).to_string(),
        "suspend_operations": false
    })
}

/// Records a hazard and answers its id.
fn record(app: &TestApp, who: &StaffClient, body: &Value) -> i64 {
    let a = who.post("/api/v1/staff/hazards", body);
    assert_eq!(a.status, 201, "{}", a.text);
    let _ = app;
    a.json["id"].as_i64().expect("an id")
}

/// A step on a hazard.
fn step(who: &StaffClient, id: i64, body: Value) -> Answer {
    who.post(&format!("/api/v1/staff/hazards/{id}/actions"), &body)
}

fn history(who: &StaffClient, id: i64) -> Vec<String> {
    let a = who.get(&format!("/api/v1/staff/hazards/{id}"));
    a.json["history"]
        .as_array()
        .expect("a history")
        .iter()
        .map(|e| e["step"].as_str().unwrap_or_default().to_owned())
        .collect()
}

on_both_backends! {
    /// A recorded hazard answers 201 with its number `YH-<year>-000001`, status open, its
    /// people, and a first history row; the audit log has it under its number.
    fn recording_a_hazard_answers_its_number_and_open_status(app) {
        let e = enterprise(&app, "某某海鲜酒楼", &credit_code("91350206MA2Y3K4L5"));
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let a = officer.post("/api/v1/staff/hazards", &hazard_body(&app, e));
        assert_eq!(a.status, 201, "{}", a.text);
        let year = chrono::Datelike::year(&app.today());
        assert_eq!(a.json["number"], format!("YH-{year}-000001"));
        assert_eq!(a.json["status"], "open");
        assert_eq!(a.json["source"], "department_inspection");
        assert_eq!(a.json["enterprise"]["name"], "某某海鲜酒楼");
        assert_eq!(a.json["responsible_person"], "王经理");
        assert_eq!(a.json["steps"], json!(["report_rectified", "assign"]));
        let id = a.json["id"].as_i64().unwrap();
        assert_eq!(history(&officer, id), ["created"]);
        let second = officer.post("/api/v1/staff/hazards", &hazard_body(&app, e));
        assert_eq!(second.json["number"], format!("YH-{year}-000002"));
        let coord = app.staff("coord", "coordinator", None);
        let audit = coord.get(&format!("/api/v1/staff/audit?case_number=YH-{year}-000001"));
        assert!(audit.json["entries"].as_array().unwrap().iter().any(|x| x["action"] == "hazard_created" && x["actor"] == "fire.officer"), "{}", audit.text);
    }

    /// Every bad input is a 422 naming its field, never a 500 (NUL included, on both
    /// databases), and nothing is stored.
    fn bad_input_is_refused_field_by_field(app) {
        let e = enterprise(&app, "某某海鲜酒楼", &credit_code("91350206MA2Y3K4L5"));
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let coord = app.staff("coord", "coordinator", None);
        let today = app.today();
        let day = |d: i64| (today + chrono::Duration::days(d)).to_string();
        let mut wrong_check = credit_code("91350206MA2Y3K4L5");
        let last = if wrong_check.ends_with('0') { "1" } else { "0" };
        wrong_check.replace_range(17..18, last);
        let cases: Vec<(&str, Value, &str)> = vec![
            ("source", json!({"source": "rumour"}), "请从列表中选择隐患来源"),
            ("source", json!({"source": null}), "此项必填"),
            ("department", json!({"department": "nowhere"}), "没有这个部门或街道"),
            ("street", json!({"street": "atlantis"}), "没有这个部门或街道"),
            ("street", json!({"street": null}), "此项必填"),
            ("deadline", json!({"deadline": day(-5), "found_on": day(-1)}), "不能早于发现日期"),
            ("deadline", json!({"deadline": "next week"}), "年-月-日"),
            ("found_on", json!({"found_on": day(1)}), "不能晚于现在"),
            ("basis", json!({"grade": "major"}), "判定依据"),
            ("grade", json!({"grade": "catastrophic"}), "一般隐患"),
            ("credit_code", json!({"enterprise_id": null, "credit_code": wrong_check}), "校验码"),
            ("credit_code", json!({"enterprise_id": null, "credit_code": "12345"}), "18 位"),
            ("enterprise_id", json!({"enterprise_id": 999999}), "没有这个生产经营单位"),
            ("enterprise_id", json!({"enterprise_id": null}), "此项必填"),
            // Found by the schema fuzzer: an unknown inspection answered 404 for the route.
            ("inspection_id", json!({"inspection_id": 9_223_372_036_854_775_806_i64}), "没有这次联合检查"),
            ("description", json!({"description": "堵塞\u{0}出口"}), "控制字符"),
            ("department", json!({"department": "fire\u{0}"}), "控制字符"),
            ("case_number", json!({"source": "tip", "case_number": "HL-2026-\u{0}1"}), "控制字符"),
            ("case_number", json!({"source": "tip", "case_number": "HL-2026-999999"}), "没有这个案件编号"),
            ("case_number", json!({"case_number": "HL-2026-000001"}), "群众举报"),
            ("responsible_person", json!({"responsible_person": ""}), "此项必填"),
            ("measures", json!({"measures": "x".repeat(2_001)}), "最多 2000 个字"),
            ("source", json!({"source": "supervision"}), "督查组"),
            ("department", json!({"department": "market", "street": "jinshan"}), "本部门监管"),
        ];
        for (field, change, text) in cases {
            let mut body = hazard_body(&app, e);
            for (k, v) in change.as_object().unwrap() {
                body[k] = v.clone();
            }
            let a = officer.post("/api/v1/staff/hazards", &body);
            assert_eq!(a.status, 422, "{field} {change}: {}", a.text);
            let said = a.json["fields"][field].to_string();
            assert!(said.contains(text), "{field} {change}: {}", a.text);
        }
        // Several wrong fields are told at once.
        let mut body = hazard_body(&app, e);
        body["department"] = json!("nowhere");
        body["found_on"] = json!(day(2));
        body["measures"] = json!("");
        let a = coord.post("/api/v1/staff/hazards", &body);
        assert_eq!(a.status, 422);
        for f in ["department", "found_on", "measures"] {
            assert!(a.json["fields"][f].is_array(), "{f}: {}", a.text);
        }
        // In English too.
        let a = answer(officer.agent.post(app.url("/api/v1/staff/hazards?lang=en")).header("x-csrf-token", &officer.csrf).send_json(json!({})).unwrap());
        assert_eq!(a.status, 422);
        assert!(a.json["fields"]["source"].to_string().contains("required"), "{}", a.text);
        // A NUL in a step's field, too.
        let id = record(&app, &officer, &hazard_body(&app, e));
        let a = step(&officer, id, json!({"action": "report_rectified", "completed_on": today.to_string(), "note": "已\u{0}整改"}));
        assert_eq!((a.status, a.json["fields"]["note"].is_array()), (422, true), "{}", a.text);
        // By credit code instead of id.
        let mut body = hazard_body(&app, e);
        body["enterprise_id"] = Value::Null;
        body["credit_code"] = json!(credit_code("91350206MA2Y3K4L5").to_lowercase());
        assert_eq!(coord.post("/api/v1/staff/hazards", &body).status, 201);
        // Nothing refused was stored: the numbers have no gaps.
        let year = chrono::Datelike::year(&app.today());
        assert_eq!(coord.get(&format!("/api/v1/staff/hazards/{id}")).json["number"], format!("YH-{year}-000001"));
    }

    /// The supervising department and the host sub-district see a hazard, another unit gets
    /// the same 404 as a missing one, finance is refused, inspectors and the coordinator see
    /// all; the steps offered follow who is asking.
    fn who_sees_which_hazards(app) {
        let e = enterprise(&app, "某某海鲜酒楼", &credit_code("91350206MA2Y3K4L5"));
        let coord = app.staff("coord", "coordinator", None);
        let id = record(&app, &coord, &hazard_body(&app, e));
        let path = format!("/api/v1/staff/hazards/{id}");
        let fire = app.staff("fire.officer", "officer", Some("fire"));
        let jiangtou = app.staff("jiangtou.officer", "officer", Some("jiangtou"));
        let jinshan = app.staff("jinshan.officer", "officer", Some("jinshan"));
        let market = app.staff("market.head", "head", Some("market"));
        let inspector = app.staff("insp", "inspector", None);
        let finance = app.staff("fin", "finance", None);
        for (who, status) in [(&fire, 200), (&jiangtou, 200), (&jinshan, 404), (&market, 404), (&inspector, 200), (&coord, 200), (&finance, 403)] {
            assert_eq!(who.get(&path).status, status, "{path}");
        }
        assert_eq!(coord.get("/api/v1/staff/hazards/999999").status, 404);
        assert_eq!(coord.get("/api/v1/staff/hazards/abc").status, 404);
        assert_eq!(app.get(&path).status, 401);
        // Acting: out of reach is 404, a role that may not is 403.
        let report = json!({"action": "report_rectified", "completed_on": app.today().to_string(), "note": "已清理"});
        assert_eq!(step(&jinshan, id, report.clone()).status, 404);
        assert_eq!(step(&coord, 999999, report.clone()).status, 404);
        assert_eq!(step(&finance, id, report.clone()).status, 403);
        assert_eq!(step(&inspector, id, report.clone()).status, 403);
        assert_eq!(finance.post("/api/v1/staff/hazards", &hazard_body(&app, e)).status, 403);
        let steps = |who: &StaffClient| who.get(&path).json["steps"].clone();
        assert_eq!(steps(&inspector), json!(["supervise"]));
        assert_eq!(steps(&jiangtou), json!(["report_rectified", "assign"]));
        assert_eq!(steps(&coord), json!(["report_rectified", "extend", "escalate", "supervise", "assign"]));
        // A sub-district records what it hosts; an inspector only supervision findings.
        let mut hosted = hazard_body(&app, e);
        hosted["source"] = json!("street_inspection");
        hosted["department"] = json!("market");
        assert_eq!(jiangtou.post("/api/v1/staff/hazards", &hosted).status, 201);
        assert_eq!(inspector.post("/api/v1/staff/hazards", &hosted).status, 422);
        hosted["source"] = json!("supervision");
        assert_eq!(inspector.post("/api/v1/staff/hazards", &hosted).status, 201);
        // Without the CSRF header the call is refused.
        assert_eq!(fire.post_without_csrf("/api/v1/staff/hazards", &hazard_body(&app, e)).status, 403);
    }

    /// Report → re-check fails → open → report again → re-check passes → closed, with the
    /// reviewer and the day recorded; who reported a rectification never re-checks it, and a
    /// sub-district never re-checks.
    fn the_whole_lifecycle_through_http(app) {
        let e = enterprise(&app, "某某海鲜酒楼", &credit_code("91350206MA2Y3K4L5"));
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let head = app.staff("fire.head", "head", Some("fire"));
        let street = app.staff("jiangtou.officer", "officer", Some("jiangtou"));
        let id = record(&app, &officer, &hazard_body(&app, e));
        let today = app.today().to_string();
        let report = json!({"action": "report_rectified", "completed_on": today, "note": "安全出口已清理，指示标志已更换。"});
        assert_eq!(step(&officer, id, json!({"action": "review", "decision": "pass"})).status, 409, "nothing reported yet");
        assert_eq!(step(&officer, id, json!({"action": "report_rectified", "completed_on": today})).status, 422, "what was done is required");
        let tomorrow = (app.today() + chrono::Duration::days(1)).to_string();
        let a = step(&officer, id, json!({"action": "report_rectified", "completed_on": tomorrow, "note": "x"}));
        assert!(a.json["fields"]["completed_on"].is_array(), "{}", a.text);
        let a = step(&officer, id, report.clone());
        assert_eq!((a.status, a.json["status"].as_str()), (200, Some("rectified")), "{}", a.text);
        assert_eq!(a.json["rectified_on"], today);
        assert_eq!(a.json["steps"], json!([]), "the reporter may not re-check");
        // Four eyes: the one who reported may not review; the sub-district never re-checks.
        assert_eq!(step(&officer, id, json!({"action": "review", "decision": "pass"})).status, 403);
        assert_eq!(step(&street, id, json!({"action": "review", "decision": "pass"})).status, 403);
        assert_eq!(step(&head, id, json!({"action": "review"})).status, 422, "a decision is needed");
        assert_eq!(step(&head, id, json!({"action": "review", "decision": "maybe"})).status, 422);
        assert_eq!(step(&head, id, json!({"action": "review", "decision": "fail"})).status, 422, "a failed re-check says why");
        assert_eq!(step(&head, id, json!({"action": "review_pass"})).status, 422);
        let a = step(&head, id, json!({"action": "review", "decision": "fail", "note": "指示标志仍不亮。"}));
        assert_eq!((a.status, a.json["status"].as_str()), (200, Some("open")), "{}", a.text);
        assert_eq!(a.json["rectified_on"], Value::Null);
        // The head reports this time; the officer may then re-check it.
        assert_eq!(step(&head, id, report.clone()).status, 200);
        assert_eq!(step(&head, id, json!({"action": "review", "decision": "pass"})).status, 403);
        let a = step(&officer, id, json!({"action": "review", "decision": "pass", "note": "复查合格"}));
        assert_eq!((a.status, a.json["status"].as_str()), (200, Some("closed")), "{}", a.text);
        assert_eq!(a.json["reviewed_by"], "fire.officer");
        assert_eq!(a.json["reviewed_on"], today);
        assert_eq!(step(&officer, id, report).status, 409, "struck off");
        assert_eq!(step(&officer, id, json!({"action": "dance"})).status, 422);
        assert_eq!(
            history(&officer, id),
            ["created", "report_rectified", "review_fail", "report_rectified", "review_pass"]
        );
        let coord = app.staff("coord", "coordinator", None);
        let number = a.json["number"].as_str().unwrap();
        let audit = coord.get(&format!("/api/v1/staff/audit?case_number={number}"));
        let actions: Vec<&str> = audit.json["entries"].as_array().unwrap().iter().filter_map(|x| x["action"].as_str()).collect();
        assert!(actions.contains(&"hazard_review_pass") && actions.contains(&"hazard_review_fail"), "{actions:?}");
    }

    /// Extend (a head, later only, clearing overdue), explain a delay (only when overdue, and
    /// needed before reporting), escalate once, supervise (coordinator or inspector, with a
    /// reason and a due date) and lift it (the coordinator), resume operations once rectified, and assign the responsible people.
    fn the_other_steps_extend_explain_escalate_supervise_resume_assign(app) {
        let e = enterprise(&app, "某某海鲜酒楼", &credit_code("91350206MA2Y3K4L5"));
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let head = app.staff("fire.head", "head", Some("fire"));
        app.add_user("insp", "inspector", None, None);
        app.add_user("coord", "coordinator", None, None);
        let mut body = hazard_body(&app, e);
        body["deadline"] = json!((app.today() + chrono::Duration::days(2)).to_string());
        body["suspend_operations"] = json!(true);
        let id = record(&app, &officer, &body);
        let later = |d: i64| (app.today() + chrono::Duration::days(d)).to_string();
        // Extend: a head only, later than now, with a reason.
        assert_eq!(step(&officer, id, json!({"action": "extend", "deadline": later(9), "reason": "设备到货延迟"})).status, 403);
        let a = step(&head, id, json!({"action": "extend", "deadline": later(1), "reason": "设备到货延迟"}));
        assert!(a.json["fields"]["deadline"].to_string().contains("晚于"), "{}", a.text);
        assert_eq!(step(&head, id, json!({"action": "extend", "deadline": later(9)})).status, 422);
        let a = step(&head, id, json!({"action": "extend", "deadline": later(5), "reason": "设备到货延迟"}));
        assert_eq!((a.status, a.json["deadline"].as_str()), (200, Some(later(5).as_str())), "{}", a.text);
        assert_eq!(a.json["original_deadline"], body["deadline"]);
        // Explaining before the deadline passes is a conflict.
        let explain = json!({"action": "explain_delay", "explanation": "企业资金未到位，已督促。", "new_date": later(20)});
        let a = step(&officer, id, explain.clone());
        assert_eq!((a.status, a.json["error"].as_str()), (409, Some("conflict")));
        // Past the deadline: marked overdue by the job; a report needs the explanation first.
        app.advance(chrono::Duration::days(8));
        app.services.run_jobs().unwrap();
        // The sessions ended while idle: sign in again.
        let again = |who: &str| app.sign_in(who, PASSWORD).expect("signing in");
        let (officer, head, inspector) = (again("fire.officer"), again("fire.head"), again("insp"));
        let path = format!("/api/v1/staff/hazards/{id}");
        assert_eq!(officer.get(&path).json["overdue"], true);
        let report = json!({"action": "report_rectified", "completed_on": app.today().to_string(), "note": "已整改"});
        let a = step(&officer, id, report.clone());
        assert_eq!(a.status, 409);
        assert!(a.json["message"].as_str().unwrap().contains("延期说明"), "{}", a.text);
        let mut bad = explain.clone();
        bad["new_date"] = json!("2000-01-01");
        assert_eq!(step(&officer, id, bad).status, 422);
        assert_eq!(step(&officer, id, explain).status, 200);
        // Extending to a date not past clears overdue.
        let a = step(&head, id, json!({"action": "extend", "deadline": later(10), "reason": "区安委办同意延期"}));
        assert_eq!((a.status, &a.json["overdue"]), (200, &json!(false)), "{}", a.text);
        // Escalate once.
        assert_eq!(step(&officer, id, json!({"action": "escalate", "reason": "x"})).status, 403);
        assert_eq!(step(&head, id, json!({"action": "escalate"})).status, 422);
        let a = step(&head, id, json!({"action": "escalate", "reason": "涉及规划调整，部门无法解决。"}));
        assert_eq!((a.status, a.json["escalated_on"].as_str()), (200, Some(app.today().to_string().as_str())));
        assert_eq!(step(&head, id, json!({"action": "escalate", "reason": "again"})).json["error"], "conflict");
        // Supervise (挂牌督办): inspectors and the coordinator, with a reason and a due date;
        // once; lifted by the coordinator only.
        let coord = app.sign_in("coord", PASSWORD).expect("signing in");
        let listing = json!({"action": "supervise", "reason": "列入挂牌督办", "due": later(5)});
        assert_eq!(step(&head, id, listing.clone()).status, 403);
        assert_eq!(step(&inspector, id, json!({"action": "supervise"})).status, 422);
        let a = step(&inspector, id, listing.clone());
        assert_eq!((a.status, &a.json["supervised"]), (200, &json!(true)), "{}", a.text);
        assert_eq!(a.json["listed_supervision"]["reason"], "列入挂牌督办");
        assert_eq!(step(&inspector, id, listing).status, 409);
        assert_eq!(step(&inspector, id, json!({"action": "lift_supervision"})).status, 403);
        let lifted = step(&coord, id, json!({"action": "lift_supervision"}));
        assert_eq!((&lifted.json["supervised"], &lifted.json["listed_supervision"]), (&json!(false), &json!(null)));
        assert_eq!(step(&coord, id, json!({"action": "lift_supervision"})).status, 409);
        // Assign: names or corrects the responsible people; nothing changed is a field error.
        let a = step(&officer, id, json!({"action": "assign", "leader": "区应急局 张副局长", "responsible_person": "王经理"}));
        assert_eq!((a.status, a.json["leader"].as_str()), (200, Some("区应急局 张副局长")), "{}", a.text);
        assert_eq!(step(&officer, id, json!({"action": "assign", "leader": "区应急局 张副局长"})).status, 422);
        assert_eq!(step(&officer, id, json!({"action": "assign", "supervisor": "x".repeat(101)})).status, 422);
        // Resuming operations (复工) once rectified, recorded with the day.
        assert_eq!(step(&head, id, json!({"action": "lift_suspension"})).status, 409, "not yet rectified");
        assert_eq!(step(&officer, id, report).status, 200);
        let a = step(&head, id, json!({"action": "lift_suspension", "note": "复查合格，准予复工"}));
        assert_eq!((a.status, a.json["resumed_on"].as_str()), (200, Some(app.today().to_string().as_str())), "{}", a.text);
        assert_eq!(step(&head, id, json!({"action": "lift_suspension"})).status, 409);
        assert_eq!(
            history(&officer, id),
            ["created", "extend", "overdue", "explain_delay", "extend", "escalate", "supervise", "lift_supervision", "assign", "report_rectified", "lift_suspension"]
        );
    }

    /// Ordering a tip's rectification creates its hazard (source tip, the case number in the
    /// answer, linked both ways on the pages); recording another for that case is refused, and a
    /// case without one may get it through the API.
    fn ordering_rectification_on_a_tip_creates_its_hazard(app) {
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        app.add_user("fire.head", "head", Some("fire"), None);
        let case = app.new_case("fire_safety");
        officer.steps(&case, &["accept", "start_verification"]);
        assert_eq!(officer.act(&case, json!({"action": "substantiate", "finding": "现场核查属实，安全出口被堵。"})).status, 200);
        let deadline = (app.today() + chrono::Duration::days(15)).to_string();
        let order = officer.act(&case, json!({"action": "order_rectification", "deadline": deadline, "responsible_party": "某某海鲜酒楼 王经理", "measures": "清理安全出口", "suspend_operations": true}));
        assert_eq!(order.status, 200, "{}", order.text);
        let b = Browser::new(&app);
        b.sign_in("fire.head", PASSWORD, "");
        let (_, page) = b.get(&format!("/staff/tips/{case}"));
        let link = element_attr(&page, "hazard-link", "href").expect("the case links to its hazard");
        let id: i64 = link.trim_start_matches("/staff/hazards/").parse().unwrap();
        let h = officer.get(&format!("/api/v1/staff/hazards/{id}"));
        assert_eq!(h.status, 200);
        assert_eq!((h.json["source"].as_str(), h.json["case_number"].as_str()), (Some("tip"), Some(case.as_str())));
        assert_eq!((h.json["deadline"].as_str(), h.json["responsible_person"].as_str()), (Some(deadline.as_str()), Some("某某海鲜酒楼 王经理")));
        assert_eq!(h.json["suspend_operations"], true);
        assert_eq!(h.json["grade"], "major");
        let (status, hazard_page) = b.get(&link);
        assert_eq!(status, 200);
        assert!(hazard_page.contains(&format!("href=\"/staff/tips/{case}\"")), "the hazard links to its case");
        let e = enterprise(&app, "某某海鲜酒楼", &credit_code("91350206MA2Y3K4L5"));
        let mut body = hazard_body(&app, e);
        body["source"] = json!("tip");
        body["case_number"] = json!(case);
        let a = officer.post("/api/v1/staff/hazards", &body);
        assert!(a.json["fields"]["case_number"].to_string().contains("已有"), "{}", a.text);
        // A case verified without an order gets its hazard through the API.
        let other = app.new_case("fire_safety");
        body["case_number"] = json!(other);
        let a = officer.post("/api/v1/staff/hazards", &body);
        assert_eq!((a.status, a.json["case_number"].as_str()), (201, Some(other.as_str())), "{}", a.text);
        // Confirming the rectification on the case strikes the hazard off (the lists and the
        // case agree), by the one who confirmed it.
        assert_eq!(officer.act(&case, json!({"action": "confirm_rectified"})).status, 200);
        let h = officer.get(&format!("/api/v1/staff/hazards/{id}"));
        assert_eq!((h.json["status"].as_str(), h.json["reviewed_by"].as_str()), (Some("closed"), Some("fire.officer")), "{}", h.text);
        // The page's history says so in words, not with the action's code.
        let (_, hazard_page) = b.get(&link);
        assert!(hazard_page.contains(&format!("举报案件 {case} 已确认整改完成")), "{hazard_page}");
        assert!(!hazard_page.contains("confirm_rectified"), "no codes in the history");
    }

    /// A hazard under listed supervision (挂牌督办) is marked on its page, on each list page and
    /// its printable view, and on the page of the case it came from; lifting it removes the marks.
    fn listed_supervision_is_marked_on_the_hazard_the_lists_and_the_case(app) {
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let inspector = app.staff("insp", "inspector", None);
        let case = app.new_case("fire_safety");
        officer.steps(&case, &["accept", "start_verification", "substantiate"]);
        let deadline = (app.today() + chrono::Duration::days(15)).to_string();
        let order = officer.act(&case, json!({"action": "order_rectification", "deadline": deadline, "responsible_party": "某某海鲜酒楼 王经理", "measures": "清理安全出口"}));
        assert_eq!(order.status, 200, "{}", order.text);
        let e = enterprise(&app, "某某五金店", &credit_code("91350206MA2Y3K4L5"));
        let plain = record(&app, &officer, &hazard_body(&app, e));
        app.add_user("fire.head", "head", Some("fire"), None);
        let b = Browser::new(&app);
        b.sign_in("fire.head", PASSWORD, "");
        let case_page = format!("/staff/tips/{case}");
        let link = element_attr(&b.get(&case_page).1, "hazard-link", "href").expect("the case links to its hazard");
        let id: i64 = link.trim_start_matches("/staff/hazards/").parse().unwrap();
        let badge = "<strong class=\"badge\">挂牌督办</strong>";
        let marked_rows = |path: &str| -> usize {
            let (status, html) = b.get(path);
            assert_eq!(status, 200, "{path}");
            html.matches(badge).count()
        };
        let lists = ["/staff/lists/hazards", "/staff/lists/rectifications", "/staff/lists/responsibilities", "/staff/lists/hazards/print"];
        for path in lists {
            assert_eq!(marked_rows(path), 0, "{path}: nothing supervised yet");
        }
        assert!(!b.get(&case_page).1.contains("id=\"case-supervised\""));

        let due = (app.today() + chrono::Duration::days(7)).to_string();
        let a = step(&inspector, id, json!({"action": "supervise", "reason": "列入挂牌督办", "due": due}));
        assert_eq!((a.status, &a.json["supervised"]), (200, &json!(true)), "{}", a.text);
        let number = a.json["number"].as_str().unwrap().to_owned();
        assert_ne!(number, officer.get(&format!("/api/v1/staff/hazards/{plain}")).json["number"].as_str().unwrap());
        assert!(b.get(&link).1.contains(badge), "the hazard page");
        for path in lists {
            let (_, html) = b.get(path);
            assert_eq!(html.matches(badge).count(), 1, "{path}: {html}");
            let before = html[..html.find(badge).unwrap()].trim_end().trim_end_matches("</a>");
            assert!(before.ends_with(&number), "{path}: the mark follows the supervised hazard's number");
        }
        let (_, html) = b.get(&case_page);
        assert!(html.contains("id=\"case-supervised\""), "{html}");
        assert_eq!(element_text(&html, "case-supervised").as_deref(), Some("挂牌督办"));
        let (_, en) = b.get(&format!("{case_page}?lang=en"));
        assert!(en.contains("Listed for supervision"));

        let coord = app.staff("coord", "coordinator", None);
        assert_eq!(step(&coord, id, json!({"action": "lift_supervision"})).status, 200);
        assert!(!b.get(&case_page).1.contains("id=\"case-supervised\""));
        assert_eq!(marked_rows("/staff/lists/hazards"), 0);
    }

    /// The job marks open hazards past their deadline overdue once: a history row by the
    /// system, an audit entry, and one mail to the supervising department's mailbox; a hazard
    /// re-checked in time and one not yet due stay as they are.
    fn the_overdue_job_marks_once_and_mails_the_department(app) {
        let e = enterprise(&app, "某某海鲜酒楼", &credit_code("91350206MA2Y3K4L5"));
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let head = app.staff("fire.head", "head", Some("fire"));
        let mut body = hazard_body(&app, e);
        body["deadline"] = json!((app.today() + chrono::Duration::days(1)).to_string());
        let late = record(&app, &officer, &body);
        let done = record(&app, &officer, &body);
        let report = json!({"action": "report_rectified", "completed_on": app.today().to_string(), "note": "已整改"});
        assert_eq!(step(&officer, done, report).status, 200);
        assert_eq!(step(&head, done, json!({"action": "review", "decision": "pass"})).status, 200);
        let not_due = record(&app, &officer, &hazard_body(&app, e));
        assert_eq!(app.services.run_jobs().unwrap().hazards_overdue, 0, "not yet past");
        app.advance(chrono::Duration::days(3));
        let first = app.services.run_jobs().unwrap();
        assert_eq!(first.hazards_overdue, 1);
        assert_eq!(app.services.run_jobs().unwrap().hazards_overdue, 0, "once");
        let officer = app.sign_in("fire.officer", PASSWORD).expect("signing in again");
        let get = |id: i64| officer.get(&format!("/api/v1/staff/hazards/{id}")).json;
        assert_eq!((get(late)["overdue"].clone(), get(done)["overdue"].clone(), get(not_due)["overdue"].clone()), (json!(true), json!(false), json!(false)));
        let h = get(late);
        let event = h["history"].as_array().unwrap().iter().find(|x| x["step"] == "overdue").cloned().expect("an overdue row");
        assert_eq!((event["by"].as_str(), &event["date"]), (Some("system"), &body["deadline"]));
        let number = h["number"].as_str().unwrap().to_owned();
        let coord = app.staff("coord", "coordinator", None);
        let audit = coord.get(&format!("/api/v1/staff/audit?case_number={number}"));
        assert!(audit.json["entries"].as_array().unwrap().iter().any(|x| x["action"] == "hazard_overdue" && x["actor"] == "system"));
        // One mail, naming the hazard and its page, to the fire department's mailbox
        // (delivered in the same round, as a file without SMTP).
        let queued: Vec<(String, String)> = {
            use diesel::prelude::*;
            use tipline::db::schema::outbox::dsl as o;
            let mut c = app.services.db.read().unwrap();
            o::outbox.select((o::subject, o::body)).load(&mut **c).unwrap()
        };
        assert_eq!(queued.len(), 1, "{queued:?}");
        assert!(queued[0].0.contains(&number) && queued[0].0.contains("超期"), "{queued:?}");
        assert!(queued[0].1.contains(&format!("/staff/hazards/{late}")), "{queued:?}");
        // The job's round delivered it already.
        assert_eq!(first.mailed, 1);
        let dir = app.data_dir().join("outbox");
        let files: Vec<String> = std::fs::read_dir(&dir).unwrap().flatten().map(|f| std::fs::read_to_string(f.path()).unwrap()).collect();
        assert_eq!(files.len(), 1);
        assert!(files[0].contains("fire@huli.example.gov.cn"), "{}", files[0]);
    }

    /// Two instances running the job at once mark each overdue hazard once, with one history
    /// row and one mail.
    fn two_instances_mark_an_overdue_hazard_once(app) {
        let e = enterprise(&app, "某某海鲜酒楼", &credit_code("91350206MA2Y3K4L5"));
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let mut body = hazard_body(&app, e);
        body["deadline"] = json!((app.today() + chrono::Duration::days(1)).to_string());
        let ids: Vec<i64> = (0..5).map(|_| record(&app, &officer, &body)).collect();
        let other = app.another_instance(app.key_settings()).expect("a second instance");
        app.advance(chrono::Duration::days(3));
        let (sa, sb) = (app.services.clone(), other.services.clone());
        let ta = std::thread::spawn(move || sa.mark_overdue_hazards(sa.today()).unwrap());
        let tb = std::thread::spawn(move || sb.mark_overdue_hazards(sb.today()).unwrap());
        assert_eq!(ta.join().unwrap() + tb.join().unwrap(), 5, "each marked once");
        let coord = app.staff("coord", "coordinator", None);
        for id in ids {
            let rows = history(&coord, id);
            assert_eq!(rows.iter().filter(|s| *s == "overdue").count(), 1, "{rows:?}");
        }
        let mails: i64 = {
            use diesel::prelude::*;
            use tipline::db::schema::outbox::dsl as o;
            let mut c = app.services.db.read().unwrap();
            o::outbox.count().get_result(&mut **c).unwrap()
        };
        assert_eq!(mails, 5);
    }

    /// The pages: the navigation offers 登记隐患; the form names sources, departments and
    /// sub-districts in words; a refused form comes back with what was typed and each error
    /// beside its field; an enterprise is found by name; recording leads to the hazard's page,
    /// which offers the steps this member may take now and only those.
    fn the_hazard_pages_record_and_show_a_hazard(app) {
        let e = enterprise(&app, "湖里某某海鲜酒楼", &credit_code("91350206MA2Y3K4L5"));
        app.add_named_user("fire.officer", Some("黄志强（消防）"), "officer", Some("fire"), None);
        app.add_user("fire.head", "head", Some("fire"), None);
        app.add_user("insp", "inspector", None, None);
        let b = Browser::new(&app);
        b.sign_in("fire.officer", PASSWORD, "");
        let (status, form) = b.get("/staff/hazards/new");
        assert_eq!(status, 200);
        for words in ["登记隐患", "部门检查", "企业自查", "江头街道", "企业主体责任人", "包保领导", "重大事故隐患判定依据"] {
            assert!(form.contains(words), "{words}");
        }
        assert!(form.contains("<option value=\"fire\" selected>"), "the officer's department is chosen");
        let csrf = b.csrf("/staff/hazards/new");
        let found_on = app.today().to_string();
        let mut fields = vec![
            ("csrf", csrf.as_str()), ("source", "department_inspection"), ("description", "三楼安全出口被货物堵塞。"),
            ("grade", "major"), ("found_on", found_on.as_str()), ("department", "fire"), ("street", "jiangtou"),
            ("responsible_person", "王经理"), ("supervisor", "李监督员"), ("measures", "清理安全出口"),
            ("deadline", "2000-01-01"), ("enterprise_q", "海鲜"),
        ];
        // Finding the enterprise: the form comes back with its matches and what was typed.
        let mut find = fields.clone();
        find.push(("find_enterprise", "1"));
        let (status, page, _) = b.post("/staff/hazards/new", &find);
        assert_eq!(status, 200);
        assert!(page.contains("湖里某某海鲜酒楼") && page.contains(&format!("name=\"enterprise_pick\" value=\"{e}\"")));
        assert!(page.contains("三楼安全出口被货物堵塞。"));
        // Refused: each error beside its field, everything typed kept.
        let pick = e.to_string();
        fields.push(("enterprise_pick", pick.as_str()));
        let (status, page, _) = b.post("/staff/hazards/new", &fields);
        assert_eq!(status, 422);
        assert!(page.contains("id=\"deadline-error\"") && page.contains("不能早于发现日期"), "{page}");
        assert!(page.contains("id=\"basis-error\"") && page.contains("判定依据"));
        assert!(page.contains("id=\"error-summary\""));
        assert!(page.contains("value=\"王经理\"") && page.contains("三楼安全出口被货物堵塞。"));
        assert!(page.contains(&format!("value=\"{e}\" checked")), "the enterprise stays chosen");
        // Recorded: to the hazard's page.
        let deadline = (app.today() + chrono::Duration::days(20)).to_string();
        let mut good: Vec<(&str, &str)> = fields.into_iter().filter(|(k, _)| *k != "deadline").collect();
        good.push(("deadline", deadline.as_str()));
        good.push(("basis", "《重大火灾隐患判定方法》第 6.2 条"));
        let (status, _, to) = b.post("/staff/hazards/new", &good);
        assert_eq!(status, 303);
        let to = to.expect("a redirect");
        assert!(to.starts_with("/staff/hazards/"), "{to}");
        let (status, page) = b.get(&to);
        assert_eq!(status, 200);
        for words in ["YH-", "整改中", "湖里某某海鲜酒楼", "重大隐患", "消防", "江头街道", "王经理", "登记隐患"] {
            assert!(page.contains(words), "{words}");
        }
        // Who recorded it, by display name (the history too), never the username.
        assert!(page.contains("黄志强（消防）") && !page.contains("fire.officer"), "{page}");
        assert!(page.contains("id=\"step-report_rectified\"") && page.contains("id=\"step-assign\""));
        assert!(!page.contains("id=\"step-extend\""), "extending is a head's");
        let path = to.split('?').next().unwrap().to_owned();
        // A step through the page; the reporter's re-check is not offered, the head's is.
        let csrf = b.csrf(&path);
        let today = app.today().to_string();
        let (status, _, back) = b.post(&format!("{path}/act"), &[("csrf", &csrf), ("action", "report_rectified"), ("completed_on", &today), ("note", "已清理")]);
        assert_eq!((status, back.as_deref().map(|t| t.starts_with(&path))), (303, Some(true)));
        let (_, page) = b.get(&path);
        assert!(page.contains("已整改，待复查") && !page.contains("id=\"step-review\""));
        let (status, page, _) = b.post(&format!("{path}/act"), &[("csrf", &csrf), ("action", "review"), ("decision", "pass")]);
        assert_eq!(status, 403);
        assert!(page.contains("id=\"history\""), "the refusal is shown on the hazard page");
        let h = Browser::new(&app);
        h.sign_in("fire.head", PASSWORD, "");
        let (_, page) = h.get(&path);
        assert!(page.contains("id=\"step-review\"") && page.contains("value=\"pass\"") && page.contains("value=\"fail\""));
        let csrf = h.csrf(&path);
        let (status, page, _) = h.post(&format!("{path}/act"), &[("csrf", &csrf), ("action", "review"), ("decision", "fail"), ("note", "")]);
        assert_eq!(status, 422);
        assert!(page.contains("id=\"review-note-error\""), "the error beside its field");
        let (status, _, _) = h.post(&format!("{path}/act"), &[("csrf", &csrf), ("action", "review"), ("decision", "pass"), ("note", "复查合格")]);
        assert_eq!(status, 303);
        let (_, page) = h.get(&format!("{path}?lang=en"));
        assert!(page.contains("Struck off") && page.contains("fire.head"), "{page}");
        // An inspector sees the page with the supervision form only; nobody sees a code.
        let i = Browser::new(&app);
        i.sign_in("insp", PASSWORD, "");
        let (_, page) = i.get(&path);
        assert!(!page.contains("id=\"step-assign\"") && !page.contains("department_inspection"));
        let (status, _) = i.get("/staff/hazards/99999");
        assert_eq!(status, 404);
    }
}

on_both_backends! {
    /// The demo shows the campaign right after `serve --demo`: enterprises with their tips
    /// linked, hazards from several sources in every state (open and overdue, waiting for the
    /// re-check, struck off, escalated, under listed supervision), a blacklisting on the public
    /// page, supervision findings and an accountability record.
    fn the_demo_shows_the_campaign(app) {
        let report = app.services.load_demo(&config_dir()).expect("the demo loads");
        app.services.run_jobs().expect("the jobs run");
        let password = |name: &str| report.users.iter().find(|u| u.0 == name).expect("a demo account").3.clone();
        let coord = app.sign_in("coordinator", &password("coordinator")).expect("signs in");
        let csv = coord.get("/api/v1/staff/lists/rectifications.csv");
        assert_eq!(csv.status, 200, "{}", csv.text);
        for shown in ["已销号", "待复查", "已提请区政府研究", "挂牌督办", "逾期"] {
            assert!(csv.text.contains(shown), "{shown} in the 整改清单: {}", csv.text);
        }
        let hazards = coord.get("/api/v1/staff/lists/hazards.csv").text;
        for source in ["企业自查", "部门检查", "属地检查", "联合检查", "督查发现", "群众举报"] {
            assert!(hazards.contains(source), "{source}: {hazards}");
        }
        let found = coord.get("/api/v1/staff/enterprises?q=91350206751612345P");
        assert_eq!(found.status, 200, "{}", found.text);
        let id = found.json["items"][0]["id"].as_i64().unwrap_or_else(|| panic!("{}", found.text));
        let freight = coord.get(&format!("/api/v1/staff/enterprises/{id}"));
        assert_eq!(freight.json["tips"][0]["status"], "closed", "its tip is linked: {}", freight.text);
        assert_eq!(freight.json["hazards"][0]["status"], "closed", "the tip's confirmed rectification struck its hazard off: {}", freight.text);
        assert!(!freight.json["blacklisted"].as_array().unwrap().is_empty(), "{}", freight.text);
        let page = app.get("/blacklist");
        assert!(page.text.contains("厦门某某货运有限公司"), "{}", page.text);
        let findings = coord.get("/api/v1/staff/supervision");
        assert!(findings.json["findings"].as_array().unwrap().len() >= 2, "{}", findings.text);
        let measures = coord.get("/api/v1/staff/accountability");
        assert_eq!(measures.json["records"][0]["kind"], "interview", "{}", measures.text);

        // Oversight: a case under listed supervision, explanations at each stage, judgments
        // and reports of last month.
        let queue = coord.get("/api/v1/staff/tips?per_page=100");
        let listed = queue.json["items"].as_array().unwrap().iter().filter(|t| !t["listed_supervision"].is_null()).count();
        assert_eq!(listed, 1, "{}", queue.text);
        let cases: Vec<String> = queue.json["items"].as_array().unwrap().iter().map(|t| t["case_number"].as_str().unwrap().to_owned()).collect();
        let standings: Vec<String> = cases.iter().flat_map(|c| {
            let case = coord.get(&format!("/api/v1/staff/tips/{c}"));
            case.json["explanations"].as_array().unwrap().iter().map(|e| e["decision"].as_str().unwrap_or("awaiting").to_owned()).collect::<Vec<_>>()
        }).collect();
        for s in ["accepted", "returned", "awaiting"] {
            assert!(standings.iter().any(|x| x == s), "{s}: {standings:?}");
        }
        let (_, from, to) = tipline::services::oversight::rounds(app.today())[1];
        let reports = coord.get(&format!("/api/v1/staff/reports?from={from}&to={to}"));
        assert_eq!(reports.status, 200, "{}", reports.text);
        let text = reports.text.clone();
        assert!(text.contains("submitted") && text.contains("draft"), "{text}");
        let csv = coord.get(&format!("/staff/evaluation.csv?from={from}&to={to}"));
        assert!(csv.text.contains("主要负责人专题部署"), "{}", csv.text);
    }
}
