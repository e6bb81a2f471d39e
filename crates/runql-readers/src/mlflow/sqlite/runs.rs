//! Runs, params, tags and metric histories from the tracking tables.

use std::borrow::Cow;
use std::collections::HashMap;

use rusqlite::Connection;
use rusqlite::types::ValueRef;

use super::schema::Schema;
use crate::sqlite::cell::{int, real, text};
use crate::sqlite::rows::{Problems, each_row};
use runql_core::model::{MetricSeries, RunData, RunInfo};
use runql_core::report::LoadReport;

/// How the SQL store writes ±infinity (`_get_metric_value_details` in MLflow's
/// `sqlalchemy_store.py`): as the largest finite double, since not every database takes inf.
const INF_SENTINEL: f64 = f64::MAX;

/// A metric value as stored back to what was logged: `is_nan` marks NaN (stored as 0), and
/// ±`f64::MAX` is ±infinity.
///
/// ```
/// use runql_readers::mlflow::sqlite::runs::logged_value;
/// assert!(logged_value(0.0, true).is_nan());
/// assert_eq!(logged_value(-1.7976931348623157e308, false), f64::NEG_INFINITY);
/// assert_eq!(logged_value(0.5, false), 0.5);
/// ```
pub fn logged_value(stored: f64, is_nan: bool) -> f64 {
    if is_nan {
        f64::NAN
    } else if stored == INF_SENTINEL {
        f64::INFINITY
    } else if stored == -INF_SENTINEL {
        f64::NEG_INFINITY
    } else {
        stored
    }
}

/// An experiment as the runs need it.
struct Experiment {
    name: Option<String>,
    deleted: bool,
}

/// One stored metric row: `(timestamp, step, stored value, is_nan)`.
type Point = (i64, i64, f64, bool);

/// Reads every run of the database with its params, tags and full metric history.
/// `origin` is where the runs say they were loaded from.
pub(super) fn read_runs(
    conn: &Connection,
    schema: &Schema,
    origin: &str,
    problems: &mut Problems,
    report: &mut LoadReport,
) -> Vec<RunData> {
    let experiments = read_experiments(conn, schema, problems, report);
    report.ignore("MLflow experiment tags", schema.count(conn, "experiment_tags"));

    let mut runs: Vec<RunData> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut run_experiment: Vec<Option<i64>> = Vec::new();
    let cols = [
        "run_uuid",
        "name",
        "status",
        "start_time",
        "end_time",
        "lifecycle_stage",
        "artifact_uri",
        "experiment_id",
        "user_id",
    ];
    if let Some(sql) = schema.select("runs", &cols) {
        each_row(conn, &sql, "runs", problems, report, |c| {
            let run_id = text(c.get(0)).filter(|s| !s.is_empty()).ok_or("a run without run_uuid")?;
            if index.contains_key(&run_id) {
                return Err(format!("run {run_id} appears twice (the first row is kept)"));
            }
            let time = |i: usize, what: &str| int(c.get(i)).map_err(|e| format!("run {run_id} {what}: {e}"));
            let info = RunInfo {
                name: text(c.get(1)).filter(|n| !n.is_empty()),
                status: text(c.get(2)),
                created_at_ms: time(3, "start_time")?,
                ended_at_ms: time(4, "end_time")?,
                lifecycle: text(c.get(5)),
                artifact_uri: text(c.get(6)),
                experiment_id: text(c.get(7)),
                user: text(c.get(8)).filter(|u| !u.is_empty()),
                source: "mlflow".into(),
                origin: origin.to_string(),
                run_id: run_id.clone(),
                ..RunInfo::default()
            };
            run_experiment.push(int(c.get(7)).ok().flatten());
            index.insert(run_id, runs.len());
            runs.push(RunData { info, ..RunData::default() });
            Ok(())
        });
    }

    for (table, is_param) in [("params", true), ("tags", false)] {
        let Some(sql) = schema.select(table, &["run_uuid", "key", "value"]) else { continue };
        let mut orphans = 0u64;
        each_row(conn, &sql, table, problems, report, |c| {
            let Some(&i) = text(c.get(0)).and_then(|id| index.get(&id)) else {
                orphans += 1;
                return Ok(());
            };
            let key = text(c.get(1)).ok_or("a row without key")?;
            let value = text(c.get(2));
            let Some(run) = runs.get_mut(i) else { return Ok(()) };
            if is_param {
                run.params.push((key, value.unwrap_or_default()));
            } else {
                run.tags.push((key, value));
            }
            Ok(())
        });
        if orphans > 0 {
            problems.skip(report, format!("table {table}: {orphans} rows of runs not in the runs table"));
        }
    }

    read_metrics(conn, schema, &index, &mut runs, problems, report);

    for (run, exp) in runs.iter_mut().zip(run_experiment) {
        let experiment = exp.and_then(|id| experiments.get(&id));
        finish_info(&mut run.info, &run.tags, experiment);
    }
    runs
}

