//! Plain run tables: long CSV/JSONL, wide CSV, MLflow UI downloads; and the same input
//! cut off, corrupt, empty, huge or hostile, reported with file and line, never a panic.

// Test helpers live outside #[test] functions, where clippy's allow-*-in-tests does not reach;
// in a test, a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, TimestampMillisecondType};
use common::*;
use proptest::prelude::*;
use runql_readers::{CoreError, FileTree, LoadOptions, Loaded, Severity};

fn load_files(files: &[(&str, &str)]) -> Result<Loaded, CoreError> {
    let mut tree = FileTree::new("up");
    for (p, text) in files {
        tree.insert(p, text.as_bytes().to_vec());
    }
    runql_readers::load(&[tree], &LoadOptions::default())
}

fn kv(l: &Loaded, table: &str, run: &str) -> BTreeMap<String, Option<String>> {
    let t = match table {
        "params" => &l.tables.params,
        _ => &l.tables.tags,
    };
    let runs = strings(t, "run_id");
    let keys = strings(t, "key");
    let values = strings(t, "value");
    (0..t.num_rows())
        .filter(|&i| runs[i].as_deref() == Some(run))
        .map(|i| (keys[i].clone().unwrap(), values[i].clone()))
        .collect()
}

fn run_col(l: &Loaded, run: &str, col: &str) -> Option<String> {
    let r = &l.tables.runs;
    let i = strings(r, "run_id").iter().position(|id| id.as_deref() == Some(run)).unwrap();
    strings(r, col)[i].clone()
}

fn run_time(l: &Loaded, run: &str, col: &str) -> Option<i64> {
    let r = &l.tables.runs;
    let i = strings(r, "run_id").iter().position(|id| id.as_deref() == Some(run)).unwrap();
    let a = r.column_by_name(col).unwrap().as_primitive::<TimestampMillisecondType>();
    a.is_valid(i).then(|| a.value(i))
}

const LONG: &str = "run_id,key,step,timestamp,value\n\
r1,loss,0,1700000000000,1.0\n\
r1,loss,1,1700000001000,0.5\n\
r1,loss,2,1700000002000,nan\n\
r2,loss,0,1700000000,Infinity\n\
r2,acc,5,2026-01-01T00:00:00Z,-inf\n";

#[test]
fn long_csv_points_nan_spellings_and_timestamp_units() {
    let l = load_files(&[("history.csv", LONG)]).unwrap();
    assert_eq!(l.report.formats.get("table"), Some(&2));
    assert_eq!(l.report.issue_count(Severity::Skipped), 0);
    let p = points(&l, "r1", "loss");
    assert_eq!(p[..2], [(0, Some(1_700_000_000_000), 1.0), (1, Some(1_700_000_001_000), 0.5)]);
    assert!(p[2].2.is_nan());
    assert_eq!(points(&l, "r2", "loss"), [(0, Some(1_700_000_000_000), f64::INFINITY)]);
    assert_eq!(points(&l, "r2", "acc"), [(5, Some(1_767_225_600_000), f64::NEG_INFINITY)]);
    assert_eq!(strings(&l.tables.runs, "source"), [Some("table".into()), Some("table".into())]);
}

#[test]
fn detection_is_by_header_not_only_by_extension() {
    let mut tree = FileTree::new("up");
    tree.insert("data.csv", LONG.as_bytes().to_vec());
    assert_eq!(found_formats(&tree), ["table"]);
    let mut tree = FileTree::new("up");
    tree.insert("notes.csv", b"a,b\n1,2\n".to_vec());
    tree.insert("history.txt", LONG.as_bytes().to_vec());
    assert!(runql_readers::registry::detect(&tree).is_empty());
    let err = runql_readers::load(&[tree], &LoadOptions::default()).unwrap_err().to_string();
    assert!(err.contains("CSV/JSONL table"), "{err}");
}

#[test]
fn missing_step_counts_up_per_run_and_key() {
    let l = load_files(&[("m.csv", "run,metric,value\na,loss,3\na,acc,1\na,loss,2\n")]).unwrap();
    assert_eq!(points(&l, "a", "loss"), [(0, None, 3.0), (1, None, 2.0)]);
    assert_eq!(points(&l, "a", "acc"), [(0, None, 1.0)]);
}

