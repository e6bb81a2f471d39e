//! Reader for MLflow's SQLite tracking store (`mlflow.db`, the default backend since
//! MLflow 3.7), recognized by the SQLite header and MLflow's tables, whatever the file's
//! name. Works the same natively and in WebAssembly: the file's bytes are opened in memory
//! with the bundled SQLite, read-only (see [`open`]).
//!
//! # What goes where (the same as the file-store reader, [`crate::mlflow::file_store`])
//! - `runs`: `runs` rows. `name` (else tag `mlflow.runName`), `status` (stored as text),
//!   `start_time`/`end_time`, `lifecycle_stage` (`deleted` too when the experiment is
//!   deleted), `user_id` (else tag `mlflow.user`), `artifact_uri`, `experiment_id`;
//!   `project` = the experiment's name; `parent_run_id` = tag `mlflow.parentRunId`.
//! - `params`, `tags`: the `params` and `tags` tables.
//! - `metrics`: the **full history** from the `metrics` table in the order MLflow's
//!   `get_metric_history` returns it (timestamp, step, value). The store writes NaN as
//!   `value = 0, is_nan = 1` and ±infinity as ±1.7976931348623157e308; both are mapped
//!   back. Unlike the file store, identical points are stored once (they are the table's
//!   primary key).
//! - `models`: `logged_models` (MLflow 3) and `model_versions` with their aliases from
//!   `registered_model_aliases`; soft-deleted versions (`Deleted_Internal`) are left out.
//! - Not loaded, counted in the report: experiment tags, logged-model metrics/params/tags,
//!   registered-model and model-version tags. Traces, datasets and the other tables of
//!   newer MLflow versions are not read.
//!
//! Columns are looked up, not assumed, so databases of every MLflow version load (older
//! ones lack `step`, `is_nan`, `deleted_time`, …). Unreadable rows are reported with the
//! table and reason; a damaged or truncated file keeps what was read before the damage
//! and says so; a SQLite file without MLflow's tables is reported, not loaded.
//! Uncommitted changes in a `-wal` file beside the database are not read (the report says
//! so): open the store once with MLflow or `sqlite3` to checkpoint them.

mod models;
pub mod runs;
pub mod schema;

use self::schema::Schema;
use crate::reader::{ReadContext, Reader};
use crate::sqlite::open;
use crate::sqlite::rows::Problems;
use runql_core::error::Result;
use runql_core::vfs::FileTree;

/// The name this format has in reports.
pub const FORMAT_NAME: &str = "mlflow-sqlite";

/// This format in the [registry](crate::registry).
pub(crate) const READER: Reader =
    Reader { name: FORMAT_NAME, hint: "an MLflow SQLite store (mlflow.db)", detect, read };

fn is_database(tree: &FileTree, path: &str) -> bool {
    crate::sqlite::is_candidate(tree, path)
        && tree.head(path, open::MAGIC.len()).is_ok_and(|h| open::is_sqlite(&h))
}

/// True when some file of the tree is an SQLite database (by its header; whether it holds
/// MLflow's tables is checked when it is read).
///
/// ```
/// use runql_core::FileTree;
/// let mut tree = FileTree::new("upload");
/// tree.insert("mlflow.db", b"SQLite format 3\0...".to_vec());
/// assert!(runql_readers::mlflow::sqlite::detect(&tree));
/// ```
pub fn detect(tree: &FileTree) -> bool {
    tree.paths().any(|p| is_database(tree, p))
}

/// Reads every MLflow SQLite database in `tree` into `builder`, recording problems in
/// `report` and adding the databases (and their sidecar files) to `claimed`.
///
/// # Errors
/// Only a failure to build Arrow data; problems with files are reported, not raised.
pub(crate) fn read(mut cx: ReadContext<'_>) -> Result<()> {
    let files = cx.claim(is_database);
    let ReadContext { tree, builder, report, progress, claimed, .. } = cx;
    for path in files {
        let shown = tree.display_path(&path);
        progress.advance(1, tree.size(&path).unwrap_or(0));
        crate::sqlite::claim_sidecars(
            tree,
            &path,
            &[],
            claimed,
            progress,
            report,
            "open the store once with MLflow or sqlite3 to merge them",
        );
        let Some(conn) = crate::sqlite::open_in_tree(tree, &path, report) else { continue };
        let schema = match Schema::read(&conn) {
            Ok(s) => s,
            Err(why) => {
                report.skip(shown, None, why);
                continue;
            }
        };
        let missing = schema.missing_required();
        if !missing.is_empty() {
            report.skip(
                shown,
                None,
                format!(
                    "an SQLite database, but not an MLflow tracking store (no {} table)",
                    missing.join(", ")
                ),
            );
            continue;
        }
        let mut problems = Problems::new(&shown);
        let runs = runs::read_runs(&conn, &schema, &shown, &mut problems, report);
        models::read_models(&conn, &schema, &shown, builder, &mut problems, report);
        problems.finish(report);
        let added = crate::batch::add_parsed(runs, FORMAT_NAME, builder, report)?;
        if added == 0 {
            // A fresh store has only the Default experiment: say why nothing came out.
            report.warn(shown, None, "an MLflow store with no runs");
        }
    }
    Ok(())
}
