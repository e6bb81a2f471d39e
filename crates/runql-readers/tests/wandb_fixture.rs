//! The real W&B fixture written by `wandb` 0.31.0 and 0.16.6
//! (scripts/fixtures/make_wandb_fixtures.py) must load as the SDK itself reads it back
//! (tests/fixtures/wandb/expected.json: `wandb leet inspect` = wandb-core's own reader).

// Test helpers live outside #[test] functions, where clippy's allow-*-in-tests does not reach;
// in a test, a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMillisecondType;
use common::*;
use runql_readers::{FileTree, LoadOptions, Loaded};
use serde_json::Value;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/wandb")
}

fn load_fixture() -> (Loaded, Value) {
    let dir = fixture_dir();
    let expected: Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).expect("expected.json")).unwrap();
    let tree = FileTree::from_path(&dir.join("wandb")).unwrap();
    (runql_readers::load(&[tree], &LoadOptions::default()).unwrap(), expected)
}

fn runs(expected: &Value) -> &Vec<Value> {
    expected["runs"].as_array().unwrap()
}

/// expected.json spells non-finite floats as strings.
fn num(v: &Value) -> Option<f64> {
    match v {
        Value::String(s) if s == "NaN" => Some(f64::NAN),
        Value::String(s) if s == "Infinity" => Some(f64::INFINITY),
        Value::String(s) if s == "-Infinity" => Some(f64::NEG_INFINITY),
        other => other.as_f64(),
    }
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

/// Flattens a JSON object to `a.b` leaves (as leet shows nested values, and as runql keys them).
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, x, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

/// Numeric leaves of a history row or summary, skipping `_` keys and media objects
/// (any prefix that has a `._type` leaf), and counting what is not a number.
fn numeric_leaves(item: &Value, non_numeric: &mut BTreeMap<String, u64>) -> Vec<(String, f64)> {
    let mut leaves = Vec::new();
    flatten("", item, &mut leaves);
    let media: BTreeMap<String, String> = leaves
        .iter()
        .filter_map(|(k, v)| Some((k.strip_suffix("._type")?.to_string(), v.as_str()?.to_string())))
        .collect();
    for kind in media.values() {
        *non_numeric.entry(format!("media:{kind}")).or_default() += 1;
    }
    let mut out = Vec::new();
    for (k, v) in leaves {
        if k.starts_with('_') || media.keys().any(|m| k.starts_with(&format!("{m}."))) {
            continue;
        }
        match num(&v) {
            Some(f) if !v.is_boolean() => out.push((k, f)),
            _ => {
                let kind = match v {
                    Value::String(_) => "string",
                    Value::Bool(_) => "boolean",
                    Value::Null => "null",
                    Value::Array(_) => "list",
                    _ => "other",
                };
                *non_numeric.entry(kind.to_string()).or_default() += 1;
            }
        }
    }
    out
}

type Points = BTreeMap<String, Vec<(i64, Option<i64>, f64)>>;

/// `2026-12-04T19:58:26.387998486Z` → epoch ms, truncated.
fn rfc3339_ms(t: &str) -> i64 {
    let t = t.strip_suffix('Z').unwrap();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    let ms: i64 = format!("{frac:0<3}")[..3].parse().unwrap();
    runql_core::timefmt::parse_iso_ms(whole).unwrap() + ms
}

/// The points a run should have, from the SDK's history rows and summary view.
fn expected_points(run: &Value, non_numeric: &mut BTreeMap<String, u64>) -> Points {
    let sdk = &run["sdk_read"];
    let mut points: Points = BTreeMap::new();
    let mut last_step = 0;
    for row in sdk["history"].as_array().unwrap() {
        let item = &row["item"];
        let step = row["step"].as_i64().or_else(|| item["_step"].as_i64()).expect("a step");
        last_step = step;
        let ts = item["_timestamp"].as_f64().map(|t| (t * 1000.0).round() as i64);
        for (k, v) in numeric_leaves(item, non_numeric) {
            points.entry(k).or_default().push((step, ts, v));
        }
    }
    // System monitor samples: `system/<key>`, the step counts the samples, the time is the
    // sample's (RFC 3339 with nanoseconds, truncated to ms as protobuf Timestamps are).
    for (sample, stats) in sdk["stats"].as_array().unwrap().iter().enumerate() {
        let ts = rfc3339_ms(stats["timestamp"].as_str().unwrap());
        for (k, v) in stats["item"].as_object().unwrap() {
            let v = num(v).unwrap_or_else(|| panic!("system metric {k} is a number: {v}"));
            points.entry(format!("system/{k}")).or_default().push((sample as i64, Some(ts), v));
        }
    }
    // Summary numbers with no history: one point at the last step.
    let summary = &sdk["summary_view"]["summary"];
    let ts = summary["_timestamp"].as_f64().map(|t| (t * 1000.0).round() as i64);
    let mut ignored = BTreeMap::new();
    for (k, v) in numeric_leaves(summary, &mut ignored) {
        points.entry(k).or_insert_with(|| vec![(last_step, ts, v)]);
    }
    points
}

#[test]
fn every_run_is_loaded_with_the_attributes_the_sdk_reads() {
    let (l, expected) = load_fixture();
    let want: BTreeSet<String> =
        runs(&expected).iter().map(|r| r["logged"]["run_id"].as_str().unwrap().to_string()).collect();
    let got: Vec<String> = strings(&l.tables.runs, "run_id").into_iter().flatten().collect();
    assert_eq!(got.len(), want.len(), "latest-run must not be loaded twice: {got:?}");
    assert_eq!(got.iter().cloned().collect::<BTreeSet<_>>(), want);
    assert_eq!(l.report.formats.get("wandb"), Some(&(want.len() as u64)));

    let r = &l.tables.runs;
    let created = r.column_by_name("created_at").unwrap().as_primitive::<TimestampMillisecondType>();
    let ended = r.column_by_name("ended_at").unwrap().as_primitive::<TimestampMillisecondType>();
    for run in runs(&expected) {
        let logged = &run["logged"];
        let view = &run["sdk_read"]["summary_view"];
        let id = logged["run_id"].as_str().unwrap();
        let i = got.iter().position(|g| g == id).unwrap();
        let attr = |c: &str| strings(r, c)[i].clone();
        assert_eq!(attr("source").as_deref(), Some("wandb"));
        assert_eq!(attr("name").as_deref(), logged["name"].as_str(), "{id}");
        assert_eq!(attr("project").as_deref(), Some("runql-fixture"), "{id}");
        assert_eq!(attr("run_group").as_deref(), logged["group"].as_str(), "{id}");
        assert_eq!(attr("user").as_deref(), Some("fixture-user"), "{id}");
        let state = view["state"].as_str().unwrap_or("running");
        let want_status = match state {
            "finished" => "FINISHED",
            "failed" => "FAILED",
            "running" | "unknown" => "RUNNING",
            other => panic!("state {other}"),
        };
        assert_eq!(attr("status").as_deref(), Some(want_status), "{id}");
        match logged["exit_code"].as_i64() {
            Some(0) => assert_eq!(want_status, "FINISHED"),
            Some(_) => assert_eq!(want_status, "FAILED"),
            None => assert_eq!(want_status, "RUNNING"),
        }
        assert!(attr("origin").unwrap().ends_with(run["folder"].as_str().unwrap()), "{id}");
        // Start time: about the first row's _timestamp − _runtime.
        let first = &run["sdk_read"]["history"][0]["item"];
        let start = first["_timestamp"].as_f64().unwrap() - first["_runtime"].as_f64().unwrap();
        assert!(created.is_valid(i), "{id} has a start time");
        assert!(
            (created.value(i) as f64 - start * 1000.0).abs() < 2000.0,
            "{id}: {} vs {start}",
            created.value(i)
        );
        // Ended only for runs that exited: the last _timestamp logged.
        if want_status == "RUNNING" {
            assert!(!ended.is_valid(i), "{id}");
        } else {
            let last = run["sdk_read"]["history"].as_array().unwrap().last().unwrap()["item"]["_timestamp"]
                .as_f64()
                .unwrap();
            let summary_ts = view["summary"]["_timestamp"].as_f64().unwrap_or(0.0);
            let want = (last.max(summary_ts) * 1000.0).round() as i64;
            assert_eq!(ended.value(i), want, "{id}");
            assert!(ended.value(i) >= created.value(i), "{id}");
        }
    }
}

#[test]
fn params_are_the_config_flattened() {
    let (l, expected) = load_fixture();
    for run in runs(&expected) {
        let id = run["logged"]["run_id"].as_str().unwrap();
        let mut leaves = Vec::new();
        flatten("", &run["sdk_read"]["summary_view"]["config"], &mut leaves);
        let want: BTreeMap<String, Option<String>> = leaves
            .into_iter()
            .filter(|(k, _)| !k.starts_with("_wandb"))
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, Some(text))
            })
            .collect();
        assert_eq!(pairs(&l.tables.params, id), want, "{id}");
        // And the config is what the script passed (leet's view vs the script's own record).
        let mut logged = Vec::new();
        flatten("", &run["logged"]["config"], &mut logged);
        assert_eq!(logged.len(), want.len(), "{id}");
    }
    // Types come through: ints, floats, bools, lists as JSON text, null.
    let p = pairs(&l.tables.params, "base7b01");
    assert_eq!(p["optimizer.lr"].as_deref(), Some("0.001"));
    assert_eq!(p["optimizer.betas"].as_deref(), Some("[0.9,0.999]"));
    assert_eq!(p["optimizer.schedule.warmup"].as_deref(), Some("100"));
    assert_eq!(p["use_amp"].as_deref(), Some("true"));
    assert_eq!(p["empty"].as_deref(), Some("null"));
    assert_eq!(pairs(&l.tables.params, "expl0002")["late_param"].as_deref(), Some("added-after-init"));
    assert!(l.report.ignored.keys().any(|k| k.contains("_wandb")), "{:?}", l.report.ignored);
}

