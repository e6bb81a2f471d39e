//! One W&B run: what its `.wandb` log and its `files/` say, gathered into [`RunParts`] and
//! then turned into a [`RunData`].

use std::collections::BTreeMap;

use prost::Message;

use super::framing::{self, Item, LogReader};
use super::proto::{self, RecordType};
use super::values::{self, History, Ignored, KeyPath, Leaf, PathMap, count};
use super::yaml;
use crate::json_lenient::{self, JsonValue};
use runql_core::model::{RunData, RunInfo};
use runql_core::report::{Issue, LoadReport, Severity};
use runql_core::timefmt::parse_iso_ms;

/// System monitor metrics are keyed `system/<W&B key>`, next to MLflow's `system/…` metrics.
const SYSTEM_PREFIX: &str = "system/";

/// Files other than `.wandb` logs are refused above this size.
pub const MAX_SIDE_FILE_BYTES: usize = 64 << 20;

/// Everything known about a run so far, from any of its files.
#[derive(Debug, Default)]
pub struct RunParts {
    pub run_id: Option<String>,
    pub entity: Option<String>,
    pub project: Option<String>,
    pub display_name: Option<String>,
    pub run_group: Option<String>,
    pub sweep_id: Option<String>,
    pub tags: Option<Vec<String>>,
    pub start_ms: Option<i64>,
    pub config: PathMap,
    pub summary: PathMap,
    pub exit: Option<proto::RunExitRecord>,
    /// Run attributes kept as `wandb.*` tags (host, program, git, job type, …).
    pub system_tags: BTreeMap<String, String>,
    pub username: Option<String>,
    /// `state` from a legacy `wandb-metadata.json`, used only when there is no log.
    pub legacy_state: Option<String>,
    pub history: History,
    /// System monitor samples read (`stats` records); the next sample's step.
    pub stats_samples: i64,
    /// A `.wandb` log was read (even partly).
    pub has_log: bool,
    pub ignored: Ignored,
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn item_path(key: &str, nested: &[String]) -> Option<KeyPath> {
    if !nested.is_empty() {
        Some(nested.to_vec())
    } else if !key.is_empty() {
        Some(vec![key.to_string()])
    } else {
        None
    }
}

fn issue(path: &str, offset: Option<u64>, line: Option<u64>, severity: Severity, reason: String) -> Issue {
    Issue { severity, path: path.to_string(), line, offset, reason }
}

impl RunParts {
    fn tag(&mut self, key: &str, value: &str) {
        if !value.is_empty() {
            self.system_tags.entry(format!("wandb.{key}")).or_insert_with(|| value.to_string());
        }
    }

    /// Applies config/summary items (`update` then `remove`), reporting unreadable values.
    #[allow(clippy::too_many_arguments)]
    fn apply_items(
        &mut self,
        target: Target,
        updates: Vec<proto::KeyedItem>,
        removes: Vec<proto::KeyedItem>,
        shown: &str,
        offset: u64,
        report: &mut LoadReport,
    ) {
        let what = match target {
            Target::Config => "config",
            Target::Summary => "summary",
        };
        for item in updates {
            let Some(path) = item_path(&item.key, &item.nested_key) else {
                count(&mut self.ignored, format!("W&B {what} items without a key"), 1);
                continue;
            };
            match json_lenient::parse_str(&item.value_json) {
                Ok(v) => match target {
                    Target::Config => self.config.set(path, v),
                    Target::Summary => self.summary.set(path, v),
                },
                Err(e) => report.push(issue(
                    shown,
                    Some(offset),
                    None,
                    Severity::Skipped,
                    format!("{what} item {}: value_json does not parse: {e}", values::join(&path)),
                )),
            }
        }
        for item in removes {
            if let Some(path) = item_path(&item.key, &item.nested_key) {
                match target {
                    Target::Config => self.config.remove(&path),
                    Target::Summary => self.summary.remove(&path),
                }
            }
        }
    }

