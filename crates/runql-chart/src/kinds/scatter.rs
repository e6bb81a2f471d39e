//! Scatter: one point per row (a run's param against its metric), colored by a third
//! column — viridis for numbers (with a color bar), the series palette for text.

use crate::color::{Rgba, series_color, viridis};
use crate::data::{Rows, Values};
use crate::error::{ChartError, Result};
use crate::frame::{self, draw_axes, draw_empty, draw_legend, padded, tick_target};
use crate::render::{Ctx, Hit, Rendered};
use crate::scale::{Scale, format_number};
use crate::scene::{Rect, Scene, Shape};
use crate::spec::{Encoding, ScaleKind};
use crate::text::{Align, Baseline};

pub(crate) struct ScatterData {
    xs: Vec<f64>,
    ys: Vec<f64>,
    keys: Vec<String>,
    labels: Vec<String>,
    color: Option<Values>,
}

/// Per-row keys and labels from the `series` / `label` encodings (row numbers when absent).
pub(crate) fn keys_and_labels(enc: &Encoding, rows: &Rows) -> Result<(Vec<String>, Vec<String>)> {
    let n = rows.num_rows();
    let keys: Vec<String> = match enc.series.as_deref() {
        Some(c) => rows.texts(c, "series")?.into_iter().map(Option::unwrap_or_default).collect(),
        None => (0..n).map(|i| format!("row {}", i + 1)).collect(),
    };
    let labels = match enc.label.as_deref() {
        Some(c) => rows
            .texts(c, "label")?
            .into_iter()
            .zip(&keys)
            .map(|(l, k)| l.unwrap_or_else(|| k.clone()))
            .collect(),
        None => keys.clone(),
    };
    Ok((keys, labels))
}

/// Colors of `values`: viridis over the numeric range, or the palette per text value.
/// Returns the colors and, for numbers, the (min, max) the scale spans.
pub(crate) fn colors_of(values: &Values) -> (Vec<Rgba>, Option<(f64, f64)>) {
    match values {
        Values::Numbers(v) => {
            let finite = v.iter().copied().filter(|x| x.is_finite());
            let lo = finite.clone().fold(f64::INFINITY, f64::min);
            let hi = finite.fold(f64::NEG_INFINITY, f64::max);
            let span = if hi > lo { hi - lo } else { 1.0 };
            let colors = v
                .iter()
                .map(|x| if x.is_finite() { viridis((x - lo) / span) } else { Rgba::rgb(160, 160, 160) })
                .collect();
            (colors, lo.is_finite().then_some((lo, hi)))
        }
        Values::Text(v) => (v.iter().map(|t| series_color(t.as_deref().unwrap_or("(none)"))).collect(), None),
    }
}

/// A vertical viridis bar with its min and max, at the right of the plot.
pub(crate) fn draw_color_bar(
    scene: &mut Scene,
    palette: &crate::color::Palette,
    area: Rect,
    (lo, hi): (f64, f64),
    title: &str,
) {
    let bar = Rect { x: area.x, y: area.y + 18.0, w: 12.0, h: (area.h - 36.0).max(20.0) };
    let steps = 32;
    for i in 0..steps {
        let t0 = i as f64 / steps as f64;
        let y0 = bar.bottom() - t0 * bar.h;
        let hh = bar.h / steps as f64;
        scene.shapes.push(Shape::Rect {
            x: bar.x as f32,
            y: (y0 - hh) as f32,
            w: bar.w as f32,
            h: (hh + 0.5) as f32,
            fill: Some(viridis(t0 + 0.5 / steps as f64)),
            stroke: None,
        });
    }
    let step = (hi - lo).abs() / 4.0;
    scene.text(
        bar.right() + 4.0,
        bar.y,
        format_number(hi, step),
        frame::FONT,
        palette.muted,
        Align::Start,
        Baseline::Middle,
    );
    scene.text(
        bar.right() + 4.0,
        bar.bottom(),
        format_number(lo, step),
        frame::FONT,
        palette.muted,
        Align::Start,
        Baseline::Middle,
    );
    scene.text(
        area.x,
        area.y,
        crate::text::ellipsize(title, frame::FONT, area.w),
        frame::FONT,
        palette.text,
        Align::Start,
        Baseline::Top,
    );
}

impl ScatterData {
    pub(crate) fn prepare(enc: &Encoding, rows: &Rows) -> Result<ScatterData> {
        let x =
            enc.x.as_deref().ok_or_else(|| ChartError::Spec("a scatter chart needs encoding.x".into()))?;
        let y =
            enc.y.as_deref().ok_or_else(|| ChartError::Spec("a scatter chart needs encoding.y".into()))?;
        let (keys, labels) = keys_and_labels(enc, rows)?;
        Ok(ScatterData {
            xs: rows.numbers(x, "x")?,
            ys: rows.numbers(y, "y")?,
            keys,
            labels,
            color: enc.color.as_deref().map(|c| rows.values(c, "color")).transpose()?,
        })
    }

