//! [`Chart`]: a spec bound to its data, rendered to a [`Scene`], with the interaction hooks
//! a page needs — `pick` (what is under the mouse), `zoom` (re-render an x range from the
//! full-resolution data) and `reset`.

use runql_core::Param;
use serde::Serialize;

use crate::color::Palette;
use crate::data::Rows;
use crate::error::{ChartError, Result};
use crate::kinds;
pub use crate::render::Resolved;
use crate::render::{Ctx, Rendered};
use crate::scene::{Rect, Scene};
use crate::spec::{ChartKind, ChartOptions, ChartSpec, DataSpec, Encoding, XAxisKind};

/// The SQL a spec runs, with its parameters, and what the preset fills in.
#[derive(Debug, Clone)]
pub struct ChartQuery {
    /// The query.
    pub sql: String,
    /// `$1`, `$2`, ...
    pub params: Vec<Param>,
    /// Encodings and titles.
    pub resolved: Resolved,
    /// A query with one row per series for its label and group (see
    /// [`Rows::with_series_table`]); run it and attach its rows before building the chart.
    pub series_sql: Option<String>,
}

impl ChartSpec {
    /// The query this chart runs and the encodings it draws with.
    pub fn query(&self) -> ChartQuery {
        let o = &self.options;
        match &self.data {
            DataSpec::Sql { sql } => ChartQuery {
                sql: sql.clone(),
                params: Vec::new(),
                series_sql: None,
                resolved: Resolved {
                    encoding: self.encoding.clone(),
                    title: self.title.clone().unwrap_or_default(),
                    x_label: o.x_label.clone().or_else(|| self.encoding.x.clone()).unwrap_or_default(),
                    y_label: o.y_label.clone().or_else(|| self.encoding.y.clone()).unwrap_or_default(),
                    x_axis: o.x_axis,
                },
            },
            DataSpec::Preset(p) => {
                let q = p.query(self.kind);
                // Encodings given in the spec win over the preset's.
                let e = &self.encoding;
                let pick = |mine: &Option<String>, preset: Option<String>| mine.clone().or(preset);
                let encoding = Encoding {
                    x: pick(&e.x, q.encoding.x),
                    y: pick(&e.y, q.encoding.y),
                    series: pick(&e.series, q.encoding.series),
                    label: pick(&e.label, q.encoding.label),
                    color: pick(&e.color, q.encoding.color),
                    group: pick(&e.group, q.encoding.group),
                    value: pick(&e.value, q.encoding.value),
                    error: pick(&e.error, q.encoding.error),
                    dimensions: if e.dimensions.is_empty() {
                        q.encoding.dimensions
                    } else {
                        e.dimensions.clone()
                    },
                };
                ChartQuery {
                    sql: q.sql,
                    params: q.params,
                    series_sql: q.series_sql,
                    resolved: Resolved {
                        encoding,
                        title: self.title.clone().unwrap_or(q.title),
                        x_label: o.x_label.clone().unwrap_or(q.x_label),
                        y_label: o.y_label.clone().unwrap_or(q.y_label),
                        x_axis: if o.x_axis == XAxisKind::Number { q.x_axis } else { o.x_axis },
                    },
                }
            }
        }
    }
}

/// What is under a point of the chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Pick {
    /// The series key (run id for run charts).
    pub series: String,
    /// Its label (run name, group value, bar label).
    pub label: String,
    /// x of the data point (NaN for charts without a numeric x).
    pub x: f64,
    /// y of the data point as drawn (smoothed when smoothing is on).
    pub y: f64,
    /// The raw y when the drawn y is smoothed or aggregated.
    pub raw: Option<f64>,
    /// Distance from the asked position to the point, in CSS pixels.
    pub distance: f64,
}

/// How far from a point `pick` still finds it, in CSS pixels.
pub const PICK_RADIUS: f64 = 24.0;

