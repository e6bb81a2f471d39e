//! The one error type of the runql engine.

/// What can go wrong in an [`Engine`](crate::Engine) call: the error of the layer that
/// failed, unchanged, so its kind (SQL, limit, read-only, chart, load) stays visible.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Loading failed as a whole (nothing recognized, a duplicate run, an unreadable root).
    #[error(transparent)]
    Load(#[from] runql_core::CoreError),
    /// A query failed, was refused (read-only, limits) or its parameters did not bind.
    #[error(transparent)]
    Sql(#[from] runql_sql::SqlError),
    /// A chart spec is invalid or its rows cannot be drawn.
    #[error(transparent)]
    Chart(#[from] runql_chart::ChartError),
}

/// `Result` with [`EngineError`] as the default error.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;