    /// Reads a `.wandb` transaction log into these parts.
    pub fn read_log(&mut self, bytes: &[u8], shown: &str, report: &mut LoadReport) {
        let version = match framing::check_header(bytes) {
            Ok(v) => v,
            Err(e) => {
                report.push(issue(shown, Some(e.offset), None, Severity::Skipped, e.reason));
                return;
            }
        };
        self.has_log = true;
        if version != 0 {
            report.push(issue(
                shown,
                Some(6),
                None,
                Severity::Warning,
                format!("W&B log format version {version} (only 0 is known); reading it as version 0"),
            ));
        }
        for item in LogReader::new(bytes) {
            let record = match item {
                Item::Issue(i) => {
                    let severity = if i.skipped { Severity::Skipped } else { Severity::Warning };
                    report.push(issue(shown, Some(i.offset), None, severity, i.reason));
                    continue;
                }
                Item::Record(r) => r,
            };
            match proto::Record::decode(&*record.data) {
                Ok(rec) => self.apply_record(rec, shown, record.offset, report),
                Err(e) => report.push(issue(
                    shown,
                    Some(record.offset),
                    None,
                    Severity::Skipped,
                    format!("record of {} bytes is not a W&B protobuf Record: {e}", record.data.len()),
                )),
            }
        }
    }

    fn apply_record(&mut self, rec: proto::Record, shown: &str, offset: u64, report: &mut LoadReport) {
        let Some(kind) = rec.record_type else {
            count(&mut self.ignored, "W&B log records of a type unknown to runql", 1);
            return;
        };
        match kind {
            RecordType::History(h) => self.history_record(h, shown, offset, report),
            RecordType::Summary(s) => {
                self.apply_items(Target::Summary, s.update, s.remove, shown, offset, report);
            }
            RecordType::Config(c) => {
                self.apply_items(Target::Config, c.update, c.remove, shown, offset, report);
            }
            RecordType::Run(r) => self.run_record(r, shown, offset, report),
            RecordType::Exit(e) => self.exit = Some(e),
            RecordType::Header(h) => {
                if let Some(v) = h.version_info {
                    let producer = v.producer.split('+').next().unwrap_or_default().to_string();
                    self.tag("sdk_version", &producer);
                }
            }
            RecordType::Environment(e) => self.environment(e),
            RecordType::Stats(s) => self.stats_record(s, shown, offset, report),
            other => {
                let what = match other.name() {
                    "output" | "output_raw" | "output_logger" => {
                        "W&B log records: console output lines".to_string()
                    }
                    name => format!("W&B log records: {name}"),
                };
                count(&mut self.ignored, what, 1);
            }
        }
    }

    fn history_record(&mut self, h: proto::HistoryRecord, shown: &str, offset: u64, report: &mut LoadReport) {
        let mut items = Vec::with_capacity(h.item.len());
        for item in h.item {
            let Some(path) = item_path(&item.key, &item.nested_key) else {
                count(&mut self.ignored, "W&B history items without a key", 1);
                continue;
            };
            let parsed = match item.value {
                Some(proto::HistoryValue::None(_)) => Ok(JsonValue::Null),
                Some(proto::HistoryValue::Boolean(b)) => Ok(JsonValue::Bool(b)),
                Some(proto::HistoryValue::Integer(i)) => Ok(JsonValue::Int(i)),
                Some(proto::HistoryValue::Number(f)) => Ok(JsonValue::Float(f)),
                Some(proto::HistoryValue::Text(s)) => Ok(JsonValue::Str(s)),
                Some(proto::HistoryValue::Json(s)) => json_lenient::parse_str(&s),
                None => json_lenient::parse_str(&item.value_json),
            };
            match parsed {
                Ok(v) => items.push((path, v)),
                Err(e) => report.push(issue(
                    shown,
                    Some(offset),
                    None,
                    Severity::Skipped,
                    format!("history item {}: value_json does not parse: {e}", values::join(&path)),
                )),
            }
        }
        self.history.add_row(items, h.step.map(|s| s.num), &mut self.ignored);
    }

