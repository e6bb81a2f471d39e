//! Reading a chart's columns out of query results (Arrow record batches).

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{DataType, SchemaRef};

use crate::error::{ChartError, Result};
use crate::xvalues::XBuffer;

/// The rows a chart draws: a schema and its batches.
#[derive(Debug, Clone)]
pub struct Rows {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    /// One row per series with columns that are the same on all its rows (a run's name
    /// and group), given apart so the rows need not repeat them.
    series_table: Option<Arc<Rows>>,
}

/// A column read as numbers or as text.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Numeric (null → NaN; booleans as 0/1; timestamps as epoch milliseconds).
    Numbers(Vec<f64>),
    /// Anything else, as displayed text (null → `None`).
    Text(Vec<Option<String>>),
}

impl Values {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Values::Numbers(v) => v.len(),
            Values::Text(v) => v.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i` as display text (`""` for null/NaN-free missing values).
    pub fn text_at(&self, i: usize) -> String {
        match self {
            Values::Numbers(v) => v.get(i).map(|x| crate::scale::format_number(*x, 0.0)).unwrap_or_default(),
            Values::Text(v) => v.get(i).cloned().flatten().unwrap_or_default(),
        }
    }
}

fn is_numeric(t: &DataType) -> bool {
    match t {
        DataType::Dictionary(_, v) => is_numeric(v),
        t => {
            t.is_numeric()
                || matches!(
                    t,
                    DataType::Boolean
                        | DataType::Timestamp(_, _)
                        | DataType::Date32
                        | DataType::Date64
                        | DataType::Null
                )
        }
    }
}

impl Rows {
    /// Rows of `schema` in `batches`.
    pub fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> Rows {
        Rows { schema, batches, series_table: None }
    }

    /// These rows with `table`: one row per series value (in the column the chart's
    /// encoding names as `series`) holding per-series columns such as its label or group.
    /// A line chart reads such a column from `table` when the rows do not have it.
    ///
    /// ```
    /// use runql_chart::data::{rows_from, f64_column, text_column};
    /// let points = rows_from(vec![("run_id", text_column(vec!["r1", "r1"])), ("y", f64_column(vec![1.0, 2.0]))]);
    /// let names = rows_from(vec![("run_id", text_column(vec!["r1"])), ("run", text_column(vec!["bold-cat"]))]);
    /// let rows = points.unwrap().with_series_table(names.unwrap());
    /// assert!(rows.series_table().is_some_and(|t| t.has("run")));
    /// ```
    #[must_use]
    pub fn with_series_table(mut self, table: Rows) -> Rows {
        self.series_table = Some(Arc::new(table));
        self
    }

    /// The per-series table given by [`Rows::with_series_table`].
    pub fn series_table(&self) -> Option<&Rows> {
        self.series_table.as_deref()
    }

    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// Column names.
    pub fn names(&self) -> Vec<String> {
        self.schema.fields().iter().map(|f| f.name().clone()).collect()
    }

    /// Whether there is a column `name`.
    pub fn has(&self, name: &str) -> bool {
        self.schema.index_of(name).is_ok()
    }

    fn index(&self, name: &str, role: &str) -> Result<usize> {
        self.schema.index_of(name).map_err(|_| {
            ChartError::Data(format!(
                "the {role} column {name:?} is not in the result; its columns are: {}",
                self.names().join(", ")
            ))
        })
    }

    fn chunks(&self, index: usize) -> impl Iterator<Item = &ArrayRef> {
        self.batches.iter().filter(move |b| index < b.num_columns()).map(move |b| b.column(index))
    }

    /// Whether column `name` holds numbers.
    ///
    /// # Errors
    /// [`ChartError::Data`] when there is no such column.
    pub fn is_numeric(&self, name: &str, role: &str) -> Result<bool> {
        let i = self.index(name, role)?;
        Ok(self.schema.fields().get(i).is_some_and(|f| is_numeric(f.data_type())))
    }

    /// Column `name` as numbers; `role` names it in errors ("x", "y", ...).
    ///
    /// # Errors
    /// [`ChartError::Data`] when the column is missing or is not numeric.
    pub fn numbers(&self, name: &str, role: &str) -> Result<Vec<f64>> {
        let mut out = Vec::with_capacity(self.num_rows());
        for chunk in self.number_chunks(name, role)? {
            out.extend_from_slice(chunk.values());
        }
        Ok(out)
    }

