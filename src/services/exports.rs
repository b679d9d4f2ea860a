//! The files staff download: the three lists (CSV or XLSX), the evaluation table, the progress
//! report and the reward ledger (CSV), in the caller's language. Each is one call that loads its data through
//! the use case that owns it (lists, oversight, rewards), so with the caller's authorisation and
//! the audit entry that use case keeps, and returns the finished file.
//!
//! They live together, not beside each use case, because they share one writer ([`Sheet`]): UTF-8
//! with a BOM and CRLF line ends (what Excel opens without asking), every field quoted, and a
//! cell that a spreadsheet would run as a formula defused, since reporters write some of the text.
//! The lists are also written as XLSX (`rust_xlsxwriter`): Chinese headers, column widths, a
//! frozen header row, a filter on it, and dates as dates; an XLSX cell is written as a string,
//! never as a formula, so nothing needs defusing there.

use super::auth::Staff;
use super::lists::{Cell, HazardList, ListKind, ListQuery, ymd};
use super::names::Names;
use super::oversight::{Oversight, pct, score};
use super::{ServiceResult, Services};
use crate::domain::reward::Fen;
use crate::i18n::Lang;
use anyhow::Context;
use chrono::NaiveDate;
use std::borrow::Cow;

/// A finished file: its name, its media type and its bytes.
#[derive(Debug, Clone)]
pub struct Download {
    pub name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// Most files are CSV.
pub type CsvFile = Download;

pub const CSV_TYPE: &str = "text/csv; charset=utf-8";
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The two formats of the lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    Csv,
    Xlsx,
}

impl ListFormat {
    pub fn parse(s: &str) -> Option<ListFormat> {
        match s {
            "csv" => Some(ListFormat::Csv),
            "xlsx" => Some(ListFormat::Xlsx),
            _ => None,
        }
    }

    fn extension(self) -> &'static str {
        match self {
            ListFormat::Csv => "csv",
            ListFormat::Xlsx => "xlsx",
        }
    }
}

/// The two files of the oversight figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OversightFile {
    /// The evaluation table: a line per sub-district, then per department.
    Evaluation,
    /// The progress report: the figures, then the overdue cases with their explanations.
    Report,
}

/// The ledger's columns, as message keys.
const LEDGER_COLUMNS: [&str; 12] = [
    "list-col-case",
    "list-col-department",
    "staff-basis",
    "staff-amount",
    "staff-rule",
    "ledger-col-policy",
    "ledger-col-proposed-by",
    "ledger-col-decided-by",
    "ledger-col-second-approver",
    "ledger-col-paid-by",
    "ledger-col-paid-at",
    "staff-payment-reference",
];

impl Services {
    /// A list as a file (`hazards.csv`, `rectifications.xlsx`…), filtered; the export is
    /// recorded in the audit log.
    pub fn list_file(
        &self,
        staff: &Staff,
        (kind, format): (ListKind, ListFormat),
        query: &ListQuery,
        lang: Lang,
    ) -> ServiceResult<Download> {
        let name = format!("{}.{}", kind.as_str(), format.extension());
        let list = self.exported_list(staff, kind, query, lang, &name)?;
        match format {
            ListFormat::Csv => {
                let mut sheet = Sheet::new();
                sheet.line(&list.headers)?;
                for r in &list.rows {
                    sheet.line(r.cells.iter().map(Cell::text))?;
                }
                sheet.finish(name)
            }
            ListFormat::Xlsx => Ok(Download {
                bytes: xlsx(&list, kind.columns())?,
                name,
                content_type: XLSX_TYPE,
            }),
        }
    }

    /// The evaluation table or the progress report of the scope and period a staff member asked
    /// for (texts as in the query; see [`Services::oversight_for`]).
    pub fn oversight_file(
        &self,
        staff: &Staff,
        file: OversightFile,
        lang: Lang,
        unit: &str,
        from: &str,
        to: &str,
    ) -> ServiceResult<CsvFile> {
        let o = self.oversight_for(staff, unit, from, to)?;
        self.oversight_csv(file, lang, &o)
    }

