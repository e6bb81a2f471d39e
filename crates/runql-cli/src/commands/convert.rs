//! `runql convert PATH... -o DIR [--format parquet|arrow]`: the normalized tables as files.

use std::path::Path;
use std::time::Instant;

use runql_core::RunTables;
use runql_readers::columnar::{TableFormat, Written, write_tables};

use crate::args::ConvertArgs;
use crate::error::{CliError, Result};
use crate::input;

/// Writes every table of `tables` into `dir` (created), one file per table.
pub fn write_dir(tables: &RunTables, dir: &Path, format: TableFormat) -> Result<Vec<Written>> {
    std::fs::create_dir_all(dir).map_err(|e| CliError::Output(format!("{}: {e}", dir.display())))?;
    let written = write_tables(tables, format, &mut |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|source| runql_core::CoreError::Write { path, source })
    })?;
    Ok(written)
}

pub fn run(args: ConvertArgs) -> Result<()> {
    super::gen_data::require_empty(&args.output)?;
    let (loaded, elapsed) = input::load(&args.load)?;
    if !args.load.quiet {
        eprintln!("{}", input::summary_line(&loaded, elapsed));
    }
    let started = Instant::now();
    let written = write_dir(&loaded.tables, &args.output, args.format.into())?;
    let secs = started.elapsed().as_secs_f64();
    println!("{:<22} {:>12} {:>14}", "file", "rows", "bytes");
    for w in &written {
        println!("{:<22} {:>12} {:>14}", w.file, w.rows, w.bytes);
    }
    let bytes: u64 = written.iter().map(|w| w.bytes).sum();
    println!(
        "wrote {} files, {:.1} MB to {} in {:.2}s",
        written.len(),
        bytes as f64 / 1e6,
        args.output.display(),
        secs
    );
    Ok(())
}
