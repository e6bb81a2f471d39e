//! `runql gen`: write a deterministic sweep to disk.

use std::time::Instant;

use runql_synth::{SweepSpec, SweepSummary, write_mlflow_dir, write_sweep};

use crate::args::{GenArgs, GenFormat};
use crate::error::{CliError, Result};

/// Refuses an output folder that holds anything, so nothing is overwritten.
pub fn require_empty(dir: &std::path::Path) -> Result<()> {
    if dir.exists() {
        let non_empty = std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true);
        if non_empty {
            return Err(CliError::Usage(format!(
                "{} exists and is not empty; give a new or empty folder so nothing is overwritten",
                dir.display()
            )));
        }
    }
    Ok(())
}

type Sink<'a> = &'a mut dyn FnMut(&str, &[u8]) -> runql_core::Result<()>;

/// Runs a sweep writer with a sink that writes each file under `dir`, creating folders.
fn write_files(
    dir: &std::path::Path,
    write: impl FnOnce(Sink<'_>) -> runql_core::Result<SweepSummary>,
) -> Result<SweepSummary> {
    let mut made = std::collections::HashSet::new();
    let mut sink = |rel: &str, bytes: &[u8]| -> runql_core::Result<()> {
        let path = dir.join(rel);
        let fail = |source| runql_core::CoreError::Write { path: path.clone(), source };
        if let Some(parent) = path.parent()
            && made.insert(parent.to_path_buf())
        {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        std::fs::write(&path, bytes).map_err(fail)
    };
    Ok(write(&mut sink)?)
}

pub fn run(args: GenArgs) -> Result<()> {
    require_empty(&args.output)?;
    let spec = SweepSpec { runs: args.runs, metrics: args.metrics, steps: args.steps, seed: args.seed };
    spec.validate()?;
    let started = Instant::now();
    let summary = match args.format {
        // Streams straight to disk, without holding the store in memory.
        GenFormat::Mlflow => write_mlflow_dir(&spec, &args.output)?,
        format => write_files(&args.output, |sink| write_sweep(&spec, format.into(), sink))?,
    };
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "wrote {} runs, {} metric points, {} files, {:.1} MB to {} in {:.2}s",
        summary.runs,
        summary.points,
        summary.files,
        summary.bytes as f64 / 1e6,
        args.output.display(),
        secs
    );
    Ok(())
}
