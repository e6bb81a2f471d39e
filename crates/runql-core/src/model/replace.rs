//! Replacing some runs of a set of tables with newly read ones ([`RunTables::replace`]): how
//! a watched folder's tables follow the runs that changed without reading the others again.

use std::collections::{BTreeSet, HashMap};

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, BooleanArray, RecordBatch};
use arrow_schema::DataType;
use arrow_select::concat::concat_batches;
use arrow_select::filter::filter_record_batch;

use super::summary::SeriesSummary;
use super::tables::RunTables;
use super::wide;
use crate::error::{CoreError, Result};

/// The rows a change takes out of a set of tables: every row of these runs (in every table
/// keyed by `run_id`) and the `models` rows read from these origins.
///
/// ```
/// use runql_core::model::Removal;
/// let removal = Removal::runs(["r1", "r2"]);
/// assert!(removal.run_ids.contains("r2"));
/// assert!(!removal.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Removal {
    /// Runs whose rows go, in every table keyed by `run_id`.
    pub run_ids: BTreeSet<String>,
    /// `models.origin` values whose rows go.
    pub model_origins: BTreeSet<String>,
}

impl Removal {
    /// A removal of these runs (and no models).
    pub fn runs<I: IntoIterator<Item = S>, S: Into<String>>(ids: I) -> Self {
        Self { run_ids: ids.into_iter().map(Into::into).collect(), model_origins: BTreeSet::new() }
    }

    /// True when nothing is removed.
    pub fn is_empty(&self) -> bool {
        self.run_ids.is_empty() && self.model_origins.is_empty()
    }

    /// Adds everything `other` removes.
    pub fn extend(&mut self, other: &Removal) {
        self.run_ids.extend(other.run_ids.iter().cloned());
        self.model_origins.extend(other.model_origins.iter().cloned());
    }
}

impl RunTables {
    /// These tables without the rows `removal` names and with the rows of `added`, as if
    /// the changed runs had been loaded together with the rest. `runs_wide` is built again
    /// from the merged `runs`, `params`, `tags` and `metric_summary` (a row per run, not per
    /// point), capped at `max_wide_columns` like a load; the number of keys the cap left out
    /// is returned beside the tables.
    ///
    /// Rows keep their order; the added ones follow the kept ones. Run ids of `added` that
    /// are kept here too are the caller's to settle: both copies would stay.
    ///
    /// ```
    /// use runql_core::model::{MetricSeries, Removal, RunData, RunInfo, RunTables, TablesBuilder};
    /// fn run(id: &str, points: usize) -> RunTables {
    ///     let mut b = TablesBuilder::new();
    ///     let mut loss = MetricSeries::new("loss");
    ///     for step in 0..points { loss.push(step as i64, None, 1.0 / (step as f64 + 1.0)); }
    ///     let info = RunInfo { run_id: id.into(), source: "mlflow".into(), origin: id.into(), ..Default::default() };
    ///     b.add_run(RunData { info, metrics: vec![loss], ..Default::default() }).unwrap();
    ///     b.finish().unwrap()
    /// }
    /// let before = run("a", 3);
    /// // Run "a" logged two more points: its rows are replaced, nothing else is read again.
    /// let (after, _) = before.replace(&Removal::runs(["a"]), &run("a", 5), 2000)?;
    /// assert_eq!(after.metrics.num_rows(), 5);
    /// assert_eq!(after.runs.num_rows(), 1);
    /// assert!(after.runs_wide.schema().field_with_name("metrics.loss").is_ok());
    /// # Ok::<(), runql_core::CoreError>(())
    /// ```
    ///
    /// # Errors
    /// [`CoreError::Arrow`] when a table of `added` does not have the columns of its table
    /// here (tables of another runql version).
    pub fn replace(
        &self,
        removal: &Removal,
        added: &RunTables,
        max_wide_columns: usize,
    ) -> Result<(RunTables, u64)> {
        let by_run = |kept: &RecordBatch, new: &RecordBatch| -> Result<RecordBatch> {
            let kept = without(kept, "run_id", &removal.run_ids)?;
            append(&kept, new)
        };
        let runs = by_run(&self.runs, &added.runs)?;
        let params = by_run(&self.params, &added.params)?;
        let metrics = by_run(&self.metrics, &added.metrics)?;
        let tags = by_run(&self.tags, &added.tags)?;
        let metric_summary = by_run(&self.metric_summary, &added.metric_summary)?;
        let models = append(&without(&self.models, "origin", &removal.model_origins)?, &added.models)?;
        let (runs_wide, dropped) =
            wide_from_tables(&runs, &params, &tags, &metric_summary, max_wide_columns)?;
        Ok((RunTables { runs, params, metrics, tags, metric_summary, runs_wide, models }, dropped))
    }
}

