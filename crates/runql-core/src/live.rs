//! The wire types of a watched source (`runql serve --watch`): what a page asks to follow
//! runs while they train. The server's endpoints are described in the CLI's `http::live`.

use serde::{Deserialize, Serialize};

/// `GET /live/status`: the version of the tables now and where they are.
///
/// ```
/// use runql_core::live::LiveStatus;
/// let status: LiveStatus = serde_json::from_str(
///     r#"{"version": 3, "data": ["/live/tables/3/runs.parquet"], "report": "/live/report.json"}"#,
/// )?;
/// assert_eq!(status.version, 3);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LiveStatus {
    /// How many rounds changed the tables since the server started.
    pub version: u64,
    /// URLs of the seven tables of this version (runql's own Parquet or Arrow files).
    pub data: Vec<String>,
    /// URL of the load report as of now (JSON, as `runql info --json` prints it).
    pub report: String,
}

/// What a page at some version is to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum LiveState {
    /// Nothing changed (the wait ended first).
    Current,
    /// Apply the change: drop the rows of the removed runs and models, add `tables`.
    Changes,
    /// The page's version is too old to catch up from: load `/live/status` again.
    Reload,
}

/// `GET /live/changes?since=V`: the rows that changed since version V, as one change.
///
/// ```
/// use runql_core::live::{LiveChanges, LiveState};
/// let c: LiveChanges = serde_json::from_str(
///     r#"{"state": "changes", "version": 4, "removed_runs": ["r1"], "removed_models": [],
///         "runs_changed": 1, "tables": ["/live/delta/3-4/runs.arrows"]}"#,
/// )?;
/// assert_eq!(c.state, LiveState::Changes);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LiveChanges {
    /// What to do.
    pub state: LiveState,
    /// The version the page is at once it did it.
    pub version: u64,
    /// Runs whose rows go from every table keyed by `run_id` (they may come back in
    /// `tables`).
    pub removed_runs: Vec<String>,
    /// `models.origin` values whose rows go.
    pub removed_models: Vec<String>,
    /// Runs whose rows were replaced, added or removed.
    pub runs_changed: u64,
    /// URLs of the seven tables of added rows, as Arrow IPC streams named `<table>.arrows`.
    pub tables: Vec<String>,
}
