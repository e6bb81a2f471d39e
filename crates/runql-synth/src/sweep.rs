//! The sweep design: which config, seed, name, owner and fate each run gets.

use std::collections::{BTreeMap, BTreeSet};

use rand::RngExt;
use rand_pcg::Pcg64Mcg;

use super::SweepSpec;
use super::format::py_float;
use super::random::{hex, index_below, pick, rng_for, stream, uuid4_hex};

/// Seeds (repeats) per config.
const SEEDS_PER_CONFIG: usize = 3;

/// Learning rates of the grid.
pub(crate) const LEARNING_RATES: [f64; 5] = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2];
/// Batch sizes of the grid.
const BATCH_SIZES: [u32; 4] = [32, 64, 128, 256];
/// Warmup lengths as a fraction of the run's steps.
const WARMUP_FRACTIONS: [f64; 3] = [0.02, 0.05, 0.1];
/// Dropout values of the grid.
const DROPOUTS: [f64; 2] = [0.0, 0.1];

/// Model sizes of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ModelSize {
    M125,
    M350,
    B1_3,
    B7,
}

impl ModelSize {
    pub(crate) const ALL: [ModelSize; 4] = [Self::M125, Self::M350, Self::B1_3, Self::B7];

    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::M125 => "125m",
            Self::M350 => "350m",
            Self::B1_3 => "1.3b",
            Self::B7 => "7b",
        }
    }

    /// Parameter count.
    pub(crate) fn params(self) -> f64 {
        match self {
            Self::M125 => 1.25e8,
            Self::M350 => 3.5e8,
            Self::B1_3 => 1.3e9,
            Self::B7 => 7e9,
        }
    }

    /// Best Adam learning rate: smaller for bigger models.
    pub(crate) fn adam_lr_opt(self) -> f64 {
        match self {
            Self::M125 => 3e-3,
            Self::M350 => 1.5e-3,
            Self::B1_3 => 6e-4,
            Self::B7 => 3e-4,
        }
    }

    /// Milliseconds per optimizer step at batch size 64.
    pub(crate) fn step_ms(self) -> f64 {
        match self {
            Self::M125 => 180.0,
            Self::M350 => 420.0,
            Self::B1_3 => 1300.0,
            Self::B7 => 5200.0,
        }
    }

    /// Milliseconds from run start to the first step (loading, compiling).
    pub(crate) fn setup_ms(self) -> f64 {
        match self {
            Self::M125 => 8_000.0,
            Self::M350 => 15_000.0,
            Self::B1_3 => 40_000.0,
            Self::B7 => 120_000.0,
        }
    }
}

/// Optimizers of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Optimizer {
    Adam,
    Sgd,
}

impl Optimizer {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Adam => "adam",
            Self::Sgd => "sgd",
        }
    }
}

/// One point of the grid, without the seed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Config {
    pub lr: f64,
    pub batch_size: u32,
    pub model: ModelSize,
    pub optimizer: Optimizer,
    pub warmup_steps: u64,
    pub dropout: f64,
}

impl Config {
    /// A key that tells configs apart (floats by bits; they come from fixed tables).
    fn key(&self) -> (u64, u32, ModelSize, Optimizer, u64, u64) {
        (
            self.lr.to_bits(),
            self.batch_size,
            self.model,
            self.optimizer,
            self.warmup_steps,
            self.dropout.to_bits(),
        )
    }
}

/// Everything about a run that does not depend on the step.
#[derive(Debug, Clone)]
pub(crate) struct RunPlan {
    /// Position in the sweep; also selects the run's random streams.
    pub index: u64,
    pub run_id: String,
    pub run_name: String,
    pub config: Config,
    pub seed: u32,
    pub team: &'static str,
    pub user: &'static str,
    pub stage: &'static str,
    /// The step at which the losses become `inf` (then `nan`), if the run diverges.
    pub diverge_at: Option<u64>,
}

