//! Truncated, empty, huge and hostile MLflow JSON: a clear report naming the file (and the
//! line), never a panic, nothing dropped without a count.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::PathBuf;

use common::*;
use runql_readers::{FileTree, LoadOptions, Loaded, Severity};

fn search_bytes() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/mlflow-json/rest/runs_search.json");
    std::fs::read(path).unwrap()
}

fn load_files(files: &[(&str, &[u8])]) -> Loaded {
    let mut tree = FileTree::new("upload");
    for (name, bytes) in files {
        tree.insert(name, bytes.to_vec());
    }
    runql_readers::load(&[tree], &LoadOptions::default()).unwrap()
}

const ID: &str = "0123456789abcdef0123456789abcdef";

#[test]
fn a_truncated_response_is_reported_with_file_and_line() {
    let full = search_bytes();
    for cut in [200, full.len() / 2, full.len() - 3] {
        let l = load_files(&[("runs_search.json", &full[..cut])]);
        let skips = skipped(&l);
        assert_eq!(skips.len(), 1, "{skips:?}");
        assert!(skips[0].contains("runs_search.json") && skips[0].contains("not JSON"), "{skips:?}");
        assert!(l.report.issues()[0].line.is_some(), "{:?}", l.report.issues());
        assert_eq!(l.tables.runs.num_rows(), 0);
    }
}

#[test]
fn empty_and_paged_responses_are_warned_about() {
    let l = load_files(&[
        ("empty.json", br#"{"runs": []}"#),
        ("page1.json", br#"{"runs": [{"info": {"run_id": "r1"}, "data": {}}], "next_page_token": "abc"}"#),
    ]);
    let w = warnings(&l);
    assert!(w.iter().any(|x| x.contains("empty.json") && x.contains("no runs")), "{w:?}");
    assert!(w.iter().any(|x| x.contains("page1.json") && x.contains("next_page_token")), "{w:?}");
    assert_eq!(l.tables.runs.num_rows(), 1);
}

#[test]
fn a_history_without_a_run_is_counted_not_guessed() {
    let body = br#"{"metrics": [{"key": "loss", "value": 0.5, "timestamp": "1700000000000", "step": "1"},
                                {"key": "loss", "value": "Infinity", "step": 2}]}"#;
    let l = load_files(&[("loss.json", body), (&format!("{ID}_loss.json"), body)]);
    let skips = skipped(&l);
    assert!(
        skips.iter().any(|s| s.contains("loss.json") && s.contains("2 metric points of an unknown run")),
        "{skips:?}"
    );
    assert_eq!(points(&l, ID, "loss"), [(1, Some(1_700_000_000_000), 0.5), (2, None, f64::INFINITY)]);
}

#[test]
fn unreadable_points_and_runs_are_counted() {
    let body = br#"{"runs": [
        {"info": {}, "data": {}},
        {"info": {"run_id": "r1", "start_time": "soon"},
         "data": {"metrics": [{"key": "a", "value": {"x": 1}}, {"value": 1}, {"key": "b", "value": NaN, "step": "x"},
                              {"key": "ok", "value": "NaN"}]}},
        {"info": {"run_id": "r1"}, "data": {}}]}"#;
    let l = load_files(&[("search.json", body)]);
    let skips = skipped(&l);
    assert!(skips.iter().any(|s| s.contains("a run whose info has no run_id")), "{skips:?}");
    assert!(
        skips.iter().any(|s| s.contains("run r1: 3 metric points without a key or a number")),
        "{skips:?}"
    );
    assert!(skips.iter().any(|s| s.contains("run r1 was already read")), "{skips:?}");
    let p = points(&l, "r1", "ok");
    assert!(p.len() == 1 && p[0].2.is_nan(), "{p:?}");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let mut body = br#"{"runs": [{"info": {"run_id": "r1"}, "data": {"tags": "#.to_vec();
    body.extend(std::iter::repeat_n(b'[', 100_000));
    let l = load_files(&[("deep.json", &body)]);
    let skips = skipped(&l);
    assert!(skips.iter().any(|s| s.contains("deep.json") && s.contains("not JSON")), "{skips:?}");
}

#[test]
fn a_json_file_over_the_size_limit_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.json");
    let f = std::fs::File::create(&path).unwrap();
    std::io::Write::write_all(&mut &f, br#"{"runs": [{"info": {"run_id": "r1"}"#).unwrap();
    f.set_len(runql_readers::mlflow::json::MAX_JSON_BYTES + 1).unwrap();
    let l =
        runql_readers::load(&[FileTree::from_path(dir.path()).unwrap()], &LoadOptions::default()).unwrap();
    let skips = skipped(&l);
    assert!(skips[0].contains("runs.json") && skips[0].contains("limit"), "{skips:?}");
    assert_eq!(l.report.bytes_read, 0);
}

#[test]
fn other_json_is_left_to_the_other_readers() {
    // A long JSON-lines metric table is the table reader's, not MLflow JSON.
    let l = load_files(&[("m.json", br#"{"run_id": "r1", "key": "loss", "value": 0.5}"#)]);
    assert_eq!(l.report.formats.get("table"), Some(&1));
    assert_eq!(l.report.issue_count(Severity::Skipped), 0);
}

#[test]
fn an_empty_search_response_loads_as_zero_runs_with_a_note() {
    // MLflow's protobuf JSON omits empty fields: a search that matched nothing is `{}`.
    for (name, body) in [
        ("runs_search.json", &b"{}"[..]),
        ("search-page2.json", &br#"{"next_page_token": "tok"}"#[..]),
        ("runs_search.json", &b" {\n}\n"[..]),
    ] {
        let l = load_files(&[(name, body)]);
        assert_eq!(l.tables.runs.num_rows(), 0);
        assert_eq!(l.report.issue_count(Severity::Skipped), 0, "{}", l.report);
        let w = warnings(&l);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains(name) && w[0].contains("empty runs/search response"), "{w:?}");
        assert_eq!(w[0].contains("next_page_token"), name.starts_with("search-page2"), "{w:?}");
        assert_eq!(l.report.files_read, 1);
    }
    // Next to real results it is one more (empty) page.
    let l = load_files(&[
        ("runs_search.json", b"{}"),
        ("page1.json", br#"{"runs": [{"info": {"run_id": "r1"}, "data": {}}]}"#),
    ]);
    assert_eq!(l.tables.runs.num_rows(), 1);
    assert!(warnings(&l).iter().any(|w| w.contains("runs_search.json")), "{}", l.report);
}

#[test]
fn an_empty_object_not_named_like_a_search_is_not_claimed() {
    // `{}` by itself says nothing: without `search` in the name it is no MLflow document.
    let mut tree = FileTree::new("upload");
    tree.insert("settings.json", b"{}".to_vec());
    let err = runql_readers::load(&[tree], &LoadOptions::default()).unwrap_err();
    assert!(err.to_string().contains("none recognized"), "{err}");
    let l = load_files(&[
        ("settings.json", b"{}"),
        ("page1.json", br#"{"runs": [{"info": {"run_id": "r1"}, "data": {}}]}"#),
    ]);
    let skips = skipped(&l);
    assert!(skips.iter().any(|s| s.contains("settings.json") && s.contains("not part of")), "{skips:?}");
}
