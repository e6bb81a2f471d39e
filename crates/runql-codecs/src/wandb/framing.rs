//! The framing of `run-<id>.wandb` files: a 7-byte W&B header, then LevelDB's log format.
//!
//! ```text
//! file   = ":W&B" u16le(0xBEE1) u8(version=0) block*
//! block  = 32768 bytes at file offsets k*32768 (the first one holds the file header too)
//! chunk  = u32le crc | u16le length | u8 type | payload[length]
//! type   = 1 FULL | 2 FIRST | 3 MIDDLE | 4 LAST      (FIRST MIDDLE* LAST = one record)
//! crc    = CRC-32/IEEE (zlib) of type ‖ payload, not masked
//! ```
//! Fewer than 7 bytes left in a block are padding; an all-zero chunk header means a
//! zero-filled tail, and the rest of its block is skipped (as wandb-core's reader does).
//!
//! Damage is reported, never fatal: a chunk whose checksum does not match is skipped (a
//! second bad chunk in the same block drops the rest of that block, since its length field
//! can no longer be trusted), a length that runs past its block drops the rest of the block,
//! and a file that ends inside a chunk or a record is the normal state of a live or crashed
//! run's log and ends the read with a warning.

use std::borrow::Cow;

/// Size of a LevelDB log block.
pub const BLOCK_SIZE: usize = 32 * 1024;
/// Size of a chunk header.
pub const CHUNK_HEADER: usize = 7;
/// Size of the W&B file header.
pub const FILE_HEADER: usize = 7;
/// Records (after reassembly) larger than this are skipped instead of buffered.
pub const MAX_RECORD_BYTES: usize = 64 << 20;

const MAGIC: &[u8; 4] = b":W&B";
const MAGIC_VERSION_TAG: u16 = 0xBEE1;

/// One reassembled record: its payload and the offset of its first chunk header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord<'a> {
    /// File offset of the first chunk of the record.
    pub offset: u64,
    /// The record's bytes (a serialized protobuf `Record`).
    pub data: Cow<'a, [u8]>,
}

/// A problem in the framing, at a file offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameIssue {
    /// File offset of the chunk or header concerned.
    pub offset: u64,
    /// True for damage (data skipped); false for the expected end of a live or crashed log.
    pub skipped: bool,
    /// What happened.
    pub reason: String,
}

/// What [`LogReader`] yields: records and issues, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item<'a> {
    /// A complete record.
    Record(RawRecord<'a>),
    /// A framing problem.
    Issue(FrameIssue),
}

/// Writes records in the framing [`LogReader`] reads: the W&B header, then each record as
/// one FULL chunk or FIRST/MIDDLE/LAST chunks split at block boundaries, with a block's
/// last < 7 bytes zero-padded — what wandb-core's writer produces.
///
/// ```
/// use runql_codecs::wandb::framing::{Item, LogReader, LogWriter};
/// let mut log = LogWriter::new();
/// log.push(b"first");
/// log.push(&vec![7u8; 100_000]); // spans four blocks
/// let bytes = log.finish();
/// let records: Vec<_> = LogReader::new(&bytes)
///     .filter_map(|item| match item { Item::Record(r) => Some(r.data.len()), _ => None })
///     .collect();
/// assert_eq!(records, vec![5, 100_000]);
/// ```
#[derive(Debug, Clone)]
pub struct LogWriter {
    out: Vec<u8>,
}

impl Default for LogWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl LogWriter {
    /// A log holding only the W&B file header (format version 0).
    pub fn new() -> Self {
        let mut out = Vec::with_capacity(BLOCK_SIZE);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&MAGIC_VERSION_TAG.to_le_bytes());
        out.push(0);
        Self { out }
    }

    /// Appends one record.
    pub fn push(&mut self, record: &[u8]) {
        let mut rest = record;
        let mut first = true;
        loop {
            let in_block = self.out.len() % BLOCK_SIZE;
            let left_in_block = BLOCK_SIZE - in_block;
            if left_in_block < CHUNK_HEADER {
                self.out.resize(self.out.len() + left_in_block, 0);
                continue;
            }
            let room = left_in_block - CHUNK_HEADER;
            let (piece, after) = rest.split_at(rest.len().min(room));
            let last = after.is_empty();
            let kind: u8 = match (first, last) {
                (true, true) => 1,
                (true, false) => 2,
                (false, false) => 3,
                (false, true) => 4,
            };
            let mut crc = crc32fast::Hasher::new();
            crc.update(&[kind]);
            crc.update(piece);
            self.out.extend_from_slice(&crc.finalize().to_le_bytes());
            // `piece` fits in a 32 KiB block, so its length fits in u16.
            let len = u16::try_from(piece.len()).unwrap_or(u16::MAX);
            self.out.extend_from_slice(&len.to_le_bytes());
            self.out.push(kind);
            self.out.extend_from_slice(piece);
            rest = after;
            first = false;
            if last {
                return;
            }
        }
    }

    /// The log's bytes.
    pub fn finish(self) -> Vec<u8> {
        self.out
    }
}

