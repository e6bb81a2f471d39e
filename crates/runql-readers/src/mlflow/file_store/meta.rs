//! Typed views of the `meta.yaml` kinds found in an MLflow file store.

use super::yaml::{FlatYaml, Scalar};

/// What a `meta.yaml` describes, recognized by its fields (folder names are not trusted:
/// users point runql at `mlruns/`, at one experiment, or at a single run folder).
#[derive(Debug, Clone, PartialEq)]
pub enum Meta {
    /// `mlruns/<exp>/meta.yaml`.
    Experiment(ExperimentMeta),
    /// `mlruns/<exp>/<run>/meta.yaml`.
    Run(RunMeta),
    /// `mlruns/<exp>/models/<model_id>/meta.yaml` (MLflow 3 logged model).
    LoggedModel(LoggedModelMeta),
    /// `mlruns/models/<name>/meta.yaml` (model registry).
    RegisteredModel(RegisteredModelMeta),
    /// `mlruns/models/<name>/version-<n>/meta.yaml`.
    ModelVersion(ModelVersionMeta),
    /// Dataset, run input/output and other metadata that runql does not tabulate yet.
    Other(&'static str),
}

/// An experiment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExperimentMeta {
    /// Id (MLflow 1.x wrote ints; always text here).
    pub experiment_id: String,
    /// Name.
    pub name: Option<String>,
    /// `active` or `deleted`.
    pub lifecycle_stage: Option<String>,
}

/// A run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunMeta {
    /// `run_id`, or `run_uuid` in MLflow 1.x files.
    pub run_id: String,
    /// `run_name` (2.x+) or `name` (1.x); empty names count as absent.
    pub run_name: Option<String>,
    /// Experiment id.
    pub experiment_id: Option<String>,
    /// Status as MLflow's names (`FINISHED`, …); the int enum on disk is translated.
    pub status: Option<String>,
    /// `active` or `deleted`.
    pub lifecycle_stage: Option<String>,
    /// User.
    pub user_id: Option<String>,
    /// Start, epoch ms.
    pub start_time: Option<i64>,
    /// End, epoch ms (`null` while running).
    pub end_time: Option<i64>,
    /// Artifact location.
    pub artifact_uri: Option<String>,
}

/// An MLflow 3 logged model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedModelMeta {
    /// `m-…` id.
    pub model_id: String,
    /// Name.
    pub name: Option<String>,
    /// Run that logged it.
    pub source_run_id: Option<String>,
    /// Status (int enum on disk, kept as written).
    pub status: Option<String>,
    /// Creation time, epoch ms.
    pub creation_timestamp: Option<i64>,
    /// Artifact location.
    pub artifact_location: Option<String>,
}

/// A registered model (registry entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredModelMeta {
    /// Name.
    pub name: String,
    /// `alias → version` from the `aliases:` mapping.
    pub aliases: Vec<(String, String)>,
}

/// A version of a registered model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelVersionMeta {
    /// Registered model name.
    pub name: String,
    /// Version number.
    pub version: Option<i64>,
    /// Stage; `Deleted_Internal` marks a soft-deleted version.
    pub current_stage: Option<String>,
    /// Source run (empty in MLflow 3, where `model_id` links instead).
    pub run_id: Option<String>,
    /// MLflow 3 logged model id.
    pub model_id: Option<String>,
    /// Status (`READY`, …).
    pub status: Option<String>,
    /// Creation time, epoch ms.
    pub creation_timestamp: Option<i64>,
    /// Artifact source.
    pub source: Option<String>,
}

/// MLflow's `RunStatus` int enum as written by the file store.
fn run_status(y: &FlatYaml) -> Option<String> {
    match y.int("status") {
        Some(1) => Some("RUNNING".into()),
        Some(2) => Some("SCHEDULED".into()),
        Some(3) => Some("FINISHED".into()),
        Some(4) => Some("FAILED".into()),
        Some(5) => Some("KILLED".into()),
        Some(other) => Some(format!("UNKNOWN({other})")),
        // A missing status means RUNNING (file_store default); strings pass through.
        None => Some(y.str("status").unwrap_or("RUNNING").to_string()),
    }
}

/// MLflow's `LoggedModelStatus` int enum, named as the MLflow client reports it.
fn logged_model_status(y: &FlatYaml) -> Option<String> {
    match y.int("status") {
        Some(code) => Some(logged_model_status_name(code)),
        None => owned(y.str("status")),
    }
}

/// The name of a `LoggedModelStatus` code, as the MLflow client reports it (the file store
/// and the SQL store both keep the code).
pub(crate) fn logged_model_status_name(code: i64) -> String {
    match code {
        0 => "UNSPECIFIED".into(),
        1 => "PENDING".into(),
        2 => "READY".into(),
        3 => "FAILED".into(),
        other => format!("UNKNOWN({other})"),
    }
}

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_string)
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
}

