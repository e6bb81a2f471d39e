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

/// The sizes `files` has for `paths` and for the files below them (folders).
pub(crate) fn sizes(
    files: &Files,
    paths: &std::collections::BTreeSet<String>,
) -> std::collections::BTreeMap<String, u64> {
    let mut out = std::collections::BTreeMap::new();
    for rel in paths {
        if let Some(s) = files.get(rel) {
            out.insert(rel.clone(), s.len);
        }
        let under = format!("{rel}/");
        for (path, s) in files.range(under.clone()..).take_while(|(k, _)| k.starts_with(&under)) {
            out.insert(path.clone(), s.len);
        }
    }
    out
}

/// True when a folder above `rel` (below `root`) is a symlink: the listing does not follow
/// symlinked folders, so what is behind one is not watched either.
fn behind_symlink(root: &Path, rel: &str) -> bool {
    let mut dir = root.to_path_buf();
    let mut parts = rel.split('/').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            return false;
        }
        dir.push(part);
        if std::fs::symlink_metadata(&dir).is_ok_and(|m| m.file_type().is_symlink()) {
            return true;
        }
    }
    false
}

/// Looks again at `paths` only (files or folders, relative to the folder `root`), updating
/// `files` as a listing would; returns the paths whose file appeared, changed or went
/// away, or None when a path cannot be looked at alone (the folder itself, a name that is
/// not valid UTF-8): then the whole folder is listed again.
pub(crate) fn update(
    root: &Path,
    files: &mut Files,
    paths: &std::collections::BTreeSet<String>,
) -> Option<Vec<String>> {
    // Checked before anything is updated: the whole listing then compares with `files`.
    if paths.iter().any(|rel| rel.is_empty() || rel.contains("\\x")) {
        return None;
    }
    let mut changed = Vec::new();
    for rel in paths {
        if behind_symlink(root, rel) {
            continue;
        }
        let full = rel.split('/').fold(root.to_path_buf(), |p, part| p.join(part));
        let under = format!("{rel}/");
        let mut gone: std::collections::BTreeSet<String> = files
            .range(under.clone()..)
            .take_while(|(k, _)| k.starts_with(&under))
            .map(|(k, _)| k.clone())
            .collect();
        let kind = std::fs::symlink_metadata(&full).map(|m| m.file_type());
        match kind {
            Ok(kind) if kind.is_dir() => {
                // A folder that appeared, went away and came back, or was renamed: list it.
                let listed = scan(&full).unwrap_or_default();
                for (name, state) in listed {
                    let path = format!("{rel}/{name}");
                    gone.remove(&path);
                    if files.get(&path) != Some(&state) {
                        files.insert(path.clone(), state);
                        changed.push(path);
                    }
                }
            }
            Ok(kind) if kind.is_file() || kind.is_symlink() => {
                match std::fs::metadata(&full).ok().filter(std::fs::Metadata::is_file) {
                    Some(meta) => {
                        let now = state(full, &meta);
                        if files.get(rel) != Some(&now) {
                            files.insert(rel.clone(), now);
                            changed.push(rel.clone());
                        }
                    }
                    None => {
                        if files.remove(rel).is_some() {
                            changed.push(rel.clone());
                        }
                    }
                }
            }
            // Gone (or a FIFO, a socket: not run data).
            _ => {
                if files.remove(rel).is_some() {
                    changed.push(rel.clone());
                }
            }
        }
        for path in gone {
            files.remove(&path);
            changed.push(path);
        }
    }
    changed.sort_unstable();
    changed.dedup();
    Some(changed)
}
