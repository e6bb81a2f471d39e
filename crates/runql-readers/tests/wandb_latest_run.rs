//! The W&B SDK's `wandb/latest-run` in the shapes it reaches users in, each made from the
//! real fixture (tests/fixtures/wandb, written by the `wandb` SDK): a copy without its log
//! (zips and copies turn the link into a folder; large logs get lost), the link itself, and
//! a `latest-run.<pid>` leftover. None of them is a run of its own, and none is a skip.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::{Path, PathBuf};

use common::copy_dir;

use arrow_array::cast::AsArray;
use runql_readers::{FileTree, LoadOptions, Loaded, Severity};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/wandb/wandb")
}

fn load(dir: &Path) -> Loaded {
    runql_readers::load(&[FileTree::from_path(dir).unwrap()], &LoadOptions::default()).unwrap()
}

fn run_names(l: &Loaded) -> Vec<String> {
    let origins = l.tables.runs.column_by_name("origin").unwrap().as_string::<i32>();
    let mut names: Vec<String> =
        origins.iter().flatten().map(|o| o.rsplit('/').next().unwrap().to_owned()).collect();
    names.sort();
    names
}

fn ignored(l: &Loaded, needle: &str) -> u64 {
    l.report.ignored.iter().filter(|(k, _)| k.contains(needle)).map(|(_, n)| *n).sum()
}

fn skips(l: &Loaded) -> Vec<String> {
    l.report
        .issues()
        .iter()
        .filter(|i| i.severity == Severity::Skipped)
        .map(|i| format!("{}: {}", i.path, i.reason))
        .collect()
}

/// The run folders of the fixture as the SDK wrote them (everything but latest-run).
fn sdk_runs() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixture())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("offline-run-") || n.starts_with("run-"))
        .collect();
    names.sort();
    names
}

#[test]
fn a_latest_run_copy_without_its_log_is_no_phantom_run() {
    let dir = tempfile::tempdir().unwrap();
    let wandb = dir.path().join("wandb");
    copy_dir(&fixture(), &wandb);
    let latest = wandb.join("latest-run");
    let logs: Vec<_> = std::fs::read_dir(&latest)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wandb"))
        .collect();
    assert!(!logs.is_empty(), "the fixture's latest-run holds the log it points at");
    for log in logs {
        std::fs::remove_file(log).unwrap();
    }
    let l = load(&wandb);
    assert_eq!(run_names(&l), sdk_runs(), "no run named latest-run");
    assert!(ignored(&l, "W&B latest-run files") >= 3, "{:?}", l.report.ignored);
    assert_eq!(skips(&l), Vec::<String>::new());
}

#[cfg(unix)]
#[test]
fn the_latest_run_link_is_ignored_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let wandb = dir.path().join("wandb");
    copy_dir(&fixture(), &wandb);
    std::fs::remove_dir_all(wandb.join("latest-run")).unwrap();
    let target = sdk_runs().pop().unwrap();
    std::os::unix::fs::symlink(&target, wandb.join("latest-run")).unwrap();
    // Another symlinked folder is still a skip: it is not the SDK's.
    std::os::unix::fs::symlink(&target, wandb.join("elsewhere")).unwrap();
    let l = load(&wandb);
    assert_eq!(run_names(&l), sdk_runs());
    assert_eq!(ignored(&l, "W&B latest-run links"), 1, "{:?}", l.report.ignored);
    let skips = skips(&l);
    assert_eq!(skips.len(), 1, "{skips:?}");
    assert!(skips[0].ends_with("wandb/elsewhere: symlinked folder not followed"), "{skips:?}");
}

#[test]
fn a_latest_run_pid_leftover_is_ignored_too() {
    let dir = tempfile::tempdir().unwrap();
    let wandb = dir.path().join("wandb");
    copy_dir(&fixture(), &wandb);
    copy_dir(&wandb.join("latest-run"), &wandb.join("latest-run.41827"));
    std::fs::rename(wandb.join("latest-run"), wandb.join("latest-run.9")).unwrap();
    let l = load(&wandb);
    assert_eq!(run_names(&l), sdk_runs());
    assert!(ignored(&l, "W&B latest-run files") > 0, "{:?}", l.report.ignored);
}

#[test]
fn a_latest_run_alone_is_the_run_it_holds() {
    // Someone copied only the current run, under the SDK's name for it.
    let dir = tempfile::tempdir().unwrap();
    let wandb = dir.path().join("wandb");
    copy_dir(&fixture().join("latest-run"), &wandb.join("latest-run"));
    let l = load(&wandb);
    assert_eq!(l.tables.runs.num_rows(), 1);
    assert!(l.tables.metrics.num_rows() > 0);
}
