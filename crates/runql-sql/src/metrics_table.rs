//! The `metrics` table: in memory like any other, but a scan filtered on the metric key
//! (`key = 'val/loss'`, `key IN (...)`) reads only the rows of those keys.
//!
//! runql's `metrics` holds every point of every run: one stretch of rows per (run, key)
//! series. Nearly every query over it names one or a few keys, and a plain scan compares
//! the key of every row (30 million rows for a 100-run × 3-metric × 100k-step sweep) to keep
//! a third of them. This table knows where each key's stretches are (found once, when the
//! table is registered) and hands DataFusion just those rows: zero-copy slices of long
//! stretches, short ones copied together into full batches. The filter is answered exactly,
//! so DataFusion drops it from the plan.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, AsArray, DictionaryArray, StringArray};
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::{DataType, Int32Type, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::Session as CatalogSession;
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::{BinaryExpr, Expr, Operator, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::scalar::ScalarValue;

/// Most rows in one batch of a pruned scan (a series longer than this comes in pieces).
const MAX_BATCH_ROWS: usize = 1 << 20;

/// The name of the column scans are pruned on.
const KEY_COLUMN: &str = "key";

/// An in-memory table that reads only the rows of the keys a query filters on.
#[derive(Debug)]
pub(crate) struct MetricsTable {
    batch: RecordBatch,
    /// The whole table in batch-sized slices per partition (an unfiltered scan).
    partitions: Vec<Vec<RecordBatch>>,
    /// Row stretches `(start, len)` of each key, in row order.
    stretches: HashMap<String, Vec<(usize, usize)>>,
    batch_size: usize,
    target_partitions: usize,
}

impl MetricsTable {
    /// The table over `batch`, or `None` when it has no text `key` column to index (then
    /// a plain in-memory table serves it).
    pub(crate) fn try_new(
        batch: RecordBatch,
        partitions: Vec<Vec<RecordBatch>>,
        batch_size: usize,
        target_partitions: usize,
    ) -> Option<MetricsTable> {
        let column = batch.column_by_name(KEY_COLUMN)?;
        let stretches = match column.data_type() {
            DataType::Dictionary(k, v) if **k == DataType::Int32 && **v == DataType::Utf8 => {
                let dict = column.as_any().downcast_ref::<DictionaryArray<Int32Type>>()?;
                let values = dict.values().as_string_opt::<i32>()?;
                // Equal codes mean equal keys, so most rows cost one integer comparison.
                let codes = dict.keys().values();
                let text = |code: i32| {
                    let code = usize::try_from(code).ok()?;
                    (code < values.len() && !values.is_null(code)).then(|| values.value(code))
                };
                if dict.keys().null_count() == 0 {
                    code_stretches(codes, text)
                } else {
                    stretches_of(
                        codes.len(),
                        |row| if dict.is_null(row) { None } else { codes.get(row).copied() },
                        text,
                    )
                }
            }
            DataType::Utf8 => {
                let strings = column.as_any().downcast_ref::<StringArray>()?;
                stretches_of(strings.len(), |row| (!strings.is_null(row)).then(|| strings.value(row)), Some)
            }
            _ => return None,
        };
        Some(MetricsTable {
            batch,
            partitions,
            stretches,
            batch_size: batch_size.max(1),
            target_partitions: target_partitions.max(1),
        })
    }

    /// Rows of `keys` (projected), in table order, spread over the partitions: stretches
    /// of at least half a batch as zero-copy slices (whole, up to `MAX_BATCH_ROWS`), shorter
    /// ones copied together into batches of about `batch_size` rows.
    fn rows_of(&self, keys: &BTreeSet<String>, projected: &RecordBatch) -> DfResult<Vec<Vec<RecordBatch>>> {
        let mut ranges: Vec<(usize, usize)> =
            keys.iter().filter_map(|k| self.stretches.get(k)).flatten().copied().collect();
        ranges.sort_unstable();
        let mut batches = Vec::new();
        let mut short: Vec<RecordBatch> = Vec::new();
        let mut short_rows = 0;
        let flush = |short: &mut Vec<RecordBatch>, batches: &mut Vec<RecordBatch>| -> DfResult<()> {
            if !short.is_empty() {
                batches.push(concat_batches(&projected.schema(), short.iter())?);
                short.clear();
            }
            Ok(())
        };
        for (start, len) in ranges {
            if len >= self.batch_size / 2 {
                // Long stretches are handed over as they are, without a copy, and whole up
                // to MAX_BATCH_ROWS rows: a batch costs the same to pass through an operator
                // whatever its length, and a chart then gets each series in one piece.
                flush(&mut short, &mut batches)?;
                short_rows = 0;
                let mut at = start;
                while at < start + len {
                    let n = MAX_BATCH_ROWS.min(start + len - at);
                    batches.push(projected.slice(at, n));
                    at += n;
                }
            } else {
                short.push(projected.slice(start, len));
                short_rows += len;
                if short_rows >= self.batch_size {
                    flush(&mut short, &mut batches)?;
                    short_rows = 0;
                }
            }
        }
        flush(&mut short, &mut batches)?;
        // Consecutive batches per partition keep each series' rows together and in order.
        let per_partition = batches.len().div_ceil(self.target_partitions).max(1);
        let mut partitions: Vec<Vec<RecordBatch>> = Vec::new();
        let mut rest = batches.into_iter().peekable();
        while rest.peek().is_some() {
            partitions.push(rest.by_ref().take(per_partition).collect());
        }
        if partitions.is_empty() {
            partitions.push(Vec::new());
        }
        Ok(partitions)
    }
}

/// [`stretches_of`] for dictionary codes without nulls, the key column of every load: one
/// comparison per row in a tight loop over the codes.
fn code_stretches<'a>(
    codes: &[i32],
    text: impl Fn(i32) -> Option<&'a str>,
) -> HashMap<String, Vec<(usize, usize)>> {
    let mut out: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
    let mut start = 0;
    for run in codes.chunk_by(|a, b| a == b) {
        if let Some(key) = run.first().and_then(|&code| text(code)) {
            match out.get_mut(key) {
                Some(stretches) => stretches.push((start, run.len())),
                None => {
                    out.insert(key.to_owned(), vec![(start, run.len())]);
                }
            }
        }
        start += run.len();
    }
    out
}

/// Each key's stretches of consecutive rows. `id_at(row)` gives a row's key as something
/// cheap to compare (a dictionary code, or the text itself; `None` for null) and `text(id)`
/// its text, asked once per stretch.
fn stretches_of<'a, I: Copy + PartialEq>(
    rows: usize,
    id_at: impl Fn(usize) -> Option<I>,
    text: impl Fn(I) -> Option<&'a str>,
) -> HashMap<String, Vec<(usize, usize)>> {
    let mut out: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
    let mut current: Option<(I, usize)> = None;
    for row in 0..=rows {
        let id = if row < rows { id_at(row) } else { None };
        match (current, id) {
            (Some((previous, _)), Some(now)) if previous == now => {}
            _ => {
                if let Some((previous, start)) = current.take()
                    && let Some(key) = text(previous)
                {
                    out.entry(key.to_owned()).or_default().push((start, row - start));
                }
                current = id.map(|id| (id, row));
            }
        }
    }
    out
}

