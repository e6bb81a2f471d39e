//! The one error type of the bindings, and its single conversion to a JavaScript `Error`.

use runql_core::{CoreError, ErrorKind};
use runql_sql::SqlError;
use wasm_bindgen::JsValue;

/// Everything a call into runql from JavaScript can fail with.
///
/// JavaScript sees an `Error` whose `name` is `"RunQLError"`, whose `kind` is one of the
/// strings returned by [`WasmError::kind`], and whose `message` says what went wrong.
#[derive(Debug, thiserror::Error)]
pub enum WasmError {
    /// The SQL did not parse, plan or run (unknown table or column, type error, ...).
    #[error("{0}")]
    Sql(String),
    /// The statement would change something; runql is read-only in the browser.
    #[error("{0}")]
    ReadOnly(String),
    /// The `$n` parameters do not fit the query.
    #[error("{0}")]
    Params(String),
    /// Tables handed over by the loader module could not be taken (see
    /// `runql_core::transfer`); the loader's own errors have the same kinds.
    #[error("{0}")]
    Load(String),
    /// The query could not be driven to completion.
    #[error("{0}")]
    Runtime(String),
    /// A chart spec is invalid, or its data cannot be drawn as asked.
    #[error("{0}")]
    Chart(String),
    /// The query would take more than the instance allows (nesting, memory, the size of a
    /// value); refused before it could trap the instance, which stays usable.
    #[error("{0}")]
    Limit(String),
    /// A bug in runql: please report it with the message.
    #[error("internal error: {0}")]
    Internal(String),
}

impl WasmError {
    /// The `kind` JavaScript sees: `sql`, `read_only`, `params`, `load`,
    /// `runtime`, `chart`, `limit` or `internal`.
    pub fn kind(&self) -> ErrorKind {
        match self {
            WasmError::Sql(_) => ErrorKind::Sql,
            WasmError::ReadOnly(_) => ErrorKind::ReadOnly,
            WasmError::Params(_) => ErrorKind::Params,
            WasmError::Load(_) => ErrorKind::Load,
            WasmError::Runtime(_) => ErrorKind::Runtime,
            WasmError::Chart(_) => ErrorKind::Chart,
            WasmError::Limit(_) => ErrorKind::Limit,
            WasmError::Internal(_) => ErrorKind::Internal,
        }
    }
}

impl From<SqlError> for WasmError {
    fn from(err: SqlError) -> Self {
        let message = err.to_string();
        match err {
            SqlError::DataFusion(_) => WasmError::Sql(message),
            SqlError::ReadOnly { .. } => WasmError::ReadOnly(message),
            SqlError::Params(_) => WasmError::Params(message),
            SqlError::Core(_) => WasmError::Load(message),
            SqlError::Runtime(_) => WasmError::Runtime(message),
            SqlError::Limit(_) => WasmError::Limit(message),
        }
    }
}

impl From<runql_chart::ChartError> for WasmError {
    fn from(err: runql_chart::ChartError) -> Self {
        WasmError::Chart(err.to_string())
    }
}

impl From<runql::EngineError> for WasmError {
    /// The engine's error as the layer that failed, so its `kind` stays that layer's.
    fn from(err: runql::EngineError) -> Self {
        match err {
            runql::EngineError::Load(e) => e.into(),
            runql::EngineError::Sql(e) => e.into(),
            runql::EngineError::Chart(e) => e.into(),
        }
    }
}

impl From<CoreError> for WasmError {
    fn from(err: CoreError) -> Self {
        WasmError::Load(err.to_string())
    }
}

impl From<runql_sql::datafusion::arrow::error::ArrowError> for WasmError {
    fn from(err: runql_sql::datafusion::arrow::error::ArrowError) -> Self {
        WasmError::Internal(format!("arrow: {err}"))
    }
}

impl From<serde_wasm_bindgen::Error> for WasmError {
    fn from(err: serde_wasm_bindgen::Error) -> Self {
        WasmError::Internal(format!("converting to JavaScript: {err}"))
    }
}

impl From<WasmError> for JsValue {
    fn from(err: WasmError) -> Self {
        runql_wasm_shared::runql_error(err.kind(), &err.to_string())
    }
}

/// `Result` with [`WasmError`] as the default error.
pub type Result<T, E = WasmError> = std::result::Result<T, E>;
