//! The staff side over HTTP: sign-in, sessions and CSRF, the queue and its isolation between
//! units, the lifecycle with its deadlines, transfers, messages, identity, and the audit chain.

use crate::helpers::*;
use crate::on_both_backends;
use crate::on_both_backends_and_suites;
use diesel::RunQueryDsl;
use serde_json::{Value, json};

fn drop_audit_triggers(app: &TestApp) {
    match app.db.backend {
        Backend::Sqlite => {
            app.exec("DROP TRIGGER audit_log_no_update");
            app.exec("DROP TRIGGER audit_log_no_delete");
        }
        Backend::Postgres => app.exec("DROP TRIGGER audit_log_no_change ON audit_log"),
    }
}

on_both_backends! {
    /// A case page names staff by their display names, an account made after the page first
    /// named someone included (the instance keeps the names it read, and reads them again for
    /// one it does not know).
    fn a_case_page_names_staff_even_accounts_made_since(app) {
        let case = app.new_case("fire_safety");
        app.add_named_user("fire.officer", Some("黄志强（消防）"), "officer", Some("fire"), None);
        let first = app.sign_in("fire.officer", PASSWORD).expect("signs in");
        assert_eq!(first.act(&case, json!({"action": "accept"})).status, 200);
        let b = Browser::new(&app);
        b.sign_in("fire.officer", PASSWORD, "");
        let (status, page) = b.get(&format!("/staff/tips/{case}"));
        assert_eq!(status, 200);
        assert!(page.contains("黄志强（消防）"), "the history names the officer");
        app.add_named_user("fire.second", Some("林晓红（消防）"), "officer", Some("fire"), None);
        let second = app.sign_in("fire.second", PASSWORD).expect("signs in");
        assert_eq!(second.act(&case, json!({"action": "start_verification"})).status, 200);
        let (status, page) = b.get(&format!("/staff/tips/{case}"));
        assert_eq!(status, 200);
        assert!(page.contains("黄志强（消防）") && page.contains("林晓红（消防）"), "both named");
        assert!(!page.contains(">fire.second<"), "never by the username");
    }

    /// An unknown user and a wrong password get the same answer; the right password gets a
    /// session cookie (HttpOnly, SameSite=Strict) and a CSRF token.
    fn sign_in_does_not_tell_unknown_users_apart(app) {
        app.staff("fire.officer", "officer", Some("fire"));
        let wrong = app.sign_in("fire.officer", "not the password at all").err().unwrap();
        let unknown = app.sign_in("nobody", "not the password at all").err().unwrap();
        assert_eq!(wrong.status, 401);
        assert_eq!(wrong.text, unknown.text);
        let r = agent().post(app.url("/api/v1/staff/session")).send_json(json!({"username": "fire.officer", "password": "correct horse battery staple"})).unwrap();
        let cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    }

    /// Officers see their unit's tips only; the coordinator and inspectors see all; finance none.
    fn the_queue_shows_each_unit_its_own_tips(app) {
        let fire = app.new_case("fire_safety");
        let gas = app.new_case("gas");
        let mut street_tip = anonymous_tip("ebike");
        street_tip["street"] = json!("jinshan");
        let ebike = app.submit(&street_tip)["case_number"].as_str().unwrap().to_owned();
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let jinshan = app.staff("jinshan.officer", "officer", Some("jinshan"));
        let coord = app.staff("coord", "coordinator", None);
        let inspector = app.staff("insp", "inspector", None);
        let finance = app.staff("fin", "finance", None);
        let cases = |c: &StaffClient| -> Vec<String> {
            let a = c.get("/api/v1/staff/tips");
            assert_eq!(a.status, 200, "{}", a.text);
            a.json["items"].as_array().unwrap().iter().map(|i| i["case_number"].as_str().unwrap().to_owned()).collect()
        };
        let mine = cases(&officer);
        assert!(mine.contains(&fire) && mine.contains(&ebike) && !mine.contains(&gas), "{mine:?}");
        assert_eq!(cases(&jinshan), vec![ebike.clone()]);
        assert_eq!(cases(&coord).len(), 3);
        assert_eq!(cases(&inspector).len(), 3);
        assert_eq!(finance.get("/api/v1/staff/tips").status, 403);
        let item = &officer.get("/api/v1/staff/tips").json["items"][0];
        for key in ["case_number", "status", "sector", "street", "department", "submitted_at", "next_deadline", "overdue"] {
            assert!(item.get(key).is_some(), "{key}");
        }
        // Another unit's case answers like a missing one: detail, action, photo.
        for path in [format!("/api/v1/staff/tips/{gas}"), "/api/v1/staff/tips/HL-2026-999999".to_string(), format!("/api/v1/staff/tips/{gas}/attachments/1")] {
            assert_eq!(officer.get(&path).status, 404, "{path}");
        }
        assert_eq!(officer.act(&gas, json!({"action": "accept"})).status, 404);
        assert_eq!(app.staff("gas.officer", "officer", Some("municipal")).get(&format!("/api/v1/staff/tips/{gas}")).status, 200);
    }

    /// A case goes from arrival to closure through every step, with deadlines set on the way and
    /// each step in its history.
    fn a_case_is_worked_from_arrival_to_closure(app) {
        let case = app.new_case("fire_safety");
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let head = app.staff("fire.head", "head", Some("fire"));
        let d = officer.get(&format!("/api/v1/staff/tips/{case}")).json;
        assert_eq!(d["status"], "submitted");
        assert_eq!(d["reporter"], "anonymous");
        assert!(d["deadlines"]["acceptance"].is_string());
        assert_eq!(d["actions"], json!(["accept", "reject", "mark_duplicate", "set_street", "link_enterprise"]));
        let a = officer.act(&case, json!({"action": "accept", "note": "属实可能性大"}));
        assert_eq!(a.status, 200, "{}", a.text);
        assert_eq!(a.json["status"], "accepted");
        assert!(a.json["deadlines"]["verification"].is_string());
        assert_eq!(officer.act(&case, json!({"action": "start_verification"})).json["status"], "verifying");
        assert_eq!(officer.act(&case, json!({"action": "substantiate", "finding": FINDING})).json["status"], "substantiated");
        let bad = officer.act(&case, json!({"action": "order_rectification", "deadline": "2000-01-01"}));
        assert_eq!(bad.status, 422);
        let mut fields: Vec<&String> = bad.json["fields"].as_object().unwrap().keys().collect();
        fields.sort();
        assert_eq!(fields, ["deadline", "measures", "responsible_party"]);
        let deadline = (app.today() + chrono::Duration::days(30)).to_string();
        let r = officer.act(&case, json!({"action": "order_rectification", "deadline": deadline, "responsible_party": "某某商场物业", "measures": "拆除铁链，清理通道", "suspend_operations": true}));
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json["status"], "rectifying");
        assert_eq!(r.json["rectification"]["suspend_operations"], true);
        assert_eq!(r.json["deadlines"]["rectification"], deadline.as_str());
        assert_eq!(officer.act(&case, json!({"action": "confirm_rectified"})).json["status"], "rectified");
        assert_eq!(officer.act(&case, json!({"action": "close"})).status, 403, "only a head closes");
        let closed = head.act(&case, json!({"action": "close"}));
        assert_eq!(closed.json["status"], "closed");
        let actions: Vec<&str> = closed.json["history"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["submit", "route", "accept", "start_verification", "substantiate", "order_rectification", "confirm_rectified", "close"]);
        assert_eq!(closed.json["history"][2]["by"], "fire.officer");
        assert_eq!(head.act(&case, json!({"action": "accept"})).status, 409);
        assert_eq!(app.post_json("/api/v1/track", &json!({"receipt": "0"})).status, 404);
    }

    /// Illegal steps are 409, steps the role may not take are 403, unknown ones 422.
    fn illegal_and_forbidden_actions_are_refused(app) {
        let case = app.new_case("fire_safety");
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let inspector = app.staff("insp", "inspector", None);
        assert_eq!(officer.act(&case, json!({"action": "substantiate"})).status, 409);
        assert_eq!(officer.act(&case, json!({"action": "transfer", "department": "emergency", "reason": "x"})).status, 403);
        assert_eq!(inspector.act(&case, json!({"action": "accept"})).status, 403);
        assert_eq!(officer.act(&case, json!({"action": "approve"})).status, 422);
        assert_eq!(officer.act(&case, json!({"action": "reject"})).status, 422, "a reason is required");
    }

    /// A rejection's reason reaches the reporter; a staff message shows on /track.
    fn the_reporter_hears_from_staff(app) {
        let b = app.submit(&anonymous_tip("fire_safety"));
        let (case, receipt) = (b["case_number"].as_str().unwrap(), b["receipt"].as_str().unwrap());
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let m = officer.post(&format!("/api/v1/staff/tips/{case}/messages"), &json!({"body": "请问具体是几楼？"}));
        assert_eq!(m.status, 201, "{}", m.text);
        assert_eq!(officer.post(&format!("/api/v1/staff/tips/{case}/messages"), &json!({"body": ""})).status, 422);
        let r = officer.act(case, json!({"action": "reject", "reason": "该地址不在本区"}));
        assert_eq!(r.json["status"], "rejected");
        let t = app.post_json("/api/v1/track", &json!({"receipt": receipt}));
        assert_eq!(t.json["status"], "rejected");
        let bodies: Vec<&str> = t.json["messages"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
        assert_eq!(bodies[0], "请问具体是几楼？");
        assert!(bodies[1].contains("该地址不在本区"));
        assert_eq!(t.json["messages"][0]["from"], "staff");
    }

    /// A transfer moves the case: the new department sees it at once, the old one no longer.
    fn a_transfer_moves_the_case(app) {
        let case = app.new_case("fire_safety");
        let fire = app.staff("fire.officer", "officer", Some("fire"));
        let market = app.staff("market.officer", "officer", Some("market"));
        let coord = app.staff("coord", "coordinator", None);
        assert_eq!(market.get(&format!("/api/v1/staff/tips/{case}")).status, 404);
        assert_eq!(coord.act(&case, json!({"action": "transfer", "department": "market"})).status, 422, "a reason is required");
        assert_eq!(coord.act(&case, json!({"action": "transfer", "department": "nasa", "reason": "x"})).status, 422);
        let t = coord.act(&case, json!({"action": "transfer", "department": "market", "reason": "涉及电梯，属特种设备"}));
        assert_eq!(t.status, 200, "{}", t.text);
        assert_eq!(t.json["department"]["code"], "market");
        assert_eq!(market.get(&format!("/api/v1/staff/tips/{case}")).status, 200);
        assert_eq!(fire.get(&format!("/api/v1/staff/tips/{case}")).status, 404);
        assert_eq!(market.act(&case, json!({"action": "accept"})).json["status"], "accepted");
    }

    /// After triage a case is put under its real sector (the coordinator, or its lead
    /// department's head) and given its sub-district (the coordinator or the lead department):
    /// the queue's sector filter and the sub-district's staff follow; history says it in words.
    fn a_case_is_reclassified_and_given_its_street(app) {
        let mut tip = anonymous_tip("other");
        tip["street"] = serde_json::Value::Null;
        let case = app.submit(&tip)["case_number"].as_str().unwrap().to_owned();
        let coord = app.staff("coord", "coordinator", None);
        let jiangtou = app.staff("jiangtou.officer", "officer", Some("jiangtou"));
        let before = coord.get(&format!("/api/v1/staff/tips/{case}"));
        assert_eq!(before.json["triage"], true, "{}", before.text);
        assert_eq!(coord.act(&case, json!({"action": "reclassify", "sector": "gas"})).status, 422, "a reason is required");
        assert_eq!(coord.act(&case, json!({"action": "reclassify", "sector": "nope", "reason": "x"})).status, 422);
        assert_eq!(coord.act(&case, json!({"action": "reclassify", "sector": "other", "reason": "x"})).status, 422, "the same sector");
        let r = coord.act(&case, json!({"action": "reclassify", "sector": "gas", "reason": "实为餐馆液化气瓶隐患"}));
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!((r.json["sector"].clone(), r.json["triage"].clone()), (json!("gas"), json!(false)), "{}", r.text);
        let queue = coord.get("/api/v1/staff/tips?sector=gas");
        assert!(queue.text.contains(&case), "the sector filter counts the new sector");
        assert_eq!(jiangtou.get(&format!("/api/v1/staff/tips/{case}")).status, 404);
        assert_eq!(jiangtou.act(&case, json!({"action": "set_street", "street": "jiangtou", "reason": "x"})).status, 404, "not theirs yet");
        assert_eq!(coord.act(&case, json!({"action": "set_street", "street": "mars", "reason": "x"})).status, 422);
        let s = coord.act(&case, json!({"action": "set_street", "street": "jiangtou", "reason": "地址在江头北路"}));
        assert_eq!(s.status, 200, "{}", s.text);
        assert_eq!(jiangtou.get(&format!("/api/v1/staff/tips/{case}")).status, 200, "the street's staff see it now");
        assert_eq!(app.db.unit_copy_mismatches(), 0, "the unit rows follow the new sub-district");
        assert_eq!(jiangtou.act(&case, json!({"action": "reclassify", "sector": "fire_safety", "reason": "x"})).status, 403, "an officer does not reclassify");
        let b = Browser::new(&app);
        assert_eq!(b.sign_in("coord", PASSWORD, "").0, 303);
        let page = b.get(&format!("/staff/tips/{case}")).1;
        assert!(page.contains("未填写 → 江头街道：地址在江头北路"), "{page}");
        assert!(page.contains("→ 城镇燃气：实为餐馆液化气瓶隐患"), "{page}");
        assert!(!page.contains("other → gas"), "history in words, not codes");
        let coord_audit = coord.get(&format!("/api/v1/staff/audit?case_number={case}")).json["entries"].clone();
        for a in ["reclassify", "set_street"] {
            assert!(coord_audit.as_array().unwrap().iter().any(|e| e["action"] == a), "{a} is audited");
        }
    }

    /// Tips about the same enterprise or place are suggested as possible duplicates; once one
    /// is marked, the original lists it.
    fn duplicates_are_suggested_and_listed(app) {
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let first = app.new_case("fire_safety");
        let mut same_place = anonymous_tip("fire_safety");
        same_place["enterprise"] = serde_json::Value::Null;
        same_place["address"] = json!("江头北路 216 号（负一楼）");
        let second = app.submit(&same_place)["case_number"].as_str().unwrap().to_owned();
        let mut elsewhere = anonymous_tip("fire_safety");
        elsewhere["enterprise"] = json!("另一家店");
        elsewhere["address"] = json!("金山路8号");
        let third = app.submit(&elsewhere)["case_number"].as_str().unwrap().to_owned();
        let case = |n: &str| officer.get(&format!("/api/v1/staff/tips/{n}")).json;
        assert_eq!(case(&first)["suggested_duplicates"], json!([second.clone()]));
        assert_eq!(case(&second)["suggested_duplicates"], json!([first.clone()]));
        assert_eq!(case(&third)["suggested_duplicates"], json!([]));
        assert_eq!(case(&first)["duplicates"], json!([]));
        officer.steps(&first, &["accept"]);
        let m = officer.act(&second, json!({"action": "mark_duplicate", "duplicate_of": first}));
        assert_eq!(m.status, 200, "{}", m.text);
        assert_eq!(case(&first)["duplicates"], json!([second.clone()]));
        assert_eq!(case(&first)["suggested_duplicates"], json!([]), "a marked duplicate is no longer a suggestion");
        assert_eq!(case(&second)["suggested_duplicates"], json!([]), "a final case suggests nothing");
        let b = Browser::new(&app);
        assert_eq!(b.sign_in("fire.officer", PASSWORD, "").0, 303);
        let page = b.get(&format!("/staff/tips/{first}")).1;
        assert!(page.contains("重复举报") && page.contains(&format!("/staff/tips/{second}")), "{page}");
    }

    /// Suggestions look back 90 days and no further; a place counts in its own sub-district
    /// only, an enterprise in any.
    fn duplicate_suggestions_keep_to_ninety_days_and_the_place(app) {
        app.staff("fire.officer", "officer", Some("fire"));
        let old = app.new_case("fire_safety");
        app.advance(chrono::Duration::days(91));
        let officer = app.sign_in("fire.officer", PASSWORD).expect("signing in");
        let new = app.new_case("fire_safety");
        let mut same_address_elsewhere = anonymous_tip("fire_safety");
        same_address_elsewhere["enterprise"] = serde_json::Value::Null;
        same_address_elsewhere["street"] = json!("huli");
        let elsewhere = app.submit(&same_address_elsewhere)["case_number"].as_str().unwrap().to_owned();
        let mut same_enterprise_elsewhere = anonymous_tip("fire_safety");
        same_enterprise_elsewhere["street"] = json!("huli");
        same_enterprise_elsewhere["address"] = json!("金山路8号");
        let branch = app.submit(&same_enterprise_elsewhere)["case_number"].as_str().unwrap().to_owned();
        let case = |n: &str| officer.get(&format!("/api/v1/staff/tips/{n}")).json;
        assert_eq!(case(&new)["suggested_duplicates"], json!([branch.clone()]), "not {old} (91 days old) nor {elsewhere} (another sub-district)");
        assert_eq!(case(&old)["suggested_duplicates"], json!([branch, new]), "newest first, from 90 days before today");
        assert_eq!(case(&elsewhere)["suggested_duplicates"], json!([]));
    }

    /// A transfer to a department that co-handles the case makes it the lead, and only the lead.
    fn a_transfer_to_a_co_handler_makes_it_the_lead(app) {
        let case = app.new_case("crowded_places");
        let fire = app.staff("fire.officer", "officer", Some("fire"));
        let commerce = app.staff("commerce.officer", "officer", Some("commerce"));
        let coord = app.staff("coord", "coordinator", None);
        assert_eq!(commerce.get(&format!("/api/v1/staff/tips/{case}")).json["co_departments"][0]["code"], "commerce");
        let t = coord.act(&case, json!({"action": "transfer", "department": "commerce", "reason": "以商场经营为主"}));
        assert_eq!(t.status, 200, "{}", t.text);
        assert_eq!(t.json["department"]["code"], "commerce");
        assert_eq!(t.json["co_departments"], json!([]));
        assert_eq!(commerce.act(&case, json!({"action": "accept"})).json["status"], "accepted");
        assert_eq!(fire.get(&format!("/api/v1/staff/tips/{case}")).status, 404);
    }

    /// State-changing calls without the CSRF token are refused; signing out ends the session.
    fn csrf_and_sign_out(app) {
        let case = app.new_case("fire_safety");
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let a = officer.post_without_csrf(&format!("/api/v1/staff/tips/{case}/actions"), &json!({"action": "accept"}));
        assert_eq!(a.status, 403);
        assert_eq!(officer.get(&format!("/api/v1/staff/tips/{case}")).json["status"], "submitted");
        assert_eq!(officer.delete("/api/v1/staff/session").status, 204);
        assert_eq!(officer.get("/api/v1/staff/tips").status, 401);
        assert_eq!(app.get("/api/v1/staff/tips").status, 401);
    }

    /// A session idle for longer than the timeout is over.
    fn idle_sessions_expire(app) {
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        assert_eq!(officer.get("/api/v1/staff/tips").status, 200);
        app.advance(chrono::Duration::minutes(29));
        assert_eq!(officer.get("/api/v1/staff/tips").status, 200, "a request keeps it alive");
        app.advance(chrono::Duration::minutes(31));
        assert_eq!(officer.get("/api/v1/staff/tips").status, 401);
    }

    /// A rectification past its deadline needs a written explanation before it can be confirmed.
    fn an_overdue_rectification_needs_an_explanation(app) {
        let case = app.new_case("fire_safety");
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        officer.steps(&case, &["accept", "start_verification", "substantiate"]);
        let in_two_days = (app.today() + chrono::Duration::days(2)).to_string();
        officer.act(&case, json!({"action": "order_rectification", "deadline": in_two_days, "responsible_party": "业主", "measures": "清理"}));
        assert_eq!(officer.act(&case, json!({"action": "explain_delay", "explanation": "x"})).status, 409, "not late yet");
        // Three days on, the deadline job marks it overdue.
        app.advance(chrono::Duration::days(3));
        app.services.run_jobs().unwrap();
        let officer = app.sign_in("fire.officer", PASSWORD).unwrap();
        let d = officer.get(&format!("/api/v1/staff/tips/{case}"));
        assert_eq!(d.json["overdue"], true);
        assert_eq!(officer.get("/api/v1/staff/tips?overdue=true").json["total"], 1);
        assert_eq!(officer.act(&case, json!({"action": "confirm_rectified"})).status, 409);
        assert_eq!(officer.act(&case, json!({"action": "explain_delay"})).status, 422);
        let e = officer.act(&case, json!({"action": "explain_delay", "explanation": "业主需采购新防火门，已停业整改"}));
        assert_eq!(e.status, 200, "{}", e.text);
        assert_eq!(officer.act(&case, json!({"action": "confirm_rectified"})).json["status"], "rectified");
    }

    /// A head may extend verification once; the reporter is told.
    fn verification_is_extended_once(app) {
        let b = app.submit(&anonymous_tip("fire_safety"));
        let case = b["case_number"].as_str().unwrap();
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let head = app.staff("fire.head", "head", Some("fire"));
        officer.act(case, json!({"action": "accept"}));
        let before = officer.get(&format!("/api/v1/staff/tips/{case}")).json["deadlines"]["verification"].as_str().unwrap().to_owned();
        assert_eq!(officer.act(case, json!({"action": "extend_verification", "reason": "x"})).status, 403);
        let x = head.act(case, json!({"action": "extend_verification", "reason": "需要检测机构出具报告"}));
        assert_eq!(x.status, 200, "{}", x.text);
        let after = x.json["deadlines"]["verification"].as_str().unwrap();
        let days = (chrono::NaiveDate::parse_from_str(after, "%Y-%m-%d").unwrap() - chrono::NaiveDate::parse_from_str(&before, "%Y-%m-%d").unwrap()).num_days();
        assert_eq!(days, 30);
        assert_eq!(head.act(case, json!({"action": "extend_verification", "reason": "again"})).status, 409);
        let t = app.post_json("/api/v1/track", &json!({"receipt": b["receipt"]}));
        assert!(t.json["messages"][0]["body"].as_str().unwrap().contains(after));
    }

    /// Marking a duplicate needs an existing other case.
    fn duplicates_link_to_an_existing_case(app) {
        let first = app.new_case("fire_safety");
        let second = app.new_case("fire_safety");
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        assert_eq!(officer.act(&second, json!({"action": "mark_duplicate", "duplicate_of": "HL-1999-000001"})).status, 422);
        assert_eq!(officer.act(&second, json!({"action": "mark_duplicate", "duplicate_of": second})).status, 422);
        assert_eq!(officer.act(&second, json!({"action": "mark_duplicate", "duplicate_of": first})).status, 422, "the original must have been taken up");
        officer.act(&first, json!({"action": "accept"}));
        let gas = app.new_case("gas");
        app.staff("coord", "coordinator", None).act(&gas, json!({"action": "accept"}));
        assert_eq!(officer.act(&second, json!({"action": "mark_duplicate", "duplicate_of": gas})).status, 422, "not another unit's case");
        let d = officer.act(&second, json!({"action": "mark_duplicate", "duplicate_of": first}));
        assert_eq!(d.json["status"], "duplicate");
        assert_eq!(d.json["duplicate_of"], first.as_str());
    }

    /// The queue is sorted by the nearest deadline, filtered, and paginated.
    fn the_queue_filters_sorts_and_pages(app) {
        let coord = app.staff("coord", "coordinator", None);
        let cases: Vec<String> = (0..5).map(|_| app.new_case("gas")).collect();
        app.new_case("fire_safety");
        coord.act(&cases[0], json!({"action": "accept"}));
        let page: Value = coord.get("/api/v1/staff/tips?sector=gas&per_page=2&page=2").json;
        assert_eq!(page["total"], 5);
        assert_eq!(page["items"].as_array().unwrap().len(), 2);
        assert_eq!(coord.get("/api/v1/staff/tips?status=accepted").json["total"], 1);
        assert_eq!(coord.get("/api/v1/staff/tips?street=jiangtou").json["total"], 6);
        let all = coord.get("/api/v1/staff/tips").json;
        let deadlines: Vec<&str> = all["items"].as_array().unwrap().iter().map(|i| i["next_deadline"].as_str().unwrap()).collect();
        let mut sorted = deadlines.clone();
        sorted.sort();
        assert_eq!(deadlines, sorted);
        assert_eq!(all["items"].as_array().unwrap().last().unwrap()["case_number"], cases[0].as_str(), "the accepted case's deadline is furthest");
    }

    /// A cursor (`next`, then `after`) walks the queue in the same order as one long page,
    /// each case once, tips without a deadline last; totals by status come from the counts
    /// the database keeps, and a bad cursor is refused.
    fn the_queue_pages_by_cursor(app) {
        let coord = app.staff("coord", "coordinator", None);
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let fire: Vec<String> = (0..5).map(|_| app.new_case("fire_safety")).collect();
        let gas: Vec<String> = (0..2).map(|_| app.new_case("gas")).collect();
        officer.act(&fire[1], json!({"action": "accept"}));
        officer.act(&fire[3], json!({"action": "reject", "reason": "不属于安全生产隐患"}));
        coord.act(&gas[0], json!({"action": "accept"}));
        let order = |client: &StaffClient| -> Vec<String> {
            let one = client.get("/api/v1/staff/tips?per_page=200").json;
            one["items"].as_array().unwrap().iter().map(|i| i["case_number"].as_str().unwrap().to_owned()).collect()
        };
        for (client, expected) in [(&coord, 7), (&officer, 5)] {
            let whole = order(client);
            assert_eq!(whole.len(), expected);
            assert_eq!(whole.last().unwrap(), &fire[3], "the rejected case has no deadline: last");
            let (mut walked, mut url) = (Vec::new(), "/api/v1/staff/tips?per_page=2".to_owned());
            loop {
                let page = client.get(&url);
                assert_eq!(page.status, 200, "{}", page.text);
                assert_eq!((page.json["total"].as_i64(), page.json["total_exact"].as_bool()), (Some(expected as i64), Some(true)));
                walked.extend(page.json["items"].as_array().unwrap().iter().map(|i| i["case_number"].as_str().unwrap().to_owned()));
                match page.json["next"].as_str() {
                    Some(next) => url = format!("/api/v1/staff/tips?per_page=2&after={next}"),
                    None => break,
                }
            }
            assert_eq!(walked, whole);
        }
        let counted = |client: &StaffClient, q: &str| {
            let j = client.get(&format!("/api/v1/staff/tips?{q}")).json;
            (j["total"].as_i64().unwrap(), j["total_exact"].as_bool().unwrap(), j["items"].as_array().unwrap().len() as i64)
        };
        assert_eq!(counted(&officer, "status=submitted"), (3, true, 3));
        assert_eq!(counted(&coord, "status=accepted"), (2, true, 2));
        assert_eq!(counted(&coord, "sector=gas"), (2, true, 2));
        assert_eq!(counted(&officer, "status=closed"), (0, true, 0));
        let bad = coord.get("/api/v1/staff/tips?after=yesterday");
        assert_eq!(bad.status, 422, "{}", bad.text);
        assert!(bad.json["fields"]["after"].is_array(), "{}", bad.text);
        assert_eq!(app.db.queue_count_mismatches(), 0);
        assert_eq!(app.db.unit_copy_mismatches(), 0);
    }
}

