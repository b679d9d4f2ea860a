//! Oversight on a known data set: the dashboard's figures (checked by hand below), the
//! evaluation table and its CSV, the progress report, and who may see which scope.

use crate::helpers::*;
use crate::on_both_backends;
use serde_json::json;

/// Four fire-safety tips of 2 November 2026 and one gas tip of October (outside the period):
///
/// | case | accepted (due 11-04) | verified (due 11-10) | rectification (due)      |
/// |------|----------------------|----------------------|--------------------------|
/// | A    | 11-03, 1 day         | 11-06, 4 days        | done 11-12 (11-20), 10 d |
/// | B    | 11-05, 3 days, late  | 11-12, 10 days, late | open (11-15), explained  |
/// | C    | 11-03, 1 day         | not yet, late        |                          |
/// | D    | not yet, late        |                      |                          |
///
/// The data set is history written straight into the database (its limits are shorter than the
/// configured ones); the application's clock stands on 1 December 2026, after all of it.
fn known_data_set(app: &TestApp) -> Vec<String> {
    app.set_now("2026-12-01T10:00:00+08:00");
    let officer = app.staff("fire.officer", "officer", Some("fire"));
    let cases: Vec<String> = (0..5)
        .map(|i| {
            let sector = if i == 4 { "gas" } else { "fire_safety" };
            app.submit(&anonymous_tip(sector))["case_number"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let steps: [&[&str]; 3] = [
        &["accept", "start_verification", "substantiate"],
        &["accept", "start_verification", "substantiate"],
        &["accept"],
    ];
    for (case, actions) in cases.iter().zip(steps) {
        for a in actions {
            assert_eq!(
                officer
                    .act(case, json!({"action": a, "finding": FINDING}))
                    .status,
                200,
                "{a}"
            );
        }
    }
    for case in &cases[..2] {
        let order = officer.act(
            case,
            json!({"action": "order_rectification", "responsible_party": "某某海鲜酒楼",
                   "measures": "气瓶移出地下室", "deadline": "2099-01-01"}),
        );
        assert_eq!(order.status, 200, "{}", order.text);
    }
    assert_eq!(
        officer
            .act(&cases[0], json!({"action": "confirm_rectified"}))
            .status,
        200
    );
    let set = |case: &str, sets: &str| {
        format!(
            "UPDATE case_files SET {sets} WHERE tip_id = (SELECT id FROM tips WHERE case_number = '{case}')"
        )
    };
    let (a, b, c, d, e) = (&cases[0], &cases[1], &cases[2], &cases[3], &cases[4]);
    for statement in [
        "UPDATE tips SET submitted_at = '2026-11-02 02:00:00'".to_owned(),
        format!("UPDATE tips SET submitted_at = '2026-10-01 02:00:00' WHERE case_number = '{e}'"),
        set(
            a,
            "acceptance_due = '2026-11-04', accepted_at = '2026-11-03 02:00:00', verification_due = '2026-11-10', verified_at = '2026-11-06 02:00:00', rectification_due = '2026-11-20', rectified_at = '2026-11-12 02:00:00'",
        ),
        set(
            b,
            "acceptance_due = '2026-11-04', accepted_at = '2026-11-05 02:00:00', verification_due = '2026-11-10', verified_at = '2026-11-12 02:00:00', rectification_due = '2026-11-15'",
        ),
        format!(
            "INSERT INTO explanations (tip_id, time_limit, body, at) SELECT id, 'rectification', '等待防爆风机到货', '2026-11-20 02:00:00' FROM tips WHERE case_number = '{b}'"
        ),
        set(
            c,
            "acceptance_due = '2026-11-04', accepted_at = '2026-11-03 02:00:00', verification_due = '2026-11-10'",
        ),
        set(d, "acceptance_due = '2026-11-04', verification_due = NULL"),
    ] {
        app.exec(&statement);
    }
    cases
}

const PERIOD: &str = "from=2026-11-01&to=2026-11-30";

fn cell(html: &str, id: &str) -> String {
    element_text(html, id).unwrap_or_else(|| panic!("no #{id} in {html}"))
}

on_both_backends! {
    fn the_dashboard_shows_the_figures_of_a_known_data_set(app) {
        let cases = known_data_set(&app);
        let coord = app.staff("coord", "coordinator", None);
        let p = coord.get(&format!("/staff/dashboard?{PERIOD}"));
        assert_eq!(p.status, 200, "{}", p.text);
        let html = &without_labels(&p.text);
        assert_eq!(cell(html, "fig-received"), "4");
        assert!(html.contains("报送周期") && html.contains(">上季度</a>"), "one-click reporting rounds");
        assert_eq!(cell(html, "fig-accepted"), "3");
        assert_eq!(cell(html, "fig-found-true"), "2");
        assert_eq!(cell(html, "fig-rectified"), "1");
        assert_eq!(cell(html, "fig-overdue"), "3");
        // Verified in time: A of A, B, C.
        assert_eq!(cell(html, "fig-verified-in-time"), "33.3%");
        // 0.3 × 50 (acceptance 2 of 4) + 0.3 × 33.3 + 0.3 × 50 (rectified 1 of 2) + 0.1 × 100
        // (B, the one late rectification, was explained) = 50.0.
        assert_eq!(cell(html, "fig-score"), "50.0");
        // Days to acceptance 1, 1, 3; to verification 4, 10; to rectification 10.
        assert!(html.contains("<th scope=\"row\">至受理</th><td class=\"num\">1.0</td><td class=\"num\">3.0</td>"), "{html}");
        assert!(html.contains("<th scope=\"row\">至核查完成</th><td class=\"num\">4.0</td><td class=\"num\">10.0</td>"));
        assert!(html.contains("<th scope=\"row\">至整改完成</th><td class=\"num\">10.0</td><td class=\"num\">10.0</td>"));
        // The fire department's evaluation row and the sector chart with its table.
        assert!(html.contains("<tr data-unit=\"fire\"><th scope=\"row\">区消防救援大队</th><td class=\"num\">4</td><td class=\"num\">50.0%</td><td class=\"num\">33.3%</td><td class=\"num\">50.0%</td><td class=\"num\">3</td><td class=\"num\">1</td><td class=\"num\">0</td><td class=\"num score\">50.0</td><td class=\"judgments\">未评分"), "{html}");
        // A department named like a sector is still shown by its own name.
        assert!(html.contains("<tr data-unit=\"construction\"><th scope=\"row\">区建设局</th>"), "{html}");
        assert!(html.contains("<svg"));
        assert!(html.contains("<table id=\"by-sector\">"));
        // The weekly trend: the week of Monday 2 November holds all four.
        assert!(html.contains("<tr><th scope=\"row\">2026-11-02</th><td class=\"num\">4</td></tr>"));
        // Nothing about a reporter or the business on an oversight page.
        for leak in ["某某海鲜酒楼", "江头北路216号"] {
            assert!(!html.contains(leak), "{leak}");
        }

        // The evaluation table as CSV, in English.
        let csv = coord.get(&format!("/staff/evaluation.csv?{PERIOD}&lang=en"));
        assert_eq!(csv.status, 200);
        assert!(csv.content_type.as_deref().unwrap_or("").starts_with("text/csv"));
        assert!(csv.text.contains("\"Accepted in time\""), "{}", csv.text);
        assert!(csv.text.contains("\"Departments\",\"Fire and Rescue Brigade\",\"4\",\"50.0%\",\"33.3%\",\"50.0%\",\"3\",\"1\",\"0\",\"50.0\""), "{}", csv.text);

        // The report: figures, the overdue list with explanations, ready to be signed.
        let r = coord.get(&format!("/staff/report?{PERIOD}&unit=fire"));
        assert_eq!(r.status, 200);
        assert_eq!(cell(&r.text, "report-scope"), "区消防救援大队");
        assert_eq!(cell(&r.text, "report-period"), "2026-11-01 – 2026-11-30");
        for case in &cases[1..4] {
            assert!(r.text.contains(&format!("<th scope=\"row\">{case}</th>")), "{case}");
        }
        assert!(!r.text.contains(&format!("<th scope=\"row\">{}</th>", cases[0])));
        assert!(r.text.contains("等待防爆风机到货"));
        assert!(r.text.contains("无书面说明"));
        assert!(r.text.contains("审核人"));
        let rc = coord.get(&format!("/staff/report.csv?{PERIOD}&unit=fire"));
        assert_eq!(rc.status, 200);
        assert!(rc.text.contains(&format!("\"{}\"", cases[3])));
        assert!(rc.text.contains("等待防爆风机到货（待审核）"), "{}", rc.text);

        // `tipline report` writes the same report to a file that stands alone, and CSV.
        let out = app.data_dir().join("report.html");
        let cli = |args: &[&str]| tipline(&app.db, app.data_dir()).args(args).output().unwrap();
        let run = cli(&["report", "--department", "fire", "--from", "2026-11-01", "--to", "2026-11-30",
                        "--out", out.to_str().unwrap()]);
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        let file = std::fs::read_to_string(&out).unwrap();
        assert_eq!(cell(&file, "report-scope"), "区消防救援大队");
        assert_eq!(cell(&file, "fig-score"), "50.0");
        assert!(file.contains("<style>") && !file.contains("<link rel=\"stylesheet\""));
        assert!(file.contains("等待防爆风机到货") && file.contains("审核人"));
        let en = cli(&["report", "--from", "2026-11-01", "--to", "2026-11-30", "--lang", "en", "--csv"]);
        assert!(en.status.success());
        let text = String::from_utf8_lossy(&en.stdout);
        assert!(text.contains("\"Department or sub-district\",\"Whole district\""), "{text}");
        assert!(text.contains("\"Received\",\"4\""), "{text}");
        let bad = cli(&["report", "--department", "nowhere"]);
        assert_eq!(bad.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&bad.stderr).contains("There is no such department"));
        let backwards = cli(&["report", "--from", "2026-11-30", "--to", "2026-11-01"]);
        assert_eq!(backwards.status.code(), Some(2));

        // October alone: only the gas tip.
        let oct = coord.get("/staff/dashboard?from=2026-10-01&to=2026-10-31");
        assert_eq!(cell(&oct.text, "fig-received"), "1");
    }
}

on_both_backends! {
    fn oversight_is_scoped_to_the_role_and_bad_periods_are_refused(app) {
        known_data_set(&app);
        let head = app.staff("fire.head", "head", Some("fire"));
        let own = head.get(&format!("/staff/dashboard?{PERIOD}"));
        assert_eq!(own.status, 200);
        assert_eq!(cell(&own.text, "fig-received"), "4");
        assert!(!own.text.contains("<option value=\"\">"), "a head cannot choose the district");
        assert_eq!(head.get(&format!("/staff/dashboard?{PERIOD}&unit=market")).status, 403);
        let officer = app.staff("fire.officer2", "officer", Some("fire"));
        assert_eq!(officer.get("/staff/dashboard").status, 403);
        assert_eq!(officer.get("/staff/evaluation.csv").status, 403);
        let finance = app.staff("fin", "finance", None);
        assert_eq!(finance.get("/staff/report").status, 403);

        let coord = app.staff("coord", "coordinator", None);
        let bad = coord.get("/staff/dashboard?from=2026-11-30&to=2026-11-01&unit=fire");
        assert_eq!(bad.status, 422);
        assert!(bad.text.contains("截止日期不能早于起始日期"), "{}", bad.text);
        // What was typed stays in the form.
        assert!(bad.text.contains("value=\"2026-11-30\""));
        assert!(bad.text.contains("<option value=\"fire\" selected>"));
        let en = coord.get("/staff/dashboard?from=someday&lang=en");
        assert_eq!(en.status, 422);
        assert!(en.text.contains("Dates look like YYYY-MM-DD."));
        assert_eq!(coord.get("/staff/dashboard?unit=nowhere").status, 422);
        // Without a session: the sign-in page.
        let anon = app.get("/staff/dashboard");
        assert!(anon.text.contains("name=\"password\""));
    }
}

on_both_backends! {
    /// Received on Monday 2 November, to be decided on within five working days (by the 9th),
    /// refused on the 10th: a late acceptance decision.
    fn a_late_refusal_counts_as_a_late_acceptance_decision(app) {
        app.set_now("2026-11-02T10:00:00+08:00");
        let case = app.new_case("fire_safety");
        app.set_now("2026-11-10T10:00:00+08:00");
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        assert_eq!(officer.get(&format!("/api/v1/staff/tips/{case}")).json["deadlines"]["acceptance"], "2026-11-09");
        assert_eq!(officer.act(&case, json!({"action": "reject", "reason": "不属于安全生产隐患"})).status, 200);
        let coord = app.staff("coord", "coordinator", None);
        let html = coord.get(&format!("/staff/report?{PERIOD}")).text;
        assert_eq!(cell(&html, "fig-overdue"), "1");
        assert!(html.contains(&format!("<th scope=\"row\">{case}</th>")), "{html}");
        let p = coord.get(&format!("/staff/dashboard?{PERIOD}"));
        assert!(without_labels(&p.text).contains("<tr data-unit=\"fire\"><th scope=\"row\">区消防救援大队</th><td class=\"num\">1</td><td class=\"num\">0.0%</td>"), "{}", p.text);
        // A head of another unit may not export the fire brigade's figures; an inspector may.
        let head = app.staff("market.head", "head", Some("market"));
        assert_eq!(head.get(&format!("/staff/evaluation.csv?{PERIOD}&unit=fire")).status, 403);
        assert_eq!(head.get(&format!("/staff/report.csv?{PERIOD}&unit=fire")).status, 403);
        let inspector = app.staff("inspector", "inspector", None);
        assert_eq!(inspector.get(&format!("/staff/report.csv?{PERIOD}&unit=fire")).status, 200);
    }
}
