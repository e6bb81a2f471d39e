//! Reader for MLflow run data saved as JSON, recognized by content (not only by name):
//!
//! - REST API responses as users save them from `curl`: `runs/search` (`{"runs": [...],
//!   "next_page_token": …}`, **latest metric values only**), `runs/get` (`{"run": …}`) and
//!   `metrics/get-history` (`{"metrics": [...]}`, the full history of one key; see
//!   [`history`] for how a history file is tied to its run). A history replaces the latest
//!   value the search response had for that run and key; pages of one key are appended.
//! - mlflow-export-import's `run.json` (`{"system": …, "mlflow": {"info", "params",
//!   "metrics": {key: [points]}, "tags"}}`, full histories; older exports without the
//!   `mlflow` wrapper too), and the manifests of a complete export: `experiment.json`
//!   (`{"mlflow": {"experiment": {…, "name"}, "runs": [ids]}}`) names the experiment of its
//!   runs (`runs.project`), and a run it lists that the load does not hold is a warning;
//!   `experiments.json` (the export's summary) names experiments too. Either reports runs
//!   the export says failed.
//!
//! - The rest of a server's answers, as `runql-remote` saves them while reading a live
//!   server (and as users save them): `experiments/search` (`{"experiments": [...]}`) names
//!   the experiments of the runs (`runs.project`); `model-versions/search`,
//!   `registered-models/search` (aliases) and MLflow 3's `logged-models/search` fill the
//!   `models` table ([`models`]).
//!
//! Values follow protobuf JSON: int64 as numbers or strings, NaN/±infinity as `"NaN"`,
//! `"Infinity"`, `"-Infinity"` (bare `NaN` tokens are accepted too); a missing step is 0.
//! Runs map like the file store's: `name` from `run_name` (else tag `mlflow.runName`),
//! `parent_run_id` from tag `mlflow.parentRunId`; the REST API does not name the
//! experiment, so `project` stays empty unless an export manifest names it. A file that looks like one of these but is not
//! JSON (truncated, corrupt) is reported with its line and column; a JSON file of another
//! shape is left to the other readers.
//!
//! A `runs/search` that matched nothing is saved as `{}` (protobuf JSON omits empty
//! fields), or as `{"next_page_token": …}` only. Such a document says nothing by itself, so
//! it is taken as an empty search response only when its file name says so (`search` in
//! the name: `runs_search.json`, `search-page2.json`, …): it loads as zero runs with a
//! warning in the report. Anywhere else an empty object is left to the other readers.

pub mod history;
pub mod models;
pub mod run;
pub mod values;

use std::collections::{BTreeMap, HashMap};

use crate::json_lenient::{self, JsonValue};
use crate::reader::{ReadContext, Reader};
use runql_core::error::Result;
use runql_core::model::{MetricSeries, RunData, RunInfo};
use runql_core::report::LoadReport;
use runql_core::vfs::FileTree;

/// The name this format has in reports.
pub const FORMAT_NAME: &str = "mlflow-json";

/// This format in the [registry](crate::registry).
pub(crate) const READER: Reader = Reader {
    name: FORMAT_NAME,
    hint: "MLflow JSON (a REST runs/search or metrics/get-history response, an mlflow-export-import run.json)",
    detect,
    read,
};

/// Bytes read from the start of a candidate file to recognize it.
const SNIFF_BYTES: usize = 64 << 10;

/// Largest JSON file parsed: parsing holds the whole document as a tree (several times the
/// file's size), so larger files are refused before they are read.
pub const MAX_JSON_BYTES: u64 = 256 << 20;

fn is_candidate(tree: &FileTree, path: &str) -> bool {
    tree.len() == 1 || path.to_ascii_lowercase().ends_with(".json")
}

/// True when `head` (a file's first bytes) looks like an MLflow run or history document.
///
/// ```
/// use runql_readers::mlflow::json::looks_like_mlflow_json;
/// assert!(looks_like_mlflow_json(br#"{"runs": [{"info": {"run_id": "r1"}, "data": {}}]}"#));
/// assert!(looks_like_mlflow_json(br#"{"metrics": [{"key": "loss", "value": 0.5, "step": 1}]}"#));
/// assert!(!looks_like_mlflow_json(br#"{"run_id": "r1", "key": "loss", "value": 0.5}"#));
/// ```
pub fn looks_like_mlflow_json(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if !text.starts_with('{') {
        return false;
    }
    let has = |s: &str| text.contains(s);
    let first_key = |k: &str| text.get(1..).is_some_and(|t| t.trim_start().starts_with(k));
    (has("\"info\"") && (has("\"run_id\"") || has("\"run_uuid\"")))
        || (has("\"system\"") && has("\"mlflow\"") && (has("\"experiment\"") || has("\"experiments\"")))
        || first_key("\"runs\"")
        || (first_key("\"metrics\"") && has("\"key\"") && has("\"value\""))
        || (first_key("\"experiments\"") && has("\"experiment_id\""))
        || first_key("\"registered_models\"")
        || first_key("\"model_versions\"")
        || (first_key("\"models\"") && has("\"model_id\""))
}

