//! `runql info PATH...`: the load report.

use runql_core::LoadReport;

use crate::args::InfoArgs;
use crate::error::{CliError, Result};
use crate::input;

pub fn run(args: InfoArgs) -> Result<()> {
    let (loaded, elapsed) = input::load(&args.load)?;
    if args.json {
        println!("{}", report_json(&loaded.report, elapsed.as_secs_f64())?);
    } else {
        // File names and reasons quote what was on disk: no escape sequence reaches the
        // terminal.
        let report = loaded.report.to_string();
        let text = crate::terminal::printable(&report);
        print!("{text}");
        if !text.ends_with('\n') {
            println!();
        }
        if !args.load.quiet {
            eprintln!("{}", input::summary_line(&loaded, elapsed));
        }
    }
    Ok(())
}

/// The report as JSON, for scripts and CI: its one serialized shape (the `LoadReport` of the
/// wire types, fields in that order) and the seconds the load took.
pub fn report_json(report: &LoadReport, seconds: f64) -> Result<String> {
    #[derive(serde::Serialize)]
    struct Info<'a> {
        #[serde(flatten)]
        report: &'a LoadReport,
        seconds: f64,
    }
    serde_json::to_string(&Info { report, seconds })
        .map_err(|e| CliError::Output(format!("the load report: {e}")))
}
