//! Per-series summaries (the `metric_summary` table), computed once at load.

/// Summary of one metric series. "Last" follows MLflow's rule: the point with the greatest
/// `(step, timestamp, value)`; min/max/mean skip NaN; steps of ties are the earliest step.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SeriesSummary {
    /// Value of the latest point.
    pub last: Option<f64>,
    /// Step of the latest point.
    pub last_step: Option<i64>,
    /// Timestamp of the latest point (epoch ms).
    pub last_timestamp: Option<i64>,
    /// Value of the earliest point (least `(step, timestamp)`; first written wins ties).
    pub first: Option<f64>,
    /// Step of the earliest point.
    pub first_step: Option<i64>,
    /// Smallest non-NaN value.
    pub min: Option<f64>,
    /// Step where `min` was reached (earliest such step).
    pub min_step: Option<i64>,
    /// Largest non-NaN value.
    pub max: Option<f64>,
    /// Step where `max` was reached (earliest such step).
    pub max_step: Option<i64>,
    /// Mean of the non-NaN values (±inf propagate).
    pub mean: Option<f64>,
    /// Number of points.
    pub count: i64,
    /// Number of NaN values.
    pub nan_count: i64,
}

/// Summarizes one series given as parallel slices (they must have equal length; extra
/// elements of longer slices are ignored).
///
/// ```
/// use runql_core::model::summary::summarize;
/// let s = summarize(&[0, 1, 2], &[None, None, None], &[0.9, f64::NAN, 0.5]);
/// assert_eq!(s.last, Some(0.5));
/// assert_eq!((s.min, s.min_step), (Some(0.5), Some(2)));
/// assert_eq!(s.nan_count, 1);
/// ```
pub fn summarize(steps: &[i64], timestamps: &[Option<i64>], values: &[f64]) -> SeriesSummary {
    let mut s = SeriesSummary::default();
    let mut last_key: Option<(i64, Option<i64>, f64)> = None;
    let mut first_key: Option<(i64, Option<i64>)> = None;
    let (mut sum, mut n_valid) = (0.0f64, 0i64);
    for ((&step, &ts), &value) in steps.iter().zip(timestamps).zip(values) {
        s.count += 1;
        let is_later = match last_key {
            None => true,
            Some((ls, lt, lv)) => (step, ts).cmp(&(ls, lt)).then(value.total_cmp(&lv)).is_ge(),
        };
        if is_later {
            last_key = Some((step, ts, value));
            (s.last, s.last_step, s.last_timestamp) = (Some(value), Some(step), ts);
        }
        if first_key.is_none_or(|fk| (step, ts) < fk) {
            first_key = Some((step, ts));
            (s.first, s.first_step) = (Some(value), Some(step));
        }
        if value.is_nan() {
            s.nan_count += 1;
            continue;
        }
        sum += value;
        n_valid += 1;
        let better_min = match (s.min, s.min_step) {
            (Some(m), Some(ms)) => value < m || (value == m && step < ms),
            _ => true,
        };
        if better_min {
            (s.min, s.min_step) = (Some(value), Some(step));
        }
        let better_max = match (s.max, s.max_step) {
            (Some(m), Some(ms)) => value > m || (value == m && step < ms),
            _ => true,
        };
        if better_max {
            (s.max, s.max_step) = (Some(value), Some(step));
        }
    }
    if n_valid > 0 {
        s.mean = Some(sum / n_valid as f64);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_is_greatest_step_then_timestamp_not_file_order() {
        // MLflow appends lines; a re-logged earlier step must not become "last".
        let s = summarize(&[5, 3, 5], &[Some(10), Some(20), Some(9)], &[1.0, 2.0, 3.0]);
        assert_eq!((s.last, s.last_step, s.last_timestamp), (Some(1.0), Some(5), Some(10)));
        assert_eq!((s.first, s.first_step), (Some(2.0), Some(3)));
    }

    #[test]
    fn all_nan_series_has_no_min_max_mean() {
        let s = summarize(&[0, 1], &[None, None], &[f64::NAN, f64::NAN]);
        assert_eq!((s.min, s.max, s.mean), (None, None, None));
        assert!(s.last.is_some_and(f64::is_nan));
        assert_eq!((s.count, s.nan_count), (2, 2));
    }

    #[test]
    fn infinities_count_for_min_max() {
        let s = summarize(&[0, 1, 2], &[None; 3], &[1.0, f64::INFINITY, f64::NEG_INFINITY]);
        assert_eq!((s.min, s.min_step), (Some(f64::NEG_INFINITY), Some(2)));
        assert_eq!((s.max, s.max_step), (Some(f64::INFINITY), Some(1)));
    }

    #[test]
    fn empty_series() {
        let s = summarize(&[], &[], &[]);
        assert_eq!(s, SeriesSummary::default());
    }

    proptest::proptest! {
        #[test]
        fn summary_is_consistent(values in proptest::collection::vec(proptest::num::f64::ANY, 0..64)) {
            let steps: Vec<i64> = (0..values.len() as i64).collect();
            let ts = vec![None; values.len()];
            let s = summarize(&steps, &ts, &values);
            proptest::prop_assert_eq!(s.count as usize, values.len());
            proptest::prop_assert_eq!(s.nan_count as usize, values.iter().filter(|v| v.is_nan()).count());
            if let (Some(min), Some(max)) = (s.min, s.max) {
                proptest::prop_assert!(min <= max);
                for v in values.iter().filter(|v| !v.is_nan()) {
                    proptest::prop_assert!(min <= *v && *v <= max);
                }
            }
            if let Some(last) = values.last() {
                proptest::prop_assert_eq!(s.last.map(f64::to_bits), Some(last.to_bits()));
            }
        }
    }
}