#[test]
fn mlflow_chart_download_with_guarded_negatives() {
    let csv = "\"Run\",\"Run ID\",\"metric\",\"step\",\"timestamp\",\"value\"\n\
\"calm-owl-12\",\"abc123\",\"val/loss\",\"0\",\"1700000000000\",\"'-0.5\"\n\
\"calm-owl-12\",\"abc123\",\"val/loss\",\"1\",\"1700000001000\",\"0.25\"\n";
    let l = load_files(&[("chart.csv", csv)]).unwrap();
    assert_eq!(run_col(&l, "abc123", "name").as_deref(), Some("calm-owl-12"));
    assert_eq!(
        points(&l, "abc123", "val/loss"),
        [(0, Some(1_700_000_000_000), -0.5), (1, Some(1_700_000_001_000), 0.25)]
    );
}

#[test]
fn long_jsonl() {
    let text = concat!(
        r#"{"run_id": "r1", "key": "loss", "step": 0, "timestamp": 1700000000000, "value": 1.5, "run_name": "first"}"#,
        "\n",
        r#"{"run_id": "r1", "key": "loss", "step": 1, "value": NaN}"#,
        "\n",
        r#"{"run_id": "r1", "key": "loss", "step": 2, "value": "-Infinity"}"#,
        "\n",
        r#"{"run_id": "r1", "key": "loss", "step": 3, "value": "oops"}"#,
        "\n",
        "not json\n",
        r#"{"run_id": "r1", "key": "loss", "step": 4, "val"#,
    );
    let l = load_files(&[("points.jsonl", text)]).unwrap();
    let p = points(&l, "r1", "loss");
    assert_eq!(p.len(), 3);
    assert_eq!(p[0], (0, Some(1_700_000_000_000), 1.5));
    assert!(p[1].2.is_nan());
    assert_eq!(p[2].2, f64::NEG_INFINITY);
    assert_eq!(run_col(&l, "r1", "name").as_deref(), Some("first"));
    let s = skipped(&l);
    assert_eq!(s.len(), 3, "{s:?}");
    assert!(s[0].contains("up/points.jsonl:4:") && s[0].contains("\"oops\" is not a number"), "{s:?}");
    assert!(s[1].contains("up/points.jsonl:5:") && s[1].contains("not JSON"), "{s:?}");
    assert!(s[2].contains("up/points.jsonl:6:") && s[2].contains("cut off"), "{s:?}");
}

#[test]
fn bad_rows_are_skipped_with_file_and_line() {
    let csv = "run_id,key,step,timestamp,value\n\
r1,loss,0,,1\n\
r1,loss,1,,one\n\
r1,loss,x,,1\n\
r1,loss,2,tomorrow,1\n\
,loss,3,,1\n\
r1,,3,,1\n\
r1,loss,4\n\
\n\
r1,loss,5,,2\n";
    let l = load_files(&[("h.csv", csv)]).unwrap();
    assert_eq!(points(&l, "r1", "loss"), [(0, None, 1.0), (5, None, 2.0)]);
    let s = skipped(&l);
    let want = [
        (3, "\"one\" is not a number"),
        (4, "step \"x\" is not an integer"),
        (5, "timestamp \"tomorrow\""),
        (6, "empty run id"),
        (7, "empty metric key"),
        (8, "\"\" is not a number"),
    ];
    assert_eq!(s.len(), want.len(), "{s:?}");
    for ((line, what), msg) in want.iter().zip(&s) {
        assert!(msg.contains(&format!("up/h.csv:{line}:")) && msg.contains(what), "{msg}");
    }
}

#[test]
fn wide_csv_prefixed_columns() {
    // mlflow.search_runs().to_csv(): an unnamed index column, prefixed keys, pandas times.
    let csv = ",run_id,experiment_id,status,start_time,end_time,metrics.val/loss,params.lr,params.opt,tags.mlflow.runName,tags.team\n\
0,r1,7,FINISHED,2022-12-06 04:39:55.769000+00:00,2022-12-06 04:40:55.769000+00:00,0.25,0.001,adam,first,ml\n\
1,r2,7,FAILED,2022-12-06 05:00:00+00:00,,,0.01,sgd,second,\n\
2,r3,7,FINISHED,,,bad,0.1,sgd,,\n";
    let l = load_files(&[("runs.csv", csv)]).unwrap();
    assert_eq!(l.tables.runs.num_rows(), 3);
    assert_eq!(run_col(&l, "r1", "status").as_deref(), Some("FINISHED"));
    assert_eq!(run_col(&l, "r1", "experiment_id").as_deref(), Some("7"));
    assert_eq!(run_time(&l, "r1", "created_at"), Some(1_670_301_595_769));
    assert_eq!(run_time(&l, "r1", "ended_at"), Some(1_670_301_655_769));
    assert_eq!(points(&l, "r1", "val/loss"), [(0, None, 0.25)]);
    assert!(points(&l, "r2", "val/loss").is_empty(), "empty cell = missing");
    let p = kv(&l, "params", "r1");
    assert_eq!(p["lr"].as_deref(), Some("0.001"));
    assert_eq!(p["opt"].as_deref(), Some("adam"));
    let t = kv(&l, "tags", "r1");
    assert_eq!(t["mlflow.runName"].as_deref(), Some("first"));
    assert_eq!(t["team"].as_deref(), Some("ml"));
    let s = skipped(&l);
    assert_eq!(s.len(), 1, "{s:?}");
    assert!(
        s[0].contains("up/runs.csv:4:") && s[0].contains("metric \"val/loss\": \"bad\" is not a number"),
        "{s:?}"
    );
    assert_eq!(l.report.ignored.get("unnamed index columns of wide tables (pandas)"), Some(&3));
}

