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
use runql_core::report::LoadReport;
use runql_core::timefmt::parse_timestamp_ms;
use runql_core::vfs::FileTree;
use std::io::Read;

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

/// Reads a wide CSV whose run-id column is `run_col`, streaming it twice so that no row is
/// held: `first` (the file as opened for the read) types the bare columns by all their
/// cells, then `path` of `tree` is opened again and each row goes into its run as it is
/// parsed. (Holding every cell as a `String` until the columns were typed took about
/// eight times the file's size.)
pub(crate) fn read_csv(
    tree: &FileTree,
    path: &str,
    first: impl Read,
    run_col: usize,
    shown: &str,
    runs: &mut Runs,
    report: &mut LoadReport,
) {
    let mut reader = csv_reader(first);
    let header: Vec<String> = match reader.headers() {
        Ok(h) if h.len() <= MAX_COLUMNS => h.iter().map(str::to_string).collect(),
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
    // Pass 1: what each column holds. Rows that are not CSV are reported in pass 2.
    let mut typing = Typing::new(header.len());
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => typing.add(record.iter()),
            Err(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => break,
            Err(_) => {}
        }
    }
    drop(reader);
    let layout = Layout::new(&header, run_col, &typing, report);
    // Pass 2: every row into its run.
    let again = match tree.open(path) {
        Ok(again) => again,
        Err(e) => {
            report.skip(shown, None, format!("cannot read the file a second time: {e}"));
            return;
        }
    };
    let mut reader = csv_reader(again);
    if let Err(e) = reader.headers() {
        report.skip(shown, Some(1), format!("header is not CSV: {e}"));
        return;
    }
    loop {
        let line = reader.position().line() + 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(line, |p| p.line());
                let row: Vec<&str> = record.iter().collect();
                layout.apply_row(line, &row, shown, runs, report);
            }
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                report.skip(shown, Some(line), format!("not a CSV row: {e}"));
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
            }
        }
    }
}

/// The CSV reader of wide tables: a header row, rows of any width.
fn csv_reader<R: Read>(input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new().has_headers(true).flexible(true).buffer_capacity(1 << 16).from_reader(input)
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
    let batches: Vec<Vec<Cells>> =
        table.batches.iter().map(|batch| batch.columns().iter().map(Cells::of).collect()).collect();
    if let Some(cells) = batches.first() {
        let unread = header.iter().zip(cells).filter(|(_, c)| c.is_other()).map(|(name, _)| name);
        for name in unread {
            report.warn(
                shown,
                None,
                format!("column {name:?} has a type runql does not read; its cells are not loaded"),
            );
        }
    }
    let row_of = |cells: &[Cells], i: usize| -> Vec<String> {
        cells.iter().map(|c| c.text(i).map(|t| t.into_owned()).unwrap_or_default()).collect()
    };
    let rows = || {
        table
            .batches
            .iter()
            .zip(&batches)
            .flat_map(move |(batch, cells)| (0..batch.num_rows()).map(move |i| (cells, i)))
    };
    let mut typing = Typing::new(header.len());
    for (cells, i) in rows() {
        typing.add(row_of(cells, i).iter().map(String::as_str));
    }
    let layout = Layout::new(&header, run_col, &typing, report);
    for (n, (cells, i)) in (1u64..).zip(rows()) {
        let row = row_of(cells, i);
        let row: Vec<&str> = row.iter().map(String::as_str).collect();
        layout.apply_row(n, &row, shown, runs, report);
    }
}

/// What the non-empty cells of each column of a wide table hold, gathered row by row (a
/// bare column is typed by all its cells).
struct Typing {
    columns: Vec<mlflow_ui::Cells>,
    rows: u64,
}

impl Typing {
    fn new(width: usize) -> Self {
        Self { columns: vec![mlflow_ui::Cells::Empty; width], rows: 0 }
    }

    /// Takes one row's cells into account.
    fn add<'c>(&mut self, row: impl Iterator<Item = &'c str>) {
        use mlflow_ui::Cells;
        self.rows += 1;
        for (seen, cell) in self.columns.iter_mut().zip(row) {
            let cell = cell.trim();
            if cell.is_empty() || *seen == Cells::Text {
                continue;
            }
            *seen = if cells::number(cell).is_some() { Cells::Numbers } else { Cells::Text };
        }
    }
}

