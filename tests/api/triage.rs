//! Issue 16, the staff side: the queue helps triage (severity, days left, unread messages from
//! the reporter, the place; 待办 without finished cases), the audit log filters and pages, and
//! no internal code reaches a page where people read words.

use crate::helpers::*;
use crate::on_both_backends;
use serde_json::{Value, json};

/// The queue item of a case in a queue answer.
fn item<'a>(queue: &'a Value, case: &str) -> &'a Value {
    queue["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["case_number"] == case)
        .unwrap_or_else(|| panic!("{case} in {queue}"))
}

/// The text of an HTML fragment without its tags.
fn words(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// A snake_case code (`sign_in`, `exposure_published`) or a step written with an arrow.
fn codes_in(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .split(|c: char| !(c.is_ascii_lowercase() || c == '_'))
        .filter(|w| w.contains('_') && !w.starts_with('_') && !w.ends_with('_'))
        .map(str::to_owned)
        .collect();
    for marker in [" -> ", "lead=", "street=", "（Not taken up）"] {
        if text.contains(marker) {
            found.push(marker.to_owned());
        }
    }
    found
}

/// The body of the first table of a page.
fn table_body(html: &str) -> &str {
    let start = html.find("<tbody>").expect("a table");
    let end = html[start..].find("</tbody>").expect("its end") + start;
    &html[start..end]
}

on_both_backends! {
    /// The queue answers each case's severity, place, days left to its limit and the reporter's
    /// messages since the caller's unit last opened it; another unit has its own marker.
    fn the_queue_carries_severity_days_left_and_unread_messages(app) {
        let major = app.submit(&anonymous_tip("fire_safety"));
        let (case, receipt) = (major["case_number"].as_str().unwrap(), major["receipt"].as_str().unwrap());
        let mut general = anonymous_tip("fire_safety");
        general["severity"] = json!("general");
        let general = app.submit(&general)["case_number"].as_str().unwrap().to_owned();
        let coord = app.staff("coord", "coordinator", None);
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let q = coord.get("/api/v1/staff/tips");
        assert_eq!(q.status, 200, "{}", q.text);
        let i = item(&q.json, case);
        assert_eq!((i["severity"].as_str(), i["address"].as_str()), (Some("major"), Some("江头北路216号负一楼")));
        assert_eq!(item(&q.json, &general)["severity"], "general");
        let due = chrono::NaiveDate::parse_from_str(i["next_deadline"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        assert_eq!(i["days_left"].as_i64(), Some((due - app.today()).num_days()));
        assert!(i["days_left"].as_i64().unwrap() > 0);
        assert_eq!(i["unread"], 0);

        for body in ["补充：晚上十点后消防通道被货车堵死。", "又闻到气味了"] {
            let a = app.post_json("/api/v1/track/messages", &json!({ "receipt": receipt, "body": body }));
            assert_eq!(a.status, 201, "{}", a.text);
        }
        assert_eq!(item(&coord.get("/api/v1/staff/tips").json, case)["unread"], 2);
        assert_eq!(item(&officer.get("/api/v1/staff/tips").json, case)["unread"], 2);
        // The coordinator opens the case: read for the district, not for the department.
        assert_eq!(coord.get(&format!("/api/v1/staff/tips/{case}")).status, 200);
        assert_eq!(item(&coord.get("/api/v1/staff/tips").json, case)["unread"], 0);
        assert_eq!(item(&officer.get("/api/v1/staff/tips").json, case)["unread"], 2);
        app.advance(chrono::Duration::minutes(1));
        app.post_json("/api/v1/track/messages", &json!({ "receipt": receipt, "body": "第三条" }));
        assert_eq!(item(&coord.get("/api/v1/staff/tips").json, case)["unread"], 1);
        // Opened again: the message newer than the last opening is read too.
        assert_eq!(coord.get(&format!("/api/v1/staff/tips/{case}")).status, 200);
        assert_eq!(item(&coord.get("/api/v1/staff/tips").json, case)["unread"], 0);

        // Past its limit: days over, negative (the sessions have ended meanwhile).
        app.advance(chrono::Duration::days(30));
        let officer = app.sign_in("fire.officer", PASSWORD).expect("signs in again");
        let late = item(&officer.get("/api/v1/staff/tips").json, case).clone();
        assert!(late["days_left"].as_i64().unwrap() < 0, "{late}");

        // The page says the same in words.
        let b = Browser::new(&app);
        b.sign_in("fire.officer", PASSWORD, "");
        let (status, page) = b.get("/staff");
        assert_eq!(status, 200);
        for shown in ["重大隐患", "badge major", "3 条新留言", "已超期", "江头北路216号负一楼"] {
            assert!(page.contains(shown), "{shown}: {page}");
        }
        let (_, page) = b.get("/staff?lang=en");
        for shown in ["Major hazard", "3 new messages", "江头北路216号负一楼"] {
            assert!(page.contains(shown), "{shown}: {page}");
        }
    }

    /// 待办案件 lists the cases not yet finished: a case not taken up leaves it (and its count),
    /// and shows under 全部 or its own status; the JSON API lists every case unless asked.
    fn the_queue_page_leaves_finished_cases_out(app) {
        let open = app.new_case("fire_safety");
        let refused = app.new_case("fire_safety");
        let coord = app.staff("coord", "coordinator", None);
        let r = coord.act(&refused, json!({"action": "reject", "reason": "不属于安全生产范围"}));
        assert_eq!(r.status, 200, "{}", r.text);
        let b = Browser::new(&app);
        b.sign_in("coord", PASSWORD, "");
        let (_, page) = b.get("/staff");
        assert!(page.contains(&open) && !page.contains(&refused), "{page}");
        assert!(page.contains("待办案件 <span class=\"meta\">(1)</span>"), "{page}");
        let (_, all) = b.get("/staff?status=all");
        assert!(all.contains(&open) && all.contains(&refused));
        let (_, rejected) = b.get("/staff?status=rejected");
        assert!(!rejected.contains(&open) && rejected.contains(&refused));
        assert_eq!(coord.get("/api/v1/staff/tips").json["total"], 2);
        let open_only = coord.get("/api/v1/staff/tips?status=open");
        assert_eq!(open_only.json["total"], 1, "{}", open_only.text);
        // The automatic message to the reporter is in one language, the reader's.
        let (_, case) = b.get(&format!("/staff/tips/{refused}"));
        assert!(case.contains("不予受理：不属于安全生产范围") && !case.contains("Not taken up"), "{case}");
        let (_, case) = b.get(&format!("/staff/tips/{refused}?lang=en"));
        assert!(case.contains("Not taken up: 不属于安全生产范围") && !case.contains("不予受理（"), "{case}");
    }

    /// The audit log filters by person, action, case and day, 50 entries a page on the page and
    /// as many as asked in the API; the chain still verifies; a bad day is a clear 422.
    fn the_audit_log_filters_and_pages(app) {
        let case = app.new_case("fire_safety");
        let coord = app.staff("coord", "coordinator", None);
        let insp = app.staff("insp", "inspector", None);
        coord.steps(&case, &["accept"]);
        for _ in 0..52 {
            assert_eq!(insp.get("/api/v1/staff/lists/hazards.csv").status, 200);
        }
        let exports = insp.get("/api/v1/staff/audit?action=export&actor=insp&per_page=50&page=2");
        assert_eq!(exports.status, 200, "{}", exports.text);
        assert_eq!(exports.json["total"], 52);
        assert_eq!(exports.json["entries"].as_array().unwrap().len(), 2);
        let of_case = coord.get(&format!("/api/v1/staff/audit?case_number={case}&actor=coord"));
        let actions: Vec<&str> = of_case.json["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["accept"], "{}", of_case.text);
        let today = app.today();
        let tomorrow = (today + chrono::Duration::days(1)).to_string();
        let none = coord.get(&format!("/api/v1/staff/audit?from={tomorrow}"));
        assert_eq!(none.json["total"], 0, "{}", none.text);
        let all_today = coord.get(&format!("/api/v1/staff/audit?from={today}&to={today}&verify=true"));
        assert!(all_today.json["total"].as_i64().unwrap() >= 55, "{}", all_today.text);
        assert_eq!(all_today.json["verified"], true);
        let bad = coord.get("/api/v1/staff/audit?from=2026-13-01");
        assert_eq!(bad.status, 422, "{}", bad.text);
        assert!(bad.json["fields"]["from"].is_array());
        let backwards = coord.get(&format!("/api/v1/staff/audit?from={tomorrow}&to={today}"));
        assert_eq!(backwards.status, 422);

        let b = Browser::new(&app);
        b.sign_in("insp", PASSWORD, "");
        let (status, page) = b.get("/staff/audit?action=export");
        assert_eq!(status, 200);
        assert_eq!(table_body(&page).matches("<tr>").count(), 50);
        assert!(page.contains("1 / 2") && page.contains("page=2"), "{page}");
        let (_, second) = b.get("/staff/audit?action=export&page=2");
        assert_eq!(table_body(&second).matches("<tr>").count(), 2);
        for (query, shown) in [("", "导出文件"), ("?action=sign_in", "登录"), ("?action=accept&lang=en", "Accept")] {
            let (_, page) = b.get(&format!("/staff/audit{query}"));
            let body = words(table_body(&page));
            assert!(body.contains(shown), "{shown}: {body}");
            assert!(codes_in(&body).is_empty(), "{query}: {:?}", codes_in(&body));
        }
        let (status, refused) = b.get("/staff/audit?from=2026-02-30&actor=insp");
        assert_eq!(status, 422);
        assert!(refused.contains("value=\"2026-02-30\"") && refused.contains("<option value=\"insp\" selected>"), "{refused}");
        let (_, verified) = b.get("/staff/audit?verify=true&lang=zh-CN");
        assert!(verified.contains("哈希链校验通过"));
    }

    /// With the demo's history, every case page's history and the audit log read in words, in
    /// Chinese and in English: no stored code (`submitted -> accepted`, `lead=…`, `sign_in`).
    fn the_demo_reads_in_words_without_codes(app) {
        let report = app.services.load_demo(&config_dir()).expect("the demo loads");
        let password = report.users.iter().find(|u| u.0 == "coordinator").expect("the coordinator").3.clone();
        let b = Browser::new(&app);
        b.sign_in("coordinator", &password, "");
        for lang in ["zh-CN", "en"] {
            for p in 1..=3 {
                let (status, page) = b.get(&format!("/staff/audit?page={p}&lang={lang}"));
                assert_eq!(status, 200);
                let codes = codes_in(&words(table_body(&page)));
                assert!(codes.is_empty(), "audit page {p} ({lang}): {codes:?}");
            }
            let (_, queue) = b.get(&format!("/staff?status=all&lang={lang}"));
            let cases: Vec<String> = queue.match_indices("href=\"/staff/tips/HL-").map(|(i, _)| queue[i + 18..i + 32].to_owned()).collect();
            assert!(cases.len() >= 30, "{}", cases.len());
            for case in cases {
                let (status, page) = b.get(&format!("/staff/tips/{case}?lang={lang}"));
                assert_eq!(status, 200);
                let history = page.find("class=\"history").map(|i| &page[i..]).unwrap_or_default();
                let history = &history[..history.find("</table>").unwrap_or(history.len())];
                let codes = codes_in(&words(history));
                assert!(codes.is_empty(), "{case} ({lang}): {codes:?}");
                assert!(!words(history).contains("（选填）") && !page.contains("发现时间（选填）"), "{case}");
            }
        }
    }
}
