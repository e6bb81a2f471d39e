//! Deterministic synthetic hyper-parameter sweeps, written in the trackers' own formats (an
//! MLflow file store, W&B run folders, TensorBoard event files) or as runql's tables.
//!
//! A [`SweepSpec`] (runs × metrics × steps, plus a seed) becomes an `mlruns/` tree with the
//! layout, YAML and metric-line grammar that MLflow's file store writes. The same spec always
//! gives the same bytes, on every platform: no clock, no OS randomness and no threads are
//! used, and all float math is IEEE-exact or from `libm`, so the browser build
//! (`wasm32-unknown-unknown`) writes exactly what the native build writes.
//!
//! The sweep is shaped like a real language-model sweep so that queries have answers worth
//! checking:
//! - configs come from a grid of `lr`, `batch_size`, `model_size`, `optimizer`,
//!   `warmup_steps` and `dropout`, each run with three `seed`s;
//! - bigger models with a well-tuned learning rate and bigger batches reach a lower final
//!   `val/loss`; `sgd` trails `adam`; small batches with a high learning rate overfit (the
//!   validation loss turns up at the end);
//! - some runs with a high learning rate diverge: their losses blow up, hit `inf` and stay
//!   `nan`, and the run is `FAILED`.
//!
//! ```
//! use runql_synth::{SweepSpec, write_mlflow};
//! use runql_core::FileTree;
//!
//! let spec = SweepSpec { runs: 6, metrics: 4, steps: 20, seed: 7 };
//! let mut tree = FileTree::new("synthetic");
//! let summary = write_mlflow(&spec, &mut |path, bytes| {
//!     tree.insert(path, bytes.to_vec());
//!     Ok(())
//! })?;
//! assert_eq!(summary.points, 6 * 4 * 20);
//! assert!(tree.len() > 6 * 4);
//! # Ok::<(), runql_core::CoreError>(())
//! ```

mod curves;
mod format;
#[cfg(test)]
mod format_tests;
mod mlflow_writer;
mod random;
mod schedule;
mod sweep;
mod sweep_format;
mod tensorboard_writer;
#[cfg(test)]
mod tests;
mod wandb_writer;

use runql_core::error::{CoreError, Result};

pub use mlflow_writer::write_mlflow;
#[cfg(not(target_arch = "wasm32"))]
pub use mlflow_writer::write_mlflow_dir;
pub use sweep_format::{SweepFormat, write_sweep};
pub use tensorboard_writer::write_tensorboard;
pub use wandb_writer::write_wandb;

/// What sweep to generate: how many runs, metrics per run and points per metric, and the
/// seed that everything else is derived from.
///
/// ```
/// use runql_synth::SweepSpec;
/// let spec = SweepSpec { runs: 100, ..SweepSpec::default() };
/// assert!(spec.validate().is_ok());
/// assert_eq!(spec.points(), 100 * 6 * 200);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SweepSpec {
    /// Number of runs in the sweep (three seeds per config).
    pub runs: usize,
    /// Metric keys per run, at least 3: `train/loss`, `val/loss` and `val/accuracy` always
    /// exist; see [`SweepSpec::metric_keys`] for the rest.
    pub metrics: usize,
    /// Points logged per metric (steps `0..steps`).
    pub steps: usize,
    /// Seed of the whole sweep: configs, run ids, curves, noise and timestamps.
    pub seed: u64,
}

impl Default for SweepSpec {
    /// 48 runs × 6 metrics × 200 steps, seed 42.
    ///
    /// ```
    /// use runql_synth::SweepSpec;
    /// assert_eq!(SweepSpec::default().runs, 48);
    /// ```
    fn default() -> Self {
        Self { runs: 48, metrics: 6, steps: 200, seed: 42 }
    }
}

impl SweepSpec {
    /// Fewest metrics a spec may ask for (`train/loss`, `val/loss`, `val/accuracy`).
    pub const MIN_METRICS: usize = 3;
    /// Most runs a spec may ask for.
    pub const MAX_RUNS: usize = 100_000;
    /// Most metric keys per run a spec may ask for.
    pub const MAX_METRICS: usize = 1_000;
    /// Most steps per metric a spec may ask for.
    pub const MAX_STEPS: usize = 1_000_000;
    /// Most points (`runs × metrics × steps`) a spec may ask for: about 4 GB of metric files.
    pub const MAX_POINTS: u64 = 100_000_000;

