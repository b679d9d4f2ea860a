//! Importing hazards from a spreadsheet: sub-districts and departments send their lists as Excel.
//! A file (.xlsx, read with `calamine`, or UTF-8 .csv) whose first non-empty row names the
//! columns, either by the hazard body's field names (`description`, `deadline`…) or by the
//! titles of the 隐患清单 export (in Chinese or English), so an exported 隐患清单 plus the
//! columns it lacks (responsible people, measures, deadline) imports. Codes or names are read
//! for source, grade, department, sub-district and sector; dates as real spreadsheet dates or as
//! text (`2026-10-01`, `2026/10/1`, `2026年10月1日`).
//!
//! All or nothing: every row is checked by `check_hazard` and stored by `store_hazard` in one
//! transaction, which is rolled back when any row is wrong; the answer then lists every wrong
//! (row, field). A credit code not yet known creates the enterprise from the row (name, code,
//! sub-district, address and sector, all required then, checked as `services::enterprises`
//! checks every enterprise) in the same transaction; a number
//! (`隐患编号`) that is already recorded is refused, so importing an export twice records
//! nothing twice. Columns the import does not know (状态, anything else) are ignored.

use super::auth::Staff;
use super::enterprises::EnterpriseInput;
use super::exports::{Download, XLSX_TYPE, add_sheet};
use super::hazards::{Fields, HazardInput};
use super::names::Names;
use super::{ServiceError, ServiceResult, Services};
use crate::db::DbConn;
use crate::db::enterprises;
use crate::db::hazards;
use crate::domain::FieldError;
use crate::domain::access::Permission;
use crate::domain::credit_code::CreditCode;
use crate::domain::hazard::Source;
use crate::i18n::Lang;
use anyhow::Context;
use chrono::NaiveDate;
use diesel::Connection;
use strum::VariantArray;

/// The largest file read (bytes).
pub const MAX_BYTES: usize = 5 << 20;
/// The most data rows in a file.
pub const MAX_ROWS: usize = 5_000;
/// The most an XLSX file may unpack to (its parts' declared sizes), so that a small file that
/// would inflate to gigabytes is refused before it is read.
const MAX_UNPACKED: u64 = 200 << 20;
/// The most row errors told (the rest would only repeat them).
const MAX_ERRORS: usize = 1_000;

/// A column the import reads: the field it fills and the message key of its title (the list
/// export's, or the template's for the columns the lists do not show).
pub const COLUMNS: &[(&str, &str)] = &[
    ("number", "lists-col-number"),
    ("case_number", "lists-col-case"),
    ("enterprise_name", "lists-col-enterprise"),
    ("credit_code", "lists-col-credit-code"),
    ("address", "lists-col-address"),
    ("street", "lists-col-street"),
    ("description", "lists-col-description"),
    ("grade", "lists-col-grade"),
    ("basis", "lists-col-basis"),
    ("source", "lists-col-source"),
    ("found_on", "lists-col-found-on"),
    ("department", "lists-col-department"),
    ("responsible_person", "lists-col-responsible-person"),
    ("supervisor", "lists-col-supervisor"),
    ("street_official", "lists-col-street-official"),
    ("leader", "lists-col-leader"),
    ("measures", "lists-col-measures"),
    ("deadline", "lists-col-deadline"),
    ("suspend_operations", "lists-col-suspend"),
    ("sector", "lists-col-sector"),
    ("enterprise_id", "lists-col-enterprise-id"),
];

/// The columns a file must have.
const REQUIRED: &[&str] = &[
    "source",
    "description",
    "grade",
    "found_on",
    "department",
    "responsible_person",
    "supervisor",
    "measures",
    "deadline",
];

/// What is wrong in a file: the data row (from 1; 0 is the header or the file itself) and the
/// field error of the column.
#[derive(Debug, Clone)]
pub struct RowError {
    pub row: usize,
    pub error: FieldError,
}

