//! Truncated, empty, non-UTF-8, corrupt, absurd, huge and hostile MLflow input: every
//! problem is reported with file (and line), good data next to it still loads, nothing panics.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::*;
use runql_readers::{CoreError, FileTree, LoadOptions, Severity};

#[test]
fn corrupt_run_meta_skips_that_run_only_and_names_file_and_line() {
    let l = load(tree(&[
        ("0/good/meta.yaml", run_meta("good", "0", 3).as_bytes()),
        ("0/good/metrics/loss", b"1 0.5 0\n"),
        ("0/bad/meta.yaml", b"run_id: bad\nstatus: [3\nuser_id: x\n"),
        ("0/bad/metrics/loss", b"1 0.5 0\n"),
    ]));
    assert_eq!(strings(&l.tables.runs, "run_id"), [Some("good".into())]);
    let s = skipped(&l);
    assert!(s.iter().any(|m| m.contains("mlruns/0/bad/meta.yaml:") && m.contains("does not parse")), "{s:?}");
    assert!(s.iter().any(|m| m.contains("mlruns/0/bad") && m.contains("1 files not loaded")), "{s:?}");
}

#[test]
fn empty_and_truncated_files() {
    let l = load(tree(&[
        ("0/e/meta.yaml", b""),
        ("0/r/meta.yaml", run_meta("r", "0", 3).as_bytes()),
        ("0/r/metrics/empty", b""),
        ("0/r/metrics/cut", b"1 0.5 0\n2 0.4 1\n3 0.3"),
        ("0/r/params/empty", b""),
    ]));
    assert_eq!(points(&l, "r", "cut").len(), 2);
    assert!(points(&l, "r", "empty").is_empty());
    assert_eq!(strings(&l.tables.params, "value"), [Some(String::new())], "an empty param is a real value");
    let issues: Vec<String> = l.report.issues().iter().map(ToString::to_string).collect();
    assert!(issues.iter().any(|m| m.contains("0/e/meta.yaml") && m.contains("empty document")), "{issues:?}");
    assert!(
        issues.iter().any(|m| m.contains("metrics/empty") && m.contains("empty metric file")),
        "{issues:?}"
    );
    assert!(issues.iter().any(|m| m.contains("metrics/cut:3") && m.contains("cut off")), "{issues:?}");
}

#[test]
fn non_utf8_everywhere() {
    let l = load(tree(&[
        ("0/r/meta.yaml", run_meta("r", "0", 3).as_bytes()),
        ("0/r/params/p", b"caf\xe9"),
        ("0/r/metrics/m", b"1 0.5 0\n\xff 0.1 1\n"),
        ("0/x/meta.yaml", b"run_id: \xff\xfe\n"),
    ]));
    assert_eq!(strings(&l.tables.params, "value"), [Some("caf\u{fffd}".into())]);
    assert_eq!(points(&l, "r", "m").len(), 1);
    assert!(warnings(&l).iter().any(|m| m.contains("params/p") && m.contains("UTF-8")));
    let s = skipped(&l);
    assert!(s.iter().any(|m| m.contains("metrics/m:2")), "{s:?}");
    assert!(s.iter().any(|m| m.contains("0/x/meta.yaml:1") && m.contains("UTF-8")), "{s:?}");
}

