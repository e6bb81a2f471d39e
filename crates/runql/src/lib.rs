//! runql: query and chart machine-learning experiment runs without a tracking server.
//!
//! An [`Engine`] holds the run tables (`runs`, `params`, `metrics`, `tags`, `models`,
//! `metric_summary`, `runs_wide`) and a read-only DataFusion session over them. It loads
//! tracker output ([`Engine::load`], feature `load`), answers SQL ([`Engine::query`]) and
//! draws charts from a [`ChartSpec`] ([`Engine::chart`]). The `runql` command and the
//! browser's query module (behind the JavaScript package and the Jupyter widget) go
//! through it.
//!
//! ```
//! use runql::{Engine, FileTree, LoadOptions, Param, SessionOptions};
//! let mut tree = FileTree::new("upload");
//! tree.insert("runs.csv", b"run_id,params.lr,metrics.val_loss\na,0.1,0.5\nb,0.01,0.25\n".to_vec());
//! let (engine, report) = Engine::load(&[tree], &LoadOptions::default(), SessionOptions::default())?;
//! println!("{report}");
//! let best = engine.query(
//!     "SELECT run_id FROM runs_wide ORDER BY \"metrics.val_loss\" LIMIT $1",
//!     &[Param::Int(1)],
//! )?;
//! assert_eq!(best.num_rows(), 1);
//! # Ok::<(), runql::EngineError>(())
//! ```
//!
//! The layers, each its own crate: [`core`] (the tables, file trees, reports, smoothing),
//! `runql-readers` (every format; re-exported as [`readers`] with feature `load`), [`sql`]
//! (the session, its functions, read-only mode and limits) and [`chart`] (specs, presets,
//! the chart kinds and their scenes).

mod engine;
mod error;

pub use engine::Engine;
pub use error::{EngineError, Result};
pub use runql_chart as chart;
pub use runql_chart::{Chart, ChartSpec, Scene};
pub use runql_core as core;
pub use runql_core::{FileTree, LoadReport, Param, RunTables};
#[cfg(feature = "load")]
pub use runql_readers as readers;
#[cfg(feature = "load")]
pub use runql_readers::{LoadOptions, LoadProgress};
pub use runql_sql as sql;
pub use runql_sql::{QueryLimits, QueryResult, SessionOptions};
