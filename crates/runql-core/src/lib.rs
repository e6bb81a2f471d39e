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
//! # See also
//! - `runql-sql`: DataFusion SQL over these tables.
//! - `runql-cli`: the `runql` command.

mod batch;
pub mod columnar;
pub mod detect;
pub mod error;
pub mod generic;
pub mod json_lenient;
pub mod load;
pub mod mlflow;
pub mod mlflow_json;
pub mod mlflow_sqlite;
pub mod model;
pub mod neptune;
pub mod optuna;
pub mod report;
pub mod runql_tables;
pub mod synth;
pub mod tensorboard;
mod text_lines;
pub mod timefmt;
pub mod vfs;
pub mod wandb;

pub use detect::Format;
pub use error::{CoreError, Result};
pub use load::{LoadOptions, LoadProgress, Loaded, load};
pub use model::{RunTables, TablesBuilder};
pub use report::{Issue, LoadReport, Severity, TableCounts};
pub use vfs::FileTree;
