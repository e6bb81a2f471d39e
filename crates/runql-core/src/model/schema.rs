//! Arrow schemas of the normalized tables. Column names are part of runql's public surface:
//! docs, examples and SQL written by users rely on them.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

/// Table names, in the order they are registered.
pub const TABLE_NAMES: [&str; 7] =
    ["runs", "params", "metrics", "tags", "metric_summary", "runs_wide", "models"];

fn utf8(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

/// Strings that repeat on every metric point (run id, key) are dictionary-encoded: 4 bytes a
/// point instead of a copy of the string, which matters at 10M points and in wasm's 4 GiB.
pub fn dict_utf8() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// Epoch-millisecond timestamps in UTC, as every tracker records them.
pub fn timestamp_ms() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
}

/// The run-level columns, shared by `runs` and the first columns of `runs_wide`.
pub fn run_fields() -> Vec<Field> {
    vec![
        utf8("run_id", false),
        utf8("source", false),
        utf8("project", true),
        utf8("experiment_id", true),
        utf8("name", true),
        utf8("run_group", true),
        utf8("parent_run_id", true),
        utf8("status", true),
        utf8("lifecycle", true),
        utf8("user", true),
        Field::new("created_at", timestamp_ms(), true),
        Field::new("ended_at", timestamp_ms(), true),
        Field::new("duration_s", DataType::Float64, true),
        utf8("origin", false),
        utf8("artifact_uri", true),
    ]
}

/// `runs`: one row per run.
pub fn runs() -> SchemaRef {
    Arc::new(Schema::new(run_fields()))
}

/// `params`: one row per run and param key.
pub fn params() -> SchemaRef {
    Arc::new(Schema::new(vec![
        utf8("run_id", false),
        utf8("key", false),
        utf8("value", false),
        Field::new("value_num", DataType::Float64, true),
        utf8("value_type", false),
    ]))
}

/// `metrics`: one row per metric point. `timestamp` is epoch milliseconds (Int64) so that
/// relative-time arithmetic stays plain integer math.
pub fn metrics() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("run_id", dict_utf8(), false),
        Field::new("key", dict_utf8(), false),
        Field::new("step", DataType::Int64, false),
        Field::new("timestamp", DataType::Int64, true),
        Field::new("value", DataType::Float64, false),
    ]))
}

/// `tags`: one row per run and tag; `value` is null for bare tags.
pub fn tags() -> SchemaRef {
    Arc::new(Schema::new(vec![utf8("run_id", false), utf8("key", false), utf8("value", true)]))
}

/// `metric_summary`: one row per run and metric key, computed at load.
pub fn metric_summary() -> SchemaRef {
    let f64n = |name: &str| Field::new(name, DataType::Float64, true);
    let i64n = |name: &str| Field::new(name, DataType::Int64, true);
    Arc::new(Schema::new(vec![
        utf8("run_id", false),
        utf8("key", false),
        f64n("last"),
        i64n("last_step"),
        i64n("last_timestamp"),
        f64n("first"),
        i64n("first_step"),
        f64n("min"),
        i64n("min_step"),
        f64n("max"),
        i64n("max_step"),
        f64n("mean"),
        Field::new("count", DataType::Int64, false),
        Field::new("nan_count", DataType::Int64, false),
    ]))
}

/// `models`: MLflow 3 logged models and model-registry versions.
pub fn models() -> SchemaRef {
    Arc::new(Schema::new(vec![
        utf8("kind", false),
        utf8("name", false),
        Field::new("version", DataType::Int64, true),
        utf8("model_id", true),
        utf8("run_id", true),
        utf8("stage", true),
        utf8("aliases", true),
        utf8("status", true),
        Field::new("created_at", timestamp_ms(), true),
        utf8("source", true),
        utf8("origin", false),
    ]))
}
