//! [`Database`]: one runql instance in JavaScript — staged inputs, the loaded tables and a
//! read-only SQL session over them.

use runql_core::synth::{SweepFormat, SweepSpec, write_sweep};
use runql_core::{FileTree, LoadOptions, LoadReport, RunTables, load};
use runql_sql::{Session, SessionOptions};
use wasm_bindgen::prelude::*;

use crate::archive::{self, ZipLimits};
use crate::convert;
use crate::error::{Result, WasmError};
use crate::progress::{self, ProgressScope};
use crate::report::report_to_js;
use crate::result::QueryResult;

/// A runql instance: load run data, then query it with SQL.
///
/// This is the low-level binding. The `runql` JavaScript package wraps it as `RunQL`
/// (same instance, friendlier inputs: `File`, `FileList`, URLs); use that from pages.
///
/// Loading is two-step: stage files (`stageFile`, `stageDemo`), then `commit`. A failed
/// stage or commit leaves the previously loaded tables in place, so the instance stays
/// usable after a corrupt upload.
///
/// # JavaScript Examples
///
/// ```javascript
/// import init, { Database } from "./pkg/runql_wasm.js";
/// await init();
/// const db = new Database();
/// db.stageFile("upload", "mlruns/0/meta.yaml", bytes, false);
/// const report = db.commit(false);
/// const result = db.query("SELECT count(*) AS n FROM runs", []);
/// ```
#[wasm_bindgen]
pub struct Database {
    session: Session,
    tables: Option<RunTables>,
    sources: Vec<FileTree>,
    staged: Vec<FileTree>,
    staged_issues: Vec<runql_core::Issue>,
    report: Option<LoadReport>,
    keep_inputs: bool,
}

impl Default for Database {
    fn default() -> Self {
        Self::new(true)
    }
}

#[wasm_bindgen]
impl Database {
    /// An empty instance: no tables until the first `commit`, all runql SQL functions
    /// available, read-only, one partition.
    ///
    /// `keep_inputs` keeps the loaded files' bytes so that `commit(append = true)` can
    /// load them again together with new ones; without it an instance needs about half
    /// the memory, and append is refused.
    #[wasm_bindgen(constructor)]
    pub fn new(keep_inputs: bool) -> Database {
        crate::install_panic_hook();
        Database {
            session: Session::new(SessionOptions { target_partitions: 1, read_only: true }),
            tables: None,
            sources: Vec::new(),
            staged: Vec::new(),
            staged_issues: Vec::new(),
            report: None,
            keep_inputs,
        }
    }

    /// Stages one file at `path` (relative, `/`-separated) in the tree named `origin`.
    ///
    /// With `unzip` set and `data` starting like a zip archive, the archive is unpacked
    /// into a tree of its own named `path` instead (entry count and sizes are capped).
    /// Returns the number of files staged.
    ///
    /// # Errors
    /// `kind: "load"` for a zip that cannot be read or is over the limits; everything
    /// staged so far is dropped then.
    ///
    /// # JavaScript Examples
    ///
    /// ```javascript
    /// db.stageFile("upload", "runs.zip", new Uint8Array(await file.arrayBuffer()), true);
    /// ```
    #[wasm_bindgen(js_name = stageFile)]
    pub fn stage_file(&mut self, origin: &str, path: &str, data: Vec<u8>, unzip: bool) -> Result<u32> {
        if unzip && archive::looks_like_zip(&data) {
            match archive::unzip(path, &data, &ZipLimits::default()) {
                Ok(out) => {
                    let n = out.tree.len();
                    self.staged.push(out.tree);
                    self.staged_issues.extend(out.issues);
                    return Ok(u32::try_from(n).unwrap_or(u32::MAX));
                }
                Err(e) => {
                    self.clear_staged();
                    return Err(e);
                }
            }
        }
        let tree = match self.staged.iter_mut().find(|t| t.origin() == origin) {
            Some(tree) => tree,
            None => {
                self.staged.push(FileTree::new(origin));
                let last = self.staged.len() - 1;
                self.staged.get_mut(last).ok_or_else(|| WasmError::Internal("staged tree vanished".into()))?
            }
        };
        tree.insert(path, data);
        Ok(1)
    }

    /// Stages the bundled demo sweep (`runql gen` in memory): `runs` runs with `metrics`
    /// metric keys of `steps` points each, from `seed`, written as `format` would write it
    /// (`"mlflow"` when omitted; also `"wandb"`, `"tensorboard"`, `"parquet"`, `"arrow"`), so
    /// every reader can be exercised and benchmarked in the browser. Returns
    /// `{points, files, bytes}`: what was staged.
    ///
    /// # Errors
    /// `kind: "input"` when the spec is out of range (see `runql gen`) or the format unknown.
    #[wasm_bindgen(js_name = stageDemo)]
    pub fn stage_demo(
        &mut self,
        runs: u32,
        metrics: u32,
        steps: u32,
        seed: u32,
        format: Option<String>,
    ) -> Result<JsValue> {
        let spec = SweepSpec {
            runs: runs as usize,
            metrics: metrics as usize,
            steps: steps as usize,
            seed: u64::from(seed),
        };
        let format: SweepFormat = match format.as_deref() {
            None => SweepFormat::Mlflow,
            Some(name) => name.parse().map_err(|e: runql_core::CoreError| WasmError::Input(e.to_string()))?,
        };
        let mut tree = FileTree::new("demo");
        let summary = write_sweep(&spec, format, &mut |path, bytes| {
            tree.insert(path, bytes.to_vec());
            Ok(())
        })
        .map_err(|e| WasmError::Input(e.to_string()))?;
        self.staged.push(tree);
        let staged = js_sys::Object::new();
        for (key, value) in [("points", summary.points), ("files", summary.files), ("bytes", summary.bytes)] {
            js_sys::Reflect::set(&staged, &key.into(), &JsValue::from_f64(value as f64))
                .map_err(|_| WasmError::Internal("could not build the stageDemo result".into()))?;
        }
        Ok(staged.into())
    }

