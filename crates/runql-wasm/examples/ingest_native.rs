//! The native side of the browser benchmark (`scripts/bench/browser.mjs`): generates the same
//! `runql gen` sweep in memory (as an MLflow store, or in FORMAT: wandb, tensorboard, parquet,
//! arrow), loads it single-threaded (as WebAssembly does) and runs the same ranking queries,
//! then prints one JSON line.
//!
//! ```text
//! cargo run --release -p runql-wasm --example ingest_native -- RUNS METRICS STEPS SEED [FORMAT]
//! ```

use std::time::Instant;

use runql_readers::{FileTree, LoadOptions, load};
use runql_sql::{Session, SessionOptions};
use runql_synth::{SweepFormat, SweepSpec, write_sweep};

const RANK_SUMMARY: &str = "SELECT r.name, s.last AS final_val_loss FROM metric_summary s JOIN runs r USING (run_id) \
     WHERE s.key = 'val/loss' AND NOT isnan(s.last) ORDER BY final_val_loss LIMIT 10";
const RANK_SCAN: &str = "SELECT r.name, f.final_val_loss FROM (SELECT run_id, last_value(value ORDER BY step) AS final_val_loss \
     FROM metrics WHERE key = 'val/loss' GROUP BY run_id) f JOIN runs r USING (run_id) \
     WHERE NOT isnan(f.final_val_loss) ORDER BY f.final_val_loss LIMIT 10";

fn median_ms(session: &Session, sql: &str) -> Result<f64, Box<dyn std::error::Error>> {
    session.sql_blocking(sql, &[])?;
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        session.sql_blocking(sql, &[])?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    Ok(times.get(times.len() / 2).copied().unwrap_or(f64::NAN))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let format: SweepFormat = match args.get(4) {
        Some(name) => name.parse()?,
        None => SweepFormat::Mlflow,
    };
    args.truncate(4);
    let args: Vec<u64> = args.iter().map(|a| a.parse()).collect::<Result<_, _>>()?;
    let arg = |i: usize, default: u64| args.get(i).copied().unwrap_or(default);
    let spec = SweepSpec {
        runs: usize::try_from(arg(0, 1000))?,
        metrics: usize::try_from(arg(1, 10))?,
        steps: usize::try_from(arg(2, 1000))?,
        seed: arg(3, 42),
    };
    let mut tree = FileTree::new("demo");
    let t = Instant::now();
    let summary = write_sweep(&spec, format, &mut |path, bytes| {
        tree.insert(path, bytes.to_vec());
        Ok(())
    })?;
    let gen_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let loaded = load(&[tree], &LoadOptions::default())?;
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    let session = Session::with_tables(
        &loaded.tables,
        SessionOptions { target_partitions: 1, read_only: true, ..SessionOptions::default() },
    )?;
    let summary_ms = median_ms(&session, RANK_SUMMARY)?;
    let scan_ms = median_ms(&session, RANK_SCAN)?;
    println!(
        "{{\"format\":\"{}\",\"points\":{},\"files\":{},\"bytes\":{},\"gen_ms\":{gen_ms:.1},\"load_ms\":{load_ms:.1},\"rank_summary_ms\":{summary_ms:.2},\"rank_scan_ms\":{scan_ms:.2}}}",
        format.name(),
        summary.points,
        summary.files,
        summary.bytes
    );
    Ok(())
}
