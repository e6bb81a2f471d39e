//! Heatmap: the mean of a value over a grid of two columns (e.g. lr × batch size → final
//! loss). Text columns and numbers with few distinct values are categories; other numbers
//! are cut into `options.bins` equal-width bins.

use crate::color::{Rgba, viridis};
use crate::data::{Rows, Values};
use crate::error::{ChartError, Result};
use crate::frame::{
    self, draw_axis_lines, draw_axis_titles, draw_category_labels, draw_empty, draw_row_labels,
};
use crate::kinds::scatter::draw_color_bar;
use crate::render::{Ctx, Hit, Rendered};
use crate::scale::format_number;
use crate::scene::{Rect, Shape};
use crate::spec::{ChartOptions, Encoding};
use crate::text::measure;

/// Categories of one heatmap axis and the category of each row.
struct Axis {
    names: Vec<String>,
    of_row: Vec<Option<usize>>,
}

fn axis(values: &Values, bins: usize) -> Axis {
    match values {
        Values::Numbers(v) => {
            let mut distinct: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
            distinct.sort_by(f64::total_cmp);
            distinct.dedup();
            if distinct.len() <= bins {
                let names = distinct.iter().map(|d| format_number(*d, 0.0)).collect();
                let of_row = v.iter().map(|x| distinct.binary_search_by(|d| d.total_cmp(x)).ok()).collect();
                return Axis { names, of_row };
            }
            let (lo, hi) =
                (distinct.first().copied().unwrap_or(0.0), distinct.last().copied().unwrap_or(1.0));
            let width = (hi - lo) / bins as f64;
            let names =
                (0..bins).map(|b| format_number(lo + (b as f64 + 0.5) * width, width / 10.0)).collect();
            let of_row = v
                .iter()
                .map(|x| x.is_finite().then(|| (((x - lo) / width).floor().max(0.0) as usize).min(bins - 1)))
                .collect();
            Axis { names, of_row }
        }
        Values::Text(v) => {
            let mut names: Vec<String> = v.iter().flatten().cloned().collect();
            names.sort();
            names.dedup();
            let of_row = v.iter().map(|t| t.as_ref().and_then(|t| names.binary_search(t).ok())).collect();
            Axis { names, of_row }
        }
    }
}

pub(crate) struct HeatmapData {
    x: Axis,
    y: Axis,
    /// (sum, count) per cell, row-major by y then x.
    cells: Vec<(f64, u64)>,
}

/// Cells at most (a 1000 × 1000 grid).
pub const MAX_CELLS: usize = 1_000_000;

impl HeatmapData {
    pub(crate) fn prepare(enc: &Encoding, rows: &Rows, options: &ChartOptions) -> Result<HeatmapData> {
        let need = |v: &Option<String>, what: &str| {
            v.clone().ok_or_else(|| ChartError::Spec(format!("a heatmap needs encoding.{what}")))
        };
        let x = axis(&rows.values(&need(&enc.x, "x")?, "x")?, options.bins);
        let y = axis(&rows.values(&need(&enc.y, "y")?, "y")?, options.bins);
        let values = rows.numbers(&need(&enc.value, "value")?, "value")?;
        let (nx, ny) = (x.names.len(), y.names.len());
        if nx.saturating_mul(ny) > MAX_CELLS {
            return Err(ChartError::Data(format!(
                "{nx} × {ny} cells is more than {MAX_CELLS}; bin the columns in the query"
            )));
        }
        let mut cells = vec![(0.0, 0u64); nx * ny];
        for ((cx, cy), v) in x.of_row.iter().zip(&y.of_row).zip(&values) {
            if let (Some(cx), Some(cy)) = (cx, cy)
                && v.is_finite()
                && let Some(cell) = cells.get_mut(cy * nx + cx)
            {
                cell.0 += v;
                cell.1 += 1;
            }
        }
        Ok(HeatmapData { x, y, cells })
    }

