//! Replaying an Optuna journal into studies and trials, the way Optuna's own
//! `JournalStorageReplayResult.apply_logs` does (`optuna/storages/journal/_storage.py`).
//!
//! Each line is one operation `{"op_code": N, "worker_id": "...", ...}`. Ids are implicit:
//! study ids count CREATE_STUDY lines that made a study (a second CREATE_STUDY for a live
//! name is a no-op, which `create_study(load_if_exists=True)` writes every time), trial ids
//! count CREATE_TRIAL lines over all studies, and a trial's number is its position within
//! its study. So a line that cannot be applied must not shift the ids of later lines —
//! exactly as in Optuna, where such a line is ignored.
//!
//! Differences from Optuna, all reported: a line that is not JSON or lacks a field is
//! skipped (Optuna raises and refuses the whole file); updates Optuna silently ignores
//! (a trial that is already finished, an unknown study or trial) are reported as skipped.
//! Optuna's check that a param keeps the same distribution kind across trials is not
//! repeated: such a param is loaded.

use std::collections::BTreeMap;

use super::distribution::Distribution;
use crate::json_lenient::{self, JsonValue};
use crate::text_lines::{MAX_LINE_BYTES, lines};
use runql_core::report::LoadReport;
use runql_core::timefmt::parse_iso_ms;

/// Optuna's `TrialState`, by its stored number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrialState {
    /// 0: being evaluated.
    Running,
    /// 1: finished with values.
    Complete,
    /// 2: stopped early by a pruner.
    Pruned,
    /// 3: the objective raised or returned no usable value.
    Fail,
    /// 4: enqueued, not started.
    Waiting,
}

impl TrialState {
    fn from_code(code: i64) -> Option<Self> {
        Some(match code {
            0 => TrialState::Running,
            1 => TrialState::Complete,
            2 => TrialState::Pruned,
            3 => TrialState::Fail,
            4 => TrialState::Waiting,
            _ => return None,
        })
    }

    /// Optuna's name for the state (`COMPLETE`, `PRUNED`, …).
    pub fn name(self) -> &'static str {
        match self {
            TrialState::Running => "RUNNING",
            TrialState::Complete => "COMPLETE",
            TrialState::Pruned => "PRUNED",
            TrialState::Fail => "FAIL",
            TrialState::Waiting => "WAITING",
        }
    }

    fn is_finished(self) -> bool {
        matches!(self, TrialState::Complete | TrialState::Pruned | TrialState::Fail)
    }
}

/// A study as the journal left it.
#[derive(Debug, Clone, Default)]
pub struct Study {
    /// `study_name`.
    pub name: String,
    /// `StudyDirection` codes: 0 not set, 1 minimize, 2 maximize.
    pub directions: Vec<i64>,
    /// `set_user_attr` values.
    pub user_attrs: BTreeMap<String, JsonValue>,
    /// Optuna's own study attrs (e.g. `study:metric_names`).
    pub system_attrs: BTreeMap<String, JsonValue>,
    /// Indices into [`Journal::trials`], in trial-number order.
    pub trials: Vec<usize>,
    /// The DELETE_STUDY line, when the study was deleted.
    pub deleted_at_line: Option<u64>,
}

/// A trial as the journal left it.
#[derive(Debug, Clone)]
pub struct Trial {
    /// Index into [`Journal::studies`] (= Optuna's study id).
    pub study: usize,
    /// Position within the study (`trial.number`).
    pub number: usize,
    /// Current state.
    pub state: TrialState,
    /// Decoded param values as text, by name.
    pub params: BTreeMap<String, String>,
    /// Objective values (`None` until told, and for failed trials).
    pub values: Option<Vec<f64>>,
    /// `trial.report(value, step)` values by step.
    pub intermediate: BTreeMap<i64, f64>,
    /// `set_user_attr` values.
    pub user_attrs: BTreeMap<String, JsonValue>,
    /// Optuna's own trial attrs (`fixed_params`, sampler state, …).
    pub system_attrs: BTreeMap<String, JsonValue>,
    /// `datetime_start` in epoch ms (written as naive local time; read as UTC).
    pub start_ms: Option<i64>,
    /// `datetime_complete` in epoch ms.
    pub complete_ms: Option<i64>,
}

