//! Languages: Simplified Chinese by default, English on request. The language of a request is
//! `?lang=` (`zh-CN` or `en`), then the `lang` cookie, then `Accept-Language`. Every text lives
//! in `templates/i18n/<lang>/*.ftl` (Fluent), none in Rust.

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{Loader, static_loader};
use std::borrow::Cow;
use std::collections::HashMap;
use std::future::{Ready, ready};
use unic_langid::{LanguageIdentifier, langid};

static_loader! {
    pub static LOCALES = {
        locales: "./templates/i18n",
        fallback_language: "zh-CN",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

pub const COOKIE: &str = "lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Of a text kept in both languages (the catalog's names), the one in this language.
    pub fn pick(self, zh: &str, en: &str) -> String {
        match self {
            Lang::Zh => zh.to_owned(),
            Lang::En => en.to_owned(),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    fn id(self) -> LanguageIdentifier {
        match self {
            Lang::Zh => langid!("zh-CN"),
            Lang::En => langid!("en"),
        }
    }

    /// Reads a language tag loosely: `en`, `en-GB`, `zh`, `zh-CN`, `zh-Hans`…
    pub fn parse(tag: &str) -> Option<Lang> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag == "en" || tag.starts_with("en-") {
            Some(Lang::En)
        } else if tag == "zh" || tag.starts_with("zh-") {
            Some(Lang::Zh)
        } else {
            None
        }
    }

    /// The language asked for in the query string, if any.
    pub fn from_query(req: &HttpRequest) -> Option<Lang> {
        req.query_string()
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "lang")
            .and_then(|(_, v)| Lang::parse(v))
    }

    pub fn from_request(req: &HttpRequest) -> Lang {
        Lang::from_query(req)
            .or_else(|| req.cookie(COOKIE).and_then(|c| Lang::parse(c.value())))
            .or_else(|| {
                let header = req.headers().get("accept-language")?.to_str().ok()?;
                accept_language(header)
            })
            .unwrap_or_default()
    }

    /// The text of `key` in this language.
    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(&self.id(), key)
    }

    /// The text of `key`, if there is one.
    pub fn try_t(self, key: &str) -> Option<String> {
        LOCALES.try_lookup(&self.id(), key)
    }

    /// The text of `key` with text arguments.
    pub fn t_str(self, key: &str, args: &[(&'static str, &str)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.to_string())))
            .collect();
        LOCALES.lookup_with_args(&self.id(), key, &map)
    }

    /// The text of `key` with numeric arguments.
    pub fn t_args(self, key: &str, args: &[(&'static str, i64)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(*v)))
            .collect();
        LOCALES.lookup_with_args(&self.id(), key, &map)
    }
}

/// The preferred supported language of an `Accept-Language` header, by q-value.
fn accept_language(header: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default();
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        if let Some(lang) = Lang::parse(tag)
            && q > 0.0
            && best.is_none_or(|(bq, _)| q > bq)
        {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l)
}

impl FromRequest for Lang {
    type Error = actix_web::Error;
    type Future = Ready<Result<Lang, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Lang::from_request(req)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_supported_tag() {
        assert_eq!(accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            accept_language("fr;q=1.0, en;q=0.5, zh-CN;q=0.8"),
            Some(Lang::Zh)
        );
        assert_eq!(accept_language("fr, de"), None);
        assert_eq!(accept_language("en;q=0"), None);
    }

    #[test]
    fn every_key_exists_in_both_languages() {
        let zh = [
            include_str!("../../templates/i18n/zh-CN/main.ftl"),
            include_str!("../../templates/i18n/zh-CN/pages.ftl"),
        ]
        .concat();
        let en = [
            include_str!("../../templates/i18n/en/main.ftl"),
            include_str!("../../templates/i18n/en/pages.ftl"),
        ]
        .concat();
        let keys = |s: &str| -> Vec<String> {
            s.lines()
                .filter(|l| !l.starts_with('#') && !l.starts_with(' ') && l.contains(" = "))
                .map(|l| l.split(" = ").next().unwrap_or_default().to_owned())
                .collect()
        };
        assert_eq!(keys(&zh), keys(&en));
        assert_eq!(
            Lang::Zh.t_args("field-too_short", &[("min", 10)]),
            "至少需要 10 个字。"
        );
        assert_eq!(
            Lang::En.t_args("error-rate_limited", &[("seconds", 30)]),
            "Too many attempts; please try again in 30 seconds."
        );
    }
}
