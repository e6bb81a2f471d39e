//! `gaussian_smooth(value, x, sigma)`: Gaussian kernel smoothing over x-distance.
//!
//! W&B documents its Gaussian smoothing only as "a weighted average of the points, where the
//! weights correspond to a gaussian distribution with the standard deviation specified as
//! the smoothing parameter". runql implements the recommended reading
//! (docs/charts-and-queries.md B3):
//! ```text
//! ŷ_i = Σ_j K(x_j − x_i)·y_j / Σ_j K(x_j − x_i),   K(d) = exp(−d² / 2σ²),   |d| ≤ 3σ
//! ```
//! with σ in x units (steps when x is the step), so unevenly spaced series smooth by
//! distance, not by point count. Points before and after count alike; the row order does
//! not matter (x does).
//!
//! * Non-finite values pass through and are not used by their neighbours.
//! * Rows with a NULL or non-finite x, or a NULL value, get NULL.
//! * `sigma` NULL, NaN, 0 or negative: no smoothing (values unchanged). `sigma` = +inf:
//!   every point gets the mean of the partition.
//! * Cost: O(n·w) per partition, w = points within ±3σ of a point.
//!
//! ```sql
//! SELECT step, gaussian_smooth(value, step, 5) OVER (PARTITION BY run_id, key ORDER BY step) FROM metrics
//! ```

/// The kernel is cut off at this many σ.
pub const TRUNCATE_SIGMAS: f64 = 3.0;

/// Gaussian smoothing of `values` at positions `xs` with standard deviation `sigma` in x
/// units (see the module docs). Points with a non-finite x come out as NaN.
///
/// ```
/// use runql_core::smoothing::gaussian::smooth;
/// let s = smooth(&[0.0, 3.0, 0.0], &[0.0, 1.0, 2.0], 1.0);
/// let k = (-0.5f64).exp();
/// assert!((s[1] - 3.0 / (1.0 + 2.0 * k)).abs() < 1e-12);
/// assert_eq!(smooth(&[0.0, 3.0], &[0.0, 10.0], 1.0), vec![0.0, 3.0]); // beyond 3σ
/// ```
pub fn smooth(values: &[f64], xs: &[f64], sigma: f64) -> Vec<f64> {
    let x_at = |i: usize| xs.get(i).copied().filter(|x| x.is_finite());
    let mut out: Vec<f64> =
        values.iter().enumerate().map(|(i, &y)| if x_at(i).is_some() { y } else { f64::NAN }).collect();
    if sigma.is_nan() || sigma <= 0.0 {
        return out;
    }
    // The points that take part: finite value and finite x, sorted by x.
    let mut pts: Vec<(f64, f64, usize)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, &y)| Some((x_at(i)?, y, i)))
        .filter(|(_, y, _)| y.is_finite())
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let reach = TRUNCATE_SIGMAS * sigma;
    let mut lo = 0;
    let mut hi = 0;
    for &(x, _, i) in &pts {
        while pts.get(lo).is_some_and(|p| p.0 < x - reach) {
            lo += 1;
        }
        while pts.get(hi).is_some_and(|p| p.0 <= x + reach) {
            hi += 1;
        }
        let (mut num, mut den) = (0.0, 0.0);
        for &(xj, yj, _) in pts.get(lo..hi).unwrap_or_default() {
            let z = (xj - x) / sigma;
            let k = if z.is_nan() { 1.0 } else { (-0.5 * z * z).exp() };
            num += k * yj;
            den += k;
        }
        if let Some(slot) = out.get_mut(i)
            && den > 0.0
        {
            *slot = num / den;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The formula written out directly, O(n²).
    fn reference(ys: &[f64], xs: &[f64], sigma: f64) -> Vec<f64> {
        (0..ys.len())
            .map(|i| {
                if !ys[i].is_finite() {
                    return ys[i];
                }
                let (mut num, mut den) = (0.0, 0.0);
                for j in 0..ys.len() {
                    let d = xs[j] - xs[i];
                    if ys[j].is_finite() && d.abs() <= 3.0 * sigma {
                        let k = (-(d * d) / (2.0 * sigma * sigma)).exp();
                        num += k * ys[j];
                        den += k;
                    }
                }
                num / den
            })
            .collect()
    }

    #[test]
    fn matches_reference_on_uneven_unsorted_x() {
        let xs = [5.0, 0.0, 1.0, 1.5, 9.0, 2.0, 3.0, 3.0];
        let ys = [1.0, 2.0, f64::NAN, 4.0, 8.0, 0.5, 1.5, 2.5];
        for sigma in [0.1, 0.5, 1.0, 2.0, 100.0] {
            let got = smooth(&ys, &xs, sigma);
            let want = reference(&ys, &xs, sigma);
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g.is_nan() && w.is_nan()) || (g - w).abs() < 1e-12,
                    "σ={sigma}: {got:?} vs {want:?}"
                );
            }
        }
    }

    #[test]
    fn sigma_edge_cases() {
        let ys = [1.0, 2.0, 6.0];
        let xs = [0.0, 1.0, 2.0];
        for s in [0.0, -1.0, f64::NAN] {
            assert_eq!(smooth(&ys, &xs, s), ys.to_vec());
        }
        assert_eq!(smooth(&ys, &xs, f64::INFINITY), vec![3.0, 3.0, 3.0]);
        assert_eq!(smooth(&ys, &xs, 1e-300), ys.to_vec());
        let s = smooth(&[1.0, 2.0], &[-1e308, 1e308], f64::INFINITY);
        assert!(s.iter().all(|v| v.is_finite()), "{s:?}");
        let s = smooth(&[1.0, 2.0], &[0.0, f64::NAN], 1.0);
        assert_eq!(s[0], 1.0);
        assert!(s[1].is_nan());
    }

    proptest! {
        #[test]
        fn never_panics_and_keeps_length(
            pts in prop::collection::vec((any::<f64>(), any::<f64>()), 0..100), sigma in any::<f64>(),
        ) {
            let (ys, xs): (Vec<f64>, Vec<f64>) = pts.into_iter().unzip();
            prop_assert_eq!(smooth(&ys, &xs, sigma).len(), ys.len());
        }

        #[test]
        fn constant_series_stays_constant(c in -1e6..1e6f64, xs in prop::collection::vec(-1e3..1e3f64, 0..60), sigma in 0.01..50.0f64) {
            let ys = vec![c; xs.len()];
            for v in smooth(&ys, &xs, sigma) { prop_assert!((v - c).abs() <= 1e-9 * (1.0 + c.abs())); }
        }
    }
}
