//! The real fixture written by `tensorboardX` and `tensorboard`
//! (scripts/fixtures/make_tensorboard_fixtures.py) must load exactly as TensorBoard's own
//! `EventAccumulator` reads it back (tests/fixtures/tensorboard/expected.json).

// Test helpers live outside #[test] functions, where clippy's allow-*-in-tests does not reach;
// in a test, a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, TimestampMillisecondType};
use common::*;
use runql_readers::{LoadOptions, Loaded, Severity};
use serde_json::Value;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tensorboard")
}

/// The loaded fixture, the expected runs and the tree origin (the prefix of every run id).
fn load_fixture() -> (Loaded, BTreeMap<String, Value>, String) {
    let dir = fixture_dir();
    let expected: Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).expect("expected.json")).unwrap();
    let runs: BTreeMap<String, Value> =
        expected["runs"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let tree = runql_core::FileTree::from_path(&dir.join("logs")).unwrap();
    let origin = tree.origin().to_string();
    assert_eq!(found_formats(&tree), ["tensorboard"]);
    (runql_readers::load(&[tree], &LoadOptions::default()).unwrap(), runs, origin)
}

fn run_id(origin: &str, run: &str) -> String {
    format!("{}/{run}", origin.trim_end_matches('/'))
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

fn ms(wall_time: &Value) -> i64 {
    (wall_time.as_f64().unwrap() * 1000.0).round() as i64
}

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

#[test]
fn every_run_tensorboard_lists_is_loaded_with_its_attributes() {
    let (l, expected, origin) = load_fixture();
    let want: BTreeSet<String> = expected.keys().map(|r| run_id(&origin, r)).collect();
    let got: BTreeSet<String> = strings(&l.tables.runs, "run_id").into_iter().flatten().collect();
    assert_eq!(got, want);
    assert_eq!(l.report.formats.get("tensorboard"), Some(&(expected.len() as u64)));

    let runs = &l.tables.runs;
    let ids = strings(runs, "run_id");
    let created = runs.column_by_name("created_at").unwrap().as_primitive::<TimestampMillisecondType>();
    let ended = runs.column_by_name("ended_at").unwrap().as_primitive::<TimestampMillisecondType>();
    for (run, exp) in &expected {
        let id = run_id(&origin, run);
        let i = ids.iter().position(|r| r.as_deref() == Some(id.as_str())).unwrap();
        let attr = |c: &str| strings(runs, c)[i].clone();
        assert_eq!(attr("source").as_deref(), Some("tensorboard"));
        assert_eq!(attr("name").as_deref(), Some(run.as_str()), "{run}");
        assert_eq!(attr("origin"), Some(id.clone()));
        let group = exp["group_name"]
            .as_str()
            .map(str::to_string)
            .or_else(|| run.rsplit_once('/').map(|(parent, _)| parent.to_string()));
        assert_eq!(attr("run_group"), group, "{run} group");
        assert_eq!(attr("status"), None);
        let range = exp["wall_time_range"].as_array().unwrap();
        assert_eq!(created.value(i), ms(&range[0]), "{run} created_at");
        assert_eq!(ended.value(i), ms(&range[1]), "{run} ended_at");
        assert_eq!(ms(&exp["first_event_timestamp"]), ms(&range[0]), "fixture: first event is the earliest");
    }
}

#[test]
fn every_scalar_point_matches_tensorboard() {
    let (l, expected, origin) = load_fixture();
    let mut total = 0usize;
    for (run, exp) in &expected {
        let id = run_id(&origin, run);
        let mut want_keys = BTreeSet::new();
        for kind in ["scalars", "tensor_scalars"] {
            for (tag, points) in exp[kind].as_object().unwrap() {
                want_keys.insert(tag.clone());
                let want: Vec<(i64, i64, f64)> = points
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| (p[0].as_i64().unwrap(), ms(&p[1]), num(&p[2])))
                    .collect();
                let got = common::points(&l, &id, tag);
                assert_eq!(got.len(), want.len(), "{run} {tag}");
                for (g, w) in got.iter().zip(&want) {
                    assert_eq!(g.0, w.0, "{run} {tag} step");
                    assert_eq!(g.1, Some(w.1), "{run} {tag} step {} wall time", w.0);
                    assert!(same(g.2, w.2), "{run} {tag} step {}: got {} want {}", w.0, g.2, w.2);
                }
                total += want.len();
            }
        }
        let got_keys: BTreeSet<String> = {
            let runs = strings(&l.tables.metric_summary, "run_id");
            let keys = strings(&l.tables.metric_summary, "key");
            (0..runs.len())
                .filter(|&i| runs[i].as_deref() == Some(id.as_str()))
                .map(|i| keys[i].clone().unwrap())
                .collect()
        };
        assert_eq!(got_keys, want_keys, "{run}: no metric key more or less than TensorBoard's");
    }
    assert_eq!(l.tables.metrics.num_rows(), total);
}