/// True when the file name says the file is a `runs/search` response (`search` in it).
///
/// ```
/// use runql_readers::mlflow::json::named_like_search;
/// assert!(named_like_search("responses/runs_search.json"));
/// assert!(named_like_search("Search-Page2.json"));
/// assert!(!named_like_search("search/other.json"));
/// ```
pub fn named_like_search(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.to_ascii_lowercase().contains("search")
}

/// True when `doc` is what a `runs/search` that matched nothing returns: an object with
/// no field but (perhaps) `next_page_token`.
///
/// ```
/// use runql_readers::json_lenient::parse;
/// use runql_readers::mlflow::json::is_empty_search;
/// assert!(is_empty_search(&parse(b"{}").unwrap()));
/// assert!(is_empty_search(&parse(br#"{"next_page_token": "x"}"#).unwrap()));
/// assert!(!is_empty_search(&parse(br#"{"other": 1}"#).unwrap()));
/// assert!(!is_empty_search(&parse(b"[]").unwrap()));
/// ```
pub fn is_empty_search(doc: &JsonValue) -> bool {
    matches!(doc, JsonValue::Object(entries) if entries.iter().all(|(k, _)| k == "next_page_token"))
}

/// A file small enough to be an empty response, named like a search, whose head parses
/// as one (the head is the whole file: such a response is a few bytes).
fn sniff_empty_search(tree: &FileTree, path: &str) -> bool {
    named_like_search(path)
        && tree.size(path).is_some_and(|s| s <= SNIFF_BYTES as u64)
        && tree
            .head(path, SNIFF_BYTES)
            .is_ok_and(|h| json_lenient::parse(&h).is_ok_and(|d| is_empty_search(&d)))
}

fn sniff(tree: &FileTree, path: &str) -> bool {
    is_candidate(tree, path)
        && (tree.head(path, SNIFF_BYTES).is_ok_and(|h| looks_like_mlflow_json(&h))
            || sniff_empty_search(tree, path))
}

/// True when some `.json` file starts like an MLflow REST response or export.
pub fn detect(tree: &FileTree) -> bool {
    tree.paths().any(|p| sniff(tree, p))
}

/// What a parsed document is.
enum Doc<'a> {
    /// Run objects (search results, one fetched run, one exported run).
    Runs(Vec<&'a JsonValue>, bool),
    /// A get-history response.
    History,
    /// A `runs/search` response that matched nothing (see the module doc); true when it
    /// has a `next_page_token`.
    EmptySearch(bool),
    /// An export's `experiment.json`: the experiment, and the ids of its runs.
    Experiment(&'a JsonValue, Option<&'a JsonValue>),
    /// An export's `experiments.json`: `{id, name, ok_runs, failed_runs}` per experiment.
    Experiments(&'a [JsonValue]),
    /// An `experiments/search` answer: `{experiment_id, name, …}` per experiment.
    SearchedExperiments(&'a [JsonValue]),
    /// A model registry or logged-models answer (see [`models`]).
    Models,
}

fn classify<'a>(doc: &'a JsonValue, path: &str) -> Option<Doc<'a>> {
    let more = doc.get("next_page_token").and_then(JsonValue::as_str).is_some_and(|t| !t.is_empty());
    if named_like_search(path) && is_empty_search(doc) {
        return Some(Doc::EmptySearch(more));
    }
    if let Some(JsonValue::Array(runs)) = doc.get("runs") {
        return Some(Doc::Runs(runs.iter().collect(), more));
    }
    if let Some(run) = doc.get("run").filter(|r| r.get("info").is_some()) {
        return Some(Doc::Runs(vec![run], false));
    }
    if let Some(m) = doc.get("mlflow") {
        if let Some(e) = m.get("experiment").filter(|e| e.get("experiment_id").is_some()) {
            return Some(Doc::Experiment(e, m.get("runs")));
        }
        if let Some(JsonValue::Array(list)) = m.get("experiments") {
            return Some(Doc::Experiments(list));
        }
    }
    if let Some(run) = doc.get("mlflow").filter(|r| r.get("info").is_some()) {
        return Some(Doc::Runs(vec![run], false));
    }
    if let Some(JsonValue::Array(list)) = doc.get("experiments")
        && list.iter().all(|e| e.get("experiment_id").is_some())
    {
        return Some(Doc::SearchedExperiments(list));
    }
    if models::is_models(doc) {
        return Some(Doc::Models);
    }
    if doc.get("info").is_some_and(|i| i.get("run_id").is_some() || i.get("run_uuid").is_some()) {
        return Some(Doc::Runs(vec![doc], false));
    }
    history::is_history(doc).then_some(Doc::History)
}

