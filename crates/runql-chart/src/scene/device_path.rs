//! A line's vertices as the device pixels a backend draws, with each pixel column's
//! vertical back-and-forth cut to what can be seen.
//!
//! A decimated curve of long runs goes up and down within one device pixel column many
//! times (M4 keeps four points per column, and two of its columns round to one pixel x).
//! Drawn, those vertical strokes are one stroke from the column's lowest to its highest
//! pixel, so at most four vertices are needed: where the line enters the column, its two
//! extremes, and where it leaves. Fewer vertices are fewer canvas calls and less path for
//! the rasterizer (uPlot draws its lines the same way).

use crate::scene::Point;

/// A point in CSS pixels as the device pixel plotters' backends take: scaled by the pixel
/// ratio `k`, each coordinate rounded half away from zero.
#[inline]
pub(super) fn device_pixel(p: &Point, k: f64) -> (i32, i32) {
    (round_to_i32(f64::from(p[0]) * k), round_to_i32(f64::from(p[1]) * k))
}

/// `v.round() as i32`, for every `v`, with WebAssembly's `f64.trunc` instruction:
/// `f64::round` is a call there to a library function that truncates bit by bit. Adding
/// the largest double below one half (with `v`'s sign) before truncating rounds half away
/// from zero exactly — the library's own formula.
#[inline]
fn round_to_i32(v: f64) -> i32 {
    (v + 0.49999999999999994f64.copysign(v)).trunc() as i32
}

/// The vertices of a line in one device pixel column, in the order met: the first, the
/// lowest and highest y, the last, and which way the line first moved.
#[derive(Clone, Copy)]
struct Column {
    x: i32,
    entry: i32,
    lowest: i32,
    highest: i32,
    last: i32,
    /// Whether the first move within the column was to a larger y (`None`: no move yet).
    rising: Option<bool>,
}

impl Column {
    #[inline]
    fn new((x, y): (i32, i32)) -> Column {
        Column { x, entry: y, lowest: y, highest: y, last: y, rising: None }
    }

    #[inline]
    fn add(&mut self, y: i32) {
        if self.rising.is_none() && y != self.entry {
            self.rising = Some(y > self.entry);
        }
        self.lowest = self.lowest.min(y);
        self.highest = self.highest.max(y);
        self.last = y;
    }

    /// Appends the vertices after the entry: first the extreme the line first moved toward
    /// (so the join where it entered is drawn as before), then the other one unless the
    /// entry already is it, then the last unless it was just given.
    #[inline]
    fn close(&self, out: &mut Vec<(i32, i32)>) {
        let Some(rising) = self.rising else { return };
        let (toward, other) = if rising { (self.highest, self.lowest) } else { (self.lowest, self.highest) };
        out.push((self.x, toward));
        let mut at = toward;
        if other != self.entry {
            out.push((self.x, other));
            at = other;
        }
        if self.last != at {
            out.push((self.x, self.last));
        }
    }
}