#[test]
fn specific_points_the_fixture_was_built_for() {
    let (l, _, origin) = load_fixture();
    let lr = run_id(&origin, "lr=0.01");
    // step 0 is absent from the bytes (proto3 default) and still step 0.
    let loss = points(&l, &lr, "train/loss");
    assert_eq!(loss.iter().map(|p| p.0).collect::<Vec<_>>(), (0..11).collect::<Vec<_>>());
    // Two event files merged in name order: steps 8..10 come from the second file, 600 s later.
    assert_eq!(loss[8].1, Some(1_767_226_201_000));
    let grad = points(&l, &lr, "train/grad_norm");
    assert!(grad[1].2.is_nan());
    assert_eq!(grad[2].2, f64::INFINITY);
    assert_eq!(grad[3].2, f64::NEG_INFINITY);
    // float32 values are widened, not re-rounded: 0.99-style precision loss is TensorBoard's too.
    let fp64 = points(&l, &run_id(&origin, "lr=0.001"), "train/loss_fp64");
    let fp32 = points(&l, &run_id(&origin, "lr=0.001"), "train/loss");
    assert!((fp64[0].2 - fp32[0].2).abs() < 1e-6 && fp64[0].2 != fp32[0].2, "double_val keeps f64 precision");
    let val = run_id(&origin, "keras_style/validation");
    assert!(points(&l, &val, "epoch_loss")[3].2.is_nan());
    assert_eq!(points(&l, &val, "epoch_learning_rate")[0].2, 0.0999755859375, "DT_HALF 0.1");
    assert_eq!(points(&l, &val, "evaluation_loss_vs_iterations").len(), 3);
}

#[test]
fn hparams_become_params() {
    let (l, expected, origin) = load_fixture();
    let p = &l.tables.params;
    let runs = strings(p, "run_id");
    let keys = strings(p, "key");
    let values = strings(p, "value");
    let types = strings(p, "value_type");
    let nums = p.column_by_name("value_num").unwrap().as_primitive::<Float64Type>();
    let mut checked = 0;
    for (run, exp) in &expected {
        let id = run_id(&origin, run);
        let got: BTreeMap<String, usize> = (0..p.num_rows())
            .filter(|&i| runs[i].as_deref() == Some(id.as_str()))
            .map(|i| (keys[i].clone().unwrap(), i))
            .collect();
        let Some(want) = exp["hparams"].as_object() else {
            assert!(got.is_empty(), "{run} has no hparams");
            continue;
        };
        assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>(), "{run}");
        for (k, w) in want {
            let i = got[k];
            let text = values[i].clone().unwrap();
            match w["type"].as_str().unwrap() {
                "number_value" => {
                    let n = w["value"].as_f64().unwrap();
                    assert_eq!(text.parse::<f64>().unwrap(), n, "{run} {k}");
                    assert_eq!(nums.value(i), n, "{run} {k}");
                    assert!(nums.is_valid(i));
                }
                "bool_value" => {
                    let b = w["value"].as_bool().unwrap();
                    assert_eq!(text, b.to_string(), "{run} {k}");
                    assert_eq!(types[i].as_deref(), Some("bool"));
                    assert_eq!(nums.value(i), if b { 1.0 } else { 0.0 });
                }
                "string_value" => {
                    assert_eq!(text, w["value"].as_str().unwrap(), "{run} {k}");
                    assert_eq!(types[i].as_deref(), Some("str"));
                }
                other => panic!("unexpected hparam kind {other}"),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 12);
    // tensorboardX skips None hparams (`scheduler`), as TensorBoard shows.
    assert!(!keys.iter().any(|k| k.as_deref() == Some("scheduler")));
    // Ints are doubles in the hparams proto: written in shortest round-trip form.
    let i = (0..p.num_rows())
        .find(|&i| {
            runs[i].as_deref() == Some(run_id(&origin, "lr=0.01/hparams").as_str())
                && keys[i].as_deref() == Some("batch_size")
        })
        .unwrap();
    assert_eq!(values[i].as_deref(), Some("32.0"));
}

#[test]
fn everything_else_is_counted_as_ignored_and_nothing_is_reported_wrong() {
    let (l, expected, _) = load_fixture();
    let count = |f: &dyn Fn(&Value) -> u64| expected.values().map(f).sum::<u64>();
    let n = |v: &Value, k: &str| v["ignored"][k].as_u64().unwrap_or(0);
    let ig = |k: &str| l.report.ignored.get(k).copied().unwrap_or(0);
    assert_eq!(ig("TensorBoard histogram values"), count(&|v| n(v, "histo") + n(v, "histograms")));
    assert_eq!(ig("TensorBoard image values"), count(&|v| n(v, "image")));
    assert_eq!(ig("TensorBoard text values"), count(&|v| n(v, "text")));
    assert_eq!(ig("TensorBoard graphs"), count(&|v| u64::from(v["graph"].as_bool().unwrap())));
    // Each add_hparams writes an experiment and a session-end record besides session_start_info.
    let add_hparams_runs = expected.keys().filter(|r| r.ends_with("/hparams")).count() as u64;
    assert_eq!(ig("TensorBoard hparams experiment and session-end records"), 2 * add_hparams_runs);
    assert_eq!(
        l.report.ignored.keys().filter(|k| k.starts_with("TensorBoard")).count(),
        5,
        "{:?}",
        l.report.ignored
    );
    assert_eq!(l.report.issue_count(Severity::Skipped), 0, "{}", l.report);
    assert_eq!(l.report.issue_count(Severity::Warning), 0, "{}", l.report);
    assert_eq!(l.report.files_read, 9, "every event file");
}

#[test]
fn the_fixture_is_small_and_names_no_machine_path() {
    let dir = fixture_dir();
    let repo_root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
        .display()
        .to_string();
    let mut total = 0;
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                let bytes = std::fs::read(e.path()).unwrap();
                total += bytes.len();
                let text = String::from_utf8_lossy(&bytes);
                // The generator writes at a neutral path and copies; a regenerated fixture
                // must not carry the absolute path of the checkout it was made in.
                assert!(!text.contains(repo_root.as_str()), "{} names {repo_root}", e.path().display());
            }
        }
    }
    assert!(total < 500_000, "{total} bytes");
}

/// The names of the formats found in `tree`, in detection order.
fn found_formats(tree: &runql_readers::FileTree) -> Vec<&'static str> {
    runql_readers::registry::detect(tree).iter().map(|r| r.name).collect()
}
