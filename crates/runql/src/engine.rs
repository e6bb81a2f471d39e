//! [`Engine`]: loaded run tables and a SQL session over them, and the one place where a
//! chart spec becomes SQL, rows and a chart.

use runql_chart::data::Rows;
use runql_chart::{Chart, ChartSpec};
use runql_core::{Param, RunTables};
use runql_sql::{QueryResult, Session, SessionOptions};

use crate::error::Result;

/// Run tables and a SQL session over them.
///
/// The `runql` command and the browser's query module (behind the JavaScript package and the
/// Jupyter widget) answer queries and draw charts through an engine, so a chart spec means
/// the same SQL and the same picture everywhere.
///
/// ```
/// use runql::{Engine, Param, SessionOptions};
/// # let tables = runql::core::TablesBuilder::new().finish()?;
/// let engine = Engine::with_tables(tables, SessionOptions::default())?;
/// let result = engine.query("SELECT count(*) AS n FROM runs WHERE status = $1", &[Param::from("FINISHED")])?;
/// assert_eq!(result.num_rows(), 1);
/// # Ok::<(), runql::EngineError>(())
/// ```
pub struct Engine {
    session: Session,
    tables: Option<RunTables>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("options", self.session.options())
            .field("tables", &self.tables.as_ref().map(RunTables::counts))
            .finish()
    }
}

impl Engine {
    /// An engine with no tables yet (queries see none until [`Engine::set_tables`]).
    pub fn new(options: SessionOptions) -> Engine {
        Engine { session: Session::new(options), tables: None }
    }

    /// An engine over `tables`.
    ///
    /// # Errors
    /// [`EngineError::Sql`](crate::EngineError::Sql) when a table cannot be registered.
    pub fn with_tables(tables: RunTables, options: SessionOptions) -> Result<Engine> {
        let session = Session::with_tables(&tables, options)?;
        Ok(Engine { session, tables: Some(tables) })
    }

    /// Loads `trees` with every reader and gives an engine over the result, with the load's
    /// report (counts, and every skipped file or line with the reason).
    ///
    /// ```
    /// use runql::{Engine, FileTree, LoadOptions, SessionOptions};
    /// let mut tree = FileTree::new("upload");
    /// tree.insert("metrics.csv", b"run_id,key,step,value\nr1,loss,0,0.5\nr1,loss,1,0.25\n".to_vec());
    /// let (engine, report) = Engine::load(&[tree], &LoadOptions::default(), SessionOptions::default())?;
    /// assert_eq!(report.rows.metrics, 2);
    /// assert_eq!(engine.query("SELECT * FROM metrics", &[])?.num_rows(), 2);
    /// # Ok::<(), runql::EngineError>(())
    /// ```
    ///
    /// # Errors
    /// [`EngineError::Load`](crate::EngineError::Load) when the input holds no run data
    /// or cannot be read as a whole; as [`Engine::with_tables`].
    #[cfg(feature = "load")]
    pub fn load(
        trees: &[runql_core::FileTree],
        load: &runql_readers::LoadOptions<'_>,
        options: SessionOptions,
    ) -> Result<(Engine, runql_core::LoadReport)> {
        let loaded = runql_readers::load(trees, load)?;
        Ok((Engine::with_tables(loaded.tables, options)?, loaded.report))
    }

    /// Replaces the tables queries see: a fresh session with the same options, so tables
    /// registered through [`Engine::session`] are gone too.
    ///
    /// # Errors
    /// [`EngineError::Sql`](crate::EngineError::Sql) when a table cannot be registered; the
    /// engine keeps its old tables then.
    pub fn set_tables(&mut self, tables: RunTables) -> Result<()> {
        let session = Session::new(*self.session.options());
        session.register_tables(&tables)?;
        self.session = session;
        self.tables = Some(tables);
        Ok(())
    }