/// Checks the W&B file header and returns its version byte.
///
/// # Errors
/// A [`FrameIssue`] (offset 0) when the file is too short or is not a W&B log.
pub fn check_header(data: &[u8]) -> Result<u8, FrameIssue> {
    let fail = |reason: String| FrameIssue { offset: 0, skipped: true, reason };
    if data.is_empty() {
        return Err(fail("empty file".into()));
    }
    let Some(header) = data.get(..FILE_HEADER) else {
        return Err(fail(format!("{} bytes, shorter than the 7-byte W&B header", data.len())));
    };
    let (magic, rest) = header.split_at(4);
    let tag = rest
        .get(..2)
        .map(|b| u16::from_le_bytes([b.first().copied().unwrap_or(0), b.get(1).copied().unwrap_or(0)]));
    if magic != MAGIC || tag != Some(MAGIC_VERSION_TAG) {
        return Err(fail(format!("not a W&B transaction log (header {})", hex(header))));
    }
    Ok(rest.get(2).copied().unwrap_or(0))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads the chunks after the file header and yields records and issues.
///
/// ```
/// use runql_codecs::wandb::framing::{Item, LogReader};
/// let mut file = b":W&B\xe1\xbe\x00".to_vec();
/// let payload = b"\x08\x01"; // Record { num: 1 }
/// let crc = crc32fast::hash(&[&[1u8][..], payload].concat());
/// file.extend_from_slice(&crc.to_le_bytes());
/// file.extend_from_slice(&(payload.len() as u16).to_le_bytes());
/// file.push(1); // FULL
/// file.extend_from_slice(payload);
/// let items: Vec<Item> = LogReader::new(&file).collect();
/// assert!(matches!(&items[..], [Item::Record(r)] if r.offset == 7 && &r.data[..] == payload));
/// ```
#[derive(Debug)]
pub struct LogReader<'a> {
    data: &'a [u8],
    pos: usize,
    pending: Option<(usize, Vec<u8>)>,
    /// Dropping the chunks of a record that was too large or whose start was damaged.
    discarding: bool,
    /// Block index of the last checksum failure.
    suspect_block: Option<usize>,
    queued: Option<Item<'a>>,
    finished: bool,
}

