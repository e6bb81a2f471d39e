//! Finding a pixel column's points: which column an x falls in, and where a sorted
//! stretch of x leaves it.

use crate::scale::Scale;
use crate::xvalues::XSlice;

/// The pixel column of `x` (`None` when the scale cannot place it).
pub(super) fn column_of(x_scale: &Scale, x: f64) -> Option<i64> {
    x_scale.accepts(x).then(|| x_scale.map(x).floor() as i64)
}

/// The first index after `i` (and at most `end`) whose x is not in `column`, the pixel
/// column of `xs[i]`. The points of one column are contiguous because `xs` is sorted and
/// the scale is monotonic, so the column's end is found over plain comparisons with the
/// column's right edge in data units: first near where `hint` points on would end it (the
/// last column's count: steps logged at a steady rate put about as many in each), else by
/// doubling steps and bisection. The edge is computed with rounding, so when a point lies
/// within rounding of it the answer is moved to where the pixel column really changes.
pub(super) fn column_end(
    xs: XSlice<'_>,
    i: usize,
    end: usize,
    x_scale: &Scale,
    column: Option<i64>,
    hint: usize,
) -> usize {
    let same = |j: usize| j < end && xs.get(j).and_then(|x| column_of(x_scale, x)) == column;
    let edge = match column {
        Some(c) if x_scale.px1 > x_scale.px0 => x_scale.invert(c.saturating_add(1) as f64),
        _ => f64::NAN,
    };
    // Before the edge (a NaN edge stops at the first step, and the fix-up below walks).
    let before = |j: usize| j < end && xs.get(j).is_some_and(|x| x < edge);
    let mut outside =
        if hint < 2 { gallop(i, end, &before) } else { near(i, end, i.saturating_add(hint), &before) };
    // With the last point before the edge and the first after it both farther from it
    // than rounding can move a point (mapping and inverting are exact to a few units in
    // the last place; this allows a billion), the answer stands: two comparisons instead
    // of two scale mappings. Else step back over points that belong to the next column,
    // or forward over points that still belong to this one.
    let margin = 1e-9 * (edge.abs() + (x_scale.hi - x_scale.lo).abs());
    let clear_below = outside > i && xs.get(outside - 1).is_some_and(|x| x < edge - margin);
    let clear_above = outside >= end || xs.get(outside).is_some_and(|x| x > edge + margin);
    if clear_below && clear_above {
        return outside;
    }
    while outside > i + 1 && !same(outside - 1) {
        outside -= 1;
    }
    while same(outside) {
        outside += 1;
    }
    outside
}

/// The first index after `i` for which `before` is false (at most `end`), searched from
/// `guess`: a step or two either way when the guess is close, else galloping on or
/// bisecting back.
fn near(i: usize, end: usize, guess: usize, before: &impl Fn(usize) -> bool) -> usize {
    let mut j = guess.clamp(i + 1, end.max(i + 1));
    if before(j) {
        for _ in 0..2 {
            j += 1;
            if !before(j) {
                return j;
            }
        }
        return gallop(j, end, before);
    }
    // `before` is false at `j`: the answer is `j` or earlier.
    for _ in 0..2 {
        if j <= i + 1 || before(j - 1) {
            return j;
        }
        j -= 1;
    }
    if j <= i + 1 || before(j - 1) { j } else { bisect(i, j - 1, before) }
}

/// The first index after `i` for which `before` is false (at most `end`; `before` holds
/// at `i` and, x being sorted, up to some index and not after): by doubling steps, then
/// bisection.
fn gallop(i: usize, end: usize, before: &impl Fn(usize) -> bool) -> usize {
    let mut inside = i;
    let mut step = 1usize;
    let outside = loop {
        let probe = inside.saturating_add(step).min(end);
        if !before(probe) {
            break probe;
        }
        inside = probe;
        step = step.saturating_mul(2);
    };
    bisect(inside, outside, before)
}

/// The first index after `inside` for which `before` is false, `before` holding at
/// `inside` and not at `outside`.
fn bisect(mut inside: usize, mut outside: usize, before: &impl Fn(usize) -> bool) -> usize {
    while outside - inside > 1 {
        let mid = inside + (outside - inside) / 2;
        if before(mid) {
            inside = mid;
        } else {
            outside = mid;
        }
    }
    outside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searching_from_any_guess_finds_the_edge() {
        // `before` holds up to `edge` (exclusive), within i..end; every guess must land there.
        for end in 1..12usize {
            for i in 0..end {
                for edge in i + 1..=end {
                    let before = |j: usize| j < end && j < edge;
                    for guess in 0..end + 4 {
                        assert_eq!(
                            near(i, end, guess, &before),
                            edge,
                            "i {i} end {end} edge {edge} guess {guess}"
                        );
                    }
                    assert_eq!(gallop(i, end, &before), edge);
                }
            }
        }
    }
}
