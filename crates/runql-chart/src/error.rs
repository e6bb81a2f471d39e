//! The one error type of runql-chart.

/// What can go wrong building or drawing a chart.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The spec is not valid JSON, names an unknown field, or has a value out of range.
    #[error("chart spec: {0}")]
    Spec(String),
    /// The spec names a column the query result does not have, or one of the wrong type.
    #[error("chart data: {0}")]
    Data(String),
    /// A drawing backend failed (writing SVG, PNG, or to a canvas).
    #[error("drawing: {0}")]
    Draw(String),
}

/// Result alias of runql-chart.
pub type Result<T, E = ChartError> = std::result::Result<T, E>;
