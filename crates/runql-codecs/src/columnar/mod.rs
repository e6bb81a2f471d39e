//! Columnar files: Apache Parquet and Arrow IPC (the file format, also known as Feather v2,
//! and the stream format), recognized by their magic bytes rather than by file name.
//!
//! This module only turns bytes into Arrow record batches and back; what the columns mean is
//! up to the readers that use it: runql's own tables (`runql_readers::runql_tables`),
//! neptune-exporter parquet (`runql_readers::neptune`) and plain long/wide tables
//! (`runql_readers::tables`).
//!
//! Every size a file declares about itself (footer length, row groups, columns, buffer
//! offsets, decompressed sizes) is checked against [`limits`] and against the file's real
//! length *before* anything is allocated for it, so a truncated or hostile file is a
//! reported skip, not an out-of-memory abort (which in WebAssembly would end the instance).

pub mod column;
pub use runql_core::limits;
pub mod read;
pub mod sniff;
pub mod write;

pub use read::{Table, decode};
pub use sniff::{Container, container, schema_of};
pub use write::{TableFormat, Written, write_tables};

/// File name endings of columnar files. Detection is by magic bytes; the names only decide
/// which files are worth opening, so that detection never reads every file of a large tree.
pub const EXTENSIONS: [&str; 6] = [".parquet", ".pq", ".arrow", ".arrows", ".feather", ".ipc"];

/// True when the file at `path` is worth opening as a columnar file: it has one of the
/// [`EXTENSIONS`], or it is the only file of the tree (a file the user named directly, e.g.
/// `runql info export.bin`). Whether it *is* one is decided by its magic bytes.
pub fn is_candidate(tree: &runql_core::FileTree, path: &str) -> bool {
    tree.len() == 1 || has_columnar_name(path)
}

/// True when `path` has one of the [`EXTENSIONS`].
///
/// ```
/// assert!(runql_codecs::columnar::has_columnar_name("exp/runs.parquet"));
/// assert!(!runql_codecs::columnar::has_columnar_name("runs.csv"));
/// ```
pub fn has_columnar_name(path: &str) -> bool {
    let lower = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    EXTENSIONS.iter().any(|e| lower.ends_with(e))
}