/// Why nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Neither an XLSX workbook nor CSV text.
    #[error("not a spreadsheet")]
    NotSpreadsheet,
    /// Over [`MAX_BYTES`] or [`MAX_ROWS`].
    #[error("too large")]
    TooLarge,
    /// The header or some rows are wrong.
    #[error("{} wrong rows", .0.len())]
    Rows(Vec<RowError>),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<diesel::result::Error> for ImportError {
    fn from(e: diesel::result::Error) -> Self {
        ImportError::Service(e.into())
    }
}

impl From<anyhow::Error> for ImportError {
    fn from(e: anyhow::Error) -> Self {
        ImportError::Service(e.into())
    }
}

fn file_error(key: &'static str) -> ImportError {
    ImportError::Rows(vec![RowError {
        row: 0,
        error: FieldError::new("file", key),
    }])
}

/// A row of a read file: every cell as text (dates already `YYYY-MM-DD`).
type Table = Vec<Vec<String>>;

/// A column's title in the user's language, for the page's error table (the field's name when
/// it is no column: `file`).
pub fn column_title(lang: Lang, field: &str) -> String {
    COLUMNS
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, key)| lang.t(key))
        .unwrap_or_else(|| lang.t(&format!("import-field-{field}")))
}

impl Services {
    /// Imports the hazards of a spreadsheet, all or none; answers how many were recorded.
    pub fn import_hazards(&self, staff: &Staff, bytes: &[u8]) -> Result<usize, ImportError> {
        if !staff.may(Permission::RecordHazards) {
            return Err(ServiceError::Forbidden.into());
        }
        if bytes.len() > MAX_BYTES {
            return Err(ImportError::TooLarge);
        }
        let table = read_table(bytes)?;
        let mut rows = table.into_iter();
        let header = rows
            .by_ref()
            .find(|r| r.iter().any(|c| !c.is_empty()))
            .ok_or_else(|| file_error("import_empty"))?;
        let mut data: Table = rows.collect();
        while data.last().is_some_and(|r| r.iter().all(String::is_empty)) {
            data.pop();
        }
        if data.len() > MAX_ROWS {
            return Err(ImportError::TooLarge);
        }
        if data.is_empty() {
            return Err(file_error("import_no_rows"));
        }
        let columns = self.header(&header)?;
        self.db.write(|conn| {
            let mut errors = Vec::new();
            let (mut imported, mut created) = (0, 0);
            for (i, cells) in data.iter().enumerate() {
                if cells.iter().all(String::is_empty) {
                    continue;
                }
                let value = |field: &str| -> Option<String> {
                    let at = columns.iter().position(|c| *c == Some(field))?;
                    cells.get(at).filter(|v| !v.is_empty()).cloned()
                };
                match self.import_row(conn, staff, &value)? {
                    Ok(new_enterprise) => {
                        imported += 1;
                        created += usize::from(new_enterprise);
                    }
                    Err(wrong) => errors.extend(
                        wrong
                            .into_iter()
                            .map(|error| RowError { row: i + 1, error }),
                    ),
                }
                if errors.len() >= MAX_ERRORS {
                    break;
                }
            }
            if !errors.is_empty() {
                return Err(ImportError::Rows(errors));
            }
            let detail = format!("{imported} hazards, {created} new enterprises");
            self.audit_staff_step(conn, staff, "hazards_import", &detail)?;
            Ok(imported)
        })
    }

