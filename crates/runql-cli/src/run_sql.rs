//! Running SQL for a command: the session options the flags ask for, and the work on a
//! thread of its own so that `--timeout` can stop waiting for it.

use std::sync::mpsc;
use std::time::Duration;

use runql_sql::{QueryLimits, SessionOptions, SqlError};

use crate::args::SqlArgs;
use crate::error::{CliError, Result};

/// The stack of the query thread. Natively DataFusion grows its stack on the heap where it
/// recurses deeply; this is room for everything else (reading, formatting, drawing).
const QUERY_STACK_BYTES: usize = 64 << 20;

/// The session options of `args`: read-only unless `--writable`, the memory limit of
/// `--memory-limit` (or the default).
pub fn session_options(args: &SqlArgs) -> SessionOptions {
    let mut options = SessionOptions::default();
    if args.writable {
        options = options.writable();
    }
    if let Some(bytes) = args.memory_limit {
        options.limits = QueryLimits { memory_bytes: bytes, ..options.limits };
    }
    options
}

/// Runs `work` on its own thread and waits for it at most `timeout`. On a timeout the
/// command fails with a query-limit error and the process exits, which ends the thread.
///
/// # Errors
/// What `work` returns; [`SqlError::Limit`] on a timeout; [`CliError::Output`] if the
/// thread cannot start or dies.
pub fn with_timeout<T: Send + 'static>(
    timeout: Option<Duration>,
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("runql-query".into())
        .stack_size(QUERY_STACK_BYTES)
        .spawn(move || {
            // The receiver is gone only after a timeout, when nobody waits any more.
            let _ = tx.send(work());
        })
        .map_err(|e| CliError::Output(format!("cannot start the query thread: {e}")))?;
    let died = || CliError::Output("the query thread stopped without an answer".into());
    match timeout {
        None => rx.recv().map_err(|_| died())?,
        Some(limit) => match rx.recv_timeout(limit) {
            Ok(answer) => answer,
            Err(mpsc::RecvTimeoutError::Timeout) => Err(CliError::from(SqlError::Limit(format!(
                "the query ran longer than --timeout {}s and was stopped",
                limit.as_secs_f64()
            )))),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(died()),
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_slow_answer_is_a_limit_error() {
        let slow = with_timeout(Some(Duration::from_millis(50)), || {
            std::thread::sleep(Duration::from_secs(5));
            Ok(1)
        });
        assert!(
            matches!(slow, Err(CliError::Engine(runql::EngineError::Sql(SqlError::Limit(m)))) if m.contains("--timeout 0.05s"))
        );
        assert_eq!(with_timeout(Some(Duration::from_secs(5)), || Ok(2)).unwrap(), 2);
        assert_eq!(with_timeout(None, || Ok(3)).unwrap(), 3);
    }

    #[test]
    fn flags_shape_the_session() {
        let args = SqlArgs { writable: false, memory_limit: Some(1 << 20), timeout: None };
        let options = session_options(&args);
        assert!(options.read_only);
        assert_eq!(options.limits.memory_bytes, 1 << 20);
        assert!(!session_options(&SqlArgs { writable: true, ..args }).read_only);
    }
}
