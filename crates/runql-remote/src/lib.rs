//! runql's live sources: a running MLflow tracking server read over its REST API.
//!
//! A server is read into a [`FileTree`](runql_core::FileTree) of its JSON answers (search
//! pages, metric histories, the model registry), which `runql_readers::load` then loads like
//! any folder, so a server and a saved copy of its answers give the same tables. Credentials,
//! time limits and retries come from the environment variables the MLflow client reads
//! ([`ClientSettings::from_env`]).
//!
//! ```no_run
//! use runql_remote::mlflow::{FetchOptions, fetch};
//! use runql_remote::ClientSettings;
//! let options = FetchOptions { settings: ClientSettings::from_env()?, ..FetchOptions::default() };
//! let fetched = fetch("http://127.0.0.1:5000", &options)?;
//! let loaded = runql_readers::load(&[fetched.tree], &runql_readers::LoadOptions::default());
//! # Ok::<(), runql_remote::RemoteError>(())
//! ```

pub mod client;
mod error;
pub mod mlflow;
pub mod pages;
pub mod pool;
mod settings;

pub use client::{Client, Response, Retry};
pub use error::{RemoteError, Result};
pub use settings::{Auth, ClientSettings};

/// True when `input` names a server (`http://…` or `https://…`) rather than a path.
///
/// ```
/// assert!(runql_remote::is_remote("http://127.0.0.1:5000"));
/// assert!(runql_remote::is_remote("HTTPS://mlflow.example.org"));
/// assert!(!runql_remote::is_remote("mlruns/"));
/// ```
pub fn is_remote(input: &str) -> bool {
    let lower = input.trim_start().get(..8).unwrap_or(input).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}
