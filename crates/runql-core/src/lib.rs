//! runql-core: the run data model of runql.
//!
//! Experiment runs live in a few normalized Arrow tables — `runs`, `params`, `metrics`,
//! `tags`, `models`, plus `metric_summary` and `runs_wide` computed at load ([`RunTables`],
//! built by [`TablesBuilder`]). Inputs arrive as a [`FileTree`] (a folder on disk, a browser
//! upload and a zip share one shape), and every load says what it read and what it skipped
//! in a [`LoadReport`]. The [`smoothing`] kernels are shared by SQL and charts; a [`Param`]
//! is a `$n` value on its way to SQL. [`transfer`] hands loaded tables from one WebAssembly module to
//! another as Arrow IPC. This crate reads no format and runs no SQL: the readers are
//! `runql-readers`, the SQL is `runql-sql`, and it compiles to `wasm32-unknown-unknown`.
//!
//! ```
//! use runql_core::{FileTree, TablesBuilder};
//! let mut tree = FileTree::new("upload");
//! tree.insert("runs/a/metrics.csv", b"step,loss\n0,0.5\n".to_vec());
//! assert_eq!(tree.len(), 1);
//! let tables = TablesBuilder::new().finish()?;
//! assert_eq!(tables.runs.num_rows(), 0);
//! # Ok::<(), runql_core::CoreError>(())
//! ```
//!
//! # See also
//! - `runql-readers`: the formats that fill these tables.
//! - `runql-sql`: DataFusion SQL over them.
//! - `runql`: the engine that puts loading, SQL and charts together.

pub mod error;
pub mod error_kind;
pub mod ipc_check;
pub mod limits;
pub mod live;
pub mod model;
pub mod param;
pub mod report;
pub mod smoothing;
pub mod timefmt;
pub mod transfer;
pub mod vfs;

pub use error::{CoreError, Result};
pub use error_kind::ErrorKind;
pub use model::{RunTables, TablesBuilder};
pub use param::Param;
pub use report::{Issue, LoadReport, ReportData, Severity, TableCounts};
pub use vfs::FileTree;
