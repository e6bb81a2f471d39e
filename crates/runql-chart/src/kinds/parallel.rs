//! Parallel coordinates: one vertical axis per dimension (numbers linear, text as evenly
//! spaced categories), one polyline per row colored by a column — how sweeps are read
//! (params → metric).

use crate::color::{Rgba, series_color};
use crate::data::{Rows, Values};
use crate::error::{ChartError, Result};
use crate::frame::{self, draw_empty, vline};
use crate::kinds::scatter::{colors_of, draw_color_bar, keys_and_labels};
use crate::render::{Ctx, Hit, Rendered};
use crate::scale::{Scale, format_number};
use crate::scene::Point;
use crate::spec::{Encoding, ScaleKind};
use crate::text::{Align, Baseline, ellipsize};

/// Axes at most.
pub const MAX_DIMENSIONS: usize = 64;

pub(crate) struct ParallelData {
    names: Vec<String>,
    columns: Vec<Values>,
    keys: Vec<String>,
    labels: Vec<String>,
    color: Option<Values>,
}

/// Where each row sits on one axis (0 bottom … 1 top, NaN when missing), and the axis's
/// tick labels at their positions.
type AxisLayout = (Vec<f64>, Vec<(f64, String)>);

/// Lays out one axis.
fn positions(values: &Values) -> AxisLayout {
    match values {
        Values::Numbers(v) => {
            let finite = v.iter().copied().filter(|x| x.is_finite());
            let lo = finite.clone().fold(f64::INFINITY, f64::min);
            let hi = finite.fold(f64::NEG_INFINITY, f64::max);
            // Learning rates and weight decays are searched on log grids: an axis of
            // positive values spanning two decades or more is drawn log.
            let kind = if lo > 0.0 && hi / lo >= 100.0 { ScaleKind::Log } else { ScaleKind::Linear };
            let scale = Scale::new(kind, lo, hi, 0.0, 1.0);
            let ticks = scale.ticks(4);
            let step = match ticks.as_slice() {
                [a, b, ..] => b - a,
                _ => 0.0,
            };
            let pos = v.iter().map(|x| if x.is_finite() { scale.map(*x) } else { f64::NAN }).collect();
            let label =
                |t: f64| if kind == ScaleKind::Log { format_number(t, t) } else { format_number(t, step) };
            (pos, ticks.iter().map(|t| (scale.map(*t), label(*t))).collect())
        }
        Values::Text(v) => {
            let mut cats: Vec<String> = v.iter().flatten().cloned().collect();
            cats.sort();
            cats.dedup();
            let n = cats.len();
            let at = |i: usize| if n <= 1 { 0.5 } else { i as f64 / (n - 1) as f64 };
            let pos = v
                .iter()
                .map(|t| t.as_ref().and_then(|t| cats.binary_search(t).ok()).map_or(f64::NAN, at))
                .collect();
            (pos, cats.into_iter().enumerate().map(|(i, c)| (at(i), c)).collect())
        }
    }
}

impl ParallelData {
    pub(crate) fn prepare(enc: &Encoding, rows: &Rows) -> Result<ParallelData> {
        if enc.dimensions.len() < 2 {
            return Err(ChartError::Spec("a parallel chart needs at least two encoding.dimensions".into()));
        }
        if enc.dimensions.len() > MAX_DIMENSIONS {
            return Err(ChartError::Spec(format!(
                "a parallel chart takes at most {MAX_DIMENSIONS} dimensions"
            )));
        }
        let columns =
            enc.dimensions.iter().map(|d| rows.values(d, "dimension")).collect::<Result<Vec<_>>>()?;
        let (keys, labels) = keys_and_labels(enc, rows)?;
        Ok(ParallelData {
            names: enc.dimensions.clone(),
            columns,
            keys,
            labels,
            color: enc.color.as_deref().map(|c| rows.values(c, "color")).transpose()?,
        })
    }

