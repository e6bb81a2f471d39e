//! `runql serve --watch` end to end: a page's view of a folder that a run writes to — the
//! tables of a version, the changes since it (waited for), and the answers to requests
//! that make no sense.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use common::served::{get, serve, site};
use common::{runql, stderr};
use runql_core::live::{LiveChanges, LiveState, LiveStatus};
use runql_core::transfer::TablesDecoder;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn json<T: serde::de::DeserializeOwned>(base: &str, path: &str) -> T {
    let (status, _, body) = get(base, path, None);
    assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

#[test]
fn a_page_follows_a_run_that_logs_points() {
    let dir = tempfile::tempdir().unwrap();
    let www = site(dir.path());
    let root = dir.path().join("mlruns");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/mlflow/mlruns"), &root);
    let served =
        serve(&["--www", www.to_str().unwrap(), "--watch", "--interval", "0.1", root.to_str().unwrap()]);
    assert!(served.url.ends_with("/?live=/live/status"), "{}", served.url);

    let status: LiveStatus = json(&served.url, "/live/status");
    assert_eq!(status.version, 0);
    assert_eq!(status.data.len(), 7);
    for path in &status.data {
        let (code, _, body) = get(&served.url, path, None);
        assert_eq!(code, 200, "{path}");
        assert!(body.starts_with(b"PAR1"), "{path} is not Parquet");
    }
    let report: serde_json::Value = json(&served.url, &status.report);
    assert!(report["rows"]["runs"].as_u64().unwrap() > 0, "{report}");

    // Nothing changes: the wait ends with "current".
    let started = Instant::now();
    let same: LiveChanges = json(&served.url, "/live/changes?since=0&wait=0.3");
    assert_eq!((same.state, same.version), (LiveState::Current, 0));
    assert!(started.elapsed().as_secs_f64() >= 0.3);

    // The run logs a point while a page waits for it.
    let metric = std::fs::read_dir(root.join("0/5372f53ff9524fef88395aad5fac0dba/metrics/train"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let url = served.url.clone();
    let waiting = std::thread::spawn(move || json::<LiveChanges>(&url, "/live/changes?since=0&wait=20"));
    std::thread::sleep(std::time::Duration::from_millis(300));
    let written = Instant::now();
    std::fs::OpenOptions::new()
        .append(true)
        .open(&metric)
        .unwrap()
        .write_all(b"1767232999000 0.001 4242\n")
        .unwrap();
    let change = waiting.join().unwrap();
    let latency = written.elapsed();
    assert_eq!((change.state, change.version), (LiveState::Changes, 1), "{change:?}");
    assert!(latency.as_secs_f64() < 5.0, "{latency:?}");
    assert_eq!(change.removed_runs, ["5372f53ff9524fef88395aad5fac0dba"]);
    assert_eq!(change.tables.len(), 7);
    let mut decoder = TablesDecoder::new();
    for path in &change.tables {
        let (code, head, body) = get(&served.url, path, None);
        assert_eq!(code, 200, "{path}");
        assert!(head.contains("application/vnd.apache.arrow.stream"), "{head}");
        let name = path.rsplit('/').next().unwrap().trim_end_matches(".arrows");
        decoder.add(name, body).unwrap();
    }
    let added = decoder.finish().unwrap();
    assert_eq!(added.runs.num_rows(), 1, "only the run that logged comes again");
    let steps = added.metrics.column_by_name("step").unwrap();
    let steps = steps.as_any().downcast_ref::<arrow_array::Int64Array>().unwrap();
    assert!(steps.iter().any(|s| s == Some(4242)), "the new point is in the change");

    // The tables of version 0 are gone once a page asked for version 1's.
    let now: LiveStatus = json(&served.url, "/live/status");
    assert_eq!(now.version, 1);
    assert_eq!(get(&served.url, &now.data[0], None).0, 200);
    let (code, _, body) = get(&served.url, "/live/tables/7/runs.parquet", None);
    assert_eq!(code, 410, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("/live/status"));

    // A page far behind (or ahead) loads again.
    let ahead: LiveChanges = json(&served.url, "/live/changes?since=99&wait=0");
    assert_eq!((ahead.state, ahead.version), (LiveState::Reload, 1));
}

#[test]
fn live_requests_that_make_no_sense_are_answered_so() {
    let dir = tempfile::tempdir().unwrap();
    let www = site(dir.path());
    let logs = dir.path().join("empty");
    std::fs::create_dir_all(&logs).unwrap();
    // An empty folder is watched too: runs appear as they are written.
    let served = serve(&["--www", www.to_str().unwrap(), "--watch", logs.to_str().unwrap()]);
    let status: LiveStatus = json(&served.url, "/live/status");
    assert_eq!(status.version, 0);
    for (path, code, says) in [
        ("/live/changes", 400, "since="),
        ("/live/changes?since=abc", 400, "since="),
        ("/live/changes?since=0&wait=-1", 400, "wait="),
        ("/live/changes?since=0&wait=NaN", 400, "wait="),
        ("/live/delta/0-1/runs.arrows", 410, "/live/changes"),
        ("/live/delta/garbage", 404, "not found"),
        ("/live/tables/0/nothing.parquet", 404, "no such table"),
        ("/live/tables/x/runs.parquet", 404, "not found"),
        ("/live/elsewhere", 404, "not found"),
    ] {
        let (got, _, body) = get(&served.url, path, None);
        let body = String::from_utf8_lossy(&body);
        assert_eq!(got, code, "{path}: {body}");
        assert!(body.contains(says), "{path}: {body}");
    }
}

#[test]
fn watch_needs_local_paths() {
    let none = runql(&["serve", "--watch", "--port", "0"]);
    assert_eq!(none.status.code(), Some(2));
    assert!(stderr(&none).contains("--watch needs the folders or files to watch"), "{}", stderr(&none));
    let remote = runql(&["serve", "--watch", "--port", "0", "http://127.0.0.1:5000"]);
    assert_eq!(remote.status.code(), Some(2));
    assert!(stderr(&remote).contains("tracking server"), "{}", stderr(&remote));
    let interval = runql(&["serve", "--interval", "1", "x"]);
    assert_eq!(interval.status.code(), Some(2), "--interval without --watch");
    let bad = runql(&["serve", "--watch", "--interval", "0", "x"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("0.05 to 3600"), "{}", stderr(&bad));
}
