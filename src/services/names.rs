//! Localised names of the catalog's sectors and units (departments and sub-districts): the one
//! place that turns a code into words, for the pages (through `web::pages`) and for the files the
//! services write (exports).

use crate::domain::catalog::{Catalog, Entry};
use crate::i18n::Lang;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Clone, Copy)]
pub struct Names<'a> {
    pub catalog: &'a Catalog,
    pub lang: Lang,
}

impl<'a> Names<'a> {
    pub fn new(catalog: &'a Catalog, lang: Lang) -> Self {
        Names { catalog, lang }
    }

    /// The text in the page's language.
    pub fn pick(&self, zh: &str, en: &str) -> String {
        self.lang.pick(zh, en)
    }

    /// A catalog entry's name in the page's language.
    pub fn name(&self, entry: &impl Entry) -> String {
        let (zh, en) = entry.names();
        self.pick(zh, en)
    }

    /// A department or sub-district (the code itself when it is neither).
    pub fn unit(&self, code: &str) -> String {
        let c = self.catalog;
        c.department(code)
            .map(|d| self.name(d))
            .or_else(|| c.street(code).map(|s| self.name(s)))
            .unwrap_or_else(|| code.to_owned())
    }

    /// A sector (the code itself when it is none).
    pub fn sector(&self, code: &str) -> String {
        self.sector_name(code).unwrap_or_else(|| code.to_owned())
    }

    /// A sector's name, empty when the code is none (a page leaves the cell blank).
    pub fn known_sector(&self, code: &str) -> String {
        self.sector_name(code).unwrap_or_default()
    }

    fn sector_name(&self, code: &str) -> Option<String> {
        self.catalog.sector(code).map(|s| self.name(s))
    }

    /// A department (empty when it is none).
    pub fn department(&self, code: &str) -> String {
        self.catalog
            .department(code)
            .map(|d| self.name(d))
            .unwrap_or_default()
    }

    /// A sub-district (empty when it is none).
    pub fn street(&self, code: &str) -> String {
        self.catalog
            .street(code)
            .map(|s| self.name(s))
            .unwrap_or_default()
    }
}

/// A department or a sub-district (API.md: `{"code", "name_zh", "name_en"}`).
#[derive(Serialize, ToSchema)]
pub struct Unit {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

impl<E: Entry> From<&E> for Unit {
    fn from(e: &E) -> Unit {
        let (zh, en) = e.names();
        Unit {
            code: e.code().to_owned(),
            name_zh: zh.to_owned(),
            name_en: en.to_owned(),
        }
    }
}

/// A unit by code (departments and streets alike); an unknown code is named by itself.
pub fn unit(catalog: &Catalog, code: &str) -> Unit {
    catalog
        .department(code)
        .map(Unit::from)
        .or_else(|| catalog.street(code).map(Unit::from))
        .unwrap_or_else(|| Unit {
            code: code.to_owned(),
            name_zh: code.to_owned(),
            name_en: code.to_owned(),
        })
}
