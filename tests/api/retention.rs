//! Retention (issue 18, point 1): the content of a case closed long ago is erased by the
//! background job, from what the pages and the API show and from the database's files; what
//! figures need stays; the erasure is audited with counts only.

use crate::helpers::*;
use crate::on_both_backends_and_suites;
use serde_json::json;

const DESCRIPTION: &str = "留存测试描述XQ7：三楼安全出口被铁链锁住，周末人很多。";
const ADDRESS: &str = "留存测试地址XQ7湖里大道八号";
const MESSAGE: &str = "留存测试留言XQ7：铁链今天还在。";
const ENTERPRISE: &str = "留存测试企业XQ7酒楼";
const KEPT: &str = "留存测试未结案XQ7：地下室存放液化气钢瓶十余只。";

/// Whether `needle` is anywhere in the database: on SQLite in the raw bytes of its files (the
/// database, its write-ahead log and shared memory); on PostgreSQL in every row of every table
/// as a fresh query reads them after the job's VACUUM (bytes as PostgreSQL writes them in
/// text, hex). PostgreSQL's data files may keep bytes of removed row versions in a page's free
/// space until it is reused; the rows a query can reach are what this checks there.
fn stored_anywhere(app: &TestApp, needle: &[u8]) -> bool {
    let dump = app.db.raw_dump();
    let hex = hex::encode(needle);
    dump.windows(needle.len()).any(|w| w == needle)
        || dump.windows(hex.len()).any(|w| w == hex.as_bytes())
}

