//! M4 decimation: per pixel column keep the first, minimum, maximum and last point, so a
//! line drawn from the kept points looks exactly like the line through all of them —
//! spikes and dips survive at every zoom level (Jugel et al., "M4", VLDB 2014).

use crate::scale::Scale;

/// Indices of the points of one series to draw: for every pixel column of `x_scale` the
/// first, min, max and last point (in index order), plus the nearest point outside the
/// range on each side so lines run to the edges.
///
/// `xs` must be sorted ascending (the chart sorts each series once). A point whose y is not
/// finite is kept as a single index between the columns around it, so the caller can break
/// the line there; on a log x scale, x ≤ 0 is skipped.
///
/// ```
/// use runql_chart::{decimate::m4, scale::Scale, spec::ScaleKind};
/// let xs: Vec<f64> = (0..1000).map(f64::from).collect();
/// let mut ys = vec![0.0; 1000];
/// ys[500] = 99.0; // a spike
/// let scale = Scale::new(ScaleKind::Linear, 0.0, 999.0, 0.0, 10.0); // 10 pixels wide
/// let keep = m4(&xs, &ys, &scale);
/// assert!(keep.len() <= 4 * 11);
/// assert!(keep.contains(&500));
/// ```
pub fn m4(xs: &[f64], ys: &[f64], x_scale: &Scale) -> Vec<usize> {
    let n = xs.len().min(ys.len());
    let (lo, hi) = (x_scale.lo.min(x_scale.hi), x_scale.lo.max(x_scale.hi));
    let xs = xs.get(..n).unwrap_or_default();
    let start = xs.partition_point(|&x| x < lo).saturating_sub(1);
    let end = (xs.partition_point(|&x| x <= hi) + 1).min(n);
    let mut out = Vec::new();
    let mut bucket: Option<Bucket> = None;
    let mut last_was_gap = false;
    for i in start..end {
        let (Some(&x), Some(&y)) = (xs.get(i), ys.get(i)) else { break };
        if !x_scale.accepts(x) {
            continue;
        }
        if !y.is_finite() {
            if let Some(b) = bucket.take() {
                b.flush(&mut out);
            }
            if !last_was_gap {
                out.push(i);
                last_was_gap = true;
            }
            continue;
        }
        last_was_gap = false;
        let column = x_scale.map(x).floor() as i64;
        match bucket.as_mut() {
            Some(b) if b.column == column => b.add(i, y),
            _ => {
                if let Some(b) = bucket.take() {
                    b.flush(&mut out);
                }
                bucket = Some(Bucket::new(column, i, y));
            }
        }
    }
    if let Some(b) = bucket {
        b.flush(&mut out);
    }
    out
}

struct Bucket {
    column: i64,
    first: usize,
    last: usize,
    min: (usize, f64),
    max: (usize, f64),
}

impl Bucket {
    fn new(column: i64, i: usize, y: f64) -> Bucket {
        Bucket { column, first: i, last: i, min: (i, y), max: (i, y) }
    }

    fn add(&mut self, i: usize, y: f64) {
        self.last = i;
        if y < self.min.1 {
            self.min = (i, y);
        }
        if y > self.max.1 {
            self.max = (i, y);
        }
    }

    fn flush(self, out: &mut Vec<usize>) {
        let mut keep = [self.first, self.min.0, self.max.0, self.last];
        keep.sort_unstable();
        let mut prev = None;
        for i in keep {
            if prev != Some(i) {
                out.push(i);
                prev = Some(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::ScaleKind;
    use proptest::prelude::*;

    fn linear(lo: f64, hi: f64, width: f64) -> Scale {
        Scale::new(ScaleKind::Linear, lo, hi, 0.0, width)
    }

    #[test]
    fn few_points_are_all_kept() {
        let xs = [0.0, 1.0, 2.0];
        let ys = [3.0, 1.0, 2.0];
        assert_eq!(m4(&xs, &ys, &linear(0.0, 2.0, 800.0)), vec![0, 1, 2]);
    }

    #[test]
    fn zoom_keeps_one_neighbour_each_side() {
        let xs: Vec<f64> = (0..100).map(f64::from).collect();
        let ys = xs.clone();
        let keep = m4(&xs, &ys, &linear(10.0, 20.0, 800.0));
        assert_eq!(keep.first(), Some(&9));
        assert_eq!(keep.last(), Some(&21));
        assert_eq!(keep.len(), 13);
    }

    #[test]
    fn nan_is_kept_once_as_a_gap() {
        let xs = [0.0, 1.0, 2.0, 3.0, 4.0];
        let ys = [1.0, f64::NAN, f64::NAN, 2.0, 3.0];
        assert_eq!(m4(&xs, &ys, &linear(0.0, 4.0, 800.0)), vec![0, 1, 3, 4]);
    }

    #[test]
    fn log_scale_skips_non_positive_x() {
        let xs = [-1.0, 0.0, 1.0, 10.0];
        let ys = [1.0, 1.0, 1.0, 1.0];
        let s = Scale::new(ScaleKind::Log, 1.0, 10.0, 0.0, 100.0);
        assert_eq!(m4(&xs, &ys, &s), vec![2, 3]);
    }

    proptest! {
        #[test]
        fn every_column_keeps_first_min_max_last(
            ys in prop::collection::vec(prop_oneof![9 => -1e6f64..1e6, 1 => Just(f64::NAN), 1 => Just(f64::INFINITY)], 1..2000),
            width in 1.0f64..300.0,
        ) {
            let xs: Vec<f64> = (0..ys.len()).map(|i| i as f64).collect();
            let scale = linear(0.0, (ys.len().max(2) - 1) as f64, width);
            let keep = m4(&xs, &ys, &scale);
            prop_assert!(keep.windows(2).all(|w| w[0] < w[1]), "sorted, unique");
            // Reference: group the finite points into runs between non-finite values,
            // then by pixel column; each group's first/min/max/last must be kept.
            let mut groups: std::collections::BTreeMap<(usize, i64), Vec<usize>> = Default::default();
            let mut run = 0;
            for (i, y) in ys.iter().enumerate() {
                if !y.is_finite() { run += 1; continue; }
                groups.entry((run, scale.map(xs[i]).floor() as i64)).or_default().push(i);
            }
            for members in groups.values() {
                let first = members[0];
                let last = *members.last().unwrap();
                let min = members.iter().copied().min_by(|&a, &b| ys[a].total_cmp(&ys[b])).unwrap();
                let max = members.iter().copied().max_by(|&a, &b| ys[a].total_cmp(&ys[b])).unwrap();
                for want in [first, last] {
                    prop_assert!(keep.contains(&want), "index {} missing", want);
                }
                // Ties may pick another index with the same value.
                prop_assert!(keep.iter().any(|&k| members.contains(&k) && ys[k] == ys[min]));
                prop_assert!(keep.iter().any(|&k| members.contains(&k) && ys[k] == ys[max]));
            }
            // At most 4 per column, and a gap can split a column in two: 4 more per gap.
            let gaps = ys.iter().filter(|y| !y.is_finite()).count();
            prop_assert!(keep.len() <= 4 * (width.ceil() as usize + 2) + 5 * gaps);
        }
    }
}