/// How the columns of a wide table are read, decided from its header and what its cells
/// hold.
struct Layout {
    columns: Vec<Column>,
    run_col: usize,
    group_col: Option<usize>,
    /// A table keyed by `run` or `name` has no other name for its runs.
    id_is_name: bool,
}

impl Layout {
    /// The layout of a table with `header` and run-id column `run_col`; counts the cells of
    /// ignored columns in `report`.
    fn new(header: &[String], run_col: usize, typing: &Typing, report: &mut LoadReport) -> Self {
        let id_is_name = header.get(run_col).is_some_and(|h| matches!(normalize(h).as_str(), "run" | "name"));
        let mut columns: Vec<Column> =
            header.iter().enumerate().map(|(i, h)| column(h, i == run_col)).collect();
        let content = |i: usize| typing.columns.get(i).copied().unwrap_or(mlflow_ui::Cells::Empty);
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
            Column::Ignored(what) => Some((*what, typing.rows)),
            _ => None,
        }) {
            report.ignore(what, n);
        }
        Self { columns, run_col, group_col, id_is_name }
    }

    /// Puts the cells of the row at `line` into its run.
    fn apply_row(&self, line: u64, row: &[&str], shown: &str, runs: &mut Runs, report: &mut LoadReport) {
        if row.iter().all(|c| c.trim().is_empty()) {
            return;
        }
        if row.len() != self.columns.len() {
            report.warn(
                shown,
                Some(line),
                format!("row has {} cells, the header {} columns", row.len(), self.columns.len()),
            );
        }
        let cell = |i: Option<usize>| i.and_then(|i| row.get(i)).map_or("", |c| unguard(c.trim()));
        // A group row of an MLflow chart download has no run id (see `mlflow_ui`).
        let Some(run_id) = mlflow_ui::run_id_or_group(cell(Some(self.run_col)), Some(cell(self.group_col)))
        else {
            report.skip(shown, Some(line), "empty run id");
            return;
        };
        let run_id = run_id.as_str();
        let run = runs.run(run_id, shown);
        if self.id_is_name {
            RunAcc::fill(&mut run.info.name, run_id);
        }
        if let Some(group) = run_id.strip_prefix("group:").filter(|g| *g == cell(self.group_col)) {
            RunAcc::fill(&mut run.info.name, group);
        }
        for (col, cell) in self.columns.iter().zip(row.iter()) {
            let cell = unguard(cell.trim());
            if cell.is_empty() {
                continue;
            }
            if let Err(why) = apply(run, col, cell) {
                report.skip(shown, Some(line), why);
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

    /// A wide CSV on disk is read twice (typing, then rows): bare columns are still typed
    /// by all their cells, and a bad row is reported once, not once per pass.
    #[test]
    fn a_wide_csv_on_disk_is_typed_and_read_in_two_passes() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = b"run_id,lr,opt,params.bs\nr1,0.1,adam,32\nr2,,sgd,64\n".to_vec();
        text.extend_from_slice(b"r3,0.3,\xff,8\n"); // not UTF-8: not a CSV row
        text.extend_from_slice(b"r4,1e-3,,16\n");
        std::fs::write(dir.path().join("runs.csv"), &text).unwrap();
        let tree = FileTree::from_path(dir.path()).unwrap();
        let loaded = crate::load(&[tree], &Default::default()).unwrap();
        let t = &loaded.tables;
        assert_eq!(t.runs.num_rows(), 3);
        // `lr` holds only numbers: a metric (one point per run that has it); `opt` a param.
        assert_eq!(t.metrics.num_rows(), 2);
        assert_eq!(t.params.num_rows(), 5, "opt of r1, r2 and bs of r1, r2, r4");
        let issues: Vec<String> = loaded.report.issues().iter().map(ToString::to_string).collect();
        assert_eq!(issues.len(), 1, "{issues:#?}");
        assert!(issues[0].contains("runs.csv:4: not a CSV row"), "{}", issues[0]);
        assert_eq!(loaded.report.files_read, 1);
        assert_eq!(loaded.report.bytes_read, text.len() as u64);
    }

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
