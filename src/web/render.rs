//! Server-rendered pages: tera templates (embedded, so the binary runs anywhere) with the
//! `t(key=…, lang=…)` function for every text, the versioned static files, and the headers every
//! page carries (no caching of anything that may show a receipt, a strict CSP, the language
//! cookie when `?lang=` chose one).

use super::cache::{Fresh, Key, Splice};
use super::i18n::{COOKIE, Lang};
pub use crate::i18n::{local_date, local_datetime};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use anyhow::Context as _;
use sha2::{Digest, Sha256};
use tera::{Context, Tera};

/// Every page template, embedded under its path in `templates/`.
macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates!(
    "base.html",
    "public/emergency.html",
    "public/index.html",
    "public/report.html",
    "public/receipt.html",
    "public/track.html",
    "public/stats.html",
    "public/exposures.html",
    "public/blacklist.html",
    "errors/error.html",
    "staff/base.html",
    "staff/login.html",
    "staff/queue.html",
    "staff/case.html",
    "staff/list.html",
    "staff/list_print.html",
    "staff/list_import.html",
    "staff/audit.html",
    "staff/account.html",
    "staff/users.html",
    "staff/finance.html",
    "staff/reward_notice.html",
    "staff/reward_register.html",
    "staff/poster.html",
    "staff/intake.html",
    "staff/intake_slip.html",
    "staff/oversight_summary.html",
    "staff/oversight_evaluation.html",
    "staff/dashboard.html",
    "staff/report.html",
    "staff/supervision.html",
    "staff/evaluation.html",
    "staff/inspections.html",
    "staff/inspection.html",
    "staff/hazard_components.html",
    "staff/hazard_new.html",
    "staff/hazard.html",
    "staff/enterprises.html",
    "staff/enterprise.html",
    "staff/report_narrative.html",
    "staff/reports.html",
    "staff/report_new.html",
    "staff/report_saved.html",
);

pub const CSS: &str = include_str!("../../static/css/site.css");
pub const JS: &str = include_str!("../../static/js/site.js");
pub const FAVICON: &str = include_str!("../../static/img/favicon.svg");

/// Crawlers may read the public pages, never the staff's, finance's or the API's.
const ROBOTS: &str = "User-agent: *\nAllow: /\nDisallow: /staff\nDisallow: /finance\nDisallow: /api/\nDisallow: /open311/\nDisallow: /metrics\n";

/// Content Security Policy of every page: nothing from elsewhere, no inline script or style.
/// `connect-src 'self'` lets a crawler's page-side fetch of `/robots.txt` through (Lighthouse
/// reads it so); our script fetches nothing, and nothing can be fetched from elsewhere.
const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

fn version(content: &str) -> String {
    hex::encode(&Sha256::digest(content.as_bytes())[..6])
}

/// `t(key=…, lang=…)` in a template. A text without arguments (nearly every one: a case page
/// asks for a hundred and more) is looked up in Fluent once per language and kept; a text with
/// arguments, or a key Fluent does not know, goes to Fluent each time. Formatting them afresh was
/// a twentieth of a case page's time.
struct Texts {
    fluent: fluent_templates::FluentLoader<&'static fluent_templates::StaticLoader>,
    /// Key → its text in each language (by [`Texts::slot`]), once asked for.
    kept: std::sync::RwLock<std::collections::HashMap<Box<str>, [Option<tera::Value>; 2]>>,
}

impl Texts {
    /// A template names its language by its code (`lang` in every page's context).
    fn slot(code: &str) -> Option<(Lang, usize)> {
        [Lang::Zh, Lang::En]
            .into_iter()
            .enumerate()
            .find(|(_, lang)| lang.code() == code)
            .map(|(slot, lang)| (lang, slot))
    }

