//! The entry point: file trees in, tables and a report out.

use std::collections::HashSet;

use runql_core::error::{CoreError, Result};
use runql_core::model::{RunTables, TablesBuilder, wide};
use runql_core::report::LoadReport;
use runql_core::vfs::FileTree;

pub use crate::progress::LoadProgress;
use crate::progress::ProgressTracker;
use crate::reader::{Prebuilt, ReadContext};
use crate::registry::{READERS, detect};

/// Options of [`load`].
#[derive(Clone, Copy)]
pub struct LoadOptions<'a> {
    /// Called as files are handled (from several threads with the `parallel` feature).
    pub progress: Option<&'a (dyn Fn(LoadProgress) + Sync)>,
    /// Cap on `params.*`/`metrics.*`/`tags.*` columns of `runs_wide`.
    pub max_wide_columns: usize,
}

impl Default for LoadOptions<'_> {
    fn default() -> Self {
        Self { progress: None, max_wide_columns: wide::DEFAULT_MAX_COLUMNS }
    }
}

impl std::fmt::Debug for LoadOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadOptions")
            .field("progress", &self.progress.is_some())
            .field("max_wide_columns", &self.max_wide_columns)
            .finish()
    }
}

/// The result of a load.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The tables.
    pub tables: RunTables,
    /// What was read and what was skipped.
    pub report: LoadReport,
}

/// What a problem met while walking a folder is counted as when it is a tracker's own
/// leftover rather than lost data: the W&B SDK's `latest-run` link to a run folder beside it.
fn benign_walk_issue(issue: &runql_core::Issue) -> Option<&'static str> {
    let name = issue.path.rsplit_once('/').map_or(issue.path.as_str(), |(_, name)| name);
    (crate::wandb::is_latest_run_name(name) && issue.reason == runql_core::vfs::SYMLINKED_FOLDER)
        .then_some(crate::wandb::LATEST_RUN_LINK)
}

/// Loads every tree into one set of tables. Formats are detected by content.
///
/// Problems inside files (bad lines, unreadable sub-folders, corrupt metadata) are reported
/// in [`Loaded::report`] and everything else is still loaded.
///
/// ```
/// use runql_readers::{load, FileTree, LoadOptions};
/// let mut tree = FileTree::new("mlruns");
/// tree.insert("0/meta.yaml", b"artifact_location: x\nexperiment_id: '0'\nlifecycle_stage: active\nname: Default\n".to_vec());
/// tree.insert("0/abc/meta.yaml", b"run_id: abc\nexperiment_id: '0'\nstatus: 3\nstart_time: 1\nend_time: 2\n".to_vec());
/// tree.insert("0/abc/metrics/val/loss", b"1 0.5 0\n2 0.25 1\noops\n".to_vec());
/// let loaded = load(&[tree], &LoadOptions::default())?;
/// assert_eq!(loaded.tables.metrics.num_rows(), 2);
/// assert_eq!(loaded.report.issues()[0].line, Some(3));
/// # Ok::<(), runql_readers::CoreError>(())
/// ```
///
/// # Errors
/// [`CoreError::NoRunData`] when a tree holds nothing any reader recognizes.
pub fn load(trees: &[FileTree], options: &LoadOptions<'_>) -> Result<Loaded> {
    let tracker = ProgressTracker::new(trees, options.progress);
    let mut builder = TablesBuilder::new();
    let mut report = LoadReport::default();
    // runql's own tables that are the whole input are taken as they are (no rebuild).
    let mut prebuilt = Prebuilt { max_wide_columns: options.max_wide_columns, tables: None };
    for tree in trees {
        for issue in tree.walk_issues() {
            match benign_walk_issue(issue) {
                Some(what) => report.ignore(what, 1),
                None => report.push(issue.clone()),
            }
        }
        let readers = detect(tree);
        let formats_found: Vec<&str> = readers.iter().map(|r| r.name).collect();
        if readers.is_empty() {
            let hint = READERS.iter().map(|r| r.hint).collect::<Vec<_>>().join("; ");
            let what = if tree.is_empty() {
                "it is empty".to_string()
            } else {
                format!("{} files, none recognized", tree.len())
            };
            return Err(CoreError::NoRunData {
                origin: tree.origin().to_string(),
                hint: format!("{what}; expected {hint}"),
            });
        }
        let mut claimed = HashSet::new();
        // Other readers may still find runs in the same tree; `finish` below handles that.
        let whole_input = trees.len() == 1;
        for reader in readers {
            (reader.read)(ReadContext {
                tree,
                builder: &mut builder,
                report: &mut report,
                progress: &tracker,
                claimed: &mut claimed,
                prebuilt: whole_input.then_some(&mut prebuilt),
            })?;
        }
        for path in tree.paths().filter(|p| !claimed.contains(*p)) {
            tracker.advance(1, tree.size(path).unwrap_or(0));
            let found = formats_found.join(", ");
            report.skip(
                tree.display_path(path),
                None,
                format!("not part of any recognized run data (found: {found})"),
            );
        }
    }
    let (tables, dropped) = match crate::runql_tables::finish(prebuilt, &mut builder, &mut report)? {
        Some(tables) => (tables, 0),
        None => builder.finish_with_limit(options.max_wide_columns)?,
    };
    report.ignore("runs_wide columns over the column limit (their data is in the long tables)", dropped);
    report.rows = tables.counts();
    Ok(Loaded { tables, report })
}