    /// One system monitor sample: each numeric item becomes a point of `system/<key>` (the
    /// W&B UI's System section), at the sample's time. Samples have no training step; their
    /// step counts the run's samples from 0, as MLflow's system metrics do.
    fn stats_record(&mut self, s: proto::StatsRecord, shown: &str, offset: u64, report: &mut LoadReport) {
        let step = self.stats_samples;
        self.stats_samples = self.stats_samples.saturating_add(1);
        let ts = s.timestamp.and_then(|t| t.millis());
        for item in s.item {
            if item.key.is_empty() {
                count(&mut self.ignored, "W&B system metric items without a key", 1);
                continue;
            }
            match json_lenient::parse_str(&item.value_json) {
                Ok(v) => match v.as_f64() {
                    Some(value) => self.history.push(format!("{SYSTEM_PREFIX}{}", item.key), step, ts, value),
                    None => count(&mut self.ignored, "W&B system metric values that are not numbers", 1),
                },
                Err(e) => report.push(issue(
                    shown,
                    Some(offset),
                    None,
                    Severity::Skipped,
                    format!("system metric {}: value_json does not parse: {e}", item.key),
                )),
            }
        }
    }

    fn run_record(&mut self, r: proto::RunRecord, shown: &str, offset: u64, report: &mut LoadReport) {
        let set = |slot: &mut Option<String>, v: &str| {
            if let Some(v) = non_empty(v) {
                *slot = Some(v);
            }
        };
        set(&mut self.run_id, &r.run_id);
        set(&mut self.entity, &r.entity);
        set(&mut self.project, &r.project);
        set(&mut self.display_name, &r.display_name);
        set(&mut self.run_group, &r.run_group);
        set(&mut self.sweep_id, &r.sweep_id);
        if !r.tags.is_empty() || self.tags.is_none() {
            self.tags = Some(r.tags);
        }
        if let Some(ms) = r.start_time.and_then(|t| t.millis()).filter(|ms| *ms > 0) {
            self.start_ms = Some(ms);
        }
        if self.history.rows == 0 {
            self.history.starting_step = r.starting_step;
        }
        self.tag("entity", &r.entity);
        self.tag("job_type", &r.job_type);
        self.tag("notes", &r.notes);
        self.tag("sweep_id", &r.sweep_id);
        self.tag("host", &r.host);
        if r.resumed {
            self.system_tags.insert("wandb.resumed".into(), "true".into());
        }
        if r.forked {
            self.system_tags.insert("wandb.forked".into(), "true".into());
        }
        if let Some(g) = &r.git {
            self.tag("git.remote", &g.remote_url);
            self.tag("git.commit", &g.commit);
        }
        if let Some(c) = r.config {
            self.apply_items(Target::Config, c.update, c.remove, shown, offset, report);
        }
        if let Some(s) = r.summary {
            self.apply_items(Target::Summary, s.update, s.remove, shown, offset, report);
        }
    }

    fn environment(&mut self, e: proto::EnvironmentRecord) {
        if self.start_ms.is_none() {
            self.start_ms = e.started_at.and_then(|t| t.millis()).filter(|ms| *ms > 0);
        }
        if let Some(u) = non_empty(&e.username) {
            self.username.get_or_insert(u);
        }
        self.tag("os", &e.os);
        self.tag("python", &e.python);
        self.tag("program", &e.program);
        self.tag("code_path", &e.code_path);
        self.tag("executable", &e.executable);
        self.tag("host", &e.host);
        self.tag("email", &e.email);
        self.tag("docker", &e.docker);
        self.tag("colab", &e.colab);
        self.tag("gpu", &e.gpu_type);
        self.tag("cuda", &e.cuda_version);
        if e.gpu_count > 0 {
            self.tag("gpu_count", &e.gpu_count.to_string());
        }
        if e.cpu_count > 0 {
            self.tag("cpu_count", &e.cpu_count.to_string());
        }
        if !e.args.is_empty() {
            let args = JsonValue::Array(e.args.into_iter().map(JsonValue::Str).collect());
            self.tag("args", &args.to_json());
        }
        if let Some(g) = &e.git {
            self.tag("git.remote", &g.remote_url);
            self.tag("git.commit", &g.commit);
        }
    }

