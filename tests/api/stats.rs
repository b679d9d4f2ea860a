//! Public statistics on a known data set: the figures, small cells withheld, nothing of a case.

use crate::helpers::*;
use crate::on_both_backends;

on_both_backends! {
    fn public_statistics_count_and_withhold_small_cells(app) {
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let mut fire = Vec::new();
        for _ in 0..6 {
            fire.push(app.new_case("fire_safety"));
        }
        for _ in 0..2 {
            app.submit(&anonymous_tip("gas"));
        }
        for case in &fire[..5] {
            officer.steps(case, &["accept", "start_verification", "substantiate"]);
        }
        let p = app.get("/stats");
        assert_eq!(p.status, 200);
        let html = &p.text;
        // Totals: 8 received, 5 found true, 0 fixed.
        assert!(html.contains("<dt>收到举报</dt><dd>8</dd>"), "{html}");
        assert!(html.contains("<dt>核查属实</dt><dd>5</dd>"));
        assert!(html.contains("<dt>完成整改</dt><dd>0</dd>"));
        // Fire safety: 6 and 5 are shown; city gas's 2 is withheld.
        assert!(html.contains("<th scope=\"row\">消防安全</th><td>6</td><td>5</td><td>0</td>"), "{html}");
        assert!(html.contains("<th scope=\"row\">城镇燃气</th><td>少于 5</td><td>0</td><td>0</td>"));
        for leak in ["HL-", "某某海鲜酒楼", "江头北路216号"] {
            assert!(!html.contains(leak), "{leak} on the public page");
        }
        assert!(app.get("/stats?lang=en").text.contains("fewer than 5"));
    }

    /// Months are the district's (UTC+8): a tip at 23:59 local on 30 November counts in
    /// November, one two minutes later in December, though both are 30 November in UTC.
    fn public_statistics_count_months_in_local_time(app) {
        app.set_now("2026-11-30T23:59:00+08:00");
        for _ in 0..5 {
            app.submit(&anonymous_tip("gas"));
        }
        app.set_now("2026-12-01T00:01:00+08:00");
        for _ in 0..6 {
            app.submit(&anonymous_tip("gas"));
        }
        let html = app.get("/stats").text;
        assert!(html.contains("<th scope=\"row\">2026-12</th><td>6</td>"), "{html}");
        assert!(html.contains("<th scope=\"row\">2026-11</th><td>5</td>"), "{html}");
    }
}
