//! Reading a live MLflow tracking server: runql's REST load against the MLflow client's own
//! reading (`search_runs` + `get_metric_history` per run and key), on the same server in the
//! same run. Prints numbers; asserts nothing about speed.
//!
//! ```text
//! cargo bench -p runql-cli --bench mlflow_rest -- [--runs 200] [--steps 500] [--rounds 3]
//! ```
//! The server is a real `mlflow server` (SQLite store, 2 workers) from `.venv-mlflow`
//! (scripts/setup.sh), started on 127.0.0.1 and filled by the real client; each run logs
//! `train/loss` every step and `val/acc` every 5th.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

#[path = "../tests/common/mlflow_server.rs"]
mod mlflow_server;

use std::process::Command;
use std::time::{Duration, Instant};

use runql_readers::LoadOptions;
use runql_remote::mlflow::{FetchOptions, fetch};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn main() {
    let (runs, steps, rounds) = (arg("--runs", 200), arg("--steps", 500), arg("--rounds", 3).max(1));
    let server = mlflow_server::start(&[], &[]);
    let started = Instant::now();
    let expected =
        mlflow_server::log_runs(&server, &["--runs", &runs.to_string(), "--steps", &steps.to_string()], &[]);
    let points = mlflow_server::logged_points(&expected);
    println!(
        "mlflow server with {} runs, {points} metric points (logged in {:.1} s)",
        expected["runs"].as_array().unwrap().len(),
        started.elapsed().as_secs_f64()
    );

    let mut ours = Vec::new();
    let mut requests = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        let f = fetch(&server.url, &FetchOptions::default()).unwrap();
        requests = f.requests;
        let l = runql_readers::load(&[f.tree], &LoadOptions::default()).unwrap();
        ours.push(t.elapsed());
        assert_eq!(l.tables.metrics.num_rows(), points, "runql reads every point");
    }
    let mut peer = Vec::new();
    for _ in 0..rounds {
        let out = server.dir.path().join("read.json");
        let o = Command::new(mlflow_server::python())
            .arg(mlflow_server::root().join("crates/runql-cli/tests/mlflow_server.py"))
            .args(["read", &server.url])
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap();
        peer.push(Duration::from_secs_f64(v["read_seconds"].as_f64().unwrap()));
    }
    let (a, b) = (median(ours), median(peer));
    let rate = |d: Duration| points as f64 / d.as_secs_f64() / 1e6;
    println!("| reader | median of {rounds} | points/s | requests |");
    println!("|---|---|---|---|");
    println!("| runql (REST fetch + load) | {:.2} s | {:.2}M | {requests} |", a.as_secs_f64(), rate(a));
    println!(
        "| mlflow client (search_runs + get_metric_history) | {:.2} s | {:.2}M | {} |",
        b.as_secs_f64(),
        rate(b),
        1 + expected["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["history"].as_object().unwrap().len())
            .sum::<usize>()
    );
    println!("runql is {:.1}× the client", b.as_secs_f64() / a.as_secs_f64());
}