#[test]
fn mlflow_ui_runs_download_bare_columns() {
    // The MLflow UI's runs.csv: bare keys (params, then metrics, then tags), every field
    // quoted, CSV-injection guard on values that start with '-'.
    let csv = "\"Start Time\",\"Duration\",\"Run ID\",\"Name\",\"Source Type\",\"Source Name\",\"User\",\"Status\",\"lr\",\"optimizer\",\"val_loss\",\"delta\",\"team\"\n\
\"2024-01-02 03:04:05\",\"1.2min\",\"abc\",\"calm-owl\",\"LOCAL\",\"train.py\",\"ana\",\"FINISHED\",\"0.001\",\"adam\",\"0.5\",\"'-0.25\",\"ml\"\n\
\"2024-01-02 04:04:05\",\"2min\",\"def\",\"wild-fox\",\"LOCAL\",\"train.py\",\"ana\",\"FAILED\",\"0.01\",\"sgd\",\"NaN\",\"\",\"\"\n";
    let l = load_files(&[("runs.csv", csv)]).unwrap();
    assert_eq!(run_col(&l, "abc", "name").as_deref(), Some("calm-owl"));
    assert_eq!(run_col(&l, "abc", "user").as_deref(), Some("ana"));
    assert_eq!(run_time(&l, "abc", "created_at"), Some(1_704_164_645_000));
    // Column order tells them apart: the last block of numeric columns is the metrics,
    // bare columns before it params (numeric `lr` too), after it tags.
    assert_eq!(kv(&l, "params", "abc")["lr"].as_deref(), Some("0.001"));
    assert!(points(&l, "abc", "lr").is_empty());
    assert_eq!(points(&l, "abc", "delta"), [(0, None, -0.25)]);
    assert!(points(&l, "def", "val_loss")[0].2.is_nan());
    assert_eq!(kv(&l, "params", "abc")["optimizer"].as_deref(), Some("adam"));
    assert_eq!(kv(&l, "tags", "abc")["team"].as_deref(), Some("ml"));
    assert!(!kv(&l, "params", "abc").contains_key("team"));
    assert_eq!(kv(&l, "tags", "abc")["mlflow.source.name"].as_deref(), Some("train.py"));
    assert_eq!(l.report.issue_count(Severity::Skipped), 0);
    assert!(l.report.ignored.keys().any(|k| k.contains("Duration")));
}

#[test]
fn runs_merge_across_files() {
    // Two chart downloads of the same run and a wide table: one run.
    let a = "Run,Run ID,metric,step,timestamp,value\nowl,abc,loss,0,1700000000000,1\nowl,abc,loss,1,1700000001000,0.5\n";
    let b = "Run,Run ID,metric,step,timestamp,value\nowl,abc,acc,0,1700000000000,0.1\n";
    let w = "run_id,params.lr,metrics.loss,metrics.best\nabc,0.1,0.5,0.4\n";
    let l = load_files(&[("a.csv", a), ("b.csv", b), ("w.csv", w)]).unwrap();
    assert_eq!(l.tables.runs.num_rows(), 1);
    assert_eq!(points(&l, "abc", "loss").len(), 2, "the wide last value is not a second point");
    assert_eq!(points(&l, "abc", "acc").len(), 1);
    assert_eq!(points(&l, "abc", "best"), [(0, None, 0.4)]);
    assert_eq!(l.report.ignored.values().sum::<u64>(), 1, "{:?}", l.report.ignored);
    // Conflicting params within one run are reported, the first kept.
    let w2 = "run_id,params.lr\nabc,0.2\n";
    let l = load_files(&[("w.csv", w), ("x.csv", w2)]).unwrap();
    assert_eq!(kv(&l, "params", "abc")["lr"].as_deref(), Some("0.1"));
    assert!(skipped(&l).iter().any(|m| m.contains("up/x.csv:2:") && m.contains("conflicts")));
}

