//! A scripted HTTP/1.1 server on 127.0.0.1 for hostile-server tests: each request is
//! recorded and answered by a handler (a status and body, raw bytes, a stall, a cut body).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or(&self.target)
    }
}

/// How to answer.
pub enum Reply {
    /// A status with a JSON (or any) body.
    Body(u16, String),
    /// A status, extra headers and a body.
    WithHeaders(u16, Vec<(String, String)>, String),
    /// Headers promising `declared` bytes, then `sent` of them, then the connection closes.
    Cut { declared: usize, sent: String },
    /// Accept and say nothing for this long.
    Stall(Duration),
}

type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

pub struct FakeServer {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
}

impl FakeServer {
    pub fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let log = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let handler = handler.clone();
                let log = log.clone();
                std::thread::spawn(move || serve(stream, &*handler, &log));
            }
        });
        FakeServer { url, requests }
    }

    pub fn recorded(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn serve(stream: TcpStream, handler: &Handler, log: &Mutex<Vec<Recorded>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let target = parts.next().unwrap_or_default().to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let rec = Recorded { method, target, headers, body: String::from_utf8_lossy(&body).into_owned() };
        log.lock().unwrap().push(rec.clone());
        let mut out = stream.try_clone().unwrap();
        match handler(&rec) {
            Reply::Body(status, body) => {
                let _ = write!(
                    out,
                    "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    reason(status),
                    body.len()
                );
            }
            Reply::WithHeaders(status, extra, body) => {
                let mut head =
                    format!("HTTP/1.1 {status} {}\r\nContent-Length: {}\r\n", reason(status), body.len());
                for (k, v) in extra {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                let _ = write!(out, "{head}\r\n{body}");
            }
            Reply::Cut { declared, sent } => {
                let _ = write!(out, "HTTP/1.1 200 OK\r\nContent-Length: {declared}\r\n\r\n{sent}");
                let _ = out.flush();
                let _ = out.shutdown(std::net::Shutdown::Both);
                return;
            }
            Reply::Stall(d) => {
                std::thread::sleep(d);
                return;
            }
        }
        let _ = out.flush();
    }
}

/// A minimal tracking server: one experiment, `runs` runs with metric `loss` at steps 0..3.
pub fn mlflow_answer(r: &Recorded, runs: usize) -> Reply {
    let id = |i: usize| format!("{i:032x}");
    match r.path() {
        "/api/2.0/mlflow/experiments/search" => {
            Reply::Body(200, r#"{"experiments": [{"experiment_id": "1", "name": "exp"}]}"#.into())
        }
        "/api/2.0/mlflow/runs/search" => {
            let list: Vec<String> = (0..runs)
                .map(|i| {
                    format!(
                        r#"{{"info": {{"run_id": "{}", "experiment_id": "1", "run_name": "r{i}", "status": "FINISHED", "start_time": 1000}},
                            "data": {{"metrics": [{{"key": "loss", "value": 0.5, "step": 3, "timestamp": 1003}}], "params": [{{"key": "lr", "value": "0.1"}}]}}}}"#,
                        id(i)
                    )
                })
                .collect();
            Reply::Body(200, format!(r#"{{"runs": [{}]}}"#, list.join(",")))
        }
        "/api/2.0/mlflow/metrics/get-history" => {
            let points: Vec<String> = (0..4)
                .map(|s| {
                    format!(
                        r#"{{"key": "loss", "value": {}, "step": {s}, "timestamp": {}}}"#,
                        1.0 / (s as f64 + 1.0),
                        1000 + s
                    )
                })
                .collect();
            Reply::Body(200, format!(r#"{{"metrics": [{}]}}"#, points.join(",")))
        }
        _ => Reply::Body(404, "<html>Not Found</html>".into()),
    }
}
