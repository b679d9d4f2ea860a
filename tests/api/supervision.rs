//! Supervision groups' findings, the timeliness view of public and media tips, and
//! accountability records: through HTTP, on both databases.

use crate::helpers::*;
use crate::on_both_backends;
use serde_json::json;

on_both_backends! {
    /// An inspector records a finding against a unit about a case; the period's list shows it;
    /// an officer may not record one; bad fields are told field by field.
    fn inspectors_record_findings(app) {
        let case = app.new_case("gas");
        let insp = app.staff("insp", "inspector", None);
        let a = insp.post("/api/v1/staff/supervision", &json!({
            "kind": "unannounced_visit", "unit": "municipal", "case_number": case,
            "finding": "暗访发现该餐馆液化气瓶仍在后厨，未见整改。", "conclusion": "problem"
        }));
        assert_eq!(a.status, 201, "{}", a.text);
        assert_eq!(a.json["case_number"], case.as_str());
        assert_eq!(a.json["conclusion"], "problem");
        let list = insp.get("/api/v1/staff/supervision");
        assert_eq!(list.status, 200, "{}", list.text);
        assert_eq!(list.json["findings"][0]["kind"], "unannounced_visit");

        let officer = app.staff("m.officer", "officer", Some("municipal"));
        let refused = officer.post("/api/v1/staff/supervision", &json!({
            "kind": "spot_check", "unit": "municipal", "finding": "抽查未发现问题。", "conclusion": "ok"
        }));
        assert_eq!(refused.status, 403, "{}", refused.text);

        let bad = insp.post("/api/v1/staff/supervision", &json!({
            "kind": "chat", "unit": "nowhere", "case_number": "HL-1999-000001",
            "finding": "短", "conclusion": "maybe"
        }));
        assert_eq!(bad.status, 422, "{}", bad.text);
        let fields = bad.json["fields"].as_object().unwrap();
        for f in ["kind", "unit", "case_number", "finding", "conclusion"] {
            assert!(fields.contains_key(f), "{f}: {}", bad.text);
        }
        // A NUL is refused before anything else, naming its field.
        let nul = insp.post("/api/v1/staff/supervision", &json!({
            "kind": "spot_check", "unit": "municipal", "finding": "抽查发现\u{0}问题。", "conclusion": "ok"
        }));
        assert_eq!(nul.status, 422, "{}", nul.text);
        assert!(nul.json["fields"]["finding"].to_string().contains("控制字符"), "{}", nul.text);
        // A head sees their own unit's findings only.
        let head = app.staff("f.head", "head", Some("fire"));
        let theirs = head.get("/api/v1/staff/supervision");
        assert_eq!(theirs.status, 200);
        assert_eq!(theirs.json["findings"].as_array().unwrap().len(), 0);
        assert_eq!(head.get("/api/v1/staff/supervision?unit=municipal").status, 403);
    }

    /// The timeliness view lists public and media tips per unit, a late verification first;
    /// hotline tips are not in it.
    fn the_timeliness_view_shows_late_verification(app) {
        let coord = app.staff("coord", "coordinator", None);
        let late = app.new_case("gas");
        coord.steps(&late, &["accept"]);
        let mut media = anonymous_tip("gas");
        media["channel"] = json!("media");
        media["received_at"] = json!(app.now().to_rfc3339());
        let m = coord.post("/api/v1/staff/tips", &media);
        assert_eq!(m.status, 201, "{}", m.text);
        let media_case = m.json["case_number"].as_str().unwrap().to_owned();
        let mut hotline = anonymous_tip("gas");
        hotline["channel"] = json!("hotline_12345");
        hotline["received_at"] = json!(app.now().to_rfc3339());
        let h = coord.post("/api/v1/staff/tips", &hotline);
        let hotline_case = h.json["case_number"].as_str().unwrap().to_owned();
        // Verification is due 60 days after acceptance; nothing was verified.
        app.advance(chrono::Duration::days(70));
        // Sessions end when idle: sign in again.
        let coord = app.sign_in("coord", PASSWORD).unwrap();
        let t = coord.get("/api/v1/staff/supervision/timeliness");
        assert_eq!(t.status, 200, "{}", t.text);
        let units = t.json["units"].as_array().unwrap();
        let municipal = units.iter().find(|u| u["unit"] == "municipal").expect("the gas department");
        let tips = municipal["tips"].as_array().unwrap();
        assert_eq!(tips[0]["case_number"], late.as_str(), "the late one first: {}", t.text);
        assert_eq!(tips[0]["verified_in_time"], false);
        assert!(tips.iter().any(|x| x["case_number"] == media_case.as_str()));
        assert!(!tips.iter().any(|x| x["case_number"] == hotline_case.as_str()), "hotline tips are not checked here");
        assert!(municipal["late"].as_u64().unwrap() >= 1);
        let officer = app.staff("m.officer", "officer", Some("municipal"));
        assert_eq!(officer.get("/api/v1/staff/supervision/timeliness").status, 403);
        assert_eq!(coord.get("/api/v1/staff/supervision/timeliness?from=2026-13-01").status, 422);
    }

    /// The coordinator records accountability against a unit with its cases; others may not;
    /// a measure needs a unit or an enterprise and a date not in the future.
    fn the_coordinator_records_accountability(app) {
        let case = app.new_case("gas");
        let coord = app.staff("coord", "coordinator", None);
        let today = app.today();
        let a = coord.post("/api/v1/staff/accountability", &json!({
            "kind": "interview", "unit": "municipal", "case_numbers": [case],
            "decided_on": today.to_string(), "summary": "燃气隐患举报逾期未核查，约谈分管负责人。"
        }));
        assert_eq!(a.status, 201, "{}", a.text);
        assert_eq!(a.json["case_numbers"], json!([case]));
        let listed = coord.get("/api/v1/staff/accountability?unit=municipal");
        assert_eq!(listed.json["records"].as_array().unwrap().len(), 1, "{}", listed.text);
        assert_eq!(coord.get("/api/v1/staff/accountability?unit=fire").json["records"].as_array().unwrap().len(), 0);

        let insp = app.staff("insp", "inspector", None);
        assert_eq!(insp.post("/api/v1/staff/accountability", &json!({"kind": "circular", "unit": "fire", "decided_on": today.to_string(), "summary": "通报批评某某。"})).status, 403);
        let bad = coord.post("/api/v1/staff/accountability", &json!({
            "kind": "interview", "decided_on": (today + chrono::Duration::days(3)).to_string(),
            "summary": "约谈", "case_numbers": ["HL-1999-000001"]
        }));
        assert_eq!(bad.status, 422, "{}", bad.text);
        let fields = bad.json["fields"].as_object().unwrap();
        for f in ["unit", "decided_on", "summary", "case_numbers"] {
            assert!(fields.contains_key(f), "{f}: {}", bad.text);
        }
        // In the audit log.
        let audit = coord.get("/api/v1/staff/audit");
        assert!(audit.text.contains("accountability_recorded"), "{}", audit.text);
        // On the unit's dashboard and in its report, not on another unit's.
        let period = format!("from={today}&to={today}");
        let dashboard = coord.get(&format!("/staff/dashboard?{period}&unit=municipal")).text;
        assert!(dashboard.contains("燃气隐患举报逾期未核查") && dashboard.contains("约谈"), "{dashboard}");
        let report = coord.get(&format!("/staff/report?{period}&unit=municipal")).text;
        assert!(report.contains("燃气隐患举报逾期未核查"), "{report}");
        let other = coord.get(&format!("/staff/dashboard?{period}&unit=fire")).text;
        assert!(!other.contains("燃气隐患举报逾期未核查"), "{other}");
    }

    /// The page: the coordinator records a measure; a refused one comes back as typed.
    fn the_supervision_page_records_and_keeps_what_was_typed(app) {
        app.add_user("coord", "coordinator", None, None);
        let b = Browser::new(&app);
        b.sign_in("coord", PASSWORD, "");
        let (status, page) = b.get("/staff/supervision");
        assert_eq!(status, 200);
        assert!(page.contains("督查与问责") && page.contains("记录问责"), "{page}");
        let csrf = b.csrf("/staff/supervision");
        let (status, page, _) = b.post("/staff/accountability", &[
            ("csrf", &csrf), ("kind", "interview"), ("unit", ""), ("decided_on", "2026-01-02"),
            ("summary", "约谈某街道分管负责人，要求限期整改。"), ("case_numbers", ""),
        ]);
        assert_eq!(status, 422);
        assert!(page.contains("约谈某街道分管负责人，要求限期整改。") && page.contains("请选择被问责的单位或企业"), "{page}");
        let (status, page, _) = b.post("/staff/accountability", &[
            ("csrf", &csrf), ("kind", "interview"), ("unit", "jiangtou"), ("decided_on", "2026-01-02"),
            ("summary", "约谈江头街道分管负责人，要求限期整改。"), ("case_numbers", ""),
        ]);
        assert_eq!(status, 201, "{page}");
        assert!(page.contains("江头街道") && page.contains("约谈江头街道分管负责人"));
        let (status, en) = b.get("/staff/supervision?lang=en");
        assert_eq!(status, 200);
        assert!(en.contains("Supervision and accountability") && en.contains("Interview"));
        app.add_user("fin", "finance", None, None);
        let f = Browser::new(&app);
        f.sign_in("fin", PASSWORD, "");
        assert_eq!(f.get("/staff/supervision").0, 403);
    }
}
