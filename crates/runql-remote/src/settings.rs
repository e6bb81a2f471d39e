//! How runql talks to a tracking server: credentials, time limits and retries, read from the
//! environment variables the MLflow client reads, so a shell set up for `mlflow` works as is.

use std::time::Duration;

use crate::error::{RemoteError, Result};

/// Credentials sent with every request.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// No `Authorization` header.
    None,
    /// `Authorization: Bearer <token>` (`MLFLOW_TRACKING_TOKEN`).
    Bearer(String),
    /// HTTP basic auth (`MLFLOW_TRACKING_USERNAME` and `MLFLOW_TRACKING_PASSWORD`).
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: String,
    },
}

// Credentials must not reach logs or error messages through `{:?}`.
impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Bearer(_) => f.write_str("Bearer(…)"),
            Auth::Basic { username, .. } => write!(f, "Basic({username}, …)"),
        }
    }
}

/// Time limits, retries and credentials of a [`Client`](crate::Client).
///
/// ```
/// use std::time::Duration;
/// use runql_remote::{Auth, ClientSettings};
/// let vars = |name: &str| match name {
///     "MLFLOW_TRACKING_TOKEN" => Some("t0ken".to_string()),
///     "MLFLOW_HTTP_REQUEST_TIMEOUT" => Some("30".to_string()),
///     _ => None,
/// };
/// let s = ClientSettings::from_vars(vars)?;
/// assert_eq!(s.auth, Auth::Bearer("t0ken".into()));
/// assert_eq!(s.timeout, Duration::from_secs(30));
/// assert_eq!(s.max_retries, 7);
/// # Ok::<(), runql_remote::RemoteError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ClientSettings {
    /// Credentials.
    pub auth: Auth,
    /// Limit on one request, from connecting to the last byte of the body
    /// (`MLFLOW_HTTP_REQUEST_TIMEOUT`, default 120 s as in MLflow).
    pub timeout: Duration,
    /// Retries after a connection failure, a timeout or a 429/500/502/503/504 answer
    /// (`MLFLOW_HTTP_REQUEST_MAX_RETRIES`, default 7 as in MLflow).
    pub max_retries: u32,
    /// Retry n waits `backoff_factor × 2^(n−1)` seconds, at most 120, plus up to
    /// `backoff_jitter` seconds (`MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR`, default 2;
    /// `MLFLOW_HTTP_REQUEST_BACKOFF_JITTER`, default 1). A `Retry-After` header wins.
    pub backoff_factor: f64,
    /// See [`ClientSettings::backoff_factor`].
    pub backoff_jitter: f64,
    /// Largest response body read (256 MiB): a bigger one is an error, not an allocation.
    pub max_body_bytes: u64,
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            auth: Auth::None,
            timeout: Duration::from_secs(120),
            max_retries: 7,
            backoff_factor: 2.0,
            backoff_jitter: 1.0,
            max_body_bytes: 256 << 20,
        }
    }
}

/// The longest wait between two attempts, as in urllib3 (which the MLflow client uses).
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(120);

impl ClientSettings {
    /// Settings from this process's environment.
    ///
    /// # Errors
    /// [`RemoteError::BadSetting`] naming the variable, when one is set to something unusable.
    pub fn from_env() -> Result<ClientSettings> {
        ClientSettings::from_vars(|name| std::env::var(name).ok())
    }