impl<'a> LogReader<'a> {
    /// A reader over a whole `.wandb` file; the 7-byte file header is skipped unchecked
    /// (see [`check_header`]).
    pub fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            pos: FILE_HEADER.min(data.len()),
            pending: None,
            discarding: false,
            suspect_block: None,
            queued: None,
            finished: false,
        }
    }

    fn issue(offset: usize, skipped: bool, reason: String) -> Item<'a> {
        Item::Issue(FrameIssue { offset: offset as u64, skipped, reason })
    }

    /// Forgets a partly assembled record, returning an issue about it if there was one.
    fn drop_pending(&mut self, why: &str) -> Option<Item<'a>> {
        self.discarding = false;
        self.pending.take().map(|(start, buf)| {
            Self::issue(start, true, format!("record of {}+ bytes dropped: {why}", buf.len()))
        })
    }

    fn next_inner(&mut self) -> Option<Item<'a>> {
        loop {
            if let Some(item) = self.queued.take() {
                return Some(item);
            }
            if self.finished {
                return None;
            }
            let len = self.data.len();
            if self.pos >= len {
                self.finished = true;
                if let Some((start, buf)) = self.pending.take() {
                    return Some(Self::issue(
                        start,
                        false,
                        format!(
                            "log ends inside a record ({} bytes of it written): the run was still writing or crashed",
                            buf.len()
                        ),
                    ));
                }
                return None;
            }
            let pos = self.pos;
            let block_left = BLOCK_SIZE - pos % BLOCK_SIZE;
            if block_left < CHUNK_HEADER {
                self.pos += block_left;
                continue;
            }
            let Some(header) = self.data.get(pos..pos + CHUNK_HEADER) else {
                self.finished = true;
                self.pending = None;
                return Some(Self::issue(
                    pos,
                    false,
                    format!(
                        "log ends inside a chunk header ({} of 7 bytes): the run was still writing or crashed",
                        len - pos
                    ),
                ));
            };
            let byte = |i: usize| header.get(i).copied().unwrap_or(0);
            let crc = u32::from_le_bytes([byte(0), byte(1), byte(2), byte(3)]);
            let length = usize::from(u16::from_le_bytes([byte(4), byte(5)]));
            let kind = byte(6);
            if crc == 0 && length == 0 && kind == 0 {
                // Zero-filled tail of a block (preallocated or padded).
                self.pos += block_left;
                continue;
            }
            if CHUNK_HEADER + length > block_left {
                self.pos += block_left;
                let dropped = self.drop_pending("a later chunk is damaged");
                let issue = Self::issue(
                    pos,
                    true,
                    format!(
                        "chunk length {length} runs past the end of its 32 KiB block ({} bytes left); rest of the block skipped",
                        block_left - CHUNK_HEADER
                    ),
                );
                return Some(match dropped {
                    Some(d) => {
                        self.queued = Some(issue);
                        d
                    }
                    None => issue,
                });
            }
            let end = pos + CHUNK_HEADER + length;
            let Some(payload) = self.data.get(pos + CHUNK_HEADER..end) else {
                self.finished = true;
                self.pending = None;
                return Some(Self::issue(
                    pos,
                    false,
                    format!(
                        "log ends inside a chunk ({} of {length} bytes written): the run was still writing or crashed",
                        len - pos - CHUNK_HEADER
                    ),
                ));
            };
            let mut hasher = crc32fast::Hasher::new();
            hasher.update(&[kind]);
            hasher.update(payload);
            if hasher.finalize() != crc {
                let block = pos / BLOCK_SIZE;
                let dropped = self.drop_pending("a later chunk is damaged");
                // The first bad chunk in a block is skipped by its length; a second one means
                // the lengths cannot be trusted, so the rest of the block goes.
                let reason = if self.suspect_block == Some(block) {
                    self.pos += block_left;
                    "checksum mismatch again in this block; rest of the block skipped".to_string()
                } else {
                    self.suspect_block = Some(block);
                    self.pos = end;
                    format!("checksum mismatch; chunk of {length} bytes skipped")
                };
                let issue = Self::issue(pos, true, reason);
                return Some(match dropped {
                    Some(d) => {
                        self.queued = Some(issue);
                        d
                    }
                    None => issue,
                });
            }
            self.pos = end;
            match kind {
                1 => {
                    let dropped = self.drop_pending("a new record started before it ended");
                    let record = Item::Record(RawRecord { offset: pos as u64, data: Cow::Borrowed(payload) });
                    return Some(match dropped {
                        Some(d) => {
                            self.queued = Some(record);
                            d
                        }
                        None => record,
                    });
                }
                2 => {
                    let dropped = self.drop_pending("a new record started before it ended");
                    self.pending = Some((pos, payload.to_vec()));
                    if dropped.is_some() {
                        return dropped;
                    }
                }
                3 | 4 => {
                    let Some((start, mut buf)) = self.pending.take() else {
                        if self.discarding {
                            if kind == 4 {
                                self.discarding = false;
                            }
                            continue;
                        }
                        let name = if kind == 3 { "MIDDLE" } else { "LAST" };
                        return Some(Self::issue(
                            pos,
                            true,
                            format!(
                                "{name} chunk without a FIRST chunk (its record's start was lost); skipped"
                            ),
                        ));
                    };
                    if buf.len() + payload.len() > MAX_RECORD_BYTES {
                        self.discarding = kind == 3;
                        return Some(Self::issue(
                            start,
                            true,
                            format!("record larger than {MAX_RECORD_BYTES} bytes; skipped"),
                        ));
                    }
                    buf.extend_from_slice(payload);
                    if kind == 4 {
                        return Some(Item::Record(RawRecord { offset: start as u64, data: Cow::Owned(buf) }));
                    }
                    self.pending = Some((start, buf));
                }
                other => {
                    let dropped = self.drop_pending("an unknown chunk followed");
                    let issue = Self::issue(pos, true, format!("unknown chunk type {other}; chunk skipped"));
                    return Some(match dropped {
                        Some(d) => {
                            self.queued = Some(issue);
                            d
                        }
                        None => issue,
                    });
                }
            }
        }
    }
}

impl<'a> Iterator for LogReader<'a> {
    type Item = Item<'a>;

    fn next(&mut self) -> Option<Item<'a>> {
        self.next_inner()
    }
}

