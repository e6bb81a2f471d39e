//! `arg_min(x, y)` and `arg_max(x, y)`: the `x` of the row with the smallest / largest `y`.
//!
//! "At which step was the validation loss lowest?" is `arg_min(step, value)`:
//! ```sql
//! SELECT run_id, min(value) AS best, arg_min(step, value) AS best_step
//! FROM metrics WHERE key = 'val/loss' GROUP BY run_id
//! ```
//! * Rows where `y` is NULL or NaN are ignored; ±inf are ordinary values. With no such row
//!   left (or no row at all) the result is NULL.
//! * `x` may be of any type and may be NULL (the result is then NULL if that row wins).
//! * Ties (equal `y`) go to the **smallest `x`** (a NULL `x` loses ties), not to the first
//!   row read: the answer does not depend on the input order or on how many partitions
//!   DataFusion uses. For `arg_min(step, value)` that is the earliest step of the best value,
//!   the same as `metric_summary.min_step`.
//! * `y` may be any orderable type (numbers, strings, timestamps, booleans); floats compare
//!   in IEEE total order, so −0.0 is smaller than +0.0.
//!
//! DataFusion 55 has no function of these names (nor `min_by`/`max_by`), so nothing is
//! shadowed. They are the same as DuckDB's `arg_min`/`arg_max` apart from the tie rule.

use std::cmp::Ordering;

use datafusion::arrow::array::make_comparator;
use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::compute::SortOptions;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type};
use datafusion::common::{internal_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::{AggregateOrderSensitivity, format_state_name};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Signature, Volatility};
use datafusion::scalar::ScalarValue;

/// Which end of `y` wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Best {
    /// The smallest `y` (`arg_min`).
    Min,
    /// The largest `y` (`arg_max`).
    Max,
}

/// The `arg_min(x, y)` / `arg_max(x, y)` aggregate.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ArgBest {
    best: Best,
    signature: Signature,
}

impl ArgBest {
    /// `arg_min(x, y)`.
    pub fn min() -> Self {
        Self { best: Best::Min, signature: Signature::user_defined(Volatility::Immutable) }
    }

    /// `arg_max(x, y)`.
    pub fn max() -> Self {
        Self { best: Best::Max, signature: Signature::user_defined(Volatility::Immutable) }
    }
}

fn orderable(t: &DataType) -> bool {
    t.is_null()
        || t.is_numeric()
        || t.is_temporal()
        || matches!(
            t,
            DataType::Boolean
                | DataType::Utf8
                | DataType::LargeUtf8
                | DataType::Utf8View
                | DataType::Binary
                | DataType::LargeBinary
                | DataType::BinaryView
        )
}

