//! Posters for the publicity drive (隐患举报宣传): a printable A4 page for a sub-district, a
//! sector or an enterprise, Chinese first and English below, with a QR code to the report form
//! filled in for them ([`Prefill`]), the reward amounts of the policy in
//! force, the emergency numbers and the promise of confidentiality. The QR is an SVG drawn by the
//! `qrcode` crate, inline, so the page prints without fetching anything.

use crate::domain::reward::Policy;
use crate::web::extract::{Staff, can};
use crate::web::i18n::Lang;
use crate::web::pages::{Page, PageResult, Prefill};
use actix_web::http::StatusCode;
use actix_web::web;
use qrcode::QrCode;
use qrcode::render::svg;
use serde_json::{Value, json};

/// The rewards a poster promises, from the policy in force, in one language.
fn rewards(lang: Lang, p: &Policy) -> Vec<String> {
    // Whole yuan, as a poster prints them (the policy's amounts are whole yuan).
    let y = |yuan: i64| yuan.to_string();
    let (f, c) = (&p.major_hazard_fine, &p.concealed_accident);
    let per_death = [
        c.general_yuan,
        c.larger_yuan,
        c.major_yuan,
        c.especially_major_yuan,
    ];
    let (lo, hi) = (
        per_death.iter().min().copied().unwrap_or(0),
        per_death.iter().max().copied().unwrap_or(0),
    );
    let mut lines = vec![
        lang.t_str(
            "poster-reward-fine",
            &[
                ("percent", &f.percent.to_string()),
                ("min", &y(f.min_yuan)),
                ("max", &y(f.max_yuan)),
            ],
        ),
        lang.t_str(
            "poster-reward-no-fine",
            &[("flat", &y(p.major_hazard_no_fine.flat_yuan))],
        ),
        lang.t_str(
            "poster-reward-general",
            &[("flat", &y(p.general_hazard.flat_yuan))],
        ),
        lang.t_str(
            "poster-reward-concealed",
            &[("min", &y(lo)), ("max", &y(hi))],
        ),
    ];
    if p.employee_uplift_percent > 0 {
        let up = p.employee_uplift_percent.to_string();
        lines.push(lang.t_str("poster-reward-employee", &[("percent", &up)]));
    }
    lines
}

/// One language's side of the poster (`q` holds only what is known: [`Prefill::known`]).
fn side(lang: Lang, page: &Page, q: &Prefill, policy: &Policy) -> Value {
    let names = crate::services::names::Names::new(&page.state.services.catalog, lang);
    let mut scope = Vec::new();
    if !q.street.is_empty() {
        scope.push(names.street(&q.street));
    }
    if !q.sector.is_empty() {
        scope.push(names.sector(&q.sector));
    }
    if !q.enterprise.is_empty() {
        scope.push(q.enterprise.clone());
    }
    json!({
        "lang": lang.code(),
        "scope": scope.join(" · "),
        "rewards": rewards(lang, policy),
    })
}

pub async fn poster(
    page: Page,
    staff: Staff<can::ReadCases>,
    q: web::Query<Prefill>,
) -> PageResult {
    let q = q.into_inner().known(&page.state.services.catalog);
    let link = q.link(&page.state.services.public_url);
    let qr = QrCode::new(link.as_bytes())
        .map(|code| {
            code.render::<svg::Color>()
                .min_dimensions(240, 240)
                .quiet_zone(true)
                .build()
        })
        .map_err(|e| anyhow::anyhow!("a QR code for {link}: {e}"))?;
    // The XML declaration does not belong inside an HTML page.
    let qr = qr
        .split_once("?>")
        .map(|(_, svg)| svg.to_owned())
        .unwrap_or(qr);
    let policy = page
        .state
        .services
        .reward_policy
        .in_force(page.state.services.today());
    let names = page.names();
    let mut ctx = page.context(&staff.session);
    ctx.insert("query", &q);
    ctx.insert("link", &link);
    ctx.insert("qr", &qr);
    ctx.insert("zh", &side(Lang::Zh, &page, &q, &policy));
    ctx.insert("en", &side(Lang::En, &page, &q, &policy));
    ctx.insert("streets", &names.street_choices());
    ctx.insert("sectors", &names.sector_choices());
    Ok(page.render("staff/poster.html", &ctx, StatusCode::OK))
}