/// Recognizes a parsed `meta.yaml`. `None` means it matches no known MLflow shape.
pub fn classify(y: &FlatYaml) -> Option<Meta> {
    let run_id = y.str("run_id").or_else(|| y.str("run_uuid"));
    if let Some(run_id) = run_id.filter(|id| !id.is_empty()) {
        if y.has("version") && y.has("source") {
            return Some(Meta::ModelVersion(version_meta(y)?));
        }
        return Some(Meta::Run(RunMeta {
            run_id: run_id.to_string(),
            run_name: non_empty(y.str("run_name")).or_else(|| non_empty(y.str("name"))),
            experiment_id: owned(y.str("experiment_id")),
            status: run_status(y),
            lifecycle_stage: owned(y.str("lifecycle_stage")),
            user_id: non_empty(y.str("user_id")),
            start_time: y.int("start_time"),
            end_time: y.int("end_time"),
            artifact_uri: owned(y.str("artifact_uri")),
        }));
    }
    if let Some(model_id) = y.str("model_id").filter(|_| y.has("source_run_id") || y.has("model_type")) {
        return Some(Meta::LoggedModel(LoggedModelMeta {
            model_id: model_id.to_string(),
            name: owned(y.str("name")),
            source_run_id: non_empty(y.str("source_run_id")),
            status: logged_model_status(y),
            creation_timestamp: y.int("creation_timestamp"),
            artifact_location: owned(y.str("artifact_location")),
        }));
    }
    if y.has("version") && y.has("current_stage") {
        return Some(Meta::ModelVersion(version_meta(y)?));
    }
    if y.has("experiment_id") && y.has("name") && (y.has("artifact_location") || y.has("lifecycle_stage")) {
        return Some(Meta::Experiment(ExperimentMeta {
            experiment_id: y.str("experiment_id")?.to_string(),
            name: owned(y.str("name")),
            lifecycle_stage: owned(y.str("lifecycle_stage")),
        }));
    }
    if y.has("name") && y.has("creation_timestamp") && !y.has("experiment_id") {
        let aliases = y
            .map("aliases")
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v): (&String, &Scalar)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        return Some(Meta::RegisteredModel(RegisteredModelMeta {
            name: y.str("name")?.to_string(),
            aliases,
        }));
    }
    if y.has("digest") && y.has("source_type") {
        return Some(Meta::Other("MLflow dataset metadata files"));
    }
    if y.has("destination_type") && y.has("source_id") {
        return Some(Meta::Other("MLflow run input/output links"));
    }
    None
}

fn version_meta(y: &FlatYaml) -> Option<ModelVersionMeta> {
    Some(ModelVersionMeta {
        name: y.str("name")?.to_string(),
        version: y.int("version"),
        current_stage: owned(y.str("current_stage")),
        run_id: non_empty(y.str("run_id")),
        model_id: non_empty(y.str("model_id")),
        status: owned(y.str("status")),
        creation_timestamp: y.int("creation_timestamp"),
        source: owned(y.str("source")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(text: &str) -> Option<Meta> {
        classify(&FlatYaml::parse(text.as_bytes()).unwrap())
    }

    #[test]
    fn mlflow_1x_run() {
        let Some(Meta::Run(r)) = meta(
            "artifact_uri: file:///x\nend_time: null\nentry_point_name: ''\nexperiment_id: 0\nlifecycle_stage: active\nname: ''\nrun_uuid: abc\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: 1600000000000\nstatus: 1\ntags: []\nuser_id: me\n",
        ) else {
            panic!("not a run")
        };
        assert_eq!(r.run_id, "abc");
        assert_eq!(r.run_name, None);
        assert_eq!(r.experiment_id.as_deref(), Some("0"));
        assert_eq!(r.status.as_deref(), Some("RUNNING"));
        assert_eq!(r.end_time, None);
    }

    #[test]
    fn experiment_logged_model_registry() {
        assert!(matches!(
            meta(
                "artifact_location: file:///x\nexperiment_id: '0'\nlifecycle_stage: active\nname: Default\n"
            ),
            Some(Meta::Experiment(_))
        ));
        assert!(matches!(
            meta(
                "creation_timestamp: 1\nexperiment_id: '5'\nmodel_id: m-43\nmodel_type: null\nname: RF\nsource_run_id: 12bb\nstatus: 2\n"
            ),
            Some(Meta::LoggedModel(_))
        ));
        let Some(Meta::RegisteredModel(m)) =
            meta("aliases:\n  production: '1'\ncreation_timestamp: 1\ndescription: ''\nname: iris\n")
        else {
            panic!("not a registered model")
        };
        assert_eq!(m.aliases, [("production".to_string(), "1".to_string())]);
        let Some(Meta::ModelVersion(v)) = meta(
            "aliases: []\ncreation_timestamp: 1\ncurrent_stage: None\nmodel_id: m-43\nname: iris\nrun_id: ''\nsource: file:///x\nstatus: READY\nversion: 1\n",
        ) else {
            panic!("not a version")
        };
        assert_eq!((v.version, v.run_id, v.current_stage.as_deref()), (Some(1), None, Some("None")));
    }

    #[test]
    fn unknown_shape() {
        assert_eq!(meta("foo: bar\n"), None);
    }
}
