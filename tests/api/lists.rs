//! The three lists as CSV: BOM, the office's columns, the right cases in each, a unit's own only,
//! formulas defused, and every export audited.

use crate::helpers::*;
use crate::on_both_backends;
use serde_json::json;

on_both_backends! {
    fn the_three_lists_export_as_csv(app) {
        let mut tip = anonymous_tip("fire_safety");
        tip["enterprise"] = json!("=HYPERLINK(\"http://evil\")");
        let worked = app.submit(&tip)["case_number"].as_str().unwrap().to_owned();
        let open = app.new_case("fire_safety");
        let other = app.new_case("gas");
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        officer.steps(&worked, &["accept", "start_verification", "substantiate"]);
        let deadline = (app.today() + chrono::Duration::days(20)).to_string();
        officer.act(&worked, json!({"action": "order_rectification", "deadline": deadline, "responsible_party": "某某商场物业公司", "measures": "拆除铁链，疏通安全出口", "suspend_operations": true}));
        officer.act(&open, json!({"action": "accept"}));

        let hazards = officer.get("/api/v1/staff/lists/hazards.csv");
        assert_eq!(hazards.status, 200);
        assert_eq!(hazards.content_type.as_deref(), Some("text/csv; charset=utf-8"));
        assert!(hazards.text.starts_with('\u{feff}'));
        let lines: Vec<&str> = hazards.text.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines[0], "\"案件编号\",\"行业领域\",\"街道\",\"单位\",\"地址\",\"隐患情况\",\"隐患等级\",\"主管部门\",\"责任单位（人）\",\"整改措施\",\"整改期限\",\"状态\",\"超期天数\",\"举报来源\"");
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[1].starts_with(&format!("\"{worked}\",\"消防安全\",\"江头街道\",\"'=HYPERLINK(\"\"http://evil\"\")\"")), "{}", lines[1]);
        assert!(lines[1].contains("某某商场物业公司") && lines[1].contains(&deadline) && lines[1].contains("停工停产整改"));

        let rect = officer.get("/api/v1/staff/lists/rectifications.csv");
        assert_eq!(rect.text.lines().count(), 2);
        let resp = officer.get("/api/v1/staff/lists/responsibilities.csv");
        assert!(resp.text.contains(&worked) && resp.text.contains(&open) && !resp.text.contains(&other));
        let en = officer.get("/api/v1/staff/lists/hazards.csv?lang=en");
        assert!(en.text.contains("\"Case\",\"Sector\""));
        assert_eq!(officer.get("/api/v1/staff/lists/everything.csv").status, 404);
        assert_eq!(app.staff("fin", "finance", None).get("/api/v1/staff/lists/hazards.csv").status, 403);

        let coord = app.staff("coord", "coordinator", None);
        let audit = coord.get("/api/v1/staff/audit");
        let exports = audit.json["entries"].as_array().unwrap().iter().filter(|e| e["action"] == "export").count();
        assert_eq!(exports, 4);
    }
}
