//! Reader for plain run tables, recognized by their header (not only their file name):
//!
//! - **long** tables, one row per metric point: CSV with a header naming a run-id column
//!   (`run_id`, `Run ID`, `run_uuid`, `run`, `name`), a key column (`key`, `metric`,
//!   `metric_name`, `tag`) and `value`; optional `step` (else points are numbered 0, 1, 2, …
//!   per run and key in file order), `timestamp` (epoch seconds below 10^11, else epoch
//!   milliseconds, or ISO-8601; no zone = UTC), a run name (`run_name`, or `Run` next to
//!   `Run ID` as in the MLflow UI's chart download `Run,Run ID,metric,step,timestamp,value`)
//!   and `group`. JSON lines with the keys `run_id`, `key`, `value` (and optionally `step`,
//!   `timestamp`, `run_name`, `run_group`) are read the same way. See [`long`].
//! - **wide** tables, one row per run: a run-id column and `params.*` / `metrics.*` /
//!   `tags.*` columns (`mlflow.search_runs().to_csv()`), or bare columns (the MLflow UI's
//!   "Download CSV"). See [`wide`] for the column rules.
//! - the W&B line-plot panel's **"Export CSV"** (`Step,<run> - <metric>,…`), recognized by
//!   its `Step` first column and `<run> - <metric>` columns; its runs have `source`
//!   `wandb-panel-csv`. See [`wandb_panel`].
//!
//! Every NaN/infinity spelling is a float; the MLflow UI's CSV-injection guard (`'-0.5`) is
//! undone. A row whose value, step or timestamp is not readable is skipped and reported with
//! file and line. Runs are merged by id over all table files of a tree, so per-chart
//! exports of the same runs and a wide table next to long ones make one run each; `source`
//! is `table`.

pub use runql_codecs::cells;
pub mod header;
pub mod long;
pub mod mlflow_ui;
mod runs;
pub mod wandb_panel;
pub mod wide;

use self::header::{LongColumns, MAX_COLUMNS, normalize, wide_run_column};
use crate::reader::{ReadContext, Reader};
use runql_core::error::Result;
use runql_core::vfs::FileTree;

/// The name this format has in reports, and the `source` of its runs.
pub const FORMAT_NAME: &str = "table";

/// This format in the [registry](crate::registry).
pub(crate) const READER: Reader = Reader {
    name: FORMAT_NAME,
    hint: "a CSV/JSONL table or its Parquet/Arrow form (run_id,key,step,timestamp,value or one row per run with run_id), or a W&B panel CSV export (Step,<run> - <metric>,…)",
    detect,
    read,
};

/// Bytes read from the start of a candidate file to recognize its header: enough for the
/// header of a wide table with thousands of `metrics.*`/`params.*` columns.
const SNIFF_BYTES: usize = 1 << 20;

/// What a table file is, by its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A long CSV with these columns.
    LongCsv(LongColumns),
    /// A wide CSV whose run-id column is this one.
    WideCsv(usize),
    /// A W&B line-plot panel's "Export CSV".
    WandbPanelCsv,
    /// Long JSON lines.
    LongJsonl,
    /// A long Parquet/Arrow IPC table with these columns.
    LongColumnar(LongColumns),
    /// A wide Parquet/Arrow IPC table whose run-id column is this one.
    WideColumnar(usize),
    /// A Parquet/Arrow IPC file whose schema cannot be read, and why (reported at read).
    BadColumnar(String),
}

/// The kind of the table starting with `head` in a file called `path`, if it is one.
///
/// ```
/// use runql_readers::tables::{kind, Kind};
/// assert!(matches!(kind("m.csv", b"run_id,key,step,value\nr1,loss,0,0.5\n"), Some(Kind::LongCsv(_))));
/// assert_eq!(kind("runs.csv", b"run_id,params.lr,metrics.loss\n"), Some(Kind::WideCsv(0)));
/// assert_eq!(kind("m.jsonl", br#"{"run_id": "r1", "key": "loss", "value": 0.5}"#), Some(Kind::LongJsonl));
/// assert_eq!(kind("loss.csv", b"Step,run-1 - loss\n0,0.5\n"), Some(Kind::WandbPanelCsv));
/// assert_eq!(kind("notes.csv", b"a,b\n1,2\n"), None);
/// ```
pub fn kind(path: &str, head: &[u8]) -> Option<Kind> {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    if name.ends_with(".jsonl") || name.ends_with(".ndjson") || name.ends_with(".json") {
        return long::looks_like_jsonl(head).then_some(Kind::LongJsonl);
    }
    if !name.ends_with(".csv") {
        return None;
    }
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(head);
    let mut first = csv::StringRecord::new();
    // The header must be complete within the sniffed bytes and sensible in size.
    if !matches!(reader.read_record(&mut first), Ok(true)) || first.len() > MAX_COLUMNS {
        return None;
    }
    if wandb_panel::is_panel(&first.iter().collect::<Vec<_>>()) {
        return Some(Kind::WandbPanelCsv);
    }
    let cols: Vec<String> = first.iter().map(normalize).collect();
    if let Some(long) = LongColumns::of(&cols) {
        return Some(Kind::LongCsv(long));
    }
    wide_run_column(&cols).map(Kind::WideCsv)
}

