//! The `metrics` table reads only the rows of the keys a query filters on. Every filtered
//! query must give exactly the rows (and order) of the same filter evaluated row by row,
//! for series shorter and longer than a batch, several keys, parameters, other filters
//! next to the key filter, and in one or several partitions; and the recognised filters
//! must leave the plan (no FilterExec over `metrics`).
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use runql_core::RunTables;
use runql_core::model::{MetricSeries, RunData, RunInfo, TablesBuilder};
use runql_sql::datafusion::arrow::util::pretty::pretty_format_batches;
use runql_sql::datafusion::scalar::ScalarValue;
use runql_sql::{Session, SessionOptions};

/// 9 runs; run i logs `a` with 1..20,000 points (some series longer than a batch, many
/// shorter), `b` on every other run, and `c/x` on run 4 only; values tell run, key, step.
fn tables() -> RunTables {
    let lengths = [1usize, 20_000, 3, 5_000, 9_000, 0, 17, 4_096, 8_193];
    let mut b = TablesBuilder::new();
    for (i, &n) in lengths.iter().enumerate() {
        let series = |key: &str, n: usize, base: f64| MetricSeries {
            key: key.into(),
            steps: (0..n as i64).collect(),
            timestamps: vec![None; n],
            values: (0..n).map(|s| base + i as f64 * 1e6 + s as f64).collect(),
        };
        let mut metrics = vec![series("a", n, 0.1)];
        if i % 2 == 0 {
            metrics.push(series("b", n / 3 + 1, 0.2));
        }
        if i == 4 {
            metrics.push(series("c/x", 7, 0.3));
        }
        b.add_run(RunData {
            info: RunInfo {
                run_id: format!("r{i}"),
                source: "test".into(),
                origin: "test".into(),
                ..Default::default()
            },
            metrics,
            ..Default::default()
        })
        .unwrap();
    }
    b.finish().unwrap()
}

fn table_text(s: &Session, sql: &str, params: &[ScalarValue]) -> String {
    let r = s.sql_blocking(sql, params).unwrap();
    pretty_format_batches(&r.batches).unwrap().to_string()
}

fn plan_text(s: &Session, sql: &str) -> String {
    table_text(s, &format!("EXPLAIN {sql}"), &[])
}

