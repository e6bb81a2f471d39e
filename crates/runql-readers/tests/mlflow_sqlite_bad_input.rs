//! Damaged, foreign, empty, huge and hostile SQLite files: a clear report naming the file,
//! never a panic, nothing dropped without a count.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::PathBuf;

use common::*;
use runql_readers::{CoreError, FileTree, LoadOptions, Loaded, Severity};

fn fixture_bytes() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/mlflow-sqlite/mlflow.db");
    std::fs::read(path).unwrap()
}

fn load_bytes(name: &str, bytes: Vec<u8>) -> Result<Loaded, CoreError> {
    let mut tree = FileTree::new("upload");
    tree.insert(name, bytes);
    runql_readers::load(&[tree], &LoadOptions::default())
}

/// MLflow's oldest tracking schema: no `step`/`is_nan` metric columns, no `deleted_time`.
const OLD_SCHEMA: &str = "
    CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name TEXT, lifecycle_stage TEXT);
    CREATE TABLE runs (run_uuid TEXT, name TEXT, status TEXT, start_time BIGINT, end_time BIGINT,
                       lifecycle_stage TEXT, artifact_uri TEXT, experiment_id INTEGER, user_id TEXT);
    CREATE TABLE metrics (key TEXT, value FLOAT, timestamp BIGINT, run_uuid TEXT);
    CREATE TABLE params (key TEXT, value TEXT, run_uuid TEXT);
    CREATE TABLE tags (key TEXT, value TEXT, run_uuid TEXT);
    INSERT INTO experiments VALUES (0, 'Default', 'active');
    INSERT INTO runs VALUES ('r1', 'first', 'FINISHED', 1000, 2000, 'active', 'file:///a', 0, 'u');
";

#[test]
fn truncated_databases_are_reported_with_the_file_name() {
    let full = fixture_bytes();
    for cut in [17, 99, 100, 4096, full.len() / 3, full.len() / 2, full.len() - 512] {
        let l = load_bytes("mlflow.db", full[..cut].to_vec()).unwrap();
        let skips = skipped(&l);
        assert!(!skips.is_empty(), "cut at {cut}: nothing reported");
        assert!(skips.iter().all(|s| s.contains("mlflow.db")), "cut at {cut}: {skips:?}");
    }
    let l = load_bytes("mlflow.db", full[..50].to_vec()).unwrap();
    assert!(skipped(&l)[0].contains("truncated"), "{:?}", skipped(&l));
}

#[test]
fn corrupt_pages_never_panic_and_are_reported() {
    let full = fixture_bytes();
    let clean = load_bytes("mlflow.db", full.clone()).unwrap();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for round in 0..24 {
        let mut bytes = full.clone();
        // Damage a few hundred bytes past the header, at pseudo-random places.
        for _ in 0..(50 + round * 20) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let at = 100 + (state as usize) % (bytes.len() - 100);
            bytes[at] ^= (state >> 32) as u8 | 1;
        }
        let l = load_bytes("mlflow.db", bytes).unwrap();
        let all_clean = l.tables.metrics.num_rows() == clean.tables.metrics.num_rows()
            && l.tables.runs.num_rows() == clean.tables.runs.num_rows();
        // Either the damage hit nothing that is read, or it is reported with the file name.
        assert!(
            all_clean || l.report.issues().iter().any(|i| i.path.contains("mlflow.db")),
            "round {round}: data lost without a report: {}",
            l.report
        );
    }
}

#[test]
fn an_sqlite_file_that_is_not_mlflow_is_named_and_refused() {
    let l = load_bytes("notes.sqlite", db("CREATE TABLE notes (id INTEGER, text TEXT);")).unwrap();
    let skips = skipped(&l);
    assert_eq!(skips.len(), 1, "{skips:?}");
    assert!(
        skips[0].contains("notes.sqlite") && skips[0].contains("not an MLflow tracking store"),
        "{skips:?}"
    );
    assert!(skips[0].contains("experiments, runs, metrics"), "{skips:?}");
    assert_eq!(l.tables.runs.num_rows(), 0);
}

#[test]
fn a_view_posing_as_an_mlflow_table_is_not_queried() {
    // A recursive view would never end; views are not MLflow's, so it is not read at all.
    let sql = "CREATE TABLE experiments (experiment_id INTEGER); CREATE TABLE runs (run_uuid TEXT);
               CREATE VIEW metrics AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n;";
    let l = load_bytes("mlflow.db", db(sql)).unwrap();
    assert!(skipped(&l)[0].contains("no metrics table"), "{:?}", skipped(&l));
}

#[test]
fn an_empty_file_is_no_run_data_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mlflow.db");
    std::fs::write(&path, b"").unwrap();
    let err =
        runql_readers::load(&[FileTree::from_path(&path).unwrap()], &LoadOptions::default()).unwrap_err();
    assert!(matches!(err, CoreError::NoRunData { .. }), "{err}");
    assert!(err.to_string().contains("mlflow.db"), "{err}");
}

