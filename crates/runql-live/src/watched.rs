//! One watched path ([`WatchedPath`]): its files as last seen, the units its runs were read
//! from, and a round that reads again only the units whose files changed.
//!
//! A **unit** is the folder or file a set of runs comes from: a run's `origin` (an MLflow
//! run folder, a W&B run folder, a TensorBoard run's folder, an `mlflow.db` file, a
//! journal). A changed file belongs to the unit with the longest root above it; a file
//! under no unit starts a new one at its highest folder that holds no unit yet (a new run
//! folder). A unit is read with the small metadata files of the folders above it (an MLflow
//! experiment's `meta.yaml`, an export's `experiment.json`), which are read again with
//! every unit below them when they change.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use runql_core::model::{Removal, RunTables, TablesBuilder};
use runql_core::{CoreError, FileTree, Issue, LoadReport, Severity};
use runql_readers::{LoadOptions, Loaded};

use crate::error::Result;
use crate::events::{Changes, Events};
use crate::scan::{self, Files};
use crate::tail;
use crate::text_column;

/// Files of a folder above a unit that its readers may need: small metadata documents.
fn is_context(path: &str, len: u64) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let doc = [".yaml", ".yml", ".json"].iter().any(|ext| name.ends_with(ext));
    doc && len <= 1 << 20
}

/// With the system's change events, the files are still listed whole every this many rounds:
/// some file systems (network mounts, some containers) drop events.
pub const FULL_LISTING_EVERY: u32 = 60;

/// How long a file cut at its last record must hold still before it is read whole: longer
/// than a writer pauses inside a record, so a run being written never shows a cut record.
pub const CUT_SETTLES_AFTER: std::time::Duration = std::time::Duration::from_secs(10);

/// SQLite's files beside a database, which belong to the database's unit.
const SIDECARS: [&str; 3] = ["-wal", "-shm", "-journal"];

/// `path` is `root` or lies under it (`""` is above everything).
fn within(path: &str, root: &str) -> bool {
    root.is_empty() || path == root || path.strip_prefix(root).is_some_and(|rest| rest.starts_with('/'))
}

/// The folder of `path` (`""` at the top).
fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// The folders above `path`, nearest first, ending with `""`.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut next = (!path.is_empty()).then_some(path);
    std::iter::from_fn(move || {
        let current = next?;
        next = if current.is_empty() { None } else { Some(parent(current)) };
        Some(current)
    })
    .skip(1)
}

/// How a round finds what changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Discovery {
    /// From the system's change events where it gives them (a change is seen by the first
    /// round after its event arrives), else by listing the files.
    #[default]
    Events,
    /// By listing every file each round: a change is seen by the next round, always.
    Listing,
}

/// What a round saw, for reading its units: the files now, those that changed, the sizes
/// they had, the metadata files by folder, and the units read this round.
#[derive(Clone, Copy)]
struct Seen<'a> {
    now: &'a Files,
    changed: &'a BTreeSet<&'a str>,
    before: &'a BTreeMap<String, Option<u64>>,
    context: &'a BTreeMap<&'a str, Vec<&'a str>>,
    targets: &'a BTreeSet<String>,
}

/// What a unit holds and what its last read found.
#[derive(Debug, Clone, Default)]
struct Unit {
    run_ids: BTreeSet<String>,
    model_origins: BTreeSet<String>,
    /// Problems the last read of the unit found in its files.
    issues: Vec<Issue>,
    /// The unit's files have not changed since that read, so its problems are not a
    /// writer's half-written state: they are reported.
    settled: bool,
}

/// What one round changed in a watched path's tables.
#[derive(Debug, Clone)]
pub struct PathChange {
    /// Rows that went (the old rows of every unit read again).
    pub removal: Removal,
    /// Rows that came (the units as they were read now).
    pub added: RunTables,
    /// Units read again.
    pub units_read: usize,
    /// Files read (context files included).
    pub files_read: usize,
    /// Bytes read.
    pub bytes_read: u64,
}

