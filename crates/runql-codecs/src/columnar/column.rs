//! Reading columns of any Arrow type as the plain values readers need (text, numbers, epoch
//! milliseconds), so that a table written by pandas, polars, Spark or DuckDB is read the same
//! whether its strings are dictionary-encoded, large or views and its numbers ints or floats.

use std::borrow::Cow;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMillisecondType;
use arrow_array::{Array, ArrayRef, Float64Array, Int64Array, StringArray};
use arrow_schema::{DataType, TimeUnit};

use runql_core::timefmt::{epoch_to_ms, parse_timestamp_ms};

/// A column converted once for row-by-row reading.
#[derive(Debug, Clone)]
pub enum Cells {
    /// Text (strings, and numbers or bools in their display form).
    Text(StringArray),
    /// Integers.
    Int(Int64Array),
    /// Other numbers.
    Number(Float64Array),
    /// Epoch milliseconds of a timestamp or date column.
    Millis(Int64Array),
    /// A type that has no cell form here (lists, structs, binary).
    Other(DataType),
}

impl Cells {
    /// Converts `array`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use runql_codecs::columnar::column::Cells;
    /// let ints: arrow_array::ArrayRef = Arc::new(arrow_array::Int32Array::from(vec![Some(3), None]));
    /// let c = Cells::of(&ints);
    /// assert_eq!((c.number(0), c.number(1)), (Some(3.0), None));
    /// assert_eq!(c.text(0).as_deref(), Some("3"));
    /// ```
    pub fn of(array: &ArrayRef) -> Cells {
        let dt = array.data_type();
        match dt {
            DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64 => {
                let target = DataType::Timestamp(TimeUnit::Millisecond, None);
                match arrow_cast::cast(array, &target) {
                    Ok(a) => Cells::Millis(a.as_primitive::<TimestampMillisecondType>().reinterpret_cast()),
                    Err(_) => Cells::Other(dt.clone()),
                }
            }
            d if d.is_integer() => match arrow_cast::cast(array, &DataType::Int64) {
                Ok(a) => Cells::Int(a.as_primitive().clone()),
                Err(_) => Cells::Other(dt.clone()),
            },
            d if d.is_numeric() => match arrow_cast::cast(array, &DataType::Float64) {
                Ok(a) => Cells::Number(a.as_primitive().clone()),
                Err(_) => Cells::Other(dt.clone()),
            },
            DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Boolean
            | DataType::Null
            | DataType::Dictionary(_, _) => match arrow_cast::cast(array, &DataType::Utf8) {
                Ok(a) => Cells::Text(a.as_string::<i32>().clone()),
                Err(_) => Cells::Other(dt.clone()),
            },
            _ => Cells::Other(dt.clone()),
        }
    }

    /// True for a column type that has no cell form.
    pub fn is_other(&self) -> bool {
        matches!(self, Cells::Other(_))
    }

    /// The cell as text; numbers in shortest round-trip form.
    pub fn text(&self, i: usize) -> Option<Cow<'_, str>> {
        match self {
            Cells::Text(a) => (i < a.len() && a.is_valid(i)).then(|| Cow::Borrowed(a.value(i))),
            Cells::Int(a) => (i < a.len() && a.is_valid(i)).then(|| Cow::Owned(a.value(i).to_string())),
            Cells::Number(a) => (i < a.len() && a.is_valid(i)).then(|| Cow::Owned(number_text(a.value(i)))),
            Cells::Millis(a) => (i < a.len() && a.is_valid(i)).then(|| Cow::Owned(a.value(i).to_string())),
            Cells::Other(_) => None,
        }
    }

    /// The cell as a number: numbers as they are, text by the float rules of
    /// [`crate::cells::number`] (NaN/inf spellings included).
    pub fn number(&self, i: usize) -> Option<f64> {
        match self {
            Cells::Int(a) => (i < a.len() && a.is_valid(i)).then(|| a.value(i) as f64),
            Cells::Number(a) => (i < a.len() && a.is_valid(i)).then(|| a.value(i)),
            Cells::Text(a) => {
                (i < a.len() && a.is_valid(i)).then(|| a.value(i)).and_then(crate::cells::number)
            }
            Cells::Millis(_) | Cells::Other(_) => None,
        }
    }

    /// The cell as epoch milliseconds: timestamps as they are, numbers as epoch seconds or
    /// milliseconds ([`epoch_to_ms`]), text also as ISO-8601.
    pub fn millis(&self, i: usize) -> Option<i64> {
        match self {
            Cells::Millis(a) => (i < a.len() && a.is_valid(i)).then(|| a.value(i)),
            Cells::Int(a) => (i < a.len() && a.is_valid(i)).then(|| a.value(i)).and_then(|v| {
                if v.unsigned_abs() >= 100_000_000_000 { Some(v) } else { epoch_to_ms(v as f64) }
            }),
            Cells::Number(a) => (i < a.len() && a.is_valid(i)).then(|| a.value(i)).and_then(epoch_to_ms),
            Cells::Text(a) => (i < a.len() && a.is_valid(i)).then(|| a.value(i)).and_then(parse_timestamp_ms),
            Cells::Other(_) => None,
        }
    }

    /// True when the cell is null (or has no cell form).
    pub fn is_null(&self, i: usize) -> bool {
        match self {
            Cells::Text(a) => i >= a.len() || a.is_null(i),
            Cells::Int(a) => i >= a.len() || a.is_null(i),
            Cells::Number(a) => i >= a.len() || a.is_null(i),
            Cells::Millis(a) => i >= a.len() || a.is_null(i),
            Cells::Other(_) => true,
        }
    }
}

/// A float as text: shortest round-trip form (`3.0` stays `3.0`, so it is still typed a
/// float), NaN and infinities spelled as Python does.
fn number_text(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        let mut b = ryu::Buffer::new();
        b.format_finite(v).to_string()
    }
}
