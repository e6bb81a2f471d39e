//! MLflow file-store ingest and ranking benchmark, with the mlflow Python package as the
//! peer in the same run. Prints numbers; asserts nothing about speed.
//!
//! ```text
//! cargo bench -p runql-cli --bench mlflow_ingest -- [--runs 1000] [--metrics 10] [--steps 1000]
//!     [--data bench-data] [--python PYTHON] [--mlflow-runs 25]
//! ```
//! `scripts/bench/ingest.sh` sets up the Python peer and runs this with the issue's sizes.

// A benchmark is a developer tool: failing loudly on a broken setup is what we want here.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use datafusion::arrow::array::RecordBatch;
use runql_readers::{FileTree, LoadOptions, Loaded};
use runql_sql::{Session, SessionOptions};
use runql_synth::{SweepSpec, write_mlflow_dir};

const RANK_SUMMARY: &str = "SELECT r.name, s.last AS final_val_loss FROM metric_summary s JOIN runs r USING (run_id) \
     WHERE s.key = 'val/loss' AND NOT isnan(s.last) ORDER BY final_val_loss LIMIT 10";
const RANK_SCAN: &str = "SELECT r.name, f.final_val_loss FROM (SELECT run_id, last_value(value ORDER BY step) AS final_val_loss \
     FROM metrics WHERE key = 'val/loss' GROUP BY run_id) f JOIN runs r USING (run_id) \
     WHERE NOT isnan(f.final_val_loss) ORDER BY f.final_val_loss LIMIT 10";

struct Args {
    spec: SweepSpec,
    data: PathBuf,
    python: Option<String>,
    mlflow_runs: usize,
}

fn parse_args() -> Args {
    let mut args = Args {
        spec: SweepSpec { runs: 1000, metrics: 10, steps: 1000, seed: 42 },
        data: PathBuf::from("bench-data"),
        python: std::env::var("RUNQL_BENCH_PYTHON").ok(),
        mlflow_runs: 25,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match flag.as_str() {
            "--runs" => args.spec.runs = value().parse().unwrap_or(args.spec.runs),
            "--metrics" => args.spec.metrics = value().parse().unwrap_or(args.spec.metrics),
            "--steps" => args.spec.steps = value().parse().unwrap_or(args.spec.steps),
            "--data" => args.data = PathBuf::from(value()),
            "--python" => args.python = Some(value()),
            "--mlflow-runs" => args.mlflow_runs = value().parse().unwrap_or(args.mlflow_runs),
            _ => {} // cargo bench passes --bench
        }
    }
    args
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs.get(xs.len() / 2).copied().unwrap_or_default()
}

fn load(dir: &Path) -> Loaded {
    let tree = FileTree::from_path(dir).expect("bench data folder");
    runql_readers::load(&[tree], &LoadOptions::default()).expect("load")
}

fn time_query(session: &Session, sql: &str, reps: usize) -> (Duration, Vec<RecordBatch>) {
    let mut times = Vec::new();
    let mut last = Vec::new();
    for _ in 0..reps {
        let t = Instant::now();
        last = session.sql_blocking(sql, &[]).expect("query").batches;
        times.push(t.elapsed());
    }
    (median(times), last)
}

fn first_name(batches: &[RecordBatch]) -> String {
    use datafusion::arrow::array::AsArray;
    batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .map(|b| {
            let c = b.column(0);
            match c.as_string_opt::<i32>() {
                Some(s) => s.value(0).to_string(),
                None => format!("{:?}", c),
            }
        })
        .unwrap_or_default()
}