    /// Figures already computed, as one of their files (`tipline report --csv` writes the
    /// report of [`Services::oversight_of`]).
    pub fn oversight_csv(
        &self,
        file: OversightFile,
        lang: Lang,
        o: &Oversight,
    ) -> ServiceResult<CsvFile> {
        let names = Names::new(&self.catalog, lang);
        let mut sheet = Sheet::new();
        let name = match file {
            OversightFile::Evaluation => {
                evaluation(&mut sheet, names, o)?;
                "evaluation"
            }
            OversightFile::Report => {
                report(&mut sheet, names, o)?;
                "report"
            }
        };
        sheet.finish(format!("{name}-{}-{}.csv", o.from, o.to))
    }

    /// The ledger of paid rewards for a range of payment days (both ends included): a line a
    /// payment, then the totals, overall, by department and by basis.
    pub fn ledger_file(
        &self,
        staff: &Staff,
        lang: Lang,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> ServiceResult<CsvFile> {
        let ledger = self.reward_ledger(staff, from, to)?;
        let names = Names::new(&self.catalog, lang);
        let basis = |code: &str| {
            lang.try_t(&format!("basis-{code}"))
                .unwrap_or_else(|| code.to_owned())
        };
        let mut sheet = Sheet::new();
        sheet.line(LEDGER_COLUMNS.map(|k| lang.t(k)))?;
        for v in &ledger.rows {
            let r = &v.reward;
            let paid_at = r.paid_at.map(|t| {
                let local = t.and_utc().with_timezone(&self.offset);
                local.format("%Y-%m-%d %H:%M").to_string()
            });
            sheet.line([
                v.case_number.clone(),
                names.unit(&v.department),
                basis(&r.basis),
                r.amount.to_string(),
                r.rule.clone(),
                r.policy.clone(),
                r.proposed_by.clone(),
                r.decided_by.clone().unwrap_or_default(),
                r.second_decided_by.clone().unwrap_or_default(),
                r.paid_by.clone().unwrap_or_default(),
                paid_at.unwrap_or_default(),
                r.paid_reference.clone().unwrap_or_default(),
            ])?;
        }
        sheet.gap()?;
        let sum = |key: &str, department: String, basis: String, fen: &Fen| {
            [lang.t(key), department, basis, fen.to_string()]
        };
        let none = String::new;
        sheet.line(sum("ledger-total", none(), none(), &ledger.total))?;
        for (code, fen) in &ledger.by_department {
            sheet.line(sum(
                "ledger-total-by-department",
                names.unit(code),
                none(),
                fen,
            ))?;
        }
        for (code, fen) in &ledger.by_basis {
            sheet.line(sum("ledger-total-by-basis", none(), basis(code), fen))?;
        }
        sheet.finish("reward-ledger.csv".to_owned())
    }
}

impl Services {
    /// A saved report as CSV: its scope and period, the frozen figures, the campaign's, the
    /// narrative, the 编制 / 审核 / 签发 lines, then the cases past a limit.
    pub fn report_file(&self, staff: &Staff, id: i64, lang: Lang) -> ServiceResult<CsvFile> {
        let r = self.report(staff, id)?;
        let names = Names::new(&self.catalog, lang);
        let f = &r.figures;
        let scope = match r.unit.as_deref() {
            Some(u) => names.unit(u),
            None => lang.t("report-summary"),
        };
        let at = |t: Option<chrono::NaiveDateTime>| {
            t.map(|t| crate::i18n::local_datetime(t.and_utc(), self.offset, lang))
                .unwrap_or_default()
        };
        let mut sheet = Sheet::new();
        let mut lines = vec![
            ("oversight-scope", scope),
            ("oversight-from", r.from.to_string()),
            ("oversight-to", r.to.to_string()),
        ];
        lines.extend(f.case_lines());
        lines.extend(f.campaign_lines());
        lines.extend([
            (
                "report-field-narrative-progress",
                r.narrative.progress.clone(),
            ),
            (
                "report-field-narrative-problems",
                r.narrative.problems.clone(),
            ),
            (
                "report-field-narrative-next_steps",
                r.narrative.next_steps.clone(),
            ),
            (
                "report-prepared",
                format!("{} {}", r.prepared_by, at(Some(r.prepared_at))),
            ),
        ]);
        let signature = |who: &Option<String>, when| {
            who.as_deref()
                .map(|w| format!("{w} {}", at(when)))
                .unwrap_or_default()
        };
        lines.push(("report-reviewed", signature(&r.reviewed_by, r.reviewed_at)));
        lines.push(("report-signed", signature(&r.signed_by, r.signed_at)));
        lines.push((
            "report-submitted",
            signature(&r.submitted_by, r.submitted_at),
        ));
        for (k, v) in lines {
            sheet.line([lang.t(k), v])?;
        }
        sheet.gap()?;
        sheet.line(
            [
                "list-col-case",
                "list-col-department",
                "oversight-col-missed",
                "oversight-col-due",
                "oversight-col-days-late",
                "oversight-col-explanation",
            ]
            .map(|k| lang.t(k)),
        )?;
        for o in &f.overdue_cases {
            sheet.line([
                o.case_number.clone(),
                names.unit(&o.department),
                lang.t(&format!("oversight-missed-{}", o.missed)),
                o.due.to_string(),
                o.days_late.to_string(),
                explanation_lines(
                    lang,
                    o.explanations
                        .iter()
                        .map(|e| (e.text.as_str(), e.standing.as_str())),
                ),
            ])?;
        }
        sheet.finish(format!("report-{}-{}-{}.csv", r.id, r.from, r.to))
    }
}

/// The evaluation table: one line per sub-district, then one per department.
fn evaluation(sheet: &mut Sheet, names: Names, o: &Oversight) -> ServiceResult<()> {
    let lang = names.lang;
    sheet.line(
        [
            "oversight-col-kind",
            "oversight-col-unit",
            "oversight-col-received",
            "oversight-col-acceptance-in-time",
            "oversight-col-verification-in-time",
            "oversight-col-rectification-done",
            "oversight-col-overdue",
            "oversight-col-overdue-explained",
            "oversight-col-overdue-accepted",
            "oversight-col-score",
            "evaluation-computed",
            "evaluation-leadership",
            "evaluation-leadership-note",
            "evaluation-hazard_screening",
            "evaluation-hazard_screening-note",
            "evaluation-rectification_in_place",
            "evaluation-rectification_in_place-note",
            "evaluation-accident_prevention",
            "evaluation-accident_prevention-note",
        ]
        .map(|k| lang.t(k)),
    )?;
    for (kind, groups) in [
        ("oversight-streets", &o.by_street),
        ("oversight-departments", &o.by_department),
    ] {
        for g in groups {
            let mut line = vec![
                lang.t(kind),
                names.unit(&g.key),
                g.received.to_string(),
                pct(g.acceptance_in_time),
                pct(g.verification_in_time),
                pct(g.rectification_done),
                g.overdue.to_string(),
                g.overdue_explained.to_string(),
                g.overdue_accepted.to_string(),
                score(g),
                super::oversight::days(g.computed_score),
            ];
            line.extend(judgment_cells(lang, g, o.judgment_notes.get(&g.key)));
            sheet.line(line)?;
        }
    }
    Ok(())
}

/// The four judgments and their notes; 未评分 and blanks when none were entered.
fn judgment_cells(
    lang: Lang,
    g: &crate::domain::metrics::Group,
    notes: Option<&super::evaluation::Notes>,
) -> Vec<String> {
    let Some(j) = g.judgments else {
        let mut cells = vec![String::new(); 8];
        cells[0] = lang.t("evaluation-unscored");
        return cells;
    };
    let scores = [
        j.leadership,
        j.hazard_screening,
        j.rectification_in_place,
        j.accident_prevention,
    ];
    scores
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            let note = notes.and_then(|n| n[i].clone()).unwrap_or_default();
            [s.to_string(), note]
        })
        .collect()
}

