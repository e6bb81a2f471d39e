//! The one error type of runql-remote.

/// Why reading a server failed. Every variant names the request (method and URL) it is about.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// The address is not an `http://` or `https://` URL runql can use.
    #[error("{url}: {why}")]
    BadUrl {
        /// The address as given.
        url: String,
        /// What is wrong with it.
        why: String,
    },
    /// An environment variable that configures the client holds something unusable.
    #[error("{name}={value}: expected {what}")]
    BadSetting {
        /// The variable.
        name: String,
        /// Its value.
        value: String,
        /// What it should hold.
        what: String,
    },
    /// The server could not be reached, or the connection failed, after every retry.
    #[error("{request}: cannot reach the server after {attempts} attempts: {why}")]
    Unreachable {
        /// `GET <url>` or `POST <url>`.
        request: String,
        /// Attempts made (1 + retries).
        attempts: u32,
        /// The last failure.
        why: String,
    },
    /// The server refused the credentials (401) or the permission (403).
    #[error(
        "{request}: {status} {reason}: the server refused {what}. Set MLFLOW_TRACKING_TOKEN, or \
         MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, as for the MLflow client"
    )]
    Auth {
        /// `GET <url>` or `POST <url>`.
        request: String,
        /// 401 or 403.
        status: u16,
        /// The status's reason phrase.
        reason: String,
        /// "the request without credentials" or "these credentials".
        what: &'static str,
    },
    /// The server answered 404 where an MLflow tracking server has the endpoint.
    #[error("{request}: 404 Not Found: no MLflow tracking server API at this address{hint}")]
    NotMlflow {
        /// `GET <url>` or `POST <url>`.
        request: String,
        /// What to check.
        hint: String,
    },
    /// Any other status that is not a success, after the retries the status allows.
    #[error("{request}: {status} {reason}{message}")]
    Status {
        /// `GET <url>` or `POST <url>`.
        request: String,
        /// The HTTP status.
        status: u16,
        /// Its reason phrase.
        reason: String,
        /// `: <the server's message>`, when its body names one.
        message: String,
    },
    /// The server answered, but holds no active runs.
    #[error("{url}: the tracking server lists {experiments} active experiments and no active runs")]
    NoRuns {
        /// The server.
        url: String,
        /// Active experiments it lists.
        experiments: usize,
    },
    /// The server answered, but not with what the API defines (not JSON, wrong shape, too
    /// large, cut off).
    #[error("{request}: {why}")]
    BadResponse {
        /// `GET <url>` or `POST <url>`.
        request: String,
        /// What is wrong with the response.
        why: String,
    },
}

/// `Result` with [`RemoteError`].
pub type Result<T, E = RemoteError> = std::result::Result<T, E>;