#[test]
fn key_filters_read_only_their_keys_and_match_a_row_by_row_filter() {
    let t = tables();
    for partitions in [1, 3] {
        let s = Session::with_tables(
            &t,
            SessionOptions { target_partitions: partitions, read_only: true, ..SessionOptions::default() },
        )
        .unwrap();
        // (pruned filter, the same condition in a form the table does not recognise)
        let cases = [
            ("key = 'a'", "concat(key, '') = 'a'"),
            ("'b' = key", "concat(key, '') = 'b'"),
            ("key IN ('b', 'c/x')", "concat(key, '') IN ('b', 'c/x')"),
            (
                "key = 'a' AND step >= 8000 AND value < 4e6",
                "concat(key, '') = 'a' AND step >= 8000 AND value < 4e6",
            ),
            ("key = 'a' AND key IN ('a', 'b')", "concat(key, '') = 'a'"),
            ("key = 'a' AND key = 'b'", "concat(key, '') = 'a' AND concat(key, '') = 'b'"),
            ("key = 'c/x' OR key IN ('b', 'a', 'nope')", "concat(key, '') IN ('a', 'b', 'c/x')"),
            ("key = 'nope'", "concat(key, '') = 'nope'"),
            ("key IN ('c/x', 'a') AND run_id = 'r4'", "concat(key, '') IN ('c/x', 'a') AND run_id = 'r4'"),
        ];
        for (pruned, row_by_row) in cases {
            let shapes = [
                "SELECT run_id, key, step, value FROM metrics WHERE {} ORDER BY run_id, key, step",
                "SELECT key, count(*) AS n, min(value) AS lo, max(value) AS hi FROM metrics WHERE {} GROUP BY key ORDER BY key",
                "SELECT count(*) AS n FROM metrics WHERE {}",
            ];
            for shape in shapes {
                let (a, b) = (shape.replace("{}", pruned), shape.replace("{}", row_by_row));
                assert_eq!(table_text(&s, &a, &[]), table_text(&s, &b, &[]), "{partitions} partitions: {a}");
            }
            if partitions == 1 {
                // Without ORDER BY, in the table's own order, like a row-by-row filter.
                let (a, b) = (
                    format!("SELECT run_id, step, value FROM metrics WHERE {pruned}"),
                    format!("SELECT run_id, step, value FROM metrics WHERE {row_by_row}"),
                );
                assert_eq!(table_text(&s, &a, &[]), table_text(&s, &b, &[]), "{a}");
            }
            let plan = plan_text(&s, &format!("SELECT value FROM metrics WHERE {pruned}"));
            assert!(!plan.contains("key@"), "{pruned}: the key filter should leave the plan:\n{plan}");
        }
        // In table order with one partition: each run's series one after the other.
        if partitions == 1 {
            let steps = s.sql_blocking("SELECT run_id, step FROM metrics WHERE key = 'a'", &[]).unwrap();
            let total: usize = steps.batches.iter().map(|b| b.num_rows()).sum();
            assert_eq!(total, 1 + 20_000 + 3 + 5_000 + 9_000 + 17 + 4_096 + 8_193);
            let unordered = table_text(&s, "SELECT run_id, step FROM metrics WHERE key = 'a'", &[]);
            let ordered = table_text(
                &s,
                "SELECT run_id, step FROM metrics WHERE key = 'a' ORDER BY CAST(substr(run_id, 2) AS INT), step",
                &[],
            );
            assert_eq!(unordered, ordered);
        }
    }
}

#[test]
fn a_key_given_as_a_parameter_is_pruned_too() {
    let s = Session::with_tables(
        &tables(),
        SessionOptions { target_partitions: 1, read_only: true, ..SessionOptions::default() },
    )
    .unwrap();
    let sql = "SELECT count(*) AS n, min(value) AS lo FROM metrics WHERE key = $1";
    let by_param = table_text(&s, sql, &[ScalarValue::from("c/x")]);
    assert_eq!(
        by_param,
        table_text(
            &s,
            "SELECT count(*) AS n, min(value) AS lo FROM metrics WHERE concat(key, '') = 'c/x'",
            &[]
        )
    );
    assert!(by_param.contains("| 7 "), "{by_param}");
}

#[test]
fn other_filters_and_unfiltered_scans_are_unchanged() {
    let s = Session::with_tables(
        &tables(),
        SessionOptions { target_partitions: 2, read_only: true, ..SessionOptions::default() },
    )
    .unwrap();
    let all = table_text(&s, "SELECT count(*) AS n FROM metrics", &[]);
    let expected: usize = [1usize, 20_000, 3, 5_000, 9_000, 0, 17, 4_096, 8_193].iter().sum::<usize>()
        + [1usize, 3, 9_000, 17, 8_193].iter().map(|n| n / 3 + 1).sum::<usize>()
        + 7;
    assert!(all.contains(&format!("| {expected} ")), "{all}");
    // Not recognised: negations, other operators and columns keep their filter in the plan.
    for cond in ["key <> 'a'", "key NOT IN ('a')", "key LIKE 'c%'", "key = 'a' OR step = 0"] {
        let plan = plan_text(&s, &format!("SELECT value FROM metrics WHERE {cond}"));
        assert!(plan.contains("FilterExec"), "{cond}: still filtered row by row:\n{plan}");
    }
    let like = table_text(&s, "SELECT count(*) AS n FROM metrics WHERE key LIKE 'c%'", &[]);
    assert!(like.contains("| 7 "), "{like}");
}