    fn plain(&self, kwargs: &tera::Kwargs) -> Option<tera::Value> {
        let only_key_and_lang = kwargs
            .iter()
            .all(|(k, _)| matches!(k.as_str(), Some("key" | "lang")));
        if !only_key_and_lang {
            return None;
        }
        let key = kwargs.get::<&str>("key").ok()??;
        let (lang, slot) = Self::slot(kwargs.get::<&str>("lang").ok()??)?;
        let known = self.kept.read().unwrap_or_else(|e| e.into_inner());
        if let Some(value) = known.get(key).and_then(|texts| texts[slot].clone()) {
            return Some(value);
        }
        drop(known);
        let value = tera::Value::from(lang.try_t(key)?);
        self.kept
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.into())
            .or_default()[slot] = Some(value.clone());
        Some(value)
    }
}

impl tera::Function<tera::TeraResult<tera::Value>> for Texts {
    fn call(&self, kwargs: tera::Kwargs, state: &tera::State) -> tera::TeraResult<tera::Value> {
        match self.plain(&kwargs) {
            Some(value) => Ok(value),
            None => self.fluent.call(kwargs, state),
        }
    }
}

pub struct Pages {
    tera: Tera,
    /// Rendered public pages (see [`super::cache`]).
    cache: super::cache::PageCache,
    css_url: String,
    js_url: String,
    favicon_url: String,
    secure_cookies: bool,
}

/// How a page may be cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caching {
    /// Shows a receipt, a case or typed personal data: never stored anywhere.
    NoStore,
    /// Public text that may be kept but must be revalidated (the language may change).
    Revalidate,
}

impl Pages {
    pub fn new(secure_cookies: bool) -> anyhow::Result<Pages> {
        let mut tera = Tera::default();
        tera.autoescape_on([".html"]);
        // Functions must be known before the templates that call them are compiled.
        tera.register_function(
            "t",
            Texts {
                fluent: fluent_templates::FluentLoader::new(&*super::i18n::LOCALES),
                kept: Default::default(),
            },
        );
        tera.add_raw_templates(TEMPLATES.iter().copied())
            .context("compiling the page templates")?;
        Ok(Pages {
            tera,
            cache: super::cache::PageCache::default(),
            css_url: format!("/static/site.css?v={}", version(CSS)),
            js_url: format!("/static/site.js?v={}", version(JS)),
            favicon_url: format!("/static/favicon.svg?v={}", version(FAVICON)),
            secure_cookies,
        })
    }

    /// The context every page needs; `switch` is the path (with any query it needs) that the
    /// language link should reload, or `None` where leaving the page would lose what it shows.
    pub fn context(&self, lang: Lang, switch: Option<&str>) -> Context {
        let mut ctx = Context::new();
        ctx.insert("lang", lang.code());
        ctx.insert("html_lang", lang.code());
        ctx.insert("css", &self.css_url);
        ctx.insert("js", &self.js_url);
        ctx.insert("favicon", &self.favicon_url);
        let other = match lang {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        };
        let href = switch
            .map(|path| {
                let sep = if path.contains('?') { '&' } else { '?' };
                format!("{path}{sep}lang={}", other.code())
            })
            .unwrap_or_default();
        ctx.insert("switch_href", &href);
        ctx.insert("switch_lang", other.code());
        ctx.insert(
            "switch_label",
            if other == Lang::En {
                "English"
            } else {
                "中文"
            },
        );
        ctx
    }

    pub fn render(
        &self,
        req: &HttpRequest,
        name: &str,
        ctx: &Context,
        status: StatusCode,
        caching: Caching,
    ) -> HttpResponse {
        match self.text(name, ctx) {
            Some(body) => self.headers(req, status, caching).body(body),
            None => rendering_failed(),
        }
    }

    fn text(&self, name: &str, ctx: &Context) -> Option<String> {
        self.tera
            .render(name, ctx)
            .inspect_err(
                |e| tracing::error!(template = name, error = %e, "rendering a page failed"),
            )
            .ok()
    }

