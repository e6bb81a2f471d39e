//! Reading a chart's columns out of query results (Arrow record batches).

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{DataType, SchemaRef};

use crate::error::{ChartError, Result};

/// The rows a chart draws: a schema and its batches.
#[derive(Debug, Clone)]
pub struct Rows {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
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
        Rows { schema, batches }
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
        self.chunks(i)
            .map(|chunk| {
                let floats = to_f64(chunk)?;
                Ok(if floats.null_count() == 0 {
                    floats
                } else {
                    floats.iter().map(|v| Some(v.unwrap_or(f64::NAN))).collect()
                })
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

impl Rows {
    /// Column `name` as [`Codes`].
    ///
    /// # Errors
    /// [`ChartError::Data`] when the column is missing, cannot be displayed, or has more
    /// than 2^32 distinct values.
    pub fn codes(&self, name: &str, role: &str) -> Result<Codes> {
        let i = self.index(name, role)?;
        let options = FormatOptions::default();
        let mut index: std::collections::HashMap<Option<String>, u32> = std::collections::HashMap::new();
        let mut values: Vec<Option<String>> = Vec::new();
        let mut codes = Vec::with_capacity(self.num_rows());
        // Rows of one run usually come together: compare with the previous row's text
        // before hashing, which skips almost every lookup.
        let mut previous: Option<(Option<String>, u32)> = None;
        let mut push = |value: Option<&str>, codes: &mut Vec<u32>| -> Result<()> {
            if let Some((prev, code)) = &previous
                && prev.as_deref() == value
            {
                codes.push(*code);
                return Ok(());
            }
            let owned = value.map(str::to_owned);
            let code = match index.get(&owned) {
                Some(&c) => c,
                None => {
                    let c = u32::try_from(values.len()).map_err(|_| {
                        ChartError::Data(format!("column {name:?} has too many distinct values"))
                    })?;
                    index.insert(owned.clone(), c);
                    values.push(owned.clone());
                    c
                }
            };
            codes.push(code);
            previous = Some((owned, code));
            Ok(())
        };
        for chunk in self.chunks(i) {
            // Text columns are read as they are; others (and dictionaries, after a cast)
            // through Arrow's display formatting.
            let as_text = match chunk.data_type() {
                DataType::Dictionary(_, v)
                    if matches!(v.as_ref(), DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) =>
                {
                    Some(
                        arrow_cast::cast(chunk, &DataType::Utf8)
                            .map_err(|e| ChartError::Data(e.to_string()))?,
                    )
                }
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Some(chunk.clone()),
                _ => None,
            };
            if let Some(text) = as_text {
                use arrow_array::cast::AsArray;
                if let Some(a) = text.as_string_opt::<i32>() {
                    for v in a.iter() {
                        push(v, &mut codes)?;
                    }
                } else if let Some(a) = text.as_string_opt::<i64>() {
                    for v in a.iter() {
                        push(v, &mut codes)?;
                    }
                } else if let Some(a) = text.as_string_view_opt() {
                    for v in a.iter() {
                        push(v, &mut codes)?;
                    }
                }
                continue;
            }
            let formatter = ArrayFormatter::try_new(chunk.as_ref(), &options)
                .map_err(|e| ChartError::Data(format!("column {name:?}: {e}")))?;
            let mut text = String::new();
            for r in 0..chunk.len() {
                if chunk.is_null(r) {
                    push(None, &mut codes)?;
                } else {
                    text.clear();
                    use std::fmt::Write;
                    write!(text, "{}", formatter.value(r)).map_err(|e| ChartError::Data(e.to_string()))?;
                    push(Some(text.as_str()), &mut codes)?;
                }
            }
        }
        Ok(Codes { codes, values })
    }
}

fn to_f64(array: &ArrayRef) -> Result<Float64Array> {
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
