//! Writes a planned sweep as W&B run folders (`wandb/run-<stamp>-<id>/`), as the SDK leaves
//! them after a sweep agent ran: the `run-<id>.wandb` transaction log (header, run, history,
//! summary and exit records), `files/config.yaml` and `files/wandb-summary.json`.

use prost::Message;

use super::curves::RunCurves;
use super::format::py_json_float;
use super::schedule::{metric_kinds, write_runs};
use super::sweep::{RunPlan, SweepPlan};
use super::{SweepSpec, SweepSummary};
use runql_codecs::wandb::framing::LogWriter;
use runql_codecs::wandb::proto::{
    ConfigRecord, GitRepoRecord, HeaderRecord, HistoryItem, HistoryRecord, HistoryStep, KeyedItem, Record,
    RecordType, RunExitRecord, RunRecord, SummaryRecord, Timestamp, VersionInfo,
};
use runql_core::error::Result;
use runql_core::timefmt::compact_utc;

/// The W&B entity the runs are logged under.
const ENTITY: &str = "runql-demo";

/// Generates the sweep described by `spec` as W&B run folders and hands each file to `sink`
/// as `(path, contents)`, paths relative to the output root (`wandb/run-…/run-<id>.wandb`).
///
/// Every step is one history row holding all metrics with `_step`, `_runtime` and
/// `_timestamp`, as `wandb.log({...})` writes it; the W&B run id is the first 8 characters
/// of the MLflow-style run id the other formats use, the display name and the config are
/// the same, the sweep id is the runs' sweep, and `model_size`, `team` and `stage` are W&B
/// tags (`model_size:7b`). Diverged runs exit with code 1 (`FAILED`).
///
/// ```
/// use std::collections::BTreeMap;
/// use runql_synth::{SweepSpec, write_wandb};
///
/// let spec = SweepSpec { runs: 2, metrics: 3, steps: 5, seed: 1 };
/// let mut files = BTreeMap::new();
/// let summary = write_wandb(&spec, &mut |path, bytes| {
///     files.insert(path.to_string(), bytes.to_vec());
///     Ok(())
/// })?;
/// assert_eq!(files.keys().filter(|p| p.ends_with(".wandb")).count(), 2);
/// assert!(files.keys().all(|p| p.starts_with("wandb/run-2026")));
/// assert_eq!(summary.points, 2 * 3 * 5);
/// # Ok::<(), runql_core::CoreError>(())
/// ```
pub fn write_wandb(
    spec: &SweepSpec,
    sink: &mut dyn FnMut(&str, &[u8]) -> Result<()>,
) -> Result<SweepSummary> {
    // Before any allocation sized by the spec.
    spec.validate()?;
    let kinds = metric_kinds(spec);
    let mut values: Vec<Vec<f64>> = vec![Vec::new(); kinds.len()];
    write_runs(
        spec,
        sink,
        |_, _| Ok(()),
        |out, plan, run, curves| {
            for ((kind, _), v) in kinds.iter().zip(values.iter_mut()) {
                curves.fill(*kind, v);
            }
            let id = wandb_id(run);
            let dir = format!("wandb/run-{}-{id}", compact_utc(curves.start_time));
            let log = transaction_log(plan, run, curves, &id, &kinds, &values);
            out.file(&format!("{dir}/run-{id}.wandb"), &log)?;
            out.file(&format!("{dir}/files/config.yaml"), config_yaml(run).as_bytes())?;
            let summary = summary_items(curves, &kinds, &values);
            out.file(&format!("{dir}/files/wandb-summary.json"), summary_json(&summary).as_bytes())
        },
    )
}

/// W&B run ids are 8 lowercase alphanumerics.
fn wandb_id(run: &RunPlan) -> String {
    run.run_id.chars().take(8).collect()
}

fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// A config value as `json.dumps` writes it: numbers bare, anything else a JSON string.
fn config_json(value: &str) -> String {
    match value.parse::<f64>() {
        Ok(v) if v.is_finite() => value.to_owned(),
        _ => serde_json::Value::String(value.to_owned()).to_string(),
    }
}

fn item(key: &str, value_json: String) -> KeyedItem {
    KeyedItem { key: key.to_owned(), nested_key: Vec::new(), value_json }
}

fn record(num: i64, record_type: RecordType) -> Vec<u8> {
    Record { num, record_type: Some(record_type) }.encode_to_vec()
}

