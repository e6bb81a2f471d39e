//! Load throughput per input format, natively, for the same `runql gen` sweep: the MLflow
//! file store, W&B run folders, a TensorBoard logdir, runql's Parquet tables, runql's Arrow
//! IPC tables and a generic long CSV.
//! Prints numbers; asserts nothing about speed.
//!
//! ```text
//! cargo bench -p runql --features parallel --bench formats -- [--runs 1000] [--metrics 10] [--steps 1000] [--data bench-data]
//! ```
//! It needs no SQL engine; it lives beside the other whole-path benchmarks. Data is
//! generated once under `--data` (the MLflow sweep is shared with `mlflow_ingest`).

// A benchmark is a developer tool: failing loudly on a broken setup is what we want here.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use runql::readers::columnar::{TableFormat, write_tables};
use runql::readers::{FileTree, LoadOptions, Loaded, RunTables};
use runql_synth::{SweepFormat, SweepSpec, write_mlflow_dir, write_sweep};

fn parse_args() -> (SweepSpec, PathBuf) {
    let mut spec = SweepSpec { runs: 1000, metrics: 10, steps: 1000, seed: 42 };
    // cargo runs benches in the package folder; the data goes in the workspace's bench-data/.
    let mut data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bench-data");
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match flag.as_str() {
            "--runs" => spec.runs = value().parse().unwrap_or(spec.runs),
            "--metrics" => spec.metrics = value().parse().unwrap_or(spec.metrics),
            "--steps" => spec.steps = value().parse().unwrap_or(spec.steps),
            "--data" => data = PathBuf::from(value()),
            _ => {} // cargo bench passes --bench
        }
    }
    (spec, data)
}

fn load(dir: &Path) -> Loaded {
    let tree = FileTree::from_path(dir).expect("bench data");
    runql::readers::load(&[tree], &LoadOptions::default()).expect("load")
}

fn dir_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            if m.is_dir() { stack.push(e.path()) } else { total += m.len() }
        }
    }
    total
}

/// The metrics table as a long CSV, `run_id,key,step,timestamp,value`.
fn write_long_csv(tables: &RunTables, path: &Path) {
    let m = &tables.metrics;
    let cast =
        |n: &str| arrow_cast::cast(m.column_by_name(n).unwrap(), &arrow_schema::DataType::Utf8).unwrap();
    let (runs, keys) = (cast("run_id"), cast("key"));
    let (runs, keys) = (runs.as_string::<i32>(), keys.as_string::<i32>());
    let steps = m.column_by_name("step").unwrap().as_primitive::<Int64Type>();
    let ts = m.column_by_name("timestamp").unwrap().as_primitive::<Int64Type>();
    let values = m.column_by_name("value").unwrap().as_primitive::<Float64Type>();
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(w, "run_id,key,step,timestamp,value").unwrap();
    for i in 0..m.num_rows() {
        let t = if ts.is_valid(i) { ts.value(i).to_string() } else { String::new() };
        writeln!(w, "{},{},{},{},{}", runs.value(i), keys.value(i), steps.value(i), t, values.value(i))
            .unwrap();
    }
    w.flush().unwrap();
}

/// Writes the sweep in `format` under `dir`, creating folders.
fn write_sweep_dir(spec: &SweepSpec, format: SweepFormat, dir: &Path) {
    write_sweep(spec, format, &mut |rel: &str, bytes: &[u8]| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).map_err(|source| runql::core::CoreError::Write { path, source })
    })
    .unwrap();
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn main() {
    let (spec, data) = parse_args();
    let base = data.join(format!("mlflow-{}x{}x{}-seed{}", spec.runs, spec.metrics, spec.steps, spec.seed));
    let formats =
        data.join(format!("formats-{}x{}x{}-seed{}", spec.runs, spec.metrics, spec.steps, spec.seed));
    println!("# runql load throughput per format (native)");
    println!(
        "sweep: {} runs x {} metrics x {} steps = {} points",
        spec.runs,
        spec.metrics,
        spec.steps,
        spec.points()
    );
    if !base.join("mlruns").exists() {
        write_mlflow_dir(&spec, &base).expect("generate");
    }
    let mlruns = base.join("mlruns");
    let (pq, ipc, csv) = (formats.join("parquet"), formats.join("arrow"), formats.join("csv"));
    if !csv.join("metrics.csv").exists() {
        let loaded = load(&mlruns);
        for (dir, format) in [(&pq, TableFormat::Parquet), (&ipc, TableFormat::Arrow)] {
            std::fs::create_dir_all(dir).unwrap();
            let t = Instant::now();
            write_tables(&loaded.tables, format, &mut |name: &str, bytes: &[u8]| {
                std::fs::write(dir.join(name), bytes)
                    .map_err(|source| runql::core::CoreError::Write { path: dir.join(name), source })
            })
            .unwrap();
            println!("wrote {format:?} tables in {:.2}s", t.elapsed().as_secs_f64());
        }
        std::fs::create_dir_all(&csv).unwrap();
        write_long_csv(&loaded.tables, &csv.join("metrics.csv"));
    }
    let (wandb, tensorboard) = (formats.join("wandb"), formats.join("tensorboard"));
    for (dir, format) in [(&wandb, SweepFormat::Wandb), (&tensorboard, SweepFormat::Tensorboard)] {
        if !dir.exists() {
            let t = Instant::now();
            write_sweep_dir(&spec, format, dir);
            println!("wrote the {} sweep in {:.2}s", format.name(), t.elapsed().as_secs_f64());
        }
    }
    let threads = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
    println!("\n## load (warm page cache, median of 3, {threads} threads)");
    println!("| input | on disk | time | points/s | MB/s |");
    println!("|---|---|---|---|---|");
    for (name, dir) in [
        ("MLflow file store", &mlruns),
        ("W&B run folders (.wandb logs)", &wandb),
        ("TensorBoard event files", &tensorboard),
        ("runql Parquet tables (zstd)", &pq),
        ("runql Arrow IPC tables", &ipc),
        ("generic long CSV", &csv),
    ] {
        let warm = load(dir);
        let points = warm.report.rows.metrics;
        assert_eq!(points, spec.points(), "{name}: {}", warm.report);
        drop(warm);
        let times: Vec<Duration> = (0..3)
            .map(|_| {
                let t = Instant::now();
                let l = load(dir);
                let e = t.elapsed();
                assert_eq!(l.report.rows.metrics, points);
                e
            })
            .collect();
        let t = median(times);
        let bytes = dir_bytes(dir);
        println!(
            "| {name} | {:.1} MB | {:.3} s | {:.2}M | {:.0} |",
            bytes as f64 / 1e6,
            t.as_secs_f64(),
            points as f64 / t.as_secs_f64() / 1e6,
            bytes as f64 / t.as_secs_f64() / 1e6
        );
    }
}
