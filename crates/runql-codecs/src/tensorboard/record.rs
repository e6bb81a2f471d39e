//! TFRecord framing, the container of TensorBoard event files.
//!
//! Each record is `u64 length | u32 masked_crc32c(length bytes) | data | u32 masked_crc32c(data)`,
//! all little-endian, with no file header and no sync marker. [`Records`] walks a file held in
//! memory and hands out borrowed record bodies, so nothing is allocated per record whatever a
//! length field claims.
//!
//! Damage is located and bounded:
//! - a record cut short at the end of the file is what a file still being written looks like;
//!   it ends the walk as [`Problem::Truncated`] (a warning, not corruption);
//! - a data CRC mismatch under a valid length skips exactly that record: the length has its own
//!   CRC, so the next record boundary is still known;
//! - a length that fails its CRC, or that is over [`MAX_RECORD_BYTES`], loses the framing. The
//!   walk then resynchronizes on the next offset where a whole record checks out (length CRC,
//!   length within the cap and the file, data CRC): a false match needs two independent 32-bit
//!   CRCs to agree by chance. If none is found, the rest of the file is given up.

/// Largest record accepted (64 MiB). Scalar events are well under 1 KiB and even image or
/// graph events are a few MiB; a longer length is corruption (or a file runql should not
/// decode in a browser tab), so its record is refused rather than decoded.
pub const MAX_RECORD_BYTES: u64 = 64 << 20;

const HEADER: usize = 12;
const FOOTER: usize = 4;
const MASK_DELTA: u32 = 0xa282_ead8;

/// TensorFlow's masked CRC-32C: the CRC rotated right by 15 bits plus a constant, so that a
/// CRC of data that itself holds CRCs does not degenerate.
///
/// ```
/// use runql_codecs::tensorboard::record::masked_crc32c;
/// assert_eq!(masked_crc32c(b"\x1a\x11CRC test, one two"), 0x5794_d08a);
/// ```
pub fn masked_crc32c(data: &[u8]) -> u32 {
    let crc = crc32c::crc32c(data);
    crc.rotate_right(15).wrapping_add(MASK_DELTA)
}

/// Appends `data` as one TFRecord (length, its masked CRC, data, its masked CRC) — what
/// TensorFlow's and tensorboardX's writers produce.
///
/// ```
/// use runql_codecs::tensorboard::record::{Records, push_record};
/// let mut file = Vec::new();
/// push_record(&mut file, b"event one");
/// push_record(&mut file, b"");
/// assert_eq!(file.len(), 2 * 16 + 9);
/// let bodies: Vec<&[u8]> = Records::new(&file).filter_map(|r| r.ok()).map(|r| r.data).collect();
/// assert_eq!(bodies, vec![&b"event one"[..], &b""[..]]);
/// ```
pub fn push_record(out: &mut Vec<u8>, data: &[u8]) {
    let len = (data.len() as u64).to_le_bytes();
    out.extend_from_slice(&len);
    out.extend_from_slice(&masked_crc32c(&len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc32c(data).to_le_bytes());
}

/// One well-framed record: its byte offset in the file and its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    /// Offset of the record's first (length) byte.
    pub offset: u64,
    /// The record body (a serialized `Event` in an event file).
    pub data: &'a [u8],
}

/// What went wrong at a byte offset of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The file ends inside the record starting at `offset`: the normal end of a file that is
    /// still being written. Nothing follows.
    Truncated {
        /// Where the cut record starts.
        offset: u64,
        /// Bytes the record needs (header, data and footer; the header alone when its length is
        /// unknown).
        needed: u64,
        /// Bytes left in the file from `offset`.
        present: u64,
    },
    /// The length field fails its CRC: the framing is lost at `offset`.
    BadLengthCrc {
        /// Where the bad header starts.
        offset: u64,
        /// The next offset where a whole valid record was found, or `None` when the rest of the
        /// file was given up.
        resumed_at: Option<u64>,
    },
    /// The length (valid by its CRC) is over [`MAX_RECORD_BYTES`].
    TooLong {
        /// Where the record starts.
        offset: u64,
        /// The length it claims.
        length: u64,
        /// Where reading went on: right after the record when it fits in the file, else the
        /// next valid record, or `None` when the rest of the file was given up.
        resumed_at: Option<u64>,
    },
    /// The record body fails its CRC; only this record is skipped.
    BadDataCrc {
        /// Where the record starts.
        offset: u64,
        /// Its (valid) length.
        length: u64,
    },
}

impl Problem {
    /// Offset of the record the problem is about.
    pub fn offset(&self) -> u64 {
        match *self {
            Problem::Truncated { offset, .. }
            | Problem::BadLengthCrc { offset, .. }
            | Problem::TooLong { offset, .. }
            | Problem::BadDataCrc { offset, .. } => offset,
        }
    }

