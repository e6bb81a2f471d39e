//! The curve model: one run's timestamps and metric values, step by step.
//!
//! Losses follow a power-law decay in "learning-rate progress" (the share of the run's
//! summed learning rate spent so far, so warmup and the cosine tail both flatten the curve)
//! from `ln(32000)` down to a floor set by the config: a Chinchilla-style term in the model
//! size, a quadratic penalty in `log10(lr / best lr)`, and smaller terms for batch size,
//! optimizer, dropout and too-short warmup.
//!
//! Transcendental functions come from `libm`, not `std`, so the values are bit-identical on
//! every platform, native and wasm (std defers to the platform's math library, whose last
//! bits differ).

use std::f64::consts::PI;

use libm::{cos, exp, log2, log10, pow, sin};

use rand::RngExt;

use super::random::{normal, rng_for, stream};
use super::sweep::{Config, Optimizer, RunPlan};

/// Initial loss: cross-entropy of a uniform guess over a 32k vocabulary.
const INITIAL_LOSS: f64 = 10.373;
/// Tokens per sequence, for throughput.
const SEQ_LEN: f64 = 2048.0;

/// The metric keys a run logs, by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MetricKind {
    TrainLoss,
    ValLoss,
    ValAccuracy,
    TrainLr,
    GradNorm,
    Throughput,
    Perplexity,
    /// `aux/metric_N`, N from 1.
    Aux(usize),
}

impl MetricKind {
    pub(crate) fn from_index(i: usize) -> Self {
        match i {
            0 => Self::TrainLoss,
            1 => Self::ValLoss,
            2 => Self::ValAccuracy,
            3 => Self::TrainLr,
            4 => Self::GradNorm,
            5 => Self::Throughput,
            6 => Self::Perplexity,
            n => Self::Aux(n - 6),
        }
    }

    pub(crate) fn key(self) -> String {
        match self {
            Self::TrainLoss => "train/loss".into(),
            Self::ValLoss => "val/loss".into(),
            Self::ValAccuracy => "val/accuracy".into(),
            Self::TrainLr => "train/lr".into(),
            Self::GradNorm => "train/grad_norm".into(),
            Self::Throughput => "system/throughput".into(),
            Self::Perplexity => "val/perplexity".into(),
            Self::Aux(n) => format!("aux/metric_{n}"),
        }
    }

    /// Validation metrics are logged a little after the training step they follow.
    pub(crate) fn is_val(self) -> bool {
        matches!(self, Self::ValLoss | Self::ValAccuracy | Self::Perplexity)
    }
}

/// One run's series, computed once; metric values are filled on demand.
#[derive(Debug)]
pub(crate) struct RunCurves {
    seed: u64,
    index: u64,
    diverge_at: Option<usize>,
    pub start_time: i64,
    pub end_time: i64,
    /// Time of each training step's metrics.
    pub timestamps: Vec<i64>,
    /// Time of each step's validation metrics.
    pub val_timestamps: Vec<i64>,
    step_ms: Vec<f64>,
    lr: Vec<f64>,
    /// Learning-rate progress in [0, 1].
    progress: Vec<f64>,
    /// Remaining share of the loss decay: 1 at the start, 0 at the end.
    remaining: Vec<f64>,
    lr_ratio: f64,
    batch_size: f64,
    train_loss: Vec<f64>,
    val_loss: Vec<f64>,
}

