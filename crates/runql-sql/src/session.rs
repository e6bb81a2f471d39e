//! [`Session`]: a DataFusion [`SessionContext`] with the run tables, runql's functions,
//! parameter binding and the read-only policy.

use std::future::Future;
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::{MemTable, TableProvider};
use datafusion::execution::memory_pool::{GreedyMemoryPool, TrackConsumersPool};
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::{DataFrame, SessionConfig, SessionContext};
use datafusion::scalar::ScalarValue;
use futures::StreamExt;
use runql_core::RunTables;

use crate::error::{Result, SqlError};
use crate::limits::{QueryLimits, human_bytes};
use crate::metrics_table::MetricsTable;
use crate::{guard, params, read_only, udf};

/// How a [`Session`] is set up.
///
/// The default is **read-only**, with the platform's [`QueryLimits`]: SQL that comes from
/// anywhere but the host program itself (a chart spec, a URL, a request, a notebook) can
/// then neither write files nor define tables, and one query cannot exhaust the process.
/// [`SessionOptions::writable`] is for a user who explicitly asks for more.
///
/// ```
/// use runql_sql::SessionOptions;
/// assert!(SessionOptions::default().read_only);
/// let embedded = SessionOptions { target_partitions: 1, ..SessionOptions::default() };
/// let scratch = SessionOptions::default().writable();
/// assert!(!scratch.read_only && embedded.read_only);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionOptions {
    /// How many partitions DataFusion plans for (and how many slices each table is cut
    /// into). Natively the default is the number of cores; WebAssembly uses 1. Values below
    /// 1 are treated as 1.
    pub target_partitions: usize,
    /// Refuse DDL, DML, `COPY` and session statements (see [`crate::read_only`]). On by
    /// default.
    pub read_only: bool,
    /// What one query may take (see [`QueryLimits`]).
    pub limits: QueryLimits,
}

impl SessionOptions {
    /// These options with DDL, DML, `COPY` and `SET` allowed: only when the user asked for
    /// it (`runql query --writable`).
    pub fn writable(self) -> Self {
        Self { read_only: false, ..self }
    }
}

impl Default for SessionOptions {
    fn default() -> Self {
        Self { target_partitions: default_parallelism(), read_only: true, limits: QueryLimits::default() }
    }
}

/// The number of cores natively, 1 in WebAssembly (and wherever it is unknown).
pub fn default_parallelism() -> usize {
    #[cfg(target_arch = "wasm32")]
    {
        1
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::thread::available_parallelism().map(std::num::NonZero::get).unwrap_or(1)
    }
}

/// The columns and rows of a query result. The schema is there even when no row is.
#[derive(Debug, Clone)]
pub struct QueryResult {
    /// Column names and types of the result.
    pub schema: SchemaRef,
    /// The rows, in batches (possibly none).
    pub batches: Vec<RecordBatch>,
}

impl QueryResult {
    /// Total number of rows over all batches.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// A SQL session over the run tables.
///
/// It registers the tables of a [`RunTables`] (`runs`, `params`, `metrics`, `tags`,
/// `metric_summary`, `runs_wide`, `models`) and runql's functions (see [`crate::udf`]), has
/// `information_schema` on, binds `$1`-style parameters, refuses anything but queries
/// unless it was made [writable](SessionOptions::writable), and holds every query to its
/// [`QueryLimits`].
///
/// ```
/// use runql_sql::{Session, SessionOptions};
/// use datafusion::scalar::ScalarValue;
///
/// let session = Session::new(SessionOptions { target_partitions: 1, ..SessionOptions::default() });
/// let result = session.sql_blocking(
///     "SELECT tb_ema(v, $1) OVER (ORDER BY i) AS s FROM (VALUES (0, 1.0), (1, 0.5), (2, 0.0)) t(i, v)",
///     &[ScalarValue::Float64(Some(0.6))],
/// )?;
/// assert_eq!(result.num_rows(), 3);
///
/// let refused = session.sql_blocking("CREATE TABLE t AS VALUES (1)", &[]).unwrap_err();
/// assert_eq!(refused.to_string(), "runql is read-only here: CREATE TABLE is not allowed");
///
/// let deep = format!("SELECT 1{}", "+1".repeat(800));
/// assert!(matches!(session.sql_blocking(&deep, &[]), Err(runql_sql::SqlError::Limit(_))));
/// # Ok::<(), runql_sql::SqlError>(())
/// ```
#[derive(Clone)]
pub struct Session {
    ctx: SessionContext,
    options: SessionOptions,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("options", &self.options).finish_non_exhaustive()
    }
}

impl Session {
    /// A session with no tables yet and all runql functions registered.
    pub fn new(options: SessionOptions) -> Self {
        let options = SessionOptions { target_partitions: options.target_partitions.max(1), ..options };
        let config = SessionConfig::new()
            .with_information_schema(true)
            .with_target_partitions(options.target_partitions);
        let ctx = SessionContext::new_with_config_rt(config, runtime(&options.limits));
        udf::register_all(&ctx);
        guard::functions::install(&ctx, options.limits.value_bytes());
        Self { ctx, options }
    }