/// Sign-ins are throttled per address (a username is slowed down, never refused: see
/// `signin.rs`).
#[test]
fn sign_ins_are_throttled_per_address() {
    let app = TestApp::spawn_with(Backend::Sqlite, |f| f.merge(("rate_limits", "on")));
    app.staff("fire.officer", "officer", Some("fire"));
    for _ in 0..4 {
        assert_eq!(
            app.sign_in("fire.officer", "wrong password here")
                .err()
                .unwrap()
                .status,
            401
        );
    }
    let limited = app
        .sign_in("fire.officer", "correct horse battery staple")
        .err()
        .unwrap();
    assert_eq!(limited.status, 429);
    assert!(limited.retry_after.is_some());
}

on_both_backends! {
    /// Photos are served to the case's own units only; another unit gets 404 as for a missing one.
    fn photos_are_isolated_between_units(app) {
        let fields = [
            ("sector", "fire_safety"),
            ("street", "huli"),
            ("address", "湖里大道 8 号"),
            ("description", "三楼安全出口被铁链锁住，周末人很多。"),
            ("severity", "general"),
            ("anonymous", "on"),
        ];
        let a = app.post_form(
            "/report",
            &fields,
            &[("photos", "p.jpg", "image/jpeg", fixture("cam.jpg"))],
        );
        let case = element_text(&a.text, "case-number").unwrap();
        let fire = app.staff("fire.officer", "officer", Some("fire"));
        let market = app.staff("market.officer", "officer", Some("market"));
        let d = fire.get(&format!("/api/v1/staff/tips/{case}"));
        let id = d.json["attachments"][0]["id"].as_i64().unwrap();
        assert_eq!(d.json["attachments"][0]["content_type"], "image/jpeg");
        let own = fire.get(&format!("/api/v1/staff/tips/{case}/attachments/{id}"));
        assert_eq!(own.status, 200);
        assert_eq!(own.content_type.as_deref(), Some("image/jpeg"));
        assert_eq!(
            market
                .get(&format!("/api/v1/staff/tips/{case}/attachments/{id}"))
                .status,
            404
        );
        assert_eq!(
            app.get(&format!("/api/v1/staff/tips/{case}/attachments/{id}"))
                .status,
            401
        );
    }
}

