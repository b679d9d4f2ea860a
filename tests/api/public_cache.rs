//! Public pages served from kept bytes (issue 14): compressed as the browser asks, validated with
//! an ETag, the report form's per-reader values spliced in; robots.txt, the favicon, the meta
//! descriptions; and `/metrics`, readable from loopback or with its token only.

use crate::helpers::*;
use crate::on_both_backends;
use std::io::Read;

/// A GET with extra headers: status, the headers asked for, and the raw body.
fn raw(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> (u16, Headers, Vec<u8>) {
    let mut req = app.agent.get(app.url(path));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let mut r = req.call().expect("GET");
    let h = |n: &str| {
        r.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let headers = Headers {
        encoding: h("content-encoding"),
        etag: h("etag"),
        cache_control: h("cache-control"),
        content_type: h("content-type"),
    };
    let status = r.status().as_u16();
    let body = r.body_mut().read_to_vec().unwrap_or_default();
    (status, headers, body)
}

#[derive(Debug)]
struct Headers {
    encoding: Option<String>,
    etag: Option<String>,
    cache_control: Option<String>,
    content_type: Option<String>,
}

fn unbrotli(bytes: &[u8]) -> String {
    let mut out = String::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_string(&mut out)
        .expect("a brotli body");
    out
}

fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut out)
        .expect("a gzip body");
    out
}

