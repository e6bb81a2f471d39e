//! Optuna journals that are cut off, corrupt, empty, huge or hostile: the reader reports
//! every line it cannot use (file and line) and loads the rest, and never panics.

// Test helpers live outside #[test] functions, where clippy's allow-*-in-tests does not reach;
// in a test, a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::PathBuf;

use common::*;
use proptest::prelude::*;
use runql_readers::{CoreError, FileTree, LoadOptions, Loaded, Severity};

fn fixture() -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/optuna/journal.log"))
        .unwrap()
}

fn load_bytes(bytes: &[u8]) -> Result<Loaded, CoreError> {
    let mut tree = FileTree::new("up");
    tree.insert("journal.log", bytes.to_vec());
    runql_readers::load(&[tree], &LoadOptions::default())
}

const STUDY: &str = r#"{"op_code":0,"worker_id":"w","study_name":"s","directions":[1]}"#;

fn journal(lines: &[&str]) -> Vec<u8> {
    let mut out = String::new();
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    out.into_bytes()
}

#[test]
fn truncated_last_line_is_reported_and_the_rest_loads() {
    let full = fixture();
    let full_runs = load_bytes(&full).unwrap().tables.runs.num_rows();
    // Cut in the middle of the last line.
    let cut = &full[..full.len() - 10];
    let l = load_bytes(cut).unwrap();
    let lines = full.iter().filter(|b| **b == b'\n').count() as u64;
    let s = skipped(&l);
    assert!(
        s.iter().any(|m| m.contains(&format!("up/journal.log:{lines}")) && m.contains("no newline")),
        "{s:?}"
    );
    // The cut line was the DELETE_STUDY of `scratch`, so its 2 trials are live again.
    assert_eq!(l.tables.runs.num_rows(), full_runs + 2);
    // A complete last line without its newline is not applied either (as in Optuna).
    let l = load_bytes(&full[..full.len() - 1]).unwrap();
    assert!(skipped(&l).iter().any(|m| m.contains("no newline")));
}

#[test]
fn corrupt_lines_are_skipped_with_their_line_numbers() {
    let bytes = journal(&[
        STUDY,
        r#"{"op_code":4,"worker_id":"w","study_id":0,"datetime_start":"2026-01-01T00:00:00"}"#,
        r#"{"op_code":5,"worker_id":"w","trial_id":0,"param_name":"c","param_value_internal":7,"distribution":"{\"name\": \"CategoricalDistribution\", \"attributes\": {\"choices\": [1, 2]}}"}"#,
        r#"{"op_code":5,"worker_id":"w","trial_id":0,"param_name":"d","param_value_internal":1,"distribution":"not json"}"#,
        "{not json at all",
        "[1, 2, 3]",
        r#"{"op_code":42,"worker_id":"w"}"#,
        r#"{"op_code":7,"worker_id":"w","trial_id":0,"step":"x","intermediate_value":1}"#,
        r#"{"op_code":7,"worker_id":"w","trial_id":0,"step":3,"intermediate_value":NaN}"#,
        r#"{"op_code":6,"worker_id":"w","trial_id":0,"state":9,"values":null}"#,
        r#"{"op_code":6,"worker_id":"w","trial_id":0,"state":1,"values":[1.5],"datetime_complete":"yesterday"}"#,
        r#"{"op_code":4,"worker_id":"w","study_id":7,"datetime_start":null}"#,
        r#"{"op_code":2,"worker_id":"w","study_id":0,"user_attr":"x"}"#,
    ]);
    let l = load_bytes(&bytes).unwrap();
    let s = skipped(&l);
    let lines: Vec<u64> = l.report.issues().iter().filter_map(|i| i.line).collect();
    assert_eq!(lines, [3, 4, 5, 6, 7, 8, 10, 11, 12, 13], "{s:?}");
    for (line, what) in [
        (3, "choice index 7 outside the 2 choices"),
        (4, "distribution is not JSON"),
        (5, "not JSON"),
        (6, "not a JSON object"),
        (7, "unknown op_code 42"),
        (8, "`step` is not an integer"),
        (10, "unknown trial state 9"),
        (11, "not an ISO date-time"),
        (12, "no study with id 7"),
        (13, "`user_attr` is not an object"),
    ] {
        assert!(
            s.iter().any(|m| m.contains(&format!("up/journal.log:{line}:")) && m.contains(what)),
            "{line} {what}: {s:?}"
        );
    }
    // The trial still loads, with its NaN intermediate value.
    assert_eq!(l.tables.runs.num_rows(), 1);
    let p = points(&l, "s/0", "intermediate_value");
    assert_eq!(p.len(), 1);
    assert!(p[0].2.is_nan());
    assert_eq!(strings(&l.tables.runs, "status"), [Some("RUNNING".to_string())]);
}

