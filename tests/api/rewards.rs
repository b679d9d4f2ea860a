//! Rewards end to end: the worked examples of the policy through the API, eligibility, four eyes
//! on decisions and payouts, an anonymous claim with the receipt, expiry, the ledger and the
//! reporter's view on /track.

use crate::helpers::*;
use crate::on_both_backends;
use crate::on_both_backends_and_suites;
use serde_json::{Value, json};

/// A substantiated case whose reporter asked for a reward: (case number, receipt).
pub(crate) fn verified_case(app: &TestApp, officer: &StaffClient, tip: Value) -> (String, String) {
    let b = app.submit(&tip);
    let case = b["case_number"].as_str().unwrap().to_owned();
    officer.steps(&case, &["accept", "start_verification", "substantiate"]);
    (case, b["receipt"].as_str().unwrap().to_owned())
}

pub(crate) fn fire_tip() -> Value {
    let mut t = anonymous_tip("fire_safety");
    t["wants_reward"] = json!(true);
    t
}

on_both_backends! {
    /// The policy's worked examples come out of the proposal route, with their rule.
    fn proposals_compute_the_worked_examples(app) {
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        for (body, yuan) in [
            (json!({"basis": "major_hazard_fine", "fine_yuan": 100000, "penalty_decision": "厦湖消行罚决字〔2026〕12号"}), 15000.0),
            (json!({"basis": "major_hazard_fine", "fine_yuan": 10000, "penalty_decision": "厦湖消行罚决字〔2026〕13号"}), 3000.0),
            (json!({"basis": "major_hazard_fine", "fine_yuan": 5000000, "penalty_decision": "厦湖消行罚决字〔2026〕14号"}), 300000.0),
            (json!({"basis": "concealed_accident", "deaths_concealed": 2, "accident_grade": "larger"}), 80000.0),
            (json!({"basis": "general_hazard"}), 500.0),
        ] {
            let (case, _) = verified_case(&app, &officer, fire_tip());
            let p = officer.post(&format!("/api/v1/staff/tips/{case}/reward"), &body);
            assert_eq!(p.status, 201, "{}", p.text);
            assert_eq!(p.json["amount_yuan"], yuan, "{body}");
            assert_eq!(p.json["amount_fen"], (yuan * 100.0) as i64);
            assert_eq!(p.json["status"], "proposed");
            assert_eq!(p.json["case_number"], case.as_str());
            assert!(!p.json["rule"].as_str().unwrap().is_empty());
            assert_eq!(officer.post(&format!("/api/v1/staff/tips/{case}/reward"), &body).status, 409, "one active proposal per case");
        }
    }

    /// Only a substantiated case whose reporter asked, and who is not excluded, gets a proposal.
    fn eligibility_is_checked(app) {
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let unverified = app.submit(&fire_tip())["case_number"].as_str().unwrap().to_owned();
        assert_eq!(officer.post(&format!("/api/v1/staff/tips/{unverified}/reward"), &json!({"basis": "general_hazard"})).status, 409);
        let mut no_ask = fire_tip();
        no_ask["wants_reward"] = json!(false);
        let (case, _) = verified_case(&app, &officer, no_ask);
        assert_eq!(officer.post(&format!("/api/v1/staff/tips/{case}/reward"), &json!({"basis": "general_hazard"})).status, 409);
        let mut staff_relative = fire_tip();
        staff_relative["supervision_staff"] = json!(true);
        let (case, _) = verified_case(&app, &officer, staff_relative);
        assert_eq!(officer.post(&format!("/api/v1/staff/tips/{case}/reward"), &json!({"basis": "general_hazard"})).status, 409);
        let (case, _) = verified_case(&app, &officer, fire_tip());
        let x = officer.post(&format!("/api/v1/staff/tips/{case}/reward"), &json!({"exclude": "already_known", "note": "该隐患已在专项检查中发现"}));
        assert_eq!(x.status, 201, "{}", x.text);
        assert_eq!(officer.post(&format!("/api/v1/staff/tips/{case}/reward"), &json!({"basis": "general_hazard"})).status, 409);
        let (case, _) = verified_case(&app, &officer, fire_tip());
        let bad = officer.post(&format!("/api/v1/staff/tips/{case}/reward"), &json!({"basis": "major_hazard_fine"}));
        assert_eq!(bad.status, 422);
        assert!(bad.json["fields"]["fine_yuan"].is_array());
        let fine = json!({"basis": "major_hazard_fine", "fine_yuan": 100000, "penalty_decision": "厦湖应急罚〔2026〕3号"});
        let mut employee = fire_tip();
        employee["employee"] = json!(true);
        let (case, _) = verified_case(&app, &officer, employee);
        let flat = officer.post(&format!("/api/v1/staff/tips/{case}/reward"), &fine);
        assert_eq!(flat.json["amount_yuan"], 15000.0, "no uplift for an anonymous employee: {}", flat.text);
        let mut employee = identified_tip("郑职工", "13900002323", "zheng@example.com");
        employee["wants_reward"] = json!(true);
        employee["employee"] = json!(true);
        let (case, _) = verified_case(&app, &officer, employee);
        let up = officer.post(&format!("/api/v1/staff/tips/{case}/reward"), &fine);
        assert_eq!(up.json["amount_yuan"], 19500.0, "identified employees get the uplift: {}", up.text);
        assert_eq!(app.staff("insp", "inspector", None).post(&format!("/api/v1/staff/tips/{case}/reward"), &json!({"basis": "general_hazard"})).status, 403);
    }

    /// The ledger speaks the request's language: column titles, basis and department names and
    /// the totals lines in Chinese by default and in English with `?lang=en`, never as codes.
    fn the_ledger_is_written_in_the_request_language(app) {
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let fin1 = app.staff("finance1", "finance", None);
        let fin2 = app.staff("finance2", "finance", None);
        let (case, receipt) = verified_case(&app, &officer, fire_tip());
        let id = officer.post(&format!("/api/v1/staff/tips/{case}/reward"), &json!({"basis": "general_hazard"})).json["id"].as_i64().unwrap();
        assert_eq!(fin1.post(&format!("/api/v1/finance/rewards/{id}/decision"), &json!({"decision": "approve", "note": ""})).status, 200);
        let claim = json!({"receipt": receipt, "payee_name": "匿名举报人", "payee_account": "6222021234567890123", "phone": "13900007777", "id_number": "11010519491231002X"});
        assert_eq!(app.post_json("/api/v1/track/reward-claim", &claim).status, 201);
        assert_eq!(fin2.post(&format!("/api/v1/finance/rewards/{id}/payout"), &json!({"reference": "BANK-1"})).status, 200);

        let zh = fin1.get("/api/v1/finance/ledger.csv").text;
        assert!(zh.starts_with("\u{feff}\"案件编号\",\"主管部门\",\"奖励依据\",\"金额（元）\""), "{zh}");
        assert!(zh.contains(&format!("\"{case}\",\"区消防救援大队\",\"一般事故隐患\",\"500.00\"")), "{zh}");
        assert!(zh.contains("\"合计\",\"\",\"\",\"500.00\"\r\n"), "{zh}");
        assert!(zh.contains("\"按部门合计\",\"区消防救援大队\",\"\",\"500.00\""), "{zh}");
        assert!(zh.contains("\"按奖励依据合计\",\"\",\"一般事故隐患\",\"500.00\""), "{zh}");
        assert!(!zh.contains("general_hazard") && !zh.contains("\"fire\""), "no codes: {zh}");

        let en = fin1.get("/api/v1/finance/ledger.csv?lang=en").text;
        assert!(en.starts_with("\u{feff}\"Case\",\"Department\",\"Basis\",\"Amount (yuan)\""), "{en}");
        assert!(en.contains(&format!("\"{case}\",\"Fire and Rescue Brigade\",\"General hazard\",\"500.00\"")), "{en}");
        assert!(en.contains("\"Total\",\"\",\"\",\"500.00\"\r\n"), "{en}");
        assert!(en.contains("\"Total by department\",\"Fire and Rescue Brigade\",\"\",\"500.00\""), "{en}");
        assert!(en.contains("\"Total by basis\",\"\",\"General hazard\",\"500.00\""), "{en}");
    }

    /// Amounts are read as written: decimal text or a JSON number, never through a float, so a
    /// third decimal is refused rather than rounded, and answers carry the exact yuan.
    fn amounts_are_parsed_from_their_text_and_never_rounded(app) {
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let fin1 = app.staff("finance1", "finance", None);
        let (case, _) = verified_case(&app, &officer, fire_tip());
        let url = format!("/api/v1/staff/tips/{case}/reward");
        let bad = officer.post(&url, &json!({"basis": "major_hazard_fine", "fine_yuan": 10000.555, "penalty_decision": "罚〔2026〕5号"}));
        assert_eq!(bad.status, 422, "{}", bad.text);
        assert!(bad.json["fields"]["fine_yuan"].is_array(), "{}", bad.text);
        assert_eq!(officer.post(&url, &json!({"basis": "major_hazard_fine", "fine_yuan": "ten thousand", "penalty_decision": "罚〔2026〕5号"})).status, 422);
        let no_decision = officer.post(&url, &json!({"basis": "major_hazard_fine", "fine_yuan": "100000"}));
        assert_eq!(no_decision.status, 422, "a fine basis needs the decision's number");
        assert!(no_decision.json["fields"]["penalty_decision"].is_array(), "{}", no_decision.text);
        let p = officer.post(&url, &json!({"basis": "major_hazard_fine", "fine_yuan": "100,000.10", "penalty_decision": "罚〔2026〕5号"}));
        assert_eq!(p.status, 201, "{}", p.text);
        assert_eq!(p.json["amount_fen"], 1_500_001, "15% of 100,000.10 yuan, in fen");
        assert!(p.text.contains("\"amount_yuan\":15000.01"), "{}", p.text);
        let id = p.json["id"].as_i64().unwrap();
        let decide = |amount: Value| fin1.post(&format!("/api/v1/finance/rewards/{id}/decision"), &json!({"decision": "approve", "amount_yuan": amount, "note": "核定"}));
        assert_eq!(decide(json!(12000.555)).status, 422, "a third decimal is refused");
        for out_of_bounds in [json!(0), json!(2999.99), json!(300000.01), json!("99,999,999.99")] {
            let r = decide(out_of_bounds.clone());
            assert_eq!(r.status, 422, "{out_of_bounds}: {}", r.text);
            assert!(r.json["fields"]["amount_yuan"].is_array(), "{}", r.text);
        }
        let d = decide(json!(12000.5));
        assert_eq!(d.status, 200, "{}", d.text);
        assert_eq!(d.json["amount_fen"], 1_200_050);
        assert!(d.text.contains("\"amount_yuan\":12000.50"), "{}", d.text);
        assert_eq!(d.json["may_decide"], false, "decided once");
    }

    /// A case found untrue and closed offers no reward form, as the proposal would be refused;
    /// the form shows exactly when the proposal is allowed.
    fn a_case_found_untrue_offers_no_reward_form(app) {
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let head = app.staff("fire.head", "head", Some("fire"));
        let case = app.submit(&fire_tip())["case_number"].as_str().unwrap().to_owned();
        for a in ["accept", "start_verification"] {
            assert_eq!(officer.act(&case, json!({"action": a})).status, 200);
        }
        let u = officer.act(&case, json!({"action": "unsubstantiate", "reason": "现场核查未发现该隐患", "note": "现场核查未发现该隐患", "finding": FINDING}));
        assert_eq!(u.status, 200, "{}", u.text);
        let c = head.act(&case, json!({"action": "close", "reason": "核查不属实，结案"}));
        assert_eq!(c.json["status"], "closed", "{}", c.text);
        let page = officer.get(&format!("/staff/tips/{case}"));
        assert_eq!(page.status, 200);
        assert!(!page.text.contains(&format!("action=\"/staff/tips/{case}/reward\"")), "no reward form on a case found untrue");
        let refused = officer.post(&format!("/api/v1/staff/tips/{case}/reward"), &json!({"basis": "general_hazard"}));
        assert_eq!(refused.status, 409);
        // A case found true shows the form, and the proposal it offers is accepted.
        let (case, _) = verified_case(&app, &officer, fire_tip());
        let page = officer.get(&format!("/staff/tips/{case}"));
        assert!(page.text.contains(&format!("action=\"/staff/tips/{case}/reward\"")));
        assert_eq!(officer.post(&format!("/api/v1/staff/tips/{case}/reward"), &json!({"basis": "general_hazard"})).status, 201);
        let page = officer.get(&format!("/staff/tips/{case}"));
        assert!(!page.text.contains(&format!("action=\"/staff/tips/{case}/reward\"")), "one active reward per case");
    }

    /// An unclaimed reward expires after its claim period, and the reporter sees that.
    fn unclaimed_rewards_expire(app) {
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let fin1 = app.staff("finance1", "finance", None);
        let (case, receipt) = verified_case(&app, &officer, fire_tip());
        let id = officer.post(&format!("/api/v1/staff/tips/{case}/reward"), &json!({"basis": "general_hazard"})).json["id"].as_i64().unwrap();
        fin1.post(&format!("/api/v1/finance/rewards/{id}/decision"), &json!({"decision": "approve", "note": ""}));
        assert_eq!(app.services.expire_rewards().unwrap(), 0);
        // The claim period (60 days) ends; on the 61st day the job expires the reward.
        app.advance(chrono::Duration::days(60));
        app.services.run_jobs().unwrap();
        assert_eq!(app.post_json("/api/v1/track", &json!({"receipt": receipt})).json["reward"]["status"], "approved", "the last day of the period");
        app.advance(chrono::Duration::days(1));
        app.services.run_jobs().unwrap();
        assert_eq!(app.post_json("/api/v1/track", &json!({"receipt": receipt})).json["reward"]["status"], "expired");
        let claim = json!({"receipt": receipt, "payee_name": "王", "payee_account": "6222021234567890", "phone": "13900007777", "id_number": "11010519491231002X"});
        assert_eq!(app.post_json("/api/v1/track/reward-claim", &claim).status, 409);
        // Finance reinstates it for a good reason: a new claim period, audited. (Sixty-one days
        // on, yesterday's sessions have ended: staff sign in again.)
        let officer = app.staff("fire.officer2", "officer", Some("fire"));
        let fin1 = app.staff("finance1b", "finance", None);
        let officer_try = officer.post(&format!("/api/v1/finance/rewards/{id}/reinstate"), &json!({"reason": "x"}));
        assert_eq!(officer_try.status, 403);
        assert_eq!(fin1.post(&format!("/api/v1/finance/rewards/{id}/reinstate"), &json!({"reason": ""})).status, 422);
        let r = fin1.post(&format!("/api/v1/finance/rewards/{id}/reinstate"), &json!({"reason": "举报人住院，未能按期领取"}));
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json["status"], "approved");
        assert_eq!(fin1.post(&format!("/api/v1/finance/rewards/{id}/reinstate"), &json!({"reason": "again"})).status, 409, "only an expired reward");
        assert_eq!(app.post_json("/api/v1/track/reward-claim", &claim).status, 201);
        let coord = app.staff("coord", "coordinator", None);
        let entries = coord.get(&format!("/api/v1/staff/audit?case_number={case}")).json["entries"].clone();
        assert!(entries.as_array().unwrap().iter().any(|e| e["action"] == "reward_reinstate"));
    }

}

