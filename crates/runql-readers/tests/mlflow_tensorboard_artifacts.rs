//! Keras and PyTorch autologging keep TensorBoard event files in an MLflow run's
//! `artifacts/`. Over such an `mlruns/` runql lists the runs MLflow lists: the event files
//! are counted as the run's artifacts, not loaded as a second, unlinked run. Built from the
//! real MLflow fixture and a real event file of the TensorBoard fixture.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::{Path, PathBuf};

use common::copy_dir;

use runql_readers::{FileTree, LoadOptions, Loaded};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn load(dir: &Path) -> Loaded {
    runql_readers::load(&[FileTree::from_path(dir).unwrap()], &LoadOptions::default()).unwrap()
}

/// The first event file of the TensorBoard fixture.
fn event_file() -> PathBuf {
    let mut stack = vec![fixtures().join("tensorboard")];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().unwrap().to_string_lossy().contains("tfevents") {
                return path;
            }
        }
    }
    panic!("the TensorBoard fixture has an event file");
}

#[test]
fn event_files_in_a_runs_artifacts_are_that_runs_not_a_second_run() {
    let plain = load(&fixtures().join("mlflow/mlruns"));
    let dir = tempfile::tempdir().unwrap();
    let mlruns = dir.path().join("mlruns");
    copy_dir(&fixtures().join("mlflow/mlruns"), &mlruns);
    // A run folder: a folder holding meta.yaml and metrics/.
    let run = walkdir_runs(&mlruns).into_iter().next().expect("the fixture has runs");
    let logs = run.join("artifacts/tensorboard_logs/train");
    std::fs::create_dir_all(&logs).unwrap();
    let event = event_file();
    std::fs::copy(&event, logs.join(event.file_name().unwrap())).unwrap();

    let l = load(&mlruns);
    assert_eq!(l.tables.runs.num_rows(), plain.tables.runs.num_rows(), "the runs MLflow lists");
    assert_eq!(l.tables.metrics.num_rows(), plain.tables.metrics.num_rows());
    assert!(!l.report.formats.contains_key("tensorboard"), "{:?}", l.report.formats);
    let counted = l.report.ignored.get(
        "MLflow artifacts: TensorBoard event files (autologged curves of the run, not a run of their own)",
    );
    assert_eq!(counted, Some(&1), "{:?}", l.report.ignored);
    assert_eq!(
        l.report.ignored.get("MLflow artifact files"),
        plain.report.ignored.get("MLflow artifact files")
    );

    // The same event file outside any MLflow run is a TensorBoard run, as before.
    std::fs::copy(&event, mlruns.join(event.file_name().unwrap())).unwrap();
    let l = load(&mlruns);
    assert_eq!(l.tables.runs.num_rows(), plain.tables.runs.num_rows() + 1);
    assert_eq!(l.report.formats.get("tensorboard"), Some(&1));
}

/// Run folders of an `mlruns/` (experiment/run/meta.yaml with a metrics/ folder), sorted.
fn walkdir_runs(mlruns: &Path) -> Vec<PathBuf> {
    let mut runs = Vec::new();
    for experiment in std::fs::read_dir(mlruns).unwrap() {
        let experiment = experiment.unwrap().path();
        if !experiment.is_dir() {
            continue;
        }
        for run in std::fs::read_dir(&experiment).unwrap() {
            let run = run.unwrap().path();
            if run.join("meta.yaml").is_file() && run.join("metrics").is_dir() {
                runs.push(run);
            }
        }
    }
    runs.sort();
    runs
}
