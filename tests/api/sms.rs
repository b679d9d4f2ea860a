//! Text messages (SMS) end to end through the outbox: reporters who gave a phone hear of news, of
//! an approved reward and of the end of its claim period, with nothing of the case in the text;
//! staff who opted in hear of overdue escalations; each gateway (a local fake that checks the
//! vendor's signature) receives what was queued, once, retried after failures and shown to the
//! coordinator while it keeps failing; a number gets no more than its daily texts, whichever
//! instance sends them; without a provider texts are files.

use crate::helpers::*;
use crate::on_both_backends;
use crate::sms_gateway::{Gateway, Vendor};
use diesel::prelude::*;
use serde_json::json;

/// (kind, text) of every queued text, oldest first.
fn texts(app: &TestApp) -> Vec<(String, String)> {
    use tipline::db::schema::outbox::dsl as o;
    let mut c = app.services.db.read().unwrap();
    o::outbox
        .filter(o::channel.eq("sms"))
        .order(o::id.asc())
        .select((o::subject, o::body))
        .load(&mut **c)
        .unwrap()
}

fn with_gateway(backend: Backend, gw: &Gateway, extra: &[(&str, &str)]) -> TestApp {
    let mut settings = gw.settings();
    settings.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    TestApp::spawn_with(backend, move |mut f| {
        for (k, v) in settings {
            f = f.merge((k, v));
        }
        f
    })
}

const PHONE: &str = "13900002222";

/// An identified tip with a phone (and no email); its case number.
fn identified_case(app: &TestApp) -> String {
    let mut tip = identified_tip("钱先生", PHONE, "");
    tip["reporter"].as_object_mut().unwrap().remove("email");
    app.submit(&tip)["case_number"].as_str().unwrap().to_owned()
}

fn news_reaches_the_gateway(backend: Backend, vendor: Vendor) {
    let gw = Gateway::start(vendor);
    let app = with_gateway(backend, &gw, &[]);
    let case = identified_case(&app);
    let officer = app.staff("fire.officer", "officer", Some("fire"));
    officer.post(
        &format!("/api/v1/staff/tips/{case}/messages"),
        &json!({"body": "请问消防通道堵了多久？"}),
    );
    officer.act(&case, json!({"action": "accept"}));
    // Two pieces of news before delivery say the same: one text.
    let queued = texts(&app);
    assert_eq!(queued.len(), 1, "{queued:?}");
    let (kind, text) = &queued[0];
    assert_eq!(kind, "news");
    assert!(
        text.contains("有新进展，请凭回执码查询") && text.contains("/track"),
        "{text}"
    );
    for leak in [case.as_str(), "消防通道", "钱先生", PHONE, "液化气", "江头"] {
        assert!(!text.contains(leak), "{leak} in the text");
    }
    let delivered = app.services.deliver_mail().unwrap();
    assert!(delivered >= 1);
    let sent = gw.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        gw.bad_signatures.load(std::sync::atomic::Ordering::SeqCst),
        0
    );
    let s = &sent[0];
    assert_eq!(s.template, "SMS_NEWS");
    assert_eq!(s.sign_name, "湖里区应急管理局");
    let site = format!("{}/track", app.services.public_url.trim_end_matches('/'));
    match vendor {
        Vendor::Aliyun => {
            assert_eq!(s.phone, PHONE);
            assert_eq!(s.params, json!({"site": site}));
        }
        Vendor::Tencent => {
            assert_eq!(s.phone, format!("+86{PHONE}"));
            assert_eq!(s.params, json!([site]));
        }
    }
    // Sent once; the next piece of news is a new text.
    assert_eq!(app.services.deliver_mail().unwrap(), 0);
    officer.post(
        &format!("/api/v1/staff/tips/{case}/messages"),
        &json!({"body": "已受理，请保持电话畅通。"}),
    );
    app.services.deliver_mail().unwrap();
    assert_eq!(gw.sent().len(), 2);
}