    /// The field of each header cell (`None` for a column the import does not read); a missing
    /// required column is an error of row 0.
    fn header(&self, header: &[String]) -> Result<Vec<Option<&'static str>>, ImportError> {
        let titles: Vec<(&'static str, String, String)> = COLUMNS
            .iter()
            .map(|(f, key)| (*f, Lang::Zh.t(key), Lang::En.t(key).to_lowercase()))
            .collect();
        let columns: Vec<Option<&'static str>> = header
            .iter()
            .map(|h| {
                let h: String = h
                    .chars()
                    .filter(|c| !c.is_whitespace() && *c != '*')
                    .collect();
                let lower = h.to_lowercase();
                titles
                    .iter()
                    .find(|(f, zh, en)| *f == h || *zh == h || en.replace(' ', "") == lower)
                    .map(|(f, _, _)| *f)
            })
            .collect();
        let mut missing: Vec<RowError> = REQUIRED
            .iter()
            .filter(|f| !columns.contains(&Some(**f)))
            .map(|f| RowError {
                row: 0,
                error: FieldError::new(f, "import_missing_column"),
            })
            .collect();
        let enterprise = ["enterprise_id", "credit_code", "case_number"];
        if !enterprise.iter().any(|f| columns.contains(&Some(*f))) {
            missing.push(RowError {
                row: 0,
                error: FieldError::new("credit_code", "import_missing_column"),
            });
        }
        match missing.is_empty() {
            true => Ok(columns),
            false => Err(ImportError::Rows(missing)),
        }
    }