#[test]
fn tags_split_on_the_first_colon_and_run_facts_are_wandb_tags() {
    let (l, expected) = load_fixture();
    for run in runs(&expected) {
        let id = run["logged"]["run_id"].as_str().unwrap();
        let got = pairs(&l.tables.tags, id);
        let user: BTreeMap<String, Option<String>> = got
            .iter()
            .filter(|(k, _)| !k.starts_with("wandb."))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let want: BTreeMap<String, Option<String>> = run["logged"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let t = t.as_str().unwrap();
                match t.split_once(':') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (t.to_string(), None),
                }
            })
            .collect();
        assert_eq!(user, want, "{id}");
        assert_eq!(got["wandb.host"].as_deref(), Some("fixture-host"), "{id}");
        assert_eq!(
            got["wandb.program"].as_deref(),
            Some("/tmp/runql-fixture/make_wandb_fixtures.py"),
            "{id}"
        );
    }
    let base = pairs(&l.tables.tags, "base7b01");
    assert_eq!(base["model_size"].as_deref(), Some("7b"));
    assert_eq!(base["baseline"], None);
    assert_eq!(base["data"].as_deref(), Some("c4:en"));
    assert_eq!(base["wandb.job_type"].as_deref(), Some("train"));
    assert_eq!(base["wandb.notes"].as_deref(), Some("fixture run with auto steps"));
    assert_eq!(base["wandb.sdk_version"].as_deref(), Some("0.31.0"));
}

