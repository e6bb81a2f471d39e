//! What the operating system says changed under a watched folder (inotify, FSEvents,
//! ReadDirectoryChangesW, through the `notify` crate), so that a round looks only at those
//! paths instead of listing every file. Where the system cannot tell (too many folders for
//! its watch limit, a network file system, an overflowing event queue), rounds list the
//! files again.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use notify::{Config, Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use runql_core::vfs::utf8_name;

/// What changed since the last look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Changes {
    /// These paths (relative to the folder, as the listing names them) changed, appeared or
    /// went away: files, or folders whose contents are to be listed again.
    Paths(BTreeSet<String>),
    /// The system lost track (its queue overflowed, the watch failed): list every file.
    Unknown,
}

#[derive(Debug, Default)]
struct Pending {
    paths: BTreeSet<String>,
    lost: bool,
}

/// A folder's change events, collected between rounds.
pub(crate) struct Events {
    pending: Arc<Mutex<Pending>>,
    /// Dropping it ends the events.
    _watcher: RecommendedWatcher,
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events").finish_non_exhaustive()
    }
}

/// `path` below one of `roots` (the folder as given, absolute, and with its links resolved:
/// systems report paths in any of these forms) in the listing's names (`a/b/c`), or None
/// when it is below none of them.
fn relative(roots: &[PathBuf], path: &Path) -> Option<String> {
    let rest = roots.iter().find_map(|root| path.strip_prefix(root).ok())?;
    let parts: Vec<String> = rest.components().map(|c| utf8_name(c.as_os_str()).into_owned()).collect();
    Some(parts.join("/"))
}

impl Events {
    /// Starts collecting the events of the folder `root` and everything below it (symlinked
    /// folders are not followed, as the listing does not follow them), or says why the
    /// system cannot.
    pub(crate) fn start(root: &Path) -> Result<Events, String> {
        let pending = Arc::new(Mutex::new(Pending::default()));
        let sink = Arc::clone(&pending);
        let mut bases = vec![root.to_path_buf()];
        bases.extend(std::path::absolute(root).ok());
        bases.extend(root.canonicalize().ok());
        bases.dedup();
        let handler = move |event: notify::Result<Event>| {
            let mut p = sink.lock().unwrap_or_else(PoisonError::into_inner);
            match event {
                // Reading changes nothing (the rounds' own reads would be seen otherwise).
                Ok(event) if matches!(event.kind, EventKind::Access(_)) => {}
                Ok(event) if !event.need_rescan() => {
                    for path in &event.paths {
                        match relative(&bases, path) {
                            // The folder itself: what changes in it names its own path,
                            // unless it went away.
                            Some(rel) if rel.is_empty() => {
                                p.lost |= matches!(event.kind, EventKind::Remove(_))
                            }
                            Some(rel) => {
                                p.paths.insert(rel);
                            }
                            None => p.lost = true,
                        }
                    }
                }
                _ => p.lost = true,
            }
        };
        let config = Config::default().with_follow_symlinks(false);
        let mut watcher = RecommendedWatcher::new(handler, config).map_err(|e| e.to_string())?;
        watcher.watch(root, RecursiveMode::Recursive).map_err(|e| e.to_string())?;
        Ok(Events { pending, _watcher: watcher })
    }

    /// What changed since the last call.
    pub(crate) fn take(&self) -> Changes {
        let mut p = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        let taken = std::mem::take(&mut *p);
        if taken.lost { Changes::Unknown } else { Changes::Paths(taken.paths) }
    }
}
