//! `runql serve` end to end: the portal's files and the preloaded tables over HTTP on
//! 127.0.0.1, with the right content types, and nothing outside the site.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::fixture;
use common::served::{Served, get, serve, site};

#[test]
fn serves_the_portal_and_the_loaded_tables() {
    let dir = tempfile::tempdir().unwrap();
    let www = site(dir.path());
    let served = serve(&["--www", www.to_str().unwrap(), &fixture()]);
    assert!(served.url.starts_with("http://127.0.0.1:"), "{}", served.url);

    let (status, head, body) = get(&served.url, "/", None);
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/html"), "{head}");
    assert!(String::from_utf8_lossy(&body).contains("portal"));
    let (status, head, body) = get(&served.url, "/assets/module.wasm", None);
    assert_eq!(status, 200);
    assert!(head.contains("content-type: application/wasm"), "{head}");
    assert_eq!(body, b"\0asm\x01\0\0\0");
    assert!(get(&served.url, "/assets/app.js", None).1.contains("content-type: text/javascript"));
    // Assets named by their content are kept by the browser; the page and data never are.
    let (_, head, _) = get(&served.url, "/assets/index-rwFqtr2Y.js", None);
    assert!(head.contains("cache-control: public, max-age=31536000, immutable"), "{head}");
    assert!(get(&served.url, "/", None).1.contains("cache-control: no-store"));
    assert!(get(&served.url, "/assets/app.js", None).1.contains("cache-control: no-store"));

    // Every table named in the URL is served as runql's Parquet.
    let query = served.url.split_once('?').unwrap().1;
    let tables: Vec<&str> = query.split('&').filter_map(|p| p.strip_prefix("data=")).collect();
    // The native load report rides along for the page to show.
    let report = query.split('&').find_map(|p| p.strip_prefix("report=")).unwrap();
    let (status, head, body) = get(&served.url, report, None);
    assert_eq!(status, 200);
    assert!(head.contains("content-type: application/json"), "{head}");
    let report: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(report["rows"]["runs"].as_u64().unwrap() > 0, "{report}");
    for table in ["runs", "params", "metrics", "tags", "metric_summary", "runs_wide", "models"] {
        assert!(tables.contains(&format!("/data/{table}.parquet").as_str()), "{table} missing from {query}");
    }
    for path in tables {
        let (status, _, body) = get(&served.url, path, None);
        assert_eq!(status, 200, "{path}");
        assert!(body.starts_with(b"PAR1") && body.ends_with(b"PAR1"), "{path} is not Parquet");
    }
}

#[test]
fn the_served_tables_load_back_as_the_same_runs() {
    let dir = tempfile::tempdir().unwrap();
    let www = site(dir.path());
    let served = serve(&["--www", www.to_str().unwrap(), &fixture()]);
    let query = served.url.split_once('?').unwrap().1;
    let out = dir.path().join("tables");
    std::fs::create_dir_all(&out).unwrap();
    for path in query.split('&').filter_map(|p| p.strip_prefix("data=")) {
        let (_, _, body) = get(&served.url, path, None);
        std::fs::write(out.join(path.rsplit('/').next().unwrap()), body).unwrap();
    }
    let names = |p: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_runql"))
            .args([
                "query",
                "-q",
                p,
                "-e",
                "SELECT run_id, name, status FROM runs ORDER BY run_id",
                "--format",
                "csv",
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let served_runs = names(out.to_str().unwrap());
    assert_eq!(served_runs, names(&fixture()));
    assert!(served_runs.lines().count() > 1);
}

#[test]
fn nothing_outside_the_site_and_only_loopback_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let www = site(dir.path());
    let served = serve(&["--www", www.to_str().unwrap()]);
    assert_eq!(get(&served.url, "/../secret.txt", None).0, 404);
    assert_eq!(get(&served.url, "/%2e%2e/secret.txt", None).0, 404);
    assert_eq!(get(&served.url, "/missing.js", None).0, 404);
    // A page elsewhere reaching 127.0.0.1 through a rebound DNS name is refused.
    assert_eq!(get(&served.url, "/", Some("attacker.example:80")).0, 421);
    assert_eq!(get(&served.url, "/", Some("localhost")).0, 200);
    // With no PATH, the demo sweep is served.
    assert_eq!(get(&served.url, "/data/runs.parquet", None).0, 200);
}

#[test]
fn a_missing_portal_build_says_how_to_build_it() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_runql"))
        .args(["serve", "--port", "0", "--www"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("scripts/portal.sh") && err.contains("--www"), "{err}");
}

/// Opens a connection and sends `head` as it is.
fn send_raw(addr: &str, head: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(head).unwrap();
    s
}

/// The status of the response on `s`, reading at most 5 s.
fn status_of(s: &mut TcpStream) -> Option<u16> {
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 512];
    let n = s.read(&mut buf).ok()?;
    let head = String::from_utf8_lossy(&buf[..n]).into_owned();
    head.split_whitespace().nth(1)?.parse().ok()
}

