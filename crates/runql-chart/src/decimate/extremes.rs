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

/// [`Extremes::scan`] in WebAssembly, with SIMD and no branch per block: a block's lowest
/// and highest are three `f64x2.pmin` and three `pmax`, and each of the two lanes keeps
/// its lowest and highest so far and the block where it first met them (a select on the
/// comparison's mask). At the end, the first of those blocks holding the column's lowest
/// (highest) is searched for its first place. (Placing a block's extreme as soon as the
/// block moved one was a branch on every block, which a noisy column takes often and
/// unpredictably; measured in docs/bench-log/2026-11.md.) Every engine runql runs in has WebAssembly
/// SIMD (Chrome 91, Firefox 89, Safari 16.4, Node 16.4).
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
#[allow(clippy::eq_op, reason = "v - v is the finiteness test")]
fn scan_blocks(found: &mut Extremes, ys: &[f64]) -> bool {
    use core::arch::wasm32::{
        f64x2_add, f64x2_extract_lane, f64x2_gt, f64x2_lt, f64x2_pmax, f64x2_pmin, f64x2_splat, f64x2_sub,
        i64x2_splat, v128_bitselect,
    };
    if ys.len() < BLOCK {
        // Not one block (`scan` passes several): value by value.
        return found.take(0, ys);
    }
    // v - v is 0 for a finite v and NaN for ±inf and NaN, and a NaN sum stays NaN.
    let mut bad = f64x2_splat(0.0);
    let (mut lo, mut hi) = (f64x2_splat(found.lo), f64x2_splat(found.hi));
    // Per lane, the start of the block where its lowest (highest) was first met; -1: none.
    let (mut lo_at, mut hi_at) = (i64x2_splat(-1), i64x2_splat(-1));
    let mut next = Some(0);
    while let Some(start) = next {
        let Some([p, q, r, s]) = block_at(ys, start) else { break };
        next = next_block(ys, start);
        bad = f64x2_add(
            bad,
            f64x2_add(
                f64x2_add(f64x2_sub(p, p), f64x2_sub(q, q)),
                f64x2_add(f64x2_sub(r, r), f64x2_sub(s, s)),
            ),
        );
        let block_lo = f64x2_pmin(f64x2_pmin(p, q), f64x2_pmin(r, s));
        let block_hi = f64x2_pmax(f64x2_pmax(p, q), f64x2_pmax(r, s));
        // Only strictly lower (higher) values move a lane's extreme, as in `take`: its
        // block is the first where it was met. (`pmin(a, b)` is `b < a ? b : a`.)
        let here = i64x2_splat(start as i64);
        lo_at = v128_bitselect(here, lo_at, f64x2_lt(block_lo, lo));
        hi_at = v128_bitselect(here, hi_at, f64x2_gt(block_hi, hi));
        lo = f64x2_pmin(lo, block_lo);
        hi = f64x2_pmax(hi, block_hi);
    }
    if f64x2_extract_lane::<0>(bad) + f64x2_extract_lane::<1>(bad) != 0.0 {
        // A NaN or an infinity: the answer is thrown away.
        return false;
    }
    let (l0, l1) = (f64x2_extract_lane::<0>(lo), f64x2_extract_lane::<1>(lo));
    let least = if l1 < l0 { l1 } else { l0 };
    if least < found.lo {
        (found.lo, found.lo_at) = (least, Some(first_place(ys, lo, lo_at, least)));
    }
    let (h0, h1) = (f64x2_extract_lane::<0>(hi), f64x2_extract_lane::<1>(hi));
    let most = if h1 > h0 { h1 } else { h0 };
    if most > found.hi {
        (found.hi, found.hi_at) = (most, Some(first_place(ys, hi, hi_at, most)));
    }
    true
}

/// The first place in `ys` of `x`, the column's new lowest (highest), from the lanes'
/// extremes `lanes` and the blocks `at` where each first met its own: the earliest block
/// of a lane whose extreme is `x` holds its first place (no earlier value equals `x`, or
/// that lane would have met it there), and the block's first value equal to it is it.
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
fn first_place(ys: &[f64], lanes: core::arch::wasm32::v128, at: core::arch::wasm32::v128, x: f64) -> usize {
    use core::arch::wasm32::{f64x2_extract_lane, i64x2_extract_lane};
    let a0 = (f64x2_extract_lane::<0>(lanes) == x).then(|| i64x2_extract_lane::<0>(at));
    let a1 = (f64x2_extract_lane::<1>(lanes) == x).then(|| i64x2_extract_lane::<1>(at));
    let block = match (a0, a1) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    block
        .and_then(|b| usize::try_from(b).ok())
        .and_then(|start| Some(start + first_equal(block_at(ys, start)?, x)))
        // Not reached (`x` came from a lane that met it); value by value all the same.
        .or_else(|| ys.iter().position(|&v| v == x))
        .unwrap_or(0)
}

/// Where the block after the one at `start` starts, if there is one. The values left over
/// after the whole blocks are taken as one more block, the last eight values, overlapping
/// the block before: for the lowest and highest, values met twice change nothing, and a
/// first place is found in the earlier block first. (A scalar pass over the leftovers cost
/// more per column than a block.)
#[cfg(target_arch = "wasm32")]
#[inline]
fn next_block(ys: &[f64], start: usize) -> Option<usize> {
    let last = ys.len().checked_sub(BLOCK)?;
    (start < last).then(|| (start + BLOCK).min(last))
}

/// The eight values at `start` as four `f64x2`: one `v128.load` each.
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
#[inline]
fn block_at(ys: &[f64], start: usize) -> Option<[core::arch::wasm32::v128; 4]> {
    let &values = <&[f64; BLOCK]>::try_from(ys.get(start..start.checked_add(BLOCK)?)?).ok()?;
    Some(bytemuck::cast(values))
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
