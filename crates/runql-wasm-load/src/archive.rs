//! Unpacking an uploaded `.zip` (e.g. of an `mlruns/` folder) into a [`FileTree`], with
//! limits against zip bombs.
//!
//! Nothing is trusted from the archive's headers: an entry is read through a reader that
//! stops one byte past what it may unpack to, its buffer is never reserved larger than
//! that (nor larger than [`ARCHIVE_PREALLOC_BYTES`] before the bytes are there), and what
//! it may unpack to is capped per entry, by its compression ratio and for the whole
//! archive (see [`ZipLimits`]). WebAssembly memory never shrinks, so every byte reserved
//! here stays the page's for good.

use std::io::{Cursor, Read};

use runql_core::limits::{
    ARCHIVE_PREALLOC_BYTES, ARCHIVE_RATIO_FREE_BYTES, MAX_ARCHIVE_BYTES, MAX_ARCHIVE_ENTRY_BYTES,
    MAX_ARCHIVE_RATIO,
};
use runql_core::{FileTree, Issue, Severity};
use zip::ZipArchive;

use crate::error::{LoadError, Result};

/// Caps applied while unpacking. Entry sizes are checked while reading, not taken from the
/// zip's own (forgeable) headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZipLimits {
    /// Most entries (files and folders) an archive may hold.
    pub max_entries: usize,
    /// Most bytes one unpacked file may have.
    pub max_entry_bytes: u64,
    /// Most bytes all unpacked files together may have.
    pub max_total_bytes: u64,
    /// Most times its compressed size a file may unpack to, once past
    /// [`Self::ratio_free_bytes`].
    pub max_ratio: u64,
    /// Bytes a file may unpack to whatever its compression ratio.
    pub ratio_free_bytes: u64,
}

impl Default for ZipLimits {
    /// 200,000 entries, 512 MiB per file, 1 GiB in all, 200:1 past 1 MiB per file (see
    /// [`runql_core::limits`]).
    fn default() -> Self {
        Self {
            max_entries: 200_000,
            max_entry_bytes: MAX_ARCHIVE_ENTRY_BYTES,
            max_total_bytes: MAX_ARCHIVE_BYTES,
            max_ratio: MAX_ARCHIVE_RATIO,
            ratio_free_bytes: ARCHIVE_RATIO_FREE_BYTES,
        }
    }
}

/// What [`unzip`] produced.
#[derive(Debug)]
pub struct Unzipped {
    /// The files, under their paths inside the archive.
    pub tree: FileTree,
    /// Entries that were not unpacked, with the reason (encrypted, unsupported compression,
    /// over a limit, corrupt).
    pub issues: Vec<Issue>,
}

/// Which cap an entry's size ran into.
enum Cap {
    /// What is left of [`ZipLimits::max_total_bytes`].
    Total,
    /// [`ZipLimits::max_ratio`] times its compressed size.
    Ratio,
    /// [`ZipLimits::max_entry_bytes`].
    Entry,
}