    /// Checks and stores one row; `Ok(Err(..))` holds what is wrong in it, `Ok(Ok(true))` says
    /// it created its enterprise.
    fn import_row(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        value: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Result<bool, Vec<FieldError>>, ImportError> {
        let mut f = Fields::default();
        let mut input = HazardInput {
            source: value("source").map(|s| self.code_of_source(&s)),
            case_number: value("case_number"),
            enterprise_name: value("enterprise_name"),
            credit_code: value("credit_code"),
            description: value("description"),
            grade: value("grade").map(|s| grade_code(&s)),
            basis: value("basis"),
            found_on: value("found_on").map(|s| date_text(&s)),
            department: value("department").map(|s| self.code_of_unit(&s)),
            street: value("street").map(|s| self.code_of_unit(&s)),
            responsible_person: value("responsible_person"),
            supervisor: value("supervisor"),
            street_official: value("street_official"),
            leader: value("leader"),
            measures: value("measures"),
            deadline: value("deadline").map(|s| date_text(&s)),
            ..HazardInput::default()
        };
        if let Some(v) = value("suspend_operations") {
            input.suspend_operations = yes_no(&v).or_else(|| {
                f.err("suspend_operations", "import_yes_no");
                None
            });
        }
        if let Some(v) = value("enterprise_id") {
            input.enterprise_id = v.parse().ok().or_else(|| {
                f.err("enterprise_id", "invalid");
                None
            });
        }
        if let Some(n) = value("number")
            && hazards::number_exists(conn, n.trim())?
        {
            f.err("number", "import_number_exists");
        }
        let enterprise_told = !f.errors.is_empty();
        let created = self.import_enterprise(conn, staff, &mut input, value, &mut f)?;
        let enterprise_told = enterprise_told || f.errors.iter().any(|e| is_enterprise(e.field));
        match self.check_hazard(conn, staff, &input) {
            Ok(new) if f.errors.is_empty() => {
                self.store_hazard(conn, staff, new)?;
                return Ok(Ok(created));
            }
            Ok(_) => {}
            Err(ServiceError::Validation(more)) => {
                // The new enterprise's street is the hazard's too: told once.
                let more: Vec<FieldError> = more
                    .into_iter()
                    .filter(|e| !(enterprise_told && is_enterprise(e.field)))
                    .filter(|e| {
                        !f.errors
                            .iter()
                            .any(|t| (t.field, t.key) == (e.field, e.key))
                    })
                    .collect();
                f.errors.extend(more);
            }
            Err(e) => return Err(e.into()),
        }
        Ok(Err(f.errors))
    }

    /// A credit code not yet known: the enterprise is created from the row (its name, address,
    /// sub-district and sector), checked and recorded as the enterprises' own form records one
    /// (`insert_enterprise`, audited), in the import's transaction; what is wrong in it is told
    /// under the row's columns. Answers whether it was created.
    fn import_enterprise(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        input: &mut HazardInput,
        value: &dyn Fn(&str) -> Option<String>,
        f: &mut Fields,
    ) -> Result<bool, ImportError> {
        if input.enterprise_id.is_some() {
            return Ok(false);
        }
        let Some(code) = input.credit_code.clone() else {
            if input.case_number.is_none() {
                f.err("credit_code", "required");
            }
            return Ok(false);
        };
        let Ok(code) = CreditCode::parse(&code) else {
            // check_hazard tells what is wrong with it.
            return Ok(false);
        };
        if enterprises::by_credit_code(conn, code.as_str())?.is_some() {
            return Ok(false);
        }
        let enterprise = EnterpriseInput {
            name: input.enterprise_name.clone(),
            credit_code: Some(code.as_str().to_owned()),
            address: value("address"),
            street: input.street.clone(),
            sector: value("sector").map(|s| self.code_of_sector(&s)),
        };
        // A savepoint: the same code recorded meanwhile by another import (the unique index)
        // is a field error, and PostgreSQL's transaction stays usable for the other rows.
        let inserted = conn.transaction::<_, ServiceError, _>(|conn| {
            self.insert_enterprise(conn, staff, &enterprise)
        });
        match inserted {
            Ok(id) => {
                input.enterprise_id = Some(id);
                input.credit_code = None;
                Ok(true)
            }
            Err(ServiceError::Validation(wrong)) => {
                f.errors.extend(wrong.into_iter().map(row_field));
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// A source's code from its code or its name in either language (anything else as given,
    /// for `check_hazard` to refuse).
    fn code_of_source(&self, text: &str) -> String {
        let t = text.trim();
        Source::VARIANTS
            .iter()
            .find(|s| {
                let key = format!("lists-source-{}", s.as_str());
                s.as_str() == t || Lang::Zh.t(&key) == t || Lang::En.t(&key).eq_ignore_ascii_case(t)
            })
            .map_or_else(|| t.to_owned(), |s| s.as_str().to_owned())
    }

    /// A department's or sub-district's code from its code or name.
    fn code_of_unit(&self, text: &str) -> String {
        let t = text.trim();
        let c = &self.catalog;
        let departments = c
            .departments()
            .iter()
            .map(|d| (&d.code, &d.name_zh, &d.name_en));
        let streets = c
            .streets()
            .iter()
            .map(|s| (&s.code, &s.name_zh, &s.name_en));
        named(departments.chain(streets), t)
    }

    /// A sector's code from its code or name.
    fn code_of_sector(&self, text: &str) -> String {
        let sectors = self.catalog.sectors().iter();
        named(
            sectors.map(|s| (&s.code, &s.name_zh, &s.name_en)),
            text.trim(),
        )
    }
}

/// The columns of the import template: the 隐患清单's and what the lists do not show, without
/// the number (given on import) and the enterprise id (the credit code stands for it).
fn template_columns() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    COLUMNS
        .iter()
        .filter(|(f, _)| !matches!(*f, "number" | "enterprise_id"))
}

impl Services {
    /// The import template (XLSX): a sheet with the column titles to fill in, and a sheet that
    /// says for each column whether it is required, what to write, and an example.
    pub fn import_template(&self, lang: Lang) -> ServiceResult<Download> {
        let names = Names::new(&self.catalog, lang);
        let first = |v: Option<String>| v.unwrap_or_default();
        let c = &self.catalog;
        let example = |field: &str| -> String {
            match field {
                "enterprise_name" => "厦门某某餐饮有限公司".into(),
                "credit_code" => "91350206MA2Y0K7T19".into(),
                "address" => "江头北路 1 号".into(),
                "street" => first(c.streets().first().map(|s| names.name(s))),
                "description" => "后厨液化石油气钢瓶与灶具间距不足，未安装燃气泄漏报警装置".into(),
                "grade" => lang.t("severity-general"),
                "source" => lang.t("lists-source-street_inspection"),
                "found_on" => "2026-10-01".into(),
                "department" => first(c.departments().first().map(|d| names.name(d))),
                "responsible_person" => "王某某".into(),
                "supervisor" => "李某某".into(),
                "street_official" => "陈某某".into(),
                "leader" => "张某某".into(),
                "measures" => "钢瓶移至独立气瓶间，加装燃气泄漏报警装置".into(),
                "deadline" => "2026-10-15".into(),
                "suspend_operations" => lang.t("lists-template-no"),
                "sector" => first(c.sectors().first().map(|s| names.name(s))),
                _ => String::new(),
            }
        };
        let need = |field: &str| -> String {
            let key = match field {
                f if REQUIRED.contains(&f) || matches!(f, "street" | "credit_code") => {
                    "lists-template-required"
                }
                "enterprise_name" | "address" | "sector" => "lists-template-new-enterprise",
                _ => "lists-template-optional",
            };
            lang.t(key)
        };
        let columns: Vec<(&str, f64)> = template_columns().map(|(f, _)| (*f, 18.0)).collect();
        let headers: Vec<String> = template_columns().map(|(_, k)| lang.t(k)).collect();
        let mut book = rust_xlsxwriter::Workbook::new();
        let data_sheet = lang.t("lists-template-sheet");
        add_sheet(
            &mut book,
            (&data_sheet, &columns),
            (headers.len(), 1),
            &headers,
            |_, _| Ok(()),
        )?;
        let note_headers: Vec<String> = [
            "lists-template-col-title",
            "lists-template-col-field",
            "lists-template-col-required",
            "lists-template-col-note",
            "lists-template-col-example",
        ]
        .iter()
        .map(|k| lang.t(k))
        .collect();
        let widths = [("", 20.0), ("", 22.0), ("", 16.0), ("", 60.0), ("", 40.0)];
        let rows = template_columns().count();
        let notes = lang.t("lists-template-notes");
        add_sheet(
            &mut book,
            (&notes, &widths),
            (5, rows),
            &note_headers,
            |sheet, _| {
                for (i, (field, key)) in template_columns().enumerate() {
                    let row = u32::try_from(i + 1).context("a row")?;
                    let cells = [
                        lang.t(key),
                        (*field).to_owned(),
                        need(field),
                        lang.t(&format!("lists-template-note-{field}")),
                        example(field),
                    ];
                    for (col, text) in (0u16..).zip(cells) {
                        sheet.write_string(row, col, text).context("a note")?;
                    }
                }
                Ok(())
            },
        )?;
        Ok(Download {
            name: "hazards-import-template.xlsx".into(),
            content_type: XLSX_TYPE,
            bytes: book.save_to_buffer().context("writing the template")?,
        })
    }
}

/// The code of the entry whose code or name is `t` (`t` itself when none is).
fn named<'a>(
    mut entries: impl Iterator<Item = (&'a String, &'a String, &'a String)>,
    t: &str,
) -> String {
    entries
        .find(|(code, zh, en)| *code == t || *zh == t || en.eq_ignore_ascii_case(t))
        .map_or_else(|| t.to_owned(), |(code, _, _)| code.clone())
}

/// An enterprise's field error under the import's column: its name is the `enterprise_name`
/// column; a missing sector says that a new enterprise needs one.
fn row_field(e: FieldError) -> FieldError {
    match (e.field, e.key) {
        ("name", _) => FieldError {
            field: "enterprise_name",
            ..e
        },
        ("sector", "required") => FieldError::new("sector", "import_sector_for_new"),
        _ => e,
    }
}

fn is_enterprise(field: &str) -> bool {
    matches!(field, "enterprise_id" | "credit_code" | "enterprise_name")
}

/// `general`/`major` from a code or a name (一般, 一般隐患, 一般事故隐患, General…).
fn grade_code(text: &str) -> String {
    let t = text.trim();
    let lower = t.to_lowercase();
    if t.starts_with("一般") || lower.starts_with("general") {
        "general".into()
    } else if t.starts_with("重大") || lower.starts_with("major") {
        "major".into()
    } else {
        t.to_owned()
    }
}

/// A yes or no as people write it in a sheet.
fn yes_no(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "是" | "yes" | "y" | "true" | "1" | "✓" | "√" => Some(true),
        "否" | "no" | "n" | "false" | "0" | "" => Some(false),
        _ => None,
    }
}

/// A date typed in one of the usual ways as `YYYY-MM-DD` (anything else as given, for the
/// checks to refuse). A time after the date is dropped.
fn date_text(text: &str) -> String {
    let t = text.trim();
    let day = t.split([' ', 'T']).next().unwrap_or(t);
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(day, f).ok())
        .map_or_else(|| t.to_owned(), |d| d.to_string())
}

/// The cells of the file's first sheet (XLSX) or of the CSV text.
fn read_table(bytes: &[u8]) -> Result<Table, ImportError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(file_error("import_empty"));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(bytes);
    }
    // Binary files (an old .xls, a picture, a PDF) carry NUL bytes; text does not.
    if bytes.contains(&0) {
        return Err(ImportError::NotSpreadsheet);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| file_error("import_not_utf8"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| {
            r.map(|r| r.iter().map(|c| c.trim().to_owned()).collect())
                .map_err(|_| file_error("import_bad_csv"))
        })
        .collect()
}

