//! Running one query over a possibly damaged database, and collecting row problems for the
//! load report without flooding it.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, Row};

use runql_core::report::LoadReport;

/// Row problems reported one by one per table; past this they are counted.
const MAX_REPORTED: usize = 20;

/// The problems met in one file, reported as skips naming the file and the table.
pub struct Problems {
    shown: String,
    reported: usize,
    more: u64,
}

impl Problems {
    /// Problems of the file shown as `shown`.
    pub fn new(shown: &str) -> Self {
        Self { shown: shown.to_string(), reported: 0, more: 0 }
    }

    /// One skipped row or value, and why.
    pub fn skip(&mut self, report: &mut LoadReport, reason: impl Into<String>) {
        if self.reported < MAX_REPORTED {
            self.reported += 1;
            report.skip(self.shown.as_str(), None, reason);
        } else {
            self.more += 1;
        }
    }

    /// Reports how many problems were only counted.
    pub fn finish(self, report: &mut LoadReport) {
        if self.more > 0 {
            report.skip(self.shown, None, format!("{} more skipped rows not listed", self.more));
        }
    }
}

/// One row of a query.
pub struct Cells<'r, 's> {
    row: &'r Row<'s>,
}

impl Cells<'_, '_> {
    /// The cell at `i` (a position of the query's column list); `NULL` when unreadable.
    pub fn get(&self, i: usize) -> ValueRef<'_> {
        self.row.get_ref(i).unwrap_or(ValueRef::Null)
    }
}

/// Runs `sql` and hands each row to `each`, which says why when it cannot use a row (that
/// row is reported as skipped). A query that fails part-way (a corrupt page, a truncated
/// file) keeps the rows handed over so far and reports the rest as lost.
pub fn each_row(
    conn: &Connection,
    sql: &str,
    table: &str,
    problems: &mut Problems,
    report: &mut LoadReport,
    mut each: impl FnMut(Cells<'_, '_>) -> Result<(), String>,
) {
    let lost = |e: rusqlite::Error| {
        format!(
            "table {table}: SQLite: {e}; rows after this point are not loaded (damaged or truncated file?)"
        )
    };
    let mut stmt = match conn.prepare(sql) {
        Ok(s) => s,
        Err(e) => return problems.skip(report, lost(e)),
    };
    let mut rows = match stmt.query([]) {
        Ok(r) => r,
        Err(e) => return problems.skip(report, lost(e)),
    };
    loop {
        match rows.next() {
            Ok(Some(row)) => {
                if let Err(why) = each(Cells { row }) {
                    problems.skip(report, format!("table {table}: {why}"));
                }
            }
            Ok(None) => break,
            Err(e) => {
                problems.skip(report, lost(e));
                break;
            }
        }
    }
}
