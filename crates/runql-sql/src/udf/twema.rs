//! `twema(value, x, weight)`: the time-weighted EMA that W&B uses by default.
//!
//! The window function over the kernel in [`runql_core::smoothing::twema`], whose docs give
//! the formula and its test vectors.

use super::args::{self, ArgKind, Points};
use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::error::Result;
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{PartitionEvaluator, Signature, Volatility, WindowUDFImpl};
pub use runql_core::smoothing::twema::*;

/// The SQL name.
pub const NAME: &str = "twema";

/// The `twema(value, x, weight)` window function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Twema {
    signature: Signature,
}

impl Twema {
    /// The function, ready for [`datafusion::logical_expr::WindowUDF::new_from_impl`].
    pub fn new() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

impl Default for Twema {
    fn default() -> Self {
        Self::new()
    }
}

impl WindowUDFImpl for Twema {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        args::coerce(NAME, "value, x, weight", &[ArgKind::Number, ArgKind::Axis, ArgKind::Number], arg_types)
    }

    fn partition_evaluator(&self, _args: PartitionEvaluatorArgs) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(TwemaEvaluator))
    }

    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        Ok(Field::new(field_args.name(), DataType::Float64, true).into())
    }
}

#[derive(Debug)]
struct TwemaEvaluator;

impl PartitionEvaluator for TwemaEvaluator {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let weight = args::const_f64(NAME, "weight", values, 2)?.unwrap_or(0.0);
        let y = args::float_arg(NAME, values, 0)?;
        let x = args::float_arg(NAME, values, 1)?;
        let points = Points::with_axis(&y, &x);
        Ok(points.scatter(num_rows, &smooth(&points.y, &points.x, weight)))
    }
}
