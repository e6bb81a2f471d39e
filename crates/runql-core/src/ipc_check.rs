//! Checks of an Arrow IPC file or stream *before* arrow-ipc reads it.
//!
//! arrow-ipc trusts what a file says about itself: it allocates a message's declared body
//! length, slices buffers at declared offsets, and panics on schema flatbuffers with types it
//! does not expect. Those are fine for files a program wrote a moment ago and fatal for a
//! file a user dropped on a web page (a panic or failed allocation ends a wasm instance). So
//! every length, offset and schema type is checked here against the bytes really present,
//! and only a file that passes is handed to arrow-ipc. The tables the browser's loader
//! module hands to its query module ([`crate::transfer`]) pass the same checks.

use arrow_ipc::{Block, Message, MessageHeader, Type};

use crate::limits::{MAX_CHUNKS, MAX_COLUMNS, MAX_DECODED_BYTES, MAX_FOOTER_BYTES, MAX_ROWS};

/// Nesting depth of column types accepted (list of struct of list …).
const MAX_TYPE_DEPTH: usize = 32;

fn le_i32(b: &[u8], at: usize) -> Option<i32> {
    b.get(at..at.checked_add(4)?).and_then(|s| <[u8; 4]>::try_from(s).ok()).map(i32::from_le_bytes)
}

fn le_i64(b: &[u8], at: usize) -> Option<i64> {
    b.get(at..at.checked_add(8)?).and_then(|s| <[u8; 8]>::try_from(s).ok()).map(i64::from_le_bytes)
}

/// The footer length an IPC file's last 10 bytes give, checked against the file size.
pub fn file_footer_len(tail10: &[u8], file_len: u64) -> Result<usize, String> {
    if tail10.get(4..10) != Some(b"ARROW1".as_slice()) {
        return Err("the file does not end in ARROW1: it is truncated or not an Arrow IPC file".into());
    }
    let len = le_i32(tail10, 0).ok_or("footer length cut off")?;
    let len = usize::try_from(len).map_err(|_| format!("negative footer length {len}"))?;
    if len > MAX_FOOTER_BYTES {
        return Err(format!("footer of {len} bytes is over the {MAX_FOOTER_BYTES}-byte limit"));
    }
    // Leading "ARROW1" + 2 bytes padding, trailing length + "ARROW1".
    if len as u64 + 18 > file_len {
        return Err(format!("footer of {len} bytes is longer than the {file_len}-byte file (truncated?)"));
    }
    Ok(len)
}

/// Checks the schema of a stream starting with `head` and returns it.
pub fn stream_schema(head: &[u8]) -> Result<arrow_schema::SchemaRef, String> {
    let (meta, _) = message_at(head, 0)?.ok_or("the stream is empty")?;
    let message = arrow_ipc::root_as_message(meta).map_err(|e| format!("schema message is corrupt: {e}"))?;
    let schema = message.header_as_schema().ok_or("the stream does not start with a schema")?;
    check_schema(&schema)?;
    Ok(std::sync::Arc::new(arrow_ipc::convert::fb_to_schema(schema)))
}

/// The flatbuffer of the encapsulated message at `pos` (continuation marker optional) and the
/// position after it; `None` at the end-of-stream marker or the end of the bytes.
fn message_at(b: &[u8], pos: usize) -> Result<Option<(&[u8], usize)>, String> {
    let Some(first) = le_i32(b, pos) else { return Ok(None) };
    let (len, start) = if first == -1 {
        (le_i32(b, pos + 4).ok_or(format!("message length at byte {pos} cut off"))?, pos + 8)
    } else {
        (first, pos + 4)
    };
    if len == 0 {
        return Ok(None);
    }
    let len = usize::try_from(len).map_err(|_| format!("negative message length at byte {pos}"))?;
    if len > MAX_FOOTER_BYTES {
        return Err(format!("message of {len} bytes at byte {pos} is over the limit"));
    }
    let end = start.checked_add(len).filter(|e| *e <= b.len()).ok_or(format!(
        "message at byte {pos} declares {len} bytes, more than the file holds (truncated?)"
    ))?;
    Ok(b.get(start..end).map(|m| (m, end)))
}