/// A folder or file whose runs are kept up to date as their files change.
#[derive(Debug)]
pub struct WatchedPath {
    root: PathBuf,
    /// The name its tree has in reports and origins.
    origin: String,
    /// The file's name when a single file is watched.
    single_file: Option<String>,
    files: Files,
    /// The system's change events for the folder, when it gives them; else every round
    /// lists the files.
    events: Option<Events>,
    /// Why there are no events (shown to the user), when there are none for a folder.
    events_missing: Option<String>,
    /// Rounds since the files were last listed whole.
    rounds_since_listing: u32,
    /// The last round listed every file (not only what the events named).
    listed_all: bool,
    /// How long the last round took to find what changed.
    looked: std::time::Duration,
    units: BTreeMap<String, Unit>,
    /// Folders read that held no runs (yet): their problems, kept apart from the units so
    /// that they own no files (a metadata file there stays the context of runs below).
    looked_at: BTreeMap<String, Unit>,
    /// Files read only up to their last whole record or line: the length taken (the next
    /// round's "grew from a line end" is judged from it).
    taken: BTreeMap<String, u64>,
    /// Units read with a file cut at its last record, and when: read whole once they held
    /// still for [`CUT_SETTLES_AFTER`].
    cut_units: BTreeMap<String, std::time::Instant>,
    /// Problems of the first load that no unit holds (walk problems, stray files).
    base_issues: Vec<Issue>,
    /// The first load's report, for its counts.
    first_report: LoadReport,
    max_wide_columns: usize,
}

impl WatchedPath {
    /// Loads `root` (a folder or a file) as `runql_readers::load` does and starts watching
    /// it. A folder with no run data yet is watched too: its runs appear as they are
    /// written.
    ///
    /// # Errors
    /// [`crate::LiveError::Io`] when `root` cannot be read; [`crate::LiveError::Core`] when
    /// the load fails for another reason than finding no run data.
    pub fn open(
        root: &Path,
        options: &LoadOptions<'_>,
        discovery: Discovery,
    ) -> Result<(WatchedPath, Loaded)> {
        // Events first: a change while the files are listed and loaded is not missed.
        let is_dir = std::fs::metadata(root).is_ok_and(|m| m.is_dir());
        let wanted = is_dir && discovery == Discovery::Events;
        let (events, events_missing) = match wanted.then(|| Events::start(root)) {
            Some(Ok(events)) => (Some(events), None),
            Some(Err(why)) => (None, Some(why)),
            None => (None, None),
        };
        let files = scan::scan(root)?;
        let tree = FileTree::from_path(root)?;
        let origin = tree.origin().to_string();
        let single_file = std::fs::metadata(root)
            .is_ok_and(|m| m.is_file())
            .then(|| files.keys().next().cloned())
            .flatten();
        let loaded = match runql_readers::load(&[tree], options) {
            Ok(loaded) => loaded,
            Err(CoreError::NoRunData { .. }) => {
                Loaded { tables: TablesBuilder::new().finish()?, report: LoadReport::default() }
            }
            Err(e) => return Err(e.into()),
        };
        let mut watched = WatchedPath {
            root: root.to_path_buf(),
            origin,
            single_file,
            files,
            events,
            events_missing,
            rounds_since_listing: 0,
            listed_all: false,
            looked: std::time::Duration::ZERO,
            units: BTreeMap::new(),
            looked_at: BTreeMap::new(),
            taken: BTreeMap::new(),
            cut_units: BTreeMap::new(),
            base_issues: Vec::new(),
            first_report: loaded.report.clone(),
            max_wide_columns: options.max_wide_columns,
        };
        let _ = watched.adopt(&loaded.tables, None);
        for issue in loaded.report.issues() {
            let unit = watched.rel(&issue.path).and_then(|rel| watched.unit_of(&rel));
            match unit.and_then(|u| watched.units.get_mut(&u)) {
                Some(unit) => unit.issues.push(issue.clone()),
                None => watched.base_issues.push(issue.clone()),
            }
        }
        for unit in watched.units.values_mut() {
            unit.settled = true;
        }
        Ok((watched, loaded))
    }

