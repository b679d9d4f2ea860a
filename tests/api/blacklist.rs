//! The blacklist (安全生产不良记录): the coordinator lists an enterprise with a reason for the
//! public and an optional end, and withdraws it with a reason (both audited); the public page
//! shows the entries in force; enterprises with repeated major hazards are suggested.

use crate::helpers::*;
use crate::on_both_backends;
use serde_json::json;

fn record(who: &StaffClient, name: &str) -> i64 {
    let body = json!({"name": name, "address": "江头北路216号", "street": "jiangtou", "sector": "fire_safety"});
    let a = who.post("/api/v1/staff/enterprises", &body);
    assert_eq!(a.status, 201, "{}", a.text);
    a.json["id"].as_i64().unwrap()
}

const REASON: &str = "2026年内两次检查发现重大事故隐患且逾期未整改，依法列入安全生产不良记录。";

on_both_backends! {
    /// Only the coordinator lists and withdraws; a reason is needed, the end date not before
    /// today; listing twice or withdrawing nothing is a conflict; the public page shows the
    /// name, the reason and the dates while the entry is in force, and not after.
    fn the_coordinator_lists_and_withdraws_and_the_public_page_follows(app) {
        let coord = app.staff("coord", "coordinator", None);
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let head = app.staff("fire.head", "head", Some("fire"));
        let id = record(&officer, "某某海鲜酒楼");
        let list = format!("/api/v1/staff/enterprises/{id}/blacklist");
        let withdraw = format!("/api/v1/staff/enterprises/{id}/blacklist/withdraw");
        let empty = app.get("/blacklist");
        assert_eq!(empty.status, 200);
        assert!(empty.text.contains("目前没有列入安全生产不良记录的单位") && !empty.text.contains("某某海鲜酒楼"));

        for who in [&officer, &head] {
            assert_eq!(who.post(&list, &json!({"reason": REASON})).status, 403);
            assert_eq!(who.post(&withdraw, &json!({"reason": "整改到位"})).status, 403);
        }
        let today = app.today();
        let yesterday = (today - chrono::Duration::days(1)).to_string();
        let refused = coord.post(&list, &json!({"reason": "", "until": yesterday}));
        assert_eq!(refused.status, 422);
        assert!(refused.json["fields"]["reason"].is_array() && refused.json["fields"]["until"].is_array(), "{}", refused.text);
        let bad = coord.post(&list, &json!({"reason": REASON, "until": "next week"}));
        assert!(bad.json["fields"]["until"][0].as_str().unwrap().contains("年-月-日"), "{}", bad.text);
        assert_eq!(coord.post(&list, &json!({"reason": "重大\u{0}隐患"})).status, 422);
        assert_eq!(coord.post("/api/v1/staff/enterprises/999999/blacklist", &json!({"reason": REASON})).status, 404);
        assert_eq!(coord.post(&withdraw, &json!({"reason": "整改到位"})).status, 409, "nothing in force");

        let until = (today + chrono::Duration::days(30)).to_string();
        let listed = coord.post(&list, &json!({"reason": REASON, "until": until}));
        assert_eq!(listed.status, 201, "{}", listed.text);
        assert_eq!(listed.json["in_force"], json!(true));
        assert_eq!(listed.json["listed_on"], json!(today.to_string()));
        assert_eq!(coord.post(&list, &json!({"reason": REASON})).status, 409, "already listed");

        let public = app.get("/blacklist");
        assert_eq!(public.status, 200);
        assert!(public.text.contains("某某海鲜酒楼") && public.text.contains(REASON));
        let day = |d: chrono::NaiveDate| d.format("%Y年%-m月%-d日").to_string();
        assert!(public.text.contains(&day(today)) && public.text.contains(&day(today + chrono::Duration::days(30))));
        assert!(!public.text.contains("江头北路216号"), "nothing but the name, reason and dates");
        assert!(!public.text.contains("coord"), "not who listed it");
        let english = app.get("/blacklist?lang=en");
        assert!(english.text.contains("Work-safety blacklist") && english.text.contains("Listed on"));
        let one = officer.get(&format!("/api/v1/staff/enterprises/{id}"));
        assert_eq!(one.json["blacklisted"][0]["reason"], json!(REASON));

        assert_eq!(coord.post(&withdraw, &json!({"reason": ""})).status, 422);
        let withdrawn = coord.post(&withdraw, &json!({"reason": "企业整改到位，经复查撤销"}));
        assert_eq!(withdrawn.status, 200, "{}", withdrawn.text);
        assert_eq!((withdrawn.json["in_force"].clone(), withdrawn.json["withdrawn_by"].clone()), (json!(false), json!("coord")));
        assert_eq!(coord.post(&withdraw, &json!({"reason": "再次撤销"})).status, 409);
        let after = app.get("/blacklist");
        assert!(!after.text.contains("某某海鲜酒楼") && after.text.contains("id=\"blacklist-empty\""), "{}", after.text);

        // An entry ends by itself after its last day.
        let listed = coord.post(&list, &json!({"reason": REASON, "until": today.to_string()}));
        assert_eq!(listed.status, 201, "listed again after the withdrawal: {}", listed.text);
        assert!(app.get("/blacklist").text.contains("某某海鲜酒楼"));
        app.advance(chrono::Duration::days(2));
        let coord = app.sign_in("coord", PASSWORD).unwrap();
        assert!(!app.get("/blacklist").text.contains("某某海鲜酒楼"));
        assert_eq!(coord.post(&withdraw, &json!({"reason": "已到期"})).status, 409, "nothing in force");

        let audit = coord.get("/api/v1/staff/audit");
        let actions: Vec<(String, String)> = audit.json["entries"].as_array().unwrap().iter()
            .filter(|e| e["action"].as_str().unwrap_or("").starts_with("blacklist_"))
            .map(|e| (e["action"].as_str().unwrap().to_owned(), e["actor"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(actions.iter().filter(|a| a.0 == "blacklist_listed").count(), 2, "{actions:?}");
        assert!(actions.contains(&("blacklist_withdrawn".into(), "coord".into())));
        assert!(actions.iter().all(|a| a.1 == "coord"));
    }

    /// Enterprises with two or more major hazards found in the last 365 days are suggested to
    /// the coordinator on the enterprises page, until they are listed; the coordinator lists
    /// one through the enterprise page's form, which comes back as typed when refused.
    fn repeated_major_hazards_are_suggested_and_listed_through_the_pages(app) {
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let coord = app.staff("coord", "coordinator", None);
        let id = record(&coord, "某某海鲜酒楼");
        let once = record(&coord, "某某五金店");
        let order = json!({"action": "order_rectification", "responsible_party": "负责人", "measures": "立即整改", "deadline": "2099-01-01"});
        let hazard = |enterprise: i64| {
            let case = app.new_case("fire_safety");
            assert_eq!(officer.act(&case, json!({"action": "link_enterprise", "enterprise_id": enterprise})).status, 200);
            officer.steps(&case, &["accept", "start_verification", "substantiate"]);
            assert_eq!(officer.act(&case, order.clone()).status, 200);
        };
        hazard(id);
        hazard(once);
        app.add_user("coord.page", "coordinator", None, None);
        let b = Browser::new(&app);
        b.sign_in("coord.page", PASSWORD, "");
        assert!(!b.get("/staff/enterprises").1.contains("id=\"blacklist-suggestions\""), "one major hazard is not repeated");
        hazard(id);
        let (status, html) = b.get("/staff/enterprises");
        assert_eq!(status, 200);
        let section = &html[html.find("id=\"blacklist-suggestions\"").expect("suggestions")..];
        assert!(section.contains(&format!("/staff/enterprises/{id}#blacklist")) && section.contains("重大隐患 2 项"));
        assert!(!section.contains(&format!("/staff/enterprises/{once}#")));
        app.add_user("fire.officer.page", "officer", Some("fire"), None);
        let o = Browser::new(&app);
        o.sign_in("fire.officer.page", PASSWORD, "");
        assert!(!o.get("/staff/enterprises").1.contains("id=\"blacklist-suggestions\""), "for the coordinator only");

        // The enterprise page: hazards with their rectification, the listing form.
        let page = format!("/staff/enterprises/{id}");
        let (_, html) = b.get(&page);
        assert!(html.contains("YH-") && html.contains("整改中") && html.contains("重大隐患"), "{html}");
        assert!(html.contains("没有不良记录"));
        let csrf = b.csrf(&page);
        let path = format!("{page}/blacklist");
        let (status, html, _) = b.post(&path, &[("csrf", &csrf), ("reason", REASON), ("until", "2000-01-01")]);
        assert_eq!(status, 422);
        assert!(html.contains(&format!(">{REASON}</textarea>")) && html.contains("value=\"2000-01-01\""), "as typed");
        assert!(html.contains("日期不能早于今天"), "{html}");
        let (status, _, to) = b.post(&path, &[("csrf", &csrf), ("reason", REASON), ("until", "")]);
        assert_eq!((status, to), (303, Some(format!("{page}?done=blacklisted"))));
        let (_, html) = b.get(&format!("{page}?done=blacklisted"));
        assert!(html.contains("已列入安全生产不良记录") && html.contains("生效中") && html.contains(REASON));
        assert!(!b.get("/staff/enterprises").1.contains("id=\"blacklist-suggestions\""), "listed now");
        let ocsrf = o.csrf(&page);
        assert_eq!(o.post(&format!("{page}/blacklist/withdraw"), &[("csrf", &ocsrf), ("withdraw_reason", "不该列入")]).0, 403);
        let (status, _, _) = b.post(&format!("{page}/blacklist/withdraw"), &[("csrf", &csrf), ("withdraw_reason", "经复查整改到位")]);
        assert_eq!(status, 303);
        assert!(b.get(&page).1.contains("经复查整改到位"));
    }
}
