//! The model registry and MLflow 3 logged models as the REST API answers them, into the
//! `models` table (as the file-store and SQLite readers fill it):
//!
//! - `model-versions/search` (`{"model_versions": [{name, version, run_id, current_stage,
//!   status, source, creation_timestamp}]}`) → one `registered_version` row each;
//! - `registered-models/search` (`{"registered_models": [{name, aliases: [{alias, version}],
//!   latest_versions: […]}]}`) → the aliases of those versions (model-versions answers do not
//!   carry them), and the latest versions when no model-versions answer has them;
//! - `logged-models/search` (`{"models": [{"info": {model_id, name, source_run_id, status,
//!   creation_timestamp_ms, artifact_uri}}]}`) → one `logged_model` row each.

use std::collections::{BTreeMap, HashMap};

use super::values::{int64, text};
use crate::json_lenient::JsonValue;
use runql_core::model::ModelRecord;

/// Models read so far, merged at the end.
#[derive(Default)]
pub struct Models {
    /// (name, version) → the version, and whether it came from a model-versions answer
    /// (which wins over a registered model's `latest_versions`).
    versions: BTreeMap<(String, i64), (ModelRecord, bool)>,
    aliases: HashMap<(String, i64), Vec<String>>,
    logged: Vec<ModelRecord>,
    /// Entries without a name, version or id.
    pub bad: u64,
}

/// True when `doc` is one of the answers this module reads.
pub fn is_models(doc: &JsonValue) -> bool {
    let array = |k: &str| matches!(doc.get(k), Some(JsonValue::Array(_)));
    array("model_versions")
        || array("registered_models")
        || match doc.get("models") {
            Some(JsonValue::Array(items)) => {
                !items.is_empty()
                    && items.iter().all(|m| m.get("info").and_then(|i| i.get("model_id")).is_some())
            }
            _ => false,
        }
}

/// `LOGGED_MODEL_READY` → `READY`, as the stores' numeric codes are named.
fn logged_status(s: &str) -> String {
    match s.strip_prefix("LOGGED_MODEL_").unwrap_or(s) {
        "STATUS_UNSPECIFIED" => "UNSPECIFIED".into(),
        "UPLOAD_FAILED" => "FAILED".into(),
        other => other.to_string(),
    }
}

impl Models {
    fn version(&mut self, v: &JsonValue, origin: &str, from_search: bool) {
        let (Some(name), Some(version)) = (v.get("name").and_then(text), v.get("version").and_then(int64))
        else {
            self.bad += 1;
            return;
        };
        let record = ModelRecord {
            kind: "registered_version".into(),
            name: name.clone(),
            version: Some(version),
            model_id: v.get("model_id").and_then(text).filter(|s| !s.is_empty()),
            run_id: v.get("run_id").and_then(text).filter(|s| !s.is_empty()),
            stage: v.get("current_stage").and_then(text),
            aliases: None,
            status: v.get("status").and_then(text),
            created_at_ms: v.get("creation_timestamp").and_then(int64),
            source: v.get("source").and_then(text).filter(|s| !s.is_empty()),
            origin: origin.to_string(),
        };
        let key = (name, version);
        match self.versions.get(&key) {
            Some((_, true)) if !from_search => {}
            _ => {
                self.versions.insert(key, (record, from_search));
            }
        }
    }

