//! Reader for **neptune-exporter** Parquet (`neptune-ai/neptune-exporter`), the format Neptune
//! data lives on in after the SaaS shut down: one long table per run part,
//! `<project>/<run>_part_<n>.parquet`, one row per value (see `docs/formats.md` §3.1).
//!
//! Recognized by its columns (`run_id`, `attribute_path`, `attribute_type`, …), not its name.
//!
//! # What goes where
//! - `runs`: one per `(project_id, run_id)`; parts of a run in several files are merged.
//!   `run_id` is Neptune's (`SAN-1`, or the 3.x custom run id), qualified as
//!   `<project>/<run>` only when the same id occurs in two projects. `project` =
//!   `project_id`; `name` = `sys/name`; `user` = `sys/owner`; `created_at` =
//!   `sys/creation_time`; `run_group` = `sys/experiment/name`; `status` = `FAILED` when
//!   `sys/failed` is true. `source` = `neptune`.
//! - `metrics`: `float_series` points (key = attribute path, `float_value`, `timestamp`).
//!   Steps: see [`steps`] — fractional steps are kept exactly, as micro-steps, with a tag.
//! - `params`: every other single value (`float`, `int`, `string`, `bool`, `datetime` —
//!   the latter as ISO-8601 text), including `sys/*` fields, under their attribute path.
//! - `tags`: each string of `sys/tags` is a bare tag; another `string_set` is one tag, its
//!   path → the sorted strings joined by `,`.
//! - Not tabulated, counted in the report: `string_series`, `histogram_series`, `file`,
//!   `file_series` (and any type a newer exporter adds).
//!
//! Rows without a value, with an empty path or an unusable step are skipped and reported.

pub mod columns;
mod run;
pub mod steps;

use std::collections::{HashMap, HashSet};

use self::run::{Outcome, RunAcc};
use crate::columnar;
use crate::reader::{ReadContext, Reader};
use runql_core::error::Result;
use runql_core::vfs::FileTree;

/// The name this format has in reports, and the `source` of its runs.
pub const FORMAT_NAME: &str = "neptune";

/// This format in the [registry](crate::registry).
pub(crate) const READER: Reader = Reader {
    name: FORMAT_NAME,
    hint: "neptune-exporter Parquet files (<project>/<run>_part_<n>.parquet)",
    detect,
    read,
};

fn is_neptune_file(tree: &FileTree, path: &str) -> bool {
    columnar::is_candidate(tree, path)
        && columnar::schema_of(tree, path).is_some_and(|(_, s)| s.is_ok_and(|s| columns::is_neptune(&s)))
}

/// True when some Parquet/Arrow file has the neptune-exporter columns.
pub fn detect(tree: &FileTree) -> bool {
    tree.paths().any(|p| is_neptune_file(tree, p))
}

/// Reads every neptune-exporter file of `tree` into `builder`.
///
/// # Errors
/// Only a failure to build Arrow data; problems with files are reported, not raised.
pub(crate) fn read(mut cx: ReadContext<'_>) -> Result<()> {
    let files = cx.claim(is_neptune_file);
    let ReadContext { tree, builder, report, progress, .. } = cx;
    let mut runs: HashMap<(String, String), RunAcc> = HashMap::new();
    let mut order: Vec<(String, String)> = Vec::new();
    let mut ignored: HashMap<String, u64> = HashMap::new();
    for path in files {
        let shown = tree.display_path(&path);
        progress.advance(1, tree.size(&path).unwrap_or(0));
        let table = match tree.read(&path) {
            Ok(bytes) => {
                report.files_read += 1;
                report.bytes_read += bytes.len() as u64;
                columnar::read::decode_file(bytes, None)
            }
            Err(err) => Err(err.to_string()),
        };
        let table = match table {
            Ok(t) => t,
            Err(why) => {
                report.skip(shown, None, why);
                continue;
            }
        };
        let mut row = 0u64;
        for batch in &table.batches {
            let Some(cols) = columns::Columns::of(batch) else { continue };
            for i in 0..batch.num_rows() {
                row += 1;
                let run_id = cols.run.text(i).map(|t| t.trim().to_string()).unwrap_or_default();
                if run_id.is_empty() {
                    report.skip(shown.clone(), None, format!("row {row}: empty run_id"));
                    continue;
                }
                let project =
                    cols.project.as_ref().and_then(|p| p.text(i)).map(|p| p.into_owned()).unwrap_or_default();
                let key = (project, run_id);
                let acc = runs.entry(key.clone()).or_insert_with(|| {
                    order.push(key.clone());
                    let mut acc = RunAcc::default();
                    acc.info.run_id = key.1.clone();
                    acc.info.source = FORMAT_NAME.to_string();
                    acc.info.project = Some(key.0.clone()).filter(|p| !p.is_empty());
                    acc.info.origin = shown.clone();
                    acc
                });
                match acc.add_row(&cols, i) {
                    Outcome::Used => {}
                    Outcome::Ignored(kind) => *ignored.entry(kind).or_default() += 1,
                    Outcome::Skipped(why) => report.skip(shown.clone(), None, format!("row {row}: {why}")),
                }
            }
        }
    }
    for (kind, n) in ignored {
        report.ignore(format!("neptune {kind} values (not tabulated)"), n);
    }
    // A run id used in two projects is qualified with its project.
    let mut projects_of: HashMap<&str, usize> = HashMap::new();
    for (_, id) in &order {
        *projects_of.entry(id.as_str()).or_default() += 1;
    }
    let ambiguous: HashSet<String> =
        projects_of.into_iter().filter(|(_, n)| *n > 1).map(|(id, _)| id.to_string()).collect();
    let mut data = Vec::with_capacity(order.len());
    for key in order {
        let Some(mut acc) = runs.remove(&key) else { continue };
        if ambiguous.contains(&key.1) {
            acc.info.run_id = format!("{}/{}", key.0, key.1);
        }
        data.push(acc.finish(report));
    }
    crate::batch::add_parsed(data, FORMAT_NAME, builder, report)?;
    Ok(())
}
