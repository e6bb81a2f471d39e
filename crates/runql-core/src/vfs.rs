//! A virtual file tree (path → bytes) that every reader works on.
//!
//! A folder on disk, a browser `FileList` from a folder picker, a dropped zip and bytes sent
//! from Python all become a [`FileTree`], so readers have one code path. Disk files are read
//! lazily, one at a time, so a large folder is never held in memory whole.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::error::{CoreError, Result};
use crate::report::Issue;

#[derive(Debug, Clone)]
enum FileSource {
    Bytes(Arc<[u8]>),
    #[cfg(not(target_arch = "wasm32"))]
    Disk(std::path::PathBuf),
}

/// Files keyed by their `/`-separated path relative to the tree's origin.
///
/// ```
/// use runql_core::FileTree;
/// let mut tree = FileTree::new("upload");
/// tree.insert("mlruns/0/meta.yaml", b"name: Default\n".to_vec());
/// assert_eq!(tree.len(), 1);
/// assert_eq!(&*tree.read("mlruns/0/meta.yaml")?, b"name: Default\n");
/// # Ok::<(), runql_core::CoreError>(())
/// ```
#[derive(Debug, Clone)]
pub struct FileTree {
    origin: String,
    files: BTreeMap<String, (FileSource, u64)>,
    walk_issues: Vec<Issue>,
}

impl FileTree {
    /// An empty tree; `origin` names it in reports (a folder path, `upload`, a zip name).
    pub fn new(origin: impl Into<String>) -> Self {
        Self { origin: origin.into(), files: BTreeMap::new(), walk_issues: Vec::new() }
    }

    /// Adds (or replaces) a file held in memory. Backslashes become `/`, and leading `./` or
    /// `/` are dropped, so paths from any platform line up.
    pub fn insert(&mut self, path: &str, bytes: impl Into<Arc<[u8]>>) {
        let bytes: Arc<[u8]> = bytes.into();
        let len = bytes.len() as u64;
        self.files.insert(normalize(path), (FileSource::Bytes(bytes), len));
    }

