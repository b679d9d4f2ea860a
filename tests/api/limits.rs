use crate::on_both_backends;
use serde_json::json;

on_both_backends! {
    /// With the default limits, a sixth quick submission from one address waits (429 with
    /// Retry-After in whole seconds) and keeps nothing.
    fn a_burst_of_submissions_is_limited(backend: Backend) {
        let app = TestApp::spawn_with(backend, |f| f.merge(("rate_limits", "on")));
        for _ in 0..5 {
            assert_eq!(app.post_json("/api/v1/tips", &anonymous_tip("gas")).status, 201);
        }
        let a = app.post_json("/api/v1/tips", &anonymous_tip("gas"));
        assert_eq!(a.status, 429, "{}", a.text);
        assert_eq!(a.json["error"], "rate_limited");
        let secs: u64 = a.retry_after.as_deref().unwrap().parse().unwrap();
        assert!((300..=360).contains(&secs), "{secs}");
        assert!(a.json["message"].as_str().unwrap().contains(&secs.to_string()));
        let mut conn = app.services.db.read().unwrap();
        assert_eq!(tipline::db::tips::count(&mut conn).unwrap(), 5);
    }

    /// Receipt look-ups are limited to ten a minute per address.
    fn receipt_lookups_are_limited(backend: Backend) {
        let app = TestApp::spawn_with(backend, |f| f.merge(("rate_limits", "on")));
        for _ in 0..10 {
            assert_eq!(app.post_json("/api/v1/track", &json!({"receipt": "0000 0000 0000 0000"})).status, 404);
        }
        let a = app.post_json("/api/v1/track", &json!({"receipt": "0000 0000 0000 0000"}));
        assert_eq!(a.status, 429);
        assert!(a.retry_after.is_some());
        let m = app.post_json("/api/v1/track/messages", &json!({"receipt": "0000 0000 0000 0000", "body": "x"}));
        assert_eq!(m.status, 429, "messages share the look-up limit");
    }

    /// `rate_limits = off` lets a burst through (the test default).
    fn rate_limits_off_lets_bursts_through(app) {
        for _ in 0..12 {
            assert_eq!(app.post_json("/api/v1/tips", &anonymous_tip("gas")).status, 201);
        }
    }
}
