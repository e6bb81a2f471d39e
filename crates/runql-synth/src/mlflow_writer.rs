//! Writes a planned sweep as an MLflow file store (`mlruns/`), file by file.

use super::curves::RunCurves;
use super::format::{push_metric_lines, step_pieces, timestamp_pieces};
use super::schedule::{BASE_EPOCH_MS, Output, metric_kinds, write_runs};
use super::sweep::{RunPlan, SweepPlan};
use super::{SweepSpec, SweepSummary};
use runql_core::error::Result;

/// MLflow's `RunStatus` as stored in `meta.yaml`.
const STATUS_FINISHED: u8 = 3;
const STATUS_FAILED: u8 = 4;

/// Generates the sweep described by `spec` and hands each file to `sink` as
/// `(path, contents)`, with `path` relative to the output root and `/`-separated (e.g.
/// `mlruns/0/meta.yaml`, `mlruns/<exp>/<run_id>/metrics/val/loss`). Files come in a fixed
/// order and every file is handed over once, whole.
///
/// The layout is what MLflow's file store writes: experiment `0` (`Default`) and the sweep
/// experiment with `meta.yaml`, and per run `meta.yaml`, `params/<key>`, `tags/<key>` and
/// `metrics/<key>` with `"{timestamp} {value} {step}\n"` lines. Artifact locations use the
/// `mlflow-artifacts:` scheme of a tracking server, so the output does not depend on where
/// it is written. A sink error stops generation and is returned as is.
///
/// ```
/// use std::collections::BTreeMap;
/// use runql_synth::{SweepSpec, write_mlflow};
///
/// let spec = SweepSpec { runs: 3, metrics: 3, steps: 4, seed: 1 };
/// let mut files = BTreeMap::new();
/// let summary = write_mlflow(&spec, &mut |path, bytes| {
///     files.insert(path.to_string(), bytes.to_vec());
///     Ok(())
/// })?;
/// let default = String::from_utf8_lossy(&files["mlruns/0/meta.yaml"]).into_owned();
/// assert!(default.contains("name: Default\n"));
/// let loss = files.keys().find(|p| p.ends_with("/metrics/val/loss")).unwrap();
/// assert_eq!(files[loss].split(|b| *b == b'\n').filter(|l| !l.is_empty()).count(), 4);
/// assert_eq!(summary.files as usize, files.len());
/// # Ok::<(), runql_core::CoreError>(())
/// ```
pub fn write_mlflow(
    spec: &SweepSpec,
    sink: &mut dyn FnMut(&str, &[u8]) -> Result<()>,
) -> Result<SweepSummary> {
    // Before any allocation sized by the spec.
    spec.validate()?;
    let kinds = metric_kinds(spec);
    let step_numbers = step_pieces(spec.steps);
    let mut values = Vec::with_capacity(spec.steps);
    let mut buf = Vec::with_capacity(spec.steps.saturating_mul(40));
    let experiments = |out: &mut Output<'_>, plan: &SweepPlan| -> Result<()> {
        let default_created = BASE_EPOCH_MS - 30 * 86_400_000;
        out.file("mlruns/0/meta.yaml", experiment_yaml("0", "Default", default_created).as_bytes())?;
        let exp = &plan.experiment_id;
        let exp_yaml = experiment_yaml(exp, &plan.experiment_name, BASE_EPOCH_MS - 3_600_000);
        out.file(&format!("mlruns/{exp}/meta.yaml"), exp_yaml.as_bytes())
    };
    let run_files =
        |out: &mut Output<'_>, plan: &SweepPlan, run: &RunPlan, curves: &RunCurves| -> Result<()> {
            let dir = format!("mlruns/{}/{}", plan.experiment_id, run.run_id);
            out.file(&format!("{dir}/meta.yaml"), run_yaml(plan, run, curves, curves.diverged()).as_bytes())?;
            for (key, value) in run.params() {
                out.file(&format!("{dir}/params/{key}"), value.as_bytes())?;
            }
            for (key, value) in run_tags(plan, run) {
                out.file(&format!("{dir}/tags/{key}"), value.as_bytes())?;
            }
            let train_times = timestamp_pieces(&curves.timestamps);
            let val_times = timestamp_pieces(&curves.val_timestamps);
            for (kind, key) in &kinds {
                curves.fill(*kind, &mut values);
                buf.clear();
                let times = if kind.is_val() { &val_times } else { &train_times };
                push_metric_lines(&mut buf, times, &values, &step_numbers);
                out.file(&format!("{dir}/metrics/{key}"), &buf)?;
            }
            Ok(())
        };
    write_runs(spec, sink, experiments, run_files)
}

