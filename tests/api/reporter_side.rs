//! The reporter's side of issue 16: the course and outcome of a tip on /track (API and page),
//! photos added later (API and page) and what staff see of them, the unit told when a reporter
//! writes, the receipt's site address and copy button, call buttons, and the /stats wording.

use crate::helpers::*;
use crate::on_both_backends;
use diesel::prelude::*;
use serde_json::{Value, json};

fn contains(h: &[u8], n: &str) -> bool {
    h.windows(n.len()).any(|w| w == n.as_bytes())
}

/// A new anonymous fire-safety tip: (case number, receipt).
fn tip(app: &TestApp) -> (String, String) {
    let b = app.submit(&anonymous_tip("fire_safety"));
    let s = |k: &str| b[k].as_str().unwrap().to_owned();
    (s("case_number"), s("receipt"))
}

fn track(app: &TestApp, receipt: &str) -> Value {
    let a = app.post_json("/api/v1/track", &json!({ "receipt": receipt }));
    assert_eq!(a.status, 200, "{}", a.text);
    a.json
}

fn steps(t: &Value) -> Vec<String> {
    let list = t["timeline"].as_array().expect("a timeline");
    list.iter()
        .map(|s| s["step"].as_str().unwrap().to_owned())
        .collect()
}

/// (subject, body) of every queued mail, oldest first.
fn queued(app: &TestApp) -> Vec<(String, String)> {
    use tipline::db::schema::outbox::dsl as o;
    let mut c = app.services.db.read().unwrap();
    o::outbox
        .order(o::id.asc())
        .select((o::subject, o::body))
        .load(&mut **c)
        .unwrap()
}

