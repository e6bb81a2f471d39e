//! W&B values: config/summary state keyed by paths, nested values split into leaves,
//! media objects recognized by their `_type`, and history rows turned into metric points.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::json_lenient::JsonValue;
use runql_core::model::MetricSeries;

/// A key path: `["optimizer", "lr"]`, shown joined with `.`; a `/` inside a label stays.
pub type KeyPath = Vec<String>;

/// Joins a path the way the W&B UI shows nested keys.
pub fn join(path: &[String]) -> String {
    path.join(".")
}

/// Splits `value` found at `path` into leaves: objects are descended into (empty objects
/// are leaves), everything else is a leaf. Iterative, so input depth cannot overflow the
/// stack (parsed values are at most 128 deep anyway).
pub fn leaves(path: KeyPath, value: JsonValue, out: &mut Vec<(KeyPath, JsonValue)>) {
    if !matches!(&value, JsonValue::Object(e) if !e.is_empty()) {
        out.push((path, value));
        return;
    }
    let mut stack = vec![(path, value)];
    while let Some((path, value)) = stack.pop() {
        match value {
            JsonValue::Object(entries) if !entries.is_empty() => {
                // Reverse so leaves come out in the object's order.
                for (k, v) in entries.into_iter().rev() {
                    let mut p = path.clone();
                    p.push(k);
                    stack.push((p, v));
                }
            }
            other => out.push((path, other)),
        }
    }
}

/// Config or summary state: leaves by path, where setting a path replaces everything at,
/// under and above it (a scalar replaced by a dict and vice versa), like W&B's own
/// `update`/`remove` semantics on nested keys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PathMap {
    map: BTreeMap<KeyPath, JsonValue>,
}

impl PathMap {
    /// Sets `path` to `value` (split into leaves).
    pub fn set(&mut self, path: KeyPath, value: JsonValue) {
        // Fast path (W&B writes the whole summary on every log call): a leaf replaced by a
        // leaf. A leaf has nothing under it and no leaf above it, so nothing else changes.
        if !matches!(&value, JsonValue::Object(e) if !e.is_empty())
            && let Some(slot) = self.map.get_mut(&path)
        {
            *slot = value;
            return;
        }
        self.remove(&path);
        for n in 1..path.len() {
            if let Some(prefix) = path.get(..n) {
                self.map.remove(prefix);
            }
        }
        let mut out = Vec::new();
        leaves(path, value, &mut out);
        self.map.extend(out);
    }

    /// Removes `path` and everything under it.
    pub fn remove(&mut self, path: &[String]) {
        let doomed: Vec<KeyPath> = self
            .map
            .range(path.to_vec()..)
            .take_while(|(k, _)| k.starts_with(path))
            .map(|(k, _)| k.clone())
            .collect();
        for k in doomed {
            self.map.remove(&k);
        }
    }

    /// True when some leaf starts with the top-level key `key`.
    pub fn has_top(&self, key: &str) -> bool {
        let start = vec![key.to_string()];
        self.map.range(start..).next().is_some_and(|(k, _)| k.first().map(String::as_str) == Some(key))
    }

    /// The leaf at exactly `path`.
    pub fn get(&self, path: &[String]) -> Option<&JsonValue> {
        self.map.get(path)
    }

    /// All leaves in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&KeyPath, &JsonValue)> {
        self.map.iter()
    }

    /// True when there is no leaf.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// What one leaf of a history row or summary is.