    /// Column `name` as numbers, one array per record batch, without copying a Float64
    /// column: nulls become NaN (the arrays have no nulls), other numeric types are cast.
    ///
    /// # Errors
    /// [`ChartError::Data`] when the column is missing or is not numeric.
    pub fn number_chunks(&self, name: &str, role: &str) -> Result<Vec<Float64Array>> {
        let i = self.index(name, role)?;
        let field = self
            .schema
            .fields()
            .get(i)
            .ok_or_else(|| ChartError::Data(format!("column {name:?} vanished")))?;
        if !is_numeric(field.data_type()) {
            return Err(ChartError::Data(format!(
                "the {role} column {name:?} is {}, not a number; CAST it in the query, or use it as a group/label",
                field.data_type()
            )));
        }
        self.chunks(i).map(|chunk| Ok(nulls_as_nan(to_f64(chunk)?))).collect()
    }

    /// Column `name` as x values per record batch: integer columns without nulls as they
    /// are (not converted: see [`crate::xvalues`]), each with [`OrderNotes`], so a line chart
    /// need not read x again to know it is sorted or evenly spaced; other numbers as [`Rows::number_chunks`] with `None` (not known:
    /// the caller checks for itself).
    pub(crate) fn x_chunks(&self, name: &str, role: &str) -> Result<Vec<(XBuffer, Option<OrderNotes>)>> {
        use arrow_array::cast::AsArray;
        use arrow_array::types::Int64Type;
        let i = self.index(name, role)?;
        let plain_ints = self.schema.fields().get(i).is_some_and(|f| f.data_type() == &DataType::Int64);
        let floats = |c: Float64Array| XBuffer::Float(c.values().clone());
        if !plain_ints {
            return Ok(self.number_chunks(name, role)?.into_iter().map(|c| (floats(c), None)).collect());
        }
        self.chunks(i)
            .map(|chunk| match chunk.as_primitive_opt::<Int64Type>() {
                Some(ints) if ints.null_count() == 0 => {
                    Ok((XBuffer::Int(ints.values().clone()), Some(OrderNotes::of(ints.values()))))
                }
                _ => Ok((floats(nulls_as_nan(to_f64(chunk)?)), None)),
            })
            .collect()
    }

    /// Column `name` as display text (numbers formatted as Arrow prints them).
    ///
    /// # Errors
    /// [`ChartError::Data`] when the column is missing or cannot be displayed.
    pub fn texts(&self, name: &str, role: &str) -> Result<Vec<Option<String>>> {
        let i = self.index(name, role)?;
        let options = FormatOptions::default();
        let mut out = Vec::with_capacity(self.num_rows());
        for chunk in self.chunks(i) {
            let formatter = ArrayFormatter::try_new(chunk.as_ref(), &options)
                .map_err(|e| ChartError::Data(format!("column {name:?}: {e}")))?;
            out.extend(
                (0..chunk.len())
                    .map(|r| if chunk.is_null(r) { None } else { Some(formatter.value(r).to_string()) }),
            );
        }
        Ok(out)
    }

    /// Column `name` as numbers when numeric, else as text.
    ///
    /// # Errors
    /// [`ChartError::Data`] when the column is missing.
    pub fn values(&self, name: &str, role: &str) -> Result<Values> {
        if self.is_numeric(name, role)? {
            self.numbers(name, role).map(Values::Numbers)
        } else {
            self.texts(name, role).map(Values::Text)
        }
    }
}

/// A column as small integer codes plus its distinct values (in order of first
/// appearance): how series and group keys are read without a string per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Codes {
    /// Code of each row.
    pub codes: Vec<u32>,
    /// Distinct values; `None` is the null value.
    pub values: Vec<Option<String>>,
}

/// Consecutive rows of one record batch holding the same value of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowRun {
    /// Index of the record batch.
    pub batch: usize,
    /// First row of the run inside its batch.
    pub start: usize,
    /// Number of rows.
    pub len: usize,
    /// Code of the value (an index into [`Runs::values`]).
    pub code: u32,
}

