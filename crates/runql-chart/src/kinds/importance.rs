//! Parameter importance, as W&B shows it: for each param, its correlation with the metric
//! and its importance in a random forest trained to predict the metric from all params.
//!
//! The method follows docs/charts-and-queries.md §B7 (W&B does not publish its own):
//! * target = the `y` column; rows with a missing or non-finite target are dropped;
//! * numeric params as they are, NaN → the column's median; text params one-hot, one
//!   column per value (at most [`MAX_LEVELS`], the rest pooled), missing as its own value;
//! * correlation: Pearson r (for a text param, of the value with the largest |r|, named);
//! * importance: smartcore's random-forest regressor (64 trees, depth ≤ 64, seeded; its
//!   generator is ChaCha, so a seed gives the same forest natively and in the browser),
//!   impurity-based (MDI) importances normalized to sum to 1, summed back over the
//!   one-hot columns of each param.

use smartcore::ensemble::random_forest_regressor::{RandomForestRegressor, RandomForestRegressorParameters};
use smartcore::linalg::basic::matrix::DenseMatrix;

use crate::color::Rgba;
use crate::data::{Rows, Values};
use crate::error::{ChartError, Result};
use crate::frame::{self, draw_empty, draw_row_labels};
use crate::render::{Ctx, Hit, Rendered};
use crate::scale::Scale;
use crate::scene::{Rect, Shape};
use crate::spec::{ChartOptions, Encoding, ScaleKind};
use crate::stats::{self, pearson};
use crate::text::{Align, Baseline, measure};

/// One-hot columns per text param at most.
pub const MAX_LEVELS: usize = 20;
/// Params considered at most.
pub const MAX_PARAMS: usize = 200;
/// Trees in the forest.
pub const TREES: usize = 64;

/// Importance and correlation of one param.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ParamImportance {
    /// The param (column) name.
    pub name: String,
    /// Share of the forest's impurity decrease due to this param (all params sum to 1).
    pub importance: f64,
    /// Pearson correlation with the target (NaN when undefined, e.g. a constant param).
    pub correlation: f64,
    /// For a text param, the value whose indicator correlates most.
    pub level: Option<String>,
}

pub(crate) struct ImportanceData {
    params: Vec<ParamImportance>,
    rows_used: usize,
    target: String,
}

struct Feature {
    param: usize,
    level: Option<String>,
    values: Vec<f64>,
}

fn encode(param: usize, values: &Values, keep: &[usize]) -> Vec<Feature> {
    match values {
        Values::Numbers(v) => {
            let kept: Vec<f64> = keep.iter().map(|&i| v.get(i).copied().unwrap_or(f64::NAN)).collect();
            let finite: Vec<f64> = kept.iter().copied().filter(|x| x.is_finite()).collect();
            if finite.is_empty() {
                return Vec::new();
            }
            let median = stats::median(&finite);
            vec![Feature {
                param,
                level: None,
                values: kept.iter().map(|x| if x.is_finite() { *x } else { median }).collect(),
            }]
        }
        Values::Text(v) => {
            let kept: Vec<String> = keep
                .iter()
                .map(|&i| v.get(i).cloned().flatten().unwrap_or_else(|| "(none)".into()))
                .collect();
            let mut counts: Vec<(String, usize)> = Vec::new();
            for t in &kept {
                match counts.iter_mut().find(|(k, _)| k == t) {
                    Some(c) => c.1 += 1,
                    None => counts.push((t.clone(), 1)),
                }
            }
            counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let levels: Vec<String> = counts.into_iter().take(MAX_LEVELS).map(|(k, _)| k).collect();
            levels
                .into_iter()
                .map(|level| Feature {
                    param,
                    values: kept.iter().map(|t| if *t == level { 1.0 } else { 0.0 }).collect(),
                    level: Some(level),
                })
                .collect()
        }
    }
}