/// The report: the figures, then the overdue list with the explanations.
fn report(sheet: &mut Sheet, names: Names, o: &Oversight) -> ServiceResult<()> {
    let (lang, t) = (names.lang, &o.total);
    for (k, v) in [
        ("oversight-scope", o.scope_name(names)),
        ("oversight-from", o.from.to_string()),
        ("oversight-to", o.to.to_string()),
        ("oversight-col-received", t.received.to_string()),
        ("oversight-col-accepted", t.accepted.to_string()),
        ("oversight-col-found-true", t.found_true.to_string()),
        ("oversight-col-rectified", t.rectified.to_string()),
        ("oversight-col-overdue", t.overdue.to_string()),
        (
            "oversight-col-acceptance-in-time",
            pct(t.acceptance_in_time),
        ),
        (
            "oversight-col-verification-in-time",
            pct(t.verification_in_time),
        ),
        (
            "oversight-col-rectification-done",
            pct(t.rectification_done),
        ),
        ("oversight-col-score", score(t)),
        (
            "evaluation-computed",
            super::oversight::days(t.computed_score),
        ),
    ] {
        sheet.line([lang.t(k), v])?;
    }
    // The judgments entered for the scope's unit, each with its note.
    let notes = o.unit.as_ref().and_then(|u| o.judgment_notes.get(u));
    let cells = judgment_cells(lang, t, notes);
    match t.judgments {
        Some(_) => {
            for (i, part) in super::evaluation::PARTS.iter().enumerate() {
                let label = lang.t(&format!("evaluation-{part}"));
                sheet.line([label, cells[2 * i].clone(), cells[2 * i + 1].clone()])?;
            }
        }
        None => sheet.line([lang.t("evaluation-judgments"), cells[0].clone()])?,
    }
    sheet.gap()?;
    sheet.line(
        [
            "list-col-case",
            "list-col-sector",
            "list-col-street",
            "list-col-department",
            "oversight-col-missed",
            "oversight-col-due",
            "staff-status",
            "oversight-col-days-late",
            "oversight-col-explanation",
        ]
        .map(|k| lang.t(k)),
    )?;
    for c in o.overdue.iter() {
        sheet.line([
            c.case_number.clone(),
            names.sector(&c.sector),
            c.street
                .as_deref()
                .map(|s| names.unit(s))
                .unwrap_or_default(),
            names.unit(&c.department),
            lang.t(&format!("oversight-missed-{}", c.missed.as_str())),
            c.due.to_string(),
            lang.t(&format!("status-{}", c.status)),
            c.days_late.to_string(),
            explanations_text(lang, c),
        ])?;
    }
    Ok(())
}