on_both_backends! {
    /// A claim left unpaid past `payout_alert_days` (15) is flagged on the finance queue and
    /// mailed to finance once, with nothing of the payee in the mail.
    fn unpaid_claims_are_flagged_and_mailed_once(app) {
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let fin1 = app.staff("finance1", "finance", None);
        let (case, receipt) = verified_case(&app, &officer, fire_tip());
        let id = officer.post(&format!("/api/v1/staff/tips/{case}/reward"), &json!({"basis": "general_hazard"})).json["id"].as_i64().unwrap();
        fin1.post(&format!("/api/v1/finance/rewards/{id}/decision"), &json!({"decision": "approve"}));
        let c = app.post_json("/api/v1/track/reward-claim", &json!({"receipt": receipt, "payee_name": "王", "payee_account": "6222020000555566", "phone": "13900005656", "id_number": "11010519491231002X"}));
        assert_eq!(c.status, 201, "{}", c.text);
        assert_eq!(app.services.alert_unpaid_claims().unwrap(), 0, "not yet");
        app.advance(chrono::Duration::days(15));
        assert_eq!(app.services.alert_unpaid_claims().unwrap(), 0, "the 15th day is still in time");
        app.advance(chrono::Duration::days(1));
        let fin2 = app.staff("finance2", "finance", None);
        let item = fin2.get("/api/v1/finance/rewards?status=claimed").json["items"][0].clone();
        assert_eq!(item["payout_overdue"], true, "{item}");
        assert_eq!(app.services.alert_unpaid_claims().unwrap(), 1);
        assert_eq!(app.services.alert_unpaid_claims().unwrap(), 0, "mailed once");
        let mails = {
            use diesel::prelude::*;
            use tipline::db::schema::outbox::dsl as o;
            let mut c = app.services.db.read().unwrap();
            o::outbox.select((o::subject, o::body)).load::<(String, String)>(&mut **c).unwrap()
        };
        let alert = mails.iter().find(|(s, _)| s.contains("奖励待发放")).expect("the alert is queued");
        assert!(alert.0.contains(&case) && alert.1.contains("/finance"), "{alert:?}");
        assert!(!alert.1.contains("6222020000555566") && !alert.1.contains("13900005656") && !alert.1.contains("王"), "{alert:?}");
    }
}

