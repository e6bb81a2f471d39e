//! Decoding a whole columnar file into record batches, with every declared size checked first.

use arrow_array::RecordBatch;
use arrow_schema::{Schema, SchemaRef};
use bytes::Bytes;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};

use super::sniff::{Container, parquet_footer_len};
use runql_core::ipc_check;
use runql_core::limits::{BATCH_ROWS, MAX_CHUNKS, MAX_COLUMNS, MAX_DECODED_BYTES, MAX_ROWS};

/// A decoded file: its schema and all its rows.
#[derive(Debug, Clone)]
pub struct Table {
    /// The schema of `batches`.
    pub schema: SchemaRef,
    /// The rows, in file order.
    pub batches: Vec<RecordBatch>,
}

impl Table {
    /// Rows in all batches.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// Picks the Arrow types a Parquet file is decoded into, from the plain schema the file's
/// own Parquet types give (e.g. dictionary-encoded strings for a metric key column).
pub type SchemaHint<'a> = &'a dyn Fn(&Schema) -> Schema;

/// Decodes the file `bytes` (a `container`) whole. `Err` says why it cannot be read, in words
/// for a load report.
///
/// Parquet files are decoded from their Parquet types; the Arrow schema some writers embed
/// (`ARROW:schema`) is not used, so a crafted one cannot reach arrow-ipc's schema decoder.
/// `hint`, when given, chooses the Arrow types instead (it falls back to the plain types if
/// the file's columns do not fit it).
///
/// ```
/// use runql_codecs::columnar::{decode, Container};
/// let err = decode(bytes::Bytes::from_static(b"PAR1 not really"), Container::Parquet, None).unwrap_err();
/// assert!(err.contains("PAR1"), "{err}");
/// ```
pub fn decode(bytes: Bytes, container: Container, hint: Option<SchemaHint<'_>>) -> Result<Table, String> {
    // Backstop: every size a file declares is checked before decoding, and IPC layouts are
    // checked whole, but corrupt bytes *inside* Parquet pages (e.g. an RLE bit width over
    // 64) reach asserts in the parquet crate's decoders (found by the proptests in
    // tests/columnar_tables.rs). Natively this turns such a panic into a reported skip; in
    // wasm a panic aborts, so that case remains a known gap there.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decode_checked(bytes, container, hint)))
        .unwrap_or_else(|_| Err(format!("the {} decoder failed on this file", container.name())))
}

/// Decodes the bytes of a file read from a [`runql_core::FileTree`], recognizing Parquet or
/// Arrow IPC by their magic bytes.
///
/// ```
/// use std::borrow::Cow;
/// let err = runql_codecs::columnar::read::decode_file(Cow::Borrowed(b"run_id,key\n"), None).unwrap_err();
/// assert!(err.contains("magic"), "{err}");
/// ```
pub fn decode_file(bytes: std::borrow::Cow<'_, [u8]>, hint: Option<SchemaHint<'_>>) -> Result<Table, String> {
    let container = super::container(bytes.get(..8).unwrap_or(&bytes))
        .ok_or("not a Parquet or Arrow IPC file (no PAR1/ARROW1 magic bytes)")?;
    let bytes = match bytes {
        std::borrow::Cow::Owned(v) => Bytes::from(v),
        std::borrow::Cow::Borrowed(b) => Bytes::copy_from_slice(b),
    };
    decode(bytes, container, hint)
}

/// [`decode`] without the panic backstop; tests call this to see panics.
pub fn decode_checked(
    bytes: Bytes,
    container: Container,
    hint: Option<SchemaHint<'_>>,
) -> Result<Table, String> {
    match container {
        Container::Parquet => decode_parquet(bytes, hint),
        Container::IpcFile => {
            ipc_check::check_file(&bytes)?;
            let reader = arrow_ipc::reader::FileReader::try_new(std::io::Cursor::new(bytes), None)
                .map_err(|e| format!("Arrow IPC file is corrupt: {e}"))?;
            collect(reader.schema(), reader)
        }
        Container::IpcStream => {
            ipc_check::check_stream(&bytes, MAX_DECODED_BYTES)?;
            let reader = arrow_ipc::reader::StreamReader::try_new(std::io::Cursor::new(bytes), None)
                .map_err(|e| format!("Arrow IPC stream is corrupt: {e}"))?;
            collect(reader.schema(), reader)
        }
    }
}

fn collect(
    schema: SchemaRef,
    batches: impl Iterator<Item = Result<RecordBatch, arrow_schema::ArrowError>>,
) -> Result<Table, String> {
    let mut rows = 0u64;
    let mut out = Vec::new();
    for batch in batches {
        let batch = batch.map_err(|e| format!("corrupt data: {e}"))?;
        rows += batch.num_rows() as u64;
        if rows > MAX_ROWS {
            return Err(format!("more than {MAX_ROWS} rows"));
        }
        out.push(batch);
    }
    Ok(Table { schema, batches: out })
}

fn decode_parquet(bytes: Bytes, hint: Option<SchemaHint<'_>>) -> Result<Table, String> {
    if !bytes.starts_with(b"PAR1") {
        return Err("the file does not start with PAR1".into());
    }
    let tail = bytes.get(bytes.len().saturating_sub(8)..).unwrap_or_default();
    parquet_footer_len(tail, bytes.len() as u64)?;
    let plain = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
    let metadata = ArrowReaderMetadata::load(&bytes, plain.clone())
        .map_err(|e| format!("Parquet metadata is corrupt: {e}"))?;
    check_parquet_metadata(metadata.metadata(), bytes.len() as u64)?;
    let metadata = match hint {
        Some(hint) => {
            let wanted = std::sync::Arc::new(hint(metadata.schema()));
            // A file whose columns do not fit the hint is read with its plain types.
            ArrowReaderMetadata::try_new(metadata.metadata().clone(), plain.with_schema(wanted))
                .unwrap_or(metadata)
        }
        None => metadata,
    };
    let schema = metadata.schema().clone();
    let groups = metadata.metadata().num_row_groups();
    let read_groups = |rows: Vec<usize>| -> Result<Vec<RecordBatch>, String> {
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(bytes.clone(), metadata.clone())
            .with_row_groups(rows)
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|e| format!("Parquet data is corrupt: {e}"))?;
        Ok(collect(schema.clone(), reader)?.batches)
    };
    // Row groups decode independently: on all cores with the `parallel` feature.
    #[cfg(feature = "parallel")]
    let parts: Vec<Result<Vec<RecordBatch>, String>> = {
        use rayon::prelude::*;
        (0..groups).into_par_iter().map(|g| read_groups(vec![g])).collect()
    };
    #[cfg(not(feature = "parallel"))]
    let parts = vec![read_groups((0..groups).collect())];
    let mut batches = Vec::new();
    for part in parts {
        batches.extend(part?);
    }
    if batches.iter().map(|b| b.num_rows() as u64).sum::<u64>() > MAX_ROWS {
        return Err(format!("more than {MAX_ROWS} rows"));
    }
    Ok(Table { schema, batches })
}

