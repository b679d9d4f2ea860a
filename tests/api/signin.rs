//! Sign-in abuse: a username is never refused (nobody can lock a staff account out by failing
//! on purpose), but once its attempts fail often each further one from an address that never
//! signed in to it waits longer (`X-Sign-In-Delay`), and the audit log records the pressure
//! once per window. Attempts come from chosen addresses through a trusted proxy.

use crate::helpers::{Answer, Backend, PASSWORD, StaffClient, TestApp, agent, answer};
use crate::on_both_backends;
use serde_json::{Value, json};

/// Rate limits on, the test client believed as a proxy, and waits of milliseconds (1, 2, 4, 8)
/// instead of the shipped 250 ms to 8 s.
fn spawn(backend: Backend, address_burst: u32) -> TestApp {
    TestApp::spawn_with(backend, |f| {
        f.merge(("rate_limits", "on"))
            .merge(("trusted_proxies", "127.0.0.1"))
            .merge(("signin.delay_base_ms", 1))
            .merge(("signin.delay_max_ms", 8))
            .merge(("quotas.signin_address.burst", address_burst))
            .merge(("quotas.signin_address.count", address_burst))
    })
}

/// A JSON sign-in from `address`: the answer and its `X-Sign-In-Delay` in milliseconds.
fn sign_in_from(app: &TestApp, address: &str, username: &str, password: &str) -> (Answer, u64) {
    let r = agent()
        .post(app.url("/api/v1/staff/session"))
        .header("x-forwarded-for", address)
        .send_json(json!({ "username": username, "password": password }))
        .expect("POST");
    let delay = r
        .headers()
        .get("x-sign-in-delay")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.parse::<u64>().expect("milliseconds"));
    let a = answer(r);
    let delay = match a.status {
        429 => 0,
        _ => delay.unwrap_or_else(|| panic!("no X-Sign-In-Delay on {}: {}", a.status, a.text)),
    };
    (a, delay)
}

/// The audit log's entries of `action`, as an inspector reads them.
fn entries_of(auditor: &StaffClient, action: &str) -> Vec<Value> {
    let log = auditor.get("/api/v1/staff/audit?per_page=500");
    assert_eq!(log.status, 200, "{}", log.text);
    log.json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == action)
        .cloned()
        .collect()
}

on_both_backends! {
    /// One address fails 50 times for `coord` (the address limit soon answers 429 to it), and
    /// the coordinator from their usual network, through the API and the page, signs in at
    /// once; the audit log shows the pressure once.
    fn an_attacker_cannot_lock_the_coordinator_out(backend: Backend) {
        let app = spawn(backend, 5);
        let auditor = app.staff("auditor", "inspector", None);
        app.add_user("coord", "coordinator", None, None);
        let (usual, delay) = sign_in_from(&app, "192.0.2.10", "coord", PASSWORD);
        assert_eq!((usual.status, delay), (200, 0), "{}", usual.text);
        // The page signs in from the test client's own address: make it usual too.
        assert_eq!(app.sign_in("coord", PASSWORD).map(|_| ()).map_err(|a| a.text), Ok(()));

        let mut refused = 0;
        for _ in 0..50 {
            let (a, _) = sign_in_from(&app, "198.51.100.7", "coord", "not the password at all");
            match a.status {
                401 => refused += 1,
                429 => assert!(a.retry_after.is_some()),
                other => panic!("{other}: {}", a.text),
            }
        }
        assert!(refused >= 5, "{refused}");

        // Another host of the usual /24, at once: no wait, no refusal.
        let (a, delay) = sign_in_from(&app, "192.0.2.77", "coord", PASSWORD);
        assert_eq!((a.status, delay), (200, 0), "{}", a.text);
        assert_eq!(a.json["user"]["username"], "coord");
        let b = Browser::new(&app);
        let (status, page, location) = b.sign_in("coord", PASSWORD, "");
        assert_eq!((status, location.as_deref()), (303, Some("/staff")), "{page}");

        let entries = entries_of(&auditor, "sign_in_pressure");
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert_eq!(entries[0]["actor"], "coord");
        let detail = entries[0]["detail"].as_str().unwrap();
        assert!(detail.contains("sign-in pressure on account coord: 5 failed attempts from 1 address "), "{detail}");
        assert!(entries[0]["address"].is_null(), "no address is written: {:?}", entries[0]);
    }

    /// With the address limit out of the way (or many addresses), the attempts on one username
    /// wait longer and longer past the fifth failure, up to the most; the right password from
    /// a new address still signs in (slowed, not refused), from the usual one at once.
    fn attempts_on_a_username_under_pressure_are_slowed(backend: Backend) {
        let app = spawn(backend, 100);
        let auditor = app.staff("auditor", "inspector", None);
        app.add_user("coord", "coordinator", None, None);
        assert_eq!(sign_in_from(&app, "2001:db8:5:6::1", "coord", PASSWORD).0.status, 200);

        let mut delays = Vec::new();
        for _ in 0..50 {
            let (a, delay) = sign_in_from(&app, "198.51.100.7", "coord", "not the password at all");
            assert_eq!(a.status, 401, "{}", a.text);
            delays.push(delay);
        }
        assert_eq!(&delays[..9], [0, 0, 0, 0, 0, 1, 2, 4, 8]);
        assert!(delays[9..].iter().all(|d| *d == 8), "{delays:?}");

        // Other addresses are slowed as well: the wait belongs to the username.
        let (a, delay) = sign_in_from(&app, "203.0.113.200", "coord", "still not it");
        assert_eq!((a.status, delay), (401, 8), "{}", a.text);
        // A username nobody pressed is not.
        let (a, delay) = sign_in_from(&app, "198.51.100.7", "somebody.else", "a wrong password");
        assert_eq!((a.status, delay), (401, 0), "{}", a.text);

        // The right password from a network coord never used: slowed, then signed in.
        let (a, delay) = sign_in_from(&app, "203.0.113.201", "coord", PASSWORD);
        assert_eq!((a.status, delay), (200, 8), "{}", a.text);
        // From the usual /64 (another host of it): at once.
        let (a, delay) = sign_in_from(&app, "2001:db8:5:6::99", "coord", PASSWORD);
        assert_eq!((a.status, delay), (200, 0), "{}", a.text);
        // And 203.0.113.0/24 is usual now too.
        let (a, delay) = sign_in_from(&app, "203.0.113.9", "coord", PASSWORD);
        assert_eq!((a.status, delay), (200, 0), "{}", a.text);

        let entries = entries_of(&auditor, "sign_in_pressure");
        assert_eq!(entries.len(), 1, "once per window, not per attempt: {entries:?}");
        assert_eq!(entries[0]["actor"], "coord");
        assert!(entries[0]["detail"].as_str().unwrap().contains("5 failed attempts from 1 address "));
        let failed = entries_of(&auditor, "sign_in_failed");
        let on_coord = failed.iter().filter(|e| e["actor"] == "coord").count();
        assert_eq!(on_coord, 51, "each failure is still in the log");
    }
}
