//! [`TablesBuilder`] collects runs from readers; [`RunTables`] is the finished set of Arrow
//! tables.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::builder::{Float64Builder, StringBuilder};
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, DictionaryArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
    TimestampMillisecondArray,
};
use arrow_buffer::NullBufferBuilder;
use arrow_schema::SchemaRef;

use super::record::{ModelRecord, RunData, RunInfo};
use super::summary::{SeriesSummary, summarize};
use super::{schema, value, wide};
use crate::error::{CoreError, Result};
use crate::report::TableCounts;

/// The normalized tables as Arrow record batches, ready to register with a SQL engine.
///
/// ```
/// use runql_core::model::{RunData, RunInfo, TablesBuilder};
/// let mut builder = TablesBuilder::new();
/// builder.add_run(RunData {
///     info: RunInfo { run_id: "r1".into(), source: "mlflow".into(), origin: "mlruns".into(), ..Default::default() },
///     ..Default::default()
/// })?;
/// let tables = builder.finish()?;
/// assert_eq!(tables.runs.num_rows(), 1);
/// assert_eq!(tables.tables().count(), 7);
/// # Ok::<(), runql_core::CoreError>(())
/// ```
#[derive(Debug, Clone)]
pub struct RunTables {
    /// One row per run.
    pub runs: RecordBatch,
    /// One row per run and param.
    pub params: RecordBatch,
    /// One row per metric point.
    pub metrics: RecordBatch,
    /// One row per run and tag.
    pub tags: RecordBatch,
    /// One row per run and metric key.
    pub metric_summary: RecordBatch,
    /// One row per run with `params.<key>`, `metrics.<key>` (last value), `tags.<key>` columns.
    pub runs_wide: RecordBatch,
    /// Logged models and registry versions.
    pub models: RecordBatch,
}

impl RunTables {
    /// `(name, batch)` for every table, in [`schema::TABLE_NAMES`] order.
    pub fn tables(&self) -> impl Iterator<Item = (&'static str, &RecordBatch)> {
        let batches = [
            &self.runs,
            &self.params,
            &self.metrics,
            &self.tags,
            &self.metric_summary,
            &self.runs_wide,
            &self.models,
        ];
        schema::TABLE_NAMES.into_iter().zip(batches)
    }