#[test]
fn metric_points_match_the_sdk_history() {
    let (l, expected) = load_fixture();
    let mut total = 0usize;
    for run in runs(&expected) {
        let id = run["logged"]["run_id"].as_str().unwrap();
        let mut non_numeric = BTreeMap::new();
        let want = expected_points(run, &mut non_numeric);
        for (key, points) in &want {
            let got = points_of(&l, id, key);
            assert_eq!(got.len(), points.len(), "{id} {key}: {got:?} vs {points:?}");
            for (g, w) in got.iter().zip(points) {
                assert_eq!((g.0, g.1), (w.0, w.1), "{id} {key} step/timestamp");
                assert!(same(g.2, w.2), "{id} {key} at {}: {} vs {}", w.0, g.2, w.2);
            }
            total += points.len();
        }
    }
    assert_eq!(l.tables.metrics.num_rows(), total, "no points beyond the SDK's history and summary");
}

fn points_of(l: &Loaded, run: &str, key: &str) -> Vec<(i64, Option<i64>, f64)> {
    points(l, run, key)
}

#[test]
fn steps_nan_inf_and_summary_only_values() {
    let (l, _) = load_fixture();
    let loss = points(&l, "base7b01", "train/loss");
    assert_eq!(loss.iter().map(|p| p.0).collect::<Vec<_>>(), [0, 1, 2, 3, 4, 5], "auto steps");
    assert!(loss[2].2.is_nan());
    assert_eq!(loss[4].2, f64::INFINITY);
    assert_eq!(points(&l, "base7b01", "train/neg")[0].2, f64::NEG_INFINITY);
    // Explicit step= with gaps, merged commit=False calls, and an auto step after them.
    let e = points(&l, "expl0002", "train/loss");
    assert_eq!(
        e.iter().map(|p| (p.0, p.2)).collect::<Vec<_>>(),
        [(0, 1.0), (10, 0.8), (20, 0.5), (21, 0.25)]
    );
    assert_eq!(points(&l, "expl0002", "grad.norm").iter().map(|p| p.0).collect::<Vec<_>>(), [10]);
    // Summary-only values become one point at the last step.
    assert_eq!(
        points(&l, "base7b01", "best_val").iter().map(|p| (p.0, p.2)).collect::<Vec<_>>(),
        [(5, 0.25)]
    );
    assert_eq!(
        points(&l, "base7b01", "val/loss.min").iter().map(|p| (p.0, p.2)).collect::<Vec<_>>(),
        [(5, 0.2)]
    );
    assert_eq!(summary(&l, "base7b01", "best_val", "last"), Some(0.25));
    // The summary override of a logged key does not change the logged history.
    assert_eq!(summary(&l, "base7b01", "train/acc", "last"), Some(0.5));
    // Legacy 0.16: flat keys, nested dicts, a row whose step is only in `_step`.
    assert_eq!(points(&l, "legacy04", "nested.acc").len(), 3);
    let legacy = points(&l, "legacy04", "loss");
    assert_eq!(legacy.iter().map(|p| p.0).collect::<Vec<_>>(), [0, 1, 2, 5]);
    assert!(legacy[3].2.is_nan());
    assert_eq!(summary(&l, "legacy04", "loss", "nan_count"), Some(1.0));
}

