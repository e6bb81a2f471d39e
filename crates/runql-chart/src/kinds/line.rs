//! Line charts: metric curves of many runs.
//!
//! Pipeline, in the order the research notes recommend (docs/charts-and-queries.md §E):
//! rows → one series per `series` value, sorted by x (stretches of the query's record
//! batches, not copies, when rows come grouped by series) → smoothing on the full-resolution
//! series → grouping (every member interpolated onto the union of x, then mean/median/min/
//! max and a min–max / stddev / stderr band) → M4 decimation per pixel column of the shown
//! x range → y range from the decimated points (5th–95th percentile with
//! `ignore_outliers`) → draw: the faint raw curve, then the smoothed one.

use std::borrow::Cow;

use arrow_buffer::ScalarBuffer;

use crate::chart::{Ctx, CurvePoints, Rendered};
use crate::color::{Rgba, series_color};
use crate::data::{RowRun, Rows, Runs};
use crate::decimate::m4_parts;
use crate::error::{ChartError, Result};
use crate::frame::{self, draw_axes, draw_empty, draw_legend, padded, tick_target};
use crate::scale::Scale;
use crate::scene::Point;
use crate::spec::{Band, ChartOptions, Encoding, ScaleKind, Smoothing, SmoothingKind};
use crate::stats::quantile_select;
use crate::xvalues::{XBuffer, XSlice};

mod groups;
use groups::aggregate;

/// One curve at full resolution, sorted by x.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    key: String,
    label: String,
    group: Option<u32>,
    /// The points in x order, in stretches: the query's own buffers when its rows came
    /// grouped by series (no copy), else one stretch copied together.
    parts: Vec<Part>,
}

/// A stretch of one series' points (x ascending, and not below the previous stretch's).
#[derive(Debug, Clone)]
struct Part {
    /// Integer x (steps) stays integer: M4 reads only a few x per pixel column.
    xs: XBuffer,
    ys: ScalarBuffer<f64>,
    /// Known to be finite and in order inside (integer x, checked when it was read).
    ordered: bool,
    /// Integer x known to be evenly spaced, by this much (checked when it was read).
    stride: Option<i64>,
}

impl Part {
    /// The x values as M4 reads them: computed rather than read when evenly spaced.
    fn x_view(&self) -> XSlice<'_> {
        match (&self.xs, self.stride) {
            (XBuffer::Int(v), Some(stride)) => match v.first() {
                Some(&first) => XSlice::Steps { first, stride, len: v.len() },
                None => self.xs.view(),
            },
            _ => self.xs.view(),
        }
    }
}

impl Series {
    /// All y values in one slice: borrowed when there is one stretch.
    fn joined_ys(&self) -> Cow<'_, [f64]> {
        match self.parts.as_slice() {
            [one] => Cow::Borrowed(&one.ys),
            parts => Cow::Owned(parts.iter().flat_map(|p| p.ys.iter().copied()).collect()),
        }
    }

    /// All x values as `f64` in one slice: borrowed when there is one stretch of floats.
    fn joined_xs(&self) -> Cow<'_, [f64]> {
        match self.parts.as_slice() {
            [one] => one.xs.view().to_f64(),
            parts => Cow::Owned(parts.iter().flat_map(|p| p.xs.view().iter()).collect()),
        }
    }
}

/// A series' x and y, each in one slice.
type Joined<'a> = (Cow<'a, [f64]>, Cow<'a, [f64]>);

/// Below this many rows per run of one series on average, rows are copied into each
/// series instead of referenced in place (rows ordered by step rather than by run would
/// otherwise make one stretch per point).
const MIN_MEAN_RUN: usize = 64;

/// What a line chart draws from: its series and groups, and the smoothing last applied.
#[derive(Debug, Clone)]
pub(crate) struct LineData {
    series: Vec<Series>,
    groups: Vec<String>,
    smoothed: Option<(Smoothing, Vec<Vec<f64>>)>,
}

/// Curves as drawn: key, label, color and the stretches of points.
struct Curve<'a> {
    key: &'a str,
    label: &'a str,
    color: Rgba,
    stretches: Vec<Stretch<'a>>,
    /// Curves with a band are drawn thicker, over it.
    banded: bool,
}

