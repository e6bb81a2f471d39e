//! `twema(value, x, weight)`: the time-weighted EMA that W&B uses by default.
//!
//! W&B's documented loop, per partition in `ORDER BY` order:
//! ```text
//! smoothingWeight = min(sqrt(weight), 0.999)
//! lastY = 0; debiasWeight = 0
//! for each point i:
//!     changeInX = (x[i] − x[prev]) / rangeOfX · VIEWPORT_SCALE     (0 for the first point)
//!     a = smoothingWeight ^ changeInX
//!     lastY = lastY·a + y[i];  debiasWeight = debiasWeight·a + 1
//!     emit lastY / debiasWeight
//! ```
//! It is the same normalized exponential mean as [`super::tb_ema`] with the exponent
//! measured in x-distance instead of point count: with `rangeOfX / VIEWPORT_SCALE` between
//! neighbours it equals `tb_ema(value, sqrt(weight))`.
//!
//! Choices where W&B publishes nothing (documented so results are reproducible):
//! * `VIEWPORT_SCALE` = [`VIEWPORT_SCALE`] (1000, "x in thousandths of the plotted range",
//!   as the known reimplementation assumes); `rangeOfX` = max − min of the finite x of the
//!   partition (the whole series, not a zoomed viewport).
//! * `weight` NULL, NaN, ±inf or negative counts as 0 (no smoothing); above 1 it is capped
//!   through the 0.999 cap.
//! * Non-finite values pass through and do not count, as in `tb_ema`; the decay to the
//!   next point is measured from the last counted point.
//! * Rows with a NULL or non-finite x get NULL. If all x are equal (`rangeOfX` = 0), every
//!   distance is 0 and the result is the running mean.
//! * A decreasing x (the `ORDER BY` is not the x order) counts as distance 0, so weights
//!   never grow.
//!
//! ```sql
//! SELECT step, twema(value, step, 0.6) OVER (PARTITION BY run_id, key ORDER BY step) FROM metrics
//! ```

/// x-distance unit: the range of x is divided into this many units, and the weight decays
/// by `smoothingWeight` per unit. W&B does not publish its value; 1000 is the assumption of
/// the known reimplementation.
pub const VIEWPORT_SCALE: f64 = 1000.0;

/// Cap on the effective smoothing weight (W&B's `min(..., 0.999)`).
pub const MAX_SMOOTHING_WEIGHT: f64 = 0.999;

/// The effective per-unit decay: `min(sqrt(weight), 0.999)`, with a NULL-like (NaN, ±inf,
/// negative) weight counted as 0.
///
/// ```
/// use runql_core::smoothing::twema::smoothing_weight;
/// assert_eq!(smoothing_weight(0.25), 0.5);
/// assert_eq!(smoothing_weight(4.0), 0.999);
/// assert_eq!(smoothing_weight(f64::NAN), 0.0);
/// assert_eq!(smoothing_weight(-1.0), 0.0);
/// ```
pub fn smoothing_weight(weight: f64) -> f64 {
    let w = if weight.is_finite() && weight > 0.0 { weight } else { 0.0 };
    w.sqrt().min(MAX_SMOOTHING_WEIGHT)
}

/// W&B's time-weighted EMA of `values` at positions `xs` with the default
/// [`VIEWPORT_SCALE`]. Points with a non-finite x come out as NaN; see the module docs.
///
/// ```
/// use runql_core::smoothing::twema::smooth;
/// let s = smooth(&[1.0, 0.0], &[0.0, 1.0], 0.25);
/// // one point per 1/1000 of the range would decay by 0.5; here the gap is the whole range.
/// assert_eq!(s[0], 1.0);
/// assert!(s[1] < 1e-100);
/// ```
pub fn smooth(values: &[f64], xs: &[f64], weight: f64) -> Vec<f64> {
    smooth_with_scale(values, xs, weight, VIEWPORT_SCALE)
}