impl RunPlan {
    /// The run's params as MLflow stores them (sorted by key).
    pub(crate) fn params(&self) -> [(&'static str, String); 7] {
        let c = &self.config;
        [
            ("batch_size", c.batch_size.to_string()),
            ("dropout", py_float(c.dropout)),
            ("lr", py_float(c.lr)),
            ("model_size", c.model.label().to_string()),
            ("optimizer", c.optimizer.label().to_string()),
            ("seed", self.seed.to_string()),
            ("warmup_steps", c.warmup_steps.to_string()),
        ]
    }
}

/// The whole sweep: experiment identity and run plans.
#[derive(Debug, Clone)]
pub(crate) struct SweepPlan {
    pub experiment_id: String,
    pub experiment_name: String,
    pub sweep_id: String,
    pub git_commit: String,
    pub runs: Vec<RunPlan>,
}

const ADJECTIVES: [&str; 24] = [
    "adorable",
    "bold",
    "brawny",
    "bright",
    "calm",
    "clean",
    "crawling",
    "dapper",
    "defiant",
    "enchanting",
    "fearless",
    "gentle",
    "glamorous",
    "honorable",
    "kindly",
    "languid",
    "merciful",
    "nimble",
    "polite",
    "redolent",
    "rogue",
    "skillful",
    "smiling",
    "unique",
];
const NOUNS: [&str; 24] = [
    "ant", "bass", "bat", "bear", "carp", "cat", "colt", "crab", "deer", "doe", "eel", "fox", "gnu", "hare",
    "hawk", "jay", "koi", "lark", "mole", "moth", "owl", "ram", "seal", "wolf",
];
const TEAMS: [(&str, [&str; 2]); 3] =
    [("pretraining", ["alice", "bruno"]), ("scaling", ["chen", "dana"]), ("efficiency", ["emeka", "fatima"])];

/// An MLflow-style run name (`bold-owl-417`) not used before in this sweep.
fn run_name(rng: &mut Pcg64Mcg, used: &mut BTreeSet<String>) -> String {
    loop {
        let name = format!(
            "{}-{}-{}",
            pick(rng, &ADJECTIVES, "bold"),
            pick(rng, &NOUNS, "owl"),
            rng.random_range(0..1000u32)
        );
        if used.insert(name.clone()) {
            return name;
        }
    }
}

/// Chance that a run with this config diverges.
fn divergence_chance(config: &Config) -> f64 {
    let big = matches!(config.model, ModelSize::B1_3 | ModelSize::B7);
    let base = match (config.optimizer, config.lr >= 1e-2, config.lr >= 3e-3) {
        (Optimizer::Adam, true, _) => 0.6,
        (Optimizer::Sgd, true, _) => 0.35,
        (Optimizer::Adam, false, true) => {
            if big {
                0.2
            } else {
                0.08
            }
        }
        (Optimizer::Sgd, false, true) => 0.15,
        _ => 0.0,
    };
    let small_batch = if config.batch_size <= 32 { 1.3 } else { 1.0 };
    f64::min(base * small_batch, 0.9)
}

/// (model size, learning rate) pairs in blocks of 20: each block covers every pair once,
/// interleaved by model size so any prefix is balanced across sizes.
fn size_lr_pairs(rng: &mut Pcg64Mcg, count: usize) -> Vec<(ModelSize, f64)> {
    let mut pairs = Vec::with_capacity(count + 20);
    while pairs.len() < count {
        let mut block = Vec::with_capacity(20);
        for (size_rank, model) in ModelSize::ALL.into_iter().enumerate() {
            let mut lrs = LEARNING_RATES;
            for i in (1..lrs.len()).rev() {
                lrs.swap(i, index_below(rng, i + 1));
            }
            block.extend(lrs.into_iter().enumerate().map(|(pos, lr)| (pos, size_rank, model, lr)));
        }
        block.sort_by_key(|(pos, size_rank, _, _)| (*pos, *size_rank));
        pairs.extend(block.into_iter().map(|(_, _, model, lr)| (model, lr)));
    }
    pairs.truncate(count);
    pairs
}

/// Plans the sweep: experiment identity, then each run's config, seed, identity and fate.
pub(crate) fn plan(spec: &SweepSpec) -> SweepPlan {
    let mut rng = rng_for(spec.seed, u64::MAX, stream::SWEEP);
    let experiment_id =
        format!("{}", rng.random_range(100_000_000_000_000_000u64..1_000_000_000_000_000_000));
    let sweep_id = format!("sweep-{}", hex(&mut rng, 8));
    let experiment_name = format!("lm-{sweep_id}");
    let git_commit = hex(&mut rng, 40);

    let configs_needed = spec.runs.div_ceil(SEEDS_PER_CONFIG);
    let steps = u64::try_from(spec.steps).unwrap_or(u64::MAX);
    let mut used_configs: BTreeMap<_, u32> = BTreeMap::new();
    let mut decks: BTreeMap<ModelSize, ConfigDecks> = BTreeMap::new();
    let mut used_names = BTreeSet::new();
    let mut runs = Vec::with_capacity(spec.runs);
    for (model, lr) in size_lr_pairs(&mut rng, configs_needed) {
        let decks = decks.entry(model).or_insert_with(ConfigDecks::new);
        let config = decks.draw(&mut rng, model, lr, steps);
        let repeats = used_configs.entry(config.key()).or_insert(0);
        let first_seed = *repeats * u32::try_from(SEEDS_PER_CONFIG).unwrap_or(3);
        *repeats += 1;
        let (team, users) = pick(&mut rng, &TEAMS, ("pretraining", ["alice", "bruno"]));
        let user = pick(&mut rng, &users, "alice");
        let stage = if rng.random_bool(0.25) { "baseline" } else { "candidate" };
        for seed in (first_seed..).take(SEEDS_PER_CONFIG) {
            if runs.len() == spec.runs {
                break;
            }
            let index = u64::try_from(runs.len()).unwrap_or(u64::MAX);
            let mut run_rng = rng_for(spec.seed, index, stream::RUN);
            let run_id = uuid4_hex(&mut run_rng);
            let run_name = run_name(&mut run_rng, &mut used_names);
            let diverge_at = (steps >= 10 && run_rng.random_bool(divergence_chance(&config)))
                .then(|| (steps as f64 * run_rng.random_range(0.15..0.75)) as u64);
            runs.push(RunPlan { index, run_id, run_name, config, seed, team, user, stage, diverge_at });
        }
    }
    SweepPlan { experiment_id, experiment_name, sweep_id, git_commit, runs }
}

/// Draws without replacement from `items`, reshuffling when all have been drawn, so every
/// value comes up equally often.
struct Deck<T: Copy + 'static> {
    items: Vec<T>,
    next: usize,
}

