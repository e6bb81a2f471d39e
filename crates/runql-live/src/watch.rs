//! [`Watch`]: the watched paths together — one set of tables, a version that counts the
//! rounds that changed something, and the changes since any recent version for clients
//! that hold the tables already.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use runql_core::LoadReport;
use runql_core::model::{Removal, RunTables, TablesBuilder};
use runql_readers::{LoadOptions, Loaded};

use crate::counts::RowCounts;
use crate::error::Result;
use crate::watched::{Discovery, WatchedPath};

/// How many changes are kept for clients that ask what changed since a version (about four
/// minutes of rounds every 0.25 s); a client further behind loads the tables again.
pub const KEPT_CHANGES: usize = 1024;

/// The most metric points the kept changes hold together (each holds every point of the
/// runs it changed): older changes go first.
pub const KEPT_POINTS: usize = 10_000_000;

/// The rows that changed between two versions: apply with [`RunTables::replace`].
#[derive(Debug, Clone)]
pub struct Change {
    /// The version the change starts from.
    pub from: u64,
    /// The version it leads to.
    pub to: u64,
    /// Rows that went.
    pub removal: Removal,
    /// Rows that came (every row of each changed run as it is now).
    pub added: RunTables,
}

impl Change {
    /// Runs whose rows were replaced, added or removed.
    pub fn runs_changed(&self) -> usize {
        let mut ids: std::collections::BTreeSet<&str> =
            self.removal.run_ids.iter().map(String::as_str).collect();
        ids.extend(crate::text_column(&self.added.runs, "run_id"));
        ids.len()
    }
}

/// What a client at some version needs.
#[derive(Debug, Clone)]
pub enum Since {
    /// It is up to date.
    Current,
    /// These rows changed since (boxed: a change holds seven tables).
    Changes(Box<Change>),
    /// Its version is older than the kept changes (or newer than any): it loads the
    /// tables again.
    Reload,
}

/// What one round did.
#[derive(Debug, Clone, Default)]
pub struct Round {
    /// The version after the round (the same as before when nothing changed).
    pub version: u64,
    /// Units read again.
    pub units_read: usize,
    /// Files read.
    pub files_read: usize,
    /// Bytes read.
    pub bytes_read: u64,
    /// Runs whose rows were replaced, added or removed.
    pub runs_changed: usize,
    /// How long the round took, finding what changed included.
    pub elapsed: Duration,
    /// Of `elapsed`, finding what changed.
    pub looked: Duration,
    /// Some path's files were all listed (no change events for it, events lost, or the
    /// periodic listing), not only those its events named.
    pub listed_all: bool,
    /// Paths that could not be looked at this round, and why (they are tried again).
    pub errors: Vec<String>,
}

/// Folders and files whose tables follow their runs as they are written.
///
/// ```
/// use runql_live::{Discovery, Watch};
/// use runql_readers::LoadOptions;
/// let dir = tempfile::tempdir()?;
/// let run = dir.path().join("0/r1");
/// std::fs::create_dir_all(run.join("metrics"))?;
/// std::fs::write(dir.path().join("0/meta.yaml"), "artifact_location: x\nexperiment_id: '0'\nlifecycle_stage: active\nname: Default\n")?;
/// std::fs::write(run.join("meta.yaml"), "run_id: r1\nexperiment_id: '0'\nstatus: 1\nstart_time: 1\nend_time: 2\n")?;
/// std::fs::write(run.join("metrics/loss"), "1000 0.9 0\n")?;
/// // Listing the files each round sees every change at the next round (the default, the
/// // system's events, sees it once its event has arrived).
/// let paths = [dir.path().to_path_buf()];
/// let (mut watch, _first) = Watch::open_with(&paths, &LoadOptions::default(), Discovery::Listing)?;
/// assert_eq!(watch.tables()?.metrics.num_rows(), 1);
///
/// // The run logs a point (and starts the next line).
/// std::fs::write(run.join("metrics/loss"), "1000 0.9 0\n1001 0.7 1\n1002 0.")?;
/// let round = watch.round();
/// assert_eq!((round.version, round.units_read), (1, 1));
/// assert_eq!(watch.tables()?.metrics.num_rows(), 2);
/// assert_eq!(watch.counts().metrics, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Watch {
    paths: Vec<WatchedPath>,
    /// The tables as of the last merge.
    tables: RunTables,
    /// What changed since, as one change: merged when the tables are asked for, so that a
    /// round costs what changed, not a copy of every table.
    unmerged: Option<(Removal, RunTables)>,
    counts: RowCounts,
    version: u64,
    history: VecDeque<Change>,
    max_wide_columns: usize,
}

impl Watch {
    /// Loads every path (folders or files) and starts watching them; also returns the
    /// first load, as [`runql_readers::load`] would give it.
    ///
    /// # Errors
    /// As [`WatchedPath::open`].
    pub fn open(paths: &[PathBuf], options: &LoadOptions<'_>) -> Result<(Watch, Loaded)> {
        Self::open_with(paths, options, Discovery::Events)
    }

