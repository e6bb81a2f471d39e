//! Reading one TensorBoard run: the event files of one directory, merged in name order.

use std::collections::{BTreeMap, HashMap};

use prost::Message;

use super::proto::{
    Event, HParamsPluginData, ProtoValue, SESSION_START, SummaryMetadata, SummaryValue, event,
    hparams_plugin_data, proto_value, summary_value,
};
use super::record::Records;
use super::scalar::tensor_scalar;
use crate::progress::ProgressTracker;
use runql_core::error::Result;
use runql_core::model::{MetricSeries, RunData, RunInfo, TablesBuilder};
use runql_core::report::{Issue, LoadReport, Severity};
use runql_core::vfs::FileTree;

/// Runs are parsed in batches of this many (in parallel when enabled) and then appended.
const BATCH: usize = 32;

const HPARAMS_PLUGIN: &str = "hparams";
const SCALARS_PLUGIN: &str = "scalars";
const SESSION_START_INFO_TAG: &str = "_hparams_/session_start_info";

/// A run directory found by the layout pass, waiting to be read.
pub(super) struct RunJob {
    /// The directory, relative to the tree (empty for the tree's root).
    pub dir: String,
    /// Its event files in name order, each with whether it still counts for progress (false
    /// when another reader already claimed and counted it).
    pub files: Vec<(String, bool)>,
    /// A Lightning `hparams.yaml` in the directory, with the same progress flag.
    pub hparams_yaml: Option<(String, bool)>,
}

/// Reads all runs and adds them to `builder`; returns how many were added.
pub(super) fn read_runs(
    tree: &FileTree,
    jobs: Vec<RunJob>,
    builder: &mut TablesBuilder,
    report: &mut LoadReport,
    progress: &ProgressTracker<'_>,
) -> Result<u64> {
    crate::batch::read_in_batches(jobs, BATCH, |job| read_run(tree, job, progress), builder, report)
}

/// The first metadata seen for a tag: TensorBoard keeps only that one, since writers attach
/// metadata to the first value of a tag only.
struct TagInfo {
    plugin: String,
    data_class: i32,
}

/// Everything gathered from the events of one run.
struct RunState {
    series: Vec<MetricSeries>,
    series_of: HashMap<String, usize>,
    tags: HashMap<String, TagInfo>,
    params: Option<BTreeMap<String, String>>,
    group_name: Option<String>,
    first_wall: Option<f64>,
    last_wall: Option<f64>,
    max_step: Option<i64>,
    events: u64,
    restart_warned: bool,
    ignored: BTreeMap<String, u64>,
    report: LoadReport,
}

/// "its event file NAME" or "its N event files (A, B, C and K more)": a run-level skip names
/// the files it is about, as every other issue does.
fn name_files(dir: &str, files: &[(String, bool)]) -> String {
    const SHOWN: usize = 3;
    let names: Vec<&str> = files
        .iter()
        .take(SHOWN)
        .map(|(p, _)| p.strip_prefix(dir).and_then(|r| r.strip_prefix('/')).unwrap_or(p))
        .collect();
    match (files.len(), names.as_slice()) {
        (1, [one]) => format!("its event file {one}"),
        (n, _) if n > SHOWN => format!("its {n} event files ({} and {} more)", names.join(", "), n - SHOWN),
        (n, _) => format!("its {n} event files ({})", names.join(", ")),
    }
}