/// Computes importance and correlation of `columns` (name, values) for `target`.
///
/// # Errors
/// [`ChartError::Data`] when fewer than 4 runs have a finite target, the target is
/// constant, or the forest cannot be trained.
pub fn importance(
    columns: &[(String, Values)],
    target: &[f64],
    seed: u64,
) -> Result<(Vec<ParamImportance>, usize)> {
    let keep: Vec<usize> =
        (0..target.len()).filter(|&i| target.get(i).is_some_and(|y| y.is_finite())).collect();
    let y: Vec<f64> = keep.iter().filter_map(|&i| target.get(i).copied()).collect();
    if y.len() < 4 {
        return Err(ChartError::Data(format!(
            "parameter importance needs at least 4 runs with a finite target, got {}",
            y.len()
        )));
    }
    if y.iter().all(|v| Some(v) == y.first()) {
        return Err(ChartError::Data("the target is the same for every run: nothing to explain".into()));
    }
    let features: Vec<Feature> =
        columns.iter().enumerate().flat_map(|(p, (_, v))| encode(p, v, &keep)).collect();
    let mut out: Vec<ParamImportance> = columns
        .iter()
        .map(|(name, _)| ParamImportance {
            name: name.clone(),
            importance: 0.0,
            correlation: f64::NAN,
            level: None,
        })
        .collect();
    for f in &features {
        let Some(r) = pearson(&f.values, &y) else { continue };
        if let Some(p) = out.get_mut(f.param)
            && (p.correlation.is_nan() || r.abs() > p.correlation.abs())
        {
            p.correlation = r;
            p.level = f.level.clone();
        }
    }
    // Constant features carry nothing and only slow the forest down.
    let informative: Vec<&Feature> =
        features.iter().filter(|f| f.values.iter().any(|v| Some(v) != f.values.first())).collect();
    if !informative.is_empty() {
        let matrix: Vec<Vec<f64>> = (0..y.len())
            .map(|r| informative.iter().map(|f| f.values.get(r).copied().unwrap_or(0.0)).collect())
            .collect();
        let x =
            DenseMatrix::from_2d_vec(&matrix).map_err(|e| ChartError::Data(format!("importance: {e}")))?;
        let parameters =
            RandomForestRegressorParameters::default().with_n_trees(TREES).with_max_depth(64).with_seed(seed);
        let forest = RandomForestRegressor::fit(&x, &y, parameters)
            .map_err(|e| ChartError::Data(format!("importance: {e}")))?;
        let shares =
            forest.compute_feature_importances().map_err(|e| ChartError::Data(format!("importance: {e}")))?;
        for (f, share) in informative.iter().zip(shares) {
            if let Some(p) = out.get_mut(f.param)
                && share.is_finite()
            {
                p.importance += share;
            }
        }
    }
    out.sort_by(|a, b| {
        b.importance
            .total_cmp(&a.importance)
            .then_with(|| b.correlation.abs().total_cmp(&a.correlation.abs()))
    });
    Ok((out, y.len()))
}

impl ImportanceData {
    pub(crate) fn prepare(enc: &Encoding, rows: &Rows, options: &ChartOptions) -> Result<ImportanceData> {
        let target = enc
            .y
            .clone()
            .ok_or_else(|| ChartError::Spec("an importance chart needs encoding.y (the metric)".into()))?;
        let names: Vec<String> = if enc.dimensions.is_empty() {
            rows.names().into_iter().filter(|n| n.starts_with("params.")).collect()
        } else {
            enc.dimensions.clone()
        };
        if names.is_empty() {
            return Err(ChartError::Data(
                "no params to rate: give encoding.dimensions or select params.* columns".into(),
            ));
        }
        if names.len() > MAX_PARAMS {
            return Err(ChartError::Data(format!(
                "{} params is more than {MAX_PARAMS}; pick some in encoding.dimensions",
                names.len()
            )));
        }
        let columns = names
            .iter()
            .map(|n| Ok((n.clone(), rows.values(n, "dimension")?)))
            .collect::<Result<Vec<_>>>()?;
        let (params, rows_used) = importance(&columns, &rows.numbers(&target, "y")?, options.seed)?;
        Ok(ImportanceData { params, rows_used, target })
    }

