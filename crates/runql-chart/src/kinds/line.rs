//! Line charts: metric curves of many runs.
//!
//! Pipeline, in the order the research notes recommend (docs/charts-and-queries.md §E):
//! rows → one series per `series` value, sorted by x → smoothing on the full-resolution
//! series → grouping (every member interpolated onto the union of x, then mean/median/min/
//! max and a min–max / stddev / stderr band) → M4 decimation per pixel column of the shown
//! x range → y range from the decimated points (5th–95th percentile with
//! `ignore_outliers`) → draw: the faint raw curve, then the smoothed one.

use crate::chart::{Ctx, CurvePoints, Rendered};
use crate::color::{Rgba, series_color};
use crate::data::Rows;
use crate::decimate::m4;
use crate::error::{ChartError, Result};
use crate::frame::{self, draw_axes, draw_empty, draw_legend, padded, tick_target};
use crate::scale::Scale;
use crate::scene::Point;
use crate::spec::{Aggregate, Band, ChartOptions, Encoding, ScaleKind, Smoothing, SmoothingKind};
use crate::stats::{self, quantile_select};

/// One curve at full resolution, sorted by x.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    key: String,
    label: String,
    group: Option<u32>,
    xs: Vec<f64>,
    ys: Vec<f64>,
}

/// What a line chart draws from: its series and groups, and the smoothing last applied.
#[derive(Debug, Clone)]
pub(crate) struct LineData {
    series: Vec<Series>,
    groups: Vec<String>,
    smoothed: Option<(Smoothing, Vec<Vec<f64>>)>,
}

/// Curves as drawn: key, label, color, x, y, and the raw y when y is smoothed/aggregated.
struct Curve<'a> {
    key: &'a str,
    label: &'a str,
    color: Rgba,
    xs: std::borrow::Cow<'a, [f64]>,
    ys: std::borrow::Cow<'a, [f64]>,
    raw: Option<&'a [f64]>,
    band: Option<(Vec<f64>, Vec<f64>)>,
}

