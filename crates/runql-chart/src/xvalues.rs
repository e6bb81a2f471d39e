//! X values as a line chart reads them: floats, or integers (steps, epoch milliseconds)
//! kept as the query returned them and read as `f64` only where they are looked at.
//!
//! M4 looks at a few x values per pixel column (it gallops to the column's end), so a
//! chart of 10M points whose x is `step` reads a small part of its x column. Converting
//! every x to `f64` up front wrote as many bytes as it read and took about a quarter of a
//! first render in the browser; the integers are checked for order in one read instead.

use std::borrow::Cow;

use arrow_buffer::ScalarBuffer;

/// A stretch of x values held in an Arrow buffer (shared, not copied).
///
/// ```
/// use runql_chart::xvalues::XBuffer;
/// let steps = XBuffer::Int(vec![0i64, 10, 20].into());
/// assert_eq!(steps.view().get(1), Some(10.0));
/// let tail = steps.slice(1, 2).map(|s| s.view().to_f64().into_owned());
/// assert_eq!(tail, Some(vec![10.0, 20.0]));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum XBuffer {
    /// Floating-point x.
    Float(ScalarBuffer<f64>),
    /// Integer x, read as `v as f64` (exact up to 2^53, rounded to the nearest beyond, so
    /// the order of the integers is kept).
    Int(ScalarBuffer<i64>),
}

impl XBuffer {
    /// The number of values.
    pub fn len(&self) -> usize {
        self.view().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A borrowed view.
    pub fn view(&self) -> XSlice<'_> {
        match self {
            XBuffer::Float(v) => XSlice::Float(v),
            XBuffer::Int(v) => XSlice::Int(v),
        }
    }

    /// `len` values from `offset`, sharing the buffer; `None` when out of bounds.
    pub fn slice(&self, offset: usize, len: usize) -> Option<XBuffer> {
        // ScalarBuffer::slice asserts its bounds: check them here.
        (offset.checked_add(len)? <= self.len()).then(|| match self {
            XBuffer::Float(v) => XBuffer::Float(v.slice(offset, len)),
            XBuffer::Int(v) => XBuffer::Int(v.slice(offset, len)),
        })
    }
}

impl From<Vec<f64>> for XBuffer {
    fn from(values: Vec<f64>) -> XBuffer {
        XBuffer::Float(values.into())
    }
}

/// A borrowed stretch of x values.
///
/// `Steps` is integer x known to be evenly spaced (a metric logged every k steps): its
/// values are computed, not read, so M4 finds a pixel column's end without touching memory.
///
/// ```
/// use runql_chart::xvalues::XSlice;
/// let ints = [1i64, 5, 9];
/// let xs = XSlice::Int(&ints);
/// assert_eq!(xs.partition_point(|x| x < 6.0), 2);
/// assert_eq!(xs.iter().rev().next(), Some(9.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum XSlice<'a> {
    /// Floating-point x.
    Float(&'a [f64]),
    /// Integer x, read as `v as f64`.
    Int(&'a [i64]),
    /// `len` integers `first`, `first + stride`, … (wrapping; each read as `v as f64`): the
    /// same values as the `Int` slice they were found in.
    Steps {
        /// The first value.
        first: i64,
        /// The difference between neighbours.
        stride: i64,
        /// How many.
        len: usize,
    },
}

/// The `i`-th value of an evenly spaced stretch (wrapping, as the stride was found).
#[inline]
fn step_value(first: i64, stride: i64, i: usize) -> f64 {
    first.wrapping_add((i as i64).wrapping_mul(stride)) as f64
}

impl<'a> XSlice<'a> {
    /// The number of values.
    #[inline]
    pub fn len(self) -> usize {
        match self {
            XSlice::Float(v) => v.len(),
            XSlice::Int(v) => v.len(),
            XSlice::Steps { len, .. } => len,
        }
    }

    /// Whether there are none.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The value at `i` as `f64`. Inlined: M4 calls it a few times per pixel column.
    #[inline]
    pub fn get(self, i: usize) -> Option<f64> {
        match self {
            XSlice::Float(v) => v.get(i).copied(),
            XSlice::Int(v) => v.get(i).map(|&x| x as f64),
            XSlice::Steps { first, stride, len } => (i < len).then(|| step_value(first, stride, i)),
        }
    }

    /// The first value.
    pub fn first(self) -> Option<f64> {
        self.get(0)
    }

    /// The last value.
    pub fn last(self) -> Option<f64> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// The first `n` values (all of them when there are fewer).
    pub fn prefix(self, n: usize) -> XSlice<'a> {
        match self {
            XSlice::Float(v) => XSlice::Float(v.get(..n).unwrap_or(v)),
            XSlice::Int(v) => XSlice::Int(v.get(..n).unwrap_or(v)),
            XSlice::Steps { first, stride, len } => XSlice::Steps { first, stride, len: len.min(n) },
        }
    }

    /// As [`slice::partition_point`]: the index of the first value for which `pred` is
    /// false, the values being ordered so that it is true before and false after.
    pub fn partition_point(self, pred: impl Fn(f64) -> bool) -> usize {
        match self {
            XSlice::Float(v) => v.partition_point(|&x| pred(x)),
            XSlice::Int(v) => v.partition_point(|&x| pred(x as f64)),
            XSlice::Steps { .. } => {
                // Invariant: `pred` holds before `lo` and not from `hi` on.
                let (mut lo, mut hi) = (0, self.len());
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    if self.get(mid).is_some_and(&pred) {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                lo
            }
        }
    }

    /// The values as `f64`, in order.
    pub fn iter(self) -> XIter<'a> {
        match self {
            XSlice::Float(v) => XIter::Float(v.iter()),
            XSlice::Int(v) => XIter::Int(v.iter()),
            XSlice::Steps { first, stride, len } => XIter::Steps { first, stride, range: 0..len },
        }
    }

    /// The values as one `f64` slice: borrowed for floats, converted for integers.
    pub fn to_f64(self) -> Cow<'a, [f64]> {
        match self {
            XSlice::Float(v) => Cow::Borrowed(v),
            XSlice::Int(v) => Cow::Owned(v.iter().map(|&x| x as f64).collect()),
            XSlice::Steps { .. } => Cow::Owned(self.iter().collect()),
        }
    }
}