fn read_run(tree: &FileTree, job: RunJob, progress: &ProgressTracker<'_>) -> (Option<RunData>, LoadReport) {
    let RunJob { dir, files, hparams_yaml } = job;
    let mut st = RunState {
        series: Vec::new(),
        series_of: HashMap::new(),
        tags: HashMap::new(),
        params: None,
        group_name: None,
        first_wall: None,
        last_wall: None,
        max_step: None,
        events: 0,
        restart_warned: false,
        ignored: BTreeMap::new(),
        report: LoadReport::default(),
    };
    for (path, count_progress) in &files {
        let size = tree.size(path).unwrap_or(0);
        if *count_progress {
            progress.advance(1, size);
        }
        let shown = tree.display_path(path);
        let Some(bytes) = st.report.read_file(tree, path) else {
            continue;
        };
        if bytes.is_empty() {
            st.report.warn(
                shown,
                None,
                "empty event file (no records): a writer opened it and wrote nothing",
            );
            continue;
        }
        st.read_file(&shown, &bytes);
    }
    if let Some((yaml, count_progress)) = hparams_yaml {
        if count_progress {
            progress.advance(1, tree.size(&yaml).unwrap_or(0));
        }
        if st.params.is_some() {
            st.ignore("Lightning hparams.yaml files (hparams read from the event file's hparams record)");
        } else {
            st.report.skip(
                tree.display_path(&yaml),
                None,
                "Lightning hparams.yaml is not read, and this run's event files have no hparams record \
                 (Lightning writes one unless default_hp_metric=False and no metric is given)",
            );
        }
    }
    for (what, n) in std::mem::take(&mut st.ignored) {
        st.report.ignore(what, n);
    }
    let origin = tree.display_path(&dir);
    if st.events == 0 {
        st.report.skip(
            origin,
            None,
            format!("run not loaded: no readable event in {}", name_files(&dir, &files)),
        );
        return (None, st.report);
    }
    let name = if dir.is_empty() {
        let o = tree.origin().trim_end_matches(['/', '\\']);
        o.rsplit(['/', '\\']).next().unwrap_or(o).to_string()
    } else {
        dir.clone()
    };
    let parent_dir = dir.rsplit_once('/').map(|(p, _)| p.to_string());
    let run = RunData {
        info: RunInfo {
            run_id: origin.clone(),
            source: "tensorboard".into(),
            name: Some(name),
            run_group: st.group_name.clone().or(parent_dir),
            created_at_ms: st.first_wall.and_then(wall_ms),
            ended_at_ms: st.last_wall.and_then(wall_ms),
            origin,
            ..RunInfo::default()
        },
        params: st.params.take().map(|p| p.into_iter().collect()).unwrap_or_default(),
        tags: Vec::new(),
        metrics: std::mem::take(&mut st.series),
    };
    (Some(run), st.report)
}

/// Wall time in seconds to epoch milliseconds; 0 (proto3's "not set") and non-finite or
/// out-of-range times have no timestamp.
fn wall_ms(wall: f64) -> Option<i64> {
    let ms = (wall * 1000.0).round();
    (wall != 0.0 && ms.is_finite() && ms.abs() < 9.0e18).then_some(ms as i64)
}

impl RunState {
    fn issue(&mut self, severity: Severity, path: &str, offset: u64, reason: String) {
        self.report.push(Issue {
            severity,
            path: path.to_string(),
            line: None,
            offset: Some(offset),
            reason,
        });
    }

    fn ignore(&mut self, what: impl Into<String>) {
        *self.ignored.entry(what.into()).or_default() += 1;
    }

    fn read_file(&mut self, shown: &str, bytes: &[u8]) {
        let file_len = bytes.len() as u64;
        for record in Records::new(bytes) {
            let record = match record {
                Ok(r) => r,
                Err(problem) => {
                    let severity =
                        if problem.is_truncation() { Severity::Warning } else { Severity::Skipped };
                    self.issue(severity, shown, problem.offset(), problem.describe(file_len));
                    continue;
                }
            };
            match Event::decode(record.data) {
                Ok(ev) => self.event(shown, record.offset, ev),
                Err(err) => self.issue(
                    Severity::Skipped,
                    shown,
                    record.offset,
                    format!("record is not a TensorBoard event (protobuf: {err}); skipped"),
                ),
            }
        }
    }

    fn event(&mut self, shown: &str, offset: u64, ev: Event) {
        self.events += 1;
        let Event { wall_time, step, what } = ev;
        if wall_time != 0.0 && wall_time.is_finite() {
            self.first_wall = Some(self.first_wall.map_or(wall_time, |w| w.min(wall_time)));
            self.last_wall = Some(self.last_wall.map_or(wall_time, |w| w.max(wall_time)));
        }
        match what {
            None => {}
            Some(event::What::FileVersion(v)) if !v.starts_with("brain.Event:") => self.issue(
                Severity::Warning,
                shown,
                offset,
                format!("unexpected file_version {v:?} (expected brain.Event:N); read anyway"),
            ),
            Some(event::What::FileVersion(_)) => {}
            Some(event::What::Summary(summary)) => {
                for value in summary.value {
                    self.value(shown, offset, wall_time, step, value);
                }
            }
            Some(event::What::GraphDef(_) | event::What::MetaGraphDef(_)) => {
                self.ignore("TensorBoard graphs")
            }
            Some(event::What::TaggedRunMetadata(_)) => {
                self.ignore("TensorBoard run metadata (profiler) events")
            }
            Some(event::What::LogMessage(_)) => self.ignore("TensorBoard log messages"),
            Some(event::What::SessionLog(log)) => {
                self.ignore("TensorBoard session log events");
                if log.status == SESSION_START
                    && !self.restart_warned
                    && self.max_step.is_some_and(|max| step <= max)
                {
                    self.restart_warned = true;
                    let max = self.max_step.unwrap_or_default();
                    self.issue(
                        Severity::Warning,
                        shown,
                        offset,
                        format!(
                            "the job restarted at step {step} after logging up to step {max} \
                             (SessionLog START); TensorBoard hides the earlier points with step >= {step}, \
                             runql keeps every point (their timestamps tell them apart)"
                        ),
                    );
                }
            }
        }
    }

