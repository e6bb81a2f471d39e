//! The one error type of the loader module, and its conversion to a JavaScript `Error`.

use runql_core::{CoreError, ErrorKind};
use wasm_bindgen::JsValue;

/// Everything a call into the loader from JavaScript can fail with.
///
/// JavaScript sees an `Error` whose `name` is `"RunQLError"`, whose `kind` is one of the
/// strings returned by [`LoadError::kind`] (the same kinds the query module uses), and whose
/// `message` says what went wrong.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The inputs could not be loaded: no run data, an unreadable zip, a duplicate run.
    #[error("{0}")]
    Load(String),
    /// An argument from JavaScript is out of range (a demo spec, an unknown format).
    #[error("{0}")]
    Input(String),
    /// A bug in runql: please report it with the message.
    #[error("internal error: {0}")]
    Internal(String),
}

impl LoadError {
    /// The `kind` JavaScript sees: `"load"`, `"input"` or `"internal"`.
    ///
    /// # Examples
    ///
    /// ```
    /// use runql_wasm_load::LoadError;
    /// assert_eq!(LoadError::Input("runs must be at least 1".into()).kind().as_str(), "input");
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            LoadError::Load(_) => ErrorKind::Load,
            LoadError::Input(_) => ErrorKind::Input,
            LoadError::Internal(_) => ErrorKind::Internal,
        }
    }
}

impl From<CoreError> for LoadError {
    fn from(err: CoreError) -> Self {
        LoadError::Load(err.to_string())
    }
}

impl From<serde_wasm_bindgen::Error> for LoadError {
    fn from(err: serde_wasm_bindgen::Error) -> Self {
        LoadError::Internal(format!("converting to JavaScript: {err}"))
    }
}

impl From<LoadError> for JsValue {
    fn from(err: LoadError) -> Self {
        runql_wasm_shared::runql_error(err.kind(), &err.to_string())
    }
}

/// `Result` with [`LoadError`] as the default error.
pub type Result<T, E = LoadError> = std::result::Result<T, E>;
