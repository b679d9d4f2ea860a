//! Joint inspections: a task with several departments, each recording its own hazards from it;
//! the task shows them with their state. Through HTTP, on both databases.

use crate::hazards::{credit_code, enterprise, hazard_body};
use crate::helpers::*;
use crate::on_both_backends;
use serde_json::json;

on_both_backends! {
    /// The coordinator records a joint inspection of two departments; each department records
    /// the hazard it found under its own name; the inspection shows both, each unit its own.
    fn a_joint_inspection_with_two_departments(app) {
        let a = enterprise(&app, "某某海鲜酒楼", &credit_code("91350206MA2Y3K4L5"));
        let b = enterprise(&app, "某某冻品批发行", &credit_code("91350206MA2Y3K4L6"));
        let other = enterprise(&app, "某某小吃店", &credit_code("91350206MA2Y3K4L7"));
        let coord = app.staff("coord", "coordinator", None);
        let today = app.today().to_string();
        let body = json!({"title": "江头片区餐饮场所燃气和消防联合检查", "date": today,
            "departments": ["fire", "emergency"], "street": "jiangtou", "enterprise_ids": [a, b],
            "members": "消防大队 李某、应急局 林某、江头街道 吴某"});
        let made = coord.post("/api/v1/staff/inspections", &body);
        assert_eq!(made.status, 201, "{}", made.text);
        let id = made.json["id"].as_i64().unwrap();
        assert_eq!(made.json["departments"], json!(["fire", "emergency"]));
        assert_eq!(made.json["enterprises"].as_array().unwrap().len(), 2);

        let fire = app.staff("fire.officer", "officer", Some("fire"));
        let mut hazard = hazard_body(&app, a);
        hazard.as_object_mut().unwrap().remove("source");
        let h = fire.post(&format!("/api/v1/staff/inspections/{id}/hazards"), &hazard);
        assert_eq!(h.status, 201, "{}", h.text);
        assert_eq!(h.json["source"], "joint_inspection");
        let emergency = app.staff("em.officer", "officer", Some("emergency"));
        let mut theirs = hazard_body(&app, b);
        theirs["department"] = json!("emergency");
        theirs["description"] = json!("冷库液氨管道阀门锈蚀，未设泄漏报警。");
        assert_eq!(emergency.post(&format!("/api/v1/staff/inspections/{id}/hazards"), &theirs).status, 201);

        // Not a department of the inspection, not an enterprise it visited.
        let mut wrong = hazard_body(&app, other);
        wrong["department"] = json!("market");
        let refused = coord.post(&format!("/api/v1/staff/inspections/{id}/hazards"), &wrong);
        assert_eq!(refused.status, 422, "{}", refused.text);
        let fields = refused.json["fields"].as_object().unwrap();
        assert!(fields.contains_key("department") && fields.contains_key("enterprise_id"), "{}", refused.text);

        let seen = coord.get(&format!("/api/v1/staff/inspections/{id}"));
        assert_eq!(seen.json["hazards"].as_array().unwrap().len(), 2, "{}", seen.text);
        assert!(seen.json["hazards"].as_array().unwrap().iter().all(|h| h["status"] == "open"));
        let own = fire.get(&format!("/api/v1/staff/inspections/{id}"));
        assert_eq!(own.json["hazards"].as_array().unwrap().len(), 1, "a unit sees its own: {}", own.text);
        let list = coord.get("/api/v1/staff/inspections");
        assert_eq!(list.json["items"][0]["id"], id);
        // A unit that took no part does not see it.
        let market = app.staff("m.officer", "officer", Some("market"));
        assert_eq!(market.get(&format!("/api/v1/staff/inspections/{id}")).status, 404);
        assert_eq!(market.get("/api/v1/staff/inspections/999999").status, 404);
        // The hazard is on the lists with its source.
        let csv = coord.get("/api/v1/staff/lists/hazards.csv?source=joint_inspection");
        assert!(csv.text.contains("联合检查") && csv.text.contains("某某冻品批发行"), "{}", csv.text);
    }

    /// A joint inspection needs two departments, visited enterprises that exist and members;
    /// a department's staff may organise one only with their department in it; inspectors may not.
    fn a_joint_inspection_is_checked(app) {
        let a = enterprise(&app, "某某海鲜酒楼", &credit_code("91350206MA2Y3K4L5"));
        let coord = app.staff("coord", "coordinator", None);
        let bad = coord.post("/api/v1/staff/inspections", &json!({"title": "检查", "date": "2026-02-30",
            "departments": ["fire"], "street": "mars", "enterprise_ids": [a, 99999], "members": ""}));
        assert_eq!(bad.status, 422, "{}", bad.text);
        let fields = bad.json["fields"].as_object().unwrap();
        for f in ["date", "departments", "street", "enterprise_ids", "members"] {
            assert!(fields.contains_key(f), "{f}: {}", bad.text);
        }
        let head = app.staff("fire.head", "head", Some("fire"));
        let not_theirs = head.post("/api/v1/staff/inspections", &json!({"title": "应急和市场监管联合检查", "date": app.today().to_string(),
            "departments": ["emergency", "market"], "enterprise_ids": [a], "members": "某某"}));
        assert_eq!(not_theirs.status, 422, "{}", not_theirs.text);
        let insp = app.staff("insp", "inspector", None);
        assert_eq!(insp.post("/api/v1/staff/inspections", &json!({})).status, 403);
        let fin = app.staff("fin", "finance", None);
        assert_eq!(fin.get("/api/v1/staff/inspections").status, 403);
    }

    /// The pages: the coordinator records an inspection by ticking departments; a refused form
    /// comes back as typed; the hazard form opened from the inspection carries it.
    fn the_inspection_pages_work_without_javascript(app) {
        let a = enterprise(&app, "某某海鲜酒楼", &credit_code("91350206MA2Y3K4L5"));
        app.add_user("coord", "coordinator", None, None);
        let b = Browser::new(&app);
        b.sign_in("coord", PASSWORD, "");
        let csrf = b.csrf("/staff/inspections");
        let today = app.today().to_string();
        let ids = a.to_string();
        let (status, page, _) = b.post("/staff/inspections", &[("csrf", &csrf), ("title", "江头片区联合检查"), ("date", &today), ("dept-fire", "on"), ("street", "jiangtou"), ("enterprises", &ids), ("members", "消防 李某")]);
        assert_eq!(status, 422);
        assert!(page.contains("江头片区联合检查") && page.contains("至少要有两个参加部门"), "{page}");
        let (status, _, to) = b.post("/staff/inspections", &[("csrf", &csrf), ("title", "江头片区联合检查"), ("date", &today), ("dept-fire", "on"), ("dept-emergency", "on"), ("street", "jiangtou"), ("enterprises", &ids), ("members", "消防 李某、应急 林某")]);
        assert_eq!(status, 303);
        let to = to.expect("to the inspection");
        let (status, page) = b.get(&to);
        assert_eq!(status, 200);
        assert!(page.contains("江头片区联合检查") && page.contains("某某海鲜酒楼") && page.contains("登记本部门发现的隐患"), "{page}");
        let id = to.trim_start_matches("/staff/inspections/");
        let (status, form) = b.get(&format!("/staff/hazards/new?inspection={id}"));
        assert_eq!(status, 200);
        assert!(form.contains(&format!("name=\"inspection_id\" value=\"{id}\"")), "{form}");
        let (status, en) = b.get("/staff/inspections?lang=en");
        assert_eq!(status, 200);
        assert!(en.contains("Joint inspections"));
    }
}
