//! Caps on what a columnar file may declare about itself. They are far above anything a
//! tracker export holds and far below what would exhaust memory.

/// Largest Parquet footer (thrift metadata) or Arrow IPC footer accepted.
pub const MAX_FOOTER_BYTES: usize = 64 << 20;

/// Most columns a table may have (`runs_wide` of a large sweep has a few thousand).
pub const MAX_COLUMNS: usize = 20_000;

/// Most Parquet row groups or Arrow IPC record batches in one file.
pub const MAX_CHUNKS: usize = 1_000_000;

/// Most rows in one file: runql indexes rows of a table with 32-bit keys.
pub const MAX_ROWS: u64 = i32::MAX as u64;

/// Most bytes a file may decode to (decompressed column data). WebAssembly has 4 GiB of
/// address space in all, so the cap is lower there.
#[cfg(target_arch = "wasm32")]
pub const MAX_DECODED_BYTES: u64 = 1 << 30;
/// Most bytes a file may decode to (decompressed column data).
#[cfg(not(target_arch = "wasm32"))]
pub const MAX_DECODED_BYTES: u64 = 32 << 30;

/// Rows per decoded record batch.
pub const BATCH_ROWS: usize = 64 * 1024;

/// Most bytes all files of one uploaded archive (a `.zip`) may unpack to. The browser holds
/// them all at once and WebAssembly memory never shrinks, so this stays well below its
/// 4 GiB, on every target alike (an archive loads the same natively and in the browser).
pub const MAX_ARCHIVE_BYTES: u64 = 1 << 30;

/// Most bytes one file of an archive may unpack to.
pub const MAX_ARCHIVE_ENTRY_BYTES: u64 = 512 << 20;

/// Most times larger than its compressed bytes a file of an archive may unpack to, once it
/// is past [`ARCHIVE_RATIO_FREE_BYTES`]. Tracker output compresses 5–50 times with deflate;
/// a deflated run of zeros, the stuff of zip bombs, about 1000 times.
pub const MAX_ARCHIVE_RATIO: u64 = 200;

/// Bytes a file of an archive may always unpack to, whatever its compression ratio (tiny
/// files of repeated text compress far better than [`MAX_ARCHIVE_RATIO`]).
pub const ARCHIVE_RATIO_FREE_BYTES: u64 = 1 << 20;

/// Most bytes reserved for a file of an archive before they are unpacked, whatever size the
/// archive's (forgeable) header declares; past it the buffer grows with the real bytes.
pub const ARCHIVE_PREALLOC_BYTES: usize = 8 << 20;
