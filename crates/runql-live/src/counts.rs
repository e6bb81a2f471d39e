//! Row counts of the watched tables kept per run (and per model origin), so that a round
//! updates them by what changed instead of counting every table again.

use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, RecordBatch};
use runql_core::TableCounts;
use runql_core::model::{Removal, RunTables};

/// Rows one run has in the tables keyed by `run_id`.
#[derive(Debug, Clone, Copy, Default)]
struct RunRows {
    params: u64,
    metrics: u64,
    tags: u64,
    metric_summary: u64,
}

/// The row counts of a set of tables, per run and per model origin.
#[derive(Debug, Clone, Default)]
pub(crate) struct RowCounts {
    runs: HashMap<String, RunRows>,
    models: HashMap<String, u64>,
    total: TableCounts,
}

/// How many rows each value of text column `name` has (plain or dictionary-encoded).
fn per_value(batch: &RecordBatch, name: &str) -> HashMap<String, u64> {
    let mut out: HashMap<String, u64> = HashMap::new();
    let Some(column) = batch.column_by_name(name) else { return out };
    if let Some(text) = column.as_string_opt::<i32>() {
        for i in (0..text.len()).filter(|i| !text.is_null(*i)) {
            *out.entry(text.value(i).to_string()).or_default() += 1;
        }
    } else if let Some(dict) = column.as_dictionary_opt::<Int32Type>() {
        let Some(values) = dict.values().as_string_opt::<i32>() else { return out };
        let mut by_code = vec![0u64; values.len()];
        for code in dict.keys().iter().flatten() {
            if let Some(n) = usize::try_from(code).ok().and_then(|c| by_code.get_mut(c)) {
                *n += 1;
            }
        }
        for (code, n) in by_code.into_iter().enumerate().filter(|(_, n)| *n > 0) {
            *out.entry(values.value(code).to_string()).or_default() += n;
        }
    }
    out
}

impl RowCounts {
    /// The counts of `tables`.
    pub(crate) fn of(tables: &RunTables) -> RowCounts {
        let mut counts = RowCounts::default();
        counts.add(tables);
        counts
    }

    /// Counts the rows of `tables` in.
    pub(crate) fn add(&mut self, tables: &RunTables) {
        for id in per_value(&tables.runs, "run_id").into_keys() {
            self.runs.entry(id).or_default();
            self.total.runs += 1;
        }
        let mut each = |batch: &RecordBatch, field: fn(&mut RunRows) -> &mut u64| {
            for (id, n) in per_value(batch, "run_id") {
                *field(self.runs.entry(id).or_default()) += n;
            }
        };
        each(&tables.params, |r| &mut r.params);
        each(&tables.metrics, |r| &mut r.metrics);
        each(&tables.tags, |r| &mut r.tags);
        each(&tables.metric_summary, |r| &mut r.metric_summary);
        self.total.params += tables.params.num_rows() as u64;
        self.total.metrics += tables.metrics.num_rows() as u64;
        self.total.tags += tables.tags.num_rows() as u64;
        self.total.metric_summary += tables.metric_summary.num_rows() as u64;
        for (origin, n) in per_value(&tables.models, "origin") {
            *self.models.entry(origin).or_default() += n;
            self.total.models += n;
        }
    }

    /// Counts the rows `removal` takes out.
    pub(crate) fn remove(&mut self, removal: &Removal) {
        for id in &removal.run_ids {
            if let Some(r) = self.runs.remove(id) {
                let t = &mut self.total;
                t.runs = t.runs.saturating_sub(1);
                t.params = t.params.saturating_sub(r.params);
                t.metrics = t.metrics.saturating_sub(r.metrics);
                t.tags = t.tags.saturating_sub(r.tags);
                t.metric_summary = t.metric_summary.saturating_sub(r.metric_summary);
            }
        }
        for origin in &removal.model_origins {
            if let Some(n) = self.models.remove(origin) {
                self.total.models = self.total.models.saturating_sub(n);
            }
        }
    }

    /// The totals.
    pub(crate) fn total(&self) -> TableCounts {
        self.total
    }
}