    /// The path watched.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The path inside the watched one that a display path (`origin/…`) names.
    fn rel(&self, shown: &str) -> Option<String> {
        if shown == self.origin {
            return Some(String::new());
        }
        let prefix = format!("{}/", self.origin.trim_end_matches('/'));
        shown.strip_prefix(&prefix).map(str::to_string)
    }

    /// The unit `path` belongs to: the longest unit root above it (or its database's).
    fn unit_of(&self, path: &str) -> Option<String> {
        let found = std::iter::once(path)
            .chain(ancestors(path))
            .find(|a| self.units.contains_key(*a))
            .map(str::to_string);
        found.or_else(|| {
            let db = SIDECARS.iter().find_map(|s| path.strip_suffix(s))?;
            self.units.contains_key(db).then(|| db.to_string())
        })
    }

    /// Where a new unit for `path` (in no unit) starts: its highest folder above which
    /// and below which no unit is.
    fn new_unit_root(&self, path: &str) -> String {
        let mut chain: Vec<&str> = ancestors(path).collect();
        chain.reverse();
        chain.push(path);
        let free = |a: &&str| !self.units.keys().any(|u| within(u, a));
        chain.into_iter().find(free).unwrap_or(path).to_string()
    }

    /// Records which unit every run and model of `tables` comes from; `read` is the unit
    /// root just read (its issues are `issues`, spread over the units they fall in).
    fn adopt(&mut self, tables: &RunTables, read: Option<(&str, Vec<Issue>)>) -> BTreeSet<String> {
        let mut touched = BTreeSet::new();
        let runs = &tables.runs;
        let (ids, origins) = (text_column(runs, "run_id"), text_column(runs, "origin"));
        for (id, origin) in ids.iter().zip(&origins) {
            let root = self.rel(origin).unwrap_or_default();
            self.units.entry(root.clone()).or_default().run_ids.insert((*id).to_string());
            touched.insert(root);
        }
        for origin in text_column(&tables.models, "origin") {
            let root = self.rel(origin).unwrap_or_default();
            self.units.entry(root.clone()).or_default().model_origins.insert(origin.to_string());
            touched.insert(root);
        }
        if let Some((root, issues)) = read {
            self.looked_at.remove(root);
            for issue in issues {
                let unit = self.rel(&issue.path).and_then(|rel| self.unit_of(&rel));
                match unit.and_then(|u| self.units.get_mut(&u)) {
                    Some(unit) => unit.issues.push(issue),
                    None => self.looked_at.entry(root.to_string()).or_default().issues.push(issue),
                }
            }
            if self.looked_at.contains_key(root) {
                touched.insert(root.to_string());
            }
        }
        touched
    }

