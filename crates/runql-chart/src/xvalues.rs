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
}

impl<'a> XSlice<'a> {
    /// The number of values.
    pub fn len(self) -> usize {
        match self {
            XSlice::Float(v) => v.len(),
            XSlice::Int(v) => v.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The value at `i` as `f64`.
    pub fn get(self, i: usize) -> Option<f64> {
        match self {
            XSlice::Float(v) => v.get(i).copied(),
            XSlice::Int(v) => v.get(i).map(|&x| x as f64),
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
        }
    }

    /// As [`slice::partition_point`]: the index of the first value for which `pred` is
    /// false, the values being ordered so that it is true before and false after.
    pub fn partition_point(self, pred: impl Fn(f64) -> bool) -> usize {
        match self {
            XSlice::Float(v) => v.partition_point(|&x| pred(x)),
            XSlice::Int(v) => v.partition_point(|&x| pred(x as f64)),
        }
    }

    /// The values as `f64`, in order.
    pub fn iter(self) -> XIter<'a> {
        match self {
            XSlice::Float(v) => XIter::Float(v.iter()),
            XSlice::Int(v) => XIter::Int(v.iter()),
        }
    }

    /// The values as one `f64` slice: borrowed for floats, converted for integers.
    pub fn to_f64(self) -> Cow<'a, [f64]> {
        match self {
            XSlice::Float(v) => Cow::Borrowed(v),
            XSlice::Int(v) => Cow::Owned(v.iter().map(|&x| x as f64).collect()),
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
}

impl Iterator for XIter<'_> {
    type Item = f64;

    fn next(&mut self) -> Option<f64> {
        match self {
            XIter::Float(it) => it.next().copied(),
            XIter::Int(it) => it.next().map(|&x| x as f64),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            XIter::Float(it) => it.size_hint(),
            XIter::Int(it) => it.size_hint(),
        }
    }
}

impl DoubleEndedIterator for XIter<'_> {
    fn next_back(&mut self) -> Option<f64> {
        match self {
            XIter::Float(it) => it.next_back().copied(),
            XIter::Int(it) => it.next_back().map(|&x| x as f64),
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
    fn slices_out_of_bounds_are_refused() {
        let buf = XBuffer::Int(vec![1i64, 2, 3].into());
        assert_eq!(buf.slice(1, 2), Some(XBuffer::Int(vec![2i64, 3].into())));
        assert_eq!(buf.slice(2, 2), None);
        assert_eq!(buf.slice(usize::MAX, 2), None);
        assert!(XBuffer::from(Vec::new()).is_empty());
    }
}
