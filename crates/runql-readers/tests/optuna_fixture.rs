//! The real fixture written by `optuna` (scripts/fixtures/make_optuna_fixture.py) must load
//! exactly as Optuna itself reads it back (tests/fixtures/optuna/expected.json).

// Test helpers live outside #[test] functions, where clippy's allow-*-in-tests does not reach;
// in a test, a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, TimestampMillisecondType};
use common::*;
use runql_core::timefmt::parse_iso_ms;
use runql_readers::{FileTree, LoadOptions, Loaded, Severity};
use serde_json::Value;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/optuna")
}

fn load_fixture() -> (Loaded, Value) {
    let dir = fixture_dir();
    let expected: Value = serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let tree = FileTree::from_path(&dir.join("journal.log")).unwrap();
    assert_eq!(found_formats(&tree), ["optuna"]);
    (runql_readers::load(&[tree], &LoadOptions::default()).unwrap(), expected)
}

/// A float from expected.json, where non-finite values are strings.
fn float(v: &Value) -> f64 {
    match v {
        Value::String(s) => s.parse::<f64>().unwrap_or_else(|_| panic!("{s}")),
        other => other.as_f64().unwrap(),
    }
}

fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b
}

/// `key → (value, value_num)` of the params of `run`.
fn params(l: &Loaded, run: &str) -> BTreeMap<String, (String, Option<f64>)> {
    let p = &l.tables.params;
    let runs = strings(p, "run_id");
    let keys = strings(p, "key");
    let values = strings(p, "value");
    let nums = p.column_by_name("value_num").unwrap().as_primitive::<Float64Type>();
    (0..p.num_rows())
        .filter(|&i| runs[i].as_deref() == Some(run))
        .map(|i| {
            let n = nums.is_valid(i).then(|| nums.value(i));
            (keys[i].clone().unwrap(), (values[i].clone().unwrap(), n))
        })
        .collect()
}

fn tags(l: &Loaded, run: &str) -> BTreeMap<String, Option<String>> {
    let t = &l.tables.tags;
    let runs = strings(t, "run_id");
    let keys = strings(t, "key");
    let values = strings(t, "value");
    (0..t.num_rows())
        .filter(|&i| runs[i].as_deref() == Some(run))
        .map(|i| (keys[i].clone().unwrap(), values[i].clone()))
        .collect()
}

/// `(status, created_at, ended_at, name, project)` of `run`.
fn run_row(l: &Loaded, run: &str) -> (String, Option<i64>, Option<i64>, String, String) {
    let r = &l.tables.runs;
    let i = strings(r, "run_id")
        .iter()
        .position(|id| id.as_deref() == Some(run))
        .unwrap_or_else(|| panic!("{run}"));
    let ts = |c: &str| {
        let a = r.column_by_name(c).unwrap().as_primitive::<TimestampMillisecondType>();
        a.is_valid(i).then(|| a.value(i))
    };
    (
        strings(r, "status")[i].clone().unwrap(),
        ts("created_at"),
        ts("ended_at"),
        strings(r, "name")[i].clone().unwrap(),
        strings(r, "project")[i].clone().unwrap(),
    )
}

