//! The reporter's pages over HTTP: the form round trip with and without photos, refused forms
//! that keep what was typed, photo metadata gone from what is stored, the follow-up page, the
//! languages, the 429 page and page weight.

use crate::helpers::*;
use crate::on_both_backends;

fn stored_photos(app: &TestApp, case: &str) -> Vec<(String, Vec<u8>)> {
    let mut conn = app.services.db.read().unwrap();
    let tip = tipline::db::tips::find_by_case_number(&mut conn, case)
        .unwrap()
        .unwrap();
    tipline::db::tips::attachments_of(&mut conn, tip.id)
        .unwrap()
        .into_iter()
        .map(|a| {
            (
                a.content_type,
                tipline::db::tips::attachment_data(&mut conn, tip.id, a.id)
                    .unwrap()
                    .unwrap()
                    .1,
            )
        })
        .collect()
}

fn tip_count(app: &TestApp) -> i64 {
    tipline::db::tips::count(&mut app.services.db.read().unwrap()).unwrap()
}

fn contains(h: &[u8], n: &str) -> bool {
    h.windows(n.len()).any(|w| w == n.as_bytes())
}

on_both_backends! {
    /// The landing page says what to report, how anonymity works, and leads to both pages.
    fn the_landing_page_explains_and_leads_on(app) {
        let a = app.get("/");
        assert_eq!(a.status, 200);
        assert!(a.content_type.as_deref().unwrap().starts_with("text/html"));
        for s in ["href=\"/report\"", "href=\"/track\"", "tel:119", "tel:110", "tel:120", "tel:12350", "匿名", "lang=\"zh-CN\""] {
            assert!(a.text.contains(s), "{s}");
        }
        let en = app.get("/?lang=en");
        assert!(en.text.contains("Anonymous means anonymous"));
        assert!(en.text.contains("lang=\"en\""));
    }

    /// `?lang=en` is remembered in a cookie; Accept-Language works without one; Chinese is the default.
    fn the_language_follows_query_cookie_and_header(app) {
        assert!(app.get("/report").text.contains("举报安全隐患"));
        assert!(app.get_lang("/report", "en-US,en;q=0.9").text.contains("Report a safety hazard"));
        assert!(app.get("/report?lang=en").text.contains("Report a safety hazard"));
        // The agent keeps cookies: the choice sticks without the query string.
        assert!(app.get("/track").text.contains("Follow up on a report"));
        assert!(app.get("/track?lang=zh-CN").text.contains("查询举报进展"));
        assert!(app.get("/track").text.contains("查询举报进展"));
    }

    /// A report sent from the form without photos gets the receipt page, and the receipt
    /// then opens the follow-up page, where the reporter can reply.
    fn the_form_round_trip_works_without_photos(app) {
        let a = app.post_form("/report", &valid_report_fields(), &[]);
        assert_eq!(a.status, 200, "{}", a.text);
        let case = element_text(&a.text, "case-number").unwrap();
        let receipt = element_text(&a.text, "receipt").unwrap();
        assert!(case.starts_with("HL-"), "{case}");
        assert_eq!(receipt.len(), 19, "{receipt}");
        assert!(a.text.contains("区消防救援大队"));
        assert!(a.text.contains("download=\"receipt-"));

        let t = app.post_urlencoded("/track", &[("receipt", &receipt.replace(' ', ""))]);
        assert_eq!(t.status, 200, "{}", t.text);
        assert_eq!(element_text(&t.text, "case-number").as_deref(), Some(case.as_str()));
        assert!(element_text(&t.text, "status").unwrap().contains("等待受理"));

        let r = app.post_urlencoded("/track", &[("receipt", &receipt), ("action", "reply"), ("body", "补充一下：晚上九点以后也锁着。")]);
        assert_eq!(r.status, 200);
        assert!(r.text.contains("补充一下：晚上九点以后也锁着。"));
        let api = app.post_json("/api/v1/track", &serde_json::json!({"receipt": receipt}));
        assert_eq!(api.json["messages"][0]["body"], "补充一下：晚上九点以后也锁着。");
        assert_eq!(api.json["messages"][0]["from"], "reporter");
    }

    /// Photos from a phone camera are stored without any of what the camera wrote about the
    /// device or the place, in the database, and still as the same picture type.
    fn photos_are_stored_without_metadata(app) {
        let files = vec![
            ("photos", "IMG_2041.jpg", "image/jpeg", fixture("cam.jpg")),
            ("photos", "IMG_2042.jpg", "image/jpeg", fixture("cam-progressive.jpg")),
            ("photos", "screen.png", "image/png", fixture("cam.png")),
            ("photos", "photo.webp", "image/webp", fixture("cam.webp")),
        ];
        let a = app.post_form("/report", &valid_report_fields(), &files);
        assert_eq!(a.status, 200, "{}", a.text);
        let case = element_text(&a.text, "case-number").unwrap();
        let stored = stored_photos(&app, &case);
        let types: Vec<&str> = stored.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(types, ["image/jpeg", "image/jpeg", "image/png", "image/webp"]);
        for (ct, bytes) in &stored {
            for secret in ["SERIAL", "CAMERAMODEL", "HUAWEI", "XIAOMI", "OPPO", "OWNERNAME", "ARTISTNAME", "XMPPHONEMODEL", "IPTCBYLINE", "JPEGCOMMENT", "PNGAUTHOR", "PNGTEXTCOMMENT", "ICCDEVICESERIAL", "TRAILERSERIAL", "xmpmeta"] {
                assert!(!contains(bytes, secret), "{ct} still holds {secret}");
            }
        }
        // And nowhere else in the database either.
        let raw = app.db.raw_dump();
        assert!(!contains(&raw, "BODYSERIAL998877"));
    }

    /// A refused form comes back (422) with every typed value in place, each error next to
    /// its field and summarised at the top, and nothing stored.
    fn a_refused_form_keeps_everything_typed(app) {
        let fields = vec![
            ("sector", "gas"),
            ("street", "heshan"),
            ("address", "禾山路 1 号"),
            ("enterprise", "某某餐厅 <b>&\"'"),
            ("description", "太短了"),
            ("severity", "major"),
            ("observed_at", "2026-11-20T08:15"),
            ("reporter_name", "陈小姐"),
            ("reporter_phone", "12345"),
            ("reporter_email", "chen@example.com"),
            ("wants_reward", "on"),
        ];
        let a = app.post_form("/report", &fields, &[]);
        assert_eq!(a.status, 422);
        let h = &a.text;
        let gas = h.split("<option value=\"gas\"").nth(1).unwrap().split('>').next().unwrap();
        assert!(gas.ends_with(" selected"), "the chosen sector stays chosen: {gas}");
        let heshan = h.split("<option value=\"heshan\"").nth(1).unwrap().split('>').next().unwrap();
        assert!(heshan.ends_with(" selected"));
        for kept in ["value=\"禾山路 1 号\"", ">太短了</textarea>", "value=\"2026-11-20T08:15\"", "value=\"陈小姐\"", "value=\"12345\"", "value=\"chen@example.com\"", "value=\"某某餐厅 &lt;b&gt;&amp;&quot;&#39;\""] {
            assert!(h.contains(kept), "{kept} not kept");
        }
        assert!(h.contains("value=\"major\" checked"));
        assert!(h.contains("name=\"wants_reward\" value=\"on\" checked"));
        assert!(!h.contains("name=\"anonymous\" value=\"on\" checked"));
        assert!(h.contains("id=\"description-error\">至少需要 10 个字。"));
        assert!(h.contains("id=\"reporter_phone-error\">请填写 11 位中国大陆手机号码。"));
        assert!(h.contains("role=\"alert\"") && h.contains("href=\"#description\""));
        assert_eq!(tip_count(&app), 0);

        let (ct, body) = multipart(&fields, &[]);
        let en = app.post_raw("/report?lang=en", &ct, body);
        assert_eq!(en.status, 422);
        assert!(en.text.contains("At least 10 characters."));
    }

    /// A photo of a type that is not allowed answers 415 with the form re-rendered; too many
    /// photos and a broken photo answer 422; nothing is stored.
    fn photo_problems_come_back_on_the_form(app) {
        let svg = ("photos", "x.jpg", "image/jpeg", b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec());
        let a = app.post_form("/report", &valid_report_fields(), &[svg]);
        assert_eq!(a.status, 415);
        assert!(a.text.contains("id=\"photos-error\">只能上传 JPG、PNG 或 WebP 格式的照片。"));
        assert!(a.text.contains("value=\"金山路 99 号某某商场三楼\""));

        let six: Vec<_> = (0..6).map(|i| ("photos", if i == 0 { "a.jpg" } else { "b.jpg" }, "image/jpeg", fixture("cam.jpg"))).collect();
        let b = app.post_form("/report", &valid_report_fields(), &six);
        assert_eq!(b.status, 422);
        assert!(b.text.contains("最多只能上传 5 张照片。"));
        assert!(b.text.contains("已保留您选择的 5 张照片"), "the first five are kept");

        let mut broken = fixture("cam.jpg");
        broken.truncate(400);
        let c = app.post_form("/report", &valid_report_fields(), &[("photos", "c.jpg", "image/jpeg", broken)]);
        assert_eq!(c.status, 422);
        assert!(c.text.contains("这张照片已损坏"));
        assert_eq!(tip_count(&app), 0);

        // An empty file input (no photo chosen) is no photo at all.
        let d = app.post_form("/report", &valid_report_fields(), &[("photos", "", "application/octet-stream", Vec::new())]);
        assert_eq!(d.status, 200, "{}", d.text);
    }

    /// A wrong receipt gets the follow-up form again, with what was typed and a clear message.
    fn a_wrong_receipt_gets_the_form_again(app) {
        let a = app.post_urlencoded("/track", &[("receipt", "1234 5678 9012 3456")]);
        assert_eq!(a.status, 404);
        assert!(a.text.contains("value=\"1234 5678 9012 3456\""));
        assert!(a.text.contains("没有找到与该回执码对应的举报"));
        let b = app.post_urlencoded("/track", &[("receipt", "not digits")]);
        assert_eq!(b.status, 404);
        assert!(b.text.contains("没有找到与该回执码对应的举报"));
    }

    /// An empty or overlong reply is refused next to the box, keeping the text.
    fn a_bad_reply_keeps_the_text(app) {
        let a = app.post_form("/report", &valid_report_fields(), &[]);
        let receipt = element_text(&a.text, "receipt").unwrap();
        let r = app.post_urlencoded("/track", &[("receipt", &receipt), ("action", "reply"), ("body", "   ")]);
        assert_eq!(r.status, 422);
        assert!(r.text.contains("id=\"body-error\""));
        let long = "长".repeat(2001);
        let r = app.post_urlencoded("/track", &[("receipt", &receipt), ("action", "reply"), ("body", &long)]);
        assert_eq!(r.status, 422);
        assert!(r.text.contains(&long));
    }

    /// Unknown pages answer a 404 page in the user's language; static files are cacheable.
    fn unknown_pages_and_static_files(app) {
        let a = app.get("/no-such-page");
        assert_eq!(a.status, 404);
        assert!(a.text.contains("页面不存在"));
        let home = app.get("/");
        let css_path = home.text.split("href=\"/static/site.css").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let r = app.agent.get(app.url(&format!("/static/site.css{css_path}"))).call().unwrap();
        assert_eq!(r.headers().get("cache-control").unwrap(), "public, max-age=31536000, immutable");
        assert_eq!(app.get("/static/other.css").status, 404);
    }

    /// Every public page with its stylesheet stays under 30 KB, with nothing from elsewhere.
    fn public_pages_are_light(app) {
        let css = app.get("/static/site.css").text.len();
        for path in ["/", "/report", "/report?lang=en", "/report?urgent=1", "/track"] {
            let page = app.get(path);
            let total = page.text.len() + css;
            assert!(total < 30 * 1024, "{path}: {total} bytes");
            assert!(!page.text.contains("http://") && !page.text.contains("https://"), "{path} loads something from elsewhere");
        }
        let a = app.post_form("/report", &valid_report_fields(), &[]);
        assert!(a.text.len() + css < 30 * 1024);
    }

    /// The urgent path shows the emergency numbers before the form.
    fn the_urgent_choice_shows_emergency_numbers_first(app) {
        let a = app.get("/report?urgent=1");
        let numbers = a.text.find("tel:119").unwrap();
        let form = a.text.find("<form").unwrap();
        assert!(numbers < form);
        assert!(a.text.contains("打完电话后"));
    }

    /// Pages answer with headers that keep receipts out of caches and other sites out of the page.
    fn pages_carry_protective_headers(app) {
        let r = app.agent.get(app.url("/report")).call().unwrap();
        assert_eq!(r.headers().get("cache-control").unwrap(), "no-store");
        assert!(r.headers().get("content-security-policy").unwrap().to_str().unwrap().contains("default-src 'none'"));
        assert_eq!(r.headers().get("x-frame-options").unwrap(), "DENY");
    }
}