/// The sum of the declared sizes of a zip archive's parts.
fn unpacked_size(bytes: &[u8]) -> Result<u64, ImportError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|_| ImportError::NotSpreadsheet)?;
    let mut total = 0u64;
    for i in 0..archive.len() {
        let part = archive
            .by_index_raw(i)
            .map_err(|_| ImportError::NotSpreadsheet)?;
        total = total.saturating_add(part.size());
    }
    Ok(total)
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, ImportError> {
    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
    if unpacked_size(bytes)? > MAX_UNPACKED {
        return Err(ImportError::TooLarge);
    }
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes))
        .map_err(|_| ImportError::NotSpreadsheet)?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| file_error("import_empty"))?
        .map_err(|_| ImportError::NotSpreadsheet)?;
    let text = |c: &Data| -> String {
        match c {
            Data::Empty | Data::Error(_) => String::new(),
            Data::String(s) => s.trim().to_owned(),
            Data::Int(i) => i.to_string(),
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            Data::Float(f) => f.to_string(),
            Data::Bool(b) => b.to_string(),
            Data::DateTime(d) => d
                .as_datetime()
                .map(|t| t.date().to_string())
                .unwrap_or_default(),
            Data::DateTimeIso(s) | Data::DurationIso(s) => s.chars().take(10).collect(),
        }
    };
    Ok(range.rows().map(|r| r.iter().map(text).collect()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_as_people_type_them() {
        let typed = [
            "2026-10-01",
            "2026/10/1",
            "2026.10.01",
            "2026年10月1日",
            "2026-10-01 00:00:00",
        ];
        for t in typed {
            assert_eq!(date_text(t), "2026-10-01", "{t}");
        }
        assert_eq!(
            date_text("next week"),
            "next week",
            "not a date: kept as typed"
        );
    }

    #[test]
    fn grades_and_yes_no_are_read_from_words() {
        let grades = [
            ("重大事故隐患", "major"),
            ("一般隐患", "general"),
            ("Major", "major"),
            ("big", "big"),
        ];
        for (typed, code) in grades {
            assert_eq!(grade_code(typed), code, "{typed}");
        }
        for (typed, read) in [("是", Some(true)), ("否", Some(false)), ("maybe", None)] {
            assert_eq!(yes_no(typed), read, "{typed}");
        }
    }

    #[test]
    fn binary_and_empty_files_are_refused() {
        assert!(matches!(
            read_table(b"\xd0\xcf\x11\xe0\0\0"),
            Err(ImportError::NotSpreadsheet)
        ));
        assert!(matches!(
            read_table(b"PK\x03\x04junk"),
            Err(ImportError::NotSpreadsheet)
        ));
        assert!(matches!(read_table(b"  \r\n"), Err(ImportError::Rows(_))));
        assert!(matches!(
            read_table(b"\xff\xfe\x41"),
            Err(ImportError::Rows(_))
        ));
    }
}
