//! One Neptune run assembled from its rows (possibly over several `_part_<n>` files).

use std::collections::HashMap;

use super::columns::Columns;
use super::steps;
use runql_core::model::{MetricSeries, RunData, RunInfo};
use runql_core::report::LoadReport;

/// Points of one series in micro-steps, before the step decision of [`steps::store`].
#[derive(Debug, Default)]
struct Series {
    micro: Vec<i64>,
    timestamps: Vec<Option<i64>>,
    values: Vec<f64>,
}

/// A run being assembled.
#[derive(Debug, Default)]
pub(crate) struct RunAcc {
    pub info: RunInfo,
    params: Vec<(String, String)>,
    tags: Vec<(String, Option<String>)>,
    series: HashMap<String, Series>,
    series_order: Vec<String>,
}

/// What a row was, for the report's counts.
pub(crate) enum Outcome {
    Used,
    /// A kind of value runql does not tabulate (string/histogram series, files).
    Ignored(String),
    Skipped(String),
}

impl RunAcc {
    /// Puts row `i` into the run.
    pub fn add_row(&mut self, c: &Columns, i: usize) -> Outcome {
        let path = c.path.text(i).map(|p| p.into_owned()).unwrap_or_default();
        let kind = c.kind.text(i).map(|p| p.into_owned()).unwrap_or_default();
        if path.is_empty() {
            return Outcome::Skipped("empty attribute_path".into());
        }
        let text = |col: &Option<crate::columnar::column::Cells>| {
            col.as_ref().and_then(|c| c.text(i)).map(|t| t.into_owned())
        };
        match kind.as_str() {
            "float_series" | "int_series" => {
                let value = c
                    .float
                    .as_ref()
                    .and_then(|f| f.number(i))
                    .or_else(|| c.int.as_ref().and_then(|f| f.number(i)));
                let Some(value) = value else {
                    return Outcome::Skipped(format!("{path}: series point without a value"));
                };
                let micro = match c.micro_step(i) {
                    Ok(m) => m,
                    Err(why) => return Outcome::Skipped(format!("{path}: {why}")),
                };
                let ts = c.timestamp.as_ref().and_then(|t| t.millis(i));
                let s = self.series.entry(path.clone()).or_insert_with(|| {
                    self.series_order.push(path.clone());
                    Series::default()
                });
                // Without a step, points count up in file order, as in the table reader.
                let micro = micro.unwrap_or(s.values.len() as i64 * steps::MICRO);
                s.micro.push(micro);
                s.timestamps.push(ts);
                s.values.push(value);
                Outcome::Used
            }
            "string_set" => {
                let set = c.string_set(i);
                if path == "sys/tags" {
                    self.tags.extend(set.into_iter().map(|t| (t, None)));
                } else {
                    let mut set = set;
                    set.sort();
                    self.tags.push((path, Some(set.join(","))));
                }
                Outcome::Used
            }
            "float" | "int" | "string" | "bool" | "datetime" => {
                let value = match kind.as_str() {
                    "float" => text(&c.float),
                    "int" => text(&c.int),
                    "string" => text(&c.string),
                    "bool" => text(&c.boolean),
                    _ => text(&c.datetime_text).map(|t| format!("{t}Z")),
                };
                let Some(value) = value else {
                    return Outcome::Skipped(format!("{path}: {kind} field without a value"));
                };
                self.atom(&path, &kind, value, c, i);
                Outcome::Used
            }
            "" => Outcome::Skipped(format!("{path}: empty attribute_type")),
            other => Outcome::Ignored(other.to_string()),
        }
    }

    /// A single-valued field: run attributes from `sys/*`, everything else a param.
    fn atom(&mut self, path: &str, kind: &str, value: String, c: &Columns, i: usize) {
        let ms = || c.datetime.as_ref().and_then(|d| d.millis(i));
        match path {
            "sys/name" => self.info.name = Some(value),
            "sys/owner" => self.info.user = Some(value),
            "sys/experiment/name" => self.info.run_group = Some(value),
            "sys/creation_time" if kind == "datetime" => self.info.created_at_ms = ms(),
            "sys/failed" if value == "true" => {
                self.info.status = Some("FAILED".into());
                self.params.push((path.to_string(), value));
            }
            _ => self.params.push((path.to_string(), value)),
        }
    }

    /// The finished run; series with fractional steps are stored in micro-steps and tagged.
    pub fn finish(mut self, report: &mut LoadReport) -> RunData {
        let mut metrics = Vec::with_capacity(self.series_order.len());
        for key in std::mem::take(&mut self.series_order) {
            let Some(s) = self.series.remove(&key) else { continue };
            let (stored, scaled) = steps::store(&s.micro);
            if scaled {
                report.warn(
                    self.info.origin.clone(),
                    None,
                    format!(
                        "run {}: {key} has fractional steps; stored as micro-steps (step × {}), see tag {}",
                        self.info.run_id,
                        steps::MICRO,
                        steps::scale_tag(&key)
                    ),
                );
                self.tags.push((steps::scale_tag(&key), Some(steps::MICRO.to_string())));
            }
            metrics.push(MetricSeries { key, steps: stored, timestamps: s.timestamps, values: s.values });
        }
        RunData { info: self.info, params: self.params, tags: self.tags, metrics }
    }
}
