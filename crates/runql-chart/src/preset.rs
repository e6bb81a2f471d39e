//! Presets: the charts people draw every day, written as SQL over runql's tables so that a
//! spec can say "curves of val/loss grouped by params.lr" without a query.
//!
//! User text never becomes SQL syntax except `runs`, which *is* SQL (a `WHERE` condition
//! over `runs_wide`, aliased `w`, run in a read-only session): metric names are bound as
//! `$1`, and column names are quoted as identifiers.

use runql_core::Param;
use serde::{Deserialize, Serialize};

use crate::error::{ChartError, Result};
use crate::spec::{ChartKind, Encoding, XAxisKind};

/// Which per-run number of a metric: a `metric_summary` column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Stat {
    /// The value at the highest step (what MLflow and W&B call the run's value).
    #[default]
    Last,
    /// The first value.
    First,
    /// The minimum.
    Min,
    /// The maximum.
    Max,
    /// The mean over all points.
    Mean,
}

impl Stat {
    fn column(self) -> &'static str {
        match self {
            Stat::Last => "last",
            Stat::First => "first",
            Stat::Min => "min",
            Stat::Max => "max",
            Stat::Mean => "mean",
        }
    }
}

/// What the x axis of `curves` shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CurveX {
    /// The step.
    #[default]
    Step,
    /// Wall-clock time of each point.
    Time,
    /// Seconds since the run's first point.
    Relative,
}

/// A named chart whose SQL runql writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "preset", rename_all = "snake_case", deny_unknown_fields)]
pub enum Preset {
    /// Curves of one metric, one line per run (`line`).
    Curves {
        /// Metric key, e.g. `val/loss`.
        metric: String,
        /// Which runs: a SQL condition over `runs_wide` (alias `w`), e.g. `w."params.lr" > 0.001`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        runs: Option<String>,
        /// x axis.
        #[serde(default)]
        x: CurveX,
        /// Group runs by this `runs_wide` column (e.g. `params.lr`): one line per group.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group_by: Option<String>,
    },
    /// Runs ranked by a metric (`bar`); with `group_by`, groups ranked by their mean with
    /// ± standard deviation error bars.
    Ranking {
        /// Metric key.
        metric: String,
        /// Which per-run number.
        #[serde(default)]
        stat: Stat,
        /// Largest first instead of smallest first.
        #[serde(default)]
        descending: bool,
        /// Bars at most.
        #[serde(default = "default_limit")]
        limit: usize,
        /// Which runs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        runs: Option<String>,
        /// Rank groups of runs (mean ± sd over the group) instead of runs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group_by: Option<String>,
    },
    /// A `runs_wide` column (a param) against a metric, one point per run (`scatter`).
    Scatter {
        /// The x column of `runs_wide`, e.g. `params.lr`.
        x: String,
        /// Metric key for y.
        metric: String,
        /// Which per-run number.
        #[serde(default)]
        stat: Stat,
        /// Color points by this `runs_wide` column.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        color: Option<String>,
        /// Which runs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        runs: Option<String>,
    },
    /// Params → metric, one polyline per run, colored by the metric (`parallel`), or the
    /// params' importance for the metric (`importance`; an empty `params` means every
    /// `params.*` column).
    Params {
        /// `runs_wide` columns, e.g. `["params.lr", "params.batch_size"]`.
        #[serde(default)]
        params: Vec<String>,
        /// Metric key (the last axis, and the color).
        metric: String,
        /// Which per-run number.
        #[serde(default)]
        stat: Stat,
        /// Which runs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        runs: Option<String>,
    },
    /// Distribution of a metric over runs (`histogram` or `box`), per group.
    Distribution {
        /// Metric key.
        metric: String,
        /// Which per-run number.
        #[serde(default)]
        stat: Stat,
        /// One histogram color / one box per value of this `runs_wide` column.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group_by: Option<String>,
        /// Which runs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        runs: Option<String>,
    },
    /// Mean of a metric over a grid of two `runs_wide` columns (`heatmap`).
    Grid {
        /// Column across.
        x: String,
        /// Column down.
        y: String,
        /// Metric key.
        metric: String,
        /// Which per-run number.
        #[serde(default)]
        stat: Stat,
        /// Which runs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        runs: Option<String>,
    },
}