impl AggregateUDFImpl for ArgBest {
    fn name(&self) -> &str {
        match self.best {
            Best::Min => "arg_min",
            Best::Max => "arg_max",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let name = self.name();
        let [x, y] = arg_types else {
            return plan_err!("{name} takes 2 arguments: {name}(x, y); got {}", arg_types.len());
        };
        let y = match y {
            DataType::Dictionary(_, value) => value.as_ref().clone(),
            DataType::Float16 | DataType::Float32 | DataType::Null => DataType::Float64,
            other => other.clone(),
        };
        if !orderable(&y) {
            return plan_err!(
                "{name}(x, y): y must be orderable (a number, string, timestamp or boolean), got {y}"
            );
        }
        let x = if x.is_null() { DataType::Null } else { x.clone() };
        Ok(vec![x, y])
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types.first() {
            Some(x) => Ok(x.clone()),
            None => plan_err!("{}(x, y) needs 2 arguments", self.name()),
        }
    }

    fn accumulator(&self, acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let x_type = acc_args.return_field.data_type();
        let Some(y_field) = acc_args.expr_fields.get(1) else {
            return internal_err!("{}: missing y argument", self.name());
        };
        Ok(Box::new(ArgBestAccumulator {
            best: self.best,
            x: ScalarValue::try_from(x_type)?,
            y: ScalarValue::try_from(y_field.data_type())?,
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let Some(y_field) = args.input_fields.get(1) else {
            return internal_err!("{}: missing y argument", self.name());
        };
        Ok(vec![
            Field::new(format_state_name(args.name, "x"), args.return_field.data_type().clone(), true).into(),
            Field::new(format_state_name(args.name, "y"), y_field.data_type().clone(), true).into(),
        ])
    }

    fn order_sensitivity(&self) -> AggregateOrderSensitivity {
        AggregateOrderSensitivity::Insensitive
    }
}

/// Keeps the best `(x, y)` seen so far; `y` NULL means nothing seen yet.
#[derive(Debug)]
struct ArgBestAccumulator {
    best: Best,
    x: ScalarValue,
    y: ScalarValue,
}

impl ArgBestAccumulator {
    /// True when `(x, y)` beats the kept pair.
    fn beats(&self, x: &ScalarValue, y: &ScalarValue) -> bool {
        if self.y.is_null() {
            return true;
        }
        match y.partial_cmp(&self.y) {
            Some(Ordering::Less) => self.best == Best::Min,
            Some(Ordering::Greater) => self.best == Best::Max,
            Some(Ordering::Equal) => x_smaller(x, &self.x),
            None => false,
        }
    }

    /// Folds the rows of `x`/`y` in: finds the batch's best row, then compares it with the
    /// kept pair.
    fn fold(&mut self, x: &ArrayRef, y: &ArrayRef) -> Result<()> {
        let floats = y.as_primitive_opt::<Float64Type>();
        let skip = |i: usize| y.is_null(i) || floats.is_some_and(|f| f.value(i).is_nan());
        let y_cmp = make_comparator(y.as_ref(), y.as_ref(), SortOptions::default())?;
        let mut best: Option<usize> = None;
        for i in 0..y.len().min(x.len()) {
            if skip(i) {
                continue;
            }
            let better = match best {
                None => true,
                Some(b) => match y_cmp(i, b) {
                    Ordering::Less => self.best == Best::Min,
                    Ordering::Greater => self.best == Best::Max,
                    // Ties are rare: compare x as scalars, exactly as across batches.
                    Ordering::Equal => {
                        x_smaller(&ScalarValue::try_from_array(x, i)?, &ScalarValue::try_from_array(x, b)?)
                    }
                },
            };
            if better {
                best = Some(i);
            }
        }
        if let Some(b) = best {
            let xb = ScalarValue::try_from_array(x, b)?;
            let yb = ScalarValue::try_from_array(y, b)?;
            if self.beats(&xb, &yb) {
                (self.x, self.y) = (xb, yb);
            }
        }
        Ok(())
    }
}

/// Tie rule: the smaller x wins, a NULL x loses to any value.
fn x_smaller(candidate: &ScalarValue, kept: &ScalarValue) -> bool {
    match (candidate.is_null(), kept.is_null()) {
        (false, true) => true,
        (true, _) => false,
        (false, false) => candidate.partial_cmp(kept) == Some(Ordering::Less),
    }
}

impl Accumulator for ArgBestAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let [x, y] = values else {
            return internal_err!("arg_min/arg_max: expected 2 argument arrays, got {}", values.len());
        };
        self.fold(x, y)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        // The state is (x, y) of each partial result; an empty partial has y NULL and is
        // skipped like a NULL input row.
        self.update_batch(states)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.x.clone(), self.y.clone()])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(self.x.clone())
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) - std::mem::size_of_val(&self.x) - std::mem::size_of_val(&self.y)
            + self.x.size()
            + self.y.size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Float64Array, Int64Array, StringArray};
    use proptest::prelude::*;
    use std::sync::Arc;

    fn acc(best: Best) -> ArgBestAccumulator {
        ArgBestAccumulator { best, x: ScalarValue::Int64(None), y: ScalarValue::Float64(None) }
    }

    fn arrays(x: &[Option<i64>], y: &[Option<f64>]) -> [ArrayRef; 2] {
        [Arc::new(Int64Array::from(x.to_vec())), Arc::new(Float64Array::from(y.to_vec()))]
    }

    #[test]
    fn picks_best_and_ignores_nan_and_null() {
        let v = arrays(
            &[Some(0), Some(1), Some(2), Some(3), Some(4)],
            &[Some(3.0), None, Some(f64::NAN), Some(1.0), Some(2.0)],
        );
        let mut a = acc(Best::Min);
        a.update_batch(&v).unwrap();
        assert_eq!(a.evaluate().unwrap(), ScalarValue::Int64(Some(3)));
        let mut a = acc(Best::Max);
        a.update_batch(&v).unwrap();
        assert_eq!(a.evaluate().unwrap(), ScalarValue::Int64(Some(0)));
    }

    #[test]
    fn ties_go_to_smallest_x_whatever_the_order_and_split() {
        let xs = [Some(9), None, Some(4), Some(7), Some(4)];
        let ys = [Some(1.0), Some(1.0), Some(5.0), Some(1.0), Some(1.0)];
        for split in 0..=xs.len() {
            for reverse in [false, true] {
                let (mut x, mut y) = (xs.to_vec(), ys.to_vec());
                if reverse {
                    x.reverse();
                    y.reverse();
                }
                let mut left = acc(Best::Min);
                left.update_batch(&arrays(&x[..split], &y[..split])).unwrap();
                let mut right = acc(Best::Min);
                right.update_batch(&arrays(&x[split..], &y[split..])).unwrap();
                let state: Vec<ArrayRef> =
                    right.state().unwrap().into_iter().map(|s| s.to_array().unwrap()).collect();
                left.merge_batch(&state).unwrap();
                assert_eq!(
                    left.evaluate().unwrap(),
                    ScalarValue::Int64(Some(4)),
                    "split={split} rev={reverse}"
                );
            }
        }
    }

    #[test]
    fn empty_and_all_ignored_give_null() {
        let mut a = acc(Best::Max);
        a.update_batch(&arrays(&[], &[])).unwrap();
        a.update_batch(&arrays(&[Some(1)], &[Some(f64::NAN)])).unwrap();
        assert_eq!(a.evaluate().unwrap(), ScalarValue::Int64(None));
        let state: Vec<ArrayRef> = a.state().unwrap().into_iter().map(|s| s.to_array().unwrap()).collect();
        let mut b = acc(Best::Max);
        b.merge_batch(&state).unwrap();
        assert_eq!(b.evaluate().unwrap(), ScalarValue::Int64(None));
    }

    #[test]
    fn string_x_and_string_y() {
        let x: ArrayRef = Arc::new(StringArray::from(vec!["a", "b", "c"]));
        let y: ArrayRef = Arc::new(StringArray::from(vec![Some("m"), Some("z"), None]));
        let mut a =
            ArgBestAccumulator { best: Best::Max, x: ScalarValue::Utf8(None), y: ScalarValue::Utf8(None) };
        a.update_batch(&[x, y]).unwrap();
        assert_eq!(a.evaluate().unwrap(), ScalarValue::from("b"));
    }

    fn fold_chunks(
        best: Best,
        rows: &[(Option<i64>, Option<f64>)],
        cuts: &[usize],
        reverse: bool,
    ) -> ScalarValue {
        let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (rows.len() + 1)).collect();
        bounds.extend([0, rows.len()]);
        bounds.sort_unstable();
        let mut partials: Vec<ArgBestAccumulator> = bounds
            .windows(2)
            .map(|w| {
                let (x, y): (Vec<_>, Vec<_>) = rows[w[0]..w[1]].iter().copied().unzip();
                let mut a = acc(best);
                a.update_batch(&arrays(&x, &y)).unwrap();
                a
            })
            .collect();
        if reverse {
            partials.reverse();
        }
        let mut total = acc(best);
        for mut p in partials {
            let state: Vec<ArrayRef> =
                p.state().unwrap().into_iter().map(|s| s.to_array().unwrap()).collect();
            total.merge_batch(&state).unwrap();
        }
        total.evaluate().unwrap()
    }

    fn definition(best: Best, rows: &[(Option<i64>, Option<f64>)]) -> ScalarValue {
        let ys = rows.iter().filter_map(|r| r.1).filter(|y| !y.is_nan());
        let target = match best {
            Best::Min => ys.reduce(f64::min),
            Best::Max => ys.reduce(f64::max),
        };
        let x = target.and_then(|t| rows.iter().filter(|r| r.1 == Some(t)).filter_map(|r| r.0).min());
        ScalarValue::Int64(x)
    }

    proptest! {
        #[test]
        fn result_does_not_depend_on_split_or_merge_order(
            rows in prop::collection::vec(
                (prop::option::of(0..20i64), prop::option::of(prop_oneof![(0..5i64).prop_map(|v| v as f64), Just(f64::NAN)])),
                0..40,
            ),
            cuts in prop::collection::vec(0..64usize, 0..5),
        ) {
            for best in [Best::Min, Best::Max] {
                let whole = fold_chunks(best, &rows, &[], false);
                prop_assert_eq!(&fold_chunks(best, &rows, &cuts, false), &whole);
                prop_assert_eq!(&fold_chunks(best, &rows, &cuts, true), &whole);
                prop_assert_eq!(&whole, &definition(best, &rows));
            }
        }
    }

    #[test]
    fn coercion() {
        let f = ArgBest::min();
        let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        assert_eq!(
            f.coerce_types(&[dict.clone(), DataType::Float32]).unwrap(),
            vec![dict.clone(), DataType::Float64]
        );
        assert_eq!(f.coerce_types(&[DataType::Int64, dict]).unwrap(), vec![DataType::Int64, DataType::Utf8]);
        assert!(f.coerce_types(&[DataType::Int64]).is_err());
        let list = DataType::List(Arc::new(Field::new("item", DataType::Int64, true)));
        assert!(f.coerce_types(&[DataType::Int64, list]).is_err());
    }
}