/// Points of a curve in x order: x, y, the raw y when y is smoothed, and a band.
struct Stretch<'a> {
    xs: StretchXs<'a>,
    ys: Cow<'a, [f64]>,
    raw: Option<&'a [f64]>,
    band: Option<(Vec<f64>, Vec<f64>)>,
}

/// A stretch's x: a series' own (floats or integers), or a group's computed union.
enum StretchXs<'a> {
    Borrowed(XSlice<'a>),
    Owned(Vec<f64>),
}

impl StretchXs<'_> {
    fn view(&self) -> XSlice<'_> {
        match self {
            StretchXs::Borrowed(xs) => *xs,
            StretchXs::Owned(xs) => XSlice::Float(xs),
        }
    }
}

impl LineData {
    pub(crate) fn prepare(enc: &Encoding, rows: &Rows) -> Result<LineData> {
        let x_col =
            enc.x.as_deref().ok_or_else(|| ChartError::Spec("a line chart needs encoding.x".into()))?;
        let y_col =
            enc.y.as_deref().ok_or_else(|| ChartError::Spec("a line chart needs encoding.y".into()))?;
        let xs = rows.x_chunks(x_col, "x")?;
        let ys = rows.number_chunks(y_col, "y")?;
        let runs = match enc.series.as_deref() {
            Some(col) => rows.runs(col, "series")?,
            None => Runs {
                runs: xs
                    .iter()
                    .enumerate()
                    .filter(|(_, (x, _))| !x.is_empty())
                    .map(|(batch, (x, _))| RowRun { batch, start: 0, len: x.len(), code: 0 })
                    .collect(),
                values: vec![Some(y_col.to_owned())],
            },
        };
        // Labels and groups are read at each series' first row, not row by row.
        let mut first_run: Vec<Option<RowRun>> = vec![None; runs.values.len()];
        for run in &runs.runs {
            if let Some(slot @ None) = first_run.get_mut(run.code as usize) {
                *slot = Some(*run);
            }
        }
        let at_first_row = |col: &str, role: &str| -> Result<Vec<Option<String>>> {
            if let (false, Some(table), Some(series_col)) = (rows.has(col), rows.series_table(), &enc.series)
                && table.has(col)
            {
                return per_series(table, series_col, col, role, &runs.values);
            }
            first_run
                .iter()
                .map(|run| match run {
                    Some(r) => rows.text_at(col, role, r.batch, r.start),
                    None => Ok(None),
                })
                .collect()
        };
        let labels = match enc.label.as_deref() {
            Some(col) => at_first_row(col, "label")?,
            None => runs.values.clone(),
        };
        let (group_of, groups) = match enc.group.as_deref() {
            Some(col) => {
                let mut groups: Vec<String> = Vec::new();
                let group_of = at_first_row(col, "group")?
                    .into_iter()
                    .map(|g| {
                        let g = g.unwrap_or_else(|| "(none)".into());
                        let code = groups.iter().position(|n| *n == g).unwrap_or_else(|| {
                            groups.push(g);
                            groups.len() - 1
                        });
                        u32::try_from(code).ok()
                    })
                    .collect();
                (group_of, groups)
            }
            None => (vec![None; runs.values.len()], Vec::new()),
        };
        let mut series: Vec<Series> = runs
            .values
            .iter()
            .zip(labels)
            .zip(group_of)
            .map(|((key, label), group)| {
                let key = key.clone().unwrap_or_else(|| "(none)".into());
                Series { label: label.unwrap_or_else(|| key.clone()), key, group, parts: Vec::new() }
            })
            .collect();
        let stretch = |run: &RowRun| -> Option<Part> {
            let ((x, notes), y) = (xs.get(run.batch)?, ys.get(run.batch)?);
            let end = run.start + run.len;
            let ordered = notes.as_ref().is_some_and(|n| n.ordered(run.start, end));
            let stride = match (x, notes) {
                (XBuffer::Int(ints), Some(n)) => n.stride(ints, run.start, end),
                _ => None,
            };
            // ScalarBuffer::slice asserts its bounds: check them here.
            if end > y.len() {
                return None;
            }
            let (xs, ys) = (x.slice(run.start, run.len)?, y.values().slice(run.start, run.len));
            Some(Part { xs, ys, ordered, stride })
        };
        if runs.runs.len().saturating_mul(MIN_MEAN_RUN) <= rows.num_rows() {
            for run in &runs.runs {
                if let (Some(s), Some(part)) = (series.get_mut(run.code as usize), stretch(run)) {
                    s.parts.push(part);
                }
            }
        } else {
            // Reserve each series' length up front: growing vectors by doubling while
            // copying millions of points costs more than the copy itself.
            let mut lengths = vec![0usize; series.len()];
            for run in &runs.runs {
                if let Some(n) = lengths.get_mut(run.code as usize) {
                    *n += run.len;
                }
            }
            let mut copied: Vec<(Vec<f64>, Vec<f64>)> =
                lengths.into_iter().map(|n| (Vec::with_capacity(n), Vec::with_capacity(n))).collect();
            for run in &runs.runs {
                if let (Some((cx, cy)), Some(part)) = (copied.get_mut(run.code as usize), stretch(run)) {
                    cx.extend(part.xs.view().iter());
                    cy.extend_from_slice(&part.ys);
                }
            }
            for (s, (cx, cy)) in series.iter_mut().zip(copied) {
                s.parts = vec![Part { xs: cx.into(), ys: cy.into(), ordered: false, stride: None }];
            }
        }
        for s in &mut series {
            s.parts = placed_in_order(std::mem::take(&mut s.parts));
        }
        series.retain(|s| !s.parts.is_empty());
        Ok(LineData { series, groups, smoothed: None })
    }

