//! runql-readers: experiment-tracker exports into runql's Arrow tables.
//!
//! Every format is recognized by content and read from a [`FileTree`], so a folder on disk,
//! a browser upload and a zip share one code path. Each load returns the tables and a
//! [`LoadReport`] of what was read, what was ignored (benign leftovers of the trackers) and
//! every skipped file or line with the reason. The formats, by tracker:
//!
//! | module | reads |
//! |---|---|
//! | [`mlflow::file_store`] | MLflow's `mlruns/` folders, MLflow 1.x–3.x |
//! | [`mlflow::sqlite`] | MLflow's SQLite tracking store (`mlflow.db`) |
//! | [`mlflow::json`] | MLflow REST responses and mlflow-export-import `run.json` |
//! | [`wandb`] | W&B run folders (`.wandb` logs, `files/`) and sweep configs |
//! | [`tensorboard`] | TensorBoard event files |
//! | [`optuna`] | Optuna journal storage files |
//! | [`neptune`] | neptune-exporter Parquet |
//! | [`tables`] | plain long/wide CSV, JSONL, Parquet and Arrow tables; MLflow UI and W&B panel CSV downloads |
//! | [`runql_tables`] | runql's own tables, as `runql convert` writes them |
//!
//! All of them are listed once, in [`registry::READERS`].
//!
//! ```no_run
//! use runql_readers::{load, FileTree, LoadOptions};
//! let tree = FileTree::from_path(std::path::Path::new("mlruns"))?;
//! let loaded = load(&[tree], &LoadOptions::default())?;
//! println!("{}", loaded.report);
//! println!("{} metric points", loaded.tables.metrics.num_rows());
//! # Ok::<(), runql_readers::CoreError>(())
//! ```
//!
//! # Features
//! - `parallel`: parse files on all cores (native only).

// Shared by the readers.
mod batch;
mod progress;
mod text_lines;
pub mod yaml;
// The encodings they decode (runql-codecs), where the readers use them.
pub use runql_codecs::{columnar, json_lenient};

// The formats.
pub mod mlflow;
pub mod neptune;
pub mod optuna;
pub mod runql_tables;
pub mod sqlite;
pub mod tables;
pub mod tensorboard;
pub mod trackio;
pub mod wandb;

// One list of them, and the load over it.
pub mod load;
pub mod reader;
pub mod registry;

pub use load::{LoadOptions, LoadProgress, Loaded, load};
pub use registry::{READERS, Reader};
// The model the readers fill, so that one import serves a caller that loads.
pub use runql_core::{
    CoreError, FileTree, Issue, LoadReport, Result, RunTables, Severity, TableCounts, TablesBuilder,
};