/// Checks a whole IPC stream: every message, body and buffer within the bytes, and at most
/// `max_decoded` bytes of buffers once decompressed.
pub fn check_stream(b: &[u8], max_decoded: u64) -> Result<(), String> {
    let mut pos = 0;
    let mut schema_seen = false;
    let mut chunks = 0usize;
    let mut budget = Budget { decoded: 0, max: max_decoded };
    while let Some((meta, after)) = message_at(b, pos)? {
        let message =
            arrow_ipc::root_as_message(meta).map_err(|e| format!("message at byte {pos} is corrupt: {e}"))?;
        let body_len = usize::try_from(message.bodyLength())
            .map_err(|_| format!("negative body length at byte {pos}"))?;
        let body = after.checked_add(body_len).and_then(|end| b.get(after..end)).ok_or(format!(
            "message at byte {pos} declares a {body_len}-byte body the file does not hold (truncated?)"
        ))?;
        if !schema_seen {
            let schema = message.header_as_schema().ok_or("the stream does not start with a schema")?;
            check_schema(&schema)?;
            schema_seen = true;
        } else {
            check_message(&message, body, &mut budget, first_schema(b)?.as_ref())?;
        }
        chunks += 1;
        if chunks > MAX_CHUNKS {
            return Err(format!("more than {MAX_CHUNKS} messages"));
        }
        pos = after + body_len;
    }
    if !schema_seen {
        return Err("the stream holds no schema".into());
    }
    Ok(())
}

/// Checks a whole IPC file: footer, schema, and every block's message, body and buffers.
pub fn check_file(b: &[u8]) -> Result<(), String> {
    let tail = b.get(b.len().saturating_sub(10)..).unwrap_or_default();
    let len = file_footer_len(tail, b.len() as u64)?;
    let footer_start = b.len() - 10 - len;
    let fb = b.get(footer_start..b.len() - 10).ok_or("footer cut off")?;
    let footer = arrow_ipc::root_as_footer(fb).map_err(|e| format!("footer is corrupt: {e}"))?;
    let schema = footer.schema().ok_or("the footer has no schema")?;
    check_schema(&schema)?;
    let blocks: Vec<&Block> =
        footer.dictionaries().into_iter().chain(footer.recordBatches()).flat_map(|v| v.iter()).collect();
    if blocks.len() > MAX_CHUNKS {
        return Err(format!("{} blocks is over the {MAX_CHUNKS}-block limit", blocks.len()));
    }
    let mut budget = Budget { decoded: 0, max: MAX_DECODED_BYTES };
    for block in blocks {
        let (offset, meta_len, body_len) = (block.offset(), block.metaDataLength(), block.bodyLength());
        let bad = || format!("block at byte {offset} ({meta_len}+{body_len} bytes) lies outside the file");
        let offset = usize::try_from(offset).map_err(|_| bad())?;
        // Bodies must start 8-aligned within the block, as the format pads them.
        let meta_len = usize::try_from(meta_len).ok().filter(|m| *m >= 8 && m % 8 == 0).ok_or_else(bad)?;
        let body_len = usize::try_from(body_len).map_err(|_| bad())?;
        let end = offset.checked_add(meta_len).and_then(|e| e.checked_add(body_len)).ok_or_else(bad)?;
        if end > footer_start {
            return Err(bad());
        }
        let block_bytes = b.get(offset..offset + meta_len).ok_or_else(bad)?;
        let (meta, after) = message_at(block_bytes, 0)?.ok_or_else(bad)?;
        if after > meta_len {
            return Err(bad());
        }
        let message = arrow_ipc::root_as_message(meta).map_err(|e| format!("block at byte {offset}: {e}"))?;
        let body = b.get(offset + meta_len..end).ok_or_else(bad)?;
        if usize::try_from(message.bodyLength()).map_or(true, |l| l > body_len) {
            return Err(bad());
        }
        check_message(&message, body, &mut budget, Some(&schema))?;
    }
    Ok(())
}

