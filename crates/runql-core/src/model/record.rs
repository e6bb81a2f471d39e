//! Plain Rust records that readers fill in, one [`RunData`] per run.

/// Run-level attributes (one row of the `runs` table).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunInfo {
    /// Unique id of the run within everything loaded together.
    pub run_id: String,
    /// The tracker the run came from: `mlflow`, `wandb`, `tensorboard`, `neptune`, `csv`, ….
    pub source: String,
    /// Experiment or project name.
    pub project: Option<String>,
    /// Experiment id in the source tracker.
    pub experiment_id: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Group (W&B group, sweep id); `group` itself is a reserved word in SQL.
    pub run_group: Option<String>,
    /// Parent run for nested runs.
    pub parent_run_id: Option<String>,
    /// `RUNNING`, `SCHEDULED`, `FINISHED`, `FAILED`, `KILLED` (MLflow names).
    pub status: Option<String>,
    /// `active` or `deleted`.
    pub lifecycle: Option<String>,
    /// Who ran it.
    pub user: Option<String>,
    /// Start time, epoch milliseconds.
    pub created_at_ms: Option<i64>,
    /// End time, epoch milliseconds.
    pub ended_at_ms: Option<i64>,
    /// Where the run was loaded from (folder or file), for tracing data back.
    pub origin: String,
    /// Where the tracker keeps the run's artifacts.
    pub artifact_uri: Option<String>,
}

/// All points of one metric key of one run, in the order the source holds them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricSeries {
    /// Metric key, e.g. `val/loss`.
    pub key: String,
    /// Step of each point.
    pub steps: Vec<i64>,
    /// Wall-clock time of each point in epoch milliseconds, `None` when the source has none.
    pub timestamps: Vec<Option<i64>>,
    /// Value of each point; NaN and ±inf are kept.
    pub values: Vec<f64>,
}

impl MetricSeries {
    /// An empty series for `key`.
    pub fn new(key: impl Into<String>) -> Self {
        Self { key: key.into(), ..Self::default() }
    }

    /// Appends one point.
    pub fn push(&mut self, step: i64, timestamp_ms: Option<i64>, value: f64) {
        self.steps.push(step);
        self.timestamps.push(timestamp_ms);
        self.values.push(value);
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when the series holds no point.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Everything one run holds: attributes, params, tags and metric series.
///
/// ```
/// use runql_core::model::{MetricSeries, RunData, RunInfo};
/// let mut loss = MetricSeries::new("val/loss");
/// loss.push(0, Some(1_700_000_000_000), 0.9);
/// let run = RunData {
///     info: RunInfo { run_id: "r1".into(), source: "mlflow".into(), ..Default::default() },
///     params: vec![("lr".into(), "0.001".into())],
///     tags: vec![("model_size".into(), Some("7b".into()))],
///     metrics: vec![loss],
/// };
/// assert_eq!(run.metrics[0].len(), 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunData {
    /// Run attributes.
    pub info: RunInfo,
    /// `(key, value as written)`; nested configs are flattened to `a.b.c` paths by readers.
    pub params: Vec<(String, String)>,
    /// `(key, value)`; a bare tag has no value.
    pub tags: Vec<(String, Option<String>)>,
    /// Metric series, one per key.
    pub metrics: Vec<MetricSeries>,
}

/// A model: an MLflow 3 logged model or a model-registry version.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelRecord {
    /// `logged_model` or `registered_version`.
    pub kind: String,
    /// Model name.
    pub name: String,
    /// Registry version number (registered versions only).
    pub version: Option<i64>,
    /// MLflow 3 model id (`m-…`).
    pub model_id: Option<String>,
    /// The run that produced it.
    pub run_id: Option<String>,
    /// Registry stage (`None`, `Staging`, `Production`, `Archived`).
    pub stage: Option<String>,
    /// Registry aliases pointing at this version, comma-separated.
    pub aliases: Option<String>,
    /// Status as written by the tracker.
    pub status: Option<String>,
    /// Creation time, epoch milliseconds.
    pub created_at_ms: Option<i64>,
    /// Artifact location of the model.
    pub source: Option<String>,
    /// Where it was loaded from.
    pub origin: String,
}