    /// Checks the spec, saying what is wrong and what is allowed.
    ///
    /// ```
    /// use runql_synth::SweepSpec;
    /// let err = SweepSpec { metrics: 2, ..SweepSpec::default() }.validate().unwrap_err();
    /// assert!(err.to_string().contains("at least 3"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(CoreError::InvalidArgument(msg));
        if self.runs == 0 || self.runs > Self::MAX_RUNS {
            return bad(format!("sweep runs must be 1..={}, got {}", Self::MAX_RUNS, self.runs));
        }
        if self.metrics < Self::MIN_METRICS || self.metrics > Self::MAX_METRICS {
            return bad(format!(
                "sweep metrics must be at least {} (train/loss, val/loss, val/accuracy) and at most {}, got {}",
                Self::MIN_METRICS,
                Self::MAX_METRICS,
                self.metrics
            ));
        }
        if self.steps == 0 || self.steps > Self::MAX_STEPS {
            return bad(format!("sweep steps must be 1..={}, got {}", Self::MAX_STEPS, self.steps));
        }
        if self.points() > Self::MAX_POINTS {
            return bad(format!(
                "sweep of {} runs × {} metrics × {} steps = {} points is more than the {} allowed",
                self.runs,
                self.metrics,
                self.steps,
                self.points(),
                Self::MAX_POINTS
            ));
        }
        Ok(())
    }

    /// Number of metric points the sweep holds: `runs × metrics × steps` (saturating).
    ///
    /// ```
    /// use runql_synth::SweepSpec;
    /// assert_eq!(SweepSpec { runs: 2, metrics: 3, steps: 10, seed: 0 }.points(), 60);
    /// ```
    pub fn points(&self) -> u64 {
        let as_u64 = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        as_u64(self.runs).saturating_mul(as_u64(self.metrics)).saturating_mul(as_u64(self.steps))
    }

    /// The metric keys every run logs, in order: `train/loss`, `val/loss`, `val/accuracy`,
    /// `train/lr`, `train/grad_norm`, `system/throughput`, `val/perplexity`, then
    /// `aux/metric_1`, `aux/metric_2`, … up to [`SweepSpec::metrics`] keys.
    ///
    /// ```
    /// use runql_synth::SweepSpec;
    /// let spec = SweepSpec { metrics: 8, ..SweepSpec::default() };
    /// assert_eq!(spec.metric_keys().last().map(String::as_str), Some("aux/metric_1"));
    /// ```
    pub fn metric_keys(&self) -> Vec<String> {
        (0..self.metrics).map(|i| curves::MetricKind::from_index(i).key()).collect()
    }
}

/// What [`write_mlflow`] or [`write_mlflow_dir`] produced.
///
/// ```
/// use runql_synth::{SweepSpec, write_mlflow};
/// let spec = SweepSpec { runs: 3, metrics: 3, steps: 5, seed: 1 };
/// let summary = write_mlflow(&spec, &mut |_, _| Ok(()))?;
/// assert_eq!(summary.runs, 3);
/// assert_eq!(summary.best_run_id.as_ref().map(String::len), Some(32));
/// # Ok::<(), runql_core::CoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSummary {
    /// The sweep experiment's id (a long integer, as MLflow ≥ 1.x file stores make them).
    pub experiment_id: String,
    /// Runs written.
    pub runs: usize,
    /// Runs that diverged (status `FAILED`, losses `nan` from some step on).
    pub failed_runs: usize,
    /// Metric points written (lines across all metric files).
    pub points: u64,
    /// Files written (meta.yaml, params, tags and metric files).
    pub files: u64,
    /// Bytes written across all files.
    pub bytes: u64,
    /// The run with the lowest final `val/loss` among runs that did not diverge; `None`
    /// only when every run diverged.
    pub best_run_id: Option<String>,
    /// That run's final `val/loss` (`NaN` when there is no such run).
    pub best_final_val_loss: f64,
}