on_both_backends_and_suites! {
    /// Three years after a case closed, its description, place, photos, messages and sealed
    /// identity are gone from the pages, the API and the database files; its number, routing,
    /// status and dates stay, an open case is untouched, and the audit log says how much was
    /// erased without saying what.
    fn closed_case_content_is_erased_after_its_retention_period(app) {
        let fields = [
            ("sector", "fire_safety"),
            ("street", "huli"),
            ("address", ADDRESS),
            ("enterprise", ENTERPRISE),
            ("description", DESCRIPTION),
            ("severity", "general"),
            ("reporter_name", "留存测试"),
            ("reporter_phone", "13800138000"),
        ];
        let sent = app.post_form("/report", &fields, &[("photos", "p.jpg", "image/jpeg", fixture("cam.jpg"))]);
        assert_eq!(sent.status, 200, "{}", sent.text);
        let case = element_text(&sent.text, "case-number").unwrap();
        let receipt = element_text(&sent.text, "receipt").unwrap();
        let m = app.post_json("/api/v1/track/messages", &json!({"receipt": receipt, "body": MESSAGE}));
        assert_eq!(m.status, 201, "{}", m.text);
        let mut open = anonymous_tip("gas");
        open["description"] = json!(KEPT);
        let open = app.submit(&open)["case_number"].as_str().unwrap().to_owned();

        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let head = app.staff("fire.head", "head", Some("fire"));
        let d = officer.get(&format!("/api/v1/staff/tips/{case}")).json;
        assert_eq!(d["content_erased_at"], json!(null));
        let photo_id = d["attachments"][0]["id"].as_i64().unwrap();
        let (_, _, photo) = officer.get_bytes(&format!("/api/v1/staff/tips/{case}/attachments/{photo_id}"));
        let photo_part = photo[photo.len() / 2..photo.len() / 2 + 48].to_vec();
        for a in ["accept", "start_verification"] {
            assert_eq!(officer.act(&case, json!({"action": a})).status, 200);
        }
        let u = officer.act(&case, json!({"action": "unsubstantiate", "reason": "现场核查未发现该隐患", "finding": FINDING}));
        assert_eq!(u.status, 200, "{}", u.text);
        assert_eq!(head.act(&case, json!({"action": "close", "reason": "核查不属实，结案"})).json["status"], "closed");
        let content = [DESCRIPTION.as_bytes(), ADDRESS.as_bytes(), ENTERPRISE.as_bytes(), MESSAGE.as_bytes(), &photo_part];
        for secret in content {
            assert!(stored_anywhere(&app, secret), "the test reads where the content is");
        }

        // Not yet: a day short of three years.
        app.advance(chrono::Duration::days(1_094));
        assert_eq!(app.services.apply_retention().unwrap().cases, 0);
        app.advance(chrono::Duration::days(2));
        let e = app.services.apply_retention().unwrap();
        assert_eq!((e.cases, e.photos, e.messages, e.identities), (1, 1, 1, 1));
        assert_eq!(app.services.apply_retention().unwrap().cases, 0, "once");

        for secret in content {
            assert!(!stored_anywhere(&app, secret), "{:?} is still stored", String::from_utf8_lossy(secret));
        }
        assert_eq!(app.db.unit_copy_mismatches(), 0, "the unit rows' copy of the enterprise went too");
        assert!(stored_anywhere(&app, KEPT.as_bytes()), "an open case keeps its content");

        // Three years on, the sessions have ended: sign in afresh.
        let officer = app.staff("fire.officer2", "officer", Some("fire"));
        let after = officer.get(&format!("/api/v1/staff/tips/{case}")).json;
        assert_eq!(after["case_number"], case.as_str());
        assert_eq!(after["status"], "closed");
        assert_eq!(after["department"]["code"], "fire");
        assert_eq!(after["description"], "");
        assert_eq!(after["attachments"], json!([]));
        let erased_at = after["content_erased_at"].as_str().expect("the erasure's time");
        let erased_at = chrono::DateTime::parse_from_rfc3339(erased_at).unwrap();
        assert!((app.now() - erased_at.to_utc()).num_seconds().abs() < 5, "{erased_at}");
        // The identity went with the content: revealing it is a conflict, audited nowhere.
        let coord = app.staff("coord", "coordinator", None);
        let reveal = coord.post(&format!("/api/v1/staff/tips/{case}/identity"), &json!({"reason": "需要联系举报人"}));
        assert_eq!(reveal.status, 409, "{}", reveal.text);
        assert!(!reveal.text.contains("留存测试") && !reveal.text.contains("13800138000"), "{}", reveal.text);
        assert_eq!(officer.get(&format!("/api/v1/staff/tips/{open}")).status, 404, "another unit's");
        let b = Browser::new(&app);
        b.sign_in("fire.officer2", PASSWORD, "");
        let (status, page) = b.get(&format!("/staff/tips/{case}"));
        assert_eq!(status, 200);
        assert!(page.contains("内容已按保存期限删除"), "{page}");
        let (_, english) = b.get(&format!("/staff/tips/{case}?lang=en"));
        assert!(english.contains("The content was erased at the end of its retention period"));
        let t = app.post_urlencoded("/track", &[("receipt", &receipt)]);
        assert!(t.text.contains("内容已按保存期限删除"), "{}", t.text);

        let inspector = app.staff("insp", "inspector", None);
        let audit = inspector.get("/api/v1/staff/audit?verify=true").json;
        assert_eq!(audit["verified"], true);
        let entry = audit["entries"].as_array().unwrap().iter()
            .find(|e| e["action"] == "erase_content").expect("an audit entry");
        assert_eq!(entry["case_number"], case.as_str());
        assert_eq!(entry["detail"], "photos 1, messages 1, identity 1");
    }

    /// A paid reward's payee details stay for `finance_record_years` (the amounts stay after).
    fn payee_details_follow_the_finance_clock(app) {
        use diesel::prelude::*;
        use tipline::db::schema::rewards::dsl as r;
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let (fin1, fin2) = (app.staff("finance1", "finance", None), app.staff("finance2", "finance", None));
        let (case, receipt) = crate::rewards::verified_case(&app, &officer, crate::rewards::fire_tip());
        let id = officer.post(&format!("/api/v1/staff/tips/{case}/reward"), &json!({"basis": "general_hazard"})).json["id"].as_i64().unwrap();
        assert_eq!(fin1.post(&format!("/api/v1/finance/rewards/{id}/decision"), &json!({"decision": "approve"})).json["status"], "approved");
        let claim = json!({"receipt": receipt, "payee_name": "留存测试", "payee_account": "6222021234567890123", "phone": "13900007777", "id_number": "11010519491231002X", "bank": "工商银行湖里支行"});
        assert_eq!(app.post_json("/api/v1/track/reward-claim", &claim).status, 201);
        assert_eq!(fin2.post(&format!("/api/v1/finance/rewards/{id}/payout"), &json!({"reference": "BANK-1"})).json["status"], "paid");
        let payee = || {
            let mut conn = app.services.db.read().unwrap();
            let q = r::rewards.find(id).select((r::payee_sealed.is_not_null(), r::amount_fen, r::status));
            match &mut **conn {
                tipline::db::DbConn::Sqlite(c) => q.first::<(bool, i64, String)>(c),
                tipline::db::DbConn::Pg(c) => q.first::<(bool, i64, String)>(c),
            }
            .unwrap()
        };
        assert_eq!(payee(), (true, 50_000, "paid".to_owned()));
        app.advance(chrono::Duration::days(9 * 365));
        assert_eq!(app.services.apply_retention().unwrap().payees, 0);
        app.advance(chrono::Duration::days(365 + 10));
        assert_eq!(app.services.apply_retention().unwrap().payees, 1);
        assert_eq!(payee(), (false, 50_000, "paid".to_owned()), "the amount and status stay");
    }
}
