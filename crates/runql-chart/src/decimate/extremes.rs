//! A pixel column's lowest and highest values and their first places, taken in value by
//! value or in blocks (with SIMD in WebAssembly).

/// The lowest and highest values met so far in a pixel column, and where in the values
/// scanned last they were met (`None`: not there, the earlier ones stand).
pub(super) struct Extremes {
    pub(super) lo: f64,
    pub(super) lo_at: Option<usize>,
    pub(super) hi: f64,
    pub(super) hi_at: Option<usize>,
}

/// Values are scanned in blocks of this many: a block that cannot move the lowest or the
/// highest (most of them, once a column's first values are in) is passed over after a few
/// comparisons, and only the others are walked value by value.
const BLOCK: usize = 8;

impl Extremes {
    /// Takes in `ys` value by value: strictly lower or higher values move the extremes, so
    /// the first place of each is kept. Returns whether all of them are finite.
    #[allow(clippy::eq_op, reason = "v - v is the finiteness test")]
    fn take(&mut self, offset: usize, ys: &[f64]) -> bool {
        // v - v is 0 for a finite v and NaN for ±inf and NaN, and a NaN sum stays NaN: an
        // addition per value instead of a branch.
        // Locals, written back once: the loop then keeps them in registers.
        let mut bad = 0.0;
        let (mut lo, mut lo_at, mut hi, mut hi_at) = (self.lo, usize::MAX, self.hi, usize::MAX);
        for (k, &v) in ys.iter().enumerate() {
            bad += v - v;
            if v < lo {
                (lo, lo_at) = (v, k);
            }
            if v > hi {
                (hi, hi_at) = (v, k);
            }
        }
        if lo_at != usize::MAX {
            (self.lo, self.lo_at) = (lo, Some(offset + lo_at));
        }
        if hi_at != usize::MAX {
            (self.hi, self.hi_at) = (hi, Some(offset + hi_at));
        }
        bad == 0.0
    }

    /// Takes in `ys`, returning whether all of them are finite (when not, what was taken
    /// in means nothing): the same answer as [`Extremes::take`]. A pixel column of a few
    /// dozen values is taken value by value; a wider one (a wide zoom of long runs) in
    /// blocks, where a block passed over has no value below the lowest or above the highest.
    pub(super) fn scan(&mut self, ys: &[f64]) -> bool {
        if ys.len() < 4 * BLOCK { self.take(0, ys) } else { scan_blocks(self, ys) }
    }
}

/// [`Extremes::scan`] in WebAssembly, with SIMD: a block's lowest and highest are three
/// `f64x2.pmin` and three `pmax`, and one test says whether either beats the column's
/// (the scalar form is a compare and a select per value, twice). Every engine runql
/// runs in has WebAssembly SIMD (Chrome 91, Firefox 89, Safari 16.4, Node 16.4).
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
#[allow(clippy::eq_op, reason = "v - v is the finiteness test")]
fn scan_blocks(found: &mut Extremes, ys: &[f64]) -> bool {
    use core::arch::wasm32::{
        f64x2_add, f64x2_extract_lane, f64x2_gt, f64x2_lt, f64x2_pmax, f64x2_pmin, f64x2_splat, f64x2_sub,
        v128, v128_any_true, v128_or,
    };
    if ys.len() < BLOCK {
        // Not one block (`scan` passes several): value by value.
        return found.take(0, ys);
    }
    let blocks = ys.chunks_exact(BLOCK);
    let rest = blocks.remainder();
    // v - v is 0 for a finite v and NaN for ±inf and NaN, and a NaN sum stays NaN.
    let mut bad = f64x2_splat(0.0);
    let (mut lo, mut hi) = (f64x2_splat(found.lo), f64x2_splat(found.hi));
    // The values left over after the whole blocks are taken as one more block, the last
    // eight values, overlapping the block before: the overlapped values cannot move the
    // extremes again (only strictly lower or higher values move them, and they are in
    // already), and a scalar pass over the leftovers cost more per column than a block.
    let at_last = ys.len() - BLOCK;
    let tail = ys.get(at_last..).filter(|_| !rest.is_empty()).map(|block| (at_last, block));
    for (start, block) in blocks.enumerate().map(|(b, block)| (b * BLOCK, block)).chain(tail) {
        let Ok(&values) = <&[f64; BLOCK]>::try_from(block) else { continue };
        let [p, q, r, s]: [v128; 4] = bytemuck::cast(values);
        bad = f64x2_add(
            bad,
            f64x2_add(
                f64x2_add(f64x2_sub(p, p), f64x2_sub(q, q)),
                f64x2_add(f64x2_sub(r, r), f64x2_sub(s, s)),
            ),
        );
        let block_lo = f64x2_pmin(f64x2_pmin(p, q), f64x2_pmin(r, s));
        let block_hi = f64x2_pmax(f64x2_pmax(p, q), f64x2_pmax(r, s));
        if v128_any_true(v128_or(f64x2_lt(block_lo, lo), f64x2_gt(block_hi, hi))) {
            // The block moves an extreme: its lowest (highest) is the lesser (greater) lane,
            // and its first place the first lane equal to it. (A NaN or an infinity in the
            // block makes `bad` NaN, and the whole answer is then thrown away.)
            let (l0, l1) = (f64x2_extract_lane::<0>(block_lo), f64x2_extract_lane::<1>(block_lo));
            let least = if l1 < l0 { l1 } else { l0 };
            if least < found.lo {
                (found.lo, found.lo_at) = (least, Some(start + first_equal([p, q, r, s], least)));
            }
            let (h0, h1) = (f64x2_extract_lane::<0>(block_hi), f64x2_extract_lane::<1>(block_hi));
            let most = if h1 > h0 { h1 } else { h0 };
            if most > found.hi {
                (found.hi, found.hi_at) = (most, Some(start + first_equal([p, q, r, s], most)));
            }
            (lo, hi) = (f64x2_splat(found.lo), f64x2_splat(found.hi));
        }
    }
    f64x2_extract_lane::<0>(bad) + f64x2_extract_lane::<1>(bad) == 0.0
}