/// `batch` without the rows whose text column `column` holds one of `values` (a plain or a
/// dictionary-encoded text column; the dictionary's values are compared once each).
fn without(batch: &RecordBatch, column: &str, values: &BTreeSet<String>) -> Result<RecordBatch> {
    if values.is_empty() || batch.num_rows() == 0 {
        return Ok(batch.clone());
    }
    let col = batch
        .column_by_name(column)
        .ok_or_else(|| CoreError::InvalidArgument(format!("table without a {column} column")))?;
    let keep: BooleanArray = match col.data_type() {
        DataType::Utf8 => {
            let text = col.as_string::<i32>();
            (0..text.len()).map(|i| Some(text.is_null(i) || !values.contains(text.value(i)))).collect()
        }
        DataType::Dictionary(k, v) if **k == DataType::Int32 && **v == DataType::Utf8 => {
            let dict = col.as_dictionary::<Int32Type>();
            let names = dict.values().as_string::<i32>();
            let keep_code: Vec<bool> =
                (0..names.len()).map(|i| names.is_null(i) || !values.contains(names.value(i))).collect();
            let codes = dict.keys();
            (0..codes.len())
                .map(|i| {
                    let code = usize::try_from(codes.value(i)).ok();
                    Some(codes.is_null(i) || code.and_then(|c| keep_code.get(c).copied()).unwrap_or(true))
                })
                .collect()
        }
        other => {
            return Err(CoreError::InvalidArgument(format!("{column} column of type {other}, not text")));
        }
    };
    if keep.true_count() == batch.num_rows() {
        return Ok(batch.clone());
    }
    Ok(filter_record_batch(batch, &keep)?)
}

/// `kept` followed by `new` (one batch of `kept`'s columns; `new` must have the same).
fn append(kept: &RecordBatch, new: &RecordBatch) -> Result<RecordBatch> {
    let same = |a: &RecordBatch, b: &RecordBatch| {
        let (a, b) = (a.schema(), b.schema());
        a.fields().len() == b.fields().len()
            && a.fields()
                .iter()
                .zip(b.fields())
                .all(|(x, y)| x.name() == y.name() && x.data_type() == y.data_type())
    };
    if !same(kept, new) {
        return Err(CoreError::InvalidArgument(format!(
            "added rows with other columns ({}) than the table's ({})",
            column_names(new),
            column_names(kept)
        )));
    }
    // One side empty: the other is shared as it is, not copied (the first tables of a
    // watch, a change that only removes).
    if new.num_rows() == 0 {
        return Ok(kept.clone());
    }
    if kept.num_rows() == 0 {
        return Ok(new.clone().with_schema(kept.schema())?);
    }
    Ok(concat_batches(&kept.schema(), [kept, new])?)
}

fn column_names(batch: &RecordBatch) -> String {
    batch.schema().fields().iter().map(|f| f.name().as_str()).collect::<Vec<_>>().join(", ")
}