/// The schema message at the start of a stream.
fn first_schema(b: &[u8]) -> Result<Option<arrow_ipc::Schema<'_>>, String> {
    let Some((meta, _)) = message_at(b, 0)? else { return Ok(None) };
    let message = arrow_ipc::root_as_message(meta).map_err(|e| format!("schema message is corrupt: {e}"))?;
    Ok(message.header_as_schema())
}

/// Decompressed bytes declared so far in one file, and the most allowed.
struct Budget {
    decoded: u64,
    max: u64,
}

fn check_message(
    message: &Message<'_>,
    body: &[u8],
    budget: &mut Budget,
    schema: Option<&arrow_ipc::Schema<'_>>,
) -> Result<(), String> {
    let fields: Vec<arrow_ipc::Field<'_>> =
        schema.and_then(|s| s.fields()).map(|f| f.iter().collect()).unwrap_or_default();
    let (batch, layout) = match message.header_type() {
        MessageHeader::RecordBatch => {
            (message.header_as_record_batch(), fields.iter().map(|f| (*f, true)).collect::<Vec<_>>())
        }
        MessageHeader::DictionaryBatch => {
            let dict = message.header_as_dictionary_batch();
            let id = dict.map(|d| d.id());
            let field = fields.iter().find_map(|f| find_dictionary(f, id?, 0));
            (dict.and_then(|d| d.data()), field.map(|f| vec![(f, false)]).unwrap_or_default())
        }
        MessageHeader::NONE => return Ok(()),
        other => return Err(format!("unexpected {other:?} message")),
    };
    let batch = batch.ok_or("record batch message without a batch")?;
    check_layout(&batch, &layout, body)?;
    if u64::try_from(batch.length()).map_or(true, |n| n > MAX_ROWS) {
        return Err(format!("record batch of {} rows", batch.length()));
    }
    for node in batch.nodes().into_iter().flat_map(|n| n.iter()) {
        if u64::try_from(node.length()).map_or(true, |n| n > MAX_ROWS) || node.null_count() < 0 {
            return Err(format!("column of {} rows ({} nulls)", node.length(), node.null_count()));
        }
    }
    let compressed = batch.compression().is_some();
    for buf in batch.buffers().into_iter().flat_map(|v| v.iter()) {
        let (offset, length) = (buf.offset(), buf.length());
        let range = usize::try_from(offset)
            .ok()
            .zip(usize::try_from(length).ok())
            .and_then(|(o, l)| Some(o..o.checked_add(l)?))
            // The format aligns buffers to 8 bytes; arrow-ipc asserts alignment on some paths.
            .filter(|r| r.end <= body.len() && r.start % 8 == 0)
            .ok_or(format!(
                "buffer at {offset} (+{length}) lies outside its {}-byte message body",
                body.len()
            ))?;
        // A compressed buffer starts with its decompressed length (-1: stored as is).
        if compressed && !range.is_empty() {
            let declared = le_i64(body, range.start).ok_or("compressed buffer shorter than its header")?;
            budget.decoded = budget.decoded.saturating_add(u64::try_from(declared).unwrap_or(0));
        } else {
            budget.decoded = budget.decoded.saturating_add(range.len() as u64);
        }
        if budget.decoded > budget.max {
            return Err(format!("decodes to more than {} bytes", budget.max));
        }
    }
    Ok(())
}

/// Checks that arrow-ipc can turn `schema` into an Arrow schema without panicking: only the
/// column types tracker tables use, each with the parts arrow-ipc unwraps.
pub fn check_schema(schema: &arrow_ipc::Schema<'_>) -> Result<(), String> {
    let fields = schema.fields().ok_or("the schema has no fields")?;
    if fields.len() > MAX_COLUMNS {
        return Err(format!("{} columns is over the {MAX_COLUMNS}-column limit", fields.len()));
    }
    if schema.endianness() != arrow_ipc::Endianness::Little {
        return Err("big-endian Arrow data is not supported".into());
    }
    fields.iter().try_for_each(|f| check_field(&f, 0))
}