/// The kind of a Parquet/Arrow IPC table, from its column names (the same rules as a CSV
/// header); only its footer (or stream head) is read.
fn sniff_columnar(tree: &FileTree, path: &str) -> Option<Kind> {
    let (_, schema) = crate::columnar::schema_of(tree, path)?;
    let schema = match schema {
        Ok(s) => s,
        // Unreadable: claimed so that the read reports why, with the file name.
        Err(why) => return Some(Kind::BadColumnar(why)),
    };
    if crate::neptune::columns::is_neptune(&schema) {
        return None;
    }
    let cols: Vec<String> = schema.fields().iter().map(|f| normalize(f.name())).collect();
    if let Some(long) = LongColumns::of(&cols) {
        return Some(Kind::LongColumnar(long));
    }
    wide_run_column(&cols).map(Kind::WideColumnar)
}

fn sniff(tree: &FileTree, path: &str) -> Option<Kind> {
    if crate::columnar::has_columnar_name(path) {
        return sniff_columnar(tree, path);
    }
    if crate::columnar::is_candidate(tree, path)
        && let Some(kind) = sniff_columnar(tree, path).filter(|k| !matches!(k, Kind::BadColumnar(_)))
    {
        return Some(kind);
    }
    let lower = path.to_ascii_lowercase();
    let candidate = [".csv", ".jsonl", ".ndjson", ".json"].iter().any(|s| lower.ends_with(s));
    if !candidate {
        return None;
    }
    kind(path, &tree.head(path, SNIFF_BYTES).ok()?)
}

/// True when some `.csv`/`.jsonl`/`.ndjson`/`.json` file starts like a run table, or some
/// Parquet/Arrow IPC file has the columns of one.
///
/// ```
/// use runql_core::FileTree;
/// let mut tree = FileTree::new("upload");
/// tree.insert("history.csv", b"run_id,key,step,timestamp,value\nr1,loss,0,1700000000000,0.5\n".to_vec());
/// assert!(runql_readers::tables::detect(&tree));
/// ```
pub fn detect(tree: &FileTree) -> bool {
    tree.paths().any(|p| sniff(tree, p).is_some())
}

/// Reads every run table in `tree` into `builder`, merging runs by id across files,
/// recording problems in `report` and adding the files to `claimed`.
///
/// # Errors
/// Only a failure to build Arrow data; problems with files are reported, not raised.
pub(crate) fn read(cx: ReadContext<'_>) -> Result<()> {
    let ReadContext { tree, builder, report, progress, claimed, .. } = cx;
    let files: Vec<(String, Kind)> = tree
        .paths()
        .filter(|p| !claimed.contains(*p))
        .filter_map(|p| sniff(tree, p).map(|k| (p.to_string(), k)))
        .collect();
    let mut runs = runs::Runs::default();
    for (path, kind) in files {
        claimed.insert(path.clone());
        let shown = tree.display_path(&path);
        progress.advance(1, tree.size(&path).unwrap_or(0));
        // CSV is parsed as it is read: a file on disk is never held whole.
        if matches!(kind, Kind::LongCsv(_) | Kind::WideCsv(_) | Kind::WandbPanelCsv) {
            let Some(input) = report.open_file(tree, &path) else {
                continue;
            };
            match kind {
                Kind::LongCsv(cols) => long::read_csv(input, &cols, &shown, &mut runs, report),
                Kind::WideCsv(run_col) => {
                    wide::read_csv(tree, &path, input, run_col, &shown, &mut runs, report)
                }
                _ => wandb_panel::read_csv(input, &shown, &mut runs, report),
            }
            continue;
        }
        let Some(bytes) = report.read_file(tree, &path) else {
            continue;
        };
        match kind {
            Kind::LongCsv(_) | Kind::WideCsv(_) | Kind::WandbPanelCsv => {}
            Kind::LongJsonl => long::read_jsonl(&bytes, &shown, &mut runs, report),
            Kind::LongColumnar(cols) => match crate::columnar::read::decode_file(bytes, None) {
                Ok(table) => long::read_table(&table, &cols, &shown, &mut runs, report),
                Err(why) => report.skip(shown, None, why),
            },
            Kind::WideColumnar(run_col) => match crate::columnar::read::decode_file(bytes, None) {
                Ok(table) => wide::read_table(&table, run_col, &shown, &mut runs, report),
                Err(why) => report.skip(shown, None, why),
            },
            Kind::BadColumnar(why) => report.skip(shown, None, why),
        }
    }
    let runs = runs.finish(report);
    // Panel exports are counted under their own name in the report.
    let (panel, tables): (Vec<_>, Vec<_>) =
        runs.into_iter().partition(|r| r.info.source == wandb_panel::SOURCE);
    crate::batch::add_parsed(tables, FORMAT_NAME, builder, report)?;
    crate::batch::add_parsed(panel, wandb_panel::SOURCE, builder, report)?;
    Ok(())
}
