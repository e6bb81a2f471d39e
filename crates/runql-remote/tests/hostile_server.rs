//! Servers that fail, lie or stall: every failure is an error naming the request (or, for a
//! single history, a problem while the rest loads), nothing hangs past the time limit, and
//! nothing panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{FakeServer, Recorded, Reply, mlflow_answer};
use runql_remote::mlflow::{FetchOptions, Fetched, fetch};
use runql_remote::{Auth, ClientSettings, RemoteError};

fn quick() -> ClientSettings {
    ClientSettings {
        timeout: Duration::from_secs(2),
        max_retries: 2,
        backoff_factor: 0.0,
        backoff_jitter: 0.0,
        ..ClientSettings::default()
    }
}

fn fetch_with(url: &str, settings: ClientSettings) -> Result<Fetched, RemoteError> {
    fetch(url, &FetchOptions { settings, ..FetchOptions::default() })
}

fn load(f: Fetched) -> runql_readers::Loaded {
    runql_readers::load(&[f.tree], &runql_readers::LoadOptions::default()).unwrap()
}

#[test]
fn a_server_without_bulk_histories_is_read_run_by_run() {
    let s = FakeServer::start(|r| mlflow_answer(r, 3));
    let f = fetch_with(&s.url, quick()).unwrap();
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    assert!(f.missing_endpoints.iter().any(|e| e.contains("get-history-bulk")), "{:?}", f.missing_endpoints);
    let l = load(f);
    assert_eq!(l.tables.runs.num_rows(), 3);
    assert_eq!(l.tables.metrics.num_rows(), 12, "full histories replace the latest values");
    let histories = s.recorded().iter().filter(|r| r.path().ends_with("/get-history")).count();
    assert_eq!(histories, 3);
}