on_both_backends! {
    /// Each public page that is the same for everyone comes brotli- or gzip-compressed as the
    /// client accepts, the same text as uncompressed, with an ETag that a revalidation answers
    /// 304 to, and with its own description in the reader's language.
    fn kept_public_pages_are_compressed_validated_and_described(app) {
        let pages = [
            ("/", "发现安全生产隐患？在线举报", "Report it online"),
            ("/track", "用 16 位回执查询举报的办理进度", "Follow your report with its 16-digit receipt"),
            ("/stats", "安全生产隐患举报的公开统计", "Public statistics of work-safety hazard reports"),
            ("/exposures", "安全生产重大事故隐患公开曝光名单", "The public list of major work-safety hazards"),
        ];
        for (path, zh, en) in pages {
            let plain = app.get(path);
            assert_eq!(plain.status, 200, "{path}");
            assert!(plain.text.contains(&format!("<meta name=\"description\" content=\"{zh}")), "{path}: {}", plain.text);
            assert!(app.get_lang(path, "en").text.contains(en), "{path} in English");

            let (status, h, body) = raw(&app, path, &[("accept-encoding", "gzip, deflate, br")]);
            assert_eq!((status, h.encoding.as_deref()), (200, Some("br")), "{path}");
            assert_eq!(unbrotli(&body), plain.text, "{path}");
            assert_eq!(h.cache_control.as_deref(), Some("no-cache"), "{path}");
            let tag = h.etag.expect("an ETag");

            let (status, h, body) = raw(&app, path, &[("accept-encoding", "gzip")]);
            assert_eq!((status, h.encoding.as_deref()), (200, Some("gzip")), "{path}");
            assert_eq!(gunzip(&body), plain.text, "{path}");

            let (status, _, body) = raw(&app, path, &[("accept-encoding", "br"), ("if-none-match", &tag)]);
            assert_eq!((status, body.len()), (304, 0), "{path}");
            let (status, _, _) = raw(&app, path, &[("if-none-match", "\"0123456789abcdef\"")]);
            assert_eq!(status, 200, "{path}: another tag is not this page");
        }
    }

    /// The blank report form is kept, but every reader gets a submission id of their own and the
    /// current time as the latest the date field takes; it is never stored by a browser, and a
    /// form sent with a spliced id stores its tip.
    fn every_reader_of_the_kept_report_form_gets_their_own_submission_id(app) {
        let ids: Vec<String> = (0..3)
            .map(|_| {
                let page = app.get("/report");
                assert_eq!(page.status, 200);
                assert!(!page.text.contains("tipline-splice"), "a marker was left in the page");
                let now = app.now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
                let max = format!("max=\"{}\"", now.format("%Y-%m-%dT%H:%M"));
                let minute_later = format!("max=\"{}\"", (now + chrono::Duration::minutes(1)).format("%Y-%m-%dT%H:%M"));
                assert!(page.text.contains(&max) || page.text.contains(&minute_later), "{}", page.text);
                input_value(&page.text, "submission_id").expect("a submission id")
            })
            .collect();
        assert!(ids.iter().all(|id| id.len() >= 32), "{ids:?}");
        assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2], "{ids:?}");

        let (status, h, body) = raw(&app, "/report", &[("accept-encoding", "br")]);
        assert_eq!((status, h.encoding.as_deref()), (200, Some("br")));
        assert_eq!(h.cache_control.as_deref(), Some("no-store"));
        assert_eq!(h.etag, None, "a page made for one reader has no validator");
        let text = unbrotli(&body);
        let id = input_value(&text, "submission_id").expect("a submission id");
        assert!(!ids.contains(&id));

        // The urgent variant is kept apart from the plain form.
        let urgent = app.get("/report?urgent=1");
        assert!(urgent.text.contains("action=\"/report?urgent=1\""));
        assert!(!app.get("/report").text.contains("action=\"/report?urgent=1\""));

        let mut fields = valid_report_fields();
        fields.push(("submission_id", &id));
        let sent = app.post_form("/report", &fields, &[]);
        assert_eq!(sent.status, 200, "{}", sent.text);
        assert!(element_text(&sent.text, "case-number").is_some());
        // The same form again is the same tip (the spliced id is the form's own).
        let again = app.post_form("/report", &fields, &[]);
        assert_eq!(element_text(&again.text, "case-number"), element_text(&sent.text, "case-number"));
    }

    /// Crawlers are told to keep out of the staff's, finance's and the API's paths; the icon
    /// every page links is served, and so is `/favicon.ico`.
    fn robots_txt_and_the_favicon_are_served(app) {
        let robots = app.get("/robots.txt");
        assert_eq!(robots.status, 200);
        for line in ["User-agent: *", "Allow: /", "Disallow: /staff", "Disallow: /finance", "Disallow: /api/"] {
            assert!(robots.text.lines().any(|l| l == line), "{line} in {}", robots.text);
        }
        let page = app.get("/");
        let href = page.text.split("<link rel=\"icon\" href=\"").nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the icon's link");
        for path in [href, "/favicon.ico"] {
            let (status, h, body) = raw(&app, path, &[]);
            assert_eq!(status, 200, "{path}");
            assert_eq!(h.content_type.as_deref(), Some("image/svg+xml"), "{path}");
            assert!(String::from_utf8_lossy(&body).starts_with("<svg"), "{path}");
        }
    }

    /// `/metrics` answers a direct request from this host with latencies by route pattern, the
    /// hashing gate, pool waits and the outbox; never a case number; and through a proxy it does
    /// not exist.
    fn metrics_name_routes_not_paths_and_answer_loopback_only(app) {
        let case = app.new_case("fire_safety");
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        assert_eq!(officer.get(&format!("/api/v1/staff/tips/{case}")).status, 200);
        let m = app.get("/metrics");
        assert_eq!(m.status, 200);
        assert!(m.content_type.as_deref().unwrap_or_default().starts_with("text/plain; version=0.0.4"));
        for needle in [
            "tipline_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/staff/tips/{case}\"}",
            "tipline_http_request_duration_seconds_count{method=\"POST\",route=\"/api/v1/tips\"}",
            "tipline_hash_gate_waiters ",
            "tipline_hash_gate_wait_seconds_count ",
            "tipline_db_pool_wait_seconds_count{pool=\"read\"}",
            "tipline_outbox_depth ",
            "tipline_outbox_oldest_seconds ",
            "tipline_http_requests_in_flight ",
            "process_resident_memory_bytes ",
        ] {
            assert!(m.text.contains(needle), "{needle} in {}", m.text);
        }
        // The metrics are the process's: tests running beside this one add their requests.
        let in_flight: u64 = m.text.lines()
            .find_map(|l| l.strip_prefix("tipline_http_requests_in_flight "))
            .and_then(|v| v.trim().parse().ok())
            .expect("the in-flight gauge");
        assert!(in_flight >= 1, "the /metrics request itself is in flight");
        assert!(!m.text.contains(&case), "a case number in /metrics");
        let (status, _, _) = raw(&app, "/metrics", &[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(status, 404);
    }

    /// With a token configured, a scraper elsewhere reads `/metrics` with it, and only with it.
    fn metrics_read_from_elsewhere_need_the_configured_token(backend: Backend) {
        let app = TestApp::spawn_with(backend, |f| f.merge(("metrics_token", "scrape-token-123")));
        let proxied = ("x-forwarded-for", "203.0.113.9");
        let (status, _, body) = raw(&app, "/metrics", &[proxied, ("authorization", "Bearer scrape-token-123")]);
        assert_eq!(status, 200);
        assert!(String::from_utf8_lossy(&body).contains("tipline_hash_gate_waiters"));
        let (status, _, _) = raw(&app, "/metrics", &[proxied, ("authorization", "Bearer wrong")]);
        assert_eq!(status, 404);
        let (status, _, _) = raw(&app, "/metrics", &[proxied]);
        assert_eq!(status, 404);
    }
}
