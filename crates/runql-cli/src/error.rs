//! The one error type of the CLI, with the exit code each kind maps to.

use std::process::ExitCode;

/// Everything a `runql` command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Loading input failed as a whole (bad path, nothing recognized).
    #[error(transparent)]
    Load(#[from] runql_core::CoreError),
    /// The query failed (syntax, unknown column, read-only violation).
    #[error(transparent)]
    Sql(#[from] runql_sql::SqlError),
    /// A chart could not be built or drawn (bad spec, missing column).
    #[error(transparent)]
    Chart(#[from] runql_chart::ChartError),
    /// Formatting or writing the result failed.
    #[error("cannot write output: {0}")]
    Output(String),
    /// The arguments make no sense together.
    #[error("{0}")]
    Usage(String),
    /// `runql serve` could not go on serving (its runtime or listening socket failed).
    #[error("{0}")]
    Serve(String),
    /// `--strict` was given and the load skipped something.
    #[error("{0} records were skipped while loading (see `runql info`); failing because of --strict")]
    Strict(u64),
}

impl CliError {
    /// 2 for usage errors (as clap does), 3 for load failures, 4 for query failures,
    /// 1 otherwise, so scripts can tell them apart.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Usage(_) => ExitCode::from(2),
            CliError::Load(_) | CliError::Strict(_) => ExitCode::from(3),
            CliError::Sql(_) => ExitCode::from(4),
            CliError::Chart(runql_chart::ChartError::Spec(_)) => ExitCode::from(2),
            CliError::Chart(_) => ExitCode::from(4),
            CliError::Output(_) | CliError::Serve(_) => ExitCode::from(1),
        }
    }
}

impl From<runql::EngineError> for CliError {
    /// The engine's error as the layer that failed, so its exit code stays that layer's.
    fn from(e: runql::EngineError) -> Self {
        match e {
            runql::EngineError::Load(e) => CliError::Load(e),
            runql::EngineError::Sql(e) => CliError::Sql(e),
            runql::EngineError::Chart(e) => CliError::Chart(e),
        }
    }
}

/// `Result` with [`CliError`].
pub type Result<T, E = CliError> = std::result::Result<T, E>;
