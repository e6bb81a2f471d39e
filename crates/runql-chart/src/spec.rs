//! [`ChartSpec`]: what to draw, as JSON — the kind, the data (SQL or a preset), encodings
//! and options.
//!
//! The same format is typed for JavaScript in the `runql` package (`ChartSpec` in
//! `packages/runql/index.d.ts`), and every file in the repository's `examples/charts/` is
//! rendered by this crate's tests.

use serde::{Deserialize, Serialize};

use crate::error::{ChartError, Result};
use crate::preset::Preset;

/// A chart: kind, data, encodings and options.
///
/// ```
/// use runql_chart::{ChartKind, ChartSpec};
/// let spec = ChartSpec::from_json(r#"{
///     "kind": "line",
///     "data": {"preset": "curves", "metric": "val/loss", "group_by": "params.lr"},
///     "options": {"smoothing": {"kind": "tb_ema", "param": 0.6}, "y_scale": "log"}
/// }"#)?;
/// assert_eq!(spec.kind, ChartKind::Line);
/// # Ok::<(), runql_chart::ChartError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ChartSpec {
    /// What is drawn.
    pub kind: ChartKind,
    /// Title above the plot (presets supply one when this is absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Where the rows come from.
    pub data: DataSpec,
    /// Which result columns feed which visual channel. Presets fill these in.
    #[serde(default)]
    pub encoding: Encoding,
    /// Size, theme, scales, smoothing, grouping and the rest.
    #[serde(default)]
    pub options: ChartOptions,
}

/// The chart kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    /// y against x for many series (metric curves), with smoothing, grouping and decimation.
    Line,
    /// One point per row: x against y, colored by a third column.
    Scatter,
    /// One bar per row (rankings), optional error bars.
    Bar,
    /// One polyline per row across several axes (`encoding.dimensions`), colored by a column.
    Parallel,
    /// Distribution of `y` in bins, one color per group.
    Histogram,
    /// Box and whiskers of `y` per group.
    Box,
    /// Mean of `value` over a grid of two columns `x` and `y`.
    Heatmap,
    /// Correlation and random-forest importance of `dimensions` for predicting `y`.
    Importance,
}

/// Where a chart's rows come from: a SQL query, or a preset that writes the query.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum DataSpec {
    /// Any read-only query over the run tables.
    Sql {
        /// The query.
        sql: String,
    },
    /// A named preset (see [`Preset`]).
    Preset(Preset),
}

impl<'de> Deserialize<'de> for DataSpec {
    // Hand-written instead of `untagged` so a mistake in a preset reports the preset's own
    // error ("unknown field `metrc`") rather than "did not match any variant".
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(deserializer)?;
        let Some(object) = value.as_object() else {
            return Err(D::Error::custom("`data` must be an object: {\"sql\": ...} or {\"preset\": ...}"));
        };
        if object.contains_key("sql") {
            if object.len() > 1 {
                return Err(D::Error::custom("`data` with `sql` takes no other fields"));
            }
            let sql = object
                .get("sql")
                .and_then(|v| v.as_str())
                .ok_or_else(|| D::Error::custom("`data.sql` must be a string"))?;
            return Ok(DataSpec::Sql { sql: sql.to_owned() });
        }
        if object.contains_key("preset") {
            return serde_json::from_value(value).map(DataSpec::Preset).map_err(D::Error::custom);
        }
        Err(D::Error::custom(
            "`data` needs `sql` (a query) or `preset` (curves, ranking, scatter, parallel, importance, histogram, box, heatmap)",
        ))
    }
}

/// Which result columns feed which visual channel.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Encoding {
    /// Horizontal position (line, scatter, heatmap columns); a bar chart's bar names when
    /// it has no `series`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// Vertical position / the measured value (line, scatter, bar, histogram, box,
    /// heatmap rows, importance target).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// One line per distinct value (line); also the key colors are derived from, so a run
    /// has the same color in every chart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
    /// Text shown for a series or bar (legend, tooltips); defaults to `series`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Colors points (scatter) or lines (parallel) by a numeric or text column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Groups series into one aggregated line with a band (line), or rows into groups
    /// (histogram, box, bar error bars).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The cell value (heatmap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Half-height of an error bar (bar).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Axes of a parallel-coordinates chart, features of an importance chart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dimensions: Vec<String>,
}

