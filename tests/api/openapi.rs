//! The served OpenAPI document against the real answers: every JSON route is called for its
//! success and for errors, and each answer's status must be one the document lists for that
//! route, its content type one it names, and its JSON body valid against that schema. Object
//! schemas are made closed for the check (`additionalProperties: false`), so a field the answer
//! sends but the document does not describe fails as surely as a missing or mistyped one.

use crate::helpers::*;
use crate::on_both_backends;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The document, and what has been checked against it.
struct Contract {
    doc: Value,
    /// (path template, method, status) of every answer checked.
    seen: BTreeSet<(String, String, u16)>,
    failures: Vec<String>,
}

/// Closes every object schema that lists its properties and says nothing of others.
fn closed(mut schema: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                    map.insert("additionalProperties".into(), Value::Bool(false));
                }
                map.values_mut().for_each(walk);
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut schema);
    schema
}

impl Contract {
    /// Fetches the document the running application serves.
    fn fetch(app: &TestApp) -> Contract {
        let a = app.get("/api/v1/openapi.json");
        assert_eq!(a.status, 200);
        let mut c = Contract {
            doc: closed(a.json.clone()),
            seen: BTreeSet::new(),
            failures: Vec::new(),
        };
        c.check("get", "/api/v1/openapi.json", &a);
        c
    }

    /// The documented route a request path falls under: (template, its operation).
    fn operation(&self, method: &str, path: &str) -> Option<(String, Value)> {
        let base = self.doc["servers"][0]["url"].as_str().unwrap_or("");
        let rel = path.split('?').next()?.strip_prefix(base)?;
        let segments: Vec<&str> = rel.split('/').collect();
        let paths = self.doc["paths"].as_object()?;
        let mut found: Vec<(usize, &String)> = paths
            .keys()
            .filter_map(|template| {
                let t: Vec<&str> = template.split('/').collect();
                let fits = t.len() == segments.len()
                    && t.iter()
                        .zip(&segments)
                        .all(|(t, s)| t.starts_with('{') || t == s);
                // Literal segments win over parameters.
                fits.then(|| (t.iter().filter(|t| t.starts_with('{')).count(), template))
            })
            .collect();
        found.sort();
        let (_, template) = found.first()?;
        let op = paths[template.as_str()].get(method)?.clone();
        Some(((*template).clone(), op))
    }

    /// Checks one answer against the document; failures are collected, not thrown, so that one
    /// run lists every mismatch.
    fn check(&mut self, method: &str, path: &str, a: &Answer) {
        let Some((template, op)) = self.operation(method, path) else {
            self.failures
                .push(format!("{method} {path}: not described by the document"));
            return;
        };
        let status = a.status;
        self.seen
            .insert((template.clone(), method.to_owned(), status));
        let here = format!("{method} {template} → {status}");
        let Some(response) = op["responses"].get(status.to_string()) else {
            self.failures.push(format!(
                "{here}: the document does not list this status ({})",
                a.text.chars().take(200).collect::<String>()
            ));
            return;
        };
        // The one header the API documents on an answer.
        if response["headers"].get("Retry-After").is_some() {
            let whole_seconds = a.retry_after.as_deref().and_then(|s| s.parse::<u64>().ok());
            if whole_seconds.is_none() {
                self.failures
                    .push(format!("{here}: no Retry-After in whole seconds"));
            }
        }
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            if !a.text.is_empty() {
                self.failures
                    .push(format!("{here}: a body where the document describes none"));
            }
            return;
        };
        let sent = a.content_type.as_deref().unwrap_or("");
        let essence = sent.split(';').next().unwrap_or("").trim();
        let media = content.iter().find(|(name, _)| {
            let name = name.split(';').next().unwrap_or("").trim();
            name == essence
                || name
                    .strip_suffix("/*")
                    .is_some_and(|top| essence.starts_with(&format!("{top}/")))
        });
        let Some((name, media)) = media else {
            self.failures.push(format!(
                "{here}: content type {sent:?} is not among {:?}",
                content.keys().collect::<Vec<_>>()
            ));
            return;
        };
        if !name.starts_with("application/json") {
            return;
        }
        let mut root = media["schema"].clone();
        if let Some(obj) = root.as_object_mut() {
            obj.insert("components".into(), self.doc["components"].clone());
        }
        let validator = match jsonschema::draft202012::new(&root) {
            Ok(v) => v,
            Err(e) => {
                self.failures.push(format!("{here}: unusable schema: {e}"));
                return;
            }
        };
        if a.json.is_null() {
            self.failures.push(format!("{here}: the body is not JSON"));
            return;
        }
        for e in validator.iter_errors(&a.json) {
            self.failures
                .push(format!("{here}: {e} (at {})", e.instance_path()));
        }
    }

    /// Every answer checked matched the document.
    fn assert_matched(&self) {
        assert!(
            self.failures.is_empty(),
            "{} answer(s) differ from the document:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }

    /// Every answer matched, every operation had a success answer checked, and every route
    /// family an error answer.
    fn assert_complete(&self) {
        self.assert_matched();
        let paths = self.doc["paths"].as_object().expect("paths");
        let mut missing = Vec::new();
        for (template, ops) in paths {
            for method in ops.as_object().expect("operations").keys() {
                let statuses: Vec<u16> = self
                    .seen
                    .iter()
                    .filter(|(t, m, _)| t == template && m == method)
                    .map(|(_, _, s)| *s)
                    .collect();
                if !statuses.iter().any(|s| (200..300).contains(s)) {
                    missing.push(format!("{method} {template}: no success answer checked"));
                }
            }
        }
        for family in ["/tips", "/track", "/staff/", "/finance/"] {
            if !self
                .seen
                .iter()
                .any(|(t, _, s)| t.starts_with(family) && *s >= 400)
            {
                missing.push(format!("{family}…: no error answer checked"));
            }
        }
        assert!(missing.is_empty(), "{}", missing.join("\n"));
    }
}

/// A client's calls, each checked against the contract.
struct Checked<'a> {
    contract: &'a std::cell::RefCell<Contract>,
}

