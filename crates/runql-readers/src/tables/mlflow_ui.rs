//! The MLflow UI's CSV downloads (`CsvUtils.ts` in MLflow's web app), which the
//! table reader reads with these extra rules:
//!
//! - **Runs table "Download CSV"**: `Start Time,Duration,Run ID,Name,Source Type,Source
//!   Name,User,Status,<params…>,<metrics…>,<tags…>`, every key bare. The UI writes params,
//!   then metrics, then tags, and a metric column holds only numbers, so the metric
//!   columns are taken to be the **last block of all-number columns**: bare columns before
//!   it are params, after it tags. (When every param is a number too, they cannot be told
//!   from the metrics and are read as metrics; a text param ends the ambiguity.)
//! - **Chart downloads** (`Run,Run ID,metric,step,timestamp,value` and
//!   `Run,Run ID,<metrics…>,<params…>`): the first column is the run's display name, or
//!   `Group` when the chart grouped runs. A group has no run id (the cell is empty), so
//!   its aggregated series is loaded as a run of its own, `run_id` = `group:<name>`,
//!   `run_group` = the group name. Values of ±1.7976931348623157e308 are ±infinity (how an
//!   SQL-backed tracking server stores it, and the UI shows what the server returns).
//!
//! Every cell is quoted and cells starting with `= + - @ \t \r` carry a `'` guard (undone
//! by [`super::cells::unguard`]). `Start Time` is the browser's local time without a zone;
//! it is read as UTC.

/// The fixed first columns of the runs table download, normalized (see
/// [`super::header::normalize`]).
const RUNS_TABLE_HEAD: [&str; 8] =
    ["start_time", "duration", "run_id", "name", "source_type", "source_name", "user", "status"];

/// True when a (normalized) header is the MLflow UI's runs table download.
///
/// ```
/// use runql_readers::tables::{header::normalize, mlflow_ui::is_runs_table};
/// let h: Vec<String> = ["Start Time", "Duration", "Run ID", "Name", "Source Type", "Source Name", "User", "Status", "lr"]
///     .iter().map(|c| normalize(c)).collect();
/// assert!(is_runs_table(&h));
/// assert!(!is_runs_table(&h[2..]));
/// ```
pub fn is_runs_table(cols: &[String]) -> bool {
    cols.len() >= RUNS_TABLE_HEAD.len() && cols.iter().zip(RUNS_TABLE_HEAD).all(|(c, want)| c == want)
}

/// True when a (normalized) header is exactly the MLflow UI's chart history download.
///
/// ```
/// use runql_readers::tables::{header::normalize, mlflow_ui::is_chart_history};
/// let h: Vec<String> = ["Group", "Run ID", "metric", "step", "timestamp", "value"].iter().map(|c| normalize(c)).collect();
/// assert!(is_chart_history(&h));
/// assert!(!is_chart_history(&h[1..]));
/// ```
pub fn is_chart_history(cols: &[String]) -> bool {
    let [first, rest @ ..] = cols else { return false };
    matches!(first.as_str(), "run" | "group") && rest == ["run_id", "metric", "step", "timestamp", "value"]
}

/// What the cells of a bare column hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cells {
    /// Only numbers (at least one).
    Numbers,
    /// Nothing.
    Empty,
    /// Some text that is not a number.
    Text,
}

/// Where each bare column of a runs table download goes, in column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A param.
    Param,
    /// A metric (the run's latest value).
    Metric,
    /// A tag.
    Tag,
}

/// The roles of the bare columns of a runs table download, given what each holds: the
/// last block of number (or empty) columns ending at the last number column is the metrics.
///
/// ```
/// use runql_readers::tables::mlflow_ui::{roles, Cells::*, Role::*};
/// assert_eq!(roles(&[Numbers, Text, Numbers, Empty, Numbers, Text]), [Param, Param, Metric, Metric, Metric, Tag]);
/// assert_eq!(roles(&[Text, Text]), [Param, Param]);
/// ```
pub fn roles(cells: &[Cells]) -> Vec<Role> {
    let Some(last) = cells.iter().rposition(|c| *c == Cells::Numbers) else {
        return vec![Role::Param; cells.len()];
    };
    let first = cells
        .get(..last)
        .and_then(|before| before.iter().rposition(|c| *c == Cells::Text))
        .map_or(0, |t| t + 1);
    (0..cells.len())
        .map(|i| {
            if i < first {
                Role::Param
            } else if i <= last {
                Role::Metric
            } else {
                Role::Tag
            }
        })
        .collect()
}

/// The run id of a chart download row: the `Run ID` cell, or for a group row (empty run
/// id) `group:<group name>`.
pub fn run_id_or_group(run_id: &str, group: Option<&str>) -> Option<String> {
    if !run_id.is_empty() {
        return Some(run_id.to_string());
    }
    group.filter(|g| !g.is_empty()).map(|g| format!("group:{g}"))
}
