//! The smoothing kernels over plain `&[f64]` series, shared by the SQL window functions
//! (`runql-sql`'s `tb_ema`, `twema`, `gaussian_smooth`, `running_avg`) and the line charts,
//! so a curve smoothed in SQL and one smoothed while drawing are the same numbers.
//!
//! ```
//! use runql_core::smoothing::{running_avg, tb_ema};
//! assert_eq!(tb_ema::smooth(&[1.0, 1.0], 0.6), [1.0, 1.0]);
//! assert_eq!(running_avg::smooth(&[1.0, 3.0, 5.0], 2), [1.0, 2.0, 4.0]);
//! ```

pub mod gaussian;
pub mod running_avg;
pub mod tb_ema;
pub mod twema;
