//! W&B run folders whose log was cut short or lost, made from the real fixture
//! (tests/fixtures/wandb, written by the `wandb` SDK): a log copied while the run trained
//! (its last records and exit record missing, while `wandb-summary.json` holds the later
//! final values) and a folder whose log was lost. Both load, each with a warning that says
//! what is missing; the untouched fixture has neither warning.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::{Path, PathBuf};

use common::{copy_dir, warnings};
use runql_readers::{FileTree, LoadOptions, Loaded};

/// The baseline run, whose log has an exit record and a summary.
const RUN_ID: &str = "base7b01";
/// The run the 0.16 SDK wrote, with side files (`files/wandb-summary.json`, …) next to its log.
const LEGACY_ID: &str = "legacy04";
const CUT: &str = "the log ends without the run's exit record";
const LOST: &str = "the run's history is missing";

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/wandb/wandb")
}

/// The fixture's folder of a run (its name holds the date it was written).
fn folder(run_id: &str) -> String {
    let suffix = format!("-{run_id}");
    std::fs::read_dir(fixture())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| n.starts_with("offline-run-") && n.ends_with(&suffix))
        .unwrap()
}

fn load(dir: &Path) -> Loaded {
    runql_readers::load(&[FileTree::from_path(dir).unwrap()], &LoadOptions::default()).unwrap()
}

fn copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let wandb = dir.path().join("wandb");
    copy_dir(&fixture(), &wandb);
    (dir, wandb)
}

#[test]
fn the_sdks_own_folders_have_neither_warning() {
    let w = warnings(&load(&fixture()));
    assert!(w.iter().all(|w| !w.contains(LOST)), "{w:?}");
    assert!(w.iter().all(|w| !w.contains(CUT) || w.contains("crash003")), "{w:?}");
}

#[test]
fn a_log_cut_while_training_warns_that_its_final_values_are_not_the_summarys() {
    let (_dir, wandb) = copy();
    let run = folder(RUN_ID);
    let log = wandb.join(&run).join("run-base7b01.wandb");
    let bytes = std::fs::read(&log).unwrap();
    // A copy taken mid-run: the log's later history, its summary and exit records are missing.
    std::fs::write(&log, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let l = load(&wandb);
    assert_eq!(l.tables.runs.num_rows(), load(&fixture()).tables.runs.num_rows(), "the run still loads");
    let w = warnings(&l);
    let cut: Vec<_> = w.iter().filter(|w| w.contains(CUT) && w.contains(&run)).collect();
    assert_eq!(cut.len(), 1, "{w:?}");
    assert!(cut[0].contains(&format!("{run}/run-base7b01.wandb: ")), "names the log: {}", cut[0]);
    assert!(cut[0].contains("wandb-summary.json holds other final values for "), "{}", cut[0]);
}

#[test]
fn a_run_folder_without_its_log_warns_that_its_history_is_missing() {
    let (_dir, wandb) = copy();
    let legacy = folder(LEGACY_ID);
    // The log is lost in the run's folder and in the latest-run copy of it.
    for dir in [legacy.as_str(), "latest-run"] {
        std::fs::remove_file(wandb.join(dir).join("run-legacy04.wandb")).unwrap();
    }
    let l = load(&wandb);
    assert_eq!(
        l.tables.runs.num_rows(),
        load(&fixture()).tables.runs.num_rows(),
        "it loads from its side files"
    );
    let w = warnings(&l);
    let lost: Vec<_> = w.iter().filter(|w| w.contains(LOST)).collect();
    assert_eq!(lost.len(), 1, "{w:?}");
    assert!(lost[0].contains(&format!("{legacy}: no .wandb log")), "{}", lost[0]);
}