/// True when the server closed `s` (end of stream or reset) within `within`.
fn closed_by_server(s: &mut TcpStream, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let mut buf = vec![0u8; 1 << 16];
    while Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return true,
        }
    }
    false
}

fn addr_of(url: &str) -> String {
    url.trim_start_matches("http://").split('/').next().unwrap().to_string()
}

#[test]
fn one_client_cannot_stop_the_server_for_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let www = site(dir.path());
    // As large as the query module: a client that never reads it must block nobody.
    std::fs::write(www.join("assets/big.wasm"), vec![7u8; 30 << 20]).unwrap();
    let mut served =
        serve(&["--www", www.to_str().unwrap(), "--header-timeout", "2", "--io-timeout", "3", &fixture()]);
    let addr = addr_of(&served.url);

    // A declared body of 100 TB (tiny_http once allocated it) and one of 1 GB never sent.
    for length in ["100000000000000", "1000000000"] {
        let head = format!("GET / HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {length}\r\n\r\n");
        let mut s = send_raw(&addr, head.as_bytes());
        assert_eq!(status_of(&mut s), Some(413), "Content-Length {length}");
    }
    // A head larger than the limit.
    let huge = format!("GET / HTTP/1.1\r\nHost: {addr}\r\nX-Pad: {}\r\n\r\n", "a".repeat(128 << 10));
    let mut s = TcpStream::connect(&addr).unwrap();
    let _ = s.write_all(huge.as_bytes());
    assert_eq!(status_of(&mut s), Some(431));

    // A client that asks for the large file and never reads it.
    let mut stalled =
        send_raw(&addr, format!("GET /assets/big.wasm HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes());
    // 50 slowloris connections: a head that never ends, a byte at a time.
    let slowloris: Vec<TcpStream> =
        (0..50).map(|_| send_raw(&addr, format!("GET / HTTP/1.1\r\nHost: {addr}\r\n").as_bytes())).collect();
    let dripping = std::thread::spawn(move || {
        let mut conns = slowloris;
        for _ in 0..4 {
            std::thread::sleep(Duration::from_millis(400));
            for c in &mut conns {
                let _ = c.write_all(b"X");
            }
        }
        conns
    });
    // 200 clients at once, 5 requests each.
    let busy: Vec<_> = (0..200)
        .map(|_| {
            let base = served.url.clone();
            std::thread::spawn(move || (0..5).filter(|_| get(&base, "/", None).0 == 200).count())
        })
        .collect();
    // Meanwhile an ordinary client keeps getting answers, each within a second.
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let started = Instant::now();
        let (status, _, body) = get(&served.url, "/data/runs.parquet", None);
        slowest = slowest.max(started.elapsed());
        assert_eq!(status, 200);
        assert!(body.starts_with(b"PAR1"));
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(slowest < Duration::from_secs(1), "slowest answer took {slowest:?}");
    let answered: usize = busy.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(answered, 1000, "every busy client got its answers");

    // The slow ones are let go: the slowloris after the head timeout, the stalled reader
    // after the i/o timeout.
    let mut slowloris = dripping.join().unwrap();
    assert!(closed_by_server(&mut slowloris[0], Duration::from_secs(5)), "a slowloris connection is held");
    assert!(closed_by_server(&mut stalled, Duration::from_secs(10)), "a client that never reads is held");
    assert!(served.child.try_wait().unwrap().is_none(), "the server exited");
    assert_eq!(get(&served.url, "/", None).0, 200);
}

#[cfg(target_os = "linux")]
#[test]
fn running_out_of_file_descriptors_is_waited_out_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let www = site(dir.path());
    let mut child = Command::new("sh")
        .args([
            "-c",
            "ulimit -n 48 && exec \"$0\" serve --port 0 -q --www \"$1\"",
            env!("CARGO_BIN_EXE_runql"),
        ])
        .arg(&www)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("runql portal: ").unwrap().to_string();
    let mut served = Served { child, url };
    let addr = addr_of(&served.url);
    // More idle connections than the server has descriptors for.
    let held: Vec<TcpStream> = (0..80).filter_map(|_| TcpStream::connect(&addr).ok()).collect();
    std::thread::sleep(Duration::from_millis(500));
    assert!(served.child.try_wait().unwrap().is_none(), "the server exited when descriptors ran out");
    drop(held);
    // Once they are gone, the server answers again.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut status = 0;
    while Instant::now() < deadline && status != 200 {
        status = get(&served.url, "/", None).0;
    }
    assert_eq!(status, 200);
    served.child.kill().unwrap();
    let mut err = String::new();
    served.child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(
        err.contains("cannot accept a connection") && err.contains("accepting connections again"),
        "{err}"
    );
}
