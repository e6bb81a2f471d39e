//! Bringing decoded table files to runql's exact schemas: the same column types as a load
//! builds them, and the same dictionaries, so a load of written tables equals the original.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, DictionaryArray, Int32Array, RecordBatch, StringArray, new_null_array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::columnar::Table;

/// The Arrow types to decode a runql Parquet table into: metric run ids and keys as
/// dictionaries (decoded straight from Parquet's dictionary pages, no string per row) and
/// timestamps in UTC, as [`runql_core::model::schema`] has them.
pub(crate) fn hint(table: &str, plain: &Schema) -> Schema {
    let dict_columns: &[&str] = if table == "metrics" { &["run_id", "key"] } else { &[] };
    let fields: Vec<Field> = plain
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                if dict_columns.contains(&f.name().as_str()) =>
            {
                f.as_ref().clone().with_data_type(runql_core::model::schema::dict_utf8())
            }
            DataType::Timestamp(unit, Some(_)) => {
                f.as_ref().clone().with_data_type(DataType::Timestamp(*unit, Some("UTC".into())))
            }
            _ => f.as_ref().clone(),
        })
        .collect();
    Schema::new(fields)
}

/// All of `table`'s columns of `name`, one array per batch.
pub(crate) fn chunks(table: &Table, name: &str) -> Option<Vec<ArrayRef>> {
    let i = table.schema.index_of(name).ok()?;
    table.batches.iter().map(|b| b.columns().get(i).cloned()).collect()
}

fn concat(parts: &[ArrayRef]) -> Result<ArrayRef, String> {
    match parts {
        [one] => Ok(one.clone()),
        _ => {
            let refs: Vec<&dyn Array> = parts.iter().map(|a| a.as_ref()).collect();
            arrow_select::concat::concat(&refs).map_err(|e| e.to_string())
        }
    }
}

/// One column of `want`'s type: cast when the file has another type (other writers), nulls
/// when an optional column is missing; `Err` when a required column is missing or has nulls.
pub(crate) fn column(table: &Table, want: &Field) -> Result<ArrayRef, String> {
    let Some(parts) = chunks(table, want.name()) else {
        if want.is_nullable() {
            return Ok(new_null_array(want.data_type(), table.num_rows()));
        }
        return Err(format!("column {:?} is missing", want.name()));
    };
    let array =
        if parts.is_empty() { arrow_array::new_empty_array(want.data_type()) } else { concat(&parts)? };
    let array = if array.data_type() == want.data_type() {
        array
    } else {
        arrow_cast::cast(&array, want.data_type()).map_err(|e| {
            format!("column {:?} ({}) is not {}: {e}", want.name(), array.data_type(), want.data_type())
        })?
    };
    if !want.is_nullable() && array.null_count() > 0 {
        return Err(format!("column {:?} has {} empty cells", want.name(), array.null_count()));
    }
    Ok(array)
}

/// `table` with exactly the columns of `schema` (see [`column`]); also the names of the
/// file's columns that runql's schema does not have.
pub(crate) fn conform(table: &Table, schema: SchemaRef) -> Result<(RecordBatch, Vec<String>), String> {
    let columns = schema.fields().iter().map(|f| column(table, f)).collect::<Result<Vec<_>, _>>()?;
    let extra = table
        .schema
        .fields()
        .iter()
        .filter(|f| schema.field_with_name(f.name()).is_err())
        .map(|f| f.name().clone())
        .collect();
    let options = arrow_array::RecordBatchOptions::new().with_row_count(Some(table.num_rows()));
    let batch = RecordBatch::try_new_with_options(schema, columns, &options).map_err(|e| e.to_string())?;
    Ok((batch, extra))
}

/// Codes of a string column (any string or dictionary type), one per row: `code(text)` is
/// asked once per distinct dictionary value (or per row for plain strings). Null cells and
/// unknown texts are `None`.
pub(crate) fn codes(
    parts: &[ArrayRef],
    code: &mut dyn FnMut(&str) -> Option<i32>,
) -> Result<Vec<Option<i32>>, String> {
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        if let Some(dict) = part.as_any_dictionary_opt() {
            let values = arrow_cast::cast(dict.values(), &DataType::Utf8).map_err(|e| e.to_string())?;
            let values = values.as_string::<i32>();
            let mapped: Vec<Option<i32>> = (0..values.len())
                .map(|i| if values.is_valid(i) { code(values.value(i)) } else { None })
                .collect();
            let keys = dict.normalized_keys();
            out.extend(
                keys.iter()
                    .enumerate()
                    .map(|(row, k)| if part.is_null(row) { None } else { mapped.get(*k).copied().flatten() }),
            );
        } else {
            let text = arrow_cast::cast(part, &DataType::Utf8).map_err(|e| e.to_string())?;
            let text = text.as_string::<i32>();
            out.extend((0..text.len()).map(|i| if text.is_valid(i) { code(text.value(i)) } else { None }));
        }
    }
    Ok(out)
}

/// The column as one dictionary array over `values`, without looking at a row, when every
/// part already is an Int32 dictionary over exactly `values` with no null keys.
pub(crate) fn same_dictionary(parts: &[ArrayRef], values: &StringArray) -> Option<ArrayRef> {
    let mut keys: Vec<&Int32Array> = Vec::with_capacity(parts.len());
    for part in parts {
        let dict = part.as_dictionary_opt::<Int32Type>()?;
        let own = dict.values().as_string_opt::<i32>()?;
        if own != values || dict.keys().null_count() > 0 {
            return None;
        }
        keys.push(dict.keys());
    }
    let keys: Int32Array = match keys.as_slice() {
        [one] => (*one).clone(),
        _ => {
            let refs: Vec<&dyn Array> = keys.iter().map(|k| *k as &dyn Array).collect();
            arrow_select::concat::concat(&refs).ok()?.as_primitive::<Int32Type>().clone()
        }
    };
    let array = DictionaryArray::<Int32Type>::try_new(keys, Arc::new(values.clone())).ok()?;
    Some(Arc::new(array))
}

/// A dictionary column with `values` as its dictionary, when every code is present.
pub(crate) fn dictionary(codes: Vec<Option<i32>>, values: &StringArray) -> Option<ArrayRef> {
    let keys: Vec<i32> = codes.into_iter().collect::<Option<Vec<i32>>>()?;
    let array =
        DictionaryArray::<Int32Type>::try_new(Int32Array::from(keys), Arc::new(values.clone())).ok()?;
    Some(Arc::new(array))
}

/// Text → position, in first-seen order of the non-null cells of `values`.
pub(crate) fn first_seen(values: &StringArray) -> (HashMap<String, i32>, StringArray) {
    let mut index: HashMap<String, i32> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for v in values.iter().flatten() {
        if !index.contains_key(v) {
            index.insert(v.to_string(), order.len() as i32);
            order.push(v.to_string());
        }
    }
    (index, StringArray::from(order))
}
