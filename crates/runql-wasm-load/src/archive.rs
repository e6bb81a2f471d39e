//! Unpacking an uploaded `.zip` (e.g. of an `mlruns/` folder) into a [`FileTree`], with
//! limits against zip bombs.

use std::io::{Cursor, Read};

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
}

impl Default for ZipLimits {
    /// 200,000 entries, 512 MiB per file, 2 GiB in all (WebAssembly has 4 GiB of memory).
    fn default() -> Self {
        Self { max_entries: 200_000, max_entry_bytes: 512 << 20, max_total_bytes: 2 << 30 }
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

/// Unpacks the zip `bytes` into a tree named `origin`.
///
/// Folder entries, macOS resource forks (`__MACOSX/`) and entries with unsafe names
/// (absolute, `..`) are left out; an entry that cannot be read becomes an issue and the
/// others still load.
///
/// # Errors
/// [`LoadError::Load`] when `bytes` is not a readable zip, holds more than
/// [`ZipLimits::max_entries`] entries, or unpacks to more than
/// [`ZipLimits::max_total_bytes`].
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
        let cap = limits.max_entry_bytes.min(limits.max_total_bytes.saturating_sub(total));
        let mut data = Vec::with_capacity(usize::try_from(entry.size().min(cap)).unwrap_or(0));
        match (&mut entry).take(cap.saturating_add(1)).read_to_end(&mut data) {
            Ok(_) => {}
            Err(e) => {
                skip(&path, format!("zip entry not readable: {e}"));
                continue;
            }
        }
        let len = data.len() as u64;
        if len > cap {
            if cap < limits.max_entry_bytes {
                return Err(LoadError::Load(format!(
                    "{origin}: unpacks to more than the limit of {} bytes",
                    limits.max_total_bytes
                )));
            }
            skip(&path, format!("file unpacks to more than the limit of {} bytes", limits.max_entry_bytes));
            continue;
        }
        total += len;
        tree.insert(&path, data);
    }
    Ok(Unzipped { tree, issues })
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
        assert_eq!(err.kind(), "load");

        let limits = ZipLimits { max_entries: 1, ..ZipLimits::default() };
        assert!(unzip("z.zip", &bytes, &limits).is_err());
    }

    #[test]
    fn garbage_is_a_load_error() {
        let err = unzip("bad.zip", b"PK\x03\x04 definitely not a zip", &ZipLimits::default()).unwrap_err();
        assert_eq!(err.kind(), "load");
        assert!(err.to_string().contains("bad.zip"));
        let mut truncated = make_zip(&[("mlruns/0/meta.yaml", b"name: Default\n")]);
        truncated.truncate(truncated.len() / 2);
        assert!(unzip("t.zip", &truncated, &ZipLimits::default()).is_err());
    }
}