/// Unpacks the zip `bytes` into a tree named `origin`.
///
/// Folder entries, macOS resource forks (`__MACOSX/`) and entries with unsafe names
/// (absolute, `..`) are left out; an entry that cannot be read, is over
/// [`ZipLimits::max_entry_bytes`] or unpacks to more than [`ZipLimits::max_ratio`] times
/// its compressed size becomes an issue and the others still load.
///
/// # Errors
/// [`LoadError::Load`] when `bytes` is not a readable zip, holds more than
/// [`ZipLimits::max_entries`] entries, or unpacks to more than
/// [`ZipLimits::max_total_bytes`] (the message names the zip and the entry).
pub fn unzip(origin: &str, bytes: &[u8], limits: &ZipLimits) -> Result<Unzipped> {
    let mut archive = ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| LoadError::Load(format!("{origin}: not a readable zip archive: {e}")))?;
    if archive.len() > limits.max_entries {
        return Err(LoadError::Load(format!(
            "{origin}: the zip holds {} entries, more than the limit of {}",
            archive.len(),
            limits.max_entries
        )));
    }
    let mut tree = FileTree::new(origin);
    let mut issues = Vec::new();
    let mut total: u64 = 0;
    let mut chunk = vec![0u8; 64 << 10];
    let mut skip = |name: &str, reason: String| {
        issues.push(Issue {
            severity: Severity::Skipped,
            path: format!("{origin}/{name}"),
            line: None,
            offset: None,
            reason,
        });
    };
    for index in 0..archive.len() {
        let mut entry = match archive.by_index(index) {
            Ok(entry) => entry,
            Err(e) => {
                skip(&format!("#{index}"), format!("zip entry not readable: {e}"));
                continue;
            }
        };
        let raw_name = match entry.name() {
            Ok(name) => name.into_owned(),
            Err(e) => {
                skip(&format!("#{index}"), format!("zip entry name not readable: {e}"));
                continue;
            }
        };
        if entry.is_dir() || raw_name.starts_with("__MACOSX/") {
            continue;
        }
        let Some(path) = entry.enclosed_name() else {
            skip(&raw_name, "unsafe path in zip (absolute or containing ..)".into());
            continue;
        };
        let path = path.to_string_lossy().replace('\\', "/");
        // The compressed size is from the header too, but it cannot exceed the archive.
        let compressed = entry.compressed_size().min(bytes.len() as u64);
        let by_ratio = compressed.saturating_mul(limits.max_ratio).max(limits.ratio_free_bytes);
        let left = limits.max_total_bytes.saturating_sub(total);
        let (cap, which) = [(left, Cap::Total), (by_ratio, Cap::Ratio), (limits.max_entry_bytes, Cap::Entry)]
            .into_iter()
            .min_by_key(|(cap, _)| *cap)
            .unwrap_or((left, Cap::Total));
        let declared = entry.size();
        let data = match read_capped(&mut entry, declared, cap, &mut chunk) {
            Ok(data) => data,
            Err(e) => {
                skip(&path, format!("zip entry not readable: {e}"));
                continue;
            }
        };
        let len = data.len() as u64;
        if len > cap {
            match which {
                Cap::Total => {
                    return Err(LoadError::Load(format!(
                        "{origin}: unpacking {path} goes over the limit of {} bytes for all files of the zip together",
                        limits.max_total_bytes
                    )));
                }
                Cap::Ratio => skip(
                    &path,
                    format!(
                        "unpacks to more than {}x its {compressed} compressed bytes (over {cap} bytes): refused as a likely zip bomb",
                        limits.max_ratio
                    ),
                ),
                Cap::Entry => skip(
                    &path,
                    format!("file unpacks to more than the limit of {} bytes", limits.max_entry_bytes),
                ),
            }
            continue;
        }
        total += len;
        tree.insert(&path, data);
    }
    Ok(Unzipped { tree, issues })
}