#[test]
fn what_is_not_tabulated_is_counted() {
    let (l, expected) = load_fixture();
    let ig = &l.report.ignored;
    let get = |needle: &str| -> u64 { ig.iter().filter(|(k, _)| k.contains(needle)).map(|(_, v)| *v).sum() };
    // Media and non-numeric history values of the explicit-steps run.
    let mut non_numeric = BTreeMap::new();
    for run in runs(&expected) {
        let sdk = &run["sdk_read"];
        for row in sdk["history"].as_array().unwrap() {
            numeric_leaves(&row["item"], &mut non_numeric);
        }
    }
    assert_eq!(get("history media/table/histogram values (image-file"), non_numeric["media:image-file"]);
    assert_eq!(get("history media/table/histogram values (table-file"), non_numeric["media:table-file"]);
    assert_eq!(get("history media/table/histogram values (histogram"), non_numeric["media:histogram"]);
    assert_eq!(get("W&B history string values"), non_numeric["string"]);
    assert_eq!(get("W&B history boolean values"), non_numeric["boolean"]);
    assert_eq!(get("W&B media files"), 2, "{ig:?}");
    // Record types that are not tabulated, as counted by the SDK's reader.
    let mut records: BTreeMap<String, u64> = BTreeMap::new();
    for run in runs(&expected) {
        for (k, v) in run["sdk_read"]["record_counts"].as_object().unwrap() {
            *records.entry(k.clone()).or_default() += v.as_u64().unwrap();
        }
    }
    for kind in ["telemetry", "files", "artifact", "metric", "final", "footer"] {
        assert_eq!(
            ig.get(&format!("W&B log records: {kind}")).copied().unwrap_or(0),
            records.get(kind).copied().unwrap_or(0),
            "{kind}: {ig:?}"
        );
    }
    assert_eq!(get("console output lines"), records.get("output_raw").copied().unwrap_or(0));
    let rows: u64 = records["history"];
    assert_eq!(get("_runtime values"), rows, "one _runtime per history row");
    assert!(get("latest-run") > 0, "{ig:?}");
    assert!(get("W&B debug logs") > 0, "{ig:?}");
    // The only issue is the crashed run's log ending mid-record (normal for a live log).
    let issues = l.report.issues();
    assert!(issues.iter().all(|i| i.path.contains("crash003") || i.reason.contains("symlink")), "{issues:?}");
    assert!(skipped(&l).is_empty() || skipped(&l).iter().all(|s| s.contains("symlink")), "{:?}", skipped(&l));
}

