//! [`Client`]: JSON over HTTP to one server, with its credentials, time limit, body cap and
//! retries with back-off.

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;

use crate::error::{RemoteError, Result};
use crate::settings::{Auth, ClientSettings, MAX_BACKOFF};

/// A response body, and the request it answers (`GET <url>`), for messages.
#[derive(Debug, Clone)]
pub struct Response {
    /// `GET <url>` or `POST <url>`.
    pub request: String,
    /// The body as sent.
    pub body: Vec<u8>,
}

/// How an endpoint that may not exist on older servers answered.
#[derive(Debug)]
pub enum Optional {
    /// It answered.
    Found(Response),
    /// 404 without an MLflow error: this server does not have the endpoint.
    Missing,
}

/// A client of one server: `base` is everything before `/api/…` (`http://host:5000`, or
/// `https://host/mlflow` behind a proxy with a path prefix).
///
/// ```no_run
/// use runql_remote::{Client, ClientSettings};
/// let client = Client::new("http://127.0.0.1:5000", ClientSettings::from_env()?)?;
/// let r = client.get("/api/2.0/mlflow/experiments/get-by-name", &[("experiment_name", "Default")])?;
/// println!("{}", String::from_utf8_lossy(&r.body));
/// # Ok::<(), runql_remote::RemoteError>(())
/// ```
pub struct Client<'a> {
    agent: ureq::Agent,
    base: String,
    authorization: Option<String>,
    settings: ClientSettings,
    on_retry: Option<&'a (dyn Fn(&Retry) + Sync)>,
    /// Set once the server cannot be read any more: requests waiting to retry give up.
    stopped: AtomicBool,
}

/// A request about to be tried again, for a progress line: waiting this long is otherwise
/// silent.
#[derive(Debug, Clone, PartialEq)]
pub struct Retry {
    /// `GET <url>`.
    pub request: String,
    /// The attempt that failed (1-based).
    pub attempt: u32,
    /// Attempts allowed.
    pub attempts: u32,
    /// The wait before the next one.
    pub wait: Duration,
    /// Why the attempt failed.
    pub why: String,
}

impl std::fmt::Display for Retry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}; attempt {} of {} in {:.1} s",
            self.request,
            self.why,
            self.attempt + 1,
            self.attempts,
            self.wait.as_secs_f64()
        )
    }
}

impl std::fmt::Debug for Client<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base", &self.base).field("settings", &self.settings).finish()
    }
}

/// Statuses worth another attempt (as the MLflow client's `status_forcelist`).
const RETRY_STATUSES: [u16; 5] = [429, 500, 502, 503, 504];

/// `http://host:port/…` or `https://…`, without a UI fragment (`#/experiments/1`), a query or
/// a trailing `/`.
///
/// ```
/// use runql_remote::client::base_url;
/// assert_eq!(base_url("http://127.0.0.1:5000/#/experiments/3").unwrap(), "http://127.0.0.1:5000");
/// assert_eq!(base_url("https://ml.example.org/mlflow/").unwrap(), "https://ml.example.org/mlflow");
/// assert!(base_url("ftp://host").is_err());
/// assert!(base_url("http://").is_err());
/// ```
pub fn base_url(url: &str) -> Result<String> {
    let bad = |shown: &str, why: &str| RemoteError::BadUrl { url: shown.to_string(), why: why.to_string() };
    let trimmed = url.trim();
    let lower = trimmed.to_ascii_lowercase();
    let (scheme, rest) = if lower.starts_with("http://") {
        ("http://", trimmed.get(7..).unwrap_or_default())
    } else if lower.starts_with("https://") {
        ("https://", trimmed.get(8..).unwrap_or_default())
    } else {
        return Err(bad(trimmed, "not an http:// or https:// address"));
    };
    let rest = rest.split(['#', '?']).next().unwrap_or_default().trim_end_matches('/');
    let host = rest.split('/').next().unwrap_or_default();
    if let Some((_, after)) = host.rsplit_once('@') {
        // Never repeat the credentials in a message.
        return Err(bad(
            &format!("{scheme}…@{after}"),
            "credentials in the address are not used: set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD",
        ));
    }
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(bad(trimmed, "no host in the address"));
    }
    Ok(format!("{scheme}{rest}"))
}

/// Jitter in `[0, max)` seconds from the clock (no random source is worth a dependency here).
fn jitter(max: f64) -> Duration {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let secs = max.clamp(0.0, MAX_BACKOFF.as_secs_f64()) * f64::from(nanos % 1_000_000) / 1_000_000.0;
    Duration::try_from_secs_f64(secs).unwrap_or_default()
}

/// The server's own message in an MLflow error body (`{"error_code", "message"}`).
fn server_message(body: &[u8]) -> Option<(String, String)> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let code = v.get("error_code")?.as_str()?.to_string();
    let message = v.get("message").and_then(|m| m.as_str()).unwrap_or_default();
    Some((code, message.chars().take(500).collect()))
}