    /// Reads one answer found at `origin`.
    pub fn add(&mut self, doc: &JsonValue, origin: &str) {
        if let Some(JsonValue::Array(items)) = doc.get("model_versions") {
            for v in items {
                self.version(v, origin, true);
            }
        }
        if let Some(JsonValue::Array(items)) = doc.get("registered_models") {
            for m in items {
                let Some(name) = m.get("name").and_then(text) else {
                    self.bad += 1;
                    continue;
                };
                if let Some(JsonValue::Array(aliases)) = m.get("aliases") {
                    for a in aliases {
                        match (a.get("alias").and_then(text), a.get("version").and_then(int64)) {
                            (Some(alias), Some(v)) => {
                                self.aliases.entry((name.clone(), v)).or_default().push(alias)
                            }
                            _ => self.bad += 1,
                        }
                    }
                }
                if let Some(JsonValue::Array(latest)) = m.get("latest_versions") {
                    for v in latest {
                        self.version(v, origin, false);
                    }
                }
            }
        }
        if let Some(JsonValue::Array(items)) = doc.get("models") {
            for m in items {
                let info = m.get("info");
                let field = |k: &str| info.and_then(|i| i.get(k));
                let Some(model_id) = field("model_id").and_then(text) else {
                    self.bad += 1;
                    continue;
                };
                self.logged.push(ModelRecord {
                    kind: "logged_model".into(),
                    name: field("name").and_then(text).unwrap_or_default(),
                    version: None,
                    model_id: Some(model_id),
                    run_id: field("source_run_id").and_then(text).filter(|s| !s.is_empty()),
                    stage: None,
                    aliases: None,
                    status: field("status").and_then(JsonValue::as_str).map(logged_status),
                    created_at_ms: field("creation_timestamp_ms").and_then(int64),
                    source: field("artifact_uri").and_then(text).filter(|s| !s.is_empty()),
                    origin: origin.to_string(),
                });
            }
        }
    }

    /// The rows: logged models, then registry versions by name and version, each with its
    /// aliases (sorted, comma-separated); and how many aliases point at a version no answer
    /// holds (a registry saved in part).
    pub fn finish(mut self) -> (Vec<ModelRecord>, u64) {
        let mut out = std::mem::take(&mut self.logged);
        for (key, (mut record, _)) in std::mem::take(&mut self.versions) {
            if let Some(mut names) = self.aliases.remove(&key) {
                names.sort();
                names.dedup();
                record.aliases = Some(names.join(","));
            }
            out.push(record);
        }
        let dangling = self.aliases.values().map(|a| a.len() as u64).sum();
        (out, dangling)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_lenient::parse;

    #[test]
    fn versions_aliases_and_logged_models() {
        let mut m = Models::default();
        let registered = parse(
            br#"{"registered_models": [{"name": "m", "aliases": [{"alias": "prod", "version": "2"}, {"alias": "a", "version": "2"}],
                 "latest_versions": [{"name": "m", "version": "2", "current_stage": "None", "run_id": "r-old"}]}]}"#,
        )
        .unwrap();
        let versions = parse(
            br#"{"model_versions": [{"name": "m", "version": "2", "run_id": "r2", "status": "READY", "creation_timestamp": 5},
                                    {"name": "m", "version": "1", "run_id": "r1"}, {"version": "3"}]}"#,
        )
        .unwrap();
        let logged = parse(
            br#"{"models": [{"info": {"model_id": "m-1", "name": "net", "source_run_id": "r1", "status": "LOGGED_MODEL_READY"}}]}"#,
        )
        .unwrap();
        for d in [&registered, &versions, &logged] {
            assert!(is_models(d));
        }
        assert!(!is_models(&parse(br#"{"models": [{"name": "x"}]}"#).unwrap()));
        m.add(&registered, "a.json");
        m.add(&versions, "b.json");
        m.add(&logged, "c.json");
        assert_eq!(m.bad, 1);
        let gone = br#"{"registered_models": [{"name": "gone", "aliases": [{"alias": "x", "version": 9}]}]}"#;
        m.add(&parse(gone).unwrap(), "d.json");
        let (rows, dangling) = m.finish();
        assert_eq!(dangling, 1, "an alias of a version no answer holds");
        assert_eq!(rows.len(), 3);
        assert_eq!((rows[0].kind.as_str(), rows[0].status.as_deref()), ("logged_model", Some("READY")));
        assert_eq!((rows[1].version, rows[1].aliases.as_deref()), (Some(1), None));
        let v2 = &rows[2];
        assert_eq!((v2.run_id.as_deref(), v2.aliases.as_deref()), (Some("r2"), Some("a,prod")));
        assert_eq!(
            (v2.created_at_ms, v2.origin.as_str()),
            (Some(5), "b.json"),
            "the model-versions answer wins"
        );
    }
}
