//! The W&B line-plot panel's "Export CSV" (tests/fixtures/wandb-panel-csv, hand-written from
//! the documented column conventions): runs by display name, groups as runs of their own,
//! `__MIN`/`__MAX` kept, empty cells no point, every bad row or cell reported.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::PathBuf;

use common::*;
use runql_readers::{FileTree, LoadOptions, Loaded, Severity};

fn fixture(name: &str) -> Vec<u8> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/wandb-panel-csv");
    std::fs::read(dir.join(name)).unwrap()
}

fn load_files(files: &[(&str, &[u8])]) -> Loaded {
    let mut tree = FileTree::new("upload");
    for (name, bytes) in files {
        tree.insert(name, bytes.to_vec());
    }
    runql_readers::load(&[tree], &LoadOptions::default()).unwrap()
}

fn fixture_load() -> Loaded {
    load_files(&[("val_loss.csv", &fixture("val_loss.csv")), ("train_acc.csv", &fixture("train_acc.csv"))])
}

const BASE: &str = "wandb-panel:baseline-7b";
const COMMA: &str = "wandb-panel:lr=3e-4 - bs=32, warmup";
const GROUP: &str = "wandb-panel-group:sweep-a";

fn run_row(l: &Loaded, id: &str) -> usize {
    strings(&l.tables.runs, "run_id").iter().position(|r| r.as_deref() == Some(id)).unwrap()
}

fn no_ts(points: &[(i64, f64)]) -> Vec<(i64, Option<i64>, f64)> {
    points.iter().map(|&(s, v)| (s, None, v)).collect()
}

#[test]
fn runs_come_from_display_names_and_groups_are_marked() {
    let l = fixture_load();
    assert_eq!(l.report.issue_count(Severity::Skipped), 0, "{}", l.report);
    assert_eq!(l.report.issue_count(Severity::Warning), 0, "{}", l.report);
    assert_eq!(l.report.formats.get("wandb-panel-csv"), Some(&3), "{}", l.report);
    assert_eq!(l.report.formats.get("table"), None);
    let runs = &l.tables.runs;
    assert_eq!(runs.num_rows(), 3);
    for (id, name, group) in [
        (BASE, "baseline-7b", None),
        (COMMA, "lr=3e-4 - bs=32, warmup", None),
        (GROUP, "sweep-a", Some("sweep-a")),
    ] {
        let i = run_row(&l, id);
        assert_eq!(strings(runs, "name")[i].as_deref(), Some(name));
        assert_eq!(strings(runs, "source")[i].as_deref(), Some("wandb-panel-csv"));
        assert_eq!(strings(runs, "run_group")[i].as_deref(), group);
    }
    // Only the group carries the group tag.
    let tags = &l.tables.tags;
    let tagged: Vec<(Option<String>, Option<String>, Option<String>)> = (0..tags.num_rows())
        .map(|i| {
            (
                strings(tags, "run_id")[i].clone(),
                strings(tags, "key")[i].clone(),
                strings(tags, "value")[i].clone(),
            )
        })
        .collect();
    assert_eq!(tagged, [(Some(GROUP.into()), Some("wandb.panel.group".into()), Some("sweep-a".into()))]);
}

#[test]
fn values_min_max_and_empty_cells() {
    let l = fixture_load();
    assert_eq!(
        points(&l, BASE, "val/loss"),
        no_ts(&[(0, 2.3031), (100, 1.8412), (200, 1.5127), (300, 1.3304), (500, 1.1821)])
    );
    assert_eq!(
        points(&l, BASE, "val/loss__MIN"),
        no_ts(&[(0, 2.3031), (100, 1.8203), (200, 1.4988), (300, 1.319), (500, 1.18)])
    );
    assert_eq!(points(&l, BASE, "val/loss__MAX").len(), 5);
    // Empty cells at 200 and 500 are no points, not zeros or NaN.
    assert_eq!(
        points(&l, COMMA, "val/loss"),
        no_ts(&[(0, 2.3011), (100, 1.792), (300, 1.2876), (400, 1.195)])
    );
    assert_eq!(points(&l, GROUP, "val/loss__MAX").len(), 6);
    // The second panel merges into the same runs; its `_step` columns are only counted.
    assert_eq!(points(&l, BASE, "train/acc"), no_ts(&[(0, 0.101), (50, 0.412), (100, 0.631), (150, 0.702)]));
    assert_eq!(points(&l, COMMA, "train/acc").len(), 3);
    assert!(points(&l, BASE, "_step").is_empty());
    assert_eq!(
        l.report.ignored.get("W&B panel `<run> - _step` columns (the Step column gives the step)"),
        Some(&2)
    );
    assert_eq!(l.tables.metrics.num_rows(), 5 * 3 + 4 * 3 + 6 * 3 + 4 + 3);
}