on_both_backends_and_suites! {
    /// The coordinator may open an identified reporter's identity, with a reason, and it is
    /// audited; officers, heads and inspectors may not; an anonymous tip has none.
    fn identity_is_revealed_only_to_the_coordinator(app) {
        let b = app.submit(&identified_tip("赵敏", "13900001111", "zhao@example.com"));
        let case = b["case_number"].as_str().unwrap();
        let anon = app.new_case("fire_safety");
        let coord = app.staff("coord", "coordinator", None);
        for (user, role, unit) in [("off", "officer", Some("fire")), ("hea", "head", Some("fire")), ("ins", "inspector", None), ("fin", "finance", None)] {
            let c = app.staff(user, role, unit);
            assert_eq!(c.post(&format!("/api/v1/staff/tips/{case}/identity"), &json!({"reason": "x"})).status, 403, "{role}");
            assert!(!c.get(&format!("/api/v1/staff/tips/{case}")).text.contains("赵敏"));
        }
        assert_eq!(coord.post(&format!("/api/v1/staff/tips/{case}/identity"), &json!({})).status, 422);
        let id = coord.post(&format!("/api/v1/staff/tips/{case}/identity"), &json!({"reason": "需要补充证据，电话联系举报人"}));
        assert_eq!(id.status, 200, "{}", id.text);
        assert_eq!(id.json, json!({"name": "赵敏", "phone": "13900001111", "email": "zhao@example.com"}));
        assert_eq!(coord.post(&format!("/api/v1/staff/tips/{anon}/identity"), &json!({"reason": "x"})).status, 409);
        let audit = coord.get(&format!("/api/v1/staff/audit?case_number={case}"));
        let reveal = audit.json["entries"].as_array().unwrap().iter().find(|e| e["action"] == "reveal_identity").unwrap().clone();
        assert_eq!(reveal["actor"], "coord");
        assert_eq!(reveal["reason"], "需要补充证据，电话联系举报人");
    }

    /// The audit log verifies, and an edited or deleted entry is detected.
    fn the_audit_chain_detects_tampering(app) {
        let case = app.new_case("fire_safety");
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        officer.act(&case, json!({"action": "accept"}));
        officer.act(&case, json!({"action": "start_verification"}));
        let inspector = app.staff("insp", "inspector", None);
        assert_eq!(officer.get("/api/v1/staff/audit").status, 403);
        let a = inspector.get("/api/v1/staff/audit?verify=true");
        assert_eq!(a.status, 200, "{}", a.text);
        assert_eq!(a.json["verified"], true);
        let actions: Vec<&str> = a.json["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(&actions[..3], ["sign_in", "start_verification", "accept"], "newest first: {actions:?}");
        assert!(a.json["entries"][0]["hash"].as_str().unwrap().len() == 64);
        assert_eq!(app.services.verify_audit().unwrap().broken_at, None);
        // Every entry is hashed under the suite of the database: HMAC-SHA-256 (version 2) or
        // HMAC-SM3 (version 3).
        let version = match app.services.suite {
            tipline::secrets::CryptoSuite::Standard => tipline::services::audit::V2,
            tipline::secrets::CryptoSuite::Sm => tipline::services::audit::V3,
        };
        assert_eq!(app.db.scalar(&format!("SELECT COUNT(*) AS n FROM audit_log WHERE hash_version <> {version}")), 0);
        // The database itself refuses changes to the log…
        let mut conn = app.services.db.read().unwrap();
        let refused = match &mut **conn {
            tipline::db::DbConn::Sqlite(c) => diesel::sql_query("UPDATE audit_log SET actor = 'x'").execute(c).is_err(),
            tipline::db::DbConn::Pg(c) => diesel::sql_query("DELETE FROM audit_log").execute(c).is_err(),
        };
        drop(conn);
        assert!(refused, "the append-only trigger holds");
        // …and someone who gets past that (drops the triggers) is still found out by the chain.
        drop_audit_triggers(&app);
        app.exec("UPDATE audit_log SET actor = 'someone.else' WHERE action = 'accept'");
        let b = inspector.get("/api/v1/staff/audit?verify=true");
        assert_eq!(b.json["verified"], false);
        app.exec("UPDATE audit_log SET actor = 'fire.officer' WHERE action = 'accept'");
        assert_eq!(inspector.get("/api/v1/staff/audit?verify=true").json["verified"], true);
        app.exec("DELETE FROM audit_log WHERE action = 'start_verification'");
        assert_eq!(inspector.get("/api/v1/staff/audit?verify=true").json["verified"], false);
    }
}
