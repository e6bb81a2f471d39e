//! The HTTP side of `runql serve`: a static site (the built portal) plus files held in
//! memory (the loaded tables), on 127.0.0.1 only.
//!
//! Deliberately small: GET and HEAD, no directory listings, no symlinks out of the site,
//! and a Host check so that a web page elsewhere cannot reach the server through DNS
//! rebinding (a name that resolves to 127.0.0.1 still carries its own Host header).

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use tiny_http::{Header, Method, Request, Response, Server, StatusCode};

use crate::error::{CliError, Result};

/// What the server answers: files under `root`, and `memory` files by URL path.
pub struct Site {
    /// The folder of the built portal (holds `index.html`).
    pub root: PathBuf,
    /// In-memory files by absolute URL path, e.g. `/data/runs.parquet`.
    pub memory: HashMap<String, Vec<u8>>,
}

/// A server bound to 127.0.0.1.
pub struct Bound {
    server: Server,
    /// The port actually bound (when 0 was asked for, the one the OS picked).
    pub port: u16,
}

/// Binds 127.0.0.1:`port` (0 = any free port).
pub fn bind(port: u16) -> Result<Bound> {
    let server = Server::http(("127.0.0.1", port)).map_err(|e| {
        CliError::Usage(format!("cannot listen on 127.0.0.1:{port}: {e} (try another --port)"))
    })?;
    let port = server.server_addr().to_ip().map(|a| a.port()).unwrap_or(port);
    Ok(Bound { server, port })
}

impl Bound {
    /// Answers requests until the process is stopped.
    pub fn serve(self, site: &Site) {
        for request in self.server.incoming_requests() {
            let method = request.method().clone();
            let url = request.url().to_string();
            let answer = respond(site, self.port, &request);
            // A client that went away is not the server's problem; keep serving.
            let status = answer.status;
            // stderr too may be gone; logging is best effort.
            let mut err = std::io::stderr();
            if let Err(e) = send(request, answer) {
                let _ = writeln!(err, "{method} {url}: {e}");
            } else if status >= 400 {
                let _ = writeln!(err, "{method} {url}: {status}");
            }
        }
    }
}

/// One response, before its body is attached.
struct Answer {
    status: u16,
    content_type: &'static str,
    cache_control: &'static str,
    body: Body,
}

enum Body {
    Bytes(Vec<u8>),
    File(File, u64),
}

fn text(status: u16, message: &str) -> Answer {
    Answer {
        status,
        content_type: "text/plain; charset=utf-8",
        cache_control: NO_STORE,
        body: Body::Bytes(message.as_bytes().to_vec()),
    }
}