impl Checked<'_> {
    fn on(&self, method: &str, path: &str, a: Answer) -> Answer {
        self.contract.borrow_mut().check(method, path, &a);
        a
    }
}

/// Answers a path with a query string as the document's path, for the checker.
fn get(c: &Checked, client: &StaffClient, path: &str) -> Answer {
    c.on("get", path, client.get(path))
}

fn post(c: &Checked, client: &StaffClient, path: &str, body: Value) -> Answer {
    c.on("post", path, client.post(path, &body))
}

on_both_backends! {
    /// Every JSON route's real answers, successes and errors, match the served OpenAPI document.
    fn every_answer_matches_the_openapi_document(backend: Backend) {
        // Head sign-off on, so that its route answers too.
        let app = TestApp::spawn_with_head_signoff(backend);
        let contract = std::cell::RefCell::new(Contract::fetch(&app));
        let c = Checked { contract: &contract };
        let public = |method: &str, path: &str, body: Option<Value>| -> Answer {
            let a = match body {
                Some(b) => app.post_json(path, &b),
                // A fresh agent: the app's own keeps the cookie of the sign-in below.
                None if method == "delete" => answer(agent().delete(app.url(path)).call().expect("DELETE")),
                None => answer(agent().get(app.url(path)).call().expect("GET")),
            };
            c.on(method, path, a)
        };

        // Reference data.
        assert_eq!(public("get", "/api/v1/sectors", None).status, 200);
        assert_eq!(public("get", "/api/v1/streets", None).status, 200);

        // Reporters: a tip with a street and one without, and the ways a body is refused.
        let with_street = public("post", "/api/v1/tips", Some(anonymous_tip("fire_safety")));
        assert_eq!(with_street.status, 201, "{}", with_street.text);
        let mut named = identified_tip("张三", "13900001111", "zhang@example.com");
        named["street"] = Value::Null;
        let named = public("post", "/api/v1/tips", Some(named));
        assert_eq!(named.status, 201, "{}", named.text);
        assert_eq!(public("post", "/api/v1/tips", Some(json!({"sector": "nope"}))).status, 422);
        let raw = |ct: &str, body: Vec<u8>| c.on("post", "/api/v1/tips", app.post_raw("/api/v1/tips", ct, body));
        assert_eq!(raw("application/json", b"{not json".to_vec()).status, 400);
        assert_eq!(raw("text/plain", b"{}".to_vec()).status, 415);
        let huge = serde_json::to_vec(&json!({"description": "x".repeat(2 << 20)})).unwrap();
        assert_eq!(raw("application/json", huge).status, 413);
        let case = with_street.json["case_number"].as_str().unwrap().to_owned();
        let receipt = with_street.json["receipt"].as_str().unwrap().to_owned();
        let named_case = named.json["case_number"].as_str().unwrap().to_owned();

        assert_eq!(public("post", "/api/v1/track", Some(json!({"receipt": receipt}))).status, 200);
        assert_eq!(public("post", "/api/v1/track", Some(json!({"receipt": "0000 0000 0000 0000"}))).status, 404);
        assert_eq!(public("post", "/api/v1/track", Some(json!({}))).status, 422);
        assert_eq!(public("post", "/api/v1/track/messages", Some(json!({"receipt": receipt, "body": "还在漏气"}))).status, 201);
        assert_eq!(public("post", "/api/v1/track/messages", Some(json!({"receipt": "0000 0000 0000 0000", "body": "x"}))).status, 404);
        assert_eq!(public("post", "/api/v1/track/messages", Some(json!({"receipt": receipt, "body": ""}))).status, 422);
        // Photos later: stored, and refused for a type, for no photo, for an unknown receipt.
        let photos = |receipt: &str, files: &[(&str, &str, &str, Vec<u8>)]| {
            let path = "/api/v1/track/attachments";
            c.on("post", path, app.post_form(path, &[("receipt", receipt)], files))
        };
        let jpg = ("photo", "a.jpg", "image/jpeg", fixture("cam.jpg"));
        assert_eq!(photos(&receipt, std::slice::from_ref(&jpg)).status, 201);
        assert_eq!(photos(&receipt, &[("photo", "x.svg", "image/svg+xml", b"<svg/>".to_vec())]).status, 415);
        assert_eq!(photos(&receipt, &[]).status, 422);
        assert_eq!(photos("0000 0000 0000 0000", &[jpg]).status, 404);

        // Staff: signing in and out.
        app.add_user("fire.officer", "officer", Some("fire"), None);
        let wrong = public("post", "/api/v1/staff/session", Some(json!({"username": "fire.officer", "password": "wrong"})));
        assert_eq!(wrong.status, 401);
        let ok = public("post", "/api/v1/staff/session", Some(json!({"username": "fire.officer", "password": PASSWORD})));
        assert_eq!(ok.status, 200, "{}", ok.text);
        let officer = app.sign_in("fire.officer", PASSWORD).unwrap();
        let head = app.staff("fire.head", "head", Some("fire"));
        let coordinator = app.staff("coord", "coordinator", None);
        let inspector = app.staff("insp", "inspector", None);
        let fin1 = app.staff("finance1", "finance", None);
        let fin2 = app.staff("finance2", "finance", None);
        let fin3 = app.staff("finance3", "finance", None);
        assert_eq!(public("delete", "/api/v1/staff/session", None).status, 401);
        let leaving = app.staff("leaving", "officer", Some("fire"));
        let no_csrf = answer(leaving.agent.delete(app.url("/api/v1/staff/session")).call().unwrap());
        assert_eq!(c.on("delete", "/api/v1/staff/session", no_csrf).status, 403);
        assert_eq!(c.on("delete", "/api/v1/staff/session", leaving.delete("/api/v1/staff/session")).status, 204);

        // The queue and a case.
        assert_eq!(get(&c, &officer, "/api/v1/staff/tips?overdue=false&page=1").status, 200);
        assert_eq!(get(&c, &coordinator, "/api/v1/staff/tips").status, 200);
        assert_eq!(public("get", "/api/v1/staff/tips", None).status, 401);
        assert_eq!(get(&c, &fin1, "/api/v1/staff/tips").status, 403);
        assert_eq!(get(&c, &officer, "/api/v1/staff/tips?page=abc").status, 400);
        assert_eq!(get(&c, &officer, &format!("/api/v1/staff/tips/{case}")).status, 200);
        assert_eq!(get(&c, &coordinator, &format!("/api/v1/staff/tips/{named_case}")).status, 200);
        assert_eq!(get(&c, &officer, "/api/v1/staff/tips/HL-2026-999999").status, 404);

        // Actions, messages, identity.
        let act = |who: &StaffClient, body: Value| post(&c, who, &format!("/api/v1/staff/tips/{case}/actions"), body);
        assert_eq!(act(&officer, json!({"action": "close"})).status, 403);
        assert_eq!(act(&officer, json!({"action": "confirm_rectified"})).status, 409);
        assert_eq!(act(&officer, json!({"action": "reject"})).status, 422);
        assert_eq!(act(&inspector, json!({"action": "accept"})).status, 403);
        for step in ["accept", "start_verification", "substantiate"] {
            assert_eq!(act(&officer, json!({"action": step, "note": "核查属实", "finding": FINDING})).status, 200);
        }
        let m = format!("/api/v1/staff/tips/{case}/messages");
        assert_eq!(post(&c, &officer, &m, json!({"body": "已派员核查"})).status, 201);
        assert_eq!(post(&c, &officer, &m, json!({"body": ""})).status, 422);
        assert_eq!(post(&c, &coordinator, &format!("/api/v1/staff/tips/{named_case}/identity"), json!({"reason": "核实举报人身份"})).status, 200);
        assert_eq!(post(&c, &coordinator, &format!("/api/v1/staff/tips/{case}/identity"), json!({"reason": "核实"})).status, 409);
        assert_eq!(post(&c, &officer, &format!("/api/v1/staff/tips/{case}/identity"), json!({"reason": "核实"})).status, 403);

        // A written explanation of a missed limit (its acceptance limit set in the past) and
        // 区安委办's decision on it: the case answers with its explanations.
        let late = app.new_case("fire_safety");
        app.exec(&format!("UPDATE case_files SET acceptance_due = '2020-01-06' WHERE tip_id = (SELECT id FROM tips WHERE case_number = '{late}')"));
        let late_actions = format!("/api/v1/staff/tips/{late}/actions");
        let x = post(&c, &officer, &late_actions, json!({"action": "explain_delay", "limit": "acceptance", "explanation": "举报地址不详。", "new_date": app.today().to_string()}));
        assert_eq!(x.status, 200, "{}", x.text);
        let id = x.json["explanations"][0]["id"].clone();
        let ack = post(&c, &coordinator, &late_actions, json!({"action": "acknowledge_explanation", "explanation_id": id, "decision": "returned", "note": "请补充"}));
        assert_eq!(ack.status, 200, "{}", ack.text);
        assert_eq!(ack.json["explanations"][0]["decision"], "returned");

        // A photo (through the form, the only way in) and a missing one.
        let photo = app.post_form(
            "/report",
            &[("sector", "fire_safety"), ("address", "湖里大道 8 号"), ("description", "三楼安全出口被铁链锁住，周末人很多。"), ("severity", "general"), ("anonymous", "on")],
            &[("photos", "p.jpg", "image/jpeg", fixture("cam.jpg"))],
        );
        let photo_case = element_text(&photo.text, "case-number").unwrap();
        let d = get(&c, &officer, &format!("/api/v1/staff/tips/{photo_case}"));
        let id = d.json["attachments"][0]["id"].as_i64().unwrap();
        assert_eq!(get(&c, &officer, &format!("/api/v1/staff/tips/{photo_case}/attachments/{id}")).status, 200);
        assert_eq!(get(&c, &officer, &format!("/api/v1/staff/tips/{photo_case}/attachments/999999")).status, 404);

        // Audit and lists.
        assert_eq!(get(&c, &coordinator, "/api/v1/staff/audit").status, 200);
        assert_eq!(get(&c, &inspector, "/api/v1/staff/audit?verify=true").status, 200);
        assert_eq!(get(&c, &officer, "/api/v1/staff/audit").status, 403);
        assert_eq!(get(&c, &officer, "/api/v1/staff/lists/hazards.csv").status, 200);
        assert_eq!(get(&c, &officer, "/api/v1/staff/lists/nothing.csv").status, 404);
        assert_eq!(get(&c, &officer, "/api/v1/staff/lists/rectifications.xlsx?street=jiangtou").status, 200);
        assert_eq!(get(&c, &officer, "/api/v1/staff/lists/hazards.csv?from=yesterday").status, 422);
        // The hazard import: a sheet imported, and one refused for its rows.
        let import = |who: &StaffClient, sheet: String| {
            let files = [("file", "h.csv", "text/csv", sheet.into_bytes())];
            c.on("post", "/api/v1/staff/hazards/import", who.post_multipart("/api/v1/staff/hazards/import", &[], &files))
        };
        let header = "source,credit_code,enterprise_name,address,sector,street,description,grade,found_on,department,responsible_person,supervisor,measures,deadline";
        let (found, due) = (app.today(), app.today() + chrono::Duration::days(20));
        let line = format!("street_inspection,91350206MA2Y0K7T19,某某餐馆,江头北路 1 号,gas,jiangtou,后厨钢瓶与灶具间距不足,general,{found},fire,王某,李某,移走钢瓶,{due}");
        assert_eq!(import(&coordinator, format!("{header}\n{line}\n")).status, 200);
        assert_eq!(import(&coordinator, format!("{header}\n{}\n", line.replace(",general,", ",huge,"))).status, 422);
        assert_eq!(import(&coordinator, String::new()).status, 422);
        assert_eq!(import(&fin1, format!("{header}\n{line}\n")).status, 403);

        // A reward from proposal to payout, with the refusals on the way.
        let propose = |who: &StaffClient, case: &str, body: Value| post(&c, who, &format!("/api/v1/staff/tips/{case}/reward"), body);
        let fine = json!({"basis": "major_hazard_fine", "fine_yuan": 100000, "penalty_decision": "厦湖应急罚〔2026〕9号"});
        let p = propose(&officer, &case, fine.clone());
        assert_eq!(p.status, 201, "{}", p.text);
        assert_eq!(propose(&officer, &case, json!({"basis": "general_hazard"})).status, 409);
        assert_eq!(propose(&officer, &named_case, json!({"basis": "general_hazard"})).status, 409);
        let excluded = app.new_case("fire_safety");
        officer.steps(&excluded, &["accept", "start_verification", "substantiate"]);
        assert_eq!(propose(&officer, &excluded, json!({"basis": "major_hazard_fine"})).status, 422);
        let x = propose(&officer, &excluded, json!({"exclude": "already_known", "note": "已在专项检查中发现"}));
        assert_eq!((x.status, x.json["status"].as_str()), (201, Some("excluded")));
        let id = p.json["id"].as_i64().unwrap();
        let sign_off = format!("/api/v1/staff/rewards/{id}/sign-off");
        assert_eq!(post(&c, &officer, &sign_off, json!({"decision": "approve"})).status, 403);
        assert_eq!(post(&c, &head, &sign_off, json!({"decision": "return"})).status, 422, "a return needs a note");
        assert_eq!(post(&c, &head, &sign_off, json!({"decision": "return", "note": "请附处罚决定书复印件"})).status, 200);
        let put = |who: &StaffClient, path: &str, body: Value| c.on("put", path, who.put(path, &body));
        let reward = format!("/api/v1/staff/rewards/{id}");
        assert_eq!(put(&officer, &reward, json!({"basis": "major_hazard_fine", "fine_yuan": 100000})).status, 422);
        assert_eq!(put(&officer, "/api/v1/staff/rewards/999999", fine.clone()).status, 404);
        assert_eq!(put(&officer, &reward, fine.clone()).status, 200);
        assert_eq!(post(&c, &head, &sign_off, json!({"decision": "approve"})).status, 200);
        assert_eq!(post(&c, &head, &sign_off, json!({"decision": "approve"})).status, 409);
        assert_eq!(put(&officer, &reward, fine.clone()).status, 200, "corrected again, before finance decides");
        assert_eq!(post(&c, &head, &sign_off, json!({"decision": "approve"})).status, 200);
        assert_eq!(get(&c, &fin1, "/api/v1/finance/rewards?status=proposed").status, 200);
        assert_eq!(get(&c, &fin1, "/api/v1/finance/rewards").status, 200);
        assert_eq!(get(&c, &officer, "/api/v1/finance/rewards").status, 403);
        let decision = format!("/api/v1/finance/rewards/{id}/decision");
        assert_eq!(post(&c, &fin1, &decision, json!({"decision": "maybe", "note": ""})).status, 422);
        assert_eq!(post(&c, &officer, &decision, json!({"decision": "approve", "note": ""})).status, 403);
        assert_eq!(post(&c, &fin1, &decision, json!({"decision": "approve", "amount_yuan": 12000, "note": "罚款已部分减免"})).status, 200);
        assert_eq!(post(&c, &fin2, &decision, json!({"decision": "approve"})).status, 200, "the second approval");
        assert_eq!(post(&c, &fin3, &decision, json!({"decision": "reject", "note": "x"})).status, 409);
        assert_eq!(post(&c, &fin1, "/api/v1/finance/rewards/999999/decision", json!({"decision": "approve", "note": ""})).status, 404);
        assert_eq!(put(&officer, &reward, fine.clone()).status, 409, "decided");
        let withdraw = format!("/api/v1/staff/rewards/{id}/withdraw");
        assert_eq!(post(&c, &officer, &withdraw, json!({"reason": "x"})).status, 409, "decided");
        assert_eq!(public("post", "/api/v1/track", Some(json!({"receipt": receipt}))).status, 200);
        let payout = format!("/api/v1/finance/rewards/{id}/payout");
        let payee = format!("/api/v1/finance/rewards/{id}/payee");
        assert_eq!(post(&c, &fin3, &payout, json!({"reference": "X"})).status, 409);
        assert_eq!(post(&c, &fin3, &payee, json!({"reason": "发放"})).status, 409);
        let claim = json!({"receipt": receipt, "payee_name": "匿名举报人", "payee_account": "6222021234567890123", "phone": "13900007777", "id_number": "11010519491231002X"});
        assert_eq!(public("post", "/api/v1/track/reward-claim", Some(json!({"receipt": "0000 0000 0000 0000", "payee_name": "x", "payee_account": "6222021234567890123", "phone": "13900007777", "id_number": "11010519491231002X"}))).status, 404);
        let mut short = claim.clone();
        short["payee_account"] = json!("12");
        assert_eq!(public("post", "/api/v1/track/reward-claim", Some(short)).status, 422);
        assert_eq!(public("post", "/api/v1/track/reward-claim", Some(claim.clone())).status, 201);
        assert_eq!(public("post", "/api/v1/track/reward-claim", Some(claim)).status, 409);
        assert_eq!(post(&c, &fin1, &payout, json!({"reference": "BANK-1"})).status, 403);
        assert_eq!(post(&c, &fin1, &payee, json!({"reason": "发放"})).status, 403);
        assert_eq!(post(&c, &fin3, &payee, json!({"reason": ""})).status, 422);
        assert_eq!(post(&c, &fin3, "/api/v1/finance/rewards/999999/payee", json!({"reason": "发放"})).status, 404);
        assert_eq!(post(&c, &fin3, &payee, json!({"reason": "办理发放"})).status, 200);
        assert_eq!(post(&c, &fin3, &payout, json!({"reference": ""})).status, 422);
        assert_eq!(post(&c, &fin3, &payout, json!({"reference": "BANK-20261128-001"})).status, 200);
        assert_eq!(public("post", "/api/v1/track", Some(json!({"receipt": receipt}))).status, 200);
        assert_eq!(get(&c, &fin1, "/api/v1/finance/rewards").status, 200);
        assert_eq!(get(&c, &fin1, "/api/v1/finance/ledger.csv").status, 200);
        assert_eq!(get(&c, &fin1, "/api/v1/finance/ledger.csv?from=yesterday").status, 422);
        // A proposal withdrawn, and one that expires and is reinstated.
        let mut asks = anonymous_tip("fire_safety");
        asks["wants_reward"] = json!(true);
        let verified = || {
            let case = app.submit(&asks)["case_number"].as_str().unwrap().to_owned();
            officer.steps(&case, &["accept", "start_verification", "substantiate"]);
            propose(&officer, &case, json!({"basis": "general_hazard"})).json["id"].as_i64().unwrap()
        };
        let (gone, lapsing) = (verified(), verified());
        let withdraw = format!("/api/v1/staff/rewards/{gone}/withdraw");
        assert_eq!(post(&c, &officer, &withdraw, json!({"reason": ""})).status, 422);
        assert_eq!(post(&c, &officer, &withdraw, json!({"reason": "举报人撤回奖励申请"})).status, 200);
        assert_eq!(post(&c, &officer, &withdraw, json!({"reason": "again"})).status, 409);
        assert_eq!(post(&c, &officer, "/api/v1/staff/rewards/999999/withdraw", json!({"reason": "x"})).status, 404);
        assert_eq!(post(&c, &head, "/api/v1/staff/rewards/999999/sign-off", json!({"decision": "approve"})).status, 404);
        assert_eq!(post(&c, &fin1, &withdraw, json!({"reason": "x"})).status, 403);
        assert_eq!(post(&c, &head, &format!("/api/v1/staff/rewards/{lapsing}/sign-off"), json!({"decision": "approve"})).status, 200);
        assert_eq!(post(&c, &fin1, &format!("/api/v1/finance/rewards/{lapsing}/decision"), json!({"decision": "approve"})).status, 200);
        let reinstate = format!("/api/v1/finance/rewards/{lapsing}/reinstate");
        assert_eq!(post(&c, &fin1, &reinstate, json!({"reason": "举报人住院"})).status, 409, "not expired");
        app.advance(chrono::Duration::days(61));
        app.services.run_jobs().unwrap();
        let fin9 = app.staff("finance9", "finance", None);
        assert_eq!(post(&c, &fin9, &reinstate, json!({"reason": ""})).status, 422);
        assert_eq!(post(&c, &fin9, "/api/v1/finance/rewards/999999/reinstate", json!({"reason": "x"})).status, 404);
        assert_eq!(post(&c, &fin9, &reinstate, json!({"reason": "举报人住院，未能按期领取"})).status, 200);

        // A tip taken by staff from another channel.
        let mut taken = anonymous_tip("fire_safety");
        taken["channel"] = json!("letter");
        taken["received_at"] = json!(chrono::Utc::now().to_rfc3339());
        assert_eq!(post(&c, &fin9, "/api/v1/staff/tips", taken.clone()).status, 403);
        let officer = app.staff("fire.officer9", "officer", Some("fire"));
        assert_eq!(post(&c, &officer, "/api/v1/staff/tips", taken.clone()).status, 201);
        taken["channel"] = json!("pigeon");
        assert_eq!(post(&c, &officer, "/api/v1/staff/tips", taken).status, 422);

        // Supervision findings, the timeliness view, accountability records.
        let insp = app.staff("insp9", "inspector", None);
        let finding = json!({"kind": "spot_check", "unit": "fire", "finding": "抽查消防通道，发现堵塞。", "conclusion": "problem"});
        assert_eq!(post(&c, &insp, "/api/v1/staff/supervision", finding).status, 201);
        assert_eq!(post(&c, &insp, "/api/v1/staff/supervision", json!({"kind": "x"})).status, 422);
        assert_eq!(get(&c, &insp, "/api/v1/staff/supervision").status, 200);
        assert_eq!(get(&c, &insp, "/api/v1/staff/supervision/timeliness").status, 200);
        assert_eq!(get(&c, &insp, "/api/v1/staff/supervision/timeliness?to=bad").status, 422);
        let coord9 = app.staff("coord9", "coordinator", None);
        let measure = json!({"kind": "warning_notice", "unit": "fire", "decided_on": "2026-01-05", "summary": "通道堵塞问题警示通报。"});
        assert_eq!(post(&c, &coord9, "/api/v1/staff/accountability", measure).status, 201);
        assert_eq!(post(&c, &insp, "/api/v1/staff/accountability", json!({})).status, 403);
        assert_eq!(get(&c, &coord9, "/api/v1/staff/accountability?unit=fire").status, 200);
        // The evaluation judgments of a unit and period (the coordinator).
        let scores = json!({"leadership": 90, "hazard_screening": 80, "rectification_in_place": 70, "accident_prevention": 60, "leadership_note": "专班推进"});
        let scored = "/api/v1/staff/evaluation/fire?from=2026-01-01&to=2026-03-31";
        assert_eq!(c.on("put", scored, coord9.put(scored, &scores)).status, 200);
        assert_eq!(c.on("put", scored, coord9.put(scored, &json!({"leadership": 101}))).status, 422);
        assert_eq!(c.on("put", scored, insp.put(scored, &scores)).status, 403);
        // Hazards: recorded, read, a step; refusals of each kind.
        let e = crate::hazards::enterprise(&app, "某某海鲜酒楼", &crate::hazards::credit_code("91350206MA2Y3K4L5"));
        let body = crate::hazards::hazard_body(&app, e);
        let h = post(&c, &officer, "/api/v1/staff/hazards", body.clone());
        assert_eq!(h.status, 201, "{}", h.text);
        assert_eq!(post(&c, &officer, "/api/v1/staff/hazards", json!({"source": "rumour"})).status, 422);
        assert_eq!(post(&c, &fin9, "/api/v1/staff/hazards", body).status, 403);
        let hazard = format!("/api/v1/staff/hazards/{}", h.json["id"]);
        assert_eq!(get(&c, &officer, &hazard).status, 200);
        assert_eq!(get(&c, &officer, "/api/v1/staff/hazards/999999").status, 404);
        let head = app.staff("fire.head9", "head", Some("fire"));
        let steps = format!("{hazard}/actions");
        let today = app.today().to_string();
        assert_eq!(post(&c, &officer, &steps, json!({"action": "report_rectified", "completed_on": today, "note": "已整改"})).status, 200);
        assert_eq!(post(&c, &officer, &steps, json!({"action": "review", "decision": "pass"})).status, 403);
        assert_eq!(post(&c, &head, &steps, json!({"action": "review", "decision": "fail"})).status, 422);
        assert_eq!(post(&c, &head, &steps, json!({"action": "escalate", "reason": "x"})).status, 409);
        assert_eq!(post(&c, &head, "/api/v1/staff/hazards/999999/actions", json!({"action": "supervise"})).status, 404);
        // Enterprises, a tip linked to one, and the blacklist (fresh sessions: time moved on).
        let coordinator = app.staff("coord10", "coordinator", None);
        // A hazard past its deadline: its explanation and 区安委办's decision.
        let mut overdue = crate::hazards::hazard_body(&app, crate::hazards::enterprise(&app, "某某仓库", &crate::hazards::credit_code("91350206MA2Y3K4L6")));
        overdue["deadline"] = json!(app.today().pred_opt().unwrap().to_string());
        let late = post(&c, &officer, "/api/v1/staff/hazards", overdue);
        assert_eq!(late.status, 201, "{}", late.text);
        let late_steps = format!("/api/v1/staff/hazards/{}/actions", late.json["id"]);
        let x = post(&c, &officer, &late_steps, json!({"action": "explain_delay", "explanation": "资金未到位。"}));
        assert_eq!(x.status, 200, "{}", x.text);
        let id = x.json["explanations"][0]["id"].clone();
        let ack = post(&c, &coordinator, &late_steps, json!({"action": "acknowledge_explanation", "explanation_id": id, "decision": "accepted"}));
        assert_eq!((ack.status, &ack.json["explanations"][0]["decision"]), (200, &json!("accepted")), "{}", ack.text);
        let e = json!({"name": "某某海鲜酒楼有限公司", "credit_code": "91350100M000100Y43", "address": "江头北路216号", "street": "jiangtou", "sector": "fire_safety"});
        let created = post(&c, &officer, "/api/v1/staff/enterprises", e.clone());
        assert_eq!(created.status, 201, "{}", created.text);
        assert_eq!(post(&c, &officer, "/api/v1/staff/enterprises", e).status, 422);
        assert_eq!(post(&c, &fin9, "/api/v1/staff/enterprises", json!({})).status, 403);
        let id = created.json["id"].as_i64().unwrap();
        assert_eq!(get(&c, &officer, "/api/v1/staff/enterprises?q=%E6%B5%B7%E9%B2%9C").status, 200);
        assert_eq!(get(&c, &officer, "/api/v1/staff/enterprises").status, 200);
        let linked = app.new_case("fire_safety");
        assert_eq!(post(&c, &officer, &format!("/api/v1/staff/tips/{linked}/actions"), json!({"action": "link_enterprise", "enterprise_id": id})).status, 200);
        let against = json!({"kind": "interview", "enterprise_id": id, "case_numbers": [linked], "decided_on": "2026-01-05", "summary": "约谈酒楼主要负责人。"});
        assert_eq!(post(&c, &coordinator, "/api/v1/staff/accountability", against).status, 201);
        let one = format!("/api/v1/staff/enterprises/{id}");
        assert_eq!(get(&c, &officer, &one).status, 200, "with its accountability");
        assert_eq!(get(&c, &officer, "/api/v1/staff/enterprises/999999").status, 404);
        let list = format!("{one}/blacklist");
        assert_eq!(post(&c, &officer, &list, json!({"reason": "多次发现重大事故隐患"})).status, 403);
        assert_eq!(post(&c, &coordinator, &list, json!({"reason": ""})).status, 422);
        assert_eq!(post(&c, &coordinator, "/api/v1/staff/enterprises/999999/blacklist", json!({"reason": "多次发现重大事故隐患"})).status, 404);
        assert_eq!(post(&c, &coordinator, &list, json!({"reason": "多次发现重大事故隐患", "until": "2099-12-31"})).status, 201);
        assert_eq!(post(&c, &coordinator, &list, json!({"reason": "多次发现重大事故隐患"})).status, 409);
        assert_eq!(get(&c, &officer, &one).status, 200, "with its entry");
        let withdraw = format!("{one}/blacklist/withdraw");
        assert_eq!(post(&c, &coordinator, &withdraw, json!({"reason": "整改到位"})).status, 200);
        assert_eq!(post(&c, &coordinator, &withdraw, json!({"reason": "整改到位"})).status, 409);

        // Joint inspections.
        let visited = crate::hazards::enterprise(&app, "某某冻品批发行", &crate::hazards::credit_code("91350206MA2Y3K4L8"));
        let coord11 = app.staff("coord11", "coordinator", None);
        let task = json!({"title": "冷链仓储联合检查", "date": app.today().to_string(), "departments": ["fire", "emergency"], "enterprise_ids": [visited], "members": "消防 李某、应急 林某"});
        let made = post(&c, &coord11, "/api/v1/staff/inspections", task);
        assert_eq!(made.status, 201, "{}", made.text);
        assert_eq!(post(&c, &coord11, "/api/v1/staff/inspections", json!({"departments": ["fire"]})).status, 422);
        assert_eq!(get(&c, &coord11, "/api/v1/staff/inspections").status, 200);
        let task = format!("/api/v1/staff/inspections/{}", made.json["id"]);
        assert_eq!(get(&c, &coord11, &task).status, 200);
        assert_eq!(get(&c, &coord11, "/api/v1/staff/inspections/999999").status, 404);
        let mut found = crate::hazards::hazard_body(&app, visited);
        found.as_object_mut().unwrap().remove("source");
        assert_eq!(post(&c, &coord11, &format!("{task}/hazards"), found.clone()).status, 201);
        found["department"] = json!("market");
        assert_eq!(post(&c, &coord11, &format!("{task}/hazards"), found).status, 422);

        // Progress reports: saved, read, edited, reviewed, signed, submitted, listed.
        let reporter = app.staff("fire.officer12", "officer", Some("fire"));
        let fire_head = app.staff("fire.head12", "head", Some("fire"));
        let coord12 = app.staff("coord12", "coordinator", None);
        let day = app.today().to_string();
        let report = json!({"from": day, "to": day, "narrative": {"progress": "本期工作", "problems": "", "next_steps": ""}});
        let saved = post(&c, &reporter, "/api/v1/staff/reports", report);
        assert_eq!(saved.status, 201, "{}", saved.text);
        assert_eq!(post(&c, &reporter, "/api/v1/staff/reports", json!({"from": "x"})).status, 422);
        let one = format!("/api/v1/staff/reports/{}", saved.json["id"]);
        assert_eq!(get(&c, &reporter, &one).status, 200);
        assert_eq!(get(&c, &reporter, "/api/v1/staff/reports/999999").status, 404);
        let edit = reporter.put(&one, &json!({"progress": "本期工作（修改）"}));
        assert_eq!(c.on("put", &one, edit).status, 200);
        assert_eq!(post(&c, &reporter, &format!("{one}/sign"), json!({})).status, 403);
        assert_eq!(post(&c, &reporter, &format!("{one}/submit"), json!({})).status, 409);
        assert_eq!(post(&c, &fire_head, &format!("{one}/review"), json!({})).status, 200);
        assert_eq!(post(&c, &fire_head, &format!("{one}/sign"), json!({})).status, 200);
        assert_eq!(post(&c, &reporter, &format!("{one}/submit"), json!({})).status, 200);
        assert_eq!(get(&c, &coord12, &format!("/api/v1/staff/reports?from={day}&to={day}")).status, 200);
        assert_eq!(get(&c, &coord12, "/api/v1/staff/reports?from=bad").status, 422);

        // Found by the schema fuzzer (.ci/fuzz): a NUL anywhere in a request is refused with 422
        // before any handler, on every route, and the document says so.
        assert_eq!(get(&c, &coord12, "/api/v1/staff/tips?street=%00").status, 422);
        assert_eq!(get(&c, &coord12, "/api/v1/finance/rewards?x=%00").status, 422);
        let nul = json!({"username": "coord\u{0}", "password": "x"});
        assert_eq!(post(&c, &coord12, "/api/v1/staff/session", nul).status, 422);

        contract.into_inner().assert_complete();
    }

    /// The rate-limited answers (429 with Retry-After) match the document too.
    fn limited_answers_match_the_openapi_document(backend: Backend) {
        let app = TestApp::spawn_with(backend, |f| f.merge(("rate_limits", "on")));
        let mut contract = Contract::fetch(&app);
        let mut last = |path: &str, body: Value, times: usize| -> u16 {
            let mut status = 0;
            for _ in 0..times {
                let a = app.post_json(path, &body);
                contract.check("post", path, &a);
                status = a.status;
            }
            status
        };
        assert_eq!(last("/api/v1/tips", anonymous_tip("gas"), 6), 429);
        assert_eq!(last("/api/v1/track", json!({"receipt": "0000 0000 0000 0000"}), 11), 429);
        assert_eq!(last("/api/v1/staff/session", json!({"username": "nobody", "password": "x"}), 6), 429);
        contract.assert_matched();
    }
}
