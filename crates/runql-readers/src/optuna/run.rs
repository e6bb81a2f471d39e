//! Turning replayed studies and trials into runs.

use super::FORMAT_NAME;
use super::journal::{Journal, Study, Trial, TrialState};
use crate::json_lenient::JsonValue;
use runql_core::model::{MetricSeries, RunData, RunInfo};
use runql_core::report::LoadReport;

/// Key of the intermediate values (`trial.report(value, step)`).
pub const INTERMEDIATE_KEY: &str = "intermediate_value";

/// The study's system attr that `Study.set_metric_names` writes.
const METRIC_NAMES_ATTR: &str = "study:metric_names";

/// runql's status (MLflow's names) for a trial state. Pruned trials were stopped on purpose
/// before the end, which is what `KILLED` means in MLflow; the tag `optuna.state` keeps
/// Optuna's own name.
pub fn status(state: TrialState) -> &'static str {
    match state {
        TrialState::Running => "RUNNING",
        TrialState::Complete => "FINISHED",
        TrialState::Pruned => "KILLED",
        TrialState::Fail => "FAILED",
        TrialState::Waiting => "SCHEDULED",
    }
}

/// Metric keys of the objective values: the study's metric names when set for every
/// objective, else `value` (one objective) or `values/0`, `values/1`, ….
pub fn objective_keys(study: &Study, count: usize) -> Vec<String> {
    if let Some(JsonValue::Array(names)) = study.system_attrs.get(METRIC_NAMES_ATTR) {
        let names: Vec<String> = names.iter().filter_map(|n| n.as_str().map(str::to_string)).collect();
        if names.len() == count && names.len() == study.directions.len() {
            return names;
        }
    }
    if count == 1 && study.directions.len() <= 1 {
        return vec!["value".to_string()];
    }
    (0..count).map(|i| format!("values/{i}")).collect()
}

fn direction_name(code: i64) -> &'static str {
    match code {
        1 => "minimize",
        2 => "maximize",
        _ => "not_set",
    }
}

/// The runs of every live study in `journal`; trials of deleted studies are reported (one
/// issue per study, at its DELETE_STUDY line) and left out.
pub fn runs(journal: Journal, shown: &str, report: &mut LoadReport) -> Vec<RunData> {
    let Journal { studies, trials } = journal;
    let mut trials: Vec<Option<Trial>> = trials.into_iter().map(Some).collect();
    let mut out = Vec::new();
    for (study_id, study) in studies.iter().enumerate() {
        if let Some(line) = study.deleted_at_line {
            report.skip(
                shown,
                Some(line),
                format!(
                    "study {:?} was deleted; its {} trials are not loaded",
                    study.name,
                    study.trials.len()
                ),
            );
            continue;
        }
        for &index in &study.trials {
            if let Some(trial) = trials.get_mut(index).and_then(Option::take) {
                out.push(trial_run(study_id, study, trial, shown));
            }
        }
    }
    out
}

fn trial_run(study_id: usize, study: &Study, trial: Trial, shown: &str) -> RunData {
    let info = RunInfo {
        run_id: format!("{}/{}", study.name, trial.number),
        source: FORMAT_NAME.to_string(),
        project: Some(study.name.clone()),
        experiment_id: Some(study_id.to_string()),
        name: Some(format!("trial {}", trial.number)),
        status: Some(status(trial.state).to_string()),
        created_at_ms: trial.start_ms,
        ended_at_ms: trial.complete_ms,
        origin: shown.to_string(),
        ..RunInfo::default()
    };
    let mut tags: Vec<(String, Option<String>)> =
        trial.user_attrs.iter().map(|(k, v)| (k.clone(), Some(v.to_text()))).collect();
    tags.push(("optuna.state".into(), Some(trial.state.name().into())));
    let directions: Vec<&str> = study.directions.iter().map(|d| direction_name(*d)).collect();
    tags.push(("optuna.directions".into(), Some(directions.join(","))));
    tags.extend(trial.system_attrs.iter().map(|(k, v)| (format!("optuna.system.{k}"), Some(v.to_text()))));
    tags.extend(study.user_attrs.iter().map(|(k, v)| (format!("optuna.study.{k}"), Some(v.to_text()))));
    tags.extend(
        study.system_attrs.iter().map(|(k, v)| (format!("optuna.study_system.{k}"), Some(v.to_text()))),
    );

    let mut metrics = Vec::new();
    let mut intermediate = MetricSeries::new(INTERMEDIATE_KEY);
    for (step, value) in &trial.intermediate {
        intermediate.push(*step, None, *value);
    }
    // The objective values are the trial's result after its last reported step.
    let final_step = trial.intermediate.keys().next_back().copied().unwrap_or(0);
    if let Some(values) = &trial.values {
        for (key, value) in objective_keys(study, values.len()).into_iter().zip(values) {
            let mut series = MetricSeries::new(key);
            series.push(final_step, trial.complete_ms, *value);
            metrics.push(series);
        }
    }
    if !intermediate.is_empty() {
        metrics.push(intermediate);
    }
    RunData { info, params: trial.params.into_iter().collect(), tags, metrics }
}
