//! The MLflow UI's CSV downloads (tests/fixtures/mlflow-ui-csv, written with the UI's
//! CsvUtils.ts rules from the runs mlflow read back from the SQLite fixture; see
//! scripts/fixtures/make_mlflow_ui_csv_fixtures.py) load as those runs.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

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

fn load_text(name: &str, text: &str) -> Loaded {
    let mut tree = FileTree::new("upload");
    tree.insert(name, text.as_bytes().to_vec());
    runql_readers::load(&[tree], &LoadOptions::default()).unwrap()
}

fn expected_runs() -> Vec<Value> {
    let v: Value =
        serde_json::from_slice(&std::fs::read(fixtures().join("mlflow-sqlite/expected.json")).unwrap())
            .unwrap();
    v["runs"].as_array().unwrap().clone()
}

fn num(v: &Value) -> f64 {
    let f = match v {
        Value::String(s) if s == "NaN" => f64::NAN,
        other => other.as_f64().unwrap(),
    };
    if f.abs() == f64::MAX { f.signum() * f64::INFINITY } else { f }
}

fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

fn pairs(batch: &arrow_array::RecordBatch, run_id: &str) -> BTreeMap<String, String> {
    let runs = strings(batch, "run_id");
    let keys = strings(batch, "key");
    let values = strings(batch, "value");
    (0..batch.num_rows())
        .filter(|&i| runs[i].as_deref() == Some(run_id))
        .map(|i| (keys[i].clone().unwrap(), values[i].clone().unwrap_or_default()))
        .collect()
}

/// The runs table lists params, metrics, then tags; the numeric param just before the
/// metric block cannot be told from a metric (see tables::mlflow_ui).
const AMBIGUOUS_PARAM: &str = "weight_decay";

#[test]
fn the_runs_table_download_gives_params_metrics_and_tags_by_column_order() {
    let l = load_path(fixtures().join("mlflow-ui-csv/runs.csv"));
    assert_eq!(l.report.issue_count(Severity::Skipped), 0, "{}", l.report);
    let runs = &l.tables.runs;
    let ids = strings(runs, "run_id");
    let created = runs.column_by_name("created_at").unwrap().as_primitive::<TimestampMillisecondType>();
    let expected = expected_runs();
    assert_eq!(runs.num_rows(), expected.len());
    for run in &expected {
        let id = run["run_id"].as_str().unwrap();
        let i = ids.iter().position(|r| r.as_deref() == Some(id)).unwrap();
        assert_eq!(strings(runs, "name")[i].as_deref(), run["run_name"].as_str());
        assert_eq!(strings(runs, "status")[i].as_deref(), run["status"].as_str());
        assert_eq!(strings(runs, "user")[i].as_deref(), run["user_id"].as_str());
        assert_eq!(created.value(i), run["start_time"].as_i64().unwrap(), "Start Time, written in UTC");
        // Empty cells are missing values: empty params and tags do not come back.
        let want_params: BTreeMap<String, String> = run["params"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, v)| *k != AMBIGUOUS_PARAM && !v.as_str().unwrap().is_empty())
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        assert_eq!(pairs(&l.tables.params, id), want_params, "{id} params");
        let mut want_tags: BTreeMap<String, String> = run["tags"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, v)| !k.starts_with("mlflow.") && !v.as_str().unwrap().is_empty())
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        for k in ["mlflow.source.type", "mlflow.source.name"] {
            want_tags.insert(k.into(), run["tags"][k].as_str().unwrap().into());
        }
        assert_eq!(pairs(&l.tables.tags, id), want_tags, "{id} tags");
        for (key, latest) in run["metrics"].as_object().unwrap() {
            let p = points(&l, id, key);
            assert!(
                p.len() == 1 && p[0].0 == 0 && same(p[0].2, num(latest)),
                "{id} {key}: {p:?} vs {latest}"
            );
        }
        if let Some(wd) = run["params"].get(AMBIGUOUS_PARAM) {
            let p = points(&l, id, AMBIGUOUS_PARAM);
            assert_eq!(p[0].2, wd.as_str().unwrap().parse::<f64>().unwrap());
        }
    }
}

