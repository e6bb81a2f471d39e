//! What `runql serve` answers: a static site (the built portal) plus files held in memory
//! (the loaded tables), for GET and HEAD, on 127.0.0.1 only.
//!
//! No directory listings, no symlinks out of the site, no request bodies, and a Host check
//! so that a web page elsewhere cannot reach the server through DNS rebinding (a name that
//! resolves to 127.0.0.1 still carries its own Host header).

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use bytes::Bytes;
use futures::TryStreamExt;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, Full, StreamBody};
use hyper::body::Frame;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use tokio_util::io::ReaderStream;

/// What the server answers: files under `root`, and `memory` files by URL path.
pub struct Site {
    /// The folder of the built portal (holds `index.html`).
    pub root: PathBuf,
    /// In-memory files by absolute URL path, e.g. `/data/runs.parquet` (shared, not copied,
    /// per request).
    pub memory: HashMap<String, Bytes>,
    /// The watched tables of `runql serve --watch` (`/live/...`).
    pub live: Option<super::live::Live>,
}

/// A response body: bytes in memory or a file read as it is sent.
pub type Body = BoxBody<Bytes, std::io::Error>;

/// How much of a file is read ahead of a slow client.
const FILE_CHUNK_BYTES: usize = 64 << 10;

fn full(bytes: Bytes) -> Body {
    Full::new(bytes).map_err(|never| match never {}).boxed()
}

fn text(status: StatusCode, message: &str) -> Response<Body> {
    answer(
        status,
        "text/plain; charset=utf-8",
        NO_STORE,
        message.len() as u64,
        full(Bytes::from(message.to_owned())),
    )
}

fn answer(
    status: StatusCode,
    content_type: &'static str,
    cache: &'static str,
    len: u64,
    body: Body,
) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    response
}

/// The answer to `request`, for a server on `port`.
pub async fn respond<B>(site: &Site, port: u16, request: &Request<B>) -> Response<Body> {
    let mut response = answer_for(site, port, request).await;
    if request.method() == Method::HEAD {
        // Same headers, Content-Length included, and no body.
        *response.body_mut() = Empty::new().map_err(|never| match never {}).boxed();
    }
    response
}

async fn answer_for<B>(site: &Site, port: u16, request: &Request<B>) -> Response<Body> {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return text(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD");
    }
    if !host_allowed(request.headers(), port) {
        return text(
            StatusCode::MISDIRECTED_REQUEST,
            "this server answers requests for 127.0.0.1 and localhost only",
        );
    }
    if has_body(request.headers()) {
        // GET and HEAD carry no body here; one that claims to is refused unread.
        return text(StatusCode::PAYLOAD_TOO_LARGE, "requests to this server carry no body");
    }
    let Some(path) = percent_decode(request.uri().path()) else {
        return text(StatusCode::BAD_REQUEST, "bad path");
    };
    if let Some(live) = &site.live
        && let Some((status, kind, bytes)) = live.answer(&path, request.uri().query().unwrap_or("")).await
    {
        return answer(status, kind, NO_STORE, bytes.len() as u64, full(bytes));
    }
    if let Some(bytes) = site.memory.get(&path) {
        return answer(
            StatusCode::OK,
            content_type(&path),
            NO_STORE,
            bytes.len() as u64,
            full(bytes.clone()),
        );
    }
    let Some(file) = resolve(&site.root, &path) else {
        return text(StatusCode::NOT_FOUND, "not found");
    };
    let opened = async {
        let f = tokio::fs::File::open(&file).await?;
        let len = f.metadata().await?.len();
        Ok::<_, std::io::Error>((f, len))
    };
    match opened.await {
        Ok((f, len)) => {
            let frames = ReaderStream::with_capacity(f, FILE_CHUNK_BYTES).map_ok(Frame::data);
            let body = StreamBody::new(frames).boxed();
            answer(StatusCode::OK, content_type(&file.to_string_lossy()), cache_control(&path), len, body)
        }
        Err(_) => text(StatusCode::NOT_FOUND, "not found"),
    }
}

/// A request that says it has a body (any Content-Length but 0, or chunked).
fn has_body(headers: &HeaderMap) -> bool {
    let declared =
        headers.get(header::CONTENT_LENGTH).is_some_and(|v| v.to_str().map_or(true, |t| t.trim() != "0"));
    declared || headers.contains_key(header::TRANSFER_ENCODING)
}

/// Only requests addressed to this machine by its loopback names pass.
fn host_allowed(headers: &HeaderMap, port: u16) -> bool {
    let Some(host) = headers.get(header::HOST) else {
        // HTTP/1.0 clients may omit Host; they cannot be a rebinding browser.
        return true;
    };
    let Ok(host) = host.to_str() else { return false };
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