/// Everything a journal file describes. Studies and trials are indexed by their Optuna ids.
#[derive(Debug, Clone, Default)]
pub struct Journal {
    /// Every study ever created, deleted ones included (see [`Study::deleted_at_line`]).
    pub studies: Vec<Study>,
    /// Every trial ever created.
    pub trials: Vec<Trial>,
}

/// Why an operation was not applied.
enum NotApplied {
    /// Malformed or refers to something that is not there: reported as skipped.
    Skip(String),
    /// A no-op by Optuna's rules that loses nothing: counted in the report.
    Ignore(&'static str),
}

type Applied = Result<(), NotApplied>;

fn skip<T>(reason: impl Into<String>) -> Result<T, NotApplied> {
    Err(NotApplied::Skip(reason.into()))
}

fn field<'a>(op: &'a JsonValue, key: &str) -> Result<&'a JsonValue, NotApplied> {
    match op.get(key) {
        Some(v) => Ok(v),
        None => skip(format!("missing field `{key}`")),
    }
}

fn int_field(op: &JsonValue, key: &str) -> Result<i64, NotApplied> {
    match field(op, key)?.as_i64() {
        Some(i) => Ok(i),
        None => skip(format!("`{key}` is not an integer")),
    }
}

fn str_field<'a>(op: &'a JsonValue, key: &str) -> Result<&'a str, NotApplied> {
    match field(op, key)?.as_str() {
        Some(s) => Ok(s),
        None => skip(format!("`{key}` is not a string")),
    }
}

fn object_entries<'a>(op: &'a JsonValue, key: &str) -> Result<&'a [(String, JsonValue)], NotApplied> {
    match field(op, key)? {
        JsonValue::Object(entries) => Ok(entries),
        _ => skip(format!("`{key}` is not an object")),
    }
}

/// Optional ISO time: absent or null → `None`; present but unreadable → skip.
fn time_field(op: &JsonValue, key: &str) -> Result<Option<i64>, NotApplied> {
    match op.get(key) {
        None | Some(JsonValue::Null) => Ok(None),
        Some(JsonValue::Str(s)) => match parse_iso_ms(s) {
            Some(ms) => Ok(Some(ms)),
            None => skip(format!("`{key}` is not an ISO date-time: {s:?}")),
        },
        Some(_) => skip(format!("`{key}` is not a string")),
    }
}

/// `values`: a list of numbers or null.
fn values_of(v: Option<&JsonValue>) -> Result<Option<Vec<f64>>, NotApplied> {
    match v {
        None | Some(JsonValue::Null) => Ok(None),
        Some(JsonValue::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for x in items {
                match x.as_f64() {
                    Some(f) => out.push(f),
                    None => return skip("`values` holds a non-number"),
                }
            }
            Ok(Some(out))
        }
        Some(other) => match other.as_f64() {
            Some(f) => Ok(Some(vec![f])),
            None => skip("`values` is neither a list of numbers nor null"),
        },
    }
}

/// The first non-blank line of `head` is a JSON object with `op_code` and `worker_id`.
pub(crate) fn looks_like_journal(head: &[u8]) -> bool {
    let Some(first) = lines(head).find(|l| !l.is_blank()) else { return false };
    if first.text.first() != Some(&b'{') {
        return false;
    }
    json_lenient::parse(first.text)
        .is_ok_and(|v| v.get("op_code").and_then(JsonValue::as_i64).is_some() && v.get("worker_id").is_some())
}