fn main() {
    let args = parse_args();
    let spec = &args.spec;
    let dir =
        args.data.join(format!("mlflow-{}x{}x{}-seed{}", spec.runs, spec.metrics, spec.steps, spec.seed));
    println!("# runql MLflow ingest benchmark");
    println!(
        "data: {} ({} runs x {} metrics x {} steps = {} points)",
        dir.display(),
        spec.runs,
        spec.metrics,
        spec.steps,
        spec.points()
    );
    if !dir.join("mlruns").exists() {
        let t = Instant::now();
        let s = write_mlflow_dir(spec, &dir).expect("generate");
        println!(
            "generated: {} files, {:.1} MB in {:.2}s",
            s.files,
            s.bytes as f64 / 1e6,
            t.elapsed().as_secs_f64()
        );
    }
    let mlruns = dir.join("mlruns");
    let threads = std::thread::available_parallelism().map(usize::from).unwrap_or(1);

    // The first load warms the page cache; the timed loads below read from memory, as a
    // second look at the same folder does.
    let warm = load(&mlruns);
    let points = warm.report.rows.metrics;
    let bytes = warm.report.bytes_read;
    drop(warm);

    let mut times = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let l = load(&mlruns);
        times.push(t.elapsed());
        assert_eq!(l.report.rows.metrics, points);
    }
    let parallel = median(times);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    let t = Instant::now();
    let one = pool.install(|| load(&mlruns));
    let single = t.elapsed();
    let rate = |d: Duration| points as f64 / d.as_secs_f64();
    println!("\n## load (native, warm page cache, median of 3)");
    println!(
        "runql, {threads} threads: {:.2}s  {:.2}M points/s  {:.0} MB/s",
        parallel.as_secs_f64(),
        rate(parallel) / 1e6,
        bytes as f64 / parallel.as_secs_f64() / 1e6
    );
    println!(
        "runql, 1 thread:  {:.2}s  {:.2}M points/s  {:.0} MB/s",
        single.as_secs_f64(),
        rate(single) / 1e6,
        bytes as f64 / single.as_secs_f64() / 1e6
    );
    println!("target: >= 5M points/s on 2 cores");

    println!("\n## rank 1,000 runs by final val/loss");
    let session = Session::with_tables(&one.tables, SessionOptions::default()).expect("session");
    let (t_summary, r1) = time_query(&session, RANK_SUMMARY, 10);
    let (t_scan, r2) = time_query(&session, RANK_SCAN, 5);
    println!(
        "via metric_summary: {:.1} ms (median of 10)  top run {}",
        t_summary.as_secs_f64() * 1e3,
        first_name(&r1)
    );
    println!(
        "via full scan last_value(value ORDER BY step): {:.1} ms (median of 5)  top run {}",
        t_scan.as_secs_f64() * 1e3,
        first_name(&r2)
    );
    if first_name(&r1) != first_name(&r2) {
        println!("WARNING: the two rankings disagree on the top run");
    }

    println!("\n## peer: the mlflow Python package on the same folder");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/bench/mlflow_read.py");
    let Some(python) = args.python else {
        println!(
            "skipped: set RUNQL_BENCH_PYTHON (or --python) to a Python with mlflow (scripts/bench/ingest.sh does)"
        );
        return;
    };
    let out = Command::new(&python)
        .arg(&script)
        .arg(&mlruns)
        .args(["--max-runs", &args.mlflow_runs.to_string()])
        .output();
    let out = match out {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            println!(
                "mlflow peer failed: {}",
                String::from_utf8_lossy(&o.stderr).lines().last().unwrap_or_default()
            );
            return;
        }
        Err(e) => {
            println!("cannot start {python}: {e}");
            return;
        }
    };
    let line = String::from_utf8_lossy(&out.stdout);
    let json: serde_json::Value = match serde_json::from_str(line.trim()) {
        Ok(v) => v,
        Err(e) => {
            println!("unexpected peer output ({e}): {line}");
            return;
        }
    };
    let pps = json["est_points_per_s"].as_f64().or_else(|| json["points_per_s"].as_f64()).unwrap_or(f64::NAN);
    let est = json["est_seconds"].as_f64().or_else(|| json["seconds"].as_f64()).unwrap_or(f64::NAN);
    println!(
        "mlflow {}: read {} of {} runs' histories ({} points) in {:.2}s; whole store extrapolated: {:.1}s, {:.0} points/s",
        json["version"].as_str().unwrap_or("?"),
        json["runs"],
        json["runs_total"].as_u64().unwrap_or(spec.runs as u64),
        json["points"],
        json["seconds"].as_f64().unwrap_or(f64::NAN),
        est,
        pps
    );
    println!(
        "ratio: runql is {:.0}x faster ({} threads), {:.0}x on 1 thread (target >= 20x)",
        rate(parallel) / pps,
        threads,
        rate(single) / pps
    );
}
