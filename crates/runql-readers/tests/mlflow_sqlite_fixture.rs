//! The real SQLite store written by the `mlflow` package (scripts/fixtures/make_mlflow_fixtures.py
//! --backend sqlite) must load as mlflow itself reads it back
//! (tests/fixtures/mlflow-sqlite/expected.json), and give the same answers as the file
//! store holding the same runs (tests/fixtures/mlflow).

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMillisecondType};
use common::*;
use runql_readers::{FileTree, LoadOptions, Loaded, Severity};
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn load_path(path: PathBuf) -> Loaded {
    runql_readers::load(&[FileTree::from_path(&path).unwrap()], &LoadOptions::default()).unwrap()
}

fn load_fixture() -> (Loaded, Value) {
    let dir = fixtures().join("mlflow-sqlite");
    let expected: Value = serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    (load_path(dir.join("mlflow.db")), expected)
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

/// MLflow's SQL store hands ±infinity back as the ±f64::MAX it stores; runql maps it back.
fn as_logged(v: f64) -> f64 {
    if v == f64::MAX {
        f64::INFINITY
    } else if v == -f64::MAX {
        f64::NEG_INFINITY
    } else {
        v
    }
}

fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

fn row_of(l: &Loaded, run_id: &str) -> usize {
    strings(&l.tables.runs, "run_id").iter().position(|r| r.as_deref() == Some(run_id)).unwrap()
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

#[test]
fn the_database_is_recognized_by_content_and_loads_without_skips() {
    let (l, expected) = load_fixture();
    assert_eq!(l.report.issue_count(Severity::Skipped), 0, "{}", l.report);
    let n = expected["runs"].as_array().unwrap().len() as u64;
    assert_eq!(l.report.formats.get("mlflow-sqlite"), Some(&n));
    // The same bytes under another name, as a browser upload: still read.
    let bytes = std::fs::read(fixtures().join("mlflow-sqlite/mlflow.db")).unwrap();
    let mut tree = FileTree::new("upload");
    tree.insert("tracking-backup.bin", bytes);
    let again = runql_readers::load(&[tree], &LoadOptions::default()).unwrap();
    assert_eq!(again.tables.runs.num_rows() as u64, n);
    assert_eq!(again.tables.metrics.num_rows(), l.tables.metrics.num_rows());
}

#[test]
fn every_run_mlflow_returns_is_loaded_with_the_same_attributes() {
    let (l, expected) = load_fixture();
    let runs = &l.tables.runs;
    assert_eq!(runs.num_rows(), expected["runs"].as_array().unwrap().len());
    let created = runs.column_by_name("created_at").unwrap().as_primitive::<TimestampMillisecondType>();
    let ended = runs.column_by_name("ended_at").unwrap().as_primitive::<TimestampMillisecondType>();
    let exp_names: BTreeMap<&str, &str> = expected["experiments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["experiment_id"].as_str().unwrap(), e["name"].as_str().unwrap()))
        .collect();
    for run in expected["runs"].as_array().unwrap() {
        let id = run["run_id"].as_str().unwrap();
        let i = row_of(&l, id);
        let attr = |c: &str| strings(runs, c)[i].clone();
        assert_eq!(attr("name").as_deref(), run["run_name"].as_str(), "{id} name");
        assert_eq!(attr("status").as_deref(), run["status"].as_str(), "{id} status");
        assert_eq!(attr("lifecycle").as_deref(), run["lifecycle_stage"].as_str(), "{id} lifecycle");
        assert_eq!(attr("experiment_id").as_deref(), run["experiment_id"].as_str(), "{id} experiment");
        let project = exp_names[run["experiment_id"].as_str().unwrap()];
        assert_eq!(attr("project").as_deref(), Some(project), "{id} project");
        assert_eq!(attr("user").as_deref(), run["user_id"].as_str(), "{id} user");
        assert_eq!(attr("artifact_uri").as_deref(), run["artifact_uri"].as_str(), "{id} artifact_uri");
        assert_eq!(created.is_valid(i).then(|| created.value(i)), run["start_time"].as_i64(), "{id} start");
        assert_eq!(ended.is_valid(i).then(|| ended.value(i)), run["end_time"].as_i64(), "{id} end");
        assert_eq!(attr("parent_run_id").as_deref(), run["tags"]["mlflow.parentRunId"].as_str(), "{id}");
    }
}

#[test]
fn params_and_tags_match_mlflow_exactly() {
    let (l, expected) = load_fixture();
    for run in expected["runs"].as_array().unwrap() {
        let id = run["run_id"].as_str().unwrap();
        assert_eq!(pairs(&l.tables.params, id), object(&run["params"]), "{id} params");
        assert_eq!(pairs(&l.tables.tags, id), object(&run["tags"]), "{id} tags");
    }
}

#[test]
fn metric_history_matches_get_metric_history_point_for_point() {
    let (l, expected) = load_fixture();
    let mut total = 0;
    let mut infinities = 0;
    for run in expected["runs"].as_array().unwrap() {
        let id = run["run_id"].as_str().unwrap();
        for (key, history) in run["metric_history"].as_object().unwrap() {
            let got = points(&l, id, key);
            let want = history.as_array().unwrap();
            assert_eq!(got.len(), want.len(), "{id} {key}");
            for (g, w) in got.iter().zip(want) {
                let value = as_logged(num(&w[2]));
                infinities += usize::from(value.is_infinite());
                let ok = g.0 == w[0].as_i64().unwrap() && g.1 == w[1].as_i64() && same(g.2, value);
                assert!(ok, "{id} {key}: {g:?} vs {w:?}");
            }
            total += want.len();
        }
    }
    assert_eq!(infinities, 2, "the fixture logs +inf and -inf once each");
    assert_eq!(l.tables.metrics.num_rows(), total, "no point more than mlflow returns");
}

#[test]
fn metric_summary_last_is_mlflows_latest_metric() {
    let (l, expected) = load_fixture();
    let mut checked = 0;
    for run in expected["runs"].as_array().unwrap() {
        let id = run["run_id"].as_str().unwrap();
        for (key, latest) in run["latest_metrics"].as_object().unwrap() {
            let last = summary(&l, id, key, "last").unwrap();
            assert!(same(last, as_logged(num(&latest[2]))), "{id} {key}: last {last} vs {latest}");
            assert_eq!(summary(&l, id, key, "last_step"), latest[0].as_f64(), "{id} {key} step");
            assert_eq!(summary(&l, id, key, "last_timestamp"), latest[1].as_f64(), "{id} {key} ts");
            checked += 1;
        }
    }
    assert!(checked > 20);
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
        assert_eq!(strings(m, "source")[i].as_deref(), lm["artifact_location"].as_str());
    }
    let names = strings(m, "name");
    let versions = m.column_by_name("version").unwrap().as_primitive::<Int64Type>();
    let mut found = 0;
    for rm in expected["registered_models"].as_array().unwrap() {
        // search_model_versions leaves a version's aliases empty in the SQL store; the
        // registered model's {alias: version} map is the truth.
        let aliases = rm["aliases"].as_object().unwrap();
        for v in rm["versions"].as_array().unwrap() {
            let n: i64 = v["version"].as_str().unwrap().parse().unwrap();
            let i = (0..m.num_rows())
                .find(|&i| {
                    kinds[i].as_deref() == Some("registered_version")
                        && names[i].as_deref() == rm["name"].as_str()
                        && versions.value(i) == n
                })
                .unwrap_or_else(|| panic!("version {n} missing"));
            let want: BTreeSet<&str> =
                aliases.iter().filter(|(_, to)| to.as_i64() == Some(n)).map(|(a, _)| a.as_str()).collect();
            let want = (!want.is_empty()).then(|| want.into_iter().collect::<Vec<_>>().join(","));
            assert_eq!(strings(m, "aliases")[i], want, "aliases of version {n}");
            assert_eq!(strings(m, "stage")[i].as_deref(), v["current_stage"].as_str());
            assert_eq!(strings(m, "run_id")[i].as_deref(), v["run_id"].as_str());
            assert_eq!(strings(m, "source")[i].as_deref(), v["source"].as_str());
            found += 1;
        }
    }
    assert_eq!(found, 2);
    assert_eq!(m.num_rows(), found + expected["logged_models"].as_array().unwrap().len());
}

/// Per run name: attributes, params, tags and the set of metric points.
type RunView = (Vec<Option<String>>, BTreeMap<String, Option<String>>, BTreeMap<String, Option<String>>);

/// Per metric key: the set of `(step, timestamp, value bits)`.
type PointSets = BTreeMap<String, BTreeSet<(i64, Option<i64>, u64)>>;

fn by_name(l: &Loaded) -> BTreeMap<String, (RunView, PointSets)> {
    let runs = &l.tables.runs;
    let ids = strings(runs, "run_id");
    let names = strings(runs, "name");
    let id_to_name: BTreeMap<String, String> =
        ids.iter().zip(&names).map(|(i, n)| (i.clone().unwrap(), n.clone().unwrap())).collect();
    let keys = strings(&l.tables.metric_summary, "key");
    let summary_runs = strings(&l.tables.metric_summary, "run_id");
    let mut out = BTreeMap::new();
    for (i, id) in ids.iter().enumerate() {
        let id = id.clone().unwrap();
        let attrs: Vec<Option<String>> = ["name", "status", "lifecycle", "user", "project"]
            .iter()
            .map(|c| strings(runs, c)[i].clone())
            .chain([strings(runs, "parent_run_id")[i].clone().map(|p| id_to_name[&p].clone())])
            .collect();
        let mut tags = pairs(&l.tables.tags, &id);
        // Run ids differ between the two stores, and the model history records ids and times.
        tags.remove("mlflow.parentRunId");
        tags.remove("mlflow.log-model.history");
        let mut metrics = BTreeMap::new();
        for (r, k) in summary_runs.iter().zip(&keys) {
            if r.as_deref() == Some(id.as_str()) {
                let key = k.clone().unwrap();
                // The SQL store keeps identical points once (its primary key); compare sets.
                let set = points(l, &id, &key).into_iter().map(|(s, t, v)| (s, t, v.to_bits())).collect();
                metrics.insert(key, set);
            }
        }
        out.insert(id_to_name[&id].clone(), ((attrs, pairs(&l.tables.params, &id), tags), metrics));
    }
    out
}

#[test]
fn same_answers_as_the_file_store_for_the_same_runs() {
    let (sqlite, _) = load_fixture();
    let file = load_path(fixtures().join("mlflow/mlruns"));
    let (a, b) = (by_name(&sqlite), by_name(&file));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, (view, metrics)) in &a {
        let (file_view, file_metrics) = &b[name];
        assert_eq!(view, file_view, "run {name}");
        assert_eq!(metrics, file_metrics, "metrics of run {name}");
    }
    // created/ended times are fixed by the fixture script: equal in both stores.
    let times = |l: &Loaded| {
        let c =
            l.tables.runs.column_by_name("created_at").unwrap().as_primitive::<TimestampMillisecondType>();
        let mut v: Vec<i64> = c.values().to_vec();
        v.sort_unstable();
        v
    };
    assert_eq!(times(&sqlite), times(&file));
    assert_eq!(sqlite.tables.models.num_rows(), file.tables.models.num_rows());
}

/// A database given as one file is named by its path, once: in `runs.origin` and in every
/// message (not `…/mlflow.db/mlflow.db`).
#[test]
fn a_database_given_as_one_file_is_named_by_its_path() {
    let path = fixtures().join("mlflow-sqlite/mlflow.db");
    let loaded = load_path(path.clone());
    let origins = loaded.tables.runs.column_by_name("origin").unwrap().as_string::<i32>();
    let want = path.display().to_string();
    assert!(!origins.is_empty());
    assert!(origins.iter().all(|o| o == Some(want.as_str())), "{origins:?}");

    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.db");
    std::fs::write(&cut, &std::fs::read(&path).unwrap()[..20_000]).unwrap();
    let tree = FileTree::from_path(&cut).unwrap();
    let report = match runql_readers::load(&[tree], &LoadOptions::default()) {
        Ok(loaded) => loaded.report.to_string(),
        Err(e) => e.to_string(),
    };
    let named = cut.display().to_string();
    assert!(report.contains(&format!("{named}: ")), "{report}");
    assert!(!report.contains(&format!("{named}/cut.db")), "{report}");
}