fn default_limit() -> usize {
    20
}

/// A preset turned into SQL: the query, its parameters, and what the spec should fill in.
#[derive(Debug, Clone)]
pub struct PresetQuery {
    /// The query.
    pub sql: String,
    /// `$1`, `$2`, ...
    pub params: Vec<Param>,
    /// Encodings of the result's columns.
    pub encoding: Encoding,
    /// A title when the spec has none.
    pub title: String,
    /// x axis title.
    pub x_label: String,
    /// y axis title.
    pub y_label: String,
    /// How x is labelled.
    pub x_axis: XAxisKind,
    /// A query with one row per series (by the series column) holding the label and
    /// group columns, so the main query need not repeat them on every row.
    pub series_sql: Option<String>,
}

/// `name` as a SQL identifier: `"params.lr"` (double quotes doubled inside).
///
/// ```
/// assert_eq!(runql_chart::preset::ident("params.lr"), "\"params.lr\"");
/// assert_eq!(runql_chart::preset::ident("a\"b"), "\"a\"\"b\"");
/// ```
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn runs_filter(runs: &Option<String>) -> String {
    match runs.as_deref().map(str::trim) {
        Some(cond) if !cond.is_empty() => format!(" AND ({cond})"),
        _ => String::new(),
    }
}

fn metric_param(metric: &str) -> Vec<Param> {
    vec![Param::Text(metric.to_owned())]
}

fn stat_label(stat: Stat, metric: &str) -> String {
    match stat {
        Stat::Last => metric.to_owned(),
        s => format!("{metric} ({})", s.column()),
    }
}

impl Preset {
    /// Checks that the preset suits the chart kind and has what it needs.
    ///
    /// # Errors
    /// [`ChartError::Spec`] naming the problem.
    pub fn validate(&self, kind: ChartKind) -> Result<()> {
        let (name, kinds): (&str, &[ChartKind]) = match self {
            Preset::Curves { .. } => ("curves", &[ChartKind::Line]),
            Preset::Ranking { .. } => ("ranking", &[ChartKind::Bar]),
            Preset::Scatter { .. } => ("scatter", &[ChartKind::Scatter]),
            Preset::Params { .. } => ("params", &[ChartKind::Parallel, ChartKind::Importance]),
            Preset::Distribution { .. } => ("distribution", &[ChartKind::Histogram, ChartKind::Box]),
            Preset::Grid { .. } => ("grid", &[ChartKind::Heatmap]),
        };
        if !kinds.contains(&kind) {
            let names: Vec<String> = kinds.iter().map(|k| format!("{k:?}").to_lowercase()).collect();
            return Err(ChartError::Spec(format!(
                "preset {name} draws a {} chart, not {}",
                names.join(" or "),
                format!("{kind:?}").to_lowercase()
            )));
        }
        match self {
            Preset::Ranking { limit, .. } if !(1..=10_000).contains(limit) => {
                Err(ChartError::Spec(format!("preset ranking: limit must be in 1..=10000, got {limit}")))
            }
            Preset::Params { params, .. } if kind == ChartKind::Parallel && params.is_empty() => {
                Err(ChartError::Spec("preset params: a parallel chart needs `params` (its axes)".into()))
            }
            _ => Ok(()),
        }
    }

