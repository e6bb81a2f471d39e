//! Reading a running MLflow tracking server: its REST API's answers, kept as the JSON files
//! runql's MLflow JSON reader loads (`runql_readers::mlflow::json`).
//!
//! What is asked, in order:
//! 1. `experiments/search` (active experiments, 1,000 a page) → experiment names
//!    (`runs.project`);
//! 2. `runs/search` over all of them (active runs, 1,000 a page) → runs with params, tags
//!    and the latest value of each metric;
//! 3. each metric's full history: `metrics/get-history-bulk` (the endpoint MLflow's own UI
//!    uses; up to 100 runs and 25,000 points an answer) where the server has it, else — and
//!    for any answer that may have been cut at 25,000 points — `metrics/get-history` per run
//!    and key, page by page; several requests at once;
//! 4. the model registry: `registered-models/search` (aliases) and `model-versions/search`,
//!    and MLflow 3's `logged-models/search`, each where the server has it.
//!
//! Files in the tree (its origin is the server's address): `experiments/search-page-0001.json`,
//! `runs/search-page-0001.json`, `metrics/bulk/<n>.json`, `metrics/<run_id>/<n>-page-0001.json`,
//! `registered-models/…`, `model-versions/…`, `logged-models/…`.

mod history;
mod models;
mod search;

use std::sync::atomic::{AtomicU64, Ordering};

use runql_core::vfs::FileTree;

use crate::client::{Client, Response, Retry};
use crate::error::{RemoteError, Result};
use crate::settings::ClientSettings;

/// Runs and experiments asked for per page (the server's largest page is 50,000 runs; 1,000
/// is what MLflow's client asks for).
pub const SEARCH_PAGE: u32 = 1000;
/// Points asked for per history page, and the most a bulk answer holds (the server's cap).
pub const HISTORY_PAGE: usize = 25_000;

/// Where a fetch is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// `experiments/search`.
    Experiments,
    /// `runs/search`.
    Runs,
    /// Metric histories.
    Histories,
    /// The model registry and logged models.
    Models,
}

impl Stage {
    /// A word for progress bars: `experiments`, `runs`, `histories`, `models`.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Experiments => "experiments",
            Stage::Runs => "runs",
            Stage::Histories => "histories",
            Stage::Models => "models",
        }
    }
}

/// Progress of a fetch: requests of this stage answered and planned (`total` is 0 while
/// unknown, as for paged searches), and bytes received so far over all stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchProgress {
    /// The stage.
    pub stage: Stage,
    /// Requests of the stage answered.
    pub done: u64,
    /// Requests of the stage planned, 0 while unknown.
    pub total: u64,
    /// Bytes received so far.
    pub bytes: u64,
}

/// How to fetch.
pub struct FetchOptions<'a> {
    /// Credentials, time limits, retries.
    pub settings: ClientSettings,
    /// History requests in flight at once (default 4; a default `mlflow server` runs 4
    /// workers).
    pub connections: usize,
    /// Called after each answered request.
    pub progress: Option<&'a (dyn Fn(FetchProgress) + Sync)>,
    /// Called before a failed request is tried again (after a back-off wait).
    pub on_retry: Option<&'a (dyn Fn(&Retry) + Sync)>,
    /// Experiments, runs and models asked for per page ([`SEARCH_PAGE`]).
    pub search_page: u32,
    /// History points asked for per page, and the count at which a bulk answer is taken as
    /// cut off ([`HISTORY_PAGE`], the server's cap; smaller values only make more requests).
    pub history_page: usize,
}

impl std::fmt::Debug for FetchOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchOptions")
            .field("settings", &self.settings)
            .field("connections", &self.connections)
            .finish_non_exhaustive()
    }
}

impl Default for FetchOptions<'_> {
    fn default() -> Self {
        FetchOptions {
            settings: ClientSettings::default(),
            connections: 4,
            progress: None,
            on_retry: None,
            search_page: SEARCH_PAGE,
            history_page: HISTORY_PAGE,
        }
    }
}

