//! W&B sweep configs (`sweep.yaml`): their method, metric and search space become
//! `wandb.sweep.*` tags of the sweep's runs; a config no run belongs to is reported.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;

use common::wandb_log::*;
use common::*;
use runql_readers::{FileTree, LoadOptions, Loaded, Severity};

const SWEEP_YAML: &[u8] = b"program: train.py
method: bayes
metric:
  name: val/loss
  goal: minimize
parameters:
  lr: {distribution: log_uniform_values, min: 1.0e-4, max: 1.0e-1}
  batch_size: {values: [16, 32, 64]}
  optimizer:
    parameters:
      momentum: {min: 0.8, max: 0.99}
early_terminate: {type: hyperband, min_iter: 3}
";

/// A finished run `id` of sweep `sweep` (empty: no sweep) with these config values.
fn run_log(id: &str, sweep: &str, config: &[(&str, &str)]) -> Vec<u8> {
    log(&[sweep_run_record(id, sweep, config), history(&[("val/loss", "0.5")], Some(0)), exit(0)])
}

fn sweep_params() -> Vec<(&'static str, &'static str)> {
    vec![("lr", "0.01"), ("batch_size", "32"), ("optimizer|momentum", "0.9")]
}

fn load_files(files: &[(&str, &[u8])]) -> Loaded {
    let mut tree = FileTree::new("project");
    for (p, b) in files {
        tree.insert(p, b.to_vec());
    }
    runql_readers::load(&[tree], &LoadOptions::default()).unwrap()
}

fn tags_of(l: &Loaded, run: &str) -> BTreeMap<String, String> {
    let t = &l.tables.tags;
    let (runs, keys, values) = (strings(t, "run_id"), strings(t, "key"), strings(t, "value"));
    (0..t.num_rows())
        .filter(|&i| runs[i].as_deref() == Some(run))
        .map(|i| (keys[i].clone().unwrap(), values[i].clone().unwrap_or_default()))
        .collect()
}

fn sweep_tags(l: &Loaded, run: &str) -> BTreeMap<String, String> {
    tags_of(l, run).into_iter().filter(|(k, _)| k.starts_with("wandb.sweep.")).collect()
}

