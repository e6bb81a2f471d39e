//! Wide tables: one row per run (`mlflow.search_runs().to_csv()`, the MLflow UI's
//! "Download CSV", hand-made run tables).
//!
//! Columns, by normalized header name:
//! - the run id (`run_id`, `Run ID`, `run_uuid`, else `run`, else `name`);
//! - run attributes: `name`/`run_name`, `status`, `user`/`user_id`, `experiment_id`,
//!   `experiment`/`project`, `start_time`/`Start Time`/`created_at`, `end_time`/`ended_at`,
//!   `artifact_uri`, `lifecycle_stage`, `parent_run_id`, `group`/`run_group`;
//! - `params.<k>` → params, `metrics.<k>` → a metric point, `tags.<k>` → tags;
//! - MLflow UI columns: `Source Type`/`Source Name` → tags `mlflow.source.type`/`.name`;
//!   `Duration` (a human-readable string) and an unnamed pandas index column are counted;
//! - any other ("bare") column: a **metric** when every non-empty cell of the column is a
//!   number (NaN/inf spellings included), else a **param** — except in the MLflow UI's
//!   runs table download, where the column order tells params, metrics and tags apart
//!   (see [`super::mlflow_ui`]).
//!
//! A metric of a wide table is the run's final value: one point at step 0 (there is no
//! step) with no timestamp. Empty cells are missing values. A `metrics.*` cell that is not a
//! number is skipped and reported (file, line, column); the rest of the row still loads.

use super::cells::{self, unguard};
use super::header::{MAX_COLUMNS, normalize};
use super::mlflow_ui;
use super::runs::{RunAcc, Runs};
use crate::report::LoadReport;
use crate::timefmt::parse_timestamp_ms;

#[derive(Debug, Clone, PartialEq)]
enum Column {
    RunId,
    Name,
    Status,
    User,
    ExperimentId,
    Project,
    Start,
    End,
    ArtifactUri,
    Lifecycle,
    Parent,
    Group,
    Param(String),
    Metric(String),
    Tag(String),
    /// Decided by the column's cells: metric when all are numbers, else param.
    Bare(String),
    Ignored(&'static str),
}

fn column(raw: &str, is_run_id: bool) -> Column {
    if is_run_id {
        return Column::RunId;
    }
    let raw = raw.trim_start_matches('\u{feff}').trim();
    for (prefix, make) in [
        ("params.", Column::Param as fn(String) -> Column),
        ("metrics.", Column::Metric),
        ("tags.", Column::Tag),
    ] {
        if let Some(k) = raw.strip_prefix(prefix).filter(|k| !k.is_empty()) {
            return make(k.to_string());
        }
    }
    match normalize(raw).as_str() {
        "" | "unnamed:_0" => Column::Ignored("unnamed index columns of wide tables (pandas)"),
        // `Run` is the display name in the MLflow UI's chart downloads (`Run,Run ID,…`).
        "name" | "run_name" | "run" => Column::Name,
        "status" => Column::Status,
        "user" | "user_id" => Column::User,
        "experiment_id" => Column::ExperimentId,
        "experiment" | "experiment_name" | "project" => Column::Project,
        "start_time" | "created_at" => Column::Start,
        "end_time" | "ended_at" => Column::End,
        "artifact_uri" => Column::ArtifactUri,
        "lifecycle_stage" => Column::Lifecycle,
        "parent_run_id" => Column::Parent,
        "group" | "run_group" => Column::Group,
        "source_type" => Column::Tag("mlflow.source.type".into()),
        "source_name" => Column::Tag("mlflow.source.name".into()),
        "duration" => Column::Ignored("MLflow UI Duration cells (human-readable; start/end times are used)"),
        _ => Column::Bare(raw.to_string()),
    }
}

/// Reads a wide CSV whose run-id column is `run_col`.
pub(crate) fn read_csv(bytes: &[u8], run_col: usize, shown: &str, runs: &mut Runs, report: &mut LoadReport) {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(bytes);
    let header = match reader.headers() {
        Ok(h) if h.len() <= MAX_COLUMNS => h.clone(),
        Ok(h) => {
            report.skip(
                shown,
                Some(1),
                format!("{} columns is over the {MAX_COLUMNS}-column limit", h.len()),
            );
            return;
        }
        Err(e) => {
            report.skip(shown, Some(1), format!("header is not CSV: {e}"));
            return;
        }
    };
    // Rows are held so bare columns can be typed by all their cells first.
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() + 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => rows.push((
                record.position().map_or(line, |p| p.line()),
                record.iter().map(str::to_string).collect(),
            )),
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                report.skip(shown, Some(line), format!("not a CSV row: {e}"));
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
            }
        }
    }
    let header: Vec<String> = header.iter().map(str::to_string).collect();
    read_rows(&header, run_col, rows, shown, runs, report);
}

