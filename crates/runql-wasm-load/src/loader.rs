//! [`Loader`]: staged inputs, the readers, and the loaded tables waiting to be handed to the
//! query module.

use runql_readers::{FileTree, Issue, LoadOptions, LoadReport, load};
use runql_synth::{SweepFormat, SweepSpec, SweepSummary, write_sweep};
use wasm_bindgen::prelude::*;

use crate::archive::{self, ZipLimits};
use crate::error::{LoadError, Result};
use crate::handover::PendingTables;
use crate::progress::{self, ProgressScope};
use crate::report::report_to_js;

/// Reads run data for one runql instance.
///
/// Loading is: stage files (`stageFile`, `stageDemo`), `commit` (parse them: returns the
/// load report), hand each table over (`tableNames`, `takeTable`: Arrow IPC streams the
/// query module's `Database.stageTable` takes), then `finish(accepted)`. Until `finish`
/// accepts a load, the inputs of the previous one are what `append` builds on, so a load
/// the query module refused leaves things as they were.
///
/// The `runql` JavaScript package drives this; pages do not need it directly.
///
/// # JavaScript Examples
///
/// ```javascript
/// import initLoader, { Loader } from "./pkg/runql_load.js";
/// await initLoader();
/// const loader = new Loader(false);
/// loader.stageFile("upload", "mlruns/0/meta.yaml", bytes, false);
/// const report = loader.commit(false, undefined);
/// for (const name of loader.tableNames()) db.stageTable(name, loader.takeTable(name));
/// db.commitTables();
/// loader.finish(true);
/// ```
#[wasm_bindgen]
pub struct Loader {
    /// Inputs of the accepted loads, for `append` (empty unless `keep_inputs`).
    sources: Vec<FileTree>,
    staged: Vec<FileTree>,
    staged_issues: Vec<Issue>,
    pending: Option<Pending>,
    keep_inputs: bool,
    /// Whether a load was accepted: `append` without kept inputs is refused after one.
    loaded: bool,
}

/// A committed load that `finish` has not settled yet.
struct Pending {
    tables: PendingTables,
    /// Every input of the load: with `append`, the earlier inputs first (`kept` of them).
    trees: Vec<FileTree>,
    kept: usize,
    /// The earlier inputs a load without `append` replaces, given back if it is refused.
    replaced: Vec<FileTree>,
}

