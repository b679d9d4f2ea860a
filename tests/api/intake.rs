use crate::helpers::*;
use crate::on_both_backends;
use serde_json::{Value, json};
use std::collections::HashSet;

/// A change to a valid tip that should make it fail.
type Change = Box<dyn Fn(&mut Value)>;

fn is_receipt(s: &str) -> bool {
    let groups: Vec<&str> = s.split(' ').collect();
    groups.len() == 4
        && groups
            .iter()
            .all(|g| g.len() == 4 && g.chars().all(|c| c.is_ascii_digit()))
}

fn year() -> i32 {
    use chrono::Datelike;
    (chrono::Utc::now() + chrono::Duration::hours(8)).year()
}

/// The fields of a 422, as (field, messages).
fn field_errors(a: &Answer) -> Vec<String> {
    assert_eq!(a.status, 422, "{}", a.text);
    assert_eq!(a.json["error"], "validation");
    let mut v: Vec<String> = a.json["fields"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    v.sort();
    v
}

on_both_backends! {
    /// A valid anonymous tip is answered 201 with a case number, a receipt and its routing.
    fn an_anonymous_tip_is_stored_and_routed(app) {
        let a = app.post_json("/api/v1/tips", &anonymous_tip("gas"));
        assert_eq!(a.status, 201, "{}", a.text);
        let b = a.json;
        assert_eq!(b["case_number"], format!("HL-{}-000001", year()));
        assert!(is_receipt(b["receipt"].as_str().unwrap()), "{}", b["receipt"]);
        assert_eq!(b["status"], "submitted");
        assert_eq!(b["department"], json!({"code": "municipal", "name_zh": "区市政园林局 (城市综合管理)", "name_en": "Municipal Utilities Bureau"}));
        assert_eq!(b["street"]["code"], "jiangtou");
    }

    /// Every sector of the shipped configuration routes to its lead and co-departments, with
    /// the street attached; "other" goes to the coordinator's triage with a keyword suggestion.
    fn every_shipped_sector_routes_to_its_department(app) {
        let catalog = app.services.catalog.clone();
        for sector in catalog.sectors() {
            let mut tip = anonymous_tip(&sector.code);
            tip["street"] = json!("heshan");
            tip["description"] = json!("楼道里停了很多电动车在充电，晚上也没人看管，非常危险。");
            let b = app.submit(&tip);
            assert_eq!(b["department"]["code"], sector.lead.as_str(), "sector {}", sector.code);
            let co: Vec<&str> = b["co_departments"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
            assert_eq!(co, sector.co_departments.iter().map(String::as_str).collect::<Vec<_>>(), "sector {}", sector.code);
            assert_eq!(b["street"]["code"], "heshan");

            let mut conn = app.services.db.read().unwrap();
            let row = tipline::db::tips::find_by_case_number(&mut conn, b["case_number"].as_str().unwrap()).unwrap().unwrap();
            assert_eq!(row.triage, sector.triage, "sector {}", sector.code);
            let units = tipline::db::tips::units_of(&mut conn, row.id).unwrap();
            assert!(units.contains(&("heshan".to_string(), "street".to_string())));
            assert!(units.contains(&(sector.lead.clone(), "lead".to_string())));
            if sector.triage {
                assert_eq!(sector.lead, catalog.coordinator().code);
                assert_eq!(row.suggested_sector.as_deref(), Some("ebike"));
            } else {
                assert_eq!(row.suggested_sector, None);
            }
        }
        // The mandated ones, spelled out.
        for (sector, lead) in [("hazardous_chemicals", "emergency"), ("construction", "construction"), ("road_traffic", "traffic_police"), ("special_equipment", "market"), ("delivery", "postal"), ("other", "safety_office")] {
            assert_eq!(app.submit(&anonymous_tip(sector))["department"]["code"], lead);
        }
    }

    /// A triage tip without a known keyword carries no suggestion; with one, the first keyword
    /// in the text wins.
    fn triage_suggestions_follow_the_keywords(app) {
        let mut tip = anonymous_tip("other");
        tip["description"] = json!("工厂里有人在污水井下作业，没有通风也没有检测仪。");
        let b = app.submit(&tip);
        tip["description"] = json!("路边广告牌松动了，刮风的时候晃得厉害。");
        let c = app.submit(&tip);
        let mut conn = app.services.db.read().unwrap();
        let find = |b: &Value, conn: &mut tipline::db::PooledConn| {
            tipline::db::tips::find_by_case_number(conn, b["case_number"].as_str().unwrap()).unwrap().unwrap()
        };
        assert_eq!(find(&b, &mut conn).suggested_sector.as_deref(), Some("confined_space"));
        assert_eq!(find(&c, &mut conn).suggested_sector, None);
    }

    /// Rejected submissions take no number: case numbers stay gap-free.
    fn case_numbers_are_gap_free_across_rejections(app) {
        let mut seen = Vec::new();
        for i in 0..6 {
            if i % 2 == 1 {
                let mut bad = anonymous_tip("gas");
                bad["description"] = json!("短");
                assert_eq!(app.post_json("/api/v1/tips", &bad).status, 422);
            }
            seen.push(app.new_case("gas"));
        }
        let expected: Vec<String> = (1..=6).map(|n| format!("HL-{}-{n:06}", year())).collect();
        assert_eq!(seen, expected);
    }

    /// Concurrent submissions are all stored, none lost, none failing with a busy database,
    /// each with its own consecutive number.
    fn concurrent_submissions_are_all_stored(app) {
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let url = app.url("/api/v1/tips");
                std::thread::spawn(move || {
                    let agent = agent();
                    (0..8)
                        .map(|_| {
                            let mut r = agent.post(&url).send_json(anonymous_tip("fire_safety")).unwrap();
                            assert_eq!(r.status().as_u16(), 201);
                            let v: Value = r.body_mut().read_json().unwrap();
                            v["case_number"].as_str().unwrap().to_owned()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let numbers: HashSet<String> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
        assert_eq!(numbers.len(), 64);
        let expected: HashSet<String> = (1..=64).map(|n| format!("HL-{}-{n:06}", year())).collect();
        assert_eq!(numbers, expected);
        let mut conn = app.services.db.read().unwrap();
        assert_eq!(tipline::db::tips::count(&mut conn).unwrap(), 64);
    }

    /// An identified tip with a valid mainland mobile (in any usual spelling) is accepted.
    fn an_identified_tip_is_accepted(app) {
        let b = app.submit(&identified_tip("王建国", "+86 139-0000-1234", "wang@example.com"));
        assert_eq!(b["department"]["code"], "fire");
        let mut tip = identified_tip("李", "13900001234", "");
        tip.as_object_mut().unwrap().remove("anonymous");
        assert_eq!(app.post_json("/api/v1/tips", &tip).status, 201, "a reporter without `anonymous` is identified");
    }

    /// Each validation rule answers 422 naming the field, dotted for the reporter's fields.
    fn each_validation_rule_names_its_field(app) {
        let cases: Vec<(Change, &[&str])> = vec![
            (Box::new(|t| { t.as_object_mut().unwrap().remove("sector"); }), &["sector"]),
            (Box::new(|t| t["sector"] = json!("nuclear")), &["sector"]),
            (Box::new(|t| t["street"] = json!("atlantis")), &["street"]),
            (Box::new(|t| t["address"] = json!("路")), &["address"]),
            (Box::new(|t| t["address"] = json!("路".repeat(201))), &["address"]),
            (Box::new(|t| t["enterprise"] = json!("企".repeat(201))), &["enterprise"]),
            (Box::new(|t| t["description"] = json!("九个字九个字九个字")), &["description"]),
            (Box::new(|t| t["description"] = json!("险".repeat(5001))), &["description"]),
            (Box::new(|t| t["severity"] = json!("catastrophic")), &["severity"]),
            (Box::new(|t| { t.as_object_mut().unwrap().remove("severity"); }), &["severity"]),
            (Box::new(|t| t["observed_at"] = json!("2999-01-01T00:00:00Z")), &["observed_at"]),
            (Box::new(|t| t["observed_at"] = json!("last tuesday")), &["observed_at"]),
            (Box::new(|t| t["reporter"] = json!({"name": "王", "phone": "13900001234"})), &["reporter"]),
            (Box::new(|t| t["anonymous"] = json!(false)), &["reporter"]),
            (Box::new(|t| { t["anonymous"] = json!(false); t["reporter"] = json!({"name": "", "phone": "12345", "email": "x@"}); }), &["reporter.email", "reporter.name", "reporter.phone"]),
            (Box::new(|t| { t["anonymous"] = json!(false); t["reporter"] = json!({"name": "名".repeat(51), "phone": "13900001234"}); }), &["reporter.name"]),
            (Box::new(|t| { t["anonymous"] = json!(false); t["reporter"] = json!({"name": "王", "phone": "0592-5551234"}); }), &["reporter.phone"]),
        ];
        for (i, (change, fields)) in cases.iter().enumerate() {
            let mut tip = anonymous_tip("gas");
            change(&mut tip);
            let a = app.post_json("/api/v1/tips", &tip);
            assert_eq!(field_errors(&a), fields.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "case {i}: {}", a.text);
        }
        // Boundaries that pass.
        let mut tip = anonymous_tip("gas");
        tip["description"] = json!("十个字十个字十个字十");
        tip["address"] = json!("路口");
        tip["enterprise"] = json!("企".repeat(200));
        assert_eq!(app.post_json("/api/v1/tips", &tip).status, 201);
        // Nothing rejected was stored.
        let mut conn = app.services.db.read().unwrap();
        assert_eq!(tipline::db::tips::count(&mut conn).unwrap(), 1);
    }

    /// Field messages come in the request's language: Chinese by default, English on request.
    fn validation_messages_follow_the_language(app) {
        let mut tip = anonymous_tip("gas");
        tip["description"] = json!("太短");
        let zh = app.post_json("/api/v1/tips", &tip);
        assert_eq!(zh.json["fields"]["description"][0], "至少需要 10 个字。");
        let en = app.post_json_lang("/api/v1/tips", &tip, "en-US,en;q=0.9");
        assert_eq!(en.json["fields"]["description"][0], "At least 10 characters.");
        assert_eq!(en.json["message"], "Some fields need your attention; see the note next to each.");
    }

    /// Unparsable, mistyped, oversized and non-JSON bodies get the contract's statuses and
    /// never serde's or the server's own words.
    fn malformed_bodies_get_clean_errors(app) {
        let a = app.post_raw("/api/v1/tips", "application/json", "{\"sector\": ");
        assert_eq!((a.status, a.json["error"].as_str()), (400, Some("bad_request")));
        let a = app.post_raw("/api/v1/tips", "application/json", "{\"sector\": 5, \"anonymous\": \"yes\"}");
        assert_eq!(a.status, 400);
        for leak in ["line", "column", "expected", "invalid type", "serde", "src/"] {
            assert!(!a.text.contains(leak), "{leak} in {}", a.text);
        }
        let a = app.post_raw("/api/v1/tips", "text/plain", "hello");
        assert_eq!((a.status, a.json["error"].as_str()), (415, Some("unsupported_media")));
        let mut huge = anonymous_tip("gas");
        huge["description"] = json!("险".repeat(400_000));
        let a = app.post_json("/api/v1/tips", &huge);
        assert_eq!((a.status, a.json["error"].as_str()), (413, Some("too_large")));
    }
}

/// A hotline tip as staff register it, received `days_ago`.
fn taken(days_ago: i64) -> serde_json::Value {
    let mut t = anonymous_tip("gas");
    let at = chrono::Utc::now() - chrono::Duration::days(days_ago);
    t["channel"] = serde_json::json!("hotline_12345");
    t["received_at"] = serde_json::json!(at.to_rfc3339());
    t["source_note"] = serde_json::json!("12345 工单 HL20261127-0042");
    t
}

on_both_backends! {
    /// Staff register tips that came by other channels: the channel is kept, limits count from
    /// the time received, the audit names the clerk, and the staff path is not rate limited.
    fn staff_register_tips_from_other_channels(backend: Backend) {
        let app = TestApp::spawn_with(backend, |f| f.merge(("rate_limits", "on")));
        let officer = app.staff("gas.officer", "officer", Some("municipal"));
        let a = officer.post("/api/v1/staff/tips", &taken(3));
        assert_eq!(a.status, 201, "{}", a.text);
        assert_eq!(a.json["channel"], "hotline_12345");
        assert!(a.json["receipt"].as_str().unwrap().len() == 19, "the receipt, this once");
        let case = a.json["case_number"].as_str().unwrap().to_owned();
        let coord = app.staff("coord", "coordinator", None);
        let d = coord.get(&format!("/api/v1/staff/tips/{case}"));
        assert_eq!(d.json["channel"], "hotline_12345");
        assert_eq!(d.json["source_note"], "12345 工单 HL20261127-0042");
        assert_eq!(d.json["received_at"], d.json["submitted_at"]);
        let received = chrono::DateTime::parse_from_rfc3339(d.json["submitted_at"].as_str().unwrap()).unwrap();
        assert!(chrono::Utc::now().signed_duration_since(received) > chrono::Duration::days(2), "limits count from the time received: {}", d.text);
        let today_case = app.new_case("gas");
        let today_due = coord.get(&format!("/api/v1/staff/tips/{today_case}")).json["deadlines"]["acceptance"].as_str().unwrap().to_owned();
        let due = d.json["deadlines"]["acceptance"].as_str().unwrap();
        assert!(due < today_due.as_str(), "received three days ago, its acceptance falls earlier: {due} vs {today_due}");
        assert!(coord.get("/api/v1/staff/tips?channel=hotline_12345").text.contains(&case), "the queue filters by channel");
        assert!(!coord.get("/api/v1/staff/tips?channel=web").text.contains(&case));
        let audit = coord.get(&format!("/api/v1/staff/audit?case_number={case}")).json["entries"].clone();
        assert!(audit.as_array().unwrap().iter().any(|e| e["action"] == "submit" && e["actor"] == "gas.officer"), "{audit}");
        // The dashboard counts tips by channel.
        let b = Browser::new(&app);
        assert_eq!(b.sign_in("coord", PASSWORD, "").0, 303);
        let (status, dashboard) = b.get("/staff/dashboard");
        assert_eq!(status, 200);
        assert!(dashboard.contains("按举报来源") && dashboard.contains("12345 政务服务便民热线"), "{dashboard}");
        let (status, report) = b.get("/staff/report");
        assert_eq!(status, 200);
        assert!(report.contains("report-by-channel") && report.contains("12345 政务服务便民热线"), "the report counts by channel");
        let list = coord.get("/api/v1/staff/lists/hazards.csv").text;
        assert!(list.contains("隐患来源"), "the lists name the hazard's source (a tip's channel is on its case): {list}");
        // The public path is limited where the staff path is not.
        for _ in 0..5 {
            app.post_json("/api/v1/tips", &anonymous_tip("gas"));
        }
        assert_eq!(app.post_json("/api/v1/tips", &anonymous_tip("gas")).status, 429);
        // Every staff channel, and not limited per address, unlike the public path.
        for channel in ["hotline_12345", "hotline_12350", "letter", "visit", "media", "leader_instruction", "referral", "other"] {
            let mut body = taken(0);
            body["channel"] = serde_json::json!(channel);
            let r = officer.post("/api/v1/staff/tips", &body);
            assert_eq!((r.status, r.json["channel"].clone()), (201, serde_json::json!(channel)), "{}", r.text);
        }
        // Bad input names the field and stores nothing.
        let before = { let mut c = app.services.db.read().unwrap(); tipline::db::tips::count(&mut c).unwrap() };
        for (field, value, name) in [
            ("channel", serde_json::json!("pigeon"), "channel"),
            ("channel", serde_json::json!("web"), "channel"),
            ("received_at", serde_json::json!((chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339()), "received_at"),
            ("received_at", serde_json::json!((chrono::Utc::now() - chrono::Duration::days(400)).to_rfc3339()), "received_at"),
            ("received_at", serde_json::json!("yesterday"), "received_at"),
            ("sector", serde_json::json!("nope"), "sector"),
        ] {
            let mut body = taken(0);
            body[field] = value;
            let r = officer.post("/api/v1/staff/tips", &body);
            assert_eq!(r.status, 422, "{field}: {}", r.text);
            assert!(r.json["fields"][name].is_array(), "{field}: {}", r.text);
        }
        let after = { let mut c = app.services.db.read().unwrap(); tipline::db::tips::count(&mut c).unwrap() };
        assert_eq!(before, after);
        for role in ["inspector", "finance"] {
            let who = app.staff(&format!("{role}.x"), role, None);
            assert_eq!(who.post("/api/v1/staff/tips", &taken(0)).status, 403, "{role}");
        }
    }

    /// The intake page: a refused form comes back as typed; a registered tip answers with the
    /// printable acknowledgement slip carrying the case number and the receipt.
    fn the_intake_page_registers_a_tip_and_prints_its_slip(app) {
        app.add_user("gas.officer", "officer", Some("municipal"), None);
        let b = Browser::new(&app);
        assert_eq!(b.sign_in("gas.officer", PASSWORD, "").0, 303);
        let (status, form) = b.get("/staff/tips/new");
        assert_eq!(status, 200);
        assert!(form.contains("12350 安全生产举报投诉热线") && form.contains("name=\"received_at\""));
        let csrf = b.csrf("/staff/tips/new");
        let mut fields = vec![("csrf", csrf.as_str()), ("channel", ""), ("received_at", "2026-11-30T09:30"), ("sector", "gas"), ("street", "jiangtou"), ("address", "江头北路216号负一楼"), ("description", "来电反映：餐馆地下室堆放多个液化气瓶，有异味。"), ("severity", "major"), ("caller", "anonymous")];
        let (status, html, _) = b.post("/staff/tips/new", &fields);
        assert_eq!(status, 422);
        assert!(html.contains("举报来源") && html.contains("来电反映：餐馆地下室堆放多个液化气瓶"), "what was typed comes back: {html}");
        fields[1] = ("channel", "hotline_12350");
        let (status, slip, _) = b.post("/staff/tips/new", &fields);
        assert_eq!(status, 201, "{slip}");
        assert!(slip.contains("安全生产举报受理回执") && slip.contains("12350 安全生产举报投诉热线"));
        let receipt = element_text(&slip, "receipt").expect("the receipt");
        let case = element_text(&slip, "case-number").expect("the case number");
        let page = b.get(&format!("/staff/tips/{case}")).1;
        assert!(page.contains("12350 安全生产举报投诉热线"), "the case page names the channel");
        let t = app.post_json("/api/v1/track", &serde_json::json!({"receipt": receipt}));
        assert_eq!(t.status, 200, "the reporter follows it with the receipt");
        assert_eq!(t.json["case_number"], case.as_str());
    }
}
