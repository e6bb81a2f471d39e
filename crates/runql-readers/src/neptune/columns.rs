//! The columns of a neptune-exporter file (`src/neptune_exporter/model.py::SCHEMA`), read
//! once per file into row-addressable form.

use arrow_array::cast::AsArray;
use arrow_array::types::Decimal128Type;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Schema};

use super::steps::{micro_from_decimal, micro_from_float};
use crate::columnar::column::Cells;

/// Columns that make a table a neptune-exporter table.
pub const REQUIRED: [&str; 3] = ["run_id", "attribute_path", "attribute_type"];

/// True when `schema` has the neptune-exporter columns.
pub fn is_neptune(schema: &Schema) -> bool {
    REQUIRED.iter().all(|c| schema.field_with_name(c).is_ok())
}

/// One batch's columns.
pub(crate) struct Columns {
    pub project: Option<Cells>,
    pub run: Cells,
    pub path: Cells,
    pub kind: Cells,
    step: Option<ArrayRef>,
    pub timestamp: Option<Cells>,
    pub int: Option<Cells>,
    pub float: Option<Cells>,
    pub string: Option<Cells>,
    pub boolean: Option<Cells>,
    pub datetime: Option<Cells>,
    /// `datetime_value` as ISO-8601 text, for params.
    pub datetime_text: Option<Cells>,
    string_set: Option<ArrayRef>,
}

impl Columns {
    pub fn of(batch: &RecordBatch) -> Option<Columns> {
        let get = |n: &str| batch.column_by_name(n).cloned();
        let cells = |n: &str| get(n).map(|a| Cells::of(&a));
        // Through a zone-less timestamp: naming the zone needs no time-zone database then.
        let naive = DataType::Timestamp(arrow_schema::TimeUnit::Millisecond, None);
        let datetime_text = get("datetime_value")
            .and_then(|a| arrow_cast::cast(&a, &naive).ok())
            .and_then(|a| arrow_cast::cast(&a, &DataType::Utf8).ok())
            .map(|a| Cells::of(&a));
        Some(Columns {
            project: cells("project_id"),
            run: cells("run_id")?,
            path: cells("attribute_path")?,
            kind: cells("attribute_type")?,
            step: get("step"),
            timestamp: cells("timestamp"),
            int: cells("int_value"),
            float: cells("float_value"),
            string: cells("string_value"),
            boolean: cells("bool_value"),
            datetime: cells("datetime_value"),
            datetime_text,
            string_set: get("string_set_value"),
        })
    }

    /// The step of row `i` in micro-steps; `Ok(None)` when the cell is empty, `Err` when it
    /// is not a usable number.
    pub fn micro_step(&self, i: usize) -> Result<Option<i64>, String> {
        let Some(step) = &self.step else { return Ok(None) };
        if i >= step.len() || step.is_null(i) {
            return Ok(None);
        }
        let micro = match step.data_type() {
            DataType::Decimal128(_, scale) => {
                micro_from_decimal(step.as_primitive::<Decimal128Type>().value(i), *scale)
            }
            _ => Cells::of(step).number(i).and_then(micro_from_float),
        };
        micro.map(Some).ok_or_else(|| "step is out of range".to_string())
    }

    /// The strings of row `i`'s `string_set_value`.
    pub fn string_set(&self, i: usize) -> Vec<String> {
        let Some(col) = &self.string_set else { return Vec::new() };
        if i >= col.len() || col.is_null(i) {
            return Vec::new();
        }
        let list = match col.data_type() {
            DataType::List(_) => col.as_list::<i32>().value(i),
            DataType::LargeList(_) => col.as_list::<i64>().value(i),
            _ => return Vec::new(),
        };
        let cells = Cells::of(&list);
        (0..list.len()).filter_map(|j| cells.text(j).map(|c| c.into_owned())).collect()
    }
}
