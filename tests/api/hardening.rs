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

/// A raw connection to the test server (for clients that send slowly or not at all).
fn connect(app: &TestApp) -> std::net::TcpStream {
    let addr = app.base.trim_start_matches("http://");
    let s = std::net::TcpStream::connect(addr).expect("connecting");
    s.set_read_timeout(Some(std::time::Duration::from_millis(100)))
        .expect("a read timeout");
    s
}

/// The status the server answered on a raw connection, `Some(0)` when it closed the connection
/// without answering, `None` when it said nothing before `until`.
fn status_on(
    s: &mut std::net::TcpStream,
    until: std::time::Instant,
    mut between: impl FnMut(&mut std::net::TcpStream),
) -> Option<u16> {
    use std::io::Read;
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while std::time::Instant::now() < until {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
        if seen.len() >= 12 {
            break;
        }
        between(s);
    }
    if seen.is_empty() {
        return (std::time::Instant::now() < until).then_some(0);
    }
    let line = String::from_utf8_lossy(&seen);
    line.get(9..12).and_then(|c| c.parse().ok())
}

/// Starts a report form with a photo on a raw connection: the headers promise 5 MB, the photo
/// part begins, and then the client sends `trickle` more (nothing, or a byte now and then).
fn slow_upload(app: &TestApp) -> std::net::TcpStream {
    use std::io::Write;
    let boundary = "slow-upload-boundary";
    let mut s = connect(app);
    let head = format!(
        "POST /report HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 5000000\r\n\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n仓库消防通道被纸箱堵住。\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    );
    s.write_all(head.as_bytes()).expect("sending the start");
    s.write_all(&fixture("cam.jpg")[..1000])
        .expect("sending a bit of the photo");
    s
}

/// A page form: who sends it, where, and its fields (the CSRF token is added).
type PageForm<'a> = (&'a Browser, String, Vec<(&'a str, &'a str)>);

