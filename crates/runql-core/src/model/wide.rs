//! `runs_wide`: one row per run with `params.<key>`, `metrics.<key>` and `tags.<key>`
//! columns, the naming MLflow users know from `search_runs`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};

use super::summary::SeriesSummary;
use super::value;
use crate::error::Result;

/// Default cap on `params.*` + `metrics.*` + `tags.*` columns. SQL planners slow down with
/// thousands of columns; a hostile or messy input must not make every query slow. Keys
/// beyond the cap (the ones present in the fewest runs) stay in the long tables.
pub const DEFAULT_MAX_COLUMNS: usize = 2000;

enum Column {
    Text(Vec<Option<String>>),
    Integer(Vec<Option<i64>>),
    Number(Vec<Option<f64>>),
}

/// Builds `runs_wide` from the `runs` batch and the long rows. Returns the batch and the
/// number of keys left out by `max_columns`.
pub(crate) fn build(
    runs: &RecordBatch,
    params: &[(i32, String, String)],
    tags: &[(i32, String, Option<String>)],
    summaries: &[(i32, i32, SeriesSummary)],
    metric_keys: &[String],
    max_columns: usize,
) -> Result<(RecordBatch, u64)> {
    let n = runs.num_rows();
    let slot = |r: i32| usize::try_from(r).ok().filter(|r| *r < n);

    // Per column name: how many runs have it, and the cells.
    let mut columns: BTreeMap<String, (usize, Column)> = BTreeMap::new();

    let mut param_cells: HashMap<&str, Vec<Option<&str>>> = HashMap::new();
    for (r, k, v) in params {
        if let Some(r) = slot(*r) {
            let cells = param_cells.entry(k.as_str()).or_insert_with(|| vec![None; n]);
            if let Some(cell) = cells.get_mut(r) {
                // First value wins, as a param is immutable once logged.
                cell.get_or_insert(v.as_str());
            }
        }
    }
    for (key, cells) in param_cells {
        // A param column is Int64 when every value is an integer and Float64 when every value
        // is a number, so that `ORDER BY "params.lr"` sorts numerically; the text as written
        // stays in `params.value`.
        let present = cells.iter().flatten().count();
        let types: Vec<&str> = cells.iter().flatten().map(|v| value::classify(v).0).collect();
        let column = if !types.is_empty() && types.iter().all(|t| *t == "int") {
            Column::Integer(cells.iter().map(|c| c.and_then(|v| v.trim().parse::<i64>().ok())).collect())
        } else if !types.is_empty() && types.iter().all(|t| matches!(*t, "int" | "float")) {
            Column::Number(cells.iter().map(|c| c.and_then(|v| value::classify(v).1)).collect())
        } else {
            Column::Text(cells.iter().map(|c| c.map(str::to_string)).collect())
        };
        columns.insert(format!("params.{key}"), (present, column));
    }

    let mut metric_cells: HashMap<i32, Vec<Option<f64>>> = HashMap::new();
    for (r, k, s) in summaries {
        if let Some(r) = slot(*r) {
            let cells = metric_cells.entry(*k).or_insert_with(|| vec![None; n]);
            if let Some(cell) = cells.get_mut(r) {
                *cell = s.last;
            }
        }
    }
    for (k, cells) in metric_cells {
        let Some(name) = usize::try_from(k).ok().and_then(|k| metric_keys.get(k)) else { continue };
        let present = cells.iter().flatten().count();
        columns.insert(format!("metrics.{name}"), (present, Column::Number(cells)));
    }

    let mut tag_cells: HashMap<&str, Vec<Option<String>>> = HashMap::new();
    for (r, k, v) in tags {
        if let Some(r) = slot(*r) {
            let cells = tag_cells.entry(k.as_str()).or_insert_with(|| vec![None; n]);
            if let Some(cell) = cells.get_mut(r) {
                // A bare tag shows as an empty string so "has tag" is `IS NOT NULL`.
                *cell = Some(v.clone().unwrap_or_default());
            }
        }
    }
    for (key, cells) in tag_cells {
        let present = cells.iter().flatten().count();
        columns.insert(format!("tags.{key}"), (present, Column::Text(cells)));
    }

    let mut dropped = 0u64;
    if columns.len() > max_columns {
        let mut by_presence: Vec<(usize, String)> =
            columns.iter().map(|(name, (present, _))| (*present, name.clone())).collect();
        // Fewest runs first, then by name, so the choice is deterministic.
        by_presence.sort();
        let excess = columns.len() - max_columns;
        for (_, name) in by_presence.into_iter().take(excess) {
            columns.remove(&name);
            dropped += 1;
        }
    }

    let mut fields: Vec<Field> = runs.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
    let mut arrays: Vec<ArrayRef> = runs.columns().to_vec();
    for (name, (_, column)) in columns {
        match column {
            Column::Number(cells) => {
                fields.push(Field::new(name, DataType::Float64, true));
                arrays.push(Arc::new(Float64Array::from(cells)));
            }
            Column::Integer(cells) => {
                fields.push(Field::new(name, DataType::Int64, true));
                arrays.push(Arc::new(Int64Array::from(cells)));
            }
            Column::Text(cells) => {
                fields.push(Field::new(name, DataType::Utf8, true));
                arrays.push(Arc::new(StringArray::from(cells)));
            }
        }
    }
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?;
    Ok((batch, dropped))
}