    pub(crate) fn render(&mut self, ctx: &Ctx<'_>) -> Result<Rendered> {
        let o = ctx.options;
        let r = ctx.resolved;
        let h = f64::from(o.height);
        let ok = |v: f64, k: ScaleKind| v.is_finite() && (k == ScaleKind::Linear || v > 0.0);
        let shown: Vec<usize> = (0..self.xs.len().min(self.ys.len()))
            .filter(|&i| {
                let (x, y) = (
                    self.xs.get(i).copied().unwrap_or(f64::NAN),
                    self.ys.get(i).copied().unwrap_or(f64::NAN),
                );
                ok(x, o.x_scale) && ok(y, o.y_scale) && ctx.x_range.is_none_or(|(a, b)| x >= a && x <= b)
            })
            .collect();
        let ext = |v: &[f64]| {
            shown
                .iter()
                .filter_map(|&i| v.get(i).copied())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)))
        };
        let (xlo, xhi) = ctx.x_range.unwrap_or_else(|| ext(&self.xs));
        let (ylo, yhi) = ext(&self.ys);
        let (colors, numeric_range) = match &self.color {
            Some(v) => colors_of(v),
            None => (self.keys.iter().map(|k| series_color(k)).collect(), None),
        };
        let legend: Vec<(String, Rgba)> = match (&self.color, o.legend) {
            (Some(Values::Text(v)), true) => {
                let mut seen = Vec::new();
                for t in v.iter() {
                    let t = t.clone().unwrap_or_else(|| "(none)".into());
                    if !seen.iter().any(|(s, _)| *s == t) {
                        let c = series_color(&t);
                        seen.push((t, c));
                    }
                }
                seen
            }
            // Room for the color bar.
            (Some(Values::Numbers(_)), true) => {
                vec![(r.encoding.color.clone().unwrap_or_default(), Rgba::rgb(0, 0, 0))]
            }
            _ => Vec::new(),
        };
        let y_probe = padded(o.y_scale, ylo, yhi, h, 0.0);
        let started = frame::start(
            ctx,
            &legend,
            frame::y_tick_width(&y_probe, tick_target(h, 45.0)),
            (&r.x_label, &r.y_label),
        );
        let (mut scene, plot, legend_area) = (started.scene, started.plot, started.legend);
        let x = match ctx.x_range {
            Some((a, b)) => Scale::new(o.x_scale, a, b, plot.x, plot.right()),
            None => padded(o.x_scale, xlo, xhi, plot.x, plot.right()),
        };
        let y = padded(o.y_scale, ylo, yhi, plot.bottom(), plot.y);
        draw_axes(&mut scene, &ctx.palette, plot, &x, &y, r.x_axis, (&r.x_label, &r.y_label));
        if shown.is_empty() {
            draw_empty(&mut scene, &ctx.palette, plot, "no rows with finite x and y");
        }
        let mut hits = Vec::with_capacity(shown.len());
        let mut series = Vec::with_capacity(shown.len());
        for &i in &shown {
            let (Some(&dx), Some(&dy)) = (self.xs.get(i), self.ys.get(i)) else { continue };
            let (px, py) = (x.map(dx), y.map(dy));
            if !plot.contains(px, py) {
                continue;
            }
            let color = colors.get(i).copied().unwrap_or(Rgba::rgb(31, 119, 180));
            scene.shapes.push(Shape::Circle {
                x: px as f32,
                y: py as f32,
                r: 4.0,
                fill: color.with_alpha(0.85),
            });
            hits.push(Hit {
                px: px as f32,
                py: py as f32,
                series: series.len() as u32,
                x: dx,
                y: dy,
                raw: f64::NAN,
                rect: None,
            });
            series.push((
                self.keys.get(i).cloned().unwrap_or_default(),
                self.labels.get(i).cloned().unwrap_or_default(),
            ));
        }
        if let Some(area) = legend_area {
            match (numeric_range, &self.color) {
                (Some(range), Some(Values::Numbers(_))) => draw_color_bar(
                    &mut scene,
                    &ctx.palette,
                    area,
                    range,
                    r.encoding.color.as_deref().unwrap_or(""),
                ),
                _ => draw_legend(&mut scene, &ctx.palette, area, &legend, o.max_legend),
            }
        }
        Ok(Rendered { scene, hits, curves: Vec::new(), series, plot, x: Some(x), y: Some(y) })
    }
}