#[test]
fn garbage_and_absurd_metric_lines_are_skipped_per_line() {
    let l = load(tree(&[
        ("0/r/meta.yaml", run_meta("r", "0", 3).as_bytes()),
        ("0/r/metrics/m", b"1 0.5 0\nGARBAGE\n2 1e999 1\n3 0.1 18446744073709551616\n4 0.2 2\n"),
    ]));
    let p = points(&l, "r", "m");
    assert_eq!(p.iter().map(|x| x.0).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(p[1].2, f64::INFINITY, "1e999 overflows to inf, as in Python");
    let s = skipped(&l);
    assert_eq!(s.len(), 2, "{s:?}");
    assert!(s[0].contains("metrics/m:2"));
    assert!(s[1].contains("metrics/m:4") && s[1].contains("64 bits"));
}

#[test]
fn huge_and_hostile_metadata_is_refused_before_it_costs_memory() {
    let big_yaml = "a: ".to_string() + &"x".repeat(2 << 20);
    let bomb = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nrun_id: bomb\n";
    let deep = "run_id: deep\nx: ".to_string() + &"[".repeat(100_000);
    let l = load(tree(&[
        ("0/big/meta.yaml", big_yaml.as_bytes()),
        ("0/bomb/meta.yaml", bomb.as_bytes()),
        ("0/deep/meta.yaml", deep.as_bytes()),
        ("0/r/meta.yaml", run_meta("r", "0", 3).as_bytes()),
        ("0/r/params/huge", "v".repeat(2 << 20).as_bytes()),
    ]));
    let mut ids: Vec<_> = strings(&l.tables.runs, "run_id").into_iter().flatten().collect();
    ids.sort();
    // The alias bomb is valid YAML and is read without expanding its aliases.
    assert_eq!(ids, ["bomb", "r"]);
    let s = skipped(&l);
    assert!(s.iter().any(|m| m.contains("0/big/meta.yaml") && m.contains("too large")), "{s:?}");
    assert!(s.iter().any(|m| m.contains("0/deep/meta.yaml")), "{s:?}");
    assert!(s.iter().any(|m| m.contains("params/huge") && m.contains("too large")), "{s:?}");
    assert_eq!(l.tables.params.num_rows(), 0);
}

#[test]
fn a_huge_metric_file_loads_whole() {
    let mut text = String::with_capacity(40 << 20);
    for step in 0..1_000_000u32 {
        text.push_str(&format!(
            "{} {} {step}\n",
            1_700_000_000_000u64 + u64::from(step),
            f64::from(step) * 0.5
        ));
    }
    let l = load(tree(&[
        ("0/r/meta.yaml", run_meta("r", "0", 3).as_bytes()),
        ("0/r/metrics/m", text.as_bytes()),
    ]));
    assert_eq!(l.tables.metrics.num_rows(), 1_000_000);
    assert_eq!(summary(&l, "r", "m", "last"), Some(499_999.5));
}

#[test]
fn many_bad_lines_are_counted_but_kept_short() {
    let text = "bad line\n".repeat(100_000);
    let l = load(tree(&[
        ("0/r/meta.yaml", run_meta("r", "0", 3).as_bytes()),
        ("0/r/metrics/m", text.as_bytes()),
    ]));
    assert_eq!(l.report.issue_count(Severity::Skipped), 21, "20 detailed lines and one count line");
    assert!(skipped(&l).iter().any(|m| m.contains("99980 more bad lines")));
}

#[test]
fn files_outside_any_store_and_stray_files_are_reported() {
    let l = load(tree(&[
        ("README.md", b"hello"),
        ("0/r/meta.yaml", run_meta("r", "0", 3).as_bytes()),
        ("0/r/notes.txt", b"?"),
        ("0/r/metrics", b"a file where a folder should be"),
        ("0/weird/meta.yaml", b"foo: bar\n"),
    ]));
    let s = skipped(&l);
    assert!(
        s.iter().any(|m| m.contains("mlruns/README.md")
            && m.contains("not part of any recognized run data (found: mlflow-file-store)")),
        "{s:?}"
    );
    assert!(s.iter().any(|m| m.contains("0/r/notes.txt") && m.contains("unexpected file")), "{s:?}");
    assert!(
        s.iter().any(|m| m.contains("0/r/metrics: a file named metrics where MLflow keeps a folder")),
        "{s:?}"
    );
    assert!(s.iter().any(|m| m.contains("0/weird/meta.yaml") && m.contains("not an MLflow")), "{s:?}");
}

#[test]
fn experiment_id_mismatch_is_a_warning() {
    let l = load(tree(&[("0/r/meta.yaml", run_meta("r", "5", 3).as_bytes())]));
    assert_eq!(l.tables.runs.num_rows(), 1);
    assert!(warnings(&l).iter().any(|m| m.contains("experiment 5") && m.contains("experiment 0")));
}

#[test]
fn duplicate_run_ids_across_inputs_keep_the_first() {
    let a = tree(&[("0/r/meta.yaml", run_meta("r", "0", 3).as_bytes())]);
    let mut b = FileTree::new("copy");
    b.insert("0/meta.yaml", EXP0.as_bytes().to_vec());
    b.insert("0/r/meta.yaml", run_meta("r", "0", 3).into_bytes());
    let l = runql_readers::load(&[a, b], &LoadOptions::default()).unwrap();
    assert_eq!(l.tables.runs.num_rows(), 1);
    assert!(skipped(&l).iter().any(|m| m.contains("duplicate run id r") && m.contains("copy/0/r")));
}

#[test]
fn nothing_recognized_is_an_error_naming_the_input() {
    let mut t = FileTree::new("photos");
    t.insert("cat.jpg", b"\xff\xd8".to_vec());
    let err = runql_readers::load(&[t], &LoadOptions::default()).unwrap_err();
    assert!(matches!(err, CoreError::NoRunData { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("photos") && msg.contains("1 files, none recognized") && msg.contains("meta.yaml"),
        "{msg}"
    );
    let err = runql_readers::load(&[FileTree::new("empty")], &LoadOptions::default()).unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
}

#[cfg(unix)]
#[test]
fn unreadable_things_on_disk_are_reported_and_the_rest_loads() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("0/r/metrics")).unwrap();
    std::fs::write(root.join("0/meta.yaml"), EXP0).unwrap();
    std::fs::write(root.join("0/r/meta.yaml"), run_meta("r", "0", 3)).unwrap();
    std::fs::write(root.join("0/r/metrics/loss"), "1 0.5 0\n").unwrap();
    std::fs::write(root.join("0/r/metrics/gone"), "1 0.5 0\n").unwrap();
    std::os::unix::fs::symlink(root.join("nowhere"), root.join("0/r/metrics/broken")).unwrap();
    std::os::unix::fs::symlink(root.join("0"), root.join("0/r/loop")).unwrap();
    let tree = FileTree::from_path(root).unwrap();
    // A file that vanishes between listing and reading (as on a flaky network share).
    std::fs::remove_file(root.join("0/r/metrics/gone")).unwrap();
    let l = runql_readers::load(&[tree], &LoadOptions::default()).unwrap();
    assert_eq!(points(&l, "r", "loss").len(), 1);
    let s = skipped(&l);
    assert!(s.iter().any(|m| m.contains("metrics/gone") && m.contains("cannot read")), "{s:?}");
    assert!(s.iter().any(|m| m.contains("metrics/broken") && m.contains("broken symlink")), "{s:?}");
    assert!(s.iter().any(|m| m.contains("0/r/loop") && m.contains("symlinked folder")), "{s:?}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
    /// Random bytes in every kind of file never panic the loader.
    #[test]
    fn random_bytes_in_any_file_never_panic(
        meta in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
        metric in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
        param in proptest::collection::vec(proptest::num::u8::ANY, 0..50),
    ) {
        let t = tree(&[
            ("0/r/meta.yaml", &meta),
            ("0/r/metrics/m", &metric),
            ("0/r/params/p", &param),
            ("0/g/meta.yaml", run_meta("g", "0", 3).as_bytes()),
            ("0/g/metrics/m", &metric),
        ]);
        let l = runql_readers::load(&[t], &LoadOptions::default()).unwrap();
        proptest::prop_assert!(strings(&l.tables.runs, "run_id").contains(&Some("g".into())));
    }
}