    pub(crate) fn render(&mut self, ctx: &Ctx<'_>) -> Result<Rendered> {
        let label_of = |p: &ParamImportance| match &p.level {
            Some(l) => format!("{}={l}", p.name),
            None => p.name.clone(),
        };
        let label_width = self
            .params
            .iter()
            .map(|p| measure(&p.name, frame::FONT))
            .fold(0.0, f64::max)
            .min(f64::from(ctx.options.width) * 0.3);
        let footer =
            format!("{} runs; random forest of {TREES} trees, seed {}", self.rows_used, ctx.options.seed);
        let mut started = frame::start(ctx, &[], label_width, (&footer, ""));
        let plot = started.plot;
        let scene = &mut started.scene;
        let gap = 24.0;
        let half = (plot.w - gap) / 2.0;
        let imp = Rect { x: plot.x, y: plot.y + 18.0, w: half, h: plot.h - 18.0 };
        let cor = Rect { x: plot.x + half + gap, y: imp.y, w: half, h: imp.h };
        let xi = Scale::new(ScaleKind::Linear, 0.0, 1.0, imp.x, imp.right());
        let xc = Scale::new(ScaleKind::Linear, -1.0, 1.0, cor.x, cor.right());
        scene.text(imp.x, plot.y, "importance", frame::FONT, ctx.palette.text, Align::Start, Baseline::Top);
        scene.text(
            cor.x,
            plot.y,
            format!("correlation with {}", self.target),
            frame::FONT,
            ctx.palette.text,
            Align::Start,
            Baseline::Top,
        );
        frame::vline(scene, xc.map(0.0), cor.y, cor.bottom(), ctx.palette.axis);
        frame::vline(scene, imp.x, imp.y, imp.bottom(), ctx.palette.axis);
        let n = self.params.len().max(1);
        let band = imp.h / n as f64;
        let thick = (band * 0.7).min(22.0);
        let mut hits = Vec::new();
        let mut series = Vec::new();
        let mut labels = Vec::new();
        let positive = Rgba::rgb(44, 160, 44);
        let negative = Rgba::rgb(214, 39, 40);
        for (i, p) in self.params.iter().enumerate() {
            let cy = imp.y + band * (i as f64 + 0.5);
            labels.push((cy, p.name.clone()));
            let bar = Rect {
                x: imp.x,
                y: cy - thick / 2.0,
                w: (xi.map(p.importance.clamp(0.0, 1.0)) - imp.x).max(1.0),
                h: thick,
            };
            scene.shapes.push(Shape::Rect {
                x: bar.x as f32,
                y: bar.y as f32,
                w: bar.w as f32,
                h: bar.h as f32,
                fill: Some(crate::color::SERIES_COLORS[4]),
                stroke: None,
            });
            hits.push(Hit {
                px: bar.right() as f32,
                py: cy as f32,
                series: series.len() as u32,
                x: f64::NAN,
                y: p.importance,
                raw: f64::NAN,
                rect: Some(bar),
            });
            series.push((p.name.clone(), format!("{}: importance", p.name)));
            if p.correlation.is_finite() {
                let (a, b) = (xc.map(0.0), xc.map(p.correlation));
                let bar = Rect { x: a.min(b), y: cy - thick / 2.0, w: (a - b).abs().max(1.0), h: thick };
                let color = if p.correlation >= 0.0 { positive } else { negative };
                scene.shapes.push(Shape::Rect {
                    x: bar.x as f32,
                    y: bar.y as f32,
                    w: bar.w as f32,
                    h: bar.h as f32,
                    fill: Some(color),
                    stroke: None,
                });
                hits.push(Hit {
                    px: b as f32,
                    py: cy as f32,
                    series: series.len() as u32,
                    x: f64::NAN,
                    y: p.correlation,
                    raw: f64::NAN,
                    rect: Some(bar),
                });
                series.push((p.name.clone(), format!("{}: correlation", label_of(p))));
            }
        }
        let every = ((frame::FONT * 1.3) / band).ceil().max(1.0) as usize;
        let shown: Vec<(f64, String)> = labels.into_iter().step_by(every).collect();
        draw_row_labels(scene, &ctx.palette, imp, &shown, label_width);
        for (scale, area) in [(&xi, imp), (&xc, cor)] {
            frame::hline(scene, area.x, area.right(), area.bottom(), ctx.palette.axis);
            for t in scale.ticks(4) {
                let px = scale.map(t);
                frame::vline(scene, px, area.bottom(), area.bottom() + 4.0, ctx.palette.axis);
                scene.text(
                    px,
                    area.bottom() + 6.0,
                    crate::scale::format_number(t, 0.25),
                    frame::FONT,
                    ctx.palette.muted,
                    Align::Middle,
                    Baseline::Top,
                );
            }
        }
        frame::draw_axis_titles(
            scene,
            &ctx.palette,
            plot,
            (&footer, ""),
            frame::FONT * crate::text::LINE_HEIGHT_EM,
        );
        if self.params.is_empty() {
            draw_empty(scene, &ctx.palette, plot, "no params");
        }
        Ok(Rendered { scene: started.scene, hits, curves: Vec::new(), series, plot, x: None, y: None })
    }
}