    /// Applies a change of a watched source (`runql serve --watch`): the rows `removal`
    /// names go, the rows of `added` come, as [`RunTables::replace`] does; `runs_wide` is
    /// built again with the default column cap. With no tables yet, `added` becomes them.
    ///
    /// ```
    /// use runql::{Engine, SessionOptions};
    /// use runql::core::model::{MetricSeries, Removal, RunData, RunInfo, TablesBuilder};
    /// let run = |points: i64| {
    ///     let mut b = TablesBuilder::new();
    ///     let mut loss = MetricSeries::new("loss");
    ///     (0..points).for_each(|s| loss.push(s, None, 0.5));
    ///     let info = RunInfo { run_id: "r1".into(), source: "mlflow".into(), origin: "mlruns/0/r1".into(), ..Default::default() };
    ///     b.add_run(RunData { info, metrics: vec![loss], ..Default::default() }).unwrap();
    ///     b.finish().unwrap()
    /// };
    /// let mut engine = Engine::with_tables(run(2), SessionOptions::default())?;
    /// engine.apply_change(&Removal::runs(["r1"]), run(3))?;
    /// let n = engine.query("SELECT count(*) AS n FROM metrics", &[])?;
    /// assert_eq!(n.num_rows(), 1);
    /// assert_eq!(engine.tables().unwrap().metrics.num_rows(), 3);
    /// # Ok::<(), runql::EngineError>(())
    /// ```
    ///
    /// # Errors
    /// [`EngineError::Load`](crate::EngineError::Load) when `added` has other columns than
    /// the tables; [`EngineError::Sql`](crate::EngineError::Sql) as for
    /// [`Engine::set_tables`]. The engine keeps its tables then.
    pub fn apply_change(&mut self, removal: &runql_core::model::Removal, added: RunTables) -> Result<()> {
        let tables = match &self.tables {
            Some(current) => {
                current.replace(removal, &added, runql_core::model::wide::DEFAULT_MAX_COLUMNS)?.0
            }
            None => added,
        };
        self.set_tables(tables)
    }

    /// The tables, once there are any.
    pub fn tables(&self) -> Option<&RunTables> {
        self.tables.as_ref()
    }

    /// The SQL session (for what the engine does not wrap: plans, async queries, extra
    /// tables).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Runs `sql` with `params` bound to `$1`, `$2`, … and collects the result, within the
    /// session's read-only mode and limits.
    ///
    /// # Errors
    /// [`EngineError::Sql`](crate::EngineError::Sql): the query does not plan, is refused
    /// (read-only, limits), its parameters do not bind, or it fails while running.
    pub fn query(&self, sql: &str, params: &[Param]) -> Result<QueryResult> {
        let params: Vec<_> = params.iter().map(runql_sql::params::scalar).collect();
        Ok(self.session.sql_blocking(sql, &params)?)
    }

    /// The rows a chart spec draws: its SQL (a preset's or the spec's own) with its
    /// parameters, plus the per-series table some presets ask for.
    ///
    /// # Errors
    /// As [`Engine::query`].
    pub fn chart_rows(&self, spec: &ChartSpec) -> Result<Rows> {
        let q = spec.query();
        let result = self.query(&q.sql, &q.params)?;
        let mut rows = Rows::new(result.schema, result.batches);
        if let Some(sql) = &q.series_sql {
            let series = self.query(sql, &[])?;
            rows = rows.with_series_table(Rows::new(series.schema, series.batches));
        }
        Ok(rows)
    }

    /// Builds the chart `spec` describes over the loaded runs: its query runs once, and the
    /// chart then draws, picks and zooms without SQL.
    ///
    /// ```
    /// use runql::{ChartSpec, Engine, FileTree, LoadOptions, SessionOptions};
    /// let mut tree = FileTree::new("upload");
    /// tree.insert("metrics.csv", b"run_id,key,step,value\nr1,loss,0,0.5\nr1,loss,1,0.25\n".to_vec());
    /// let (engine, _) = Engine::load(&[tree], &LoadOptions::default(), SessionOptions::default())?;
    /// let spec = ChartSpec::from_json(r#"{"kind": "line", "data": {"preset": "curves", "metric": "loss"}}"#)?;
    /// let mut chart = engine.chart(spec)?;
    /// assert!(chart.svg()?.contains("<polyline"));
    /// # Ok::<(), runql::EngineError>(())
    /// ```
    ///
    /// # Errors
    /// [`EngineError::Chart`](crate::EngineError::Chart) for an invalid spec or rows it
    /// cannot draw; as [`Engine::query`] when its query fails.
    pub fn chart(&self, spec: ChartSpec) -> Result<Chart> {
        // An invalid spec is refused before its SQL runs (`Chart::new` checks it again, for
        // callers that bring their own rows; the check is cheap).
        spec.validate()?;
        let rows = self.chart_rows(&spec)?;
        Ok(Chart::new(spec, rows)?)
    }
}
