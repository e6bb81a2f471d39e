//! `running_avg(value, n)`: centered running mean over a window of `n` points.
//!
//! The window function over the kernel in [`runql_core::smoothing::running_avg`], whose docs give
//! the formula and its test vectors.

use super::args::{self, ArgKind, Points};
use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::error::Result;
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{PartitionEvaluator, Signature, Volatility, WindowUDFImpl};
pub use runql_core::smoothing::running_avg::*;

/// The SQL name.
pub const NAME: &str = "running_avg";

/// The `running_avg(value, n)` window function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct RunningAvg {
    signature: Signature,
}

impl RunningAvg {
    /// The function, ready for [`datafusion::logical_expr::WindowUDF::new_from_impl`].
    pub fn new() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

impl Default for RunningAvg {
    fn default() -> Self {
        Self::new()
    }
}

impl WindowUDFImpl for RunningAvg {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        args::coerce(NAME, "value, n", &[ArgKind::Number, ArgKind::Integer], arg_types)
    }

    fn partition_evaluator(&self, _args: PartitionEvaluatorArgs) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(RunningAvgEvaluator))
    }

    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        Ok(Field::new(field_args.name(), DataType::Float64, true).into())
    }
}

#[derive(Debug)]
struct RunningAvgEvaluator;

impl PartitionEvaluator for RunningAvgEvaluator {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let n = args::const_i64(NAME, "n", values, 1)?.unwrap_or(1);
        let points = Points::of(&args::float_arg(NAME, values, 0)?);
        Ok(points.scatter(num_rows, &smooth(&points.y, n)))
    }
}