#[wasm_bindgen]
impl Loader {
    /// An empty loader. `keep_inputs` keeps the loaded files' bytes so that a later
    /// `commit(append = true)` can read them again together with new ones.
    #[wasm_bindgen(constructor)]
    pub fn new(keep_inputs: bool) -> Loader {
        crate::install_panic_hook();
        Loader {
            sources: Vec::new(),
            staged: Vec::new(),
            staged_issues: Vec::new(),
            pending: None,
            keep_inputs,
            loaded: false,
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
    #[wasm_bindgen(js_name = stageFile)]
    pub fn stage_file(&mut self, origin: &str, path: &str, data: Vec<u8>, unzip: bool) -> Result<u32> {
        if unzip && archive::looks_like_zip(&data) {
            return match archive::unzip(path, &data, &ZipLimits::default()) {
                Ok(out) => {
                    let n = out.tree.len();
                    self.staged.push(out.tree);
                    self.staged_issues.extend(out.issues);
                    Ok(u32::try_from(n).unwrap_or(u32::MAX))
                }
                Err(e) => {
                    self.clear_staged();
                    Err(e)
                }
            };
        }
        match self.staged.iter_mut().find(|t| t.origin() == origin) {
            Some(tree) => tree.insert(path, data),
            None => {
                let mut tree = FileTree::new(origin);
                tree.insert(path, data);
                self.staged.push(tree);
            }
        }
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
        let summary = self.stage_sweep(&spec, format.as_deref())?;
        let staged = js_sys::Object::new();
        for (key, value) in [("points", summary.points), ("files", summary.files), ("bytes", summary.bytes)] {
            js_sys::Reflect::set(&staged, &key.into(), &JsValue::from_f64(value as f64))
                .map_err(|_| LoadError::Internal("could not build the stageDemo result".into()))?;
        }
        Ok(staged.into())
    }

    /// Drops everything staged and not yet committed.
    #[wasm_bindgen(js_name = clearStaged)]
    pub fn clear_staged(&mut self) {
        self.staged.clear();
        self.staged_issues.clear();
    }

    /// Parses what was staged — together with the inputs of the accepted loads when
    /// `append` is set — and returns the load report (see the package's `LoadReport`
    /// type). The tables then wait for `takeTable`; a load that was committed and not
    /// finished is refused first.
    ///
    /// `progress`, when a function, is called with `{filesDone, filesTotal, bytesDone,
    /// bytesTotal}` as files are parsed (at most every 50 ms, and once at the end).
    ///
    /// # Errors
    /// `kind: "load"` when nothing staged holds run data (or nothing was staged); the
    /// staged files are dropped and the earlier inputs kept. `kind: "input"` for `append`
    /// on a loader without `keepInputs` that already loaded something.
    pub fn commit(&mut self, append: bool, progress: Option<js_sys::Function>) -> Result<JsValue> {
        let _progress = ProgressScope::install(progress);
        let options = LoadOptions { progress: Some(&progress::forward), ..LoadOptions::default() };
        let report = self.load_staged(append, &options)?;
        report_to_js(&report)
    }

    /// Names of the committed tables not yet taken, in registration order.
    #[wasm_bindgen(js_name = tableNames)]
    pub fn table_names(&self) -> Vec<String> {
        self.pending.as_ref().map(|p| p.tables.names()).unwrap_or_default()
    }

    /// Table `name` of the committed load as an Arrow IPC stream in pieces (an array of
    /// `Uint8Array`s whose concatenation is the stream), for the query module's
    /// `Database.stageTable`.
    ///
    /// The pieces are views of the loader's memory, not copies: hand them on at once. They
    /// hold their bytes until `finish`, but any later call on the loader may grow its memory,
    /// which empties every view (a query module given emptied views refuses the table as
    /// cut short).
    ///
    /// # Errors
    /// `kind: "input"` when no committed table of that name is waiting.
    #[wasm_bindgen(js_name = takeTable)]
    pub fn take_table(&mut self, name: &str) -> Result<js_sys::Array> {
        Ok(crate::handover::memory_views(self.take_table_pieces(name)?))
    }

    /// Settles the committed load: `accepted` once the query module holds its tables
    /// (the inputs become what `append` builds on), otherwise the earlier inputs are
    /// restored. Tables not taken are dropped. Does nothing when no load is pending.
    pub fn finish(&mut self, accepted: bool) {
        let Some(Pending { tables, mut trees, kept, replaced }) = self.pending.take() else {
            return;
        };
        drop(tables);
        self.loaded |= accepted;
        self.sources = match (accepted, self.keep_inputs) {
            // Keeping the inputs costs their size again next to the tables; only `append`
            // needs them.
            (true, true) => trees,
            (true, false) => Vec::new(),
            (false, _) if kept > 0 => {
                trees.truncate(kept);
                trees
            }
            (false, _) => replaced,
        };
    }
}

/// The loader's work without JavaScript types, so that it is the same natively (and tested
/// there).
impl Loader {
    /// `takeTable` without the JavaScript views: table `name` as Arrow IPC stream pieces.
    ///
    /// # Errors
    /// As `takeTable`.
    pub fn take_table_pieces(&mut self, name: &str) -> Result<&[arrow_buffer::Buffer]> {
        let Some(pending) = self.pending.as_mut() else {
            return Err(LoadError::Input(format!("no table {name:?} is waiting: nothing was committed")));
        };
        pending.tables.take(name)
    }

    /// Stages the demo sweep of `spec` written as `format` (MLflow when `None`).
    ///
    /// # Errors
    /// [`LoadError::Input`] for a spec out of range or an unknown format.
    pub fn stage_sweep(&mut self, spec: &SweepSpec, format: Option<&str>) -> Result<SweepSummary> {
        let format: SweepFormat = match format {
            None => SweepFormat::Mlflow,
            Some(name) => name.parse().map_err(|e: runql_core::CoreError| LoadError::Input(e.to_string()))?,
        };
        let mut tree = FileTree::new("demo");
        let summary = write_sweep(spec, format, &mut |path, bytes| {
            tree.insert(path, bytes.to_vec());
            Ok(())
        })
        .map_err(|e| LoadError::Input(e.to_string()))?;
        self.staged.push(tree);
        Ok(summary)
    }

    /// `commit` without the JavaScript report: parses what was staged (with the accepted
    /// inputs when `append`) and keeps the tables for `take_table`.
    ///
    /// # Errors
    /// As `commit`.
    pub fn load_staged(&mut self, append: bool, options: &LoadOptions<'_>) -> Result<LoadReport> {
        self.finish(false);
        let staged = std::mem::take(&mut self.staged);
        let staged_issues = std::mem::take(&mut self.staged_issues);
        if staged.is_empty() {
            return Err(LoadError::Load("nothing to load: no files were given".into()));
        }
        if append && !self.keep_inputs && self.loaded {
            return Err(LoadError::Input(
                "append needs the earlier inputs, and this instance was created with keepInputs: false"
                    .into(),
            ));
        }
        let (mut trees, replaced) = if append {
            (std::mem::take(&mut self.sources), Vec::new())
        } else {
            (Vec::new(), std::mem::take(&mut self.sources))
        };
        let kept = trees.len();
        trees.extend(staged);
        let mut loaded = match load(&trees, options) {
            Ok(loaded) => loaded,
            Err(e) => {
                trees.truncate(kept);
                self.sources = if append { trees } else { replaced };
                return Err(e.into());
            }
        };
        for issue in staged_issues {
            loaded.report.push(issue);
        }
        if !self.keep_inputs {
            // Nothing reads them again (no `append`, and a refused load restores no inputs
            // then): their memory goes back before the tables are handed over.
            trees = Vec::new();
        }
        self.pending = Some(Pending { tables: PendingTables::new(loaded.tables), trees, kept, replaced });
        Ok(loaded.report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sweep(runs: usize, seed: u64) -> SweepSpec {
        SweepSpec { runs, metrics: 3, steps: 5, seed }
    }

    /// Stages a sweep of `runs` runs, commits it, hands every table over and settles the
    /// load with `accept`; returns the runs the load held.
    fn load_sweep(loader: &mut Loader, runs: usize, seed: u64, append: bool, accept: bool) -> Result<u64> {
        loader.stage_sweep(&sweep(runs, seed), None)?;
        let report = loader.load_staged(append, &LoadOptions::default())?;
        for name in loader.table_names() {
            assert!(!loader.take_table_pieces(&name)?.is_empty(), "{name}");
        }
        assert!(loader.table_names().is_empty());
        loader.finish(accept);
        Ok(report.rows.runs)
    }

    #[test]
    fn append_reads_the_accepted_inputs_again() {
        let mut loader = Loader::new(true);
        assert_eq!(load_sweep(&mut loader, 2, 1, false, true).unwrap(), 2);
        assert_eq!(load_sweep(&mut loader, 3, 2, true, true).unwrap(), 5);
        assert_eq!(load_sweep(&mut loader, 1, 3, false, true).unwrap(), 1, "without append, a load replaces");
    }

    #[test]
    fn a_refused_load_leaves_the_earlier_inputs() {
        let mut loader = Loader::new(true);
        load_sweep(&mut loader, 2, 1, false, true).unwrap();
        assert_eq!(load_sweep(&mut loader, 3, 2, true, false).unwrap(), 5);
        assert_eq!(load_sweep(&mut loader, 4, 3, true, true).unwrap(), 6, "the refused 3 runs are gone");
        assert_eq!(load_sweep(&mut loader, 1, 4, false, false).unwrap(), 1);
        assert_eq!(
            load_sweep(&mut loader, 1, 5, true, true).unwrap(),
            7,
            "a refused replacement keeps the 6"
        );
    }

    #[test]
    fn a_failed_load_keeps_the_inputs_and_drops_what_was_staged() {
        let mut loader = Loader::new(true);
        load_sweep(&mut loader, 2, 1, false, true).unwrap();
        loader.stage_file("upload", "notes.txt", b"hello".to_vec(), false).unwrap();
        let err = loader.load_staged(false, &LoadOptions::default()).unwrap_err();
        assert_eq!(err.kind().as_str(), "load");
        assert!(err.to_string().starts_with("no run data found in upload"), "{err}");
        assert_eq!(load_sweep(&mut loader, 1, 2, true, true).unwrap(), 3);
    }

    #[test]
    fn a_new_commit_refuses_the_one_not_finished() {
        let mut loader = Loader::new(true);
        load_sweep(&mut loader, 2, 1, false, true).unwrap();
        loader.stage_sweep(&sweep(3, 2), None).unwrap();
        loader.load_staged(true, &LoadOptions::default()).unwrap();
        loader.take_table_pieces("runs").unwrap();
        // No finish: the next commit settles the pending load as refused first.
        assert_eq!(load_sweep(&mut loader, 1, 3, true, true).unwrap(), 3);
    }

    #[test]
    fn without_kept_inputs_append_is_refused_after_a_load() {
        let mut loader = Loader::new(false);
        assert_eq!(load_sweep(&mut loader, 2, 1, true, true).unwrap(), 2, "nothing loaded yet: a plain load");
        let err = load_sweep(&mut loader, 1, 2, true, true).unwrap_err();
        assert_eq!(err.kind().as_str(), "input");
        assert!(err.to_string().contains("keepInputs: false"), "{err}");
        assert!(loader.sources.is_empty(), "no inputs kept");
        assert_eq!(load_sweep(&mut loader, 1, 2, false, true).unwrap(), 1);
    }

    #[test]
    fn nothing_staged_and_unknown_names_are_errors() {
        let mut loader = Loader::new(true);
        assert_eq!(loader.load_staged(false, &LoadOptions::default()).unwrap_err().kind().as_str(), "load");
        assert_eq!(loader.take_table_pieces("runs").unwrap_err().kind().as_str(), "input");
        assert_eq!(loader.stage_sweep(&sweep(1, 1), Some("csv")).unwrap_err().kind().as_str(), "input");
        assert_eq!(loader.stage_sweep(&sweep(0, 1), None).unwrap_err().kind().as_str(), "input");
    }

    #[test]
    fn a_bad_zip_drops_everything_staged() {
        let mut loader = Loader::new(true);
        loader.stage_sweep(&sweep(1, 1), None).unwrap();
        let err =
            loader.stage_file("upload", "runs.zip", b"PK\x03\x04 not really".to_vec(), true).unwrap_err();
        assert_eq!(err.kind().as_str(), "load");
        assert_eq!(
            loader.load_staged(false, &LoadOptions::default()).unwrap_err().to_string(),
            "nothing to load: no files were given"
        );
    }
}
