//! Functions whose output size comes from an argument, checked before they allocate.
//!
//! `repeat('x', 1500000000)` asks for 1.5 GB in one call; DataFusion's memory pool does not
//! see scalar functions, and in WebAssembly the failed allocation traps the instance. Each
//! function here is replaced by a wrapper that computes, from the arguments of the batch, an
//! upper bound of the bytes the call will produce and refuses the call with a
//! `ResourcesExhausted` error ([`crate::SqlError::Limit`]) when the bound passes
//! [`crate::QueryLimits::value_bytes`]. Otherwise the wrapper calls the original function:
//! results are unchanged.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::compute::kernels::length::length;
use datafusion::arrow::datatypes::{DataType, FieldRef, Int64Type};
use datafusion::common::{DataFusionError, ExprSchema, Result as DfResult};
use datafusion::logical_expr::interval_arithmetic::Interval;
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::sort_properties::{ExprProperties, SortProperties};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, Expr, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl,
    Signature,
};
use datafusion::prelude::SessionContext;

use crate::limits::human_bytes;

/// How a function's output grows with its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Growth {
    /// `repeat(s, n)`: `len(s) * n` bytes.
    Repeat,
    /// `lpad(s, n [, fill])`, `rpad`: `n` characters of up to 4 bytes.
    Pad,
    /// `replace(s, from, to)`: every `from` in `s` becomes `to`.
    Replace,
    /// `regexp_replace(s, pattern, replacement [, flags])`: at worst a replacement at
    /// every position of `s`.
    RegexpReplace,
    /// `array_repeat(element, n)`: `n` copies of the element.
    ArrayRepeat,
    /// `range(stop)`, `range(start, stop [, step])`, `generate_series` as a scalar: one
    /// 8-byte element per step.
    Range,
}

/// The functions guarded, by name (their aliases follow them).
const GUARDED: [(&str, Growth); 8] = [
    ("repeat", Growth::Repeat),
    ("lpad", Growth::Pad),
    ("rpad", Growth::Pad),
    ("replace", Growth::Replace),
    ("regexp_replace", Growth::RegexpReplace),
    ("array_repeat", Growth::ArrayRepeat),
    ("range", Growth::Range),
    ("generate_series", Growth::Range),
];

/// Replaces each guarded function registered in `ctx` by its checked wrapper.
pub fn install(ctx: &SessionContext, value_bytes: usize) {
    let state = ctx.state();
    let registered = state.scalar_functions();
    for (name, growth) in GUARDED {
        if let Some(inner) = registered.get(name) {
            ctx.register_udf(ScalarUDF::new_from_impl(Guarded {
                inner: Arc::clone(inner),
                growth,
                value_bytes,
            }));
        }
    }
}

/// A function with its output size checked first.
#[derive(Debug)]
struct Guarded {
    inner: Arc<ScalarUDF>,
    growth: Growth,
    value_bytes: usize,
}

impl PartialEq for Guarded {
    fn eq(&self, other: &Self) -> bool {
        self.inner == other.inner && self.growth == other.growth && self.value_bytes == other.value_bytes
    }
}

impl Eq for Guarded {}

impl Hash for Guarded {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.inner.hash(state);
        self.growth.hash(state);
        self.value_bytes.hash(state);
    }
}

impl Guarded {
    fn check(&self, args: &ScalarFunctionArgs) -> DfResult<()> {
        let Some(bound) = bound(self.growth, &args.args, args.number_rows) else {
            // Arguments of a kind the bound does not read (dates with an interval step, …):
            // the function checks its own arguments.
            return Ok(());
        };
        if bound > self.value_bytes as u128 {
            let shown = usize::try_from(bound).map_or_else(|_| format!("{bound} bytes"), human_bytes);
            return Err(DataFusionError::ResourcesExhausted(format!(
                "{}: the result would take about {shown}, more than the {} one function call may \
                 produce (a quarter of the session's memory limit; raise it with --memory-limit)",
                self.inner.name(),
                human_bytes(self.value_bytes)
            )));
        }
        Ok(())
    }
}