    /// A sentence for the load report; `file_len` is used to say how much was given up.
    pub fn describe(&self, file_len: u64) -> String {
        let resumed = |from: u64, at: Option<u64>| match at {
            Some(at) => format!("skipped {} bytes to the next valid record at byte {at}", at - from),
            None => format!(
                "no valid record follows, so the rest of the file ({} bytes) is not read",
                file_len.saturating_sub(from)
            ),
        };
        match *self {
            Problem::Truncated { needed, present, .. } => format!(
                "file ends inside a record ({present} of {needed} bytes present), as a file still \
                 being written does; the records before it are loaded"
            ),
            Problem::BadLengthCrc { offset, resumed_at } => {
                format!("record length fails its CRC check (corrupt file); {}", resumed(offset, resumed_at))
            }
            Problem::TooLong { offset, length, resumed_at } => format!(
                "record claims {length} bytes, over the {} MiB limit for one event; {}",
                MAX_RECORD_BYTES >> 20,
                resumed(offset, resumed_at)
            ),
            Problem::BadDataCrc { length, .. } => {
                format!("record data ({length} bytes) fails its CRC check; this record is skipped")
            }
        }
    }

    /// True for the normal end of a file still being written.
    pub fn is_truncation(&self) -> bool {
        matches!(self, Problem::Truncated { .. })
    }
}

/// Iterator over the records of a TFRecord file; see the module documentation.
///
/// ```
/// use runql_codecs::tensorboard::record::{Records, encode_record};
/// let mut file = encode_record(b"first");
/// file.extend(encode_record(b"second"));
/// let bodies: Vec<&[u8]> = Records::new(&file).filter_map(Result::ok).map(|r| r.data).collect();
/// assert_eq!(bodies, [&b"first"[..], &b"second"[..]]);
/// ```
#[derive(Debug, Clone)]
pub struct Records<'a> {
    data: &'a [u8],
    pos: usize,
    done: bool,
}

impl<'a> Records<'a> {
    /// Starts at the beginning of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0, done: false }
    }

    /// The header at `pos`: its length when the length CRC holds.
    fn header_at(&self, pos: usize) -> Option<Result<u64, ()>> {
        let header = self.data.get(pos..pos.checked_add(HEADER)?)?;
        let (len_bytes, crc_bytes) = header.split_at(8);
        let length = u64::from_le_bytes(len_bytes.try_into().ok()?);
        let crc = u32::from_le_bytes(crc_bytes.try_into().ok()?);
        Some(if masked_crc32c(len_bytes) == crc { Ok(length) } else { Err(()) })
    }

    /// The body range of a record of `length` bytes at `pos`, when it lies inside the file.
    fn body(&self, pos: usize, length: u64) -> Option<(usize, usize)> {
        let start = pos.checked_add(HEADER)?;
        let end = start.checked_add(usize::try_from(length).ok()?)?;
        (end.checked_add(FOOTER)? <= self.data.len()).then_some((start, end))
    }

    fn data_crc_ok(&self, start: usize, end: usize) -> bool {
        let (Some(body), Some(footer)) = (self.data.get(start..end), self.data.get(end..end + FOOTER)) else {
            return false;
        };
        footer.try_into().map(u32::from_le_bytes).is_ok_and(|crc| masked_crc32c(body) == crc)
    }

    /// The first offset at or after `from` where a whole, valid record starts.
    fn resync(&self, from: usize) -> Option<usize> {
        let last = self.data.len().checked_sub(HEADER + FOOTER)?;
        (from..=last).find(|&p| {
            matches!(self.header_at(p), Some(Ok(len)) if len <= MAX_RECORD_BYTES
                && self.body(p, len).is_some_and(|(s, e)| self.data_crc_ok(s, e)))
        })
    }

    fn resume(&mut self, from: usize) -> Option<u64> {
        match self.resync(from) {
            Some(p) => {
                self.pos = p;
                Some(p as u64)
            }
            None => {
                self.done = true;
                None
            }
        }
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.pos >= self.data.len() {
            return None;
        }
        let pos = self.pos;
        let offset = pos as u64;
        let present = (self.data.len() - pos) as u64;
        let length = match self.header_at(pos) {
            None => {
                self.done = true;
                return Some(Err(Problem::Truncated { offset, needed: HEADER as u64, present }));
            }
            Some(Err(())) => {
                let resumed_at = self.resume(pos + 1);
                return Some(Err(Problem::BadLengthCrc { offset, resumed_at }));
            }
            Some(Ok(length)) => length,
        };
        let needed = length.saturating_add((HEADER + FOOTER) as u64);
        let body = self.body(pos, length);
        if length > MAX_RECORD_BYTES {
            let resumed_at = match body {
                Some((_, end)) => {
                    self.pos = end + FOOTER;
                    Some(self.pos as u64)
                }
                None => self.resume(pos + 1),
            };
            return Some(Err(Problem::TooLong { offset, length, resumed_at }));
        }
        let Some((start, end)) = body else {
            self.done = true;
            return Some(Err(Problem::Truncated { offset, needed, present }));
        };
        self.pos = end + FOOTER;
        if !self.data_crc_ok(start, end) {
            return Some(Err(Problem::BadDataCrc { offset, length }));
        }
        let data = self.data.get(start..end)?;
        Some(Ok(Record { offset, data }))
    }
}

