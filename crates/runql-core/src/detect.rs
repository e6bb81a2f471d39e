//! Recognizing which tracker wrote the files in a [`FileTree`].

use crate::vfs::FileTree;

/// A source format runql can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// MLflow's file store (`mlruns/`), MLflow 1.x–3.x.
    MlflowFileStore,
}

impl Format {
    /// Every format, in detection order.
    pub const ALL: [Format; 1] = [Format::MlflowFileStore];

    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::MlflowFileStore => crate::mlflow::FORMAT_NAME,
        }
    }

    /// What a user should point runql at for this format (used in "nothing found" errors).
    pub fn hint(self) -> &'static str {
        match self {
            Format::MlflowFileStore => "an MLflow file store (a folder with <experiment>/<run>/meta.yaml)",
        }
    }
}

/// The formats present in `tree`, by content rather than by folder name.
///
/// ```
/// use runql_core::{detect::detect, FileTree, Format};
/// let mut tree = FileTree::new("upload");
/// tree.insert("mlruns/0/meta.yaml", b"experiment_id: '0'\nname: Default\n".to_vec());
/// assert_eq!(detect(&tree), [Format::MlflowFileStore]);
/// assert!(detect(&FileTree::new("empty")).is_empty());
/// ```
pub fn detect(tree: &FileTree) -> Vec<Format> {
    Format::ALL
        .into_iter()
        .filter(|f| match f {
            Format::MlflowFileStore => crate::mlflow::detect(tree),
        })
        .collect()
}