    pub(crate) fn render(&mut self, ctx: &Ctx<'_>) -> Result<Rendered> {
        let r = ctx.resolved;
        let means: Vec<f64> =
            self.cells.iter().map(|(s, n)| if *n > 0 { s / *n as f64 } else { f64::NAN }).collect();
        let finite = means.iter().copied().filter(|v| v.is_finite());
        let (lo, hi) =
            (finite.clone().fold(f64::INFINITY, f64::min), finite.fold(f64::NEG_INFINITY, f64::max));
        let label_width = self
            .y
            .names
            .iter()
            .map(|n| measure(n, frame::FONT))
            .fold(0.0, f64::max)
            .min(f64::from(ctx.options.width) * 0.3);
        let marker = vec![(r.encoding.value.clone().unwrap_or_default(), Rgba::rgb(0, 0, 0))];
        let mut started = frame::start(ctx, &marker, label_width, (&r.x_label, &r.y_label));
        let plot = started.plot;
        let scene = &mut started.scene;
        let (nx, ny) = (self.x.names.len().max(1), self.y.names.len().max(1));
        let (cw, ch) = (plot.w / nx as f64, plot.h / ny as f64);
        let span = if hi > lo { hi - lo } else { 1.0 };
        let mut hits = Vec::new();
        let mut series = Vec::new();
        for (i, (mean, (_, n))) in means.iter().zip(&self.cells).enumerate() {
            if *n == 0 {
                continue;
            }
            let (cx, cy) = (i % nx, i / nx);
            // Row 0 at the bottom, as on a numeric axis.
            let rect =
                Rect { x: plot.x + cx as f64 * cw, y: plot.bottom() - (cy + 1) as f64 * ch, w: cw, h: ch };
            let fill = if mean.is_finite() { viridis((mean - lo) / span) } else { Rgba::rgb(160, 160, 160) };
            scene.shapes.push(Shape::Rect {
                x: rect.x as f32,
                y: rect.y as f32,
                w: (rect.w + 0.5) as f32,
                h: (rect.h + 0.5) as f32,
                fill: Some(fill),
                stroke: None,
            });
            let name = |a: &Axis, k: usize| a.names.get(k).cloned().unwrap_or_default();
            hits.push(Hit {
                px: (rect.x + cw / 2.0) as f32,
                py: (rect.y + ch / 2.0) as f32,
                series: series.len() as u32,
                x: f64::NAN,
                y: *mean,
                raw: f64::NAN,
                rect: Some(rect),
            });
            series.push((
                format!("{},{}", name(&self.x, cx), name(&self.y, cy)),
                format!("{} × {}: {n} runs", name(&self.x, cx), name(&self.y, cy)),
            ));
        }
        let step_x = ((frame::FONT * 4.0) / cw).ceil().max(1.0) as usize;
        let xl: Vec<(f64, String)> = self
            .x
            .names
            .iter()
            .enumerate()
            .step_by(step_x)
            .map(|(i, n)| (plot.x + (i as f64 + 0.5) * cw, n.clone()))
            .collect();
        draw_category_labels(scene, &ctx.palette, plot, &xl, cw * step_x as f64);
        let step_y = ((frame::FONT * 1.4) / ch).ceil().max(1.0) as usize;
        let yl: Vec<(f64, String)> = self
            .y
            .names
            .iter()
            .enumerate()
            .step_by(step_y)
            .map(|(i, n)| (plot.bottom() - (i as f64 + 0.5) * ch, n.clone()))
            .collect();
        draw_row_labels(scene, &ctx.palette, plot, &yl, label_width);
        draw_axis_lines(scene, &ctx.palette, plot);
        draw_axis_titles(
            scene,
            &ctx.palette,
            plot,
            (&r.x_label, &r.y_label),
            frame::FONT * crate::text::LINE_HEIGHT_EM,
        );
        if hits.is_empty() {
            draw_empty(scene, &ctx.palette, plot, "no cells with finite values");
        }
        if let (Some(area), true) = (started.legend, lo.is_finite()) {
            draw_color_bar(
                &mut started.scene,
                &ctx.palette,
                area,
                (lo, hi),
                r.encoding.value.as_deref().unwrap_or(""),
            );
        }
        Ok(Rendered { scene: started.scene, hits, curves: Vec::new(), series, plot, x: None, y: None })
    }
}
