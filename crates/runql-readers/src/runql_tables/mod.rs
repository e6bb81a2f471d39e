//! Reader for runql's own tables: a folder with `runs`, `params`, `metrics`, `tags`,
//! `metric_summary`, `runs_wide` and `models` as `.parquet` or `.arrow` files, as
//! `runql convert` and `runql gen --format parquet` write them (see
//! [`crate::columnar::write_tables`]).
//!
//! Two paths:
//! - **fast** (the tables are the whole input, complete and consistent): the decoded
//!   tables *are* the result. Column types are brought back to runql's schemas (dictionary
//!   run ids and keys, with the same dictionaries a load builds; `metrics.timestamp` back to
//!   Int64), so loading written tables gives exactly the tables that were written, NaN/±inf,
//!   nulls and all, and nothing is recomputed.
//! - **merge** (mixed with other inputs, or incomplete): the tables are split back into runs
//!   and added like any other source; `metric_summary` and `runs_wide` are recomputed from
//!   them. Rows whose run is not in `runs` are reported as skipped.
//!
//! Tables written by other tools in the same layout load too: columns are cast to runql's
//! types where they differ, missing optional columns are empty, extra columns are reported.

mod conform;
mod split;

use std::collections::BTreeMap;

use crate::columnar::{self, Table};
use crate::progress::ProgressTracker;
use crate::reader::{Prebuilt, ReadContext, Reader};
use runql_core::error::Result;
use runql_core::model::schema::{self, TABLE_NAMES};
use runql_core::model::{RunTables, TablesBuilder};
use runql_core::report::LoadReport;
use runql_core::vfs::FileTree;

/// The name this format has in reports.
pub const FORMAT_NAME: &str = "runql-tables";

/// This format in the [registry](crate::registry).
pub(crate) const READER: Reader = Reader {
    name: FORMAT_NAME,
    hint: "runql's tables (runs.parquet, metrics.parquet, … as `runql convert` writes them)",
    detect,
    read,
};

/// One folder of table files: table name → path.
type TableSet = BTreeMap<&'static str, String>;

fn table_of(path: &str) -> Option<(&'static str, &str)> {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    let lower = name.to_ascii_lowercase();
    let table = TABLE_NAMES.into_iter().find(|t| {
        lower
            .strip_prefix(t)
            .is_some_and(|ext| [".parquet", ".arrow", ".feather", ".ipc", ".arrows"].contains(&ext))
    })?;
    Some((table, dir))
}

/// Table sets by folder: every folder holding a `runs.*` table file that starts like a
/// columnar file.
fn sets(tree: &FileTree) -> BTreeMap<String, TableSet> {
    let mut by_dir: BTreeMap<String, TableSet> = BTreeMap::new();
    for path in tree.paths() {
        if let Some((table, dir)) = table_of(path) {
            // With both `metrics.parquet` and `metrics.arrow`, the first in path order wins.
            by_dir.entry(dir.to_string()).or_default().entry(table).or_insert_with(|| path.to_string());
        }
    }
    // A user's own `runs.parquet` (a wide table) is not runql's: the runs table has
    // runql's run columns. A runs file whose schema cannot be read is ours to report.
    by_dir.retain(|_, set| {
        set.get("runs").is_some_and(|p| match columnar::schema_of(tree, p) {
            Some((_, Ok(s))) => ["run_id", "source", "origin"].iter().all(|c| s.field_with_name(c).is_ok()),
            Some((_, Err(_))) => true,
            None => false,
        })
    });
    by_dir
}

/// True when some folder holds runql's tables (a `runs.parquet` or `runs.arrow` file).
///
/// ```
/// let tables = runql_core::TablesBuilder::new().finish()?;
/// let mut tree = runql_core::FileTree::new("out");
/// runql_readers::columnar::write_tables(&tables, runql_readers::columnar::TableFormat::Parquet, &mut |name: &str, bytes: &[u8]| {
///     tree.insert(name, bytes.to_vec());
///     Ok(())
/// })?;
/// assert!(runql_readers::runql_tables::detect(&tree));
/// # Ok::<(), runql_core::CoreError>(())
/// ```
pub fn detect(tree: &FileTree) -> bool {
    !sets(tree).is_empty()
}

