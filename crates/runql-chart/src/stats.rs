//! Small statistics used by the charts: quantiles (R-7, as d3 and TensorBoard), mean,
//! median, population standard deviation (as W&B's bands), interpolation.

/// The `q`-quantile of sorted, finite `values` with linear interpolation between order
/// statistics (Hyndman–Fan R-7, d3's `quantileSorted`, numpy's default). `None` when empty.
///
/// ```
/// use runql_chart::stats::quantile_sorted;
/// assert_eq!(quantile_sorted(&[1.0, 2.0, 3.0, 4.0], 0.5), Some(2.5));
/// assert_eq!(quantile_sorted(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.05), Some(1.2));
/// ```
pub fn quantile_sorted(values: &[f64], q: f64) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let a = *values.get(lo)?;
    let b = values.get(lo + 1).copied().unwrap_or(a);
    Some(a + (h - lo as f64) * (b - a))
}

/// [`quantile_sorted`] of `values` without sorting them: O(n) selection, reordering
/// `values` in place. For y ranges of charts with millions of drawn points, where a full
/// sort costs more than everything else in a redraw.
///
/// ```
/// use runql_chart::stats::quantile_select;
/// let mut v = vec![5.0, 1.0, 4.0, 2.0, 3.0];
/// assert_eq!(quantile_select(&mut v, 0.05), Some(1.2));
/// assert_eq!(quantile_select(&mut v, 1.0), Some(5.0));
/// ```
pub fn quantile_select(values: &mut [f64], q: f64) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = (h.floor() as usize).min(n - 1);
    let (_, a, right) = values.select_nth_unstable_by(lo, f64::total_cmp);
    let a = *a;
    // The next order statistic is the smallest value right of the selected one.
    let b = right.iter().copied().min_by(f64::total_cmp).unwrap_or(a);
    Some(a + (h - lo as f64) * (b - a))
}

/// Mean of `values` (NaN when empty).
pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() { f64::NAN } else { values.iter().sum::<f64>() / values.len() as f64 }
}

/// Population standard deviation (divides by n, as W&B's "Std Dev" band): 1.1180 for
/// [1, 2, 3, 4], where the sample deviation would be 1.2910.
///
/// ```
/// let sd = runql_chart::stats::std_pop(&[1.0, 2.0, 3.0, 4.0]);
/// assert!((sd - 1.118033988749895).abs() < 1e-12);
/// ```
pub fn std_pop(values: &[f64]) -> f64 {
    let m = mean(values);
    (values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / values.len() as f64).sqrt()
}

/// Median (sorts a copy).
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    quantile_sorted(&v, 0.5).unwrap_or(f64::NAN)
}

/// Value of the piecewise-linear series (`xs` ascending) at `x`; `None` outside its range
/// or where a neighbour is not finite.
pub fn interpolate(xs: &[f64], ys: &[f64], x: f64) -> Option<f64> {
    let i = xs.partition_point(|&v| v < x);
    let xi = *xs.get(i)?;
    let yi = *ys.get(i)?;
    if xi == x {
        return yi.is_finite().then_some(yi);
    }
    let j = i.checked_sub(1)?;
    let (x0, y0) = (*xs.get(j)?, *ys.get(j)?);
    if !(y0.is_finite() && yi.is_finite()) {
        return None;
    }
    Some(y0 + (x - x0) / (xi - x0) * (yi - y0))
}

/// Pearson correlation of paired finite values (`None` when fewer than 3 pairs or a
/// variable is constant).
pub fn pearson(xs: &[f64], ys: &[f64]) -> Option<f64> {
    let pairs: Vec<(f64, f64)> =
        xs.iter().zip(ys).filter(|(x, y)| x.is_finite() && y.is_finite()).map(|(x, y)| (*x, *y)).collect();
    if pairs.len() < 3 {
        return None;
    }
    let n = pairs.len() as f64;
    let (mx, my) = (pairs.iter().map(|p| p.0).sum::<f64>() / n, pairs.iter().map(|p| p.1).sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    let r = sxy / (sxx * syy).sqrt();
    r.is_finite().then_some(r.clamp(-1.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_r7() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 100.0];
        // numpy.quantile(v, [0.05, 0.95]) = [1.45, 59.05]
        assert!((quantile_sorted(&v, 0.05).unwrap() - 1.45).abs() < 1e-12);
        assert!((quantile_sorted(&v, 0.95).unwrap() - 59.05).abs() < 1e-12);
        assert_eq!(quantile_sorted(&[], 0.5), None);
        assert_eq!(quantile_sorted(&[7.0], 0.9), Some(7.0));
    }

    proptest::proptest! {
        #[test]
        fn selection_equals_sorted_quantile(
            mut v in proptest::collection::vec(-1e6f64..1e6, 1..200),
            q in 0.0f64..=1.0,
        ) {
            let mut sorted = v.clone();
            sorted.sort_by(f64::total_cmp);
            proptest::prop_assert_eq!(quantile_select(&mut v, q), quantile_sorted(&sorted, q));
        }
    }

    #[test]
    fn interpolation() {
        let xs = [0.0, 10.0, 20.0];
        let ys = [0.0, 1.0, f64::NAN];
        assert_eq!(interpolate(&xs, &ys, 5.0), Some(0.5));
        assert_eq!(interpolate(&xs, &ys, 10.0), Some(1.0));
        assert_eq!(interpolate(&xs, &ys, 15.0), None);
        assert_eq!(interpolate(&xs, &ys, -1.0), None);
        assert_eq!(interpolate(&xs, &ys, 25.0), None);
    }

    #[test]
    fn correlation() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert!((pearson(&x, &[2.0, 4.0, 6.0, 8.0]).unwrap() - 1.0).abs() < 1e-12);
        assert!((pearson(&x, &[8.0, 6.0, 4.0, 2.0]).unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(pearson(&x, &[1.0, 1.0, 1.0, 1.0]), None);
        assert_eq!(pearson(&[1.0], &[1.0]), None);
    }
}
