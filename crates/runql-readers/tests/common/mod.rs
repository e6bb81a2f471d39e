//! Helpers shared by the integration tests: build MLflow trees in memory.

#![allow(dead_code)]

pub mod wandb_log;

use arrow_array::{Array, RecordBatch, StringArray};
use runql_readers::{FileTree, LoadOptions, Loaded, Severity};

pub const EXP0: &str =
    "artifact_location: file:///tmp/mlruns/0\nexperiment_id: '0'\nlifecycle_stage: active\nname: Default\n";

pub fn run_meta(run_id: &str, exp: &str, status: u8) -> String {
    format!(
        "artifact_uri: file:///tmp/mlruns/{exp}/{run_id}/artifacts\nend_time: 1700000100000\nentry_point_name: ''\nexperiment_id: '{exp}'\nlifecycle_stage: active\nrun_id: {run_id}\nrun_name: run-{run_id}\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: 1700000000000\nstatus: {status}\ntags: []\nuser_id: tester\n"
    )
}

/// A tree with the Default experiment and the given `(path, content)` files.
pub fn tree(files: &[(&str, &[u8])]) -> FileTree {
    let mut t = FileTree::new("mlruns");
    t.insert("0/meta.yaml", EXP0.as_bytes().to_vec());
    for (path, bytes) in files {
        t.insert(path, bytes.to_vec());
    }
    t
}

pub fn load(t: FileTree) -> Loaded {
    runql_readers::load(&[t], &LoadOptions::default()).expect("load")
}

pub fn column<'a>(batch: &'a RecordBatch, name: &str) -> &'a StringArray {
    batch.column_by_name(name).and_then(|c| c.as_any().downcast_ref::<StringArray>()).expect(name)
}

pub fn strings(batch: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let c = column(batch, name);
    (0..c.len()).map(|i| c.is_valid(i).then(|| c.value(i).to_string())).collect()
}

pub fn skipped(loaded: &Loaded) -> Vec<String> {
    loaded
        .report
        .issues()
        .iter()
        .filter(|i| i.severity == Severity::Skipped)
        .map(ToString::to_string)
        .collect()
}

pub fn warnings(loaded: &Loaded) -> Vec<String> {
    loaded
        .report
        .issues()
        .iter()
        .filter(|i| i.severity == Severity::Warning)
        .map(ToString::to_string)
        .collect()
}

/// `(step, timestamp, value)` of every point of `run`/`key`, in table order.
pub fn points(loaded: &Loaded, run: &str, key: &str) -> Vec<(i64, Option<i64>, f64)> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float64Type, Int32Type, Int64Type};
    let m = &loaded.tables.metrics;
    let dict_str = |name: &str, i: usize| -> String {
        let d = m.column_by_name(name).unwrap().as_dictionary::<Int32Type>();
        let values = d.values().as_string::<i32>();
        values.value(d.keys().value(i) as usize).to_string()
    };
    let steps = m.column_by_name("step").unwrap().as_primitive::<Int64Type>();
    let ts = m.column_by_name("timestamp").unwrap().as_primitive::<Int64Type>();
    let values = m.column_by_name("value").unwrap().as_primitive::<Float64Type>();
    (0..m.num_rows())
        .filter(|&i| dict_str("run_id", i) == run && dict_str("key", i) == key)
        .map(|i| (steps.value(i), ts.is_valid(i).then(|| ts.value(i)), values.value(i)))
        .collect()
}

/// The `metric_summary` row of `run`/`key` as `(column name → f64)` for the float columns.
pub fn summary(loaded: &Loaded, run: &str, key: &str, col: &str) -> Option<f64> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float64Type, Int64Type};
    let s = &loaded.tables.metric_summary;
    let runs = strings(s, "run_id");
    let keys = strings(s, "key");
    let i =
        (0..s.num_rows()).find(|&i| runs[i].as_deref() == Some(run) && keys[i].as_deref() == Some(key))?;
    let c = s.column_by_name(col)?;
    if let Some(f) = c.as_primitive_opt::<Float64Type>() {
        return f.is_valid(i).then(|| f.value(i));
    }
    let n = c.as_primitive::<Int64Type>();
    n.is_valid(i).then(|| n.value(i) as f64)
}

/// Copies folder `from` into `to`, following symlinks as a zip or a copy does (broken ones,
/// which the W&B SDK leaves for logs it did not keep, are left out as they would be).
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else if path.exists() {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// An SQLite database built by SQL, as its file's bytes.
pub fn db(sql: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(sql).unwrap();
    drop(conn);
    std::fs::read(path).unwrap()
}