impl Journal {
    /// Replays the journal `bytes`; every line not applied is reported against `shown`.
    ///
    /// ```
    /// use runql_readers::optuna::journal::{Journal, TrialState};
    /// use runql_core::LoadReport;
    /// let text = br#"{"op_code":0,"worker_id":"w","study_name":"s","directions":[1]}
    /// {"op_code":4,"worker_id":"w","study_id":0,"datetime_start":"2026-01-01T00:00:00"}
    /// {"op_code":6,"worker_id":"w","trial_id":0,"state":1,"values":[0.5],"datetime_complete":"2026-01-01T00:00:01"}
    /// "#;
    /// let mut report = LoadReport::default();
    /// let j = Journal::replay(text, "journal.log", &mut report);
    /// assert_eq!(j.trials[0].state, TrialState::Complete);
    /// assert_eq!(j.trials[0].values, Some(vec![0.5]));
    /// ```
    pub fn replay(bytes: &[u8], shown: &str, report: &mut LoadReport) -> Self {
        let mut journal = Journal::default();
        for line in lines(bytes) {
            if line.is_blank() {
                continue;
            }
            let reason = if !line.terminated {
                // Optuna's file backend only applies lines that end with a newline: anything
                // else is a write in progress or a writer that died.
                NotApplied::Skip("last line has no newline (cut off mid-write); Optuna ignores it too".into())
            } else if line.text.len() > MAX_LINE_BYTES {
                NotApplied::Skip(format!(
                    "line of {} bytes is over the {MAX_LINE_BYTES}-byte limit",
                    line.text.len()
                ))
            } else {
                match json_lenient::parse(line.text) {
                    Ok(op @ JsonValue::Object(_)) => match journal.apply(&op, line.number) {
                        Ok(()) => continue,
                        Err(why) => why,
                    },
                    Ok(_) => NotApplied::Skip("journal line is not a JSON object".into()),
                    Err(e) => NotApplied::Skip(format!("journal line is not JSON: {e}")),
                }
            };
            match reason {
                NotApplied::Skip(why) => report.skip(shown, Some(line.number), why),
                NotApplied::Ignore(what) => report.ignore(what, 1),
            }
        }
        journal
    }

    fn apply(&mut self, op: &JsonValue, line: u64) -> Applied {
        let code = int_field(op, "op_code")?;
        match code {
            0 => self.create_study(op),
            1 => self.live_study(op).map(|s| s.deleted_at_line = Some(line)),
            2 => self.set_study_attrs(op, "user_attr", false),
            3 => self.set_study_attrs(op, "system_attr", true),
            4 => self.create_trial(op),
            5 => self.set_param(op),
            6 => self.set_state_values(op),
            7 => {
                let step = int_field(op, "step")?;
                let Some(value) = field(op, "intermediate_value")?.as_f64() else {
                    return skip("`intermediate_value` is not a number");
                };
                self.updatable_trial(op)?.intermediate.insert(step, value);
                Ok(())
            }
            8 => self.set_trial_attrs(op, "user_attr", false),
            9 => self.set_trial_attrs(op, "system_attr", true),
            other => skip(format!("unknown op_code {other} (written by a newer Optuna?)")),
        }
    }

    fn create_study(&mut self, op: &JsonValue) -> Applied {
        let name = str_field(op, "study_name")?;
        let JsonValue::Array(dirs) = field(op, "directions")? else {
            return skip("`directions` is not a list");
        };
        let mut directions = Vec::with_capacity(dirs.len());
        for d in dirs {
            match d.as_i64() {
                Some(code @ 0..=2) => directions.push(code),
                _ => return skip(format!("unknown study direction {}", d.to_json())),
            }
        }
        if self.studies.iter().any(|s| s.deleted_at_line.is_none() && s.name == name) {
            return Err(NotApplied::Ignore(
                "Optuna create-study lines for a study that already exists (load_if_exists; a no-op)",
            ));
        }
        self.studies.push(Study { name: name.to_string(), directions, ..Study::default() });
        Ok(())
    }

    /// The index of the live study the operation names.
    fn live_study_index(&self, op: &JsonValue) -> Result<usize, NotApplied> {
        let id = int_field(op, "study_id")?;
        let index = usize::try_from(id).ok().filter(|i| *i < self.studies.len());
        match index.map(|i| (i, self.studies.get(i).and_then(|s| s.deleted_at_line))) {
            Some((i, None)) => Ok(i),
            Some((_, Some(line))) => skip(format!("study {id} was deleted (line {line})")),
            None => skip(format!("no study with id {id}")),
        }
    }

    fn live_study(&mut self, op: &JsonValue) -> Result<&mut Study, NotApplied> {
        let index = self.live_study_index(op)?;
        match self.studies.get_mut(index) {
            Some(s) => Ok(s),
            None => skip("no such study"),
        }
    }