/// How much of a `.wandb` log ends at a record boundary: the prefix a reader of a log that
/// is still being written takes now, leaving the record being written for the next read.
/// Checksums are not checked: damage is [`LogReader`]'s to report, and what it skips (a
/// chunk whose length runs past its block, an unknown chunk) is skipped here the same way.
///
/// ```
/// use runql_codecs::wandb::framing::{complete_len, encode_log};
/// let log = encode_log(&[b"one".as_slice(), b"two".as_slice()]);
/// assert_eq!(complete_len(&log), log.len());
/// // The writer is half-way through the second record.
/// assert_eq!(complete_len(&log[..log.len() - 2]), 7 + 7 + 3);
/// assert_eq!(complete_len(&log[..5]), 0);
/// ```
pub fn complete_len(data: &[u8]) -> usize {
    let len = data.len();
    if len < FILE_HEADER {
        return 0;
    }
    let mut pos = FILE_HEADER;
    let mut complete = pos;
    let mut open = false;
    while pos < len {
        let block_left = BLOCK_SIZE - pos % BLOCK_SIZE;
        let Some(header) = data.get(pos..pos + CHUNK_HEADER).filter(|_| block_left >= CHUNK_HEADER) else {
            if block_left < CHUNK_HEADER {
                // Block padding.
                pos += block_left;
                if !open {
                    complete = pos.min(len);
                }
                continue;
            }
            return complete;
        };
        let byte = |i: usize| header.get(i).copied().unwrap_or(0);
        let length = usize::from(u16::from_le_bytes([byte(4), byte(5)]));
        let kind = byte(6);
        if header.iter().all(|b| *b == 0) {
            pos += block_left;
            if !open {
                complete = pos.min(len);
            }
            continue;
        }
        if CHUNK_HEADER + length > block_left {
            // Damage: the reader skips the rest of the block and what was open with it.
            pos += block_left;
            open = false;
            complete = pos.min(len);
            continue;
        }
        let end = pos + CHUNK_HEADER + length;
        if end > len {
            return complete;
        }
        match kind {
            2 | 3 => open = true,
            // Whole records end here; an unknown chunk is skipped (what was open with it).
            _ => {
                open = false;
                complete = end;
            }
        }
        pos = end;
    }
    if open { complete } else { len }
}