impl<'a> From<&'a [f64]> for XSlice<'a> {
    fn from(values: &'a [f64]) -> XSlice<'a> {
        XSlice::Float(values)
    }
}

/// The values of an [`XSlice`] as `f64`.
#[derive(Debug, Clone)]
pub enum XIter<'a> {
    /// Over floats.
    Float(std::slice::Iter<'a, f64>),
    /// Over integers.
    Int(std::slice::Iter<'a, i64>),
    /// Over evenly spaced integers, by index.
    Steps {
        /// The first value.
        first: i64,
        /// The difference between neighbours.
        stride: i64,
        /// The indices not yet given.
        range: std::ops::Range<usize>,
    },
}

impl Iterator for XIter<'_> {
    type Item = f64;

    fn next(&mut self) -> Option<f64> {
        match self {
            XIter::Float(it) => it.next().copied(),
            XIter::Int(it) => it.next().map(|&x| x as f64),
            XIter::Steps { first, stride, range } => range.next().map(|i| step_value(*first, *stride, i)),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            XIter::Float(it) => it.size_hint(),
            XIter::Int(it) => it.size_hint(),
            XIter::Steps { range, .. } => range.size_hint(),
        }
    }
}

impl DoubleEndedIterator for XIter<'_> {
    fn next_back(&mut self) -> Option<f64> {
        match self {
            XIter::Float(it) => it.next_back().copied(),
            XIter::Int(it) => it.next_back().map(|&x| x as f64),
            XIter::Steps { first, stride, range } => {
                range.next_back().map(|i| step_value(*first, *stride, i))
            }
        }
    }
}

impl ExactSizeIterator for XIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_read_as_floats_everywhere() {
        let ints = [-3i64, 0, 7, 1 << 60];
        let floats: Vec<f64> = ints.iter().map(|&v| v as f64).collect();
        let (a, b) = (XSlice::Int(&ints), XSlice::Float(&floats));
        for xs in [a, b] {
            assert_eq!(xs.partition_point(|x| x < 7.0), 2);
            assert_eq!(xs.len(), 4);
            assert_eq!(xs.iter().collect::<Vec<_>>(), floats);
            assert_eq!(xs.iter().rev().collect::<Vec<_>>(), floats.iter().rev().copied().collect::<Vec<_>>());
            assert_eq!(xs.first(), Some(-3.0));
            assert_eq!(xs.last(), Some((1i64 << 60) as f64));
            assert_eq!(xs.get(4), None);
            assert_eq!(xs.partition_point(|x| x <= 0.0), 2);
            assert_eq!(xs.prefix(2).len(), 2);
            assert_eq!(xs.prefix(9).len(), 4);
            assert_eq!(xs.to_f64().as_ref(), floats.as_slice());
        }
        assert!(XSlice::Int(&[]).last().is_none());
    }

    #[test]
    fn evenly_spaced_steps_read_as_the_integers_they_stand_for() {
        for (first, stride, len) in
            [(0i64, 1i64, 7usize), (-30, 10, 5), (i64::MAX - 4, 2, 3), (5, 0, 4), (9, 3, 0)]
        {
            let ints: Vec<i64> = (0..len as i64).map(|i| first + i * stride).collect();
            let (steps, plain) = (XSlice::Steps { first, stride, len }, XSlice::Int(&ints));
            assert_eq!(steps.len(), plain.len());
            assert_eq!(steps.iter().collect::<Vec<_>>(), plain.iter().collect::<Vec<_>>());
            assert_eq!(steps.iter().rev().collect::<Vec<_>>(), plain.iter().rev().collect::<Vec<_>>());
            assert_eq!(steps.iter().len(), len);
            assert_eq!(steps.get(len), None);
            assert_eq!(steps.last(), plain.last());
            assert_eq!(
                steps.prefix(2).iter().collect::<Vec<_>>(),
                plain.prefix(2).iter().collect::<Vec<_>>()
            );
            assert_eq!(steps.to_f64(), plain.to_f64());
            for probe in [-100.0, -30.0, 0.0, 3.0, 6.0, 1e30] {
                assert_eq!(steps.partition_point(|x| x < probe), plain.partition_point(|x| x < probe));
                assert_eq!(steps.partition_point(|x| x <= probe), plain.partition_point(|x| x <= probe));
            }
        }
    }

    #[test]
    fn slices_out_of_bounds_are_refused() {
        let buf = XBuffer::Int(vec![1i64, 2, 3].into());
        assert_eq!(buf.slice(1, 2), Some(XBuffer::Int(vec![2i64, 3].into())));
        assert_eq!(buf.slice(2, 2), None);
        assert_eq!(buf.slice(usize::MAX, 2), None);
        assert!(XBuffer::from(Vec::new()).is_empty());
    }
}