    fn set_study_attrs(&mut self, op: &JsonValue, key: &str, system: bool) -> Applied {
        let entries = object_entries(op, key)?.to_vec();
        let study = self.live_study(op)?;
        let attrs = if system { &mut study.system_attrs } else { &mut study.user_attrs };
        attrs.extend(entries);
        Ok(())
    }

    fn create_trial(&mut self, op: &JsonValue) -> Applied {
        let study_index = self.live_study_index(op)?;
        let state = match op.get("state") {
            None => TrialState::Running,
            Some(s) => match s.as_i64().and_then(TrialState::from_code) {
                Some(state) => state,
                None => return skip(format!("unknown trial state {}", s.to_json())),
            },
        };
        // `value` (single objective) or `values` (several); Optuna's FrozenTrial takes either.
        let values = match values_of(op.get("values"))? {
            Some(v) => Some(v),
            None => values_of(op.get("value"))?,
        };
        let mut params = BTreeMap::new();
        if let Some(JsonValue::Object(internal)) = op.get("params") {
            let dists = match op.get("distributions") {
                Some(JsonValue::Object(d)) => d.as_slice(),
                _ => &[],
            };
            for (name, value) in internal {
                let text = dists
                    .iter()
                    .find(|(k, _)| k == name)
                    .and_then(|(_, d)| d.as_str())
                    .ok_or_else(|| format!("param {name:?} has no distribution"))
                    .and_then(Distribution::parse)
                    .and_then(|d| {
                        d.external(value.as_f64().ok_or_else(|| format!("param {name:?} is not a number"))?)
                    });
                match text {
                    Ok(t) => params.insert(name.clone(), t),
                    Err(why) => return skip(why),
                };
            }
        }
        let mut intermediate = BTreeMap::new();
        if let Some(JsonValue::Object(iv)) = op.get("intermediate_values") {
            for (step, v) in iv {
                match (step.trim().parse::<i64>(), v.as_f64()) {
                    (Ok(s), Some(f)) => intermediate.insert(s, f),
                    _ => return skip(format!("intermediate value {step:?} is not step → number")),
                };
            }
        }
        let attrs = |key: &str| match op.get(key) {
            Some(JsonValue::Object(e)) => e.iter().cloned().collect(),
            _ => BTreeMap::new(),
        };
        let trial_index = self.trials.len();
        let study = self.live_study(op)?;
        let trial = Trial {
            study: study_index,
            number: study.trials.len(),
            state,
            params,
            values,
            intermediate,
            user_attrs: attrs("user_attrs"),
            system_attrs: attrs("system_attrs"),
            start_ms: time_field(op, "datetime_start")?,
            complete_ms: time_field(op, "datetime_complete")?,
        };
        study.trials.push(trial_index);
        self.trials.push(trial);
        Ok(())
    }

    /// A trial that exists and is not finished (Optuna ignores updates to finished trials).
    fn updatable_trial(&mut self, op: &JsonValue) -> Result<&mut Trial, NotApplied> {
        let id = int_field(op, "trial_id")?;
        match usize::try_from(id).ok().and_then(|i| self.trials.get_mut(i)) {
            None => skip(format!("no trial with id {id}")),
            Some(t) if t.state.is_finished() => skip(format!(
                "trial {id} is already {}; Optuna ignores updates to finished trials",
                t.state.name()
            )),
            Some(t) => Ok(t),
        }
    }

    fn set_param(&mut self, op: &JsonValue) -> Applied {
        let name = str_field(op, "param_name")?;
        let Some(internal) = field(op, "param_value_internal")?.as_f64() else {
            return skip("`param_value_internal` is not a number");
        };
        let dist = Distribution::parse(str_field(op, "distribution")?).or_else(skip)?;
        let text = dist.external(internal).or_else(skip)?;
        self.updatable_trial(op)?.params.insert(name.to_string(), text);
        Ok(())
    }