/// Reads `reader` to its end, but at most `limit + 1` bytes (one byte over tells the caller
/// that the entry is over its limit), through `chunk`. The buffer starts at the `declared`
/// size if that is below both `limit + 1` and [`ARCHIVE_PREALLOC_BYTES`], and then grows
/// with the bytes really read, never past `limit + 1`: a header that lies about the size
/// cannot make it reserve more than the entry really unpacks to.
fn read_capped(
    reader: &mut impl Read,
    declared: u64,
    limit: u64,
    chunk: &mut [u8],
) -> std::io::Result<Vec<u8>> {
    let max = limit.saturating_add(1);
    let max_len = usize::try_from(max).unwrap_or(usize::MAX);
    let first = usize::try_from(declared).unwrap_or(usize::MAX).min(max_len).min(ARCHIVE_PREALLOC_BYTES);
    let mut data = Vec::with_capacity(first);
    let mut reader = reader.take(max);
    loop {
        let n = match reader.read(chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let got = chunk.get(..n).unwrap_or_default();
        if data.capacity() - data.len() < n {
            // Doubling, but never past what may still come.
            let grow = data.len().min(max_len.saturating_sub(data.len())).max(n);
            data.reserve_exact(grow);
        }
        data.extend_from_slice(got);
    }
    Ok(data)
}

/// Whether `bytes` starts like a zip archive (a local file header or an empty archive).
pub fn looks_like_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn make_zip(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut w = zip::ZipWriter::new(&mut out);
        let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in files {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap();
        out.into_inner()
    }

    #[test]
    fn unpacks_files_and_skips_folders_and_resource_forks() {
        let bytes =
            make_zip(&[("mlruns/0/meta.yaml", b"name: Default\n"), ("__MACOSX/mlruns/._meta.yaml", b"junk")]);
        assert!(looks_like_zip(&bytes));
        let out = unzip("runs.zip", &bytes, &ZipLimits::default()).unwrap();
        assert_eq!(out.tree.len(), 1);
        assert_eq!(&*out.tree.read("mlruns/0/meta.yaml").unwrap(), b"name: Default\n");
        assert!(out.issues.is_empty());
    }

    #[test]
    fn oversized_entries_are_skipped_and_bombs_refused() {
        let big = vec![0u8; 10_000];
        let bytes = make_zip(&[("a", &big), ("b", b"small")]);
        let limits = ZipLimits { max_entry_bytes: 1000, ..ZipLimits::default() };
        let out = unzip("z.zip", &bytes, &limits).unwrap();
        assert_eq!(out.tree.len(), 1);
        assert_eq!(out.issues.len(), 1);
        assert!(out.issues[0].reason.contains("limit"), "{:?}", out.issues);

        let limits = ZipLimits { max_total_bytes: 5000, ..ZipLimits::default() };
        let err = unzip("z.zip", &bytes, &limits).unwrap_err();
        assert_eq!(err.kind().as_str(), "load");
        let msg = err.to_string();
        assert!(msg.contains("z.zip") && msg.contains("unpacking a "), "{msg}");

        let limits = ZipLimits { max_entries: 1, ..ZipLimits::default() };
        assert!(unzip("z.zip", &bytes, &limits).is_err());
    }

    /// Sets the uncompressed size of every entry, in its local header and in the central
    /// directory, to `size`: what a forged zip does.
    fn forge_sizes(zip: &mut [u8], size: u32) {
        for (signature, at) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
            let starts: Vec<usize> =
                zip.windows(4).enumerate().filter(|(_, w)| *w == &signature[..]).map(|(i, _)| i).collect();
            assert!(!starts.is_empty());
            for start in starts {
                zip[start + at..start + at + 4].copy_from_slice(&size.to_le_bytes());
            }
        }
    }

    #[test]
    fn a_forged_entry_size_unpacks_the_real_bytes() {
        let real: Vec<u8> =
            (0..1000u32).flat_map(|i| format!("r,loss,{i},{}\n", i * 7 % 13).into_bytes()).collect();
        let mut bytes = make_zip(&[("metrics.csv", &real)]);
        forge_sizes(&mut bytes, 0x7fff_ffff);
        let mut archive = ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
        assert_eq!(archive.by_index(0).unwrap().size(), 0x7fff_ffff, "the forgery took");
        let out = unzip("forged.zip", &bytes, &ZipLimits::default()).unwrap();
        assert!(out.issues.is_empty(), "{:?}", out.issues);
        assert_eq!(&*out.tree.read("metrics.csv").unwrap(), &real[..]);
    }

    /// What unzipping a forged entry reserves up front: at most the preallocation cap (before,
    /// `Vec::with_capacity` of the declared size, up to the 512 MiB entry limit, for a file
    /// of a few bytes); past that, only what the bytes that really arrive need.
    #[test]
    fn a_declared_size_reserves_at_most_the_preallocation_cap() {
        let mut chunk = vec![0u8; 64 << 10];
        let real = vec![7u8; 1000];
        let data = read_capped(&mut &real[..], u64::MAX, 512 << 20, &mut chunk).unwrap();
        assert_eq!(data, real);
        assert!(data.capacity() <= ARCHIVE_PREALLOC_BYTES, "reserved {}", data.capacity());
        // An endless stream: read up to one byte over the limit, and never reserve past that.
        let limit = 3 << 20;
        let data = read_capped(&mut std::io::repeat(0), u64::MAX, limit, &mut chunk).unwrap();
        assert_eq!(data.len() as u64, limit + 1);
        assert!(data.capacity() as u64 <= limit + 1, "reserved {}", data.capacity());
        // An honest size is reserved once, exactly.
        let data = read_capped(&mut &real[..], 1000, 512 << 20, &mut chunk).unwrap();
        assert_eq!(data.capacity(), 1000);
    }

    /// 8 MiB of zeros deflate to about 8 KB: a small zip bomb, refused by its ratio while a
    /// well-compressing real file beside it loads.
    #[test]
    fn an_entry_past_the_compression_ratio_is_refused_as_a_bomb() {
        let zeros = vec![0u8; 8 << 20];
        let csv: Vec<u8> = (0..100_000u32)
            .flat_map(|i| format!("r{},loss,{i},{}\n", i % 5, i * 7919 % 10007).into_bytes())
            .collect();
        assert!(csv.len() > 1 << 20);
        let bytes = make_zip(&[("bomb.bin", &zeros), ("metrics.csv", &csv)]);
        assert!(bytes.len() < 1 << 20, "{}", bytes.len());
        let out = unzip("bomb.zip", &bytes, &ZipLimits::default()).unwrap();
        assert_eq!(out.tree.paths().collect::<Vec<_>>(), ["metrics.csv"]);
        assert_eq!(out.issues.len(), 1, "{:?}", out.issues);
        assert_eq!(out.issues[0].path, "bomb.zip/bomb.bin");
        assert!(out.issues[0].reason.contains("likely zip bomb"), "{}", out.issues[0].reason);
        // Under the ratio-free size any ratio is fine.
        let limits = ZipLimits { ratio_free_bytes: 16 << 20, ..ZipLimits::default() };
        assert_eq!(unzip("bomb.zip", &bytes, &limits).unwrap().tree.len(), 2);
    }

    /// Many entries that each pass the ratio still cannot unpack past the archive's total.
    #[test]
    fn the_whole_archive_is_capped_and_the_error_names_the_entry() {
        let zeros = vec![0u8; 1 << 20];
        let files: Vec<(String, &[u8])> = (0..8).map(|i| (format!("part{i}.bin"), &zeros[..])).collect();
        let files: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (n.as_str(), *d)).collect();
        let bytes = make_zip(&files);
        let limits = ZipLimits { max_total_bytes: 5 << 20, ..ZipLimits::default() };
        let msg = unzip("many.zip", &bytes, &limits).unwrap_err().to_string();
        assert!(
            msg.starts_with("many.zip: unpacking part5.bin goes over the limit of 5242880 bytes"),
            "{msg}"
        );
    }

    #[test]
    fn garbage_is_a_load_error() {
        let err = unzip("bad.zip", b"PK\x03\x04 definitely not a zip", &ZipLimits::default()).unwrap_err();
        assert_eq!(err.kind().as_str(), "load");
        assert!(err.to_string().contains("bad.zip"));
        let mut truncated = make_zip(&[("mlruns/0/meta.yaml", b"name: Default\n")]);
        truncated.truncate(truncated.len() / 2);
        assert!(unzip("t.zip", &truncated, &ZipLimits::default()).is_err());
    }
}
