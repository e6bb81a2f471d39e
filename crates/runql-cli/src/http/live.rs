//! What `runql serve --watch` answers besides the portal: the tables as of now, and the
//! rows that changed since a version, for pages that hold the tables already.
//!
//! ```text
//! GET /live/status                    {"version", "data": [table URLs], "report"}
//! GET /live/tables/<V>/<table>.<ext>  the tables of version V (the latest two are kept)
//! GET /live/changes?since=V[&wait=S]  waits up to S seconds (at most 25) for a version
//!                                     after V; {"state": "current" | "changes" | "reload",
//!                                     "version", "removed_runs", "removed_models",
//!                                     "runs_changed", "tables"}
//! GET /live/delta/<V>-<W>/<table>.arrows  the rows of a change, as Arrow IPC streams
//! GET /live/report.json               the load report as of now
//! ```
//!
//! A page loads `data` of `/live/status`, then asks for changes since that version in a
//! loop, and applies each: drop the rows of `removed_runs` and `removed_models`, add the
//! rows of `tables` (runql's `RunTables::replace`). `reload` means its version is too old
//! to catch up from; it loads `/live/status` again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use runql_core::live::{LiveChanges, LiveState, LiveStatus};
use runql_live::{Since, Watch};
use runql_readers::columnar::TableFormat;
use serde::Serialize;

/// The longest a `changes` request waits for a change.
const MAX_WAIT: Duration = Duration::from_secs(25);

/// Changes kept encoded for pages to fetch.
const KEPT_DELTAS: usize = 8;

/// Encoded tables kept per version.
type Encoded = HashMap<String, Bytes>;

/// A change as answered: what `/live/changes` said and its tables' files.
struct KeptChange {
    answer: LiveChanges,
    files: Encoded,
}

/// A change kept for pages, by its `(from, to)` versions.
type KeptDelta = ((u64, u64), Arc<KeptChange>);

/// The watched tables as the server sees them.
pub struct Live {
    watch: Arc<Mutex<Watch>>,
    /// The version after each round that changed something.
    version: tokio::sync::watch::Receiver<u64>,
    format: TableFormat,
    /// The tables of the latest versions `/live/status` named (at most two: a page loading
    /// one version still finds its tables while rounds go on), encoded on first request.
    snapshots: Mutex<Vec<Snapshot>>,
    /// The rows of the latest changes asked for, by `(from, to)`, newest last (pages at
    /// different versions each find theirs).
    deltas: Mutex<Vec<KeptDelta>>,
}

/// A version's tables, as taken when `/live/status` named them, and their files once
/// a page asked for one.
struct Snapshot {
    version: u64,
    tables: runql_core::RunTables,
    encoded: Option<Arc<Encoded>>,
}

