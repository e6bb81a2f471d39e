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

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use runql_codecs::json_lenient::JsonValue;
use runql_core::vfs::FileTree;
use serde_json::json;

use crate::client::{Client, Optional, Response, Retry};
use crate::error::{RemoteError, Result};
use crate::pages::{self, Page};
use crate::pool;
use crate::settings::ClientSettings;

/// Runs and experiments asked for per page (the server's largest page is 50,000 runs; 1,000
/// is what MLflow's client asks for).
pub const SEARCH_PAGE: u32 = 1000;
/// Points asked for per history page, and the most a bulk answer holds (the server's cap).
pub const HISTORY_PAGE: usize = 25_000;
/// Runs per bulk history request (the server's limit).
const BULK_RUNS: usize = 100;

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
struct Meter<'a> {
    requests: AtomicU64,
    bytes: AtomicU64,
    progress: Option<&'a (dyn Fn(FetchProgress) + Sync)>,
}

impl Meter<'_> {
    /// Counts an answered request.
    fn count(&self, r: &Response) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(r.body.len() as u64, Ordering::Relaxed);
    }

    /// Reports where the stage is.
    fn progress(&self, stage: Stage, done: u64, total: u64) {
        if let Some(p) = self.progress {
            p(FetchProgress { stage, done, total, bytes: self.bytes.load(Ordering::Relaxed) });
        }
    }

    fn answered(&self, stage: Stage, done: u64, total: u64, r: &Response) {
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
    let experiment_ids = experiments(&client, &meter, sizes, &mut tree)?;
    let runs = if experiment_ids.is_empty() {
        Vec::new()
    } else {
        search_runs(&client, &meter, sizes, &experiment_ids, &mut tree)?
    };
    if runs.is_empty() {
        return Err(RemoteError::NoRuns {
            url: client.base().to_string(),
            experiments: experiment_ids.len(),
        });
    }
    histories(
        &client,
        &meter,
        sizes,
        &runs,
        options.connections,
        &mut tree,
        &mut problems,
        &mut missing_endpoints,
    )?;
    models(&client, &meter, sizes, &experiment_ids, &mut tree, &mut problems, &mut missing_endpoints)?;

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
struct Sizes {
    search: u32,
    history: usize,
}

/// Pages of one search, each stored as `<dir>/<stem>-page-NNNN.json`; `each` sees every page.
fn paged(
    meter: &Meter<'_>,
    stage: Stage,
    tree: &mut FileTree,
    dir: &str,
    mut request: impl FnMut(Option<&str>) -> Result<Option<Response>>,
    mut each: impl FnMut(&Page, &str) -> Result<()>,
) -> Result<bool> {
    let mut token: Option<String> = None;
    let mut tokens = pages::Tokens::default();
    for n in 1.. {
        let Some(r) = request(token.as_deref())? else { return Ok(false) };
        meter.answered(stage, n as u64, 0, &r);
        let page = pages::page(&r)?;
        each(&page, &r.request)?;
        // Protobuf JSON omits empty fields: a page with nothing is `{}`, and says nothing.
        if !matches!(&page.doc, JsonValue::Object(e) if e.is_empty()) {
            tree.insert(&format!("{dir}/{}", pages::file_name("search", n)), page.doc.to_json().into_bytes());
        }
        match page.next {
            Some(next) => {
                tokens.next(&next).map_err(|why| RemoteError::BadResponse { request: r.request, why })?;
                token = Some(next);
            }
            None => break,
        }
    }
    Ok(true)
}

/// A search body with the page token, when there is one.
fn with_token(mut body: serde_json::Value, token: Option<&str>) -> serde_json::Value {
    if let (Some(t), Some(fields)) = (token, body.as_object_mut()) {
        fields.insert("page_token".into(), json!(t));
    }
    body
}

fn found(o: Optional) -> Option<Response> {
    match o {
        Optional::Found(r) => Some(r),
        Optional::Missing => None,
    }
}

fn experiments(
    client: &Client<'_>,
    meter: &Meter<'_>,
    sizes: Sizes,
    tree: &mut FileTree,
) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    paged(
        meter,
        Stage::Experiments,
        tree,
        "experiments",
        |token| {
            let body = with_token(json!({"max_results": sizes.search, "view_type": "ACTIVE_ONLY"}), token);
            client.post("/api/2.0/mlflow/experiments/search", &body).map(Some)
        },
        |page, request| {
            for e in pages::array(&page.doc, "experiments", request)? {
                if let Some(id) = e.get("experiment_id").and_then(id_text) {
                    ids.push(id);
                }
            }
            Ok(())
        },
    )?;
    Ok(ids)
}