#[test]
fn empty_and_blank_journals() {
    // An empty file is not recognized as anything: a clear error naming the input.
    let err = load_bytes(b"").unwrap_err().to_string();
    assert!(err.contains("up") && err.contains("none recognized"), "{err}");
    // A journal with only a study: no runs, no issues.
    let l = load_bytes(&journal(&["", STUDY, "   "])).unwrap();
    assert_eq!(l.tables.runs.num_rows(), 0);
    assert_eq!(l.report.issue_count(Severity::Skipped), 0);
}

#[test]
fn huge_and_hostile_input() {
    // Deep nesting in a user attr: refused by the JSON parser's depth limit, reported.
    let deep = format!(
        r#"{{"op_code":2,"worker_id":"w","study_id":0,"user_attr":{{"x":{}1{}}}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    // Ids far out of range, a giant step, a huge line.
    let big_line = format!(
        r#"{{"op_code":8,"worker_id":"w","trial_id":0,"user_attr":{{"x":"{}"}}}}"#,
        "a".repeat(1 << 20)
    );
    let lines = [
        STUDY,
        &deep,
        r#"{"op_code":4,"worker_id":"w","study_id":0,"datetime_start":null}"#,
        r#"{"op_code":6,"worker_id":"w","trial_id":18446744073709551615,"state":1}"#,
        r#"{"op_code":7,"worker_id":"w","trial_id":-1,"step":1,"intermediate_value":1}"#,
        r#"{"op_code":7,"worker_id":"w","trial_id":0,"step":9223372036854775807,"intermediate_value":1e308}"#,
        r#"{"op_code":1,"worker_id":"w","study_id":99999999999999}"#,
        &big_line,
    ];
    let l = load_bytes(&journal(&lines)).unwrap();
    assert_eq!(l.tables.runs.num_rows(), 1);
    let s = skipped(&l);
    assert_eq!(s.len(), 4, "{s:?}");
    assert!(s[0].contains("journal.log:2:"), "{s:?}");
    assert_eq!(points(&l, "s/0", "intermediate_value"), [(i64::MAX, None, 1e308)]);
    assert_eq!(tags_of(&l, "x").map(|v| v.len()), Some(1 << 20));
    // Many studies and trials: each a run, nothing else.
    let mut many = vec![STUDY.to_string()];
    for _ in 0..5000 {
        many.push(r#"{"op_code":4,"worker_id":"w","study_id":0,"datetime_start":null}"#.into());
    }
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let l = load_bytes(&journal(&refs)).unwrap();
    assert_eq!(l.tables.runs.num_rows(), 5000);
}

fn tags_of(l: &Loaded, key: &str) -> Option<String> {
    let t = &l.tables.tags;
    let keys = strings(t, "key");
    let values = strings(t, "value");
    keys.iter().position(|k| k.as_deref() == Some(key)).and_then(|i| values[i].clone())
}

#[test]
fn deleted_then_recreated_study_name() {
    let bytes = journal(&[
        STUDY,
        r#"{"op_code":4,"worker_id":"w","study_id":0,"datetime_start":null}"#,
        r#"{"op_code":1,"worker_id":"w","study_id":0}"#,
        STUDY,
        r#"{"op_code":4,"worker_id":"w","study_id":1,"datetime_start":null}"#,
        r#"{"op_code":4,"worker_id":"w","study_id":0,"datetime_start":null}"#,
    ]);
    let l = load_bytes(&bytes).unwrap();
    // Trial ids count on across studies: the new study's trial is trial id 1, number 0.
    assert_eq!(strings(&l.tables.runs, "run_id"), [Some("s/0".to_string())]);
    assert_eq!(strings(&l.tables.runs, "experiment_id"), [Some("1".to_string())]);
    let s = skipped(&l);
    assert!(s.iter().any(|m| m.contains("journal.log:3:") && m.contains("its 1 trials")), "{s:?}");
    assert!(s.iter().any(|m| m.contains("journal.log:6:") && m.contains("deleted (line 3)")), "{s:?}");
}

#[test]
fn two_journals_with_the_same_study_report_duplicates() {
    let bytes = journal(&[STUDY, r#"{"op_code":4,"worker_id":"w","study_id":0,"datetime_start":null}"#]);
    let mut tree = FileTree::new("up");
    tree.insert("a/journal.log", bytes.clone());
    tree.insert("b/journal.log", bytes);
    let l = runql_readers::load(&[tree], &LoadOptions::default()).unwrap();
    assert_eq!(l.tables.runs.num_rows(), 1);
    let s = skipped(&l);
    assert!(s.iter().any(|m| m.contains("duplicate run id s/0")), "{s:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut input = journal(&[STUDY]);
        input.extend_from_slice(&bytes);
        let l = load_bytes(&input).unwrap();
        prop_assert!(l.tables.runs.num_rows() <= 2048);
    }

    #[test]
    fn damaged_fixture_never_panics(cut in 0usize..20_000, flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8)) {
        let mut bytes = fixture();
        for (at, b) in flips {
            let n = bytes.len();
            bytes[at % n] = b;
        }
        bytes.truncate(bytes.len().saturating_sub(cut));
        if let Ok(l) = load_bytes(&bytes) {
            prop_assert!(l.tables.runs.num_rows() <= 22);
        }
    }
}