/// The summary W&B keeps at the end of a run: each metric's last value and the internal
/// `_step`, `_runtime`, `_timestamp` of the last row.
fn summary_items(
    curves: &RunCurves,
    kinds: &[(super::curves::MetricKind, String)],
    values: &[Vec<f64>],
) -> Vec<KeyedItem> {
    let mut items: Vec<KeyedItem> = kinds
        .iter()
        .zip(values)
        .filter_map(|((_, key), v)| Some(item(key, py_json_float(*v.last()?))))
        .collect();
    let last_ts = curves.timestamps.last().copied().unwrap_or(curves.end_time);
    items.push(item("_step", curves.timestamps.len().saturating_sub(1).to_string()));
    items.push(item("_runtime", py_json_float(seconds(last_ts - curves.start_time))));
    items.push(item("_timestamp", py_json_float(seconds(last_ts))));
    items
}

fn transaction_log(
    plan: &SweepPlan,
    run: &RunPlan,
    curves: &RunCurves,
    id: &str,
    kinds: &[(super::curves::MetricKind, String)],
    values: &[Vec<f64>],
) -> Vec<u8> {
    let mut log = LogWriter::new();
    let mut num = 0i64;
    let mut push = |log: &mut LogWriter, record_type: RecordType| {
        num += 1;
        log.push(&record(num, record_type));
    };
    push(
        &mut log,
        RecordType::Header(HeaderRecord {
            version_info: Some(VersionInfo { producer: "runql-synth".into(), min_consumer: String::new() }),
        }),
    );
    let config = ConfigRecord {
        update: run.params().iter().map(|(k, v)| item(k, config_json(v))).collect(),
        remove: Vec::new(),
    };
    let start = curves.start_time;
    push(
        &mut log,
        RecordType::Run(RunRecord {
            run_id: id.to_owned(),
            entity: ENTITY.into(),
            project: plan.experiment_name.clone(),
            config: Some(config),
            display_name: run.run_name.clone(),
            tags: vec![
                format!("model_size:{}", run.config.model.label()),
                format!("team:{}", run.team),
                format!("stage:{}", run.stage),
            ],
            sweep_id: plan.sweep_id.clone(),
            host: format!("gpu-node-{}", run.index % 8),
            start_time: Some(Timestamp {
                seconds: start.div_euclid(1000),
                nanos: i32::try_from(start.rem_euclid(1000) * 1_000_000).unwrap_or(0),
            }),
            git: Some(GitRepoRecord { remote_url: String::new(), commit: plan.git_commit.clone() }),
            ..RunRecord::default()
        }),
    );
    for (step, ts) in curves.timestamps.iter().enumerate() {
        let step_num = i64::try_from(step).unwrap_or(i64::MAX);
        let mut items: Vec<HistoryItem> = kinds
            .iter()
            .zip(values)
            .filter_map(|((_, key), v)| {
                Some(HistoryItem {
                    key: key.clone(),
                    value_json: py_json_float(*v.get(step)?),
                    ..HistoryItem::default()
                })
            })
            .collect();
        for (key, value_json) in [
            ("_step", step.to_string()),
            ("_runtime", py_json_float(seconds(ts - start))),
            ("_timestamp", py_json_float(seconds(*ts))),
        ] {
            items.push(HistoryItem { key: key.into(), value_json, ..HistoryItem::default() });
        }
        push(
            &mut log,
            RecordType::History(HistoryRecord { item: items, step: Some(HistoryStep { num: step_num }) }),
        );
    }
    push(
        &mut log,
        RecordType::Summary(SummaryRecord {
            update: summary_items(curves, kinds, values),
            remove: Vec::new(),
        }),
    );
    let runtime = i32::try_from((curves.end_time - start) / 1000).unwrap_or(i32::MAX);
    push(&mut log, RecordType::Exit(RunExitRecord { exit_code: i32::from(curves.diverged()), runtime }));
    log.finish()
}

/// `files/config.yaml` as the SDK writes it: `wandb_version: 1`, then every key wrapped in
/// `value:` (and `desc: null`).
fn config_yaml(run: &RunPlan) -> String {
    let mut yaml = String::from("wandb_version: 1\n\n");
    for (key, value) in run.params() {
        // Strings that YAML would read as numbers stay strings because config_json quotes
        // them; JSON is valid YAML.
        yaml.push_str(&format!("{key}:\n  desc: null\n  value: {}\n", config_json(&value)));
    }
    yaml
}

/// `files/wandb-summary.json`: one JSON object of the summary items.
fn summary_json(items: &[KeyedItem]) -> String {
    let fields: Vec<String> = items
        .iter()
        .map(|i| format!("{}: {}", serde_json::Value::String(i.key.clone()), i.value_json))
        .collect();
    format!("{{{}}}", fields.join(", "))
}