/// A param value from expected.json as runql writes it: strings as they are, the rest JSON.
fn param_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn fixture_loads_as_optuna_reads_it() {
    let (l, expected) = load_fixture();
    let studies = expected["studies"].as_array().unwrap();
    let n_trials: usize = studies.iter().map(|s| s["trials"].as_array().unwrap().len()).sum();
    assert_eq!(l.tables.runs.num_rows(), n_trials);
    assert_eq!(l.report.formats.get("optuna"), Some(&(n_trials as u64)));
    let mut n_points = 0;
    for study in studies {
        let name = study["study_name"].as_str().unwrap();
        let n_obj = study["directions"].as_array().unwrap().len();
        let metric_names: Option<Vec<String>> = study["system_attrs"]
            .get("study:metric_names")
            .map(|v| v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect());
        for t in study["trials"].as_array().unwrap() {
            let number = t["number"].as_u64().unwrap();
            let run = format!("{name}/{number}");
            let (status, start, end, run_name, project) = run_row(&l, &run);
            let state = t["state"].as_str().unwrap();
            let want_status = match state {
                "COMPLETE" => "FINISHED",
                "FAIL" => "FAILED",
                "PRUNED" => "KILLED",
                "RUNNING" => "RUNNING",
                "WAITING" => "SCHEDULED",
                other => panic!("{other}"),
            };
            assert_eq!(status, want_status, "{run}");
            assert_eq!(run_name, format!("trial {number}"));
            assert_eq!(project, name);
            assert_eq!(start, t["datetime_start"].as_str().and_then(parse_iso_ms), "{run} start");
            assert_eq!(end, t["datetime_complete"].as_str().and_then(parse_iso_ms), "{run} end");

            // Params, decoded (categorical index → choice).
            let got = params(&l, &run);
            let want = t["params"].as_object().unwrap();
            assert_eq!(got.len(), want.len(), "{run} params {got:?}");
            for (k, v) in want {
                let (text, num) = &got[k];
                match v {
                    Value::Number(n) => {
                        assert_eq!(*num, n.as_f64(), "{run} {k}");
                        if t["distributions"][k] == "IntDistribution" {
                            assert_eq!(text, &n.to_string(), "{run} {k}");
                        }
                    }
                    other => assert_eq!(text, &param_text(other), "{run} {k}"),
                }
            }

            // Tags: user attrs, state, system attrs.
            let tags = tags(&l, &run);
            for (k, v) in t["user_attrs"].as_object().unwrap() {
                assert_eq!(tags[k], Some(param_text(v)), "{run} user attr {k}");
            }
            assert_eq!(tags["optuna.state"].as_deref(), Some(state));
            for k in t["system_attrs"].as_object().unwrap().keys() {
                assert!(tags.contains_key(&format!("optuna.system.{k}")), "{run} {k}");
            }
            for k in study["user_attrs"].as_object().unwrap().keys() {
                assert!(tags.contains_key(&format!("optuna.study.{k}")), "{run} {k}");
            }

            // Intermediate values, step by step.
            let iv = t["intermediate_values"].as_object().unwrap();
            let got = points(&l, &run, "intermediate_value");
            assert_eq!(got.len(), iv.len(), "{run}");
            for ((step, ts, value), (want_step, want_value)) in got.iter().zip(iv) {
                assert_eq!(*step, want_step.parse::<i64>().unwrap());
                assert_eq!(*ts, None);
                assert!(same(*value, float(want_value)), "{run} step {step}: {value} vs {want_value}");
            }
            n_points += got.len();

            // Objective values at the last reported step.
            let last_step = iv.keys().map(|k| k.parse::<i64>().unwrap()).max().unwrap_or(0);
            if let Some(values) = t["values"].as_array() {
                for (i, v) in values.iter().enumerate() {
                    let key = match &metric_names {
                        Some(names) => names[i].clone(),
                        None if n_obj == 1 => "value".to_string(),
                        None => format!("values/{i}"),
                    };
                    let got = points(&l, &run, &key);
                    assert_eq!(got.len(), 1, "{run} {key}");
                    assert_eq!(got[0].0, last_step);
                    assert_eq!(got[0].1, t["datetime_complete"].as_str().and_then(parse_iso_ms));
                    assert!(same(got[0].2, float(v)), "{run} {key}");
                    n_points += 1;
                }
            }
        }
    }
    assert_eq!(l.tables.metrics.num_rows(), n_points, "no point beyond what Optuna reports");
}

#[test]
fn deleted_study_is_reported_not_loaded() {
    let (l, _) = load_fixture();
    let skipped: Vec<String> = l
        .report
        .issues()
        .iter()
        .filter(|i| i.severity == Severity::Skipped)
        .map(ToString::to_string)
        .collect();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(skipped[0].contains("journal.log:"), "{}", skipped[0]);
    assert!(skipped[0].contains("\"scratch\" was deleted; its 2 trials are not loaded"), "{}", skipped[0]);
    assert!(strings(&l.tables.runs, "project").iter().all(|p| p.as_deref() != Some("scratch")));
    // load_if_exists wrote a second CREATE_STUDY; it is counted, not an error.
    assert_eq!(l.report.ignored.values().sum::<u64>(), 1, "{:?}", l.report.ignored);
    assert_eq!(l.report.issue_count(Severity::Warning), 0);
}

/// The names of the formats found in `tree`, in detection order.
fn found_formats(tree: &runql_readers::FileTree) -> Vec<&'static str> {
    runql_readers::registry::detect(tree).iter().map(|r| r.name).collect()
}
