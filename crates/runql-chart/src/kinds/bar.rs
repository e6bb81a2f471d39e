//! Bar charts for rankings: one horizontal bar per row in query order (top to bottom),
//! long run names readable at the left, optional ± error bars.

use std::borrow::Cow;

use crate::color::series_color;
use crate::data::Rows;
use crate::error::{ChartError, Result};
use crate::frame::{
    self, draw_axis_lines, draw_axis_titles, draw_empty, draw_row_labels, draw_x_ticks, padded,
};
use crate::kinds::scatter::keys_and_labels;
use crate::render::{Ctx, Hit, Rendered};
use crate::scene::{Rect, Shape};
use crate::spec::{Encoding, ScaleKind, XAxisKind};
use crate::text::measure;

pub(crate) struct BarData {
    values: Vec<f64>,
    errors: Option<Vec<f64>>,
    keys: Vec<String>,
    labels: Vec<String>,
}

/// Bars at most: a ranking of 100k runs is a table, not a chart.
pub const MAX_BARS: usize = 500;

impl BarData {
    pub(crate) fn prepare(enc: &Encoding, rows: &Rows) -> Result<BarData> {
        let y = enc
            .y
            .as_deref()
            .ok_or_else(|| ChartError::Spec("a bar chart needs encoding.y (the bar length)".into()))?;
        if rows.num_rows() > MAX_BARS {
            return Err(ChartError::Data(format!(
                "{} rows is too many bars (at most {MAX_BARS}); add ORDER BY ... LIMIT to the query",
                rows.num_rows()
            )));
        }
        // Without `series`, bars are named by `x` when given (a category axis, as most
        // charting tools read a bar chart's x), not numbered.
        let named = match (&enc.series, &enc.x) {
            (None, Some(x)) => Cow::Owned(Encoding { series: Some(x.clone()), ..enc.clone() }),
            _ => Cow::Borrowed(enc),
        };
        let (keys, labels) = keys_and_labels(&named, rows)?;
        Ok(BarData {
            values: rows.numbers(y, "y")?,
            errors: enc.error.as_deref().map(|e| rows.numbers(e, "error")).transpose()?,
            keys,
            labels,
        })
    }

    pub(crate) fn render(&mut self, ctx: &Ctx<'_>) -> Result<Rendered> {
        let o = ctx.options;
        let r = ctx.resolved;
        let err_at = |i: usize| {
            self.errors.as_ref().and_then(|e| e.get(i)).copied().filter(|e| e.is_finite()).unwrap_or(0.0)
        };
        let log = o.y_scale == ScaleKind::Log;
        let ok = |v: f64| v.is_finite() && (!log || v > 0.0);
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for (i, v) in self.values.iter().enumerate().filter(|(_, v)| ok(**v)) {
            let e = err_at(i).abs();
            lo = lo.min(v - e);
            hi = hi.max(v + e);
        }
        if !log {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
        let label_width = self
            .labels
            .iter()
            .map(|l| measure(l, frame::FONT))
            .fold(0.0, f64::max)
            .min(f64::from(o.width) * 0.35);
        // The value axis is horizontal: the spec's y label titles it, the x label the rows.
        let mut started = frame::start(ctx, &[], label_width, (&r.y_label, &r.x_label));
        let plot = started.plot;
        let x = padded(o.y_scale, if log { lo } else { lo.min(0.0) }, hi, plot.x, plot.right());
        let x = if log {
            x
        } else {
            crate::scale::Scale::new(
                ScaleKind::Linear,
                if lo >= 0.0 { 0.0 } else { x.lo },
                x.hi,
                plot.x,
                plot.right(),
            )
        };
        let scene = &mut started.scene;
        draw_x_ticks(scene, &ctx.palette, plot, &x, XAxisKind::Number);
        let n = self.values.len();
        let band = plot.h / n.max(1) as f64;
        let thickness = (band * 0.7).min(28.0);
        let base = if log { x.lo } else { 0.0 };
        let mut hits = Vec::new();
        let mut series = Vec::new();
        let mut rows = Vec::new();
        for (i, v) in self.values.iter().enumerate() {
            let cy = plot.y + band * (i as f64 + 0.5);
            let label = self.labels.get(i).cloned().unwrap_or_default();
            let key = self.keys.get(i).cloned().unwrap_or_default();
            rows.push((cy, label.clone()));
            if !ok(*v) {
                continue;
            }
            let (x0, x1) = (x.map(base), x.map(*v));
            let rect =
                Rect { x: x0.min(x1), y: cy - thickness / 2.0, w: (x1 - x0).abs().max(1.0), h: thickness };
            let color = series_color(&key);
            scene.shapes.push(Shape::Rect {
                x: rect.x as f32,
                y: rect.y as f32,
                w: rect.w as f32,
                h: rect.h as f32,
                fill: Some(color),
                stroke: None,
            });
            let e = err_at(i);
            if e != 0.0 {
                let (ea, eb) = (x.map(v - e.abs()), x.map(v + e.abs()));
                let (ea, eb) = (if ea.is_finite() { ea } else { plot.x }, eb);
                frame::hline(scene, ea, eb, cy, ctx.palette.text);
                frame::vline(scene, ea, cy - thickness / 4.0, cy + thickness / 4.0, ctx.palette.text);
                frame::vline(scene, eb, cy - thickness / 4.0, cy + thickness / 4.0, ctx.palette.text);
            }
            hits.push(Hit {
                px: x1 as f32,
                py: cy as f32,
                series: series.len() as u32,
                x: f64::NAN,
                y: *v,
                raw: f64::NAN,
                rect: Some(rect),
            });
            series.push((key, label));
        }
        // Too many rows for a label each: label every k-th.
        let every = ((frame::FONT * 1.3) / band).ceil().max(1.0) as usize;
        let shown: Vec<(f64, String)> = rows.into_iter().step_by(every).collect();
        draw_row_labels(scene, &ctx.palette, plot, &shown, label_width);
        draw_axis_lines(scene, &ctx.palette, plot);
        draw_axis_titles(
            scene,
            &ctx.palette,
            plot,
            (&r.y_label, &r.x_label),
            frame::FONT * crate::text::LINE_HEIGHT_EM,
        );
        if hits.is_empty() {
            draw_empty(scene, &ctx.palette, plot, "no finite values to draw");
        }
        Ok(Rendered { scene: started.scene, hits, curves: Vec::new(), series, plot, x: None, y: None })
    }
}