on_both_backends! {
    /// Photos sent with a refused form are kept (stripped, under a token in the re-shown form) and
    /// go with the tip when the corrected form is sent, without being chosen again.
    fn refused_form_keeps_photos(app) {
        let mut bad = valid_report_fields();
        bad.retain(|(k, _)| *k != "description");
        bad.push(("description", "短"));
        let files = vec![
            ("photos", "a.jpg", "image/jpeg", fixture("cam.jpg")),
            ("photos", "b.png", "image/png", fixture("cam.png")),
        ];
        let a = app.post_form("/report", &bad, &files);
        assert_eq!(a.status, 422);
        assert!(a.text.contains("已保留您选择的 2 张照片"), "{}", a.text);
        let token = input_value(&a.text, "photo_draft").unwrap();
        assert_eq!(token.len(), 48);

        // Corrected, with one more photo: three photos go with the tip.
        let mut good = valid_report_fields();
        good.push(("photo_draft", &token));
        let b = app.post_form(
            "/report",
            &good,
            &[("photos", "c.webp", "image/webp", fixture("cam.webp"))],
        );
        assert_eq!(b.status, 200, "{}", b.text);
        let case = element_text(&b.text, "case-number").unwrap();
        let types: Vec<String> = stored_photos(&app, &case)
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        assert_eq!(types, ["image/jpeg", "image/png", "image/webp"]);
        // The draft is gone: the same token keeps nothing any more.
        let c = app.post_form(
            "/report",
            &[("photo_draft", token.as_str()), ("description", "短")],
            &[],
        );
        assert!(c.text.contains("之前选择的照片已过期"));

        // Dropping kept photos.
        let d = app.post_form("/report", &bad, &files);
        let token = input_value(&d.text, "photo_draft").unwrap();
        let mut good = valid_report_fields();
        good.push(("photo_draft", &token));
        good.push(("discard_photos", "on"));
        let e = app.post_form("/report", &good, &[]);
        assert_eq!(e.status, 200);
        assert!(stored_photos(&app, &element_text(&e.text, "case-number").unwrap()).is_empty());
    }
}

