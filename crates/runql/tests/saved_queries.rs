//! The portal's saved example queries (www/src/examples.json) run on what they are written
//! for: every one answers over the demo sweep, and the system-metrics one gives, for the real
//! W&B fixture's system-metrics run, the means of what the SDK logged and sampled
//! (tests/fixtures/wandb/expected.json).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, RecordBatch};
use runql::{Engine, FileTree, LoadOptions};
use runql_synth as synth;
use serde_json::Value;

const SYSTEM_EXAMPLE: &str = "Throughput and system load vs hyperparameters";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn saved() -> Vec<(String, String)> {
    let json: Value =
        serde_json::from_slice(&std::fs::read(root().join("www/src/examples.json")).unwrap()).unwrap();
    json.as_array()
        .unwrap()
        .iter()
        .map(|e| (e["title"].as_str().unwrap().to_string(), e["sql"].as_str().unwrap().to_string()))
        .collect()
}

fn demo_engine() -> Engine {
    // The portal's demo: six metrics (system/throughput among them), a few diverging runs.
    common::demo_engine(synth::SweepSpec { runs: 24, metrics: 6, steps: 60, seed: 42 })
}

fn one_batch(engine: &Engine, sql: &str) -> RecordBatch {
    let result = engine.query(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}"));
    arrow_select::concat::concat_batches(&result.schema, &result.batches).unwrap()
}

#[test]
fn every_saved_example_answers_over_the_demo_sweep() {
    let engine = demo_engine();
    let examples = saved();
    assert!(examples.iter().any(|(t, _)| t == SYSTEM_EXAMPLE), "{examples:?}");
    for (title, sql) in examples {
        let batch = one_batch(&engine, &sql);
        assert!(batch.num_rows() > 0, "{title}: no rows over the demo sweep");
    }
}

#[test]
fn the_system_example_ranks_the_demo_by_throughput() {
    let engine = demo_engine();
    let (_, sql) = saved().into_iter().find(|(t, _)| t == SYSTEM_EXAMPLE).unwrap();
    let batch = one_batch(&engine, &sql);
    let throughput = batch.column_by_name("mean_throughput").unwrap().as_primitive::<Float64Type>();
    assert_eq!(throughput.null_count(), 0, "every demo run logs system/throughput");
    let values: Vec<f64> = throughput.values().to_vec();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "highest first: {values:?}");
    // The demo has no sampled system metrics.
    assert_eq!(batch.column_by_name("mean_cpu_util").unwrap().null_count(), batch.num_rows());
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = values.collect();
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn the_system_example_gives_the_means_the_wandb_sdk_logged_and_sampled() {
    let dir = root().join("tests/fixtures/wandb");
    let expected: Value = serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let run = expected["runs"].as_array().unwrap().iter().find(|r| r["fixture"] == "system").unwrap();
    let rows = run["logged"]["history"].as_array().unwrap();
    let want_tput = mean(rows.iter().map(|r| r["values"]["train/tokens_per_s"].as_f64().unwrap()));
    let samples = run["sdk_read"]["stats"].as_array().unwrap();
    let want_cpu = mean(samples.iter().filter_map(|s| s["item"]["cpu"].as_f64()));
    assert!(samples.iter().filter(|s| s["item"]["cpu"].is_number()).count() >= 3, "{samples:?}");

    let tree = FileTree::from_path(&dir.join("wandb")).unwrap();
    let (engine, _) = Engine::load(&[tree], &LoadOptions::default(), common::options()).unwrap();
    let (_, sql) = saved().into_iter().find(|(t, _)| t == SYSTEM_EXAMPLE).unwrap();
    let batch = one_batch(&engine, &format!("SELECT * FROM ({sql}) WHERE name = 'system-metrics'"));
    assert_eq!(batch.num_rows(), 1);
    let f = |c: &str| batch.column_by_name(c).unwrap().as_primitive::<Float64Type>().value(0);
    assert!(
        (f("mean_throughput") - want_tput).abs() <= 1e-9 * want_tput,
        "{} vs {want_tput}",
        f("mean_throughput")
    );
    assert!(
        (f("mean_cpu_util") - want_cpu).abs() <= 1e-9 * want_cpu.max(1.0),
        "{} vs {want_cpu}",
        f("mean_cpu_util")
    );
    assert!(
        batch.column_by_name("mean_gpu_util").unwrap().is_null(0),
        "no GPU where the fixture was written"
    );
    let lr = batch.column_by_name("lr").unwrap();
    assert_eq!(arrow_cast::display::array_value_to_string(lr, 0).unwrap(), "0.0003");
}