    /// A session with `tables` registered.
    ///
    /// # Errors
    /// See [`Self::register_tables`].
    pub fn with_tables(tables: &RunTables, options: SessionOptions) -> Result<Self> {
        let session = Self::new(options);
        session.register_tables(tables)?;
        Ok(session)
    }

    /// Registers every table of `tables` under its name, replacing a table of that name.
    ///
    /// Each batch is cut into `target_partitions` zero-copy slices so that scans run in
    /// parallel natively.
    ///
    /// # Errors
    /// [`SqlError::DataFusion`] if DataFusion refuses a table.
    pub fn register_tables(&self, tables: &RunTables) -> Result<()> {
        for (name, batch) in tables.tables() {
            self.register_batch(name, batch.clone())?;
        }
        Ok(())
    }

    /// Registers one batch as table `name` (replacing a table of that name).
    ///
    /// # Errors
    /// [`SqlError::DataFusion`] if DataFusion refuses the table.
    pub fn register_batch(&self, name: &str, batch: RecordBatch) -> Result<()> {
        let schema = batch.schema();
        let batch_size = self.ctx.copied_config().batch_size();
        let partitions = split(&batch, self.options.target_partitions, batch_size);
        let table: Arc<dyn TableProvider> = match name {
            "metrics" => match MetricsTable::try_new(
                batch,
                partitions.clone(),
                batch_size,
                self.options.target_partitions,
            ) {
                Some(t) => Arc::new(t),
                None => Arc::new(MemTable::try_new(schema, partitions)?),
            },
            _ => Arc::new(MemTable::try_new(schema, partitions)?),
        };
        self.ctx.deregister_table(name)?;
        self.ctx.register_table(name, table)?;
        Ok(())
    }

    /// The options the session was built with.
    pub fn options(&self) -> &SessionOptions {
        &self.options
    }

    /// The DataFusion context, to register more tables or functions or to use the
    /// DataFrame API. SQL run directly on it bypasses the read-only check.
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Plans `sql` with `params` bound and the read-only policy applied, without running it.
    ///
    /// # Errors
    /// [`SqlError::DataFusion`] for SQL errors, [`SqlError::ReadOnly`] for a refused
    /// statement, [`SqlError::Params`] for parameter mismatches.
    pub async fn plan(&self, sql: &str, params: &[ScalarValue]) -> Result<LogicalPlan> {
        let limits = &self.options.limits;
        // Before parsing: a tree too deep to plan must never be built.
        guard::check_text(sql, limits)?;
        let plan = self.ctx.state().create_logical_plan(sql).await?;
        if self.options.read_only {
            read_only::check(&plan)?;
        }
        guard::check_plan(&plan, limits.max_plan_depth)?;
        params::bind(plan, params)
    }

    /// Plans `sql` like [`Self::plan`] and returns a DataFrame, for streaming or further
    /// DataFrame calls. DDL and `SET` are executed by this call (in a writable session).
    ///
    /// # Errors
    /// As [`Self::plan`]; also [`SqlError::Runtime`] outside a tokio runtime.
    pub async fn dataframe(&self, sql: &str, params: &[ScalarValue]) -> Result<DataFrame> {
        require_runtime()?;
        let plan = self.plan(sql, params).await?;
        Ok(self.ctx.execute_logical_plan(plan).await?)
    }

    /// Runs `sql` with `$1`-style `params` and returns the result with its schema.
    ///
    /// Must be awaited inside a tokio runtime (some plans spawn tasks); from synchronous
    /// code use [`Self::sql_blocking`].
    ///
    /// # Errors
    /// [`SqlError::DataFusion`] for SQL and execution errors, [`SqlError::ReadOnly`],
    /// [`SqlError::Params`], and [`SqlError::Runtime`] when no tokio runtime is running.
    pub async fn query(&self, sql: &str, params: &[ScalarValue]) -> Result<QueryResult> {
        let df = self.dataframe(sql, params).await?;
        let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
        let mut stream = df.execute_stream().await?;
        // The result itself is held to the memory limit too: a cross join of two large
        // tables must end in an error, not in an allocation failure.
        let budget = self.options.limits.memory_bytes;
        let mut held = 0usize;
        let mut batches = Vec::new();
        while let Some(batch) = stream.next().await {
            let batch = batch?;
            held = held.saturating_add(result_bytes(&batch));
            if held > budget {
                return Err(SqlError::Limit(format!(
                    "the result is larger than the session's memory limit of {} after {} rows; \
                     add a LIMIT or aggregate, or raise the limit (--memory-limit)",
                    human_bytes(budget),
                    batches.iter().map(RecordBatch::num_rows).sum::<usize>() + batch.num_rows()
                )));
            }
            batches.push(batch);
        }
        Ok(QueryResult { schema, batches })
    }

    /// Runs `sql` with `$1`-style `params` and returns the batches (see [`Self::query`]
    /// for the schema of an empty result).
    ///
    /// # Errors
    /// As [`Self::query`].
    pub async fn sql(&self, sql: &str, params: &[ScalarValue]) -> Result<Vec<RecordBatch>> {
        Ok(self.query(sql, params).await?.batches)
    }

