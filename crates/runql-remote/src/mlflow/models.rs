//! The model registry (versions with their aliases) and MLflow 3's logged models, each where
//! the server has the endpoint.

use runql_core::vfs::FileTree;
use serde_json::json;

use super::search::{found, paged, with_token};
use super::{Meter, Problem, Sizes, Stage};
use crate::client::Client;
use crate::error::{RemoteError, Result};
use crate::pages;
use crate::pool;

pub(super) fn models(
    client: &Client<'_>,
    meter: &Meter<'_>,
    sizes: Sizes,
    experiment_ids: &[String],
    tree: &mut FileTree,
    problems: &mut Vec<Problem>,
    missing: &mut Vec<String>,
) -> Result<()> {
    let max = sizes.search.to_string();
    let searches: [(&str, &str, &str); 2] = [
        ("registered-models", "/api/2.0/mlflow/registered-models/search", "registered_models"),
        ("model-versions", "/api/2.0/mlflow/model-versions/search", "model_versions"),
    ];
    for (dir, path, field) in searches {
        let result = paged(
            meter,
            Stage::Models,
            tree,
            dir,
            |token| {
                let mut query = vec![("max_results", max.as_str())];
                if let Some(t) = token {
                    query.push(("page_token", t));
                }
                client.get_optional(path, &query).map(found)
            },
            |page, request| pages::array(&page.doc, field, request).map(|_| ()),
        );
        match result {
            Ok(true) => {}
            Ok(false) => missing.push(format!("{dir}/search (the model registry)")),
            // A registry the server refuses this user is a problem; the runs still load.
            Err(e @ RemoteError::Auth { .. }) => {
                problems.push(Problem { request: format!("{dir}/search"), reason: e.to_string() });
            }
            Err(e) if pool::is_fatal(&e) => return Err(e),
            Err(e) => problems.push(Problem { request: format!("{dir}/search"), reason: e.to_string() }),
        }
    }
    if experiment_ids.is_empty() {
        return Ok(());
    }
    let result = paged(
        meter,
        Stage::Models,
        tree,
        "logged-models",
        |token| {
            // 100 is the page MLflow 3's own client and server use for logged models.
            let body = with_token(
                json!({"experiment_ids": experiment_ids, "max_results": sizes.search.min(100)}),
                token,
            );
            client.post_optional("/api/2.0/mlflow/logged-models/search", &body).map(found)
        },
        |page, request| pages::array(&page.doc, "models", request).map(|_| ()),
    );
    match result {
        Ok(true) => {}
        Ok(false) => missing.push("logged-models/search (MLflow 3 logged models)".into()),
        Err(e @ RemoteError::Auth { .. }) => {
            problems.push(Problem { request: "logged-models/search".into(), reason: e.to_string() });
        }
        Err(e) if pool::is_fatal(&e) => return Err(e),
        Err(e) => problems.push(Problem { request: "logged-models/search".into(), reason: e.to_string() }),
    }
    Ok(())
}
