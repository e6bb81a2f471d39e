//! The slow path: runql tables back into per-run records, so they can be merged with other
//! inputs (or with another set of tables) through [`runql_core::TablesBuilder`], which recomputes
//! `metric_summary` and `runs_wide` from them.

use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type, TimestampMillisecondType};
use arrow_array::{Array, RecordBatch};

use super::conform::codes;
use crate::columnar::Table;
use runql_core::model::{MetricSeries, ModelRecord, RunData, RunInfo};
use runql_core::report::LoadReport;

fn text(batch: &RecordBatch, name: &str, i: usize) -> Option<String> {
    let c = batch.column_by_name(name)?.as_string_opt::<i32>()?;
    c.is_valid(i).then(|| c.value(i).to_string())
}

fn millis(batch: &RecordBatch, name: &str, i: usize) -> Option<i64> {
    let c = batch.column_by_name(name)?.as_primitive_opt::<TimestampMillisecondType>()?;
    c.is_valid(i).then(|| c.value(i))
}

/// Runs of a conformed `runs` batch, in table order, with an index by run id (the first row
/// of an id wins; later ones are left to the builder to report as duplicates).
pub(crate) fn runs(batch: &RecordBatch) -> (Vec<RunData>, HashMap<String, usize>) {
    let mut out = Vec::with_capacity(batch.num_rows());
    let mut index = HashMap::new();
    for i in 0..batch.num_rows() {
        let t = |n: &str| text(batch, n, i);
        let info = RunInfo {
            run_id: t("run_id").unwrap_or_default(),
            source: t("source").unwrap_or_default(),
            project: t("project"),
            experiment_id: t("experiment_id"),
            name: t("name"),
            run_group: t("run_group"),
            parent_run_id: t("parent_run_id"),
            status: t("status"),
            lifecycle: t("lifecycle"),
            user: t("user"),
            created_at_ms: millis(batch, "created_at", i),
            ended_at_ms: millis(batch, "ended_at", i),
            origin: t("origin").unwrap_or_default(),
            artifact_uri: t("artifact_uri"),
        };
        index.entry(info.run_id.clone()).or_insert(out.len());
        out.push(RunData { info, ..RunData::default() });
    }
    (out, index)
}

/// Adds the rows of a conformed `params` or `tags` batch to their runs; rows of unknown runs
/// are reported as skipped.
pub(crate) fn key_values(
    batch: &RecordBatch,
    is_params: bool,
    runs: &mut [RunData],
    index: &HashMap<String, usize>,
    shown: &str,
    report: &mut LoadReport,
) {
    for i in 0..batch.num_rows() {
        let run_id = text(batch, "run_id", i).unwrap_or_default();
        let Some(run) = index.get(&run_id).and_then(|&r| runs.get_mut(r)) else {
            report.skip(
                shown,
                Some(i as u64 + 1),
                format!("row {}: run {run_id:?} is not in the runs table", i + 1),
            );
            continue;
        };
        let key = text(batch, "key", i).unwrap_or_default();
        let value = text(batch, "value", i);
        if is_params {
            run.params.push((key, value.unwrap_or_default()));
        } else {
            run.tags.push((key, value));
        }
    }
}

/// Adds the points of a `metrics` table to their runs' series (one series per run and key,
/// points in table order); points of unknown runs are reported as skipped.
pub(crate) fn metrics(
    table: &Table,
    batch: &RecordBatch,
    runs: &mut [RunData],
    index: &HashMap<String, usize>,
    shown: &str,
    report: &mut LoadReport,
) -> Result<(), String> {
    let run_parts = super::conform::chunks(table, "run_id").ok_or("column \"run_id\" is missing")?;
    let run_codes = codes(&run_parts, &mut |id| index.get(id).and_then(|&r| i32::try_from(r).ok()))?;
    let mut keys: Vec<String> = Vec::new();
    let mut key_index: HashMap<String, i32> = HashMap::new();
    let key_parts = super::conform::chunks(table, "key").ok_or("column \"key\" is missing")?;
    let key_codes = codes(&key_parts, &mut |k| {
        if let Some(&c) = key_index.get(k) {
            return Some(c);
        }
        let c = i32::try_from(keys.len()).ok()?;
        key_index.insert(k.to_string(), c);
        keys.push(k.to_string());
        Some(c)
    })?;
    let steps =
        batch.column_by_name("step").and_then(|c| c.as_primitive_opt::<Int64Type>()).ok_or("no step")?;
    let ts = batch
        .column_by_name("timestamp")
        .and_then(|c| c.as_primitive_opt::<Int64Type>())
        .ok_or("no timestamp")?;
    let values =
        batch.column_by_name("value").and_then(|c| c.as_primitive_opt::<Float64Type>()).ok_or("no value")?;
    // Series of each run by key code.
    let mut series_of: Vec<HashMap<i32, usize>> = vec![HashMap::new(); runs.len()];
    for (row, (run, key)) in run_codes.iter().zip(&key_codes).enumerate() {
        let (Some(run), Some(key)) = (run.and_then(|r| usize::try_from(r).ok()), *key) else {
            report.skip(
                shown,
                Some(row as u64 + 1),
                format!("row {}: run id not in the runs table", row + 1),
            );
            continue;
        };
        let (Some(data), Some(slots)) = (runs.get_mut(run), series_of.get_mut(run)) else { continue };
        let slot = *slots.entry(key).or_insert_with(|| {
            let name = usize::try_from(key).ok().and_then(|k| keys.get(k)).cloned().unwrap_or_default();
            data.metrics.push(MetricSeries::new(name));
            data.metrics.len() - 1
        });
        if let Some(series) = data.metrics.get_mut(slot) {
            series.push(steps.value(row), ts.is_valid(row).then(|| ts.value(row)), values.value(row));
        }
    }
    Ok(())
}

/// Models of a conformed `models` batch.
pub(crate) fn models(batch: &RecordBatch) -> Vec<ModelRecord> {
    let version = batch.column_by_name("version").and_then(|c| c.as_primitive_opt::<Int64Type>());
    (0..batch.num_rows())
        .map(|i| {
            let t = |n: &str| text(batch, n, i);
            ModelRecord {
                kind: t("kind").unwrap_or_default(),
                name: t("name").unwrap_or_default(),
                version: version.and_then(|v| v.is_valid(i).then(|| v.value(i))),
                model_id: t("model_id"),
                run_id: t("run_id"),
                stage: t("stage"),
                aliases: t("aliases"),
                status: t("status"),
                created_at_ms: millis(batch, "created_at", i),
                source: t("source"),
                origin: t("origin").unwrap_or_default(),
            }
        })
        .collect()
}