on_both_backends! {
    fn news_is_texted_through_alibaba_cloud(backend: Backend) {
        news_reaches_the_gateway(backend, Vendor::Aliyun);
    }

    fn news_is_texted_through_tencent_cloud(backend: Backend) {
        news_reaches_the_gateway(backend, Vendor::Tencent);
    }

    /// A gateway that refuses (or a wrong secret) leaves the text in the outbox, retried with
    /// back-off; after `failing_after` attempts the coordinator sees it on the accounts page
    /// (what and why, never the number); once the gateway answers it goes out, once.
    fn failing_texts_are_retried_and_shown_to_the_coordinator(backend: Backend) {
        let gw = Gateway::start(Vendor::Aliyun);
        gw.refuse_next.store(2, std::sync::atomic::Ordering::SeqCst);
        let app = with_gateway(backend, &gw, &[("sms.failing_after", "2")]);
        let case = identified_case(&app);
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        officer.act(&case, json!({"action": "accept"}));
        let coord = app.staff("coord", "coordinator", None);
        let b = Browser::new(&app);
        b.sign_in("coord", PASSWORD, "");
        assert!(b.get("/staff/users").1.contains("没有多次发送失败的邮件或短信"));
        app.services.deliver_mail().unwrap();
        let failing = || {
            use tipline::db::schema::outbox::dsl as o;
            let mut c = app.services.db.read().unwrap();
            o::outbox
                .filter(o::channel.eq("sms"))
                .select((o::attempts, o::last_error, o::sent_at.is_not_null()))
                .first::<(i32, Option<String>, bool)>(&mut **c)
                .unwrap()
        };
        let (attempts, error, sent) = failing();
        assert_eq!((attempts, sent), (1, false));
        let error = error.unwrap();
        assert!(error.contains("isv.BUSINESS_LIMIT_CONTROL") && !error.contains(PHONE), "{error}");
        // Not before its retry time (two minutes after the first failure).
        app.advance(chrono::Duration::minutes(1));
        app.services.deliver_mail().unwrap();
        assert_eq!(failing().0, 1);
        app.advance(chrono::Duration::minutes(1));
        app.services.deliver_mail().unwrap();
        assert_eq!(failing().0, 2);
        let (_, page) = b.get("/staff/users");
        assert!(page.contains("发送失败的通知") && page.contains("短信") && page.contains("举报人：案件有新进展"), "{page}");
        assert!(page.contains("服务商拒绝发送 (isv.BUSINESS_LIMIT_CONTROL)") && !page.contains(PHONE), "{page}");
        let (_, en) = b.get("/staff/users?lang=en");
        assert!(en.contains("Reporter: news on the case"));
        assert_eq!(coord.get("/api/v1/staff/audit").status, 200);
        app.advance(chrono::Duration::minutes(4));
        app.services.deliver_mail().unwrap();
        let (attempts, _, sent) = failing();
        assert_eq!((attempts, sent), (3, true));
        assert_eq!(gw.sent().len(), 1);
        let (_, page) = b.get("/staff/users");
        // (In English since the page was asked for in English.)
        assert!(page.contains("No mail or text has failed repeatedly"), "{page}");
        // Delivered once.
        app.advance(chrono::Duration::minutes(30));
        app.services.deliver_mail().unwrap();
        assert_eq!(gw.sent().len(), 1);
    }

    /// An instance with the wrong secret is refused by the gateway; nothing counts as sent.
    fn a_wrong_secret_is_refused_by_the_gateway(backend: Backend) {
        let gw = Gateway::start(Vendor::Tencent);
        let app = with_gateway(backend, &gw, &[("sms.access_key_secret", "not-the-secret")]);
        let case = identified_case(&app);
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        officer.act(&case, json!({"action": "accept"}));
        app.services.deliver_mail().unwrap();
        assert_eq!(gw.bad_signatures.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(gw.sent().is_empty());
        use tipline::db::schema::outbox::dsl as o;
        let mut c = app.services.db.read().unwrap();
        let err: Option<String> = o::outbox.filter(o::channel.eq("sms")).select(o::last_error).first(&mut **c).unwrap();
        assert_eq!(err.as_deref(), Some("sms: the gateway refused (AuthFailure.SignatureFailure)"));
    }

    /// A number receives at most `per_recipient_daily` texts a local day; the others wait for
    /// the next day and are not lost.
    /// Under either cryptographic suite: the recipient waits sealed in the outbox and the
    /// per-number counter is keyed (HMAC-SHA-256 or HMAC-SM3).
    fn the_daily_limit_per_number_holds(backend: Backend) {
        for suite in ["standard", "sm"] {
            let gw = Gateway::start(Vendor::Aliyun);
            let app = with_gateway(backend, &gw, &[("sms.per_recipient_daily", "2"), ("crypto_suite", suite)]);
            assert_eq!(app.services.suite.to_string(), suite);
            app.set_now("2026-03-02T09:00:00+08:00");
            let s = &app.services;
            let site = || ("site", "https://jb.example/track".to_owned());
            for kind in [tipline::sms::SmsKind::Reward, tipline::sms::SmsKind::ClaimReminder, tipline::sms::SmsKind::News] {
                s.db.write(|c| s.queue_text(c, PHONE, kind, &[("deadline", "2026-05-01".into()), site()])).unwrap();
            }
            s.db.write(|c| s.queue_text(c, "13700001111", tipline::sms::SmsKind::News, &[site()])).unwrap();
            let raw = app.db.raw_dump();
            assert!(!raw.windows(PHONE.len()).any(|w| w == PHONE.as_bytes()), "the number waits sealed");
            s.deliver_mail().unwrap();
            let to = |n: &str| gw.sent().iter().filter(|m| m.phone == n).count();
            assert_eq!((to(PHONE), to("13700001111")), (2, 1));
            // Later the same day: still two.
            app.set_now("2026-03-02T23:30:00+08:00");
            s.deliver_mail().unwrap();
            assert_eq!(to(PHONE), 2);
            // The next local day the third goes out.
            app.set_now("2026-03-03T00:01:00+08:00");
            s.deliver_mail().unwrap();
            assert_eq!(to(PHONE), 3);
        }
    }

    /// An approved reward is texted with its claim deadline, and seven days before the claim
    /// period ends the reporter is reminded, once.
    fn reward_texts_carry_the_claim_deadline(backend: Backend) {
        let app = TestApp::spawn(backend);
        app.set_now("2026-03-02T09:00:00+08:00");
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let fin1 = app.staff("finance1", "finance", None);
        let case = identified_case(&app);
        officer.steps(&case, &["accept", "start_verification", "substantiate"]);
        let id = officer.post(&format!("/api/v1/staff/tips/{case}/reward"), &json!({"basis": "general_hazard"})).json["id"].as_i64().unwrap();
        let before = texts(&app).len();
        let d = fin1.post(&format!("/api/v1/finance/rewards/{id}/decision"), &json!({"decision": "approve", "note": ""}));
        assert_eq!(d.status, 200, "{}", d.text);
        let deadline = d.json["claim_deadline"].as_str().unwrap().to_owned();
        assert_eq!(deadline, "2026-05-01", "sixty days");
        let new = &texts(&app)[before..];
        assert_eq!(new.len(), 1, "{new:?}");
        assert_eq!(new[0].0, "reward");
        assert!(new[0].1.contains("奖励已核准") && new[0].1.contains("2026-05-01前"), "{}", new[0].1);
        // Eight days before the end: nothing yet; seven days before: one reminder, however often
        // the jobs run.
        app.set_now("2026-04-23T09:00:00+08:00");
        app.services.run_jobs().unwrap();
        assert!(!texts(&app).iter().any(|(k, _)| k == "claim_reminder"));
        app.set_now("2026-04-24T09:00:00+08:00");
        app.services.run_jobs().unwrap();
        app.services.run_jobs().unwrap();
        let reminders: Vec<_> = texts(&app).into_iter().filter(|(k, _)| k == "claim_reminder").collect();
        assert_eq!(reminders.len(), 1, "{reminders:?}");
        assert!(reminders[0].1.contains("2026-05-01截止"));
        // Without a provider the texts are files, the owner's alone.
        app.services.deliver_mail().unwrap();
        let dir = app.data_dir().join("outbox").join("sms");
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
        assert!(files.len() >= 3, "news, reward, reminder: {}", files.len());
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        let all: String = files.iter().map(|f| {
            assert_eq!(mode(&f.path()), 0o600);
            std::fs::read_to_string(f.path()).unwrap()
        }).collect();
        assert!(all.contains(&format!("To: {PHONE}")) && all.contains("SMS_CLAIM") && all.contains("【湖里区应急管理局】"));
        assert!(!all.contains(&case));
    }

    /// Staff opt in on their account page (a bad number comes back as typed, in the page's
    /// language) and are texted when a case of their unit is overdue; those who did not opt in
    /// and other units are not.
    fn staff_who_opt_in_are_texted_of_overdue_cases(backend: Backend) {
        let app = TestApp::spawn(backend);
        app.set_now("2026-03-02T09:00:00+08:00");
        let case = app.new_case("gas");
        app.staff("municipal.officer", "officer", Some("municipal"));
        app.staff("fire.officer", "officer", Some("fire"));
        app.staff("quiet.officer", "officer", Some("municipal"));
        let b = Browser::new(&app);
        b.sign_in("municipal.officer", PASSWORD, "");
        let (status, page) = b.get("/staff/account");
        assert_eq!(status, 200);
        assert!(page.contains("超期短信提醒") && page.contains("未开启"));
        let csrf = b.csrf("/staff/account");
        let (status, page, _) = b.post("/staff/account/sms", &[("csrf", &csrf), ("phone", "12345"), ("alerts", "on")]);
        assert_eq!(status, 422);
        assert!(page.contains("value=\"12345\"") && page.contains("11 位"), "{page}");
        let (status, page, _) = b.post("/staff/account/sms?lang=en", &[("csrf", &csrf), ("phone", ""), ("alerts", "on")]);
        assert_eq!(status, 422);
        assert!(page.contains("This field is required"));
        let (status, page, _) = b.post("/staff/account/sms", &[("csrf", &csrf), ("phone", "137 0000 3333"), ("alerts", "on")]);
        assert_eq!(status, 200, "{page}");
        // (The English page before is remembered in a cookie.)
        assert!(page.contains("On: when a case") && !page.contains("13700003333"), "{page}");
        let other = Browser::new(&app);
        other.sign_in("fire.officer", PASSWORD, "");
        let csrf = other.csrf("/staff/account");
        other.post("/staff/account/sms", &[("csrf", &csrf), ("phone", "13700004444"), ("alerts", "on")]);
        // The gas case (municipal) passes its acceptance limit.
        app.set_now("2026-03-10T09:00:00+08:00");
        let before = texts(&app).len();
        assert_eq!(app.services.run_jobs().unwrap().escalated, 1);
        app.services.run_jobs().unwrap();
        let new = &texts(&app)[before..];
        assert_eq!(new.len(), 1, "{new:?}");
        assert_eq!(new[0].0, "overdue");
        assert!(new[0].1.contains(&case) && new[0].1.contains("已超期"));
        app.services.deliver_mail().unwrap();
        let dir = app.data_dir().join("outbox").join("sms");
        let all: String = std::fs::read_dir(&dir).unwrap().flatten().map(|f| std::fs::read_to_string(f.path()).unwrap()).collect();
        assert!(all.contains("To: 13700003333") && !all.contains("13700004444"));
        // Opting out stops them; the audit log has both. (A week on, the session has ended.)
        b.sign_in("municipal.officer", PASSWORD, "");
        let csrf = b.csrf("/staff/account");
        let (status, page, _) = b.post("/staff/account/sms", &[("csrf", &csrf), ("alerts", "off")]);
        assert_eq!(status, 200);
        assert!(page.contains("Off. Once on, a text goes"));
        let coord = app.staff("coord", "coordinator", None);
        let audit = coord.get("/api/v1/staff/audit").json["entries"].clone();
        let n = audit.as_array().unwrap().iter().filter(|e| e["action"] == "sms_alerts").count();
        assert_eq!(n, 3);
    }
}

/// Two instances on one PostgreSQL drain one outbox: every text goes out once, and a number's
/// daily limit holds across both.
#[test]
#[cfg_attr(
    not(tipline_pg),
    ignore = "needs PostgreSQL: build and run with TIPLINE_TEST_DATABASE_URL set"
)]
fn two_instances_send_each_text_once_within_the_daily_limit() {
    let gw = Gateway::start(Vendor::Tencent);
    let a = with_gateway(Backend::Postgres, &gw, &[("sms.per_recipient_daily", "3")]);
    let mut shared = a.key_settings();
    shared.extend(gw.settings());
    shared.push(("sms.per_recipient_daily".into(), "3".into()));
    let b = a
        .another_instance(shared)
        .expect("the second instance starts");
    let site = || ("site", "https://jb.example/track".to_owned());
    let s = &a.services;
    // Six texts to one number and twenty to twenty others.
    for _ in 0..6 {
        s.db.write(|c| {
            s.queue_text(
                c,
                PHONE,
                tipline::sms::SmsKind::Reward,
                &[("deadline", "2026-05-01".into()), site()],
            )
        })
        .unwrap();
    }
    for i in 0..20 {
        let n = format!("1370000{i:04}");
        s.db.write(|c| s.queue_text(c, &n, tipline::sms::SmsKind::News, &[site()]))
            .unwrap();
    }
    let (sa, sb) = (a.services.clone(), b.services.clone());
    let ta = std::thread::spawn(move || sa.deliver_mail().unwrap());
    let tb = std::thread::spawn(move || sb.deliver_mail().unwrap());
    let delivered = ta.join().unwrap() + tb.join().unwrap();
    let sent = gw.sent();
    assert_eq!(delivered, sent.len());
    assert_eq!(
        sent.iter()
            .filter(|m| m.phone == format!("+86{PHONE}"))
            .count(),
        3,
        "the daily limit across instances"
    );
    let mut others: Vec<_> = sent
        .iter()
        .filter(|m| m.phone != format!("+86{PHONE}"))
        .map(|m| m.phone.clone())
        .collect();
    others.sort();
    others.dedup();
    assert_eq!(others.len(), 20);
    assert_eq!(sent.len(), 23, "each once");
    assert_eq!(
        gw.bad_signatures.load(std::sync::atomic::Ordering::SeqCst),
        0
    );
}