    /// Reads `config.yaml`: keys the log did not provide are added.
    pub fn read_config_yaml(&mut self, bytes: &[u8], shown: &str, report: &mut LoadReport) {
        let doc = match yaml::parse(bytes) {
            Ok(JsonValue::Object(entries)) => entries,
            Ok(_) => {
                report.skip(shown, None, "config.yaml is not a mapping of config keys");
                return;
            }
            Err(e) => {
                report.skip(shown, e.line, format!("config.yaml does not parse: {}", e.message));
                return;
            }
        };
        let from_log = !self.config.is_empty();
        for (key, value) in doc {
            if key == "wandb_version" {
                continue;
            }
            if from_log && self.config.has_top(&key) {
                continue;
            }
            self.config.set(vec![key], unwrap_value_desc(value));
        }
    }

    /// Reads `wandb-summary.json`: keys the log did not provide are added.
    pub fn read_summary_json(&mut self, bytes: &[u8], shown: &str, report: &mut LoadReport) {
        let entries = match json_lenient::parse(bytes) {
            Ok(JsonValue::Object(entries)) => entries,
            Ok(_) => {
                report.skip(shown, None, "wandb-summary.json is not a JSON object");
                return;
            }
            Err(e) => {
                report.skip(shown, Some(e.line), format!("wandb-summary.json does not parse: {}", e.message));
                return;
            }
        };
        for (key, value) in entries {
            if !self.summary.has_top(&key) {
                self.summary.set(vec![key], value);
            }
        }
    }

    /// Reads `wandb-metadata.json` (machine and program facts) into tags and run fields.
    pub fn read_metadata_json(&mut self, bytes: &[u8], shown: &str, report: &mut LoadReport) {
        let entries = match json_lenient::parse(bytes) {
            Ok(JsonValue::Object(entries)) => entries,
            Ok(_) => {
                report.skip(shown, None, "wandb-metadata.json is not a JSON object");
                return;
            }
            Err(e) => {
                report.skip(
                    shown,
                    Some(e.line),
                    format!("wandb-metadata.json does not parse: {}", e.message),
                );
                return;
            }
        };
        let mut other = 0u64;
        for (key, value) in entries {
            let text = match &value {
                JsonValue::Null => continue,
                v => v.to_text(),
            };
            match key.as_str() {
                "username" => {
                    self.username.get_or_insert(text);
                }
                "startedAt" => {
                    if self.start_ms.is_none() {
                        self.start_ms = parse_iso_ms(&text);
                    }
                }
                "state" => self.legacy_state = Some(text),
                "host" | "os" | "python" | "program" | "executable" | "email" | "docker" | "cuda"
                | "colab" => self.tag(&key, &text),
                "codePath" => self.tag("code_path", &text),
                "gpu" => self.tag("gpu", &text),
                "gpu_count" => self.tag("gpu_count", &text),
                "cpu_count" => self.tag("cpu_count", &text),
                "args" => self.tag("args", &text),
                "git" => {
                    if let Some(r) = value.get("remote").and_then(JsonValue::as_str) {
                        self.tag("git.remote", r);
                    }
                    if let Some(c) = value.get("commit").and_then(JsonValue::as_str) {
                        self.tag("git.commit", c);
                    }
                }
                _ => other += 1,
            }
        }
        count(&mut self.ignored, "W&B machine metadata fields (cpu, disk, memory, …; not tabulated)", other);
    }