    /// [`Self::query`] for synchronous callers: runs the query on a fresh tokio
    /// current-thread runtime (which WebAssembly needs too: plans such as `UNION ALL` spawn
    /// tasks).
    ///
    /// # Errors
    /// As [`Self::query`]; [`SqlError::Runtime`] if called from inside an async runtime
    /// (use [`Self::query`] there).
    pub fn sql_blocking(&self, sql: &str, params: &[ScalarValue]) -> Result<QueryResult> {
        block_on(self.query(sql, params))?
    }
}

/// The runtime of a session: DataFusion's defaults with a memory pool of the limit's size
/// (it names the five largest consumers when it refuses) — the pool
/// `RuntimeEnvBuilder::with_memory_limit` makes, without that builder's fallible `build`.
fn runtime(limits: &QueryLimits) -> Arc<RuntimeEnv> {
    let mut env = RuntimeEnv::default();
    let top = std::num::NonZeroUsize::MIN.saturating_add(4);
    env.memory_pool = Arc::new(TrackConsumersPool::new(GreedyMemoryPool::new(limits.memory_bytes), top));
    Arc::new(env)
}

/// The bytes a result batch adds: only the part of each buffer the batch covers, since
/// results of plain scans are slices of tables already in memory.
fn result_bytes(batch: &RecordBatch) -> usize {
    batch
        .columns()
        .iter()
        .map(|c| c.to_data().get_slice_memory_size().unwrap_or_else(|_| c.get_array_memory_size()))
        .sum()
}

/// Runs `future` to completion on a new tokio current-thread runtime.
///
/// ```
/// let answer = runql_sql::block_on(async { 42 })?;
/// assert_eq!(answer, 42);
/// # Ok::<(), runql_sql::SqlError>(())
/// ```
///
/// # Errors
/// [`SqlError::Runtime`] if the runtime cannot be built or if this is called from inside a
/// tokio runtime (where blocking would stall or panic).
pub fn block_on<F: Future>(future: F) -> Result<F::Output> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(SqlError::Runtime(
            "a blocking call was made from inside an async runtime; await the async method instead"
                .to_owned(),
        ));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| SqlError::Runtime(format!("cannot start a tokio runtime: {e}")))?;
    Ok(runtime.block_on(future))
}

/// DataFusion spawns tasks for some plans and panics without a tokio runtime; refuse early
/// with an error instead (a panic would kill a WebAssembly instance).
fn require_runtime() -> Result<()> {
    match tokio::runtime::Handle::try_current() {
        Ok(_) => Ok(()),
        Err(_) => Err(SqlError::Runtime(
            "queries must run inside a tokio runtime; use Session::sql_blocking or runql_sql::block_on"
                .to_owned(),
        )),
    }
}

/// Cuts `batch` into `partitions` contiguous ranges of batches of at most `batch_size` rows
/// (zero-copy slices). An empty batch stays one partition with one empty batch.
fn split(batch: &RecordBatch, partitions: usize, batch_size: usize) -> Vec<Vec<RecordBatch>> {
    let rows = batch.num_rows();
    let partitions = partitions.clamp(1, rows.max(1));
    let batch_size = batch_size.max(1);
    let per_partition = rows.div_ceil(partitions).max(1);
    let mut out = Vec::with_capacity(partitions);
    let mut start = 0;
    while start < rows {
        let end = (start + per_partition).min(rows);
        let mut slices = Vec::with_capacity((end - start).div_ceil(batch_size));
        let mut offset = start;
        while offset < end {
            let len = batch_size.min(end - offset);
            slices.push(batch.slice(offset, len));
            offset += len;
        }
        out.push(slices);
        start = end;
    }
    if out.is_empty() {
        out.push(vec![batch.clone()]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::Int64Array;

    fn batch(n: i64) -> RecordBatch {
        RecordBatch::try_from_iter([("x", Arc::new(Int64Array::from_iter_values(0..n)) as _)]).unwrap()
    }

    #[test]
    fn split_keeps_every_row_in_order() {
        for (rows, parts, size) in
            [(0, 4, 8192), (1, 4, 8192), (10, 4, 3), (10, 1, 100), (7, 7, 1), (5, 9, 2)]
        {
            let out = split(&batch(rows), parts, size);
            assert!(!out.is_empty() && out.len() <= parts.max(1));
            let xs: Vec<i64> = out
                .iter()
                .flatten()
                .flat_map(|b| {
                    let a = b.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
                    assert!(b.num_rows() <= size);
                    a.values().to_vec()
                })
                .collect();
            assert_eq!(xs, (0..rows).collect::<Vec<_>>(), "rows={rows} parts={parts} size={size}");
        }
    }

    #[test]
    fn blocking_inside_runtime_is_an_error_not_a_panic() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let inner = rt.block_on(async { block_on(async { 1 }) });
        assert!(matches!(inner, Err(SqlError::Runtime(_))));
    }
}