/// A request that failed without stopping the fetch (a history of a run deleted meanwhile, a
/// registry the server refuses): the rest is loaded, and this goes into the load report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `GET <url>`.
    pub request: String,
    /// What went wrong.
    pub reason: String,
}

/// What a fetch brought.
#[derive(Debug)]
pub struct Fetched {
    /// The answers as files, for `runql_readers::load`.
    pub tree: FileTree,
    /// Requests answered.
    pub requests: u64,
    /// Bytes received.
    pub bytes: u64,
    /// Requests that failed; what they would have brought is missing.
    pub problems: Vec<Problem>,
    /// Endpoints this server does not have (so what they serve is absent), e.g.
    /// `logged-models/search (MLflow 3)`.
    pub missing_endpoints: Vec<String>,
}

/// Counts requests and bytes, and reports progress.
pub(super) struct Meter<'a> {
    requests: AtomicU64,
    bytes: AtomicU64,
    progress: Option<&'a (dyn Fn(FetchProgress) + Sync)>,
}

impl Meter<'_> {
    /// Counts an answered request.
    pub(super) fn count(&self, r: &Response) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(r.body.len() as u64, Ordering::Relaxed);
    }

    /// Reports where the stage is.
    pub(super) fn progress(&self, stage: Stage, done: u64, total: u64) {
        if let Some(p) = self.progress {
            p(FetchProgress { stage, done, total, bytes: self.bytes.load(Ordering::Relaxed) });
        }
    }

    pub(super) fn answered(&self, stage: Stage, done: u64, total: u64, r: &Response) {
        self.count(r);
        self.progress(stage, done, total);
    }
}

/// Reads everything the tracking server at `url` holds into a tree of its JSON answers.
///
/// ```no_run
/// use runql_remote::mlflow::{FetchOptions, fetch};
/// let fetched = fetch("http://127.0.0.1:5000", &FetchOptions::default())?;
/// println!("{} requests, {} bytes", fetched.requests, fetched.bytes);
/// # Ok::<(), runql_remote::RemoteError>(())
/// ```
///
/// # Errors
/// [`RemoteError`] when the server cannot be read at all: not reachable after the retries,
/// credentials refused, no MLflow API at the address, or a search that fails. Failures of
/// single history or registry requests are [`Fetched::problems`] instead.
pub fn fetch(url: &str, options: &FetchOptions<'_>) -> Result<Fetched> {
    let mut client = Client::new(url, options.settings.clone())?;
    if let Some(note) = options.on_retry {
        client = client.on_retry(note);
    }
    let meter = Meter { requests: AtomicU64::new(0), bytes: AtomicU64::new(0), progress: options.progress };
    let mut tree = FileTree::new(client.base());
    let mut problems = Vec::new();
    let mut missing_endpoints = Vec::new();

    let sizes =
        Sizes { search: options.search_page.max(1), history: options.history_page.clamp(1, HISTORY_PAGE) };
    let experiment_ids = search::experiments(&client, &meter, sizes, &mut tree)?;
    let runs = if experiment_ids.is_empty() {
        Vec::new()
    } else {
        search::search_runs(&client, &meter, sizes, &experiment_ids, &mut tree)?
    };
    if runs.is_empty() {
        return Err(RemoteError::NoRuns {
            url: client.base().to_string(),
            experiments: experiment_ids.len(),
        });
    }
    history::histories(
        &client,
        &meter,
        sizes,
        &runs,
        options.connections,
        &mut tree,
        &mut problems,
        &mut missing_endpoints,
    )?;
    models::models(
        &client,
        &meter,
        sizes,
        &experiment_ids,
        &mut tree,
        &mut problems,
        &mut missing_endpoints,
    )?;

    Ok(Fetched {
        tree,
        requests: meter.requests.load(Ordering::Relaxed),
        bytes: meter.bytes.load(Ordering::Relaxed),
        problems,
        missing_endpoints,
    })
}

/// Page sizes of one fetch.
#[derive(Clone, Copy)]
pub(super) struct Sizes {
    pub(super) search: u32,
    pub(super) history: usize,
}
