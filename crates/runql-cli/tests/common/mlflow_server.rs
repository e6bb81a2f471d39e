//! A real `mlflow server` for tests and benchmarks: started on a free port on 127.0.0.1 in
//! its own folder (SQLite store), stopped when dropped; runs logged into it by the real
//! client (tests/mlflow_server.py), which also says what it reads back.
//!
//! The server and client come from `.venv-mlflow` (made by scripts/setup.sh from
//! scripts/requirements-mlflow-server.txt), or `$RUNQL_MLFLOW_PYTHON`.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn python() -> PathBuf {
    let p = std::env::var_os("RUNQL_MLFLOW_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv-mlflow/bin/python"));
    assert!(
        p.exists(),
        "{} is missing: run scripts/setup.sh (it makes .venv-mlflow from \
         scripts/requirements-mlflow-server.txt) or set RUNQL_MLFLOW_PYTHON",
        p.display()
    );
    p
}

/// A tracking server in its own folder, stopped when dropped.
pub struct Server {
    child: Child,
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl Drop for Server {
    /// Stops the server and every process it started (its uvicorn workers): they share the
    /// process group the server was started in.
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn start(extra: &[&str], env: &[(&str, &str)]) -> Server {
    // The port is free when picked, but another process may take it before the server binds
    // it: then the server exits saying so, and another port is tried.
    for _ in 0..3 {
        match try_start(extra, env) {
            Ok(server) => return server,
            Err(log) if log.to_lowercase().contains("address already in use") => continue,
            Err(log) => panic!("{log}"),
        }
    }
    panic!("mlflow server: three free ports were each taken before it could bind them");
}

fn try_start(extra: &[&str], env: &[(&str, &str)]) -> Result<Server, String> {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let store = format!("sqlite:///{}", dir.path().join("mlflow.db").display());
    let artifacts = dir.path().join("artifacts").display().to_string();
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let mut cmd = Command::new(python());
    // Its own process group, so that dropping the server stops its workers too; no job
    // runner (MLflow 3 starts background job consumers the tests do not use).
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    cmd.env("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false");
    cmd.args(["-m", "mlflow", "server", "--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--backend-store-uri", &store, "--default-artifact-root", &artifacts, "--workers", "2"])
        .args(extra)
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(log);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = Server { child, url, dir };
    let started = Instant::now();
    loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            // A socket that is bound before a worker answers must not block the wait.
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let _ = s.write_all(b"GET /health HTTP/1.0\r\n\r\n");
            let mut answer = String::new();
            let _ = s.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.") && answer.contains(" 200 ") {
                return Ok(server);
            }
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            let log = std::fs::read_to_string(server.dir.path().join("server.log")).unwrap_or_default();
            return Err(format!("mlflow server exited with {status}:\n{log}"));
        }
        assert!(started.elapsed() < Duration::from_secs(120), "mlflow server did not start in 120 s");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Logs runs with the real client and returns what it reads back.
pub fn log_runs(server: &Server, sweep: &[&str], env: &[(&str, &str)]) -> Value {
    let out = server.dir.path().join("expected.json");
    let mut cmd = Command::new(python());
    cmd.arg(root().join("crates/runql-cli/tests/mlflow_server.py"))
        .args(["log", &server.url])
        .arg(&out)
        .args(sweep);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap()
}

/// Metric points the client read back, over all runs and keys.
pub fn logged_points(expected: &Value) -> usize {
    expected["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["history"].as_object().unwrap().values())
        .map(|h| h.as_array().unwrap().len())
        .sum()
}
