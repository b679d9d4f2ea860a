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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
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

    /// "Too many attempts; try again in N minutes": a wait in seconds (the `Retry-After`
    /// header's) said in whole minutes, rounded up, as a person reads it.
    pub fn rate_limited(self, seconds: u64) -> String {
        let minutes = seconds.max(1).div_ceil(60);
        self.t_args("error-rate_limited", &[("minutes", minutes as i64)])
    }

    /// What is wrong with a field: the message of a field error's `key` (`field-<key>` in the
    /// Fluent files) with its numeric arguments. The one place that spells the prefix.
    pub fn field(self, key: &str, args: &[(&'static str, i64)]) -> String {
        self.t_args(&format!("field-{key}"), args)
    }
}

/// Formats a UTC instant in the deployment's local time for people.
pub fn local_datetime(
    t: chrono::DateTime<chrono::Utc>,
    offset: chrono::FixedOffset,
    lang: Lang,
) -> String {
    let local = t.with_timezone(&offset);
    match lang {
        Lang::Zh => local.format("%Y年%-m月%-d日 %H:%M").to_string(),
        Lang::En => local.format("%-d %b %Y, %H:%M").to_string(),
    }
}

pub fn local_date(d: chrono::NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Zh => d.format("%Y年%-m月%-d日").to_string(),
        Lang::En => d.format("%-d %b %Y").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_exists_in_both_languages() {
        let keys = |s: &str| -> Vec<String> {
            s.lines()
                .filter(|l| !l.starts_with('#') && !l.starts_with(' ') && l.contains(" = "))
                .map(|l| l.split(" = ").next().unwrap_or_default().to_owned())
                .collect()
        };
        // Every message file of one language has its twin in the other, with the same keys in
        // the same order.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/i18n");
        let mut files: Vec<_> = std::fs::read_dir(dir.join("zh-CN"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        files.sort();
        assert!(files.len() >= 2);
        let mut all = std::collections::HashSet::new();
        for name in files {
            let zh = std::fs::read_to_string(dir.join("zh-CN").join(&name)).unwrap();
            let en = std::fs::read_to_string(dir.join("en").join(&name)).unwrap();
            assert_eq!(keys(&zh), keys(&en), "{name:?}");
            // A key defined in two files would leave one of the texts unused.
            for key in keys(&zh) {
                assert!(all.insert(key.clone()), "{key} is defined twice");
            }
        }
        assert_eq!(
            Lang::Zh.field("too_short", &[("min", 10)]),
            "至少需要 10 个字。"
        );
        assert_eq!(
            Lang::En.rate_limited(30),
            "Too many attempts; please try again in 1 minute."
        );
        assert_eq!(
            Lang::En.rate_limited(301),
            "Too many attempts; please try again in 6 minutes."
        );
        assert_eq!(
            Lang::Zh.rate_limited(360),
            "操作太频繁，请在 6 分钟后重试。"
        );
    }
}
