//! What a reader is: its name, hint, detection and read function ([`Reader`]), and what
//! it reads with ([`ReadContext`]). The list of them is [`crate::registry`].

use std::collections::HashSet;

use runql_core::RunTables;
use runql_core::error::Result;
use runql_core::model::TablesBuilder;
use runql_core::report::LoadReport;
use runql_core::vfs::FileTree;

use crate::progress::ProgressTracker;

/// A source format runql can read.
///
/// ```
/// use runql_readers::registry::{READERS, detect};
/// use runql_readers::FileTree;
/// let mut tree = FileTree::new("upload");
/// tree.insert("mlruns/0/meta.yaml", b"experiment_id: '0'\nname: Default\n".to_vec());
/// let found: Vec<&str> = detect(&tree).iter().map(|r| r.name).collect();
/// assert_eq!(found, ["mlflow-file-store"]);
/// assert!(READERS.iter().all(|r| !r.hint.is_empty()));
/// ```
#[derive(Clone, Copy)]
pub struct Reader {
    /// The name used in reports (and the `source` of most of its runs).
    pub name: &'static str,
    /// What a user should point runql at for this format (used in "nothing found" errors).
    pub hint: &'static str,
    /// True when the tree holds something of this format (by content, not folder names).
    pub detect: fn(&FileTree) -> bool,
    /// Reads what is this format's into the tables, reporting every problem.
    pub(crate) read: fn(ReadContext<'_>) -> Result<()>,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader").field("name", &self.name).finish_non_exhaustive()
    }
}

/// Everything a reader works with while it reads one tree.
pub(crate) struct ReadContext<'a> {
    /// The tree being read.
    pub tree: &'a FileTree,
    /// Where runs go.
    pub builder: &'a mut TablesBuilder,
    /// Where problems go.
    pub report: &'a mut LoadReport,
    /// Counts handled files.
    pub progress: &'a ProgressTracker<'a>,
    /// Files some reader has taken; the rest are reported as not run data.
    pub claimed: &'a mut HashSet<String>,
    /// runql's own tables, when they are the whole input, are kept as they are here.
    pub prebuilt: Option<&'a mut Prebuilt>,
}

impl ReadContext<'_> {
    /// Claims the files of the tree no reader has taken yet that `wanted` picks and gives
    /// their paths in tree order (the reader counts each as handled when it reads it).
    pub fn claim(&mut self, wanted: impl Fn(&FileTree, &str) -> bool) -> Vec<String> {
        let tree = self.tree;
        let files: Vec<String> = tree
            .paths()
            .filter(|p| !self.claimed.contains(*p) && wanted(tree, p))
            .map(str::to_string)
            .collect();
        self.claimed.extend(files.iter().cloned());
        files
    }
}

/// Where the fast path may leave finished tables (offered by [`crate::load()`] when the
/// tables are its only input).
#[derive(Debug)]
pub(crate) struct Prebuilt {
    /// The `runs_wide` column cap of the load; wider tables take the merge path.
    pub max_wide_columns: usize,
    /// The tables, when the fast path was taken.
    pub tables: Option<RunTables>,
}
