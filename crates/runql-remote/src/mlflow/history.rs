//! Metric histories: through the bulk endpoint in groups sized to stay under its cap, else
//! run by run and page by page, several requests at once.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use runql_core::vfs::FileTree;

use super::search::{RunKeys, found};
use super::{Meter, Problem, Sizes, Stage};
use crate::client::{Client, Response};
use crate::error::{RemoteError, Result};
use crate::pages;
use crate::pool;

/// Runs per bulk history request (the server's limit).
const BULK_RUNS: usize = 100;

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
pub(super) fn histories(
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
        client.stop_flag(),
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