impl LineData {
    pub(crate) fn prepare(enc: &Encoding, rows: &Rows) -> Result<LineData> {
        let x_col =
            enc.x.as_deref().ok_or_else(|| ChartError::Spec("a line chart needs encoding.x".into()))?;
        let y_col =
            enc.y.as_deref().ok_or_else(|| ChartError::Spec("a line chart needs encoding.y".into()))?;
        let xs = rows.number_chunks(x_col, "x")?;
        let ys = rows.number_chunks(y_col, "y")?;
        let (codes, keys) = match enc.series.as_deref() {
            Some(col) => {
                let c = rows.codes(col, "series")?;
                (c.codes, c.values)
            }
            None => (vec![0; rows.num_rows()], vec![Some(y_col.to_owned())]),
        };
        let labels: Vec<Option<String>> = match enc.label.as_deref() {
            Some(col) => first_per_code(&codes, keys.len(), rows.texts(col, "label")?),
            None => keys.clone(),
        };
        let (group_of, groups) = match enc.group.as_deref() {
            Some(col) => {
                let g = rows.codes(col, "group")?;
                let per_series = first_per_code(&codes, keys.len(), g.codes.into_iter().map(Some).collect());
                (per_series, g.values.into_iter().map(|v| v.unwrap_or_else(|| "(none)".into())).collect())
            }
            None => (vec![None; keys.len()], Vec::new()),
        };
        let mut series: Vec<Series> = keys
            .iter()
            .zip(labels)
            .zip(group_of)
            .map(|((key, label), group)| {
                let key = key.clone().unwrap_or_else(|| "(none)".into());
                Series {
                    label: label.unwrap_or_else(|| key.clone()),
                    key,
                    group,
                    xs: Vec::new(),
                    ys: Vec::new(),
                }
            })
            .collect();
        // Reserve each series' length up front: growing 100 vectors by doubling while
        // copying 10⁷ points costs more than the copy itself.
        let mut lengths = vec![0usize; series.len()];
        for code in &codes {
            if let Some(n) = lengths.get_mut(*code as usize) {
                *n += 1;
            }
        }
        for (s, n) in series.iter_mut().zip(lengths) {
            s.xs.reserve_exact(n);
            s.ys.reserve_exact(n);
        }
        // Rows usually come ordered by series: copy each stretch of one series at once,
        // straight from the record batches.
        let mut first_row = 0;
        for (x_chunk, y_chunk) in xs.iter().zip(&ys) {
            let (x_chunk, y_chunk) = (x_chunk.values(), y_chunk.values());
            let chunk_codes = codes.get(first_row..first_row + x_chunk.len()).unwrap_or_default();
            first_row += x_chunk.len();
            let mut start = 0;
            while let Some(&code) = chunk_codes.get(start) {
                let len =
                    chunk_codes.get(start..).unwrap_or_default().iter().take_while(|&&c| c == code).count();
                let end = start + len;
                if let (Some(s), Some(x), Some(y)) =
                    (series.get_mut(code as usize), x_chunk.get(start..end), y_chunk.get(start..end))
                {
                    s.xs.extend_from_slice(x);
                    s.ys.extend_from_slice(y);
                }
                start = end;
            }
        }
        for s in &mut series {
            drop_unplaceable_x(s);
        }
        for s in &mut series {
            sort_by_x(s);
        }
        series.retain(|s| !s.xs.is_empty());
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
            .map(|s| match smoothing.kind {
                SmoothingKind::None => s.ys.clone(),
                SmoothingKind::TbEma => runql_sql::udf::tb_ema::smooth(&s.ys, p),
                SmoothingKind::Twema => runql_sql::udf::twema::smooth(&s.ys, &s.xs, p),
                SmoothingKind::Gaussian => runql_sql::udf::gaussian::smooth(&s.ys, &s.xs, p),
                SmoothingKind::RunningAvg => runql_sql::udf::running_avg::smooth(&s.ys, p as i64),
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
        let main = |i: usize, s: &'a Series| -> &'a [f64] {
            smoothed.and_then(|v| v.get(i)).map(Vec::as_slice).unwrap_or(&s.ys)
        };
        if self.groups.is_empty() {
            return self
                .series
                .iter()
                .enumerate()
                .map(|(i, s)| Curve {
                    key: &s.key,
                    label: &s.label,
                    color: series_color(&s.key),
                    xs: std::borrow::Cow::Borrowed(&s.xs),
                    ys: std::borrow::Cow::Borrowed(main(i, s)),
                    raw: (smoothed.is_some() && o.show_raw).then_some(s.ys.as_slice()),
                    band: None,
                })
                .collect();
        }
        self.groups
            .iter()
            .enumerate()
            .filter_map(|(g, name)| {
                let members: Vec<(&[f64], &[f64])> = self
                    .series
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.group == Some(g as u32))
                    .map(|(i, s)| (s.xs.as_slice(), main(i, s)))
                    .collect();
                if members.is_empty() {
                    return None;
                }
                let agg = aggregate(&members, o.aggregate, o.band);
                Some(Curve {
                    key: name,
                    label: name,
                    color: series_color(name),
                    xs: std::borrow::Cow::Owned(agg.xs),
                    ys: std::borrow::Cow::Owned(agg.center),
                    raw: None,
                    band: (o.band != Band::None).then_some((agg.lower, agg.upper)),
                })
            })
            .collect()
    }
}

fn first_per_code<T: Clone>(codes: &[u32], n: usize, values: Vec<Option<T>>) -> Vec<Option<T>> {
    let mut out: Vec<Option<T>> = vec![None; n];
    for (code, v) in codes.iter().zip(values) {
        if let Some(slot) = out.get_mut(*code as usize)
            && slot.is_none()
        {
            *slot = v;
        }
    }
    out
}

/// Removes the points whose x is not finite (they have no place on any axis).
fn drop_unplaceable_x(s: &mut Series) {
    if s.xs.iter().all(|x| x.is_finite()) {
        return;
    }
    let (xs, ys): (Vec<f64>, Vec<f64>) =
        s.xs.iter().zip(&s.ys).filter(|(x, _)| x.is_finite()).map(|(x, y)| (*x, *y)).unzip();
    s.xs = xs;
    s.ys = ys;
}

fn sort_by_x(s: &mut Series) {
    if s.xs.windows(2).all(|w| matches!(w, [a, b] if a <= b)) {
        return;
    }
    let mut order: Vec<usize> = (0..s.xs.len()).collect();
    // Stable: points logged at the same x keep their logging order.
    order.sort_by(|&a, &b| {
        s.xs.get(a).zip(s.xs.get(b)).map_or(std::cmp::Ordering::Equal, |(x, y)| x.total_cmp(y))
    });
    s.xs = order.iter().filter_map(|&i| s.xs.get(i).copied()).collect();
    s.ys = order.iter().filter_map(|&i| s.ys.get(i).copied()).collect();
}

/// A group's line and band on the union of its members' x values.
pub(crate) struct Aggregated {
    pub xs: Vec<f64>,
    pub center: Vec<f64>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
}

/// Aggregates member series (each sorted by x) onto the union of their x values. A member
/// counts at x only inside its own x range (no extrapolation), interpolated linearly.
pub(crate) fn aggregate(members: &[(&[f64], &[f64])], agg: Aggregate, band: Band) -> Aggregated {
    let mut xs: Vec<f64> =
        members.iter().flat_map(|(x, _)| x.iter().copied()).filter(|x| x.is_finite()).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let mut cursors = vec![0usize; members.len()];
    let mut values = Vec::with_capacity(members.len());
    let mut out = Aggregated {
        center: Vec::with_capacity(xs.len()),
        lower: Vec::with_capacity(xs.len()),
        upper: Vec::with_capacity(xs.len()),
        xs: Vec::new(),
    };
    for &x in &xs {
        values.clear();
        for ((mx, my), cursor) in members.iter().zip(cursors.iter_mut()) {
            while mx.get(*cursor).is_some_and(|&v| v < x) {
                *cursor += 1;
            }
            // Interpolate between cursor-1 and cursor (the first point ≥ x).
            let lo = cursor.saturating_sub(1);
            let window_x = mx.get(lo..=*cursor).unwrap_or_default();
            let window_y = my.get(lo..=*cursor).unwrap_or_default();
            if let Some(v) = stats::interpolate(window_x, window_y, x) {
                values.push(v);
            }
        }
        let (c, l, u) = if values.is_empty() {
            (f64::NAN, f64::NAN, f64::NAN)
        } else {
            let mean = stats::mean(&values);
            let c = match agg {
                Aggregate::Mean => mean,
                Aggregate::Median => stats::median(&values),
                Aggregate::Min => values.iter().copied().fold(f64::INFINITY, f64::min),
                Aggregate::Max => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            };
            let (l, u) = match band {
                Band::None => (f64::NAN, f64::NAN),
                Band::MinMax => (
                    values.iter().copied().fold(f64::INFINITY, f64::min),
                    values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                ),
                Band::Stddev | Band::Stderr => {
                    let sd = stats::std_pop(&values);
                    let half = if band == Band::Stderr { sd / (values.len() as f64).sqrt() } else { sd };
                    (mean - half, mean + half)
                }
            };
            (c, l, u)
        };
        out.center.push(c);
        out.lower.push(l);
        out.upper.push(u);
    }
    out.xs = xs;
    out
}

fn x_domain(curves: &[Curve<'_>], kind: ScaleKind) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for c in curves {
        let ok = |x: &&f64| x.is_finite() && (kind == ScaleKind::Linear || **x > 0.0);
        if let Some(first) = c.xs.iter().find(ok) {
            lo = lo.min(*first);
        }
        if let Some(last) = c.xs.iter().rev().find(ok) {
            hi = hi.max(*last);
        }
    }
    (lo, hi)
}

/// Decimated (x, y) of one curve for the shown range.
fn decimated(xs: &[f64], ys: &[f64], scale: &Scale) -> Vec<(f64, f64)> {
    m4(xs, ys, scale).into_iter().filter_map(|i| Some((*xs.get(i)?, *ys.get(i)?))).collect()
}

fn render_curves(ctx: &Ctx<'_>, curves: &[Curve<'_>]) -> Result<Rendered> {
    let o = ctx.options;
    let (w, h) = (f64::from(o.width), f64::from(o.height));
    let (xlo, xhi) = ctx.x_range.unwrap_or_else(|| x_domain(curves, o.x_scale));
    // Decimate once against a provisional scale as wide as the whole chart: at least as
    // fine as the final plot width, so ≤ 4 points per final pixel column still hold the
    // extremes; the y range is then taken from exactly the points that are drawn.
    let provisional = Scale::new(o.x_scale, xlo, xhi, 0.0, w * o.pixel_ratio);
    struct Drawn {
        main: Vec<(f64, f64)>,
        /// Index in the curve of each point of `main` (for its raw value).
        main_at: Vec<usize>,
        raw: Vec<(f64, f64)>,
        lower: Vec<(f64, f64)>,
        upper: Vec<(f64, f64)>,
    }
    let drawn: Vec<Drawn> = curves
        .iter()
        .map(|c| {
            // Each kept point with its index in the curve (for the raw value under it).
            let (main_at, main) = m4(&c.xs, &c.ys, &provisional)
                .into_iter()
                .filter_map(|i| Some((i, (*c.xs.get(i)?, *c.ys.get(i)?))))
                .unzip();
            Drawn {
                main,
                main_at,
                raw: c.raw.map(|r| decimated(&c.xs, r, &provisional)).unwrap_or_default(),
                lower: c.band.as_ref().map(|(l, _)| decimated(&c.xs, l, &provisional)).unwrap_or_default(),
                upper: c.band.as_ref().map(|(_, u)| decimated(&c.xs, u, &provisional)).unwrap_or_default(),
            }
        })
        .collect();
    let y_ok = |y: f64| y.is_finite() && (o.y_scale == ScaleKind::Linear || y > 0.0);
    let in_x = |x: f64| x >= xlo.min(xhi) && x <= xlo.max(xhi);
    let mut ys: Vec<f64> = drawn
        .iter()
        .flat_map(|d| d.main.iter().chain(&d.raw).chain(&d.lower).chain(&d.upper))
        .filter(|(x, y)| in_x(*x) && y_ok(*y))
        .map(|(_, y)| *y)
        .collect();
    // Selection, not a sort: a full-range redraw of 100 long curves draws ~10⁶ points.
    let (ylo, yhi) = if o.ignore_outliers && ys.len() > 2 {
        (
            quantile_select(&mut ys, 0.05).unwrap_or(f64::NAN),
            quantile_select(&mut ys, 0.95).unwrap_or(f64::NAN),
        )
    } else {
        ys.iter().fold((f64::NAN, f64::NAN), |(lo, hi), &y| (lo.min(y), hi.max(y)))
    };
    let y_probe = padded(o.y_scale, ylo, yhi, h, 0.0);
    let legend: Vec<(String, Rgba)> =
        if o.legend { curves.iter().map(|c| (c.label.to_owned(), c.color)).collect() } else { Vec::new() };
    let r = ctx.resolved;
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
    if ys.is_empty() {
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
        let width = if c.band.is_some() { 2.0 } else { 1.5 };
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
        let raw = c
            .raw
            .map(|raw| d.main_at.iter().map(|&at| raw.get(at).copied().unwrap_or(f64::NAN)).collect())
            .unwrap_or_default();
        picks.push(CurvePoints { series: i as u32, px: pts, data: d.main, raw });
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
    fn aggregate_mean_and_bands_on_union_of_x() {
        let a = ([0.0, 1.0, 2.0], [1.0, 2.0, 3.0]);
        let b = ([0.0, 2.0], [3.0, 5.0]);
        let members: Vec<(&[f64], &[f64])> = vec![(&a.0, &a.1), (&b.0, &b.1)];
        let agg = aggregate(&members, Aggregate::Mean, Band::MinMax);
        assert_eq!(agg.xs, vec![0.0, 1.0, 2.0]);
        // b at x=1 is interpolated to 4.
        assert_eq!(agg.center, vec![2.0, 3.0, 4.0]);
        assert_eq!(agg.lower, vec![1.0, 2.0, 3.0]);
        assert_eq!(agg.upper, vec![3.0, 4.0, 5.0]);
        let sd = aggregate(&members, Aggregate::Median, Band::Stddev);
        assert_eq!(sd.center, vec![2.0, 3.0, 4.0]);
        assert_eq!(sd.upper, vec![3.0, 4.0, 5.0]); // population sd of two values = half the gap
        let se = aggregate(&members, Aggregate::Max, Band::Stderr);
        assert_eq!(se.center, vec![3.0, 4.0, 5.0]);
        assert!((se.upper[0] - (2.0 + 1.0 / 2f64.sqrt())).abs() < 1e-12);
    }

    #[test]
    fn members_count_only_inside_their_range() {
        let a = ([0.0, 10.0], [0.0, 10.0]);
        let b = ([5.0, 6.0], [100.0, 100.0]);
        let members: Vec<(&[f64], &[f64])> = vec![(&a.0, &a.1), (&b.0, &b.1)];
        let agg = aggregate(&members, Aggregate::Mean, Band::None);
        assert_eq!(agg.xs, vec![0.0, 5.0, 6.0, 10.0]);
        assert_eq!(agg.center, vec![0.0, 52.5, 53.0, 10.0]);
        assert!(agg.upper.iter().all(|v| v.is_nan()));
    }

    #[test]
    fn sorting_is_stable_for_equal_x() {
        let mut s = Series {
            key: "k".into(),
            label: "k".into(),
            group: None,
            xs: vec![2.0, 1.0, 1.0],
            ys: vec![0.0, 1.0, 2.0],
        };
        sort_by_x(&mut s);
        assert_eq!(s.xs, vec![1.0, 1.0, 2.0]);
        assert_eq!(s.ys, vec![1.0, 2.0, 0.0]);
    }
}