    /// Reads a legacy `wandb-history.jsonl` (one JSON object per `wandb.log` call).
    pub fn read_history_jsonl(&mut self, bytes: &[u8], shown: &str, report: &mut LoadReport) {
        for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
            let line_no = i as u64 + 1;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match json_lenient::parse(line) {
                Ok(JsonValue::Object(entries)) => {
                    let items = entries.into_iter().map(|(k, v)| (vec![k], v)).collect();
                    self.history.add_row(items, None, &mut self.ignored);
                }
                Ok(_) => report.skip(shown, Some(line_no), "history line is not a JSON object"),
                Err(e) => {
                    report.skip(shown, Some(line_no), format!("history line does not parse: {}", e.message))
                }
            }
        }
    }

    /// Turns the parts into a run. `fallback_id` names the run when no file says its id.
    /// The run, what was counted and not tabulated, and warnings about the run as a whole
    /// (for the report, under the run's folder).
    pub fn into_run(mut self, fallback_id: &str, origin: String) -> (RunData, Ignored, Vec<String>) {
        let mut ignored = std::mem::take(&mut self.ignored);
        let mut warnings = Vec::new();
        // A log without an exit record was cut off (copied or synced while training) or is
        // still being written; its last values may be older than the summary's.
        let cut_log = self.has_log && self.exit.is_none();
        let mut differing: Vec<(String, f64, f64)> = Vec::new();
        let mut run = RunData::default();

        // Params: config leaves; `_wandb` (SDK internals) and `wandb_version` are counted.
        let mut internal = 0u64;
        for (path, value) in self.config.iter() {
            if path.first().is_some_and(|k| k == "_wandb" || k == "wandb_version") {
                internal += 1;
                continue;
            }
            run.params.push((values::join(path), value.to_text()));
        }
        count(&mut ignored, "W&B internal config entries (_wandb.*; not tabulated)", internal);

        // Summary: numbers not in history become one point at the last step; values that
        // differ from the last logged point are counted (the history is what is tabulated).
        let summary_ts = self.summary.get(&["_timestamp".to_string()]).and_then(JsonValue::as_f64);
        let summary_ts = summary_ts.and_then(values::seconds_to_ms);
        let runtime_s =
            self.summary.get(&["_wandb".to_string(), "runtime".to_string()]).and_then(JsonValue::as_f64);
        let mut summary_leaves = Vec::new();
        let mut internal = 0u64;
        for (path, value) in self.summary.iter() {
            if path.first().is_some_and(|k| k.starts_with('_')) {
                internal += 1;
                continue;
            }
            summary_leaves.push((path.clone(), value.clone()));
        }
        count(
            &mut ignored,
            "W&B internal summary keys (_step, _runtime, _timestamp, _wandb; not tabulated)",
            internal,
        );
        let summary_step = self.summary.get(&["_step".to_string()]).and_then(JsonValue::as_i64);
        let last_step = self.history.last_step.or(summary_step).unwrap_or(self.history.starting_step);
        for (key, leaf) in values::classify(&summary_leaves) {
            match leaf {
                Leaf::Number(v) => match self.history.last_value(&key) {
                    Some(last) if last == v || (last.is_nan() && v.is_nan()) => {}
                    Some(last) => {
                        count(
                            &mut ignored,
                            "W&B summary values that differ from the last logged value (metrics keep the logged history)",
                            1,
                        );
                        differing.push((key.clone(), last, v));
                    }
                    None if self.history.has(&key) => {}
                    None => self.history.push(key, last_step, summary_ts, v),
                },
                Leaf::Media(kind) => count(&mut ignored, values::media_key("summary", &kind), 1),
                Leaf::Other(kind) => count(&mut ignored, values::other_key("summary", kind), 1),
            }
        }

        if cut_log && let Some((key, logged, summary)) = differing.first() {
            warnings.push(format!(
                "the log ends without the run's exit record (cut off, or still training) and \
                 wandb-summary.json holds other final values for {} metric(s), e.g. {key}: {logged} \
                 last logged, {summary} in the summary; metrics keep the logged history, so a \
                 ranking by final value uses the log's",
                differing.len()
            ));
        }

        let (status, ended) = match (&self.exit, self.has_log) {
            (Some(e), _) => {
                let status = if e.exit_code == 0 { "FINISHED" } else { "FAILED" };
                let runtime = if e.runtime > 0 { Some(f64::from(e.runtime)) } else { runtime_s };
                let by_runtime = self.start_ms.zip(runtime).map(|(s, r)| s + (r * 1000.0).round() as i64);
                let by_points = self.history.max_timestamp_ms.max(summary_ts);
                (Some(status.to_string()), by_points.or(by_runtime))
            }
            // A log without an exit record: the run is live, or died without finishing.
            // The two look the same on disk; W&B's own reader says "running".
            (None, true) => (Some("RUNNING".to_string()), None),
            (None, false) => {
                let status = self.legacy_state.as_deref().map(|s| match s {
                    "finished" => "FINISHED".to_string(),
                    "failed" | "crashed" => "FAILED".to_string(),
                    "killed" => "KILLED".to_string(),
                    "running" => "RUNNING".to_string(),
                    other => other.to_uppercase(),
                });
                (status, None)
            }
        };

        run.tags = self.tags.unwrap_or_default().iter().map(|t| values::split_tag(t)).collect();
        run.tags.extend(self.system_tags.into_iter().map(|(k, v)| (k, Some(v))));
        run.metrics = self.history.into_series();
        run.info = RunInfo {
            run_id: self.run_id.unwrap_or_else(|| fallback_id.to_string()),
            source: "wandb".into(),
            project: self.project,
            experiment_id: None,
            name: self.display_name,
            run_group: self.run_group.or(self.sweep_id),
            parent_run_id: None,
            status,
            lifecycle: None,
            user: self.username,
            created_at_ms: self.start_ms,
            ended_at_ms: ended,
            origin,
            artifact_uri: None,
        };
        (run, ignored, warnings)
    }
}