#[test]
fn a_sweep_yaml_gives_its_runs_method_metric_and_search_space() {
    let p = sweep_params();
    let l = load_files(&[
        ("sweep.yaml", SWEEP_YAML),
        ("wandb/run-20260101_000000-s1/run-s1.wandb", &run_log("s1", "swp1", &p)),
        ("wandb/run-20260101_000001-s2/run-s2.wandb", &run_log("s2", "swp2", &p)),
        // Not a sweep run: same params, no sweep id.
        ("wandb/run-20260101_000002-m1/run-m1.wandb", &run_log("m1", "", &p)),
        // A run of another sweep, without these parameters.
        ("wandb/run-20260101_000003-o1/run-o1.wandb", &run_log("o1", "swp3", &[("depth", "3")])),
    ]);
    assert_eq!(l.report.issue_count(Severity::Skipped), 0, "{}", l.report);
    assert_eq!(l.report.issue_count(Severity::Warning), 0, "{}", l.report);
    let expected: BTreeMap<String, String> = [
        ("wandb.sweep.config", "project/sweep.yaml"),
        ("wandb.sweep.method", "bayes"),
        ("wandb.sweep.metric", "val/loss"),
        ("wandb.sweep.goal", "minimize"),
        ("wandb.sweep.early_terminate", "hyperband(min_iter=3)"),
        ("wandb.sweep.param.lr", "log_uniform_values[0.0001,0.1]"),
        ("wandb.sweep.param.batch_size", "values[16,32,64]"),
        ("wandb.sweep.param.optimizer.momentum", "uniform[0.8,0.99]"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    // Both sweeps of the same sweep.yaml get it (re-running one config as several sweeps).
    assert_eq!(sweep_tags(&l, "s1"), expected);
    assert_eq!(sweep_tags(&l, "s2"), expected);
    assert!(sweep_tags(&l, "m1").is_empty());
    assert!(sweep_tags(&l, "o1").is_empty());
    // The group stays the sweep id; keys not tabulated are counted.
    let ids = strings(&l.tables.runs, "run_id");
    let i = ids.iter().position(|r| r.as_deref() == Some("s1")).unwrap();
    assert_eq!(strings(&l.tables.runs, "run_group")[i].as_deref(), Some("swp1"));
    assert_eq!(l.report.ignored.get("W&B sweep config keys: program (not tabulated)"), Some(&1));
    assert!(!l.report.to_string().contains("not part of"), "{}", l.report);
}

#[test]
fn a_config_in_a_sweep_folder_goes_to_that_sweep_only() {
    let p = sweep_params();
    let l = load_files(&[
        ("wandb/sweep-swp1/sweep.yaml", SWEEP_YAML),
        ("wandb/run-20260101_000000-s1/run-s1.wandb", &run_log("s1", "swp1", &p)),
        ("wandb/run-20260101_000001-s2/run-s2.wandb", &run_log("s2", "swp2", &p)),
    ]);
    assert_eq!(sweep_tags(&l, "s1").get("wandb.sweep.method").map(String::as_str), Some("bayes"));
    assert!(sweep_tags(&l, "s2").is_empty());
    assert_eq!(l.report.issue_count(Severity::Warning), 0, "{}", l.report);
}

#[test]
fn the_agent_config_file_ties_a_run_without_a_sweep_id_to_its_sweep() {
    let l = load_files(&[
        ("wandb/sweep-swp1/sweep.yaml", SWEEP_YAML),
        ("wandb/sweep-swp1/config-s1.yaml", b"lr:\n  value: 0.01\n"),
        ("wandb/run-20260101_000000-s1/run-s1.wandb", &run_log("s1", "", &sweep_params())),
    ]);
    let tags = tags_of(&l, "s1");
    assert_eq!(tags.get("wandb.sweep_id").map(String::as_str), Some("swp1"));
    assert_eq!(tags.get("wandb.sweep.method").map(String::as_str), Some("bayes"));
    assert_eq!(strings(&l.tables.runs, "run_group")[0].as_deref(), Some("swp1"));
    assert!(l.report.ignored.keys().any(|k| k.contains("sweep agent run configs")), "{}", l.report);
}

#[test]
fn a_sweep_config_without_runs_is_reported_not_dropped() {
    // Alone: loads (no runs) and says why nothing came of it.
    let l = load_files(&[("sweep.yaml", SWEEP_YAML)]);
    assert_eq!(l.tables.runs.num_rows(), 0);
    let w = warnings(&l);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("project/sweep.yaml")
            && w[0].contains("method bayes, 3 parameters")
            && w[0].contains("lr, batch_size, optimizer.momentum"),
        "{w:?}"
    );
    // In a sweep folder whose sweep is not loaded.
    let l = load_files(&[
        ("wandb/sweep-gone/sweep.yaml", SWEEP_YAML),
        ("wandb/run-20260101_000000-s1/run-s1.wandb", &run_log("s1", "swp1", &sweep_params())),
    ]);
    let w = warnings(&l);
    assert!(w.len() == 1 && w[0].contains("no loaded run is of sweep gone"), "{w:?}");
    assert!(sweep_tags(&l, "s1").is_empty());
}

#[test]
fn two_configs_that_fit_one_run_are_both_withheld() {
    let l = load_files(&[
        ("a/sweep.yaml", SWEEP_YAML),
        ("b/sweep.yml", SWEEP_YAML),
        ("wandb/run-20260101_000000-s1/run-s1.wandb", &run_log("s1", "swp1", &sweep_params())),
    ]);
    assert!(sweep_tags(&l, "s1").is_empty());
    let w = warnings(&l);
    assert!(
        w.iter().any(|x| x.contains("fits several sweep configs") && x.contains("a/sweep.yaml")),
        "{w:?}"
    );
    // Neither config was matched, so each is reported too.
    assert_eq!(w.iter().filter(|x| x.contains("no run was matched")).count(), 2, "{w:?}");
}

#[test]
fn a_broken_sweep_config_is_a_reported_skip() {
    let l = load_files(&[
        ("sweep.yaml", b"method: grid\nparameters:\n  lr: {values: [1, 2\n"),
        ("bad.yaml", b"method: grid\nparameters: [lr]\n"),
        ("wandb/run-20260101_000000-s1/run-s1.wandb", &run_log("s1", "swp1", &sweep_params())),
    ]);
    let skips = skipped(&l);
    assert!(
        skips.iter().any(|s| s.contains("project/sweep.yaml") && s.contains("does not parse")),
        "{skips:?}"
    );
    assert!(
        skips.iter().any(|s| s.contains("project/bad.yaml") && s.contains("`parameters` mapping")),
        "{skips:?}"
    );
    assert_eq!(skips.len(), 2, "{skips:?}");
    assert_eq!(l.tables.runs.num_rows(), 1);
}

#[test]
fn other_yaml_is_not_a_sweep_config() {
    // MLflow's meta.yaml and a YAML without `method`/`parameters` are left alone.
    let l = load_files(&[
        ("wandb/run-20260101_000000-s1/run-s1.wandb", &run_log("s1", "swp1", &sweep_params())),
        ("hydra.yaml", b"defaults:\n  - model: resnet\nparameters: {}\n"),
    ]);
    let skips = skipped(&l);
    assert!(
        skips.len() == 1 && skips[0].contains("hydra.yaml") && skips[0].contains("not part of"),
        "{skips:?}"
    );
}
