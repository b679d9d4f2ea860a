//! The evaluation judgments (成效评估: 组织领导, 隐患排查, 整改到位, 事故防控) the coordinator
//! enters per unit and period, and the weighted total they make with the computed timeliness
//! shares: through HTTP, on both databases.

use crate::helpers::*;
use crate::on_both_backends;
use serde_json::{Value, json};

/// The evaluation CSV's line of a unit, as cells.
fn csv_line(csv: &str, unit_name: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    reader
        .records()
        .map(|r| {
            r.expect("a CSV line")
                .iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .find(|r| r.get(1).map(String::as_str) == Some(unit_name))
        .unwrap_or_else(|| panic!("{unit_name} in {csv}"))
}

/// An accepted fire case of today, and the period around it (`from`, `to`).
fn a_period_with_a_case(app: &TestApp) -> (String, String) {
    let case = app.new_case("fire_safety");
    app.staff("fire.officer", "officer", Some("fire"))
        .steps(&case, &["accept"]);
    let today = app.today();
    (
        (today - chrono::Duration::days(6)).to_string(),
        today.to_string(),
    )
}

const SCORES: &str = r#"{"leadership": 90, "leadership_note": "主要领导专题部署", "hazard_screening": 80, "rectification_in_place": 70, "accident_prevention": 60, "accident_prevention_note": "本期无事故"}"#;

on_both_backends! {
    /// The coordinator enters the four judgments for a unit and period; others get 403, bad
    /// scores 422 field by field; the evaluation CSV and the report then show the parts and
    /// notes, and the unit's total weighs them with the computed shares (未评分 before).
    fn the_coordinator_scores_a_unit_and_the_total_weighs_both(app) {
        let (from, to) = a_period_with_a_case(&app);
        let coord = app.staff("coord", "coordinator", None);
        let csv_path = format!("/staff/evaluation.csv?from={from}&to={to}");
        let before = csv_line(&coord.get(&csv_path).text, "区消防救援大队");
        let computed = before[9].clone();
        assert_eq!(before[10], computed, "the timeliness score is the total");
        assert_eq!(before[11], "未评分");

        let path = format!("/api/v1/staff/evaluation/fire?from={from}&to={to}");
        let scores: Value = serde_json::from_str(SCORES).unwrap();
        for (name, role, unit) in [("fire.head", "head", Some("fire")), ("insp", "inspector", None), ("fire.officer2", "officer", Some("fire"))] {
            assert_eq!(app.staff(name, role, unit).put(&path, &scores).status, 403, "{role}");
        }
        let bad = coord.put(&path, &json!({"leadership": 101, "hazard_screening": "很好", "rectification_in_place": -1, "leadership_note": "很".repeat(2_001)}));
        assert_eq!(bad.status, 422, "{}", bad.text);
        for f in ["leadership", "hazard_screening", "rectification_in_place", "accident_prevention", "leadership_note"] {
            assert!(bad.json["fields"].get(f).is_some(), "{f}: {}", bad.text);
        }
        // A NUL is refused before anything else, naming its field.
        let nul = coord.put(&path, &json!({"leadership": 90, "leadership_note": "\u{0}"}));
        assert_eq!(nul.status, 422, "{}", nul.text);
        assert!(nul.json["fields"].get("leadership_note").is_some(), "{}", nul.text);
        assert_eq!(coord.put(&format!("/api/v1/staff/evaluation/nowhere?from={from}&to={to}"), &scores).status, 422);
        assert_eq!(coord.put(&format!("/api/v1/staff/evaluation/fire?from={to}&to={from}x"), &scores).status, 422);

        let entered = coord.put(&path, &scores);
        assert_eq!(entered.status, 200, "{}", entered.text);
        assert_eq!(entered.json["leadership"], json!({"score": 90, "note": "主要领导专题部署"}));
        assert_eq!(entered.json["entered_by"], "coord");
        let (total, shares) = (entered.json["score"].as_f64().unwrap(), entered.json["computed_score"].as_f64().unwrap());
        // Default weights: the shares as they were, each judgment 0.25 (their mean is 75).
        assert!(total < shares && total > 75.0, "{total} between 75 and {shares}");

        let after = csv_line(&coord.get(&csv_path).text, "区消防救援大队");
        assert_eq!(after[10], computed, "the timeliness score stays");
        assert_eq!(after[9], format!("{total:.1}"), "the total weighs the judgments");
        assert_eq!(after[11..], ["90", "主要领导专题部署", "80", "", "70", "", "60", "本期无事故"]);
        let header = csv_line(&coord.get(&csv_path).text, "单位");
        assert_eq!(header[11..13], ["组织领导", "组织领导说明"]);
        let report = coord.get(&format!("/staff/report?from={from}&to={to}&unit=fire"));
        assert!(report.text.contains("组织领导 90") && report.text.contains("主要领导专题部署"), "{}", report.text);
        let report_csv = coord.get(&format!("/staff/report.csv?from={from}&to={to}&unit=fire"));
        assert!(report_csv.text.contains("\"事故防控\",\"60\",\"本期无事故\""), "{}", report_csv.text);

        // Entered again, the judgments are replaced.
        let mut lower = scores.clone();
        lower["leadership"] = json!(10);
        assert_eq!(coord.put(&path, &lower).json["leadership"]["score"], 10);
        assert_eq!(csv_line(&coord.get(&csv_path).text, "区消防救援大队")[11], "10");
    }

    /// The page: the evaluation table links the coordinator to the form; a refused form comes
    /// back with what was typed; saved, the table shows the parts.
    fn the_scores_form_keeps_what_was_typed_and_saves(app) {
        let (from, to) = a_period_with_a_case(&app);
        app.add_user("coord", "coordinator", None, None);
        let b = Browser::new(&app);
        b.sign_in("coord", PASSWORD, "");
        let (_, dash) = b.get(&format!("/staff/dashboard?from={from}&to={to}"));
        let link = format!("/staff/evaluation/fire?from={from}&amp;to={to}");
        assert!(dash.contains(&link), "{dash}");
        assert!(dash.contains("未评分"));
        let form = format!("/staff/evaluation/fire?from={from}&to={to}");
        let (status, page) = b.get(&form);
        assert_eq!(status, 200);
        assert!(page.contains("组织领导") && page.contains("事故防控"));
        let csrf = b.csrf(&form);
        let fields = |leadership: &'static str| {
            vec![("csrf", csrf.clone()), ("from", from.clone()), ("to", to.clone()), ("leadership", leadership.to_owned()),
                 ("leadership_note", "专题部署".to_owned()), ("hazard_screening", "80".to_owned()),
                 ("rectification_in_place", "70".to_owned()), ("accident_prevention", "60".to_owned())]
        };
        let typed = fields("一百");
        let typed: Vec<(&str, &str)> = typed.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, page, _) = b.post("/staff/evaluation/fire", &typed);
        assert_eq!(status, 422);
        assert!(page.contains("请填写 0 到 100 之间的整数") && page.contains("专题部署") && page.contains("value=\"80\""), "{page}");
        let good = fields("95");
        let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, _, to_page) = b.post("/staff/evaluation/fire", &good);
        assert_eq!(status, 303);
        let (_, dash) = b.get(to_page.as_deref().unwrap().split('#').next().unwrap());
        assert!(dash.contains("组织领导 95"), "{dash}");
        let officer = Browser::new(&app);
        officer.sign_in("fire.officer", PASSWORD, "");
        assert_eq!(officer.get(&form).0, 403);
    }

    /// The weights come from `[evaluation]`: with the judgments weighing nothing the total is
    /// the computed one; weighing alone, it is their mean.
    fn the_weighted_total_follows_the_configured_weights(backend: Backend) {
        let judged_only = TestApp::spawn_with(backend, |f| {
            f.merge(("evaluation.acceptance_in_time", 0.0))
                .merge(("evaluation.verification_in_time", 0.0))
                .merge(("evaluation.rectification_done", 0.0))
                .merge(("evaluation.overdue_explained", 0.0))
        });
        let (from, to) = a_period_with_a_case(&judged_only);
        let coord = judged_only.staff("coord", "coordinator", None);
        let scores: Value = serde_json::from_str(SCORES).unwrap();
        let a = coord.put(&format!("/api/v1/staff/evaluation/fire?from={from}&to={to}"), &scores);
        assert_eq!((a.status, a.json["score"].as_f64()), (200, Some(75.0)), "{}", a.text);
        drop(judged_only);

        let shares_only = TestApp::spawn_with(backend, |f| {
            f.merge(("evaluation.leadership", 0.0))
                .merge(("evaluation.hazard_screening", 0.0))
                .merge(("evaluation.rectification_in_place", 0.0))
                .merge(("evaluation.accident_prevention", 0.0))
        });
        let (from, to) = a_period_with_a_case(&shares_only);
        let coord = shares_only.staff("coord", "coordinator", None);
        let a = coord.put(&format!("/api/v1/staff/evaluation/fire?from={from}&to={to}"), &scores);
        assert_eq!(a.status, 200, "{}", a.text);
        assert_eq!(a.json["score"], a.json["computed_score"]);
    }
}