/// A chart bound to its rows.
///
/// ```
/// use runql_chart::{Chart, ChartSpec, data};
/// let spec = ChartSpec::from_json(r#"{"kind": "line", "data": {"sql": "SELECT 1"},
///     "encoding": {"x": "step", "y": "loss", "series": "run"}}"#)?;
/// let rows = data::rows_from(vec![
///     ("step", data::f64_column(vec![0.0, 1.0, 2.0, 0.0, 1.0, 2.0])),
///     ("loss", data::f64_column(vec![1.0, 0.5, 0.25, 1.2, 0.9, 0.7])),
///     ("run", data::text_column(vec!["a", "a", "a", "b", "b", "b"])),
/// ])?;
/// let mut chart = Chart::new(spec, rows)?;
/// let svg = chart.svg()?;
/// assert!(svg.starts_with("<svg"));
/// // Where run "a" is at step 1, and what the chart finds there:
/// let (px, py) = chart.to_pixels(1.0, 0.5).expect("numeric axes");
/// let hit = chart.pick(px + 2.0, py - 1.0).expect("a point is near");
/// assert_eq!((hit.series.as_str(), hit.x, hit.y), ("a", 1.0, 0.5));
/// # Ok::<(), runql_chart::ChartError>(())
/// ```
pub struct Chart {
    spec: ChartSpec,
    resolved: Resolved,
    body: kinds::Body,
    rows: usize,
    zoom: Option<(f64, f64)>,
    rendered: Option<Rendered>,
}

impl std::fmt::Debug for Chart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chart").field("spec", &self.spec).field("zoom", &self.zoom).finish_non_exhaustive()
    }
}

impl Chart {
    /// Binds `spec` to `rows` (the result of [`ChartSpec::query`]'s SQL).
    ///
    /// # Errors
    /// [`ChartError::Spec`] for an invalid spec; [`ChartError::Data`] when an encoded column
    /// is missing or has the wrong type.
    pub fn new(spec: ChartSpec, rows: Rows) -> Result<Chart> {
        spec.validate()?;
        let resolved = spec.query().resolved;
        let body = kinds::Body::prepare(spec.kind, &resolved.encoding, &rows, &spec.options)?;
        let rows = rows.num_rows();
        Ok(Chart {
            zoom: spec.options.x_range.map(|[a, b]| (a, b)),
            spec,
            resolved,
            body,
            rows,
            rendered: None,
        })
    }

    /// Rows the chart was built from (0: an empty chart, e.g. a metric no run logged).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The spec.
    pub fn spec(&self) -> &ChartSpec {
        &self.spec
    }

    /// Encodings and titles in effect.
    pub fn resolved(&self) -> &Resolved {
        &self.resolved
    }

    /// Replaces the options (theme, size, smoothing, scales, ...) without touching the data:
    /// the next render uses them. Cheaper than a new chart — no query, no re-grouping.
    ///
    /// # Errors
    /// [`ChartError::Spec`] when the options are invalid (the chart keeps the old ones).
    pub fn set_options(&mut self, options: ChartOptions) -> Result<()> {
        let mut spec = self.spec.clone();
        spec.options = options;
        spec.validate()?;
        self.zoom = spec.options.x_range.map(|[a, b]| (a, b));
        self.spec = spec;
        self.rendered = None;
        Ok(())
    }

    /// Renders (or returns the last rendering of) the chart.
    ///
    /// # Errors
    /// [`ChartError::Data`] when the data cannot be drawn as asked.
    pub fn render(&mut self) -> Result<&Scene> {
        if self.rendered.is_none() {
            let ctx = Ctx {
                options: &self.spec.options,
                resolved: &self.resolved,
                palette: Palette::of(self.spec.options.theme),
                x_range: self.zoom,
            };
            self.rendered = Some(self.body.render(&ctx)?);
        }
        self.rendered.as_ref().map(|r| &r.scene).ok_or_else(|| ChartError::Draw("nothing rendered".into()))
    }

    /// The chart as SVG.
    ///
    /// # Errors
    /// As [`Chart::render`], or [`ChartError::Draw`].
    pub fn svg(&mut self) -> Result<String> {
        self.render()?.to_svg()
    }

    /// The chart as PNG.
    ///
    /// # Errors
    /// As [`Chart::render`], or [`ChartError::Draw`].
    #[cfg(feature = "png")]
    pub fn png(&mut self) -> Result<Vec<u8>> {
        self.render()?.to_png()
    }

