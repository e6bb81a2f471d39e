//! The W&B and TensorBoard sweep writers, checked by loading their output back through
//! runql's own readers and comparing with the MLflow output of the same spec.

use std::collections::BTreeMap;

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, RecordBatch};

use super::{SweepSpec, SweepSummary, write_mlflow, write_tensorboard, write_wandb};
use runql_readers::{FileTree, LoadOptions, Loaded, load};

type Writer = fn(&SweepSpec, &mut dyn FnMut(&str, &[u8]) -> crate::Result<()>) -> crate::Result<SweepSummary>;

fn generate(spec: &SweepSpec, write: Writer) -> (Loaded, SweepSummary, usize) {
    let mut tree = FileTree::new("synthetic");
    let mut files = 0;
    let summary = write(spec, &mut |path, bytes| {
        tree.insert(path, bytes.to_vec());
        files += 1;
        Ok(())
    })
    .unwrap();
    (load(&[tree], &LoadOptions::default()).unwrap(), summary, files)
}

fn strings(batch: &RecordBatch, column: &str) -> Vec<String> {
    let col = arrow_cast::cast(batch.column_by_name(column).unwrap(), &arrow_schema::DataType::Utf8).unwrap();
    let col = col.as_string::<i32>();
    (0..col.len()).map(|i| if col.is_null(i) { String::new() } else { col.value(i).to_owned() }).collect()
}

/// `(run name, key) → last value` from metric_summary.
fn last_values(loaded: &Loaded) -> BTreeMap<(String, String), f64> {
    let t = &loaded.tables;
    let names: BTreeMap<String, String> =
        strings(&t.runs, "run_id").into_iter().zip(strings(&t.runs, "name")).collect();
    let last = t.metric_summary.column_by_name("last").unwrap().as_primitive::<Float64Type>();
    strings(&t.metric_summary, "run_id")
        .into_iter()
        .zip(strings(&t.metric_summary, "key"))
        .enumerate()
        .map(|(i, (run, key))| ((names[&run].clone(), key), last.value(i)))
        .collect()
}

/// `run name → (param key → value)`.
fn params(loaded: &Loaded) -> BTreeMap<String, BTreeMap<String, String>> {
    let t = &loaded.tables;
    let names: BTreeMap<String, String> =
        strings(&t.runs, "run_id").into_iter().zip(strings(&t.runs, "name")).collect();
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for ((run, key), value) in strings(&t.params, "run_id")
        .into_iter()
        .zip(strings(&t.params, "key"))
        .zip(strings(&t.params, "value"))
    {
        out.entry(names[&run].clone()).or_default().insert(key, value);
    }
    out
}

fn same_number(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

const SPEC: SweepSpec = SweepSpec { runs: 12, metrics: 8, steps: 40, seed: 5 };

#[test]
fn wandb_output_loads_back_as_the_mlflow_output() {
    let (mlflow, expected, _) = generate(&SPEC, write_mlflow);
    let (wandb, summary, files) = generate(&SPEC, write_wandb);
    assert!(wandb.report.issues().is_empty(), "{}", wandb.report);
    assert_eq!(files, 12 * 3, "log, config.yaml and summary per run");
    assert_eq!((summary.runs, summary.points, summary.failed_runs), (12, 12 * 8 * 40, expected.failed_runs));
    assert_eq!(wandb.tables.counts().metrics, summary.points);
    // Same curves, bit for bit (value_json is Python's repr, which round-trips).
    let (a, b) = (last_values(&mlflow), last_values(&wandb));
    assert_eq!(a.len(), b.len());
    for (k, v) in &a {
        assert!(same_number(*v, b[k]), "{k:?}: mlflow {v}, wandb {}", b[k]);
    }
    // Same config, as W&B's JSON values print.
    assert_eq!(params(&mlflow), params(&wandb));
    let statuses = strings(&wandb.tables.runs, "status");
    assert_eq!(statuses.iter().filter(|s| *s == "FAILED").count(), expected.failed_runs);
    let tags = strings(&wandb.tables.tags, "key");
    assert!(tags.iter().any(|k| k == "model_size"), "{tags:?}");
}

#[test]
fn tensorboard_output_loads_back_as_the_mlflow_output() {
    let (mlflow, _, _) = generate(&SPEC, write_mlflow);
    let (tb, summary, files) = generate(&SPEC, write_tensorboard);
    assert!(tb.report.issues().is_empty(), "{}", tb.report);
    assert_eq!(files, 12, "one event file per run");
    assert_eq!(tb.tables.counts().runs, 12);
    assert_eq!(tb.tables.counts().metrics, summary.points);
    // TensorBoard scalars are 32-bit floats.
    let (a, b) = (last_values(&mlflow), last_values(&tb));
    assert_eq!(a.len(), b.len());
    for ((run, key), v) in &a {
        let got = b.iter().find(|((r, k), _)| r.ends_with(run.as_str()) && k == key).map(|(_, v)| *v);
        let got = got.unwrap_or_else(|| panic!("{run} {key} missing in {:?}", b.keys().next()));
        assert!(same_number(f64::from(*v as f32), got), "{run} {key}: mlflow {v}, tensorboard {got}");
    }
    // hparams → params: the same keys and values (numbers as TensorBoard prints them).
    let (pa, pb) = (params(&mlflow), params(&tb));
    assert_eq!(pb.len(), 12);
    for (run, p) in &pa {
        let got = pb.iter().find(|(r, _)| r.ends_with(run.as_str())).map(|(_, p)| p).unwrap();
        assert_eq!(got.keys().collect::<Vec<_>>(), p.keys().collect::<Vec<_>>());
        for (k, v) in p {
            let (x, y) = (v.parse::<f64>().ok(), got[k].parse::<f64>().ok());
            assert!(x == y && (x.is_some() || v == &got[k]), "{run} {k}: {v} vs {}", got[k]);
        }
    }
}

#[test]
fn writers_are_deterministic_and_large_records_span_blocks() {
    let big = SweepSpec { runs: 1, metrics: 200, steps: 3, seed: 9 };
    for write in [write_wandb as Writer, write_tensorboard] {
        let mut a = BTreeMap::new();
        let mut b = BTreeMap::new();
        write(&big, &mut |p, bytes| {
            a.insert(p.to_owned(), bytes.to_vec());
            Ok(())
        })
        .unwrap();
        write(&big, &mut |p, bytes| {
            b.insert(p.to_owned(), bytes.to_vec());
            Ok(())
        })
        .unwrap();
        assert_eq!(a, b);
    }
    // 200 metrics per history row: rows of several KB; the whole log still reads back.
    let (loaded, summary, _) = generate(&big, write_wandb);
    assert!(loaded.report.issues().is_empty(), "{}", loaded.report);
    assert_eq!(loaded.tables.counts().metrics, summary.points);
}
