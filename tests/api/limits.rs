use crate::helpers::*;
use crate::on_both_backends;
use serde_json::{Value, json};
use tipline::services::proof;

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
        // The header stays in seconds; people read minutes, rounded up.
        let minutes = secs.div_ceil(60);
        assert_eq!(a.json["message"], format!("操作太频繁，请在 {minutes} 分钟后重试。"));
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

/// Limits on, with easy proofs of work (tests solve them in a debug build).
fn limited(backend: Backend, extra: &[(&str, i64)]) -> TestApp {
    let extra: Vec<(String, i64)> = extra.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    TestApp::spawn_with(backend, move |mut f| {
        f = f
            .merge(("rate_limits", "on"))
            .merge(("proof_of_work.difficulty_bits", 10));
        for (k, v) in extra {
            f = f.merge((k, v));
        }
        f
    })
}

/// The answer to a 429's challenge, for `X-Proof-Of-Work`.
fn answer_to(limited: &Value) -> String {
    let c = &limited["proof_of_work"];
    let challenge = c["challenge"].as_str().expect("a challenge");
    let bits = c["difficulty_bits"].as_u64().unwrap() as u8;
    format!("{challenge}:{}", proof::solve(challenge, bits))
}

/// Sends a tip with an answered challenge.
fn proven(app: &TestApp, answer: &str) -> Answer {
    app.post_json_header(
        "/api/v1/tips",
        &anonymous_tip("gas"),
        ("X-Proof-Of-Work", answer),
    )
}

