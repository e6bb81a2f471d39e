//! The one error type of runql-core.

use std::path::PathBuf;

/// Everything that can make a load fail as a whole.
///
/// Problems with single files or lines inside an otherwise readable input are not errors:
/// they are recorded in the [`LoadReport`](crate::LoadReport) and the rest is still loaded.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// A file or folder could not be read from disk.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A file in a [`FileTree`](crate::FileTree) was asked for but is not there.
    #[error("{path}: no such file in the loaded tree")]
    MissingFile {
        /// The path inside the tree.
        path: String,
    },
    /// The input holds nothing that any reader recognizes.
    #[error("no run data found in {origin}: {hint}")]
    NoRunData {
        /// Where the input came from (a folder, a zip, an upload).
        origin: String,
        /// What was looked for, so the user can tell what is missing.
        hint: String,
    },
    /// Two inputs hold the same run id; the second copy is refused.
    #[error("duplicate run id {run_id} (first loaded from {first}, again in {second})")]
    DuplicateRun {
        /// The run id seen twice.
        run_id: String,
        /// Where it was first seen.
        first: String,
        /// Where it was seen again.
        second: String,
    },
    /// Building an Arrow array or batch failed (a bug in runql if it ever shows).
    #[error("arrow: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    /// Writing generated data failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The path that failed.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A table handed over as Arrow IPC (see [`crate::transfer`]) could not be taken.
    #[error("table {table}: {reason}")]
    Transfer {
        /// The table's name.
        table: String,
        /// What is wrong with it, with the byte offset where the stream broke off.
        reason: String,
    },
    /// A caller passed an argument outside what the function accepts.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

/// `Result` with [`CoreError`] as the default error.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;
