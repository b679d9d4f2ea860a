//! The audit log and the automatic messages in words: the log stores codes (`sign_in`,
//! `submitted -> accepted`, `lead=fire street=jiangtou`), and old entries cannot be rewritten
//! (the chain forbids it), so codes become words when they are shown, in the reader's language.
//! The stored text stays as it was; only its display changes.

use super::case_words::route_in_words;
use super::names::Names;
use crate::i18n::Lang;

/// An audit action in words (`hazard_review_pass` → 隐患：复查通过（销号）); an action without a
/// text keeps its code.
pub fn action_in_words(lang: Lang, action: &str) -> String {
    let hazard = action
        .strip_prefix("hazard_")
        .and_then(|step| lang.try_t(&format!("hazard-step-{step}")));
    if let Some(step) = hazard {
        return lang.t_str("audit-hazard-step", &[("step", &step)]);
    }
    lang.try_t(&format!("audit-action-{action}"))
        .or_else(|| lang.try_t(&format!("action-{action}")))
        .unwrap_or_else(|| action.to_owned())
}

/// One code in words: a unit, a sector, or a code with a text of its own (a status, a reward
/// basis, a channel, a kind of finding or accountability, a time limit, a role).
fn code_in_words(names: Names, code: &str) -> Option<String> {
    let c = names.catalog;
    if c.department(code).is_some() || c.street(code).is_some() {
        return Some(names.unit(code));
    }
    if c.sector(code).is_some() {
        return Some(names.sector(code));
    }
    const PREFIXES: [&str; 8] = [
        "status",
        "basis",
        "history-channel",
        "finding-kind",
        "finding-conclusion",
        "accountability-kind",
        "limit",
        "role",
    ];
    let is_code = code.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_');
    (is_code && !code.is_empty())
        .then(|| {
            PREFIXES
                .iter()
                .find_map(|p| names.lang.try_t(&format!("{p}-{code}")))
        })
        .flatten()
}

/// Every space-separated code of a text in words, the rest as it was.
fn codes_in_words(names: Names, text: &str) -> String {
    let word = |token: &str| {
        let code = token.trim_end_matches([':', ',', ';', ')']);
        match code_in_words(names, code) {
            Some(w) => format!("{w}{}", &token[code.len()..]),
            None => token.to_owned(),
        }
    };
    text.split(' ').map(word).collect::<Vec<_>>().join(" ")
}

/// An audit entry's detail in words.
pub fn detail_in_words(names: Names, action: &str, detail: &str) -> String {
    let lang = names.lang;
    // A case's step: "submitted -> accepted".
    if let Some((from, to)) = detail.split_once(" -> ") {
        let status = |s: &str| lang.try_t(&format!("status-{s}"));
        if let (Some(from), Some(to)) = (status(from), status(to)) {
            return lang.t_str("audit-status-change", &[("from", &from), ("to", &to)]);
        }
    }
    let number = |text: &str| text.trim().parse::<i64>().ok();
    match action {
        // The channel, then the routing.
        "submit" => {
            let (channel, route) = detail.split_once(' ').unwrap_or((detail, ""));
            let channel = lang
                .try_t(&format!("history-channel-{channel}"))
                .unwrap_or_else(|| channel.to_owned());
            match route.is_empty() {
                true => channel,
                false => format!("{channel}；{}", route_in_words(names, route)),
            }
        }
        // "rectification limit 2026-12-01 passed"
        "escalate" => match detail.split(' ').collect::<Vec<_>>()[..] {
            [limit, "limit", due, "passed"] => {
                let limit = lang
                    .try_t(&format!("limit-{limit}"))
                    .unwrap_or_else(|| limit.to_owned());
                lang.t_str("audit-limit-passed", &[("limit", &limit), ("due", due)])
            }
            _ => detail.to_owned(),
        },
        // What failed: "password" or "second factor".
        "sign_in_failed" => match detail {
            "password" => lang.t("audit-failed-password"),
            "second factor" => lang.t("audit-failed-second-factor"),
            _ => detail.to_owned(),
        },
        // "sign-in pressure on account NAME: F failed attempts from A address(es) within M minutes; …"
        "sign_in_pressure" => pressure_in_words(lang, detail).unwrap_or_else(|| detail.to_owned()),
        // "N hazards, M new enterprises"
        "hazards_import" => {
            let mut parts = detail.split(", ");
            let hazards = parts
                .next()
                .and_then(|p| number(p.trim_end_matches(" hazards")));
            let created = parts
                .next()
                .and_then(|p| number(p.trim_end_matches(" new enterprises")));
            match (hazards, created) {
                (Some(h), Some(c)) => {
                    lang.t_args("audit-import", &[("hazards", h), ("enterprises", c)])
                }
                _ => detail.to_owned(),
            }
        }
        // "FILE (N rows; filters)"
        "export" => detail.replace(" rows", &format!(" {}", lang.t("audit-rows"))),
        _ => codes_in_words(names, detail),
    }
}

/// The sign-in pressure's sentence in words.
fn pressure_in_words(lang: Lang, detail: &str) -> Option<String> {
    let rest = detail.strip_prefix("sign-in pressure on account ")?;
    let (account, rest) = rest.split_once(": ")?;
    let words: Vec<&str> = rest.split(' ').collect();
    let n = |i: usize| words.get(i).and_then(|w| w.parse::<i64>().ok());
    let (failures, addresses, minutes) = (n(0)?, n(4)?, n(7)?);
    let text = lang.t_args(
        "audit-pressure",
        &[
            ("failures", failures),
            ("addresses", addresses),
            ("minutes", minutes),
        ],
    );
    Some(format!("{account}：{text}"))
}

/// A message the system wrote to the reporter for a step (not taken up, verification
/// extended), in one language: such messages were stored with both languages in one text
/// (`不予受理（Not taken up）：…`), and are shown in the reader's. Any other text is the writer's
/// own and stays as written.
pub fn message_in_words(lang: Lang, body: &str) -> String {
    if let Some(reason) = body.strip_prefix("不予受理（Not taken up）：") {
        return lang.t_str("auto-message-rejected", &[("reason", reason)]);
    }
    let extended = body
        .strip_prefix("核查期限延长至 ")
        .and_then(|rest| rest.split_once("（Verification extended to "))
        .and_then(|(due, rest)| Some((due, rest.split_once("）：")?.1)));
    match extended {
        Some((due, reason)) => {
            lang.t_str("auto-message-extended", &[("due", due), ("reason", reason)])
        }
        None => body.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automatic_messages_read_in_one_language() {
        let rejected = "不予受理（Not taken up）：不属于安全生产范围";
        let extended = "核查期限延长至 2026-12-01（Verification extended to 2026-12-01）：需要检测";
        for (lang, body, words) in [
            (Lang::Zh, rejected, "不予受理：不属于安全生产范围"),
            (Lang::En, rejected, "Not taken up: 不属于安全生产范围"),
            (Lang::Zh, extended, "核查期限延长至 2026-12-01：需要检测"),
            (
                Lang::En,
                extended,
                "Verification extended to 2026-12-01: 需要检测",
            ),
            (Lang::En, "请补充照片", "请补充照片"),
        ] {
            assert_eq!(message_in_words(lang, body), words, "{body}");
        }
    }

    #[test]
    fn audit_actions_have_words() {
        assert_eq!(action_in_words(Lang::Zh, "sign_in"), "登录");
        assert_eq!(
            action_in_words(Lang::En, "exposure_published"),
            "Published on the exposure list"
        );
        assert_eq!(
            action_in_words(Lang::Zh, "hazard_review_pass"),
            "隐患：复查通过（销号）"
        );
    }
}