/// Upper bound of the bytes `growth` produces over `rows` rows, or None when an argument is
/// not of a type the bound understands.
fn bound(growth: Growth, args: &[ColumnarValue], rows: usize) -> Option<u128> {
    let rows = rows.max(1);
    match growth {
        Growth::Repeat => {
            let s = byte_lengths(args.first()?)?;
            let n = integers(args.get(1)?)?;
            Some(sum_rows(rows, |i| s.at(i) * n.at(i).max(0) as u128))
        }
        Growth::Pad => {
            let n = integers(args.get(1)?)?;
            Some(sum_rows(rows, |i| n.at(i).max(0) as u128 * 4))
        }
        Growth::Replace => {
            let s = byte_lengths(args.first()?)?;
            let from = byte_lengths(args.get(1)?)?;
            let to = byte_lengths(args.get(2)?)?;
            Some(sum_rows(rows, |i| {
                let hits = s.at(i) / from.at(i).max(1) + 1;
                s.at(i) + hits * to.at(i)
            }))
        }
        Growth::RegexpReplace => {
            let s = byte_lengths(args.first()?)?;
            let to = byte_lengths(args.get(2)?)?;
            Some(sum_rows(rows, |i| s.at(i) + (s.at(i) + 1) * to.at(i)))
        }
        Growth::ArrayRepeat => {
            let element = args.first()?;
            let per_element = match element {
                ColumnarValue::Scalar(v) => v.size() as u128,
                ColumnarValue::Array(a) => (a.get_array_memory_size() / a.len().max(1)) as u128,
            }
            .max(8);
            let n = integers(args.get(1)?)?;
            Some(sum_rows(rows, |i| n.at(i).max(0) as u128 * per_element))
        }
        Growth::Range => {
            let values: Vec<PerRow<i64>> = args.iter().map(integers).collect::<Option<Vec<_>>>()?;
            let count = |i: usize| -> u128 {
                let (start, stop, step) = match values.as_slice() {
                    [stop] => (0, stop.at(i), 1),
                    [start, stop] => (start.at(i), stop.at(i), 1),
                    [start, stop, step, ..] => (start.at(i), stop.at(i), step.at(i)),
                    [] => (0, 0, 1),
                };
                let span = (i128::from(stop) - i128::from(start)).unsigned_abs();
                span / i128::from(step).unsigned_abs().max(1) + 1
            };
            Some(sum_rows(rows, |i| count(i) * 8))
        }
    }
}

fn sum_rows(rows: usize, f: impl Fn(usize) -> u128) -> u128 {
    (0..rows).fold(0u128, |acc, i| acc.saturating_add(f(i)))
}

/// One value per row, or one for all rows (a scalar argument).
enum PerRow<T> {
    All(T),
    Each(Vec<T>),
}

impl<T: Copy + Default> PerRow<T> {
    fn at(&self, i: usize) -> T {
        match self {
            PerRow::All(v) => *v,
            PerRow::Each(v) => v.get(i).copied().unwrap_or_default(),
        }
    }
}

fn as_array(value: &ColumnarValue) -> Option<(ArrayRef, bool)> {
    match value {
        ColumnarValue::Array(a) => Some((Arc::clone(a), false)),
        ColumnarValue::Scalar(s) => s.to_array_of_size(1).ok().map(|a| (a, true)),
    }
}

fn int64s(array: &ArrayRef) -> Option<Vec<i64>> {
    let ints = cast(array, &DataType::Int64).ok()?;
    let ints = ints.as_primitive_opt::<Int64Type>()?;
    Some((0..ints.len()).map(|i| if ints.is_null(i) { 0 } else { ints.value(i) }).collect())
}

/// The byte length of a string or binary argument per row (0 for null).
fn byte_lengths(value: &ColumnarValue) -> Option<PerRow<u128>> {
    let (array, scalar) = as_array(value)?;
    let lengths: Vec<u128> = match array.data_type() {
        DataType::Utf8View => array.as_string_view_opt()?.lengths().map(u128::from).collect(),
        DataType::BinaryView => array.as_binary_view_opt()?.lengths().map(u128::from).collect(),
        DataType::Null => vec![0; array.len()],
        _ => int64s(&length(&array).ok()?)?.into_iter().map(|l| l.max(0) as u128).collect(),
    };
    Some(if scalar { PerRow::All(lengths.first().copied().unwrap_or(0)) } else { PerRow::Each(lengths) })
}

