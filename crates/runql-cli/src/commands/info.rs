//! `runql info PATH...`: the load report.

use runql_core::{LoadReport, Severity};
use serde_json::json;

use crate::args::InfoArgs;
use crate::error::Result;
use crate::input;

pub fn run(args: InfoArgs) -> Result<()> {
    let (loaded, elapsed) = input::load(&args.load)?;
    if args.json {
        println!("{}", report_json(&loaded.report, elapsed.as_secs_f64()));
    } else {
        // File names and reasons quote what was on disk: no escape sequence reaches the
        // terminal.
        print!("{}", crate::terminal::printable(&loaded.report.to_string()));
        if !args.load.quiet {
            eprintln!("{}", input::summary_line(&loaded, elapsed));
        }
    }
    Ok(())
}

/// The report as JSON, for scripts and CI.
pub fn report_json(report: &LoadReport, seconds: f64) -> serde_json::Value {
    let r = &report.rows;
    json!({
        "formats": report.formats,
        "files_read": report.files_read,
        "bytes_read": report.bytes_read,
        "seconds": seconds,
        "rows": {
            "runs": r.runs, "params": r.params, "metrics": r.metrics, "tags": r.tags,
            "metric_summary": r.metric_summary, "models": r.models,
        },
        "ignored": report.ignored,
        "skipped": report.issue_count(Severity::Skipped),
        "warnings": report.issue_count(Severity::Warning),
        "issues": report.issues().iter().map(|i| json!({
            "severity": i.severity.to_string(),
            "path": i.path,
            "line": i.line,
            "offset": i.offset,
            "reason": i.reason,
        })).collect::<Vec<_>>(),
    })
}