#[derive(Clone, Copy)]
enum Target {
    Config,
    Summary,
}

/// Python SDK `config.yaml` entries are `{desc: …, value: X}`, wandb-core's `{value: X}`;
/// anything else is taken as the value itself.
fn unwrap_value_desc(v: JsonValue) -> JsonValue {
    match v {
        JsonValue::Object(entries)
            if entries.iter().any(|(k, _)| k == "value")
                && entries.iter().all(|(k, _)| k == "value" || k == "desc") =>
        {
            entries.into_iter().find(|(k, _)| k == "value").map(|(_, v)| v).unwrap_or(JsonValue::Null)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times_of_wandb_metadata() {
        assert_eq!(parse_iso_ms("1970-01-01T00:00:00"), Some(0));
        assert_eq!(parse_iso_ms("2023-12-11T18:23:20.003859"), Some(1_702_319_000_004));
        assert_eq!(parse_iso_ms("2024-02-29T00:00:00Z"), Some(1_709_164_800_000));
        assert_eq!(parse_iso_ms("yesterday"), None);
        assert_eq!(parse_iso_ms("2024-13-01T00:00:00"), None);
    }

    #[test]
    fn value_desc_wrappers_are_removed() {
        let y = yaml::parse(
            b"a:\n  desc: null\n  value: 3\nb:\n    value:\n        c: 1\nd:\n  value: 1\n  other: 2\n",
        )
        .unwrap();
        let JsonValue::Object(entries) = y else { panic!() };
        let un: Vec<JsonValue> = entries.into_iter().map(|(_, v)| unwrap_value_desc(v)).collect();
        assert_eq!(un[0], JsonValue::Int(3));
        assert_eq!(un[1], JsonValue::Object(vec![("c".into(), JsonValue::Int(1))]));
        assert!(matches!(un[2], JsonValue::Object(ref e) if e.len() == 2));
    }
}
