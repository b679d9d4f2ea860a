//! The security rules of version 2 that are about HTTP itself: the headers every answer carries,
//! `HEAD` where `GET` works, and 405 for a known path asked with the wrong method.

use crate::helpers::*;
use crate::on_both_backends;

/// One header of an answer to a plain request (no session).
fn header_of(r: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

on_both_backends! {
    /// Pages carry a Permissions-Policy; staff JSON is never stored; HSTS only with secure cookies.
    fn headers_every_answer_carries(backend: Backend) {
        let app = TestApp::spawn(backend);
        let page = app.agent.get(app.url("/report")).call().expect("GET");
        let policy = header_of(&page, "permissions-policy").expect("a Permissions-Policy");
        assert!(policy.contains("camera=()") && policy.contains("geolocation=()"), "{policy}");
        assert_eq!(header_of(&page, "strict-transport-security"), None);

        let officer = app.staff("m.officer", "officer", Some("municipal"));
        let list = officer.agent.get(app.url("/api/v1/staff/tips")).call().expect("GET");
        assert_eq!(list.status().as_u16(), 200);
        assert_eq!(header_of(&list, "cache-control").as_deref(), Some("no-store"));
        // Even an error about staff data is not kept.
        let missing = officer
            .agent
            .get(app.url("/api/v1/staff/tips/HL-2026-999999"))
            .call()
            .expect("GET");
        assert_eq!(missing.status().as_u16(), 404);
        assert_eq!(header_of(&missing, "cache-control").as_deref(), Some("no-store"));

        let secure = TestApp::spawn_with(backend, |f| f.merge(("secure_cookies", true)));
        let page = secure.agent.get(secure.url("/")).call().expect("GET");
        let hsts = header_of(&page, "strict-transport-security").expect("HSTS with secure cookies");
        assert!(hsts.starts_with("max-age="), "{hsts}");
    }

    /// `HEAD` answers like `GET` without a body; a known path with another method answers 405
    /// with `Allow`, in the API's JSON or as a page; an unknown path stays 404.
    fn head_works_and_wrong_methods_answer_405(app) {
        for path in ["/", "/report", "/stats", "/api/v1/sectors", "/api/v1/openapi.json"] {
            let head = app.agent.head(app.url(path)).call().expect("HEAD");
            assert_eq!(head.status().as_u16(), 200, "HEAD {path}");
            let mut head = head;
            let body = head.body_mut().read_to_string().unwrap_or_default();
            assert!(body.is_empty(), "HEAD {path} sent a body");
        }

        let api = answer(app.agent.delete(app.url("/api/v1/tips")).call().expect("DELETE"));
        assert_eq!(api.status, 405, "{}", api.text);
        assert_eq!(api.json["error"], "method_not_allowed", "{}", api.text);
        let allow = app.agent.put(app.url("/api/v1/tips")).send_empty().expect("PUT");
        assert_eq!(header_of(&allow, "allow").as_deref(), Some("POST"));

        let page = app.agent.delete(app.url("/report")).call().expect("DELETE");
        assert_eq!(page.status().as_u16(), 405);
        let allow = header_of(&page, "allow").expect("Allow");
        for m in ["GET", "HEAD", "POST"] {
            assert!(allow.contains(m), "{allow}");
        }
        let mut page = page;
        let html = page.body_mut().read_to_string().unwrap();
        assert!(html.contains("请求方式不对"), "{html}");

        // A path with a parameter is known whatever the parameter.
        let act = app.agent.get(app.url("/api/v1/staff/tips/HL-2026-000001/actions")).call().expect("GET");
        assert_eq!(act.status().as_u16(), 405);
        assert_eq!(app.get("/api/v1/nothing-here").status, 404);
        assert_eq!(app.get("/nothing-here").status, 404);
    }
}

on_both_backends! {
    /// A session kept busy still ends `staff.absolute_timeout_hours` (12) after sign-in; a new
    /// sign-in works.
    fn sessions_end_after_their_absolute_lifetime(app) {
        let officer = app.staff("m.officer", "officer", Some("municipal"));
        // Busy all day: a request every 20 minutes keeps the idle timeout (30) from ending it.
        for _ in 0..36 {
            app.advance(chrono::Duration::minutes(20));
            assert_eq!(officer.get("/api/v1/staff/tips").status, 200);
        }
        // 12 hours and 20 minutes after sign-in.
        app.advance(chrono::Duration::minutes(20));
        let gone = officer.get("/api/v1/staff/tips");
        assert_eq!(gone.status, 401, "{}", gone.text);
        let again = app.sign_in("m.officer", PASSWORD).expect("signing in again");
        assert_eq!(again.get("/api/v1/staff/tips").status, 200);
    }
}

on_both_backends! {
    /// The sign-in form carries its own token (login CSRF): a post without it, or with another
    /// browser's, is refused with the form again (username kept); with it, the staff member is in.
    fn the_sign_in_form_needs_its_own_token(app) {
        app.add_user("m.officer", "officer", Some("municipal"), None);
        let b = Browser::new(&app);
        let (status, page, _) = b.post("/staff/login", &[("username", "m.officer"), ("password", PASSWORD)]);
        assert_eq!(status, 403, "{page}");
        assert!(page.contains("页面已过期"), "{page}");
        assert_eq!(input_value(&page, "username").as_deref(), Some("m.officer"));

        let other = Browser::new(&app);
        let foreign = other.csrf("/staff/login");
        let (status, _, _) = b.post("/staff/login", &[("csrf", &foreign), ("username", "m.officer"), ("password", PASSWORD)]);
        assert_eq!(status, 403);

        let (status, _, to) = b.sign_in("m.officer", PASSWORD, "");
        assert_eq!((status, to.as_deref()), (303, Some("/staff")));
    }
}

on_both_backends! {
    /// A NUL character anywhere a request carries text answers 422 in words, never 500, on both
    /// databases: sign-in, a case path, queue filters, action and reward notes, Open311 look-ups,
    /// a staff page form. A backslash followed by `u0000` as typed text is not a NUL.
    fn nul_characters_are_refused_everywhere(app) {
        let refused = |a: &Answer| {
            assert_eq!(a.status, 422, "{}", a.text);
            assert_eq!(a.json["error"], "validation", "{}", a.text);
            assert!(a.text.contains("NUL"), "{}", a.text);
        };
        refused(&app.post_json("/api/v1/staff/session", &serde_json::json!({"username": "a\u{0}b", "password": "x"})));
        let coord = app.staff("coord", "coordinator", None);
        let case = app.new_case("gas");
        refused(&coord.get("/api/v1/staff/tips/HL-2026%00"));
        refused(&coord.get("/api/v1/staff/tips?status=new%00"));
        refused(&coord.act(&case, serde_json::json!({"action": "reject", "reason": "无关\u{0}内容"})));
        refused(&coord.post(&format!("/api/v1/staff/tips/{case}/messages"), &serde_json::json!({"body": "\u{0}"})));
        refused(&coord.post("/api/v1/staff/rewards/1/sign-off", &serde_json::json!({"decision": "return", "note": "\u{0}"})));
        refused(&app.get("/open311/v2/requests/HL-2026%00.json"));
        refused(&app.get("/open311/v2/requests.json?service_request_id=%00"));

        // Typed text that merely looks like an escape is kept.
        let mut tip = anonymous_tip("gas");
        tip["description"] = serde_json::json!("仓库门口贴着写有 \\u0000 字样的标签，消防通道被堆放的纸箱堵住。");
        let a = app.post_json("/api/v1/tips", &tip);
        assert_eq!(a.status, 201, "{}", a.text);

        // A staff page form: the error page, in words.
        let b = Browser::new(&app);
        let csrf = b.csrf("/staff/login");
        let (status, page, _) = b.post("/staff/login", &[("csrf", &csrf), ("username", "co\u{0}ord"), ("password", PASSWORD)]);
        assert_eq!(status, 422, "{page}");
        assert!(page.contains("空字符"), "{page}");
    }
}
