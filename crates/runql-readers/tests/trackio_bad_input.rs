//! Damaged, foreign, old and hostile trackio databases: a clear report naming the file and
//! table, what is readable still loaded, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::PathBuf;

use common::*;
use runql_readers::{FileTree, LoadOptions, Loaded};

fn fixture_bytes() -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/trackio/trackio/runql-fixture.db"),
    )
    .unwrap()
}

fn load_files(files: &[(&str, Vec<u8>)]) -> Loaded {
    let mut tree = FileTree::new("upload");
    for (name, bytes) in files {
        tree.insert(name, bytes.clone());
    }
    runql_readers::load(&[tree], &LoadOptions::default()).unwrap()
}

const SCHEMA: &str = "
    CREATE TABLE configs (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, run_name TEXT NOT NULL,
                          config TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE metrics (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, timestamp TEXT NOT NULL,
                          run_name TEXT NOT NULL, step INTEGER NOT NULL, metrics TEXT NOT NULL);
";

#[test]
fn truncated_databases_keep_nothing_silently() {
    let full = fixture_bytes();
    for cut in [20, 100, 4096, full.len() / 2, full.len() - 100] {
        let mut tree = FileTree::new("upload");
        tree.insert("proj.db", full[..cut].to_vec());
        match runql_readers::load(&[tree], &LoadOptions::default()) {
            Ok(l) => {
                let s: Vec<String> = skipped(&l).into_iter().chain(warnings(&l)).collect();
                assert!(!s.is_empty() && s.iter().all(|x| x.contains("proj.db")), "cut {cut}: {s:?}");
                if cut == full.len() - 100 {
                    assert!(s.iter().any(|x| x.contains("cut short")), "{s:?}");
                }
            }
            // Cut before the schema: not recognizable as trackio's, so no run data at all.
            Err(e) => assert!(e.to_string().contains("no run data"), "cut {cut}: {e}"),
        }
    }
}

#[test]
fn bad_rows_are_skipped_with_table_and_reason_and_the_rest_loads() {
    let bytes = db(&format!(
        "{SCHEMA}
        INSERT INTO configs VALUES (1, 'r1', 'one', '{{\"lr\": 0.1, \"_Created\": \"2026-01-01T00:00:00+00:00\"}}', 'x');
        INSERT INTO configs VALUES (2, 'r2', 'two', 'not json', 'x');
        INSERT INTO configs VALUES (3, '', 'nameless', '{{}}', 'x');
        INSERT INTO metrics VALUES (1, 'r1', '2026-01-01T00:00:01+00:00', 'one', 0, '{{\"loss\": 1.5, \"img\": {{\"_type\": \"trackio.image\"}}, \"ok\": true}}');
        INSERT INTO metrics VALUES (2, 'r1', 'soon', 'one', 1, '{{\"loss\": \"Infinity\"}}');
        INSERT INTO metrics VALUES (3, 'r1', 'x', 'one', 'two', '{{\"loss\": 1}}');
        INSERT INTO metrics VALUES (4, 'r1', 'x', 'one', 3, '[1, 2]');
        INSERT INTO metrics VALUES (5, 'r1', 'x', 'one', 4, '{{\"loss\": ');
        INSERT INTO metrics VALUES (6, 'r3', 'x', 'three', 0, '{{\"acc\": 0.5, \"val\": {{\"loss\": 2}}}}');
        INSERT INTO configs VALUES (4, 'r1', 'one', '{{\"lr\": 0.2, \"_Group\": \"g\"}}', 'x');
        "
    ));
    let l = load_files(&[("proj.db", bytes)]);
    let s = skipped(&l);
    for needle in [
        "table configs: config is not JSON",
        "table configs: a row without run_id",
        "table metrics: step: \"two\" is not an integer",
        "table metrics: metrics is not a JSON object",
        "table metrics: metrics is not JSON",
    ] {
        assert!(s.iter().any(|x| x.contains(needle) && x.contains("proj.db")), "{needle}: {s:?}");
    }
    assert_eq!(
        points(&l, "r1", "loss"),
        [(0, Some(1_767_225_601_000), 1.5), (1, None, f64::INFINITY)],
        "a timestamp that does not parse leaves the point without one"
    );
    assert_eq!(points(&l, "r3", "acc").len(), 1, "a run with metrics but no config still loads");
    assert_eq!(points(&l, "r3", "val.loss"), [(0, None, 2.0)], "nested values are joined with a dot");
    // A later config row of the same run wins: its params, its group, the first row's start.
    let runs = strings(&l.tables.runs, "run_id");
    let i = runs.iter().position(|r| r.as_deref() == Some("r1")).unwrap();
    assert_eq!(strings(&l.tables.runs, "run_group")[i].as_deref(), Some("g"));
    let p = &l.tables.params;
    let lr: Vec<_> = (0..p.num_rows())
        .filter(|&j| strings(p, "run_id")[j].as_deref() == Some("r1"))
        .map(|j| strings(p, "value")[j].clone().unwrap())
        .collect();
    assert_eq!(lr, ["0.2"]);
    let ig = &l.report.ignored;
    assert_eq!(
        ig.get("trackio media/table/histogram values (trackio.image; not tabulated)"),
        Some(&1),
        "{ig:?}"
    );
    assert_eq!(ig.get("trackio boolean values (not tabulated)"), Some(&1), "{ig:?}");
}

#[test]
fn databases_of_older_trackio_without_run_ids_use_the_run_name() {
    let bytes = db("
        CREATE TABLE configs (id INTEGER PRIMARY KEY, run_name TEXT NOT NULL, config TEXT NOT NULL, created_at TEXT NOT NULL);
        CREATE TABLE metrics (id INTEGER PRIMARY KEY, timestamp TEXT NOT NULL, run_name TEXT NOT NULL, step INTEGER NOT NULL, metrics TEXT NOT NULL);
        INSERT INTO configs VALUES (1, 'old-run', '{\"lr\": 0.5}', '2025-05-01T00:00:00');
        INSERT INTO metrics VALUES (1, '2025-05-01T00:00:01', 'old-run', 0, '{\"loss\": 2.0}');
    ");
    let l = load_files(&[("legacy.db", bytes)]);
    assert!(skipped(&l).is_empty(), "{:?}", skipped(&l));
    assert_eq!(points(&l, "old-run", "loss"), [(0, Some(1_746_057_601_000), 2.0)]);
    assert_eq!(strings(&l.tables.runs, "project"), [Some("legacy".to_string())]);
}

#[test]
fn lock_files_and_a_live_wal_are_named() {
    let l = load_files(&[
        ("trackio/proj.db", fixture_bytes()),
        ("trackio/proj.lock", Vec::new()),
        ("trackio/proj.db-wal", vec![1; 64]),
    ]);
    assert!(
        l.report.ignored.contains_key("SQLite sidecar and lock files (-shm, -journal, empty -wal, .lock)"),
        "{:?}",
        l.report.ignored
    );
    let w = warnings(&l);
    assert!(w.iter().any(|x| x.contains("proj.db-wal") && x.contains("write-ahead log")), "{w:?}");
    assert!(skipped(&l).is_empty(), "{:?}", skipped(&l));
}

#[test]
fn an_sqlite_file_that_is_neither_trackio_nor_mlflow_is_reported() {
    let bytes = db("CREATE TABLE configs (a TEXT); CREATE TABLE other (b TEXT);");
    let mut tree = FileTree::new("upload");
    tree.insert("notes.db", bytes);
    let e = runql_readers::load(&[tree], &LoadOptions::default());
    let text = match e {
        Ok(l) => skipped(&l).join("\n"),
        Err(e) => e.to_string(),
    };
    assert!(text.contains("notes.db"), "{text}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    #[test]
    fn any_flip_of_the_fixture_never_panics(at in 0usize..200_000, bit in 0u8..8) {
        let mut bytes = fixture_bytes();
        let n = bytes.len();
        bytes[at % n] ^= 1 << bit;
        let mut tree = FileTree::new("upload");
        tree.insert("proj.db", bytes);
        let _ = runql_readers::load(&[tree], &LoadOptions::default());
    }
}