    fn set_state_values(&mut self, op: &JsonValue) -> Applied {
        let code = int_field(op, "state")?;
        let Some(state) = TrialState::from_code(code) else {
            return skip(format!("unknown trial state {code}"));
        };
        let values = values_of(op.get("values"))?;
        let start = time_field(op, "datetime_start")?;
        let complete = time_field(op, "datetime_complete")?;
        let trial = self.updatable_trial(op)?;
        if state == TrialState::Running && trial.state == TrialState::Running {
            return Err(NotApplied::Ignore(
                "Optuna set-RUNNING lines for a trial another worker already started (a no-op)",
            ));
        }
        if state == TrialState::Running {
            trial.start_ms = start;
        }
        if state.is_finished() {
            trial.complete_ms = complete;
        }
        trial.state = state;
        if values.is_some() {
            trial.values = values;
        }
        Ok(())
    }

    fn set_trial_attrs(&mut self, op: &JsonValue, key: &str, system: bool) -> Applied {
        let entries = object_entries(op, key)?.to_vec();
        let trial = self.updatable_trial(op)?;
        let attrs = if system { &mut trial.system_attrs } else { &mut trial.user_attrs };
        attrs.extend(entries);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replay(text: &str) -> (Journal, LoadReport) {
        let mut report = LoadReport::default();
        let j = Journal::replay(text.as_bytes(), "j.log", &mut report);
        (j, report)
    }

    #[test]
    fn duplicate_create_study_keeps_ids() {
        let (j, r) = replay(concat!(
            r#"{"op_code":0,"worker_id":"w","study_name":"a","directions":[1]}"#,
            "\n",
            r#"{"op_code":0,"worker_id":"w","study_name":"a","directions":[1]}"#,
            "\n",
            r#"{"op_code":0,"worker_id":"w","study_name":"b","directions":[2]}"#,
            "\n",
        ));
        assert_eq!(j.studies.len(), 2);
        assert_eq!(j.studies[1].name, "b");
        assert_eq!(r.ignored.values().sum::<u64>(), 1);
    }

    #[test]
    fn finished_trials_are_not_updated() {
        let (j, r) = replay(concat!(
            r#"{"op_code":0,"worker_id":"w","study_name":"a","directions":[1]}"#,
            "\n",
            r#"{"op_code":4,"worker_id":"w","study_id":0,"datetime_start":null}"#,
            "\n",
            r#"{"op_code":6,"worker_id":"w","trial_id":0,"state":1,"values":[1],"datetime_complete":"2026-01-01T00:00:00"}"#,
            "\n",
            r#"{"op_code":8,"worker_id":"w","trial_id":0,"user_attr":{"x":1}}"#,
            "\n",
            r#"{"op_code":7,"worker_id":"w","trial_id":5,"step":1,"intermediate_value":NaN}"#,
            "\n",
        ));
        assert!(j.trials[0].user_attrs.is_empty());
        let reasons: Vec<_> = r.issues().iter().map(|i| (i.line, i.reason.clone())).collect();
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert_eq!(reasons[0].0, Some(4));
        assert!(reasons[0].1.contains("already COMPLETE"));
        assert!(reasons[1].1.contains("no trial with id 5"));
    }

    #[test]
    fn a_second_start_of_a_running_trial_is_a_no_op() {
        let (j, r) = replay(concat!(
            r#"{"op_code":0,"worker_id":"w","study_name":"a","directions":[1]}"#,
            "\n",
            r#"{"op_code":4,"worker_id":"w","study_id":0,"datetime_start":null,"state":4}"#,
            "\n",
            r#"{"op_code":6,"worker_id":"w1","trial_id":0,"state":0,"values":null,"datetime_start":"2026-01-01T00:00:01"}"#,
            "\n",
            r#"{"op_code":6,"worker_id":"w2","trial_id":0,"state":0,"values":null,"datetime_start":"2026-01-01T00:00:05"}"#,
            "\n",
        ));
        assert_eq!(j.trials[0].state, TrialState::Running);
        assert_eq!(j.trials[0].start_ms, parse_iso_ms("2026-01-01T00:00:01"));
        assert_eq!(r.ignored.values().sum::<u64>(), 1);
        assert_eq!(r.issues().len(), 0);
    }

    #[test]
    fn sniffing() {
        assert!(looks_like_journal(b"\n{\"op_code\":0,\"worker_id\":\"x\"}\n"));
        assert!(!looks_like_journal(b"{\"op_code\":0}\n"));
        assert!(!looks_like_journal(b"run_id,key\n"));
        assert!(!looks_like_journal(b""));
    }
}
