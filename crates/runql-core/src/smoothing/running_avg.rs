//! `running_avg(value, n)`: centered running mean over a window of `n` points.
//!
//! W&B: "replaces a point with the average of points in a window before and after the given
//! x value ... the parameter tells W&B the number of points to consider"; edges are not
//! documented. runql uses the recommended reading (docs/charts-and-queries.md B3): the
//! window holds `n` points in `ORDER BY` order, `n / 2` (rounded down) before the point and
//! `n − 1 − n / 2` after it (so an even `n` leans to the past, as pandas'
//! `rolling(n, center=True, min_periods=1)`), and shrinks at the edges of the partition.
//!
//! * Non-finite values pass through and are left out of their neighbours' means (the
//!   window still spans `n` rows).
//! * Rows with a NULL value get NULL and are not points.
//! * `n` NULL, 0, 1 or negative: no smoothing. `n` must be a whole number.
//! * Cost: O(rows) per partition, whatever `n`.
//!
//! ```sql
//! SELECT step, running_avg(value, 10) OVER (PARTITION BY run_id, key ORDER BY step) FROM metrics
//! ```

/// Centered running mean of `values` over windows of `n` points (see the module docs).
///
/// ```
/// use runql_core::smoothing::running_avg::smooth;
/// assert_eq!(smooth(&[1.0, 2.0, 3.0, 10.0], 3), vec![1.5, 2.0, 5.0, 6.5]);
/// assert_eq!(smooth(&[1.0, 2.0, 3.0, 10.0], 4), vec![1.5, 2.0, 4.0, 5.0]);
/// ```
pub fn smooth(values: &[f64], n: i64) -> Vec<f64> {
    let len = values.len();
    if n <= 1 || len == 0 {
        return values.to_vec();
    }
    let n = usize::try_from(n).unwrap_or(usize::MAX).min(len.saturating_mul(2));
    let before = n / 2;
    let after = n - 1 - before;
    // Sliding sum over the finite values of rows [start, end). To keep the running sum from
    // drifting (adding then removing a 1e20 would wipe out small values), it is recomputed
    // from scratch every `recompute` moves, which keeps the cost O(len).
    let recompute = n.max(64);
    let mut sum = 0.0;
    let mut count = 0usize;
    let (mut start, mut end) = (0usize, 0usize);
    let finite = |i: usize| values.get(i).copied().filter(|v| v.is_finite());
    let mut out = Vec::with_capacity(len);
    for (i, &y) in values.iter().enumerate() {
        let new_start = i.saturating_sub(before);
        let new_end = i.saturating_add(after).saturating_add(1).min(len);
        if i % recompute == 0 {
            (start, end) = (new_start, new_start);
            (sum, count) = (0.0, 0);
        }
        while end < new_end {
            if let Some(v) = finite(end) {
                sum += v;
                count += 1;
            }
            end += 1;
        }
        while start < new_start {
            if let Some(v) = finite(start) {
                sum -= v;
                count = count.saturating_sub(1);
            }
            start += 1;
        }
        out.push(if y.is_finite() && count > 0 { sum / count as f64 } else { y });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition written out directly.
    fn reference(ys: &[f64], n: usize) -> Vec<f64> {
        let (before, after) = (n / 2, n - 1 - n / 2);
        (0..ys.len())
            .map(|i| {
                if !ys[i].is_finite() {
                    return ys[i];
                }
                let lo = i.saturating_sub(before);
                let hi = (i + after + 1).min(ys.len());
                let w: Vec<f64> = ys[lo..hi].iter().copied().filter(|v| v.is_finite()).collect();
                w.iter().sum::<f64>() / w.len() as f64
            })
            .collect()
    }

    #[test]
    fn edges_shrink_and_non_finite_pass_through() {
        let ys = [1.0, f64::NAN, 3.0, f64::INFINITY, 5.0];
        let s = smooth(&ys, 3);
        assert_eq!(s[0], 1.0);
        assert!(s[1].is_nan());
        assert_eq!(s[2], 3.0);
        assert_eq!(s[3], f64::INFINITY);
        assert_eq!(s[4], 5.0);
        assert_eq!(smooth(&[2.0, 4.0], 1000), vec![3.0, 3.0]);
        assert_eq!(smooth(&[2.0, 4.0], i64::MAX), vec![3.0, 3.0]);
        for n in [i64::MIN, -1, 0, 1] {
            assert_eq!(smooth(&[2.0, 4.0], n), vec![2.0, 4.0]);
        }
    }

    #[test]
    fn no_drift_after_huge_values() {
        let mut ys = vec![1e20];
        ys.extend(std::iter::repeat_n(1.0, 300));
        let s = smooth(&ys, 5);
        assert_eq!(s[299], 1.0);
    }

    proptest! {
        #[test]
        fn matches_reference(ys in prop::collection::vec(prop_oneof![-1e3..1e3f64, Just(f64::NAN)], 0..200), n in 0..50usize) {
            let got = smooth(&ys, n as i64);
            let want = if n <= 1 { ys.clone() } else { reference(&ys, n) };
            prop_assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                prop_assert!((g.is_nan() && w.is_nan()) || (g - w).abs() <= 1e-9, "{:?} vs {:?}", got, want);
            }
        }

        #[test]
        fn never_panics(ys in prop::collection::vec(any::<f64>(), 0..100), n in any::<i64>()) {
            prop_assert_eq!(smooth(&ys, n).len(), ys.len());
        }
    }
}