impl RunCurves {
    /// Computes the run's timeline, schedule and losses. `start_time` is epoch ms.
    pub(crate) fn new(seed: u64, plan: &RunPlan, steps: usize, start_time: i64) -> Self {
        let c = &plan.config;
        let diverge_at = plan.diverge_at.and_then(|d| usize::try_from(d).ok());
        let batch_size = f64::from(c.batch_size);

        let timeline = Timeline::new(seed, plan, steps, start_time);
        let lr = lr_schedule(c.lr, c.warmup_steps, steps);
        let progress = lr_progress(&lr);

        // Where the loss ends up, and how fast it gets there.
        let mut rng = rng_for(seed, plan.index, stream::TRAIN);
        let lr_ratio = c.lr / lr_opt(c);
        let final_loss = loss_floor(c, steps) + 0.008 * normal(&mut rng);
        let start_loss = INITIAL_LOSS + 0.03 * normal(&mut rng);
        let tau = (0.06 / lr_ratio.sqrt()).clamp(0.01, 0.5);
        let shape = |s: f64| pow(1.0 + s / tau, -1.1);
        let shape_end = shape(1.0);
        let remaining: Vec<f64> =
            progress.iter().map(|s| ((shape(*s) - shape_end) / (1.0 - shape_end)).clamp(0.0, 1.0)).collect();
        let train_clean: Vec<f64> =
            remaining.iter().map(|h| final_loss + (start_loss - final_loss) * h).collect();

        // Noisy training loss: AR(1) multiplicative noise, larger for small batches.
        let sigma = 0.015 * (64.0 / batch_size).sqrt();
        let phi: f64 = 0.6;
        let innovation = (1.0 - phi * phi).sqrt();
        let mut ar = 0.0;
        let mut train_loss: Vec<f64> = train_clean
            .iter()
            .map(|x| {
                ar = phi * ar + innovation * normal(&mut rng);
                x * (1.0 + sigma * ar)
            })
            .collect();

        // Validation: a gap that opens with training, and an overfitting upturn for small
        // batches with a high learning rate (damped by dropout).
        let mut rng = rng_for(seed, plan.index, stream::VAL);
        let gap = 0.03 + 0.02 * (1.0 - c.dropout / 0.1).max(0.0);
        let dropout_damping = if c.dropout > 0.0 { 0.5 } else { 1.0 };
        let overfit = if c.batch_size <= 64 && c.lr >= 3e-3 {
            0.3 * (c.lr / 3e-3).sqrt() * (64.0 / batch_size).sqrt() * dropout_damping
        } else if c.batch_size <= 128 && c.lr >= 1e-2 {
            0.1 * dropout_damping
        } else {
            0.0
        };
        let mut val_loss: Vec<f64> = train_clean
            .iter()
            .zip(&remaining)
            .zip(&progress)
            .map(|((x, h), s)| {
                let late = (s - 0.5).max(0.0);
                x + gap * (1.0 - h) + overfit * late * late / 0.25 + 0.004 * normal(&mut rng)
            })
            .collect();

        if let Some(d) = diverge_at {
            blow_up(&mut train_loss, d, 1.8);
            blow_up(&mut val_loss, d, 1.8);
        }

        Self {
            seed,
            index: plan.index,
            diverge_at,
            start_time,
            end_time: timeline.end_time,
            timestamps: timeline.timestamps,
            val_timestamps: timeline.val_timestamps,
            step_ms: timeline.step_ms,
            lr,
            progress,
            remaining,
            lr_ratio,
            batch_size,
            train_loss,
            val_loss,
        }
    }

    /// The last `val/loss` value (`NaN` for a diverged run).
    pub(crate) fn final_val_loss(&self) -> f64 {
        self.val_loss.last().copied().unwrap_or(f64::NAN)
    }

    /// Whether the run diverged.
    pub(crate) fn diverged(&self) -> bool {
        self.diverge_at.is_some()
    }

    /// Writes the metric's values for every step into `out` (cleared first).
    pub(crate) fn fill(&self, kind: MetricKind, out: &mut Vec<f64>) {
        out.clear();
        match kind {
            MetricKind::TrainLoss => out.extend_from_slice(&self.train_loss),
            MetricKind::ValLoss => out.extend_from_slice(&self.val_loss),
            MetricKind::Perplexity => out.extend(self.val_loss.iter().map(|x| exp(*x))),
            MetricKind::TrainLr => out.extend_from_slice(&self.lr),
            MetricKind::ValAccuracy => self.fill_accuracy(out),
            MetricKind::GradNorm => self.fill_grad_norm(out),
            MetricKind::Throughput => {
                let tokens = self.batch_size * SEQ_LEN;
                out.extend(self.step_ms.iter().map(|ms| (tokens / (ms / 1000.0)).round()));
            }
            MetricKind::Aux(n) => self.fill_aux(n, out),
        }
    }

    /// Token accuracy: a logistic function of the validation loss, rising and saturating;
    /// 0 once the run has diverged.
    fn fill_accuracy(&self, out: &mut Vec<f64>) {
        let mut rng = rng_for(self.seed, self.index, stream::ACCURACY);
        out.extend(self.val_loss.iter().enumerate().map(|(i, loss)| {
            let noise = 1.0 + 0.02 * normal(&mut rng);
            if self.diverge_at.is_some_and(|d| i >= d) {
                return 0.0;
            }
            (0.98 / (1.0 + exp(1.6 * (loss - 2.6))) * noise).clamp(0.0, 1.0)
        }));
    }