/// One attempt's outcome.
enum Attempt {
    Done(u16, String, Vec<u8>),
    /// Worth retrying: why, and how long the server asked to wait.
    Retry(String, Option<Duration>),
}

impl<'a> Client<'a> {
    /// A client of the server at `url` (see [`base_url`]).
    ///
    /// # Errors
    /// [`RemoteError::BadUrl`] when `url` is not an http(s) address.
    pub fn new(url: &str, settings: ClientSettings) -> Result<Client<'a>> {
        let base = base_url(url)?;
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(settings.timeout))
            .user_agent(concat!("runql/", env!("CARGO_PKG_VERSION")))
            .build();
        let authorization = match &settings.auth {
            Auth::None => None,
            Auth::Bearer(t) => Some(format!("Bearer {t}")),
            Auth::Basic { username, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
            )),
        };
        Ok(Client {
            agent: config.into(),
            base,
            authorization,
            settings,
            on_retry: None,
            stopped: AtomicBool::new(false),
        })
    }

    /// Calls `note` before each retry's wait.
    pub fn on_retry(mut self, note: &'a (dyn Fn(&Retry) + Sync)) -> Self {
        self.on_retry = Some(note);
        self
    }

    /// The flag that stops this client's requests: once it is set, requests waiting to retry
    /// give up (with [`RemoteError::Unreachable`]) instead of waiting out their back-off.
    pub fn stop_flag(&self) -> &AtomicBool {
        &self.stopped
    }

    /// The server's address as the client uses it.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `GET base + path` with `query` (percent-encoded), retried as the settings allow.
    ///
    /// # Errors
    /// [`RemoteError`]: unreachable, refused credentials, no MLflow API (404), another
    /// failing status (with the server's message), or a body over the cap.
    pub fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Response> {
        match self.send("GET", path, query, None)? {
            Optional::Found(r) => Ok(r),
            Optional::Missing => Err(self.not_mlflow("GET", path, query)),
        }
    }

    /// `POST base + path` with a JSON body.
    ///
    /// # Errors
    /// As [`Client::get`].
    pub fn post(&self, path: &str, body: &serde_json::Value) -> Result<Response> {
        match self.send("POST", path, &[], Some(body))? {
            Optional::Found(r) => Ok(r),
            Optional::Missing => Err(self.not_mlflow("POST", path, &[])),
        }
    }

    /// As [`Client::get`], but a plain 404 (the server has no such endpoint, as older
    /// servers lack newer ones) is [`Optional::Missing`], not an error.
    ///
    /// # Errors
    /// As [`Client::get`], but for that 404.
    pub fn get_optional(&self, path: &str, query: &[(&str, &str)]) -> Result<Optional> {
        self.send("GET", path, query, None)
    }

    /// As [`Client::post`], but a plain 404 is [`Optional::Missing`].
    ///
    /// # Errors
    /// As [`Client::post`], but for that 404.
    pub fn post_optional(&self, path: &str, body: &serde_json::Value) -> Result<Optional> {
        self.send("POST", path, &[], Some(body))
    }

    fn shown(&self, method: &str, path: &str, query: &[(&str, &str)]) -> String {
        let mut s = format!("{method} {}{path}", self.base);
        for (i, (k, v)) in query.iter().enumerate() {
            s.push(if i == 0 { '?' } else { '&' });
            s.push_str(k);
            s.push('=');
            s.push_str(v);
        }
        s
    }

    fn not_mlflow(&self, method: &str, path: &str, query: &[(&str, &str)]) -> RemoteError {
        RemoteError::NotMlflow {
            request: self.shown(method, path, query),
            hint: " (is this the tracking server's address, with any path prefix it is served under?)"
                .to_string(),
        }
    }

    fn send(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        json: Option<&serde_json::Value>,
    ) -> Result<Optional> {
        let request = self.shown(method, path, query);
        let body = json.map(|j| j.to_string());
        let attempts = self.settings.max_retries.saturating_add(1);
        let mut last = String::new();
        for attempt in 1..=attempts {
            match self.attempt(method, path, query, body.as_deref(), &request)? {
                Attempt::Done(status, reason, bytes) => return self.outcome(request, status, reason, bytes),
                Attempt::Retry(why, wait) => {
                    last = why;
                    if attempt == attempts {
                        break;
                    }
                    let wait = wait
                        .unwrap_or_else(|| {
                            self.settings.backoff(attempt) + jitter(self.settings.backoff_jitter)
                        })
                        .min(MAX_BACKOFF);
                    if let Some(note) = self.on_retry {
                        note(&Retry { request: request.clone(), attempt, attempts, wait, why: last.clone() });
                    }
                    if !self.wait_unless_stopped(wait) {
                        last.push_str(" (not retried: another request to this server failed for good)");
                        return Err(RemoteError::Unreachable { request, attempts: attempt, why: last });
                    }
                }
            }
        }
        Err(RemoteError::Unreachable { request, attempts, why: last })
    }

    /// Sleeps for `wait` in short slices; false when the client was stopped meanwhile.
    fn wait_unless_stopped(&self, wait: Duration) -> bool {
        let until = Instant::now() + wait;
        while !self.stopped.load(Ordering::Relaxed) {
            let now = Instant::now();
            if now >= until {
                return true;
            }
            std::thread::sleep((until - now).min(Duration::from_millis(50)));
        }
        false
    }

    fn attempt(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&str>,
        request: &str,
    ) -> Result<Attempt> {
        let url = format!("{}{path}", self.base);
        let result = if method == "POST" {
            let mut req = self.agent.post(&url).header("Content-Type", "application/json");
            if let Some(a) = &self.authorization {
                req = req.header("Authorization", a);
            }
            req.send(body.unwrap_or("{}"))
        } else {
            let mut req = self.agent.get(&url);
            for (k, v) in query {
                req = req.query(*k, *v);
            }
            if let Some(a) = &self.authorization {
                req = req.header("Authorization", a);
            }
            req.call()
        };
        let mut response = match result {
            Ok(r) => r,
            Err(ureq::Error::BadUri(why)) => {
                return Err(RemoteError::BadUrl { url, why: format!("not a usable address: {why}") });
            }
            // Connection, timeout and I/O failures may pass; a TLS or certificate failure, or a
            // request the client itself cannot send, will not: those are not retried.
            Err(
                e @ (ureq::Error::Io(_)
                | ureq::Error::Timeout(_)
                | ureq::Error::ConnectionFailed
                | ureq::Error::HostNotFound
                | ureq::Error::Protocol(_)
                | ureq::Error::BodyStalled),
            ) => return Ok(Attempt::Retry(e.to_string(), None)),
            Err(e) => {
                return Err(RemoteError::Unreachable {
                    request: request.to_string(),
                    attempts: 1,
                    why: e.to_string(),
                });
            }
        };
        let status = response.status();
        let code = status.as_u16();
        let reason = status.canonical_reason().unwrap_or("").to_string();
        if RETRY_STATUSES.contains(&code) {
            let wait = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Ok(Attempt::Retry(format!("{code} {reason}"), wait));
        }
        let limit = self.settings.max_body_bytes;
        let mut bytes = Vec::new();
        let read = response.body_mut().with_config().limit(limit).reader().read_to_end(&mut bytes);
        match read {
            Ok(_) => Ok(Attempt::Done(code, reason, bytes)),
            Err(e) => {
                let over = e
                    .get_ref()
                    .and_then(|inner| inner.downcast_ref::<ureq::Error>())
                    .is_some_and(|u| matches!(u, ureq::Error::BodyExceedsLimit(_)));
                if over {
                    Err(RemoteError::BadResponse {
                        request: request.to_string(),
                        why: format!("the response is over the {limit}-byte limit for one response"),
                    })
                } else {
                    // Cut off mid-body (a dropped connection, a timeout): worth another try.
                    Ok(Attempt::Retry(
                        format!("the response was cut off after {} bytes: {e}", bytes.len()),
                        None,
                    ))
                }
            }
        }
    }

    fn outcome(&self, request: String, status: u16, reason: String, body: Vec<u8>) -> Result<Optional> {
        match status {
            200..=299 => Ok(Optional::Found(Response { request, body })),
            401 | 403 => Err(RemoteError::Auth {
                request,
                status,
                reason,
                what: if self.authorization.is_some() {
                    "these credentials"
                } else {
                    "the request without credentials"
                },
            }),
            _ => match server_message(&body) {
                Some((code, message)) => Err(RemoteError::Status {
                    request,
                    status,
                    reason,
                    message: format!(": {code}: {message}"),
                }),
                None if status == 404 => Ok(Optional::Missing),
                None => Err(RemoteError::Status { request, status, reason, message: String::new() }),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_people_paste() {
        assert_eq!(base_url("HTTP://Host:5000").unwrap(), "http://Host:5000");
        assert_eq!(base_url(" http://h:1/?x=1 ").unwrap(), "http://h:1");
        let e = base_url("http://user:pw@h:1").unwrap_err().to_string();
        assert!(e.contains("MLFLOW_TRACKING_USERNAME") && !e.contains("pw"), "{e}");
        assert!(base_url("mlruns/").is_err());
    }

    #[test]
    fn mlflow_error_bodies() {
        let (code, msg) =
            server_message(br#"{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Run 'x' not found"}"#)
                .unwrap();
        assert_eq!((code.as_str(), msg.as_str()), ("RESOURCE_DOES_NOT_EXIST", "Run 'x' not found"));
        assert!(server_message(b"<html>Not Found</html>").is_none());
    }
}
