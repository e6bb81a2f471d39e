//! What one round of `runql serve --watch` costs when a run logs one point, on sweeps of two
//! sizes, next to the peer: loading the whole folder again (what a page without `--watch`
//! needs to see the point). Prints numbers; asserts nothing about speed.
//!
//! ```text
//! cargo bench -p runql-live --bench watch_refresh -- [--runs 1000] [--metrics 10] [--steps 1000]
//!     [--data DIR] [--reps 10]
//! ```
//! The sweeps (`runql gen`, MLflow file store), the full size and a tenth of its runs, are
//! written once under the repository's `bench-data/live-*` (gitignored); the rounds append
//! lines to their metric files.

// A benchmark is a developer tool: failing loudly on a broken setup is what we want here.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use runql_live::{Discovery, Watch};
use runql_readers::{FileTree, LoadOptions};
use runql_synth::{SweepSpec, write_mlflow_dir};

struct Args {
    spec: SweepSpec,
    data: PathBuf,
    reps: usize,
}

fn parse_args() -> Args {
    let mut args = Args {
        spec: SweepSpec { runs: 1000, metrics: 10, steps: 1000, seed: 42 },
        // cargo runs benches in the package folder; the data goes in the workspace's bench-data/.
        data: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bench-data"),
        reps: 10,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match flag.as_str() {
            "--runs" => args.spec.runs = value().parse().unwrap_or(args.spec.runs),
            "--metrics" => args.spec.metrics = value().parse().unwrap_or(args.spec.metrics),
            "--steps" => args.spec.steps = value().parse().unwrap_or(args.spec.steps),
            "--data" => args.data = PathBuf::from(value()),
            "--reps" => args.reps = value().parse().unwrap_or(args.reps).max(1),
            _ => {} // cargo bench passes --bench
        }
    }
    args
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs.get(xs.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// The sweep's folder, written when absent.
fn sweep(data: &Path, spec: &SweepSpec) -> PathBuf {
    let dir = data.join(format!("live-{}x{}x{}", spec.runs, spec.metrics, spec.steps));
    if !dir.join(".complete").exists() {
        let _ = std::fs::remove_dir_all(&dir);
        eprintln!("writing {} ...", dir.display());
        write_mlflow_dir(spec, &dir).expect("write the sweep");
        std::fs::write(dir.join(".complete"), "").unwrap();
    }
    dir
}

/// A metric file of some run, to append to.
fn some_metric_file(dir: &Path) -> PathBuf {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .parent()
                .is_some_and(|p| p.ends_with("metrics") || p.parent().is_some_and(|q| q.ends_with("metrics")))
            {
                return path;
            }
        }
    }
    panic!("no metric file under {}", dir.display());
}

struct Row {
    points: usize,
    files: usize,
    /// Found from the system's change events.
    evented: Duration,
    /// Found by listing every file.
    listed: Duration,
    merge: Duration,
    reload: Duration,
}

/// The median round that read one appended point, and of merges for a page load after it.
fn rounds(dir: &Path, file: &Path, reps: usize, discovery: Discovery) -> (Duration, Duration) {
    let options = LoadOptions::default();
    let (mut watch, _) = Watch::open_with(&[dir.to_path_buf()], &options, discovery).expect("watch");
    assert!(
        discovery == Discovery::Listing || watch.without_events().is_empty(),
        "{:?}",
        watch.without_events()
    );
    let mut rounds = Vec::new();
    let mut merges = Vec::new();
    for i in 0..reps {
        watch.round();
        let line = format!("{} 0.5 {}\n", 1_900_000_000_000_i64 + i as i64, 10_000_000 + i);
        std::fs::OpenOptions::new().append(true).open(file).unwrap().write_all(line.as_bytes()).unwrap();
        // An event arrives a moment after the write: the round that reads the point counts.
        let deadline = Instant::now() + Duration::from_secs(10);
        let round = loop {
            let round = watch.round();
            if round.units_read > 0 || Instant::now() > deadline {
                break round;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        assert_eq!(round.units_read, 1, "{round:?}");
        if std::env::var_os("RUNQL_BENCH_VERBOSE").is_some() {
            eprintln!("{discovery:?}: {round:?}");
        }
        rounds.push(round.elapsed);
        // What a page loading the tables whole makes the server do.
        let t = Instant::now();
        watch.tables().expect("merge");
        merges.push(t.elapsed());
    }
    (median(rounds), median(merges))
}

fn measure(dir: &Path, reps: usize) -> Row {
    let options = LoadOptions::default();
    let files = FileTree::from_path(dir).unwrap().len();
    let file = some_metric_file(dir);
    let (evented, merge) = rounds(dir, &file, reps, Discovery::Events);
    let (listed, _) = rounds(dir, &file, reps, Discovery::Listing);
    let mut reloads = Vec::new();
    let mut points = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let loaded = runql_readers::load(&[FileTree::from_path(dir).unwrap()], &options).expect("load");
        reloads.push(t.elapsed());
        points = loaded.tables.metrics.num_rows();
    }
    Row { points, files, evented, listed, merge, reload: median(reloads) }
}

fn main() {
    let args = parse_args();
    let small = SweepSpec { runs: (args.spec.runs / 10).max(1), ..args.spec };
    println!(
        "| sweep | files | one round after one appended point (change events) | the same, listing every file | \
         merging for a page load | peer: loading the folder again | peer / round |"
    );
    println!("|---|---|---|---|---|---|---|");
    for spec in [small, args.spec] {
        let dir = sweep(&args.data, &spec);
        let row = measure(&dir, args.reps);
        println!(
            "| {} runs × {} metrics × {} steps ({:.1}M points) | {} | **{}** | {} | {} | {} | {:.0}× |",
            spec.runs,
            spec.metrics,
            spec.steps,
            row.points as f64 / 1e6,
            row.files,
            ms(row.evented),
            ms(row.listed),
            ms(row.merge),
            ms(row.reload),
            row.reload.as_secs_f64() / row.evented.as_secs_f64().max(1e-9),
        );
    }
    println!("\n(medians of {} rounds; the peer is the median of 3 loads, warm page cache)", args.reps);
}
