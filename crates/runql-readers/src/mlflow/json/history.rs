//! `metrics/get-history` responses (`{"metrics": [{"key", "value", "timestamp", "step"}],
//! "next_page_token": …}`) and which run they belong to.
//!
//! The response itself does not always say: MLflow 3 puts `run_id` on each metric, older
//! servers do not. So the run is, in this order: each metric's own `run_id`; a top-level
//! `run_id` (for files a script wrapped); else a 32-hex MLflow run id in the file name
//! (`<run_id>.json`, `loss_<run_id>.json`, `<run_id>-loss-page2.json`) or, failing that,
//! in its folder's name (`<run_id>/loss.json`).

use super::run::point;
use super::values::text;
use crate::json_lenient::JsonValue;

/// Points of one history file: `(run_id, key, step, timestamp, value)` each, and how many
/// could not be read (no key, no number, no run).
pub struct History {
    /// The readable points.
    pub points: Vec<(String, String, i64, Option<i64>, f64)>,
    /// Points skipped.
    pub bad: u64,
    /// Points without any run id (none on the point, the file or in its name).
    pub without_run: u64,
}

/// A 32-hex-digit token (an MLflow run id) in `s`, split at anything not alphanumeric.
///
/// ```
/// use runql_readers::mlflow::json::history::run_id_in;
/// let id = "8a6a2f0e9d1c4b7a8e5f3c2d1b0a9f8e";
/// assert_eq!(run_id_in(&format!("loss_{id}.json")), Some(id));
/// assert_eq!(run_id_in("loss.json"), None);
/// ```
pub fn run_id_in(s: &str) -> Option<&str> {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .find(|t| t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The run id a history file's name (or its folder's name) gives, if any.
pub fn run_id_from_path(path: &str) -> Option<String> {
    let mut parts = path.rsplit('/');
    let name = parts.next().unwrap_or(path);
    run_id_in(name).or_else(|| parts.next().and_then(run_id_in)).map(str::to_string)
}

/// True when `doc` has the shape of a get-history response.
pub fn is_history(doc: &JsonValue) -> bool {
    match doc.get("metrics") {
        Some(JsonValue::Array(items)) => {
            doc.get("info").is_none()
                && items.iter().all(|m| m.get("key").is_some() && m.get("value").is_some())
        }
        _ => false,
    }
}

/// The points of a get-history response found at `path`.
pub fn parse_history(doc: &JsonValue, path: &str) -> History {
    let file_run = doc.get("run_id").and_then(text).or_else(|| run_id_from_path(path));
    let mut out = History { points: Vec::new(), bad: 0, without_run: 0 };
    let Some(JsonValue::Array(items)) = doc.get("metrics") else { return out };
    for m in items {
        let Some(run) = m.get("run_id").and_then(text).filter(|r| !r.is_empty()).or_else(|| file_run.clone())
        else {
            out.without_run += 1;
            continue;
        };
        match (m.get("key").and_then(text), point(m)) {
            (Some(key), Some((step, ts, value))) => out.points.push((run, key, step, ts, value)),
            _ => out.bad += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_lenient::parse;

    const ID: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn run_from_point_file_or_folder() {
        let doc = parse(br#"{"metrics": [{"key": "loss", "value": 1, "step": 2, "run_id": "r9"}, {"key": "loss", "value": "Infinity"}]}"#).unwrap();
        assert!(is_history(&doc));
        let h = parse_history(&doc, &format!("{ID}/loss.json"));
        assert_eq!(h.points[0].0, "r9");
        assert_eq!(h.points[1].0, ID);
        assert_eq!(h.points[1].2, 0, "a missing step is 0");
        let h = parse_history(&doc, "loss.json");
        assert_eq!((h.points.len(), h.without_run), (1, 1));
        assert_eq!(run_id_from_path(&format!("h/{ID}-loss-page2.json")).as_deref(), Some(ID));
        assert!(!is_history(&parse(br#"{"metrics": [1, 2]}"#).unwrap()));
    }
}
