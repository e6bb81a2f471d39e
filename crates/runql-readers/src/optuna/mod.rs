//! Reader for Optuna's journal storage (`JournalStorage` with `JournalFileBackend`): a
//! JSON-lines file, usually `journal.log`, that every worker of a study appends operations
//! to. The format is defined by `optuna/storages/journal/_storage.py`; see [`journal`].
//!
//! # What goes where
//! - `runs`: one per trial of every live study. `run_id` = `<study name>/<trial number>`,
//!   `name` = `trial <n>`, `project` = the study name, `experiment_id` = Optuna's study id.
//!   `status`: COMPLETE → `FINISHED`, FAIL → `FAILED`, PRUNED → `KILLED` (stopped early on
//!   purpose), RUNNING → `RUNNING`, WAITING → `SCHEDULED`. `created_at`/`ended_at` =
//!   `datetime_start`/`datetime_complete`, which Optuna writes in the writer's local time
//!   without a zone; runql reads them as UTC.
//! - `params`: every param decoded as Optuna's `trial.params` shows it: categorical params
//!   are stored as an index into `choices` and come out as the choice (`adam`, `true`,
//!   `null`, `64`); ints as integers; floats in shortest round-trip form.
//! - `metrics`: the objective value(s) as one point at the last reported step (0 when none),
//!   stamped with `datetime_complete`, keyed by the study's metric names
//!   (`set_metric_names`) or `value` / `values/0`, `values/1`, …; the intermediate values
//!   (`trial.report`) as the series `intermediate_value`, without timestamps (the journal
//!   has none). Failed and unfinished trials have no objective value.
//! - `tags`: trial user attrs by their own names (JSON text for non-strings);
//!   `optuna.state` (Optuna's state name), `optuna.directions` (`minimize,maximize`),
//!   `optuna.system.<k>` (trial system attrs, e.g. `fixed_params`), `optuna.study.<k>`
//!   (study user attrs) and `optuna.study_system.<k>` (study system attrs).
//! - Deleted studies: not loaded; the report names each one and how many trials it had.
//!
//! A last line without a newline (a writer that died mid-write) is skipped and reported,
//! as Optuna skips it too.

pub mod distribution;
pub mod journal;
pub mod run;

use crate::reader::{ReadContext, Reader};
use runql_core::error::Result;
use runql_core::vfs::FileTree;

/// The name this format has in reports, and the `source` of its runs.
pub const FORMAT_NAME: &str = "optuna";

/// This format in the [registry](crate::registry).
pub(crate) const READER: Reader = Reader {
    name: FORMAT_NAME,
    hint: "an Optuna journal file (JournalFileBackend, e.g. journal.log)",
    detect,
    read,
};

/// Bytes read from the start of a candidate file to recognize a journal.
const SNIFF_BYTES: usize = 64 << 10;

/// File name endings worth opening to look for a journal; anything else is not read, so
/// detection never opens large binary files.
const CANDIDATE_SUFFIXES: [&str; 6] = [".log", ".jsonl", ".ndjson", ".journal", ".json", ".txt"];

fn is_candidate(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    name == "journal" || CANDIDATE_SUFFIXES.iter().any(|s| name.ends_with(s))
}

fn is_journal(tree: &FileTree, path: &str) -> bool {
    is_candidate(path) && tree.head(path, SNIFF_BYTES).is_ok_and(|head| journal::looks_like_journal(&head))
}

/// True when some file's first non-empty line is an Optuna journal operation (a JSON object
/// with `op_code` and `worker_id`).
///
/// ```
/// use runql_core::FileTree;
/// let mut tree = FileTree::new("upload");
/// tree.insert("journal.log", br#"{"op_code":0,"worker_id":"w","study_name":"s","directions":[1]}
/// "#.to_vec());
/// assert!(runql_readers::optuna::detect(&tree));
/// ```
pub fn detect(tree: &FileTree) -> bool {
    tree.paths().any(|p| is_journal(tree, p))
}

/// Reads every journal in `tree` into `builder`, recording problems in `report` and adding
/// the journals to `claimed`.
///
/// # Errors
/// Only a failure to build Arrow data; problems with files are reported, not raised.
pub(crate) fn read(mut cx: ReadContext<'_>) -> Result<()> {
    let files = cx.claim(is_journal);
    let ReadContext { tree, builder, report, progress, .. } = cx;
    for path in files {
        let shown = tree.display_path(&path);
        progress.advance(1, tree.size(&path).unwrap_or(0));
        let Some(bytes) = report.read_file(tree, &path) else {
            continue;
        };
        let replayed = journal::Journal::replay(&bytes, &shown, report);
        let runs = run::runs(replayed, &shown, report);
        // Runs are already parsed; the batch helper adds them and reports duplicate ids.
        crate::batch::add_parsed(runs, FORMAT_NAME, builder, report)?;
    }
    Ok(())
}
