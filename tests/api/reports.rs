//! Progress reports that are signed and sent: figures frozen as of the period's end (a late
//! step after it changes neither the saved report nor the same period worked out again),
//! feedback breaches, the campaign's figures, and who may prepare, sign (签发), submit and see
//! them; through HTTP, on both databases, with the injectable clock.

use crate::helpers::*;
use crate::on_both_backends;
use chrono::Duration;
use serde_json::{Value, json};

/// A report body for a period, with a narrative.
fn body(from: chrono::NaiveDate, to: chrono::NaiveDate) -> Value {
    json!({
        "from": from.to_string(), "to": to.to_string(),
        "narrative": {
            "progress": "本期共受理群众举报隐患若干件，均已按时限核查。",
            "problems": "个别案件核查超时。",
            "next_steps": "加强督办，按期反馈举报人。"
        }
    })
}

/// Saves a report and answers it.
fn save(who: &StaffClient, body: &Value) -> Value {
    let a = who.post("/api/v1/staff/reports", body);
    assert_eq!(a.status, 201, "{}", a.text);
    a.json
}

on_both_backends! {
    /// A case verified late, after the period's end: the saved report keeps what was true at
    /// the end (the limit still running and missed, nothing found true), and so does the same
    /// period worked out again; a later period shows the verification, late by a day more; a
    /// reporter not told in time is a feedback breach.
    fn a_report_is_frozen_as_of_its_end_and_a_later_step_does_not_change_it(app) {
        let d0 = app.today();
        let case = app.new_case("gas");
        let coord = app.staff("coord", "coordinator", None);
        coord.steps(&case, &["accept", "start_verification"]);
        // Verification was due 60 days after acceptance.
        app.advance(Duration::days(66));
        let officer = app.staff("m.officer", "officer", Some("municipal"));
        let period = body(d0, d0 + Duration::days(65));
        let saved = save(&officer, &period);
        let figures = saved["figures"].clone();
        assert_eq!(saved["status"], "draft");
        assert_eq!(figures["received"], 1);
        assert_eq!(figures["found_true"], 0);
        assert_eq!(figures["breaches"]["verification"], 1, "{figures}");
        assert_eq!(figures["overdue_cases"][0]["case_number"], case.as_str());
        assert_eq!(figures["overdue_cases"][0]["missed"], "verification");
        assert_eq!(figures["overdue_cases"][0]["days_late"], 5, "late as of the period's end, not today");

        // The case is verified after the period's end.
        let coord = app.sign_in("coord", PASSWORD).unwrap();
        coord.steps(&case, &["substantiate"]);
        let url = format!("/api/v1/staff/reports/{}", saved["id"]);
        let again = officer.get(&url);
        assert_eq!(again.status, 200, "{}", again.text);
        assert_eq!(again.json["figures"], figures, "the saved figures are frozen");
        let recomputed = save(&officer, &period);
        assert_eq!(recomputed["figures"], figures, "the same period is judged as of its end");
        let later = save(&officer, &body(d0, d0 + Duration::days(66)));
        assert_eq!(later["figures"]["found_true"], 1, "{}", later["figures"]);
        assert_eq!(later["figures"]["breaches"]["verification"], 1);
        assert_eq!(later["figures"]["overdue_cases"][0]["days_late"], 6, "met a day later");

        // The reporter must be told within 10 days of the verification; nobody wrote.
        app.advance(Duration::days(12));
        let officer = app.sign_in("m.officer", PASSWORD).unwrap();
        let told_late = save(&officer, &body(d0, d0 + Duration::days(77)));
        assert_eq!(told_late["figures"]["breaches"]["feedback"], 1, "{}", told_late["figures"]);
        let written = officer.post(&format!("/api/v1/staff/tips/{case}/messages"), &json!({"body": "您举报的隐患已查实，正在督促整改。"}));
        assert_eq!(written.status, 201, "{}", written.text);
        let same = save(&officer, &body(d0, d0 + Duration::days(77)));
        assert_eq!(same["figures"], told_late["figures"], "told after the period's end");
        // The dashboard's report page shows the feedback limit in words.
        let b = Browser::new(&app);
        app.add_user("m.head", "head", Some("municipal"), None);
        b.sign_in("m.head", PASSWORD, "");
        let to = (d0 + Duration::days(77)).to_string();
        let (status, page) = b.get(&format!("/staff/report?from={d0}&to={to}"));
        assert_eq!(status, 200);
        assert!(page.contains("反馈"), "{page}");
    }

    /// The campaign's figures come from hazards, accountability records and rewards of the
    /// unit, in the period.
    fn a_report_counts_the_campaigns_figures(app) {
        let today = app.today();
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let head = app.staff("fire.head", "head", Some("fire"));
        let e = crate::hazards::enterprise(&app, "某某海鲜酒楼", &crate::hazards::credit_code("91350206MA2Y3K4L5"));
        let general = crate::hazards::hazard_body(&app, e);
        let mut major = general.clone();
        major["grade"] = json!("major");
        major["basis"] = json!("《重大事故隐患判定标准》第四条");
        major["suspend_operations"] = json!(true);
        let mut ids = Vec::new();
        for h in [&general, &major] {
            let a = officer.post("/api/v1/staff/hazards", h);
            assert_eq!(a.status, 201, "{}", a.text);
            ids.push(a.json["id"].as_i64().unwrap());
        }
        let steps = format!("/api/v1/staff/hazards/{}/actions", ids[0]);
        let done = officer.post(&steps, &json!({"action": "report_rectified", "completed_on": today.to_string(), "note": "已清理安全出口"}));
        assert_eq!(done.status, 200, "{}", done.text);
        let closed = head.post(&steps, &json!({"action": "review", "decision": "pass", "note": "复查合格"}));
        assert_eq!(closed.status, 200, "{}", closed.text);
        let coord = app.staff("coord", "coordinator", None);
        let measure = json!({"kind": "interview", "unit": "fire", "decided_on": today.to_string(), "summary": "约谈消防部门分管负责人。"});
        assert_eq!(coord.post("/api/v1/staff/accountability", &measure).status, 201);
        // A reward approved and paid for one of the unit's tips.
        let mut tip = anonymous_tip("fire_safety");
        tip["wants_reward"] = json!(true);
        let b = app.submit(&tip);
        let case = b["case_number"].as_str().unwrap().to_owned();
        officer.steps(&case, &["accept", "start_verification", "substantiate"]);
        let reward = officer.post(&format!("/api/v1/staff/tips/{case}/reward"), &json!({"basis": "general_hazard"}));
        assert_eq!(reward.status, 201, "{}", reward.text);
        let id = reward.json["id"].as_i64().unwrap();
        let (fin1, fin2) = (app.staff("finance1", "finance", None), app.staff("finance2", "finance", None));
        assert_eq!(fin1.post(&format!("/api/v1/finance/rewards/{id}/decision"), &json!({"decision": "approve", "note": ""})).status, 200);
        let claim = json!({"receipt": b["receipt"], "payee_name": "匿名举报人", "payee_account": "6222021234567890123", "phone": "13900007777", "id_number": "11010519491231002X"});
        assert_eq!(app.post_json("/api/v1/track/reward-claim", &claim).status, 201);
        assert_eq!(fin2.post(&format!("/api/v1/finance/rewards/{id}/payout"), &json!({"reference": "BANK-1"})).status, 200);

        let r = save(&officer, &body(today - Duration::days(2), today));
        let c = &r["figures"]["campaign"];
        assert_eq!(c["found"], 2, "{c}");
        assert_eq!(c["major"], 1);
        assert_eq!(c["suspended"], 1);
        assert_eq!(c["rectified"], 1);
        assert_eq!(c["closed"], 1);
        assert_eq!(c["open_past_campaign_end"], 1, "the campaign ended on 2026-09-30");
        assert_eq!(c["accountability"], 1);
        assert_eq!(c["rewards_approved"], 1);
        assert_eq!(c["rewards_approved_fen"], 50000);
        assert_eq!(c["rewards_paid"], 1);
        assert_eq!(c["rewards_paid_fen"], 50000);
        let inspected = c["found_by_source"].as_array().unwrap().iter().find(|s| s["source"] == "department_inspection").unwrap();
        assert_eq!(inspected["count"], 2);
        // Another unit's report counts none of it.
        let other = app.staff("m.officer", "officer", Some("municipal"));
        let theirs = save(&other, &body(today - Duration::days(2), today));
        assert_eq!(theirs["figures"]["campaign"]["found"], 0);
        assert_eq!(theirs["figures"]["campaign"]["rewards_approved"], 0);
        // The file carries the figures in words.
        let (status, _, bytes) = officer.get_bytes(&format!("/staff/reports/{}/report.csv", r["id"]));
        assert_eq!(status, 200);
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains("销号") && text.contains("问责") && text.contains("工作开展情况"), "{text}");
    }

    /// Officers prepare and submit, a head of the unit signs as 分管领导, another unit sees
    /// nothing; a signed report's narrative no longer changes; only a signed report is
    /// submitted; the coordinator sees every unit's submission in the round and signs the
    /// district's summary as 主要领导; bad dates and too long a narrative are told field by field.
    fn signing_and_submission_rights(app) {
        let today = app.today();
        let (from, to) = (today - Duration::days(30), today - Duration::days(1));
        let officer = app.staff("m.officer", "officer", Some("municipal"));
        let head = app.staff("m.head", "head", Some("municipal"));
        let other_head = app.staff("f.head", "head", Some("fire"));
        let coord = app.staff("coord", "coordinator", None);
        let r = save(&officer, &body(from, to));
        assert_eq!(r["unit"], "municipal");
        let url = format!("/api/v1/staff/reports/{}", r["id"]);
        assert_eq!(r["steps"], json!(["edit"]), "an officer edits a draft; submits once signed");

        assert_eq!(officer.post(&format!("{url}/sign"), &json!({})).status, 403, "an officer does not sign");
        assert_eq!(other_head.get(&url).status, 404, "another unit's head does not see it");
        assert_eq!(other_head.post(&format!("{url}/sign"), &json!({})).status, 404);
        assert_eq!(officer.post(&format!("{url}/submit"), &json!({})).status, 409, "only a signed report is submitted");
        let edited = officer.put(&url, &json!({"progress": "修改后的工作开展情况。", "problems": "", "next_steps": "下步继续督办。"}));
        assert_eq!(edited.status, 200, "{}", edited.text);
        assert_eq!(edited.json["narrative"]["progress"], "修改后的工作开展情况。");
        let reviewed = head.post(&format!("{url}/review"), &json!({}));
        assert_eq!(reviewed.status, 200, "{}", reviewed.text);
        assert!(reviewed.json["reviewed_by"].is_string());
        let signed = head.post(&format!("{url}/sign"), &json!({}));
        assert_eq!(signed.status, 200, "{}", signed.text);
        assert_eq!(signed.json["status"], "signed");
        assert_eq!(signed.json["signer_role"], "deputy");
        assert!(signed.json["signed_by"].is_string() && signed.json["signed_at"].is_string());
        assert_eq!(officer.put(&url, &json!({"progress": "再改"})).status, 409, "signed: the narrative stays");

        // The round before submission: the coordinator sees the unit has not submitted.
        let round = format!("/api/v1/staff/reports?from={from}&to={to}");
        let before = coord.get(&round);
        assert_eq!(before.status, 200, "{}", before.text);
        let unit = |list: &Value, code: &str| list["units"].as_array().unwrap().iter().find(|u| u["unit"] == code).cloned().unwrap();
        assert_eq!(unit(&before.json, "municipal")["submitted"], false);
        assert_eq!(unit(&before.json, "municipal")["status"], "signed");
        let sent = officer.post(&format!("{url}/submit"), &json!({}));
        assert_eq!(sent.status, 200, "{}", sent.text);
        assert_eq!(sent.json["status"], "submitted");
        assert_eq!(sent.json["steps"], json!([]), "nothing changes after submission");
        assert_eq!(head.post(&format!("{url}/sign"), &json!({})).status, 409);
        let after = coord.get(&round);
        assert_eq!(unit(&after.json, "municipal")["submitted"], true);
        assert_eq!(unit(&after.json, "fire")["submitted"], false);
        assert_eq!(unit(&after.json, "fire")["status"], Value::Null);
        assert!(coord.get(&url).status == 200, "the coordinator reads every unit's report");
        // A unit's staff see only their own unit's reports, and no table of units.
        let theirs = other_head.get(&round);
        assert_eq!(theirs.json["reports"].as_array().unwrap().len(), 0);
        assert_eq!(theirs.json["units"].as_array().unwrap().len(), 0);
        assert_eq!(officer.get(&round).json["reports"].as_array().unwrap().len(), 1);

        // The district's summary: the coordinator prepares and signs it as 主要领导; a unit's
        // staff do not see it.
        let summary = save(&coord, &body(from, to));
        assert_eq!(summary["unit"], Value::Null);
        let s_url = format!("/api/v1/staff/reports/{}", summary["id"]);
        let s = coord.post(&format!("{s_url}/sign"), &json!({}));
        assert_eq!(s.status, 200, "{}", s.text);
        assert_eq!(s.json["signer_role"], "principal");
        assert_eq!(head.get(&s_url).status, 404);
        let mut for_fire = body(from, to);
        for_fire["unit"] = json!("fire");
        assert_eq!(officer.post("/api/v1/staff/reports", &for_fire).status, 403, "not their unit");
        assert_eq!(app.staff("insp", "inspector", None).get(&round).status, 403);

        // Refusals, field by field.
        let mut bad = body(from, to);
        bad["from"] = json!("2026-13-01");
        bad["to"] = json!((today + Duration::days(3)).to_string());
        bad["narrative"]["progress"] = json!("很".repeat(5001));
        let refused = officer.post("/api/v1/staff/reports", &bad);
        assert_eq!(refused.status, 422, "{}", refused.text);
        let fields = refused.json["fields"].as_object().unwrap();
        for f in ["from", "to", "narrative.progress"] {
            assert!(fields.contains_key(f), "{f}: {}", refused.text);
        }
        // A NUL is refused before anything else, naming its field.
        let mut nul = body(from, to);
        nul["narrative"]["problems"] = json!("问题\u{0}");
        let refused = officer.post("/api/v1/staff/reports", &nul);
        assert_eq!(refused.status, 422, "{}", refused.text);
        assert!(refused.json["fields"]["narrative.problems"].is_array(), "{}", refused.text);
        let mut long = body(from, to);
        long["narrative"]["next_steps"] = json!("很".repeat(5001));
        let refused = officer.post("/api/v1/staff/reports", &long);
        assert_eq!(refused.status, 422);
        assert!(refused.json["fields"]["narrative.next_steps"].is_array(), "{}", refused.text);
        let mut reversed = body(to, from);
        reversed["unit"] = json!("nowhere");
        let refused = officer.post("/api/v1/staff/reports", &reversed);
        assert_eq!(refused.status, 422);
        assert!(refused.json["fields"]["to"].is_array() && refused.json["fields"]["unit"].is_array(), "{}", refused.text);
        assert_eq!(coord.get("/api/v1/staff/reports?from=yesterday&to=2026-01-01").status, 422);
        assert_eq!(coord.get("/api/v1/staff/reports/999999").status, 404);
    }

    /// The pages: a refused form comes back with everything typed; a saved report shows its
    /// figures and the 编制 line; the head signs with the page's button; the coordinator's list
    /// shows who has not submitted; in English too.
    fn the_report_pages_prepare_sign_and_list(app) {
        let today = app.today();
        let (from, to) = ((today - Duration::days(10)).to_string(), (today - Duration::days(1)).to_string());
        app.add_user("m.officer", "officer", Some("municipal"), None);
        let b = Browser::new(&app);
        b.sign_in("m.officer", PASSWORD, "");
        let (status, page) = b.get("/staff/reports/new");
        assert_eq!(status, 200);
        assert!(page.contains("工作开展情况") && page.contains("下步打算"), "{page}");
        let csrf = b.csrf("/staff/reports/new");
        let (status, page, _) = b.post("/staff/reports/new", &[
            ("csrf", &csrf), ("from", &from), ("to", "2099-01-01"),
            ("progress", "本月排查燃气隐患十二处。"), ("problems", "部分餐馆整改慢。"), ("next_steps", "开展回头看。"),
        ]);
        assert_eq!(status, 422);
        assert!(page.contains("本月排查燃气隐患十二处。") && page.contains("开展回头看。") && page.contains("日期不能晚于今天"), "{page}");
        let (status, _, location) = b.post("/staff/reports/new", &[
            ("csrf", &csrf), ("from", &from), ("to", &to),
            ("progress", "本月排查燃气隐患十二处。"), ("problems", "部分餐馆整改慢。"), ("next_steps", "开展回头看。"),
        ]);
        assert_eq!(status, 303);
        let location = location.unwrap();
        let (status, page) = b.get(&location);
        assert_eq!(status, 200);
        assert!(page.contains("编制") && page.contains("本月排查燃气隐患十二处。") && page.contains("专项行动数据"), "{page}");
        assert!(!page.contains(">签发</button>"), "an officer has no sign button");

        app.add_user("m.head", "head", Some("municipal"), None);
        let h = Browser::new(&app);
        h.sign_in("m.head", PASSWORD, "");
        let csrf = h.csrf(&location);
        let (status, _, _) = h.post(&format!("{location}/sign"), &[("csrf", &csrf)]);
        assert_eq!(status, 303);
        let (_, page) = h.get(&location);
        assert!(page.contains("分管领导") && page.contains("已签发"), "{page}");
        let (status, page, _) = h.post(&format!("{location}/sign"), &[("csrf", &csrf)]);
        assert_eq!(status, 409, "{page}");

        app.add_user("coord", "coordinator", None, None);
        let c = Browser::new(&app);
        c.sign_in("coord", PASSWORD, "");
        let (status, page) = c.get(&format!("/staff/reports?from={from}&to={to}"));
        assert_eq!(status, 200);
        assert!(page.contains("各单位报送情况") && page.contains("未报送"), "{page}");
        let (status, en) = c.get(&format!("/staff/reports?from={from}&to={to}&lang=en"));
        assert_eq!(status, 200);
        assert!(en.contains("Submissions by unit") && en.contains("Not submitted"), "{en}");
        app.add_user("fin", "finance", None, None);
        let f = Browser::new(&app);
        f.sign_in("fin", PASSWORD, "");
        assert_eq!(f.get("/staff/reports").0, 403);
    }
}
