//! SQLite databases as the trackers keep them (MLflow's `mlflow.db`, trackio's
//! `<project>.db`): opened from their bytes, read-only and defended against hostile files
//! ([`open`]), cells read by type ([`cell`]), and queries over damaged files that keep what
//! they read ([`rows`]).

pub mod cell;
pub mod open;
pub mod rows;

use std::collections::HashSet;

use crate::progress::ProgressTracker;
use runql_core::report::LoadReport;
use runql_core::vfs::FileTree;

/// File name endings worth opening to look for an SQLite header; detection never reads
/// every file of a large tree. A tree holding a single file is always looked at.
const EXTENSIONS: [&str; 4] = [".db", ".sqlite", ".sqlite3", ".db3"];

/// True when `path` may be an SQLite database worth sniffing (by its name, or as the only
/// file given).
pub(crate) fn is_candidate(tree: &FileTree, path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    tree.len() == 1 || EXTENSIONS.iter().any(|e| name.ends_with(e))
}

/// Files SQLite keeps beside a database while it is open or was not closed cleanly.
pub const SIDECARS: [&str; 3] = ["-wal", "-shm", "-journal"];

/// Opens the database at `path` of `tree` for reading, or says in `report` why not: over
/// the size limit (refused before it is read, as it is copied into SQLite's memory whole),
/// unreadable, not SQLite, or damaged where SQLite looks first. A file shorter than its
/// header says is opened with a warning.
pub(crate) fn open_in_tree(
    tree: &FileTree,
    path: &str,
    report: &mut LoadReport,
) -> Option<rusqlite::Connection> {
    let shown = tree.display_path(path);
    let size = tree.size(path).unwrap_or(0);
    if size > open::MAX_DB_BYTES {
        report.skip(
            shown,
            None,
            format!("{size} bytes is over the {}-byte limit for an SQLite database", open::MAX_DB_BYTES),
        );
        return None;
    }
    let bytes = report.read_file(tree, path)?;
    if let Some(why) = open::truncation(&bytes) {
        report.warn(shown.as_str(), None, why);
    }
    // The copy SQLite makes is all that is needed once it is open.
    open::open(&bytes).map_err(|why| report.skip(shown, None, why)).ok()
}

/// Claims the files SQLite keeps beside the database at `path` (and `extra` ones the tracker
/// keeps, such as trackio's lock file): they belong to it, not to another reader. A
/// write-ahead log with content is a warning, since the in-memory copy a database is opened
/// from does not see its changes; `merge` says how to fold them in for this tracker.
pub(crate) fn claim_sidecars(
    tree: &FileTree,
    path: &str,
    extra: &[String],
    claimed: &mut HashSet<String>,
    progress: &ProgressTracker<'_>,
    report: &mut LoadReport,
    merge: &str,
) {
    let sidecars = SIDECARS.iter().map(|s| format!("{path}{s}")).chain(extra.iter().cloned());
    for side in sidecars {
        let Some(size) = tree.size(&side) else { continue };
        claimed.insert(side.clone());
        progress.advance(1, size);
        if side.ends_with("-wal") && size > 0 {
            report.warn(
                tree.display_path(&side),
                None,
                format!("changes in the write-ahead log are not read: {merge}"),
            );
        } else {
            report.ignore("SQLite sidecar and lock files (-shm, -journal, empty -wal, .lock)", 1);
        }
    }
}