    /// `(name, batch)` for every table, in [`schema::TABLE_NAMES`] order, by value: for
    /// handing the tables on one at a time and freeing each as it goes.
    pub fn into_tables(self) -> [(&'static str, RecordBatch); 7] {
        let [runs, params, metrics, tags, metric_summary, runs_wide, models] = schema::TABLE_NAMES;
        [
            (runs, self.runs),
            (params, self.params),
            (metrics, self.metrics),
            (tags, self.tags),
            (metric_summary, self.metric_summary),
            (runs_wide, self.runs_wide),
            (models, self.models),
        ]
    }

    /// Row counts of every table.
    pub fn counts(&self) -> TableCounts {
        TableCounts {
            runs: self.runs.num_rows() as u64,
            params: self.params.num_rows() as u64,
            metrics: self.metrics.num_rows() as u64,
            tags: self.tags.num_rows() as u64,
            metric_summary: self.metric_summary.num_rows() as u64,
            models: self.models.num_rows() as u64,
        }
    }
}

/// A run's position in the builder, used as the dictionary key of `metrics.run_id`.
type RunIdx = i32;

/// Accumulates runs into column vectors; [`Self::finish`] turns them into [`RunTables`].
#[derive(Debug)]
pub struct TablesBuilder {
    runs: Vec<RunInfo>,
    run_index: HashMap<String, RunIdx>,
    params: Vec<(RunIdx, String, String)>,
    tags: Vec<(RunIdx, String, Option<String>)>,
    metric_keys: Vec<String>,
    metric_key_index: HashMap<String, i32>,
    /// Points per series, in the order of `summaries`: the run and key columns of `metrics`
    /// are written out from these at the end, at their exact size, instead of growing
    /// with every point.
    series_points: Vec<usize>,
    point_step: Vec<i64>,
    /// Timestamps, with `point_ts_valid` saying which are present (8 bytes and a bit per
    /// point, not the 16 of an `Option<i64>`).
    point_ts: Vec<i64>,
    point_ts_valid: NullBufferBuilder,
    point_value: Vec<f64>,
    summaries: Vec<(RunIdx, i32, SeriesSummary)>,
    models: Vec<ModelRecord>,
}

impl Default for TablesBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl TablesBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self {
            runs: Vec::new(),
            run_index: HashMap::new(),
            params: Vec::new(),
            tags: Vec::new(),
            metric_keys: Vec::new(),
            metric_key_index: HashMap::new(),
            series_points: Vec::new(),
            point_step: Vec::new(),
            point_ts: Vec::new(),
            point_ts_valid: NullBufferBuilder::new(0),
            point_value: Vec::new(),
            summaries: Vec::new(),
            models: Vec::new(),
        }
    }

    /// Number of runs added so far.
    pub fn run_count(&self) -> usize {
        self.runs.len()
    }

    /// True when nothing (no run, no model) was added yet.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty() && self.models.is_empty()
    }

    /// True when a run with this id was already added.
    pub fn has_run(&self, run_id: &str) -> bool {
        self.run_index.contains_key(run_id)
    }

    /// Adds one run with all its params, tags and metric points.
    ///
    /// # Errors
    /// [`CoreError::DuplicateRun`] when a run with the same id was already added; nothing of
    /// the second copy is kept. [`CoreError::InvalidArgument`] past 2^31 runs or keys.
    pub fn add_run(&mut self, run: RunData) -> Result<()> {
        if let Some(&idx) = self.run_index.get(&run.info.run_id) {
            let first = usize::try_from(idx)
                .ok()
                .and_then(|i| self.runs.get(i))
                .map(|r| r.origin.clone())
                .unwrap_or_default();
            return Err(CoreError::DuplicateRun { run_id: run.info.run_id, first, second: run.info.origin });
        }
        let idx = RunIdx::try_from(self.runs.len())
            .map_err(|_| CoreError::InvalidArgument("more than 2^31 runs".into()))?;
        self.run_index.insert(run.info.run_id.clone(), idx);
        self.runs.push(run.info);
        self.params.extend(run.params.into_iter().map(|(k, v)| (idx, k, v)));
        self.tags.extend(run.tags.into_iter().map(|(k, v)| (idx, k, v)));
        for series in run.metrics {
            let key = self.intern_key(series.key)?;
            let summary = summarize(&series.steps, &series.timestamps, &series.values);
            self.summaries.push((idx, key, summary));
            let n = series.values.len();
            self.series_points.push(n);
            self.point_step.extend(series.steps.iter().take(n));
            for ts in series.timestamps.iter().take(n) {
                self.point_ts.push(ts.unwrap_or_default());
                self.point_ts_valid.append(ts.is_some());
            }
            self.point_value.extend(series.values);
        }
        Ok(())
    }

    /// Adds a logged model or registry version.
    pub fn add_model(&mut self, model: ModelRecord) {
        self.models.push(model);
    }

    fn intern_key(&mut self, key: String) -> Result<i32> {
        if let Some(&k) = self.metric_key_index.get(&key) {
            return Ok(k);
        }
        let k = i32::try_from(self.metric_keys.len())
            .map_err(|_| CoreError::InvalidArgument("more than 2^31 metric keys".into()))?;
        self.metric_key_index.insert(key.clone(), k);
        self.metric_keys.push(key);
        Ok(k)
    }

    /// Builds the Arrow tables, including `metric_summary` and `runs_wide`.
    ///
    /// # Errors
    /// [`CoreError::Arrow`] only if column lengths disagree, which would be a bug.
    pub fn finish(self) -> Result<RunTables> {
        self.finish_with_limit(wide::DEFAULT_MAX_COLUMNS).map(|(tables, _)| tables)
    }

    /// Like [`Self::finish`] with an explicit cap on `runs_wide` columns; also returns how
    /// many keys were left out of `runs_wide` by the cap (their data stays in the long tables).
    ///
    /// # Errors
    /// As [`Self::finish`].
    pub fn finish_with_limit(self, max_wide_columns: usize) -> Result<(RunTables, u64)> {
        let runs = runs_batch(&self.runs)?;
        let (runs_wide, dropped) = wide::build(
            &runs,
            &self.params,
            &self.tags,
            &self.summaries,
            &self.metric_keys,
            max_wide_columns,
        )?;
        let run_ids: Vec<&str> = self.runs.iter().map(|r| r.run_id.as_str()).collect();
        let run_id_of = |i: RunIdx| -> &str {
            usize::try_from(i).ok().and_then(|i| run_ids.get(i)).copied().unwrap_or_default()
        };
        let params = params_batch(&self.params, &run_id_of)?;
        let tags = tags_batch(&self.tags, &run_id_of)?;
        let metric_summary = summary_batch(&self.summaries, &run_id_of, &self.metric_keys)?;
        let points = PointColumns {
            series: &self.summaries,
            series_points: &self.series_points,
            steps: self.point_step,
            timestamps: self.point_ts,
            timestamps_valid: self.point_ts_valid,
            values: self.point_value,
        };
        let metrics = metrics_batch(&run_ids, &self.metric_keys, points)?;
        let models = models_batch(&self.models)?;
        let tables = RunTables { runs, params, metrics, tags, metric_summary, runs_wide, models };
        Ok((tables, dropped))
    }
}

