//! How far a load has come: files and bytes handled, reported as they are handled.

use std::sync::atomic::{AtomicU64, Ordering};

use runql_core::FileTree;

/// How far a load has come; sent to [`LoadOptions::progress`](crate::LoadOptions::progress).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadProgress {
    /// Files handled so far.
    pub files_done: u64,
    /// Files in all trees.
    pub files_total: u64,
    /// Bytes handled so far.
    pub bytes_done: u64,
    /// Bytes in all trees.
    pub bytes_total: u64,
}

/// Counts handled files and bytes and forwards them to the progress callback; shared by
/// the readers (from several threads with the `parallel` feature).
pub(crate) struct ProgressTracker<'a> {
    callback: Option<&'a (dyn Fn(LoadProgress) + Sync)>,
    files_done: AtomicU64,
    bytes_done: AtomicU64,
    files_total: u64,
    bytes_total: u64,
}

impl<'a> ProgressTracker<'a> {
    /// A tracker over everything in `trees`, nothing handled yet.
    pub(crate) fn new(trees: &[FileTree], callback: Option<&'a (dyn Fn(LoadProgress) + Sync)>) -> Self {
        Self {
            callback,
            files_done: AtomicU64::new(0),
            bytes_done: AtomicU64::new(0),
            files_total: trees.iter().map(|t| t.len() as u64).sum(),
            bytes_total: trees.iter().map(|t| t.paths().filter_map(|p| t.size(p)).sum::<u64>()).sum(),
        }
    }

    /// Counts `files` more files of `bytes` bytes as handled.
    pub(crate) fn advance(&self, files: u64, bytes: u64) {
        let files_done = self.files_done.fetch_add(files, Ordering::Relaxed) + files;
        let bytes_done = self.bytes_done.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if let Some(cb) = self.callback {
            cb(LoadProgress {
                files_done,
                files_total: self.files_total,
                bytes_done,
                bytes_total: self.bytes_total,
            });
        }
    }
}