/// An id written as a JSON string or number.
fn id_text(v: &JsonValue) -> Option<String> {
    match v {
        JsonValue::Str(s) if !s.is_empty() => Some(s.clone()),
        JsonValue::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

/// A run's id and the keys of the metrics it has.
struct RunKeys {
    run_id: String,
    /// Each metric's key and the step of its latest value.
    keys: Vec<(String, i64)>,
}

fn search_runs(
    client: &Client<'_>,
    meter: &Meter<'_>,
    sizes: Sizes,
    experiment_ids: &[String],
    tree: &mut FileTree,
) -> Result<Vec<RunKeys>> {
    let mut runs = Vec::new();
    paged(
        meter,
        Stage::Runs,
        tree,
        "runs",
        |token| {
            let body = with_token(
                json!({"experiment_ids": experiment_ids, "max_results": sizes.search, "run_view_type": "ACTIVE_ONLY"}),
                token,
            );
            client.post("/api/2.0/mlflow/runs/search", &body).map(Some)
        },
        |page, request| {
            for r in pages::array(&page.doc, "runs", request)? {
                let info = r.get("info");
                let id = info.and_then(|i| i.get("run_id").or_else(|| i.get("run_uuid"))).and_then(id_text);
                let Some(run_id) = id else { continue };
                let keys = match r.get("data").and_then(|d| d.get("metrics")) {
                    Some(JsonValue::Array(ms)) => ms
                        .iter()
                        .filter_map(|m| {
                            let key = m.get("key").and_then(JsonValue::as_str)?;
                            let step = m.get("step").and_then(|s| match s {
                                JsonValue::Int(i) => Some(*i),
                                JsonValue::Str(t) => t.parse().ok(),
                                _ => None,
                            });
                            Some((key.to_string(), step.unwrap_or(0)))
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                runs.push(RunKeys { run_id, keys });
            }
            Ok(())
        },
    )?;
    Ok(runs)
}

/// One history request plan: a key and the runs to ask it for.
struct Job {
    key: String,
    run_ids: Vec<String>,
    /// Index of the job, for file names.
    n: usize,
}

/// The answer to one job: files to add, and failures that did not stop the fetch.
type JobOutput = (Vec<(String, Vec<u8>)>, Vec<Problem>);

#[allow(clippy::too_many_arguments)]
fn histories(
    client: &Client<'_>,
    meter: &Meter<'_>,
    sizes: Sizes,
    runs: &[RunKeys],
    connections: usize,
    tree: &mut FileTree,
    problems: &mut Vec<Problem>,
    missing: &mut Vec<String>,
) -> Result<()> {
    let mut by_key: BTreeMap<&str, Vec<(&str, i64)>> = BTreeMap::new();
    for r in runs {
        for (k, step) in &r.keys {
            by_key.entry(k.as_str()).or_default().push((r.run_id.as_str(), *step));
        }
    }
    let mut jobs = Vec::new();
    for (key, runs) in by_key {
        for run_ids in bulk_chunks(key, &runs, sizes.history) {
            jobs.push(Job { key: key.to_string(), run_ids, n: jobs.len() + 1 });
        }
    }
    if jobs.is_empty() {
        return Ok(());
    }
    // Whether the server has the bulk endpoint is learned from the first job.
    // The bulk endpoint lives under /ajax-api/, which a proxy in front of the server may not
    // pass or may guard differently from /api/: refused or failing, it is treated as absent.
    let first_bulk = match jobs.first().map(|j| bulk(client, sizes, j)).transpose() {
        Ok(answer) => answer.flatten(),
        Err(
            RemoteError::Auth { .. }
            | RemoteError::Status { .. }
            | RemoteError::BadResponse { .. }
            | RemoteError::Unreachable { .. },
        ) => None,
        Err(e) => return Err(e),
    };
    if let Some(r) = &first_bulk {
        meter.count(r);
    }
    let has_bulk = first_bulk.is_some();
    if !has_bulk {
        missing.push("metrics/get-history-bulk (histories are read per run instead)".into());
    }
    let total = jobs.len() as u64;
    let done = AtomicU64::new(0);
    let outputs = pool::run(
        &jobs,
        connections,
        |job| -> Result<JobOutput> {
            let answer = if job.n == 1 {
                Ok(first_bulk.clone())
            } else if has_bulk {
                bulk(client, sizes, job).inspect(|a| a.iter().for_each(|r| meter.count(r)))
            } else {
                Ok(None)
            };
            let answer = match answer {
                Ok(a) => a,
                Err(e) if pool::is_fatal(&e) => return Err(e),
                // A bulk answer that fails (a request line too long for an older server, a
                // 5xx): this group's runs are read one by one instead.
                Err(_) => None,
            };
            // An answer at the cap may hide points: read that group run by run too.
            match answer.filter(|r| !cut_off(r, sizes).unwrap_or(true)) {
                Some(r) => Ok((vec![(format!("metrics/bulk/{}.json", job.n), r.body)], Vec::new())),
                None => per_run(client, meter, sizes, job),
            }
        },
        |_| meter.progress(Stage::Histories, done.fetch_add(1, Ordering::Relaxed) + 1, total),
    )?;
    for (job, out) in jobs.iter().zip(outputs) {
        match out {
            Ok((files, probs)) => {
                for (path, bytes) in files {
                    tree.insert(&path, bytes);
                }
                problems.extend(probs);
            }
            Err(e) => problems.push(Problem {
                request: format!("history of {} for {} runs", job.key, job.run_ids.len()),
                reason: e.to_string(),
            }),
        }
    }
    Ok(())
}

/// Bytes of run ids one bulk request carries in its query: older servers behind gunicorn
/// refuse request lines over 4,094 bytes.
const BULK_QUERY_BYTES: usize = 3_500;

/// Runs of one key in groups for bulk requests: at most [`BULK_RUNS`], within
/// [`BULK_QUERY_BYTES`] of query, and as many as fit below `cap` points by the estimate
/// "latest step + 1 points a run", so that an answer at the cap (which may be cut) is the
/// exception. A run with more points than its latest step suggests only sends its group down
/// the per-run path.
///
/// ```text
/// 200 runs at step 499, cap 25,000  →  groups of 49 (24,500 points)
/// ```
fn bulk_chunks(key: &str, runs: &[(&str, i64)], cap: usize) -> Vec<Vec<String>> {
    // A key is percent-encoded: at most 3 bytes a byte.
    let budget = BULK_QUERY_BYTES.saturating_sub(3 * key.len()).max(200);
    let mut chunks: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let (mut points, mut bytes) = (0usize, 0usize);
    for (id, step) in runs {
        let estimate = usize::try_from(step.saturating_add(1)).unwrap_or(1).max(1);
        let id_bytes = id.len() + "&run_id=".len();
        if !current.is_empty()
            && (current.len() == BULK_RUNS || points + estimate >= cap || bytes + id_bytes > budget)
        {
            chunks.push(std::mem::take(&mut current));
            (points, bytes) = (0, 0);
        }
        current.push((*id).to_string());
        points = points.saturating_add(estimate);
        bytes += id_bytes;
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

/// `metrics/get-history-bulk` for a job; `None` when the server has no such endpoint.
fn bulk(client: &Client<'_>, sizes: Sizes, job: &Job) -> Result<Option<Response>> {
    let max = sizes.history.to_string();
    let mut query: Vec<(&str, &str)> = job.run_ids.iter().map(|id| ("run_id", id.as_str())).collect();
    query.push(("metric_key", &job.key));
    query.push(("max_results", &max));
    Ok(found(client.get_optional("/ajax-api/2.0/mlflow/metrics/get-history-bulk", &query)?))
}

/// True when a bulk answer holds as many points as the cap, so some may be cut off.
fn cut_off(r: &Response, sizes: Sizes) -> Result<bool> {
    let page = pages::page(r)?;
    Ok(pages::array(&page.doc, "metrics", &r.request)?.len() >= sizes.history)
}

/// `metrics/get-history` for each run of a job, page by page. A run whose history fails is
/// a problem; the others are kept.
fn per_run(client: &Client<'_>, meter: &Meter<'_>, sizes: Sizes, job: &Job) -> Result<JobOutput> {
    let max = sizes.history.to_string();
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for run_id in &job.run_ids {
        let mut token: Option<String> = None;
        let mut tokens = pages::Tokens::default();
        for page_n in 1.. {
            let mut query =
                vec![("run_id", run_id.as_str()), ("metric_key", job.key.as_str()), ("max_results", &max)];
            if let Some(t) = &token {
                query.push(("page_token", t.as_str()));
            }
            let r = match client.get("/api/2.0/mlflow/metrics/get-history", &query) {
                Ok(r) => r,
                Err(e) if pool::is_fatal(&e) => return Err(e),
                Err(e) => {
                    problems.push(Problem {
                        request: format!("history of {} for run {run_id}", job.key),
                        reason: e.to_string(),
                    });
                    break;
                }
            };
            meter.count(&r);
            let page = match pages::page(&r) {
                Ok(p) => p,
                Err(e) => {
                    problems.push(Problem { request: r.request.clone(), reason: e.to_string() });
                    break;
                }
            };
            // The run id goes into the folder name: get-history answers do not all name it.
            files.push((
                format!("metrics/{run_id}/{}", pages::file_name(&job.n.to_string(), page_n)),
                page.doc.to_json().into_bytes(),
            ));
            match page.next {
                Some(next) => match tokens.next(&next) {
                    Ok(()) => token = Some(next),
                    Err(why) => {
                        problems.push(Problem {
                            request: r.request,
                            reason: format!("{why}; the rest of this history is not read"),
                        });
                        break;
                    }
                },
                None => break,
            }
        }
    }
    Ok((files, problems))
}

fn models(
    client: &Client<'_>,
    meter: &Meter<'_>,
    sizes: Sizes,
    experiment_ids: &[String],
    tree: &mut FileTree,
    problems: &mut Vec<Problem>,
    missing: &mut Vec<String>,
) -> Result<()> {
    let max = sizes.search.to_string();
    let searches: [(&str, &str, &str); 2] = [
        ("registered-models", "/api/2.0/mlflow/registered-models/search", "registered_models"),
        ("model-versions", "/api/2.0/mlflow/model-versions/search", "model_versions"),
    ];
    for (dir, path, field) in searches {
        let result = paged(
            meter,
            Stage::Models,
            tree,
            dir,
            |token| {
                let mut query = vec![("max_results", max.as_str())];
                if let Some(t) = token {
                    query.push(("page_token", t));
                }
                client.get_optional(path, &query).map(found)
            },
            |page, request| pages::array(&page.doc, field, request).map(|_| ()),
        );
        match result {
            Ok(true) => {}
            Ok(false) => missing.push(format!("{dir}/search (the model registry)")),
            // A registry the server refuses this user is a problem; the runs still load.
            Err(e @ RemoteError::Auth { .. }) => {
                problems.push(Problem { request: format!("{dir}/search"), reason: e.to_string() });
            }
            Err(e) if pool::is_fatal(&e) => return Err(e),
            Err(e) => problems.push(Problem { request: format!("{dir}/search"), reason: e.to_string() }),
        }
    }
    if experiment_ids.is_empty() {
        return Ok(());
    }
    let result = paged(
        meter,
        Stage::Models,
        tree,
        "logged-models",
        |token| {
            // 100 is the page MLflow 3's own client and server use for logged models.
            let body = with_token(
                json!({"experiment_ids": experiment_ids, "max_results": sizes.search.min(100)}),
                token,
            );
            client.post_optional("/api/2.0/mlflow/logged-models/search", &body).map(found)
        },
        |page, request| pages::array(&page.doc, "models", request).map(|_| ()),
    );
    match result {
        Ok(true) => {}
        Ok(false) => missing.push("logged-models/search (MLflow 3 logged models)".into()),
        Err(e @ RemoteError::Auth { .. }) => {
            problems.push(Problem { request: "logged-models/search".into(), reason: e.to_string() });
        }
        Err(e) if pool::is_fatal(&e) => return Err(e),
        Err(e) => problems.push(Problem { request: "logged-models/search".into(), reason: e.to_string() }),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_groups_stay_under_the_cap() {
        let id = "0123456789abcdef0123456789abcdef";
        let runs: Vec<(&str, i64)> = (0..200).map(|_| (id, 499)).collect();
        let chunks = bulk_chunks("loss", &runs, 25_000);
        assert_eq!(chunks.iter().map(Vec::len).collect::<Vec<_>>()[..4], [49, 49, 49, 49]);
        assert_eq!(chunks.iter().map(Vec::len).sum::<usize>(), 200);
        // Short histories: as many runs as the query has room for (32-hex ids: 87 a group).
        let short: Vec<(&str, i64)> = (0..250).map(|_| (id, 9)).collect();
        assert_eq!(
            bulk_chunks("loss", &short, 25_000).iter().map(Vec::len).collect::<Vec<_>>(),
            [87, 87, 76]
        );
        let tiny: Vec<(&str, i64)> = (0..250).map(|_| ("r1", 9)).collect();
        assert_eq!(
            bulk_chunks("loss", &tiny, 25_000).iter().map(Vec::len).collect::<Vec<_>>(),
            [100, 100, 50]
        );
        // A run alone over the cap still gets a group (and then the per-run path).
        assert_eq!(bulk_chunks("loss", &[("a", 1_000_000), ("b", -5)], 25_000).len(), 2);
    }
}