/// Light or dark colors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Dark text on white.
    #[default]
    Light,
    /// Light text on a dark background.
    Dark,
}

/// Axis scale.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ScaleKind {
    /// Linear.
    #[default]
    Linear,
    /// Base-10 logarithmic; values ≤ 0 are not drawn (and counted in the chart's notes).
    Log,
}

/// How the x axis of a line chart is read: plain numbers, epoch milliseconds, or seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum XAxisKind {
    /// Numbers (steps).
    #[default]
    Number,
    /// Wall time: x is epoch milliseconds, labelled as UTC dates and times.
    Time,
    /// Durations: x is seconds, labelled as `1h 30m`.
    Duration,
}

/// Smoothing of line charts, computed on the full-resolution series before decimation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Smoothing {
    /// Which smoother.
    pub kind: SmoothingKind,
    /// Its parameter: the weight for `tb_ema`/`twema` (0 ≤ w < 1; TensorBoard's default
    /// 0.6), σ in x units for `gaussian`, the window in points for `running_avg`.
    #[serde(default)]
    pub param: f64,
}

/// The smoothers users know from TensorBoard and W&B (docs: charts-and-queries.md §B).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SmoothingKind {
    /// Raw values.
    #[default]
    None,
    /// TensorBoard's debiased EMA (also W&B's "EMA").
    TbEma,
    /// W&B's time-weighted EMA (its default).
    Twema,
    /// Gaussian kernel over x-distance.
    Gaussian,
    /// Centered running average over a window of points.
    RunningAvg,
}

/// The line drawn for a group of series.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// Mean over the group's series at each x.
    #[default]
    Mean,
    /// Median.
    Median,
    /// Minimum.
    Min,
    /// Maximum.
    Max,
}

/// The band drawn around a group's line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// No band.
    None,
    /// From the group's minimum to its maximum at each x.
    MinMax,
    /// ± population standard deviation (1/n, as W&B).
    #[default]
    Stddev,
    /// ± standard error (population sd / √n, as W&B).
    Stderr,
}

/// Options of every chart kind; each kind uses the ones that apply to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct ChartOptions {
    /// Width in CSS pixels.
    pub width: u32,
    /// Height in CSS pixels.
    pub height: u32,
    /// Device pixels per CSS pixel (canvas on HiDPI screens draws at `width × ratio`).
    pub pixel_ratio: f64,
    /// Colors.
    pub theme: Theme,
    /// x axis scale.
    pub x_scale: ScaleKind,
    /// y axis scale.
    pub y_scale: ScaleKind,
    /// How x values are labelled (line charts).
    pub x_axis: XAxisKind,
    /// Smoothing (line charts).
    pub smoothing: Smoothing,
    /// Draw the raw curve faintly behind the smoothed one.
    pub show_raw: bool,
    /// Fit the y axis to the 5th–95th percentile of the drawn values (TensorBoard's
    /// "ignore outliers in chart scaling"), so one spike does not flatten every curve.
    pub ignore_outliers: bool,
    /// Line of a group (line charts with `encoding.group`).
    pub aggregate: Aggregate,
    /// Band of a group.
    pub band: Band,
    /// Only this x range (zoom), in x units.
    pub x_range: Option<[f64; 2]>,
    /// Number of bins (histogram) or grid cells per axis at most (heatmap of numbers).
    pub bins: usize,
    /// Draw a legend.
    pub legend: bool,
    /// Legend entries shown at most ("… and N more" after them).
    pub max_legend: usize,
    /// Overrides the x axis title.
    pub x_label: Option<String>,
    /// Overrides the y axis title.
    pub y_label: Option<String>,
    /// Seed of the random forest (importance), for reproducible results.
    pub seed: u64,
}