/// Reads a wide Parquet/Arrow IPC table whose run-id column is `run_col`: every cell as
/// text (numbers in shortest round-trip form, nulls empty), then the CSV rules; `line` in
/// the report is the 1-based row number.
pub(crate) fn read_table(
    table: &crate::columnar::Table,
    run_col: usize,
    shown: &str,
    runs: &mut Runs,
    report: &mut LoadReport,
) {
    use crate::columnar::column::Cells;
    let header: Vec<String> = table.schema.fields().iter().map(|f| f.name().clone()).collect();
    let mut rows = Vec::new();
    let mut n = 0u64;
    for (b, batch) in table.batches.iter().enumerate() {
        let cells: Vec<Cells> = batch.columns().iter().map(Cells::of).collect();
        let unread = header.iter().zip(&cells).filter(|(_, c)| c.is_other()).map(|(name, _)| name);
        for name in unread.filter(|_| b == 0) {
            report.warn(
                shown,
                None,
                format!("column {name:?} has a type runql does not read; its cells are not loaded"),
            );
        }
        for i in 0..batch.num_rows() {
            n += 1;
            rows.push((
                n,
                cells.iter().map(|c| c.text(i).map(|t| t.into_owned()).unwrap_or_default()).collect(),
            ));
        }
    }
    read_rows(&header, run_col, rows, shown, runs, report);
}

/// The rows of a wide table (CSV or columnar) with its `header`, `(line, cells)` each.
fn read_rows(
    header: &[String],
    run_col: usize,
    rows: Vec<(u64, Vec<String>)>,
    shown: &str,
    runs: &mut Runs,
    report: &mut LoadReport,
) {
    // A table keyed by `run` or `name` has no other name for its runs.
    let id_is_name = header.get(run_col).is_some_and(|h| matches!(normalize(h).as_str(), "run" | "name"));
    let mut columns: Vec<Column> = header.iter().enumerate().map(|(i, h)| column(h, i == run_col)).collect();
    let content = |i: usize| {
        let mut filled =
            rows.iter().filter_map(|(_, r)| r.get(i).map(|c| c.trim()).filter(|c| !c.is_empty()));
        match filled.next() {
            None => mlflow_ui::Cells::Empty,
            Some(first) if std::iter::once(first).chain(filled).all(|c| cells::number(c).is_some()) => {
                mlflow_ui::Cells::Numbers
            }
            Some(_) => mlflow_ui::Cells::Text,
        }
    };
    let bare: Vec<usize> =
        (0..columns.len()).filter(|&i| matches!(columns.get(i), Some(Column::Bare(_)))).collect();
    let normalized: Vec<String> = header.iter().map(|h| normalize(h)).collect();
    let roles: Vec<mlflow_ui::Role> = if mlflow_ui::is_runs_table(&normalized) {
        // Params, then metrics, then tags (see `mlflow_ui`).
        mlflow_ui::roles(&bare.iter().map(|&i| content(i)).collect::<Vec<_>>())
    } else {
        // Elsewhere: a metric when every cell is a number, else a param.
        bare.iter()
            .map(|&i| match content(i) {
                mlflow_ui::Cells::Numbers => mlflow_ui::Role::Metric,
                _ => mlflow_ui::Role::Param,
            })
            .collect()
    };
    for (&i, role) in bare.iter().zip(roles) {
        if let Some(col) = columns.get_mut(i)
            && let Column::Bare(name) = col
        {
            let name = std::mem::take(name);
            *col = match role {
                mlflow_ui::Role::Param => Column::Param(name),
                mlflow_ui::Role::Metric => Column::Metric(name),
                mlflow_ui::Role::Tag => Column::Tag(name),
            };
        }
    }
    let group_col = columns.iter().position(|c| *c == Column::Group);
    for (what, n) in columns.iter().filter_map(|c| match c {
        Column::Ignored(what) => Some((*what, rows.len() as u64)),
        _ => None,
    }) {
        report.ignore(what, n);
    }
    for (line, row) in &rows {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if row.len() != columns.len() {
            report.warn(
                shown,
                Some(*line),
                format!("row has {} cells, the header {} columns", row.len(), columns.len()),
            );
        }
        let cell = |i: Option<usize>| i.and_then(|i| row.get(i)).map_or("", |c| unguard(c.trim()));
        // A group row of an MLflow chart download has no run id (see `mlflow_ui`).
        let Some(run_id) = mlflow_ui::run_id_or_group(cell(Some(run_col)), Some(cell(group_col))) else {
            report.skip(shown, Some(*line), "empty run id");
            continue;
        };
        let run_id = run_id.as_str();
        let run = runs.run(run_id, shown);
        if id_is_name {
            RunAcc::fill(&mut run.info.name, run_id);
        }
        if let Some(group) = run_id.strip_prefix("group:").filter(|g| *g == cell(group_col)) {
            RunAcc::fill(&mut run.info.name, group);
        }
        for (col, cell) in columns.iter().zip(row.iter()) {
            let cell = unguard(cell.trim());
            if cell.is_empty() {
                continue;
            }
            if let Err(why) = apply(run, col, cell) {
                report.skip(shown, Some(*line), why);
            }
        }
    }
}

