//! MLflow 3 logged models and model-registry versions into the `models` table, as the
//! file-store reader fills it.

use std::collections::HashMap;

use rusqlite::Connection;

use super::schema::Schema;
use crate::mlflow::file_store::meta::logged_model_status_name;
use crate::sqlite::cell::{int, text};
use crate::sqlite::rows::{Problems, each_row};
use runql_core::model::{ModelRecord, TablesBuilder};
use runql_core::report::LoadReport;

/// Tables whose rows belong to models but have no place in the `models` table; their row
/// counts go to the load report.
const NOT_LOADED: [(&str, &str); 5] = [
    ("logged_model_metrics", "MLflow logged-model metrics (rows)"),
    ("logged_model_params", "MLflow logged-model params (rows)"),
    ("logged_model_tags", "MLflow logged-model tags (rows)"),
    ("registered_model_tags", "MLflow registered-model tags (rows)"),
    ("model_version_tags", "MLflow model-version tags (rows)"),
];

/// Adds the logged models and registry versions of the database; returns how many.
pub(super) fn read_models(
    conn: &Connection,
    schema: &Schema,
    origin: &str,
    builder: &mut TablesBuilder,
    problems: &mut Problems,
    report: &mut LoadReport,
) -> u64 {
    for (table, what) in NOT_LOADED {
        report.ignore(what, schema.count(conn, table));
    }
    let mut added = 0u64;
    let cols = ["model_id", "name", "source_run_id", "status", "creation_timestamp_ms", "artifact_location"];
    if let Some(sql) = schema.select("logged_models", &cols) {
        each_row(conn, &sql, "logged_models", problems, report, |c| {
            let model_id = text(c.get(0)).ok_or("a logged model without model_id")?;
            let status =
                int(c.get(3)).ok().flatten().map(logged_model_status_name).or_else(|| text(c.get(3)));
            builder.add_model(ModelRecord {
                kind: "logged_model".into(),
                name: text(c.get(1)).unwrap_or_default(),
                version: None,
                model_id: Some(model_id),
                run_id: text(c.get(2)).filter(|r| !r.is_empty()),
                stage: None,
                aliases: None,
                status,
                created_at_ms: int(c.get(4)).map_err(|e| format!("creation_timestamp_ms: {e}"))?,
                source: text(c.get(5)),
                origin: origin.to_string(),
            });
            added += 1;
            Ok(())
        });
    }

    // (workspace, model name, version) → alias names.
    let mut aliases: HashMap<(Option<String>, String, i64), Vec<String>> = HashMap::new();
    if let Some(sql) = schema.select("registered_model_aliases", &["workspace", "name", "version", "alias"]) {
        each_row(conn, &sql, "registered_model_aliases", problems, report, |c| {
            let name = text(c.get(1)).ok_or("an alias without model name")?;
            let version =
                int(c.get(2)).map_err(|e| format!("version: {e}"))?.ok_or("an alias without version")?;
            let alias = text(c.get(3)).ok_or("an alias without name")?;
            aliases.entry((text(c.get(0)), name, version)).or_default().push(alias);
            Ok(())
        });
    }

    let cols = [
        "workspace",
        "name",
        "version",
        "current_stage",
        "source",
        "run_id",
        "status",
        "creation_time",
        "model_id",
    ];
    if let Some(sql) = schema.select("model_versions", &cols) {
        let mut soft_deleted = 0u64;
        each_row(conn, &sql, "model_versions", problems, report, |c| {
            let name = text(c.get(1)).ok_or("a model version without name")?;
            let version = int(c.get(2)).map_err(|e| format!("{name} version: {e}"))?;
            let stage = text(c.get(3));
            if stage.as_deref() == Some("Deleted_Internal") {
                soft_deleted += 1;
                return Ok(());
            }
            let mut names =
                version.and_then(|v| aliases.remove(&(text(c.get(0)), name.clone(), v))).unwrap_or_default();
            names.sort();
            let source = text(c.get(4));
            builder.add_model(ModelRecord {
                kind: "registered_version".into(),
                name,
                version,
                // Newer schemas may carry the id; else MLflow 3 sources point at it.
                model_id: text(c.get(8)).or_else(|| model_id_of(source.as_deref())),
                run_id: text(c.get(5)).filter(|r| !r.is_empty()),
                stage,
                aliases: (!names.is_empty()).then(|| names.join(",")),
                status: text(c.get(6)),
                created_at_ms: int(c.get(7)).map_err(|e| format!("creation_time: {e}"))?,
                source,
                origin: origin.to_string(),
            });
            added += 1;
            Ok(())
        });
        report.ignore("soft-deleted model versions", soft_deleted);
    }
    added
}

/// The logged-model id in a `models:/m-…` source URI (MLflow 3 registers logged models so).
fn model_id_of(source: Option<&str>) -> Option<String> {
    let id = source?.strip_prefix("models:/")?;
    (id.starts_with("m-") && !id.contains('/')).then(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::model_id_of;

    #[test]
    fn model_id_from_source() {
        assert_eq!(model_id_of(Some("models:/m-3114")).as_deref(), Some("m-3114"));
        assert_eq!(model_id_of(Some("models:/iris/1")), None);
        assert_eq!(model_id_of(Some("file:///x")), None);
        assert_eq!(model_id_of(None), None);
    }
}
