//! The files staff download: the three lists, the evaluation table, the progress report and the
//! reward ledger, as CSV in the caller's language. Each is one call that loads its data through
//! the use case that owns it (lists, oversight, rewards), so with the caller's authorisation and
//! the audit entry that use case keeps, and returns the finished file.
//!
//! They live together, not beside each use case, because they share one writer ([`Sheet`]): UTF-8
//! with a BOM and CRLF line ends (what Excel opens without asking), every field quoted, and a
//! cell that a spreadsheet would run as a formula defused, since reporters write some of the text.

use super::auth::Staff;
use super::lists::{COLUMNS, ListKind, cells};
use super::names::Names;
use super::oversight::{Oversight, pct, score};
use super::{ServiceResult, Services};
use crate::domain::reward::Fen;
use crate::i18n::Lang;
use anyhow::Context;
use chrono::NaiveDate;
use std::borrow::Cow;

/// A finished file: its name and its bytes.
#[derive(Debug, Clone)]
pub struct CsvFile {
    pub name: String,
    pub bytes: Vec<u8>,
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
    /// A list as a file (`hazards.csv`…); the export is recorded in the audit log.
    pub fn list_file(&self, staff: &Staff, kind: ListKind, lang: Lang) -> ServiceResult<CsvFile> {
        let rows = self.list(staff, kind, true)?;
        let mut sheet = Sheet::new();
        sheet.line(COLUMNS.iter().map(|k| lang.t(k)))?;
        for r in &rows {
            sheet.line(cells(&self.catalog, lang, r))?;
        }
        sheet.finish(format!("{}.csv", kind.as_str()))
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
            "oversight-col-score",
        ]
        .map(|k| lang.t(k)),
    )?;
    for (kind, groups) in [
        ("oversight-streets", &o.by_street),
        ("oversight-departments", &o.by_department),
    ] {
        for g in groups {
            sheet.line([
                lang.t(kind),
                names.unit(&g.key),
                g.received.to_string(),
                pct(g.acceptance_in_time),
                pct(g.verification_in_time),
                pct(g.rectification_done),
                g.overdue.to_string(),
                g.overdue_explained.to_string(),
                score(g),
            ])?;
        }
    }
    Ok(())
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
    ] {
        sheet.line([lang.t(k), v])?;
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
    for c in &o.overdue {
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
            c.explanation.clone().unwrap_or_default(),
        ])?;
    }
    Ok(())
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
        Ok(CsvFile { name, bytes })
    }

    fn bytes(writer: csv::Writer<Vec<u8>>) -> ServiceResult<Vec<u8>> {
        let bytes = writer
            .into_inner()
            .map_err(|e| anyhow::anyhow!("writing CSV: {}", e.error()))?;
        Ok(bytes)
    }
}

/// A cell that starts with `= + - @` (or tab, CR) gets a leading `'`, so a spreadsheet shows it
/// as text instead of running it.
fn defuse(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
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
        let file = sheet.finish("x.csv".into()).unwrap();
        assert_eq!(
            String::from_utf8(file.bytes).unwrap(),
            "\u{feff}\"'=HYPERLINK(\"\"x\"\")\",\"'-1\",\"江头北路\"\r\n\r\n\"\",\"a\"\r\n"
        );
    }
}