/// A column as runs of equal values: how a line chart finds each series' rows without a
/// code per row (a query's rows usually come grouped by series).
#[derive(Debug, Clone, PartialEq)]
pub struct Runs {
    /// The runs, in row order.
    pub runs: Vec<RowRun>,
    /// Distinct values in order of first appearance; `None` is the null value.
    pub values: Vec<Option<String>>,
}

/// Builds [`Runs`]: codes values as they first appear and merges equal neighbours.
struct RunBuilder<'n> {
    name: &'n str,
    index: std::collections::HashMap<Option<String>, u32>,
    out: Runs,
}

impl RunBuilder<'_> {
    fn code(&mut self, value: Option<&str>) -> Result<u32> {
        let owned = value.map(str::to_owned);
        if let Some(&c) = self.index.get(&owned) {
            return Ok(c);
        }
        let c = u32::try_from(self.out.values.len())
            .map_err(|_| ChartError::Data(format!("column {:?} has too many distinct values", self.name)))?;
        self.index.insert(owned.clone(), c);
        self.out.values.push(owned);
        Ok(c)
    }

    /// Adds the rows of batch `batch` whose values `values` yields, in order.
    fn add<'v>(&mut self, batch: usize, values: impl Iterator<Item = Option<&'v str>>) -> Result<()> {
        self.add_ids(batch, values, |value| value)
    }

    /// Adds the rows of batch `batch` given as ids (equal ids, equal values; the text
    /// itself is an id too); `text` gives an id's value (`None`: null), asked once per run
    /// of equal ids — comparing with the previous row skips almost every hash lookup.
    fn add_ids<'v, I: Copy + PartialEq>(
        &mut self,
        batch: usize,
        ids: impl Iterator<Item = I>,
        text: impl Fn(I) -> Option<&'v str>,
    ) -> Result<()> {
        let mut current: Option<(I, RowRun)> = None;
        for (row, id) in ids.enumerate() {
            match &mut current {
                Some((previous, run)) if *previous == id => run.len += 1,
                _ => {
                    if let Some((_, run)) = current.take() {
                        self.push_run(run);
                    }
                    let code = self.code(text(id))?;
                    current = Some((id, RowRun { batch, start: row, len: 1, code }));
                }
            }
        }
        if let Some((_, run)) = current {
            self.push_run(run);
        }
        Ok(())
    }

    /// Adds the rows of batch `batch` given by dictionary keys: each run of equal keys is
    /// found by one tight scan for the next different key, not row by row.
    fn add_key_runs<'v>(
        &mut self,
        batch: usize,
        keys: &[i32],
        text: impl Fn(usize) -> Option<&'v str>,
    ) -> Result<()> {
        let mut start = 0;
        while let Some((&key, rest)) = keys.get(start..).and_then(<[i32]>::split_first) {
            let len = 1 + rest.iter().position(|&k| k != key).unwrap_or(rest.len());
            // A negative key is invalid: no text, like a null.
            let code = self.code(usize::try_from(key).ok().and_then(&text))?;
            self.push_run(RowRun { batch, start, len, code });
            start += len;
        }
        Ok(())
    }

    /// Appends `run`, joined to the previous one when it continues it (two ids of one value).
    fn push_run(&mut self, run: RowRun) {
        match self.out.runs.last_mut() {
            Some(last)
                if last.batch == run.batch && last.code == run.code && last.start + last.len == run.start =>
            {
                last.len += run.len;
            }
            _ => self.out.runs.push(run),
        }
    }
}

impl Rows {
    /// Column `name` as [`Codes`].
    ///
    /// # Errors
    /// [`ChartError::Data`] when the column is missing, cannot be displayed, or has more
    /// than 2^32 distinct values.
    pub fn codes(&self, name: &str, role: &str) -> Result<Codes> {
        let runs = self.runs(name, role)?;
        let mut codes = Vec::with_capacity(self.num_rows());
        for run in &runs.runs {
            codes.extend(std::iter::repeat_n(run.code, run.len));
        }
        Ok(Codes { codes, values: runs.values })
    }

