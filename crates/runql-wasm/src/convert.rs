//! Conversions between JavaScript values and Arrow: query parameters in, result columns and
//! Arrow IPC bytes out.

use std::sync::Arc;

use js_sys::{Array, BigInt64Array, Float64Array, Int32Array, Object, Reflect, Uint8Array};
use runql_core::Param;
use runql_sql::datafusion::arrow::array::{Array as _, ArrayRef, AsArray, RecordBatch};
use runql_sql::datafusion::arrow::compute::{cast, concat_batches};
use runql_sql::datafusion::arrow::datatypes::{
    DataType, Field, Int32Type, Int64Type, Schema, SchemaRef, TimeUnit, TimestampMillisecondType,
};
use runql_sql::datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{Result, WasmError};

/// Largest integer a JavaScript number holds exactly (2^53 - 1).
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// Turns the JavaScript `params` array into `$1, $2, ...` values.
///
/// Integral numbers become `Int64`, other numbers `Float64`, strings `Utf8`, booleans
/// `Boolean`, bigints `Int64`, `Date`s UTC millisecond timestamps, `null`/`undefined` NULL.
///
/// # Errors
/// [`WasmError::Params`] when `params` is not an array or holds another kind of value.
pub fn params_from_js(params: &JsValue) -> Result<Vec<Param>> {
    if params.is_undefined() || params.is_null() {
        return Ok(Vec::new());
    }
    let Some(array) = params.dyn_ref::<Array>() else {
        return Err(WasmError::Params("query parameters must be an array, e.g. [\"val/loss\", 10]".into()));
    };
    array.iter().enumerate().map(|(i, v)| param_from_js(i + 1, &v)).collect()
}

fn param_from_js(n: usize, v: &JsValue) -> Result<Param> {
    if v.is_null() || v.is_undefined() {
        return Ok(Param::Null);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Param::Bool(b));
    }
    if let Some(x) = v.as_f64() {
        if x.fract() == 0.0 && x.abs() <= MAX_SAFE_INTEGER as f64 {
            return Ok(Param::Int(x as i64));
        }
        return Ok(Param::Float(x));
    }
    if let Some(s) = v.as_string() {
        return Ok(Param::Text(s));
    }
    if v.is_bigint() {
        return i64::try_from(v.clone())
            .map(Param::Int)
            .map_err(|_| WasmError::Params(format!("parameter ${n}: bigint does not fit in 64 bits")));
    }
    if let Some(date) = v.dyn_ref::<js_sys::Date>() {
        let ms = date.get_time();
        if ms.is_finite() {
            return Ok(Param::TimestampMs(ms as i64));
        }
        return Err(WasmError::Params(format!("parameter ${n}: invalid Date")));
    }
    Err(WasmError::Params(format!(
        "parameter ${n}: unsupported value (use a number, string, boolean, bigint, Date or null)"
    )))
}

/// `[{name, type, nullable}]` for the fields of `schema`; `type` is Arrow's name of the type.
pub fn describe_schema(schema: &Schema) -> Array {
    schema
        .fields()
        .iter()
        .map(|f| {
            let o = Object::new();
            set(&o, "name", &JsValue::from_str(f.name()));
            set(&o, "type", &JsValue::from_str(&f.data_type().to_string()));
            set(&o, "nullable", &JsValue::from_bool(f.is_nullable()));
            JsValue::from(o)
        })
        .collect()
}

/// The result as one JavaScript object per column, for the JS side to build rows from:
/// `{name, kind, values, valid?, dict?}` where `kind` is `number` (`Float64Array`), `bigint`
/// (`BigInt64Array`, for integers beyond 2^53), `bool` (`Uint8Array`), `date` (`Float64Array`
/// of epoch milliseconds), `dict` (`Int32Array` keys into the `dict` array of strings, -1 for
/// null), `string` (an array of strings) or `null`. `valid` (a `Uint8Array`, 1 = present) is
/// only there when the column has nulls.
///
/// # Errors
/// [`WasmError::Internal`] if Arrow cannot cast or format a column.
pub fn columns_to_js(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<Array> {
    let batch = concat_batches(schema, batches)?;
    let out = Array::new();
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        let o = column_to_js(column)?;
        set(&o, "name", &JsValue::from_str(field.name()));
        out.push(&o);
    }
    Ok(out)
}

