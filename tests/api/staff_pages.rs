//! The staff workspace as pages: sign-in form, queue, case page with its action forms (CSRF
//! required), lists, audit, one's own password and two-step sign-in, and account management.

use crate::helpers::*;
use crate::on_both_backends;

on_both_backends! {
    /// Signing in through the form, working a case through its page, and signing out.
    fn a_case_is_worked_through_the_pages(app) {
        let case = app.new_case("fire_safety");
        app.add_user("fire.officer", "officer", Some("fire"), None);
        let b = Browser::new(&app);
        assert_eq!(b.get("/staff").0, 303, "signed out: to the sign-in page");
        let (status, html, _) = b.sign_in("fire.officer", "wrong password!!", "");
        assert_eq!(status, 401);
        assert!(html.contains("value=\"fire.officer\"") && html.contains("用户名或密码不正确"));
        let (status, _, to) = b.sign_in("fire.officer", PASSWORD, "");
        assert_eq!((status, to.as_deref()), (303, Some("/staff")));
        let (status, queue) = b.get("/staff");
        assert_eq!(status, 200);
        assert!(queue.contains(&case));
        let (status, page) = b.get(&format!("/staff/tips/{case}"));
        assert_eq!(status, 200);
        for s in ["受理", "不予受理", "标记为重复举报", "后厨堆放了七八个液化气瓶", "受理期限"] {
            assert!(page.contains(s), "{s}");
        }
        assert!(!page.contains("value=\"close\""), "an officer has no close button");
        let csrf = b.csrf(&format!("/staff/tips/{case}"));
        let (status, _, _) = b.post(&format!("/staff/tips/{case}/act"), &[("action", "accept"), ("csrf", "forged")]);
        assert_eq!(status, 403);
        let (status, _, to) = b.post(&format!("/staff/tips/{case}/act"), &[("action", "accept"), ("csrf", &csrf), ("note", "现场核实")]);
        assert_eq!((status, to), (303, Some(format!("/staff/tips/{case}?done=accept"))));
        let (_, page) = b.get(&format!("/staff/tips/{case}?done=accept"));
        assert!(page.contains("已完成：受理") && page.contains("现场核实"));
        // The history says where the tip went in words, not in codes.
        assert!(page.contains("主办："), "{page}");
        assert!(!page.contains("lead=") && !page.contains(">web<"), "no internal codes in the history");
        // A refused action keeps what was typed.
        b.post(&format!("/staff/tips/{case}/act"), &[("action", "start_verification"), ("csrf", &csrf)]);
        // The finding is required: refused beside its field, in words, with what was typed kept.
        let (status, page, _) = b.post(&format!("/staff/tips/{case}/act"), &[("action", "substantiate"), ("csrf", &csrf), ("note", "内部：负责人在场")]);
        assert_eq!(status, 422);
        assert!(page.contains(r#"<span class="error-text" id="finding-substantiate-error">此项必填。</span>"#), "{page}");
        assert!(page.contains(r#"aria-describedby="finding-substantiate-hint finding-substantiate-error""#), "{page}");
        assert!(page.contains(">内部：负责人在场</textarea>") && !page.contains(">finding<"), "{page}");
        b.post(&format!("/staff/tips/{case}/act"), &[("action", "substantiate"), ("csrf", &csrf), ("finding", FINDING)]);
        let (status, page, _) = b.post(&format!("/staff/tips/{case}/act"), &[("action", "order_rectification"), ("csrf", &csrf), ("measures", "更换防火门"), ("deadline", "")]);
        assert_eq!(status, 422);
        assert!(page.contains(">更换防火门</textarea>"));
        let (status, _, _) = b.post(&format!("/staff/tips/{case}/message"), &[("csrf", &csrf), ("body", "请问是哪一层？")]);
        assert_eq!(status, 303);
        let (status, _, to) = b.post("/staff/logout", &[("csrf", &csrf)]);
        assert_eq!((status, to.as_deref()), (303, Some("/staff/login")));
        assert_eq!(b.get("/staff").0, 303);
    }

    /// Another unit's case page answers 404; lists and the audit page follow the roles.
    fn pages_follow_unit_and_role(app) {
        let gas = app.new_case("gas");
        app.add_user("fire.officer", "officer", Some("fire"), None);
        app.add_user("insp", "inspector", None, None);
        let b = Browser::new(&app);
        b.sign_in("fire.officer", PASSWORD, "");
        assert_eq!(b.get(&format!("/staff/tips/{gas}")).0, 404);
        assert_eq!(b.get("/staff/audit").0, 403);
        assert_eq!(b.get("/staff/users").0, 403);
        assert_eq!(b.get("/staff/lists/hazards").0, 200);
        let i = Browser::new(&app);
        i.sign_in("insp", PASSWORD, "");
        let (status, audit) = i.get("/staff/audit");
        assert_eq!(status, 200);
        assert!(audit.contains("校验哈希链") && !audit.contains("哈希链校验通过"), "verified only on request");
        let (_, audit) = i.get("/staff/audit?verify=true");
        assert!(audit.contains("哈希链校验通过"));
        let (_, page) = i.get(&format!("/staff/tips/{gas}"));
        assert!(!page.contains("action\" value=\"accept\""), "inspectors only read");
        assert!(i.get("/staff?lang=en").1.contains("Cases"));
    }

    /// Finance lands on the reward page and is offered no page it may not open.
    fn finance_signs_in_to_the_reward_page(app) {
        app.add_user("finance1", "finance", None, None);
        let b = Browser::new(&app);
        let (status, _, to) = b.sign_in("finance1", PASSWORD, "");
        assert_eq!((status, to.as_deref()), (303, Some("/finance")));
        let (status, page) = b.get("/finance");
        assert_eq!(status, 200);
        assert!(!page.contains("href=\"/staff/lists/hazards\"") && !page.contains(">待办案件<"), "{page}");
        assert_eq!(b.get("/staff").0, 403);
        assert_eq!(b.get("/staff/lists/hazards").0, 403);
        // A page path that is not one answers the page's 404, not the API's JSON.
        let csrf = b.csrf("/finance");
        let (status, page, _) = b.post("/finance/rewards/abc/decision", &[("csrf", &csrf), ("decision", "approve")]);
        assert_eq!(status, 404);
        assert!(page.contains("页面不存在"), "{page}");
    }

    /// Every state-changing staff page checks the form's CSRF token before anything else runs.
    fn every_staff_form_refuses_a_forged_token(app) {
        let case = app.new_case("fire_safety");
        app.add_user("boss", "coordinator", None, None);
        app.add_user("fire.officer", "officer", Some("fire"), None);
        let b = Browser::new(&app);
        b.sign_in("boss", PASSWORD, "");
        let before = b.get(&format!("/staff/tips/{case}")).1;
        for path in [
            "/staff/logout".to_owned(),
            format!("/staff/tips/{case}/act"),
            format!("/staff/tips/{case}/message"),
            format!("/staff/tips/{case}/identity"),
            format!("/staff/tips/{case}/reward"),
            format!("/staff/tips/{case}/exposure"),
            format!("/staff/tips/{case}/exposure/withdraw"),
            "/staff/account/password".to_owned(),
            "/staff/account/totp".to_owned(),
            "/staff/account/totp/confirm".to_owned(),
            "/staff/users".to_owned(),
            "/staff/users/fire.officer/active".to_owned(),
            "/staff/users/fire.officer/password".to_owned(),
        ] {
            let (status, page, _) = b.post(&path, &[("csrf", "forged"), ("action", "accept"), ("body", "x"), ("active", "false")]);
            assert_eq!(status, 403, "{path}");
            assert!(page.contains("页面已过期，请刷新后重试"), "{path}: {page}");
        }
        let (status, after) = b.get(&format!("/staff/tips/{case}"));
        assert_eq!(status, 200, "still signed in: the forged sign-out did nothing");
        assert_eq!(before.matches("<tr").count(), after.matches("<tr").count(), "nothing was recorded");
    }

    /// A valid token does not stand in for the role: supervision reads, finance pays; neither
    /// acts on a case, writes to a reporter or proposes a reward, and nothing is recorded.
    fn a_valid_token_with_the_wrong_role_changes_nothing(app) {
        let case = app.new_case("fire_safety");
        app.add_user("insp", "inspector", None, None);
        app.add_user("fin", "finance", None, None);
        let i = Browser::new(&app);
        i.sign_in("insp", PASSWORD, "");
        let before = i.get(&format!("/staff/tips/{case}")).1;
        let csrf = i.csrf(&format!("/staff/tips/{case}"));
        for (path, fields) in [
            (format!("/staff/tips/{case}/act"), vec![("action", "accept")]),
            (format!("/staff/tips/{case}/message"), vec![("body", "请问具体位置？")]),
            (format!("/staff/tips/{case}/reward"), vec![("basis", "general_hazard")]),
            ("/staff/users".to_owned(), vec![("username", "x.y"), ("role", "officer")]),
        ] {
            let mut form = fields.clone();
            form.push(("csrf", &csrf));
            assert_eq!(i.post(&path, &form).0, 403, "{path}");
        }
        let after = i.get(&format!("/staff/tips/{case}")).1;
        assert_eq!(before.matches("<tr").count(), after.matches("<tr").count(), "nothing was recorded");
        let f = Browser::new(&app);
        f.sign_in("fin", PASSWORD, "");
        let csrf = f.csrf("/finance");
        for path in ["/finance/rewards/1/decision", "/finance/rewards/1/payout"] {
            assert_eq!(f.post(path, &[("csrf", "forged"), ("decision", "approve")]).0, 403, "{path}");
        }
        let (status, _, _) = f.post(&format!("/staff/tips/{case}/act"), &[("csrf", &csrf), ("action", "accept")]);
        assert_eq!(status, 403, "finance does not work cases");
    }

    /// Own password change ends other sessions; two-step sign-in is enrolled and then required.
    fn own_password_and_two_step_sign_in(app) {
        app.add_user("fire.head", "head", Some("fire"), None);
        let b = Browser::new(&app);
        b.sign_in("fire.head", PASSWORD, "");
        let other = Browser::new(&app);
        other.sign_in("fire.head", PASSWORD, "");
        let csrf = b.csrf("/staff/account");
        let (status, page, _) = b.post("/staff/account/password", &[("csrf", &csrf), ("old_password", "nope nope nope"), ("new_password", "a brand new passphrase")]);
        assert_eq!(status, 422);
        assert!(page.contains("原密码不正确"));
        let (status, _, _) = b.post("/staff/account/password", &[("csrf", &csrf), ("old_password", PASSWORD), ("new_password", "a brand new passphrase")]);
        assert_eq!(status, 200);
        assert_eq!(other.get("/staff").0, 303, "the other session ended");
        assert_eq!(b.get("/staff").0, 200, "this one goes on");

        let (_, page, _) = b.post("/staff/account/totp", &[("csrf", &csrf)]);
        let secret = page.split("class=\"receipt\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
        let key = base32_decode(&secret);
        let now = app.now().timestamp() as u64;
        let code = format!("{:06}", tipline::domain::totp::code(&key, now / 30));
        let (status, _, _) = b.post("/staff/account/totp/confirm", &[("csrf", &csrf), ("code", "000000")]);
        assert!(status == 422 || code == "000000");
        let (status, page, _) = b.post("/staff/account/totp/confirm", &[("csrf", &csrf), ("code", &code)]);
        assert_eq!(status, 200, "{page}");
        let fresh = Browser::new(&app);
        assert_eq!(fresh.sign_in("fire.head", "a brand new passphrase", "").0, 401, "the code is now required");
        assert_eq!(fresh.sign_in("fire.head", "a brand new passphrase", &code).0, 401, "a code works once");
        let next = format!("{:06}", tipline::domain::totp::code(&key, now / 30 + 1));
        assert_eq!(fresh.sign_in("fire.head", "a brand new passphrase", &next).0, 303);
        let csrf = fresh.csrf("/staff/account");
        assert_eq!(fresh.post("/staff/account/totp", &[("csrf", &csrf)]).0, 409, "no re-enrolment from a session alone");
    }

    /// The coordinator creates, deactivates and resets accounts from the pages.
    fn the_coordinator_manages_accounts(app) {
        app.add_user("coord", "coordinator", None, None);
        let b = Browser::new(&app);
        b.sign_in("coord", PASSWORD, "");
        let csrf = b.csrf("/staff/users");
        let (status, page, _) = b.post("/staff/users", &[("csrf", &csrf), ("username", "new.officer"), ("role", "officer"), ("unit", ""), ("password", "long enough passphrase")]);
        assert_eq!(status, 422);
        assert!(page.contains("value=\"new.officer\""), "typed values stay");
        let (status, _, _) = b.post("/staff/users", &[("csrf", &csrf), ("username", "new.officer"), ("role", "officer"), ("unit", "market"), ("password", "long enough passphrase")]);
        assert_eq!(status, 200);
        let n = Browser::new(&app);
        assert_eq!(n.sign_in("new.officer", "long enough passphrase", "").0, 303);
        b.post("/staff/users/new.officer/active", &[("csrf", &csrf), ("active", "false")]);
        assert_eq!(n.get("/staff").0, 303, "deactivation ends the session");
        assert_eq!(Browser::new(&app).sign_in("new.officer", "long enough passphrase", "").0, 401);
        b.post("/staff/users/new.officer/active", &[("csrf", &csrf), ("active", "true")]);
        b.post("/staff/users/new.officer/password", &[("csrf", &csrf), ("password", "reset by the office")]);
        assert_eq!(Browser::new(&app).sign_in("new.officer", "reset by the office", "").0, 303);
        let actions: Vec<String> = app.services.db.read().map(|mut c| tipline::db::audit::all(&mut c).unwrap().into_iter().map(|r| r.action).collect()).unwrap();
        for a in ["create_user", "deactivate_user", "activate_user", "reset_password"] {
            assert!(actions.iter().any(|x| x == a), "{a} audited");
        }
    }
}

fn base32_decode(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut buffer, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for c in s.bytes() {
        let v = ALPHABET.iter().position(|a| *a == c).unwrap() as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buffer >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    out
}

on_both_backends! {
    /// The coordinator publishes a substantiated major hazard on the public exposure list, in
    /// words written for the public, and withdraws it with a reason; both are audited.
    fn a_major_hazard_is_published_and_withdrawn(app) {
        use serde_json::json;
        let case = app.new_case("fire_safety");
        let mut general = anonymous_tip("fire_safety");
        general["severity"] = json!("general");
        let general = app.submit(&general)["case_number"].as_str().unwrap().to_owned();
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        for c in [&case, &general] {
            officer.steps(c, &["accept", "start_verification", "substantiate"]);
        }
        app.add_user("coord", "coordinator", None, None);
        let b = Browser::new(&app);
        b.sign_in("coord", PASSWORD, "");
        let page = format!("/staff/tips/{case}");
        let (_, html) = b.get(&page);
        assert!(html.contains("id=\"exposure\""), "the coordinator is offered the form");
        assert!(html.contains("value=\"某某海鲜酒楼\""), "the business as reported, to edit");
        let csrf = b.csrf(&page);
        let path = format!("/staff/tips/{case}/exposure");
        let (status, html, _) = b.post(&path, &[("csrf", &csrf), ("enterprise", "某某海鲜酒楼"), ("location", "江头街道江头北路"), ("finding", "太短")]);
        assert_eq!(status, 422);
        assert!(html.contains("value=\"江头街道江头北路\""), "what was typed stays");
        let finding = "地下室违规存放液化石油气钢瓶八只，无通风和燃气泄漏报警装置。";
        let (status, _, to) = b.post(&path, &[("csrf", &csrf), ("enterprise", "某某海鲜酒楼"), ("location", "江头街道江头北路"), ("finding", finding)]);
        assert_eq!(status, 303);
        assert_eq!(to.as_deref(), Some(format!("/staff/tips/{case}?done=exposure_published").as_str()));
        let (status, html, _) = b.post(&path, &[("csrf", &csrf), ("enterprise", "某某海鲜酒楼"), ("location", "江头街道江头北路"), ("finding", finding)]);
        assert_eq!(status, 409);
        assert!(html.contains("该案件已经公开曝光"));
        // A general hazard is not for the list.
        let (status, html, _) = b.post(&format!("/staff/tips/{general}/exposure"), &[("csrf", &csrf), ("enterprise", "某某海鲜酒楼"), ("location", "江头街道"), ("finding", finding)]);
        assert_eq!(status, 409);
        assert!(html.contains("只有经核查属实的重大事故隐患才能公开曝光"));

        let public = app.get("/exposures");
        assert_eq!(public.status, 200);
        assert!(public.text.contains("某某海鲜酒楼") && public.text.contains(finding));
        assert!(public.text.contains("尚未整改完成"));
        for leak in [case.as_str(), "后厨堆放了七八个液化气瓶", "江头北路216号"] {
            assert!(!public.text.contains(leak), "{leak} on the public list");
        }
        // An officer may not publish or withdraw.
        app.add_user("fire.officer2", "officer", Some("fire"), None);
        let o = Browser::new(&app);
        o.sign_in("fire.officer2", PASSWORD, "");
        let ocsrf = o.csrf(&page);
        assert_eq!(o.post(&format!("{path}/withdraw"), &[("csrf", &ocsrf), ("reason", "不想公开")]).0, 403);

        // Rectified: the list says so.
        assert_eq!(officer.act(&case, json!({"action": "order_rectification", "responsible_party": "某某海鲜酒楼", "measures": "钢瓶移出", "deadline": "2099-01-01"})).status, 200);
        assert_eq!(officer.act(&case, json!({"action": "confirm_rectified"})).status, 200);
        assert!(app.get("/exposures?lang=en").text.contains("Yes, confirmed"));

        // Withdrawing needs a reason, and takes the entry off the list.
        assert_eq!(b.post(&format!("{path}/withdraw"), &[("csrf", &csrf), ("reason", "")]).0, 422);
        assert_eq!(b.post(&format!("{path}/withdraw"), &[("csrf", &csrf), ("reason", "企业行政复议，暂撤回")]).0, 303);
        assert!(!app.get("/exposures").text.contains("某某海鲜酒楼"));
        let (_, html) = b.get(&page);
        assert!(html.contains("企业行政复议，暂撤回"));
        let coord = app.staff("coord2", "coordinator", None);
        let audit = coord.get("/api/v1/staff/audit");
        let actions: Vec<(String, String)> = audit.json["entries"].as_array().unwrap().iter()
            .filter(|e| e["case_number"] == json!(case))
            .map(|e| (e["action"].as_str().unwrap().to_owned(), e["actor"].as_str().unwrap().to_owned()))
            .collect();
        assert!(actions.contains(&("exposure_published".into(), "coord".into())), "{actions:?}");
        assert!(actions.contains(&("exposure_withdrawn".into(), "coord".into())), "{actions:?}");
    }
}