    /// Gradient norm: large early, settling, log-normal noise with rare spikes; explodes
    /// before a divergence.
    fn fill_grad_norm(&self, out: &mut Vec<f64>) {
        let mut rng = rng_for(self.seed, self.index, stream::GRAD);
        let scale = pow(self.lr_ratio, 0.25);
        out.extend(self.remaining.iter().map(|h| {
            let mut g = (0.2 + 1.8 * h) * scale * exp(0.2 * normal(&mut rng));
            if rng.random_bool(0.01) {
                g *= rng.random_range(3.0..8.0);
            }
            g
        }));
        if let Some(d) = self.diverge_at {
            blow_up(out, d, 4.0);
        }
    }

    /// A generic extra metric with its own shape, scale and noise; `nan` after divergence.
    fn fill_aux(&self, n: usize, out: &mut Vec<f64>) {
        let purpose = stream::AUX.wrapping_add(u64::try_from(n).unwrap_or(u64::MAX));
        let mut rng = rng_for(self.seed, self.index, purpose);
        let scale = pow(10.0, rng.random_range(-2.0..2.0));
        let tau = rng.random_range(0.05..0.5);
        let shape = rng.random_range(0..3u32);
        out.extend(self.progress.iter().map(|s| {
            let base = match shape {
                0 => 0.2 + exp(-s / tau),
                1 => 1.0 - 0.8 * exp(-s / tau),
                _ => 1.0 + 0.1 * sin(2.0 * PI * 3.0 * s),
            };
            scale * base * (1.0 + 0.02 * normal(&mut rng))
        }));
        if let Some(d) = self.diverge_at {
            out.iter_mut().skip(d).for_each(|x| *x = f64::NAN);
        }
    }
}

/// When a run's steps happen.
struct Timeline {
    timestamps: Vec<i64>,
    val_timestamps: Vec<i64>,
    step_ms: Vec<f64>,
    end_time: i64,
}

impl Timeline {
    /// Setup, then jittered steps with a slow first step and rare stalls; validation metrics
    /// a fixed offset after each step.
    fn new(seed: u64, plan: &RunPlan, steps: usize, start_time: i64) -> Self {
        let c = &plan.config;
        let mut rng = rng_for(seed, plan.index, stream::TIME);
        let sgd_speedup = if c.optimizer == Optimizer::Sgd { 0.96 } else { 1.0 };
        let base_ms = c.model.step_ms() * pow(f64::from(c.batch_size) / 64.0, 0.9) * sgd_speedup;
        let mut elapsed = c.model.setup_ms() * rng.random_range(0.8..1.2);
        let mut step_ms = Vec::with_capacity(steps);
        let mut timestamps = Vec::with_capacity(steps);
        for i in 0..steps {
            let mut dt = base_ms * (1.0 + 0.04 * normal(&mut rng)).max(0.5);
            if i == 0 {
                dt *= 4.0;
            }
            if rng.random_bool(0.005) {
                dt *= rng.random_range(2.0..4.0);
            }
            let dt = dt.round().max(1.0);
            elapsed += dt;
            step_ms.push(dt);
            timestamps.push(start_time + elapsed.round() as i64);
        }
        let eval_offset = (rng.random_range(40.0..300.0) + 0.1 * base_ms).round() as i64;
        let val_timestamps: Vec<i64> = timestamps.iter().map(|t| t + eval_offset).collect();
        let last = val_timestamps.last().copied().unwrap_or(start_time);
        let end_time = last + rng.random_range(1_000..6_000i64);
        Self { timestamps, val_timestamps, step_ms, end_time }
    }
}

/// Linear warmup to `peak`, then cosine decay to a tenth of it at the last step.
fn lr_schedule(peak: f64, warmup_steps: u64, steps: usize) -> Vec<f64> {
    let warmup = usize::try_from(warmup_steps).unwrap_or(usize::MAX);
    let decay_len = steps.saturating_sub(warmup).saturating_sub(1).max(1) as f64;
    let min_lr = 0.1 * peak;
    (0..steps)
        .map(|i| {
            if i < warmup {
                peak * (i + 1) as f64 / warmup as f64
            } else {
                let p = ((i - warmup) as f64 / decay_len).min(1.0);
                min_lr + (peak - min_lr) * 0.5 * (1.0 + cos(PI * p))
            }
        })
        .collect()
}

/// Learning-rate progress at each step: the summed learning rate of the updates before it,
/// 0 at the first logged step (the loss of the initial weights) and 1 at the last.
fn lr_progress(lr: &[f64]) -> Vec<f64> {
    let updates: f64 = lr.iter().take(lr.len().saturating_sub(1)).sum();
    lr.iter()
        .scan(0.0, |done, x| {
            let at = if updates > 0.0 { *done / updates } else { 0.0 };
            *done += x;
            Some(at.min(1.0))
        })
        .collect()
}