    pub(crate) fn render(&mut self, ctx: &Ctx<'_>) -> Result<Rendered> {
        let r = ctx.resolved;
        let (colors, numeric_range) = match &self.color {
            Some(v) => colors_of(v),
            None => (self.keys.iter().map(|k| series_color(k)).collect(), None),
        };
        let legend_marker = vec![(r.encoding.color.clone().unwrap_or_default(), Rgba::rgb(0, 0, 0))];
        let mut started =
            frame::start(ctx, if numeric_range.is_some() { &legend_marker } else { &[] }, 0.0, ("", ""));
        let mut plot = started.plot;
        // Room for the axis names above and tick labels beside the first axis.
        plot.y += frame::FONT * 1.6;
        plot.h -= frame::FONT * 1.6;
        plot.x += 30.0;
        plot.w -= 60.0;
        let scene = &mut started.scene;
        let n_axes = self.columns.len();
        let axis_x = |i: usize| plot.x + plot.w * i as f64 / (n_axes - 1).max(1) as f64;
        let to_y = |t: f64| plot.bottom() - t * plot.h;
        let spacing = plot.w / (n_axes - 1).max(1) as f64;
        let laid: Vec<AxisLayout> = self.columns.iter().map(positions).collect();
        let rows = self.keys.len();
        let mut hits = Vec::new();
        let mut series = Vec::with_capacity(rows);
        let alpha = if rows > 500 {
            0.25
        } else if rows > 100 {
            0.45
        } else {
            0.8
        };
        for row in 0..rows {
            let points: Vec<Point> = laid
                .iter()
                .enumerate()
                .map(|(a, (pos, _))| [axis_x(a) as f32, pos.get(row).map_or(f32::NAN, |t| to_y(*t) as f32)])
                .collect();
            let color = colors.get(row).copied().unwrap_or(Rgba::rgb(31, 119, 180));
            scene.line_clipped(
                &points[..],
                crate::scene::Rect { x: plot.x - 1.0, y: plot.y - 1.0, w: plot.w + 2.0, h: plot.h + 2.0 },
                color.with_alpha(alpha),
                1.2,
            );
            for (a, p) in points.iter().enumerate() {
                if p[1].is_finite() {
                    let value = match self.columns.get(a) {
                        Some(Values::Numbers(v)) => v.get(row).copied().unwrap_or(f64::NAN),
                        _ => f64::NAN,
                    };
                    hits.push(Hit {
                        px: p[0],
                        py: p[1],
                        series: row as u32,
                        x: a as f64,
                        y: value,
                        raw: f64::NAN,
                        rect: None,
                    });
                }
            }
            series.push((
                self.keys.get(row).cloned().unwrap_or_default(),
                self.labels.get(row).cloned().unwrap_or_default(),
            ));
        }
        for (a, (name, (_, ticks))) in self.names.iter().zip(&laid).enumerate() {
            let ax = axis_x(a);
            vline(scene, ax, plot.y, plot.bottom(), ctx.palette.axis);
            scene.text(
                ax,
                plot.y - 6.0,
                ellipsize(name, frame::FONT, spacing.max(40.0) - 6.0),
                frame::FONT,
                ctx.palette.text,
                Align::Middle,
                Baseline::Bottom,
            );
            let every = ((frame::FONT * 1.4) / (plot.h / ticks.len().max(1) as f64)).ceil().max(1.0) as usize;
            for (t, label) in ticks.iter().step_by(every) {
                let y = to_y(*t);
                frame::hline(scene, ax - 3.0, ax, y, ctx.palette.axis);
                scene.text(
                    ax - 5.0,
                    y,
                    ellipsize(label, frame::FONT, (spacing / 2.0).max(30.0)),
                    frame::FONT,
                    ctx.palette.muted,
                    Align::End,
                    Baseline::Middle,
                );
            }
        }
        if rows == 0 {
            draw_empty(scene, &ctx.palette, plot, "no rows to draw");
        }
        if let (Some(area), Some(range)) = (started.legend, numeric_range) {
            draw_color_bar(
                &mut started.scene,
                &ctx.palette,
                area,
                range,
                r.encoding.color.as_deref().unwrap_or(""),
            );
        }
        Ok(Rendered { scene: started.scene, hits, curves: Vec::new(), series, plot, x: None, y: None })
    }
}