/// An overdue limit's explanations in one cell: each text with where it stands (accepted,
/// returned, awaiting a decision), one a line; "no written explanation" when there is none.
fn explanations_text(lang: Lang, c: &super::oversight::OverdueCase) -> String {
    let said = c
        .explanations
        .iter()
        .map(|e| (e.text.as_str(), e.standing().as_str()));
    explanation_lines(lang, said)
}

/// Explanations (text, standing code) in one cell, one a line, each with where it stands;
/// "no written explanation" when there is none.
pub fn explanation_lines<'a>(lang: Lang, said: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let lines: Vec<String> = said
        .map(|(text, standing)| format!("{text}（{}）", lang.t(&format!("explanation-{standing}"))))
        .collect();
    match lines.is_empty() {
        true => lang.t("oversight-no-explanation"),
        false => lines.join("\n"),
    }
}

/// A CSV file being written: a BOM, then lines of quoted fields ended with CRLF. Lines may
/// differ in length (a file of several parts).
struct Sheet(csv::Writer<Vec<u8>>);

impl Sheet {
    fn new() -> Sheet {
        Sheet(Sheet::writer("\u{feff}".as_bytes().to_vec()))
    }

    /// A writer that goes on after `bytes`.
    fn writer(bytes: Vec<u8>) -> csv::Writer<Vec<u8>> {
        csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::Always)
            .terminator(csv::Terminator::CRLF)
            .flexible(true)
            .from_writer(bytes)
    }

    /// One line, every cell defused.
    fn line<S: AsRef<str>>(&mut self, cells: impl IntoIterator<Item = S>) -> ServiceResult<()> {
        let cells = cells.into_iter().map(|c| defuse(c.as_ref()).into_owned());
        Ok(self.0.write_record(cells).context("writing CSV")?)
    }

    /// An empty line between two parts of a file (the writer itself would write `""`, a line
    /// of one empty field).
    fn gap(&mut self) -> ServiceResult<()> {
        let done = std::mem::replace(&mut self.0, Sheet::writer(Vec::new()));
        let mut bytes = Sheet::bytes(done)?;
        bytes.extend_from_slice(b"\r\n");
        self.0 = Sheet::writer(bytes);
        Ok(())
    }

    fn finish(self, name: String) -> ServiceResult<CsvFile> {
        let bytes = Sheet::bytes(self.0)?;
        Ok(Download {
            name,
            content_type: CSV_TYPE,
            bytes,
        })
    }

    fn bytes(writer: csv::Writer<Vec<u8>>) -> ServiceResult<Vec<u8>> {
        let bytes = writer
            .into_inner()
            .map_err(|e| anyhow::anyhow!("writing CSV: {}", e.error()))?;
        Ok(bytes)
    }
}

