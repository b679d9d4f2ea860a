//! Languages: Simplified Chinese by default, English on request. Every text lives in
//! `templates/i18n/<lang>/*.ftl` (Fluent), none in Rust; this module loads them (embedded in the
//! binary) and looks texts up.
//!
//! A leaf like `config`: it imports nothing of ours, so any layer may read it (the services write
//! the files staff download in the caller's language). Which language a request asks for is the
//! web's business (`web::i18n`: `?lang=`, the cookie, `Accept-Language`).

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{Loader, static_loader};
use std::borrow::Cow;
use std::collections::HashMap;
use unic_langid::{LanguageIdentifier, langid};

static_loader! {
    pub static LOCALES = {
        locales: "./templates/i18n",
        fallback_language: "zh-CN",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

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

    /// What is wrong with a field: the message of a field error's `key` (`field-<key>` in the
    /// Fluent files) with its numeric arguments. The one place that spells the prefix.
    pub fn field(self, key: &str, args: &[(&'static str, i64)]) -> String {
        self.t_args(&format!("field-{key}"), args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_exists_in_both_languages() {
        let zh = [
            include_str!("../templates/i18n/zh-CN/main.ftl"),
            include_str!("../templates/i18n/zh-CN/pages.ftl"),
            include_str!("../templates/i18n/zh-CN/enterprises.ftl"),
        ]
        .concat();
        let en = [
            include_str!("../templates/i18n/en/main.ftl"),
            include_str!("../templates/i18n/en/pages.ftl"),
            include_str!("../templates/i18n/en/enterprises.ftl"),
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
            Lang::Zh.field("too_short", &[("min", 10)]),
            "至少需要 10 个字。"
        );
        assert_eq!(
            Lang::En.t_args("error-rate_limited", &[("seconds", 30)]),
            "Too many attempts; please try again in 30 seconds."
        );
    }
}