/// `(step, timestamp, value)` points of one history, in file order.
type Points = Vec<(i64, Option<i64>, f64)>;

/// Runs read so far, by id, and history points waiting for their runs.
#[derive(Default)]
struct Acc {
    runs: Vec<RunData>,
    index: HashMap<String, usize>,
    /// (run id, key) → points in file order, and the file that first had them.
    history: BTreeMap<(String, String), (Points, String)>,
    /// Experiment id → name, from an export's manifests.
    experiments: HashMap<String, String>,
    /// Run ids an export's `experiment.json` lists, and that file.
    listed: Vec<(String, String)>,
    /// Registry versions and logged models.
    models: models::Models,
}

/// An id written as a JSON string or number.
fn id_text(v: Option<&JsonValue>) -> Option<String> {
    match v? {
        JsonValue::Str(s) => Some(s.clone()),
        JsonValue::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

/// Warns when an export manifest says runs failed to export.
fn warn_failed_runs(failed: u64, shown: &str, report: &mut LoadReport) {
    if failed > 0 {
        report.warn(
            shown,
            None,
            format!("the export says {failed} runs failed to export: they are not in it"),
        );
    }
}

/// Reads every MLflow JSON document in `tree` into `builder`, recording problems in
/// `report` and adding the files it read to `claimed`.
///
/// # Errors
/// Only a failure to build Arrow data; problems with files are reported, not raised.
pub(crate) fn read(cx: ReadContext<'_>) -> Result<()> {
    let ReadContext { tree, builder, report, progress, claimed, .. } = cx;
    let files: Vec<String> =
        tree.paths().filter(|p| !claimed.contains(*p) && sniff(tree, p)).map(str::to_string).collect();
    let mut acc = Acc::default();
    for path in files {
        let shown = tree.display_path(&path);
        let size = tree.size(&path).unwrap_or(0);
        if size > MAX_JSON_BYTES {
            claimed.insert(path.clone());
            progress.advance(1, size);
            report.skip(
                shown,
                None,
                format!("{size} bytes is over the {MAX_JSON_BYTES}-byte limit for a JSON file"),
            );
            continue;
        }
        let bytes = match tree.read(&path) {
            Ok(b) => b,
            Err(err) => {
                claimed.insert(path.clone());
                report.skip(shown, None, err.to_string());
                continue;
            }
        };
        let doc = match json_lenient::parse(&bytes) {
            Ok(d) => d,
            Err(err) => {
                // It started like an MLflow document: most likely a truncated download.
                claimed.insert(path.clone());
                progress.advance(1, size);
                report.skip(shown, (err.line > 0).then_some(err.line), format!("not JSON: {err}"));
                continue;
            }
        };
        let Some(kind) = classify(&doc, &path) else { continue };
        claimed.insert(path.clone());
        progress.advance(1, size);
        report.files_read += 1;
        report.bytes_read += bytes.len() as u64;
        match kind {
            Doc::Runs(runs, more) => {
                if more {
                    report.warn(
                        shown.as_str(),
                        None,
                        "the response has a next_page_token: runs on later pages are not in this file",
                    );
                }
                if runs.is_empty() {
                    report.warn(shown.as_str(), None, "no runs in this response");
                }
                for r in runs {
                    add_run(r, &shown, &mut acc, report);
                }
            }
            Doc::EmptySearch(more) => {
                let page = if more {
                    " on this page (it has a next_page_token: later pages are not in this file)"
                } else {
                    ""
                };
                report.warn(
                    shown.as_str(),
                    None,
                    format!("an empty runs/search response: no runs{page} (MLflow omits empty fields, so a search that matched nothing is saved as `{{}}`)"),
                );
            }
            Doc::Experiment(e, runs) => {
                if let (Some(id), Some(name)) =
                    (id_text(e.get("experiment_id")), e.get("name").and_then(JsonValue::as_str))
                {
                    acc.experiments.insert(id, name.to_string());
                }
                if let Some(JsonValue::Object(tags)) = e.get("tags") {
                    report.ignore("mlflow-export-import experiment tags (not tabulated)", tags.len() as u64);
                }
                if let Some(JsonValue::Array(ids)) = runs {
                    acc.listed.extend(
                        ids.iter().filter_map(JsonValue::as_str).map(|id| (id.to_string(), shown.clone())),
                    );
                }
                let failed =
                    doc.get("info").and_then(|i| i.get("num_failed_runs")).and_then(JsonValue::as_i64);
                warn_failed_runs(failed.and_then(|n| u64::try_from(n).ok()).unwrap_or(0), &shown, report);
            }
            Doc::Experiments(list) => {
                let mut failed = 0u64;
                for e in list {
                    if let (Some(id), Some(name)) =
                        (id_text(e.get("id")), e.get("name").and_then(JsonValue::as_str))
                    {
                        acc.experiments.entry(id).or_insert_with(|| name.to_string());
                    }
                    let n =
                        e.get("failed_runs").and_then(JsonValue::as_i64).and_then(|n| u64::try_from(n).ok());
                    failed = failed.saturating_add(n.unwrap_or(0));
                }
                warn_failed_runs(failed, &shown, report);
            }
            Doc::SearchedExperiments(list) => {
                for e in list {
                    if let (Some(id), Some(name)) =
                        (id_text(e.get("experiment_id")), e.get("name").and_then(JsonValue::as_str))
                    {
                        acc.experiments.entry(id).or_insert_with(|| name.to_string());
                    }
                }
            }
            Doc::Models => {
                let bad = acc.models.bad;
                acc.models.add(&doc, &shown);
                if acc.models.bad > bad {
                    report.skip(
                        shown.as_str(),
                        None,
                        format!("{} models without a name, version or model id", acc.models.bad - bad),
                    );
                }
            }
            Doc::History => {
                let h = history::parse_history(&doc, &path);
                if h.bad > 0 {
                    report.skip(
                        shown.as_str(),
                        None,
                        format!("{} metric points without a key or a number", h.bad),
                    );
                }
                if h.without_run > 0 {
                    report.skip(
                        shown.as_str(),
                        None,
                        format!(
                            "{} metric points of an unknown run: no run_id in the points or the file, and no 32-hex run id in the file or folder name",
                            h.without_run
                        ),
                    );
                }
                for (run, key, step, ts, value) in h.points {
                    let entry = acc.history.entry((run, key)).or_insert_with(|| (Vec::new(), shown.clone()));
                    entry.0.push((step, ts, value));
                }
            }
        }
    }
    for (run_id, shown) in std::mem::take(&mut acc.listed) {
        if !acc.index.contains_key(&run_id) {
            report.warn(
                shown,
                None,
                format!("run {run_id} is listed here, but no run.json of it is in the load"),
            );
        }
    }
    let (models, dangling) = std::mem::take(&mut acc.models).finish();
    for model in models {
        builder.add_model(model);
    }
    report.ignore("MLflow registry aliases of versions not in the load (a registry saved in part)", dangling);
    let runs = finish(acc);
    crate::batch::add_parsed(runs, FORMAT_NAME, builder, report)?;
    Ok(())
}

fn add_run(r: &JsonValue, shown: &str, acc: &mut Acc, report: &mut LoadReport) {
    match run::parse_run(r, shown) {
        Err(why) => report.skip(shown, None, why),
        Ok((run, bad)) => {
            if bad > 0 {
                report.skip(
                    shown,
                    None,
                    format!("run {}: {bad} metric points without a key or a number", run.info.run_id),
                );
            }
            if let Some(&i) = acc.index.get(&run.info.run_id) {
                let first = acc.runs.get(i).map(|r| r.info.origin.clone()).unwrap_or_default();
                report.skip(shown, None, format!("run {} was already read from {first}", run.info.run_id));
                return;
            }
            acc.index.insert(run.info.run_id.clone(), acc.runs.len());
            acc.runs.push(run);
        }
    }
}

/// Puts each history into its run (replacing the latest-only value of a search response),
/// creating a bare run for histories of runs no other file describes.
fn finish(mut acc: Acc) -> Vec<RunData> {
    for ((run_id, key), (points, origin)) in std::mem::take(&mut acc.history) {
        let i = match acc.index.get(&run_id) {
            Some(&i) => i,
            None => {
                let info =
                    RunInfo { run_id: run_id.clone(), source: "mlflow".into(), origin, ..RunInfo::default() };
                acc.index.insert(run_id, acc.runs.len());
                acc.runs.push(RunData { info, ..RunData::default() });
                acc.runs.len() - 1
            }
        };
        let Some(run) = acc.runs.get_mut(i) else { continue };
        let mut series = MetricSeries::new(key);
        for (step, ts, value) in points {
            series.push(step, ts, value);
        }
        run.metrics.retain(|s| s.key != series.key);
        run.metrics.push(series);
    }
    for run in &mut acc.runs {
        if run.info.project.is_none() {
            let name = run.info.experiment_id.as_ref().and_then(|id| acc.experiments.get(id));
            run.info.project = name.cloned();
        }
    }
    acc.runs
}
