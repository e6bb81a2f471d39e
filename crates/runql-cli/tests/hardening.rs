//! The `runql` binary against hostile input: chart specs and queries that try to write or
//! read files, queries built to overflow the stack or exhaust memory, slow queries, and run
//! data that carries terminal escape sequences.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{fixture, runql, stderr};

fn write_spec(dir: &Path, sql: &str) -> PathBuf {
    let spec = serde_json::json!({ "kind": "bar", "data": { "sql": sql } });
    let path = dir.join("chart.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    path
}

#[test]
fn a_chart_spec_cannot_write_or_read_files() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let secret = dir.path().join("secret.csv");
    std::fs::write(&secret, "token\nhunter2\n").unwrap();
    let out = dir.path().join("chart.svg");
    let attacks = [
        (format!("COPY (SELECT 'pwned' AS x) TO '{}' STORED AS CSV", victim.display()), "COPY"),
        (
            format!(
                "CREATE EXTERNAL TABLE s STORED AS CSV LOCATION '{}' OPTIONS ('format.has_header' 'true')",
                secret.display()
            ),
            "CREATE EXTERNAL TABLE",
        ),
        ("CREATE VIEW v AS SELECT 1".to_string(), "CREATE VIEW"),
        ("SET datafusion.execution.batch_size = 1".to_string(), "SET"),
    ];
    for (sql, statement) in attacks {
        let spec = write_spec(dir.path(), &sql);
        let o =
            runql(&["plot", "-q", &fixture(), "--spec", spec.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(4), "{sql}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("read-only here: {statement} is not allowed")),
            "{sql}: {}",
            stderr(&o)
        );
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious", "{sql} wrote the file");
        assert!(!out.exists(), "{sql}: a chart was written");
    }
    // The same with --sql-free shortcut flags: `--runs` is SQL too.
    let o = runql(&[
        "plot",
        "-q",
        &fixture(),
        "--metric",
        "val/loss",
        "--runs",
        &format!("true; COPY (SELECT 1) TO '{}'", victim.display()),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
}

#[test]
fn writing_needs_an_explicit_flag() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.csv");
    let copy = format!("COPY (SELECT 1 AS one) TO '{}' STORED AS CSV", target.display());
    let refused = runql(&["query", "-q", &fixture(), "-e", &copy]);
    assert_eq!(refused.status.code(), Some(4), "{}", stderr(&refused));
    assert!(!target.exists());
    let allowed = runql(&["query", "-q", &fixture(), "--writable", "-e", &copy]);
    assert!(allowed.status.success(), "{}", stderr(&allowed));
    assert!(std::fs::read_to_string(&target).unwrap().contains("one"));
}

#[test]
fn queries_built_to_overflow_the_stack_are_refused_not_fatal() {
    let chained = format!("SELECT 1{}", "+1".repeat(500));
    let unions = vec!["SELECT 1 AS x"; 1000].join(" UNION ALL ");
    let casts = format!("SELECT 1{}", "::bigint".repeat(2000));
    let tables = (0..300).map(|i| format!("runs r{i}")).collect::<Vec<_>>().join(", ");
    let comma_joins = format!("SELECT count(*) FROM {tables}");
    for sql in [&chained, &unions, &casts, &comma_joins] {
        let o = runql(&["query", "-q", &fixture(), "-e", sql]);
        assert_eq!(o.status.code(), Some(4), "{}…: {}", &sql[..40], stderr(&o));
        assert!(stderr(&o).contains("query limit:"), "{}", stderr(&o));
    }
    // Just inside the limit, a deep expression runs and gives the right answer.
    let deep_ok = format!("SELECT 1{} AS n", "+1".repeat(100));
    let o = runql(&["query", "-q", &fixture(), "--format", "csv", "-e", &deep_ok]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "n\n101\n");
}

#[test]
fn memory_hungry_queries_end_in_a_limit_error() {
    // As a browser tab would be (the default there is 1 GiB; natively half the machine).
    let huge_value = runql(&[
        "query",
        "-q",
        &fixture(),
        "--memory-limit",
        "1G",
        "-e",
        "SELECT length(repeat('x', 1500000000))",
    ]);
    assert_eq!(huge_value.status.code(), Some(4), "{}", stderr(&huge_value));
    assert!(
        stderr(&huge_value).contains("repeat: the result would take about 1.4 GiB"),
        "{}",
        stderr(&huge_value)
    );
    let big_result = runql(&[
        "query",
        "-q",
        &fixture(),
        "--memory-limit",
        "8M",
        "-e",
        "SELECT value FROM generate_series(1, 10000000) AS t(value)",
    ]);
    assert_eq!(big_result.status.code(), Some(4), "{}", stderr(&big_result));
    assert!(
        stderr(&big_result).contains("larger than the session's memory limit of 8 MiB"),
        "{}",
        stderr(&big_result)
    );
    let bad_flag = runql(&["query", "-q", &fixture(), "--memory-limit", "lots", "-e", "SELECT 1"]);
    assert_eq!(bad_flag.status.code(), Some(2));
}

#[test]
fn a_slow_query_stops_at_its_timeout() {
    let started = Instant::now();
    let o = runql(&[
        "query",
        "-q",
        &fixture(),
        "--timeout",
        "1",
        "-e",
        "SELECT count(*) FROM generate_series(1, 1000000000000) AS a(x) WHERE x % 7 = 3",
    ]);
    let took = started.elapsed();
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("ran longer than --timeout 1s"), "{}", stderr(&o));
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

#[test]
fn escape_sequences_in_data_and_names_do_not_reach_the_terminal() {
    // A query result that carries an escape sequence, as a run name would.
    let o = runql(&[
        "query",
        "-q",
        &fixture(),
        "-e",
        "SELECT chr(27) || ']0;owned' || chr(7) || chr(27) || '[2J' AS name",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(out.contains("\\x1b]0;owned\\x07\\x1b[2J"), "{out}");
    // A file name that carries one, in the load report and in errors.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.csv"), "run_id,key,step,timestamp,value\nr1,loss,0,0,1.5\n")
        .unwrap();
    std::fs::write(
        dir.path().join("bad\u{1b}[31mname.csv"),
        "run_id,key,step,timestamp,value\nr1,loss,x,y,z\n",
    )
    .unwrap();
    let o = runql(&["info", dir.path().to_str().unwrap()]);
    let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o));
    assert!(all.contains("bad\\x1b[31mname.csv"), "{all}");
    assert!(!all.contains('\u{1b}'), "{all:?}");
}
