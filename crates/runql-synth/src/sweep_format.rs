//! One entry point for every form `runql gen` writes the sweep in, so the CLI, the
//! WebAssembly package and the benchmarks generate each format the same way.

use std::str::FromStr;

use super::{SweepSpec, SweepSummary, write_mlflow, write_tensorboard, write_wandb};
use runql_codecs::columnar::{TableFormat, write_tables};
use runql_core::FileTree;
use runql_core::error::{CoreError, Result};
use runql_readers::LoadOptions;

/// The forms a synthetic sweep can be written in.
///
/// ```
/// use runql_synth::SweepFormat;
/// let format: SweepFormat = "tensorboard".parse()?;
/// assert_eq!(format, SweepFormat::Tensorboard);
/// assert_eq!(format.name(), "tensorboard");
/// assert!("csv".parse::<SweepFormat>().is_err());
/// # Ok::<(), runql_core::CoreError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SweepFormat {
    /// An MLflow file store (`mlruns/`), see [`write_mlflow`].
    Mlflow,
    /// Offline W&B run folders (`wandb/run-*/`), see [`write_wandb`].
    Wandb,
    /// A TensorBoard logdir of event files, see [`write_tensorboard`].
    Tensorboard,
    /// runql's own tables as Parquet files (what `runql convert` writes).
    Parquet,
    /// runql's own tables as Arrow IPC files (`runql convert --format arrow`).
    Arrow,
}

impl SweepFormat {
    /// Every format, in the order benchmarks list them.
    pub const ALL: [SweepFormat; 5] =
        [Self::Mlflow, Self::Wandb, Self::Tensorboard, Self::Parquet, Self::Arrow];

    /// The format's name as the CLI and the JavaScript package spell it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mlflow => "mlflow",
            Self::Wandb => "wandb",
            Self::Tensorboard => "tensorboard",
            Self::Parquet => "parquet",
            Self::Arrow => "arrow",
        }
    }
}

impl FromStr for SweepFormat {
    type Err = CoreError;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL.into_iter().find(|f| f.name() == s).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|f| f.name()).collect();
            CoreError::InvalidArgument(format!(
                "unknown sweep format {s:?}; expected one of {}",
                names.join(", ")
            ))
        })
    }
}

/// Writes the sweep of `spec` in `format` through `sink(relative path, bytes)`.
///
/// The table formats go through the MLflow reader in memory, so their tables are exactly
/// what loading the `mlflow` form gives; `files` and `bytes` of the summary then count the
/// table files.
///
/// ```
/// use runql_synth::{SweepFormat, SweepSpec, write_sweep};
/// let spec = SweepSpec { runs: 3, metrics: 3, steps: 5, seed: 1 };
/// let mut names = Vec::new();
/// let summary = write_sweep(&spec, SweepFormat::Parquet, &mut |path, _| {
///     names.push(path.to_string());
///     Ok(())
/// })?;
/// assert_eq!(summary.points, 3 * 3 * 5);
/// assert!(names.contains(&"metrics.parquet".to_string()));
/// # Ok::<(), runql_core::CoreError>(())
/// ```
///
/// # Errors
/// [`CoreError::InvalidArgument`] for a spec out of range, or what `sink` fails with.
pub fn write_sweep(
    spec: &SweepSpec,
    format: SweepFormat,
    sink: &mut dyn FnMut(&str, &[u8]) -> Result<()>,
) -> Result<SweepSummary> {
    let table_format = match format {
        SweepFormat::Mlflow => return write_mlflow(spec, sink),
        SweepFormat::Wandb => return write_wandb(spec, sink),
        SweepFormat::Tensorboard => return write_tensorboard(spec, sink),
        SweepFormat::Parquet => TableFormat::Parquet,
        SweepFormat::Arrow => TableFormat::Arrow,
    };
    let mut tree = FileTree::new("gen");
    let mut summary = write_mlflow(spec, &mut |path, bytes| {
        tree.insert(path, bytes.to_vec());
        Ok(())
    })?;
    let loaded = runql_readers::load(&[tree], &LoadOptions::default())?;
    let written = write_tables(&loaded.tables, table_format, sink)?;
    summary.files = written.len() as u64;
    summary.bytes = written.iter().map(|w| w.bytes).sum();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_loads_back_to_the_same_points() -> Result<()> {
        let spec = SweepSpec { runs: 4, metrics: 3, steps: 7, seed: 3 };
        for format in SweepFormat::ALL {
            let mut tree = FileTree::new(format.name());
            let summary = write_sweep(&spec, format, &mut |path, bytes| {
                tree.insert(path, bytes.to_vec());
                Ok(())
            })?;
            assert_eq!(summary.points, spec.points(), "{format:?}");
            assert_eq!(summary.files, tree.len() as u64, "{format:?}");
            let loaded = runql_readers::load(&[tree], &LoadOptions::default())?;
            assert_eq!(loaded.report.rows.runs, 4, "{format:?}: {}", loaded.report);
            assert_eq!(loaded.report.rows.metrics, spec.points(), "{format:?}: {}", loaded.report);
        }
        Ok(())
    }

    #[test]
    fn names_round_trip() {
        for format in SweepFormat::ALL {
            assert_eq!(format.name().parse::<SweepFormat>().ok(), Some(format));
        }
        let err = "mlruns".parse::<SweepFormat>().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("mlflow, wandb, tensorboard, parquet, arrow"), "{err}");
    }
}