on_both_backends! {
    /// The whole reward path through the pages: proposal on the case page, approval and payout
    /// on the finance page by two people, the claim on the reporter's follow-up page.
    fn rewards_work_through_the_pages(app) {
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        app.staff("finance1", "finance", None);
        app.staff("finance2", "finance", None);
        app.staff("finance3", "finance", None);
        let (case, receipt) = verified_case(&app, &officer, fire_tip());
        let sign_in = |user: &str| {
            let b = Browser::new(&app);
            assert_eq!(b.sign_in(user, PASSWORD, "").0, 303);
            b
        };
        let o = sign_in("fire.officer");
        let page = o.get(&format!("/staff/tips/{case}")).1;
        assert!(page.contains("提出奖励申请"));
        let csrf = o.csrf(&format!("/staff/tips/{case}"));
        let (status, _, _) = o.post(&format!("/staff/tips/{case}/reward"), &[("csrf", &csrf), ("basis", "major_hazard_fine"), ("fine_yuan", "")]);
        assert_eq!(status, 422, "a fine is needed");
        // The amount is shown before sending (no script needed), and nothing is stored.
        let (status, html, _) = o.post(&format!("/staff/tips/{case}/reward"), &[("csrf", &csrf), ("basis", "major_hazard_fine"), ("fine_yuan", "100000"), ("penalty_decision", "厦湖应急罚〔2026〕7号"), ("preview", "1")]);
        assert_eq!(status, 200);
        assert!(html.contains("reward-preview") && html.contains("15000.00") && html.contains("value=\"100000\""), "{html}");
        assert!(html.contains(&format!("action=\"/staff/tips/{case}/reward\"")), "still only a proposal form: nothing stored");
        let (status, html, _) = o.post(&format!("/staff/tips/{case}/reward"), &[("csrf", &csrf), ("basis", "major_hazard_fine"), ("fine_yuan", "100000.555"), ("penalty_decision", "x")]);
        assert_eq!(status, 422);
        assert!(html.contains("value=\"100000.555\""), "a refused proposal keeps what was typed");
        let (status, _, _) = o.post(&format!("/staff/tips/{case}/reward"), &[("csrf", &csrf), ("basis", "major_hazard_fine"), ("fine_yuan", "100000"), ("penalty_decision", "厦湖应急罚〔2026〕7号")]);
        assert_eq!(status, 303);

        let f1 = sign_in("finance1");
        let list = f1.get("/finance").1;
        assert!(list.contains(&case) && list.contains("15000.00") && list.contains("待财务审批"));
        let id = list.split("/finance/rewards/").nth(1).unwrap().split('/').next().unwrap().to_owned();
        let csrf = f1.csrf("/finance");
        let (status, html, _) = f1.post(&format!("/finance/rewards/{id}/decision"), &[("csrf", &csrf), ("decision", "approve"), ("amount_yuan", "12000.555"), ("note", "核定")]);
        assert_eq!(status, 422, "a typed amount is refused, never dropped or rounded");
        assert!(html.contains("两位小数"), "{html}");
        let (status, _, _) = f1.post(&format!("/finance/rewards/{id}/decision"), &[("csrf", &csrf), ("decision", "approve"), ("amount_yuan", "15,000.00"), ("note", "")]);
        assert_eq!(status, 303);
        // Above 10,000 yuan a second finance user approves too.
        let f2 = sign_in("finance2");
        let list = f2.get("/finance").1;
        assert!(list.contains("待第二人审批"), "{list}");
        let csrf2 = f2.csrf("/finance");
        let (status, _, _) = f2.post(&format!("/finance/rewards/{id}/decision"), &[("csrf", &csrf2), ("decision", "approve"), ("amount_yuan", ""), ("note", "")]);
        assert_eq!(status, 303);

        let t = Browser::new(&app);
        let (status, html, _) = t.post("/track", &[("receipt", &receipt)]);
        assert_eq!(status, 200);
        assert!(html.contains("奖励已核准") && html.contains("15000.00"));
        let (status, html, _) = t.post("/track", &[("receipt", &receipt), ("action", "claim"), ("payee_name", "匿名"), ("payee_account", "1"), ("phone", "13900009999"), ("id_number", "110105194912310021"), ("bank", "工商银行")]);
        assert_eq!(status, 422);
        assert!(html.contains("收款账号") && html.contains("身份证号码"), "{html}");
        assert!(html.contains("value=\"工商银行\"") && html.contains("value=\"13900009999\""), "what was typed comes back");
        let (status, html, _) = t.post("/track", &[("receipt", &receipt), ("action", "claim"), ("payee_name", "匿名"), ("payee_account", "6222021234567890"), ("phone", "13900009999"), ("id_number", "11010519491231002X"), ("bank", "")]);
        assert_eq!(status, 200);
        assert!(html.contains("领取信息已提交"));

        let (status, _, _) = f1.post(&format!("/finance/rewards/{id}/payout"), &[("csrf", &csrf), ("reference", "X")]);
        assert_eq!(status, 403, "the approver does not pay");
        let (status, _, _) = f1.post(&format!("/finance/rewards/{id}/payee"), &[("csrf", &csrf), ("reason", "发放")]);
        assert_eq!(status, 403, "an approver does not open the payee");
        let f3 = sign_in("finance3");
        let list = f3.get("/finance").1;
        assert!(list.contains(&format!("action=\"/finance/rewards/{id}/payee\"")), "{list}");
        assert!(!list.contains("6222021234567890"), "the card shows no payee");
        let csrf3 = f3.csrf("/finance");
        let (status, html, _) = f3.post(&format!("/finance/rewards/{id}/payee"), &[("csrf", &csrf3), ("reason", "")]);
        assert_eq!(status, 422, "a reason is needed");
        assert!(html.contains("reward-"), "the queue again with the refusal");
        let (status, register, _) = f3.post(&format!("/finance/rewards/{id}/payee"), &[("csrf", &csrf3), ("reason", "办理奖励发放")]);
        assert_eq!(status, 200, "{register}");
        assert!(register.contains("奖励发放登记表") && register.contains("6222021234567890") && register.contains("11010519491231002X") && register.contains("匿名"), "{register}");
        assert!(register.contains("壹万伍仟元整") && register.contains("领款人签字"), "amount in capitals and the signature lines");
        assert!(register.contains("核对领款人居民身份证原件"), "an anonymous reporter's ID is checked at payment");
        assert!(register.contains(&format!("action=\"/finance/rewards/{id}/payout\"")), "the payout form beside the payee");
        let (status, _, _) = f3.post(&format!("/finance/rewards/{id}/payout"), &[("csrf", &csrf3), ("reference", "BANK-7")]);
        assert_eq!(status, 303);
        let (_, html, _) = t.post("/track", &[("receipt", &receipt)]);
        assert!(html.contains("奖励已发放"));
        let list = f3.get("/finance?done=paid").1;
        assert!(list.contains("已登记发放"), "the confirmation says what happened");
        // The printable notice: amount, the policy, no identity.
        let (status, notice) = f3.get(&format!("/finance/rewards/{id}/notice"));
        assert_eq!(status, 200);
        assert!(notice.contains("安全生产举报奖励通知书") && notice.contains("15000.00") && notice.contains("壹万伍仟元整") && notice.contains("安全生产领域举报奖励办法"), "{notice}");
        assert!(!notice.contains("6222021234567890") && !notice.contains("11010519491231002X"));
    }

}