    /// Column `name` as [`Runs`]: text read as it is, dictionaries through their values,
    /// anything else through Arrow's display formatting.
    ///
    /// ```
    /// use runql_chart::data::{rows_from, text_column, RowRun};
    /// let rows = rows_from(vec![("run", text_column(vec!["a", "a", "b", "a"]))]).unwrap();
    /// let runs = rows.runs("run", "series").unwrap();
    /// assert_eq!(runs.values, vec![Some("a".to_owned()), Some("b".to_owned())]);
    /// assert_eq!(runs.runs[0], RowRun { batch: 0, start: 0, len: 2, code: 0 });
    /// assert_eq!(runs.runs.len(), 3);
    /// ```
    ///
    /// # Errors
    /// [`ChartError::Data`] when the column is missing, cannot be displayed, or has more
    /// than 2^32 distinct values.
    pub fn runs(&self, name: &str, role: &str) -> Result<Runs> {
        use arrow_array::cast::AsArray;
        use arrow_array::types::Int32Type;
        let i = self.index(name, role)?;
        let mut builder = RunBuilder {
            name,
            index: std::collections::HashMap::new(),
            out: Runs { runs: Vec::new(), values: Vec::new() },
        };
        let options = FormatOptions::default();
        for (batch, chunk) in self.chunks(i).enumerate() {
            if let Some(a) = chunk.as_string_opt::<i32>() {
                builder.add(batch, a.iter())?;
            } else if let Some(a) = chunk.as_string_opt::<i64>() {
                builder.add(batch, a.iter())?;
            } else if let Some(a) = chunk.as_string_view_opt() {
                builder.add(batch, a.iter())?;
            } else if let Some(dict) = chunk.as_any_dictionary_opt()
                && matches!(
                    dict.values().data_type(),
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                )
            {
                // Rows compared by dictionary key; the text is looked up once per run.
                let values = arrow_cast::cast(dict.values(), &DataType::Utf8)
                    .map_err(|e| ChartError::Data(format!("column {name:?}: {e}")))?;
                let values = values.as_string_opt::<i32>().ok_or_else(|| {
                    ChartError::Data(format!("column {name:?}: dictionary values are not text"))
                })?;
                let text =
                    |key: usize| (key < values.len() && !values.is_null(key)).then(|| values.value(key));
                match chunk.as_dictionary_opt::<Int32Type>() {
                    // runql's own dictionaries: i32 keys, read straight from their buffer.
                    Some(d) if d.keys().null_count() == 0 => {
                        builder.add_key_runs(batch, d.keys().values(), text)?;
                    }
                    _ => {
                        // normalized_keys asserts on an empty dictionary (an all-null column).
                        let keys =
                            if values.is_empty() { vec![0; chunk.len()] } else { dict.normalized_keys() };
                        let nulls = chunk.logical_nulls();
                        let ids = keys.iter().enumerate().map(|(row, &key)| {
                            if nulls.as_ref().is_some_and(|n| n.is_null(row)) { usize::MAX } else { key }
                        });
                        builder.add_ids(batch, ids, text)?;
                    }
                }
            } else {
                let formatter = ArrayFormatter::try_new(chunk.as_ref(), &options)
                    .map_err(|e| ChartError::Data(format!("column {name:?}: {e}")))?;
                let texts: Vec<Option<String>> = (0..chunk.len())
                    .map(|r| (!chunk.is_null(r)).then(|| formatter.value(r).to_string()))
                    .collect();
                builder.add(batch, texts.iter().map(Option::as_deref))?;
            }
        }
        Ok(builder.out)
    }

    /// The display text of column `name` at `row` of batch `batch` (`None` for null or a
    /// row that does not exist).
    ///
    /// # Errors
    /// [`ChartError::Data`] when the column is missing or cannot be displayed.
    pub fn text_at(&self, name: &str, role: &str, batch: usize, row: usize) -> Result<Option<String>> {
        let i = self.index(name, role)?;
        let Some(chunk) = self.chunks(i).nth(batch) else { return Ok(None) };
        if row >= chunk.len() || chunk.is_null(row) {
            return Ok(None);
        }
        let formatter = ArrayFormatter::try_new(chunk.as_ref(), &FormatOptions::default())
            .map_err(|e| ChartError::Data(format!("column {name:?}: {e}")))?;
        Ok(Some(formatter.value(row).to_string()))
    }
}

/// `floats` with every null replaced by NaN.
fn nulls_as_nan(floats: Float64Array) -> Float64Array {
    if floats.null_count() == 0 {
        floats
    } else {
        floats.iter().map(|v| Some(v.unwrap_or(f64::NAN))).collect()
    }
}

