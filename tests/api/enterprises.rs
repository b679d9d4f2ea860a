//! Enterprises (生产经营单位): recording one with its credit code checked, finding them, one
//! enterprise with everything about it within the reader's reach, and tips linked to them
//! (`link_enterprise`, the suggested matches, "create from this tip" on the case page).

use crate::helpers::*;
use crate::on_both_backends;
use serde_json::{Value, json};

const CODE: &str = "91350100M000100Y43";
const OTHER_CODE: &str = "91330100799655058B";

fn enterprise(name: &str, code: Option<&str>) -> Value {
    json!({"name": name, "credit_code": code, "address": "江头北路216号", "street": "jiangtou", "sector": "fire_safety"})
}

/// Records an enterprise and returns its id.
fn record(who: &StaffClient, body: Value) -> i64 {
    let a = who.post("/api/v1/staff/enterprises", &body);
    assert_eq!(a.status, 201, "{}", a.text);
    a.json["id"].as_i64().expect("an id")
}

/// The messages of one field of a 422 answer, joined.
fn field(a: &Answer, name: &str) -> String {
    assert_eq!(a.status, 422, "{}", a.text);
    a.json["fields"][name]
        .as_array()
        .unwrap_or_else(|| panic!("no {name} error: {}", a.text))
        .iter()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

fn case_numbers(v: &Value) -> Vec<String> {
    v["tips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["case_number"].as_str().unwrap().to_owned())
        .collect()
}

on_both_backends! {
    /// An enterprise is recorded with a valid credit code; a wrong check character, a code
    /// already recorded, an unknown street or sector and a NUL in a name are field errors in the
    /// user's language; it is found by part of its name or by its code; creating it is audited.
    fn enterprises_are_recorded_checked_and_found(app) {
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let created = officer.post("/api/v1/staff/enterprises", &enterprise("厦门某某海鲜酒楼有限公司", Some(CODE)));
        assert_eq!(created.status, 201, "{}", created.text);
        assert_eq!(created.json["credit_code"], json!(CODE));
        assert_eq!(created.json["street"], json!("jiangtou"));
        assert_eq!(created.json["tips"], json!([]));
        let id = created.json["id"].as_i64().unwrap();

        let wrong = officer.post("/api/v1/staff/enterprises", &enterprise("某某五金店", Some("91330100799655058C")));
        assert!(field(&wrong, "credit_code").contains("校验码"), "{}", wrong.text);
        let malformed = officer.post("/api/v1/staff/enterprises", &enterprise("某某五金店", Some("9133010079965505")));
        assert!(field(&malformed, "credit_code").contains("18 位"));
        // The same code typed in lower case with spaces is the same code.
        let twice = officer.post("/api/v1/staff/enterprises", &enterprise("另一家酒楼", Some(" 91350100m000100y43 ")));
        assert!(field(&twice, "credit_code").contains("已经登记过"));
        let mut unknown = enterprise("某某五金店", None);
        unknown["street"] = json!("atlantis");
        unknown["sector"] = json!("piracy");
        let unknown = officer.post("/api/v1/staff/enterprises", &unknown);
        assert!(field(&unknown, "street").contains("街道"));
        assert!(!field(&unknown, "sector").is_empty());
        let nul = officer.post("/api/v1/staff/enterprises", &enterprise("某某\u{0}五金店", None));
        assert!(!field(&nul, "name").is_empty());
        let mut nul_address = enterprise("某某五金店", None);
        nul_address["address"] = json!("江头\u{0}北路");
        assert!(!field(&officer.post("/api/v1/staff/enterprises", &nul_address), "address").is_empty());
        assert!(!field(&officer.post("/api/v1/staff/enterprises", &json!({})), "name").is_empty());

        // In English when asked.
        let english = answer(
            officer.agent.post(app.url("/api/v1/staff/enterprises"))
                .header("x-csrf-token", &officer.csrf)
                .header("accept-language", "en")
                .send_json(enterprise("某某五金店", Some("91330100799655058C")))
                .unwrap(),
        );
        assert!(field(&english, "credit_code").contains("check character"), "{}", english.text);

        // Without a code, and a second one with another code.
        record(&officer, enterprise("某某五金店", None));
        record(&officer, enterprise("湖里某某物流有限公司", Some(OTHER_CODE)));

        // Found by part of its name, by its code, not by what it is not.
        let names = |q: &str| -> Vec<String> {
            let a = officer.get(&format!("/api/v1/staff/enterprises?q={}", urlencoding(q)));
            assert_eq!(a.status, 200, "{}", a.text);
            a.json["items"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap().to_owned()).collect()
        };
        assert_eq!(names("海鲜"), vec!["厦门某某海鲜酒楼有限公司"]);
        assert_eq!(names(&CODE.to_lowercase()), vec!["厦门某某海鲜酒楼有限公司"]);
        assert!(names("无此单位").is_empty());
        assert!(names("%").is_empty(), "a wildcard matches itself only");
        assert_eq!(names("").len(), 3, "without a query: the recent ones");

        let one = officer.get(&format!("/api/v1/staff/enterprises/{id}"));
        assert_eq!(one.status, 200);
        assert_eq!(one.json["name"], json!("厦门某某海鲜酒楼有限公司"));
        assert_eq!(officer.get("/api/v1/staff/enterprises/999999").status, 404);

        // Finance neither records nor reads them; the CSRF token is required.
        let finance = app.staff("fin", "finance", None);
        assert_eq!(finance.post("/api/v1/staff/enterprises", &enterprise("某某店", None)).status, 403);
        assert_eq!(finance.get("/api/v1/staff/enterprises").status, 403);
        assert_eq!(officer.post_without_csrf("/api/v1/staff/enterprises", &enterprise("某某店", None)).status, 403);

        let coord = app.staff("coord", "coordinator", None);
        let audit = coord.get("/api/v1/staff/audit");
        let created: Vec<&Value> = audit.json["entries"].as_array().unwrap().iter()
            .filter(|e| e["action"] == json!("enterprise_created"))
            .collect();
        assert_eq!(created.len(), 3);
        assert!(created.iter().all(|e| e["actor"] == json!("fire.officer")));
    }

    /// Several staff recording the same credit code at once: one is recorded, every other gets
    /// the field error (never a 500), on both databases.
    fn the_same_code_recorded_at_once_is_a_field_error(app) {
        let clients: Vec<StaffClient> = (0..4)
            .map(|i| app.staff(&format!("officer{i}"), "officer", Some("fire")))
            .collect();
        let statuses: Vec<u16> = std::thread::scope(|s| {
            let running: Vec<_> = clients
                .iter()
                .enumerate()
                .map(|(i, c)| s.spawn(move || c.post("/api/v1/staff/enterprises", &enterprise(&format!("同码单位{i}"), Some(CODE))).status))
                .collect();
            running.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
        assert!(statuses.iter().all(|s| *s == 201 || *s == 422), "{statuses:?}");
    }

    /// A tip's free-text business suggests recorded enterprises; the lead unit (or the
    /// coordinator) links the tip, and its hazard with it, without changing its status; a unit
    /// sees only the enterprise's tips and hazards within its reach.
    fn a_tip_is_linked_to_an_enterprise(app) {
        let fire = app.staff("fire.officer", "officer", Some("fire"));
        let street = app.staff("jiangtou.officer", "officer", Some("jiangtou"));
        let gas_officer = app.staff("gas.officer", "officer", Some("municipal"));
        let coord = app.staff("coord", "coordinator", None);
        let id = record(&coord, enterprise("某某海鲜酒楼有限公司", Some(CODE)));
        let unrelated = record(&coord, enterprise("湖里某某物流有限公司", Some(OTHER_CODE)));
        let case = app.new_case("fire_safety");

        let before = fire.get(&format!("/api/v1/staff/tips/{case}"));
        assert_eq!(before.json["linked_enterprise"], Value::Null);
        assert_eq!(before.json["enterprise"], json!("某某海鲜酒楼"), "the free text stays");
        let matches: Vec<i64> = before.json["enterprise_matches"].as_array().unwrap().iter().map(|m| m["id"].as_i64().unwrap()).collect();
        assert_eq!(matches, vec![id], "the name without 有限公司 contains the tip's business");

        let link = |who: &StaffClient, body: Value| who.act(&case, body);
        assert_eq!(link(&street, json!({"action": "link_enterprise", "enterprise_id": id})).status, 403, "the co-handling street does not link");
        assert_eq!(link(&app.staff("insp", "inspector", None), json!({"action": "link_enterprise", "enterprise_id": id})).status, 403);
        assert!(!field(&link(&fire, json!({"action": "link_enterprise"})), "enterprise_id").is_empty());
        assert!(!field(&link(&fire, json!({"action": "link_enterprise", "enterprise_id": 999999})), "enterprise_id").is_empty());
        let linked = link(&fire, json!({"action": "link_enterprise", "enterprise_id": id}));
        assert_eq!(linked.status, 200, "{}", linked.text);
        assert_eq!(linked.json["status"], json!("submitted"), "the status stays");
        assert_eq!(linked.json["linked_enterprise"], json!({"id": id, "name": "某某海鲜酒楼有限公司", "credit_code": CODE}));
        assert_eq!(linked.json["enterprise_matches"], json!([]));
        let history = linked.json["history"].as_array().unwrap();
        let last = history.last().unwrap();
        assert_eq!((last["action"].as_str(), last["by"].as_str()), (Some("link_enterprise"), Some("fire.officer")));
        assert!(last["note"].as_str().unwrap().contains("某某海鲜酒楼有限公司"));
        assert!(!field(&link(&fire, json!({"action": "link_enterprise", "enterprise_id": id})), "enterprise_id").is_empty(), "already linked");

        // Its hazard, created when rectification is ordered, belongs to the enterprise.
        fire.steps(&case, &["accept", "start_verification", "substantiate"]);
        let order = json!({"action": "order_rectification", "responsible_party": "酒楼负责人", "measures": "钢瓶移出地下室", "deadline": "2099-01-01"});
        assert_eq!(fire.act(&case, order.clone()).status, 200);

        // A gas tip whose hazard exists before the coordinator links it: the hazard follows.
        let gas = app.new_case("gas");
        gas_officer.steps(&gas, &["accept", "start_verification", "substantiate"]);
        assert_eq!(gas_officer.act(&gas, order).status, 200);
        assert_eq!(coord.act(&gas, json!({"action": "link_enterprise", "enterprise_id": id})).status, 200);

        let all = coord.get(&format!("/api/v1/staff/enterprises/{id}"));
        assert_eq!(all.status, 200, "{}", all.text);
        assert_eq!(case_numbers(&all.json), vec![gas.clone(), case.clone()]);
        let hazards = all.json["hazards"].as_array().unwrap();
        assert_eq!(hazards.len(), 2, "{}", all.text);
        assert!(hazards.iter().all(|h| h["number"].as_str().unwrap().starts_with("YH-") && h["status"] == json!("open") && h["grade"] == json!("major")));
        assert_eq!(hazards[0]["deadline"], json!("2099-01-01"));

        // The fire department sees its tip and hazard only; the gas department its own.
        let mine = fire.get(&format!("/api/v1/staff/enterprises/{id}"));
        assert_eq!(case_numbers(&mine.json), vec![case.clone()]);
        assert_eq!(mine.json["hazards"].as_array().unwrap().len(), 1);
        let theirs = gas_officer.get(&format!("/api/v1/staff/enterprises/{id}"));
        assert_eq!(case_numbers(&theirs.json), vec![gas.clone()]);
        // The sub-district hosts both.
        assert_eq!(case_numbers(&street.get(&format!("/api/v1/staff/enterprises/{id}")).json).len(), 2);
        assert_eq!(case_numbers(&coord.get(&format!("/api/v1/staff/enterprises/{unrelated}")).json).len(), 0);

        // Linking is in the audit log.
        let audit = coord.get(&format!("/api/v1/staff/audit?case_number={case}"));
        assert!(audit.json["entries"].as_array().unwrap().iter().any(|e| e["action"] == json!("link_enterprise")));
    }

    /// The enterprise's answer and page list the accountability measures against it (kind in
    /// words on the page, date, unit, summary, cases), not those against another enterprise.
    fn an_enterprise_lists_its_accountability(app) {
        let coord = app.staff("coord", "coordinator", None);
        let id = record(&coord, enterprise("某某海鲜酒楼有限公司", Some(CODE)));
        let other = record(&coord, enterprise("湖里某某物流有限公司", Some(OTHER_CODE)));
        let case = app.new_case("gas");
        let today = app.today().to_string();
        let measure = |enterprise_id: i64, kind: &str, summary: &str, cases: Value| {
            let a = coord.post("/api/v1/staff/accountability", &json!({
                "kind": kind, "unit": "municipal", "enterprise_id": enterprise_id,
                "case_numbers": cases, "decided_on": today, "summary": summary,
            }));
            assert_eq!(a.status, 201, "{}", a.text);
        };
        measure(id, "interview", "燃气钢瓶存放在地下室，约谈酒楼主要负责人。", json!([case]));
        measure(other, "warning_notice", "物流仓库通道堵塞，警示通报。", json!([]));

        let fire = app.staff("fire.officer", "officer", Some("fire"));
        let one = fire.get(&format!("/api/v1/staff/enterprises/{id}"));
        assert_eq!(one.status, 200, "{}", one.text);
        let records = one.json["accountability"].as_array().unwrap();
        assert_eq!(records.len(), 1, "{}", one.text);
        let r = &records[0];
        assert_eq!(r["kind"], json!("interview"));
        assert_eq!(r["unit"], json!("municipal"));
        assert_eq!(r["enterprise_id"], json!(id));
        assert_eq!(r["case_numbers"], json!([case]));
        assert_eq!(r["decided_on"], json!(today));
        assert_eq!(r["summary"], json!("燃气钢瓶存放在地下室，约谈酒楼主要负责人。"));
        let none = fire.get(&format!("/api/v1/staff/enterprises/{}", record(&coord, enterprise("某某五金店", None))));
        assert_eq!(none.json["accountability"], json!([]));

        app.add_user("fire.page", "officer", Some("fire"), None);
        let b = Browser::new(&app);
        b.sign_in("fire.page", PASSWORD, "");
        let (status, html) = b.get(&format!("/staff/enterprises/{id}"));
        assert_eq!(status, 200);
        let section = &html[html.find("id=\"accountability\"").expect("the accountability section")..];
        assert!(section.contains("问责记录") && section.contains("约谈") && section.contains("市政园林局"), "{section}");
        assert!(section.contains("燃气钢瓶存放在地下室") && section.contains(&format!("href=\"/staff/tips/{case}\"")));
        assert!(!section.contains(">interview<") && !section.contains(">municipal<"), "words, not codes");
        assert!(!html.contains("物流仓库通道堵塞"), "another enterprise's measure");
        let (_, en) = b.get(&format!("/staff/enterprises/{id}?lang=en"));
        assert!(en.contains("Accountability") && en.contains("Interview"), "{en}");
        let (_, html) = b.get(&format!("/staff/enterprises/{other}"));
        assert!(html.contains("警示通报") && !html.contains("燃气钢瓶存放在地下室"));
    }

    /// The pages: the enterprise search with its recording form (which comes back as typed), the
    /// enterprise page, and the case page's suggested matches, link and "create from this tip".
    fn enterprises_are_worked_through_the_pages(app) {
        let case = app.new_case("fire_safety");
        let gas = app.new_case("gas");
        app.add_user("fire.officer", "officer", Some("fire"), None);
        let b = Browser::new(&app);
        b.sign_in("fire.officer", PASSWORD, "");
        let (status, html) = b.get("/staff");
        assert_eq!(status, 200);
        assert!(html.contains("href=\"/staff/enterprises\""), "in the navigation");

        // The case page offers to record the business from the tip, filled from it.
        let page = format!("/staff/tips/{case}");
        let (_, html) = b.get(&page);
        assert!(html.contains("id=\"enterprise-link\""), "{html}");
        assert!(html.contains("按本举报登记新单位并关联"));
        assert!(html.contains("value=\"某某海鲜酒楼\"") && html.contains("value=\"江头北路216号负一楼\""));
        let csrf = b.csrf(&page);
        let path = format!("/staff/tips/{case}/enterprise");
        let typed = [("csrf", csrf.as_str()), ("name", "某某海鲜酒楼"), ("credit_code", "91330100799655058C"), ("address", "江头北路216号"), ("street", "jiangtou"), ("sector", "fire_safety")];
        let (status, html, _) = b.post(&path, &typed);
        assert_eq!(status, 422);
        assert!(html.contains("校验码"), "the field's message");
        assert!(html.contains("value=\"91330100799655058C\"") && html.contains("value=\"江头北路216号\""), "what was typed stays");
        let mut good = typed;
        good[2] = ("credit_code", CODE);
        let (status, _, to) = b.post(&path, &good);
        assert_eq!((status, to), (303, Some(format!("/staff/tips/{case}?done=link_enterprise"))));
        let (_, html) = b.get(&format!("/staff/tips/{case}?done=link_enterprise"));
        assert!(html.contains("已完成：关联生产经营单位"), "{html}");
        assert!(html.contains("id=\"linked-enterprise\""));
        let link_start = html.find("href=\"/staff/enterprises/").expect("a link to the enterprise");
        let id: String = html[link_start + 25..].chars().take_while(char::is_ascii_digit).collect();

        // The enterprise page shows the case; not the gas case, which is not the fire's.
        let coord = app.staff("coord", "coordinator", None);
        assert_eq!(coord.act(&gas, json!({"action": "link_enterprise", "enterprise_id": id.parse::<i64>().unwrap()})).status, 200);
        let (status, html) = b.get(&format!("/staff/enterprises/{id}"));
        assert_eq!(status, 200);
        assert!(html.contains("某某海鲜酒楼") && html.contains(CODE) && html.contains(&case));
        assert!(!html.contains(&gas), "another unit's tip is not shown");
        assert!(html.contains("江头街道") && !html.contains(">jiangtou<"), "names, not codes");
        assert!(!html.contains("action=\"/staff/enterprises/"), "no blacklist form for an officer");

        // The search page's form: refused as typed, then recorded.
        let (status, html) = b.get(&format!("/staff/enterprises?q={}", urlencoding("海鲜")));
        assert_eq!(status, 200);
        assert!(html.contains(&format!("/staff/enterprises/{id}")));
        let csrf = b.csrf("/staff/enterprises");
        let form = [("csrf", csrf.as_str()), ("name", "湖里某某物流有限公司"), ("credit_code", CODE), ("address", "湖里大道8号"), ("street", "jiangtou"), ("sector", "road_transport")];
        let (status, html, _) = b.post("/staff/enterprises", &form);
        assert_eq!(status, 422);
        assert!(html.contains("已经登记过") && html.contains("value=\"湖里某某物流有限公司\"") && html.contains("value=\"湖里大道8号\""));
        assert!(html.contains("<option value=\"road_transport\" selected>"));
        let mut form = form;
        form[2] = ("credit_code", OTHER_CODE);
        let (status, _, to) = b.post("/staff/enterprises", &form);
        assert_eq!(status, 303);
        assert!(to.unwrap().ends_with("?done=created"));
        let (status, _) = b.get("/staff/enterprises/999999");
        assert_eq!(status, 404);

        // A second tip about the same business suggests the record, with a one-click link.
        let again = app.new_case("fire_safety");
        let (_, html) = b.get(&format!("/staff/tips/{again}"));
        assert!(html.contains("请核对后关联") && html.contains(&format!("name=\"enterprise_id\" value=\"{id}\"")));
        let csrf = b.csrf(&format!("/staff/tips/{again}"));
        let (status, _, _) = b.post(&format!("/staff/tips/{again}/act"), &[("csrf", &csrf), ("action", "link_enterprise"), ("enterprise_id", &id)]);
        assert_eq!(status, 303);
        assert!(b.get(&format!("/staff/enterprises/{id}")).1.contains(&again));
    }
}

fn urlencoding(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .unwrap()
        .trim_start_matches('=')
        .to_owned()
}
