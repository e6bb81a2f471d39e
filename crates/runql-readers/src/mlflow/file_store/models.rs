//! MLflow 3 logged models and the model registry (`mlruns/models/`) into the `models` table.

use std::collections::HashMap;

use super::meta::{LoggedModelMeta, ModelVersionMeta, RegisteredModelMeta};
use crate::progress::ProgressTracker;
use runql_core::model::{ModelRecord, TablesBuilder};
use runql_core::report::LoadReport;
use runql_core::vfs::FileTree;

type Found<M> = Vec<(String, M, Vec<String>)>;

pub(super) fn read_models(
    tree: &FileTree,
    logged: Found<LoggedModelMeta>,
    registered: Found<RegisteredModelMeta>,
    versions: Found<ModelVersionMeta>,
    builder: &mut TablesBuilder,
    report: &mut LoadReport,
    progress: &ProgressTracker<'_>,
) {
    let files_size = |files: &[String]| files.iter().filter_map(|p| tree.size(p)).sum::<u64>();
    for (dir, m, files) in logged {
        progress.advance(files.len() as u64, files_size(&files));
        report.ignore("MLflow logged-model files (metrics, params, tags, artifacts)", files.len() as u64);
        builder.add_model(ModelRecord {
            kind: "logged_model".into(),
            name: m.name.unwrap_or_default(),
            version: None,
            model_id: Some(m.model_id),
            run_id: m.source_run_id,
            stage: None,
            aliases: None,
            status: m.status,
            created_at_ms: m.creation_timestamp,
            source: m.artifact_location,
            origin: tree.display_path(&dir),
        });
    }

    // Aliases: the `aliases/<alias>` files are MLflow's source of truth; the mapping in
    // meta.yaml is the fallback.
    let mut aliases: HashMap<(String, String), Vec<String>> = HashMap::new();
    for (dir, m, files) in registered {
        progress.advance(files.len() as u64, files_size(&files));
        let mut from_files = Vec::new();
        for f in &files {
            let rel = f.strip_prefix(dir.as_str()).unwrap_or(f).trim_start_matches('/');
            match rel.split_once('/') {
                Some(("aliases", alias)) => match tree.read(f) {
                    Ok(bytes) => {
                        report.files_read += 1;
                        let version = String::from_utf8_lossy(&bytes).trim().to_string();
                        from_files.push((alias.to_string(), version));
                    }
                    Err(err) => report.skip(tree.display_path(f), None, err.to_string()),
                },
                Some(("tags", _)) => report.ignore("MLflow registered-model tag files", 1),
                _ => report.skip(tree.display_path(f), None, "unexpected file in a registered-model folder"),
            }
        }
        let list = if from_files.is_empty() { m.aliases } else { from_files };
        for (alias, version) in list {
            aliases.entry((m.name.clone(), version)).or_default().push(alias);
        }
    }

    for (dir, v, files) in versions {
        progress.advance(files.len() as u64, files_size(&files));
        report.ignore("MLflow model-version tag files", files.len() as u64);
        if v.current_stage.as_deref() == Some("Deleted_Internal") {
            report.ignore("soft-deleted model versions", 1);
            continue;
        }
        let key = (v.name.clone(), v.version.map(|n| n.to_string()).unwrap_or_default());
        let mut names = aliases.remove(&key).unwrap_or_default();
        names.sort();
        builder.add_model(ModelRecord {
            kind: "registered_version".into(),
            name: v.name,
            version: v.version,
            model_id: v.model_id,
            run_id: v.run_id,
            stage: v.current_stage,
            aliases: (!names.is_empty()).then(|| names.join(",")),
            status: v.status,
            created_at_ms: v.creation_timestamp,
            source: v.source,
            origin: tree.display_path(&dir),
        });
    }
}
