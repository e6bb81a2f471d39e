//! MLflow JSON written by mlflow itself (scripts/fixtures/make_mlflow_json_fixtures.py):
//! REST `runs/search` and `metrics/get-history` bodies and mlflow-export-import `run.json`
//! files, all from the SQLite fixture store, must load as mlflow read that store
//! (tests/fixtures/mlflow-sqlite/expected.json).

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMillisecondType;
use common::*;
use runql_readers::{FileTree, LoadOptions, Loaded, Severity};
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn load_path(path: PathBuf) -> Loaded {
    runql_readers::load(&[FileTree::from_path(&path).unwrap()], &LoadOptions::default()).unwrap()
}

fn expected() -> Value {
    serde_json::from_slice(&std::fs::read(fixtures().join("mlflow-sqlite/expected.json")).unwrap()).unwrap()
}

fn num(v: &Value) -> f64 {
    let f = match v {
        Value::String(s) if s == "NaN" => f64::NAN,
        other => other.as_f64().unwrap(),
    };
    // The SQL store returns ±infinity as ±f64::MAX; runql maps it back.
    if f.abs() == f64::MAX { f.signum() * f64::INFINITY } else { f }
}

fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

fn pairs(batch: &arrow_array::RecordBatch, run_id: &str) -> BTreeMap<String, Option<String>> {
    let runs = strings(batch, "run_id");
    let keys = strings(batch, "key");
    let values = strings(batch, "value");
    (0..batch.num_rows())
        .filter(|&i| runs[i].as_deref() == Some(run_id))
        .map(|i| (keys[i].clone().unwrap(), values[i].clone()))
        .collect()
}

fn object(v: &Value) -> BTreeMap<String, Option<String>> {
    v.as_object().unwrap().iter().map(|(k, v)| (k.clone(), Some(v.as_str().unwrap().to_string()))).collect()
}

/// Checks every run of expected.json that `l` holds: attributes, params, tags and (when
/// `full`) the whole history, else the latest point only. Returns how many runs.
fn check_runs(l: &Loaded, full: bool) -> usize {
    let runs = &l.tables.runs;
    let ids = strings(runs, "run_id");
    let created = runs.column_by_name("created_at").unwrap().as_primitive::<TimestampMillisecondType>();
    let ended = runs.column_by_name("ended_at").unwrap().as_primitive::<TimestampMillisecondType>();
    let mut n = 0;
    for run in expected()["runs"].as_array().unwrap() {
        let id = run["run_id"].as_str().unwrap();
        let Some(i) = ids.iter().position(|r| r.as_deref() == Some(id)) else { continue };
        n += 1;
        let attr = |c: &str| strings(runs, c)[i].clone();
        assert_eq!(attr("name").as_deref(), run["run_name"].as_str(), "{id} name");
        assert_eq!(attr("status").as_deref(), run["status"].as_str(), "{id} status");
        assert_eq!(attr("lifecycle").as_deref(), run["lifecycle_stage"].as_str(), "{id} lifecycle");
        assert_eq!(attr("experiment_id").as_deref(), run["experiment_id"].as_str(), "{id} exp");
        assert_eq!(attr("user").as_deref(), run["user_id"].as_str(), "{id} user");
        assert_eq!(attr("parent_run_id").as_deref(), run["tags"]["mlflow.parentRunId"].as_str());
        assert_eq!(created.is_valid(i).then(|| created.value(i)), run["start_time"].as_i64());
        assert_eq!(ended.is_valid(i).then(|| ended.value(i)), run["end_time"].as_i64());
        assert_eq!(pairs(&l.tables.params, id), object(&run["params"]), "{id} params");
        assert_eq!(pairs(&l.tables.tags, id), object(&run["tags"]), "{id} tags");
        for (key, history) in run["metric_history"].as_object().unwrap() {
            let got = points(l, id, key);
            let want: Vec<&Value> = if full {
                history.as_array().unwrap().iter().collect()
            } else {
                vec![&run["latest_metrics"][key]]
            };
            assert_eq!(got.len(), want.len(), "{id} {key}");
            for (g, w) in got.iter().zip(want) {
                let ok = g.0 == w[0].as_i64().unwrap() && g.1 == w[1].as_i64() && same(g.2, num(&w[2]));
                assert!(ok, "{id} {key}: {g:?} vs {w}");
            }
        }
    }
    n
}