    /// The SQL and encodings of this preset.
    pub fn query(&self, kind: ChartKind) -> PresetQuery {
        match self {
            Preset::Curves { metric, runs, x, group_by } => {
                let (x_expr, x_label, x_axis) = match x {
                    // Integers as stored: the chart converts them faster than SQL's CAST.
                    CurveX::Step => ("m.step", "step", XAxisKind::Number),
                    CurveX::Time => ("m.timestamp", "time (UTC)", XAxisKind::Time),
                    CurveX::Relative => (
                        "CAST(m.timestamp - min(m.timestamp) OVER (PARTITION BY m.run_id) AS DOUBLE) / 1000.0",
                        "relative time",
                        XAxisKind::Duration,
                    ),
                };
                let group = group_by
                    .as_ref()
                    .map(|g| format!(", CAST(w.{} AS VARCHAR) AS grp", ident(g)))
                    .unwrap_or_default();
                // The points come from `metrics` alone (joined with runs_wide only to filter
                // runs); names and groups come once per run from `series_sql`: repeating
                // them on 10⁷ rows made the join the slowest part of a chart.
                let sql = match runs.as_deref().map(str::trim) {
                    Some(cond) if !cond.is_empty() => format!(
                        "SELECT m.run_id AS run_id, {x_expr} AS x, m.value AS y \
                         FROM metrics m JOIN runs_wide w ON w.run_id = m.run_id \
                         WHERE m.key = $1 AND ({cond})"
                    ),
                    _ => format!(
                        "SELECT m.run_id AS run_id, {x_expr} AS x, m.value AS y FROM metrics m WHERE m.key = $1"
                    ),
                };
                let series_sql = format!(
                    "SELECT w.run_id AS run_id, coalesce(w.name, w.run_id) AS run{group} FROM runs_wide w"
                );
                PresetQuery {
                    series_sql: Some(series_sql),
                    sql,
                    params: metric_param(metric),
                    encoding: Encoding {
                        x: Some("x".into()),
                        y: Some("y".into()),
                        series: Some("run_id".into()),
                        label: Some("run".into()),
                        group: group_by.as_ref().map(|_| "grp".into()),
                        ..Encoding::default()
                    },
                    title: match group_by {
                        Some(g) => format!("{metric} by {g}"),
                        None => metric.clone(),
                    },
                    x_label: x_label.into(),
                    y_label: metric.clone(),
                    x_axis,
                }
            }
            Preset::Ranking { metric, stat, descending, limit, runs, group_by } => {
                let col = stat.column();
                let order = if *descending { "DESC" } else { "ASC" };
                let (sql, encoding) = match group_by {
                    None => (
                        format!(
                            "SELECT s.run_id AS run_id, coalesce(w.name, s.run_id) AS run, s.\"{col}\" AS value \
                             FROM metric_summary s JOIN runs_wide w ON w.run_id = s.run_id \
                             WHERE s.key = $1 AND NOT isnan(s.\"{col}\"){} \
                             ORDER BY value {order}, run LIMIT {limit}",
                            runs_filter(runs)
                        ),
                        Encoding {
                            y: Some("value".into()),
                            series: Some("run_id".into()),
                            label: Some("run".into()),
                            ..Encoding::default()
                        },
                    ),
                    Some(g) => (
                        format!(
                            "SELECT CAST(w.{g} AS VARCHAR) AS grp, avg(s.\"{col}\") AS value, \
                             stddev_pop(s.\"{col}\") AS sd, count(*) AS runs \
                             FROM metric_summary s JOIN runs_wide w ON w.run_id = s.run_id \
                             WHERE s.key = $1 AND NOT isnan(s.\"{col}\"){} \
                             GROUP BY 1 ORDER BY value {order}, grp LIMIT {limit}",
                            runs_filter(runs),
                            g = ident(g)
                        ),
                        Encoding {
                            y: Some("value".into()),
                            series: Some("grp".into()),
                            label: Some("grp".into()),
                            error: Some("sd".into()),
                            ..Encoding::default()
                        },
                    ),
                };
                let what = stat_label(*stat, metric);
                PresetQuery {
                    series_sql: None,
                    sql,
                    params: metric_param(metric),
                    encoding,
                    title: match group_by {
                        Some(g) => format!("{what}: mean ± sd by {g}"),
                        None => format!("runs by {what}"),
                    },
                    x_label: group_by.clone().unwrap_or_else(|| "run".into()),
                    y_label: what,
                    x_axis: XAxisKind::Number,
                }
            }
            Preset::Scatter { x, metric, stat, color, runs } => {
                // Aliased as itself so the color bar is titled with the column's name.
                let color_sql =
                    color.as_ref().map(|c| format!(", w.{0} AS {0}", ident(c))).unwrap_or_default();
                let col = stat.column();
                let sql = format!(
                    "SELECT w.run_id AS run_id, coalesce(w.name, w.run_id) AS run, w.{} AS x, s.\"{col}\" AS y{color_sql} \
                     FROM metric_summary s JOIN runs_wide w ON w.run_id = s.run_id \
                     WHERE s.key = $1{}",
                    ident(x),
                    runs_filter(runs)
                );
                let what = stat_label(*stat, metric);
                PresetQuery {
                    series_sql: None,
                    sql,
                    params: metric_param(metric),
                    encoding: Encoding {
                        x: Some("x".into()),
                        y: Some("y".into()),
                        series: Some("run_id".into()),
                        label: Some("run".into()),
                        color: color.clone(),
                        ..Encoding::default()
                    },
                    title: format!("{what} vs {x}"),
                    x_label: x.clone(),
                    y_label: what,
                    x_axis: XAxisKind::Number,
                }
            }
            Preset::Params { params, metric, stat, runs } => {
                let col = stat.column();
                let what = stat_label(*stat, metric);
                let columns = if params.is_empty() {
                    "w.*".to_owned()
                } else {
                    let mut cols =
                        vec!["w.run_id AS run_id".to_owned(), "coalesce(w.name, w.run_id) AS run".to_owned()];
                    cols.extend(params.iter().map(|p| format!("w.{0} AS {0}", ident(p))));
                    cols.join(", ")
                };
                let sql = format!(
                    "SELECT {columns}, s.\"{col}\" AS {} \
                     FROM metric_summary s JOIN runs_wide w ON w.run_id = s.run_id \
                     WHERE s.key = $1{}",
                    ident(&what),
                    runs_filter(runs)
                );
                let mut dimensions = params.clone();
                if kind == ChartKind::Parallel {
                    dimensions.push(what.clone());
                }
                PresetQuery {
                    series_sql: None,
                    sql,
                    params: metric_param(metric),
                    encoding: Encoding {
                        y: Some(what.clone()),
                        series: Some("run_id".into()),
                        label: Some(if params.is_empty() { "name".into() } else { "run".into() }),
                        color: Some(what.clone()),
                        dimensions,
                        ..Encoding::default()
                    },
                    title: if kind == ChartKind::Importance {
                        format!("parameter importance for {what}")
                    } else {
                        format!("params → {what}")
                    },
                    x_label: String::new(),
                    y_label: what,
                    x_axis: XAxisKind::Number,
                }
            }
            Preset::Distribution { metric, stat, group_by, runs } => {
                let col = stat.column();
                let group = group_by
                    .as_ref()
                    .map(|g| format!(", CAST(w.{} AS VARCHAR) AS grp", ident(g)))
                    .unwrap_or_default();
                let sql = format!(
                    "SELECT w.run_id AS run_id, coalesce(w.name, w.run_id) AS run, s.\"{col}\" AS value{group} \
                     FROM metric_summary s JOIN runs_wide w ON w.run_id = s.run_id \
                     WHERE s.key = $1{}",
                    runs_filter(runs)
                );
                let what = stat_label(*stat, metric);
                PresetQuery {
                    series_sql: None,
                    sql,
                    params: metric_param(metric),
                    encoding: Encoding {
                        y: Some("value".into()),
                        series: Some("run_id".into()),
                        label: Some("run".into()),
                        group: group_by.as_ref().map(|_| "grp".into()),
                        ..Encoding::default()
                    },
                    title: match group_by {
                        Some(g) => format!("{what} by {g}"),
                        None => what.clone(),
                    },
                    x_label: if kind == ChartKind::Box {
                        group_by.clone().unwrap_or_default()
                    } else {
                        what.clone()
                    },
                    y_label: if kind == ChartKind::Box { what } else { "runs".into() },
                    x_axis: XAxisKind::Number,
                }
            }
            Preset::Grid { x, y, metric, stat, runs } => {
                let col = stat.column();
                let what = stat_label(*stat, metric);
                let sql = format!(
                    "SELECT w.{} AS x, w.{} AS y, s.\"{col}\" AS {} \
                     FROM metric_summary s JOIN runs_wide w ON w.run_id = s.run_id \
                     WHERE s.key = $1{}",
                    ident(x),
                    ident(y),
                    ident(&what),
                    runs_filter(runs)
                );
                PresetQuery {
                    series_sql: None,
                    sql,
                    params: metric_param(metric),
                    encoding: Encoding {
                        x: Some("x".into()),
                        y: Some("y".into()),
                        value: Some(what.clone()),
                        ..Encoding::default()
                    },
                    title: format!("mean {what} over {x} × {y}"),
                    x_label: x.clone(),
                    y_label: y.clone(),
                    x_axis: XAxisKind::Number,
                }
            }
        }
    }
}
