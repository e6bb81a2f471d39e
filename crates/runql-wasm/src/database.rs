//! [`Database`]: one runql instance in JavaScript — the loaded tables and a read-only SQL
//! session over them.

use runql::{Engine, SessionOptions};
use runql_core::transfer::TablesDecoder;
use wasm_bindgen::prelude::*;

use crate::convert;
use crate::error::{Result, WasmError};
use crate::result::QueryResult;

/// A runql instance: tables of loaded runs, queried with SQL and drawn as charts.
///
/// This is the low-level binding. The `runql` JavaScript package wraps it as `RunQL`
/// (same instance, friendlier inputs: `File`, `FileList`, URLs); use that from pages.
///
/// The files themselves are read by the loader module (`runql-wasm-load`, fetched on the
/// first load), which hands the tables over as Arrow IPC: `stageTable` for each, then
/// `commitTables`. A failed hand-over leaves the previously loaded tables in place, so the
/// instance stays usable after a corrupt upload.
///
/// # JavaScript Examples
///
/// ```javascript
/// import init, { Database } from "./pkg/runql_wasm.js";
/// await init();
/// const db = new Database();
/// for (const name of loader.tableNames()) db.stageTable(name, loader.takeTable(name));
/// db.commitTables();
/// const result = db.query("SELECT count(*) AS n FROM runs", []);
/// ```
#[wasm_bindgen]
pub struct Database {
    engine: Engine,
    incoming: TablesDecoder,
}

impl Default for Database {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen]
impl Database {
    /// An empty instance: no tables until the first `commitTables`, all runql SQL
    /// functions available, read-only, one partition.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Database {
        crate::install_panic_hook();
        Database {
            engine: Engine::new(SessionOptions {
                target_partitions: 1,
                read_only: true,
                ..SessionOptions::default()
            }),
            incoming: TablesDecoder::new(),
        }
    }

    /// Takes table `name` of a load as an Arrow IPC stream in pieces (an array of
    /// `Uint8Array`s whose concatenation is the stream), as the loader module's `takeTable`
    /// hands it over; `commitTables` makes the staged tables the instance's. The pieces are
    /// copied once, into one allocation the arrays then stay in.
    ///
    /// # Errors
    /// `kind: "load"` when the pieces are not byte arrays, the memory for them cannot be
    /// had, or the bytes are not one of runql's tables (unknown name, cut short, corrupt,
    /// other columns); everything staged is dropped then.
    ///
    /// # JavaScript Examples
    ///
    /// ```javascript
    /// for (const name of loader.tableNames()) db.stageTable(name, loader.takeTable(name));
    /// db.commitTables();
    /// ```
    #[wasm_bindgen(js_name = stageTable)]
    pub fn stage_table(&mut self, name: &str, pieces: &js_sys::Array) -> Result<()> {
        let added =
            crate::handover::join_pieces(name, pieces).and_then(|ipc| Ok(self.incoming.add(name, ipc)?));
        if added.is_err() {
            self.clear_staged();
        }
        added
    }

    /// Drops the tables staged and not yet committed.
    #[wasm_bindgen(js_name = clearStaged)]
    pub fn clear_staged(&mut self) {
        self.incoming = TablesDecoder::new();
    }

    /// Makes the staged tables (all seven of a load) the instance's tables, replacing what
    /// was loaded before.
    ///
    /// # Errors
    /// `kind: "load"` naming a table that was not staged; the previous tables stay.
    #[wasm_bindgen(js_name = commitTables)]
    pub fn commit_tables(&mut self) -> Result<()> {
        let tables = std::mem::take(&mut self.incoming).finish()?;
        Ok(self.engine.set_tables(tables)?)
    }

    /// Applies a change of a watched source (`runql serve --watch`, `/live/changes`): the
    /// rows of `removedRuns` (every table keyed by `run_id`) and of `removedModels`
    /// (`models.origin`) go, and the staged tables (all seven, each the added rows) come.
    /// The other rows are not read again.
    ///
    /// # Errors
    /// `kind: "load"` naming a table that was not staged or has other columns; the
    /// previous tables stay.
    ///
    /// # JavaScript Examples
    ///
    /// ```javascript
    /// for (const [name, bytes] of Object.entries(change.tables)) db.stageTable(name, [bytes]);
    /// db.commitChanges(change.removed_runs, change.removed_models);
    /// ```
    #[wasm_bindgen(js_name = commitChanges)]
    pub fn commit_changes(&mut self, removed_runs: Vec<String>, removed_models: Vec<String>) -> Result<()> {
        let added = std::mem::take(&mut self.incoming).finish()?;
        let removal = runql_core::model::Removal {
            run_ids: removed_runs.into_iter().collect(),
            model_origins: removed_models.into_iter().collect(),
        };
        Ok(self.engine.apply_change(&removal, added)?)
    }

    /// Runs `sql` with `params` (`$1`, `$2`, ... — an array, or `undefined`) and returns
    /// the result. Runs inside a tokio current-thread runtime, so plans that spawn tasks
    /// (`UNION ALL`, ...) work.
    ///
    /// # Errors
    /// `kind` `sql`, `read_only`, `params` or `runtime`; the instance stays usable.
    ///
    /// # JavaScript Examples
    ///
    /// ```javascript
    /// const r = db.query("SELECT name FROM runs WHERE status = $1", ["FINISHED"]);
    /// console.log(r.numRows, r.columns());
    /// ```
    pub fn query(&self, sql: &str, params: JsValue) -> Result<QueryResult> {
        let params = convert::params_from_js(&params)?;
        Ok(QueryResult::new(self.engine.query(sql, &params)?))
    }

    /// Builds a chart from a spec (JSON; see the package's `ChartSpec`) over the loaded
    /// runs. Its query runs once; the handle then draws, picks and zooms without SQL.
    ///
    /// # Errors
    /// `kind: "chart"` for an invalid spec or undrawable data, `sql` when its query fails.
    ///
    /// # JavaScript Examples
    ///
    /// ```javascript
    /// const chart = db.chart('{"kind": "bar", "data": {"preset": "ranking", "metric": "val/loss"}}');
    /// document.body.insertAdjacentHTML("beforeend", chart.svg());
    /// ```
    pub fn chart(&self, spec_json: &str) -> Result<crate::chart::ChartHandle> {
        let spec = runql_chart::ChartSpec::from_json(spec_json)?;
        Ok(crate::chart::ChartHandle::new(self.engine.chart(spec)?))
    }

    /// Names of the loaded tables (empty before the first load).
    pub fn tables(&self) -> Vec<String> {
        match self.engine.tables() {
            Some(t) => t.tables().map(|(name, _)| name.to_owned()).collect(),
            None => Vec::new(),
        }
    }

    /// The columns of `table` as `[{name, type, nullable}]`.
    ///
    /// # Errors
    /// `kind: "sql"` when there is no such table.
    pub fn schema(&self, table: &str) -> Result<js_sys::Array> {
        let found = self.engine.tables().and_then(|t| t.tables().find(|(name, _)| *name == table));
        match found {
            Some((_, batch)) => Ok(convert::describe_schema(&batch.schema())),
            None => Err(WasmError::Sql(format!(
                "no table named {table:?}; tables: {}",
                if self.engine.tables().is_some() {
                    self.tables().join(", ")
                } else {
                    "none (nothing loaded yet)".into()
                }
            ))),
        }
    }
}