    /// [`Watch::open`], finding changes as `discovery` says.
    ///
    /// # Errors
    /// As [`WatchedPath::open`].
    pub fn open_with(
        paths: &[PathBuf],
        options: &LoadOptions<'_>,
        discovery: Discovery,
    ) -> Result<(Watch, Loaded)> {
        let mut watched = Vec::with_capacity(paths.len());
        let mut tables = TablesBuilder::new().finish()?;
        let mut report = LoadReport::default();
        for path in paths {
            let (w, loaded) = WatchedPath::open(path, options, discovery)?;
            tables = tables.replace(&Removal::default(), &loaded.tables, options.max_wide_columns)?.0;
            report.merge(loaded.report);
            watched.push(w);
        }
        report.rows = tables.counts();
        let watch = Watch {
            paths: watched,
            counts: RowCounts::of(&tables),
            tables: tables.clone(),
            unmerged: None,
            version: 0,
            history: VecDeque::new(),
            max_wide_columns: options.max_wide_columns,
        };
        Ok((watch, Loaded { tables, report }))
    }

    /// Looks at every path once and reads again what changed. A path that cannot be
    /// listed this round is named in [`Round::errors`] and tried again the next.
    pub fn round(&mut self) -> Round {
        let started = Instant::now();
        let mut round = Round::default();
        let mut removal = Removal::default();
        let mut added: Option<RunTables> = None;
        for path in &mut self.paths {
            let outcome = path.round();
            round.listed_all |= path.listed_all();
            round.looked += path.looked();
            match outcome {
                Ok(None) => {}
                Ok(Some(change)) => {
                    round.units_read += change.units_read;
                    round.files_read += change.files_read;
                    round.bytes_read += change.bytes_read;
                    removal.extend(&change.removal);
                    added = Some(match added {
                        None => change.added,
                        Some(so_far) => {
                            match so_far.replace(&Removal::default(), &change.added, self.max_wide_columns) {
                                Ok((t, _)) => t,
                                Err(e) => {
                                    round.errors.push(format!("{}: {e}", path.root().display()));
                                    so_far
                                }
                            }
                        }
                    });
                }
                Err(e) => round.errors.push(e.to_string()),
            }
        }
        if let Some(added) = added {
            let unmerged = match self.unmerged.take() {
                None => Ok((removal.clone(), added.clone())),
                Some((mut so_far, rows)) => {
                    rows.replace(&removal, &added, self.max_wide_columns).map(|(rows, _)| {
                        so_far.extend(&removal);
                        (so_far, rows)
                    })
                }
            };
            match unmerged {
                Ok(unmerged) => {
                    self.unmerged = Some(unmerged);
                    self.counts.remove(&removal);
                    self.counts.add(&added);
                    self.version += 1;
                    let change = Change { from: self.version - 1, to: self.version, removal, added };
                    round.runs_changed = change.runs_changed();
                    self.history.push_back(change);
                    let mut points: usize = self.history.iter().map(|c| c.added.metrics.num_rows()).sum();
                    while self.history.len() > 1
                        && (self.history.len() > KEPT_CHANGES || points > KEPT_POINTS)
                    {
                        if let Some(old) = self.history.pop_front() {
                            points -= old.added.metrics.num_rows();
                        }
                    }
                }
                Err(e) => round.errors.push(format!("merging the changed runs: {e}")),
            }
        }
        round.version = self.version;
        round.elapsed = started.elapsed();
        round
    }

    /// The tables as of the last round (the changes since the last call are merged now:
    /// a copy of the tables, which rounds do not make).
    ///
    /// # Errors
    /// [`crate::LiveError::Core`] when the changed rows cannot be merged (not expected: they
    /// come from the same readers); the tables stay as of the last merge then.
    pub fn tables(&mut self) -> Result<&RunTables> {
        if let Some((removal, added)) = self.unmerged.take() {
            self.tables = self.tables.replace(&removal, &added, self.max_wide_columns)?.0;
        }
        Ok(&self.tables)
    }

    /// Row counts of the tables as of the last round.
    pub fn counts(&self) -> runql_core::TableCounts {
        self.counts.total()
    }

    /// How many rounds changed something since the first load.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// What a client holding the tables of `version` needs to be current: the changes of
    /// every round since, as one.
    pub fn since(&self, version: u64) -> Since {
        if version == self.version {
            return Since::Current;
        }
        let oldest = self.history.front().map_or(self.version, |c| c.from);
        if version > self.version || version < oldest {
            return Since::Reload;
        }
        let mut removal = Removal::default();
        let mut added: Option<RunTables> = None;
        for change in self.history.iter().filter(|c| c.from >= version) {
            removal.extend(&change.removal);
            added = Some(match added {
                None => change.added.clone(),
                Some(so_far) => match so_far.replace(&change.removal, &change.added, self.max_wide_columns) {
                    Ok((t, _)) => t,
                    Err(_) => return Since::Reload,
                },
            });
        }
        match added {
            Some(added) => {
                Since::Changes(Box::new(Change { from: version, to: self.version, removal, added }))
            }
            None => Since::Reload,
        }
    }

    /// The load report as of now: the first load's counts, every unit's problems as last
    /// read, and the tables' row counts.
    pub fn report(&self) -> LoadReport {
        let mut report = LoadReport::default();
        for path in &self.paths {
            report.merge(path.report());
        }
        report.rows = self.counts.total();
        report
    }

    /// The watched folders for which the system gives no change events, and why (their
    /// rounds list every file).
    pub fn without_events(&self) -> Vec<(&std::path::Path, &str)> {
        self.paths.iter().filter_map(|p| Some((p.root(), p.events_missing()?))).collect()
    }

    /// Units whose problems wait for their files to hold still.
    pub fn unsettled(&self) -> usize {
        self.paths.iter().map(WatchedPath::unsettled).sum()
    }
}
