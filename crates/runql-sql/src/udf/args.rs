//! Argument handling shared by the smoothing window functions: type coercion, the
//! constant-parameter rule and the mapping between rows and points.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::common::{exec_err, internal_err, plan_err};
use datafusion::error::Result;

/// What an argument position accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArgKind {
    /// A number (coerced to Float64).
    Number,
    /// A position on the x axis: a number, timestamp or duration (coerced to Float64, in
    /// the stored unit: milliseconds for runql's timestamps).
    Axis,
    /// A whole number (coerced to Int64).
    Integer,
}

/// Coerces the argument types of `name(usage)` to what the function computes on, or a plan
/// error naming the function, its usage and the offending argument.
pub(crate) fn coerce(
    name: &str,
    usage: &str,
    kinds: &[ArgKind],
    arg_types: &[DataType],
) -> Result<Vec<DataType>> {
    if arg_types.len() != kinds.len() {
        return plan_err!("{name} takes {} arguments: {usage}; got {}", kinds.len(), arg_types.len());
    }
    let mut out = Vec::with_capacity(kinds.len());
    for (i, (kind, t)) in kinds.iter().zip(arg_types).enumerate() {
        let ok = match kind {
            ArgKind::Number => t.is_null() || t.is_numeric(),
            ArgKind::Axis => {
                t.is_null() || t.is_numeric() || matches!(t, DataType::Timestamp(..) | DataType::Duration(_))
            }
            ArgKind::Integer => t.is_null() || t.is_integer(),
        };
        if !ok {
            let wanted = match kind {
                ArgKind::Number => "a number",
                ArgKind::Axis => "a number, timestamp or duration",
                ArgKind::Integer => "a whole number",
            };
            return plan_err!("{name}({usage}): argument {} must be {wanted}, got {t}", i + 1);
        }
        out.push(match kind {
            ArgKind::Integer => DataType::Int64,
            ArgKind::Number | ArgKind::Axis => DataType::Float64,
        });
    }
    Ok(out)
}

/// Argument `i` as Float64 (casting if DataFusion handed over another type).
pub(crate) fn float_arg(name: &str, values: &[ArrayRef], i: usize) -> Result<Float64Array> {
    let Some(array) = values.get(i) else {
        return internal_err!("{name}: argument {} missing", i + 1);
    };
    let array = if array.data_type() == &DataType::Float64 {
        Arc::clone(array)
    } else {
        cast(array, &DataType::Float64)?
    };
    Ok(array.as_primitive::<Float64Type>().clone())
}

/// The value of a parameter column that must be the same on every row: `None` when it is
/// NULL (or the partition is empty), an error when two rows differ.
pub(crate) fn const_f64(name: &str, param: &str, values: &[ArrayRef], i: usize) -> Result<Option<f64>> {
    let array = float_arg(name, values, i)?;
    let mut iter = array.iter();
    let first = iter.next().flatten();
    for v in iter {
        let same = match (first, v) {
            (None, None) => true,
            (Some(a), Some(b)) => a.to_bits() == b.to_bits() || a == b,
            _ => false,
        };
        if !same {
            return exec_err!(
                "{name}: {param} must be the same for every row of a window partition (a literal or a $n parameter); found {} and {}",
                show(first),
                show(v)
            );
        }
    }
    Ok(first)
}

/// Like [`const_f64`] for a whole-number parameter.
pub(crate) fn const_i64(name: &str, param: &str, values: &[ArrayRef], i: usize) -> Result<Option<i64>> {
    let Some(array) = values.get(i) else {
        return internal_err!("{name}: argument {} missing", i + 1);
    };
    let array = if array.data_type() == &DataType::Int64 {
        Arc::clone(array)
    } else {
        cast(array, &DataType::Int64)?
    };
    let array = array.as_primitive::<Int64Type>();
    let mut iter = array.iter();
    let first = iter.next().flatten();
    for v in iter {
        if v != first {
            return exec_err!(
                "{name}: {param} must be the same for every row of a window partition (a literal or a $n parameter); found {} and {}",
                show(first),
                show(v)
            );
        }
    }
    Ok(first)
}

