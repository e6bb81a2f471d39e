//! M4 decimation: per pixel column keep the first, minimum, maximum and last point, so a
//! line drawn from the kept points looks exactly like the line through all of them —
//! spikes and dips survive at every zoom level (Jugel et al., "M4", VLDB 2014).

use crate::scale::Scale;
use crate::xvalues::XSlice;

mod columns;
mod extremes;
use columns::{column_end, column_of};
use extremes::Extremes;

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
    let one = [(XSlice::Float(xs.get(..n).unwrap_or_default()), ys.get(..n).unwrap_or_default())];
    m4_parts(&one, x_scale).into_iter().map(|(_, i)| i).collect()
}

/// [`m4`] of a series held in parts (stretches sorted by x and in x order, as a query's
/// record batches hold them) without joining them: the same points as `m4` of the joined
/// series, as (part, index in the part). A pixel column that spans two parts is one
/// column. x may be integers (a query's `step`), read as `f64` only where M4 looks.
///
/// ```
/// use runql_chart::{decimate::{m4, m4_parts}, scale::Scale, spec::ScaleKind, xvalues::XSlice};
/// let steps: Vec<i64> = (0..1000).collect();
/// let xs: Vec<f64> = (0..1000).map(f64::from).collect();
/// let ys: Vec<f64> = xs.iter().map(|x| (x * 0.1).sin()).collect();
/// let scale = Scale::new(ScaleKind::Linear, 0.0, 999.0, 0.0, 10.0);
/// let parts = [(XSlice::Int(&steps[..333]), &ys[..333]), (XSlice::Int(&steps[333..]), &ys[333..])];
/// let joined: Vec<usize> = m4_parts(&parts, &scale).iter().map(|&(p, i)| p * 333 + i).collect();
/// assert_eq!(joined, m4(&xs, &ys, &scale));
/// ```
pub fn m4_parts(parts: &[(XSlice<'_>, &[f64])], x_scale: &Scale) -> Vec<(usize, usize)> {
    let (lo, hi) = (x_scale.lo.min(x_scale.hi), x_scale.lo.max(x_scale.hi));
    let len = |(xs, ys): &(XSlice<'_>, &[f64])| xs.len().min(ys.len());
    let n: usize = parts.iter().map(len).sum();
    // Counted over all parts (x is sorted across them), `keep` being true up to a point:
    // a part wholly on one side is counted from its ends, and only the part where `keep`
    // turns false is searched (each probe of a search over a long part is a cache miss).
    let count = |keep: &dyn Fn(f64) -> bool| -> usize {
        parts
            .iter()
            .map(|p| {
                let xs = p.0.prefix(len(p));
                match (xs.first(), xs.last()) {
                    (_, Some(last)) if keep(last) => xs.len(),
                    (Some(first), _) if !keep(first) => 0,
                    _ => xs.partition_point(keep),
                }
            })
            .sum()
    };
    let start = count(&|x| x < lo).saturating_sub(1);
    let end = (count(&|x| x <= hi) + 1).min(n);
    // At most four points per pixel column (and a few more around gaps and at the ends):
    // reserved, so the vector is not copied as it grows.
    let columns = (x_scale.px1 - x_scale.px0).abs().min(1e6) as usize + 2;
    let mut out = Vec::with_capacity((4 * columns).min(end.saturating_sub(start)));
    // The bucket of the last column, kept open across a part's end.
    let mut open: Option<(Option<i64>, Bucket)> = None;
    let mut last_was_gap = false;
    let mut offset = 0;
    // The number of points of the column before: where the next one likely ends.
    let mut width_hint = 0;
    for (part, p) in parts.iter().enumerate() {
        let (xs, ys) = (p.0, p.1);
        let part_end = end.saturating_sub(offset).min(len(p));
        let mut i = start.saturating_sub(offset);
        offset += len(p);
        while i < part_end {
            let (Some(x), Some(&y)) = (xs.get(i), ys.get(i)) else { break };
            if !x_scale.accepts(x) {
                i += 1;
                continue;
            }
            if !y.is_finite() {
                if let Some((_, b)) = open.take() {
                    b.flush(&mut out);
                }
                if !last_was_gap {
                    out.push((part, i));
                    last_was_gap = true;
                }
                i += 1;
                continue;
            }
            last_was_gap = false;
            // The points of this pixel column are found by a search over x from where the
            // last column's count says it ends (a few comparisons per column, not a scale
            // mapping per point); then one tight pass over their y values takes min and max
            // and notes a non-finite y (a gap: the column is then taken up to it).
            let column = column_of(x_scale, x);
            let stop = column_end(xs, i, part_end, x_scale, column, width_hint);
            width_hint = stop - i;
            let mut bucket = match open.take() {
                Some((c, mut b)) if c == column => {
                    b.add((part, i), y);
                    b
                }
                other => {
                    if let Some((_, b)) = other {
                        b.flush(&mut out);
                    }
                    Bucket::new((part, i), y)
                }
            };
            let rest = ys.get(i + 1..stop).unwrap_or_default();
            let finite = if bucket.add_all(part, i + 1, rest) {
                rest.len()
            } else {
                // A gap in this column: take the points up to it.
                let finite = rest.iter().position(|v| !v.is_finite()).unwrap_or(rest.len());
                bucket.add_all(part, i + 1, rest.get(..finite).unwrap_or_default());
                finite
            };
            let next = i + 1 + finite;
            if next == part_end {
                // The column may go on in the next part.
                open = Some((column, bucket));
            } else {
                bucket.flush(&mut out);
            }
            i = next;
        }
    }
    if let Some((_, b)) = open {
        b.flush(&mut out);
    }
    out
}

/// A point's place: (part, index in the part); ordered as the points are.
type At = (usize, usize);

struct Bucket {
    first: At,
    last: At,
    min: (At, f64),
    max: (At, f64),
}

impl Bucket {
    fn new(at: At, y: f64) -> Bucket {
        Bucket { first: at, last: at, min: (at, y), max: (at, y) }
    }

    fn add(&mut self, at: At, y: f64) {
        self.last = at;
        if y < self.min.1 {
            self.min = (at, y);
        }
        if y > self.max.1 {
            self.max = (at, y);
        }
    }

    /// Adds `ys`, the values at `start..` of part `part`, when every one is finite; else
    /// leaves the bucket as it was and returns false. The places kept are those
    /// [`Bucket::add`] keeps point by point: the first of the lowest and of the highest.
    fn add_all(&mut self, part: usize, start: usize, ys: &[f64]) -> bool {
        let Some(last) = ys.len().checked_sub(1) else { return true };
        let mut found = Extremes { lo: self.min.1, lo_at: None, hi: self.max.1, hi_at: None };
        if !found.scan(ys) {
            return false;
        }
        if let Some(k) = found.lo_at {
            self.min = ((part, start + k), found.lo);
        }
        if let Some(k) = found.hi_at {
            self.max = ((part, start + k), found.hi);
        }
        self.last = (part, start + last);
        true
    }

    fn flush(self, out: &mut Vec<At>) {
        // first ≤ min, max ≤ last: only min and max can come in either order.
        let (a, b) =
            if self.min.0 <= self.max.0 { (self.min.0, self.max.0) } else { (self.max.0, self.min.0) };
        out.push(self.first);
        for at in [a, b, self.last] {
            if out.last() != Some(&at) {
                out.push(at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::ScaleKind;
    use proptest::prelude::*;

    /// The first implementation, one scale mapping per point: the reference the galloping
    /// one must match index for index.
    fn m4_point_by_point(xs: &[f64], ys: &[f64], x_scale: &Scale) -> Vec<usize> {
        let n = xs.len().min(ys.len());
        let (lo, hi) = (x_scale.lo.min(x_scale.hi), x_scale.lo.max(x_scale.hi));
        let xs = xs.get(..n).unwrap_or_default();
        let start = xs.partition_point(|&x| x < lo).saturating_sub(1);
        let end = (xs.partition_point(|&x| x <= hi) + 1).min(n);
        let mut out = Vec::new();
        let mut bucket: Option<(i64, Bucket)> = None;
        let mut last_was_gap = false;
        for i in start..end {
            let (Some(&x), Some(&y)) = (xs.get(i), ys.get(i)) else { break };
            if !x_scale.accepts(x) {
                continue;
            }
            if !y.is_finite() {
                if let Some((_, b)) = bucket.take() {
                    b.flush(&mut out);
                }
                if !last_was_gap {
                    out.push((0, i));
                    last_was_gap = true;
                }
                continue;
            }
            last_was_gap = false;
            let column = x_scale.map(x).floor() as i64;
            match bucket.as_mut() {
                Some((c, b)) if *c == column => b.add((0, i), y),
                _ => {
                    if let Some((_, b)) = bucket.take() {
                        b.flush(&mut out);
                    }
                    bucket = Some((column, Bucket::new((0, i), y)));
                }
            }
        }
        if let Some((_, b)) = bucket {
            b.flush(&mut out);
        }
        out.into_iter().map(|(_, i)| i).collect()
    }

    /// `m4_parts` over the series cut at `cuts` (random places, empty parts included; each
    /// part's x as `part_x` gives it) keeps the same points as `m4` over `xs` whole, at the
    /// zoom (fractions of the x span) and width given.
    fn parts_match_joined<'a>(
        xs: &[f64],
        part_x: impl Fn(std::ops::Range<usize>) -> XSlice<'a>,
        ys: &[f64],
        cuts: Vec<usize>,
        zoom: (f64, f64),
        width: f64,
        log: bool,
    ) -> Result<(), TestCaseError> {
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(xs.len())).collect();
        cuts.push(0);
        cuts.push(xs.len());
        cuts.sort_unstable();
        let parts: Vec<(XSlice<'_>, &[f64])> =
            cuts.windows(2).map(|w| (part_x(w[0]..w[1]), &ys[w[0]..w[1]])).collect();
        let (first, last) = (xs.first().copied().unwrap_or(0.0), xs.last().copied().unwrap_or(1.0));
        let (a, b) = (first + zoom.0 * (last - first), first + zoom.1 * (last - first));
        let kind = if log { ScaleKind::Log } else { ScaleKind::Linear };
        let scale = Scale::new(kind, a.min(b), a.max(b), 0.0, width);
        let joined: Vec<usize> = m4_parts(&parts, &scale).into_iter().map(|(p, i)| cuts[p] + i).collect();
        prop_assert_eq!(joined, m4(xs, ys, &scale));
        Ok(())
    }

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
        fn galloping_matches_point_by_point(
            steps in prop::collection::vec(prop_oneof![3 => Just(0.0f64), 6 => 0.0f64..5.0, 1 => 0.0f64..1e4], 0..3000),
            start in -100.0f64..100.0,
            ys in prop::collection::vec(prop_oneof![20 => -1e3f64..1e3, 1 => Just(f64::NAN), 1 => Just(f64::NEG_INFINITY)], 3000),
            edges in prop_oneof![2 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)],
            zoom in (0.0f64..1.0, 0.0f64..1.0),
            width in 1.0f64..2500.0,
            log in any::<bool>(),
        ) {
            // Sorted x with repeats; sometimes infinite ends.
            let mut xs: Vec<f64> = steps.iter().scan(start, |x, d| { *x += d; Some(*x) }).collect();
            if edges == 1 && !xs.is_empty() { xs[0] = f64::NEG_INFINITY; }
            if edges == 2 && !xs.is_empty() { *xs.last_mut().unwrap() = f64::INFINITY; }
            let ys = &ys[..xs.len()];
            let finite: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
            let (first, last) = (finite.first().copied().unwrap_or(0.0), finite.last().copied().unwrap_or(1.0));
            let (a, b) = (first + zoom.0 * (last - first), first + zoom.1 * (last - first));
            let kind = if log { ScaleKind::Log } else { ScaleKind::Linear };
            let scale = Scale::new(kind, a.min(b), a.max(b), 0.0, width);
            prop_assert_eq!(m4(&xs, ys, &scale), m4_point_by_point(&xs, ys, &scale));
        }

        #[test]
        fn evenly_spaced_x_matches_point_by_point(
            n in 0usize..4000,
            step in prop_oneof![Just(1.0f64), 0.001f64..10.0],
            jitter in prop::collection::vec((0usize..4000, -3.0f64..3.0), 0..4),
            ys in prop::collection::vec(prop_oneof![20 => -1e3f64..1e3, 1 => Just(f64::NAN)], 4000),
            zoom in (0.0f64..1.0, 0.0f64..1.0),
            width in 1.0f64..2500.0,
        ) {
            // Steps, as most runs log them (every column holds about as many points as the
            // one before), with a few points moved.
            let mut xs: Vec<f64> = (0..n).map(|k| k as f64 * step).collect();
            for (at, by) in jitter {
                if let Some(x) = xs.get_mut(at) { *x += by * step; }
            }
            xs.sort_by(f64::total_cmp);
            let ys = &ys[..n];
            let last = xs.last().copied().unwrap_or(1.0);
            let (a, b) = (zoom.0 * last, zoom.1 * last);
            let scale = linear(a.min(b), a.max(b), width);
            prop_assert_eq!(m4(&xs, ys, &scale), m4_point_by_point(&xs, ys, &scale));
        }

        #[test]
        fn parts_decimate_as_the_joined_series(
            steps in prop::collection::vec(prop_oneof![3 => Just(0.0f64), 6 => 0.0f64..5.0, 1 => 0.0f64..1e3], 0..2000),
            ys in prop::collection::vec(prop_oneof![20 => -1e3f64..1e3, 1 => Just(f64::NAN)], 2000),
            cuts in prop::collection::vec(0usize..2000, 0..12),
            zoom in (0.0f64..1.0, 0.0f64..1.0),
            width in 1.0f64..1500.0,
            log in any::<bool>(),
        ) {
            let xs: Vec<f64> = steps.iter().scan(-50.0, |x, d| { *x += d; Some(*x) }).collect();
            let ys = &ys[..xs.len()];
            parts_match_joined(&xs, |r| XSlice::Float(&xs[r]), ys, cuts, zoom, width, log)?;
        }

        /// Evenly spaced integer x given as `XSlice::Steps` (computed, never read) decimates
        /// as the same values read from memory, and values with many ties, ±0, NaN and ∞
        /// keep exactly the point-by-point reference's places (the block scan passes
        /// blocks over, so ties at the block edges matter).
        #[test]
        fn evenly_spaced_steps_and_tied_values_match_point_by_point(
            first in prop_oneof![Just(0i64), -1000i64..1000, Just((1i64 << 53) - 700)],
            stride in prop_oneof![3 => Just(1i64), 3 => 1i64..50, 1 => Just(0i64)],
            n in 0usize..3000,
            ys in prop::collection::vec(prop_oneof![
                30 => (-4i32..4).prop_map(f64::from),
                2 => Just(-0.0f64),
                1 => Just(f64::NAN),
                1 => Just(f64::INFINITY),
            ], 3000),
            cuts in prop::collection::vec(0usize..3000, 0..4),
            zoom in (0.0f64..1.0, 0.0f64..1.0),
            // Narrow plots too: pixel columns of dozens of values are scanned in blocks.
            width in prop_oneof![1.0f64..60.0, 1.0f64..1500.0],
        ) {
            let ints: Vec<i64> = (0..n as i64).map(|i| first + i * stride).collect();
            let xs: Vec<f64> = ints.iter().map(|&v| v as f64).collect();
            let ys = &ys[..n];
            let steps = |r: std::ops::Range<usize>| XSlice::Steps {
                first: ints.get(r.start).copied().unwrap_or(first),
                stride,
                len: r.len(),
            };
            parts_match_joined(&xs, steps, ys, cuts, zoom, width, false)?;
            let (lo, hi) = (xs.first().copied().unwrap_or(0.0), xs.last().copied().unwrap_or(1.0));
            let (a, b) = (lo + zoom.0 * (hi - lo), lo + zoom.1 * (hi - lo));
            let scale = linear(a.min(b), a.max(b), width);
            prop_assert_eq!(m4(&xs, ys, &scale), m4_point_by_point(&xs, ys, &scale));
        }

        #[test]
        fn integer_x_decimates_as_its_floats(
            steps in prop::collection::vec(prop_oneof![3 => Just(0i64), 6 => 0i64..5, 1 => 0i64..100_000], 0..2000),
            // Beyond 2^53 distinct integers share a float: their order must still hold.
            start in prop_oneof![Just(0i64), -1000i64..1000, Just((1i64 << 53) - 700)],
            ys in prop::collection::vec(prop_oneof![20 => -1e3f64..1e3, 1 => Just(f64::NAN)], 2000),
            cuts in prop::collection::vec(0usize..2000, 0..6),
            zoom in (0.0f64..1.0, 0.0f64..1.0),
            width in 1.0f64..1500.0,
            log in any::<bool>(),
        ) {
            let ints: Vec<i64> = steps.iter().scan(start, |x, d| { *x += d; Some(*x) }).collect();
            let xs: Vec<f64> = ints.iter().map(|&v| v as f64).collect();
            let ys = &ys[..xs.len()];
            parts_match_joined(&xs, |r| XSlice::Int(&ints[r]), ys, cuts, zoom, width, log)?;
        }

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
