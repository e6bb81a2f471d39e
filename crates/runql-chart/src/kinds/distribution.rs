//! Distributions of a per-run number over runs: histograms (one translucent color per
//! group) and box plots (Tukey: box at the quartiles, whiskers to the furthest value
//! within 1.5 IQR, the rest drawn as outlier points).

use crate::color::{Rgba, series_color};
use crate::data::Rows;
use crate::error::{ChartError, Result};
use crate::frame::{
    self, draw_axes, draw_axis_lines, draw_axis_titles, draw_category_labels, draw_empty, draw_legend,
    draw_y_ticks, padded, tick_target,
};
use crate::kinds::scatter::keys_and_labels;
use crate::render::{Ctx, Hit, Rendered};
use crate::scale::{Scale, format_number};
use crate::scene::{Rect, Shape};
use crate::spec::{Encoding, ScaleKind, XAxisKind};
use crate::stats::quantile_sorted;

/// (key, label) of the run behind a value.
type Who = (String, String);

pub(crate) struct DistributionData {
    /// (group name, finite values sorted, who each value belongs to, in that order).
    groups: Vec<(String, Vec<f64>, Vec<Who>)>,
    boxes: bool,
}

/// Five numbers of a box plot and the values outside the whiskers.
#[derive(Debug, Clone, PartialEq)]
pub struct BoxStats {
    /// Lower whisker: the smallest value ≥ Q1 − 1.5 IQR.
    pub low: f64,
    /// First quartile (R-7).
    pub q1: f64,
    /// Median.
    pub median: f64,
    /// Third quartile.
    pub q3: f64,
    /// Upper whisker: the largest value ≤ Q3 + 1.5 IQR.
    pub high: f64,
    /// Indices (into the sorted values) beyond the whiskers.
    pub outliers: Vec<usize>,
}

/// Tukey box statistics of sorted finite values (`None` when empty).
///
/// ```
/// use runql_chart::box_stats;
/// let b = box_stats(&[1.0, 2.0, 3.0, 4.0, 100.0]).unwrap();
/// assert_eq!((b.q1, b.median, b.q3), (2.0, 3.0, 4.0));
/// assert_eq!(b.high, 4.0);
/// assert_eq!(b.outliers, vec![4]);
/// ```
pub fn box_stats(sorted: &[f64]) -> Option<BoxStats> {
    let q1 = quantile_sorted(sorted, 0.25)?;
    let median = quantile_sorted(sorted, 0.5)?;
    let q3 = quantile_sorted(sorted, 0.75)?;
    let iqr = q3 - q1;
    let (lo_fence, hi_fence) = (q1 - 1.5 * iqr, q3 + 1.5 * iqr);
    let low = sorted.iter().copied().find(|v| *v >= lo_fence).unwrap_or(q1);
    let high = sorted.iter().rev().copied().find(|v| *v <= hi_fence).unwrap_or(q3);
    let outliers =
        sorted.iter().enumerate().filter(|(_, v)| **v < lo_fence || **v > hi_fence).map(|(i, _)| i).collect();
    Some(BoxStats { low, q1, median, q3, high, outliers })
}