on_both_backends! {
    /// The form page itself says when it is rate limited (429, Retry-After) and keeps the text.
    fn rate_limited_form_keeps_text(backend: Backend) {
        let app = TestApp::spawn_with(backend, |f| f.merge(("rate_limits", "on")));
        for _ in 0..5 {
            assert_eq!(app.post_form("/report", &valid_report_fields(), &[]).status, 200);
        }
        let a = app.post_form("/report", &valid_report_fields(), &[]);
        assert_eq!(a.status, 429);
        assert!(a.retry_after.is_some());
        assert!(a.text.contains("操作太频繁"));
        assert!(a.text.contains("value=\"金山路 99 号某某商场三楼\""));
        assert_eq!(tip_count(&app), 5);
    }

    /// A form refused for its mistakes does not use up the limit, and the wait is said in
    /// minutes (the header stays in seconds), in both languages.
    fn refused_forms_do_not_count_and_the_wait_is_in_minutes(backend: Backend) {
        let app = TestApp::spawn_with(backend, |f| f.merge(("rate_limits", "on")));
        let mut bad = valid_report_fields();
        bad.retain(|(k, _)| *k != "description");
        for _ in 0..6 {
            assert_eq!(app.post_form("/report", &bad, &[]).status, 422);
        }
        for _ in 0..5 {
            assert_eq!(app.post_form("/report", &valid_report_fields(), &[]).status, 200);
        }
        let a = app.post_form("/report", &valid_report_fields(), &[]);
        assert_eq!(a.status, 429);
        let secs: u64 = a.retry_after.as_deref().unwrap().parse().unwrap();
        let minutes = secs.div_ceil(60);
        assert!(a.text.contains(&format!("请在 {minutes} 分钟后重试")), "{}", a.text);
        let english = valid_report_fields();
        let e = app.post_form("/report?lang=en", &english, &[]);
        assert_eq!(e.status, 429);
        assert!(e.text.contains(&format!("try again in {minutes} minutes")), "{}", e.text);
    }

    /// Past the burst the form carries a challenge for its script; answered, the form is stored
    /// at once (the script's work, done here in Rust); without an answer it is the 429 as before,
    /// with a challenge the script answers and sends the form with.
    fn a_form_past_the_burst_carries_a_proof_of_work(backend: Backend) {
        let app = TestApp::spawn_with(backend, |f| {
            f.merge(("rate_limits", "on")).merge(("proof_of_work.difficulty_bits", 10))
        });
        assert!(!app.get("/report").text.contains("id=\"proof-of-work\""));
        for _ in 0..5 {
            assert_eq!(app.post_form("/report", &valid_report_fields(), &[]).status, 200);
        }
        let form = app.get("/report");
        let challenge = attribute(&form.text, "data-challenge").expect("a challenge");
        assert!(form.text.contains("data-working=\"正在进行一项简短的安全验证"));
        let refused = app.post_form("/report", &valid_report_fields(), &[]);
        assert_eq!(refused.status, 429);
        assert!(refused.text.contains("data-send=\"1\""), "the script sends it once solved");
        assert!(refused.text.contains("value=\"金山路 99 号某某商场三楼\""));
        let solved = format!("{challenge}:{}", tipline::services::proof::solve(&challenge, 10));
        let mut fields = valid_report_fields();
        fields.push(("proof_of_work", &solved));
        let sent = app.post_form("/report", &fields, &[]);
        assert_eq!(sent.status, 200, "{}", sent.text);
        assert!(element_text(&sent.text, "case-number").is_some());
        assert_eq!(tip_count(&app), 6);
    }
}

