//! `gaussian_smooth(value, x, sigma)`: Gaussian kernel smoothing over x-distance.
//!
//! The window function over the kernel in [`runql_core::smoothing::gaussian`], whose docs give
//! the formula and its test vectors.

use super::args::{self, ArgKind, Points};
use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::error::Result;
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{PartitionEvaluator, Signature, Volatility, WindowUDFImpl};
pub use runql_core::smoothing::gaussian::*;

/// The SQL name.
pub const NAME: &str = "gaussian_smooth";

/// The `gaussian_smooth(value, x, sigma)` window function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct GaussianSmooth {
    signature: Signature,
}

impl GaussianSmooth {
    /// The function, ready for [`datafusion::logical_expr::WindowUDF::new_from_impl`].
    pub fn new() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

impl Default for GaussianSmooth {
    fn default() -> Self {
        Self::new()
    }
}

impl WindowUDFImpl for GaussianSmooth {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        args::coerce(NAME, "value, x, sigma", &[ArgKind::Number, ArgKind::Axis, ArgKind::Number], arg_types)
    }

    fn partition_evaluator(&self, _args: PartitionEvaluatorArgs) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(GaussianEvaluator))
    }

    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        Ok(Field::new(field_args.name(), DataType::Float64, true).into())
    }
}

#[derive(Debug)]
struct GaussianEvaluator;

impl PartitionEvaluator for GaussianEvaluator {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let sigma = args::const_f64(NAME, "sigma", values, 2)?.unwrap_or(0.0);
        let y = args::float_arg(NAME, values, 0)?;
        let x = args::float_arg(NAME, values, 1)?;
        let points = Points::with_axis(&y, &x);
        Ok(points.scatter(num_rows, &smooth(&points.y, &points.x, sigma)))
    }
}