    fn value(&mut self, shown: &str, offset: u64, wall_time: f64, step: i64, value: SummaryValue) {
        let SummaryValue { node_name, tag, metadata, value } = value;
        // Old tensor summaries carry their name in node_name only.
        let tag = if tag.is_empty() { node_name } else { tag };
        if let Some(md) = metadata {
            self.metadata(shown, offset, &tag, md);
        }
        let (plugin, data_class) = self.tags.get(&tag).map_or(("", 0), |t| (t.plugin.as_str(), t.data_class));
        match value {
            Some(summary_value::Value::SimpleValue(v)) => self.push(tag, step, wall_time, f64::from(v)),
            Some(summary_value::Value::Tensor(tensor)) => {
                if plugin == SCALARS_PLUGIN
                    || (plugin.is_empty() && data_class == super::proto::DATA_CLASS_SCALAR)
                {
                    match tensor_scalar(&tensor) {
                        Ok(v) => self.push(tag, step, wall_time, v),
                        Err(why) => self.issue(
                            Severity::Skipped,
                            shown,
                            offset,
                            format!("scalar `{tag}` at step {step}: {why}; point skipped"),
                        ),
                    }
                } else if plugin == HPARAMS_PLUGIN {
                    // The TF hparams API writes a placeholder tensor; the data is in the metadata.
                } else if plugin.is_empty() {
                    self.ignore("TensorBoard tensor values without a plugin");
                } else {
                    let label = plugin_label(plugin);
                    self.ignore(label);
                }
            }
            Some(summary_value::Value::Histo(_) | summary_value::Value::ObsoleteOldStyleHistogram(_)) => {
                self.ignore("TensorBoard histogram values")
            }
            Some(summary_value::Value::Image(_)) => self.ignore("TensorBoard image values"),
            Some(summary_value::Value::Audio(_)) => self.ignore("TensorBoard audio values"),
            None if plugin == HPARAMS_PLUGIN => {}
            None => self.ignore("TensorBoard summary values without data"),
        }
    }

    /// Remembers the first metadata of `tag`, and reads hparams from it.
    fn metadata(&mut self, shown: &str, offset: u64, tag: &str, md: SummaryMetadata) {
        let plugin = md.plugin_data.as_ref().map(|p| p.plugin_name.as_str()).unwrap_or_default();
        if self.tags.contains_key(tag) {
            if plugin == HPARAMS_PLUGIN {
                self.ignore("TensorBoard hparams records repeated in a run (TensorBoard uses the first)");
            }
            return;
        }
        self.tags.insert(tag.to_string(), TagInfo { plugin: plugin.to_string(), data_class: md.data_class });
        if plugin != HPARAMS_PLUGIN {
            return;
        }
        let content = md.plugin_data.map(|p| p.content).unwrap_or_default();
        let data = match HParamsPluginData::decode(content.as_slice()) {
            Ok(d) => d,
            Err(err) => {
                self.issue(
                    Severity::Skipped,
                    shown,
                    offset,
                    format!("hparams record `{tag}` does not decode (protobuf: {err}); skipped"),
                );
                return;
            }
        };
        match data.data {
            Some(hparams_plugin_data::Data::SessionStartInfo(info)) if tag == SESSION_START_INFO_TAG => {
                let params = info.hparams.iter().map(|(k, v)| (k.clone(), value_text(v))).collect();
                self.params = Some(params);
                if !info.group_name.is_empty() {
                    self.group_name = Some(info.group_name);
                }
            }
            Some(_) => self.ignore("TensorBoard hparams experiment and session-end records"),
            None => self.ignore("TensorBoard summary values without data"),
        }
    }

