//! The `runql` binary end to end: output formats, parameters, exit codes, errors, `gen`.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::{Path, PathBuf};

use common::{fixture, runql, stderr, stdout};
use runql_synth::{SweepSpec, write_mlflow};

#[test]
fn query_prints_csv_with_parameters_bound() {
    let o = runql(&[
        "query",
        "-q",
        &fixture(),
        "-e",
        "SELECT name, status FROM runs WHERE status = $1 ORDER BY name",
        "-p",
        "FINISHED",
        "--format",
        "csv",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "name,status");
    assert!(lines.contains(&"sweep-parent,FINISHED"), "{out}");
    assert!(!out.contains("FAILED"), "{out}");
}

#[test]
fn json_output_is_valid_json_with_nan_as_null() {
    let o = runql(&[
        "query",
        "-q",
        &fixture(),
        "-e",
        "SELECT key, step, value FROM metrics WHERE isnan(value) ORDER BY key, step",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    let rows = rows.as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["value"].is_null()));
}

#[test]
fn empty_results_still_show_columns() {
    let sql = "SELECT run_id, name FROM runs WHERE false";
    let o = runql(&["query", "-q", &fixture(), "-e", sql, "--format", "csv"]);
    assert_eq!(stdout(&o), "run_id,name\n");
    let o = runql(&["query", "-q", &fixture(), "-e", sql, "--format", "json"]);
    assert_eq!(stdout(&o).trim(), "[]");
    let o = runql(&["query", "-q", &fixture(), "-e", sql]);
    assert!(stdout(&o).contains("run_id") && stdout(&o).contains("0 rows"), "{}", stdout(&o));
}

#[test]
fn exit_codes_tell_load_and_query_failures_apart() {
    let o = runql(&["query", "-q", "/no/such/folder", "-e", "SELECT 1"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("/no/such/folder"), "{}", stderr(&o));

    let o = runql(&["query", "-q", &fixture(), "-e", "SELECT nope FROM runs"]);
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("nope"), "{}", stderr(&o));

    let o = runql(&["query", "-q", &fixture(), "-e", "DROP TABLE runs"]);
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("read-only"), "{}", stderr(&o));

    let o = runql(&["query", &fixture()]);
    assert_eq!(o.status.code(), Some(2), "missing -e is a usage error");
}

#[test]
fn the_load_summary_goes_to_stderr_and_strict_fails_on_skips() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("0/r");
    std::fs::create_dir_all(run.join("metrics")).unwrap();
    std::fs::write(run.join("meta.yaml"), "run_id: r\nexperiment_id: '0'\nstatus: 3\n").unwrap();
    std::fs::write(run.join("metrics/loss"), "1 0.5 0\nnot a line\n").unwrap();
    let path = dir.path().display().to_string();
    let o = runql(&["query", &path, "-e", "SELECT count(*) AS n FROM metrics", "--format", "csv"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o), "n\n1\n");
    assert!(
        stderr(&o).contains("loaded 1 runs, 1 metric points") && stderr(&o).contains("1 skipped"),
        "{}",
        stderr(&o)
    );

    let o = runql(&["query", "--strict", &path, "-e", "SELECT 1"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("metrics/loss:2"), "{}", stderr(&o));
}