/// The best learning rate for the config: smaller for bigger models, 3× higher for SGD.
fn lr_opt(c: &Config) -> f64 {
    c.model.adam_lr_opt() * if c.optimizer == Optimizer::Sgd { 3.0 } else { 1.0 }
}

/// The final training loss a config converges to (before seed noise).
fn loss_floor(c: &Config, steps: usize) -> f64 {
    let lr_ratio = c.lr / lr_opt(c);
    let size_term = 1.69 + 406.4 / pow(c.model.params(), 0.34);
    let lr_penalty = 0.16 * log10(lr_ratio) * log10(lr_ratio);
    let optimizer_penalty = if c.optimizer == Optimizer::Sgd { 0.12 } else { 0.0 };
    let batch_penalty = 0.06 * log2(256.0 / f64::from(c.batch_size));
    let dropout_penalty = 0.15 * c.dropout;
    let short_warmup = (c.warmup_steps as f64) < 0.03 * steps as f64;
    let warmup_penalty = if short_warmup && c.lr >= 3e-3 { 0.04 } else { 0.0 };
    size_term + lr_penalty + optimizer_penalty + batch_penalty + dropout_penalty + warmup_penalty
}

/// Grows the three values before step `d` by `factor`, `factor²`, `factor³`, writes `inf`
/// at `d` and `nan` after it.
fn blow_up(values: &mut [f64], d: usize, factor: f64) {
    for (i, x) in values.iter_mut().enumerate().skip(d.saturating_sub(3)) {
        if i < d {
            *x *= pow(factor, (i + 4 - d) as f64);
        } else if i == d {
            *x = f64::INFINITY;
        } else {
            *x = f64::NAN;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::SweepSpec;
    use super::super::sweep::plan;
    use super::*;

    fn curves(spec: &SweepSpec) -> Vec<(RunPlan, RunCurves)> {
        plan(spec)
            .runs
            .into_iter()
            .map(|p| {
                let c = RunCurves::new(spec.seed, &p, spec.steps, 0);
                (p, c)
            })
            .collect()
    }

    #[test]
    fn schedule_warms_up_then_decays() {
        let spec = SweepSpec { runs: 3, metrics: 4, steps: 200, seed: 9 };
        for (plan, c) in curves(&spec) {
            let peak = c.lr.iter().copied().fold(0.0, f64::max);
            assert!((peak - plan.config.lr).abs() < 1e-12);
            let last = *c.lr.last().unwrap();
            assert!((last - 0.1 * plan.config.lr).abs() < 1e-12, "{last}");
            assert!(c.lr[0] < peak);
            assert!(c.timestamps.windows(2).all(|w| w[0] < w[1]));
            assert!(c.end_time > *c.val_timestamps.last().unwrap());
        }
    }

    #[test]
    fn losses_fall_and_accuracy_rises() {
        let spec = SweepSpec { runs: 24, metrics: 3, steps: 100, seed: 5 };
        let mut acc = Vec::new();
        for (_, c) in curves(&spec).into_iter().filter(|(p, _)| p.diverge_at.is_none()) {
            assert!(c.train_loss[0] > 9.0 && *c.train_loss.last().unwrap() < 3.5);
            assert!(c.final_val_loss() < c.val_loss[0]);
            c.fill(MetricKind::ValAccuracy, &mut acc);
            assert!(acc[0] < 0.01 && *acc.last().unwrap() > 0.3, "{:?}", acc.last());
            assert!(acc.iter().all(|a| (0.0..=1.0).contains(a)));
        }
    }

    #[test]
    fn small_batch_high_lr_overfits() {
        let spec = SweepSpec { runs: 300, metrics: 3, steps: 100, seed: 11 };
        let runs = curves(&spec);
        let (plan, c) = runs
            .iter()
            .find(|(p, _)| p.diverge_at.is_none() && p.config.batch_size == 32 && p.config.lr >= 1e-2)
            .unwrap();
        let min = c.val_loss.iter().copied().fold(f64::INFINITY, f64::min);
        assert!(c.final_val_loss() > min + 0.1, "{plan:?}");
    }

    #[test]
    fn divergence_goes_inf_then_nan() {
        let mut v = vec![1.0; 10];
        blow_up(&mut v, 5, 2.0);
        assert_eq!(&v[..2], &[1.0, 1.0]);
        assert_eq!(&v[2..5], &[2.0, 4.0, 8.0]);
        assert!(v[5].is_infinite());
        assert!(v[6..].iter().all(|x| x.is_nan()));
    }
}