/// An answer of a live endpoint: status, content type and bytes.
pub type Answer = (hyper::StatusCode, &'static str, Bytes);

fn json(value: &impl Serialize) -> Answer {
    match serde_json::to_vec(value) {
        Ok(bytes) => (hyper::StatusCode::OK, "application/json", Bytes::from(bytes)),
        Err(e) => error(hyper::StatusCode::INTERNAL_SERVER_ERROR, &format!("cannot write the answer: {e}")),
    }
}

fn error(status: hyper::StatusCode, message: &str) -> Answer {
    (status, "text/plain; charset=utf-8", Bytes::from(message.to_owned()))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave these half-written: each is replaced whole.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Live {
    /// Serves `watch`, whose rounds announce new versions on `version`.
    pub fn new(
        watch: Arc<Mutex<Watch>>,
        version: tokio::sync::watch::Receiver<u64>,
        format: TableFormat,
    ) -> Self {
        Live { watch, version, format, snapshots: Mutex::new(Vec::new()), deltas: Mutex::new(Vec::new()) }
    }

    fn extension(&self) -> &'static str {
        match self.format {
            TableFormat::Parquet => "parquet",
            TableFormat::Arrow => "arrow",
        }
    }

    /// The answer for `path?query`, or None when the path is not a live endpoint.
    pub async fn answer(&self, path: &str, query: &str) -> Option<Answer> {
        let rest = path.strip_prefix("/live/")?;
        Some(match rest {
            "status" => self.status(),
            "report.json" => self.report(),
            "changes" => self.changes(query).await,
            _ => {
                if let Some(file) = rest.strip_prefix("tables/") {
                    // Writing a large version's Parquet takes a while: the runtime moves the
                    // other connections off this thread meanwhile.
                    tokio::task::block_in_place(|| self.table(file))
                } else if let Some(file) = rest.strip_prefix("delta/") {
                    self.delta(file)
                } else {
                    error(hyper::StatusCode::NOT_FOUND, "not found")
                }
            }
        })
    }

    fn status(&self) -> Answer {
        let (version, tables) = {
            let mut watch = lock(&self.watch);
            let version = watch.version();
            match watch.tables() {
                Ok(tables) => (version, tables.clone()),
                Err(e) => return error(hyper::StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
            }
        };
        {
            // The batches are shared, not copied; the tables a page is told about stay
            // there while it fetches them, whatever the rounds do meanwhile.
            let mut snapshots = lock(&self.snapshots);
            if !snapshots.iter().any(|s| s.version == version) {
                snapshots.push(Snapshot { version, tables, encoded: None });
                if snapshots.len() > 2 {
                    snapshots.remove(0);
                }
            }
        }
        let ext = self.extension();
        let data = runql_core::model::schema::TABLE_NAMES
            .iter()
            .map(|name| format!("/live/tables/{version}/{name}.{ext}"))
            .collect();
        json(&LiveStatus { version, data, report: "/live/report.json".into() })
    }

    fn report(&self) -> Answer {
        let report = lock(&self.watch).report();
        match crate::commands::info::report_json(&report, 0.0) {
            Ok(text) => (hyper::StatusCode::OK, "application/json", Bytes::from(text)),
            Err(e) => error(hyper::StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        }
    }

    /// `<V>/<table>.<ext>`: a table of version V (named by `/live/status`), encoded on the
    /// first request for V.
    fn table(&self, file: &str) -> Answer {
        let Some((version, name)) = file.split_once('/').and_then(|(v, n)| Some((v.parse::<u64>().ok()?, n)))
        else {
            return error(hyper::StatusCode::NOT_FOUND, "not found");
        };
        let found = lock(&self.snapshots)
            .iter()
            .find(|s| s.version == version)
            .map(|s| (s.tables.clone(), s.encoded.clone()));
        let Some((tables, encoded)) = found else {
            return error(
                hyper::StatusCode::GONE,
                "these tables changed since; ask /live/status for the current ones",
            );
        };
        let encoded = match encoded {
            Some(encoded) => encoded,
            None => {
                let mut files = Encoded::new();
                let written = runql_readers::columnar::write_tables(
                    &tables,
                    self.format,
                    &mut |name: &str, bytes: &[u8]| {
                        files.insert(name.to_string(), Bytes::copy_from_slice(bytes));
                        Ok(())
                    },
                );
                if let Err(e) = written {
                    return error(
                        hyper::StatusCode::INTERNAL_SERVER_ERROR,
                        &format!("cannot write the tables: {e}"),
                    );
                }
                let encoded = Arc::new(files);
                if let Some(s) = lock(&self.snapshots).iter_mut().find(|s| s.version == version) {
                    s.encoded = Some(Arc::clone(&encoded));
                }
                encoded
            }
        };
        match encoded.get(name) {
            Some(bytes) => (hyper::StatusCode::OK, super::site::content_type(name), bytes.clone()),
            None => error(hyper::StatusCode::NOT_FOUND, "no such table"),
        }
    }

    async fn changes(&self, query: &str) -> Answer {
        let mut since = None;
        let mut wait = MAX_WAIT;
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("since", v)) => since = v.parse::<u64>().ok(),
                Some(("wait", v)) => match v.parse::<f64>() {
                    Ok(s) if s.is_finite() && s >= 0.0 => wait = Duration::from_secs_f64(s).min(MAX_WAIT),
                    _ => return error(hyper::StatusCode::BAD_REQUEST, "wait= takes seconds (0 to 25)"),
                },
                _ => {}
            }
        }
        let Some(since) = since else {
            return error(
                hyper::StatusCode::BAD_REQUEST,
                "changes?since=<version> (the version of /live/status)",
            );
        };
        let mut version = self.version.clone();
        if *version.borrow_and_update() == since {
            // Woken by the next round that changes something, or by the time limit.
            let _ = tokio::time::timeout(wait, version.changed()).await;
        }
        let now = lock(&self.watch).version();
        // Pages at the same version share one computed change.
        if let Some(kept) =
            lock(&self.deltas).iter().find(|(r, _)| *r == (since, now)).map(|(_, k)| Arc::clone(k))
        {
            return json(&kept.answer);
        }
        let (answer, now) = {
            let watch = lock(&self.watch);
            (watch.since(since), watch.version())
        };
        let nothing = |state, version| LiveChanges {
            state,
            version,
            removed_runs: Vec::new(),
            removed_models: Vec::new(),
            runs_changed: 0,
            tables: Vec::new(),
        };
        match answer {
            Since::Current => json(&nothing(LiveState::Current, since)),
            Since::Reload => json(&nothing(LiveState::Reload, now)),
            Since::Changes(change) => {
                let mut files = Encoded::new();
                for (name, batch) in change.added.tables() {
                    match runql_core::transfer::encode_table(name, batch) {
                        Ok(bytes) => files.insert(format!("{name}.arrows"), Bytes::from(bytes)),
                        Err(e) => return error(hyper::StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
                    };
                }
                let (from, to) = (change.from, change.to);
                let answer = LiveChanges {
                    state: LiveState::Changes,
                    version: to,
                    runs_changed: change.runs_changed() as u64,
                    removed_runs: change.removal.run_ids.into_iter().collect(),
                    removed_models: change.removal.model_origins.into_iter().collect(),
                    tables: runql_core::model::schema::TABLE_NAMES
                        .iter()
                        .map(|name| format!("/live/delta/{from}-{to}/{name}.arrows"))
                        .collect(),
                };
                let reply = json(&answer);
                let mut deltas = lock(&self.deltas);
                deltas.retain(|(r, _)| *r != (from, to));
                deltas.push(((from, to), Arc::new(KeptChange { answer, files })));
                if deltas.len() > KEPT_DELTAS {
                    deltas.remove(0);
                }
                reply
            }
        }
    }

    /// `<V>-<W>/<table>.arrows`: a table of the change last described by `changes`.
    fn delta(&self, file: &str) -> Answer {
        let parsed = file.split_once('/').and_then(|(range, name)| {
            let (from, to) = range.split_once('-')?;
            Some(((from.parse::<u64>().ok()?, to.parse::<u64>().ok()?), name))
        });
        let Some((range, name)) = parsed else {
            return error(hyper::StatusCode::NOT_FOUND, "not found");
        };
        let kept = lock(&self.deltas).iter().find(|(r, _)| *r == range).map(|(_, k)| Arc::clone(k));
        match kept.as_ref().and_then(|kept| kept.files.get(name)) {
            Some(bytes) => (hyper::StatusCode::OK, "application/vnd.apache.arrow.stream", bytes.clone()),
            None => error(
                hyper::StatusCode::GONE,
                "this change is no longer kept; ask /live/changes again with your version",
            ),
        }
    }
}
