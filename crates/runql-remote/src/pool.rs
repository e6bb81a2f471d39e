//! Requests on a few connections at once: a tracking server answers many small history
//! requests faster in parallel than one after another.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::error::{RemoteError, Result};

/// True for failures after which further requests to the same server are pointless.
pub fn is_fatal(e: &RemoteError) -> bool {
    matches!(
        e,
        RemoteError::Unreachable { .. }
            | RemoteError::Auth { .. }
            | RemoteError::BadUrl { .. }
            | RemoteError::NotMlflow { .. }
            | RemoteError::BadSetting { .. }
    )
}

/// Runs `work` on every job with up to `threads` at once, in any order; results come back in
/// job order. `done` is called (from the worker) after each job. A [fatal](is_fatal) error
/// sets `stop` (the client's [`stop_flag`](crate::Client::stop_flag), so requests of other
/// jobs waiting to retry give up too), stops the remaining jobs and is returned; other errors
/// are results of their job.
///
/// ```
/// use std::sync::atomic::AtomicBool;
/// use runql_remote::pool::run;
/// let squares = run(&[1, 2, 3], 2, &AtomicBool::new(false), |n| Ok(n * n), |_| {})?;
/// assert_eq!(squares.into_iter().map(Result::unwrap).collect::<Vec<_>>(), [1, 4, 9]);
/// # Ok::<(), runql_remote::RemoteError>(())
/// ```
///
/// # Errors
/// The first fatal error of any job.
pub fn run<J: Sync, T: Send>(
    jobs: &[J],
    threads: usize,
    stop: &AtomicBool,
    work: impl Fn(&J) -> Result<T> + Sync,
    done: impl Fn(&Result<T>) + Sync,
) -> Result<Vec<Result<T>>> {
    let next = AtomicUsize::new(0);
    let fatal: Mutex<Option<RemoteError>> = Mutex::new(None);
    let results: Mutex<Vec<Option<Result<T>>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, jobs.len().max(1)) {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let result = work(job);
                    if let Err(e) = &result
                        && is_fatal(e)
                    {
                        stop.store(true, Ordering::Relaxed);
                        if let Ok(mut f) = fatal.lock()
                            && f.is_none()
                        {
                            *f = result.err();
                        }
                        break;
                    }
                    done(&result);
                    if let Ok(mut r) = results.lock()
                        && let Some(slot) = r.get_mut(i)
                    {
                        *slot = Some(result);
                    }
                }
            });
        }
    });
    if let Some(e) = fatal.into_inner().ok().flatten() {
        return Err(e);
    }
    let results = results.into_inner().unwrap_or_default();
    // Every slot is filled when no job failed fatally; the holes a job leaves if its results
    // lock is poisoned are reported rather than unwrapped.
    Ok(results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(RemoteError::BadResponse {
                    request: "a request".into(),
                    why: "its worker stopped".into(),
                })
            })
        })
        .collect())
}
