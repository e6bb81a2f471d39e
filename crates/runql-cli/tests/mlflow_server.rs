//! A real `mlflow server` (the pinned PyPI package, started here on 127.0.0.1) with runs
//! logged by the real MLflow client: `runql query http://…` returns what the client reads
//! back (`search_runs`, `get_metric_history`, the model registry, logged models), with the
//! server's own paging and with pages so small that every paging path is taken; a server
//! with basic auth refuses runql without credentials and answers with them.
//!
//! The server and client come from the virtual environment `scripts/setup.sh` makes
//! (`.venv-mlflow`, from scripts/requirements-mlflow-server.txt), or `$RUNQL_MLFLOW_PYTHON`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Output};

use common::mlflow_server::{log_runs, logged_points, start};
use serde_json::Value;

fn runql(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_runql"));
    cmd.args(args).env_remove("MLFLOW_TRACKING_TOKEN").env_remove("MLFLOW_TRACKING_USERNAME");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// Rows of a query as CSV cells (the values have no commas).
fn rows(url: &str, sql: &str, env: &[(&str, &str)]) -> Vec<Vec<String>> {
    let o = runql(&["query", url, "-q", "--format", "csv", "-e", sql], env);
    assert!(o.status.success(), "{sql}: {}", common::stderr(&o));
    common::stdout(&o).lines().skip(1).map(|l| l.split(',').map(str::to_string).collect()).collect()
}

/// A float as one spelling for both sides: the client's JSON ("NaN", "Infinity" strings) and
/// runql's CSV.
fn canon(f: f64) -> String {
    if f.is_nan() { "NaN".into() } else { format!("{f:?}") }
}

/// The client's value, with one known difference: an SQL store keeps ±inf as ±f64::MAX and the
/// client returns that, where runql gives back the ±inf that was logged (as its SQLite reader
/// does).
fn num(v: &Value) -> String {
    canon(match v {
        Value::String(s) if s == "NaN" => f64::NAN,
        Value::String(s) if s == "Infinity" => f64::INFINITY,
        Value::String(s) if s == "-Infinity" => f64::NEG_INFINITY,
        other => match other.as_f64().unwrap() {
            f64::MAX => f64::INFINITY,
            f if f == f64::MIN => f64::NEG_INFINITY,
            f => f,
        },
    })
}

fn csv_num(s: &str) -> String {
    canon(s.parse::<f64>().unwrap_or_else(|_| panic!("not a number in runql's CSV: {s}")))
}

/// `(run_id, key)` → `(step, timestamp, value)` points.
type Series = BTreeMap<(String, String), Vec<(i64, i64, String)>>;

fn check_against_client(url: &str, expected: &Value, env: &[(&str, &str)]) {
    let want_runs = expected["runs"].as_array().unwrap();
    let got = rows(
        url,
        "SELECT run_id, name, project, status, CAST(CAST(created_at AS BIGINT) AS VARCHAR), \
         CAST(CAST(ended_at AS BIGINT) AS VARCHAR), coalesce(parent_run_id, '') FROM runs ORDER BY run_id",
        env,
    );
    let by_id: BTreeMap<&str, &Vec<String>> = got.iter().map(|r| (r[0].as_str(), r)).collect();
    assert_eq!(
        by_id.keys().copied().collect::<BTreeSet<_>>(),
        want_runs.iter().map(|r| r["run_id"].as_str().unwrap()).collect::<BTreeSet<_>>(),
        "the runs the client lists (the deleted one is not among them)"
    );
    for r in want_runs {
        let g = by_id[r["run_id"].as_str().unwrap()];
        assert_eq!(g[1], r["name"].as_str().unwrap());
        assert_eq!(g[2], r["experiment"].as_str().unwrap());
        assert_eq!(g[3], r["status"].as_str().unwrap());
        assert_eq!(g[4], r["start_time"].to_string(), "start time of {}", g[1]);
        assert_eq!(g[5], r["end_time"].to_string(), "end time of {}", g[1]);
        assert_eq!(g[6], r["tags"]["mlflow.parentRunId"].as_str().unwrap_or(""));
    }

    let pairs = |table: &str| -> BTreeSet<(String, String, String)> {
        rows(url, &format!("SELECT run_id, key, value FROM {table}"), env)
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
            .collect()
    };
    let want = |field: &str| -> BTreeSet<(String, String, String)> {
        want_runs
            .iter()
            .flat_map(|r| {
                let id = r["run_id"].as_str().unwrap().to_string();
                r[field]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(move |(k, v)| (id.clone(), k.clone(), v.as_str().unwrap().to_string()))
            })
            .collect()
    };
    assert_eq!(pairs("params"), want("params"));
    assert_eq!(pairs("tags"), want("tags"));

    let mut got_points: Series = BTreeMap::new();
    for r in rows(url, "SELECT run_id, key, step, CAST(timestamp AS BIGINT), value FROM metrics", env) {
        got_points.entry((r[0].clone(), r[1].clone())).or_default().push((
            r[2].parse().unwrap(),
            r[3].parse().unwrap(),
            csv_num(&r[4]),
        ));
    }
    let mut want_points: Series = BTreeMap::new();
    for r in want_runs {
        for (key, points) in r["history"].as_object().unwrap() {
            let list =
                want_points.entry((r["run_id"].as_str().unwrap().to_string(), key.clone())).or_default();
            for p in points.as_array().unwrap() {
                list.push((p[0].as_i64().unwrap(), p[1].as_i64().unwrap(), num(&p[2])));
            }
        }
    }
    for list in got_points.values_mut().chain(want_points.values_mut()) {
        list.sort();
    }
    assert_eq!(
        got_points.keys().collect::<Vec<_>>(),
        want_points.keys().collect::<Vec<_>>(),
        "the same run/key series"
    );
    for (series, want) in &want_points {
        let got = &got_points[series];
        let first = got.iter().zip(want).position(|(g, w)| g != w);
        assert!(
            got.len() == want.len() && first.is_none(),
            "{series:?}: {} points vs the client's {}, first difference {:?}",
            got.len(),
            want.len(),
            first.map(|i| (&got[i], &want[i]))
        );
    }

    let models = rows(
        url,
        "SELECT kind, name, coalesce(CAST(version AS VARCHAR), ''), coalesce(model_id, ''), run_id, \
         replace(coalesce(aliases, ''), ',', ';'), status FROM models ORDER BY kind, name, version",
        env,
    );
    let versions: Vec<Vec<String>> =
        models.iter().filter(|m| m[0] == "registered_version").cloned().collect();
    let mut want_versions: Vec<Vec<String>> = expected["model_versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let aliases: Vec<&str> =
                v["aliases"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
            vec![
                "registered_version".into(),
                v["name"].as_str().unwrap().into(),
                v["version"].to_string(),
                String::new(),
                v["run_id"].as_str().unwrap().into(),
                aliases.join(";"),
            ]
        })
        .collect();
    want_versions.sort();
    let got_versions: Vec<Vec<String>> = versions.iter().map(|m| m[..6].to_vec()).collect();
    assert_eq!(got_versions, want_versions);
    let logged: Vec<&Vec<String>> = models.iter().filter(|m| m[0] == "logged_model").collect();
    let want_logged = expected["logged_models"].as_array().unwrap();
    assert_eq!(logged.len(), want_logged.len());
    for (g, w) in logged.iter().zip(want_logged) {
        assert_eq!(g[3], w["model_id"].as_str().unwrap());
        assert_eq!(g[1], w["name"].as_str().unwrap());
        assert_eq!(g[4], w["source_run_id"].as_str().unwrap());
        assert_eq!(g[6], w["status"].as_str().unwrap().trim_start_matches("LoggedModelStatus."));
    }
}

#[test]
fn runql_reads_what_the_mlflow_client_reads_back() {
    let server = start(&[], &[]);
    let expected = log_runs(&server, &[], &[]);
    assert_eq!(expected["runs"].as_array().unwrap().len(), 13, "12 runs and a child");
    check_against_client(&server.url, &expected, &[]);

    // The same through the library with pages of 5 runs and 7 points: every search pages,
    // every bulk answer is at the cap, so each history is read run by run, page by page.
    let requests = |search_page: u32, history_page: usize| {
        let options = runql_remote::mlflow::FetchOptions {
            search_page,
            history_page,
            ..runql_remote::mlflow::FetchOptions::default()
        };
        let f = runql_remote::mlflow::fetch(&server.url, &options).unwrap();
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert!(f.missing_endpoints.is_empty(), "{:?}", f.missing_endpoints);
        let requests = f.requests;
        let l = runql_readers::load(&[f.tree], &runql_readers::LoadOptions::default()).unwrap();
        assert_eq!(l.tables.metrics.num_rows(), logged_points(&expected));
        assert_eq!(l.tables.runs.num_rows(), 13);
        assert_eq!(l.tables.models.num_rows(), 3);
        assert!(l.report.issues().is_empty(), "{:?}", l.report.issues());
        requests
    };
    let few = requests(1000, 25_000);
    let many = requests(5, 7);
    assert!(few <= 12, "bulk histories: {few} requests");
    assert!(many > 13 * 6, "paged run by run: {many} requests");
}

#[test]
fn a_server_with_basic_auth_wants_the_mlflow_client_credentials() {
    let password = "runql-test-pw-1";
    // MLflow's own auth config, with its credential cache on: every request otherwise checks
    // the password with PBKDF2, which makes a test of a few hundred requests take a minute.
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        config.path(),
        "[mlflow]\ndefault_permission = READ\ndatabase_uri = sqlite:///basic_auth.db\nadmin_username = admin\n\
         authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n\
         auth_cache_ttl_seconds = 600\n",
    )
    .unwrap();
    let config_path = config.path().display().to_string();
    let server = start(
        &["--app-name", "basic-auth"],
        &[
            ("MLFLOW_AUTH_ADMIN_PASSWORD", password),
            ("MLFLOW_FLASK_SERVER_SECRET_KEY", "runql-test-only"),
            ("MLFLOW_AUTH_CONFIG_PATH", &config_path),
        ],
    );
    let creds = [("MLFLOW_TRACKING_USERNAME", "admin"), ("MLFLOW_TRACKING_PASSWORD", password)];
    // Every request checks the password (PBKDF2): a small sweep keeps this test short.
    let expected = log_runs(&server, &["--runs", "4", "--steps", "6"], &creds);

    let o = runql(&["query", &server.url, "-q", "-e", "SELECT 1"], &[]);
    assert_eq!(o.status.code(), Some(3), "{}", common::stderr(&o));
    let e = common::stderr(&o);
    assert!(e.contains("401") && e.contains("MLFLOW_TRACKING_USERNAME"), "{e}");

    let wrong = [("MLFLOW_TRACKING_USERNAME", "admin"), ("MLFLOW_TRACKING_PASSWORD", "nope")];
    let e = common::stderr(&runql(&["query", &server.url, "-q", "-e", "SELECT 1"], &wrong));
    assert!(e.contains("401") && e.contains("refused these credentials") && !e.contains("nope"), "{e}");

    let got = rows(
        &server.url,
        "SELECT count(*) AS runs, (SELECT count(*) FROM metrics) AS points, (SELECT count(*) FROM models) AS models FROM runs",
        &creds,
    );
    let runs = expected["runs"].as_array().unwrap().len();
    assert_eq!(got, [vec![runs.to_string(), logged_points(&expected).to_string(), "3".to_string()]]);
}
