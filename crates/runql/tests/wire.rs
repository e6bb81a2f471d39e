//! The wire types — what crosses from Rust to JavaScript and Python as JSON — generated once,
//! from the Rust types, as one JSON Schema: the chart spec (read by every front end), the load
//! report and a chart's pick (written by them), and the error kinds. The schema is committed
//! twice, where its readers find it: `packages/runql/wire.schema.json` (the TypeScript types
//! of `packages/runql/wire.d.ts` are generated from it) and `python/src/runql/wire.schema.json`
//! (the widget checks specs with it).
//!
//! This test fails when a committed copy is not what the Rust types say. After an intended
//! change, write them with `RUNQL_WRITE_WIRE=1 cargo test -p runql --test wire`, then
//! `npm run wire -w packages/runql` for the TypeScript types, and review the diff.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

/// Where the copies go, from the repository's root.
const COPIES: [&str; 2] = ["packages/runql/wire.schema.json", "python/src/runql/wire.schema.json"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The schema: every wire type under `$defs`, and a root that names the entry points.
fn wire_schema() -> Value {
    // What front ends send in is described as it is read (defaults make fields optional);
    // what they get back as it is written (every field present).
    let mut read = SchemaSettings::draft2020_12().for_deserialize().into_generator();
    let mut written = SchemaSettings::draft2020_12().for_serialize().into_generator();
    let entries = [
        ("ChartSpec", read.subschema_for::<runql::ChartSpec>()),
        ("LoadReport", written.subschema_for::<runql::core::ReportData>()),
        ("Pick", written.subschema_for::<runql::chart::Pick>()),
        ("ErrorKind", written.subschema_for::<runql::core::ErrorKind>()),
        ("LiveStatus", written.subschema_for::<runql::core::live::LiveStatus>()),
        ("LiveChanges", written.subschema_for::<runql::core::live::LiveChanges>()),
    ];
    let mut defs = Map::new();
    for (name, schema) in read.take_definitions(true).into_iter().chain(written.take_definitions(true)) {
        if let Some(earlier) = defs.get(&name) {
            assert_eq!(earlier, &schema, "{name} is described differently as read and as written");
        }
        defs.insert(name, schema);
    }
    let refs: Vec<Value> = entries
        .iter()
        .map(|(name, schema)| {
            let reference = schema.as_value().get("$ref").cloned();
            assert_eq!(reference, Some(json!(format!("#/$defs/{name}"))), "{name} is not a named definition");
            json!({ "$ref": format!("#/$defs/{name}") })
        })
        .collect();
    let mut schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "RunqlWire",
        "description": "runql's wire types, generated from the Rust types (crates/runql/tests/wire.rs): do not edit.",
        "anyOf": refs,
        "$defs": defs,
    });
    plain_descriptions(&mut schema);
    schema
}

/// Descriptions are the doc comments: without their Rust examples, and with rustdoc links
/// as plain code (`[`Preset`]` becomes `` `Preset` ``), they read as documentation anywhere.
fn plain_descriptions(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    Value::String(text) if key == "description" => *text = plain(text),
                    _ => plain_descriptions(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(plain_descriptions),
        _ => {}
    }
}

fn plain(text: &str) -> String {
    let mut out = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if !in_code {
            out.push(line);
        }
    }
    let mut text = out.join("\n").trim().to_string();
    // [`Name`](target) and [`Name`] → `Name`
    while let Some(start) = text.find("[`") {
        let Some(close) = text[start..].find("`]").map(|i| start + i) else { break };
        let name = text[start + 2..close].to_string();
        let mut end = close + 2;
        if text[end..].starts_with('(')
            && let Some(paren) = text[end..].find(')')
        {
            end += paren + 1;
        }
        text.replace_range(start..end, &format!("`{name}`"));
    }
    text
}

#[test]
fn the_committed_wire_schema_is_what_the_rust_types_say() {
    let text = format!("{}\n", serde_json::to_string_pretty(&wire_schema()).unwrap());
    let write = std::env::var_os("RUNQL_WRITE_WIRE").is_some();
    let mut stale = Vec::new();
    for copy in COPIES {
        let path = root().join(copy);
        if write {
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(copy);
        }
    }
    assert!(
        stale.is_empty(),
        "{stale:?} differ from the Rust types: run `RUNQL_WRITE_WIRE=1 cargo test -p runql --test wire`, \
         then `npm run wire -w packages/runql`, and review the diff"
    );
}

#[test]
fn the_schema_describes_what_the_engine_really_writes_and_reads() {
    let schema = wire_schema();
    let defs = &schema["$defs"];
    // Every field the report serializes is a property of LoadReport, and none is missing.
    let mut report = runql::LoadReport::default();
    report.skip("upload/a.csv", Some(2), "no value");
    let json = serde_json::to_value(&report).unwrap();
    let mut written: Vec<&String> = json.as_object().unwrap().keys().collect();
    let mut described: Vec<&String> = defs["LoadReport"]["properties"].as_object().unwrap().keys().collect();
    written.sort();
    described.sort();
    assert_eq!(written, described);
    // The error kinds are the Rust enum's.
    let kinds: Vec<&str> =
        defs["ErrorKind"]["oneOf"].as_array().unwrap().iter().filter_map(|k| k["const"].as_str()).collect();
    let rust: Vec<&str> = runql::core::ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(kinds, rust);
    // Every example chart spec uses only fields the schema knows.
    let chart_kinds: Vec<&Value> =
        defs["ChartKind"]["oneOf"].as_array().unwrap().iter().map(|k| &k["const"]).collect();
    for entry in std::fs::read_dir(root().join("examples/charts")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let spec: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            assert!(chart_kinds.contains(&&spec["kind"]), "{}", path.display());
        }
    }
}