    fn smooth(&mut self, smoothing: Smoothing) {
        if smoothing.kind == SmoothingKind::None {
            self.smoothed = None;
            return;
        }
        if self.smoothed.as_ref().is_some_and(|(s, _)| *s == smoothing) {
            return;
        }
        let p = smoothing.param;
        let out = self
            .series
            .iter()
            .map(|s| {
                let ys = s.joined_ys();
                match smoothing.kind {
                    SmoothingKind::None => ys.into_owned(),
                    SmoothingKind::TbEma => runql_sql::udf::tb_ema::smooth(&ys, p),
                    SmoothingKind::Twema => runql_sql::udf::twema::smooth(&ys, &s.joined_xs(), p),
                    SmoothingKind::Gaussian => runql_sql::udf::gaussian::smooth(&ys, &s.joined_xs(), p),
                    SmoothingKind::RunningAvg => runql_sql::udf::running_avg::smooth(&ys, p as i64),
                }
            })
            .collect();
        self.smoothed = Some((smoothing, out));
    }

    pub(crate) fn render(&mut self, ctx: &Ctx<'_>) -> Result<Rendered> {
        let o = ctx.options;
        self.smooth(o.smoothing);
        let smoothed = self.smoothed.as_ref().map(|(_, v)| v);
        let curves = self.curves(o, smoothed);
        render_curves(ctx, &curves)
    }

    fn curves<'a>(&'a self, o: &ChartOptions, smoothed: Option<&'a Vec<Vec<f64>>>) -> Vec<Curve<'a>> {
        if self.groups.is_empty() {
            return self
                .series
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let smooth = smoothed.and_then(|v| v.get(i));
                    let mut offset = 0;
                    let stretches = s
                        .parts
                        .iter()
                        .map(|p| {
                            let range = offset..offset + p.ys.len();
                            offset = range.end;
                            let ys: &[f64] = smooth.and_then(|v| v.get(range)).unwrap_or(&p.ys);
                            Stretch {
                                xs: StretchXs::Borrowed(p.x_view()),
                                ys: Cow::Borrowed(ys),
                                raw: (smooth.is_some() && o.show_raw).then_some(&p.ys),
                                band: None,
                            }
                        })
                        .collect();
                    Curve {
                        key: &s.key,
                        label: &s.label,
                        color: series_color(&s.key),
                        stretches,
                        banded: false,
                    }
                })
                .collect();
        }
        self.groups
            .iter()
            .enumerate()
            .filter_map(|(g, name)| {
                let members: Vec<Joined<'_>> = self
                    .series
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.group == Some(g as u32))
                    .map(|(i, s)| {
                        let ys = smoothed
                            .and_then(|v| v.get(i))
                            .map_or_else(|| s.joined_ys(), |v| Cow::Borrowed(v.as_slice()));
                        (s.joined_xs(), ys)
                    })
                    .collect();
                if members.is_empty() {
                    return None;
                }
                let members: Vec<(&[f64], &[f64])> = members.iter().map(|(x, y)| (&**x, &**y)).collect();
                let agg = aggregate(&members, o.aggregate, o.band);
                let banded = o.band != Band::None;
                let stretch = Stretch {
                    xs: StretchXs::Owned(agg.xs),
                    ys: Cow::Owned(agg.center),
                    raw: None,
                    band: banded.then_some((agg.lower, agg.upper)),
                };
                Some(Curve {
                    key: name,
                    label: name,
                    color: series_color(name),
                    stretches: vec![stretch],
                    banded,
                })
            })
            .collect()
    }
}