    fn push(&mut self, tag: String, step: i64, wall_time: f64, value: f64) {
        self.max_step = Some(self.max_step.map_or(step, |m| m.max(step)));
        let ts = wall_ms(wall_time);
        let i = match self.series_of.get(&tag) {
            Some(&i) => i,
            None => {
                self.series.push(MetricSeries::new(tag.clone()));
                let i = self.series.len() - 1;
                self.series_of.insert(tag, i);
                i
            }
        };
        if let Some(s) = self.series.get_mut(i) {
            s.push(step, ts, value);
        }
    }
}

/// The report label of values of a plugin runql does not tabulate.
fn plugin_label(plugin: &str) -> String {
    match plugin {
        "histograms" => "TensorBoard histogram values".into(),
        "images" => "TensorBoard image values".into(),
        "audio" => "TensorBoard audio values".into(),
        "text" => "TensorBoard text values".into(),
        "pr_curves" => "TensorBoard PR curve values".into(),
        other => format!("TensorBoard `{other}` plugin values"),
    }
}

/// An hparam value as text: numbers in shortest round-trip form (`0.01`, `32.0`), strings as
/// they are, bools as `true`/`false`, null as `null`, structs and lists as JSON.
fn value_text(v: &ProtoValue) -> String {
    match &v.kind {
        Some(proto_value::Kind::StringValue(s)) => s.clone(),
        _ => {
            let mut out = String::new();
            push_json(&mut out, v);
            out
        }
    }
}

fn push_number(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("nan");
    } else if x.is_infinite() {
        out.push_str(if x > 0.0 { "inf" } else { "-inf" });
    } else {
        out.push_str(ryu::Buffer::new().format_finite(x));
    }
}

fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Depth is bounded by prost's decoding recursion limit.
fn push_json(out: &mut String, v: &ProtoValue) {
    match &v.kind {
        None | Some(proto_value::Kind::NullValue(_)) => out.push_str("null"),
        Some(proto_value::Kind::NumberValue(x)) => push_number(out, *x),
        Some(proto_value::Kind::StringValue(s)) => push_json_string(out, s),
        Some(proto_value::Kind::BoolValue(b)) => out.push_str(if *b { "true" } else { "false" }),
        Some(proto_value::Kind::StructValue(s)) => {
            out.push('{');
            for (i, (k, v)) in s.fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_string(out, k);
                out.push(':');
                push_json(out, v);
            }
            out.push('}');
        }
        Some(proto_value::Kind::ListValue(l)) => {
            out.push('[');
            for (i, v) in l.values.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json(out, v);
            }
            out.push(']');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::proto::{ProtoList, ProtoStruct};
    use super::*;

    fn v(kind: proto_value::Kind) -> ProtoValue {
        ProtoValue { kind: Some(kind) }
    }

    #[test]
    fn hparam_values_as_text() {
        use proto_value::Kind::*;
        assert_eq!(value_text(&v(NumberValue(0.01))), "0.01");
        assert_eq!(value_text(&v(NumberValue(32.0))), "32.0");
        assert_eq!(value_text(&v(NumberValue(f64::NAN))), "nan");
        assert_eq!(value_text(&v(StringValue("adam \"w\"".into()))), "adam \"w\"");
        assert_eq!(value_text(&v(BoolValue(true))), "true");
        assert_eq!(value_text(&v(NullValue(0))), "null");
        assert_eq!(value_text(&ProtoValue { kind: None }), "null");
        let nested = v(StructValue(ProtoStruct {
            fields: [
                (
                    "a".to_string(),
                    v(ListValue(ProtoList { values: vec![v(NumberValue(1.0)), v(BoolValue(false))] })),
                ),
                ("b\n".to_string(), v(StringValue("x".into()))),
            ]
            .into_iter()
            .collect(),
        }));
        assert_eq!(value_text(&nested), r#"{"a":[1.0,false],"b\n":"x"}"#);
    }

    #[test]
    fn wall_times_to_ms() {
        assert_eq!(wall_ms(1767225600.5), Some(1_767_225_600_500));
        assert_eq!(wall_ms(0.0), None);
        assert_eq!(wall_ms(f64::NAN), None);
        assert_eq!(wall_ms(1e300), None);
    }
}