/// A list as an XLSX workbook of one sheet named after the list.
fn xlsx(list: &HazardList, columns: &[(&str, f64)]) -> ServiceResult<Vec<u8>> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let size = (list.headers.len(), list.rows.len());
    add_sheet(
        &mut book,
        (&list.title, columns),
        size,
        &list.headers,
        |sheet, date| {
            for (i, r) in list.rows.iter().enumerate() {
                let row = u32::try_from(i + 1).context("too many rows")?;
                for (c, cell) in r.cells.iter().enumerate() {
                    let col = u16::try_from(c).context("too many columns")?;
                    match cell {
                        Cell::Text(t) if t.is_empty() => {}
                        Cell::Text(t) => {
                            sheet.write_string(row, col, t).context("writing a cell")?;
                        }
                        Cell::Date(None) => {}
                        Cell::Date(Some(d)) => {
                            let (y, m, day) = ymd(*d);
                            let when = rust_xlsxwriter::ExcelDateTime::from_ymd(y, m, day)
                                .context("a date cell")?;
                            sheet
                                .write_datetime_with_format(row, col, when, date)
                                .context("writing a date")?;
                        }
                    }
                }
            }
            Ok(())
        },
    )?;
    Ok(book.save_to_buffer().context("writing the workbook")?)
}

/// Adds a sheet `name` to a workbook: `headers` in bold on a frozen first row with a filter over
/// the `(columns, rows)` of `size`, each column its width, then whatever `rows` writes (given
/// the date format).
pub(super) fn add_sheet(
    book: &mut rust_xlsxwriter::Workbook,
    (name, columns): (&str, &[(&str, f64)]),
    size: (usize, usize),
    headers: &[String],
    rows: impl FnOnce(&mut rust_xlsxwriter::Worksheet, &rust_xlsxwriter::Format) -> ServiceResult<()>,
) -> ServiceResult<()> {
    use rust_xlsxwriter::Format;
    let bold = Format::new().set_bold().set_text_wrap();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let sheet = book.add_worksheet();
    sheet.set_name(name).context("naming the sheet")?;
    for (c, header) in headers.iter().enumerate() {
        let col = u16::try_from(c).context("too many columns")?;
        sheet
            .write_string_with_format(0, col, header, &bold)
            .context("writing the header")?;
        let width = columns.get(c).map_or(14.0, |(_, w)| *w);
        sheet.set_column_width(col, width).context("a width")?;
    }
    sheet
        .set_freeze_panes(1, 0)
        .context("freezing the header")?;
    rows(sheet, &date)?;
    let last_col = u16::try_from(size.0.saturating_sub(1)).context("too many columns")?;
    let last_row = u32::try_from(size.1.max(1)).context("too many rows")?;
    sheet
        .autofilter(0, 0, last_row, last_col)
        .context("the filter")?;
    Ok(())
}

/// A cell that starts with `= + - @` (or tab, CR), or their full-width lookalikes `＝ ＋ － ＠`
/// that spreadsheets also evaluate, gets a leading `'`, so a spreadsheet shows it as text
/// instead of running it.
fn defuse(s: &str) -> Cow<'_, str> {
    const STARTS: [char; 10] = ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];
    if s.starts_with(STARTS) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sheet_has_a_bom_crlf_quoted_fields_and_no_formulas() {
        let mut sheet = Sheet::new();
        sheet.line(["=HYPERLINK(\"x\")", "-1", "江头北路"]).unwrap();
        sheet.gap().unwrap();
        sheet.line(["", "a"]).unwrap();
        sheet.line(["＝1+1", "＋1", "－1", "＠SUM(A1)"]).unwrap();
        let file = sheet.finish("x.csv".into()).unwrap();
        assert_eq!(
            String::from_utf8(file.bytes).unwrap(),
            "\u{feff}\"'=HYPERLINK(\"\"x\"\")\",\"'-1\",\"江头北路\"\r\n\r\n\"\",\"a\"\r\n\
             \"'＝1+1\",\"'＋1\",\"'－1\",\"'＠SUM(A1)\"\r\n"
        );
    }
}