/// Reads every table set of `tree`: into `prebuilt` when offered and the fast path applies,
/// else into `builder`.
///
/// # Errors
/// Only a failure to build Arrow data; problems with files are reported, not raised.
pub(crate) fn read(cx: ReadContext<'_>) -> Result<()> {
    let ReadContext { tree, builder, report, progress, claimed, prebuilt } = cx;
    let mut prebuilt = prebuilt;
    let sets = sets(tree);
    let single = sets.len() == 1;
    for set in sets.into_values() {
        claimed.extend(set.values().cloned());
        let tables = decode_set(tree, &set, report, progress);
        let shown_of = |t: &str| set.get(t).map(|p| tree.display_path(p)).unwrap_or_default();
        let Some(runs_table) = tables.get("runs") else {
            for t in tables.keys() {
                report.skip(shown_of(t), None, "not loaded: the runs table of its folder could not be read");
            }
            continue;
        };
        let runs = match conform::conform(runs_table, schema::runs()) {
            Ok((batch, extra)) => {
                extra_columns(&shown_of("runs"), &extra, report);
                batch
            }
            Err(why) => {
                report.skip(shown_of("runs"), None, format!("not a runql runs table: {why}"));
                for (t, _) in tables.iter().filter(|(t, _)| **t != "runs") {
                    report.skip(
                        shown_of(t),
                        None,
                        "not loaded: the runs table of its folder could not be read",
                    );
                }
                continue;
            }
        };
        if let Some(slot) = prebuilt.as_deref_mut().filter(|_| single)
            && let Some(done) = fast(&tables, &runs, slot.max_wide_columns, &shown_of, report)
        {
            slot.tables = Some(done);
            continue;
        }
        merge(&tables, &runs, &shown_of, builder, report)?;
    }
    Ok(())
}

fn extra_columns(shown: &str, extra: &[String], report: &mut LoadReport) {
    if !extra.is_empty() {
        report.warn(shown, None, format!("columns not in runql's schema, not loaded: {}", extra.join(", ")));
    }
}

/// Decodes each file of the set; failures are reported and leave the table out.
fn decode_set(
    tree: &FileTree,
    set: &TableSet,
    report: &mut LoadReport,
    progress: &ProgressTracker<'_>,
) -> BTreeMap<&'static str, Table> {
    let mut out = BTreeMap::new();
    for (&table, path) in set {
        let shown = tree.display_path(path);
        progress.advance(1, tree.size(path).unwrap_or(0));
        let Some(bytes) = report.read_file(tree, path) else {
            continue;
        };
        let hint = |plain: &arrow_schema::Schema| conform::hint(table, plain);
        match columnar::read::decode_file(bytes, Some(&hint)) {
            Ok(t) => {
                out.insert(table, t);
            }
            Err(why) => report.skip(shown, None, why),
        }
    }
    out
}

/// Uses the fast path's tables as the load's result when nothing else was loaded; else
/// (another reader of the same input found runs too) adds them to `builder` the merge way.
///
/// # Errors
/// As [`read`].
pub(crate) fn finish(
    prebuilt: Prebuilt,
    builder: &mut TablesBuilder,
    report: &mut LoadReport,
) -> Result<Option<RunTables>> {
    let Some(tables) = prebuilt.tables else { return Ok(None) };
    if builder.is_empty() {
        *report.formats.entry(FORMAT_NAME.to_string()).or_default() += tables.runs.num_rows() as u64;
        return Ok(Some(tables));
    }
    let decoded: BTreeMap<&'static str, Table> = tables
        .tables()
        .map(|(name, batch)| (name, Table { schema: batch.schema(), batches: vec![batch.clone()] }))
        .collect();
    let shown_of = |t: &str| format!("runql tables ({t})");
    merge(&decoded, &tables.runs, &shown_of, builder, report)?;
    Ok(None)
}

