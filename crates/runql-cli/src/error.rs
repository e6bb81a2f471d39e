//! The one error type of the CLI, with the exit code each kind maps to.

use std::process::ExitCode;

/// Everything a `runql` command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Loading, a query or a chart failed, as the engine reports it (bad path, nothing
    /// recognized; syntax, unknown column, read-only violation, a limit; bad spec).
    #[error(transparent)]
    Engine(#[from] runql::EngineError),
    /// A tracking server could not be read (unreachable, credentials refused, not MLflow).
    #[error(transparent)]
    Remote(runql_remote::RemoteError),
    /// A watched path could not be read or loaded (`runql serve --watch`).
    #[error(transparent)]
    Live(runql_live::LiveError),
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
    /// 2 for usage errors (as clap does) and invalid chart specs, 3 for load failures, 4 for
    /// query failures, 1 otherwise, so scripts can tell them apart.
    pub fn exit_code(&self) -> ExitCode {
        use runql::EngineError;
        match self {
            CliError::Usage(_) | CliError::Engine(EngineError::Chart(runql_chart::ChartError::Spec(_))) => {
                ExitCode::from(2)
            }
            CliError::Engine(EngineError::Load(_))
            | CliError::Strict(_)
            | CliError::Remote(_)
            | CliError::Live(_) => ExitCode::from(3),
            CliError::Engine(EngineError::Sql(_) | EngineError::Chart(_)) => ExitCode::from(4),
            CliError::Output(_) | CliError::Serve(_) => ExitCode::from(1),
        }
    }
}

// The layers' errors, where a command meets them directly (loading with progress, writing
// output), are the engine's.
impl From<runql_core::CoreError> for CliError {
    fn from(e: runql_core::CoreError) -> Self {
        CliError::Engine(e.into())
    }
}

impl From<runql_sql::SqlError> for CliError {
    fn from(e: runql_sql::SqlError) -> Self {
        CliError::Engine(e.into())
    }
}

impl From<runql_chart::ChartError> for CliError {
    fn from(e: runql_chart::ChartError) -> Self {
        CliError::Engine(e.into())
    }
}

/// `Result` with [`CliError`].
pub type Result<T, E = CliError> = std::result::Result<T, E>;