#[test]
fn info_json_reports_counts_and_issues() {
    let o = runql(&["info", "-q", "--json", &fixture()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["rows"]["runs"], 12);
    assert_eq!(report["skipped"], 0);
    assert_eq!(report["formats"]["mlflow-file-store"], 12);
}

#[test]
fn gen_writes_a_sweep_whose_best_run_the_ranking_query_finds() {
    let spec = SweepSpec { runs: 24, metrics: 4, steps: 50, seed: 7 };
    let expected = write_mlflow(&spec, &mut |_: &str, _: &[u8]| Ok(())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let o = runql(&[
        "gen",
        "--runs",
        "24",
        "--metrics",
        "4",
        "--steps",
        "50",
        "--seed",
        "7",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = runql(&[
        "query",
        "-q",
        out.to_str().unwrap(),
        "-e",
        "SELECT run_id, count(*) OVER () AS runs FROM metric_summary WHERE key = 'val/loss' AND NOT isnan(last) ORDER BY last LIMIT 1",
        "--format",
        "csv",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let best = stdout(&o).lines().nth(1).unwrap().split(',').next().unwrap().to_string();
    assert_eq!(Some(best), expected.best_run_id);

    // Every run folder has an artifacts/ folder, without which MLflow cannot find the run.
    let run_dirs: Vec<PathBuf> = std::fs::read_dir(out.join("mlruns"))
        .unwrap()
        .flat_map(|exp| std::fs::read_dir(exp.unwrap().path()).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("metrics").is_dir())
        .collect();
    assert_eq!(run_dirs.len(), 24);
    assert!(run_dirs.iter().all(|d| d.join("artifacts").is_dir()));

    // Refuses to write into a folder that has files.
    let o = runql(&["gen", "--runs", "2", "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not empty"), "{}", stderr(&o));
}

#[test]
fn gen_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for d in [&a, &b] {
        let o = runql(&["gen", "--runs", "6", "--metrics", "3", "--steps", "20", "-o", d.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert_eq!(snapshot(&a), snapshot(&b));
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push((p.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&p).unwrap()));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn demo_ranks_the_generated_sweep() {
    let o = runql(&["demo", "--runs", "12", "--limit", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("final_val_loss") && out.contains("3 rows"), "{out}");
    let expected =
        write_mlflow(&SweepSpec { runs: 12, ..SweepSpec::default() }, &mut |_: &str, _: &[u8]| Ok(()))
            .unwrap();
    let best_name_line = out.lines().find(|l| l.starts_with("| ") && !l.contains("name")).unwrap();
    assert!(expected.best_final_val_loss.is_finite());
    let shown: f64 = best_name_line.split('|').nth(5).unwrap().trim().parse().unwrap();
    assert!(
        (shown - expected.best_final_val_loss).abs() < 1e-4,
        "{shown} vs {}",
        expected.best_final_val_loss
    );
}

#[test]
fn plot_draws_svg_and_png_from_shortcuts_and_specs() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("loss.svg");
    let o = runql(&[
        "plot",
        "-q",
        &fixture(),
        "--metric",
        "val/loss",
        "--smoothing",
        "0.6",
        "--log-y",
        "-o",
        svg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.contains("<polyline"), "{text}");
    // Every run with a val/loss has a legend entry with its name.
    let names = runql(&[
        "query",
        "-q",
        &fixture(),
        "--format",
        "csv",
        "-e",
        "SELECT DISTINCT coalesce(r.name, r.run_id) FROM metrics m JOIN runs r USING (run_id) WHERE m.key = 'val/loss'",
    ]);
    let names: Vec<String> = stdout(&names).lines().skip(1).map(str::to_owned).collect();
    assert!(names.len() >= 2);
    for name in &names {
        assert!(text.contains(&format!(">\n{name}\n<")), "legend lacks {name}");
    }
    let spec = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/charts/ranking.json");
    let png = dir.path().join("ranking.png");
    let o = runql(&[
        "plot",
        "-q",
        &fixture(),
        "--spec",
        spec.to_str().unwrap(),
        "--scale",
        "2",
        "-o",
        png.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // 800 x 480 at scale 2: the IHDR says 1600 x 960.
    assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 1600);
    assert_eq!(u32::from_be_bytes(bytes[20..24].try_into().unwrap()), 960);
}

#[test]
fn plot_errors_have_their_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.svg");
    let out = out.to_str().unwrap();
    let usage = runql(&["plot", "-q", &fixture(), "-o", out]);
    assert_eq!(usage.status.code(), Some(2), "no spec, no metric");
    let bad_ext = runql(&["plot", "-q", &fixture(), "--metric", "val/loss", "-o", "chart.txt"]);
    assert_eq!(bad_ext.status.code(), Some(2));
    assert!(stderr(&bad_ext).contains(".svg or .png"));
    let bad_smoothing =
        runql(&["plot", "-q", &fixture(), "--metric", "val/loss", "--smoothing", "2", "-o", out]);
    assert_eq!(bad_smoothing.status.code(), Some(2), "{}", stderr(&bad_smoothing));
    assert!(stderr(&bad_smoothing).contains("smoothing"));
    let bad_column =
        runql(&["plot", "-q", &fixture(), "--metric", "val/loss", "--group-by", "params.nope", "-o", out]);
    assert_eq!(bad_column.status.code(), Some(4));
    let empty = runql(&["plot", &fixture(), "--metric", "no/such/metric", "-o", out]);
    assert!(empty.status.success());
    assert!(stderr(&empty).contains("no rows"), "{}", stderr(&empty));
}

fn load_dir(dir: &Path) -> runql_core::RunTables {
    let tree = runql_core::FileTree::from_path(dir).unwrap();
    runql_readers::load(&[tree], &runql_readers::LoadOptions::default()).unwrap().tables
}

#[test]
fn convert_round_trips_every_table_in_both_formats() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let o = runql(&["gen", "--runs", "5", "--metrics", "3", "--steps", "40", "-o", src.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let original = load_dir(&src);
    for format in ["parquet", "arrow"] {
        let out = tmp.path().join(format);
        let o =
            runql(&["convert", "-q", src.to_str().unwrap(), "-o", out.to_str().unwrap(), "--format", format]);
        assert!(o.status.success(), "{}", stderr(&o));
        let printed = stdout(&o);
        assert!(
            printed.contains(&format!("metrics.{format}")) && printed.contains("wrote 7 files"),
            "{printed}"
        );
        let back = load_dir(&out);
        for ((name, a), (_, b)) in original.tables().zip(back.tables()) {
            assert_eq!(a, b, "{format}: table {name} differs after convert");
        }
    }
    // Refuses to overwrite.
    let o =
        runql(&["convert", "-q", src.to_str().unwrap(), "-o", tmp.path().join("parquet").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn gen_parquet_writes_the_same_sweep_as_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("mlflow"), tmp.path().join("pq"));
    for (dir, format) in [(&a, "mlflow"), (&b, "parquet")] {
        let o =
            runql(&["gen", "--runs", "4", "--steps", "25", "--format", format, "-o", dir.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert!(b.join("metrics.parquet").exists() && b.join("runs_wide.parquet").exists());
    let (x, y) = (load_dir(&a), load_dir(&b));
    assert_eq!(x.metrics, y.metrics);
    assert_eq!(x.metric_summary, y.metric_summary);
    assert_eq!(x.params, y.params);
}

#[test]
fn gen_wandb_tensorboard_and_arrow_write_what_the_readers_load() {
    let tmp = tempfile::tempdir().unwrap();
    // Arrow tables are the MLflow sweep read back, so their runs keep source `mlflow`.
    for (format, origin) in [("wandb", "wandb"), ("tensorboard", "tensorboard"), ("arrow", "mlflow")] {
        let dir = tmp.path().join(format);
        let dir = dir.to_str().unwrap();
        let o =
            runql(&["gen", "--runs", "5", "--metrics", "4", "--steps", "30", "--format", format, "-o", dir]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stderr(&o).contains("wrote 5 runs, 600 metric points"), "{}", stderr(&o));
        let q = runql(&[
            "query",
            "-q",
            dir,
            "--format",
            "csv",
            "-e",
            "SELECT r.source, count(DISTINCT m.run_id) AS runs, count(*) AS points \
             FROM metrics m JOIN runs r USING (run_id) GROUP BY r.source",
        ]);
        assert!(q.status.success(), "{}", stderr(&q));
        assert_eq!(stdout(&q), format!("source,runs,points\n{origin},5,600\n"));
    }
}
