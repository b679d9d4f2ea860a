//! Localised names of the catalog's sectors and units (departments and sub-districts): the one
//! place that turns a code into words, for the pages (through `web::pages`) and for the files the
//! services write (exports).

use crate::domain::catalog::{Catalog, Entry};
use crate::i18n::Lang;

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
