//! Public statistics: tips received, found true, rectified and rewards paid, per month, sector
//! and sub-district. Counts only: never a case, a business or anything that could point at a
//! reporter; cells below the configured threshold are withheld ([`Cell::Suppressed`]).

use super::names::Names;
use super::{ServiceResult, Services};
use crate::db::{cases, rewards};
use crate::domain::catalog::Entry;
use crate::domain::reward::Fen;
use crate::domain::status::Status;
use serde::Serialize;
use std::collections::BTreeMap;

/// A published number, or a small one withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Count(i64),
    Suppressed,
}

impl Cell {
    pub fn of(n: i64, min: i64) -> Cell {
        if n > 0 && n < min {
            Cell::Suppressed
        } else {
            Cell::Count(n)
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Tally {
    received: i64,
    verified: i64,
    rectified: i64,
}

/// One row of a table: the label's code and its cells.
#[derive(Debug, Clone)]
pub struct StatRow {
    pub key: String,
    pub received: Cell,
    pub verified: Cell,
    pub rectified: Cell,
}

#[derive(Debug, Clone)]
pub struct PublicStats {
    pub by_month: Vec<StatRow>,
    pub by_sector: Vec<StatRow>,
    pub by_street: Vec<StatRow>,
    pub totals: StatRow,
    pub rewards_paid: Cell,
    /// Paid amount in fen, withheld with the count.
    pub rewards_fen: Option<i64>,
    pub min_cell: i64,
}

/// The statistics page in the reader's language, withheld cells said in words.
pub struct StatsInWords {
    pub totals: CellsInWords,
    pub rewards_paid: String,
    /// The amount paid in yuan, empty when withheld.
    pub rewards_yuan: String,
    pub tables: [StatTable; 3],
    pub suppressed_note: String,
}

/// A table of the page: by month, sector or sub-district.
#[derive(Serialize)]
pub struct StatTable {
    id: &'static str,
    title: String,
    head: String,
    rows: Vec<CellsInWords>,
}

#[derive(Serialize)]
pub struct CellsInWords {
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    received: String,
    verified: String,
    rectified: String,
}

impl PublicStats {
    pub fn in_words(&self, names: Names) -> StatsInWords {
        let (lang, min) = (names.lang, self.min_cell);
        let fewer = lang.t_args("stats-fewer", &[("min", min)]);
        let cell = |c: Cell| match c {
            Cell::Count(n) => n.to_string(),
            Cell::Suppressed => fewer.clone(),
        };
        let cells = |r: &StatRow, label: Option<String>| CellsInWords {
            label,
            received: cell(r.received),
            verified: cell(r.verified),
            rectified: cell(r.rectified),
        };
        let table = |id, title, head, rows: &[StatRow], label: &dyn Fn(&str) -> String| StatTable {
            id,
            title: lang.t(title),
            head: lang.t(head),
            rows: rows.iter().map(|r| cells(r, Some(label(&r.key)))).collect(),
        };
        StatsInWords {
            totals: cells(&self.totals, None),
            rewards_paid: cell(self.rewards_paid),
            rewards_yuan: (self.rewards_fen)
                .map(|f| Fen(f).to_string())
                .unwrap_or_default(),
            tables: [
                table(
                    "by-month",
                    "stats-by-month",
                    "stats-month",
                    &self.by_month,
                    &|k| k.to_owned(),
                ),
                table(
                    "by-sector",
                    "stats-by-sector",
                    "list-col-sector",
                    &self.by_sector,
                    &|k| names.known_sector(k),
                ),
                table(
                    "by-street",
                    "stats-by-street",
                    "list-col-street",
                    &self.by_street,
                    &|k| names.street(k),
                ),
            ],
            suppressed_note: lang.t_args("stats-suppressed", &[("min", min), ("max", min - 1)]),
        }
    }
}

/// A row for each catalog entry, in the catalog's order (zero where no tip names it).
fn in_order(
    entries: &[impl Entry],
    tallies: &BTreeMap<String, Tally>,
    row: impl Fn(String, &Tally) -> StatRow,
) -> Vec<StatRow> {
    let zero = Tally::default();
    entries
        .iter()
        .map(|e| row(e.code().to_owned(), tallies.get(e.code()).unwrap_or(&zero)))
        .collect()
}

impl Services {
    pub fn public_stats(&self, min_cell: i64, months: usize) -> ServiceResult<PublicStats> {
        let (counts, (paid_count, paid_fen)) = {
            let mut c = self.db.read()?;
            (
                cases::stat_counts(&mut c, self.offset.local_minus_utc())?,
                rewards::paid_totals(&mut c)?,
            )
        };
        let mut by_month: BTreeMap<String, Tally> = BTreeMap::new();
        let mut by_sector: BTreeMap<String, Tally> = BTreeMap::new();
        let mut by_street: BTreeMap<String, Tally> = BTreeMap::new();
        let mut total = Tally::default();
        for n in counts {
            let status =
                Status::try_from(n.status).map_err(|e| anyhow::anyhow!("a tip's status: {e}"))?;
            let verified = status.found_true(n.ordered);
            for t in [
                by_month.entry(n.month).or_default(),
                by_sector.entry(n.sector).or_default(),
                by_street.entry(n.street.unwrap_or_default()).or_default(),
                &mut total,
            ] {
                t.received += n.tips;
                t.verified += if verified { n.tips } else { 0 };
                t.rectified += if n.rectified { n.tips } else { 0 };
            }
        }
        let row = |key: String, t: &Tally| StatRow {
            key,
            received: Cell::of(t.received, min_cell),
            verified: Cell::of(t.verified, min_cell),
            rectified: Cell::of(t.rectified, min_cell),
        };
        let mut month_rows: Vec<StatRow> =
            by_month.iter().map(|(k, t)| row(k.clone(), t)).collect();
        month_rows.reverse();
        month_rows.truncate(months);
        let c = &self.catalog;
        let rewards_paid = Cell::of(paid_count, min_cell);
        Ok(PublicStats {
            by_month: month_rows,
            by_sector: in_order(c.sectors(), &by_sector, row),
            by_street: in_order(c.streets(), &by_street, row),
            totals: row(String::new(), &total),
            rewards_fen: (rewards_paid != Cell::Suppressed).then_some(paid_fen),
            rewards_paid,
            min_cell,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_cells_are_withheld_but_zero_is_shown() {
        assert_eq!(Cell::of(0, 5), Cell::Count(0));
        assert_eq!(Cell::of(1, 5), Cell::Suppressed);
        assert_eq!(Cell::of(4, 5), Cell::Suppressed);
        assert_eq!(Cell::of(5, 5), Cell::Count(5));
    }
}
