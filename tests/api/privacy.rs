use crate::on_both_backends;
use crate::on_both_backends_and_suites;
use serde_json::json;

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

on_both_backends! {
    /// The suite is chosen when the database is created and recorded in it with the keys'
    /// fingerprints: an instance with the other suite, or with another key, refuses to start
    /// and says why; the same suite and keys start.
    fn an_instance_with_another_suite_or_key_refuses_to_start(backend: Backend) {
        for (created, other) in [("standard", "sm"), ("sm", "standard")] {
            let app = TestApp::spawn_with(backend, |f| f.merge(("crypto_suite", created)));
            assert_eq!(app.services.suite.to_string(), created);
            let recorded = format!("SELECT COUNT(*) AS n FROM installation WHERE name = 'crypto_suite' AND value = '{created}'");
            assert_eq!(app.db.scalar(&recorded), 1);
            let with = |suite: &str, keys: Vec<(String, String)>| {
                let mut s = keys;
                s.push(("crypto_suite".into(), suite.into()));
                s
            };
            let err = app.another_instance(with(other, app.key_settings())).err().expect("another suite must not start");
            assert!(err.contains(&format!("created with crypto_suite = \"{created}\"")), "{err}");
            assert!(err.contains(&format!("settings say crypto_suite = \"{other}\"")), "{err}");
            let mut keys = app.key_settings();
            keys[0].1 = "ab".repeat(32);
            let err = app.another_instance(with(created, keys)).err().expect("another key must not start");
            assert!(err.contains("identity_key differs"), "{err}");
            let same = app.another_instance(with(created, app.key_settings())).expect("the same suite and keys start");
            assert_eq!(same.services.suite, app.services.suite);
            assert_eq!(app.db.scalar(&recorded), 1);
        }
    }

    /// Answers that carry a receipt are not cached by the browser or a proxy.
    fn receipts_are_never_cached(app) {
        let r = app.agent.post(app.url("/api/v1/tips")).send_json(anonymous_tip("gas")).unwrap();
        assert_eq!(r.headers().get("cache-control").unwrap(), "no-store");
    }
}

on_both_backends_and_suites! {
    /// Neither the reporter's identity nor the receipt can be read from the database: not in
    /// the table data, not in the write-ahead log; the sealed identity opens with the key.
    fn identity_and_receipt_are_absent_in_clear_from_the_database(app) {
        let name = "欧阳举报人";
        let phone = "13912345678";
        let email = "whistle.blower@example.com";
        let b = app.submit(&identified_tip(name, phone, email));
        let receipt = b["receipt"].as_str().unwrap().to_owned();
        let case = b["case_number"].as_str().unwrap().to_owned();
        let raw = app.db.raw_dump();
        assert!(!raw.is_empty());
        assert!(contains(&raw, &case), "the dump should hold the tip itself");
        for secret in [name, phone, email, &receipt, &receipt.replace(' ', "")] {
            assert!(!contains(&raw, secret), "`{secret}` found in clear in the database");
        }
        // Sealed, not lost: the key opens it for this case and no other.
        let mut conn = app.services.db.read().unwrap();
        let row = tipline::db::tips::find_by_case_number(&mut conn, &case).unwrap().unwrap();
        let sealed = tipline::db::tips::sealed_identity(&mut conn, row.id).unwrap().unwrap();
        let opened = app.services.sealer.open(&sealed, &case).unwrap();
        let id: serde_json::Value = serde_json::from_slice(&opened).unwrap();
        assert_eq!(id, json!({"name": name, "phone": phone, "email": email}));
        assert!(app.services.sealer.open(&sealed, "HL-2000-000001").is_err());
        // Sealed with the suite of the database: XChaCha20-Poly1305 (24-byte nonce) or SM4-GCM
        // (12-byte nonce), each with a 16-byte tag.
        let sm = app.services.suite == tipline::secrets::CryptoSuite::Sm;
        assert_eq!(matches!(app.services.sealer, tipline::secrets::Sealer::Sm4Gcm(_)), sm);
        assert_eq!(sealed.len(), if sm { 12 } else { 24 } + opened.len() + 16);
    }

    /// No client address and no user agent is stored with a tip, even behind a proxy header.
    fn no_address_or_user_agent_is_stored(app) {
        let mut r = app
            .agent
            .post(app.url("/api/v1/tips"))
            .header("user-agent", "DistinctiveBrowser/7.7")
            .header("x-forwarded-for", "203.0.113.77")
            .send_json(anonymous_tip("gas"))
            .unwrap();
        assert_eq!(r.status().as_u16(), 201, "{}", r.body_mut().read_to_string().unwrap());
        let raw = app.db.raw_dump();
        for s in ["DistinctiveBrowser", "203.0.113.77", "127.0.0.1"] {
            assert!(!contains(&raw, s), "`{s}` stored");
        }
    }
}
