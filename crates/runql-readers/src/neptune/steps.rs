//! Neptune steps are decimals (`decimal128(18,6)`: `Step{whole, micro}` in Neptune's API);
//! runql's `metrics.step` is an integer. This module decides how a series' steps are stored.
//!
//! A series whose steps are all whole numbers keeps them as they are. A series with any
//! fractional step is stored in **micro-steps** (step × 1,000,000 — the decimal's own
//! unscaled integer, so nothing is rounded), and its run gets the tag
//! `runql.step_scale.<key>` = `1000000` so queries can divide it back; the load report warns
//! about each such series. Scaling only those series keeps ordinary integer steps
//! comparable across runs and sources.

/// Micro-steps per step.
pub const MICRO: i64 = 1_000_000;

/// Tag key that marks a series stored in micro-steps.
pub fn scale_tag(key: &str) -> String {
    format!("runql.step_scale.{key}")
}

/// A step in micro-steps from a decimal's unscaled value and scale; `None` when it does not
/// fit in 64 bits or the scale is over 6 digits with a remainder.
///
/// ```
/// use runql_readers::neptune::steps::micro_from_decimal;
/// assert_eq!(micro_from_decimal(1_500_000, 6), Some(1_500_000)); // 1.5
/// assert_eq!(micro_from_decimal(15, 1), Some(1_500_000));
/// assert_eq!(micro_from_decimal(i128::MAX, 0), None);
/// ```
pub fn micro_from_decimal(raw: i128, scale: i8) -> Option<i64> {
    let micro: i128 = if scale <= 6 {
        raw.checked_mul(10i128.checked_pow(u32::try_from(6 - i32::from(scale)).ok()?)?)?
    } else {
        let div = 10i128.checked_pow(u32::try_from(i32::from(scale) - 6).ok()?)?;
        if raw % div != 0 {
            return None;
        }
        raw / div
    };
    i64::try_from(micro).ok()
}

/// A step in micro-steps from a float step (other writers than neptune-exporter).
pub fn micro_from_float(step: f64) -> Option<i64> {
    let m = (step * MICRO as f64).round();
    (m.is_finite() && m.abs() < 9.0e18).then_some(m as i64)
}

/// The steps to store for a series given in micro-steps, and whether they are scaled.
///
/// ```
/// use runql_readers::neptune::steps::store;
/// assert_eq!(store(&[0, 1_000_000, 2_000_000]), (vec![0, 1, 2], false));
/// assert_eq!(store(&[0, 500_000]), (vec![0, 500_000], true));
/// ```
pub fn store(micro: &[i64]) -> (Vec<i64>, bool) {
    if micro.iter().all(|m| m % MICRO == 0) {
        (micro.iter().map(|m| m / MICRO).collect(), false)
    } else {
        (micro.to_vec(), true)
    }
}