/// Column `col` of the per-series `table` for each of `keys` (the series column's values):
/// `None` for a series the table does not list.
fn per_series(
    table: &Rows,
    series_col: &str,
    col: &str,
    role: &str,
    keys: &[Option<String>],
) -> Result<Vec<Option<String>>> {
    let by_key: std::collections::HashMap<Option<String>, Option<String>> =
        table.texts(series_col, "series")?.into_iter().zip(table.texts(col, role)?).collect();
    Ok(keys.iter().map(|k| by_key.get(k).cloned().flatten()).collect())
}

/// Whether every x is finite and not below the one before it, over all stretches.
fn in_order(parts: &[Part]) -> bool {
    let mut previous = f64::NEG_INFINITY;
    for part in parts {
        let xs = part.xs.view();
        if part.ordered {
            // Known in order inside: only where it joins the stretch before.
            if xs.first().is_some_and(|first| first < previous) {
                return false;
            }
            previous = xs.last().unwrap_or(previous);
            continue;
        }
        let ascending = match xs {
            XSlice::Float(v) => ascending_from(&mut previous, v.iter().copied()),
            XSlice::Int(v) => ascending_from(&mut previous, v.iter().map(|&x| x as f64)),
            XSlice::Steps { .. } => ascending_from(&mut previous, xs.iter()),
        };
        if !ascending {
            return false;
        }
    }
    true
}

/// Whether `xs` are finite and ascending from `previous` (left at the last one). Checked a
/// block at a time without branching per point (NaN fails `>=` too).
fn ascending_from(previous: &mut f64, xs: impl Iterator<Item = f64>) -> bool {
    let mut ok = true;
    for (k, x) in xs.enumerate() {
        ok &= (x >= *previous) & x.is_finite();
        *previous = x;
        if k % 1024 == 1023 && !ok {
            return false;
        }
    }
    ok
}

/// The stretches of a series with only placeable points (finite x) in x order: as they
/// are when they already are (one pass over x), else copied together, filtered and sorted.
fn placed_in_order(parts: Vec<Part>) -> Vec<Part> {
    if in_order(&parts) {
        return parts.into_iter().filter(|p| !p.xs.is_empty()).collect();
    }
    let mut points: Vec<(f64, f64)> = parts
        .iter()
        .flat_map(|p| p.xs.view().iter().zip(p.ys.iter().copied()))
        .filter(|(x, _)| x.is_finite())
        .collect();
    // Stable: points logged at the same x keep their logging order.
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    if points.is_empty() {
        return Vec::new();
    }
    let (xs, ys): (Vec<f64>, Vec<f64>) = points.into_iter().unzip();
    vec![Part { xs: xs.into(), ys: ys.into(), ordered: true, stride: None }]
}

