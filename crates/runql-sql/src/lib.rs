//! runql-sql: SQL over experiment runs, answered by Apache DataFusion.
//!
//! A [`Session`] registers the tables that `runql-readers` loads (`runs`, `params`, `metrics`,
//! `tags`, `metric_summary`, `runs_wide`, `models`) and adds what run analysis needs on top
//! of plain DataFusion SQL:
//! * smoothing window functions — `tb_ema` (TensorBoard), `twema` (W&B time-weighted EMA),
//!   `gaussian_smooth`, `running_avg` — used as `f(...) OVER (PARTITION BY run_id, key ORDER
//!   BY step)`;
//! * `arg_min(x, y)` / `arg_max(x, y)` aggregates ("step of the best value");
//! * `$1`-style parameters, so that a portal never pastes user text into SQL ([`params`]);
//! * read-only by default: no DDL, DML, `COPY` or `SET` unless the session is made writable
//!   ([`read_only`]);
//! * limits on what one query may take — nesting, memory, the size of values functions
//!   build — so that SQL from outside cannot crash the process or the WebAssembly instance
//!   ([`limits`], [`guard`]).
//!
//! The same code runs natively and in WebAssembly (use `target_partitions: 1` there, and
//! [`Session::sql_blocking`] or [`block_on`], because some plans spawn tokio tasks).
//!
//! ```no_run
//! use runql_readers::{load, FileTree, LoadOptions};
//! use runql_sql::{Session, SessionOptions};
//! use datafusion::scalar::ScalarValue;
//!
//! let loaded = load(&[FileTree::from_path("mlruns".as_ref())?], &LoadOptions::default())?;
//! let session = Session::with_tables(&loaded.tables, SessionOptions::default())?; // read-only
//! let ranking = session.sql_blocking(
//!     "SELECT r.name, s.last AS final_val_loss, s.min AS best, s.min_step
//!      FROM metric_summary s JOIN runs r USING (run_id)
//!      WHERE s.key = $1 ORDER BY final_val_loss LIMIT 10",
//!     &[ScalarValue::from("val/loss")],
//! )?;
//! println!("{} runs", ranking.num_rows());
//! # Ok::<(), runql_sql::SqlError>(())
//! ```
//!
//! # See also
//! - `runql-core`: the tables; `runql-readers`: the readers that fill them.
//! - `runql`: the engine that loads, queries and charts through this session.
//! - `tests/slt/` at the repository root: SQL logic tests that show every function.

pub mod error;
pub mod guard;
pub mod limits;
mod metrics_table;
pub mod params;
pub mod read_only;
pub mod session;
pub mod udf;

pub use datafusion;
pub use error::{Result, SqlError};
pub use limits::QueryLimits;
pub use session::{QueryResult, Session, SessionOptions, block_on, default_parallelism};
