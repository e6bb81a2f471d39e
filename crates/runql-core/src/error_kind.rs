//! The kinds of error a caller of runql can tell apart, named the same in every language:
//! the `kind` of a JavaScript `RunQLError` (and so of the Jupyter widget's `error`), and
//! `ErrorKind` in the JSON Schema of the wire types.

use serde::{Deserialize, Serialize};

/// What went wrong, as a front end reports it.
///
/// ```
/// use runql_core::ErrorKind;
/// assert_eq!(ErrorKind::ReadOnly.as_str(), "read_only");
/// assert!(ErrorKind::ALL.contains(&ErrorKind::Cancelled));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum ErrorKind {
    /// The SQL does not parse, plan or run.
    Sql,
    /// The statement would write, define or change something, and the session is read-only.
    ReadOnly,
    /// The query's `$n` parameters are missing, extra or of the wrong type.
    Params,
    /// The input holds no run data, or cannot be read as a whole.
    Load,
    /// The caller passed something unusable (not a file, a closed instance, a freed chart).
    Input,
    /// The engine's runtime could not run the call.
    Runtime,
    /// A chart spec is invalid, or its rows cannot be drawn.
    Chart,
    /// A query went over a memory, time, size or nesting limit.
    Limit,
    /// The call was aborted or ran out of time (made by the JavaScript package).
    Cancelled,
    /// A bug in runql: please report it.
    Internal,
}

impl ErrorKind {
    /// Every kind, in the order of the declaration.
    pub const ALL: [ErrorKind; 10] = [
        ErrorKind::Sql,
        ErrorKind::ReadOnly,
        ErrorKind::Params,
        ErrorKind::Load,
        ErrorKind::Input,
        ErrorKind::Runtime,
        ErrorKind::Chart,
        ErrorKind::Limit,
        ErrorKind::Cancelled,
        ErrorKind::Internal,
    ];

    /// The kind's name on the wire (`"read_only"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Sql => "sql",
            ErrorKind::ReadOnly => "read_only",
            ErrorKind::Params => "params",
            ErrorKind::Load => "load",
            ErrorKind::Input => "input",
            ErrorKind::Runtime => "runtime",
            ErrorKind::Chart => "chart",
            ErrorKind::Limit => "limit",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Internal => "internal",
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
