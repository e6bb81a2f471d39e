//! One run object: MLflow REST (`{"info": …, "data": {"params": [...], "metrics": [...],
//! "tags": [...]}}`, latest metric values) or mlflow-export-import's `run.json`
//! (`{"mlflow": {"info": …, "params": {…}, "metrics": {key: [points]}, "tags": {…}}}`,
//! full histories).

use super::values::{double, int64, pairs, text};
use crate::json_lenient::JsonValue;
use runql_core::model::{MetricSeries, RunData, RunInfo};

/// MLflow's run status names by the int the file store writes (some tools copy it).
fn status(v: &JsonValue) -> Option<String> {
    match v.as_i64() {
        Some(1) => Some("RUNNING".into()),
        Some(2) => Some("SCHEDULED".into()),
        Some(3) => Some("FINISHED".into()),
        Some(4) => Some("FAILED".into()),
        Some(5) => Some("KILLED".into()),
        _ => text(v),
    }
}

/// A metric point `{"value", "timestamp", "step"}`: `None` when the value is not a number.
/// Protobuf JSON leaves out fields at their default, so a missing step is 0. A server on
/// an SQL store returns ±infinity as the ±1.7976931348623157e308 it stores; that is mapped
/// back, as the SQLite reader does.
pub fn point(p: &JsonValue) -> Option<(i64, Option<i64>, f64)> {
    let value = crate::mlflow::sqlite::runs::logged_value(double(p.get("value")?)?, false);
    let step = p.get("step").map_or(Some(0), int64)?;
    let timestamp = match p.get("timestamp") {
        None | Some(JsonValue::Null) => None,
        Some(t) => Some(int64(t)?),
    };
    Some((step, timestamp, value))
}

/// Metrics written as a list of `{"key", "value", "timestamp", "step"}` (REST: one latest
/// point per key) or as a `{key: [points]}` map (export tools: full history). Returns
/// the series and how many points were not readable.
fn metrics(v: &JsonValue) -> (Vec<MetricSeries>, u64) {
    let mut out: Vec<MetricSeries> = Vec::new();
    let mut bad = 0u64;
    // Adds one point; false when it is not readable.
    let mut add = |key: String, p: &JsonValue| {
        let Some((step, ts, value)) = point(p) else { return false };
        let i = out.iter().position(|s| s.key == key).unwrap_or_else(|| {
            out.push(MetricSeries::new(key));
            out.len() - 1
        });
        if let Some(s) = out.get_mut(i) {
            s.push(step, ts, value);
        }
        true
    };
    match v {
        JsonValue::Array(items) => {
            for item in items {
                let ok = item.get("key").and_then(text).is_some_and(|key| add(key, item));
                bad += u64::from(!ok);
            }
        }
        JsonValue::Object(entries) => {
            for (key, points) in entries {
                match points {
                    JsonValue::Array(ps) => {
                        for p in ps {
                            bad += u64::from(!add(key.clone(), p));
                        }
                    }
                    // A bare number: a latest value with no step or time.
                    single => {
                        let p = JsonValue::Object(vec![("value".into(), single.clone())]);
                        bad += u64::from(!add(key.clone(), &p));
                    }
                }
            }
        }
        _ => {}
    }
    (out, bad)
}

/// A run and the number of metric points that could not be read, or why it is no run.
///
/// `run` is the object holding `info` (plus `data`, or `params`/`metrics`/`tags` beside
/// `info` as export tools write them).
pub fn parse_run(run: &JsonValue, origin: &str) -> Result<(RunData, u64), String> {
    let info = run.get("info").ok_or("a run without \"info\"")?;
    let run_id = ["run_id", "run_uuid"]
        .iter()
        .find_map(|k| info.get(k).and_then(text))
        .filter(|id| !id.is_empty())
        .ok_or("a run whose info has no run_id")?;
    let data = run.get("data").unwrap_or(run);
    let params: Vec<(String, String)> = data
        .get("params")
        .map(pairs)
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or_default()))
        .collect();
    let tags = data.get("tags").map(pairs).unwrap_or_default();
    let (metrics, bad) = data.get("metrics").map(metrics).unwrap_or_default();
    let tag = |name: &str| {
        tags.iter().find(|(k, _)| k == name).and_then(|(_, v)| v.clone()).filter(|v| !v.is_empty())
    };
    let field = |k: &str| info.get(k).and_then(text).filter(|v| !v.is_empty());
    let time = |k: &str| info.get(k).and_then(int64);
    let info = RunInfo {
        name: field("run_name").or_else(|| tag("mlflow.runName")),
        experiment_id: field("experiment_id"),
        parent_run_id: tag("mlflow.parentRunId"),
        status: info.get("status").and_then(status),
        lifecycle: field("lifecycle_stage"),
        user: field("user_id").or_else(|| tag("mlflow.user")),
        created_at_ms: time("start_time"),
        ended_at_ms: time("end_time"),
        artifact_uri: field("artifact_uri"),
        source: "mlflow".into(),
        origin: origin.to_string(),
        run_id,
        ..RunInfo::default()
    };
    Ok((RunData { info, params, tags, metrics }, bad))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_lenient::parse;

    #[test]
    fn rest_and_export_shapes() {
        let rest = parse(
            br#"{"info": {"run_id": "r1", "status": "FINISHED", "start_time": "1670301595769", "experiment_id": 2},
                 "data": {"metrics": [{"key": "loss", "value": "NaN", "timestamp": 5, "step": "3"},
                                      {"key": "bad", "value": "x"}],
                          "params": [{"key": "lr", "value": "0.1"}],
                          "tags": [{"key": "mlflow.runName", "value": "silent-dog"}]}}"#,
        )
        .unwrap();
        let (run, bad) = parse_run(&rest, "f.json").unwrap();
        assert_eq!(bad, 1);
        assert_eq!(run.info.name.as_deref(), Some("silent-dog"));
        assert_eq!(run.info.experiment_id.as_deref(), Some("2"));
        assert_eq!(run.info.created_at_ms, Some(1_670_301_595_769));
        assert_eq!(run.metrics[0].steps, [3]);
        assert!(run.metrics[0].values[0].is_nan());
        let export = parse(
            br#"{"info": {"run_uuid": "r2", "status": 3},
                 "params": {"lr": "0.1"}, "tags": {"t": "v"},
                 "metrics": {"loss": [{"value": 1.0, "timestamp": 1, "step": 0}, {"value": "-Infinity", "timestamp": 2, "step": 1}]}}"#,
        )
        .unwrap();
        let (run, bad) = parse_run(&export, "run.json").unwrap();
        assert_eq!((bad, run.info.status.as_deref()), (0, Some("FINISHED")));
        assert_eq!(run.metrics[0].values, [1.0, f64::NEG_INFINITY]);
        assert!(parse_run(&parse(br#"{"info": {}}"#).unwrap(), "x").is_err());
    }
}