fn batch(schema: SchemaRef, columns: Vec<ArrayRef>) -> Result<RecordBatch> {
    Ok(RecordBatch::try_new(schema, columns)?)
}

fn strings<'a>(values: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    Arc::new(values.collect::<StringArray>())
}

fn timestamps(values: impl Iterator<Item = Option<i64>>) -> ArrayRef {
    Arc::new(values.collect::<TimestampMillisecondArray>().with_timezone("UTC"))
}

fn runs_batch(runs: &[RunInfo]) -> Result<RecordBatch> {
    let s = |f: fn(&RunInfo) -> Option<&str>| strings(runs.iter().map(f));
    let duration = runs
        .iter()
        .map(|r| match (r.created_at_ms, r.ended_at_ms) {
            (Some(a), Some(b)) => Some((b as f64 - a as f64) / 1000.0),
            _ => None,
        })
        .collect::<Float64Array>();
    batch(
        schema::runs(),
        vec![
            s(|r| Some(&r.run_id)),
            s(|r| Some(&r.source)),
            s(|r| r.project.as_deref()),
            s(|r| r.experiment_id.as_deref()),
            s(|r| r.name.as_deref()),
            s(|r| r.run_group.as_deref()),
            s(|r| r.parent_run_id.as_deref()),
            s(|r| r.status.as_deref()),
            s(|r| r.lifecycle.as_deref()),
            s(|r| r.user.as_deref()),
            timestamps(runs.iter().map(|r| r.created_at_ms)),
            timestamps(runs.iter().map(|r| r.ended_at_ms)),
            Arc::new(duration),
            s(|r| Some(&r.origin)),
            s(|r| r.artifact_uri.as_deref()),
        ],
    )
}

fn params_batch<'a>(
    params: &[(RunIdx, String, String)],
    run_id_of: &dyn Fn(RunIdx) -> &'a str,
) -> Result<RecordBatch> {
    let mut nums = Float64Builder::with_capacity(params.len());
    let mut types = StringBuilder::new();
    for (_, _, v) in params {
        let (ty, num) = value::classify(v);
        nums.append_option(num);
        types.append_value(ty);
    }
    batch(
        schema::params(),
        vec![
            strings(params.iter().map(|(r, _, _)| Some(run_id_of(*r)))),
            strings(params.iter().map(|(_, k, _)| Some(k.as_str()))),
            strings(params.iter().map(|(_, _, v)| Some(v.as_str()))),
            Arc::new(nums.finish()),
            Arc::new(types.finish()),
        ],
    )
}

fn tags_batch<'a>(
    tags: &[(RunIdx, String, Option<String>)],
    run_id_of: &dyn Fn(RunIdx) -> &'a str,
) -> Result<RecordBatch> {
    batch(
        schema::tags(),
        vec![
            strings(tags.iter().map(|(r, _, _)| Some(run_id_of(*r)))),
            strings(tags.iter().map(|(_, k, _)| Some(k.as_str()))),
            strings(tags.iter().map(|(_, _, v)| v.as_deref())),
        ],
    )
}

