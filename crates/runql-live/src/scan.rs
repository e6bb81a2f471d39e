//! What a watched path holds now: every regular file under it with its size and time of
//! last change, compared round to round to find what changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use runql_core::vfs::utf8_name;

use crate::error::{LiveError, Result};

/// One file as last seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileState {
    /// Where it is on disk.
    pub path: PathBuf,
    /// Its size in bytes.
    pub len: u64,
    /// When it last changed (None where the platform cannot say).
    pub modified: Option<SystemTime>,
}

/// The files of a watched path by their `/`-separated path inside it (for a watched file,
/// its name), as [`runql_core::FileTree::from_path`] names them.
pub(crate) type Files = BTreeMap<String, FileState>;

/// Lists the regular files under `root` (symlinks to files followed, symlinked folders
/// not, as the loads do), or `root` itself when it is a file.
///
/// # Errors
/// [`LiveError::Io`] when `root` cannot be read at all. Sub-folders that cannot be listed
/// are left out: the load reports them.
pub(crate) fn scan(root: &Path) -> Result<Files> {
    let meta =
        std::fs::metadata(root).map_err(|source| LiveError::Io { path: root.to_path_buf(), source })?;
    let mut files = Files::new();
    if meta.is_file() {
        let name = root.file_name().map(|n| utf8_name(n).into_owned()).unwrap_or_default();
        files.insert(name, state(root.to_path_buf(), &meta));
        return Ok(files);
    }
    // An explicit stack: folder depth comes from the input.
    let mut stack = vec![(root.to_path_buf(), String::new())];
    let mut first = true;
    while let Some((dir, rel)) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(source) if first => return Err(LiveError::Io { path: dir, source }),
            Err(_) => continue,
        };
        first = false;
        for entry in entries.flatten() {
            let name = utf8_name(&entry.file_name()).into_owned();
            let child = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            let Ok(kind) = entry.file_type() else { continue };
            let path = entry.path();
            if kind.is_dir() {
                stack.push((path, child));
            } else if (kind.is_file() || kind.is_symlink())
                && let Some(meta) = std::fs::metadata(&path).ok().filter(std::fs::Metadata::is_file)
            {
                files.entry(child).or_insert_with(|| state(path, &meta));
            }
        }
    }
    Ok(files)
}

fn state(path: PathBuf, meta: &std::fs::Metadata) -> FileState {
    FileState { path, len: meta.len(), modified: meta.modified().ok() }
}

/// Paths whose file appeared, changed or went away between `before` and `now`.
pub(crate) fn changed<'a>(before: &'a Files, now: &'a Files) -> Vec<&'a str> {
    let mut out: Vec<&str> = now
        .iter()
        .filter(|(path, s)| before.get(*path).is_none_or(|b| b.len != s.len || b.modified != s.modified))
        .map(|(path, _)| path.as_str())
        .collect();
    out.extend(before.keys().filter(|p| !now.contains_key(*p)).map(String::as_str));
    out.sort_unstable();
    out.dedup();
    out
}