fn x_domain(curves: &[Curve<'_>], kind: ScaleKind) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    let ok = |x: &f64| x.is_finite() && (kind == ScaleKind::Linear || *x > 0.0);
    for c in curves {
        if let Some(first) = c.stretches.iter().find_map(|s| s.xs.view().iter().find(ok)) {
            lo = lo.min(first);
        }
        if let Some(last) = c.stretches.iter().rev().find_map(|s| s.xs.view().iter().rev().find(ok)) {
            hi = hi.max(last);
        }
    }
    (lo, hi)
}

/// Decimated (x, y) of the stretches' x against the y that `ys` picks (raw y, a band edge).
fn decimated<'s>(
    stretches: &'s [Stretch<'_>],
    scale: &Scale,
    ys: impl Fn(&'s Stretch<'_>) -> Option<&'s [f64]>,
) -> Vec<(f64, f64)> {
    let parts: Vec<(XSlice<'_>, &[f64])> =
        stretches.iter().filter_map(|s| Some((s.xs.view(), ys(s)?))).collect();
    m4_parts(&parts, scale)
        .into_iter()
        .filter_map(|(p, i)| {
            let (xs, ys) = parts.get(p)?;
            Some((xs.get(i)?, *ys.get(i)?))
        })
        .collect()
}

/// What is drawn of one curve: its decimated points, and for a smoothed curve the raw
/// value under each of them and the decimated raw curve, and a band's edges.
#[derive(Default)]
struct Drawn {
    main: Vec<(f64, f64)>,
    main_raw: Vec<f64>,
    raw: Vec<(f64, f64)>,
    lower: Vec<(f64, f64)>,
    upper: Vec<(f64, f64)>,
}

impl Drawn {
    fn of(curve: &Curve<'_>, scale: &Scale) -> Drawn {
        let stretches = &curve.stretches;
        let main_parts: Vec<(XSlice<'_>, &[f64])> =
            stretches.iter().map(|s| (s.xs.view(), &s.ys[..])).collect();
        let mut d = Drawn::default();
        for (p, i) in m4_parts(&main_parts, scale) {
            let Some((xs, ys)) = main_parts.get(p) else { continue };
            let raw = stretches.get(p).and_then(|s| s.raw);
            if let (Some(x), Some(&y)) = (xs.get(i), ys.get(i)) {
                d.main.push((x, y));
                if let Some(raw) = raw {
                    d.main_raw.push(raw.get(i).copied().unwrap_or(f64::NAN));
                }
            }
        }
        if stretches.iter().any(|s| s.raw.is_some()) {
            d.raw = decimated(stretches, scale, |s| s.raw);
        }
        if stretches.iter().any(|s| s.band.is_some()) {
            d.lower = decimated(stretches, scale, |s| s.band.as_ref().map(|b| &b.0[..]));
            d.upper = decimated(stretches, scale, |s| s.band.as_ref().map(|b| &b.1[..]));
        }
        d
    }
}

/// The lowest and highest of finite `ys` and how many there are ((NaN, NaN, 0) for none).
/// Plain comparisons: `f64::min` is a library call in WebAssembly.
fn extent(ys: impl Iterator<Item = f64>) -> (f64, f64, usize) {
    let (lo, hi, n) = ys.fold((f64::INFINITY, f64::NEG_INFINITY, 0usize), |(lo, hi, n), y| {
        (if y < lo { y } else { lo }, if y > hi { y } else { hi }, n + 1)
    });
    if n == 0 { (f64::NAN, f64::NAN, 0) } else { (lo, hi, n) }
}

fn render_curves(ctx: &Ctx<'_>, curves: &[Curve<'_>]) -> Result<Rendered> {
    let o = ctx.options;
    let (w, h) = (f64::from(o.width), f64::from(o.height));
    let (xlo, xhi) = ctx.x_range.unwrap_or_else(|| x_domain(curves, o.x_scale));
    let legend: Vec<(String, Rgba)> =
        if o.legend { curves.iter().map(|c| (c.label.to_owned(), c.color)).collect() } else { Vec::new() };
    let r = ctx.resolved;
    // Decimate once against a provisional scale as wide as the plot can be (before the y
    // tick labels, which need the y range, take their room): at least as fine as the final
    // plot width, so ≤ 4 points per final pixel column still hold the extremes, without
    // keeping points for the legend's and margins' width; the y range is then taken from
    // exactly the points that are drawn.
    let widest = frame::widest_plot(ctx, &legend, (&r.x_label, &r.y_label)).min(w);
    let provisional = Scale::new(o.x_scale, xlo, xhi, 0.0, widest * o.pixel_ratio);
    let drawn: Vec<Drawn> = curves.iter().map(|c| Drawn::of(c, &provisional)).collect();
    let y_ok = |y: f64| y.is_finite() && (o.y_scale == ScaleKind::Linear || y > 0.0);
    let (x_min, x_max) = (xlo.min(xhi), xlo.max(xhi));
    let in_x = |x: f64| x >= x_min && x <= x_max;
    let drawn_ys = || {
        drawn
            .iter()
            .flat_map(|d| d.main.iter().chain(&d.raw).chain(&d.lower).chain(&d.upper))
            .filter(|(x, y)| in_x(*x) && y_ok(*y))
            .map(|(_, y)| *y)
    };
    let (ylo, yhi, shown) = if o.ignore_outliers {
        let mut ys: Vec<f64> = drawn_ys().collect();
        // Selection, not a sort: a full-range redraw of 100 long curves draws ~10⁶ points.
        match (ys.len() > 2, quantile_select(&mut ys, 0.05), quantile_select(&mut ys, 0.95)) {
            (true, Some(lo), Some(hi)) => (lo, hi, ys.len()),
            _ => extent(ys.iter().copied()),
        }
    } else {
        // Without percentiles the range is a fold: no copy of every drawn y.
        extent(drawn_ys())
    };
    let y_probe = padded(o.y_scale, ylo, yhi, h, 0.0);
    let started = frame::start(
        ctx,
        &legend,
        frame::y_tick_width(&y_probe, tick_target(h, 45.0)),
        (&r.x_label, &r.y_label),
    );
    let (mut scene, plot, legend_area) = (started.scene, started.plot, started.legend);
    let x = Scale::new(o.x_scale, xlo, xhi, plot.x, plot.right());
    let y = padded(o.y_scale, ylo, yhi, plot.bottom(), plot.y);
    draw_axes(&mut scene, &ctx.palette, plot, &x, &y, r.x_axis, (&r.x_label, &r.y_label));
    let to_px = |pts: &[(f64, f64)]| -> Vec<Point> {
        pts.iter()
            .map(|(a, b)| [x.map(*a) as f32, if y_ok(*b) { y.map(*b) as f32 } else { f32::NAN }])
            .collect()
    };
    let mut series = Vec::with_capacity(curves.len());
    if shown == 0 {
        draw_empty(&mut scene, &ctx.palette, plot, "no finite values to draw in this range");
    }
    // Bands first (under every line), then raw curves, then main lines.
    for (c, d) in curves.iter().zip(&drawn) {
        if !d.upper.is_empty() {
            let mut poly = to_px(&d.upper);
            poly.extend(to_px(&d.lower).into_iter().rev());
            poly.retain(|p| p[1].is_finite());
            scene.area_clipped(&poly, plot, c.color.with_alpha(0.18));
        }
    }
    for (c, d) in curves.iter().zip(&drawn) {
        if !d.raw.is_empty() {
            scene.line_clipped(&to_px(&d.raw), plot, c.color.with_alpha(0.25), 1.0);
        }
    }
    let mut picks = Vec::with_capacity(curves.len());
    for (i, (c, d)) in curves.iter().zip(drawn).enumerate() {
        let pts = to_px(&d.main);
        let width = if c.banded { 2.0 } else { 1.5 };
        if pts.len() == 1 || pts.iter().filter(|p| p[1].is_finite()).count() == 1 {
            // A one-point series is a dot, not an invisible zero-length line.
            if let Some(p) =
                pts.iter().find(|p| p[1].is_finite() && plot.contains(f64::from(p[0]), f64::from(p[1])))
            {
                scene.shapes.push(crate::scene::Shape::Circle { x: p[0], y: p[1], r: 2.5, fill: c.color });
            }
        } else {
            scene.line_clipped(&pts, plot, c.color, width);
        }
        series.push((c.key.to_owned(), c.label.to_owned()));
        picks.push(CurvePoints { series: i as u32, px: pts, data: d.main, raw: d.main_raw });
    }
    if let Some(area) = legend_area {
        draw_legend(&mut scene, &ctx.palette, area, &legend, o.max_legend);
    }
    Ok(Rendered { scene, hits: Vec::new(), curves: picks, series, plot, x: Some(x), y: Some(y) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_groups_come_from_the_series_table_when_the_rows_lack_them() {
        use crate::data::{f64_column, rows_from, text_column};
        let points = rows_from(vec![
            ("run_id", text_column(vec!["r1", "r1", "r2", "r3"])),
            ("x", f64_column(vec![0.0, 1.0, 0.0, 0.0])),
            ("y", f64_column(vec![1.0, 2.0, 3.0, 4.0])),
        ])
        .unwrap();
        let table = rows_from(vec![
            ("run_id", text_column(vec!["r3", "r1"])),
            ("run", text_column(vec!["calm-owl", "bold-cat"])),
            ("grp", text_column(vec!["b", "a"])),
        ])
        .unwrap();
        let enc = Encoding {
            x: Some("x".into()),
            y: Some("y".into()),
            series: Some("run_id".into()),
            label: Some("run".into()),
            group: Some("grp".into()),
            ..Encoding::default()
        };
        let data = LineData::prepare(&enc, &points.with_series_table(table)).unwrap();
        let labels: Vec<&str> = data.series.iter().map(|s| s.label.as_str()).collect();
        // r2 is not in the table: its key stands in for the name, "(none)" for the group.
        assert_eq!(labels, ["bold-cat", "r2", "calm-owl"]);
        assert_eq!(data.groups, ["a", "(none)", "b"]);
        let groups: Vec<Option<u32>> = data.series.iter().map(|s| s.group).collect();
        assert_eq!(groups, [Some(0), Some(1), Some(2)]);
    }

    #[test]
    fn evenly_spaced_integer_steps_are_placed_by_arithmetic() {
        use crate::data::{f64_column, rows_from, text_column};
        use std::sync::Arc;
        // r1 logged every 10 steps, r2 with step 50 skipped, r3 in reverse; long enough
        // runs to be kept in place (MIN_MEAN_RUN).
        let r1: Vec<i64> = (0..100).map(|i| i * 10).collect();
        let r2: Vec<i64> = (0..101).filter(|&i| i != 50).collect();
        let r3: Vec<i64> = (0..100).rev().collect();
        let steps: Vec<i64> = [r1.clone(), r2.clone(), r3].concat();
        let names: Vec<&str> = ["r1"; 100].into_iter().chain(["r2"; 100]).chain(["r3"; 100]).collect();
        let rows = rows_from(vec![
            ("run_id", text_column(names)),
            ("step", Arc::new(arrow_array::Int64Array::from(steps)) as arrow_array::ArrayRef),
            ("y", f64_column((0..300).map(f64::from).collect())),
        ])
        .unwrap();
        let enc = Encoding {
            x: Some("step".into()),
            y: Some("y".into()),
            series: Some("run_id".into()),
            ..Encoding::default()
        };
        let data = LineData::prepare(&enc, &rows).unwrap();
        let views: Vec<Vec<XSlice<'_>>> =
            data.series.iter().map(|s| s.parts.iter().map(Part::x_view).collect()).collect();
        assert_eq!(views[0], [XSlice::Steps { first: 0, stride: 10, len: 100 }]);
        assert_eq!(
            views[0][0].iter().collect::<Vec<f64>>(),
            r1.iter().map(|&v| v as f64).collect::<Vec<_>>()
        );
        assert_eq!(views[1], [XSlice::Int(&r2)], "uneven: read from memory");
        // Sorted into a copy: read from memory, in order.
        let r3: Vec<f64> = views[2].iter().flat_map(|v| v.iter()).collect();
        assert_eq!(r3, (0..100).map(f64::from).collect::<Vec<_>>());
    }

    #[test]
    fn sorting_is_stable_for_equal_x() {
        let part =
            |xs: Vec<f64>, ys: Vec<f64>| Part { xs: xs.into(), ys: ys.into(), ordered: false, stride: None };
        let parts = placed_in_order(vec![part(vec![2.0, 1.0], vec![0.0, 1.0]), part(vec![1.0], vec![2.0])]);
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].xs.view().to_f64().as_ref(), [1.0, 1.0, 2.0]);
        assert_eq!(&parts[0].ys[..], [1.0, 2.0, 0.0]);
    }

    #[test]
    fn stretches_in_order_are_kept_as_they_are_and_bad_x_dropped() {
        let part =
            |xs: Vec<f64>, ys: Vec<f64>| Part { xs: xs.into(), ys: ys.into(), ordered: false, stride: None };
        let kept = placed_in_order(vec![
            part(vec![0.0, 1.0], vec![5.0, 6.0]),
            part(vec![], vec![]),
            part(vec![1.0, 3.0], vec![7.0, 8.0]),
        ]);
        assert_eq!(kept.len(), 2, "in order: the same stretches, minus the empty one");
        assert_eq!(&kept[1].ys[..], [7.0, 8.0]);
        let fixed = placed_in_order(vec![
            part(vec![0.0, 4.0], vec![5.0, 6.0]),
            part(vec![f64::NAN, 2.0, f64::INFINITY], vec![1.0, 2.0, 3.0]),
        ]);
        assert_eq!(fixed.len(), 1);
        assert_eq!(fixed[0].xs.view().to_f64().as_ref(), [0.0, 2.0, 4.0]);
        assert_eq!(&fixed[0].ys[..], [5.0, 2.0, 6.0]);
        assert!(placed_in_order(vec![part(vec![f64::NAN], vec![1.0])]).is_empty());
    }
}