    /// Looks at the files again and reads the units whose files changed. `None` when
    /// nothing changed. Units whose files stayed the same since their last read have their
    /// problems reported from now on.
    ///
    /// # Errors
    /// [`crate::LiveError::Io`] when the watched path itself cannot be listed (it was
    /// removed, say); the tables stay as they were and the next round tries again.
    pub fn round(&mut self) -> Result<Option<PathChange>> {
        let started = std::time::Instant::now();
        let (now, changed, before) = self.look()?;
        self.looked = started.elapsed();
        let mut targets: BTreeSet<String> = BTreeSet::new();
        for path in &changed {
            let len =
                now.get(path).map(|s| s.len).or_else(|| before.get(path).copied().flatten()).unwrap_or(0);
            match self.unit_of(path) {
                Some(unit) => {
                    targets.insert(unit);
                }
                None if is_context(path, len) => {
                    // A metadata file above units is part of each of them (and owned by
                    // none); with no unit below it yet, the runs that come later read it.
                    let dir = parent(path);
                    let below: Vec<String> =
                        self.units.keys().filter(|u| *u != dir && within(u, dir)).cloned().collect();
                    if below.is_empty() {
                        targets.insert(self.new_unit_root(path));
                    }
                    targets.extend(below);
                }
                None => {
                    targets.insert(self.new_unit_root(path));
                }
            }
        }
        // Whatever was not read this round has held still since it was read; a unit read
        // with a file cut at its last record is read whole once it held still long enough
        // (a writer that stopped there, crashed, left that record cut: a load of the folder
        // says so too).
        for (root, unit) in &mut self.units {
            if !targets.contains(root) {
                unit.settled = true;
            }
        }
        for unit in self.looked_at.values_mut() {
            unit.settled = true;
        }
        let settle: Vec<String> = self
            .cut_units
            .iter()
            .filter(|(u, since)| !targets.contains(*u) && since.elapsed() >= CUT_SETTLES_AFTER)
            .map(|(u, _)| u.clone())
            .collect();
        targets.extend(settle);
        if targets.is_empty() {
            self.files = now;
            return Ok(None);
        }
        let changed: BTreeSet<&str> = changed.iter().map(String::as_str).collect();
        let mut change = PathChange {
            removal: Removal::default(),
            added: TablesBuilder::new().finish()?,
            units_read: 0,
            files_read: 0,
            bytes_read: 0,
        };
        let context = self.context_files(&now);
        let mut read = Ok(());
        for target in &targets {
            let seen =
                Seen { now: &now, changed: &changed, before: &before, context: &context, targets: &targets };
            read = self.read_unit(target, &seen, &mut change);
            if read.is_err() {
                break;
            }
        }
        drop(context);
        // Kept also when a read failed: the next round compares with what was seen now.
        self.files = now;
        read.map(|()| Some(change))
    }

    /// The files now, the paths that changed since the last round, and the sizes those had
    /// then (None: not there). With the system's events only the paths they name are looked
    /// at; the files are listed whole without them, when the system lost track, and every
    /// [`FULL_LISTING_EVERY`] rounds (events can be missed on some file systems).
    #[allow(clippy::type_complexity)]
    fn look(&mut self) -> Result<(Files, Vec<String>, BTreeMap<String, Option<u64>>)> {
        let mut files = std::mem::take(&mut self.files);
        let by_events = match &self.events {
            Some(events) if self.rounds_since_listing < FULL_LISTING_EVERY => match events.take() {
                Changes::Paths(paths) => {
                    let sizes = scan::sizes(&files, &paths);
                    scan::update(&self.root, &mut files, &paths).map(|changed| {
                        let before = changed.iter().map(|p| (p.clone(), sizes.get(p).copied())).collect();
                        (changed, before)
                    })
                }
                Changes::Unknown => None,
            },
            _ => None,
        };
        if let Some((changed, before)) = by_events {
            self.rounds_since_listing += 1;
            self.listed_all = false;
            return Ok((files, changed, before));
        }
        self.listed_all = true;
        let now = match scan::scan(&self.root) {
            Ok(now) => now,
            Err(e) => {
                self.files = files;
                return Err(e);
            }
        };
        self.rounds_since_listing = 0;
        let changed: Vec<String> = scan::changed(&files, &now).into_iter().map(str::to_string).collect();
        let before = changed.iter().map(|p| (p.clone(), files.get(p).map(|s| s.len))).collect();
        Ok((now, changed, before))
    }

    /// Whether the last round listed every file (no events, lost events, the periodic
    /// listing) rather than looking only at what the events named.
    pub fn listed_all(&self) -> bool {
        self.listed_all
    }

    /// How long the last round took to find what changed (listing the files or looking at
    /// what the events named).
    pub fn looked(&self) -> std::time::Duration {
        self.looked
    }

    /// Why the system gives no change events for this folder (then every round lists its
    /// files), when it gives none.
    pub fn events_missing(&self) -> Option<&str> {
        self.events_missing.as_deref()
    }