#[test]
fn the_committed_fixture_is_what_the_readme_says() {
    let (_, expected) = load_fixture();
    assert_eq!(expected["wandb_version"], "0.31.0");
    assert_eq!(expected["legacy_wandb_version"], "0.16.6");
    for run in runs(&expected) {
        let framing = &run["sdk_read"]["framing"];
        let total: u64 =
            run["sdk_read"]["record_counts"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
        assert_eq!(framing["records"].as_u64(), Some(total), "{}", run["folder"]);
    }
}

#[test]
fn system_samples_are_system_metrics_over_the_runs_time() {
    let (l, expected) = load_fixture();
    let run = runs(&expected).iter().find(|r| r["fixture"] == "system").unwrap();
    let samples = run["sdk_read"]["stats"].as_array().unwrap();
    assert!(samples.len() >= 5, "the run lives long enough for several samples: {}", samples.len());
    assert_eq!(run["sdk_read"]["record_counts"]["stats"].as_u64(), Some(samples.len() as u64));
    // memory_percent is in every sample: its steps count the samples, its times are theirs.
    let memory = points(&l, "sysm0005", "system/memory_percent");
    assert_eq!(memory.iter().map(|p| p.0).collect::<Vec<_>>(), (0..samples.len() as i64).collect::<Vec<_>>());
    let times: Vec<i64> = memory.iter().map(|p| p.1.unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
    // Sampled while the run trained: between its start and its end (the monitor may sample
    // once more while the run finishes).
    let r = &l.tables.runs;
    let i = strings(r, "run_id").iter().position(|id| id.as_deref() == Some("sysm0005")).unwrap();
    let created = r.column_by_name("created_at").unwrap().as_primitive::<TimestampMillisecondType>().value(i);
    let ended = r.column_by_name("ended_at").unwrap().as_primitive::<TimestampMillisecondType>().value(i);
    assert!(times[0] >= created && *times.last().unwrap() <= ended + 2000, "{created}..{ended}: {times:?}");
    // CPU utilization as the SDK sampled it, next to the run's logged throughput.
    let cpu = points(&l, "sysm0005", "system/cpu");
    let want: Vec<f64> = samples.iter().filter_map(|s| s["item"]["cpu"].as_f64()).collect();
    assert_eq!(cpu.iter().map(|p| p.2).collect::<Vec<_>>(), want);
    assert_eq!(points(&l, "sysm0005", "train/tokens_per_s").len(), 60);
    // Stats are read, not counted as ignored; runs without a monitor have no system keys.
    assert!(!l.report.ignored.keys().any(|k| k.contains("stats")), "{:?}", l.report.ignored);
    assert!(points(&l, "base7b01", "system/cpu").is_empty());
}