impl Default for ChartOptions {
    fn default() -> Self {
        Self {
            width: 800,
            height: 480,
            pixel_ratio: 1.0,
            theme: Theme::Light,
            x_scale: ScaleKind::Linear,
            y_scale: ScaleKind::Linear,
            x_axis: XAxisKind::Number,
            smoothing: Smoothing::default(),
            show_raw: true,
            ignore_outliers: false,
            aggregate: Aggregate::Mean,
            band: Band::Stddev,
            x_range: None,
            bins: 20,
            legend: true,
            max_legend: 20,
            x_label: None,
            y_label: None,
            seed: 0,
        }
    }
}

/// Largest width/height accepted, in pixels (after `pixel_ratio`): a hostile spec must
/// not allocate a gigantic bitmap.
pub const MAX_PIXELS_PER_SIDE: f64 = 16_384.0;

impl ChartSpec {
    /// Parses and validates a spec from JSON.
    ///
    /// # Errors
    /// [`ChartError::Spec`] with serde's message (which names the field) or the rule broken.
    pub fn from_json(json: &str) -> Result<ChartSpec> {
        let spec: ChartSpec = serde_json::from_str(json).map_err(|e| ChartError::Spec(e.to_string()))?;
        spec.validate()?;
        Ok(spec)
    }

    /// The spec as pretty JSON.
    ///
    /// # Errors
    /// [`ChartError::Spec`] if serialization fails (it does not for valid specs).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| ChartError::Spec(e.to_string()))
    }

    /// Checks ranges that serde cannot: sizes, pixel ratio, smoothing parameters, bins.
    ///
    /// # Errors
    /// [`ChartError::Spec`] naming the option and the allowed range.
    pub fn validate(&self) -> Result<()> {
        let o = &self.options;
        let bad = |msg: String| Err(ChartError::Spec(msg));
        if !(o.pixel_ratio.is_finite() && (0.25..=8.0).contains(&o.pixel_ratio)) {
            return bad(format!("options.pixel_ratio must be between 0.25 and 8, got {}", o.pixel_ratio));
        }
        for (name, v) in [("width", o.width), ("height", o.height)] {
            let device = f64::from(v) * o.pixel_ratio;
            if v < 64 || device > MAX_PIXELS_PER_SIDE {
                return bad(format!(
                    "options.{name} must be at least 64 and at most {MAX_PIXELS_PER_SIDE} device pixels, got {v}"
                ));
            }
        }
        let p = o.smoothing.param;
        match o.smoothing.kind {
            SmoothingKind::None => {}
            SmoothingKind::TbEma | SmoothingKind::Twema if !(p.is_finite() && (0.0..1.0).contains(&p)) => {
                return bad(format!("options.smoothing.param (a weight) must be in [0, 1), got {p}"));
            }
            SmoothingKind::Gaussian if !(p.is_finite() && p >= 0.0) => {
                return bad(format!("options.smoothing.param (σ in x units) must be ≥ 0, got {p}"));
            }
            SmoothingKind::RunningAvg
                if !(p.is_finite() && (0.0..=100_000.0).contains(&p) && p.fract() == 0.0) =>
            {
                return bad(format!(
                    "options.smoothing.param (a window in points) must be a whole number in 0..=100000, got {p}"
                ));
            }
            _ => {}
        }
        if !(1..=1000).contains(&o.bins) {
            return bad(format!("options.bins must be in 1..=1000, got {}", o.bins));
        }
        if let Some([a, b]) = o.x_range
            && !(a.is_finite() && b.is_finite() && a < b)
        {
            return bad(format!("options.x_range must be two finite numbers, low < high, got [{a}, {b}]"));
        }
        if let DataSpec::Preset(p) = &self.data {
            p.validate(self.kind)?;
        }
        Ok(())
    }
}
