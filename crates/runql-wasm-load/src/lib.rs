//! runql-wasm-load: the loader module of runql in the browser.
//!
//! **The examples in this crate are JavaScript**: this is the second WebAssembly module of
//! the `runql` npm package (`packages/runql/` in the repository), built next to the query
//! module (`runql-wasm`) by `scripts/build-wasm.sh`. A page fetches it on its first load,
//! not at start: the readers of every format (SQLite, Parquet, zstd, protobuf, zip, the demo
//! generator) are about a quarter of runql's code, and a page that only queries and charts
//! data it was handed never needs them.
//!
//! - [`Loader`] stages files (`stageFile`, which also unpacks `.zip` uploads with limits
//!   against zip bombs, and `stageDemo`), parses them on `commit` and returns the load
//!   report, then hands each table over as an Arrow IPC stream in pieces (`takeTable`):
//!   views of its framing and of the table's own buffers in this module's memory, which
//!   the query module's `Database.stageTable` copies once, into the buffer the table then
//!   lives in.
//! - Errors reach JavaScript as `Error`s with `name: "RunQLError"` and a `kind`
//!   ([`LoadError::kind`]), the same kinds as the query module's.
//!
//! # JavaScript Examples
//!
//! ```javascript
//! import { RunQL } from "runql";
//! const db = await RunQL.init();          // the query module only
//! const report = await db.load(files);    // fetches this module once, then loads
//! ```
//!
//! # See also
//! - `runql-readers`: the readers; `runql_core::transfer`: the table hand-over.
//! - `runql-wasm`: the query module.

pub mod archive;
pub mod error;
pub mod handover;
pub mod loader;
mod progress;
pub mod report;

pub use error::{LoadError, Result};
pub use loader::Loader;

use wasm_bindgen::prelude::*;

/// Logs panics to the console once per module (they trap the instance; library code
/// returns errors instead, so a panic is a bug worth reporting).
pub(crate) fn install_panic_hook() {
    runql_wasm_shared::install_panic_hook("runql loader");
}

/// The runql version this module was built from (the package checks it against the query
/// module's, so a page never pairs modules from two builds).
#[wasm_bindgen(js_name = loaderVersion)]
pub fn loader_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