impl DistributionData {
    pub(crate) fn prepare(enc: &Encoding, rows: &Rows, boxes: bool) -> Result<DistributionData> {
        let y = enc
            .y
            .as_deref()
            .ok_or_else(|| ChartError::Spec("a histogram or box chart needs encoding.y".into()))?;
        let values = rows.numbers(y, "y")?;
        let (keys, labels) = keys_and_labels(enc, rows)?;
        let (codes, names) = match enc.group.as_deref() {
            Some(g) => {
                let c = rows.codes(g, "group")?;
                (c.codes, c.values.into_iter().map(|v| v.unwrap_or_else(|| "(none)".into())).collect())
            }
            None => (vec![0; values.len()], vec![y.to_owned()]),
        };
        let mut groups: Vec<(String, Vec<(f64, Who)>)> = names.into_iter().map(|n| (n, Vec::new())).collect();
        for (i, (v, code)) in values.iter().zip(&codes).enumerate() {
            if let Some(g) = groups.get_mut(*code as usize)
                && v.is_finite()
            {
                let who =
                    (keys.get(i).cloned().unwrap_or_default(), labels.get(i).cloned().unwrap_or_default());
                g.1.push((*v, who));
            }
        }
        // Groups in a stable, readable order: by name, numerically when they are numbers.
        groups.sort_by(|a, b| match (a.0.parse::<f64>(), b.0.parse::<f64>()) {
            (Ok(x), Ok(y)) => x.total_cmp(&y),
            _ => a.0.cmp(&b.0),
        });
        let groups = groups
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(name, mut v)| {
                v.sort_by(|a, b| a.0.total_cmp(&b.0));
                let (vals, who) = v.into_iter().unzip();
                (name, vals, who)
            })
            .collect();
        Ok(DistributionData { groups, boxes })
    }

    pub(crate) fn render(&mut self, ctx: &Ctx<'_>) -> Result<Rendered> {
        if self.boxes { self.render_boxes(ctx) } else { self.render_histogram(ctx) }
    }

    fn extent(&self) -> (f64, f64) {
        self.groups.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (_, v, _)| {
            (lo.min(v.first().copied().unwrap_or(lo)), hi.max(v.last().copied().unwrap_or(hi)))
        })
    }

    fn render_histogram(&self, ctx: &Ctx<'_>) -> Result<Rendered> {
        let o = ctx.options;
        let r = ctx.resolved;
        let (lo, hi) = self.extent();
        let x_probe = Scale::new(ScaleKind::Linear, lo, hi, 0.0, 1.0);
        let (lo, hi) = (x_probe.lo, x_probe.hi);
        let bins = o.bins.max(1);
        let width = (hi - lo) / bins as f64;
        let counts: Vec<Vec<u64>> = self
            .groups
            .iter()
            .map(|(_, v, _)| {
                let mut c = vec![0u64; bins];
                for x in v {
                    let b = (((x - lo) / width).floor().max(0.0) as usize).min(bins - 1);
                    if let Some(slot) = c.get_mut(b) {
                        *slot += 1;
                    }
                }
                c
            })
            .collect();
        let max_count = counts.iter().flatten().copied().max().unwrap_or(0) as f64;
        let legend: Vec<(String, Rgba)> = if self.groups.len() > 1 {
            self.groups.iter().map(|(n, _, _)| (n.clone(), series_color(n))).collect()
        } else {
            Vec::new()
        };
        let y_probe = Scale::new(ScaleKind::Linear, 0.0, max_count.max(1.0) * 1.05, 1.0, 0.0).integers();
        let mut started = frame::start(
            ctx,
            &legend,
            frame::y_tick_width(&y_probe, tick_target(f64::from(o.height), 45.0)),
            (&r.x_label, &r.y_label),
        );
        let plot = started.plot;
        let x = Scale::new(ScaleKind::Linear, lo, hi, plot.x, plot.right());
        let y =
            Scale::new(ScaleKind::Linear, 0.0, max_count.max(1.0) * 1.05, plot.bottom(), plot.y).integers();
        let scene = &mut started.scene;
        draw_axes(scene, &ctx.palette, plot, &x, &y, XAxisKind::Number, (&r.x_label, &r.y_label));
        let alpha = if self.groups.len() > 1 { 0.55 } else { 0.9 };
        let mut hits = Vec::new();
        let mut series = Vec::new();
        for ((name, _, _), c) in self.groups.iter().zip(&counts) {
            let color =
                if self.groups.len() > 1 { series_color(name) } else { crate::color::SERIES_COLORS[0] };
            for (b, count) in c.iter().enumerate().filter(|(_, n)| **n > 0) {
                let (b0, b1) = (lo + b as f64 * width, lo + (b + 1) as f64 * width);
                let (x0, x1, y0) = (x.map(b0), x.map(b1), y.map(*count as f64));
                let rect = Rect { x: x0 + 0.5, y: y0, w: (x1 - x0 - 1.0).max(1.0), h: plot.bottom() - y0 };
                scene.shapes.push(Shape::Rect {
                    x: rect.x as f32,
                    y: rect.y as f32,
                    w: rect.w as f32,
                    h: rect.h as f32,
                    fill: Some(color.with_alpha(alpha)),
                    stroke: None,
                });
                let step = width.abs();
                hits.push(Hit {
                    px: ((x0 + x1) / 2.0) as f32,
                    py: y0 as f32,
                    series: series.len() as u32,
                    x: (b0 + b1) / 2.0,
                    y: *count as f64,
                    raw: f64::NAN,
                    rect: Some(rect),
                });
                series.push((
                    name.clone(),
                    format!(
                        "{name}: {} – {}",
                        format_number(b0, step / 10.0),
                        format_number(b1, step / 10.0)
                    ),
                ));
            }
        }
        if hits.is_empty() {
            draw_empty(scene, &ctx.palette, plot, "no finite values to count");
        }
        if let Some(area) = started.legend {
            draw_legend(&mut started.scene, &ctx.palette, area, &legend, o.max_legend);
        }
        Ok(Rendered { scene: started.scene, hits, curves: Vec::new(), series, plot, x: Some(x), y: Some(y) })
    }

    fn render_boxes(&self, ctx: &Ctx<'_>) -> Result<Rendered> {
        let o = ctx.options;
        let r = ctx.resolved;
        let (lo, hi) = self.extent();
        let y_probe = padded(o.y_scale, lo, hi, 1.0, 0.0);
        let mut started = frame::start(
            ctx,
            &[],
            frame::y_tick_width(&y_probe, tick_target(f64::from(o.height), 45.0)),
            (&r.x_label, &r.y_label),
        );
        let plot = started.plot;
        let y = padded(o.y_scale, lo, hi, plot.bottom(), plot.y);
        let scene = &mut started.scene;
        draw_y_ticks(scene, &ctx.palette, plot, &y);
        let n = self.groups.len().max(1);
        let band = plot.w / n as f64;
        let box_w = (band * 0.5).min(60.0);
        let mut hits = Vec::new();
        let mut series = Vec::new();
        let mut labels = Vec::new();
        for (i, (name, values, who)) in self.groups.iter().enumerate() {
            let cx = plot.x + band * (i as f64 + 0.5);
            labels.push((cx, name.clone()));
            let Some(b) = box_stats(values) else { continue };
            let color = series_color(name);
            let (yq1, yq3, ymed) = (y.map(b.q1), y.map(b.q3), y.map(b.median));
            frame::vline(scene, cx, y.map(b.high), yq3, ctx.palette.text);
            frame::vline(scene, cx, yq1, y.map(b.low), ctx.palette.text);
            frame::hline(scene, cx - box_w / 4.0, cx + box_w / 4.0, y.map(b.high), ctx.palette.text);
            frame::hline(scene, cx - box_w / 4.0, cx + box_w / 4.0, y.map(b.low), ctx.palette.text);
            let rect = Rect { x: cx - box_w / 2.0, y: yq3.min(yq1), w: box_w, h: (yq1 - yq3).abs().max(1.0) };
            scene.shapes.push(Shape::Rect {
                x: rect.x as f32,
                y: rect.y as f32,
                w: rect.w as f32,
                h: rect.h as f32,
                fill: Some(color.with_alpha(0.35)),
                stroke: Some(color),
            });
            scene.shapes.push(Shape::Line {
                points: vec![[rect.x as f32, ymed as f32], [rect.right() as f32, ymed as f32]],
                color,
                width: 2.0,
            });
            hits.push(Hit {
                px: cx as f32,
                py: ymed as f32,
                series: series.len() as u32,
                x: f64::NAN,
                y: b.median,
                raw: f64::NAN,
                rect: Some(rect),
            });
            series.push((name.clone(), format!("{name}: median of {} runs", values.len())));
            for &o_idx in &b.outliers {
                let (Some(v), Some((key, label))) = (values.get(o_idx), who.get(o_idx)) else { continue };
                let py = y.map(*v);
                if py.is_finite() {
                    scene.shapes.push(Shape::Circle { x: cx as f32, y: py as f32, r: 3.0, fill: color });
                    hits.push(Hit {
                        px: cx as f32,
                        py: py as f32,
                        series: series.len() as u32,
                        x: f64::NAN,
                        y: *v,
                        raw: f64::NAN,
                        rect: None,
                    });
                    series.push((key.clone(), label.clone()));
                }
            }
        }
        draw_category_labels(scene, &ctx.palette, plot, &labels, band);
        draw_axis_lines(scene, &ctx.palette, plot);
        draw_axis_titles(
            scene,
            &ctx.palette,
            plot,
            (&r.x_label, &r.y_label),
            frame::FONT * crate::text::LINE_HEIGHT_EM,
        );
        if self.groups.is_empty() {
            draw_empty(scene, &ctx.palette, plot, "no finite values");
        }
        Ok(Rendered { scene: started.scene, hits, curves: Vec::new(), series, plot, x: None, y: Some(y) })
    }
}
