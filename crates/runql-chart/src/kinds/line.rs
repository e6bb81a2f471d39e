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

use crate::color::{Rgba, series_color};
use crate::decimate::m4_parts;
use crate::error::Result;
use crate::frame::{self, draw_axes, draw_empty, draw_legend, padded, tick_target};
use crate::render::{Ctx, CurvePoints, Rendered};
use crate::scale::Scale;
use crate::scene::Point;
use crate::spec::{Band, ChartOptions, ScaleKind, Smoothing, SmoothingKind};
use crate::stats::quantile_select;
use crate::xvalues::XSlice;

mod groups;
mod series;
use groups::aggregate;
use series::Series;

/// A series' x and y, each in one slice.
type Joined<'a> = (Cow<'a, [f64]>, Cow<'a, [f64]>);

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
                    SmoothingKind::TbEma => runql_core::smoothing::tb_ema::smooth(&ys, p),
                    SmoothingKind::Twema => runql_core::smoothing::twema::smooth(&ys, &s.joined_xs(), p),
                    SmoothingKind::Gaussian => {
                        runql_core::smoothing::gaussian::smooth(&ys, &s.joined_xs(), p)
                    }
                    SmoothingKind::RunningAvg => runql_core::smoothing::running_avg::smooth(&ys, p as i64),
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
        let kept = m4_parts(&main_parts, scale);
        // Collected, not pushed into `d`: the vector's length then stays in a register
        // (in WebAssembly a field of `d` would be stored and read back for every point).
        // M4's places are always in range; NaN would only break the line.
        let main = kept
            .iter()
            .map(|&(p, i)| {
                main_parts
                    .get(p)
                    .and_then(|(xs, ys)| Some((xs.get(i)?, *ys.get(i)?)))
                    .unwrap_or((f64::NAN, f64::NAN))
            })
            .collect();
        let mut d = Drawn { main, ..Drawn::default() };
        if stretches.iter().any(|s| s.raw.is_some()) {
            // The raw value under each drawn point (NaN where a part has none).
            d.main_raw = kept
                .iter()
                .map(|&(p, i)| stretches.get(p).and_then(|s| s.raw?.get(i).copied()).unwrap_or(f64::NAN))
                .collect();
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
    // Holds the scale kind by value, so it is `Copy` (the pixel mapping takes a copy).
    let y_kind = o.y_scale;
    let y_ok = move |y: f64| y.is_finite() && (y_kind == ScaleKind::Linear || y > 0.0);
    let (x_min, x_max) = (xlo.min(xhi), xlo.max(xhi));
    let in_x = |x: f64| x >= x_min && x <= x_max;
    // Folded vector by vector (a chain of four iterators per curve folded slowly).
    let drawn_ys = || {
        drawn
            .iter()
            .flat_map(|d| [&d.main, &d.raw, &d.lower, &d.upper])
            .flat_map(|points| points.iter().filter(|(x, y)| in_x(*x) && y_ok(*y)).map(|(_, y)| *y))
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
        // Copies, not the references the axes were drawn with: in WebAssembly every store
        // into the new vector could alias a referenced scale, which would then be read
        // again for every point; locals stay in registers.
        let (x, y, y_ok) = (x, y, y_ok);
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
            scene.line_clipped(to_px(&d.raw), plot, c.color.with_alpha(0.25), 1.0);
        }
    }
    let mut picks = Vec::with_capacity(curves.len());
    for (i, (c, d)) in curves.iter().zip(drawn).enumerate() {
        let pts = to_px(&d.main);
        let width = if c.banded { 2.0 } else { 1.5 };
        // One finite point (counting stops at a second: a long curve is not walked).
        if pts.len() == 1 || pts.iter().filter(|p| p[1].is_finite()).take(2).count() == 1 {
            // A one-point series is a dot, not an invisible zero-length line.
            if let Some(p) =
                pts.iter().find(|p| p[1].is_finite() && plot.contains(f64::from(p[0]), f64::from(p[1])))
            {
                scene.shapes.push(crate::scene::Shape::Circle { x: p[0], y: p[1], r: 2.5, fill: c.color });
            }
        } else {
            scene.line_clipped(pts, plot, c.color, width);
        }
        series.push((c.key.to_owned(), c.label.to_owned()));
        picks.push(CurvePoints { series: i as u32, data: d.main, raw: d.main_raw });
    }
    if let Some(area) = legend_area {
        draw_legend(&mut scene, &ctx.palette, area, &legend, o.max_legend);
    }
    Ok(Rendered { scene, hits: Vec::new(), curves: picks, series, plot, x: Some(x), y: Some(y) })
}