#[test]
fn empty_truncated_and_header_only_files() {
    // Header only: recognized, no runs.
    let l = load_files(&[("h.csv", "run_id,key,step,value\n"), ("m.csv", LONG)]).unwrap();
    assert_eq!(l.tables.runs.num_rows(), 2);
    // Empty file next to a table: reported as not run data.
    let l = load_files(&[("empty.csv", ""), ("m.csv", LONG)]).unwrap();
    assert!(skipped(&l).iter().any(|m| m.contains("up/empty.csv") && m.contains("not part of any")));
    // Cut mid-row: the partial row is skipped with its line.
    let cut = &LONG[..LONG.len() - 8];
    let l = load_files(&[("m.csv", cut)]).unwrap();
    let s = skipped(&l);
    assert!(s.iter().any(|m| m.contains("up/m.csv:6:")), "{s:?}");
    // Only an empty file: a clear error.
    let err = load_files(&[("x.csv", "")]).unwrap_err().to_string();
    assert!(err.contains("none recognized"), "{err}");
}

#[test]
fn hostile_input() {
    // Invalid UTF-8 in a row, quotes never closed, a huge cell, many columns.
    let mut bad = b"run_id,key,step,value\nr1,loss,0,1\nr1,\xff\xfe,1,2\n\"r1,loss,2,3\n".to_vec();
    bad.extend_from_slice(b"r1,loss,9,9\n");
    let mut tree = FileTree::new("up");
    tree.insert("m.csv", bad);
    let l = runql_readers::load(&[tree], &LoadOptions::default()).unwrap();
    assert_eq!(points(&l, "r1", "loss"), [(0, None, 1.0)]);
    assert!(skipped(&l).iter().any(|m| m.contains("up/m.csv:3:")), "{:?}", skipped(&l));

    let huge = format!("run_id,key,value\nr1,{},1\n", "k".repeat(1 << 20));
    let l = load_files(&[("m.csv", &huge)]).unwrap();
    assert_eq!(l.tables.metrics.num_rows(), 1);

    let wide_header: Vec<String> = (0..5000).map(|i| format!("metrics.m{i}")).collect();
    let wide_row: Vec<String> = (0..5000).map(|i| i.to_string()).collect();
    let wide = format!("run_id,{}\nr1,{}\n", wide_header.join(","), wide_row.join(","));
    let l = load_files(&[("w.csv", &wide)]).unwrap();
    assert_eq!(l.tables.metrics.num_rows(), 5000);
    let nums = l.tables.metrics.column_by_name("value").unwrap().as_primitive::<Float64Type>();
    assert_eq!(nums.value(4999), 4999.0);

    // A header too wide for the limit is refused, and said so.
    let cols: Vec<String> = (0..100_001).map(|i| format!("c{i}")).collect();
    let too_wide = format!("{}\n", cols.join(","));
    let mut tree = FileTree::new("up");
    tree.insert("w.csv", format!("run_id,{too_wide}").into_bytes());
    tree.insert("m.csv", LONG.as_bytes().to_vec());
    let l = runql_readers::load(&[tree], &LoadOptions::default()).unwrap();
    assert_eq!(l.tables.runs.num_rows(), 2);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        for (name, header) in [("m.csv", &b"run_id,key,step,timestamp,value\n"[..]), ("w.csv", b"run_id,params.a,metrics.b,c\n"), ("m.jsonl", b"{\"run_id\":\"r\",\"key\":\"k\",\"value\":1}\n")] {
            let mut input = header.to_vec();
            input.extend_from_slice(&bytes);
            let mut tree = FileTree::new("up");
            tree.insert(name, input);
            let l = runql_readers::load(&[tree], &LoadOptions::default()).unwrap();
            prop_assert!(l.tables.runs.num_rows() <= 2048);
        }
    }

    #[test]
    fn random_text_rows_never_panic(rows in proptest::collection::vec("[a-z0-9,\"' .\\-]{0,40}", 0..40)) {
        let text = format!("run_id,key,step,timestamp,value\n{}", rows.join("\n"));
        let _ = load_files(&[("m.csv", &text)]).unwrap();
        let text = format!("run_id,params.a,metrics.b,c\n{}", rows.join("\n"));
        let _ = load_files(&[("w.csv", &text)]).unwrap();
    }
}

/// The names of the formats found in `tree`, in detection order.
fn found_formats(tree: &runql_readers::FileTree) -> Vec<&'static str> {
    runql_readers::registry::detect(tree).iter().map(|r| r.name).collect()
}