    /// Drops everything staged and not yet committed.
    #[wasm_bindgen(js_name = clearStaged)]
    pub fn clear_staged(&mut self) {
        self.staged.clear();
        self.staged_issues.clear();
    }

    /// Loads what was staged — together with what is already loaded when `append` is set —
    /// and makes it the instance's tables. Returns the load report (see the package's
    /// `LoadReport` type).
    ///
    /// # Errors
    /// `kind: "load"` when nothing staged holds run data (or nothing was staged); the
    /// previous tables stay loaded and the staged files are dropped.
    ///
    /// `progress`, when a function, is called with `{filesDone, filesTotal, bytesDone,
    /// bytesTotal}` as files are parsed (at most every 50 ms, and once at the end).
    pub fn commit(&mut self, append: bool, progress: Option<js_sys::Function>) -> Result<JsValue> {
        let staged = std::mem::take(&mut self.staged);
        let staged_issues = std::mem::take(&mut self.staged_issues);
        if staged.is_empty() {
            return Err(WasmError::Load("nothing to load: no files were given".into()));
        }
        if append && !self.keep_inputs && self.tables.is_some() {
            return Err(WasmError::Input(
                "append needs the earlier inputs, and this instance was created with keepInputs: false"
                    .into(),
            ));
        }
        let mut trees = if append { std::mem::take(&mut self.sources) } else { Vec::new() };
        let kept = trees.len();
        trees.extend(staged);
        let _progress = ProgressScope::install(progress);
        let options = LoadOptions { progress: Some(&progress::forward), ..LoadOptions::default() };
        let mut loaded = match load(&trees, &options) {
            Ok(loaded) => loaded,
            Err(e) => {
                // Give the earlier inputs back so a later append still sees them.
                trees.truncate(kept);
                self.sources = trees;
                return Err(e.into());
            }
        };
        for issue in staged_issues {
            loaded.report.push(issue);
        }
        let fresh = Session::new(*self.session.options());
        fresh.register_tables(&loaded.tables)?;
        self.session = fresh;
        self.tables = Some(loaded.tables);
        // Keeping the inputs costs their size again next to the tables; only `append`
        // needs them.
        self.sources = if self.keep_inputs { trees } else { Vec::new() };
        let js = report_to_js(&loaded.report)?;
        self.report = Some(loaded.report);
        Ok(js)
    }

    /// The report of the last successful load, or `null` before any.
    ///
    /// # Errors
    /// `kind: "internal"` if the report cannot be converted.
    pub fn report(&self) -> Result<JsValue> {
        match &self.report {
            Some(r) => report_to_js(r),
            None => Ok(JsValue::NULL),
        }
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
        let result = runql_sql::block_on(self.session.query(sql, &params))??;
        Ok(QueryResult::new(result))
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
        let q = spec.query();
        let result = runql_sql::block_on(self.session.query(&q.sql, &q.params))??;
        let mut rows = runql_chart::data::Rows::new(result.schema, result.batches);
        if let Some(sql) = &q.series_sql {
            let series = runql_sql::block_on(self.session.query(sql, &[]))??;
            rows = rows.with_series_table(runql_chart::data::Rows::new(series.schema, series.batches));
        }
        Ok(crate::chart::ChartHandle::new(runql_chart::Chart::new(spec, rows)?))
    }

    /// Names of the loaded tables (empty before the first load).
    pub fn tables(&self) -> Vec<String> {
        match &self.tables {
            Some(t) => t.tables().map(|(name, _)| name.to_owned()).collect(),
            None => Vec::new(),
        }
    }

    /// The columns of `table` as `[{name, type, nullable}]`.
    ///
    /// # Errors
    /// `kind: "sql"` when there is no such table.
    pub fn schema(&self, table: &str) -> Result<js_sys::Array> {
        let found = self.tables.as_ref().and_then(|t| t.tables().find(|(name, _)| *name == table));
        match found {
            Some((_, batch)) => Ok(convert::describe_schema(&batch.schema())),
            None => Err(WasmError::Sql(format!(
                "no table named {table:?}; tables: {}",
                if self.tables.is_some() {
                    self.tables().join(", ")
                } else {
                    "none (nothing loaded yet)".into()
                }
            ))),
        }
    }
}