/// [`smooth`] with an explicit viewport scale (units per x-range); a non-finite or negative
/// scale falls back to [`VIEWPORT_SCALE`]. `xs` shorter than `values` counts as non-finite.
pub fn smooth_with_scale(values: &[f64], xs: &[f64], weight: f64, viewport_scale: f64) -> Vec<f64> {
    let scale =
        if viewport_scale.is_finite() && viewport_scale >= 0.0 { viewport_scale } else { VIEWPORT_SCALE };
    let sw = smoothing_weight(weight);
    let x_at = |i: usize| xs.get(i).copied().filter(|x| x.is_finite());
    let (lo, hi) = (0..values.len())
        .filter_map(x_at)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let range = hi - lo;
    let unit = if range.is_finite() && range > 0.0 { scale / range } else { 0.0 };
    let mut last_y = 0.0;
    let mut debias = 0.0;
    let mut prev_x: Option<f64> = None;
    values
        .iter()
        .enumerate()
        .map(|(i, &y)| {
            let Some(x) = x_at(i) else { return f64::NAN };
            if !y.is_finite() {
                return y;
            }
            let change = prev_x.map_or(0.0, |p| ((x - p) * unit).max(0.0));
            let a = if change == 0.0 { 1.0 } else { sw.powf(change) };
            last_y = last_y * a + y;
            debias = debias * a + 1.0;
            prev_x = Some(x);
            last_y / debias
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smoothing::tb_ema;
    use proptest::prelude::*;

    fn rel_close(a: f64, b: f64) -> bool {
        (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
    }

    #[test]
    fn equals_tb_ema_with_sqrt_weight_when_change_in_x_is_one() {
        // 1001 evenly spaced points: rangeOfX / VIEWPORT_SCALE is exactly the spacing.
        let n = 1001;
        let xs: Vec<f64> = (0..n).map(|i| 5.0 + 2.0 * i as f64).collect();
        let ys: Vec<f64> = (0..n).map(|i| ((i * 7919) % 101) as f64 / 10.0 - 3.0).collect();
        for p in [0.0, 0.04, 0.36, 0.6, 0.81, 0.99] {
            let tw = smooth(&ys, &xs, p);
            let tb = tb_ema::smooth(&ys, f64::sqrt(p));
            for (a, b) in tw.iter().zip(&tb) {
                assert!(rel_close(*a, *b), "p={p}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn known_values() {
        // weight 0.25 → sw 0.5; three points over a range of 2 with scale 2: change 1 each.
        let s = smooth_with_scale(&[4.0, 0.0, 2.0], &[0.0, 1.0, 2.0], 0.25, 2.0);
        // s1 = 4; s2 = (0.5·4 + 0)/(1.5) = 4/3; s3 = (0.25·4 + 0.5·0 + 2)/(1.75) = 3/1.75
        assert!(rel_close(s[0], 4.0) && rel_close(s[1], 4.0 / 3.0) && rel_close(s[2], 3.0 / 1.75), "{s:?}");
    }

    #[test]
    fn edge_cases() {
        assert!(smooth(&[], &[], 0.6).is_empty());
        assert_eq!(smooth(&[3.0], &[10.0], 0.6), vec![3.0]);
        // all x equal: running mean.
        let s = smooth(&[1.0, 2.0, 6.0], &[5.0, 5.0, 5.0], 0.6);
        assert!(rel_close(s[2], 3.0), "{s:?}");
        // non-finite values pass through; non-finite x gives NaN.
        // (weight 1 → 0.999 per unit; x = 0 → 3 is the whole range, 1000 units)
        let s = smooth(&[1.0, f64::NAN, f64::INFINITY, 2.0], &[0.0, 1.0, f64::NAN, 3.0], 1.0);
        assert_eq!(s[0], 1.0);
        assert!(s[1].is_nan() && s[2].is_nan());
        let a = 0.999f64.powi(1000);
        assert!(rel_close(s[3], (a + 2.0) / (a + 1.0)), "{s:?}");
        // weight 0: identity; decreasing x: no blow-up.
        assert_eq!(smooth(&[1.0, 5.0, 2.0], &[0.0, 1.0, 2.0], 0.0), vec![1.0, 5.0, 2.0]);
        let s = smooth(&[1.0, 5.0, 2.0], &[2.0, 0.0, 1.0], 0.9);
        assert!(s.iter().all(|v| v.is_finite() && *v >= 1.0 && *v <= 5.0), "{s:?}");
        // x shorter than values.
        let s = smooth(&[1.0, 2.0], &[0.0], 0.5);
        assert!(s[1].is_nan());
    }

    proptest! {
        #[test]
        fn never_panics_and_keeps_length(
            pts in prop::collection::vec((any::<f64>(), any::<f64>()), 0..150),
            w in any::<f64>(), scale in any::<f64>(),
        ) {
            let (ys, xs): (Vec<f64>, Vec<f64>) = pts.into_iter().unzip();
            prop_assert_eq!(smooth_with_scale(&ys, &xs, w, scale).len(), ys.len());
        }

        #[test]
        fn uniform_spacing_equals_tb_ema(
            ys in prop::collection::vec(-1e3..1e3f64, 2..300), p in 0.0..0.99f64, start in -1e3..1e3f64, dx in 0.01..100.0f64,
        ) {
            // Evenly spaced x: changeInX = VIEWPORT_SCALE / (n − 1) per step, so TWEMA is
            // tb_ema with weight sqrt(p)^changeInX.
            let n = ys.len();
            let xs: Vec<f64> = (0..n).map(|i| start + dx * i as f64).collect();
            let change = VIEWPORT_SCALE / (n as f64 - 1.0);
            let tw = smooth(&ys, &xs, p);
            let tb = tb_ema::smooth(&ys, smoothing_weight(p).powf(change));
            let constant = ys.iter().all(|y| *y == ys[0]);
            for (a, b) in tw.iter().zip(&tb) {
                prop_assert!(constant || (a - b).abs() <= 1e-6 * (1.0 + b.abs()), "{} vs {}", a, b);
            }
        }
    }
}
