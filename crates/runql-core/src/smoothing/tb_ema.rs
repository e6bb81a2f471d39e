//! `tb_ema(value, weight)`: TensorBoard's debiased exponential moving average, which W&B's
//! "EMA" also uses.
//!
//! Per partition, in `ORDER BY` order (TensorBoard `classicSmoothing`):
//! ```text
//! w ← 0 if w is not finite (or NULL); then w ← clamp(w, 0, 1)
//! if all values are equal: return them unchanged        (TensorBoard #786)
//! last ← 0; n ← 0
//! for each value y:
//!     if y is not finite: emit y; continue             (passed through, not counted)
//!     last ← w·last + (1−w)·y;  n ← n + 1
//!     emit last / (w == 1 ? 1 : 1 − wⁿ)
//! ```
//! That is `s_n = Σ_{k≤n} w^{n−k} y_k / Σ_{k≤n} w^{n−k}` over the finite values so far, so
//! the first output equals the first value. It counts points, not x-distance: unevenly
//! spaced series smooth differently from evenly spaced ones (see [`super::twema`]).
//!
//! ```sql
//! SELECT step, tb_ema(value, 0.6) OVER (PARTITION BY run_id, key ORDER BY step) FROM metrics
//! ```

/// TensorBoard's default smoothing weight (`scalarSmoothing: 0.6`).
pub const DEFAULT_WEIGHT: f64 = 0.6;

/// Largest weight TensorBoard's slider offers (`SCALARS_SMOOTHING_MAX`). Larger weights are
/// accepted here up to 1, which flattens the series to 0 as TensorBoard's math does.
pub const MAX_SLIDER_WEIGHT: f64 = 0.999;

/// TensorBoard's weight sanitization: non-finite → 0, then clamped to `[0, 1]`.
///
/// ```
/// use runql_core::smoothing::tb_ema::clamp_weight;
/// assert_eq!(clamp_weight(f64::NAN), 0.0);
/// assert_eq!(clamp_weight(f64::INFINITY), 0.0);
/// assert_eq!(clamp_weight(-1.0), 0.0);
/// assert_eq!(clamp_weight(2.0), 1.0);
/// assert_eq!(clamp_weight(0.6), 0.6);
/// ```
pub fn clamp_weight(weight: f64) -> f64 {
    if weight.is_finite() { weight.clamp(0.0, 1.0) } else { 0.0 }
}

/// Below this, `1.0 - wⁿ == 1.0` in f64 (half an ulp of 1 is 2⁻⁵⁴ ≈ 5.6e-17).
const DEBIAS_DONE: f64 = 1e-17;

