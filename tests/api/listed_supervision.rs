//! Listed supervision (挂牌督办) of cases and hazards: who lists and who lifts, the reason and
//! the due date on the queue, the case and hazard pages, the lists and the unit's dashboard;
//! through HTTP, on both databases.

use crate::hazards::{credit_code, enterprise, hazard_body};
use crate::helpers::*;
use crate::on_both_backends;
use chrono::Duration;
use serde_json::{Value, json};

/// The queue's entry of a case (as this staff member sees the queue).
fn queue_entry(who: &StaffClient, case: &str) -> Value {
    let q = who.get("/api/v1/staff/tips?per_page=200");
    assert_eq!(q.status, 200, "{}", q.text);
    q.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["case_number"] == case)
        .cloned()
        .unwrap_or_else(|| panic!("{case} in the queue: {}", q.text))
}

/// The dashboard's 挂牌督办 section.
fn listed_section(html: &str) -> &str {
    let start = html.find("id=\"listed\"").expect("the 挂牌督办 section");
    &html[start..start + html[start..].find("</section>").unwrap()]
}

on_both_backends! {
    /// An inspector lists a case with a reason and a due date: the queue (JSON and page), the
    /// case page and the unit's dashboard show it; the officer and the inspector cannot lift
    /// it, the coordinator does and it disappears.
    fn a_listed_case_shows_on_the_queue_the_case_and_the_dashboard_until_the_coordinator_lifts_it(app) {
        let case = app.new_case("fire_safety");
        let other = app.new_case("fire_safety");
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let insp = app.staff("insp", "inspector", None);
        let coord = app.staff("coord", "coordinator", None);
        app.add_user("fire.head", "head", Some("fire"), None);
        officer.steps(&case, &["accept"]);
        let due = (app.today() + Duration::days(10)).to_string();

        // Bad fields are told field by field; an officer may not list.
        let bad = insp.act(&case, json!({"action": "supervise", "due": "2020-01-01"}));
        assert_eq!(bad.status, 422, "{}", bad.text);
        for f in ["reason", "due"] {
            assert!(bad.json["fields"].get(f).is_some(), "{f}: {}", bad.text);
        }
        let listing = json!({"action": "supervise", "reason": "群众反复举报，社会关注度高", "due": due});
        assert_eq!(officer.act(&case, listing.clone()).status, 403);
        let listed = insp.act(&case, listing.clone());
        assert_eq!(listed.status, 200, "{}", listed.text);
        let l = &listed.json["listed_supervision"];
        assert_eq!((&l["reason"], &l["due"], &l["by"]), (&json!("群众反复举报，社会关注度高"), &json!(due), &json!("insp")));
        assert_eq!(insp.act(&case, listing).status, 409, "listed once");
        assert_eq!(listed.json["actions"], json!([]), "the inspector lifts nothing");

        // The queue: the JSON entry and the page carry it; the other case does not.
        let entry = queue_entry(&officer, &case);
        assert_eq!(entry["listed_supervision"]["due"], due.as_str());
        assert_eq!(queue_entry(&officer, &other)["listed_supervision"], Value::Null);
        let b = Browser::new(&app);
        b.sign_in("fire.officer", PASSWORD, "");
        let (_, queue) = b.get("/staff");
        assert!(queue.contains("群众反复举报，社会关注度高"), "{queue}");
        assert!(queue.contains(&format!("督办期限 {due}")), "{queue}");
        let (_, page) = b.get(&format!("/staff/tips/{case}"));
        assert!(page.contains("id=\"case-supervised\""));
        let listed = &page[page.find("id=\"case-listed\"").expect("the listing on the case page")..];
        assert!(listed[..listed.find("</p>").unwrap()].contains("群众反复举报"), "{page}");
        let (_, en) = b.get(&format!("/staff/tips/{case}?lang=en"));
        assert!(en.contains("Listed for supervision"));

        // The unit's dashboard lists it (the head's own unit), and the district's.
        let head = Browser::new(&app);
        head.sign_in("fire.head", PASSWORD, "");
        let (status, dash) = head.get("/staff/dashboard");
        assert_eq!(status, 200);
        assert!(listed_section(&dash).contains(&case), "{dash}");
        assert!(!listed_section(&dash).contains(&other));

        // Lifting: the coordinator only.
        let lift = json!({"action": "lift_supervision", "note": "已按期完成核查"});
        assert_eq!(officer.act(&case, lift.clone()).status, 403);
        assert_eq!(insp.act(&case, lift.clone()).status, 403);
        let lifted = coord.act(&case, lift.clone());
        assert_eq!((lifted.status, &lifted.json["listed_supervision"]), (200, &Value::Null), "{}", lifted.text);
        assert_eq!(coord.act(&case, lift).status, 409);
        assert_eq!(queue_entry(&officer, &case)["listed_supervision"], Value::Null);
        assert!(!b.get("/staff").1.contains("群众反复举报"));
        assert!(!listed_section(&head.get("/staff/dashboard").1).contains(&case));
        let history: Vec<Value> = coord.get(&format!("/api/v1/staff/tips/{case}")).json["history"].as_array().unwrap().clone();
        let actions: Vec<&str> = history.iter().filter_map(|h| h["action"].as_str()).collect();
        assert!(actions.ends_with(&["supervise", "lift_supervision"]), "{actions:?}");
    }

    /// A hazard listed with a reason and a due date: its JSON, its page, the 隐患清单 (page and
    /// CSV column), the enterprise's page and the dashboard show it, a passed due date first;
    /// lifting is the coordinator's.
    fn a_listed_hazard_shows_on_the_lists_the_enterprise_and_the_dashboard(app) {
        let e = enterprise(&app, "某某海鲜酒楼", &credit_code("91350206MA2Y3K4L5"));
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let insp = app.staff("insp", "inspector", None);
        app.add_user("coord", "coordinator", None, None);
        let first = officer.post("/api/v1/staff/hazards", &hazard_body(&app, e));
        let second = officer.post("/api/v1/staff/hazards", &hazard_body(&app, e));
        let (a, b) = (first.json["id"].as_i64().unwrap(), second.json["id"].as_i64().unwrap());
        let number_b = second.json["number"].as_str().unwrap().to_owned();
        let step = |who: &StaffClient, id: i64, body: Value| who.post(&format!("/api/v1/staff/hazards/{id}/actions"), &body);
        let later = |d: i64| (app.today() + Duration::days(d)).to_string();
        let listed = step(&insp, a, json!({"action": "supervise", "reason": "整改进度滞后", "due": later(20)}));
        assert_eq!(listed.status, 200, "{}", listed.text);
        assert_eq!(listed.json["listed_supervision"]["reason"], "整改进度滞后");
        assert_eq!(step(&insp, b, json!({"action": "supervise", "reason": "重复发现同类隐患", "due": later(2)})).status, 200);

        let csv = officer.get("/api/v1/staff/lists/hazards.csv");
        assert!(csv.text.contains("挂牌督办"), "the column: {}", csv.text);
        assert!(csv.text.contains(&format!("整改进度滞后（督办期限 {}）", later(20))), "{}", csv.text);
        let ent = officer.get(&format!("/api/v1/staff/enterprises/{e}"));
        let hazards = ent.json["hazards"].as_array().unwrap();
        assert!(hazards.iter().any(|h| h["listed_supervision"]["reason"] == "整改进度滞后"), "{}", ent.text);

        // Past the second's due date, it comes first on the dashboard.
        app.advance(Duration::days(5));
        let coord = app.sign_in("coord", PASSWORD).unwrap();
        let br = Browser::new(&app);
        br.sign_in("coord", PASSWORD, "");
        let (_, dash) = br.get("/staff/dashboard");
        let section = listed_section(&dash);
        assert!(section.contains("整改进度滞后") && section.contains("重复发现同类隐患"), "{section}");
        assert!(section.find("重复发现同类隐患") < section.find("整改进度滞后"), "the overdue one first: {section}");
        assert!(section.contains(&number_b));
        let (_, page) = br.get(&format!("/staff/hazards/{b}"));
        assert!(element_text(&page, "hazard-listed").is_some_and(|t| t.contains("重复发现同类隐患")), "{page}");
        let (_, list) = br.get("/staff/lists/hazards");
        assert!(list.contains("重复发现同类隐患"), "{list}");

        let insp = app.sign_in("insp", PASSWORD).unwrap();
        assert_eq!(step(&insp, b, json!({"action": "lift_supervision"})).status, 403);
        let lifted = step(&coord, b, json!({"action": "lift_supervision", "note": "已整改"}));
        assert_eq!((lifted.status, &lifted.json["listed_supervision"], &lifted.json["supervised"]), (200, &Value::Null, &json!(false)));
        assert!(!listed_section(&br.get("/staff/dashboard").1).contains("重复发现同类隐患"));
    }

    /// The coordinator puts an inspector in a supervision group on the accounts page (an
    /// inspector in none shows 未分组; an officer belongs to none); the inspector's findings
    /// carry that group, and the findings list filters by it.
    fn findings_carry_the_group_set_on_the_users_page(app) {
        app.add_user("coord", "coordinator", None, None);
        app.add_user("insp", "inspector", None, None);
        app.add_user("fire.officer", "officer", Some("fire"), None);
        let b = Browser::new(&app);
        b.sign_in("coord", PASSWORD, "");
        let (status, users) = b.get("/staff/users");
        assert_eq!(status, 200);
        assert_eq!(element_text(&users, "group-insp").as_deref(), Some("未分组"));
        let csrf = b.csrf("/staff/users");
        let (status, _, _) = b.post("/staff/users/insp/group", &[("csrf", &csrf), ("supervision_group", "group3")]);
        assert_eq!(status, 200);
        assert_eq!(element_text(&b.get("/staff/users").1, "group-insp").as_deref(), Some("第三督查组"));
        let (status, page, _) = b.post("/staff/users/fire.officer/group", &[("csrf", &csrf), ("supervision_group", "group3")]);
        assert_eq!(status, 422, "{page}");
        assert!(page.contains("只有督查人员属于督查组"), "{page}");
        let (status, _, _) = b.post("/staff/users/insp/group", &[("csrf", &csrf), ("supervision_group", "nope")]);
        assert_eq!(status, 422);

        let insp = app.sign_in("insp", PASSWORD).unwrap();
        let found = insp.post("/api/v1/staff/supervision", &json!({
            "kind": "spot_check", "unit": "fire", "finding": "抽查发现消防通道被占用。", "conclusion": "problem"
        }));
        assert_eq!((found.status, &found.json["group"]), (201, &json!("group3")), "{}", found.text);
        let coord = app.sign_in("coord", PASSWORD).unwrap();
        let untouched = coord.post("/api/v1/staff/supervision", &json!({
            "kind": "case_review", "unit": "fire", "finding": "案卷评查未发现问题。", "conclusion": "ok"
        }));
        assert_eq!(untouched.json["group"], Value::Null, "the coordinator is in no group");
        let of_group = coord.get("/api/v1/staff/supervision?group=group3");
        assert_eq!(of_group.status, 200, "{}", of_group.text);
        let findings = of_group.json["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0]["group"], "group3");
        assert_eq!(coord.get("/api/v1/staff/supervision").json["findings"].as_array().unwrap().len(), 2);
        assert_eq!(coord.get("/api/v1/staff/supervision?group=group1").json["findings"], json!([]));
        assert_eq!(coord.get("/api/v1/staff/supervision?group=nope").status, 422);
        let (_, page) = b.get("/staff/supervision?group=group3");
        assert!(page.contains("第三督查组") && page.contains("消防通道被占用") && !page.contains("案卷评查未发现问题"), "{page}");
    }

    /// Without JavaScript, on the case page: an inspector sees the one form they may send, a
    /// refused one comes back with what was typed, a sent one marks the case.
    fn an_inspector_lists_a_case_from_its_page(app) {
        let case = app.new_case("fire_safety");
        app.add_user("insp", "inspector", None, None);
        let b = Browser::new(&app);
        b.sign_in("insp", PASSWORD, "");
        let path = format!("/staff/tips/{case}");
        let (status, page) = b.get(&path);
        assert_eq!(status, 200);
        assert!(page.contains("name=\"action\" value=\"supervise\""), "{page}");
        assert!(!page.contains("value=\"accept\""));
        let csrf = b.csrf(&path);
        let due = (app.today() + Duration::days(7)).to_string();
        let act = format!("/staff/tips/{case}/act");
        let (status, page, _) = b.post(&act, &[("csrf", &csrf), ("action", "supervise"), ("due", &due)]);
        assert_eq!(status, 422, "{page}");
        assert!(page.contains(&format!("value=\"{due}\"")), "the due date stays: {page}");
        let (status, _, _) = b.post(&act, &[("csrf", &csrf), ("action", "supervise"), ("reason", "隐患长期未整改"), ("due", &due)]);
        assert_eq!(status, 303);
        let (_, page) = b.get(&path);
        assert!(page.contains("id=\"case-listed\"") && page.contains("隐患长期未整改"), "{page}");
        assert!(!page.contains("value=\"lift_supervision\""), "lifting is the coordinator's");
    }
}
