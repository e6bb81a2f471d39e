//! Recognizing a columnar file by its first bytes, and reading its schema from the few bytes
//! that hold it (a Parquet or IPC file footer, an IPC stream's first message).

use arrow_schema::SchemaRef;

use runql_core::ipc_check;
use runql_core::limits::{MAX_COLUMNS, MAX_FOOTER_BYTES};
use runql_core::vfs::FileTree;

/// The kind of container a columnar file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Container {
    /// Apache Parquet (`PAR1` at both ends).
    Parquet,
    /// Arrow IPC file format / Feather v2 (`ARROW1` at both ends).
    IpcFile,
    /// Arrow IPC stream format (messages prefixed by `0xFFFFFFFF` and a length).
    IpcStream,
}

impl Container {
    /// Name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Container::Parquet => "Parquet",
            Container::IpcFile => "Arrow IPC file",
            Container::IpcStream => "Arrow IPC stream",
        }
    }
}

/// The container a file starting with `head` is, by magic bytes.
///
/// ```
/// use runql_codecs::columnar::{container, Container};
/// assert_eq!(container(b"PAR1\x15\x04"), Some(Container::Parquet));
/// assert_eq!(container(b"ARROW1\0\0"), Some(Container::IpcFile));
/// assert_eq!(container(b"\xff\xff\xff\xff\x10\x01\0\0"), Some(Container::IpcStream));
/// assert_eq!(container(b"run_id,key"), None);
/// ```
pub fn container(head: &[u8]) -> Option<Container> {
    if head.starts_with(b"PAR1") {
        return Some(Container::Parquet);
    }
    if head.starts_with(b"ARROW1") {
        return Some(Container::IpcFile);
    }
    // A stream starts with the continuation marker and the schema message's length.
    let len = head.get(4..8).and_then(|b| <[u8; 4]>::try_from(b).ok()).map(i32::from_le_bytes)?;
    (head.starts_with(&[0xff; 4]) && len > 0 && (len as usize) <= MAX_FOOTER_BYTES)
        .then_some(Container::IpcStream)
}

/// The container and Arrow schema of the file at `path`, reading only its head and footer.
/// `None` when it is not a columnar file; `Some(Err(reason))` when it is one but its schema
/// cannot be read (truncated, corrupt, over a limit).
pub fn schema_of(tree: &FileTree, path: &str) -> Option<(Container, Result<SchemaRef, String>)> {
    let head = tree.head(path, 8).ok()?;
    let kind = container(&head)?;
    let schema = match kind {
        Container::Parquet => parquet_schema(tree, path),
        Container::IpcFile => ipc_file_schema(tree, path),
        Container::IpcStream => ipc_stream_schema(tree, path),
    };
    Some((kind, schema.and_then(check_width)))
}

fn check_width(schema: SchemaRef) -> Result<SchemaRef, String> {
    if schema.fields().len() > MAX_COLUMNS {
        return Err(format!("{} columns is over the {MAX_COLUMNS}-column limit", schema.fields().len()));
    }
    Ok(schema)
}

/// The length a Parquet file's last 8 bytes give its footer, checked against the file size.
pub(crate) fn parquet_footer_len(tail8: &[u8], file_len: u64) -> Result<usize, String> {
    let (len, magic) = (tail8.get(..4), tail8.get(4..8));
    if magic != Some(b"PAR1".as_slice()) {
        return Err("the file does not end in PAR1: it is truncated or not Parquet".into());
    }
    let len = len.and_then(|b| <[u8; 4]>::try_from(b).ok()).map(u32::from_le_bytes).unwrap_or(0) as usize;
    if len > MAX_FOOTER_BYTES {
        return Err(format!("footer of {len} bytes is over the {MAX_FOOTER_BYTES}-byte limit"));
    }
    if len as u64 + 12 > file_len {
        return Err(format!("footer of {len} bytes is longer than the {file_len}-byte file (truncated?)"));
    }
    Ok(len)
}

fn parquet_schema(tree: &FileTree, path: &str) -> Result<SchemaRef, String> {
    let size = tree.size(path).unwrap_or(0);
    let tail = tree.tail(path, 8).map_err(|e| e.to_string())?;
    let len = parquet_footer_len(&tail, size)?;
    let footer = tree.tail(path, len + 8).map_err(|e| e.to_string())?;
    let thrift = footer.get(..len).ok_or("footer cut off")?;
    let meta = parquet::file::metadata::ParquetMetaDataReader::decode_metadata(thrift)
        .map_err(|e| format!("Parquet footer is corrupt: {e}"))?;
    let file_meta = meta.file_metadata();
    if file_meta.schema_descr().num_columns() > MAX_COLUMNS {
        return Err(format!(
            "{} columns is over the {MAX_COLUMNS}-column limit",
            file_meta.schema_descr().num_columns()
        ));
    }
    // Without the file's key-value metadata: an embedded `ARROW:schema` would go to arrow-ipc's
    // unchecked schema decoder, and decoding ignores it too (see `read::decode`), so the
    // schema seen here is the one the rows will have.
    parquet::arrow::parquet_to_arrow_schema(file_meta.schema_descr(), None)
        .map(std::sync::Arc::new)
        .map_err(|e| format!("Parquet schema has no Arrow form: {e}"))
}

fn ipc_file_schema(tree: &FileTree, path: &str) -> Result<SchemaRef, String> {
    let size = tree.size(path).unwrap_or(0);
    let tail = tree.tail(path, 10).map_err(|e| e.to_string())?;
    let len = ipc_check::file_footer_len(&tail, size)?;
    let footer = tree.tail(path, len + 10).map_err(|e| e.to_string())?;
    let fb = footer.get(..len).ok_or("footer cut off")?;
    let footer = arrow_ipc::root_as_footer(fb).map_err(|e| format!("Arrow IPC footer is corrupt: {e}"))?;
    let schema = footer.schema().ok_or("Arrow IPC footer has no schema")?;
    // arrow-ipc panics on types it does not expect (an Int of bit width 0, a dictionary
    // without index type); found by the fuzz corpus test.
    ipc_check::check_schema(&schema)?;
    Ok(std::sync::Arc::new(arrow_ipc::convert::fb_to_schema(schema)))
}

fn ipc_stream_schema(tree: &FileTree, path: &str) -> Result<SchemaRef, String> {
    let head = tree.head(path, MAX_FOOTER_BYTES + 8).map_err(|e| e.to_string())?;
    ipc_check::stream_schema(&head)
}