#[test]
fn a_database_over_the_size_limit_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mlflow.db");
    let f = std::fs::File::create(&path).unwrap();
    std::io::Write::write_all(&mut &f, b"SQLite format 3\0").unwrap();
    // Sparse: no disk space is used, and the reader must not try to read it.
    f.set_len(runql_readers::sqlite::open::MAX_DB_BYTES + 1).unwrap();
    let l =
        runql_readers::load(&[FileTree::from_path(dir.path()).unwrap()], &LoadOptions::default()).unwrap();
    let skips = skipped(&l);
    assert!(skips[0].contains("mlflow.db") && skips[0].contains("limit"), "{skips:?}");
    assert_eq!(l.report.bytes_read, 0);
}

#[test]
fn old_schemas_load_with_mlflows_defaults() {
    let sql = format!(
        "{OLD_SCHEMA}
         INSERT INTO metrics VALUES ('loss', 0.5, 1500, 'r1'), ('loss', 1.7976931348623157e308, 1600, 'r1');
         INSERT INTO params VALUES ('lr', '0.1', 'r1');
         INSERT INTO tags VALUES ('mlflow.parentRunId', 'p0', 'r1');"
    );
    let l = load_bytes("mlflow.db", db(&sql)).unwrap();
    assert_eq!(l.report.issue_count(Severity::Skipped), 0, "{}", l.report);
    assert_eq!(points(&l, "r1", "loss"), [(0, Some(1500), 0.5), (0, Some(1600), f64::INFINITY)]);
    assert_eq!(strings(&l.tables.runs, "project"), [Some("Default".to_string())]);
    assert_eq!(strings(&l.tables.runs, "parent_run_id"), [Some("p0".to_string())]);
}

#[test]
fn hostile_cells_are_skipped_with_table_and_reason() {
    let sql = format!(
        "{OLD_SCHEMA}
         INSERT INTO runs VALUES (NULL, 'no id', 'FINISHED', 1, 2, 'active', NULL, 0, NULL);
         INSERT INTO runs VALUES ('r2', 'bad time', 'FINISHED', 'yesterday', 2, 'active', NULL, 0, NULL);
         INSERT INTO runs VALUES ('r1', 'again', 'FINISHED', 1, 2, 'active', NULL, 0, NULL);
         INSERT INTO metrics VALUES ('loss', 'abc', 1, 'r1'), ('loss', NULL, 2, 'r1'), ('loss', x'00ff', 3, 'r1'),
                                    ('loss', 0.25, 4, 'r1'), ('loss', 1.0, 5, 'ghost'), (NULL, 1.0, 6, 'r1');
         INSERT INTO params VALUES ('lr', '0.1', 'ghost'), ('lr', 7, 'r1');"
    );
    let l = load_bytes("mlflow.db", db(&sql)).unwrap();
    let skips = skipped(&l);
    let has = |s: &str| skips.iter().any(|x| x.contains(s) && x.contains("mlflow.db"));
    assert!(has("table runs: a run without run_uuid"), "{skips:?}");
    assert!(has("table runs: run r2 start_time: \"yesterday\" is not an integer"), "{skips:?}");
    assert!(has("table runs: run r1 appears twice"), "{skips:?}");
    assert!(has("\"abc\" is not a number"), "{skips:?}");
    assert!(has("NULL value"), "{skips:?}");
    assert!(has("blob"), "{skips:?}");
    assert!(has("table metrics: a metric row without key"), "{skips:?}");
    assert!(has("table metrics: 1 points of runs not in the runs table"), "{skips:?}");
    assert!(has("table params: 1 rows of runs not in the runs table"), "{skips:?}");
    assert_eq!(points(&l, "r1", "loss"), [(0, Some(4), 0.25)]);
    assert_eq!(pairs_of(&l, "r1"), [("lr".to_string(), Some("7".to_string()))]);
    assert_eq!(strings(&l.tables.runs, "name"), [Some("first".to_string())]);
}

fn pairs_of(l: &Loaded, run: &str) -> Vec<(String, Option<String>)> {
    let ids = strings(&l.tables.params, "run_id");
    let keys = strings(&l.tables.params, "key");
    let values = strings(&l.tables.params, "value");
    (0..ids.len())
        .filter(|&i| ids[i].as_deref() == Some(run))
        .map(|i| (keys[i].clone().unwrap(), values[i].clone()))
        .collect()
}

#[test]
fn many_bad_rows_are_listed_up_to_a_limit_and_counted() {
    let mut sql = OLD_SCHEMA.to_string();
    for i in 0..100 {
        sql.push_str(&format!("INSERT INTO metrics VALUES ('loss', 'bad{i}', {i}, 'r1');"));
    }
    let l = load_bytes("mlflow.db", db(&sql)).unwrap();
    let skips = skipped(&l);
    assert_eq!(skips.len(), 21, "{skips:?}");
    assert!(skips[20].contains("80 more skipped rows"), "{skips:?}");
}

#[test]
fn a_write_ahead_log_beside_the_database_is_warned_about() {
    let mut tree = FileTree::new("store");
    tree.insert("mlflow.db", fixture_bytes());
    tree.insert("mlflow.db-wal", vec![1u8; 64]);
    tree.insert("mlflow.db-shm", vec![0u8; 64]);
    let l = runql_readers::load(&[tree], &LoadOptions::default()).unwrap();
    let w = warnings(&l);
    assert!(w.iter().any(|x| x.contains("mlflow.db-wal") && x.contains("write-ahead log")), "{w:?}");
    assert_eq!(l.report.issue_count(Severity::Skipped), 0, "{}", l.report);
}
