//! Writes a planned sweep as a TensorBoard log directory: one folder per run holding one
//! event file, as `SummaryWriter(log_dir=f"runs/{name}")` of tensorboardX or PyTorch writes
//! it — the file version event, the hparams plugin's session start (the run's config), and
//! one scalar event per metric and step.

use std::collections::BTreeMap;

use prost::Message;

use super::curves::RunCurves;
use super::schedule::{metric_kinds, write_runs};
use super::sweep::RunPlan;
use super::{SweepSpec, SweepSummary};
use runql_codecs::tensorboard::proto::{
    Event, HParamsPluginData, PluginData, ProtoValue, SessionStartInfo, Summary, SummaryMetadata,
    SummaryValue, event, hparams_plugin_data, proto_value, summary_value,
};
use runql_codecs::tensorboard::record::push_record;
use runql_core::error::Result;

/// Generates the sweep described by `spec` as a TensorBoard logdir and hands each file to
/// `sink` as `(path, contents)`: `runs/<run name>/events.out.tfevents.<start>.<host>.<n>.0`.
///
/// Scalars are `simple_value` (32-bit floats, as `add_scalar` stores them), training and
/// validation metrics with their own wall times. The run's params are the hparams record;
/// TensorBoard has no tags or run status, so those are not written.
///
/// ```
/// use std::collections::BTreeMap;
/// use runql_synth::{SweepSpec, write_tensorboard};
///
/// let spec = SweepSpec { runs: 2, metrics: 3, steps: 5, seed: 1 };
/// let mut files = BTreeMap::new();
/// let summary = write_tensorboard(&spec, &mut |path, bytes| {
///     files.insert(path.to_string(), bytes.to_vec());
///     Ok(())
/// })?;
/// assert_eq!(files.len(), 2);
/// assert!(files.keys().all(|p| p.starts_with("runs/") && p.contains("/events.out.tfevents.")));
/// assert_eq!(summary.points, 2 * 3 * 5);
/// # Ok::<(), runql_core::CoreError>(())
/// ```
pub fn write_tensorboard(
    spec: &SweepSpec,
    sink: &mut dyn FnMut(&str, &[u8]) -> Result<()>,
) -> Result<SweepSummary> {
    // Before any allocation sized by the spec.
    spec.validate()?;
    let kinds = metric_kinds(spec);
    let mut values = Vec::with_capacity(spec.steps);
    write_runs(
        spec,
        sink,
        |_, _| Ok(()),
        |out, _, run, curves| {
            let start_secs = curves.start_time.div_euclid(1000);
            let host = format!("gpu-node-{}", run.index % 8);
            let path =
                format!("runs/{}/events.out.tfevents.{start_secs}.{host}.{}.0", run.run_name, run.index);
            let mut file = Vec::with_capacity(spec.steps.saturating_mul(kinds.len()).saturating_mul(40));
            let wall = |ms: i64| ms as f64 / 1000.0;
            let header = Event {
                wall_time: wall(curves.start_time),
                step: 0,
                what: Some(event::What::FileVersion("brain.Event:2".into())),
            };
            push_record(&mut file, &header.encode_to_vec());
            push_record(&mut file, &hparams_event(run, curves).encode_to_vec());
            for (kind, key) in &kinds {
                curves.fill(*kind, &mut values);
                let times = if kind.is_val() { &curves.val_timestamps } else { &curves.timestamps };
                for (step, (value, ms)) in values.iter().zip(times).enumerate() {
                    let scalar = Event {
                        wall_time: wall(*ms),
                        step: i64::try_from(step).unwrap_or(i64::MAX),
                        what: Some(event::What::Summary(Summary {
                            value: vec![SummaryValue {
                                tag: key.clone(),
                                // add_scalar stores a 32-bit float.
                                value: Some(summary_value::Value::SimpleValue(*value as f32)),
                                ..SummaryValue::default()
                            }],
                        })),
                    };
                    push_record(&mut file, &scalar.encode_to_vec());
                }
            }
            out.file(&path, &file)
        },
    )
}

/// The hparams plugin's session start record: what `add_hparams` / Lightning's logger write.
fn hparams_event(run: &RunPlan, curves: &RunCurves) -> Event {
    let hparams: BTreeMap<String, ProtoValue> = run
        .params()
        .into_iter()
        .map(|(key, text)| {
            let kind = match text.parse::<f64>() {
                Ok(v) if v.is_finite() => proto_value::Kind::NumberValue(v),
                _ => proto_value::Kind::StringValue(text),
            };
            (key.to_owned(), ProtoValue { kind: Some(kind) })
        })
        .collect();
    let content = HParamsPluginData {
        version: 0,
        data: Some(hparams_plugin_data::Data::SessionStartInfo(SessionStartInfo {
            hparams,
            group_name: String::new(),
            start_time_secs: curves.start_time as f64 / 1000.0,
        })),
    };
    Event {
        wall_time: curves.start_time as f64 / 1000.0,
        step: 0,
        what: Some(event::What::Summary(Summary {
            value: vec![SummaryValue {
                tag: "_hparams_/session_start_info".into(),
                metadata: Some(SummaryMetadata {
                    plugin_data: Some(PluginData {
                        plugin_name: "hparams".into(),
                        content: content.encode_to_vec(),
                    }),
                    ..SummaryMetadata::default()
                }),
                ..SummaryValue::default()
            }],
        })),
    }
}