/// What one read of an integer column says about its order, as places: where a value is
/// below the one before it (`descents`: index `j` with `v[j] < v[j - 1]`), and where the
/// step between neighbours changes (`stride_breaks`: index `j` with
/// `v[j] - v[j - 1] != v[j - 1] - v[j - 2]`). A stretch with neither inside is sorted and
/// evenly spaced (logged every k steps), and a chart can then place any of its points by
/// arithmetic instead of reading it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct OrderNotes {
    pub(crate) descents: Vec<usize>,
    pub(crate) stride_breaks: Vec<usize>,
}

impl OrderNotes {
    /// Reads `ints` once, a block at a time without a branch per value (the places are
    /// looked for only in a block that has one), as this reads every x of a chart.
    fn of(ints: &[i64]) -> OrderNotes {
        const BLOCK: usize = 1024;
        let mut notes = OrderNotes::default();
        // Wrapping: the differences are compared, never used as numbers here.
        let (mut previous, mut stride) = (i64::MIN, None::<i64>);
        for (b, block) in ints.chunks(BLOCK).enumerate() {
            let (mut down, mut broken) = (false, false);
            let (mut before, mut before_stride) = (previous, stride.unwrap_or(0));
            for (k, &v) in block.iter().enumerate() {
                let d = v.wrapping_sub(before);
                down |= v < before;
                // The first value has no stride before it, the second none to compare with.
                broken |= d != before_stride && b * BLOCK + k >= 2;
                (before, before_stride) = (v, d);
            }
            if down || broken {
                let (mut before, mut before_stride) = (previous, stride.unwrap_or(0));
                for (k, &v) in block.iter().enumerate() {
                    let (j, d) = (b * BLOCK + k, v.wrapping_sub(before));
                    if v < before {
                        notes.descents.push(j);
                    }
                    if d != before_stride && j >= 2 {
                        notes.stride_breaks.push(j);
                    }
                    (before, before_stride) = (v, d);
                }
            }
            (previous, stride) = (before, Some(before_stride));
        }
        notes
    }

    /// Whether values `start..end` are in order.
    pub(crate) fn ordered(&self, start: usize, end: usize) -> bool {
        none_inside(&self.descents, start + 1, end)
    }

    /// The step between values `start..end` when they are in order and evenly spaced
    /// (at least two of them), read from `ints`.
    pub(crate) fn stride(&self, ints: &[i64], start: usize, end: usize) -> Option<i64> {
        let (a, b) = (ints.get(start)?, ints.get(start + 1)?);
        (end >= start + 2 && self.ordered(start, end) && none_inside(&self.stride_breaks, start + 2, end))
            .then(|| b.wrapping_sub(*a))
    }
}

/// Whether sorted `places` has none in `from..to`.
fn none_inside(places: &[usize], from: usize, to: usize) -> bool {
    places.get(places.partition_point(|&j| j < from)).is_none_or(|&j| j >= to)
}

fn to_f64(array: &ArrayRef) -> Result<Float64Array> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float64Type, Int32Type, Int64Type};
    let as_int;
    let source: &ArrayRef = match array.data_type() {
        // Timestamps cast to Float64 are refused by arrow; go through their Int64 value
        // (epoch units: milliseconds for runql's tables).
        DataType::Timestamp(_, _) | DataType::Date64 | DataType::Date32 => {
            as_int =
                arrow_cast::cast(array, &DataType::Int64).map_err(|e| ChartError::Data(e.to_string()))?;
            &as_int
        }
        _ => array,
    };
    // The common integer columns (steps, epoch milliseconds) in one tight loop; arrow's
    // general cast took 6 ns a value in the browser.
    if let Some(ints) = source.as_primitive_opt::<Int64Type>() {
        return Ok(ints.unary::<_, Float64Type>(|v| v as f64));
    }
    if let Some(ints) = source.as_primitive_opt::<Int32Type>() {
        return Ok(ints.unary::<_, Float64Type>(f64::from));
    }
    let cast = arrow_cast::cast(source, &DataType::Float64).map_err(|e| ChartError::Data(e.to_string()))?;
    cast.as_any()
        .downcast_ref::<Float64Array>()
        .cloned()
        .ok_or_else(|| ChartError::Data("cast to Float64 did not give Float64".into()))
}