on_both_backends! {
    /// Slow clients cannot hold the upload slots (issue 15): four connections that trickle a
    /// report form with a photo, or stall in it, are dropped after `limits.upload_total_seconds`
    /// or `limits.upload_stall_seconds`; meanwhile a form without photos needs no slot and is
    /// answered at once, and a form with a photo gets a slot once the slow ones are gone.
    fn slow_uploads_cannot_hold_the_upload_slots(backend: Backend) {
        use std::time::{Duration, Instant};
        let app = TestApp::spawn_with(backend, |f| {
            f.merge(("limits.upload_stall_seconds", 1))
                .merge(("limits.upload_total_seconds", 3))
                .merge(("limits.concurrent_uploads", 4))
        });
        // Four clients trickle a byte every 300 ms: never a stall, but too slow altogether.
        let started = Instant::now();
        let trickling: Vec<_> = (0..4)
            .map(|_| {
                let mut s = slow_upload(&app);
                std::thread::spawn(move || {
                    let until = Instant::now() + Duration::from_secs(12);
                    let mut last = Instant::now();
                    status_on(&mut s, until, |s| {
                        use std::io::Write;
                        if last.elapsed() >= Duration::from_millis(300) {
                            last = Instant::now();
                            let _ = s.write_all(b"x");
                        }
                    })
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(500));
        // The form without photos, as a browser without JavaScript sends it (an empty file
        // input included): answered while the slow clients still hold every slot.
        let plain = app.post_form("/report", &valid_report_fields(), &[("photos", "", "application/octet-stream", Vec::new())]);
        assert_eq!(plain.status, 200, "{}", plain.text);
        assert!(element_text(&plain.text, "receipt").is_some(), "{}", plain.text);
        assert!(started.elapsed() < Duration::from_secs(3), "the plain form waited for a slot");
        // A form with a photo waits for a slot, which comes free when the slow ones are dropped.
        let photo = app.post_form("/report", &valid_report_fields(), &[("photos", "cam.jpg", "image/jpeg", fixture("cam.jpg"))]);
        assert_eq!(photo.status, 200, "{}", photo.text);
        assert!(started.elapsed() < Duration::from_secs(12), "{:?}", started.elapsed());
        for t in trickling {
            let status = t.join().expect("a slow client");
            assert!(matches!(status, Some(408) | Some(0)), "a trickling upload was kept: {status:?}");
        }

        // Four clients that stall in their photo: dropped after a second of silence.
        let started = Instant::now();
        let mut stalled: Vec<_> = (0..4).map(|_| slow_upload(&app)).collect();
        std::thread::sleep(Duration::from_millis(300));
        let photo = app.post_form("/report", &valid_report_fields(), &[("photos", "cam.jpg", "image/jpeg", fixture("cam.jpg"))]);
        assert_eq!(photo.status, 200, "{}", photo.text);
        assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
        for s in &mut stalled {
            let status = status_on(s, Instant::now() + Duration::from_secs(5), |_| {});
            assert!(matches!(status, Some(408) | Some(0)), "a stalled upload was kept: {status:?}");
        }
        // The dropped form is answered in words.
        let mut s = slow_upload(&app);
        let mut text = Vec::new();
        std::thread::sleep(Duration::from_millis(1500));
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = std::io::Read::read_to_end(&mut s, &mut text);
        let text = String::from_utf8_lossy(&text);
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
        assert!(text.contains("传输太慢"), "{text}");
        // A form without photos that stalls is dropped too, before any reader has it all.
        let mut s = connect(&app);
        let head = "POST /report HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ndescription=x";
        std::io::Write::write_all(&mut s, head.as_bytes()).expect("sending");
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let mut text = Vec::new();
        let _ = std::io::Read::read_to_end(&mut s, &mut text);
        let text = String::from_utf8_lossy(&text);
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
        assert!(text.contains("传输太慢"), "{text}");
    }

    /// Open311 bodies are limited like JSON (1 MiB) before reading, and a key in the query is
    /// checked before the body is read: a wrong one is refused without waiting for the body.
    fn open311_bodies_are_limited_before_reading(backend: Backend) {
        use std::io::Write;
        use std::time::{Duration, Instant};
        let app = TestApp::spawn_with(backend, |f| f.merge(("open311_api_keys", vec!["k-12345"])));
        let post = |path: &str, length: usize| {
            let mut s = connect(&app);
            let head = format!("POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\r\nservice_code=gas");
            s.write_all(head.as_bytes()).expect("sending");
            status_on(&mut s, Instant::now() + Duration::from_secs(5), |_| {})
        };
        assert_eq!(post("/open311/v2/requests.json?api_key=k-12345", 60 << 20), Some(413), "over 1 MiB");
        assert_eq!(post("/open311/v2/requests.json", (1 << 20) + 1), Some(413), "over 1 MiB, no key yet");
        assert_eq!(post("/open311/v2/requests.json?api_key=wrong", 500_000), Some(403), "the key first");
        assert_eq!(post("/open311/v2/requests.xml?api_key=wrong", 500_000), Some(403));
        // A body that never comes is dropped.
        let slow = TestApp::spawn_with(backend, |f| f.merge(("limits.upload_stall_seconds", 1)));
        let mut s = connect(&slow);
        s.write_all(b"POST /open311/v2/requests.json HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nservice_code=gas").expect("sending");
        let status = status_on(&mut s, Instant::now() + Duration::from_secs(6), |_| {});
        assert!(matches!(status, Some(400) | Some(0)), "{status:?}");
        // A key in the query or in the body, as before.
        let body = "service_code=gas&description=%E5%9C%B0%E4%B8%8B%E5%AE%A4%E6%B6%B2%E5%8C%96%E6%B0%94%E7%93%B6%E5%A0%86%E6%94%BE%E5%BE%88%E5%A4%9A&address_string=%E6%B9%96%E9%87%8C";
        let ok = app.post_raw("/open311/v2/requests.json?api_key=k-12345", "application/x-www-form-urlencoded", body);
        assert_eq!(ok.status, 201, "{}", ok.text);
        let ok = app.post_raw("/open311/v2/requests.json", "application/x-www-form-urlencoded", format!("{body}&api_key=k-12345"));
        assert_eq!(ok.status, 201, "{}", ok.text);
        let refused = app.post_raw("/open311/v2/requests.json", "application/x-www-form-urlencoded", body);
        assert_eq!(refused.status, 403, "{}", refused.text);
    }

    /// A reward id that does not exist is 404 on every reward route, API and pages.
    fn a_missing_reward_is_404_everywhere(backend: Backend) {
        let app = TestApp::spawn_with_head_signoff(backend);
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let head = app.staff("fire.head", "head", Some("fire"));
        let fin = app.staff("finance1", "finance", None);
        let missing = 987_654;
        let api = [
            (&officer, "post", "/api/v1/staff/tips/HL-2026-999999/reward".to_owned(), serde_json::json!({"basis": "general_hazard"})),
            (&head, "post", format!("/api/v1/staff/rewards/{missing}/sign-off"), serde_json::json!({"decision": "approve", "note": ""})),
            (&head, "post", format!("/api/v1/staff/rewards/{missing}/sign-off"), serde_json::json!({"decision": "return", "note": "请核对"})),
            (&officer, "put", format!("/api/v1/staff/rewards/{missing}"), serde_json::json!({"basis": "general_hazard"})),
            (&officer, "post", format!("/api/v1/staff/rewards/{missing}/withdraw"), serde_json::json!({"reason": "放弃"})),
            (&fin, "post", format!("/api/v1/finance/rewards/{missing}/decision"), serde_json::json!({"decision": "approve", "note": ""})),
            (&fin, "post", format!("/api/v1/finance/rewards/{missing}/decision"), serde_json::json!({"decision": "reject", "note": "不符合"})),
            (&fin, "post", format!("/api/v1/finance/rewards/{missing}/payout"), serde_json::json!({"reference": "BANK-1"})),
            (&fin, "post", format!("/api/v1/finance/rewards/{missing}/payee"), serde_json::json!({"reason": "发放"})),
            (&fin, "post", format!("/api/v1/finance/rewards/{missing}/reinstate"), serde_json::json!({"reason": "住院"})),
        ];
        for (who, method, path, body) in &api {
            let a = match *method {
                "put" => who.put(path, body),
                _ => who.post(path, body),
            };
            assert_eq!(a.status, 404, "{method} {path}: {}", a.text);
            assert_eq!(a.json["error"], "not_found", "{path}: {}", a.text);
        }
        let browser = |user: &str| {
            let b = Browser::new(&app);
            assert_eq!(b.sign_in(user, PASSWORD, "").0, 303);
            b
        };
        let (o, h, f) = (browser("fire.officer"), browser("fire.head"), browser("finance1"));
        let case = app.new_case("gas");
        let pages: [PageForm; 7] = [
            (&h, format!("/staff/rewards/{missing}/sign-off"), vec![("case", &case), ("decision", "approve"), ("note", "")]),
            (&o, format!("/staff/rewards/{missing}/correct"), vec![("case", &case), ("basis", "general_hazard"), ("fine_yuan", ""), ("penalty_decision", "")]),
            (&o, format!("/staff/rewards/{missing}/withdraw"), vec![("case", &case), ("reason", "放弃")]),
            (&f, format!("/finance/rewards/{missing}/decision"), vec![("decision", "approve"), ("amount_yuan", ""), ("note", "")]),
            (&f, format!("/finance/rewards/{missing}/payout"), vec![("reference", "BANK-1"), ("paid_on", "")]),
            (&f, format!("/finance/rewards/{missing}/payee"), vec![("reason", "发放")]),
            (&f, format!("/finance/rewards/{missing}/reinstate"), vec![("reason", "住院")]),
        ];
        for (b, path, fields) in &pages {
            let csrf = b.csrf(if path.starts_with("/finance") { "/finance" } else { "/staff/account" });
            let mut fields = fields.clone();
            fields.push(("csrf", &csrf));
            let (status, page, _) = b.post(path, &fields);
            assert_eq!(status, 404, "POST {path}: {page}");
        }
        assert_eq!(f.get(&format!("/finance/rewards/{missing}/notice")).0, 404);
    }

    /// Staff page forms that cannot be read (a duplicate field, a body that is not a form, no
    /// CSRF token) answer the localised error page, never the framework's text.
    fn unreadable_staff_forms_answer_the_error_page(app) {
        let framework = |page: &str| page.contains("Parse error") || page.contains("duplicate field") || page.contains("Content type error");
        app.add_user("coord", "coordinator", None, None);
        let b = Browser::new(&app);
        let csrf = b.csrf("/staff/login");
        let (status, page, _) = b.post("/staff/login", &[("csrf", &csrf), ("username", "coord"), ("username", "other"), ("password", PASSWORD)]);
        assert!(matches!(status, 400 | 403 | 422), "{status}: {page}");
        assert!(!framework(&page) && page.contains("<html"), "{page}");
        assert!(page.contains("请求无法解析"), "{page}");

        assert_eq!(b.sign_in("coord", PASSWORD, "").0, 303);
        let csrf = b.csrf("/staff/users");
        let (status, page, _) = b.post("/staff/users", &[("csrf", &csrf), ("username", "a.b"), ("username", "c.d"), ("role", "officer")]);
        assert_eq!(status, 400, "{page}");
        assert!(!framework(&page) && page.contains("请求无法解析"), "{page}");
        let (status, page, _) = b.post("/staff/users", &[("username", "a.b"), ("role", "officer")]);
        assert_eq!(status, 403, "{page}");
        assert!(!framework(&page) && page.contains("<html"), "{page}");
        let (status, page, _) = b.post("/staff/users/coord/active", &[("csrf", &csrf), ("active", "on"), ("active", "off")]);
        assert_eq!(status, 400, "{page}");
        assert!(!framework(&page) && page.contains("请求无法解析"), "{page}");

        let case = app.new_case("gas");
        let (status, page, _) = b.post(&format!("/staff/tips/{case}/act"), &[("csrf", &csrf), ("action", "accept"), ("action", "reject")]);
        assert_eq!(status, 400, "{page}");
        assert!(!framework(&page) && page.contains("请求无法解析"), "{page}");
        // A page form sent as JSON.
        let j = app.agent.post(app.url("/staff/login")).header("content-type", "application/json").send("{\"username\": 1}").expect("POST");
        let j = answer(j);
        assert_eq!(j.status, 400, "{}", j.text);
        assert!(!framework(&j.text) && j.text.contains("请求无法解析"), "{}", j.text);
    }
}

/// Sends `total` bytes of `part` (its fields' head, then filler) to `path` as a chunked body that
/// never ends, and returns the status answered within five seconds (`None`: none, i.e. the server
/// was still reading, as one that buffers a body to its end would be).
fn endless_chunked(
    app: &TestApp,
    path: &str,
    content_type: &str,
    head: &str,
    total: usize,
) -> Option<u16> {
    use std::io::Write;
    use std::time::{Duration, Instant};
    let mut s = connect(app);
    let start = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    let chunk = |s: &mut std::net::TcpStream, bytes: &[u8]| {
        s.write_all(format!("{:x}\r\n", bytes.len()).as_bytes())
            .and_then(|()| s.write_all(bytes))
            .and_then(|()| s.write_all(b"\r\n"))
    };
    let mut sent = 0;
    if s.write_all(start.as_bytes())
        .and_then(|()| chunk(&mut s, head.as_bytes()))
        .is_ok()
    {
        let filler = vec![b'a'; 16 << 10];
        while sent < total && chunk(&mut s, &filler).is_ok() {
            sent += filler.len();
        }
    }
    status_on(&mut s, Instant::now() + Duration::from_secs(5), |_| {})
}

on_both_backends! {
    /// A body without a declared length is refused as soon as it passes its limit, before it
    /// ends: an upload (the whole form, `limits.multipart_bytes`) and an Open311 request (1 MiB)
    /// never buffer more than their limit. Bodies that never end are used, so a server that
    /// read to the end before checking would answer nothing.
    fn bodies_without_a_length_are_refused_at_their_limit(backend: Backend) {
        let app = TestApp::spawn_with(backend, |f| {
            f.merge(("limits.multipart_bytes", 200_000))
                .merge(("open311_api_keys", vec!["k-12345"]))
        });
        let boundary = "endless-boundary";
        let form = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n仓库消防通道被纸箱堵住。\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n");
        let multipart = format!("multipart/form-data; boundary={boundary}");
        // 413, or the connection closed at once when the answer raced the bytes still sent.
        let status = endless_chunked(&app, "/report", &multipart, &form, 400_000);
        assert!(matches!(status, Some(413) | Some(0)), "an upload past its limit: {status:?}");
        let urlencoded = "application/x-www-form-urlencoded";
        let open311 = "/open311/v2/requests.json?api_key=k-12345";
        let status = endless_chunked(&app, open311, urlencoded, "service_code=gas&description=", (1 << 20) + (200 << 10));
        assert!(matches!(status, Some(413) | Some(0)), "Open311 past 1 MiB: {status:?}");
        // Under its limit, the same body is still being read (no answer yet), not refused.
        assert_eq!(endless_chunked(&app, open311, urlencoded, "service_code=gas&description=", 100_000), None);
    }
}