fn read_experiments(
    conn: &Connection,
    schema: &Schema,
    problems: &mut Problems,
    report: &mut LoadReport,
) -> HashMap<i64, Experiment> {
    let mut out = HashMap::new();
    let Some(sql) = schema.select("experiments", &["experiment_id", "name", "lifecycle_stage"]) else {
        return out;
    };
    each_row(conn, &sql, "experiments", problems, report, |c| {
        let id =
            int(c.get(0)).map_err(|e| format!("experiment_id: {e}"))?.ok_or("an experiment without id")?;
        let deleted = text(c.get(2)).as_deref() == Some("deleted");
        out.insert(id, Experiment { name: text(c.get(1)), deleted });
        Ok(())
    });
    out
}

/// The full history of every metric, in the order MLflow's `get_metric_history` returns it
/// (by timestamp, step, stored value).
fn read_metrics(
    conn: &Connection,
    schema: &Schema,
    index: &HashMap<String, usize>,
    runs: &mut [RunData],
    problems: &mut Problems,
    report: &mut LoadReport,
) {
    let cols = ["run_uuid", "key", "value", "timestamp", "step", "is_nan"];
    let Some(sql) = schema.select("metrics", &cols) else { return };
    // Run position → key → points. Run ids and keys are looked up borrowed from the row,
    // so a point costs no allocation beyond its own slot (this is the big table).
    let mut series: HashMap<usize, HashMap<String, Vec<Point>>> = HashMap::new();
    let mut orphans = 0u64;
    each_row(conn, &sql, "metrics", problems, report, |c| {
        let run = match c.get(0) {
            ValueRef::Text(t) => std::str::from_utf8(t).ok().and_then(|id| index.get(id)),
            other => text(other).and_then(|id| index.get(&id)),
        };
        let Some(&i) = run else {
            orphans += 1;
            return Ok(());
        };
        let key = match c.get(1) {
            ValueRef::Text(t) => String::from_utf8_lossy(t),
            other => Cow::Owned(text(other).ok_or("a metric row without key")?),
        };
        let bad = |e: String| format!("metric {key:?}: {e}");
        let value = real(c.get(2)).map_err(bad)?.ok_or_else(|| bad("NULL value".into()))?;
        // Older schemas have no step / is_nan columns: step 0, not NaN (MLflow's defaults).
        let timestamp = int(c.get(3)).map_err(bad)?.unwrap_or(0);
        let step = int(c.get(4)).map_err(bad)?.unwrap_or(0);
        let is_nan = int(c.get(5)).map_err(bad)?.unwrap_or(0) != 0;
        let per_run = series.entry(i).or_default();
        let point = (timestamp, step, value, is_nan);
        match per_run.get_mut(key.as_ref()) {
            Some(points) => points.push(point),
            None => {
                per_run.insert(key.into_owned(), vec![point]);
            }
        }
        Ok(())
    });
    if orphans > 0 {
        problems.skip(report, format!("table metrics: {orphans} points of runs not in the runs table"));
    }
    for (i, per_run) in series {
        let Some(run) = runs.get_mut(i) else { continue };
        let mut keys: Vec<(String, Vec<Point>)> = per_run.into_iter().collect();
        // Keys in sorted order, so output never depends on hash order.
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        for (key, mut points) in keys {
            points.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(a.2.total_cmp(&b.2)));
            let mut s = MetricSeries::new(key);
            for (timestamp, step, value, is_nan) in points {
                s.push(step, Some(timestamp), logged_value(value, is_nan));
            }
            run.metrics.push(s);
        }
    }
}

/// What the file-store reader does too: names and users from tags for runs that lack
/// them, the parent from `mlflow.parentRunId`, and runs of a deleted experiment deleted.
fn finish_info(info: &mut RunInfo, tags: &[(String, Option<String>)], experiment: Option<&Experiment>) {
    let tag = |name: &str| {
        tags.iter().find(|(k, _)| k == name).and_then(|(_, v)| v.clone()).filter(|v| !v.is_empty())
    };
    if info.name.is_none() {
        info.name = tag("mlflow.runName");
    }
    if info.user.is_none() {
        info.user = tag("mlflow.user");
    }
    info.parent_run_id = tag("mlflow.parentRunId");
    if let Some(e) = experiment {
        info.project.clone_from(&e.name);
        if e.deleted {
            info.lifecycle = Some("deleted".into());
        }
    }
}
