//! The real trackio fixture (written by `trackio` 0.43.0, scripts/fixtures/make_trackio_fixture.py)
//! loads as trackio itself reads it back (tests/fixtures/trackio/expected.json:
//! `SQLiteStorage.get_runs`, `get_logs`, `get_run_config`, `get_system_logs`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMillisecondType;
use common::*;
use runql_readers::{FileTree, LoadOptions, Loaded};
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/trackio")
}

fn load_fixture() -> (Loaded, Value) {
    let expected: Value =
        serde_json::from_slice(&std::fs::read(dir().join("expected.json")).unwrap()).unwrap();
    let tree = FileTree::from_path(&dir().join("trackio")).unwrap();
    (runql_readers::load(&[tree], &LoadOptions::default()).unwrap(), expected)
}

fn iso_ms(s: &str) -> i64 {
    runql_core::timefmt::parse_iso_ms(s).unwrap()
}

fn value(v: &Value) -> Option<f64> {
    match v {
        Value::String(s) if s == "NaN" => Some(f64::NAN),
        Value::String(s) if s == "Infinity" => Some(f64::INFINITY),
        Value::String(s) if s == "-Infinity" => Some(f64::NEG_INFINITY),
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

fn run_id(l: &Loaded, name: &str) -> String {
    let names = strings(&l.tables.runs, "name");
    let ids = strings(&l.tables.runs, "run_id");
    let i = names.iter().position(|n| n.as_deref() == Some(name)).unwrap();
    ids[i].clone().unwrap()
}

#[test]
fn runs_are_what_trackio_lists_with_their_config() {
    let (l, expected) = load_fixture();
    let sdk = expected["sdk_read"].as_object().unwrap();
    let names: BTreeSet<String> = strings(&l.tables.runs, "name").into_iter().flatten().collect();
    assert_eq!(names, sdk.keys().cloned().collect::<BTreeSet<_>>());
    assert_eq!(l.report.formats.get("trackio"), Some(&(sdk.len() as u64)));
    let r = &l.tables.runs;
    let created = r.column_by_name("created_at").unwrap().as_primitive::<TimestampMillisecondType>();
    for (name, run) in sdk {
        let id = run_id(&l, name);
        let i = strings(r, "run_id").iter().position(|x| x.as_deref() == Some(&id)).unwrap();
        let config = &run["config"];
        assert_eq!(strings(r, "source")[i].as_deref(), Some("trackio"));
        assert_eq!(strings(r, "project")[i].as_deref(), Some("runql-fixture"), "the database's name");
        assert_eq!(strings(r, "run_group")[i].as_deref(), config["_Group"].as_str());
        assert_eq!(created.value(i), iso_ms(config["_Created"].as_str().unwrap()));
        assert!(strings(r, "status")[i].is_none(), "trackio records no state");
        // Params: the config without trackio's own `_` keys, nested keys joined with `.`.
        let got = params(&l, &id);
        let mut want = Vec::new();
        for (k, v) in config.as_object().unwrap() {
            match v {
                _ if k.starts_with('_') => {}
                Value::Object(m) => want.extend(m.iter().map(|(k2, v2)| (format!("{k}.{k2}"), text(v2)))),
                Value::Array(_) => want.push((k.clone(), v.to_string())),
                Value::String(s) => want.push((k.clone(), s.clone())),
                other => want.push((k.clone(), other.to_string())),
            }
        }
        want.sort();
        assert_eq!(got, want, "{name}");
    }
}

/// A config value as a param's text: strings bare, the rest as JSON.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn params(l: &Loaded, run: &str) -> Vec<(String, String)> {
    let p = &l.tables.params;
    let (ids, keys, values) = (strings(p, "run_id"), strings(p, "key"), strings(p, "value"));
    let mut out: Vec<(String, String)> = (0..p.num_rows())
        .filter(|&i| ids[i].as_deref() == Some(run))
        .map(|i| (keys[i].clone().unwrap(), values[i].clone().unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn every_logged_point_and_system_sample_is_a_metric() {
    let (l, expected) = load_fixture();
    let mut total = 0;
    let mut strings_seen = 0;
    for (name, run) in expected["sdk_read"].as_object().unwrap() {
        let id = run_id(&l, name);
        let mut want: std::collections::BTreeMap<String, Vec<(i64, Option<i64>, f64)>> = Default::default();
        for row in run["logs"].as_array().unwrap() {
            let ts = iso_ms(row["timestamp"].as_str().unwrap());
            for (k, v) in row.as_object().unwrap() {
                if k == "step" || k == "timestamp" {
                    continue;
                }
                match value(v) {
                    Some(x) => {
                        want.entry(k.clone()).or_default().push((row["step"].as_i64().unwrap(), Some(ts), x))
                    }
                    None => strings_seen += 1,
                }
            }
        }
        for (sample, row) in run["system_logs"].as_array().unwrap().iter().enumerate() {
            let ts = iso_ms(row["timestamp"].as_str().unwrap());
            for (k, v) in row.as_object().unwrap() {
                if k != "timestamp" {
                    want.entry(format!("system/{k}")).or_default().push((
                        sample as i64,
                        Some(ts),
                        value(v).unwrap(),
                    ));
                }
            }
        }
        for (key, points) in &want {
            let got = points_of(&l, &id, key);
            assert_eq!(got.len(), points.len(), "{name} {key}");
            for (g, w) in got.iter().zip(points) {
                assert_eq!((g.0, g.1), (w.0, w.1), "{name} {key}");
                assert!(g.2 == w.2 || (g.2.is_nan() && w.2.is_nan()), "{name} {key}: {} vs {}", g.2, w.2);
            }
            total += points.len();
        }
    }
    assert_eq!(l.tables.metrics.num_rows(), total, "no points beyond trackio's own reading");
    assert!(strings_seen > 0);
    assert_eq!(l.report.ignored.get("trackio string values (not tabulated)"), Some(&strings_seen));
    assert_eq!(l.report.ignored.get("trackio alerts (rows)"), Some(&1));
    assert!(l.report.issues().is_empty(), "{:?}", l.report.issues());
}

fn points_of(l: &Loaded, run: &str, key: &str) -> Vec<(i64, Option<i64>, f64)> {
    points(l, run, key)
}

#[test]
fn the_fixture_is_what_its_readme_says() {
    let (_, expected) = load_fixture();
    assert_eq!(expected["trackio_version"], "0.43.0");
    let sdk = &expected["sdk_read"];
    assert!(sdk["baseline"]["logs"].as_array().unwrap().iter().any(|r| r["train/loss"] == "NaN"));
    assert_eq!(sdk["explicit-steps"]["system_logs"].as_array().unwrap().len(), 3);
}