/// Row groups, columns and decoded sizes as the footer declares them, against the caps.
fn check_parquet_metadata(
    meta: &parquet::file::metadata::ParquetMetaData,
    file_len: u64,
) -> Result<(), String> {
    let columns = meta.file_metadata().schema_descr().num_columns();
    if columns > MAX_COLUMNS {
        return Err(format!("{columns} columns is over the {MAX_COLUMNS}-column limit"));
    }
    if meta.num_row_groups() > MAX_CHUNKS {
        return Err(format!("{} row groups is over the {MAX_CHUNKS} limit", meta.num_row_groups()));
    }
    let (mut rows, mut decoded) = (0u64, 0u64);
    for rg in meta.row_groups() {
        rows = rows.saturating_add(u64::try_from(rg.num_rows()).map_err(|_| "negative row count")?);
        for col in rg.columns() {
            // The parquet crate asserts these are not negative when it reads the chunk.
            let compressed = u64::try_from(col.compressed_size()).map_err(|_| "negative column size")?;
            let start = col.dictionary_page_offset().unwrap_or(col.data_page_offset());
            let start = u64::try_from(start).map_err(|_| "negative column offset")?;
            if start.saturating_add(compressed) > file_len {
                return Err(format!(
                    "a column chunk at byte {start} (+{compressed}) lies outside the {file_len}-byte file (truncated?)"
                ));
            }
            decoded = decoded.saturating_add(u64::try_from(col.uncompressed_size()).unwrap_or(u64::MAX));
        }
    }
    if rows > MAX_ROWS {
        return Err(format!("{rows} rows is over the {MAX_ROWS}-row limit"));
    }
    if decoded > MAX_DECODED_BYTES {
        return Err(format!("decodes to {decoded} bytes, over the {MAX_DECODED_BYTES}-byte limit"));
    }
    Ok(())
}