#[test]
fn a_bad_number_is_a_reported_skip_with_file_line_and_column() {
    let csv = "Step,\"a - b, c - loss\",run-2 - loss\n0,0.5,0.6\n1,abc,0.4\n2,0.3,\n";
    let l = load_files(&[("panel.csv", csv.as_bytes())]);
    let skips = skipped(&l);
    assert_eq!(skips.len(), 1, "{skips:?}");
    assert!(
        skips[0].contains("upload/panel.csv:3")
            && skips[0].contains("\"a - b, c - loss\"")
            && skips[0].contains("abc"),
        "{skips:?}"
    );
    // The rest of the row is still read.
    assert_eq!(points(&l, "wandb-panel:a - b, c", "loss"), no_ts(&[(0, 0.5), (2, 0.3)]));
    assert_eq!(points(&l, "wandb-panel:run-2", "loss"), no_ts(&[(0, 0.6), (1, 0.4)]));
}

#[test]
fn a_bad_step_or_odd_column_is_reported() {
    let csv = "Step,run-1 - loss,notes\nx,0.5,hi\n1.5,0.4,\n2,0.3,ok\n";
    let l = load_files(&[("panel.csv", csv.as_bytes())]);
    let skips = skipped(&l);
    assert!(skips.iter().any(|s| s.contains("panel.csv:1") && s.contains("\"notes\"")), "{skips:?}");
    assert!(skips.iter().any(|s| s.contains("panel.csv:2") && s.contains("Step \"x\"")), "{skips:?}");
    assert!(skips.iter().any(|s| s.contains("panel.csv:3") && s.contains("Step \"1.5\"")), "{skips:?}");
    assert_eq!(skips.len(), 3, "{skips:?}");
    assert_eq!(points(&l, "wandb-panel:run-1", "loss"), no_ts(&[(2, 0.3)]));
}

#[test]
fn a_truncated_file_keeps_whole_rows_and_reports_the_cut_one() {
    let full = fixture("val_loss.csv");
    let text = String::from_utf8(full.clone()).unwrap();
    // Cut in the middle of the row for step 300 (line 5).
    let cut = text.find("300,1.3304,1.319").unwrap() + "300,1.3304,1.319".len();
    let l = load_files(&[("val_loss.csv", &full[..cut])]);
    let skips = skipped(&l);
    assert_eq!(skips.len(), 1, "{skips:?}");
    assert!(skips[0].contains("val_loss.csv:5") && skips[0].contains("truncated"), "{skips:?}");
    assert_eq!(points(&l, BASE, "val/loss"), no_ts(&[(0, 2.3031), (100, 1.8412), (200, 1.5127)]));
}

#[test]
fn a_header_only_file_lists_its_runs_with_a_warning() {
    let l = load_files(&[("panel.csv", b"Step,run-1 - loss,Group: g - loss\n")]);
    assert_eq!(l.tables.runs.num_rows(), 2);
    assert_eq!(l.tables.metrics.num_rows(), 0);
    let w = warnings(&l);
    assert!(w.len() == 1 && w[0].contains("panel.csv") && w[0].contains("no data rows"), "{w:?}");
}

#[test]
fn an_empty_file_is_not_taken_for_a_panel() {
    let mut tree = FileTree::new("upload");
    tree.insert("panel.csv", Vec::new());
    let err = runql_readers::load(&[tree], &LoadOptions::default()).unwrap_err();
    assert!(err.to_string().contains("none recognized"), "{err}");
    let l = load_files(&[("panel.csv", b""), ("other.csv", b"Step,run-1 - loss\n0,1\n")]);
    let skips = skipped(&l);
    assert!(
        skips.len() == 1 && skips[0].contains("panel.csv") && skips[0].contains("not part of"),
        "{skips:?}"
    );
    assert_eq!(l.tables.metrics.num_rows(), 1);
}

#[test]
fn other_tables_are_still_what_they_were() {
    // A long table that starts with `step` has no `<run> - <metric>` column.
    let l = load_files(&[("m.csv", b"step,run_id,key,value\n0,r1,loss,0.5\n")]);
    assert_eq!(l.report.formats.get("table"), Some(&1));
    assert_eq!(points(&l, "r1", "loss"), no_ts(&[(0, 0.5)]));
    // `Step` with plain columns is no panel (and no other table either).
    let mut tree = FileTree::new("upload");
    tree.insert("x.csv", b"Step,loss,acc\n0,1,2\n".to_vec());
    assert!(runql_readers::load(&[tree], &LoadOptions::default()).is_err());
}