/// The tables as they are, when complete and consistent; `None` sends them the merge way.
fn fast(
    tables: &BTreeMap<&'static str, Table>,
    runs: &arrow_array::RecordBatch,
    max_wide_columns: usize,
    shown_of: &dyn Fn(&str) -> String,
    report: &mut LoadReport,
) -> Option<RunTables> {
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    let run_ids = runs.column_by_name("run_id")?.as_string_opt::<i32>()?.clone();
    let (run_index, unique_ids) = conform::first_seen(&run_ids);
    if unique_ids.len() != run_ids.len() {
        return None; // duplicate run ids: the builder reports them
    }
    let mut scratch = LoadReport::default();
    let mut take = |t: &str, s| {
        let (batch, extra) = conform::conform(tables.get(t)?, s).ok()?;
        extra_columns(&shown_of(t), &extra, &mut scratch);
        Some(batch)
    };
    let params = take("params", schema::params())?;
    let tags = take("tags", schema::tags())?;
    let metric_summary = take("metric_summary", schema::metric_summary())?;
    let models = match tables.get("models") {
        Some(_) => take("models", schema::models())?,
        None => arrow_array::RecordBatch::new_empty(schema::models()),
    };
    let wide = tables.get("runs_wide")?;
    let runs_wide = arrow_select::concat::concat_batches(&wide.schema, &wide.batches).ok()?;
    let wide_ok = runs_wide.num_rows() == runs.num_rows()
        && runs_wide.num_columns() <= max_wide_columns + schema::run_fields().len()
        && runs_wide.schema().fields().first().is_some_and(|f| f.name() == "run_id");
    if !wide_ok {
        return None;
    }
    let metrics = fast_metrics(tables.get("metrics")?, &run_index, &run_ids, &metric_summary)?;
    report.merge(scratch);
    Some(RunTables { runs: runs.clone(), params, metrics, tags, metric_summary, runs_wide, models })
}

/// `metrics` with dictionaries equal to those a load builds: run ids in `runs` order, keys in
/// first-seen order of `metric_summary` (the order keys were first met when it was built).
fn fast_metrics(
    table: &Table,
    run_index: &std::collections::HashMap<String, i32>,
    run_ids: &arrow_array::StringArray,
    summary: &arrow_array::RecordBatch,
) -> Option<arrow_array::RecordBatch> {
    use arrow_array::cast::AsArray;
    let summary_keys = summary.column_by_name("key")?.as_string_opt::<i32>()?;
    let (key_index, key_values) = conform::first_seen(summary_keys);
    let encode =
        |name: &str, index: &std::collections::HashMap<String, i32>, values: &arrow_array::StringArray| {
            let parts = conform::chunks(table, name)?;
            // Arrow IPC tables keep runql's own dictionaries: their keys are taken as they are.
            conform::same_dictionary(&parts, values).or_else(|| {
                let codes = conform::codes(&parts, &mut |s| index.get(s).copied()).ok()?;
                conform::dictionary(codes, values)
            })
        };
    let mut columns = vec![encode("run_id", run_index, run_ids)?, encode("key", &key_index, &key_values)?];
    let metrics = schema::metrics();
    for field in metrics.fields().iter().skip(2) {
        columns.push(conform::column(table, field).ok()?);
    }
    arrow_array::RecordBatch::try_new(metrics, columns).ok()
}

/// Splits the tables into runs and adds them (and the models) to `builder`.
fn merge(
    tables: &BTreeMap<&'static str, Table>,
    runs: &arrow_array::RecordBatch,
    shown_of: &dyn Fn(&str) -> String,
    builder: &mut TablesBuilder,
    report: &mut LoadReport,
) -> Result<()> {
    let (mut data, index) = split::runs(runs);
    for (t, is_params) in [("params", true), ("tags", false)] {
        let (Some(table), schema) =
            (tables.get(t), if is_params { schema::params() } else { schema::tags() })
        else {
            continue;
        };
        match conform::conform(table, schema) {
            Ok((batch, extra)) => {
                extra_columns(&shown_of(t), &extra, report);
                split::key_values(&batch, is_params, &mut data, &index, &shown_of(t), report);
            }
            Err(why) => report.skip(shown_of(t), None, format!("not a runql {t} table: {why}")),
        }
    }
    if let Some(table) = tables.get("metrics") {
        let result = conform::conform(table, schema::metrics()).and_then(|(batch, extra)| {
            extra_columns(&shown_of("metrics"), &extra, report);
            split::metrics(table, &batch, &mut data, &index, &shown_of("metrics"), report)
        });
        if let Err(why) = result {
            report.skip(shown_of("metrics"), None, format!("not a runql metrics table: {why}"));
        }
    }
    if let Some(table) = tables.get("models") {
        match conform::conform(table, schema::models()) {
            Ok((batch, _)) => split::models(&batch).into_iter().for_each(|m| builder.add_model(m)),
            Err(why) => report.skip(shown_of("models"), None, format!("not a runql models table: {why}")),
        }
    }
    // Derived tables are recomputed from the long ones.
    for t in ["metric_summary", "runs_wide"] {
        if let Some(table) = tables.get(t) {
            report.ignore(
                format!("{t} rows of runql tables (recomputed when tables are merged)"),
                table.num_rows() as u64,
            );
        }
    }
    crate::batch::add_parsed(data, FORMAT_NAME, builder, report)?;
    Ok(())
}