/// Puts one cell into its run; `Err` says why it was not used.
fn apply(run: &mut RunAcc, col: &Column, cell: &str) -> Result<(), String> {
    let info = &mut run.info;
    match col {
        Column::RunId | Column::Ignored(_) | Column::Bare(_) => {}
        Column::Name => RunAcc::fill(&mut info.name, cell),
        Column::Status => RunAcc::fill(&mut info.status, cell),
        Column::User => RunAcc::fill(&mut info.user, cell),
        Column::ExperimentId => RunAcc::fill(&mut info.experiment_id, cell),
        Column::Project => RunAcc::fill(&mut info.project, cell),
        Column::ArtifactUri => RunAcc::fill(&mut info.artifact_uri, cell),
        Column::Lifecycle => RunAcc::fill(&mut info.lifecycle, cell),
        Column::Parent => RunAcc::fill(&mut info.parent_run_id, cell),
        Column::Group => RunAcc::fill(&mut info.run_group, cell),
        Column::Start | Column::End => {
            let ms = parse_timestamp_ms(cell).ok_or_else(|| format!("time {cell:?} is not a timestamp"))?;
            let slot = if *col == Column::Start { &mut info.created_at_ms } else { &mut info.ended_at_ms };
            slot.get_or_insert(ms);
        }
        Column::Param(k) => run
            .param(k, cell)
            .map_err(|kept| format!("param {k:?} = {cell:?} conflicts with {kept:?} (kept)"))?,
        Column::Tag(k) => run.tag(k, Some(cell)).map_err(|kept| {
            format!("tag {k:?} = {cell:?} conflicts with {:?} (kept)", kept.unwrap_or_default())
        })?,
        Column::Metric(k) => {
            let v = cells::number(cell).ok_or_else(|| format!("metric {k:?}: {cell:?} is not a number"))?;
            run.final_value(k, v);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_kinds() {
        assert_eq!(column("params.lr", false), Column::Param("lr".into()));
        assert_eq!(column("metrics.val/loss", false), Column::Metric("val/loss".into()));
        assert_eq!(column("tags.mlflow.runName", false), Column::Tag("mlflow.runName".into()));
        assert_eq!(column("Start Time", false), Column::Start);
        assert_eq!(column("lr", false), Column::Bare("lr".into()));
        assert!(matches!(column("", false), Column::Ignored(_)));
        assert_eq!(column("anything", true), Column::RunId);
    }
}
