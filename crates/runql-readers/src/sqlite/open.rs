//! Opening an SQLite database file from its bytes, read-only, with SQLite's own checks.

use rusqlite::{Connection, OpenFlags};

/// The first 16 bytes of every SQLite 3 database file.
pub const MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Size of the database header (the first page's first 100 bytes).
const HEADER_BYTES: usize = 100;

/// Largest database opened: it is copied once into SQLite's memory, and in WebAssembly the
/// whole heap is 4 GiB. Larger stores can be converted natively with `runql convert`.
#[cfg(target_pointer_width = "32")]
pub const MAX_DB_BYTES: u64 = 1 << 30;
/// Largest database opened: it is copied once into SQLite's memory.
#[cfg(not(target_pointer_width = "32"))]
pub const MAX_DB_BYTES: u64 = 16 << 30;

/// True when `head` starts with the SQLite 3 magic string.
///
/// ```
/// use runql_readers::sqlite::open::is_sqlite;
/// assert!(is_sqlite(b"SQLite format 3\0\x10\x00"));
/// assert!(!is_sqlite(b"PAR1"));
/// ```
pub fn is_sqlite(head: &[u8]) -> bool {
    head.starts_with(MAGIC)
}

/// Why the file looks cut short, if it does: it holds fewer bytes than its header's page size
/// × page count (a copy taken mid-write, a download cut off). SQLite still reads what is
/// there; rows on the missing pages are lost, so the load report says so.
///
/// ```
/// use runql_readers::sqlite::open::truncation;
/// let mut header = b"SQLite format 3\0".to_vec();
/// header.resize(100, 0);
/// header[16..18].copy_from_slice(&4096u16.to_be_bytes()); // page size
/// header[28..32].copy_from_slice(&3u32.to_be_bytes()); // pages
/// header[24..28].copy_from_slice(&7u32.to_be_bytes()); // change counter …
/// header[92..96].copy_from_slice(&7u32.to_be_bytes()); // … that the page count is valid for
/// let mut file = header.clone();
/// file.resize(3 * 4096, 0);
/// assert_eq!(truncation(&file), None);
/// assert!(truncation(&file[..8192]).unwrap().contains("12288"));
/// ```
pub fn truncation(bytes: &[u8]) -> Option<String> {
    let be32 =
        |at: usize| -> Option<u32> { Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?)) };
    let page_size = match u16::from_be_bytes(bytes.get(16..18)?.try_into().ok()?) {
        1 => 65_536u64,
        n => u64::from(n),
    };
    let pages = u64::from(be32(28)?);
    // The page count is only kept up to date by SQLite 3.7.0 and later, which say so by
    // matching the change counter.
    if pages == 0 || be32(24)? != be32(92)? {
        return None;
    }
    let expected = page_size.saturating_mul(pages);
    let len = bytes.len() as u64;
    (len < expected).then(|| {
        format!("the file is {len} bytes where its header says {expected}: cut short? rows on the missing pages are not read")
    })
}

/// Opens `bytes` as a read-only in-memory database.
///
/// The bytes are copied into memory SQLite owns (`sqlite3_deserialize`), so the same code
/// serves a file on disk and a browser upload. A database in WAL mode is opened as a
/// rollback-journal one (header bytes 18–19), which is what an in-memory copy can read;
/// the WAL file itself is not part of the copy. Corrupt pages are found by SQLite when
/// they are read, as an error, never a crash.
///
/// # Errors
/// Why the bytes cannot be opened, as text for the load report.
pub fn open(bytes: &[u8]) -> Result<Connection, String> {
    let len = bytes.len();
    if (len as u64) > MAX_DB_BYTES {
        return Err(format!(
            "{len} bytes is over the {MAX_DB_BYTES}-byte limit for an SQLite database; convert it natively with `runql convert`"
        ));
    }
    let header = bytes.get(..HEADER_BYTES).ok_or_else(|| {
        format!("{len} bytes is shorter than an SQLite header ({HEADER_BYTES} bytes): the file is truncated")
    })?;
    if !is_sqlite(header) {
        return Err("not an SQLite 3 database (no \"SQLite format 3\" header)".into());
    }
    let mut header = header.to_vec();
    // Bytes 18 and 19 are the write/read format versions: 2 = WAL, 1 = rollback journal.
    for b in header.iter_mut().skip(18).take(2) {
        if *b == 2 {
            *b = 1;
        }
    }
    let rest = bytes.get(HEADER_BYTES..).unwrap_or_default();
    let sql = |e: rusqlite::Error| format!("SQLite: {e}");
    let mut conn = Connection::open_in_memory_with_flags(
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql)?;
    conn.deserialize_read_exact(rusqlite::MAIN_DB, std::io::Read::chain(&header[..], rest), len, true)
        .map_err(sql)?;
    // Defence in depth against a hostile file: never run SQL stored in the schema
    // (views, triggers, defaults), check cell sizes as pages are read, write nothing.
    conn.execute_batch("PRAGMA trusted_schema = OFF; PRAGMA cell_size_check = ON; PRAGMA query_only = ON;")
        .map_err(sql)?;
    // The first real read: a damaged header or schema page fails here, not later.
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0))
        .map_err(|e| format!("SQLite: {e} (the file is truncated or is not a readable database)"))?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_short_and_foreign_bytes() {
        assert!(open(b"").unwrap_err().contains("truncated"));
        assert!(open(&[0u8; 200]).unwrap_err().contains("not an SQLite"));
        let mut fake = MAGIC.to_vec();
        fake.resize(4096, 0xAB);
        assert!(open(&fake).is_err());
    }
}