/// The first of a block's eight values (as four `f64x2`) equal to `x`, from four equality
/// masks: no branch per value. (Values passed, not captured: a closure over them kept them
/// in memory, stored on every block.)
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
fn first_equal([p, q, r, s]: [core::arch::wasm32::v128; 4], x: f64) -> usize {
    use core::arch::wasm32::{f64x2_eq, f64x2_splat, i64x2_bitmask};
    let at = f64x2_splat(x);
    let mask = u32::from(i64x2_bitmask(f64x2_eq(p, at)))
        | u32::from(i64x2_bitmask(f64x2_eq(q, at))) << 2
        | u32::from(i64x2_bitmask(f64x2_eq(r, at))) << 4
        | u32::from(i64x2_bitmask(f64x2_eq(s, at))) << 6;
    (mask.trailing_zeros() as usize).min(BLOCK - 1)
}

/// [`Extremes::scan`] elsewhere: the same blocks, with plain comparisons arranged as the
/// WebAssembly version's lanes (pairs, then a tree): short dependency chains, compiled to
/// branch-free min/max instructions, where a value-by-value chain would make each
/// comparison wait for the one before.
#[cfg(not(target_arch = "wasm32"))]
#[allow(clippy::eq_op, reason = "v - v is the finiteness test")]
fn scan_blocks(found: &mut Extremes, ys: &[f64]) -> bool {
    let least = |a: f64, b: f64| if b < a { b } else { a };
    let most = |a: f64, b: f64| if b > a { b } else { a };
    let blocks = ys.chunks_exact(BLOCK);
    let rest = blocks.remainder();
    let mut bad = [0.0; 2];
    for (b, block) in blocks.enumerate() {
        let &[y0, y1, y2, y3, y4, y5, y6, y7] = block else { continue };
        // v - v is 0 for a finite v and NaN for ±inf and NaN, and a NaN sum stays NaN.
        bad[0] += ((y0 - y0) + (y2 - y2)) + ((y4 - y4) + (y6 - y6));
        bad[1] += ((y1 - y1) + (y3 - y3)) + ((y5 - y5) + (y7 - y7));
        let lo = least(least(least(y0, y2), least(y4, y6)), least(least(y1, y3), least(y5, y7)));
        let hi = most(most(most(y0, y2), most(y4, y6)), most(most(y1, y3), most(y5, y7)));
        if lo < found.lo || hi > found.hi {
            // Its finiteness is in `bad` already.
            let _ = found.take(b * BLOCK, block);
        }
    }
    let rest_finite = found.take(ys.len() - rest.len(), rest);
    rest_finite && bad[0] + bad[1] == 0.0
}
