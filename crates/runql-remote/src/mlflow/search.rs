//! The paged searches: experiments and runs (and the pager the registry searches use too).

use runql_codecs::json_lenient::JsonValue;
use runql_core::vfs::FileTree;
use serde_json::json;

use super::{Meter, Sizes, Stage};
use crate::client::{Client, Optional, Response};
use crate::error::{RemoteError, Result};
use crate::pages::{self, Page};

/// Pages of one search, each stored as `<dir>/<stem>-page-NNNN.json`; `each` sees every page.
pub(super) fn paged(
    meter: &Meter<'_>,
    stage: Stage,
    tree: &mut FileTree,
    dir: &str,
    mut request: impl FnMut(Option<&str>) -> Result<Option<Response>>,
    mut each: impl FnMut(&Page, &str) -> Result<()>,
) -> Result<bool> {
    let mut token: Option<String> = None;
    let mut tokens = pages::Tokens::default();
    for n in 1.. {
        let Some(r) = request(token.as_deref())? else { return Ok(false) };
        meter.answered(stage, n as u64, 0, &r);
        let page = pages::page(&r)?;
        each(&page, &r.request)?;
        // Protobuf JSON omits empty fields: a page with nothing is `{}`, and says nothing.
        if !matches!(&page.doc, JsonValue::Object(e) if e.is_empty()) {
            tree.insert(&format!("{dir}/{}", pages::file_name("search", n)), page.doc.to_json().into_bytes());
        }
        match page.next {
            Some(next) => {
                tokens.next(&next).map_err(|why| RemoteError::BadResponse { request: r.request, why })?;
                token = Some(next);
            }
            None => break,
        }
    }
    Ok(true)
}

/// A search body with the page token, when there is one.
pub(super) fn with_token(mut body: serde_json::Value, token: Option<&str>) -> serde_json::Value {
    if let (Some(t), Some(fields)) = (token, body.as_object_mut()) {
        fields.insert("page_token".into(), json!(t));
    }
    body
}

pub(super) fn found(o: Optional) -> Option<Response> {
    match o {
        Optional::Found(r) => Some(r),
        Optional::Missing => None,
    }
}

pub(super) fn experiments(
    client: &Client<'_>,
    meter: &Meter<'_>,
    sizes: Sizes,
    tree: &mut FileTree,
) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    paged(
        meter,
        Stage::Experiments,
        tree,
        "experiments",
        |token| {
            let body = with_token(json!({"max_results": sizes.search, "view_type": "ACTIVE_ONLY"}), token);
            client.post("/api/2.0/mlflow/experiments/search", &body).map(Some)
        },
        |page, request| {
            for e in pages::array(&page.doc, "experiments", request)? {
                if let Some(id) = e.get("experiment_id").and_then(id_text) {
                    ids.push(id);
                }
            }
            Ok(())
        },
    )?;
    Ok(ids)
}

/// An id written as a JSON string or number.
pub(super) fn id_text(v: &JsonValue) -> Option<String> {
    match v {
        JsonValue::Str(s) if !s.is_empty() => Some(s.clone()),
        JsonValue::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

/// A run's id and the keys of the metrics it has.
pub(super) struct RunKeys {
    pub(super) run_id: String,
    /// Each metric's key and the step of its latest value.
    pub(super) keys: Vec<(String, i64)>,
}

pub(super) fn search_runs(
    client: &Client<'_>,
    meter: &Meter<'_>,
    sizes: Sizes,
    experiment_ids: &[String],
    tree: &mut FileTree,
) -> Result<Vec<RunKeys>> {
    let mut runs = Vec::new();
    paged(
        meter,
        Stage::Runs,
        tree,
        "runs",
        |token| {
            let body = with_token(
                json!({"experiment_ids": experiment_ids, "max_results": sizes.search, "run_view_type": "ACTIVE_ONLY"}),
                token,
            );
            client.post("/api/2.0/mlflow/runs/search", &body).map(Some)
        },
        |page, request| {
            for r in pages::array(&page.doc, "runs", request)? {
                let info = r.get("info");
                let id = info.and_then(|i| i.get("run_id").or_else(|| i.get("run_uuid"))).and_then(id_text);
                let Some(run_id) = id else { continue };
                let keys = match r.get("data").and_then(|d| d.get("metrics")) {
                    Some(JsonValue::Array(ms)) => ms
                        .iter()
                        .filter_map(|m| {
                            let key = m.get("key").and_then(JsonValue::as_str)?;
                            let step = m.get("step").and_then(|s| match s {
                                JsonValue::Int(i) => Some(*i),
                                JsonValue::Str(t) => t.parse().ok(),
                                _ => None,
                            });
                            Some((key.to_string(), step.unwrap_or(0)))
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                runs.push(RunKeys { run_id, keys });
            }
            Ok(())
        },
    )?;
    Ok(runs)
}
