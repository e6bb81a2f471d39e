//! Reading one MLflow run folder: `meta.yaml`, `params/`, `tags/`, `metrics/`.

use super::meta::{ExperimentMeta, RunMeta};
use super::metric_file::parse_metric_file;
use crate::progress::ProgressTracker;
use runql_core::error::Result;
use runql_core::model::{RunData, RunInfo, TablesBuilder};
use runql_core::report::LoadReport;
use runql_core::vfs::FileTree;

/// MLflow caps param values at 6000 characters and tags at 8000; anything past this is
/// not a param or tag file and is refused before it is read into a string.
const MAX_VALUE_FILE_BYTES: u64 = 1 << 20;

/// Runs are parsed in batches of this many (in parallel when enabled) and then appended,
/// so at most one batch of parsed-but-not-yet-appended points is held at once.
const BATCH: usize = 64;

/// A run folder found by the layout pass, waiting to be read.
pub(super) struct RunJob {
    pub dir: String,
    pub meta: RunMeta,
    pub experiment: Option<ExperimentMeta>,
    pub in_trash: bool,
    pub files: Vec<String>,
}

/// Reads all runs and adds them to `builder`; returns how many were added.
pub(super) fn read_runs(
    tree: &FileTree,
    jobs: Vec<RunJob>,
    builder: &mut TablesBuilder,
    report: &mut LoadReport,
    progress: &ProgressTracker<'_>,
) -> Result<u64> {
    let read = |job| {
        let (run, run_report) = read_run(tree, job, progress);
        (Some(run), run_report)
    };
    crate::batch::read_in_batches(jobs, BATCH, read, builder, report)
}

/// What TensorBoard event files among a run's artifacts are counted as: Keras and PyTorch
/// autologging keep the run's curves there too, and they are not a second run.
const TENSORBOARD_ARTIFACTS: &str =
    "MLflow artifacts: TensorBoard event files (autologged curves of the run, not a run of their own)";

fn read_run(tree: &FileTree, job: RunJob, progress: &ProgressTracker<'_>) -> (RunData, LoadReport) {
    let mut report = LoadReport::default();
    let RunJob { dir, meta, experiment, in_trash, files } = job;
    let origin = tree.display_path(&dir);
    let mut run = RunData::default();
    for path in &files {
        let size = tree.size(path).unwrap_or(0);
        progress.advance(1, size);
        let rel = path.strip_prefix(dir.as_str()).unwrap_or(path).trim_start_matches('/');
        let (folder, key) = rel.split_once('/').unwrap_or((rel, ""));
        let shown = || tree.display_path(path);
        if !matches!(folder, "metrics" | "params" | "tags") {
            match folder {
                "artifacts" if crate::tensorboard::is_event_file(rel) => {
                    report.ignore(TENSORBOARD_ARTIFACTS, 1)
                }
                "artifacts" => report.ignore("MLflow artifact files", 1),
                _ => report.skip(shown(), None, "unexpected file in an MLflow run folder"),
            }
            continue;
        }
        if key.is_empty() {
            report.skip(shown(), None, format!("a file named {folder} where MLflow keeps a folder"));
            continue;
        }
        if folder != "metrics" && size > MAX_VALUE_FILE_BYTES {
            report.skip(
                shown(),
                None,
                format!("{size} bytes is too large for a {folder} value (limit {MAX_VALUE_FILE_BYTES})"),
            );
            continue;
        }
        let Some(bytes) = report.read_file(tree, path) else {
            continue;
        };
        if folder == "metrics" {
            let parsed = parse_metric_file(key, &bytes, false);
            for bad in &parsed.bad_lines {
                report.skip(shown(), Some(bad.line), bad.reason.clone());
            }
            if parsed.more_bad_lines > 0 {
                report.skip(shown(), None, format!("{} more bad lines", parsed.more_bad_lines));
            }
            report.ignore("dataset references on metric points (MLflow 3)", parsed.dataset_refs);
            if parsed.series.is_empty() {
                // No point means no summary row either; say so instead of a row of nulls.
                if parsed.bad_lines.is_empty() {
                    report.warn(shown(), None, "empty metric file (no points)");
                }
                continue;
            }
            run.metrics.push(parsed.series);
            continue;
        }
        let text = match String::from_utf8(bytes.into_owned()) {
            Ok(t) => t,
            Err(e) => {
                report.warn(shown(), None, "not valid UTF-8; invalid bytes replaced with U+FFFD");
                String::from_utf8_lossy(e.as_bytes()).into_owned()
            }
        };
        if folder == "params" {
            run.params.push((key.to_string(), text));
        } else {
            run.tags.push((key.to_string(), Some(text)));
        }
    }

    let tag = |name: &str| run.tags.iter().find(|(k, _)| k == name).and_then(|(_, v)| v.clone());
    if let Some(exp) = &experiment
        && meta.experiment_id.as_deref().is_some_and(|id| id != exp.experiment_id)
    {
        report.warn(
            format!("{origin}/meta.yaml"),
            None,
            format!(
                "run says experiment {} but lives in the folder of experiment {}",
                meta.experiment_id.as_deref().unwrap_or_default(),
                exp.experiment_id
            ),
        );
    }
    let experiment_deleted =
        in_trash || experiment.as_ref().and_then(|e| e.lifecycle_stage.as_deref()) == Some("deleted");
    let lifecycle =
        if experiment_deleted { Some("deleted".to_string()) } else { meta.lifecycle_stage.clone() };
    run.info = RunInfo {
        run_id: meta.run_id.clone(),
        source: "mlflow".into(),
        project: experiment.as_ref().and_then(|e| e.name.clone()),
        experiment_id: meta
            .experiment_id
            .clone()
            .or_else(|| experiment.as_ref().map(|e| e.experiment_id.clone())),
        // The file store itself falls back to the `mlflow.runName` tag for old runs.
        name: meta.run_name.clone().or_else(|| tag("mlflow.runName").filter(|n| !n.is_empty())),
        run_group: None,
        parent_run_id: tag("mlflow.parentRunId").filter(|p| !p.is_empty()),
        status: meta.status.clone(),
        lifecycle,
        user: meta.user_id.clone().or_else(|| tag("mlflow.user").filter(|u| !u.is_empty())),
        created_at_ms: meta.start_time,
        ended_at_ms: meta.end_time,
        origin,
        artifact_uri: meta.artifact_uri,
    };
    (run, report)
}