    /// The headers of a page: its type, the CSP, how it may be cached, and the language cookie
    /// when `?lang=` chose one.
    fn headers(
        &self,
        req: &HttpRequest,
        status: StatusCode,
        caching: Caching,
    ) -> HttpResponseBuilder {
        use actix_web::http::header::{self, HeaderValue};
        let mut resp = HttpResponse::build(status);
        // Names and values as constants: nothing to parse or check per request.
        resp.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        ))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .insert_header((
            header::CACHE_CONTROL,
            HeaderValue::from_static(match caching {
                Caching::NoStore => "no-store",
                Caching::Revalidate => "no-cache",
            }),
        ))
        .insert_header((
            header::VARY,
            HeaderValue::from_static("Cookie, Accept-Language, Accept-Encoding"),
        ));
        if let Some(lang) = Lang::from_query(req) {
            resp.cookie(
                Cookie::build(COOKIE, lang.code())
                    .path("/")
                    .max_age(CookieDuration::days(365))
                    .same_site(SameSite::Lax)
                    .http_only(true)
                    .secure(self.secure_cookies)
                    .finish(),
            );
        }
        resp
    }

    /// A public page from its kept bytes, if they are still fresh (see [`super::cache`]).
    pub fn kept(
        &self,
        req: &HttpRequest,
        key: &Key,
        fresh: Fresh,
        splices: &[Splice<'_>],
    ) -> Option<HttpResponse> {
        self.cache.serve(req, key, fresh, splices, |caching| {
            self.headers(req, StatusCode::OK, caching)
        })
    }

    /// A public page's kept bytes, or the turn to read its data and render it: who waits for
    /// the turn gets the page another request kept meanwhile (see [`super::cache`]).
    pub async fn kept_or_turn(
        &self,
        req: &HttpRequest,
        key: &Key,
        fresh: Fresh,
    ) -> Result<HttpResponse, tokio::sync::OwnedMutexGuard<()>> {
        if let Some(kept) = self.kept(req, key, fresh, &[]) {
            return Ok(kept);
        }
        let builder = |caching| self.headers(req, StatusCode::OK, caching);
        match self.cache.turn(req, key, fresh, builder).await {
            Ok(turn) => Err(turn),
            Err(kept) => Ok(kept),
        }
    }

    /// Renders a public page (200), keeps its bytes and answers with them; `splices` name the
    /// markers in `ctx` to fill per request.
    pub fn keep(
        &self,
        req: &HttpRequest,
        (key, fresh): (Key, Fresh),
        (name, ctx, caching): (&str, &Context, Caching),
        splices: &[Splice<'_>],
    ) -> HttpResponse {
        let Some(text) = self.text(name, ctx) else {
            return rendering_failed();
        };
        self.cache
            .keep(req, (key, fresh), (text, caching), splices, |caching| {
                self.headers(req, StatusCode::OK, caching)
            })
    }

    /// [`Pages::kept`], else [`Pages::keep`] what `make` gives (a page needing no I/O).
    pub fn cached(
        &self,
        req: &HttpRequest,
        (key, fresh): (Key, Fresh),
        splices: &[Splice<'_>],
        make: impl FnOnce() -> (&'static str, Context, Caching),
    ) -> HttpResponse {
        if let Some(resp) = self.kept(req, &key, fresh, splices) {
            return resp;
        }
        let (name, ctx, caching) = make();
        self.keep(req, (key, fresh), (name, &ctx, caching), splices)
    }

    /// A page as text, for a file rather than a response (`tipline report`).
    pub fn render_to_string(&self, name: &str, ctx: &Context) -> anyhow::Result<String> {
        self.tera
            .render(name, ctx)
            .with_context(|| format!("rendering {name}"))
    }

    /// A page that says what went wrong, in the request's language.
    pub fn error(
        &self,
        req: &HttpRequest,
        lang: Lang,
        status: StatusCode,
        title_key: &str,
        message: &str,
    ) -> HttpResponse {
        let mut ctx = self.context(lang, Some(req.path()));
        ctx.insert("title", &lang.t(title_key));
        ctx.insert("message", message);
        self.render(req, "errors/error.html", &ctx, status, Caching::NoStore)
    }

    /// The error page for a request no longer at hand (its body was dropped before a handler
    /// had it): as [`Pages::error`], without touching the language cookie.
    pub fn error_at(
        &self,
        path: &str,
        lang: Lang,
        status: StatusCode,
        title_key: &str,
        message: &str,
    ) -> HttpResponse {
        let mut ctx = self.context(lang, Some(path));
        ctx.insert("title", &lang.t(title_key));
        ctx.insert("message", message);
        match self.tera.render("errors/error.html", &ctx) {
            Ok(body) => HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .insert_header(("Content-Security-Policy", CSP))
                .insert_header(("Cache-Control", "no-store"))
                .body(body),
            Err(e) => {
                tracing::error!(error = %e, "rendering an error page failed");
                HttpResponse::build(status)
                    .content_type("text/plain; charset=utf-8")
                    .body(message.to_owned())
            }
        }
    }
}

/// `/favicon.ico`, which browsers ask for by themselves: the same icon (as SVG), a day.
pub async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(FAVICON)
}

/// `/robots.txt`.
pub async fn robots() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(ROBOTS)
}

fn rendering_failed() -> HttpResponse {
    HttpResponse::InternalServerError()
        .content_type("text/plain; charset=utf-8")
        .body("500")
}

/// Serves the embedded stylesheet and script; their URLs carry a content hash, so they may be
/// cached for a year.
pub async fn static_file(req: HttpRequest) -> HttpResponse {
    let (body, content_type) = match req.match_info().query("file") {
        "site.css" => (CSS, "text/css; charset=utf-8"),
        "site.js" => (JS, "text/javascript; charset=utf-8"),
        "favicon.svg" => (FAVICON, "image/svg+xml"),
        _ => return HttpResponse::NotFound().finish(),
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::{Pages, Texts};

    /// A kept text is the one Fluent gives, in each language, asked once or again; a text with
    /// arguments is formatted with them each time; an unknown key answers as Fluent does.
    #[test]
    fn template_texts_are_fluents_whether_kept_or_not() {
        let pages = Pages::new(false).expect("the templates compile");
        let one = |src: &str| {
            pages
                .tera
                .render_str(src, &tera::Context::new(), true)
                .expect("renders")
        };
        for _ in 0..2 {
            assert_eq!(
                one(r#"{{ t(key="enterprise-accountability", lang="en") }}"#),
                "Accountability"
            );
            assert_eq!(
                one(r#"{{ t(key="enterprise-accountability", lang="zh-CN") }}"#),
                crate::i18n::Lang::Zh.t("enterprise-accountability")
            );
            assert_eq!(
                one(r#"{{ t(key="enterprises-major-count", lang="en", count=3) }}"#),
                "3 major hazards"
            );
            assert_eq!(
                one(r#"{{ t(key="enterprises-major-count", lang="en", count=4) }}"#),
                "4 major hazards"
            );
        }
        // Texts without arguments are kept, once asked for; with arguments, never.
        let texts = Texts {
            fluent: fluent_templates::FluentLoader::new(&*crate::i18n::LOCALES),
            kept: Default::default(),
        };
        let ask = |key: &str, lang: &str| {
            tera::Kwargs::from([("key", key.into()), ("lang", lang.into())])
        };
        let kept = |key: &str| texts.kept.read().expect("unpoisoned").get(key).cloned();
        assert!(kept("enterprise-accountability").is_none());
        let text = texts.plain(&ask("enterprise-accountability", "en"));
        assert_eq!(
            text.as_ref().and_then(|v| v.as_str()),
            Some("Accountability")
        );
        assert!(matches!(
            kept("enterprise-accountability"),
            Some([None, Some(_)])
        ));
        let counted = tera::Kwargs::from([
            ("key", "enterprises-major-count".into()),
            ("lang", "en".into()),
            ("count", 3.into()),
        ]);
        assert!(texts.plain(&counted).is_none());
        assert!(texts.plain(&ask("no-such-text", "en")).is_none());
        assert!(
            texts
                .plain(&ask("enterprise-accountability", "fr"))
                .is_none()
        );
        assert!(kept("enterprises-major-count").is_none() && kept("no-such-text").is_none());
        let fluent = fluent_templates::FluentLoader::new(&*crate::i18n::LOCALES);
        let mut bare = tera::Tera::default();
        bare.register_function("t", fluent);
        let unknown = r#"{{ t(key="no-such-text", lang="en") }}"#;
        assert_eq!(
            one(unknown),
            bare.render_str(unknown, &tera::Context::new(), true)
                .expect("renders")
        );
    }
}