fn column_to_js(array: &ArrayRef) -> Result<Object> {
    let o = Object::new();
    let len = array.len();
    let dt = array.data_type();
    let kind = match dt {
        DataType::Null => "null",
        DataType::Boolean => {
            let a = array.as_boolean();
            let values: Vec<u8> = (0..len).map(|i| u8::from(a.value(i))).collect();
            set(&o, "values", &Uint8Array::from(values.as_slice()));
            "bool"
        }
        t if t.is_integer() => {
            let ints = cast(array, &DataType::Int64)?;
            let ints = ints.as_primitive::<Int64Type>();
            if ints.values().iter().all(|v| v.unsigned_abs() <= MAX_SAFE_INTEGER.unsigned_abs()) {
                let values: Vec<f64> = ints.values().iter().map(|&v| v as f64).collect();
                set(&o, "values", &Float64Array::from(values.as_slice()));
                "number"
            } else {
                set(&o, "values", &BigInt64Array::from(&ints.values()[..]));
                "bigint"
            }
        }
        t if t.is_floating() || matches!(t, DataType::Decimal128(..) | DataType::Decimal256(..)) => {
            let floats = cast(array, &DataType::Float64)?;
            let floats = floats.as_primitive::<runql_sql::datafusion::arrow::datatypes::Float64Type>();
            set(&o, "values", &Float64Array::from(&floats.values()[..]));
            "number"
        }
        DataType::Timestamp(..) | DataType::Date32 | DataType::Date64 => {
            // Keep the zone so that the stored values stay UTC epoch milliseconds.
            let tz = if let DataType::Timestamp(_, tz) = dt { tz.clone() } else { None };
            let ms = cast(array, &DataType::Timestamp(TimeUnit::Millisecond, tz))?;
            let ms = ms.as_primitive::<TimestampMillisecondType>();
            let values: Vec<f64> = ms.values().iter().map(|&v| v as f64).collect();
            set(&o, "values", &Float64Array::from(values.as_slice()));
            "date"
        }
        DataType::Dictionary(_, value) if is_string(value) => {
            let target = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
            let dict = cast(array, &target)?;
            let dict = dict.as_dictionary::<Int32Type>();
            let strings = dict.values().as_string::<i32>();
            let keys: Vec<i32> = (0..len)
                .map(|i| match dict.key(i) {
                    Some(k) if strings.is_valid(k) => i32::try_from(k).unwrap_or(-1),
                    _ => -1,
                })
                .collect();
            let words: Array = strings.iter().map(|s| JsValue::from_str(s.unwrap_or(""))).collect();
            set(&o, "keys", &Int32Array::from(keys.as_slice()));
            set(&o, "dict", &words);
            "dict"
        }
        t if is_string(t) => {
            let utf8 = cast(array, &DataType::Utf8)?;
            let strings = utf8.as_string::<i32>();
            let values: Array = strings.iter().map(|s| s.map_or(JsValue::NULL, JsValue::from_str)).collect();
            set(&o, "values", &values);
            "string"
        }
        _ => {
            let formatter = ArrayFormatter::try_new(array.as_ref(), &FormatOptions::default())?;
            let values: Array = (0..len)
                .map(|i| {
                    if array.is_null(i) {
                        JsValue::NULL
                    } else {
                        JsValue::from_str(&formatter.value(i).to_string())
                    }
                })
                .collect();
            set(&o, "values", &values);
            "string"
        }
    };
    set(&o, "kind", &JsValue::from_str(kind));
    set(&o, "length", &JsValue::from_f64(len as f64));
    if array.logical_null_count() > 0 && kind != "null" && kind != "dict" {
        let valid: Vec<u8> = (0..len).map(|i| u8::from(array.is_valid(i))).collect();
        set(&o, "valid", &Uint8Array::from(valid.as_slice()));
    }
    Ok(o)
}

fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// The result as an Arrow IPC stream (one record batch), readable by the `apache-arrow`
/// JavaScript package. View types (`Utf8View`, `BinaryView`), which some readers do not
/// support yet, are written as `Utf8`/`Binary`.
///
/// # Errors
/// [`WasmError::Internal`] if Arrow cannot cast or write the batches.
pub fn to_ipc(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<Vec<u8>> {
    let batch = concat_batches(schema, batches)?;
    let mut fields = Vec::with_capacity(schema.fields().len());
    let mut columns = Vec::with_capacity(schema.fields().len());
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        let portable = match field.data_type() {
            DataType::Utf8View => Some(DataType::Utf8),
            DataType::BinaryView => Some(DataType::Binary),
            _ => None,
        };
        match portable {
            Some(t) => {
                columns.push(cast(column, &t)?);
                fields.push(Field::new(field.name(), t, field.is_nullable()));
            }
            None => {
                columns.push(Arc::clone(column));
                fields.push(field.as_ref().clone());
            }
        }
    }
    let schema = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
    let batch = RecordBatch::try_new(Arc::clone(&schema), columns)?;
    let mut writer = arrow_ipc::writer::StreamWriter::try_new(Vec::new(), &schema)?;
    writer.write(&batch)?;
    writer.finish()?;
    Ok(writer.into_inner()?)
}

fn set(target: &Object, key: &str, value: &JsValue) {
    // Defining a property on a plain object created here cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use runql_sql::datafusion::arrow::array::{Float64Array as F64, StringViewArray};

    #[test]
    fn ipc_round_trips_and_views_become_utf8() {
        let batch = RecordBatch::try_from_iter([
            ("s", Arc::new(StringViewArray::from(vec![Some("a"), None])) as ArrayRef),
            ("x", Arc::new(F64::from(vec![f64::NAN, 1.5])) as ArrayRef),
        ])
        .unwrap();
        let bytes = to_ipc(&batch.schema(), std::slice::from_ref(&batch)).unwrap();
        let reader = arrow_ipc::reader::StreamReader::try_new(std::io::Cursor::new(bytes), None).unwrap();
        let read: Vec<RecordBatch> = reader.collect::<std::result::Result<_, _>>().unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].schema().field(0).data_type(), &DataType::Utf8);
        assert!(
            read[0]
                .column(1)
                .as_primitive::<runql_sql::datafusion::arrow::datatypes::Float64Type>()
                .value(0)
                .is_nan()
        );
    }

    #[test]
    fn empty_result_still_has_a_schema() {
        let schema = Arc::new(Schema::new(vec![Field::new("a", DataType::Int64, true)]));
        let bytes = to_ipc(&schema, &[]).unwrap();
        let reader = arrow_ipc::reader::StreamReader::try_new(std::io::Cursor::new(bytes), None).unwrap();
        assert_eq!(reader.schema().field(0).name(), "a");
    }
}