impl<T: Copy + 'static> Deck<T> {
    fn new(items: &[T]) -> Self {
        Self { items: items.to_vec(), next: items.len() }
    }

    fn draw(&mut self, rng: &mut Pcg64Mcg, fallback: T) -> T {
        if self.next >= self.items.len() {
            for i in (1..self.items.len()).rev() {
                self.items.swap(i, index_below(rng, i + 1));
            }
            self.next = 0;
        }
        let item = self.items.get(self.next).copied().unwrap_or(fallback);
        self.next += 1;
        item
    }
}

/// One model size's decks for the dimensions not stratified by [`size_lr_pairs`], so each
/// size sees the same mix of batch sizes, optimizers, warmups and dropouts.
struct ConfigDecks {
    batch_size: Deck<u32>,
    optimizer: Deck<Optimizer>,
    warmup: Deck<f64>,
    dropout: Deck<f64>,
}

impl ConfigDecks {
    fn new() -> Self {
        Self {
            batch_size: Deck::new(&BATCH_SIZES),
            optimizer: Deck::new(&[Optimizer::Adam, Optimizer::Sgd, Optimizer::Adam]),
            warmup: Deck::new(&WARMUP_FRACTIONS),
            dropout: Deck::new(&DROPOUTS),
        }
    }

    fn draw(&mut self, rng: &mut Pcg64Mcg, model: ModelSize, lr: f64, steps: u64) -> Config {
        let batch_size = self.batch_size.draw(rng, 64);
        let optimizer = self.optimizer.draw(rng, Optimizer::Adam);
        let warmup_steps = ((steps as f64) * self.warmup.draw(rng, 0.05)).round() as u64;
        let dropout = self.dropout.draw(rng, 0.0);
        Config { lr, batch_size, model, optimizer, warmup_steps, dropout }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_is_balanced_and_unique() {
        let spec = SweepSpec { runs: 60, metrics: 3, steps: 100, seed: 3 };
        let plan = plan(&spec);
        assert_eq!(plan.runs.len(), 60);
        for size in ModelSize::ALL {
            assert_eq!(plan.runs.iter().filter(|r| r.config.model == size).count(), 15);
        }
        for lr in LEARNING_RATES {
            assert_eq!(plan.runs.iter().filter(|r| r.config.lr == lr).count(), 12);
        }
        let ids: BTreeSet<_> = plan.runs.iter().map(|r| r.run_id.clone()).collect();
        assert_eq!(ids.len(), 60);
        let names: BTreeSet<_> = plan.runs.iter().map(|r| r.run_name.clone()).collect();
        assert_eq!(names.len(), 60);
        let keyed: BTreeSet<_> = plan.runs.iter().map(|r| (r.config.key(), r.seed)).collect();
        assert_eq!(keyed.len(), 60, "no (config, seed) twice");
        for run in &plan.runs {
            assert_eq!(run.run_id.len(), 32);
            assert!(run.run_id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
            if let Some(at) = run.diverge_at {
                assert!(at < 100 && run.config.lr >= 3e-3);
            }
        }
        assert!(plan.runs.iter().any(|r| r.diverge_at.is_some()));
        assert_eq!(plan.experiment_id.len(), 18);
    }

    #[test]
    fn params_look_like_python() {
        let spec = SweepSpec { runs: 3, metrics: 3, steps: 100, seed: 1 };
        let run = plan(&spec).runs.remove(0);
        let params = run.params();
        let lr = &params.iter().find(|(k, _)| *k == "lr").unwrap().1;
        assert!(["0.0001", "0.0003", "0.001", "0.003", "0.01"].contains(&lr.as_str()), "{lr}");
        let dropout = &params.iter().find(|(k, _)| *k == "dropout").unwrap().1;
        assert!(dropout == "0.0" || dropout == "0.1");
    }
}
