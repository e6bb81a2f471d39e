//! Queries from outside that try to write, overflow the stack or exhaust memory end in a
//! clear error; the session stays usable after each.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use runql_sql::{QueryLimits, Session, SessionOptions, SqlError};

fn session(limits: QueryLimits) -> Session {
    Session::new(SessionOptions { target_partitions: 2, limits, ..SessionOptions::default() })
}

fn limit_error(s: &Session, sql: &str) -> String {
    match s.sql_blocking(sql, &[]) {
        Err(SqlError::Limit(message)) => message,
        other => panic!("{}…: expected a limit error, got {other:?}", &sql[..sql.len().min(60)]),
    }
}

fn still_answers(s: &Session) {
    let r = s.sql_blocking("SELECT 41 + 1 AS n", &[]).unwrap();
    assert_eq!(r.num_rows(), 1);
}

#[test]
fn the_default_session_is_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("written.csv");
    let s = Session::new(SessionOptions::default());
    let copy = format!("COPY (SELECT 1 AS x) TO '{}' STORED AS CSV", target.display());
    assert!(matches!(s.sql_blocking(&copy, &[]), Err(SqlError::ReadOnly { .. })));
    let external = format!("CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '{}'", dir.path().display());
    assert!(matches!(s.sql_blocking(&external, &[]), Err(SqlError::ReadOnly { .. })));
    assert!(!target.exists());
    // Writable only when asked for.
    let w = Session::new(SessionOptions::default().writable());
    w.sql_blocking(&copy, &[]).unwrap();
    assert!(target.exists());
}

#[test]
fn over_deep_queries_are_refused_before_planning() {
    let s = session(QueryLimits::default());
    let chained = format!("SELECT 1{}", "+1".repeat(800));
    assert!(limit_error(&s, &chained).contains("nests 800 deep"));
    let unions = vec!["SELECT 1"; 1000].join(" UNION ALL ");
    assert!(limit_error(&s, &unions).contains("combines 999 relations"));
    let parens = format!("SELECT {}1{}", "(".repeat(300), ")".repeat(300));
    assert!(limit_error(&s, &parens).contains("nests 300 deep"));
    let ors = (0..400).map(|i| format!("x = {i}")).collect::<Vec<_>>().join(" OR ");
    let m = limit_error(&s, &format!("SELECT * FROM (VALUES (1)) t(x) WHERE {ors}"));
    assert!(m.contains("use IN (…)"), "{m}");
    let tables = (0..200).map(|i| format!("(VALUES (1)) t{i}(x{i})")).collect::<Vec<_>>().join(", ");
    assert!(limit_error(&s, &format!("SELECT count(*) FROM {tables}")).contains("plan is more than 128"));
    // A CASE or a window function between the terms does not hide the chain.
    let cases = format!("SELECT 1{}", "+1+CASE WHEN true THEN 1 ELSE 2 END".repeat(200));
    assert!(limit_error(&s, &cases).contains("deep"));
    let long = format!("SELECT '{}'", "x".repeat(5 << 20));
    assert!(limit_error(&s, &long).contains("at most 4 MiB"));
    still_answers(&s);
}

#[test]
fn queries_just_inside_the_limits_run_on_an_ordinary_thread() {
    // A test thread has a 2 MiB stack; natively DataFusion grows it where it recurses.
    let s = session(QueryLimits::default());
    let chained = format!("SELECT 1{} AS n", "+1".repeat(120));
    let r = s.sql_blocking(&chained, &[]).unwrap();
    let n = r.batches[0]
        .column(0)
        .as_any()
        .downcast_ref::<datafusion::arrow::array::Int64Array>()
        .unwrap()
        .value(0);
    assert_eq!(n, 121);
    let unions = vec!["SELECT 1 AS x"; 100].join(" UNION ALL ");
    assert_eq!(s.sql_blocking(&format!("SELECT count(*) FROM ({unions})"), &[]).unwrap().num_rows(), 1);
}

#[test]
fn functions_that_allocate_from_their_arguments_are_checked_first() {
    let s = session(QueryLimits { memory_bytes: 64 << 20, ..QueryLimits::default() });
    for sql in [
        "SELECT length(repeat('x', 1500000000))",
        "SELECT length(lpad('x', 100000000))",
        "SELECT length(rpad('x', 100000000, 'ab'))",
        "SELECT length(replace(repeat('a', 100000), 'a', repeat('b', 10000)))",
        "SELECT length(regexp_replace(repeat('a', 100000), 'a', repeat('b', 10000), 'g'))",
        "SELECT cardinality(array_repeat(1, 100000000))",
        "SELECT cardinality(range(0, 100000000))",
        "SELECT cardinality(generate_series(1, 100000000))",
    ] {
        let m = limit_error(&s, sql);
        assert!(m.contains("more than the 16 MiB one function call may produce"), "{sql}: {m}");
    }
    // Per row: many small values are fine, their sum over a batch is what counts.
    let r = s
        .sql_blocking("SELECT sum(length(repeat('ab', 100 + x % 2))) FROM generate_series(1, 1000) t(x)", &[])
        .unwrap();
    assert_eq!(r.num_rows(), 1);
    let m =
        limit_error(&s, "SELECT sum(length(repeat('ab', 10000 + x % 2))) FROM generate_series(1, 8192) t(x)");
    assert!(m.starts_with("repeat:"), "{m}");
    // Results are those of the original functions.
    let r = s
        .sql_blocking(
            "SELECT repeat('ab', 3) AS r, lpad('7', 3, '0') AS p, replace('a-b', '-', '+') AS q",
            &[],
        )
        .unwrap();
    let shown = datafusion::arrow::util::pretty::pretty_format_batches(&r.batches).unwrap().to_string();
    assert!(shown.contains("ababab") && shown.contains("007") && shown.contains("a+b"), "{shown}");
    still_answers(&s);
}

#[test]
fn a_result_larger_than_the_memory_limit_is_an_error() {
    let s = session(QueryLimits { memory_bytes: 4 << 20, ..QueryLimits::default() });
    let m = limit_error(&s, "SELECT x FROM generate_series(1, 5000000) t(x)");
    assert!(m.contains("larger than the session's memory limit of 4 MiB"), "{m}");
    // A big computation with a small answer is fine.
    let r = s.sql_blocking("SELECT sum(x) FROM generate_series(1, 5000000) t(x)", &[]).unwrap();
    assert_eq!(r.num_rows(), 1);
}

#[test]
fn operators_that_outgrow_the_memory_pool_are_refused() {
    // An aggregate that holds more than the pool fails with the pool's own message, as a
    // limit error.
    let s = Session::new(SessionOptions {
        target_partitions: 1,
        limits: QueryLimits { memory_bytes: 2 << 20, ..QueryLimits::default() },
        ..SessionOptions::default()
    });
    match s.sql_blocking(
        "SELECT length(string_agg(CAST(x AS VARCHAR) || '-padding-padding-padding', ',')) \
         FROM generate_series(1, 500000) t(x)",
        &[],
    ) {
        Err(SqlError::Limit(m)) => assert!(m.contains("allocate") && !m.starts_with("repeat"), "{m}"),
        other => panic!("expected a limit error, got {other:?}"),
    }
    still_answers(&s);
}
