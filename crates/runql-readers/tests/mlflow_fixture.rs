//! The real fixture written by the `mlflow` package (scripts/fixtures/make_mlflow_fixtures.py)
//! must load exactly as mlflow itself reads it back (tests/fixtures/mlflow/expected.json).

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

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/mlflow")
}

fn load_fixture() -> (Loaded, Value) {
    let dir = fixture_dir();
    let expected: Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).expect("expected.json")).unwrap();
    let tree = FileTree::from_path(&dir.join("mlruns")).unwrap();
    (runql_readers::load(&[tree], &LoadOptions::default()).unwrap(), expected)
}

/// expected.json spells non-finite floats as strings.
fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) if s == "NaN" => f64::NAN,
        Value::String(s) if s == "Infinity" => f64::INFINITY,
        Value::String(s) if s == "-Infinity" => f64::NEG_INFINITY,
        other => other.as_f64().unwrap_or_else(|| panic!("not a number: {other}")),
    }
}

fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

fn row_of(loaded: &Loaded, run_id: &str) -> usize {
    strings(&loaded.tables.runs, "run_id").iter().position(|r| r.as_deref() == Some(run_id)).unwrap()
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

#[test]
fn every_run_mlflow_returns_is_loaded_with_the_same_attributes() {
    let (l, expected) = load_fixture();
    let views = &expected["run_ids_by_view"];
    let mut want: Vec<String> = ["ACTIVE_ONLY", "DELETED_ONLY"]
        .iter()
        .flat_map(|v| views[v].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()))
        .collect();
    want.sort();
    let mut got: Vec<String> = strings(&l.tables.runs, "run_id").into_iter().flatten().collect();
    got.sort();
    assert_eq!(got, want);

    let runs = &l.tables.runs;
    let created = runs.column_by_name("created_at").unwrap().as_primitive::<TimestampMillisecondType>();
    let ended = runs.column_by_name("ended_at").unwrap().as_primitive::<TimestampMillisecondType>();
    for run in expected["runs"].as_array().unwrap() {
        let id = run["run_id"].as_str().unwrap();
        let i = row_of(&l, id);
        let attr = |c: &str| strings(runs, c)[i].clone();
        assert_eq!(attr("name").as_deref(), run["run_name"].as_str(), "{id} name");
        assert_eq!(attr("status").as_deref(), run["status"].as_str(), "{id} status");
        assert_eq!(attr("lifecycle").as_deref(), run["lifecycle_stage"].as_str(), "{id} lifecycle");
        assert_eq!(attr("experiment_id").as_deref(), run["experiment_id"].as_str(), "{id} experiment");
        assert_eq!(attr("user").as_deref(), run["user_id"].as_str(), "{id} user");
        assert_eq!(created.is_valid(i).then(|| created.value(i)), run["start_time"].as_i64(), "{id} start");
        assert_eq!(ended.is_valid(i).then(|| ended.value(i)), run["end_time"].as_i64(), "{id} end");
        let parent = run["tags"]["mlflow.parentRunId"].as_str();
        assert_eq!(attr("parent_run_id").as_deref(), parent, "{id} parent");
    }
}

#[test]
fn params_and_tags_match_mlflow_exactly() {
    let (l, expected) = load_fixture();
    for run in expected["runs"].as_array().unwrap() {
        let id = run["run_id"].as_str().unwrap();
        let want_params: BTreeMap<String, Option<String>> = run["params"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), Some(v.as_str().unwrap().to_string())))
            .collect();
        assert_eq!(pairs(&l.tables.params, id), want_params, "{id} params");
        let want_tags: BTreeMap<String, Option<String>> = run["tags"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), Some(v.as_str().unwrap().to_string())))
            .collect();
        assert_eq!(pairs(&l.tables.tags, id), want_tags, "{id} tags");
    }
}

