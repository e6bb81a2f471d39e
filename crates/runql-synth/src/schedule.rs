//! What every sweep writer shares: running the planned runs on a fixed pool of workers (so
//! start and end times look like a real sweep agent's), counting files and bytes through
//! the caller's sink, and keeping the summary (points, failed runs, best run).

use rand::RngExt;

use super::curves::{MetricKind, RunCurves};
use super::random::{rng_for, stream};
use super::sweep::{self, RunPlan, SweepPlan};
use super::{SweepSpec, SweepSummary};
use runql_core::error::Result;

/// 2026-01-01T00:00:00Z in epoch ms: the fixed clock of every generated sweep.
pub(crate) const BASE_EPOCH_MS: i64 = 1_767_225_600_000;
/// Runs execute on this many workers in parallel (like a sweep agent on 8 GPUs).
const WORKERS: usize = 8;

/// A sink that counts the files and bytes handed to it.
pub(crate) struct Output<'a> {
    sink: &'a mut dyn FnMut(&str, &[u8]) -> Result<()>,
    files: u64,
    bytes: u64,
}

impl<'a> Output<'a> {
    pub(crate) fn new(sink: &'a mut dyn FnMut(&str, &[u8]) -> Result<()>) -> Self {
        Self { sink, files: 0, bytes: 0 }
    }

    /// Hands one whole file to the sink.
    pub(crate) fn file(&mut self, path: &str, bytes: &[u8]) -> Result<()> {
        (self.sink)(path, bytes)?;
        self.files += 1;
        self.bytes += u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        Ok(())
    }
}

/// The metric kinds of a spec with their keys, in logging order.
pub(crate) fn metric_kinds(spec: &SweepSpec) -> Vec<(MetricKind, String)> {
    (0..spec.metrics)
        .map(|i| {
            let kind = MetricKind::from_index(i);
            (kind, kind.key())
        })
        .collect()
}

/// Plans the sweep of `spec`, calls `before_runs` once (files that are not per run), then
/// `write` for every run in execution order with the run's computed curves; returns the
/// summary with the sink's file and byte counts.
pub(crate) fn write_runs(
    spec: &SweepSpec,
    sink: &mut dyn FnMut(&str, &[u8]) -> Result<()>,
    before_runs: impl FnOnce(&mut Output<'_>, &SweepPlan) -> Result<()>,
    mut write: impl FnMut(&mut Output<'_>, &SweepPlan, &RunPlan, &RunCurves) -> Result<()>,
) -> Result<SweepSummary> {
    spec.validate()?;
    let plan = sweep::plan(spec);
    let mut out = Output::new(sink);
    before_runs(&mut out, &plan)?;
    let mut workers: Vec<i64> = (0..WORKERS).map(|w| BASE_EPOCH_MS + 20_000 * w as i64).collect();
    let mut summary = SweepSummary {
        experiment_id: plan.experiment_id.clone(),
        runs: plan.runs.len(),
        failed_runs: 0,
        points: 0,
        files: 0,
        bytes: 0,
        best_run_id: None,
        best_final_val_loss: f64::NAN,
    };
    let points_per_run = SweepSpec { runs: 1, ..*spec }.points();
    for run in &plan.runs {
        // The next run starts on the first free worker, after a short scheduling gap.
        let (slot, free_at) =
            workers.iter().copied().enumerate().min_by_key(|(_, t)| *t).unwrap_or((0, BASE_EPOCH_MS));
        let gap = rng_for(spec.seed, run.index, stream::SCHEDULE).random_range(5_000..60_000i64);
        let curves = RunCurves::new(spec.seed, run, spec.steps, free_at + gap);
        if let Some(worker) = workers.get_mut(slot) {
            *worker = curves.end_time;
        }
        write(&mut out, &plan, run, &curves)?;
        summary.points += points_per_run;
        let final_loss = curves.final_val_loss();
        if curves.diverged() {
            summary.failed_runs += 1;
        } else if summary.best_run_id.is_none() || final_loss < summary.best_final_val_loss {
            summary.best_run_id = Some(run.run_id.clone());
            summary.best_final_val_loss = final_loss;
        }
    }
    summary.files = out.files;
    summary.bytes = out.bytes;
    Ok(summary)
}