/// Rows from (name, array) pairs — for tests and callers that build data by hand.
///
/// # Errors
/// [`ChartError::Data`] when the arrays differ in length.
pub fn rows_from(columns: Vec<(&str, ArrayRef)>) -> Result<Rows> {
    let batch = RecordBatch::try_from_iter(columns).map_err(|e| ChartError::Data(e.to_string()))?;
    Ok(Rows::new(batch.schema(), vec![batch]))
}

/// Shorthand for a Float64 column.
pub fn f64_column(values: Vec<f64>) -> ArrayRef {
    Arc::new(Float64Array::from(values))
}

/// Shorthand for a Utf8 column.
pub fn text_column(values: Vec<&str>) -> ArrayRef {
    Arc::new(arrow_array::StringArray::from(values))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{DictionaryArray, Int64Array, StringArray, types::Int32Type};

    proptest::proptest! {
        /// The block-wise check finds exactly the descents and stride changes a
        /// point-by-point walk finds, including at block edges: the values are running sums
        /// of mostly rising steps, so whole blocks without a descent and blocks with one or a
        /// few both occur.
        #[test]
        fn int_order_check_notes_every_descent(steps in proptest::collection::vec(-1i64..400, 0..5000)) {
            let ints: Vec<i64> = steps
                .iter()
                .scan(0i64, |sum, &s| {
                    *sum += if s < 0 { -7 } else { s / 80 };
                    Some(*sum)
                })
                .collect();
            let expected: Vec<usize> =
                (0..ints.len()).filter(|&j| j > 0 && ints[j] < ints[j - 1]).collect();
            let breaks: Vec<usize> = (2..ints.len())
                .filter(|&j| ints[j] - ints[j - 1] != ints[j - 1] - ints[j - 2])
                .collect();
            let notes = OrderNotes::of(&ints);
            proptest::prop_assert_eq!(&notes.descents, &expected);
            proptest::prop_assert_eq!(&notes.stride_breaks, &breaks);
            // A stretch's stride is known exactly when it is sorted and evenly spaced.
            for (start, end) in [(0, ints.len()), (3, ints.len() / 2), (ints.len() / 3, ints.len())] {
                let even = end >= start + 2
                    && (start + 1..end).all(|j| ints[j] - ints[j - 1] == ints[start + 1] - ints[start]
                        && ints[j] >= ints[j - 1]);
                let want = even.then(|| ints[start + 1] - ints[start]);
                proptest::prop_assert_eq!(notes.stride(&ints, start, end), want);
            }
        }
    }

    #[test]
    fn codes_of_text_dictionary_and_numbers() {
        let dict: DictionaryArray<Int32Type> =
            vec![Some("b"), Some("a"), None, Some("b")].into_iter().collect();
        let rows = rows_from(vec![
            ("text", Arc::new(StringArray::from(vec![Some("b"), Some("a"), None, Some("b")])) as ArrayRef),
            ("dict", Arc::new(dict) as ArrayRef),
            ("num", Arc::new(Int64Array::from(vec![Some(7), Some(7), None, Some(8)])) as ArrayRef),
        ])
        .unwrap();
        for col in ["text", "dict"] {
            let c = rows.codes(col, "series").unwrap();
            assert_eq!(c.codes, vec![0, 1, 2, 0], "{col}");
            assert_eq!(c.values, vec![Some("b".to_owned()), Some("a".to_owned()), None], "{col}");
        }
        let n = rows.codes("num", "series").unwrap();
        assert_eq!(n.codes, vec![0, 0, 1, 2]);
        assert_eq!(n.values, vec![Some("7".to_owned()), None, Some("8".to_owned())]);
        assert!(
            matches!(rows.codes("nope", "series"), Err(ChartError::Data(m)) if m.contains("text, dict, num"))
        );
        assert!(matches!(rows.numbers("text", "y"), Err(ChartError::Data(m)) if m.contains("not a number")));
        assert_eq!(rows.numbers("num", "y").unwrap()[..2], [7.0, 7.0]);
        assert!(rows.numbers("num", "y").unwrap()[2].is_nan());
    }
}