on_both_backends! {
    /// An open tip shows its course so far (dates only) and no outcome; the page says by when
    /// in the reporter's words, not the staff's term for the limit.
    fn an_open_tip_shows_its_course_and_no_outcome(app) {
        let (case, receipt) = tip(&app);
        let t = track(&app, &receipt);
        assert_eq!(steps(&t), ["submitted"]);
        assert_eq!(t["timeline"][0]["at"], app.today().to_string());
        assert!(t.get("outcome").is_none() && t.get("outcome_text").is_none(), "{t}");

        let officer = app.staff("fire.officer", "officer", Some("fire"));
        officer.steps(&case, &["accept", "start_verification"]);
        let t = track(&app, &receipt);
        assert_eq!(steps(&t), ["submitted", "accepted", "verification_started"]);
        assert!(t.get("outcome").is_none());

        let page = app.post_urlencoded("/track", &[("receipt", &receipt)]);
        assert_eq!(page.status, 200);
        assert!(page.text.contains("预计核查完成日期"), "{}", page.text);
        assert!(page.text.contains("开始核查") && page.text.contains("收到举报"));
        assert!(!page.text.contains("id=\"outcome\""));
        let en = app.post_raw("/track?lang=en", "application/x-www-form-urlencoded", format!("receipt={}", receipt.replace(' ', "")));
        assert!(en.text.contains("We will finish checking by"), "{}", en.text);
        assert!(en.text.contains("Checking started"));
    }

    /// A refusal is the outcome `rejected` with the reason staff gave, which the page shows in
    /// words; reopening it (复查) takes the outcome away again.
    fn a_refusal_is_the_outcome_with_its_reason_until_reopened(app) {
        let (case, receipt) = tip(&app);
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let r = officer.act(&case, json!({"action": "reject", "reason": "所述地址不在本区辖区内", "note": "内部：已电话核实"}));
        assert_eq!(r.status, 200, "{}", r.text);
        let t = track(&app, &receipt);
        assert_eq!(t["outcome"], "rejected");
        assert_eq!(t["outcome_text"], "所述地址不在本区辖区内");
        assert_eq!(steps(&t), ["submitted", "result"]);
        assert!(!t.to_string().contains("内部：已电话核实"), "the note is internal: {t}");

        let page = app.post_urlencoded("/track", &[("receipt", &receipt)]);
        let outcome = page.text.split("id=\"outcome\"").nth(1).unwrap();
        assert!(outcome.contains("不予受理") && outcome.contains("所述地址不在本区辖区内"));

        let coordinator = app.staff("coord", "coordinator", None);
        let r = coordinator.act(&case, json!({"action": "reopen", "reason": "举报人补充了新的地址"}));
        assert_eq!(r.status, 200, "{}", r.text);
        let t = track(&app, &receipt);
        assert_eq!(t["status"], "verifying");
        assert!(t.get("outcome").is_none() && t.get("outcome_text").is_none(), "{t}");
        assert_eq!(steps(&t), ["submitted", "result", "verification_started"]);
    }

    /// The finding written for the reporter with a verification result is the outcome's text;
    /// the step's note stays internal; a finding too short is refused. The outcome stays while
    /// the hazard is fixed and the case closed, and every step shows in the course.
    fn a_finding_is_the_outcome_text_and_the_note_stays_internal(app) {
        let (case, receipt) = tip(&app);
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        officer.steps(&case, &["accept", "start_verification"]);
        // Either result requires its finding (API.md): missing or blank is a field error.
        for action in ["substantiate", "unsubstantiate"] {
            for body in [json!({"action": action}), json!({"action": action, "finding": "  "})] {
                let r = officer.act(&case, body);
                assert_eq!(r.status, 422, "{}", r.text);
                assert!(r.json["fields"]["finding"].is_array(), "{}", r.text);
            }
        }
        let short = officer.act(&case, json!({"action": "substantiate", "finding": "属实"}));
        assert_eq!(short.status, 422, "{}", short.text);
        assert!(short.json["fields"]["finding"].is_array());
        let finding = "现场发现后厨存放液化气瓶 8 个，已责令立即清理并限期整改。";
        let r = officer.act(&case, json!({"action": "substantiate", "finding": finding, "note": "内部：负责人态度差"}));
        assert_eq!(r.status, 200, "{}", r.text);
        let t = track(&app, &receipt);
        assert_eq!(t["outcome"], "substantiated");
        assert_eq!(t["outcome_text"], finding);
        assert!(!t.to_string().contains("负责人态度差"));
        let page = app.post_urlencoded("/track", &[("receipt", &receipt)]);
        assert!(page.text.contains("预计答复日期"), "the feedback limit in the reporter's words");
        assert!(!page.text.contains("反馈期限"));
        assert!(page.text.contains("经核查，您举报的问题属实。") && page.text.contains(finding));

        let deadline = (app.today() + chrono::Duration::days(10)).to_string();
        let r = officer.act(&case, json!({"action": "order_rectification", "deadline": deadline, "responsible_party": "酒楼负责人", "measures": "清理气瓶", "suspend_operations": false}));
        assert_eq!(r.status, 200, "{}", r.text);
        officer.steps(&case, &["confirm_rectified"]);
        let head = app.staff("fire.head", "head", Some("fire"));
        head.steps(&case, &["close"]);
        let t = track(&app, &receipt);
        assert_eq!(t["status"], "closed");
        assert_eq!(t["outcome"], "substantiated");
        assert_eq!(
            steps(&t),
            ["submitted", "accepted", "verification_started", "result", "rectification_ordered", "rectified", "closed"]
        );
        for s in t["timeline"].as_array().unwrap() {
            let at = s["at"].as_str().unwrap();
            assert!(chrono::NaiveDate::parse_from_str(at, "%Y-%m-%d").is_ok(), "a date only: {at}");
        }
    }

    /// A tip found not true, or marked a duplicate, has that outcome; a duplicate has no text,
    /// a verification result the finding it requires.
    fn unsubstantiated_and_duplicate_outcomes(app) {
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let (first, _) = tip(&app);
        officer.steps(&first, &["accept"]);
        let (case, receipt) = tip(&app);
        let r = officer.act(&case, json!({"action": "mark_duplicate", "duplicate_of": first}));
        assert_eq!(r.status, 200, "{}", r.text);
        let t = track(&app, &receipt);
        assert_eq!(t["outcome"], "duplicate");
        assert!(t.get("outcome_text").is_none());

        let (case, receipt) = tip(&app);
        officer.steps(&case, &["accept", "start_verification", "unsubstantiate"]);
        let t = track(&app, &receipt);
        assert_eq!(t["outcome"], "unsubstantiated");
        assert_eq!(t["outcome_text"], FINDING, "the finding it requires is the outcome's text");
    }

    /// Photos later: stored stripped of metadata, marked as added later for staff (who see
    /// the day on the case page), and the unit hears of it without anything of the case.
    fn photos_added_later_reach_staff_and_the_unit_hears_of_them(app) {
        let (case, receipt) = tip(&app);
        let before = queued(&app).len();
        let files = [
            ("photo", "IMG_2041.jpg", "image/jpeg", fixture("cam.jpg")),
            ("photo", "shot.png", "image/png", fixture("cam.png")),
        ];
        let a = app.post_form("/api/v1/track/attachments", &[("receipt", &receipt)], &files);
        assert_eq!(a.status, 201, "{}", a.text);
        assert_eq!(a.json, json!({"attachments": 2}));

        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let d = officer.get(&format!("/api/v1/staff/tips/{case}"));
        let att = d.json["attachments"].as_array().unwrap();
        assert_eq!(att.len(), 2);
        for x in att {
            assert!(x["added_later"].as_str().unwrap().ends_with('Z'), "{x}");
            let (status, _, bytes) = officer.get_bytes(&format!("/api/v1/staff/tips/{case}/attachments/{}", x["id"]));
            assert_eq!(status, 200);
            for secret in ["SERIAL", "CAMERAMODEL", "OWNERNAME", "xmpmeta", "PNGAUTHOR"] {
                assert!(!contains(&bytes, secret), "still holds {secret}");
            }
        }
        let page = officer.get(&format!("/staff/tips/{case}"));
        assert!(page.text.contains("举报人于"), "{}", page.text);
        assert!(page.text.contains("补充"));

        let mails = queued(&app);
        assert_eq!(mails.len(), before + 1, "{mails:?}");
        let (subject, body) = mails.last().unwrap();
        assert!(subject.contains(&case));
        assert!(body.contains(&format!("https://tipline.example.test/staff/tips/{case}")));
        assert!(body.contains("补充了照片"));
        for leak in ["液化气", "江头北路", "某某海鲜酒楼"] {
            assert!(!body.contains(leak), "{leak} in the notice");
        }
    }

    /// Photos later are checked like the form's: at least one, at most five, the allowed
    /// types, a known receipt, a multipart body.
    fn photos_later_are_checked_like_the_forms(app) {
        let (case, receipt) = tip(&app);
        let none = app.post_form("/api/v1/track/attachments", &[("receipt", &receipt)], &[]);
        assert_eq!(none.status, 422, "{}", none.text);
        assert_eq!(none.json["fields"]["photo"], json!(["请至少选择一张照片。"]));
        let six: Vec<_> = (0..6).map(|_| ("photo", "a.jpg", "image/jpeg", fixture("cam.jpg"))).collect();
        let a = app.post_form("/api/v1/track/attachments", &[("receipt", &receipt)], &six);
        assert_eq!(a.status, 422, "{}", a.text);
        assert!(a.json["fields"]["photo"].is_array());
        let svg = ("photo", "x.svg", "image/svg+xml", b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec());
        let b = app.post_form("/api/v1/track/attachments", &[("receipt", &receipt)], &[svg]);
        assert_eq!(b.status, 415, "{}", b.text);
        assert_eq!(b.json["error"], "unsupported_media");
        let jpg = || ("photo", "a.jpg", "image/jpeg", fixture("cam.jpg"));
        let c = app.post_form("/api/v1/track/attachments", &[("receipt", "1111 1111 1111 1111")], &[jpg()]);
        assert_eq!(c.status, 404);
        let d = app.post_form("/api/v1/track/attachments", &[], &[jpg()]);
        assert_eq!(d.status, 422);
        assert!(d.json["fields"]["receipt"].is_array());
        let e = app.post_json("/api/v1/track/attachments", &json!({"receipt": receipt}));
        assert_eq!(e.status, 415, "{}", e.text);
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let d = officer.get(&format!("/api/v1/staff/tips/{case}"));
        assert_eq!(d.json["attachments"], json!([]), "nothing refused was stored");
    }

    /// Photos later count against the receipt look-up limit.
    fn photos_later_share_the_look_up_limit(backend: Backend) {
        let app = TestApp::spawn_with(backend, |f| f.merge(("rate_limits", "on")));
        for _ in 0..10 {
            assert_eq!(app.post_json("/api/v1/track", &json!({"receipt": "0000 0000 0000 0000"})).status, 404);
        }
        let jpg = ("photo", "a.jpg", "image/jpeg", fixture("cam.jpg"));
        let a = app.post_form("/api/v1/track/attachments", &[("receipt", "0000 0000 0000 0000")], std::slice::from_ref(&jpg));
        assert_eq!(a.status, 429, "{}", a.text);
        assert!(a.retry_after.is_some());
        let p = app.post_form("/track/photos", &[("receipt", "0000 0000 0000 0000")], &[jpg]);
        assert_eq!(p.status, 429);
        assert!(p.text.contains("value=\"0000 0000 0000 0000\""), "the receipt is kept");
        assert!(p.text.contains("分钟后重试"), "the wait is said in minutes: {}", p.text);
    }

    /// The /track page takes photos with a plain form (no JavaScript); a refused upload shows
    /// the case again with the problem beside the field and the receipt kept.
    fn the_follow_up_page_takes_photos_without_javascript(app) {
        let (case, receipt) = tip(&app);
        let page = app.post_urlencoded("/track", &[("receipt", &receipt)]);
        assert!(page.text.contains("action=\"/track/photos\" enctype=\"multipart/form-data\""));
        let ok = app.post_form("/track/photos", &[("receipt", &receipt)], &[("photo", "a.jpg", "image/jpeg", fixture("cam.jpg"))]);
        assert_eq!(ok.status, 200, "{}", ok.text);
        assert!(ok.text.contains("已收到 1 张照片"), "{}", ok.text);
        assert_eq!(element_text(&ok.text, "case-number").as_deref(), Some(case.as_str()));

        let svg = ("photo", "x.svg", "image/svg+xml", b"<svg/>".to_vec());
        let refused = app.post_form("/track/photos?lang=en", &[("receipt", &receipt)], &[svg]);
        assert_eq!(refused.status, 415, "{}", refused.text);
        assert!(refused.text.contains("id=\"photo-error\""));
        assert!(refused.text.contains(&format!("name=\"receipt\" value=\"{receipt}\"")));
        assert_eq!(element_text(&refused.text, "case-number").as_deref(), Some(case.as_str()));
        let en = app.post_form("/track/photos?lang=en", &[("receipt", &receipt)], &[("photo", "a.png", "image/png", fixture("cam.png")), ("photo", "b.webp", "image/webp", fixture("cam.webp"))]);
        assert!(en.text.contains("2 photos received"), "{}", en.text);
    }

    /// A reporter's message reaches the unit as a notice with the case number and a link only.
    fn a_reporters_message_is_noticed_to_the_unit(app) {
        let (case, receipt) = tip(&app);
        let before = queued(&app).len();
        let a = app.post_json("/api/v1/track/messages", &json!({"receipt": receipt, "body": "补充：仓库后门也堆着气瓶。"}));
        assert_eq!(a.status, 201);
        let mails = queued(&app);
        assert_eq!(mails.len(), before + 1);
        let (subject, body) = mails.last().unwrap();
        assert!(subject.contains(&case) && body.contains(&format!("/staff/tips/{case}")));
        assert!(body.contains("发来了留言") && body.contains("sent a message"));
        assert!(!body.contains("仓库后门") && !body.contains("气瓶"), "{body}");
        app.services.deliver_mail().unwrap();
    }

    /// The receipt page and its file carry the site's address; the copy and print buttons are
    /// hidden until the script shows them; the receipt itself is plain text.
    fn the_receipt_carries_the_site_address_and_script_only_buttons(app) {
        let a = app.post_form("/report", &valid_report_fields(), &[]);
        assert_eq!(a.status, 200, "{}", a.text);
        let h = &a.text;
        assert_eq!(element_text(h, "track-url").as_deref(), Some("https://tipline.example.test/track"));
        assert!(h.contains("id=\"copy-receipt\"") && h.contains("id=\"print-receipt\""));
        for id in ["copy-receipt", "print-receipt"] {
            let tag = h.split(&format!("id=\"{id}\"")).nth(1).unwrap().split('>').next().unwrap();
            assert!(tag.ends_with(" hidden"), "{id} shows only with JavaScript: {tag}");
        }
        let href = h.split("href=\"data:text/plain;charset=utf-8,").nth(1).unwrap().split('"').next().unwrap();
        let file = percent_decode(href);
        assert!(file.contains("查询网址: https://tipline.example.test/track"), "{file}");
        assert!(element_text(h, "receipt").unwrap().chars().filter(char::is_ascii_digit).count() == 16);
    }

    /// Emergency numbers are call buttons; /stats explains its withheld cells with the range
    /// its threshold really withholds.
    fn call_buttons_and_the_stats_wording(app) {
        let home = app.get("/").text;
        for n in ["119", "110", "120", "12350"] {
            assert!(home.contains(&format!("<a class=\"call\" href=\"tel:{n}\">拨打 {n}</a>")), "{n}");
        }
        assert!(app.get("/report?urgent=1&lang=en").text.contains("<a class=\"call\" href=\"tel:119\">Call 119</a>"));
        let stats = app.get("/stats?lang=zh-CN").text;
        assert!(stats.contains("表示该格数量在 1 到 4 之间"), "{stats}");
        assert!(app.get("/stats?lang=en").text.contains("means between 1 and 4"));
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 3 <= b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}