/// TensorBoard's debiased EMA of `values` with smoothing `weight` (see the module docs).
///
/// ```
/// let s = runql_core::smoothing::tb_ema::smooth(&[1.0, 0.5, 0.0], 0.6);
/// assert!((s[1] - 0.6875).abs() < 1e-15);
/// assert!((s[2] - 0.336734693877551).abs() < 1e-15);
/// ```
pub fn smooth(values: &[f64], weight: f64) -> Vec<f64> {
    let w = clamp_weight(weight);
    let Some(first) = values.first() else { return Vec::new() };
    // `==` as in JavaScript: NaN is never equal, so a series with a NaN is not constant.
    if values.iter().all(|v| v == first) {
        return values.to_vec();
    }
    let mut last = 0.0;
    // wⁿ as a running product: `powi` per point costs a loop of multiplications each time,
    // which dominated smoothing 10M points. It reaches 0 after a few thousand points for
    // any w < 1 and then stays there (debias 1).
    let mut w_n = 1.0;
    values
        .iter()
        .map(|&y| {
            if !y.is_finite() {
                return y;
            }
            last = last * w + (1.0 - w) * y;
            w_n *= w;
            // Once 1 − wⁿ rounds to 1, wⁿ is dropped: left alone it sinks into the subnormal
            // range and stays at its smallest value (w × that rounds back to it), and every
            // multiplication by a subnormal takes a slow path in the CPU: 10M points took
            // 666 ms instead of 84 ms (the line-chart benchmark, 100 runs × 100k steps).
            if w_n < DEBIAS_DONE {
                w_n = 0.0;
            }
            let debias = if w == 1.0 { 1.0 } else { 1.0 - w_n };
            last / debias
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(actual: &[f64], expected: &[f64]) {
        assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
        for (a, e) in actual.iter().zip(expected) {
            let ok = (a.is_nan() && e.is_nan()) || a == e || (a - e).abs() <= 1e-12;
            assert!(ok, "{actual:?} vs {expected:?}");
        }
    }

    // Test vectors of TensorBoard's data_transformer_test.ts (docs/charts-and-queries.md B1).
    #[test]
    fn tensorboard_vectors() {
        close(&smooth(&[1.0, 0.5, 0.0], 0.6), &[1.0, 0.6875, 0.336734693877551]);
        close(&smooth(&[0.0, 0.5, 1.0], 0.6), &[0.0, 0.3125, 0.663265306122449]);
        close(&smooth(&[1.0, 0.5, 0.0], 0.0), &[1.0, 0.5, 0.0]);
        close(&smooth(&[1.0, 0.5, 0.0], 1.0), &[0.0, 0.0, 0.0]);
        close(&smooth(&[0.3, 0.3, 0.3], 0.6), &[0.3, 0.3, 0.3]);
        let inf = f64::INFINITY;
        close(&smooth(&[-inf, 1.0, f64::NAN, inf, 0.5], 0.6), &[-inf, 1.0, f64::NAN, inf, 0.6875]);
    }

    #[test]
    fn weight_clamping() {
        let y = [1.0, 0.5, 0.0];
        for w in [f64::NAN, -1.0, f64::INFINITY, f64::NEG_INFINITY] {
            close(&smooth(&y, w), &y);
        }
        close(&smooth(&y, 2.0), &[0.0, 0.0, 0.0]);
    }

    #[test]
    fn closed_form() {
        let y = [3.0, -1.0, 4.0, 1.5, 9.0, 2.6];
        let w: f64 = 0.8;
        let s = smooth(&y, w);
        for (n, s_n) in s.iter().enumerate() {
            let num: f64 = (0..=n).map(|k| w.powi((n - k) as i32) * y[k]).sum();
            let den: f64 = (0..=n).map(|k| w.powi((n - k) as i32)).sum();
            assert!((s_n - num / den).abs() < 1e-12);
        }
    }

    #[test]
    fn dropping_a_tiny_wn_changes_no_bit() {
        // The plain running product, without the flush to 0 (which only avoids subnormals).
        let reference = |values: &[f64], w: f64| -> Vec<f64> {
            let (mut last, mut w_n) = (0.0, 1.0);
            values
                .iter()
                .map(|&y| {
                    last = last * w + (1.0 - w) * y;
                    w_n *= w;
                    last / (1.0 - w_n)
                })
                .collect::<Vec<f64>>()
        };
        let y: Vec<f64> =
            (0..5000).map(|i| (f64::from(i) * 0.37).sin() + 1.0 / (1.0 + f64::from(i))).collect();
        for w in [0.3, 0.6, 0.9, 0.99, 0.999] {
            let got = smooth(&y, w);
            let want = reference(&y, w);
            assert!(got.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()), "w = {w}");
        }
    }

    #[test]
    fn empty_and_single() {
        assert!(smooth(&[], 0.6).is_empty());
        close(&smooth(&[7.0], 0.6), &[7.0]);
        close(&smooth(&[f64::NAN], 0.6), &[f64::NAN]);
    }

    proptest! {
        #[test]
        fn never_panics_and_keeps_length(
            y in prop::collection::vec(prop_oneof![any::<f64>(), -1e6..1e6f64], 0..200),
            w in any::<f64>(),
        ) {
            let s = smooth(&y, w);
            prop_assert_eq!(s.len(), y.len());
            for (a, b) in s.iter().zip(&y) {
                if !b.is_finite() { prop_assert!(a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())); }
            }
        }

        #[test]
        fn weight_zero_is_identity(y in prop::collection::vec(-1e9..1e9f64, 0..200)) {
            prop_assert_eq!(smooth(&y, 0.0), y);
        }

        #[test]
        fn constant_series_unchanged(c in any::<f64>(), n in 0..100usize, w in any::<f64>()) {
            let y = vec![c; n];
            let s = smooth(&y, w);
            prop_assert_eq!(s.len(), n);
            for v in s { prop_assert!(v.to_bits() == c.to_bits() || (v.is_nan() && c.is_nan())); }
        }

        #[test]
        fn stays_within_range_of_finite_values(
            y in prop::collection::vec(-1e6..1e6f64, 1..100), w in 0.0..0.999f64,
        ) {
            let lo = y.iter().cloned().fold(f64::INFINITY, f64::min);
            let hi = y.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            for v in smooth(&y, w) { prop_assert!(v >= lo - 1e-6 && v <= hi + 1e-6); }
        }
    }
}
