//! `runql demo`: the bundled example, with no files needed.
//!
//! Generates the demo sweep in memory, loads it through the same MLflow reader a real
//! `mlruns/` folder goes through, and ranks the runs by final validation loss.

use std::time::Instant;

use runql::{Engine, Param, SessionOptions};
use runql_readers::{FileTree, LoadOptions};
use runql_synth::{SweepSpec, write_mlflow};

use crate::args::{DemoArgs, OutputFormat};
use crate::error::{CliError, Result};
use crate::output;

/// The query the demo runs: DESIGN's "rank runs by final validation loss", plus the
/// params people compare.
pub const RANKING_SQL: &str = r#"SELECT r.name,
       w."params.model_size" AS model_size,
       w."params.lr" AS lr,
       w."params.batch_size" AS batch_size,
       round(s.last, 4) AS final_val_loss,
       round(s.min, 4) AS best_val_loss,
       s.min_step AS best_step
FROM metric_summary s
JOIN runs r USING (run_id)
JOIN runs_wide w USING (run_id)
WHERE s.key = 'val/loss' AND NOT isnan(s.last)
ORDER BY final_val_loss
LIMIT $1"#;

pub fn run(args: DemoArgs) -> Result<()> {
    let spec = SweepSpec { runs: args.runs, ..SweepSpec::default() };
    spec.validate()?;
    let started = Instant::now();
    let mut tree = FileTree::new("demo");
    write_mlflow(&spec, &mut |path: &str, bytes: &[u8]| {
        tree.insert(path, bytes.to_vec());
        Ok(())
    })?;
    let loaded = runql_readers::load(&[tree], &LoadOptions::default())?;
    eprintln!(
        "demo sweep: {} runs, {} metric points generated and loaded in {:.2}s",
        loaded.report.rows.runs,
        loaded.report.rows.metrics,
        started.elapsed().as_secs_f64()
    );
    let engine = Engine::with_tables(loaded.tables, SessionOptions::default())?;
    let limit = i64::try_from(args.limit).map_err(|_| CliError::Usage("--limit is too large".into()))?;
    let result = engine.query(RANKING_SQL, &[Param::Int(limit)])?;
    println!("-- Rank runs by final validation loss\n{RANKING_SQL};\n");
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    output::write_batches(&mut out, &result.schema, &result.batches, OutputFormat::Table)?;
    Ok(())
}
