//! The one registry of readers: every format runql reads, in detection order, each with its
//! name, what a user should point runql at, how it is recognized and how it is read.
//!
//! Adding a format is one module with a [`Reader`] constant and one line in [`READERS`].

use std::collections::HashSet;

use runql_core::error::Result;
use runql_core::model::TablesBuilder;
use runql_core::report::LoadReport;
use runql_core::vfs::FileTree;

use crate::progress::ProgressTracker;
use crate::runql_tables::Prebuilt;

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

impl PartialEq for Reader {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

/// Every reader, in detection order.
///
/// runql's own tables come first (they are recognized by name and magic bytes and are the
/// fastest to load); MLflow JSON and the table formats come last: a JSON or CSV file kept in
/// another tracker's run folder is claimed by that reader first.
pub static READERS: [Reader; 9] = [
    crate::runql_tables::READER,
    crate::mlflow::file_store::READER,
    crate::mlflow::sqlite::READER,
    crate::tensorboard::READER,
    crate::wandb::READER,
    crate::optuna::READER,
    crate::neptune::READER,
    crate::mlflow::json::READER,
    crate::tables::READER,
];

/// The readers whose format is present in `tree`, in detection order.
pub fn detect(tree: &FileTree) -> Vec<&'static Reader> {
    READERS.iter().filter(|r| (r.detect)(tree)).collect()
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