#[derive(Debug, Clone, PartialEq)]
pub enum Leaf {
    /// A number (ints and floats; NaN and ±inf kept).
    Number(f64),
    /// A media/table/histogram object, by its `_type` (e.g. `image-file`).
    Media(String),
    /// Anything else, by kind: `string`, `boolean`, `null`, `list`, `empty dict`.
    Other(&'static str),
}

/// Groups leaves into keys: objects with a string `_type` (as one value, or split into
/// `nested_key` leaves by wandb-core) become one [`Leaf::Media`] at the object's path.
pub fn classify(leaves: &[(KeyPath, JsonValue)]) -> Vec<(String, Leaf)> {
    let any_type = leaves.iter().any(|(p, _)| p.len() > 1 && p.last().is_some_and(|k| k == "_type"));
    if !any_type {
        return leaves.iter().map(|(path, value)| (join(path), plain_leaf(value))).collect();
    }
    let mut media: HashMap<&[String], &str> = HashMap::new();
    for (path, value) in leaves {
        if let (Some((last, prefix)), JsonValue::Str(t)) = (path.split_last(), value)
            && last == "_type"
            && !prefix.is_empty()
        {
            media.insert(prefix, t);
        }
    }
    let mut out = Vec::new();
    let mut seen_media: HashSet<&[String]> = HashSet::new();
    for (path, value) in leaves {
        let covering = (1..path.len()).filter_map(|n| path.get(..n)).find(|p| media.contains_key(p));
        if let Some(prefix) = covering {
            if seen_media.insert(prefix) {
                let kind = media.get(prefix).copied().unwrap_or_default();
                out.push((join(prefix), Leaf::Media(kind.to_string())));
            }
            continue;
        }
        out.push((join(path), plain_leaf(value)));
    }
    out
}

fn plain_leaf(value: &JsonValue) -> Leaf {
    match value {
        JsonValue::Int(i) => Leaf::Number(*i as f64),
        JsonValue::Float(f) => Leaf::Number(*f),
        JsonValue::Str(_) => Leaf::Other("string"),
        JsonValue::Bool(_) => Leaf::Other("boolean"),
        JsonValue::Null => Leaf::Other("null"),
        JsonValue::Array(_) => Leaf::Other("list"),
        JsonValue::Object(_) => Leaf::Other("empty dict"),
    }
}

/// Counts of recognized-but-not-tabulated content, merged into the load report at the end.
pub type Ignored = BTreeMap<String, u64>;

/// Adds `n` to `what` in `ignored`.
pub fn count(ignored: &mut Ignored, what: impl Into<String>, n: u64) {
    if n > 0 {
        *ignored.entry(what.into()).or_default() += n;
    }
}

/// The report key for non-numeric values of `kind` in `place` (`history` or `summary`).
pub fn other_key(place: &str, kind: &str) -> String {
    match kind {
        "null" => format!(
            "W&B {place} null values (SDKs before 2026 wrote numpy float32 NaN as null; not tabulated)"
        ),
        _ => format!("W&B {place} {kind} values (not numeric; not tabulated)"),
    }
}

/// The report key for media values in `place`.
pub fn media_key(place: &str, kind: &str) -> String {
    format!("W&B {place} media/table/histogram values ({kind}; files stay under files/media)")
}

/// Metric series of one run, filled row by row in log order.
#[derive(Debug, Default)]
pub struct History {
    series: Vec<MetricSeries>,
    index: HashMap<String, usize>,
    /// Step of the last row, `None` before the first.
    pub last_step: Option<i64>,
    /// Where counting starts when the first rows carry no step (`RunRecord.starting_step`).
    pub starting_step: i64,
    /// Largest `_timestamp` seen, epoch ms.
    pub max_timestamp_ms: Option<i64>,
    /// Rows read.
    pub rows: u64,
    /// Rows whose step came from counting (no step field, no usable `_step`).
    pub counted_steps: u64,
}

/// Seconds since the epoch (float) to epoch milliseconds.
pub fn seconds_to_ms(s: f64) -> Option<i64> {
    let ms = (s * 1000.0).round();
    (ms.is_finite() && ms.abs() < 9.0e15).then_some(ms as i64)
}

impl History {
    /// Adds one history row. `explicit_step` is `HistoryRecord.step` when present.
    /// The step is that, else an integral `_step` item, else the last step + 1 (the first
    /// row gets `starting_step`) — formats.md §2.3.
    pub fn add_row(
        &mut self,
        items: Vec<(KeyPath, JsonValue)>,
        explicit_step: Option<i64>,
        ignored: &mut Ignored,
    ) {
        let is = |p: &KeyPath, k: &str| p.len() == 1 && p.first().is_some_and(|x| x == k);
        let step_item = items.iter().find(|(p, _)| is(p, "_step")).and_then(|(_, v)| v.as_i64());
        let step = match explicit_step.or(step_item) {
            Some(s) => s,
            None => {
                self.counted_steps += 1;
                self.last_step.map_or(self.starting_step, |s| s.saturating_add(1))
            }
        };
        self.last_step = Some(step);
        self.rows += 1;
        let ts = items
            .iter()
            .find(|(p, _)| is(p, "_timestamp"))
            .and_then(|(_, v)| v.as_f64())
            .and_then(seconds_to_ms);
        if let Some(t) = ts {
            self.max_timestamp_ms = Some(self.max_timestamp_ms.map_or(t, |m| m.max(t)));
        }
        let mut row_leaves = Vec::with_capacity(items.len());
        for (path, value) in items {
            if is(&path, "_step") || is(&path, "_timestamp") {
                continue;
            }
            if is(&path, "_runtime") {
                count(
                    ignored,
                    "W&B history _runtime values (seconds since start; metrics.timestamp has wall time)",
                    1,
                );
                continue;
            }
            leaves(path, value, &mut row_leaves);
        }
        for (key, leaf) in classify(&row_leaves) {
            match leaf {
                Leaf::Number(v) => self.push(key, step, ts, v),
                Leaf::Media(kind) => count(ignored, media_key("history", &kind), 1),
                Leaf::Other(kind) => count(ignored, other_key("history", kind), 1),
            }
        }
    }