fn check_field(field: &arrow_ipc::Field<'_>, depth: usize) -> Result<(), String> {
    let name = field.name().unwrap_or_default();
    let unsupported = |what: &str| Err(format!("column {name:?}: {what} is not supported"));
    if depth > MAX_TYPE_DEPTH {
        return unsupported("nesting this deep");
    }
    if let Some(dict) = field.dictionary() {
        let int = dict.indexType().ok_or(format!("column {name:?}: dictionary without index type"))?;
        if !matches!(int.bitWidth(), 8 | 16 | 32 | 64) {
            return unsupported("this dictionary index width");
        }
    }
    let children = || field.children().map_or(0, |c| c.len());
    let ok = match field.type_type() {
        Type::Null | Type::Bool | Type::Binary | Type::LargeBinary | Type::Utf8 | Type::LargeUtf8 => true,
        Type::Int => field.type_as_int().is_some_and(|i| matches!(i.bitWidth(), 8 | 16 | 32 | 64)),
        Type::FloatingPoint => field.type_as_floating_point().is_some_and(|f| {
            matches!(
                f.precision(),
                arrow_ipc::Precision::HALF | arrow_ipc::Precision::SINGLE | arrow_ipc::Precision::DOUBLE
            )
        }),
        Type::Date => field
            .type_as_date()
            .is_some_and(|d| matches!(d.unit(), arrow_ipc::DateUnit::DAY | arrow_ipc::DateUnit::MILLISECOND)),
        Type::Timestamp => field.type_as_timestamp().is_some_and(|t| {
            use arrow_ipc::TimeUnit as U;
            matches!(t.unit(), U::SECOND | U::MILLISECOND | U::MICROSECOND | U::NANOSECOND)
        }),
        Type::Decimal => field.type_as_decimal().is_some_and(|d| {
            matches!(d.bitWidth(), 32 | 64 | 128 | 256)
                && u8::try_from(d.precision()).is_ok()
                && i8::try_from(d.scale()).is_ok()
        }),
        Type::List | Type::LargeList => children() == 1,
        Type::Struct_ => true,
        _ => false,
    };
    if !ok {
        return unsupported(&format!("type {:?} (or its parameters)", field.type_type()));
    }
    field.children().into_iter().flat_map(|c| c.iter()).try_for_each(|c| check_field(&c, depth + 1))
}

/// The field (at any depth) whose dictionary has id `id`.
fn find_dictionary<'a>(field: &arrow_ipc::Field<'a>, id: i64, depth: usize) -> Option<arrow_ipc::Field<'a>> {
    if field.dictionary().is_some_and(|d| d.id() == id) {
        return Some(*field);
    }
    if depth > MAX_TYPE_DEPTH {
        return None;
    }
    field.children()?.iter().find_map(|c| find_dictionary(&c, id, depth + 1))
}

/// Walks the batch's field nodes and buffers in schema order (as arrow-ipc will) and checks
/// that each node's validity and fixed-width buffers are long enough for its length:
/// arrow-ipc builds validity bitmaps before it validates, and asserts on short ones.
fn check_layout(
    batch: &arrow_ipc::RecordBatch<'_>,
    layout: &[(arrow_ipc::Field<'_>, bool)],
    body: &[u8],
) -> Result<(), String> {
    let compressed = batch.compression().is_some();
    let nodes: Vec<_> = batch.nodes().map(|n| n.iter().collect()).unwrap_or_default();
    let buffers: Vec<(usize, usize)> = batch
        .buffers()
        .map(|b| {
            b.iter()
                .map(|buf| {
                    let (o, l) = (buf.offset().max(0) as usize, buf.length().max(0) as usize);
                    // Compressed buffers: their decoded length (-1: stored as is after the header).
                    let len = if compressed && l > 0 {
                        match le_i64(body, o) {
                            Some(-1) => l.saturating_sub(8),
                            Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
                            None => 0,
                        }
                    } else {
                        l
                    };
                    (o, len)
                })
                .collect()
        })
        .unwrap_or_default();
    let mut walk = Walk { nodes: &nodes, buffers: &buffers, node: 0, buffer: 0 };
    for (field, may_be_dict) in layout {
        walk.field(field, *may_be_dict, 0)?;
    }
    Ok(())
}

struct Walk<'n> {
    nodes: &'n [&'n arrow_ipc::FieldNode],
    buffers: &'n [(usize, usize)],
    node: usize,
    buffer: usize,
}