on_both_backends! {
    /// Refused tips do not use up the address's limit: five with mistakes, then five good ones
    /// all go through; a flood of refused ones is limited in a bucket of its own, which no
    /// proof of work passes.
    fn refused_tips_do_not_count_against_the_limit(backend: Backend) {
        let app = limited(backend, &[("quotas.submission_refused.burst", 8)]);
        let mut bad = anonymous_tip("gas");
        bad["description"] = json!("短");
        for _ in 0..5 {
            assert_eq!(app.post_json("/api/v1/tips", &bad).status, 422);
        }
        for _ in 0..5 {
            let a = app.post_json("/api/v1/tips", &anonymous_tip("gas"));
            assert_eq!(a.status, 201, "{}", a.text);
        }
        let a = app.post_json("/api/v1/tips", &anonymous_tip("gas"));
        assert_eq!(a.status, 429);
        assert!(a.json["proof_of_work"]["challenge"].is_string(), "{}", a.text);
        let mut conn = app.services.db.read().unwrap();
        assert_eq!(tipline::db::tips::count(&mut conn).unwrap(), 5);

        let flood = limited(backend, &[("quotas.submission_refused.burst", 8)]);
        for _ in 0..8 {
            assert_eq!(flood.post_json("/api/v1/tips", &bad).status, 422);
        }
        for body in [&bad, &anonymous_tip("gas")] {
            let a = flood.post_json("/api/v1/tips", body);
            assert_eq!(a.status, 429, "{}", a.text);
            assert!(a.json.get("proof_of_work").is_none(), "{}", a.text);
        }
    }

    /// Past its burst, an address gets a challenge with the 429; its answer sends the tip at
    /// once, once; a wrong, reused or expired answer gets a fresh challenge instead.
    fn a_proof_of_work_lets_a_tip_past_the_burst_once(backend: Backend) {
        let app = limited(backend, &[]);
        for _ in 0..5 {
            assert_eq!(app.post_json("/api/v1/tips", &anonymous_tip("gas")).status, 201);
        }
        let a = app.post_json("/api/v1/tips", &anonymous_tip("gas"));
        assert_eq!(a.status, 429);
        assert_eq!(a.json["proof_of_work"]["difficulty_bits"], 10);
        let answer = answer_to(&a.json);
        let sent = proven(&app, &answer);
        assert_eq!(sent.status, 201, "{}", sent.text);
        // Used once.
        let again = proven(&app, &answer);
        assert_eq!(again.status, 429, "{}", again.text);
        let fresh = again.json["proof_of_work"]["challenge"].as_str().unwrap().to_owned();
        assert_ne!(fresh, a.json["proof_of_work"]["challenge"].as_str().unwrap());
        // Not enough work, or another challenge's MAC.
        let (challenge, _) = answer.rsplit_once(':').unwrap();
        let lazy = (0..).map(|n| n.to_string()).find(|n| proof::zero_bits(&fresh, n) < 10).unwrap();
        assert_eq!(proven(&app, &format!("{fresh}:{lazy}")).status, 429);
        let mut forged: Vec<&str> = fresh.split('.').collect();
        let other_mac = challenge.rsplit('.').next().unwrap();
        forged[3] = other_mac;
        let forged = forged.join(".");
        let forged_answer = format!("{forged}:{}", proof::solve(&forged, 10));
        assert_eq!(proven(&app, &forged_answer).status, 429);
        // Expired: an hour and a minute later it is refused, though never used.
        let late = answer_to(&again.json);
        app.advance(chrono::Duration::minutes(61));
        assert_eq!(proven(&app, &late).status, 429);
        let mut conn = app.services.db.read().unwrap();
        assert_eq!(tipline::db::tips::count(&mut conn).unwrap(), 6);
    }

    /// The instance-wide limit holds with a proof of work too, and with proofs switched off the
    /// 429 carries no challenge.
    fn the_instance_limit_holds_and_proofs_can_be_off(backend: Backend) {
        let app = limited(backend, &[("quotas.submission_instance.burst", 6)]);
        for _ in 0..5 {
            assert_eq!(app.post_json("/api/v1/tips", &anonymous_tip("gas")).status, 201);
        }
        let a = app.post_json("/api/v1/tips", &anonymous_tip("gas"));
        assert_eq!(proven(&app, &answer_to(&a.json)).status, 201);
        let b = app.post_json("/api/v1/tips", &anonymous_tip("gas"));
        let c = proven(&app, &answer_to(&b.json));
        assert_eq!(c.status, 429, "{}", c.text);
        assert!(c.json.get("proof_of_work").is_none(), "the instance is full: {}", c.text);

        let off = TestApp::spawn_with(backend, |f| {
            f.merge(("rate_limits", "on")).merge(("proof_of_work.enabled", false))
        });
        for _ in 0..5 {
            assert_eq!(off.post_json("/api/v1/tips", &anonymous_tip("gas")).status, 201);
        }
        let d = off.post_json("/api/v1/tips", &anonymous_tip("gas"));
        assert_eq!(d.status, 429);
        assert!(d.json.get("proof_of_work").is_none(), "{}", d.text);
    }

    /// A challenge made by one instance is answered on another (the key is derived from the
    /// shared session key), and an answer spent on one is refused on the other.
    fn challenges_hold_across_instances(backend: Backend) {
        let app = limited(backend, &[]);
        let mut settings = app.key_settings();
        settings.push(("rate_limits".into(), "on".into()));
        let other = app.another_instance(settings).expect("a second instance");
        let on_other = |header: Option<&str>| {
            let mut call = agent().post(other.url("/api/v1/tips"));
            if let Some(h) = header {
                call = call.header("X-Proof-Of-Work", h);
            }
            answer(call.send_json(anonymous_tip("gas")).unwrap())
        };
        for _ in 0..5 {
            assert_eq!(app.post_json("/api/v1/tips", &anonymous_tip("gas")).status, 201);
            assert_eq!(on_other(None).status, 201);
        }
        assert_eq!(on_other(None).status, 429);
        // Made here, answered on the other instance.
        let made_here = app.post_json("/api/v1/tips", &anonymous_tip("gas"));
        let answer = answer_to(&made_here.json);
        let there = on_other(Some(&answer));
        assert_eq!(there.status, 201, "{}", there.text);
        // Spent there, refused here.
        assert_eq!(proven(&app, &answer).status, 429);
        let mut conn = app.services.db.read().unwrap();
        assert_eq!(tipline::db::tips::count(&mut conn).unwrap(), 11);
    }
}

on_both_backends! {
    /// Blocking database work takes turns: never more pieces at once than the pool has
    /// connections (`database.pool_size`), the others waiting as tasks, and every piece done.
    fn database_work_takes_turns(backend: Backend) {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let app = TestApp::spawn_with(backend, |f| f.merge(("database.pool_size", 2)));
        let (now, most, done) = (
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicUsize::new(0)),
        );
        let pieces = (0..12).map(|_| {
            let (now, most, done) = (Arc::clone(&now), Arc::clone(&most), Arc::clone(&done));
            app.services.blocking(move |_| {
                let at_once = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(at_once, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(30));
                now.fetch_sub(1, Ordering::SeqCst);
                done.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
        });
        let results = actix_web::rt::System::new()
            .block_on(futures_util::future::join_all(pieces));
        assert!(results.iter().all(|r| r.is_ok()));
        assert_eq!(done.load(Ordering::SeqCst), 12);
        let most = most.load(Ordering::SeqCst);
        assert!((1..=2).contains(&most), "{most} pieces at once");
    }
}