#[test]
fn runs_search_alone_gives_every_run_with_latest_values() {
    let l = load_path(fixtures().join("mlflow-json/rest/runs_search.json"));
    assert_eq!(l.report.issue_count(Severity::Skipped), 0, "{}", l.report);
    let all = expected()["runs"].as_array().unwrap().len();
    assert_eq!(check_runs(&l, false), all);
    assert_eq!(l.tables.runs.num_rows(), all);
    assert_eq!(l.report.formats.get("mlflow-json"), Some(&(all as u64)));
}

#[test]
fn runs_search_with_history_files_gives_full_histories() {
    let l = load_path(fixtures().join("mlflow-json/rest"));
    assert_eq!(l.report.issue_count(Severity::Skipped), 0, "{}", l.report);
    assert_eq!(check_runs(&l, true), expected()["runs"].as_array().unwrap().len());
    let sqlite = load_path(fixtures().join("mlflow-sqlite/mlflow.db"));
    assert_eq!(l.tables.metrics.num_rows(), sqlite.tables.metrics.num_rows());
}

#[test]
fn history_files_alone_make_runs_from_their_names() {
    let l = load_path(fixtures().join("mlflow-json/rest/history"));
    assert_eq!(l.report.issue_count(Severity::Skipped), 0, "{}", l.report);
    let sqlite = load_path(fixtures().join("mlflow-sqlite/mlflow.db"));
    assert_eq!(l.tables.metrics.num_rows(), sqlite.tables.metrics.num_rows());
    assert_eq!(l.tables.runs.num_rows(), sqlite.tables.runs.num_rows());
}

#[test]
fn export_import_run_json_gives_full_histories() {
    let l = load_path(fixtures().join("mlflow-json/export"));
    assert_eq!(l.report.issue_count(Severity::Skipped), 0, "{}", l.report);
    assert_eq!(check_runs(&l, true), 3);
    assert_eq!(l.tables.runs.num_rows(), 3);
}

/// A complete mlflow-export-import export (`export_experiments`): the runs mlflow lists as
/// active, each under the name of its experiment (from `experiment.json`), and nothing
/// skipped.
#[test]
fn a_complete_export_names_each_runs_experiment() {
    let want = expected();
    let names: BTreeMap<&str, &str> = want["experiments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["experiment_id"].as_str().unwrap(), e["name"].as_str().unwrap()))
        .collect();
    let mut want_runs: Vec<(String, String)> = want["runs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["lifecycle_stage"] == "active")
        .map(|r| {
            (r["run_id"].as_str().unwrap().to_owned(), names[r["experiment_id"].as_str().unwrap()].to_owned())
        })
        .collect();
    want_runs.sort();

    let l = load_path(fixtures().join("mlflow-json/export-all"));
    let ids = strings(&l.tables.runs, "run_id");
    let projects = strings(&l.tables.runs, "project");
    let mut got: Vec<(String, String)> =
        ids.into_iter().zip(projects).map(|(id, p)| (id.unwrap(), p.unwrap_or_default())).collect();
    got.sort();
    assert_eq!(got, want_runs);
    assert!(skipped(&l).is_empty(), "{:?}", skipped(&l));
    assert!(warnings(&l).is_empty(), "{:?}", warnings(&l));
    assert_eq!(l.report.ignored.get("mlflow-export-import experiment tags (not tabulated)"), Some(&1));
}

/// A run the manifest lists whose run.json is missing, and runs the export says failed, are
/// warnings naming the manifest.
#[test]
fn an_export_missing_runs_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export-all");
    copy_dir(&fixtures().join("mlflow-json/export-all"), &export);
    let gone = "b8134e77a4c9427daf6c72f9b192e0d9";
    std::fs::remove_dir_all(export.join("0").join(gone)).unwrap();
    let summary = export.join("experiments.json");
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    doc["mlflow"]["experiments"][0]["failed_runs"] = Value::from(2);
    std::fs::write(&summary, serde_json::to_vec(&doc).unwrap()).unwrap();

    let l = load_path(export.clone());
    let w = warnings(&l);
    let manifest = export.join("0/experiment.json").display().to_string();
    assert!(
        w.contains(&format!(
            "warning: {manifest}: run {gone} is listed here, but no run.json of it is in the load"
        )),
        "{w:?}"
    );
    let failed = format!(
        "warning: {}: the export says 2 runs failed to export: they are not in it",
        summary.display()
    );
    assert!(w.contains(&failed), "{w:?}");
    assert_eq!(l.tables.runs.num_rows(), 9);
}
