//! runql-core: the run data model of runql and the readers that fill it.
//!
//! Readers turn experiment-tracker exports into a few normalized Arrow tables — `runs`,
//! `params`, `metrics`, `tags`, plus `metric_summary` and `runs_wide` computed at load — and
//! report every file or line they could not use. Everything works on a [`FileTree`], so a
//! folder on disk, a browser upload and a zip share one code path. This crate has no SQL
//! engine and no browser bindings, and it compiles to `wasm32-unknown-unknown`.
//!
//! ```no_run
//! use runql_core::{load, FileTree, LoadOptions};
//! let tree = FileTree::from_path(std::path::Path::new("mlruns"))?;
//! let loaded = load(&[tree], &LoadOptions::default())?;
//! println!("{}", loaded.report);
//! println!("{} metric points", loaded.tables.metrics.num_rows());
//! # Ok::<(), runql_core::CoreError>(())
//! ```
//!
//! # Features
//! - `readers` (default): the readers and writers of every input format. Without it the
//!   crate is the data model, the load report and [`transfer`] (loaded tables as Arrow IPC
//!   streams) — what `runql-sql`, `runql-chart` and the browser's query module need.
//! - `parallel`: parse files on all cores (native only).
//!
//! # See also
//! - `runql-sql`: DataFusion SQL over these tables.
//! - `runql-cli`: the `runql` command.

// The data model, the load report and the table hand-over: always built, so the SQL and
// chart crates (and the browser's query module) carry no reader code.
pub mod error;
// The file readers use all of it; the table hand-over only the stream check.
#[cfg_attr(not(feature = "readers"), allow(dead_code))]
mod ipc_check;
pub mod limits;
pub mod model;
pub mod report;
pub mod timefmt;
pub mod transfer;
pub mod vfs;

pub use error::{CoreError, Result};
pub use model::{RunTables, TablesBuilder};
pub use report::{Issue, LoadReport, Severity, TableCounts};
pub use vfs::FileTree;

// Readers and writers (feature `readers`, on by default).
#[cfg(feature = "readers")]
mod batch;
#[cfg(feature = "readers")]
pub mod columnar;
#[cfg(feature = "readers")]
pub mod detect;
#[cfg(feature = "readers")]
pub mod generic;
#[cfg(feature = "readers")]
pub mod json_lenient;
#[cfg(feature = "readers")]
pub mod load;
#[cfg(feature = "readers")]
pub mod mlflow;
#[cfg(feature = "readers")]
pub mod mlflow_json;
#[cfg(feature = "readers")]
pub mod mlflow_sqlite;
#[cfg(feature = "readers")]
pub mod neptune;
#[cfg(feature = "readers")]
pub mod optuna;
#[cfg(feature = "readers")]
pub mod runql_tables;
#[cfg(feature = "readers")]
pub mod synth;
#[cfg(feature = "readers")]
pub mod tensorboard;
#[cfg(feature = "readers")]
mod text_lines;
#[cfg(feature = "readers")]
pub mod wandb;

#[cfg(feature = "readers")]
pub use detect::Format;
#[cfg(feature = "readers")]
pub use load::{LoadOptions, LoadProgress, Loaded, load};