/// Writes records in the `.wandb` framing (for tests and generated data).
///
/// ```
/// use runql_codecs::wandb::framing::{encode_log, Item, LogReader};
/// let big = vec![7u8; 70_000];
/// let file = encode_log(&[b"a".as_slice(), &big]);
/// let records: Vec<_> = LogReader::new(&file)
///     .filter_map(|i| match i { Item::Record(r) => Some(r.data.len()), _ => None })
///     .collect();
/// assert_eq!(records, [1, 70_000]);
/// ```
pub fn encode_log(records: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&MAGIC_VERSION_TAG.to_le_bytes());
    out.push(0);
    for record in records {
        let mut rest: &[u8] = record;
        let mut first = true;
        loop {
            let block_left = BLOCK_SIZE - out.len() % BLOCK_SIZE;
            if block_left < CHUNK_HEADER {
                out.resize(out.len() + block_left, 0);
                continue;
            }
            let room = block_left - CHUNK_HEADER;
            let take = room.min(rest.len());
            let (chunk, tail) = rest.split_at(take);
            let last = tail.is_empty();
            let kind: u8 = match (first, last) {
                (true, true) => 1,
                (true, false) => 2,
                (false, false) => 3,
                (false, true) => 4,
            };
            let mut hasher = crc32fast::Hasher::new();
            hasher.update(&[kind]);
            hasher.update(chunk);
            out.extend_from_slice(&hasher.finalize().to_le_bytes());
            out.extend_from_slice(&u16::try_from(take).unwrap_or(u16::MAX).to_le_bytes());
            out.push(kind);
            out.extend_from_slice(chunk);
            rest = tail;
            first = false;
            if last {
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(file: &[u8]) -> (Vec<(u64, Vec<u8>)>, Vec<FrameIssue>) {
        let mut recs = Vec::new();
        let mut issues = Vec::new();
        for item in LogReader::new(file) {
            match item {
                Item::Record(r) => recs.push((r.offset, r.data.into_owned())),
                Item::Issue(i) => issues.push(i),
            }
        }
        (recs, issues)
    }

    #[test]
    fn header_of_a_real_file() {
        assert_eq!(check_header(&[0x3a, 0x57, 0x26, 0x42, 0xe1, 0xbe, 0x00]), Ok(0));
        assert!(check_header(b"").unwrap_err().reason.contains("empty"));
        assert!(check_header(b":W&B").unwrap_err().reason.contains("shorter"));
        assert!(check_header(b"\x0a\x00\x00\x00\x00\x00\x00").unwrap_err().reason.contains("not a W&B"));
    }

    #[test]
    fn records_spanning_blocks_are_reassembled() {
        let a = vec![1u8; 40_000];
        let b = vec![2u8; 100];
        let c = vec![3u8; 200_000];
        let file = encode_log(&[&a, &b, &c]);
        let (recs, issues) = records(&file);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[0], (7, a));
        assert_eq!(recs[1].1, b);
        assert_eq!(recs[2].1, c);
    }

    #[test]
    fn header_padding_at_block_end_is_skipped() {
        // Fill the first block so that exactly 3 bytes remain: they must be padding.
        let first = vec![9u8; BLOCK_SIZE - FILE_HEADER - CHUNK_HEADER - 3];
        let file = encode_log(&[&first, b"next"]);
        let (recs, issues) = records(&file);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1], (BLOCK_SIZE as u64, b"next".to_vec()));
    }

    #[test]
    fn bad_checksum_skips_one_chunk_and_keeps_the_rest() {
        let mut file = encode_log(&[b"one", b"two", b"three"]);
        // Flip a payload byte of "two": header at 7+7+3 = 17, payload at 24.
        file[24] ^= 0xff;
        let (recs, issues) = records(&file);
        assert_eq!(
            recs.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
            [b"one".to_vec(), b"three".to_vec()]
        );
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].offset, 17);
        assert!(issues[0].skipped && issues[0].reason.contains("checksum"), "{:?}", issues[0]);
    }

    #[test]
    fn corrupted_length_drops_the_rest_of_the_block_only() {
        let big = vec![5u8; 40_000];
        let mut file = encode_log(&[b"one", b"two", &big, b"after"]);
        file[17 + 4] = 0xff; // length of "two" -> 0x??ff, past the block
        file[17 + 5] = 0xff;
        let (recs, issues) = records(&file);
        let got: Vec<Vec<u8>> = recs.into_iter().map(|r| r.1).collect();
        assert_eq!(got, [b"one".to_vec(), b"after".to_vec()]);
        assert!(issues.iter().any(|i| i.reason.contains("runs past")), "{issues:?}");
        assert!(issues.iter().any(|i| i.reason.contains("without a FIRST")), "{issues:?}");
    }

    #[test]
    fn truncation_is_a_warning_not_damage() {
        let big = vec![5u8; 50_000];
        let file = encode_log(&[b"one", &big]);
        for cut in [file.len() - 1, 40_000, 32_768 + 3, 20] {
            let (recs, issues) = records(&file[..cut]);
            assert_eq!(recs.len(), usize::from(cut > 17), "cut {cut}");
            assert_eq!(issues.len(), 1, "cut {cut}: {issues:?}");
            assert!(!issues[0].skipped, "cut {cut}: {issues:?}");
        }
    }

    #[test]
    fn zero_filled_tail_is_ignored() {
        let mut file = encode_log(&[b"one"]);
        file.resize(BLOCK_SIZE * 2, 0);
        let (recs, issues) = records(&file);
        assert_eq!(recs.len(), 1);
        assert!(issues.is_empty(), "{issues:?}");
    }

    #[test]
    fn unknown_chunk_type_and_orphans_are_reported() {
        let mut file = encode_log(&[b"one"]);
        let payload = b"xx";
        for kind in [9u8, 4u8] {
            let mut h = crc32fast::Hasher::new();
            h.update(&[kind]);
            h.update(payload);
            file.extend_from_slice(&h.finalize().to_le_bytes());
            file.extend_from_slice(&2u16.to_le_bytes());
            file.push(kind);
            file.extend_from_slice(payload);
        }
        let (recs, issues) = records(&file);
        assert_eq!(recs.len(), 1);
        assert_eq!(issues.len(), 2, "{issues:?}");
        assert!(issues[0].reason.contains("unknown chunk type 9"));
        assert!(issues[1].reason.contains("LAST chunk without"));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            let mut file = b":W&B\xe1\xbe\x00".to_vec();
            file.extend_from_slice(&bytes);
            for _ in LogReader::new(&file) {}
            for _ in LogReader::new(&bytes) {}
        }

        #[test]
        fn any_cut_of_a_valid_log_never_panics(cut in 0usize..80_000) {
            let file = encode_log(&[&[1u8; 10][..], &[2u8; 40_000][..], &[3u8; 30_000][..]]);
            let cut = cut.min(file.len());
            let n = LogReader::new(&file[..cut]).filter(|i| matches!(i, Item::Record(_))).count();
            proptest::prop_assert!(n <= 3);
        }
    }
}
