//! Reading runs in batches — on all cores with the `parallel` feature — and appending them
//! to the tables in a fixed order, so output never depends on thread timing.

use runql_core::error::{CoreError, Result};
use runql_core::model::{RunData, TablesBuilder};
use runql_core::report::LoadReport;

/// Parses `jobs` with `read`, `batch` at a time, and appends each run to `builder` in job
/// order. At most one batch of parsed-but-not-appended runs is held at once, which bounds
/// memory for large stores. A run id seen before is reported as skipped, not an error.
/// Returns how many runs were added.
///
/// # Errors
/// Only what [`TablesBuilder::add_run`] fails with besides a duplicate run id.
pub(crate) fn read_in_batches<J, F>(
    jobs: Vec<J>,
    batch: usize,
    read: F,
    builder: &mut TablesBuilder,
    report: &mut LoadReport,
) -> Result<u64>
where
    J: Send,
    F: Fn(J) -> (Option<RunData>, LoadReport) + Sync,
{
    let mut added = 0u64;
    let mut jobs = jobs.into_iter().peekable();
    while jobs.peek().is_some() {
        let chunk: Vec<J> = jobs.by_ref().take(batch.max(1)).collect();
        #[cfg(feature = "parallel")]
        let parsed: Vec<(Option<RunData>, LoadReport)> = {
            use rayon::prelude::*;
            chunk.into_par_iter().map(&read).collect()
        };
        #[cfg(not(feature = "parallel"))]
        let parsed: Vec<(Option<RunData>, LoadReport)> = chunk.into_iter().map(&read).collect();
        for (run, run_report) in parsed {
            report.merge(run_report);
            let Some(run) = run else { continue };
            let origin = run.info.origin.clone();
            match builder.add_run(run) {
                Ok(()) => added += 1,
                Err(err @ CoreError::DuplicateRun { .. }) => report.skip(origin, None, err.to_string()),
                Err(err) => return Err(err),
            }
        }
    }
    Ok(added)
}

/// Adds runs that are already parsed (readers that must see every file before a run is
/// complete), reports duplicate ids, and counts the added runs under `format` in the
/// report. Returns how many were added.
///
/// # Errors
/// As [`read_in_batches`].
pub(crate) fn add_parsed(
    runs: Vec<RunData>,
    format: &str,
    builder: &mut TablesBuilder,
    report: &mut LoadReport,
) -> Result<u64> {
    let added = read_in_batches(runs, usize::MAX, |r| (Some(r), LoadReport::default()), builder, report)?;
    if added > 0 {
        *report.formats.entry(format.to_string()).or_default() += added;
    }
    Ok(added)
}
