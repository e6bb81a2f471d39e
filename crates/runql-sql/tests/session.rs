//! Session API: parameters, the read-only policy, the blocking helper and dictionary
//! columns, on small tables built with `TablesBuilder` (and on the MLflow fixture when it
//! is there).

// Test helpers outside `#[test]` functions unwrap too: a failure should stop the test.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::pin::pin;
use std::task::{Context, Poll, Waker};

use runql_core::model::{MetricSeries, RunData, RunInfo, TablesBuilder};
use runql_readers::{FileTree, LoadOptions, RunTables, load};
use runql_sql::datafusion::arrow::array::{Array, AsArray, RecordBatch};
use runql_sql::datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use runql_sql::datafusion::arrow::util::pretty::pretty_format_batches;
use runql_sql::datafusion::scalar::ScalarValue;
use runql_sql::{QueryResult, Session, SessionOptions, SqlError};

fn run(id: &str, name: &str, lr: &str, tag: Option<&str>, loss: &[f64]) -> RunData {
    RunData {
        info: RunInfo {
            run_id: id.into(),
            source: "mlflow".into(),
            name: Some(name.into()),
            origin: "test".into(),
            ..Default::default()
        },
        params: vec![("lr".into(), lr.into())],
        tags: tag.map(|t| vec![("model_size".to_owned(), Some(t.to_owned()))]).unwrap_or_default(),
        metrics: vec![MetricSeries {
            key: "val/loss".into(),
            steps: (0..loss.len() as i64).collect(),
            timestamps: vec![None; loss.len()],
            values: loss.to_vec(),
        }],
    }
}

fn tables() -> RunTables {
    let mut b = TablesBuilder::new();
    b.add_run(run("r1", "alpha", "0.1", Some("7b"), &[3.0, 2.0, 1.5, 1.6])).unwrap();
    b.add_run(run("r2", "beta", "0.01", None, &[3.0, 1.0, 0.5])).unwrap();
    b.add_run(run("r3", "gamma", "0.001", Some("7b"), &[2.0, f64::NAN, 0.9, 0.8, 0.7])).unwrap();
    b.finish().unwrap()
}

fn session(target_partitions: usize, read_only: bool) -> Session {
    Session::with_tables(
        &tables(),
        SessionOptions { target_partitions, read_only, ..SessionOptions::default() },
    )
    .unwrap()
}

fn text(result: &QueryResult) -> String {
    pretty_format_batches(&result.batches).unwrap().to_string()
}

fn rows(result: &QueryResult) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for batch in &result.batches {
        for r in 0..batch.num_rows() {
            out.push(
                batch
                    .columns()
                    .iter()
                    .map(|c| {
                        runql_sql::datafusion::arrow::util::display::array_value_to_string(c, r).unwrap()
                    })
                    .collect(),
            );
        }
    }
    out
}

