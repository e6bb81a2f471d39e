//! The one error type of runql-sql.

use datafusion::error::DataFusionError;

/// Everything that can make a query or a session call fail.
///
/// Messages are written for the person who typed the SQL: they name the statement, the
/// parameter or the function that was refused and say what is accepted instead.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// DataFusion refused or failed the query: a syntax error, an unknown table or column,
    /// a type error, or an error raised by one of runql's functions (their messages start
    /// with the function name, e.g. `tb_ema: weight must be ...`).
    #[error(transparent)]
    DataFusion(DataFusionError),
    /// Loading the run tables failed.
    #[error(transparent)]
    Core(#[from] runql_core::CoreError),
    /// The session is read-only and the statement would define, change or write something.
    #[error("runql is read-only here: {statement} is not allowed")]
    ReadOnly {
        /// The kind of statement that was refused, in SQL words (`CREATE EXTERNAL TABLE`,
        /// `INSERT`, `COPY`, `SET`, ...).
        statement: String,
    },
    /// The `$n` parameters do not match the query: too few, too many, or a value that
    /// cannot be converted to the type the query needs.
    #[error("query parameters: {0}")]
    Params(String),
    /// A query could not be driven to completion: no async runtime is available where one
    /// is needed, or a blocking call was made from inside an async runtime.
    #[error("runtime: {0}")]
    Runtime(String),
    /// The query would take more than the session allows: it nests too deeply, is too long,
    /// needs more memory than the session's limit, or asks a function for a value larger
    /// than one call may build. The message names the limit and how to raise it.
    #[error("query limit: {0}")]
    Limit(String),
}

impl From<DataFusionError> for SqlError {
    /// DataFusion's "resources exhausted" (the memory pool, a guarded function) becomes
    /// [`SqlError::Limit`], wherever in a chain of contexts it was raised.
    fn from(error: DataFusionError) -> Self {
        if let DataFusionError::ResourcesExhausted(message) = error.find_root() {
            return SqlError::Limit(message.clone());
        }
        SqlError::DataFusion(error)
    }
}

/// `Result` with [`SqlError`] as the default error.
pub type Result<T, E = SqlError> = std::result::Result<T, E>;
