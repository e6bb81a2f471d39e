//! Grouped lines: runs of one group (a parameter value, a tag) drawn as one line — mean,
//! median, min or max of the members at each x — with a min–max, stddev or stderr band.
//! Members are interpolated onto the union of their x values, each only inside its own
//! range (no extrapolation), as the research notes describe (docs/charts-and-queries.md).

use crate::spec::{Aggregate, Band};
use crate::stats;

/// A group's line and band on the union of its members' x values.
pub(crate) struct Aggregated {
    pub xs: Vec<f64>,
    pub center: Vec<f64>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
}

/// Aggregates member series (each sorted by x) onto the union of their x values. A member
/// counts at x only inside its own x range (no extrapolation), interpolated linearly.
pub(crate) fn aggregate(members: &[(&[f64], &[f64])], agg: Aggregate, band: Band) -> Aggregated {
    let mut xs: Vec<f64> =
        members.iter().flat_map(|(x, _)| x.iter().copied()).filter(|x| x.is_finite()).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let mut cursors = vec![0usize; members.len()];
    let mut values = Vec::with_capacity(members.len());
    let mut out = Aggregated {
        center: Vec::with_capacity(xs.len()),
        lower: Vec::with_capacity(xs.len()),
        upper: Vec::with_capacity(xs.len()),
        xs: Vec::new(),
    };
    for &x in &xs {
        values.clear();
        for ((mx, my), cursor) in members.iter().zip(cursors.iter_mut()) {
            while mx.get(*cursor).is_some_and(|&v| v < x) {
                *cursor += 1;
            }
            // Interpolate between cursor-1 and cursor (the first point ≥ x).
            let lo = cursor.saturating_sub(1);
            let window_x = mx.get(lo..=*cursor).unwrap_or_default();
            let window_y = my.get(lo..=*cursor).unwrap_or_default();
            if let Some(v) = stats::interpolate(window_x, window_y, x) {
                values.push(v);
            }
        }
        let (c, l, u) = if values.is_empty() {
            (f64::NAN, f64::NAN, f64::NAN)
        } else {
            let mean = stats::mean(&values);
            let c = match agg {
                Aggregate::Mean => mean,
                Aggregate::Median => stats::median(&values),
                Aggregate::Min => values.iter().copied().fold(f64::INFINITY, f64::min),
                Aggregate::Max => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            };
            let (l, u) = match band {
                Band::None => (f64::NAN, f64::NAN),
                Band::MinMax => (
                    values.iter().copied().fold(f64::INFINITY, f64::min),
                    values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                ),
                Band::Stddev | Band::Stderr => {
                    let sd = stats::std_pop(&values);
                    let half = if band == Band::Stderr { sd / (values.len() as f64).sqrt() } else { sd };
                    (mean - half, mean + half)
                }
            };
            (c, l, u)
        };
        out.center.push(c);
        out.lower.push(l);
        out.upper.push(u);
    }
    out.xs = xs;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregate_mean_and_bands_on_union_of_x() {
        let a = ([0.0, 1.0, 2.0], [1.0, 2.0, 3.0]);
        let b = ([0.0, 2.0], [3.0, 5.0]);
        let members: Vec<(&[f64], &[f64])> = vec![(&a.0, &a.1), (&b.0, &b.1)];
        let agg = aggregate(&members, Aggregate::Mean, Band::MinMax);
        assert_eq!(agg.xs, vec![0.0, 1.0, 2.0]);
        // b at x=1 is interpolated to 4.
        assert_eq!(agg.center, vec![2.0, 3.0, 4.0]);
        assert_eq!(agg.lower, vec![1.0, 2.0, 3.0]);
        assert_eq!(agg.upper, vec![3.0, 4.0, 5.0]);
        let sd = aggregate(&members, Aggregate::Median, Band::Stddev);
        assert_eq!(sd.center, vec![2.0, 3.0, 4.0]);
        assert_eq!(sd.upper, vec![3.0, 4.0, 5.0]); // population sd of two values = half the gap
        let se = aggregate(&members, Aggregate::Max, Band::Stderr);
        assert_eq!(se.center, vec![3.0, 4.0, 5.0]);
        assert!((se.upper[0] - (2.0 + 1.0 / 2f64.sqrt())).abs() < 1e-12);
    }

    #[test]
    fn members_count_only_inside_their_range() {
        let a = ([0.0, 10.0], [0.0, 10.0]);
        let b = ([5.0, 6.0], [100.0, 100.0]);
        let members: Vec<(&[f64], &[f64])> = vec![(&a.0, &a.1), (&b.0, &b.1)];
        let agg = aggregate(&members, Aggregate::Mean, Band::None);
        assert_eq!(agg.xs, vec![0.0, 5.0, 6.0, 10.0]);
        assert_eq!(agg.center, vec![0.0, 52.5, 53.0, 10.0]);
        assert!(agg.upper.iter().all(|v| v.is_nan()));
    }
}