/// Writes into `out` (replacing what it held) a line's vertices as device pixels
/// ([`device_pixel`]): vertices in a row that round to one pixel give it once, and those in
/// one pixel column at most four (see the module's notes). A line whose vertices all round
/// to one pixel gives it twice: a zero-length segment, which backends draw as a dot, rather
/// than a path of one point, which they skip.
pub(super) fn device_path(points: &[Point], k: f64, out: &mut Vec<(i32, i32)>) {
    // Filled as a local and put back: in WebAssembly a vector behind a reference has its
    // length stored and read back around every push.
    let mut path = std::mem::take(out);
    path.clear();
    path.reserve(points.len() + 1);
    let mut pixels = points.iter().map(|p| device_pixel(p, k));
    if let Some(first) = pixels.next() {
        path.push(first);
        let mut column = Column::new(first);
        for (x, y) in pixels {
            if x == column.x {
                column.add(y);
            } else {
                column.close(&mut path);
                path.push((x, y));
                column = Column::new((x, y));
            }
        }
        column.close(&mut path);
        if let [lone] = path[..] {
            path.push(lone);
        }
    }
    *out = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_to_i32_is_round_at_ties_and_edges() {
        for v in [
            0.5,
            -0.5,
            1.5,
            2.5,
            -2.5,
            0.49999999999999994,
            -0.49999999999999994,
            2147483646.5,
            2147483647.5,
            -2147483648.5,
            -2147483649.0,
            4503599627370495.5,
            -0.0,
            0.0,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ] {
            assert_eq!(round_to_i32(v), v.round() as i32, "{v}");
        }
    }

    /// [`device_path`] into a new vector.
    fn path(points: &[Point], k: f64) -> Vec<(i32, i32)> {
        let mut out = vec![(-1, -1)];
        device_path(points, k, &mut out);
        out
    }

    #[test]
    fn repeated_pixels_are_dropped_and_a_lone_one_doubled() {
        let drawn = path(&[[1.2, 1.0], [0.8, 1.4], [2.5, 1.0], [2.6, 1.2]], 1.0);
        assert_eq!(drawn, vec![(1, 1), (3, 1)]);
        let lone = path(&[[4.0, 4.0], [4.1, 3.9]], 2.0);
        assert_eq!(lone, vec![(8, 8), (8, 8)]);
        assert_eq!(path(&[], 1.0).len(), 0);
    }

    #[test]
    fn a_column_keeps_its_entry_extremes_and_exit() {
        // Down to 9, up to 1, down to 7, up to 3 within x = 5, then on to x = 6.
        let points = [[5.0, 5.0], [5.0, 9.0], [5.0, 1.0], [5.0, 7.0], [5.0, 3.0], [6.0, 4.0]];
        let drawn = path(&points, 1.0);
        assert_eq!(drawn, vec![(5, 5), (5, 9), (5, 1), (5, 3), (6, 4)]);
        // First moving up (to smaller y): the lowest y comes first.
        let points = [[5.0, 5.0], [5.0, 2.0], [5.0, 8.0], [5.0, 6.0]];
        let drawn = path(&points, 1.0);
        assert_eq!(drawn, vec![(5, 5), (5, 2), (5, 8), (5, 6)]);
        // An extreme that is the entry is not visited again.
        let points = [[5.0, 5.0], [5.0, 9.0], [5.0, 6.0], [5.0, 8.0]];
        let drawn = path(&points, 1.0);
        assert_eq!(drawn, vec![(5, 5), (5, 9), (5, 8)]);
    }

    /// The device pixels of `points` with repeats in a row dropped: the path before columns
    /// were cut, the reference the tests hold the cut path to.
    fn uncut(points: &[Point], k: f64) -> Vec<(i32, i32)> {
        let mut out: Vec<(i32, i32)> = points.iter().map(|p| device_pixel(p, k)).collect();
        out.dedup();
        out
    }

    /// Splits a path into its runs of one x.
    fn columns(path: &[(i32, i32)]) -> Vec<&[(i32, i32)]> {
        path.chunk_by(|a, b| a.0 == b.0).collect()
    }

    proptest::proptest! {
        #[test]
        fn round_to_i32_is_round(
            bits in proptest::num::u64::ANY,
            css in -5000.0f32..5000.0,
            tie in -5000i32..5000,
            k in 0.25f64..8.0,
        ) {
            // Any double (random bits are mostly huge or tiny) ...
            let v = f64::from_bits(bits);
            proptest::prop_assert_eq!(round_to_i32(v), v.round() as i32);
            // ... what the scene rounds: CSS pixels (f32) times a pixel ratio ...
            let w = f64::from(css) * k;
            proptest::prop_assert_eq!(round_to_i32(w), w.round() as i32);
            // ... and halves, where rounding half away from zero differs from other ways.
            let half = f64::from(tie) + 0.5;
            proptest::prop_assert_eq!(round_to_i32(half), half.round() as i32);
        }

        #[test]
        fn columns_are_cut_to_what_is_drawn(
            points in proptest::collection::vec((0.0f32..12.0, 0.0f32..12.0), 0..60),
            k in proptest::prop_oneof![proptest::strategy::Just(1.0f64), 0.5f64..3.0],
        ) {
            // Few distinct pixels, so columns hold many vertices.
            let points: Vec<Point> = points.into_iter().map(|(x, y)| [x, y]).collect();
            let before = uncut(&points, k);
            let after = path(&points, k);
            if before.len() == 1 {
                proptest::prop_assert_eq!(after, vec![before[0], before[0]]);
                return Ok(());
            }
            proptest::prop_assert!(after.windows(2).all(|w| w[0] != w[1]), "a repeat in {:?}", after);
            let (was, is) = (columns(&before), columns(&after));
            proptest::prop_assert_eq!(was.len(), is.len());
            for (was, is) in was.iter().zip(&is) {
                let ys = |c: &[(i32, i32)]| c.iter().map(|p| p.1).collect::<Vec<_>>();
                let (was_y, is_y) = (ys(was), ys(is));
                // Same x; the same entry, exit, lowest and highest; the same first move;
                // at most four vertices and never more than before.
                proptest::prop_assert_eq!(was[0].0, is[0].0);
                proptest::prop_assert_eq!(was_y.first(), is_y.first());
                proptest::prop_assert_eq!(was_y.last(), is_y.last());
                proptest::prop_assert_eq!(was_y.iter().min(), is_y.iter().min());
                proptest::prop_assert_eq!(was_y.iter().max(), is_y.iter().max());
                proptest::prop_assert_eq!(was_y.get(1).map(|y| y > &was_y[0]), is_y.get(1).map(|y| y > &is_y[0]));
                proptest::prop_assert!(is.len() <= 4.min(was.len()), "{:?} from {:?}", is, was);
            }
        }
    }
}