    /// Walks a folder (or takes a single file) from disk. Files are read later, on demand.
    ///
    /// Sub-folders that cannot be listed are recorded as issues (see [`Self::walk_issues`])
    /// instead of failing the whole walk; only an unreadable top-level path is an error.
    ///
    /// # Errors
    /// [`CoreError::Io`] when `root` itself does not exist or cannot be read.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_path(root: &std::path::Path) -> Result<Self> {
        let meta =
            std::fs::metadata(root).map_err(|source| CoreError::Io { path: root.to_path_buf(), source })?;
        let mut tree = FileTree::new(root.display().to_string());
        if meta.is_file() {
            let name = root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            tree.files.insert(name, (FileSource::Disk(root.to_path_buf()), meta.len()));
            return Ok(tree);
        }
        // An explicit stack instead of recursion: folder depth comes from the input.
        let mut stack = vec![(root.to_path_buf(), String::new())];
        let mut first = true;
        while let Some((dir, rel)) = stack.pop() {
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(source) if first => return Err(CoreError::Io { path: dir, source }),
                Err(err) => {
                    tree.walk_issue(&rel, format!("folder not readable: {err}"));
                    continue;
                }
            };
            first = false;
            for entry in entries {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(err) => {
                        tree.walk_issue(&rel, format!("folder listing failed: {err}"));
                        continue;
                    }
                };
                let name = entry.file_name().to_string_lossy().into_owned();
                let child_rel = if rel.is_empty() { name } else { format!("{rel}/{name}") };
                // Follows symlinks to files; symlinked folders could form cycles, so they are
                // listed as issues rather than walked.
                let file_type = match entry.file_type() {
                    Ok(t) => t,
                    Err(err) => {
                        tree.walk_issue(&child_rel, format!("cannot stat: {err}"));
                        continue;
                    }
                };
                let path = entry.path();
                if file_type.is_dir() {
                    stack.push((path, child_rel));
                } else if file_type.is_symlink() {
                    match std::fs::metadata(&path) {
                        Ok(m) if m.is_file() => {
                            tree.files.insert(child_rel, (FileSource::Disk(path), m.len()));
                        }
                        Ok(_) => tree.walk_issue(&child_rel, "symlinked folder not followed".into()),
                        Err(err) => tree.walk_issue(&child_rel, format!("broken symlink: {err}")),
                    }
                } else {
                    let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
                    tree.files.insert(child_rel, (FileSource::Disk(path), len));
                }
            }
        }
        Ok(tree)
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn walk_issue(&mut self, rel: &str, reason: String) {
        self.walk_issues.push(Issue {
            severity: crate::report::Severity::Skipped,
            path: self.display_path(rel),
            line: None,
            offset: None,
            reason,
        });
    }

    /// Where the tree came from, as given to [`Self::new`] or [`Self::from_path`].
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// `origin/path`, the form used in reports and errors.
    pub fn display_path(&self, path: &str) -> String {
        if path.is_empty() {
            self.origin.clone()
        } else {
            format!("{}/{}", self.origin.trim_end_matches('/'), path)
        }
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when the tree holds no file.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// All paths in sorted order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// Paths under the folder `prefix` (without trailing `/`), in sorted order.
    pub fn paths_under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let start = format!("{prefix}/");
        self.files.range(start.clone()..).map(|(k, _)| k.as_str()).take_while(move |k| k.starts_with(&start))
    }

    /// Size in bytes of the file at `path`, if present.
    pub fn size(&self, path: &str) -> Option<u64> {
        self.files.get(path).map(|(_, len)| *len)
    }

    /// The bytes of the file at `path`: borrowed when held in memory, read from disk otherwise.
    ///
    /// # Errors
    /// [`CoreError::MissingFile`] when `path` is not in the tree, [`CoreError::Io`] when the
    /// disk read fails.
    pub fn read(&self, path: &str) -> Result<Cow<'_, [u8]>> {
        match self.files.get(path) {
            None => Err(CoreError::MissingFile { path: self.display_path(path) }),
            Some((FileSource::Bytes(bytes), _)) => Ok(Cow::Borrowed(bytes)),
            #[cfg(not(target_arch = "wasm32"))]
            Some((FileSource::Disk(p), _)) => {
                std::fs::read(p).map(Cow::Owned).map_err(|source| CoreError::Io { path: p.clone(), source })
            }
        }
    }

    /// At most the first `max` bytes of the file at `path`, for recognizing a format by its
    /// first line without reading a large file whole.
    ///
    /// ```
    /// use runql_core::FileTree;
    /// let mut tree = FileTree::new("upload");
    /// tree.insert("a.csv", b"run_id,key,step,value\nr,loss,0,1\n".to_vec());
    /// assert_eq!(&*tree.head("a.csv", 6)?, b"run_id");
    /// # Ok::<(), runql_core::CoreError>(())
    /// ```
    ///
    /// # Errors
    /// As [`Self::read`].
    pub fn head(&self, path: &str, max: usize) -> Result<Cow<'_, [u8]>> {
        match self.files.get(path) {
            None => Err(CoreError::MissingFile { path: self.display_path(path) }),
            Some((FileSource::Bytes(bytes), _)) => Ok(Cow::Borrowed(bytes.get(..max).unwrap_or(bytes))),
            #[cfg(not(target_arch = "wasm32"))]
            Some((FileSource::Disk(p), _)) => {
                use std::io::Read;
                let io = |source| CoreError::Io { path: p.clone(), source };
                let file = std::fs::File::open(p).map_err(io)?;
                let mut out = Vec::with_capacity(max.min(64 << 10));
                file.take(max as u64).read_to_end(&mut out).map_err(io)?;
                Ok(Cow::Owned(out))
            }
        }
    }

    /// At most the last `max` bytes of the file at `path`, for formats whose directory sits at
    /// the end (Parquet footers, Arrow IPC file footers) without reading a large file whole.
    ///
    /// ```
    /// use runql_core::FileTree;
    /// let mut tree = FileTree::new("upload");
    /// tree.insert("t.parquet", b"PAR1....PAR1".to_vec());
    /// assert_eq!(&*tree.tail("t.parquet", 4)?, b"PAR1");
    /// # Ok::<(), runql_core::CoreError>(())
    /// ```
    ///
    /// # Errors
    /// As [`Self::read`].
    pub fn tail(&self, path: &str, max: usize) -> Result<Cow<'_, [u8]>> {
        match self.files.get(path) {
            None => Err(CoreError::MissingFile { path: self.display_path(path) }),
            Some((FileSource::Bytes(bytes), _)) => {
                Ok(Cow::Borrowed(bytes.get(bytes.len().saturating_sub(max)..).unwrap_or(bytes)))
            }
            #[cfg(not(target_arch = "wasm32"))]
            Some((FileSource::Disk(p), _)) => {
                use std::io::{Read, Seek, SeekFrom};
                let io = |source| CoreError::Io { path: p.clone(), source };
                let mut file = std::fs::File::open(p).map_err(io)?;
                let len = file.metadata().map_err(io)?.len();
                let start = len.saturating_sub(max as u64);
                file.seek(SeekFrom::Start(start)).map_err(io)?;
                let mut out = Vec::with_capacity(max.min(1 << 20));
                file.take(max as u64).read_to_end(&mut out).map_err(io)?;
                Ok(Cow::Owned(out))
            }
        }
    }

    /// Problems met while walking the folder (unreadable sub-folders, broken symlinks).
    pub fn walk_issues(&self) -> &[Issue] {
        &self.walk_issues
    }
}

