//! A `runql serve` started for a test, and plain HTTP/1.1 requests to it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running `runql serve`, stopped when dropped.
pub struct Served {
    pub child: Child,
    pub url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn serve(args: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_runql"))
        .arg("serve")
        .args(["--port", "0", "-q"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start runql serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("runql portal: ")
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    Served { child, url }
}

/// A raw HTTP/1.1 GET: (status, headers lowercased, body).
pub fn get(base: &str, path: &str, host: Option<&str>) -> (u16, String, Vec<u8>) {
    let addr = base.trim_start_matches("http://").split('/').next().unwrap().to_string();
    let mut stream = TcpStream::connect(&addr).unwrap();
    let host = host.unwrap_or(&addr);
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head, raw[split + 4..].to_vec())
}

pub fn site(dir: &Path) -> PathBuf {
    let www = dir.join("dist");
    std::fs::create_dir_all(www.join("assets")).unwrap();
    std::fs::write(www.join("index.html"), "<!doctype html><title>portal</title>").unwrap();
    std::fs::write(www.join("assets/module.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(www.join("assets/app.js"), "export {}").unwrap();
    std::fs::write(www.join("assets/index-rwFqtr2Y.js"), "export {}").unwrap();
    std::fs::write(dir.join("secret.txt"), "outside the site").unwrap();
    www
}