    /// Metadata files in no unit, by the folder they are in: what the units below read with
    /// them.
    fn context_files<'a>(&self, now: &'a Files) -> BTreeMap<&'a str, Vec<&'a str>> {
        let mut out: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (path, state) in now {
            if is_context(path, state.len) && self.unit_of(path).is_none() {
                out.entry(parent(path)).or_default().push(path.as_str());
            }
        }
        out
    }

    /// Reads the unit at `root` again into `change`: its own files (those under it that no
    /// unit below it holds, and a database's sidecars) and the metadata files above it.
    fn read_unit(&mut self, root: &str, seen: &Seen<'_>, change: &mut PathChange) -> Result<()> {
        let Seen { now, changed, before, context, targets } = *seen;
        let mut tree = match &self.single_file {
            Some(name) => FileTree::new_single_file(self.origin.clone(), name),
            None => FileTree::new(self.origin.clone()),
        };
        let own = |path: &str| {
            let in_root = within(path, root) || SIDECARS.iter().any(|s| path.strip_suffix(s) == Some(root));
            in_root && self.unit_of(path).is_none_or(|u| u == root)
        };
        // Paths under `root` (and its sidecars) sort right after it.
        let mut wanted: Vec<(&str, bool)> = now
            .range::<str, _>((std::ops::Bound::Included(root), std::ops::Bound::Unbounded))
            .map(|(path, _)| path.as_str())
            .take_while(|path| path.starts_with(root))
            .filter(|path| own(path))
            .map(|path| (path, true))
            .collect();
        for dir in ancestors(root) {
            let above = context.get(dir).into_iter().flatten().filter(|p| !within(p, root));
            wanted.extend(above.map(|p| (*p, false)));
        }
        let mut own_files_changed = false;
        let mut cut = false;
        for (path, mine) in wanted {
            let Some(state) = now.get(path) else { continue };
            change.files_read += 1;
            // A file being written is read now, to take it up to its last whole record; the
            // others (checkpoints and media among them) are read by the readers if at all.
            let before = self.taken.get(path).copied().or_else(|| before.get(path).copied().flatten());
            if !(changed.contains(path) && tail::may_cut(path, &state.path, before, state.len)) {
                self.taken.remove(path);
                own_files_changed |= mine && changed.contains(path);
                tree.insert_file(path, state.path.clone(), state.len);
                continue;
            }
            own_files_changed |= mine;
            // A file that went away between the listing and now is gone in the next one.
            let Ok(mut bytes) = std::fs::read(&state.path) else { continue };
            let whole = bytes.len();
            bytes.truncate(tail::complete_len(path, &bytes, before));
            if bytes.len() < whole {
                cut = true;
                self.taken.insert(path.to_string(), bytes.len() as u64);
            } else {
                self.taken.remove(path);
            }
            change.bytes_read += bytes.len() as u64;
            tree.insert(path, bytes);
        }
        if cut {
            self.cut_units.insert(root.to_string(), std::time::Instant::now());
        } else {
            self.cut_units.remove(root);
        }
        change.units_read += 1;
        let options = LoadOptions { progress: None, max_wide_columns: self.max_wide_columns };
        let (tables, issues) = match runql_readers::load(&[tree], &options) {
            Ok(loaded) => (loaded.tables, loaded.report.issues().to_vec()),
            Err(CoreError::NoRunData { .. }) => (TablesBuilder::new().finish()?, Vec::new()),
            Err(e) => {
                let issue = Issue {
                    severity: Severity::Skipped,
                    path: tree_path(&self.origin, root),
                    line: None,
                    offset: None,
                    reason: e.to_string(),
                };
                (TablesBuilder::new().finish()?, vec![issue])
            }
        };
        // The old rows of this unit go.
        if let Some(old) = self.units.remove(root) {
            change.removal.run_ids.extend(old.run_ids);
            change.removal.model_origins.extend(old.model_origins);
        }
        // Runs read from the files above (context) or owned by another unit are not this
        // unit's; a run id another unit holds already is reported, not loaded twice.
        // Units read this round are not owners: a run that moved from one to another (a
        // renamed folder) is not a duplicate of itself.
        let owners: BTreeMap<&str, &str> = self
            .units
            .iter()
            .filter(|(u, _)| !targets.contains(*u))
            .flat_map(|(u, unit)| unit.run_ids.iter().map(move |id| (id.as_str(), u.as_str())))
            .collect();
        let mut drop = Removal::default();
        let mut issues: Vec<Issue> =
            issues.into_iter().filter(|i| self.rel(&i.path).is_some_and(|p| within(&p, root))).collect();
        for (id, origin) in
            text_column(&tables.runs, "run_id").into_iter().zip(text_column(&tables.runs, "origin"))
        {
            let rel = self.rel(origin).unwrap_or_default();
            let outside = !within(&rel, root) || self.unit_of(&rel).is_some_and(|u| within(&u, root));
            if outside {
                drop.run_ids.insert(id.to_string());
            } else if let Some(other) = owners.get(id) {
                issues.push(Issue {
                    severity: Severity::Skipped,
                    path: origin.to_string(),
                    line: None,
                    offset: None,
                    reason: format!(
                        "duplicate run id {id} (first loaded from {})",
                        tree_path(&self.origin, other)
                    ),
                });
                drop.run_ids.insert(id.to_string());
            }
        }
        for origin in text_column(&tables.models, "origin") {
            if !self.rel(origin).is_some_and(|rel| within(&rel, root)) {
                drop.model_origins.insert(origin.to_string());
            }
        }
        let tables = if drop.is_empty() {
            tables
        } else {
            tables.replace(&drop, &TablesBuilder::new().finish()?, self.max_wide_columns)?.0
        };
        for unit_root in self.adopt(&tables, Some((root, issues))) {
            if let Some(unit) = self.units.get_mut(&unit_root) {
                unit.settled = !own_files_changed;
            }
        }
        change.added = change.added.replace(&Removal::default(), &tables, self.max_wide_columns)?.0;
        Ok(())
    }

    /// The load report as of now: the first load's counts, and the problems of every unit
    /// as last read (a unit being written reports its problems once it holds still).
    pub fn report(&self) -> LoadReport {
        let mut report = LoadReport::default();
        report.formats.clone_from(&self.first_report.formats);
        report.files_read = self.first_report.files_read;
        report.bytes_read = self.first_report.bytes_read;
        report.ignored.clone_from(&self.first_report.ignored);
        for issue in &self.base_issues {
            report.push(issue.clone());
        }
        for unit in self.units.values().chain(self.looked_at.values()).filter(|u| u.settled) {
            for issue in &unit.issues {
                report.push(issue.clone());
            }
        }
        report
    }

    /// Units whose files changed in the last round they were read in: their problems wait.
    pub fn unsettled(&self) -> usize {
        self.units.values().chain(self.looked_at.values()).filter(|u| !u.settled).count()
    }

    /// Units known (folders and files runs come from, and folders looked at).
    pub fn units(&self) -> usize {
        self.units.len()
    }
}

/// The display path of `rel` in a tree named `origin`.
fn tree_path(origin: &str, rel: &str) -> String {
    if rel.is_empty() { origin.to_string() } else { format!("{}/{rel}", origin.trim_end_matches('/')) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_relate_by_folder() {
        assert!(within("0/abc/metrics/loss", "0/abc"));
        assert!(within("0/abc", "0/abc"));
        assert!(!within("0/abcd/x", "0/abc"));
        assert!(within("anything", ""));
        assert_eq!(ancestors("0/abc/metrics").collect::<Vec<_>>(), ["0/abc", "0", ""]);
        assert_eq!(ancestors("x").collect::<Vec<_>>(), [""]);
        assert!(ancestors("").next().is_none());
        assert!(is_context("0/meta.yaml", 200));
        assert!(!is_context("debug.log", 200));
        assert!(!is_context("big.json", 2 << 20));
    }
}