fn summary_batch<'a>(
    summaries: &[(RunIdx, i32, SeriesSummary)],
    run_id_of: &dyn Fn(RunIdx) -> &'a str,
    keys: &[String],
) -> Result<RecordBatch> {
    let key_of = |k: i32| -> &str {
        usize::try_from(k).ok().and_then(|k| keys.get(k)).map(String::as_str).unwrap_or_default()
    };
    let f = |get: fn(&SeriesSummary) -> Option<f64>| -> ArrayRef {
        Arc::new(summaries.iter().map(|(_, _, s)| get(s)).collect::<Float64Array>())
    };
    let i = |get: fn(&SeriesSummary) -> Option<i64>| -> ArrayRef {
        Arc::new(summaries.iter().map(|(_, _, s)| get(s)).collect::<Int64Array>())
    };
    batch(
        schema::metric_summary(),
        vec![
            strings(summaries.iter().map(|(r, _, _)| Some(run_id_of(*r)))),
            strings(summaries.iter().map(|(_, k, _)| Some(key_of(*k)))),
            f(|s| s.last),
            i(|s| s.last_step),
            i(|s| s.last_timestamp),
            f(|s| s.first),
            i(|s| s.first_step),
            f(|s| s.min),
            i(|s| s.min_step),
            f(|s| s.max),
            i(|s| s.max_step),
            f(|s| s.mean),
            i(|s| Some(s.count)),
            i(|s| Some(s.nan_count)),
        ],
    )
}

fn dictionary(keys: Vec<i32>, values: &[impl AsRef<str>]) -> Result<ArrayRef> {
    let values: StringArray = values.iter().map(|v| Some(v.as_ref())).collect();
    let array = DictionaryArray::<Int32Type>::try_new(Int32Array::from(keys), Arc::new(values))?;
    Ok(Arc::new(array))
}

/// The collected points of every series, column by column.
struct PointColumns<'a> {
    /// `(run, key, _)` of each series, in the order their points were added.
    series: &'a [(RunIdx, i32, SeriesSummary)],
    series_points: &'a [usize],
    steps: Vec<i64>,
    timestamps: Vec<i64>,
    timestamps_valid: NullBufferBuilder,
    values: Vec<f64>,
}

fn metrics_batch(run_ids: &[&str], keys: &[String], points: PointColumns<'_>) -> Result<RecordBatch> {
    let mut points = points;
    // The point vectors grew by doubling; their spare capacity goes back before the run and
    // key columns are written, so that those can take its place.
    points.steps.shrink_to_fit();
    points.timestamps.shrink_to_fit();
    points.values.shrink_to_fit();
    let total = points.values.len();
    let mut point_run = Vec::with_capacity(total);
    let mut point_key = Vec::with_capacity(total);
    for ((run, key, _), &n) in points.series.iter().zip(points.series_points) {
        point_run.extend(std::iter::repeat_n(*run, n));
        point_key.extend(std::iter::repeat_n(*key, n));
    }
    let timestamps = Int64Array::try_new(points.timestamps.into(), points.timestamps_valid.build())?;
    batch(
        schema::metrics(),
        vec![
            dictionary(point_run, run_ids)?,
            dictionary(point_key, keys)?,
            Arc::new(Int64Array::from(points.steps)),
            Arc::new(timestamps),
            Arc::new(Float64Array::from(points.values)),
        ],
    )
}

fn models_batch(models: &[ModelRecord]) -> Result<RecordBatch> {
    let s = |f: fn(&ModelRecord) -> Option<&str>| strings(models.iter().map(f));
    batch(
        schema::models(),
        vec![
            s(|m| Some(&m.kind)),
            s(|m| Some(&m.name)),
            Arc::new(models.iter().map(|m| m.version).collect::<Int64Array>()),
            s(|m| m.model_id.as_deref()),
            s(|m| m.run_id.as_deref()),
            s(|m| m.stage.as_deref()),
            s(|m| m.aliases.as_deref()),
            s(|m| m.status.as_deref()),
            timestamps(models.iter().map(|m| m.created_at_ms)),
            s(|m| m.source.as_deref()),
            s(|m| Some(&m.origin)),
        ],
    )
}