/// How much of a TFRecord file ends at a record boundary: the prefix a reader of an event
/// file that is still being written takes now, leaving the record being written for the
/// next read. Damage before that point is left for [`Records`] to report.
///
/// ```
/// use runql_codecs::tensorboard::record::{complete_len, encode_record};
/// let mut file = encode_record(b"first");
/// let first = file.len();
/// file.extend(encode_record(b"second"));
/// assert_eq!(complete_len(&file), file.len());
/// assert_eq!(complete_len(&file[..file.len() - 1]), first);
/// ```
pub fn complete_len(data: &[u8]) -> usize {
    let mut records = Records::new(data);
    for item in records.by_ref() {
        if let Err(Problem::Truncated { offset, .. }) = item {
            return usize::try_from(offset).unwrap_or(data.len());
        }
    }
    data.len()
}

/// Frames `data` as one TFRecord (for tests and fixtures).
pub fn encode_record(data: &[u8]) -> Vec<u8> {
    let len = (data.len() as u64).to_le_bytes();
    let mut out = Vec::with_capacity(data.len() + HEADER + FOOTER);
    out.extend_from_slice(&len);
    out.extend_from_slice(&masked_crc32c(&len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc32c(data).to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(file: &[u8]) -> Vec<Result<(u64, Vec<u8>), Problem>> {
        Records::new(file).map(|r| r.map(|r| (r.offset, r.data.to_vec()))).collect()
    }

    fn file(bodies: &[&[u8]]) -> Vec<u8> {
        bodies.iter().flat_map(|b| encode_record(b)).collect()
    }

    #[test]
    fn masked_crc_matches_tensorflow_test_vector() {
        assert_eq!(masked_crc32c(b"\x1a\x11CRC test, one two"), 0x5794_d08a);
        // Unmasked CRC-32C check value of the standard test string.
        assert_eq!(crc32c::crc32c(b"123456789"), 0xe306_9283);
    }

    #[test]
    fn reads_records_back_to_back_with_offsets() {
        let f = file(&[b"a", b"", b"hello"]);
        assert_eq!(walk(&f), [Ok((0, b"a".to_vec())), Ok((17, Vec::new())), Ok((33, b"hello".to_vec()))]);
        assert!(walk(&[]).is_empty());
    }

    #[test]
    fn a_cut_record_is_a_truncation_at_its_offset() {
        let f = file(&[b"first", b"second"]);
        for cut in 1..22 {
            let got = walk(f.get(..f.len() - cut).unwrap());
            assert_eq!(got.first(), Some(&Ok((0, b"first".to_vec()))), "cut {cut}");
            let last = got.last().unwrap().clone().unwrap_err();
            assert!(last.is_truncation(), "cut {cut}: {last:?}");
            assert_eq!(last.offset(), 21);
            assert_eq!(got.len(), 2);
        }
        let header_only = walk(f.get(..5).unwrap());
        assert_eq!(header_only, [Err(Problem::Truncated { offset: 0, needed: 12, present: 5 })]);
    }

    #[test]
    fn bad_data_crc_skips_only_that_record() {
        let mut f = file(&[b"one", b"two", b"three"]);
        f[19 + 12] ^= 0x01; // a byte in the body of "two"
        let got = walk(&f);
        assert_eq!(got[0], Ok((0, b"one".to_vec())));
        assert_eq!(got[1], Err(Problem::BadDataCrc { offset: 19, length: 3 }));
        assert_eq!(got[2], Ok((38, b"three".to_vec())));
    }

    #[test]
    fn bad_length_crc_resyncs_on_the_next_valid_record() {
        let mut f = file(&[b"one", b"two", b"three"]);
        f[19] ^= 0x40; // length of "two"
        let got = walk(&f);
        assert_eq!(got[0], Ok((0, b"one".to_vec())));
        assert_eq!(got[1], Err(Problem::BadLengthCrc { offset: 19, resumed_at: Some(38) }));
        assert_eq!(got[2], Ok((38, b"three".to_vec())));
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn garbage_gives_up_the_rest_of_the_file() {
        let got = walk(b"this is not a tfrecord file at all");
        assert_eq!(got, [Err(Problem::BadLengthCrc { offset: 0, resumed_at: None })]);
        assert!(got[0].clone().unwrap_err().describe(34).contains("rest of the file (34 bytes)"));
    }

    #[test]
    fn absurd_lengths_are_refused_without_allocating() {
        for length in [u64::MAX, 1 << 40, MAX_RECORD_BYTES + 1] {
            let len = length.to_le_bytes();
            let mut f = len.to_vec();
            f.extend_from_slice(&masked_crc32c(&len).to_le_bytes());
            f.extend_from_slice(b"tiny");
            f.extend(encode_record(b"after"));
            let got = walk(&f);
            assert_eq!(got[0], Err(Problem::TooLong { offset: 0, length, resumed_at: Some(16) }), "{length}");
            assert_eq!(got[1], Ok((16, b"after".to_vec())));
        }
    }
}
