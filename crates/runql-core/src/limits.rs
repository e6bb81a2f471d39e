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