fn normalize(path: &str) -> String {
    let path = path.replace('\\', "/");
    path.split('/').filter(|part| !part.is_empty() && *part != ".").collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_windows_and_relative_paths() {
        let mut tree = FileTree::new("t");
        tree.insert(".\\mlruns\\0\\meta.yaml", b"x".to_vec());
        tree.insert("/mlruns//1/meta.yaml", b"y".to_vec());
        let paths: Vec<_> = tree.paths().collect();
        assert_eq!(paths, ["mlruns/0/meta.yaml", "mlruns/1/meta.yaml"]);
    }

    #[test]
    fn paths_under_stops_at_the_folder_boundary() {
        let mut tree = FileTree::new("t");
        for p in ["a/b/1", "a/b/2", "a/bc/3", "a/b"] {
            tree.insert(p, b"".to_vec());
        }
        let under: Vec<_> = tree.paths_under("a/b").collect();
        assert_eq!(under, ["a/b/1", "a/b/2"]);
    }

    #[test]
    fn missing_file_names_the_path() {
        let tree = FileTree::new("upload");
        let err = tree.read("nope").unwrap_err().to_string();
        assert!(err.contains("upload/nope"), "{err}");
    }

    #[test]
    fn walks_a_folder_and_reads_lazily() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|source| CoreError::Io { path: "tmp".into(), source })?;
        let sub = dir.path().join("exp/run");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join("meta.yaml"), b"run_id: r").unwrap();
        let tree = FileTree::from_path(dir.path())?;
        assert_eq!(tree.paths().collect::<Vec<_>>(), ["exp/run/meta.yaml"]);
        assert_eq!(&*tree.read("exp/run/meta.yaml")?, b"run_id: r");
        assert_eq!(tree.size("exp/run/meta.yaml"), Some(9));
        Ok(())
    }

    #[test]
    fn missing_root_is_an_error_naming_it() {
        let err = FileTree::from_path(std::path::Path::new("/definitely/not/here")).unwrap_err();
        assert!(err.to_string().contains("/definitely/not/here"), "{err}");
    }
}