#[test]
fn metric_history_matches_get_metric_history_point_for_point() {
    let (l, expected) = load_fixture();
    let mut total = 0;
    for run in expected["runs"].as_array().unwrap() {
        let id = run["run_id"].as_str().unwrap();
        for (key, history) in run["metric_history"].as_object().unwrap() {
            let got = points(&l, id, key);
            let raw = raw_lines(&l, id, key);
            let want: Vec<(i64, i64, f64)> = history
                .as_array()
                .unwrap()
                .iter()
                .zip(&raw)
                .map(|(p, line)| {
                    let mlflow_step = p[0].as_i64().unwrap();
                    let fields: Vec<&str> = line.split(' ').collect();
                    // MLflow 3.17 reads the step only from 3-field lines: lines with a dataset
                    // (5 fields) come back as step 0. runql reads the step that was written.
                    let step = if fields.len() == 5 {
                        assert_eq!(mlflow_step, 0, "mlflow's 5-field step bug is gone? {line}");
                        fields[2].parse().unwrap()
                    } else {
                        mlflow_step
                    };
                    (step, p[1].as_i64().unwrap(), num(&p[2]))
                })
                .collect();
            assert_eq!(raw.len(), history.as_array().unwrap().len(), "{id} {key} line count");
            assert_eq!(got.len(), want.len(), "{id} {key}");
            for (g, w) in got.iter().zip(&want) {
                assert!(g.0 == w.0 && g.1 == Some(w.1) && same(g.2, w.2), "{id} {key}: {g:?} vs {w:?}");
            }
            total += want.len();
        }
    }
    assert_eq!(l.tables.metrics.num_rows(), total, "no point more than mlflow returns");
}

/// The lines of a run's metric file, read directly from the fixture.
fn raw_lines(l: &Loaded, run_id: &str, key: &str) -> Vec<String> {
    let origin = strings(&l.tables.runs, "origin")[row_of(l, run_id)].clone().unwrap();
    let text = std::fs::read_to_string(PathBuf::from(origin).join("metrics").join(key)).unwrap();
    text.lines().map(str::to_string).collect()
}

#[test]
fn metric_summary_last_is_mlflows_latest_metric() {
    let (l, expected) = load_fixture();
    for run in expected["runs"].as_array().unwrap() {
        let id = run["run_id"].as_str().unwrap();
        for (key, latest) in run["latest_metrics"].as_object().unwrap() {
            if raw_lines(&l, id, key).iter().any(|line| line.split(' ').count() == 5) {
                // Steps differ on purpose here (see the history test); runql's latest is
                // the true last step.
                let last_line = raw_lines(&l, id, key).last().cloned().unwrap();
                let step: f64 = last_line.split(' ').nth(2).unwrap().parse().unwrap();
                assert_eq!(summary(&l, id, key, "last_step"), Some(step), "{id} {key}");
                continue;
            }
            let last = summary(&l, id, key, "last").unwrap();
            assert!(same(last, num(&latest[2])), "{id} {key}: last {last} vs {latest}");
            assert_eq!(summary(&l, id, key, "last_step"), latest[0].as_f64(), "{id} {key} step");
            assert_eq!(summary(&l, id, key, "last_timestamp"), latest[1].as_f64(), "{id} {key} ts");
        }
    }
}

#[test]
fn models_and_registry_match() {
    let (l, expected) = load_fixture();
    let m = &l.tables.models;
    let kinds = strings(m, "kind");
    let model_ids = strings(m, "model_id");
    for lm in expected["logged_models"].as_array().unwrap() {
        let id = lm["model_id"].as_str().unwrap();
        let i = (0..m.num_rows())
            .find(|&i| kinds[i].as_deref() == Some("logged_model") && model_ids[i].as_deref() == Some(id))
            .unwrap_or_else(|| panic!("logged model {id} missing"));
        assert_eq!(strings(m, "run_id")[i].as_deref(), lm["source_run_id"].as_str());
        assert_eq!(strings(m, "name")[i].as_deref(), lm["name"].as_str());
        assert_eq!(strings(m, "status")[i].as_deref(), lm["status"].as_str());
    }
    let names = strings(m, "name");
    let versions = m.column_by_name("version").unwrap().as_primitive::<arrow_array::types::Int64Type>();
    for rm in expected["registered_models"].as_array().unwrap() {
        for v in rm["versions"].as_array().unwrap() {
            let n: i64 = v["version"].as_str().unwrap().parse().unwrap();
            let i = (0..m.num_rows())
                .find(|&i| {
                    kinds[i].as_deref() == Some("registered_version")
                        && names[i].as_deref() == rm["name"].as_str()
                        && versions.value(i) == n
                })
                .unwrap_or_else(|| panic!("version {n} missing"));
            let mut want: Vec<&str> =
                v["aliases"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
            want.sort();
            let want = (!want.is_empty()).then(|| want.join(","));
            assert_eq!(strings(m, "aliases")[i], want, "aliases of version {n}");
            assert_eq!(strings(m, "stage")[i].as_deref(), v["current_stage"].as_str());
        }
    }
}

#[test]
fn the_fixture_loads_without_skips() {
    let (l, _) = load_fixture();
    assert_eq!(l.report.issue_count(Severity::Skipped), 0, "{}", l.report);
    assert_eq!(l.report.formats.get("mlflow-file-store"), Some(&(l.tables.runs.num_rows() as u64)));
}