/// The value of the first attribute `name` in a page.
fn attribute(html: &str, name: &str) -> Option<String> {
    let start = html.find(&format!("{name}=\""))? + name.len() + 2;
    let len = html[start..].find('"')?;
    Some(html[start..start + len].to_owned())
}

/// A multipart body over the limit answers 413.
#[test]
fn an_oversized_upload_answers_413() {
    let app = TestApp::spawn_with(Backend::Sqlite, |f| {
        f.merge(("limits.multipart_bytes", 200_000))
    });
    let big = vec![0xFFu8; 300_000];
    let a = app.post_form(
        "/report",
        &valid_report_fields(),
        &[("photos", "big.jpg", "image/jpeg", big)],
    );
    assert_eq!(a.status, 413);
    assert!(a.text.contains("提交的内容太大"));
}

/// Kept photos of forms never sent again are purged after two hours.
#[test]
fn old_photo_drafts_are_purged() {
    let app = TestApp::spawn(Backend::Sqlite);
    let keep = |token: &str| {
        app.services
            .db
            .write(|conn| -> anyhow::Result<()> {
                let photo = [("image/jpeg", b"x".as_slice())];
                Ok(tipline::db::drafts::save(
                    conn,
                    token,
                    &photo,
                    app.services.now(),
                )?)
            })
            .unwrap()
    };
    keep("old");
    app.advance(chrono::Duration::hours(3));
    keep("fresh");
    assert_eq!(app.services.purge_drafts().unwrap(), 1);
    let mut conn = app.services.db.read().unwrap();
    assert!(
        tipline::db::drafts::load(&mut conn, "old")
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        tipline::db::drafts::load(&mut conn, "fresh").unwrap().len(),
        1
    );
}