/// A claim with a staff member's own phone is flagged to finance.
#[test]
fn a_claim_with_a_staff_phone_is_flagged() {
    let app = TestApp::spawn(Backend::Sqlite);
    app.add_user(
        "fire.inside",
        "officer",
        Some("fire"),
        Some("139 0000 4545"),
    );
    let officer = app.staff("fire.officer", "officer", Some("fire"));
    let fin1 = app.staff("finance1", "finance", None);
    let (case, receipt) = verified_case(&app, &officer, fire_tip());
    let id = officer
        .post(
            &format!("/api/v1/staff/tips/{case}/reward"),
            &json!({"basis": "general_hazard"}),
        )
        .json["id"]
        .as_i64()
        .unwrap();
    fin1.post(
        &format!("/api/v1/finance/rewards/{id}/decision"),
        &json!({"decision": "approve", "note": ""}),
    );
    let c = app.post_json("/api/v1/track/reward-claim", &json!({"receipt": receipt, "payee_name": "王", "payee_account": "6222020000333344", "phone": "13900004545", "id_number": "11010519491231002X"}));
    assert_eq!(c.status, 201);
    let item = fin1.get("/api/v1/finance/rewards?status=claimed").json["items"][0].clone();
    assert!(
        item["signals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "staff_phone"),
        "{item}"
    );
}

on_both_backends! {
    /// With head sign-off switched on, finance sees a proposal only once a head has signed it.
    fn head_sign_off_comes_before_finance(backend: Backend) {
        let app = TestApp::spawn_with_head_signoff(backend);
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let head = app.staff("fire.head", "head", Some("fire"));
        let fin1 = app.staff("finance1", "finance", None);
        let (case, _) = verified_case(&app, &officer, fire_tip());
        let p = officer.post(
            &format!("/api/v1/staff/tips/{case}/reward"),
            &json!({"basis": "general_hazard"}),
        );
        assert_eq!(p.json["status"], "awaiting_signoff");
        let id = p.json["id"].as_i64().unwrap();
        assert_eq!(
            fin1.post(
                &format!("/api/v1/finance/rewards/{id}/decision"),
                &json!({"decision": "approve", "note": ""})
            )
            .status,
            409
        );
        assert_eq!(
            officer
                .post(&format!("/api/v1/staff/rewards/{id}/sign-off"), &json!({"decision": "approve"}))
                .status,
            403
        );
        let s = head.post(&format!("/api/v1/staff/rewards/{id}/sign-off"), &json!({"decision": "approve"}));
        assert_eq!(s.status, 200, "{}", s.text);
        assert_eq!(s.json["status"], "proposed");
        // A head who proposed may not sign their own proposal off; the coordinator may.
        let (case2, _) = verified_case(&app, &officer, fire_tip());
        let own = head.post(&format!("/api/v1/staff/tips/{case2}/reward"), &json!({"basis": "general_hazard"}));
        let own_id = own.json["id"].as_i64().unwrap();
        assert_eq!(head.post(&format!("/api/v1/staff/rewards/{own_id}/sign-off"), &json!({"decision": "approve"})).status, 403, "never the proposer");
        let coord = app.staff("coord", "coordinator", None);
        assert_eq!(coord.post(&format!("/api/v1/staff/rewards/{own_id}/sign-off"), &json!({"decision": "approve"})).status, 200);
        let audit = coord.get(&format!("/api/v1/staff/audit?case_number={case2}")).json["entries"].clone();
        assert!(audit.as_array().unwrap().iter().any(|e| e["action"] == "reward_sign_off"));
        assert_eq!(
            fin1.post(
                &format!("/api/v1/finance/rewards/{id}/decision"),
                &json!({"decision": "approve", "note": ""})
            )
            .json["status"],
            "approved"
        );
    }
}

on_both_backends! {
    /// With head sign-off on, the case page carries the head's sign-off: the head returns a
    /// proposal with a note (a return without one keeps the page and says why), the unit
    /// corrects it from the form filled with the proposal, the head signs it off for finance;
    /// the unit may withdraw another. The proposer never sees the sign-off form.
    fn sign_off_returns_and_corrections_work_on_the_case_page(backend: Backend) {
        let app = TestApp::spawn_with_head_signoff(backend);
        app.add_user("fire.officer", "officer", Some("fire"), None);
        app.add_user("fire.head", "head", Some("fire"), None);
        let officer_api = app.sign_in("fire.officer", PASSWORD).unwrap();
        let (case, _) = verified_case(&app, &officer_api, fire_tip());
        let sign_in = |user: &str| {
            let b = Browser::new(&app);
            assert_eq!(b.sign_in(user, PASSWORD, "").0, 303);
            b
        };
        let o = sign_in("fire.officer");
        let page = format!("/staff/tips/{case}");
        let csrf = o.csrf(&page);
        let (status, _, _) = o.post(&format!("/staff/tips/{case}/reward"), &[("csrf", &csrf), ("basis", "major_hazard_fine"), ("fine_yuan", "100000"), ("penalty_decision", "厦湖应急罚〔2026〕7号")]);
        assert_eq!(status, 303);
        let html = o.get(&page).1;
        assert!(html.contains("待负责人签批") && !html.contains("/sign-off\""), "the proposer gets no sign-off form");
        let id = html.split("/staff/rewards/").nth(1).unwrap().split('/').next().unwrap().to_owned();

        let h = sign_in("fire.head");
        let html = h.get(&page).1;
        assert!(html.contains(&format!("action=\"/staff/rewards/{id}/sign-off\"")), "{html}");
        let hcsrf = h.csrf(&page);
        let (status, html, _) = h.post(&format!("/staff/rewards/{id}/sign-off"), &[("csrf", &hcsrf), ("case", &case), ("decision", "return"), ("note", "")]);
        assert_eq!(status, 422, "a return needs a note");
        assert!(html.contains("reward-errors") && html.contains(&case), "the case page comes back with the reason");
        let (status, _, location) = h.post(&format!("/staff/rewards/{id}/sign-off"), &[("csrf", &hcsrf), ("case", &case), ("decision", "return"), ("note", "请核对处罚决定书的罚款金额")]);
        assert_eq!(status, 303);
        assert!(location.unwrap().contains("done=reward_return"));

        let html = o.get(&page).1;
        assert!(html.contains("已退回修改") && html.contains("请核对处罚决定书的罚款金额"), "{html}");
        assert!(html.contains(&format!("action=\"/staff/rewards/{id}/correct\"")) && html.contains("value=\"100000.00\""), "the correction form holds the proposal");
        let (status, _, _) = o.post(&format!("/staff/rewards/{id}/correct"), &[("csrf", &csrf), ("case", &case), ("basis", "major_hazard_fine"), ("fine_yuan", "80000"), ("penalty_decision", "")]);
        assert_eq!(status, 422, "the decision number is still needed");
        let (status, _, _) = o.post(&format!("/staff/rewards/{id}/correct"), &[("csrf", &csrf), ("case", &case), ("basis", "major_hazard_fine"), ("fine_yuan", "80000"), ("penalty_decision", "厦湖应急罚〔2026〕7号")]);
        assert_eq!(status, 303);
        let (status, _, _) = h.post(&format!("/staff/rewards/{id}/sign-off"), &[("csrf", &hcsrf), ("case", &case), ("decision", "approve"), ("note", "")]);
        assert_eq!(status, 303);
        let html = o.get(&page).1;
        assert!(html.contains("待财务审批") && html.contains("12000.00"), "15% of the corrected fine: {html}");

        // Another proposal is withdrawn from its page.
        let (case2, _) = verified_case(&app, &officer_api, fire_tip());
        let page2 = format!("/staff/tips/{case2}");
        let p = officer_api.post(&format!("/api/v1/staff/tips/{case2}/reward"), &json!({"basis": "general_hazard"}));
        let id2 = p.json["id"].as_i64().unwrap();
        let (status, _, _) = o.post(&format!("/staff/rewards/{id2}/withdraw"), &[("csrf", &csrf), ("case", &case2), ("reason", "举报人书面放弃奖励")]);
        assert_eq!(status, 303);
        let html = o.get(&page2).1;
        assert!(html.contains("已撤回") && html.contains(&format!("/staff/tips/{case2}/reward")), "withdrawn, a new proposal may follow");
    }
}

on_both_backends! {
    /// A campaign period raises the rates for tips submitted within it: the proposal uses the
    /// period's table and says so (`policy` in the answer and in the ledger); a tip submitted
    /// before the period keeps the standing rate.
    fn a_campaign_period_raises_the_rewards_of_its_tips(backend: Backend) {
        let today = chrono::Utc::now().date_naive();
        let app = TestApp::spawn_with_policy(backend, |p| {
            format!(
                "{p}\n[[periods]]\nname = \"大排查大整治提高奖励标准\"\nstarts = \"{}\"\nends = \"{}\"\n[periods.general_hazard]\nflat_yuan = 1000\nmonthly_cap_yuan = 3000\n",
                // Two days on, whatever the local date is in UTC+8.
                today + chrono::Duration::days(2),
                today + chrono::Duration::days(120),
            )
        });
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let (before, _) = verified_case(&app, &officer, fire_tip());
        let p = officer.post(&format!("/api/v1/staff/tips/{before}/reward"), &json!({"basis": "general_hazard"}));
        assert_eq!((p.json["amount_yuan"].clone(), p.json["policy"].clone()), (json!(500.0), json!("《安全生产领域举报奖励办法》")), "{}", p.text);
        app.advance(chrono::Duration::days(3));
        let officer = app.staff("fire.officer2", "officer", Some("fire"));
        let (during, receipt) = verified_case(&app, &officer, fire_tip());
        let p = officer.post(&format!("/api/v1/staff/tips/{during}/reward"), &json!({"basis": "general_hazard"}));
        assert_eq!((p.json["amount_yuan"].clone(), p.json["policy"].clone()), (json!(1000.0), json!("大排查大整治提高奖励标准")), "{}", p.text);
        let id = p.json["id"].as_i64().unwrap();
        let (fin1, fin2) = (app.staff("finance1", "finance", None), app.staff("finance2", "finance", None));
        assert_eq!(fin1.post(&format!("/api/v1/finance/rewards/{id}/decision"), &json!({"decision": "approve", "amount_yuan": 1000.01, "note": "x"})).status, 422, "the period's bounds");
        assert_eq!(fin1.post(&format!("/api/v1/finance/rewards/{id}/decision"), &json!({"decision": "approve"})).status, 200);
        let claim = json!({"receipt": receipt, "payee_name": "王", "payee_account": "6222020000777788", "phone": "13900007878", "id_number": "11010519491231002X"});
        assert_eq!(app.post_json("/api/v1/track/reward-claim", &claim).status, 201);
        assert_eq!(fin2.post(&format!("/api/v1/finance/rewards/{id}/payout"), &json!({"reference": "B-1"})).status, 200);
        let ledger = fin1.get("/api/v1/finance/ledger.csv").text;
        assert!(ledger.contains("大排查大整治提高奖励标准") && ledger.contains("1000.00"), "{ledger}");
    }
}

on_both_backends! {
    /// The demo shows a reward in every state, each taken there by the role the rules ask for
    /// (so the finance page has something to show right after `serve --demo`).
    fn the_demo_has_a_reward_in_every_state(app) {
        let report = app.services.load_demo(&config_dir()).expect("the demo loads");
        let (user, _, _, password) = report
            .users
            .iter()
            .find(|u| u.1 == "finance")
            .expect("a finance account")
            .clone();
        let fin = app.sign_in(&user, &password).expect("finance signs in");
        let queue = fin.get("/api/v1/finance/rewards");
        assert_eq!(queue.status, 200, "{}", queue.text);
        let mut states: Vec<String> = queue.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["status"].as_str().unwrap().to_owned())
            .collect();
        states.sort();
        assert_eq!(states, ["approved", "awaiting_second_approval", "claimed", "paid", "proposed", "rejected", "withdrawn"]);
        assert!(
            queue.json["items"].as_array().unwrap().iter().all(|r| r["signals"].as_array().unwrap().is_empty()),
            "each demo payee is their own: {}",
            queue.text
        );
    }
}