/// Generates the sweep into `dir`, creating `dir/mlruns/…` (existing files with the same
/// names are overwritten; sweeps with other seeds land in their own experiment, so several
/// can share one store). Each file is built in memory and written with one call.
///
/// ```no_run
/// use runql_synth::{SweepSpec, write_mlflow_dir};
/// let summary = write_mlflow_dir(&SweepSpec::default(), std::path::Path::new("demo"))?;
/// println!("{} runs, best {:?}", summary.runs, summary.best_run_id);
/// # Ok::<(), runql_core::CoreError>(())
/// ```
#[cfg(not(target_arch = "wasm32"))]
pub fn write_mlflow_dir(spec: &SweepSpec, dir: &std::path::Path) -> Result<SweepSummary> {
    use runql_core::error::CoreError;
    use std::collections::HashSet;
    use std::path::PathBuf;

    spec.validate()?;
    let mut made: HashSet<PathBuf> = HashSet::new();
    write_mlflow(spec, &mut |rel, bytes| {
        let path = dir.join(rel);
        if let Some(parent) = path.parent()
            && !made.contains(parent)
        {
            std::fs::create_dir_all(parent)
                .map_err(|source| CoreError::Write { path: parent.to_path_buf(), source })?;
            made.insert(parent.to_path_buf());
        }
        // MLflow's file store only finds a run whose folder also has an `artifacts/`
        // folder, even an empty one; the in-memory writer has no empty folders to give.
        if rel.ends_with("/meta.yaml")
            && rel.matches('/').count() == 3
            && let Some(run_dir) = path.parent()
        {
            let artifacts = run_dir.join("artifacts");
            std::fs::create_dir_all(&artifacts)
                .map_err(|source| CoreError::Write { path: artifacts.clone(), source })?;
        }
        std::fs::write(&path, bytes).map_err(|source| CoreError::Write { path, source })
    })
}

/// An experiment's `meta.yaml` as PyYAML `safe_dump` writes it (sorted keys).
fn experiment_yaml(id: &str, name: &str, created: i64) -> String {
    format!(
        "artifact_location: mlflow-artifacts:/{id}\ncreation_time: {created}\nexperiment_id: '{id}'\n\
         last_update_time: {created}\nlifecycle_stage: active\nname: {name}\n"
    )
}

/// A run's `meta.yaml` as MLflow 3's file store writes it (sorted keys, int status).
fn run_yaml(plan: &SweepPlan, run: &RunPlan, curves: &RunCurves, failed: bool) -> String {
    let exp = &plan.experiment_id;
    let status = if failed { STATUS_FAILED } else { STATUS_FINISHED };
    format!(
        "artifact_uri: mlflow-artifacts:/{exp}/{id}/artifacts\nend_time: {end}\nentry_point_name: ''\n\
         experiment_id: '{exp}'\nlifecycle_stage: active\nrun_id: {id}\nrun_name: {name}\nsource_name: ''\n\
         source_type: 4\nsource_version: ''\nstart_time: {start}\nstatus: {status}\ntags: []\nuser_id: {user}\n",
        id = run.run_id,
        end = curves.end_time,
        name = run.run_name,
        start = curves.start_time,
        user = run.user,
    )
}

/// The run's tags: the sweep's own plus MLflow's system tags.
fn run_tags<'a>(plan: &'a SweepPlan, run: &'a RunPlan) -> [(&'static str, &'a str); 9] {
    [
        ("mlflow.runName", &run.run_name),
        ("mlflow.source.git.commit", &plan.git_commit),
        ("mlflow.source.name", "train.py"),
        ("mlflow.source.type", "LOCAL"),
        ("mlflow.user", run.user),
        ("model_size", run.config.model.label()),
        ("stage", run.stage),
        ("sweep", &plan.sweep_id),
        ("team", run.team),
    ]
}
