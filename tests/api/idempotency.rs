//! No duplicate tips on a reload or a double tap: the JSON API's `Idempotency-Key` and the report
//! form's `submission_id` store one tip and answer the same receipt for two hours; the key is
//! never stored as sent.

use crate::helpers::*;
use crate::on_both_backends;
use crate::on_both_backends_and_suites;
use serde_json::json;

fn tips(app: &TestApp) -> i64 {
    let mut conn = app.services.db.read().unwrap();
    tipline::db::tips::count(&mut conn).unwrap()
}

on_both_backends! {
    /// The form carries a submission id made by the page; sending it again (a reload of the
    /// receipt page) shows the same receipt and stores nothing new, even past the rate limit.
    fn a_reloaded_receipt_page_shows_the_same_receipt(backend: Backend) {
        let app = TestApp::spawn_with(backend, |f| f.merge(("rate_limits", "on")));
        let page = app.get("/report");
        let id = input_value(&page.text, "submission_id").expect("the form carries a submission id");
        assert!(id.len() >= 8);
        assert_ne!(input_value(&app.get("/report").text, "submission_id").unwrap(), id, "one per form");
        let fields = [("sector", "fire_safety"), ("address", "湖里大道 8 号"), ("description", "三楼安全出口被铁链锁住，周末人很多。"), ("severity", "general"), ("anonymous", "on"), ("submission_id", id.as_str())];
        let first = app.post_urlencoded("/report", &fields);
        assert_eq!(first.status, 200, "{}", first.text);
        let receipt = element_text(&first.text, "receipt").expect("a receipt");
        for _ in 0..6 {
            // Past the five-a-burst limit too: a reload is not a new tip.
            let again = app.post_urlencoded("/report", &fields);
            assert_eq!(again.status, 200, "{}", again.text);
            assert_eq!(element_text(&again.text, "receipt").as_deref(), Some(receipt.as_str()));
        }
        assert_eq!(tips(&app), 1);
    }
}

on_both_backends_and_suites! {
    fn the_same_idempotency_key_stores_one_tip_and_answers_the_same(app) {
        let key = ("Idempotency-Key", "retry-7f3a9c2e-0001");
        let first = app.post_json_header("/api/v1/tips", &anonymous_tip("gas"), key);
        assert_eq!(first.status, 201, "{}", first.text);
        let again = app.post_json_header("/api/v1/tips", &anonymous_tip("gas"), key);
        assert_eq!(again.status, 201, "{}", again.text);
        assert_eq!(again.json, first.json, "the same body: case number, receipt, routing");
        assert_eq!(tips(&app), 1);
        let mut other = anonymous_tip("gas");
        other["description"] = json!("另一件事：楼道里堆满了电动车电池，天天有人在这里充电。");
        let reused = app.post_json_header("/api/v1/tips", &other, key);
        assert_eq!(reused.status, 422, "{}", reused.text);
        assert!(reused.json["fields"]["idempotency_key"].is_array(), "{}", reused.text);
        let short = app.post_json_header("/api/v1/tips", &anonymous_tip("gas"), ("Idempotency-Key", "short"));
        assert_eq!(short.status, 422);
        assert_eq!(tips(&app), 1, "nothing stored for a refused key");
        let raw = app.db.raw_dump();
        assert!(!raw.windows(19).any(|w| w == b"retry-7f3a9c2e-0001"), "the key is never stored");
        let receipt = first.json["receipt"].as_str().unwrap().replace(' ', "");
        assert!(!raw.windows(16).any(|w| w == receipt.as_bytes()), "nor the receipt in clear");
        // Two hours on, the key is forgotten: it starts a new tip.
        app.advance(chrono::Duration::hours(2) + chrono::Duration::minutes(1));
        app.services.run_jobs().unwrap();
        let later = app.post_json_header("/api/v1/tips", &anonymous_tip("gas"), key);
        assert_eq!(later.status, 201);
        assert_ne!(later.json["case_number"], first.json["case_number"]);
        assert_eq!(tips(&app), 2);
    }
}
