//! runql's SQL functions: smoothing as window functions and `arg_min`/`arg_max` aggregates.
//!
//! | SQL | kind | what it computes |
//! |---|---|---|
//! | `tb_ema(value, weight)` | window | TensorBoard's debiased EMA ([`tb_ema`]) |
//! | `twema(value, x, weight)` | window | W&B time-weighted EMA ([`twema`]) |
//! | `gaussian_smooth(value, x, sigma)` | window | Gaussian kernel over x-distance ([`gaussian`]) |
//! | `running_avg(value, n)` | window | centered running mean of n points ([`running_avg`]) |
//! | `arg_min(x, y)` / `arg_max(x, y)` | aggregate | x at the smallest / largest y ([`arg_best`]) |
//!
//! The smoothing functions run over a whole window partition, in the partition's `ORDER BY`
//! order, and ignore any window frame (`ROWS BETWEEN ...`):
//! ```sql
//! SELECT run_id, step, value,
//!        tb_ema(value, 0.6) OVER (PARTITION BY run_id, key ORDER BY step) AS smoothed
//! FROM metrics WHERE key = 'train/loss'
//! ```
//! Common rules:
//! * Rows where `value` (or `x`) is NULL are not points: they get NULL and do not count.
//! * A non-finite `value` (NaN, ±inf) is passed through unchanged and does not count, as
//!   TensorBoard does; rows with a non-finite `x` get NULL.
//! * The parameter (`weight`, `sigma`, `n`) must be the same on every row of a partition:
//!   a literal or a `$n` parameter. A column that varies is an error.
//! * Nothing panics on any input; bad parameter values are clamped as documented per
//!   function.
//!
//! Each smoothing function is the kernel of `runql_core::smoothing` (over `&[f64]`), which
//! the charts call too, so SQL and a chart smooth to the same numbers.

pub mod arg_best;
mod args;
pub mod gaussian;
pub mod running_avg;
pub mod tb_ema;
pub mod twema;

use datafusion::logical_expr::{AggregateUDF, WindowUDF};
use datafusion::prelude::SessionContext;

/// The smoothing window functions: `tb_ema`, `twema`, `gaussian_smooth`, `running_avg`.
pub fn window_functions() -> Vec<WindowUDF> {
    vec![
        WindowUDF::new_from_impl(tb_ema::TbEma::new()),
        WindowUDF::new_from_impl(twema::Twema::new()),
        WindowUDF::new_from_impl(gaussian::GaussianSmooth::new()),
        WindowUDF::new_from_impl(running_avg::RunningAvg::new()),
    ]
}

/// The aggregates: `arg_min`, `arg_max`.
pub fn aggregate_functions() -> Vec<AggregateUDF> {
    vec![
        AggregateUDF::new_from_impl(arg_best::ArgBest::min()),
        AggregateUDF::new_from_impl(arg_best::ArgBest::max()),
    ]
}

/// Registers every runql function with `ctx` ([`crate::Session`] does this already).
///
/// ```
/// let ctx = datafusion::prelude::SessionContext::new();
/// runql_sql::udf::register_all(&ctx);
/// let state = ctx.state();
/// assert!(state.window_functions().contains_key("tb_ema"));
/// assert!(state.aggregate_functions().contains_key("arg_max"));
/// ```
pub fn register_all(ctx: &SessionContext) {
    for f in window_functions() {
        ctx.register_udwf(f);
    }
    for f in aggregate_functions() {
        ctx.register_udaf(f);
    }
}
