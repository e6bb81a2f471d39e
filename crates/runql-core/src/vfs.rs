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
    /// The file's name when [`Self::from_path`] was given one file: the tree's origin is
    /// that file's path, so the file is displayed as the origin, not under it.
    single_file: Option<String>,
}

impl FileTree {
    /// An empty tree; `origin` names it in reports (a folder path, `upload`, a zip name).
    pub fn new(origin: impl Into<String>) -> Self {
        Self { origin: origin.into(), files: BTreeMap::new(), walk_issues: Vec::new(), single_file: None }
    }

    /// An empty tree for one file, named as [`Self::from_path`] names a single file: the
    /// file `name` (inserted next) is displayed as `origin` itself, not under it.
    ///
    /// ```
    /// use runql_core::FileTree;
    /// let mut tree = FileTree::new_single_file("runs/mlflow.db", "mlflow.db");
    /// tree.insert("mlflow.db", b"SQLite format 3\0".to_vec());
    /// assert_eq!(tree.display_path("mlflow.db"), "runs/mlflow.db");
    /// ```
    pub fn new_single_file(origin: impl Into<String>, name: &str) -> Self {
        Self { single_file: Some(normalize(name)), ..Self::new(origin) }
    }

    /// Adds (or replaces) a file on disk, read when a reader asks for it (as
    /// [`Self::from_path`] does): `len` is its size as listed.
    ///
    /// ```no_run
    /// use runql_core::FileTree;
    /// let mut tree = FileTree::new("mlruns");
    /// tree.insert_file("0/r1/meta.yaml", "mlruns/0/r1/meta.yaml".into(), 120);
    /// ```
    #[cfg(not(target_arch = "wasm32"))]
    pub fn insert_file(&mut self, path: &str, disk: std::path::PathBuf, len: u64) {
        self.files.insert(normalize(path), (FileSource::Disk(disk), len));
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
    /// Only regular files are taken (and symlinks to them): FIFOs, sockets and device files
    /// would block or never end when read, so they are recorded as skipped issues, as are
    /// symlinked folders (which could form cycles) and sub-folders that cannot be listed (see
    /// [`Self::walk_issues`]); only an unreadable top-level path is an error. A name that is
    /// not valid UTF-8 keeps its invalid bytes as `\xNN` (see [`utf8_name`]), so two such
    /// names never become one path; should two names still meet on one path, the second is
    /// skipped with the reason.
    ///
    /// # Errors
    /// [`CoreError::Io`] when `root` itself does not exist, cannot be read, or is neither a
    /// regular file nor a folder.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_path(root: &std::path::Path) -> Result<Self> {
        let meta =
            std::fs::metadata(root).map_err(|source| CoreError::Io { path: root.to_path_buf(), source })?;
        let mut tree = FileTree::new(root.display().to_string());
        if meta.is_file() {
            let name = root.file_name().map(|n| utf8_name(n).into_owned()).unwrap_or_default();
            tree.files.insert(name.clone(), (FileSource::Disk(root.to_path_buf()), meta.len()));
            tree.single_file = Some(name);
            return Ok(tree);
        }
        if !meta.is_dir() {
            let kind = special_kind(&meta.file_type());
            return Err(CoreError::Io {
                path: root.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("not a regular file or folder ({kind})"),
                ),
            });
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
                let name = utf8_name(&entry.file_name()).into_owned();
                let child_rel = if rel.is_empty() { name } else { format!("{rel}/{name}") };
                // `DirEntry::file_type` does not follow symlinks: a symlink is looked through
                // below, to a regular file only.
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
                        Ok(m) if m.is_file() => tree.insert_disk(child_rel, path, m.len()),
                        Ok(m) if m.is_dir() => tree.walk_issue(&child_rel, SYMLINKED_FOLDER.into()),
                        Ok(m) => tree.walk_issue(
                            &child_rel,
                            format!("not a regular file (symlink to a {})", special_kind(&m.file_type())),
                        ),
                        Err(err) => tree.walk_issue(&child_rel, format!("broken symlink: {err}")),
                    }
                } else if file_type.is_file() {
                    let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
                    tree.insert_disk(child_rel, path, len);
                } else {
                    tree.walk_issue(&child_rel, format!("not a regular file ({})", special_kind(&file_type)));
                }
            }
        }
        Ok(tree)
    }

    /// Adds a file found on disk at `rel`, unless another file of the walk already took
    /// that path (possible only when names were not valid UTF-8): that one is kept and this
    /// one is reported as skipped.
    #[cfg(not(target_arch = "wasm32"))]
    fn insert_disk(&mut self, rel: String, path: std::path::PathBuf, len: u64) {
        match self.files.entry(rel) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert((FileSource::Disk(path), len));
            }
            std::collections::btree_map::Entry::Occupied(slot) => {
                let kept = match &slot.get().0 {
                    FileSource::Disk(p) => p.display().to_string(),
                    FileSource::Bytes(_) => slot.key().clone(),
                };
                let rel = slot.key().clone();
                self.walk_issue(
                    &rel,
                    format!(
                        "{} not loaded: its name is the same as that of {kept} once made valid UTF-8",
                        path.display()
                    ),
                );
            }
        }
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

    /// `origin/path`, the form used in reports and errors (for the file of a tree made from
    /// one file, its path as given).
    pub fn display_path(&self, path: &str) -> String {
        if path.is_empty() || self.single_file.as_deref() == Some(path) {
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

    /// A reader over the file at `path`, for parsers that stream: the bytes held in memory,
    /// or the file on disk read as the parser goes, so a large file is never held whole.
    ///
    /// ```
    /// use std::io::Read;
    /// use runql_core::FileTree;
    /// let mut tree = FileTree::new("upload");
    /// tree.insert("a.csv", b"run_id,key,step,value\n".to_vec());
    /// let mut text = String::new();
    /// tree.open("a.csv")?.read_to_string(&mut text).unwrap();
    /// assert_eq!(text, "run_id,key,step,value\n");
    /// # Ok::<(), runql_core::CoreError>(())
    /// ```
    ///
    /// # Errors
    /// [`CoreError::MissingFile`] when `path` is not in the tree, [`CoreError::Io`] when the
    /// file on disk cannot be opened (a later read error comes from the reader).
    pub fn open(&self, path: &str) -> Result<Box<dyn std::io::Read + '_>> {
        match self.files.get(path) {
            None => Err(CoreError::MissingFile { path: self.display_path(path) }),
            Some((FileSource::Bytes(bytes), _)) => Ok(Box::new(&**bytes)),
            #[cfg(not(target_arch = "wasm32"))]
            Some((FileSource::Disk(p), _)) => std::fs::File::open(p)
                .map(|f| Box::new(f) as Box<dyn std::io::Read>)
                .map_err(|source| CoreError::Io { path: p.clone(), source }),
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

    /// Problems met while walking the folder (unreadable sub-folders, broken symlinks,
    /// FIFOs, sockets and device files, names that meet on one path), as skipped issues.
    pub fn walk_issues(&self) -> &[Issue] {
        &self.walk_issues
    }
}

/// The reason a symlinked folder is skipped by [`FileTree::from_path`] (it could form a
/// cycle); readers that know such a link to be benign count it as ignored instead.
pub const SYMLINKED_FOLDER: &str = "symlinked folder not followed";

/// A file name as text: unchanged when it is valid UTF-8; otherwise (Unix) each byte that is
/// not part of valid UTF-8 is written `\xNN`, so distinct names stay distinct (a lossy
/// conversion would make `a\xff.csv` and `a\xfe.csv` both `a\u{FFFD}.csv`). Elsewhere
/// invalid UTF-16 becomes U+FFFD.
///
/// ```
/// # #[cfg(unix)] {
/// use std::os::unix::ffi::OsStrExt;
/// let name = std::ffi::OsStr::from_bytes(b"a\xff.csv");
/// assert_eq!(runql_core::vfs::utf8_name(name), "a\\xff.csv");
/// # }
/// ```
#[cfg(not(target_arch = "wasm32"))]
pub fn utf8_name(name: &std::ffi::OsStr) -> Cow<'_, str> {
    #[cfg(unix)]
    {
        use std::fmt::Write;
        use std::os::unix::ffi::OsStrExt;
        let bytes = name.as_bytes();
        if let Ok(text) = std::str::from_utf8(bytes) {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(bytes.len() + 8);
        for chunk in bytes.utf8_chunks() {
            out.push_str(chunk.valid());
            for b in chunk.invalid() {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
        Cow::Owned(out)
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy()
    }
}

/// What kind of file that is not a regular file nor a folder `file_type` is, for reports.
#[cfg(not(target_arch = "wasm32"))]
fn special_kind(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "fifo";
        }
        if file_type.is_socket() {
            return "socket";
        }
        if file_type.is_block_device() {
            return "block device";
        }
        if file_type.is_char_device() {
            return "character device";
        }
    }
    if file_type.is_symlink() { "symlink" } else { "special file" }
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
    fn one_file_is_displayed_as_the_path_given_not_under_itself() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|source| CoreError::Io { path: "tmp".into(), source })?;
        let file = dir.path().join("mlflow.db");
        std::fs::write(&file, b"SQLite format 3\0").unwrap();
        let tree = FileTree::from_path(&file)?;
        assert_eq!(tree.paths().collect::<Vec<_>>(), ["mlflow.db"]);
        assert_eq!(tree.display_path("mlflow.db"), file.display().to_string());
        assert_eq!(tree.display_path("other"), format!("{}/other", file.display()));
        let folder = FileTree::from_path(dir.path())?;
        assert_eq!(folder.display_path("mlflow.db"), format!("{}/mlflow.db", dir.path().display()));
        Ok(())
    }

    /// `mkfifo path`; false when the tool is missing (the test then has nothing to check).
    #[cfg(unix)]
    fn mkfifo(path: &std::path::Path) -> bool {
        std::process::Command::new("mkfifo").arg(path).status().is_ok_and(|s| s.success())
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_as_the_root_is_an_error_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        let pipe = dir.path().join("pipe");
        if !mkfifo(&pipe) {
            return;
        }
        let err = FileTree::from_path(&pipe).unwrap_err().to_string();
        assert!(err.contains("not a regular file or folder (fifo)"), "{err}");
    }

    /// Lossy conversion made both names `a\u{FFFD}.csv`, and one file silently vanished.
    #[cfg(unix)]
    #[test]
    fn non_utf8_names_that_a_lossy_conversion_would_merge_stay_two_files() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [(&b"a\xff.csv"[..], "ff"), (b"a\xfe.csv", "fe")] {
            let path = dir.path().join(std::ffi::OsStr::from_bytes(name));
            if std::fs::write(&path, text).is_err() {
                eprintln!("this file system refuses non-UTF-8 names; nothing to check");
                return;
            }
        }
        let tree = FileTree::from_path(dir.path()).unwrap();
        assert_eq!(tree.paths().collect::<Vec<_>>(), ["a\\xfe.csv", "a\\xff.csv"]);
        assert_eq!(&*tree.read("a\\xff.csv").unwrap(), b"ff");
        assert_eq!(&*tree.read("a\\xfe.csv").unwrap(), b"fe");
        assert!(tree.walk_issues().is_empty(), "{:?}", tree.walk_issues());
    }

    /// A literal `\xff` in a name reads as the escape of a non-UTF-8 byte: one path for two
    /// files. The second is reported, never dropped without a word.
    #[cfg(unix)]
    #[test]
    fn names_that_still_meet_on_one_path_report_the_one_not_loaded() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        if std::fs::write(dir.path().join(std::ffi::OsStr::from_bytes(b"b\xff.csv")), "raw").is_err() {
            return;
        }
        std::fs::write(dir.path().join("b\\xff.csv"), "literal").unwrap();
        let tree = FileTree::from_path(dir.path()).unwrap();
        assert_eq!(tree.paths().collect::<Vec<_>>(), ["b\\xff.csv"]);
        let issues = tree.walk_issues();
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].severity, crate::report::Severity::Skipped);
        assert_eq!(issues[0].path, format!("{}/b\\xff.csv", dir.path().display()));
        assert!(issues[0].reason.contains("once made valid UTF-8"), "{}", issues[0].reason);
    }

    #[test]
    fn missing_root_is_an_error_naming_it() {
        let err = FileTree::from_path(std::path::Path::new("/definitely/not/here")).unwrap_err();
        assert!(err.to_string().contains("/definitely/not/here"), "{err}");
    }
}