#[tokio::test]
async fn positional_parameters() {
    let s = session(4, true);
    let r = s
        .query(
            "SELECT r.name, ms.last FROM metric_summary ms JOIN runs r USING (run_id) \
             WHERE ms.key = $1 AND ms.last < $2 ORDER BY ms.last",
            &[ScalarValue::from("val/loss"), ScalarValue::Float64(Some(1.0))],
        )
        .await
        .unwrap();
    assert_eq!(rows(&r), vec![vec!["beta", "0.5"], vec!["gamma", "0.7"]]);

    // A Float64 value binds to an Int64 comparison; a string that is not a number does not.
    let r = s
        .query("SELECT count(*) AS n FROM metrics WHERE step >= $1", &[ScalarValue::Float64(Some(3.0))])
        .await
        .unwrap();
    assert_eq!(rows(&r), vec![vec!["3"]]);
    let e = s.query("SELECT * FROM metrics WHERE step = $1", &[ScalarValue::from("x")]).await.unwrap_err();
    assert!(matches!(e, SqlError::Params(ref m) if m.starts_with("$1: cannot use")), "{e}");

    // User text stays a value.
    let r = s
        .query("SELECT count(*) AS n FROM runs WHERE name = $1", &[ScalarValue::from("x' OR '1'='1")])
        .await
        .unwrap();
    assert_eq!(rows(&r), vec![vec!["0"]]);

    // Counting mistakes are errors.
    let e = s.query("SELECT $1, $2", &[ScalarValue::from(1i64)]).await.unwrap_err();
    assert!(matches!(e, SqlError::Params(_)), "{e}");
    let e = s.query("SELECT 1", &[ScalarValue::from(1i64)]).await.unwrap_err();
    assert!(matches!(e, SqlError::Params(_)), "{e}");
    let e = s.query("SELECT $1", &[]).await.unwrap_err();
    assert!(matches!(e, SqlError::Params(_)), "{e}");
    let e = s.query("SELECT $foo", &[ScalarValue::from(1i64)]).await.unwrap_err();
    assert!(matches!(e, SqlError::Params(ref m) if m.contains("$foo")), "{e}");

    // Parameters feed the smoothing functions.
    let r = s
        .query(
            "SELECT tb_ema(value, $1) OVER (ORDER BY step) AS s FROM metrics WHERE run_id = $2 ORDER BY step",
            &[ScalarValue::Float64(Some(0.0)), ScalarValue::from("r2")],
        )
        .await
        .unwrap();
    assert_eq!(rows(&r), vec![vec!["3.0"], vec!["1.0"], vec!["0.5"]]);
}