on_both_backends_and_suites! {
    /// Four eyes: the proposer never decides, a decision is final, the approver never pays; the
    /// anonymous reporter claims with the receipt (a wrong one is 404) and finance pays.
    fn the_money_goes_through_four_eyes_and_the_receipt(app) {
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let fin1 = app.staff("finance1", "finance", None);
        let fin2 = app.staff("finance2", "finance", None);
        let fin3 = app.staff("finance3", "finance", None);
        let (case, receipt) = verified_case(&app, &officer, fire_tip());
        let p = officer.post(&format!("/api/v1/staff/tips/{case}/reward"), &json!({"basis": "major_hazard_fine", "fine_yuan": 100000, "penalty_decision": "厦湖应急罚〔2026〕1号"}));
        let id = p.json["id"].as_i64().unwrap();
        assert_eq!(officer.post(&format!("/api/v1/finance/rewards/{id}/decision"), &json!({"decision": "approve", "note": ""})).status, 403, "not finance");
        let q = fin1.get("/api/v1/finance/rewards?status=proposed");
        assert_eq!(q.status, 200);
        assert_eq!(q.json["items"][0]["id"], id);
        assert_eq!(fin1.post(&format!("/api/v1/finance/rewards/{id}/decision"), &json!({"decision": "approve", "amount_yuan": 12000})).status, 422, "a changed amount needs a reason");
        let d = fin1.post(&format!("/api/v1/finance/rewards/{id}/decision"), &json!({"decision": "approve", "amount_yuan": 12000, "note": "罚款已部分减免"}));
        assert_eq!(d.status, 200, "{}", d.text);
        assert_eq!(d.json["status"], "awaiting_second_approval", "above 10,000 yuan two finance users approve");
        assert_eq!(d.json["amount_yuan"], 12000.0);
        assert_eq!(fin1.post(&format!("/api/v1/finance/rewards/{id}/decision"), &json!({"decision": "approve"})).status, 403, "not twice by the same user");
        assert_eq!(fin2.post(&format!("/api/v1/finance/rewards/{id}/decision"), &json!({"decision": "approve", "amount_yuan": 13000, "note": "x"})).status, 422, "the second approval keeps the amount");
        let d = fin2.post(&format!("/api/v1/finance/rewards/{id}/decision"), &json!({"decision": "approve"}));
        assert_eq!(d.status, 200, "{}", d.text);
        assert_eq!(d.json["status"], "approved");
        assert_eq!(fin3.post(&format!("/api/v1/finance/rewards/{id}/decision"), &json!({"decision": "reject", "note": "x"})).status, 409, "decided once");
        // The reporter sees it and claims it.
        let t = app.post_json("/api/v1/track", &json!({"receipt": receipt}));
        assert_eq!(t.json["reward"]["status"], "approved");
        assert_eq!(t.json["reward"]["amount_yuan"], 12000.0);
        assert!(t.json["reward"]["claim_deadline"].is_string());
        assert_eq!(fin3.post(&format!("/api/v1/finance/rewards/{id}/payout"), &json!({"reference": "X"})).status, 409, "nothing claimed yet");
        let claim = json!({"receipt": "0000 0000 0000 0000", "payee_name": "匿名举报人", "payee_account": "6222021234567890123", "phone": "13900007777", "id_number": "11010519491231002X", "bank": "工商银行湖里支行"});
        assert_eq!(app.post_json("/api/v1/track/reward-claim", &claim).status, 404);
        let mut claim = claim;
        claim["receipt"] = json!(receipt);
        claim["payee_account"] = json!("12");
        assert_eq!(app.post_json("/api/v1/track/reward-claim", &claim).status, 422);
        claim["payee_account"] = json!("6222 0212 3456 7890 123");
        claim["id_number"] = json!("110105194912310021");
        let wrong = app.post_json("/api/v1/track/reward-claim", &claim);
        assert_eq!(wrong.status, 422, "a wrong check character");
        assert!(wrong.json["fields"]["id_number"].is_array(), "{}", wrong.text);
        claim["id_number"] = json!("11010519491231002x");
        let c = app.post_json("/api/v1/track/reward-claim", &claim);
        assert_eq!(c.status, 201, "{}", c.text);
        assert_eq!(app.post_json("/api/v1/track/reward-claim", &claim).status, 409, "claimed once");
        // The payee details are sealed, not in clear.
        let raw = app.db.raw_dump();
        assert!(!raw.windows(19).any(|w| w == b"6222021234567890123"));
        assert!(!raw.windows(11).any(|w| w == b"13900007777"));
        assert!(!raw.windows(18).any(|w| w == b"11010519491231002X"));
        // Only a finance user who approved nothing opens the payee, with a reason.
        for approver in [&fin1, &fin2] {
            assert_eq!(approver.post(&format!("/api/v1/finance/rewards/{id}/payee"), &json!({"reason": "发放"})).status, 403, "an approver does not open the payee");
            assert_eq!(approver.post(&format!("/api/v1/finance/rewards/{id}/payout"), &json!({"reference": "BANK-1"})).status, 403, "an approver does not pay");
        }
        assert_eq!(officer.post(&format!("/api/v1/finance/rewards/{id}/payee"), &json!({"reason": "发放"})).status, 403);
        assert_eq!(fin3.post(&format!("/api/v1/finance/rewards/{id}/payee"), &json!({"reason": ""})).status, 422, "a reason is needed");
        let payee = fin3.post(&format!("/api/v1/finance/rewards/{id}/payee"), &json!({"reason": "办理奖励发放"}));
        assert_eq!(payee.status, 200, "{}", payee.text);
        assert_eq!(payee.json, json!({"payee_name": "匿名举报人", "payee_account": "6222021234567890123", "bank": "工商银行湖里支行", "phone": "13900007777", "id_number": "11010519491231002X"}));
        assert_eq!(fin3.post(&format!("/api/v1/finance/rewards/{id}/payout"), &json!({"reference": ""})).status, 422);
        assert_eq!(fin3.post(&format!("/api/v1/finance/rewards/{id}/payout"), &json!({"reference": "B", "paid_on": "2999-01-01"})).status, 422);
        let paid = fin3.post(&format!("/api/v1/finance/rewards/{id}/payout"), &json!({"reference": "BANK-20261128-001"}));
        assert_eq!(paid.status, 200, "{}", paid.text);
        assert_eq!(paid.json["status"], "paid");
        assert_eq!(fin3.post(&format!("/api/v1/finance/rewards/{id}/payout"), &json!({"reference": "again"})).status, 409);
        assert_eq!(fin3.post(&format!("/api/v1/finance/rewards/{id}/payee"), &json!({"reason": "再看"})).status, 409, "only while claimed");
        assert_eq!(app.post_json("/api/v1/track", &json!({"receipt": receipt})).json["reward"]["status"], "paid");
        let totals = fin1.get("/api/v1/finance/rewards").json["totals"]["paid"].clone();
        assert_eq!(totals["amount_yuan"], 12000.0);
        // The ledger for today holds it, with totals.
        let today = app.today();
        let ledger = fin1.get(&format!("/api/v1/finance/ledger.csv?from={today}&to={today}"));
        assert_eq!(ledger.status, 200);
        assert!(ledger.text.starts_with('\u{feff}'));
        assert!(ledger.text.contains(&case) && ledger.text.contains("12000.00") && ledger.text.contains("按奖励依据合计"));
        assert!(!fin1.get("/api/v1/finance/ledger.csv?from=2020-01-01&to=2020-01-31").text.contains(&case));
        // Every step is audited.
        let coord = app.staff("coord", "coordinator", None);
        let entries = coord.get(&format!("/api/v1/staff/audit?case_number={case}")).json["entries"].clone();
        for a in ["reward_propose", "reward_first_approval", "reward_approve", "reward_claim", "reward_payee_opened", "reward_paid"] {
            assert!(entries.as_array().unwrap().iter().any(|e| e["action"] == a), "{a}");
        }
    }

    /// Finance may open the identity of a case only once it approved a reward there.
    fn finance_sees_identity_only_after_approval(app) {
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let fin1 = app.staff("finance1", "finance", None);
        let mut tip = identified_tip("孙领奖", "13900008888", "sun@example.com");
        tip["wants_reward"] = json!(true);
        let (case, _) = verified_case(&app, &officer, tip);
        assert_eq!(fin1.post(&format!("/api/v1/staff/tips/{case}/identity"), &json!({"reason": "发放奖励"})).status, 403);
        let id = officer.post(&format!("/api/v1/staff/tips/{case}/reward"), &json!({"basis": "general_hazard"})).json["id"].as_i64().unwrap();
        fin1.post(&format!("/api/v1/finance/rewards/{id}/decision"), &json!({"decision": "approve", "note": ""}));
        let who = fin1.post(&format!("/api/v1/staff/tips/{case}/identity"), &json!({"reason": "发放奖励，核对领奖人"}));
        assert_eq!(who.status, 200, "{}", who.text);
        assert_eq!(who.json["name"], "孙领奖");
    }

    /// The same payee account on two claims is flagged to finance (never blocked).
    fn repeated_payee_accounts_are_flagged(app) {
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let fin1 = app.staff("finance1", "finance", None);
        for _ in 0..2 {
            let (case, receipt) = verified_case(&app, &officer, fire_tip());
            let id = officer.post(&format!("/api/v1/staff/tips/{case}/reward"), &json!({"basis": "general_hazard"})).json["id"].as_i64().unwrap();
            fin1.post(&format!("/api/v1/finance/rewards/{id}/decision"), &json!({"decision": "approve", "note": ""}));
            let c = app.post_json("/api/v1/track/reward-claim", &json!({"receipt": receipt, "payee_name": "王", "payee_account": "6222020000111122", "phone": "13900001212", "id_number": "11010519491231002X"}));
            assert_eq!(c.status, 201);
        }
        let q = fin1.get("/api/v1/finance/rewards?status=claimed");
        for item in q.json["items"].as_array().unwrap() {
            let signals: Vec<&str> = item["signals"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
            assert!(signals.contains(&"same_account") && signals.contains(&"same_phone"), "{signals:?}");
        }
    }
}
