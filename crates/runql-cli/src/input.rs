//! Turning command-line paths into loaded tables, with a progress bar and a summary line.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use runql_readers::{FileTree, LoadOptions, LoadProgress, Loaded, Severity};

use crate::args::LoadArgs;
use crate::error::{CliError, Result};

/// Loads every path; shows a progress bar on a terminal for loads that take a while.
pub fn load(args: &LoadArgs) -> Result<(Loaded, Duration)> {
    let started = Instant::now();
    let trees = args.paths.iter().map(|p| FileTree::from_path(p)).collect::<Result<Vec<_>, _>>()?;
    let bar = if args.quiet { ProgressBar::hidden() } else { ProgressBar::new(0) };
    bar.set_style(
        ProgressStyle::with_template("{spinner} loading {bytes}/{total_bytes} [{bar:30}] {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    // indicatif draws only on a terminal and rate-limits redraws itself.
    let progress = |p: LoadProgress| {
        bar.set_length(p.bytes_total);
        bar.set_position(p.bytes_done);
    };
    let options = LoadOptions { progress: Some(&progress), ..LoadOptions::default() };
    let loaded = runql_readers::load(&trees, &options)?;
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    let skipped = loaded.report.issue_count(Severity::Skipped);
    if args.strict && skipped > 0 {
        eprint!("{}", loaded.report);
        return Err(CliError::Strict(skipped));
    }
    Ok((loaded, elapsed))
}

/// One line for stderr: what was loaded, how fast, and whether anything was skipped.
pub fn summary_line(loaded: &Loaded, elapsed: Duration) -> String {
    let r = &loaded.report;
    let secs = elapsed.as_secs_f64().max(1e-9);
    let mut line = format!(
        "loaded {} runs, {} metric points, {} params, {} tags in {:.2}s ({:.1}M points/s, {:.0} MB/s)",
        r.rows.runs,
        r.rows.metrics,
        r.rows.params,
        r.rows.tags,
        secs,
        r.rows.metrics as f64 / secs / 1e6,
        r.bytes_read as f64 / secs / 1e6,
    );
    let skipped = r.issue_count(Severity::Skipped);
    let warnings = r.issue_count(Severity::Warning);
    if skipped + warnings > 0 {
        line.push_str(&format!("; {skipped} skipped, {warnings} warnings (see `runql info`)"));
    }
    line
}