/// The keys a filter keeps when it is `key = 'x'`, `'x' = key`, `key IN ('x', ...)` or an
/// OR of these.
fn keys_of(filter: &Expr) -> Option<BTreeSet<String>> {
    let is_key = |e: &Expr| matches!(e, Expr::Column(c) if c.name == KEY_COLUMN);
    match filter {
        Expr::BinaryExpr(BinaryExpr { left, op: Operator::Eq, right }) => {
            let text = if is_key(left) {
                literal_text(right)?
            } else if is_key(right) {
                literal_text(left)?
            } else {
                return None;
            };
            Some(BTreeSet::from([text]))
        }
        // DataFusion spells a short IN list as ORs.
        Expr::BinaryExpr(BinaryExpr { left, op: Operator::Or, right }) => {
            let mut keys = keys_of(left)?;
            keys.extend(keys_of(right)?);
            Some(keys)
        }
        Expr::InList(list) if !list.negated && is_key(&list.expr) => {
            list.list.iter().map(literal_text).collect()
        }
        _ => None,
    }
}

/// The text of a string literal (also dictionary-typed, as DataFusion types a literal
/// compared with a dictionary column); `None` for anything else, NULL included.
fn literal_text(e: &Expr) -> Option<String> {
    fn text(v: &ScalarValue) -> Option<String> {
        match v {
            ScalarValue::Utf8(Some(s)) | ScalarValue::LargeUtf8(Some(s)) | ScalarValue::Utf8View(Some(s)) => {
                Some(s.clone())
            }
            ScalarValue::Dictionary(_, inner) => text(inner),
            _ => None,
        }
    }
    match e {
        Expr::Literal(v, _) => text(v),
        _ => None,
    }
}

#[async_trait]
impl TableProvider for MetricsTable {
    fn schema(&self) -> SchemaRef {
        self.batch.schema()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(&self, filters: &[&Expr]) -> DfResult<Vec<TableProviderFilterPushDown>> {
        Ok(filters
            .iter()
            .map(|f| {
                if keys_of(f).is_some() {
                    TableProviderFilterPushDown::Exact
                } else {
                    TableProviderFilterPushDown::Unsupported
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        _state: &dyn CatalogSession,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        _limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        // Several key filters (ANDed) keep the keys they all name.
        let wanted = filters.iter().filter_map(keys_of).reduce(|a, b| a.intersection(&b).cloned().collect());
        let Some(keys) = wanted else {
            return Ok(MemorySourceConfig::try_new_exec(
                &self.partitions,
                self.schema(),
                projection.cloned(),
            )?);
        };
        // Projected first, so that short stretches copy only the columns the query reads.
        let projected = match projection {
            Some(p) => self.batch.project(p)?,
            None => self.batch.clone(),
        };
        let partitions = self.rows_of(&keys, &projected)?;
        Ok(MemorySourceConfig::try_new_exec(&partitions, projected.schema(), None)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_stretches_are_the_stretches_row_by_row() {
        let names = ["a", "b", "c"];
        let text = |code: i32| usize::try_from(code).ok().and_then(|c| names.get(c).copied());
        for codes in [
            vec![],
            vec![0],
            vec![0, 0, 1, 1, 1, 0, 2, 2, 0],
            vec![2, 1, 0, 1, 2],
            vec![1; 9],
            vec![0, 7, 7, 0],
        ] {
            let fast = code_stretches(&codes, text);
            let slow = stretches_of(codes.len(), |row| codes.get(row).copied(), text);
            assert_eq!(fast, slow, "{codes:?}");
        }
        let fast = code_stretches(&[0, 0, 1, 0], text);
        assert_eq!(fast["a"], vec![(0, 2), (3, 1)]);
        assert_eq!(fast["b"], vec![(2, 1)]);
    }
}