    /// Appends one point to the series of `key`.
    pub fn push(&mut self, key: String, step: i64, ts: Option<i64>, value: f64) {
        let i = match self.index.get(&key) {
            Some(&i) => i,
            None => {
                self.series.push(MetricSeries::new(key.clone()));
                self.index.insert(key, self.series.len() - 1);
                self.series.len() - 1
            }
        };
        if let Some(s) = self.series.get_mut(i) {
            s.push(step, ts, value);
        }
    }

    /// The last value logged for `key`, if any.
    pub fn last_value(&self, key: &str) -> Option<f64> {
        self.index.get(key).and_then(|&i| self.series.get(i)).and_then(|s| s.values.last().copied())
    }

    /// True when `key` has points.
    pub fn has(&self, key: &str) -> bool {
        self.index.contains_key(key)
    }

    /// The series, in order of first appearance.
    pub fn into_series(self) -> Vec<MetricSeries> {
        self.series
    }
}

/// `model_size:7b` → (`model_size`, `7b`); `baseline` → (`baseline`, none). Split on the
/// first `:`; a tag that starts with `:` stays whole.
pub fn split_tag(tag: &str) -> (String, Option<String>) {
    match tag.split_once(':') {
        Some((k, v)) if !k.is_empty() => (k.to_string(), Some(v.to_string())),
        _ => (tag.to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_lenient::parse;

    fn p(parts: &[&str]) -> KeyPath {
        parts.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn set_replaces_subtrees_and_ancestors() {
        let mut m = PathMap::default();
        m.set(p(&["opt"]), parse(br#"{"lr": 0.1, "betas": [0.9, 0.99]}"#).unwrap());
        assert_eq!(m.get(&p(&["opt", "lr"])), Some(&JsonValue::Float(0.1)));
        m.set(p(&["opt", "lr"]), JsonValue::Float(0.2));
        assert_eq!(m.iter().count(), 2);
        m.set(p(&["opt"]), JsonValue::Int(1));
        assert_eq!(m.iter().count(), 1);
        m.set(p(&["opt", "x"]), JsonValue::Int(2));
        assert_eq!(m.get(&p(&["opt"])), None);
        assert!(m.has_top("opt"));
        assert!(!m.has_top("op"));
        m.remove(&p(&["opt"]));
        assert!(m.is_empty());
    }

    #[test]
    fn media_split_into_nested_keys_is_one_value() {
        let mut l = Vec::new();
        leaves(
            p(&["img"]),
            parse(br#"{"_type": "image-file", "path": "media/x.png", "width": 4}"#).unwrap(),
            &mut l,
        );
        leaves(p(&["img2", "_type"]), JsonValue::Str("table-file".into()), &mut l);
        leaves(p(&["img2", "nrows"]), JsonValue::Int(3), &mut l);
        leaves(p(&["grad", "norm"]), JsonValue::Float(1.5), &mut l);
        leaves(p(&["s"]), JsonValue::Str("x".into()), &mut l);
        leaves(p(&["e"]), JsonValue::Object(vec![]), &mut l);
        let c = classify(&l);
        assert_eq!(
            c,
            [
                ("img".to_string(), Leaf::Media("image-file".into())),
                ("img2".to_string(), Leaf::Media("table-file".into())),
                ("grad.norm".to_string(), Leaf::Number(1.5)),
                ("s".to_string(), Leaf::Other("string")),
                ("e".to_string(), Leaf::Other("empty dict")),
            ]
        );
    }

    #[test]
    fn steps_explicit_item_or_counted() {
        let mut h = History { starting_step: 100, ..Default::default() };
        let mut ig = Ignored::new();
        let row = |v: f64, step: Option<JsonValue>| {
            let mut items =
                vec![(p(&["loss"]), JsonValue::Float(v)), (p(&["_timestamp"]), JsonValue::Float(1.5))];
            if let Some(s) = step {
                items.push((p(&["_step"]), s));
            }
            items
        };
        h.add_row(row(1.0, None), None, &mut ig); // counted: starting_step
        h.add_row(row(2.0, None), None, &mut ig); // counted: 101
        h.add_row(row(3.0, Some(JsonValue::Int(7))), None, &mut ig); // _step item
        h.add_row(row(4.0, Some(JsonValue::Str("9".into()))), None, &mut ig); // junk _step: counted 8
        h.add_row(row(5.0, Some(JsonValue::Int(3))), Some(20), &mut ig); // step field wins
        let s = h.into_series();
        assert_eq!(s[0].steps, [100, 101, 7, 8, 20]);
        assert_eq!(s[0].timestamps[0], Some(1500));
    }

    #[test]
    fn tags_split_on_the_first_colon() {
        assert_eq!(split_tag("model_size:7b"), ("model_size".into(), Some("7b".into())));
        assert_eq!(split_tag("data:c4:en"), ("data".into(), Some("c4:en".into())));
        assert_eq!(split_tag("baseline"), ("baseline".into(), None));
        assert_eq!(split_tag("x:"), ("x".into(), Some(String::new())));
        assert_eq!(split_tag(":odd"), (":odd".into(), None));
    }
}