impl Walk<'_> {
    fn next_buffer(&mut self) -> Result<usize, String> {
        let b = self.buffers.get(self.buffer).map(|b| b.1).ok_or("fewer buffers than the schema needs")?;
        self.buffer += 1;
        Ok(b)
    }

    fn field(&mut self, field: &arrow_ipc::Field<'_>, may_be_dict: bool, depth: usize) -> Result<(), String> {
        let name = field.name().unwrap_or_default();
        if depth > MAX_TYPE_DEPTH {
            return Err(format!("column {name:?}: nested too deep"));
        }
        let node = self.nodes.get(self.node).ok_or("fewer field nodes than the schema has columns")?;
        self.node += 1;
        let len = usize::try_from(node.length()).unwrap_or(usize::MAX);
        let short = |what: &str| format!("column {name:?}: {what} buffer too short for {len} rows");
        if field.type_type() == Type::Null {
            return Ok(());
        }
        let validity = self.next_buffer()?;
        if node.null_count() > 0 && validity.saturating_mul(8) < len {
            return Err(short("validity"));
        }
        // Bytes per value of the values buffer (dictionary columns: their index type).
        let width = |bits: i32| usize::try_from(bits / 8).unwrap_or(0);
        let fixed = match (field.dictionary().filter(|_| may_be_dict), field.type_type()) {
            (Some(d), _) => Some(d.indexType().map_or(0, |i| width(i.bitWidth()))),
            (None, Type::Int) => Some(field.type_as_int().map_or(0, |i| width(i.bitWidth()))),
            (None, Type::FloatingPoint) => {
                Some(match field.type_as_floating_point().map(|f| f.precision()) {
                    Some(arrow_ipc::Precision::HALF) => 2,
                    Some(arrow_ipc::Precision::SINGLE) => 4,
                    _ => 8,
                })
            }
            (None, Type::Date) => Some(match field.type_as_date().map(|d| d.unit()) {
                Some(arrow_ipc::DateUnit::DAY) => 4,
                _ => 8,
            }),
            (None, Type::Timestamp) => Some(8),
            (None, Type::Decimal) => Some(field.type_as_decimal().map_or(0, |d| width(d.bitWidth()))),
            _ => None,
        };
        // arrow views these buffers as typed slices and asserts they split into whole values.
        if let Some(w) = fixed {
            let values = self.next_buffer()?;
            if values < len.saturating_mul(w) || w == 0 || values % w != 0 {
                return Err(short("values"));
            }
            return Ok(());
        }
        match field.type_type() {
            Type::Bool => {
                if self.next_buffer()?.saturating_mul(8) < len {
                    return Err(short("values"));
                }
            }
            Type::Utf8 | Type::Binary | Type::LargeUtf8 | Type::LargeBinary => {
                let w = if matches!(field.type_type(), Type::Utf8 | Type::Binary) { 4 } else { 8 };
                let offsets = self.next_buffer()?;
                if (len > 0 && offsets < len.saturating_add(1).saturating_mul(w)) || offsets % w != 0 {
                    return Err(short("offsets"));
                }
                self.next_buffer()?;
            }
            Type::List | Type::LargeList => {
                let w = if field.type_type() == Type::List { 4 } else { 8 };
                let offsets = self.next_buffer()?;
                if (len > 0 && offsets < len.saturating_add(1).saturating_mul(w)) || offsets % w != 0 {
                    return Err(short("offsets"));
                }
                for c in field.children().into_iter().flat_map(|c| c.iter()) {
                    self.field(&c, true, depth + 1)?;
                }
            }
            Type::Struct_ => {
                for c in field.children().into_iter().flat_map(|c| c.iter()) {
                    self.field(&c, true, depth + 1)?;
                }
            }
            other => return Err(format!("column {name:?}: type {other:?} is not supported")),
        }
        Ok(())
    }
}
