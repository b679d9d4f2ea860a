use crate::on_both_backends;
use crate::on_both_backends_and_suites;
use serde_json::json;

on_both_backends! {
    /// An unknown receipt and a malformed one both answer 404, like each other.
    fn unknown_and_malformed_receipts_answer_404(app) {
        app.submit(&anonymous_tip("construction"));
        for typed in ["0000 0000 0000 0000", "1234", "abcd efgh ijkl mnop", "1234 5678 9012 3456 7"] {
            let a = app.post_json("/api/v1/track", &json!({ "receipt": typed }));
            assert_eq!(a.status, 404, "{typed}");
            assert_eq!(a.json["error"], "not_found");
        }
        let a = app.post_json("/api/v1/track", &json!({}));
        assert_eq!(a.status, 422);
        assert!(a.json["fields"]["receipt"].is_array());
    }

    /// The reporter's message is stored and shows in the follow-up, oldest first.
    fn reporter_messages_show_in_the_follow_up(app) {
        let b = app.submit(&anonymous_tip("fire_safety"));
        let receipt = b["receipt"].as_str().unwrap();
        let a = app.post_json("/api/v1/track/messages", &json!({ "receipt": receipt, "body": "补充：晚上十点后消防通道被货车堵死。" }));
        assert_eq!(a.status, 201, "{}", a.text);
        app.post_json("/api/v1/track/messages", &json!({ "receipt": receipt.replace(' ', ""), "body": "第二条" }));
        let t = app.post_json("/api/v1/track", &json!({ "receipt": receipt }));
        let msgs = t.json["messages"].as_array().unwrap();
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[0]["from"], "reporter");
        assert_eq!(msgs[0]["body"], "补充：晚上十点后消防通道被货车堵死。");
        assert_eq!(msgs[1]["body"], "第二条");
        assert!(msgs[0]["at"].as_str().unwrap().ends_with('Z'));
    }

    /// Message bodies are checked (1–2,000 characters), and a wrong receipt stores nothing.
    fn reporter_messages_are_checked(app) {
        let b = app.submit(&anonymous_tip("fire_safety"));
        let receipt = b["receipt"].as_str().unwrap();
        for body in [String::new(), "   ".into(), "字".repeat(2001)] {
            let a = app.post_json("/api/v1/track/messages", &json!({ "receipt": receipt, "body": body }));
            assert_eq!(a.status, 422);
            assert!(a.json["fields"]["body"].is_array());
        }
        let a = app.post_json("/api/v1/track/messages", &json!({ "receipt": "1111 1111 1111 1111", "body": "你好" }));
        assert_eq!(a.status, 404);
        let ok = app.post_json("/api/v1/track/messages", &json!({ "receipt": receipt, "body": "字".repeat(2000) }));
        assert_eq!(ok.status, 201);
        let t = app.post_json("/api/v1/track", &json!({ "receipt": receipt }));
        assert_eq!(t.json["messages"].as_array().unwrap().len(), 1);
    }
}

on_both_backends_and_suites! {
    /// The receipt finds the tip, typed with or without its spaces.
    fn a_receipt_finds_its_tip_with_or_without_spaces(app) {
        let b = app.submit(&anonymous_tip("construction"));
        let receipt = b["receipt"].as_str().unwrap();
        for typed in [receipt.to_owned(), receipt.replace(' ', ""), format!("  {} ", receipt.replace(' ', "-"))] {
            let a = app.post_json("/api/v1/track", &json!({ "receipt": typed }));
            assert_eq!(a.status, 200, "{typed}: {}", a.text);
            assert_eq!(a.json["case_number"], b["case_number"]);
            assert_eq!(a.json["status"], "submitted");
            assert_eq!(a.json["department"]["code"], "construction");
            assert!(a.json["submitted_at"].as_str().unwrap().ends_with('Z'));
            assert_eq!(a.json["messages"], json!([]));
            assert!(a.json.get("reward").is_none());
        }
    }
}