fn respond(site: &Site, port: u16, request: &Request) -> Answer {
    if !matches!(request.method(), Method::Get | Method::Head) {
        return text(405, "only GET and HEAD");
    }
    if !host_allowed(request, port) {
        return text(421, "this server answers requests for 127.0.0.1 and localhost only");
    }
    let path = request.url().split(['?', '#']).next().unwrap_or("/");
    let Some(path) = percent_decode(path) else {
        return text(400, "bad path");
    };
    if let Some(bytes) = site.memory.get(&path) {
        return Answer {
            status: 200,
            content_type: content_type(&path),
            cache_control: NO_STORE,
            body: Body::Bytes(bytes.clone()),
        };
    }
    let Some(file) = resolve(&site.root, &path) else {
        return text(404, "not found");
    };
    match File::open(&file).and_then(|f| f.metadata().map(|m| (f, m.len()))) {
        Ok((f, len)) => Answer {
            status: 200,
            content_type: content_type(&path_str(&file)),
            cache_control: cache_control(&path),
            body: Body::File(f, len),
        },
        Err(_) => text(404, "not found"),
    }
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn send(request: Request, answer: Answer) -> std::io::Result<()> {
    let head = request.method() == &Method::Head;
    let mut headers = vec![];
    if let Ok(h) = Header::from_bytes("Content-Type", answer.content_type) {
        headers.push(h);
    }
    if let Ok(h) = Header::from_bytes("Cache-Control", answer.cache_control) {
        headers.push(h);
    }
    if let Ok(h) = Header::from_bytes("X-Content-Type-Options", "nosniff") {
        headers.push(h);
    }
    let status = StatusCode(answer.status);
    match answer.body {
        Body::Bytes(bytes) => {
            let len = bytes.len();
            let body: Vec<u8> = if head { Vec::new() } else { bytes };
            request.respond(Response::new(status, headers, body.as_slice(), Some(len), None))
        }
        Body::File(file, len) => {
            let len = usize::try_from(len).ok();
            if head {
                request.respond(Response::new(status, headers, std::io::empty(), len, None))
            } else {
                request.respond(Response::new(status, headers, file, len, None))
            }
        }
    }
}

/// Only requests addressed to this machine by its loopback names pass.
fn host_allowed(request: &Request, port: u16) -> bool {
    let Some(host) = request.headers().iter().find(|h| h.field.equiv("Host")) else {
        // HTTP/1.0 clients may omit Host; they cannot be a rebinding browser.
        return true;
    };
    let host = host.value.as_str();
    let name = host.strip_suffix(&format!(":{port}")).unwrap_or(host);
    matches!(name, "127.0.0.1" | "localhost" | "[::1]")
}

/// `%xx` escapes decoded; None for bad escapes or non-UTF-8.
fn percent_decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The file a URL path names under `root`: `..`, absolute parts and anything that leaves
/// `root` (symlinks included) give None; a folder gives its `index.html`.
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let mut file = root.to_path_buf();
    for part in Path::new(url_path.trim_start_matches('/')).components() {
        match part {
            Component::Normal(p) => file.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    let real = file.canonicalize().ok()?;
    let root = root.canonicalize().ok()?;
    (real.starts_with(&root) && real.is_file()).then_some(real)
}

/// The page and the run data change whenever `runql serve` restarts with other runs.
const NO_STORE: &str = "no-store";

/// The Cache-Control of a file of the portal. Its built assets are named by their content
/// (`/assets/index-rwFqtr2Y.js`), so they are kept for good: a browser then reuses them
/// and, for the WebAssembly module, the machine code it compiled on an earlier visit
/// instead of compiling ~30 MB again. Everything else is not stored:
/// `/assets/runql_wasm_bg-DT__tYsy.wasm` is cached for a year, `/index.html` never.
pub fn cache_control(path: &str) -> &'static str {
    let Some(name) = path.strip_prefix("/assets/") else { return NO_STORE };
    let stem = name.split('.').next().unwrap_or_default();
    let hashed = stem.rsplit_once('-').is_some_and(|(_, hash)| {
        hash.len() >= 8 && hash.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    });
    if hashed && !name.contains('/') { "public, max-age=31536000, immutable" } else { NO_STORE }
}

/// The Content-Type for a file name (WebAssembly must be `application/wasm` for streaming
/// compilation; module scripts must be JavaScript).
pub fn content_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "woff2" => "font/woff2",
        "parquet" => "application/vnd.apache.parquet",
        "arrow" => "application/vnd.apache.arrow.file",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn only_content_named_assets_are_cached() {
        let forever = "public, max-age=31536000, immutable";
        assert_eq!(cache_control("/assets/index-rwFqtr2Y.js"), forever);
        assert_eq!(cache_control("/assets/index-rwFqtr2Y.js.map"), forever);
        assert_eq!(cache_control("/assets/runql_wasm_bg-DT__tYsy.wasm"), forever);
        // No hash, another folder, the page itself, the data: never stored.
        assert_eq!(cache_control("/assets/logo.svg"), "no-store");
        assert_eq!(cache_control("/assets/x-1.js"), "no-store");
        assert_eq!(cache_control("/assets/sub/index-rwFqtr2Y.js"), "no-store");
        assert_eq!(cache_control("/index.html"), "no-store");
        assert_eq!(cache_control("/data/runs.parquet"), "no-store");
        assert_eq!(cache_control("/"), "no-store");
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(content_type("/assets/runql_wasm_bg-1a2b.wasm"), "application/wasm");
        assert_eq!(content_type("/index.HTML"), "text/html; charset=utf-8");
        assert_eq!(content_type("/assets/index-9f.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("/data/runs.parquet"), "application/vnd.apache.parquet");
        assert_eq!(content_type("/no-extension"), "application/octet-stream");
    }

    #[test]
    fn paths_cannot_leave_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        std::fs::create_dir_all(root.join("assets")).unwrap();
        std::fs::write(root.join("index.html"), "<p>hi</p>").unwrap();
        std::fs::write(root.join("assets/a.js"), "1").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "no").unwrap();
        assert_eq!(resolve(&root, "/").unwrap(), root.join("index.html").canonicalize().unwrap());
        assert!(resolve(&root, "/assets/a.js").is_some());
        assert!(resolve(&root, "/../secret.txt").is_none());
        assert!(resolve(&root, "/assets/../../secret.txt").is_none());
        assert!(resolve(&root, "/missing.js").is_none());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.txt")).unwrap();
            assert!(resolve(&root, "/link.txt").is_none());
        }
    }

    #[test]
    fn percent_escapes_are_decoded_and_checked() {
        assert_eq!(percent_decode("/a%20b").unwrap(), "/a b");
        assert_eq!(percent_decode("/%2e%2e/x").unwrap(), "/../x");
        assert!(percent_decode("/bad%zz").is_none());
        assert!(percent_decode("/cut%2").is_none());
        assert!(percent_decode("/%ff").is_none());
    }
}
