//! runql-wasm: runql in the browser.
//!
//! **The examples in this crate are JavaScript**: it is the WebAssembly binding behind the
//! `runql` npm package (`packages/runql/` in the repository), built with
//! `scripts/build-wasm.sh`. It is the only runql crate that uses wasm-bindgen.
//!
//! - [`Database`] holds loaded run data and a read-only DataFusion session
//!   (`target_partitions: 1`); queries run on a tokio current-thread runtime, so plans that
//!   spawn tasks (`UNION ALL`, window functions) work in the browser.
//! - Files are read by the loader module (`runql-wasm-load`), a second WebAssembly module
//!   the package fetches on the first load, so a page starts with the query engine alone;
//!   the loader hands the tables over as Arrow IPC (`stageTable`, `commitTables`), and a
//!   failed load keeps the previous tables.
//! - [`QueryResult`] gives the rows as typed arrays for JavaScript objects, or as Arrow
//!   IPC bytes for `apache-arrow`.
//! - Errors reach JavaScript as `Error`s with `name: "RunQLError"` and a `kind`
//!   ([`WasmError::kind`]); library code returns errors and does not panic.
//!
//! # JavaScript Examples
//!
//! ```javascript
//! import { RunQL } from "runql";
//! const db = await RunQL.init();
//! const report = await db.load(document.querySelector("input[webkitdirectory]").files);
//! const result = await db.query(
//!   `SELECT r.name, s.last AS final_val_loss FROM metric_summary s JOIN runs r USING (run_id)
//!    WHERE s.key = $1 ORDER BY final_val_loss LIMIT 10`, ["val/loss"]);
//! console.table(result.toArray());
//! ```
//!
//! # See also
//! - `runql`: the engine [`Database`] wraps (queries and charts).
//! - `runql-core`: the tables, and `runql_core::transfer` (the table hand-over).
//! - `runql-wasm-load`: the loader module.
//! - `runql-sql`: the SQL session and runql's functions.

mod canvas;
pub mod chart;
pub mod convert;
pub mod database;
pub mod error;
mod handover;
pub mod result;

pub use chart::ChartHandle;
pub use database::Database;
pub use error::{Result, WasmError};
pub use result::QueryResult;

use wasm_bindgen::prelude::*;

/// Sends panic messages to `console.error` (diagnostics only: a panic still ends the
/// WebAssembly instance, and runql returns errors instead of panicking).
pub(crate) fn install_panic_hook() {
    runql_wasm_shared::install_panic_hook("runql");
}

/// The version of the runql crates this module was built from.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
