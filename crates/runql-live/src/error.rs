//! The one error type of runql-live.

use std::path::PathBuf;

/// What can stop watching a path.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The watched path itself cannot be read (a file or folder inside it that cannot be
    /// read is reported in the load report instead).
    #[error("cannot watch {path}: {source}")]
    Io {
        /// The watched path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Loading or merging tables failed.
    #[error(transparent)]
    Core(#[from] runql_core::CoreError),
}

/// Results of runql-live.
pub type Result<T> = std::result::Result<T, LiveError>;