fn show<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "NULL".to_owned(), |v| v.to_string())
}

/// The rows of a partition that are points: non-NULL value (and, with an axis, a non-NULL
/// finite x), with their values.
#[derive(Debug, Default)]
pub(crate) struct Points {
    /// Row index of each point.
    pub rows: Vec<usize>,
    /// Value of each point.
    pub y: Vec<f64>,
    /// x of each point (empty without an axis).
    pub x: Vec<f64>,
}

impl Points {
    /// Points of `y` alone.
    pub(crate) fn of(y: &Float64Array) -> Self {
        let mut p = Self::default();
        for (row, v) in y.iter().enumerate() {
            if let Some(v) = v {
                p.rows.push(row);
                p.y.push(v);
            }
        }
        p
    }

    /// Points of `y` placed at `x`; rows with a NULL or non-finite x are not points.
    pub(crate) fn with_axis(y: &Float64Array, x: &Float64Array) -> Self {
        let mut p = Self::default();
        for (row, (v, x)) in y.iter().zip(x.iter()).enumerate() {
            if let (Some(v), Some(x)) = (v, x)
                && x.is_finite()
            {
                p.rows.push(row);
                p.y.push(v);
                p.x.push(x);
            }
        }
        p
    }

    /// Puts `smoothed` (one value per point) back on the rows; other rows get NULL.
    pub(crate) fn scatter(&self, num_rows: usize, smoothed: &[f64]) -> ArrayRef {
        let mut out: Vec<Option<f64>> = vec![None; num_rows];
        for (&row, &v) in self.rows.iter().zip(smoothed) {
            if let Some(slot) = out.get_mut(row) {
                *slot = Some(v);
            }
        }
        Arc::new(Float64Array::from(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coercion_messages() {
        let k = [ArgKind::Number, ArgKind::Axis, ArgKind::Integer];
        assert_eq!(
            coerce(
                "f",
                "v, x, n",
                &k,
                &[
                    DataType::Int32,
                    DataType::Timestamp(datafusion::arrow::datatypes::TimeUnit::Millisecond, None),
                    DataType::Int8
                ]
            )
            .unwrap(),
            vec![DataType::Float64, DataType::Float64, DataType::Int64]
        );
        let e = coerce("f", "v, x, n", &k, &[DataType::Utf8, DataType::Int64, DataType::Int64]).unwrap_err();
        assert!(e.to_string().contains("f(v, x, n): argument 1 must be a number, got Utf8"), "{e}");
        let e =
            coerce("f", "v, x, n", &k, &[DataType::Int64, DataType::Int64, DataType::Float64]).unwrap_err();
        assert!(e.to_string().contains("argument 3 must be a whole number"), "{e}");
        let e = coerce("f", "v, x, n", &k, &[DataType::Int64]).unwrap_err();
        assert!(e.to_string().contains("f takes 3 arguments"), "{e}");
    }

    #[test]
    fn constant_parameter_rule() {
        let same: Vec<ArrayRef> = vec![Arc::new(Float64Array::from(vec![0.5, 0.5]))];
        assert_eq!(const_f64("f", "w", &same, 0).unwrap(), Some(0.5));
        let nan: Vec<ArrayRef> = vec![Arc::new(Float64Array::from(vec![f64::NAN, f64::NAN]))];
        assert!(const_f64("f", "w", &nan, 0).unwrap().unwrap().is_nan());
        let differ: Vec<ArrayRef> = vec![Arc::new(Float64Array::from(vec![Some(0.5), None]))];
        let e = const_f64("f", "w", &differ, 0).unwrap_err().to_string();
        assert!(e.contains("found 0.5 and NULL"), "{e}");
        let empty: Vec<ArrayRef> = vec![Arc::new(Float64Array::from(Vec::<f64>::new()))];
        assert_eq!(const_f64("f", "w", &empty, 0).unwrap(), None);
        assert!(const_f64("f", "w", &empty, 3).is_err());
    }
}
