//! Turning command-line paths (and tracking-server addresses) into loaded tables, with a
//! progress bar and a summary line.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use runql_readers::{FileTree, LoadOptions, LoadProgress, Loaded, Severity};
use runql_remote::mlflow::{FetchOptions, FetchProgress, Problem};

use crate::args::LoadArgs;
use crate::error::{CliError, Result};

/// A tracking server read over its REST API into a tree of its answers, with a progress bar.
fn fetch(url: &str, quiet: bool, problems: &mut Vec<Problem>) -> Result<(FileTree, Vec<String>)> {
    let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new_spinner() };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({bytes} received)")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let progress = |p: FetchProgress| {
        let of = if p.total > 0 { format!("/{}", p.total) } else { String::new() };
        bar.set_message(format!("reading {url}: {} {}{of}", p.stage.name(), p.done));
        bar.set_position(p.bytes);
        bar.tick();
    };
    let retrying = |r: &runql_remote::Retry| {
        bar.set_message(format!("retrying {}", crate::terminal::printable(&r.to_string())));
        bar.tick();
    };
    let settings = runql_remote::ClientSettings::from_env().map_err(CliError::Remote)?;
    let options = FetchOptions {
        settings,
        progress: Some(&progress),
        on_retry: Some(&retrying),
        ..FetchOptions::default()
    };
    let fetched = runql_remote::mlflow::fetch(url, &options).map_err(CliError::Remote)?;
    bar.finish_and_clear();
    problems.extend(fetched.problems);
    Ok((fetched.tree, fetched.missing_endpoints))
}

/// Loads every path; shows a progress bar on a terminal for loads that take a while.
pub fn load(args: &LoadArgs) -> Result<(Loaded, Duration)> {
    let started = Instant::now();
    let mut problems = Vec::new();
    let mut missing = Vec::new();
    let mut trees = Vec::with_capacity(args.paths.len());
    for p in &args.paths {
        match p.to_str().filter(|s| runql_remote::is_remote(s)) {
            Some(url) => {
                let (tree, endpoints) = fetch(url, args.quiet, &mut problems)?;
                missing.extend(endpoints.into_iter().map(|e| format!("{}: {e}", tree.origin())));
                trees.push(tree);
            }
            None => trees.push(FileTree::from_path(p)?),
        }
    }
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
    let mut loaded = runql_readers::load(&trees, &options)?;
    bar.finish_and_clear();
    // Requests that failed while the rest of a server was read: what they held is missing.
    for p in problems {
        loaded.report.skip(p.request, None, p.reason);
    }
    // Older servers lack newer endpoints; what those serve is absent, which the report says.
    for endpoint in missing {
        loaded.report.ignore(format!("endpoints this tracking server does not have ({endpoint})"), 1);
    }
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