    /// Settings from `var` (the environment, or a stand-in for it).
    ///
    /// # Errors
    /// As [`ClientSettings::from_env`].
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<ClientSettings> {
        let mut s = ClientSettings::default();
        let set = |name: &str| var(name).filter(|v| !v.is_empty());
        let bad = |name: &str, value: &str, what: &str| RemoteError::BadSetting {
            name: name.to_string(),
            value: value.to_string(),
            what: what.to_string(),
        };
        let number = |name: &str| -> Result<Option<f64>> {
            match set(name) {
                None => Ok(None),
                Some(v) => match v.trim().parse::<f64>() {
                    Ok(n) if n.is_finite() && n >= 0.0 => Ok(Some(n)),
                    _ => Err(bad(name, &v, "a number of seconds, 0 or more")),
                },
            }
        };
        if let Some(token) = set("MLFLOW_TRACKING_TOKEN") {
            s.auth = Auth::Bearer(token);
        } else if let Some(username) = set("MLFLOW_TRACKING_USERNAME") {
            let password = var("MLFLOW_TRACKING_PASSWORD").unwrap_or_default();
            s.auth = Auth::Basic { username, password };
        }
        if let Some(t) = number("MLFLOW_HTTP_REQUEST_TIMEOUT")? {
            if t == 0.0 {
                return Err(bad("MLFLOW_HTTP_REQUEST_TIMEOUT", "0", "a time limit above 0 seconds"));
            }
            s.timeout = Duration::from_secs_f64(t.min(86_400.0));
        }
        if let Some(v) = set("MLFLOW_HTTP_REQUEST_MAX_RETRIES") {
            s.max_retries =
                v.trim().parse::<u32>().ok().filter(|n| *n <= 100).ok_or_else(|| {
                    bad("MLFLOW_HTTP_REQUEST_MAX_RETRIES", &v, "a whole number from 0 to 100")
                })?;
        }
        if let Some(f) = number("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR")? {
            s.backoff_factor = f;
        }
        if let Some(j) = number("MLFLOW_HTTP_REQUEST_BACKOFF_JITTER")? {
            if j > MAX_BACKOFF.as_secs_f64() {
                return Err(bad("MLFLOW_HTTP_REQUEST_BACKOFF_JITTER", &j.to_string(), "at most 120 seconds"));
            }
            s.backoff_jitter = j;
        }
        Ok(s)
    }

    /// How long to wait before retry `n` (1-based), without the jitter.
    ///
    /// ```
    /// use std::time::Duration;
    /// use runql_remote::ClientSettings;
    /// let s = ClientSettings::default();
    /// assert_eq!(s.backoff(1), Duration::from_secs(2));
    /// assert_eq!(s.backoff(3), Duration::from_secs(8));
    /// assert_eq!(s.backoff(30), Duration::from_secs(120));
    /// ```
    pub fn backoff(&self, n: u32) -> Duration {
        let secs = self.backoff_factor * 2f64.powi(n.saturating_sub(1).min(62) as i32);
        // A factor set from outside is finite and not negative, but may overflow to inf here.
        Duration::try_from_secs_f64(secs.min(MAX_BACKOFF.as_secs_f64())).unwrap_or(MAX_BACKOFF)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    }

    #[test]
    fn basic_auth_and_the_token_winning() {
        let s = ClientSettings::from_vars(vars(&[
            ("MLFLOW_TRACKING_USERNAME", "ada"),
            ("MLFLOW_TRACKING_PASSWORD", "pw"),
        ]))
        .unwrap();
        assert_eq!(s.auth, Auth::Basic { username: "ada".into(), password: "pw".into() });
        assert_eq!(format!("{:?}", s.auth), "Basic(ada, …)", "no password in debug output");
        let s = ClientSettings::from_vars(vars(&[
            ("MLFLOW_TRACKING_TOKEN", "tok"),
            ("MLFLOW_TRACKING_USERNAME", "ada"),
        ]))
        .unwrap();
        assert_eq!(s.auth, Auth::Bearer("tok".into()));
        assert!(!format!("{s:?}").contains("tok\""), "{s:?}");
    }

    #[test]
    fn unusable_values_name_their_variable() {
        for (name, value) in [
            ("MLFLOW_HTTP_REQUEST_TIMEOUT", "soon"),
            ("MLFLOW_HTTP_REQUEST_TIMEOUT", "0"),
            ("MLFLOW_HTTP_REQUEST_TIMEOUT", "-1"),
            ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "many"),
            ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1000"),
            ("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "NaN"),
            ("MLFLOW_HTTP_REQUEST_BACKOFF_JITTER", "1e20"),
        ] {
            let e = ClientSettings::from_vars(vars(&[(name, value)])).unwrap_err().to_string();
            assert!(e.starts_with(&format!("{name}=")), "{e}");
        }
        let s = ClientSettings::from_vars(vars(&[
            ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0"),
            ("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0.5"),
        ]))
        .unwrap();
        assert_eq!((s.max_retries, s.backoff(2)), (0, Duration::from_secs(1)));
    }
}