#[test]
fn the_chart_download_gives_full_histories_and_merges_with_the_runs_table() {
    let mut tree = FileTree::new("downloads");
    for name in ["runs.csv", "chart_history.csv"] {
        tree.insert(name, std::fs::read(fixtures().join("mlflow-ui-csv").join(name)).unwrap());
    }
    let l = runql_readers::load(&[tree], &LoadOptions::default()).unwrap();
    assert_eq!(l.report.issue_count(Severity::Skipped), 0, "{}", l.report);
    let expected = expected_runs();
    assert_eq!(l.tables.runs.num_rows(), expected.len(), "one run per id across both files");
    let mut checked = 0;
    for run in &expected {
        let id = run["run_id"].as_str().unwrap();
        for key in ["train/loss", "val/loss", "weird"] {
            let Some(history) = run["metric_history"].get(key) else { continue };
            let got: Vec<_> = points(&l, id, key).into_iter().filter(|p| p.1.is_some()).collect();
            let want = history.as_array().unwrap();
            assert_eq!(got.len(), want.len(), "{id} {key}");
            for (g, w) in got.iter().zip(want) {
                assert!(
                    g.0 == w[0].as_i64().unwrap() && g.1 == w[1].as_i64() && same(g.2, num(&w[2])),
                    "{g:?} {w}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100);
    let weird: Vec<f64> =
        points(&l, "c24d025b749f48828e29d80fb9f16842", "weird").iter().map(|p| p.2).collect();
    assert!(weird.contains(&f64::INFINITY) && weird.contains(&f64::NEG_INFINITY), "{weird:?}");
}

#[test]
fn grouped_chart_downloads_load_each_group_as_a_run() {
    let csv = "\"Group\",\"Run ID\",\"metric\",\"step\",\"timestamp\",\"value\"\n\
               \"lr-grid\",\"\",\"loss\",\"0\",\"1700000000000\",\"'-0.5\"\n\
               \"lr-grid\",\"\",\"loss\",\"1\",\"1700000001000\",\"0.25\"\n\
               \"'=other\",\"\",\"loss\",\"0\",\"1700000000000\",\"1\"\n";
    let l = load_text("chart.csv", csv);
    assert_eq!(l.report.issue_count(Severity::Skipped), 0, "{}", l.report);
    assert_eq!(
        points(&l, "group:lr-grid", "loss"),
        [(0, Some(1_700_000_000_000), -0.5), (1, Some(1_700_000_001_000), 0.25)]
    );
    let names = strings(&l.tables.runs, "name");
    let groups = strings(&l.tables.runs, "run_group");
    assert!(names.contains(&Some("=other".into())) && groups.contains(&Some("lr-grid".into())), "{names:?}");
    // A row with neither run id nor group is still refused.
    let l = load_text(
        "chart.csv",
        "\"Run\",\"Run ID\",\"metric\",\"step\",\"timestamp\",\"value\"\n\"a\",\"\",\"loss\",\"0\",\"1\",\"1\"\n",
    );
    assert!(
        skipped(&l)[0].contains("chart.csv:2") && skipped(&l)[0].contains("empty run id"),
        "{:?}",
        skipped(&l)
    );
}

#[test]
fn the_chart_data_download_takes_run_as_the_name() {
    let csv = "\"Run\",\"Run ID\",\"train/loss\",\"optimizer\"\n\"'-dash\",\"r1\",\"'-0.5\",\"adam\"\n\"Group b\",\"\",\"0.5\",\"sgd\"\n";
    let l = load_text("chart_data.csv", csv);
    assert_eq!(
        l.report.issue_count(Severity::Skipped),
        1,
        "the group row without a Group column: {}",
        l.report
    );
    assert_eq!(strings(&l.tables.runs, "name"), [Some("-dash".to_string())]);
    assert_eq!(points(&l, "r1", "train/loss"), [(0, None, -0.5)]);
    assert_eq!(pairs(&l.tables.params, "r1").get("optimizer").map(String::as_str), Some("adam"));
}
