//! `tb_ema(value, weight)`: TensorBoard's debiased exponential moving average, which W&B's
//! "EMA" also uses.
//!
//! The window function over the kernel in [`runql_core::smoothing::tb_ema`], whose docs give
//! the formula and its test vectors.

use super::args::{self, ArgKind, Points};
use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::error::Result;
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{PartitionEvaluator, Signature, Volatility, WindowUDFImpl};
pub use runql_core::smoothing::tb_ema::*;

/// The SQL name.
pub const NAME: &str = "tb_ema";

/// The `tb_ema(value, weight)` window function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct TbEma {
    signature: Signature,
}

impl TbEma {
    /// The function, ready for [`datafusion::logical_expr::WindowUDF::new_from_impl`].
    pub fn new() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

impl Default for TbEma {
    fn default() -> Self {
        Self::new()
    }
}

impl WindowUDFImpl for TbEma {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        args::coerce(NAME, "value, weight", &[ArgKind::Number, ArgKind::Number], arg_types)
    }

    fn partition_evaluator(&self, _args: PartitionEvaluatorArgs) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(TbEmaEvaluator))
    }

    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        Ok(Field::new(field_args.name(), DataType::Float64, true).into())
    }
}

#[derive(Debug)]
struct TbEmaEvaluator;

impl PartitionEvaluator for TbEmaEvaluator {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let weight = args::const_f64(NAME, "weight", values, 1)?.unwrap_or(0.0);
        let points = Points::of(&args::float_arg(NAME, values, 0)?);
        Ok(points.scatter(num_rows, &smooth(&points.y, weight)))
    }
}