#[test]
fn refused_credentials_say_which_variables_to_set() {
    let s = FakeServer::start(|_| Reply::Body(401, r#"{"error_code": "UNAUTHENTICATED"}"#.into()));
    let e = fetch_with(&s.url, quick()).unwrap_err().to_string();
    assert!(e.contains("401 Unauthorized") && e.contains("without credentials"), "{e}");
    assert!(e.contains("MLFLOW_TRACKING_TOKEN") && e.contains("experiments/search"), "{e}");
    let settings = ClientSettings { auth: Auth::Bearer("sekrit".into()), ..quick() };
    let e = fetch_with(&s.url, settings).unwrap_err().to_string();
    assert!(e.contains("these credentials") && !e.contains("sekrit"), "{e}");
    assert_eq!(s.recorded().last().unwrap().header("authorization"), Some("Bearer sekrit"));
    assert_eq!(s.recorded().len(), 2, "401 is not retried");
}

#[test]
fn basic_auth_is_sent_as_the_mlflow_client_sends_it() {
    let s = FakeServer::start(|r| mlflow_answer(r, 1));
    let settings =
        ClientSettings { auth: Auth::Basic { username: "ada".into(), password: "pw".into() }, ..quick() };
    fetch_with(&s.url, settings).unwrap();
    // base64("ada:pw")
    assert!(s.recorded().iter().all(|r| r.header("authorization") == Some("Basic YWRhOnB3")));
}

#[test]
fn an_address_that_is_not_mlflow_is_a_404_naming_it() {
    let s = FakeServer::start(|_| Reply::Body(404, "<html>nothing here</html>".into()));
    let e = fetch_with(&format!("{}/prefix/", s.url), quick()).unwrap_err();
    assert!(matches!(e, RemoteError::NotMlflow { .. }), "{e}");
    let e = e.to_string();
    assert!(e.contains("/prefix/api/2.0/mlflow/experiments/search: 404 Not Found"), "{e}");
}

#[test]
fn busy_servers_are_retried_then_given_up_on() {
    let calls = AtomicUsize::new(0);
    let s = FakeServer::start(move |r| {
        if r.path().ends_with("experiments/search") && calls.fetch_add(1, Ordering::SeqCst) < 2 {
            Reply::WithHeaders(503, vec![("Retry-After".into(), "0".into())], "busy".into())
        } else {
            mlflow_answer(r, 2)
        }
    });
    let notes = Mutex::new(Vec::new());
    let note = |r: &runql_remote::Retry| notes.lock().unwrap().push(r.to_string());
    let f =
        fetch(&s.url, &FetchOptions { settings: quick(), on_retry: Some(&note), ..FetchOptions::default() })
            .unwrap();
    assert_eq!(load(f).tables.runs.num_rows(), 2, "the third attempt succeeds");
    let notes = notes.into_inner().unwrap();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes[0].contains("503 Service Unavailable; attempt 2 of 3"), "{notes:?}");

    let s = FakeServer::start(|_| Reply::Body(500, "oops".into()));
    let e = fetch_with(&s.url, quick()).unwrap_err().to_string();
    assert!(e.contains("cannot reach the server after 3 attempts: 500 Internal Server Error"), "{e}");
}

#[test]
fn a_stalled_server_fails_within_the_time_limit() {
    let s = FakeServer::start(|_| Reply::Stall(Duration::from_secs(30)));
    let settings = ClientSettings { timeout: Duration::from_millis(300), max_retries: 1, ..quick() };
    let started = Instant::now();
    let e = fetch_with(&s.url, settings).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert!(matches!(e, RemoteError::Unreachable { attempts: 2, .. }), "{e}");
    assert!(e.to_string().to_lowercase().contains("timeout") || e.to_string().contains("timed out"), "{e}");
}

#[test]
fn a_body_cut_off_is_retried_and_then_named() {
    let s = FakeServer::start(|r| {
        if r.path().ends_with("runs/search") {
            Reply::Cut { declared: 5000, sent: r#"{"runs": [{"info""#.into() }
        } else {
            mlflow_answer(r, 1)
        }
    });
    let e = fetch_with(&s.url, quick()).unwrap_err().to_string();
    assert!(e.contains("runs/search") && e.contains("cut off"), "{e}");
}

#[test]
fn garbage_huge_and_endless_answers_are_errors_naming_the_request() {
    // Not JSON.
    let s = FakeServer::start(|r| {
        if r.path().ends_with("runs/search") {
            Reply::Body(200, "<html>login</html>".into())
        } else {
            mlflow_answer(r, 1)
        }
    });
    let e = fetch_with(&s.url, quick()).unwrap_err().to_string();
    assert!(e.contains("POST") && e.contains("runs/search: the response is not JSON"), "{e}");
    assert!(e.contains("<html>login"), "shows how it starts: {e}");

    // Nested past the JSON reader's depth limit.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let s = FakeServer::start(move |r| {
        if r.path().ends_with("runs/search") { Reply::Body(200, deep.clone()) } else { mlflow_answer(r, 1) }
    });
    let e = fetch_with(&s.url, quick()).unwrap_err().to_string();
    assert!(e.contains("runs/search: the response is not JSON"), "{e}");

    // Over the body cap.
    let s = FakeServer::start(|r| mlflow_answer(r, 50));
    let e = fetch_with(&s.url, ClientSettings { max_body_bytes: 1000, ..quick() }).unwrap_err().to_string();
    assert!(e.contains("runs/search: the response is over the 1000-byte limit"), "{e}");

    // A page token that never changes.
    let s = FakeServer::start(|r| {
        if r.path().ends_with("experiments/search") {
            Reply::Body(200, r#"{"experiments": [{"experiment_id": "1"}], "next_page_token": "same"}"#.into())
        } else {
            mlflow_answer(r, 1)
        }
    });
    let e = fetch_with(&s.url, quick()).unwrap_err().to_string();
    assert!(e.contains("a page token it had sent before"), "{e}");
    // Two tokens taking turns.
    let turn = AtomicUsize::new(0);
    let s = FakeServer::start(move |r| {
        if r.path().ends_with("experiments/search") {
            let token = ["a", "b"][turn.fetch_add(1, Ordering::SeqCst) % 2];
            Reply::Body(
                200,
                format!(r#"{{"experiments": [{{"experiment_id": "1"}}], "next_page_token": "{token}"}}"#),
            )
        } else {
            mlflow_answer(r, 1)
        }
    });
    let e = fetch_with(&s.url, quick()).unwrap_err().to_string();
    assert!(e.contains("a page token it had sent before"), "{e}");

    // Wrong types where arrays belong.
    let s = FakeServer::start(|r| {
        if r.path().ends_with("runs/search") {
            Reply::Body(200, r#"{"runs": {"a": 1}}"#.into())
        } else {
            mlflow_answer(r, 1)
        }
    });
    let e = fetch_with(&s.url, quick()).unwrap_err().to_string();
    assert!(e.contains("`runs` is not an array"), "{e}");
}

#[test]
fn a_history_that_fails_is_a_problem_and_the_rest_loads() {
    let s = FakeServer::start(|r: &Recorded| {
        if r.path().ends_with("/get-history") && r.target.contains(&format!("run_id={:032x}", 1)) {
            Reply::Body(
                404,
                r#"{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Run not found"}"#.into(),
            )
        } else {
            mlflow_answer(r, 3)
        }
    });
    let f = fetch_with(&s.url, quick()).unwrap();
    assert_eq!(f.problems.len(), 1, "{:?}", f.problems);
    let p = &f.problems[0];
    assert!(p.request.contains(&format!("{:032x}", 1)), "{p:?}");
    assert!(p.reason.contains("404 Not Found: RESOURCE_DOES_NOT_EXIST: Run not found"), "{p:?}");
    let l = load(f);
    assert_eq!(l.tables.runs.num_rows(), 3);
    assert_eq!(l.tables.metrics.num_rows(), 4 + 1 + 4, "the failed run keeps its latest value");
}

#[test]
fn an_empty_server_says_so() {
    let s = FakeServer::start(|r| {
        if r.path().ends_with("runs/search") { Reply::Body(200, "{}".into()) } else { mlflow_answer(r, 0) }
    });
    let e = fetch_with(&s.url, quick()).unwrap_err().to_string();
    assert!(e.ends_with("lists 1 active experiments and no active runs"), "{e}");
}

#[test]
fn nothing_listening_is_unreachable_with_the_os_reason() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let e = fetch_with(&format!("http://127.0.0.1:{port}"), quick()).unwrap_err().to_string();
    assert!(e.contains("cannot reach the server after 3 attempts") && e.contains("refused"), "{e}");
    let e = fetch_with("ftp://example.org", quick()).unwrap_err().to_string();
    assert!(e.contains("not an http:// or https:// address"), "{e}");
}

#[test]
fn a_proxy_that_refuses_the_bulk_endpoint_only_slows_the_load() {
    let s = FakeServer::start(|r| {
        if r.path().starts_with("/ajax-api/") {
            Reply::Body(403, r#"{"error_code": "PERMISSION_DENIED", "message": "not here"}"#.into())
        } else {
            mlflow_answer(r, 2)
        }
    });
    let f = fetch_with(&s.url, quick()).unwrap();
    assert!(f.missing_endpoints.iter().any(|e| e.contains("get-history-bulk")), "{:?}", f.missing_endpoints);
    assert_eq!(load(f).tables.metrics.num_rows(), 8, "every history, run by run");
}

#[test]
fn a_bulk_answer_that_fails_later_falls_back_to_per_run_histories() {
    let calls = AtomicUsize::new(0);
    let s = FakeServer::start(move |r| {
        if r.path().ends_with("get-history-bulk") {
            // The first group answers; the next is refused as an older server refuses a
            // request line that is too long.
            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                let id = format!("{:032x}", 0);
                Reply::Body(
                    200,
                    format!(
                        r#"{{"metrics": [{{"key": "loss", "value": 1, "step": 0, "timestamp": 1, "run_id": "{id}"}}]}}"#
                    ),
                )
            } else {
                Reply::Body(
                    400,
                    r#"{"error_code": "BAD_REQUEST", "message": "request line too long"}"#.into(),
                )
            }
        } else {
            mlflow_answer(r, 2)
        }
    });
    // Pages of 1 point make one group a run, so the second run's group is the refused one.
    let f = fetch(&s.url, &FetchOptions { settings: quick(), history_page: 2, ..FetchOptions::default() })
        .unwrap();
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    let l = load(f);
    assert_eq!(l.tables.metrics.num_rows(), 1 + 4, "the refused group was read run by run");
}

#[test]
fn a_request_that_fails_for_good_stops_the_others_waiting_to_retry() {
    let s = FakeServer::start(|r| {
        match r.path() {
        "/api/2.0/mlflow/runs/search" => Reply::Body(
            200,
            r#"{"runs": [{"info": {"run_id": "r1", "experiment_id": "1"},
                "data": {"metrics": [{"key": "a", "value": 1, "step": 0}, {"key": "b", "value": 1, "step": 0}]}}]}"#
                .into(),
        ),
        // One key's history is refused for good, the other's server asks to wait a minute.
        "/api/2.0/mlflow/metrics/get-history" if r.target.contains("metric_key=a") => {
            std::thread::sleep(Duration::from_millis(300));
            Reply::Body(401, r#"{"error_code": "UNAUTHENTICATED", "message": "expired"}"#.into())
        }
        "/api/2.0/mlflow/metrics/get-history" => {
            Reply::WithHeaders(503, vec![("Retry-After".into(), "60".into())], "busy".into())
        }
        _ => mlflow_answer(r, 1),
    }
    });
    let started = Instant::now();
    let e = fetch_with(&s.url, ClientSettings { max_retries: 3, ..quick() }).unwrap_err();
    assert!(matches!(e, RemoteError::Auth { .. }), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "did not wait out the retry: {:?}",
        started.elapsed()
    );
}
