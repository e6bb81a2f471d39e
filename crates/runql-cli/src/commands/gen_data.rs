//! `runql gen`: write a deterministic sweep to disk.

use std::time::Instant;

use runql_core::synth::{SweepSpec, write_mlflow_dir};

use crate::args::{GenArgs, GenFormat};
use crate::error::{CliError, Result};

pub fn run(args: GenArgs) -> Result<()> {
    if args.output.exists() {
        let non_empty = std::fs::read_dir(&args.output).map(|mut d| d.next().is_some()).unwrap_or(true);
        if non_empty {
            return Err(CliError::Usage(format!(
                "{} exists and is not empty; give a new or empty folder so nothing is overwritten",
                args.output.display()
            )));
        }
    }
    let spec = SweepSpec { runs: args.runs, metrics: args.metrics, steps: args.steps, seed: args.seed };
    spec.validate()?;
    let started = Instant::now();
    let summary = match args.format {
        GenFormat::Mlflow => write_mlflow_dir(&spec, &args.output)?,
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