/// `runs_wide` from the long tables, the same columns a load builds from the runs it read.
fn wide_from_tables(
    runs: &RecordBatch,
    params: &RecordBatch,
    tags: &RecordBatch,
    metric_summary: &RecordBatch,
    max_columns: usize,
) -> Result<(RecordBatch, u64)> {
    let text = |batch: &RecordBatch, name: &str| {
        batch
            .column_by_name(name)
            .and_then(|c| c.as_string_opt::<i32>().cloned())
            .ok_or_else(|| CoreError::InvalidArgument(format!("table without a text {name} column")))
    };
    let run_ids = text(runs, "run_id")?;
    let index: HashMap<&str, i32> =
        (0..run_ids.len()).filter_map(|i| Some((run_ids.value(i), i32::try_from(i).ok()?))).collect();
    // Rows of runs not in `runs` (there are none in tables runql built) are left out.
    let run_of = |id: &str| index.get(id).copied().unwrap_or(-1);

    let (p_run, p_key, p_value) = (text(params, "run_id")?, text(params, "key")?, text(params, "value")?);
    let params: Vec<(i32, String, String)> = (0..params.num_rows())
        .map(|i| (run_of(p_run.value(i)), p_key.value(i).to_string(), p_value.value(i).to_string()))
        .collect();

    let (t_run, t_key, t_value) = (text(tags, "run_id")?, text(tags, "key")?, text(tags, "value")?);
    let tags: Vec<(i32, String, Option<String>)> = (0..tags.num_rows())
        .map(|i| {
            let value = (!t_value.is_null(i)).then(|| t_value.value(i).to_string());
            (run_of(t_run.value(i)), t_key.value(i).to_string(), value)
        })
        .collect();

    let (s_run, s_key) = (text(metric_summary, "run_id")?, text(metric_summary, "key")?);
    let last = metric_summary
        .column_by_name("last")
        .and_then(|c| c.as_primitive_opt::<arrow_array::types::Float64Type>().cloned())
        .ok_or_else(|| CoreError::InvalidArgument("metric_summary without a last column".into()))?;
    let mut keys: Vec<String> = Vec::new();
    let mut key_index: HashMap<&str, i32> = HashMap::new();
    let mut summaries: Vec<(i32, i32, SeriesSummary)> = Vec::with_capacity(metric_summary.num_rows());
    for i in 0..metric_summary.num_rows() {
        let key = s_key.value(i);
        let k = match key_index.get(key) {
            Some(&k) => k,
            None => {
                let k = i32::try_from(keys.len())
                    .map_err(|_| CoreError::InvalidArgument("more than 2^31 metric keys".into()))?;
                key_index.insert(key, k);
                keys.push(key.to_string());
                k
            }
        };
        let summary =
            SeriesSummary { last: (!last.is_null(i)).then(|| last.value(i)), ..SeriesSummary::default() };
        summaries.push((run_of(s_run.value(i)), k, summary));
    }
    wide::build(runs, &params, &tags, &summaries, &keys, max_columns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MetricSeries, ModelRecord, RunData, RunInfo, TablesBuilder};

    fn run(id: &str, lr: &str, points: i64) -> RunData {
        let mut loss = MetricSeries::new("loss");
        for step in 0..points {
            loss.push(step, Some(1000 + step), 1.0 / (step as f64 + 1.0));
        }
        RunData {
            info: RunInfo {
                run_id: id.into(),
                source: "mlflow".into(),
                origin: format!("mlruns/0/{id}"),
                ..Default::default()
            },
            params: vec![("lr".into(), lr.into())],
            tags: vec![("team".into(), Some(format!("t-{id}")))],
            metrics: vec![loss],
        }
    }

    fn tables(runs: Vec<RunData>, models: Vec<ModelRecord>) -> RunTables {
        let mut b = TablesBuilder::new();
        for r in runs {
            b.add_run(r).unwrap();
        }
        for m in models {
            b.add_model(m);
        }
        b.finish().unwrap()
    }

    fn sorted_rows(batch: &RecordBatch) -> Vec<String> {
        let options = arrow_cast::display::FormatOptions::default();
        // Timestamps as their numbers: naming the UTC zone would need the time-zone database.
        let columns: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| match c.data_type() {
                DataType::Timestamp(..) => arrow_cast::cast(c, &DataType::Int64).unwrap(),
                _ => c.clone(),
            })
            .collect();
        let formatters: Vec<_> = columns
            .iter()
            .map(|c| arrow_cast::display::ArrayFormatter::try_new(c.as_ref(), &options).unwrap())
            .collect();
        let mut names: Vec<(String, usize)> =
            batch.schema().fields().iter().enumerate().map(|(i, f)| (f.name().clone(), i)).collect();
        names.sort();
        let mut rows: Vec<String> = (0..batch.num_rows())
            .map(|r| {
                names
                    .iter()
                    .map(|(name, i)| format!("{name}={}", formatters[*i].value(r)))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        rows.sort();
        rows
    }

    fn model(name: &str, origin: &str, run_id: &str) -> ModelRecord {
        ModelRecord {
            kind: "registered_version".into(),
            name: name.into(),
            version: Some(1),
            run_id: Some(run_id.into()),
            origin: origin.into(),
            ..Default::default()
        }
    }

    /// Replacing a run gives the tables a load of everything would give, table by table.
    #[test]
    fn equals_a_load_of_everything() {
        let before = tables(vec![run("a", "0.1", 3), run("b", "0.2", 4)], vec![model("m", "models/m", "a")]);
        let changed =
            tables(vec![run("b", "0.2", 6), run("c", "3e-4", 2)], vec![model("m", "models/m", "b")]);
        let removal =
            Removal { run_ids: ["b".to_string()].into(), model_origins: ["models/m".to_string()].into() };
        let (after, dropped) = before.replace(&removal, &changed, 2000).unwrap();
        let whole = tables(
            vec![run("a", "0.1", 3), run("b", "0.2", 6), run("c", "3e-4", 2)],
            vec![model("m", "models/m", "b")],
        );
        assert_eq!(dropped, 0);
        for ((name, got), (_, want)) in after.tables().zip(whole.tables()) {
            assert_eq!(sorted_rows(got), sorted_rows(want), "table {name}");
        }
        // Column types come from all runs together: lr 3e-4 makes the column a float.
        let wide = after.runs_wide.schema();
        assert_eq!(wide.field_with_name("params.lr").unwrap().data_type(), &DataType::Float64);
    }

    #[test]
    fn removing_every_run_leaves_empty_tables_with_their_columns() {
        let before = tables(vec![run("a", "1", 3)], vec![]);
        let empty = tables(vec![], vec![]);
        let (after, _) = before.replace(&Removal::runs(["a"]), &empty, 2000).unwrap();
        assert_eq!(after.counts(), empty.counts());
        assert_eq!(after.metrics.schema(), before.metrics.schema());
        assert_eq!(after.runs_wide.num_columns(), before.runs.num_columns());
    }

    #[test]
    fn the_wide_column_cap_holds_and_is_counted() {
        let mut many = run("a", "1", 1);
        many.params = (0..10).map(|i| (format!("p{i}"), "1".to_string())).collect();
        let before = tables(vec![run("b", "1", 1)], vec![]);
        let (after, dropped) = before.replace(&Removal::default(), &tables(vec![many], vec![]), 4).unwrap();
        let extra = after.runs_wide.num_columns() - after.runs.num_columns();
        assert_eq!(extra, 4);
        // 11 params (p0..p9, lr), 1 metric, 1 tag: 13 keys, 4 kept.
        assert_eq!(dropped, 9);
    }

    #[test]
    fn tables_of_other_columns_are_refused() {
        let before = tables(vec![run("a", "1", 1)], vec![]);
        let mut odd = tables(vec![run("b", "1", 1)], vec![]);
        odd.tags = odd.params.clone();
        assert!(before.replace(&Removal::default(), &odd, 2000).is_err());
    }
}
