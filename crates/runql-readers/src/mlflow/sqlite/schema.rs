//! Which tables and columns a database has, so queries name only columns that exist:
//! MLflow's schema grew over the years (`step`, `is_nan`, `deleted_time`, workspaces,
//! logged models), and old databases lack what new ones have.

use std::collections::HashMap;

use rusqlite::Connection;

/// Tables MLflow always has; a database without them is not an MLflow tracking store.
pub const REQUIRED: [&str; 3] = ["experiments", "runs", "metrics"];

/// The tables (real tables only, not views) of a database and their columns.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    tables: HashMap<String, Vec<String>>,
}

impl Schema {
    /// Reads the table list and each table's columns.
    ///
    /// Views are left out on purpose: a view named like an MLflow table could run any
    /// query, and MLflow never creates one.
    ///
    /// # Errors
    /// SQLite's error, as text.
    pub fn read(conn: &Connection) -> Result<Self, String> {
        let sql = |e: rusqlite::Error| format!("SQLite: {e}");
        let mut names = Vec::new();
        let mut stmt = conn.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").map_err(sql)?;
        let mut rows = stmt.query([]).map_err(sql)?;
        while let Some(row) = rows.next().map_err(sql)? {
            if let Ok(name) = row.get::<_, String>(0) {
                names.push(name);
            }
        }
        let mut tables = HashMap::new();
        let mut cols = conn.prepare("SELECT name FROM pragma_table_info(?1)").map_err(sql)?;
        for name in names {
            let columns: Vec<String> = cols
                .query_map([&name], |r| r.get::<_, String>(0))
                .map_err(sql)?
                .filter_map(std::result::Result::ok)
                .collect();
            tables.insert(name, columns);
        }
        Ok(Self { tables })
    }

    /// True when `table` exists.
    pub fn has(&self, table: &str) -> bool {
        self.tables.contains_key(table)
    }

    /// The required MLflow tables that are missing.
    pub fn missing_required(&self) -> Vec<&'static str> {
        REQUIRED.into_iter().filter(|t| !self.has(t)).collect()
    }

    /// True when `table` has `column`.
    pub fn has_column(&self, table: &str, column: &str) -> bool {
        self.tables.get(table).is_some_and(|c| c.iter().any(|n| n == column))
    }

    /// `SELECT` of `columns` from `table`, in that order, with `NULL` for each column the
    /// table lacks, so rows always have the same positions. `None` when the table is absent.
    ///
    /// ```
    /// let schema = runql_readers::mlflow::sqlite::schema::Schema::default();
    /// assert!(schema.select("runs", &["run_uuid"]).is_none());
    /// ```
    pub fn select(&self, table: &str, columns: &[&str]) -> Option<String> {
        let present = self.tables.get(table)?;
        let list: Vec<String> = columns
            .iter()
            .map(|c| if present.iter().any(|p| p == c) { quote(c) } else { "NULL".to_string() })
            .collect();
        Some(format!("SELECT {} FROM {}", list.join(", "), quote(table)))
    }

    /// Rows of `table` (0 when it is absent or unreadable), for counting what is not loaded.
    pub fn count(&self, conn: &Connection, table: &str) -> u64 {
        if !self.has(table) {
            return 0;
        }
        conn.query_row(&format!("SELECT count(*) FROM {}", quote(table)), [], |r| r.get::<_, i64>(0))
            .map_or(0, |n| u64::try_from(n).unwrap_or(0))
    }
}

/// An SQL identifier in double quotes.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_only_present_columns_and_skips_views() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE runs (run_uuid TEXT, name TEXT); CREATE VIEW metrics AS SELECT 1;")
            .unwrap();
        let s = Schema::read(&conn).unwrap();
        assert_eq!(
            s.select("runs", &["run_uuid", "deleted_time"]).unwrap(),
            "SELECT \"run_uuid\", NULL FROM \"runs\""
        );
        assert!(!s.has("metrics"));
        assert_eq!(s.missing_required(), ["experiments", "metrics"]);
        assert!(s.has_column("runs", "name"));
        assert_eq!(s.count(&conn, "runs"), 0);
    }
}