#[tokio::test]
async fn read_only_refuses_each_statement_kind() {
    let dir = tempfile::tempdir().unwrap();
    let copy_target = dir.path().join("out.csv");
    let copy_sql = format!("COPY (SELECT 1 AS x) TO '{}' STORED AS CSV", copy_target.display());
    let cases: Vec<(String, &str)> = vec![
        (
            "CREATE EXTERNAL TABLE x (a INT) STORED AS CSV LOCATION '/etc/passwd'".into(),
            "CREATE EXTERNAL TABLE",
        ),
        ("CREATE TABLE x AS SELECT 1".into(), "CREATE TABLE"),
        ("CREATE OR REPLACE TABLE runs AS SELECT 1".into(), "CREATE TABLE"),
        ("CREATE VIEW v AS SELECT 1".into(), "CREATE VIEW"),
        ("CREATE SCHEMA s".into(), "CREATE SCHEMA"),
        ("DROP TABLE runs".into(), "DROP TABLE"),
        ("DROP VIEW IF EXISTS v".into(), "DROP VIEW"),
        ("DROP SCHEMA IF EXISTS s".into(), "DROP SCHEMA"),
        ("INSERT INTO tags VALUES ('r1', 'k', 'v')".into(), "INSERT"),
        ("INSERT OVERWRITE tags VALUES ('r1', 'k', 'v')".into(), "INSERT OVERWRITE"),
        ("EXPLAIN ANALYZE INSERT INTO tags VALUES ('r1', 'k', 'v')".into(), "INSERT"),
        ("DELETE FROM tags".into(), "DELETE"),
        ("UPDATE tags SET value = 'x'".into(), "UPDATE"),
        (copy_sql.clone(), "COPY"),
        ("SET datafusion.execution.target_partitions = 1".into(), "SET"),
        ("RESET datafusion.execution.target_partitions".into(), "RESET"),
        ("START TRANSACTION".into(), "BEGIN TRANSACTION"),
        ("COMMIT".into(), "COMMIT"),
        ("ROLLBACK".into(), "ROLLBACK"),
        ("PREPARE q(INT) AS SELECT $1".into(), "PREPARE"),
        ("EXECUTE q(1)".into(), "EXECUTE"),
        ("DEALLOCATE q".into(), "DEALLOCATE"),
        ("TRUNCATE TABLE tags".into(), "TRUNCATE"),
        ("CREATE DATABASE d".into(), "CREATE DATABASE"),
        ("CREATE INDEX i ON tags (key)".into(), "CREATE INDEX"),
        ("DROP FUNCTION f".into(), "DROP FUNCTION"),
        ("MERGE INTO tags USING runs ON tags.run_id = runs.run_id WHEN MATCHED THEN DELETE".into(), "MERGE"),
        ("CREATE TEMPORARY VIEW v AS SELECT 1".into(), "CREATE VIEW"),
    ];
    let s = session(4, true);
    for (sql, kind) in &cases {
        match s.query(sql, &[]).await {
            Err(SqlError::ReadOnly { statement }) => assert_eq!(&statement, kind, "{sql}"),
            other => panic!("{sql}: expected a read-only refusal, got {other:?}"),
        }
        let message = s.query(sql, &[]).await.unwrap_err().to_string();
        assert_eq!(message, format!("runql is read-only here: {kind} is not allowed"));
    }
    assert!(!copy_target.exists(), "COPY wrote a file in a read-only session");
    // Nothing changed: the tables are all there with their rows.
    let r = s.query("SELECT count(*) FROM tags", &[]).await.unwrap();
    assert_eq!(rows(&r), vec![vec!["2"]]);
    let r = s
        .query("SELECT count(*) FROM information_schema.tables WHERE table_name IN ('x', 'v')", &[])
        .await
        .unwrap();
    assert_eq!(rows(&r), vec![vec!["0"]]);

    // The same COPY does write in a writable session (so the refusal above is meaningful).
    let w = session(1, false);
    w.query(&copy_sql, &[]).await.unwrap();
    assert!(copy_target.exists());
    // ... and queries, EXPLAIN, SHOW and DESCRIBE still work read-only.
    for sql in ["SELECT 1", "EXPLAIN SELECT * FROM runs", "SHOW TABLES", "DESCRIBE metrics", "SHOW ALL"] {
        s.query(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

#[test]
fn blocking_helper_runs_union_all() {
    for tp in [1, 4] {
        let s = session(tp, true);
        let sql =
            "SELECT name AS x FROM runs UNION ALL SELECT key FROM params UNION ALL SELECT 'z' ORDER BY x";
        let r = s.sql_blocking(sql, &[]).unwrap();
        assert_eq!(
            rows(&r),
            vec![vec!["alpha"], vec!["beta"], vec!["gamma"], vec!["lr"], vec!["lr"], vec!["lr"], vec!["z"]],
            "target_partitions={tp}"
        );
        // Window functions and GROUP BY through the blocking path as well.
        let r = s
            .sql_blocking(
                "SELECT run_id, max(s) FROM (SELECT run_id, running_avg(value, 3) OVER (PARTITION BY run_id ORDER BY step) AS s FROM metrics) GROUP BY run_id ORDER BY run_id",
                &[],
            )
            .unwrap();
        assert_eq!(r.num_rows(), 3);
    }
}

#[test]
fn async_query_outside_a_runtime_is_an_error_not_a_panic() {
    let s = session(4, false);
    let mut fut = pin!(s.query("SELECT 1 UNION ALL SELECT 2", &[]));
    let mut cx = Context::from_waker(Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(Err(SqlError::Runtime(m))) => assert!(m.contains("sql_blocking"), "{m}"),
        other => panic!("expected a runtime error, got {other:?}"),
    }
}

#[tokio::test]
async fn empty_results_keep_their_schema() {
    let s = session(4, true);
    let r = s.query("SELECT run_id, step, value FROM metrics WHERE false", &[]).await.unwrap();
    assert_eq!(r.num_rows(), 0);
    let names: Vec<&str> = r.schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, ["run_id", "step", "value"]);
    assert_eq!(r.schema.field(1).data_type(), &DataType::Int64);
}

#[tokio::test]
async fn dictionary_columns_in_joins_filters_and_group_by() {
    let s = session(4, true);
    // metrics.run_id and metrics.key are Dictionary(Int32, Utf8); runs.run_id is Utf8.
    let r = s
        .query(
            "SELECT r.name, m.key, count(*) AS n, arg_min(m.step, m.value) AS best_step, min(m.value) AS best \
             FROM metrics m JOIN runs r USING (run_id) GROUP BY r.name, m.key ORDER BY r.name",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        rows(&r),
        vec![
            vec!["alpha", "val/loss", "4", "2", "1.5"],
            vec!["beta", "val/loss", "3", "2", "0.5"],
            vec!["gamma", "val/loss", "5", "4", "0.7"],
        ],
        "{}",
        text(&r)
    );
    // GROUP BY the dictionary columns themselves, filter with a literal, join with ON.
    let r = s
        .query(
            "SELECT m.run_id, m.key, last_value(m.value ORDER BY m.step) AS last FROM metrics m \
             WHERE m.run_id IN ('r1', 'r3') AND m.key = 'val/loss' GROUP BY m.run_id, m.key ORDER BY m.run_id",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows(&r), vec![vec!["r1", "val/loss", "1.6"], vec!["r3", "val/loss", "0.7"]]);
    let r = s
        .query(
            "SELECT t.value, count(DISTINCT m.run_id) AS runs FROM metrics m JOIN tags t ON t.run_id = m.run_id \
             WHERE t.key = 'model_size' GROUP BY t.value",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows(&r), vec![vec!["7b", "2"]]);
    // The smoothing functions partition by the dictionary columns.
    let r = s
        .query(
            "SELECT run_id, step, tb_ema(value, 0.6) OVER (PARTITION BY run_id, key ORDER BY step) AS s \
             FROM metrics WHERE run_id = 'r3' ORDER BY step",
            &[],
        )
        .await
        .unwrap();
    let batch: RecordBatch =
        runql_sql::datafusion::arrow::compute::concat_batches(&r.schema, &r.batches).unwrap();
    let smoothed = batch.column(2).as_primitive::<Float64Type>();
    let steps = batch.column(1).as_primitive::<Int64Type>();
    assert_eq!(steps.values().to_vec(), vec![0, 1, 2, 3, 4]);
    assert_eq!(smoothed.value(0), 2.0);
    assert!(smoothed.value(1).is_nan());
    assert!((smoothed.value(2) - (0.6 * 2.0 * 0.4 + 0.4 * 0.9) / (1.0 - 0.36)).abs() < 1e-12);
    assert_eq!(smoothed.null_count(), 0);
}

#[tokio::test]
async fn register_tables_replaces_and_partitions_agree() {
    let s = session(4, false);
    s.register_tables(&tables()).unwrap();
    let r = s.query("SELECT count(*) FROM runs", &[]).await.unwrap();
    assert_eq!(rows(&r), vec![vec!["3"]]);
    // Same answers with 1 and 4 partitions over a larger table.
    let sql = "SELECT g, arg_min(x, y) AS a, arg_max(x, y) AS b, sum(y) AS s FROM \
               (SELECT value % 7 AS g, value AS x, (value * 7919) % 1009 AS y FROM generate_series(1, 200000)) \
               GROUP BY g ORDER BY g";
    let one = session(1, true).query(sql, &[]).await.unwrap();
    let four = session(4, true).query(sql, &[]).await.unwrap();
    assert_eq!(rows(&one), rows(&four));
    assert_eq!(one.num_rows(), 7);
}

#[tokio::test]
async fn mlflow_fixture_ranking() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/mlflow/mlruns");
    if !path.is_dir() {
        eprintln!("skipped: {} is missing", path.display());
        return;
    }
    let loaded = load(&[FileTree::from_path(&path).unwrap()], &LoadOptions::default()).unwrap();
    let s = Session::with_tables(&loaded.tables, SessionOptions::default()).unwrap();
    let r = s
        .query(
            "SELECT r.name, s.last AS final_val_loss, s.min AS best, s.min_step \
             FROM metric_summary s JOIN runs r USING (run_id) \
             WHERE s.key = $1 ORDER BY final_val_loss LIMIT 10",
            &[ScalarValue::from("val/loss")],
        )
        .await
        .unwrap();
    // From tests/fixtures/mlflow/expected.json (mlflow's latest_metrics).
    assert_eq!(
        rows(&r),
        vec![
            vec!["sweep-child-a", "0.11000000000000001", "0.11000000000000001", "19"],
            vec!["sweep-child-b", "0.7586206896551725", "0.7586206896551725", "19"],
            vec!["baseline", "0.98", "0.98", "4"],
        ]
    );
}