/// An integer argument per row (0 for null).
fn integers(value: &ColumnarValue) -> Option<PerRow<i64>> {
    let (array, scalar) = as_array(value)?;
    if !array.data_type().is_integer() && !matches!(array.data_type(), DataType::Null) {
        return None;
    }
    let ints = int64s(&array)?;
    Some(if scalar { PerRow::All(ints.first().copied().unwrap_or(0)) } else { PerRow::Each(ints) })
}

// Everything but the call itself is the original function's.
impl ScalarUDFImpl for Guarded {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }
    fn display_name(&self, args: &[Expr]) -> DfResult<String> {
        #[allow(deprecated)]
        self.inner.inner().display_name(args)
    }
    fn schema_name(&self, args: &[Expr]) -> DfResult<String> {
        self.inner.inner().schema_name(args)
    }
    fn signature(&self) -> &Signature {
        self.inner.signature()
    }
    fn return_type(&self, arg_types: &[DataType]) -> DfResult<DataType> {
        self.inner.inner().return_type(arg_types)
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> DfResult<FieldRef> {
        self.inner.inner().return_field_from_args(args)
    }
    fn is_nullable(&self, args: &[Expr], schema: &dyn ExprSchema) -> bool {
        #[allow(deprecated)]
        self.inner.inner().is_nullable(args, schema)
    }
    fn is_strict(&self) -> bool {
        self.inner.inner().is_strict()
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        self.check(&args)?;
        self.inner.invoke_with_args(args)
    }
    fn simplify(&self, args: Vec<Expr>, info: &SimplifyContext) -> DfResult<ExprSimplifyResult> {
        self.inner.inner().simplify(args, info)
    }
    fn short_circuits(&self) -> bool {
        self.inner.inner().short_circuits()
    }
    fn evaluate_bounds(&self, input: &[&Interval]) -> DfResult<Interval> {
        self.inner.inner().evaluate_bounds(input)
    }
    fn propagate_constraints(
        &self,
        interval: &Interval,
        inputs: &[&Interval],
    ) -> DfResult<Option<Vec<Interval>>> {
        self.inner.inner().propagate_constraints(interval, inputs)
    }
    fn output_ordering(&self, inputs: &[ExprProperties]) -> DfResult<SortProperties> {
        self.inner.inner().output_ordering(inputs)
    }
    fn preserves_lex_ordering(&self, inputs: &[ExprProperties]) -> DfResult<bool> {
        self.inner.inner().preserves_lex_ordering(inputs)
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> DfResult<Vec<DataType>> {
        self.inner.inner().coerce_types(arg_types)
    }
    fn documentation(&self) -> Option<&Documentation> {
        self.inner.inner().documentation()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use datafusion::scalar::ScalarValue;

    fn s(v: &str) -> ColumnarValue {
        ColumnarValue::Scalar(ScalarValue::from(v))
    }
    fn n(v: i64) -> ColumnarValue {
        ColumnarValue::Scalar(ScalarValue::Int64(Some(v)))
    }

    #[test]
    fn bounds_follow_the_arguments() {
        assert_eq!(bound(Growth::Repeat, &[s("ab"), n(1_500_000_000)], 1), Some(3_000_000_000));
        assert_eq!(bound(Growth::Repeat, &[s("ab"), n(-5)], 1), Some(0));
        assert_eq!(bound(Growth::Pad, &[s("x"), n(10)], 3), Some(120));
        // Every "a" becomes 10 bytes: at most len / len(from) + 1 replacements.
        assert_eq!(bound(Growth::Replace, &[s("aaaa"), s("a"), s("bbbbbbbbbb")], 1), Some(4 + 5 * 10));
        assert_eq!(bound(Growth::Range, &[n(0), n(999), n(1)], 1), Some(8000));
        assert_eq!(bound(Growth::Range, &[n(10)], 2), Some(2 * 11 * 8));
        let strings =
            ColumnarValue::Array(Arc::new(datafusion::arrow::array::StringArray::from(vec!["a", "bbb"])));
        assert_eq!(bound(Growth::Repeat, &[strings, n(2)], 2), Some(8));
    }

    #[test]
    fn arguments_the_bound_cannot_read_are_left_to_the_function() {
        let float = ColumnarValue::Scalar(ScalarValue::Float64(Some(1.0)));
        assert_eq!(bound(Growth::Range, &[float.clone(), float], 1), None);
        assert_eq!(bound(Growth::Repeat, &[s("x")], 1), None);
    }
}