    /// The nearest data point to (x, y) in CSS pixels, within [`PICK_RADIUS`] (bars and
    /// cells: the one under the point). `None` before rendering or when nothing is near.
    pub fn pick(&mut self, x: f64, y: f64) -> Option<Pick> {
        self.render().ok()?;
        let r = self.rendered.as_ref()?;
        // (distance, series, x, y, raw)
        let mut best: Option<(f64, u32, f64, f64, f64)> = None;
        let mut consider = |d: f64, series: u32, x: f64, y: f64, raw: f64| {
            if d <= PICK_RADIUS && best.is_none_or(|b| d < b.0) {
                best = Some((d, series, x, y, raw));
            }
        };
        for hit in &r.hits {
            let d = match hit.rect {
                Some(rect) if rect.contains(x, y) => 0.0,
                _ => (f64::from(hit.px) - x).hypot(f64::from(hit.py) - y),
            };
            consider(d, hit.series, hit.x, hit.y, hit.raw);
        }
        let scales = r.x.as_ref().zip(r.y.as_ref());
        for (curve, (x_scale, y_scale)) in r.curves.iter().filter_map(|c| Some((c, scales?))) {
            for (i, (dx, dy)) in curve.data.iter().enumerate() {
                // As the line was drawn: placed in single precision (a NaN for a y the
                // scale cannot place, and for a gap).
                let (px, py) = (f64::from(x_scale.map(*dx) as f32), f64::from(y_scale.map(*dy) as f32));
                if py.is_finite() && r.plot.contains(px, py) {
                    let raw = curve.raw.get(i).copied().unwrap_or(f64::NAN);
                    consider((px - x).hypot(py - y), curve.series, *dx, *dy, raw);
                }
            }
        }
        let (distance, series_index, px, py, raw) = best?;
        let (series, label) = r.series.get(series_index as usize).cloned().unwrap_or_default();
        Some(Pick { series, label, x: px, y: py, raw: raw.is_finite().then_some(raw), distance })
    }

    /// Data coordinates of pixel (x, y), when the chart has numeric axes.
    pub fn to_data(&mut self, x: f64, y: f64) -> Option<(f64, f64)> {
        self.render().ok()?;
        let r = self.rendered.as_ref()?;
        Some((r.x.as_ref()?.invert(x), r.y.as_ref()?.invert(y)))
    }

    /// Pixel position of data point (x, y), when the chart has numeric axes.
    pub fn to_pixels(&mut self, x: f64, y: f64) -> Option<(f64, f64)> {
        self.render().ok()?;
        let r = self.rendered.as_ref()?;
        Some((r.x.as_ref()?.map(x), r.y.as_ref()?.map(y)))
    }

    /// The plot area of the last rendering, in CSS pixels.
    pub fn plot_area(&mut self) -> Option<Rect> {
        self.render().ok()?;
        self.rendered.as_ref().map(|r| r.plot)
    }

    /// The x range shown, in data units (line and scatter charts).
    pub fn x_range(&mut self) -> Option<(f64, f64)> {
        self.render().ok()?;
        self.rendered.as_ref().and_then(|r| r.x.as_ref()).map(|s| (s.lo, s.hi))
    }

    /// Shows only `x0..x1` (data units, either order), re-decimated from the
    /// full-resolution data.
    ///
    /// # Errors
    /// [`ChartError::Spec`] when the range is not two different finite numbers.
    pub fn zoom(&mut self, x0: f64, x1: f64) -> Result<()> {
        if !(x0.is_finite() && x1.is_finite() && x0 != x1) {
            return Err(ChartError::Spec(format!(
                "zoom needs two different finite x values, got {x0} and {x1}"
            )));
        }
        self.zoom = Some((x0.min(x1), x0.max(x1)));
        self.rendered = None;
        Ok(())
    }

    /// Back to the spec's x range (or all data).
    pub fn reset(&mut self) {
        self.zoom = self.spec.options.x_range.map(|[a, b]| (a, b));
        self.rendered = None;
    }
}

/// The kind's name as written in specs.
pub fn kind_name(kind: ChartKind) -> &'static str {
    match kind {
        ChartKind::Line => "line",
        ChartKind::Scatter => "scatter",
        ChartKind::Bar => "bar",
        ChartKind::Parallel => "parallel",
        ChartKind::Histogram => "histogram",
        ChartKind::Box => "box",
        ChartKind::Heatmap => "heatmap",
        ChartKind::Importance => "importance",
    }
}
