//! The language of a request: `?lang=` (`zh-CN` or `en`), then the `lang` cookie, then
//! `Accept-Language`, else Chinese. The languages and their texts are [`crate::i18n`]; this
//! module keeps only what reads HTTP, and re-exports the rest for the web layer.

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use std::future::{Ready, ready};

pub use crate::i18n::{LOCALES, Lang};

pub const COOKIE: &str = "lang";

impl Lang {
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
}
