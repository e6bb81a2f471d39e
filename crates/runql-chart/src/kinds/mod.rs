//! One module per chart kind. Each prepares its data once from the query's rows and renders
//! a [`crate::scene::Scene`] per view (options, zoom).

pub(crate) mod bar;
pub(crate) mod distribution;
pub(crate) mod heatmap;
pub(crate) mod importance;
pub(crate) mod line;
pub(crate) mod parallel;
pub(crate) mod scatter;

use crate::data::Rows;
use crate::error::Result;
use crate::render::{Ctx, Rendered};
use crate::spec::{ChartKind, ChartOptions, Encoding};

/// A kind's prepared data.
pub(crate) enum Body {
    Line(line::LineData),
    Scatter(scatter::ScatterData),
    Bar(bar::BarData),
    Parallel(parallel::ParallelData),
    Distribution(distribution::DistributionData),
    Heatmap(heatmap::HeatmapData),
    Importance(importance::ImportanceData),
}

impl Body {
    pub(crate) fn prepare(
        kind: ChartKind,
        enc: &Encoding,
        rows: &Rows,
        options: &ChartOptions,
    ) -> Result<Body> {
        Ok(match kind {
            ChartKind::Line => Body::Line(line::LineData::prepare(enc, rows)?),
            ChartKind::Scatter => Body::Scatter(scatter::ScatterData::prepare(enc, rows)?),
            ChartKind::Bar => Body::Bar(bar::BarData::prepare(enc, rows)?),
            ChartKind::Parallel => Body::Parallel(parallel::ParallelData::prepare(enc, rows)?),
            ChartKind::Histogram => {
                Body::Distribution(distribution::DistributionData::prepare(enc, rows, false)?)
            }
            ChartKind::Box => Body::Distribution(distribution::DistributionData::prepare(enc, rows, true)?),
            ChartKind::Heatmap => Body::Heatmap(heatmap::HeatmapData::prepare(enc, rows, options)?),
            ChartKind::Importance => {
                Body::Importance(importance::ImportanceData::prepare(enc, rows, options)?)
            }
        })
    }

    pub(crate) fn render(&mut self, ctx: &Ctx<'_>) -> Result<Rendered> {
        match self {
            Body::Line(d) => d.render(ctx),
            Body::Scatter(d) => d.render(ctx),
            Body::Bar(d) => d.render(ctx),
            Body::Parallel(d) => d.render(ctx),
            Body::Distribution(d) => d.render(ctx),
            Body::Heatmap(d) => d.render(ctx),
            Body::Importance(d) => d.render(ctx),
        }
    }
}
