//! Recognizing a table by its header: which column is the run id, the key, the value, ….

/// At most this many columns are read from a CSV header; wider files are refused, so a
/// hostile header cannot make the reader allocate per column without bound.
pub const MAX_COLUMNS: usize = 100_000;

/// Header names are compared trimmed, lower-case, with spaces and `-` as `_`
/// (`Run ID` → `run_id`), and without a UTF-8 byte-order mark.
pub fn normalize(name: &str) -> String {
    name.trim_start_matches('\u{feff}').trim().to_ascii_lowercase().replace([' ', '-'], "_")
}

/// Names of the run-id column, best first. `run`/`name` identify a run when nothing else
/// does (W&B exports, hand-made tables).
const RUN_ID: [&str; 5] = ["run_id", "run_uuid", "runid", "run", "name"];
/// Names of a metric-key column in a long table.
const KEY: [&str; 4] = ["key", "metric", "metric_name", "tag"];

fn find(cols: &[String], names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| cols.iter().position(|c| c == n))
}

/// Columns of a long table: one row per (run, key, step).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongColumns {
    /// Run id.
    pub run: usize,
    /// Run display name (`Run` next to `Run ID` in MLflow chart exports, `run_name`).
    pub name: Option<usize>,
    /// Run group (`Group` in MLflow chart exports of grouped runs).
    pub group: Option<usize>,
    /// Metric key.
    pub key: usize,
    /// Step; when absent, points are numbered 0, 1, 2, … per run and key.
    pub step: Option<usize>,
    /// Timestamp (epoch s/ms or ISO-8601).
    pub timestamp: Option<usize>,
    /// Value.
    pub value: usize,
    /// The header is exactly the MLflow UI's chart download (`Run|Group,Run ID,metric,step,
    /// timestamp,value`), whose values come from the tracking server as stored: an SQL
    /// store's ±1.7976931348623157e308 stands for ±infinity there.
    pub mlflow_chart: bool,
}

impl LongColumns {
    /// The long-table columns of a (normalized) header, if it is one.
    ///
    /// ```
    /// use runql_readers::tables::header::{LongColumns, normalize};
    /// let h: Vec<String> = ["Run", "Run ID", "metric", "step", "timestamp", "value"].iter().map(|c| normalize(c)).collect();
    /// let cols = LongColumns::of(&h).unwrap();
    /// assert_eq!((cols.run, cols.name, cols.key, cols.value), (1, Some(0), 2, 5));
    /// ```
    pub fn of(cols: &[String]) -> Option<Self> {
        let run = find(cols, &RUN_ID)?;
        let key = find(cols, &KEY)?;
        let value = find(cols, &["value"])?;
        let name = find(cols, &["run_name", "run", "name"]).filter(|&n| n != run);
        Some(LongColumns {
            run,
            name,
            group: find(cols, &["group", "run_group"]),
            key,
            step: find(cols, &["step", "_step", "iteration", "epoch"]),
            timestamp: find(cols, &["timestamp", "time", "wall_time", "_timestamp"]),
            value,
            mlflow_chart: super::mlflow_ui::is_chart_history(cols),
        })
    }
}

/// The run-id column of a wide table (one row per run), if the header has one.
pub fn wide_run_column(cols: &[String]) -> Option<usize> {
    find(cols, &RUN_ID).filter(|_| cols.len() > 1)
}
