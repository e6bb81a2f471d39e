//! The frame around a plot: layout (margins from measured labels), title, grid, ticks,
//! axis titles, categorical axes and the legend.

use crate::color::{Palette, Rgba};
use crate::scale::{Scale, format_tick};
use crate::scene::{Rect, Scene, Shape};
use crate::spec::{ScaleKind, XAxisKind};
use crate::text::{Align, Baseline, ellipsize, measure};

/// Font size of tick labels, legend and axis titles, in CSS pixels.
pub const FONT: f64 = 12.0;
/// Font size of the title.
pub const TITLE_FONT: f64 = 14.0;
const PAD: f64 = 10.0;
const TICK: f64 = 5.0;
const LINE: f64 = FONT * crate::text::LINE_HEIGHT_EM;

/// What the frame needs to know to lay itself out.
#[derive(Debug, Clone)]
pub struct FrameSpec<'a> {
    /// Chart width.
    pub width: f64,
    /// Chart height.
    pub height: f64,
    /// Title (none: no space reserved).
    pub title: Option<&'a str>,
    /// x axis title.
    pub x_label: &'a str,
    /// y axis title.
    pub y_label: &'a str,
    /// Legend entries (none: no legend column).
    pub legend: &'a [(String, Rgba)],
    /// Most legend entries to list.
    pub max_legend: usize,
    /// Widest y tick label, in pixels.
    pub y_tick_width: f64,
    /// Extra room under the x axis (rotated category labels), in pixels.
    pub x_tick_height: f64,
}

/// Widest legend column.
const LEGEND_MAX: f64 = 180.0;

/// Where the plot area goes, and the legend column if any.
pub fn layout(f: &FrameSpec<'_>) -> (Rect, Option<Rect>) {
    let top = PAD + if f.title.is_some() { TITLE_FONT * 1.6 } else { 4.0 };
    let left = PAD + if f.y_label.is_empty() { 0.0 } else { LINE + 6.0 } + f.y_tick_width + TICK + 4.0;
    let bottom =
        PAD + TICK + 4.0 + LINE.max(f.x_tick_height) + if f.x_label.is_empty() { 0.0 } else { LINE + 4.0 };
    let show_legend = !f.legend.is_empty() && f.width >= 420.0;
    let legend_w = if show_legend {
        let widest = f.legend.iter().map(|(l, _)| measure(l, FONT)).fold(0.0, f64::max);
        (widest + 26.0).clamp(60.0, LEGEND_MAX)
    } else {
        0.0
    };
    let right = PAD + if show_legend { legend_w + PAD } else { 12.0 };
    let plot = Rect {
        x: left,
        y: top,
        w: (f.width - left - right).max(10.0),
        h: (f.height - top - bottom).max(10.0),
    };
    let legend = show_legend.then(|| Rect { x: plot.right() + PAD, y: top, w: legend_w, h: plot.h });
    (plot, legend)
}

/// Tick count that suits `pixels` of axis.
pub fn tick_target(pixels: f64, spacing: f64) -> usize {
    ((pixels / spacing).round() as usize).clamp(2, 12)
}

/// Width of the widest tick label of `scale` (used before the layout is known: the y
/// scale's tick values do not depend on its pixel range).
pub fn y_tick_width(scale: &Scale, target: usize) -> f64 {
    let ticks = scale.ticks(target);
    let step = tick_step(&ticks);
    ticks.iter().map(|t| measure(&format_tick(XAxisKind::Number, *t, step), FONT)).fold(0.0, f64::max)
}

fn tick_step(ticks: &[f64]) -> f64 {
    match ticks {
        [a, b, ..] => (b - a).abs(),
        _ => 0.0,
    }
}

/// Draws the title centered above the plot.
pub fn draw_title(scene: &mut Scene, palette: &Palette, title: &str, plot: Rect, width: f64) {
    let text = ellipsize(title, TITLE_FONT, width - 2.0 * PAD);
    let x = (plot.x + plot.w / 2.0)
        .clamp(PAD + measure(&text, TITLE_FONT) / 2.0, width - PAD - measure(&text, TITLE_FONT) / 2.0);
    scene.shapes.push(Shape::Text {
        x: x as f32,
        y: PAD as f32,
        text,
        size: TITLE_FONT as f32,
        color: palette.text,
        align: Align::Middle,
        baseline: Baseline::Top,
        vertical: false,
        bold: true,
    });
}

/// Grid lines, ticks, tick labels and axis titles of two numeric axes.
pub fn draw_axes(
    scene: &mut Scene,
    palette: &Palette,
    plot: Rect,
    x: &Scale,
    y: &Scale,
    x_kind: XAxisKind,
    labels: (&str, &str),
) {
    draw_y_ticks(scene, palette, plot, y);
    draw_x_ticks(scene, palette, plot, x, x_kind);
    draw_axis_lines(scene, palette, plot);
    draw_axis_titles(scene, palette, plot, labels, LINE);
}

/// Horizontal grid lines, ticks and labels of a numeric y axis.
pub fn draw_y_ticks(scene: &mut Scene, palette: &Palette, plot: Rect, y: &Scale) {
    let yt = y.ticks(tick_target(plot.h, 45.0));
    let ystep = tick_step(&yt);
    for v in &yt {
        let py = y.map(*v);
        if py.is_finite() {
            hline(scene, plot.x, plot.right(), py, palette.grid);
            hline(scene, plot.x - TICK, plot.x, py, palette.axis);
            scene.text(
                plot.x - TICK - 3.0,
                py,
                format_tick(XAxisKind::Number, *v, ystep),
                FONT,
                palette.muted,
                Align::End,
                Baseline::Middle,
            );
        }
    }
}

/// Vertical grid lines, ticks and labels of a numeric x axis; labels that would overlap
/// the previous one are left out.
pub fn draw_x_ticks(scene: &mut Scene, palette: &Palette, plot: Rect, x: &Scale, x_kind: XAxisKind) {
    let xt = x.ticks(tick_target(plot.w, 90.0));
    let xstep = tick_step(&xt);
    let mut last_right = f64::NEG_INFINITY;
    for v in &xt {
        let px = x.map(*v);
        if !px.is_finite() {
            continue;
        }
        vline(scene, px, plot.y, plot.bottom(), palette.grid);
        vline(scene, px, plot.bottom(), plot.bottom() + TICK, palette.axis);
        let label = format_tick(x_kind, *v, xstep);
        let half = measure(&label, FONT) / 2.0;
        if px - half > last_right + 4.0 {
            scene.text(
                px,
                plot.bottom() + TICK + 3.0,
                label,
                FONT,
                palette.muted,
                Align::Middle,
                Baseline::Top,
            );
            last_right = px + half;
        }
    }
}

/// Category labels left of row centers (`(center_y, label)`), cut to `max_width`.
pub fn draw_row_labels(
    scene: &mut Scene,
    palette: &Palette,
    plot: Rect,
    rows: &[(f64, String)],
    max_width: f64,
) {
    for (cy, label) in rows {
        hline(scene, plot.x - TICK, plot.x, *cy, palette.axis);
        scene.text(
            plot.x - TICK - 3.0,
            *cy,
            ellipsize(label, FONT, max_width),
            FONT,
            palette.muted,
            Align::End,
            Baseline::Middle,
        );
    }
}

/// The left and bottom axis lines.
pub fn draw_axis_lines(scene: &mut Scene, palette: &Palette, plot: Rect) {
    hline(scene, plot.x, plot.right(), plot.bottom(), palette.axis);
    vline(scene, plot.x, plot.y, plot.bottom(), palette.axis);
}

/// Axis titles: x centered under the tick labels (`below` pixels of them), y rotated at
/// the left edge.
pub fn draw_axis_titles(
    scene: &mut Scene,
    palette: &Palette,
    plot: Rect,
    (x_label, y_label): (&str, &str),
    below: f64,
) {
    if !x_label.is_empty() {
        let text = ellipsize(x_label, FONT, plot.w);
        scene.text(
            plot.x + plot.w / 2.0,
            plot.bottom() + TICK + 6.0 + below,
            text,
            FONT,
            palette.text,
            Align::Middle,
            Baseline::Top,
        );
    }
    if !y_label.is_empty() {
        scene.shapes.push(Shape::Text {
            x: PAD as f32,
            y: (plot.y + plot.h / 2.0) as f32,
            text: ellipsize(y_label, FONT, plot.h),
            size: FONT as f32,
            color: palette.text,
            align: Align::Middle,
            baseline: Baseline::Top,
            vertical: true,
            bold: false,
        });
    }
}

/// Category labels under band centers (`centers` in pixels), rotated-free: labels are cut
/// to the band width.
pub fn draw_category_labels(
    scene: &mut Scene,
    palette: &Palette,
    plot: Rect,
    labels: &[(f64, String)],
    band: f64,
) {
    for (cx, label) in labels {
        vline(scene, *cx, plot.bottom(), plot.bottom() + TICK, palette.axis);
        let text = ellipsize(label, FONT, (band - 4.0).max(12.0));
        scene.text(*cx, plot.bottom() + TICK + 3.0, text, FONT, palette.muted, Align::Middle, Baseline::Top);
    }
}

/// The legend: a swatch and a label per entry, then "+N more".
pub fn draw_legend(scene: &mut Scene, palette: &Palette, area: Rect, entries: &[(String, Rgba)], max: usize) {
    let row = LINE + 4.0;
    let fit = ((area.h / row).floor() as usize).max(1);
    let shown = entries.len().min(max).min(fit);
    let more = entries.len() - shown;
    let shown = if more > 0 && shown == fit { shown.saturating_sub(1) } else { shown };
    for (i, (label, color)) in entries.iter().take(shown).enumerate() {
        let y = area.y + i as f64 * row + row / 2.0;
        scene.shapes.push(Shape::Line {
            points: vec![[area.x as f32, y as f32], [(area.x + 14.0) as f32, y as f32]],
            color: *color,
            width: 3.0,
        });
        scene.text(
            area.x + 20.0,
            y,
            ellipsize(label, FONT, area.w - 20.0),
            FONT,
            palette.text,
            Align::Start,
            Baseline::Middle,
        );
    }
    let hidden = entries.len() - shown;
    if hidden > 0 {
        let y = area.y + shown as f64 * row + row / 2.0;
        scene.text(area.x, y, format!("+{hidden} more"), FONT, palette.muted, Align::Start, Baseline::Middle);
    }
}

/// A horizontal 1px line.
pub fn hline(scene: &mut Scene, x0: f64, x1: f64, y: f64, color: Rgba) {
    scene.shapes.push(Shape::Line {
        points: vec![[x0 as f32, y as f32], [x1 as f32, y as f32]],
        color,
        width: 1.0,
    });
}

/// A vertical 1px line.
pub fn vline(scene: &mut Scene, x: f64, y0: f64, y1: f64, color: Rgba) {
    scene.shapes.push(Shape::Line {
        points: vec![[x as f32, y0 as f32], [x as f32, y1 as f32]],
        color,
        width: 1.0,
    });
}

/// "Nothing to draw" in the middle of the plot, with the reason.
pub fn draw_empty(scene: &mut Scene, palette: &Palette, plot: Rect, reason: &str) {
    scene.text(
        plot.x + plot.w / 2.0,
        plot.y + plot.h / 2.0,
        ellipsize(reason, FONT, plot.w),
        FONT,
        palette.muted,
        Align::Middle,
        Baseline::Middle,
    );
}

/// A numeric scale over `[lo, hi]` with 4% padding (none on a log scale's lower end is
/// needed; it pads by a factor instead).
pub fn padded(kind: ScaleKind, lo: f64, hi: f64, px0: f64, px1: f64) -> Scale {
    let (lo, hi) = crate::scale::sane_domain(kind, lo, hi);
    match kind {
        ScaleKind::Linear => {
            let pad = (hi - lo) * 0.04;
            Scale::new(kind, lo - pad, hi + pad, px0, px1)
        }
        ScaleKind::Log => {
            let f = (hi / lo).powf(0.04);
            Scale::new(kind, lo / f, hi * f, px0, px1)
        }
    }
}

/// A scene with its frame laid out: the title drawn, the plot and legend areas known.
pub(crate) struct Started {
    /// The scene to draw into.
    pub scene: Scene,
    /// The plot area.
    pub plot: Rect,
    /// The legend column, when there is room and a legend.
    pub legend: Option<Rect>,
}

/// Lays out a chart of `ctx`'s size and theme with these legend entries, y tick width and
/// axis titles, and draws its title.
/// The plot width [`start`] gives with these legend entries and axis titles when the y
/// tick labels take no room: an upper bound of the final plot width, known before the y
/// range is (the tick labels' width depends on it).
pub(crate) fn widest_plot(
    ctx: &crate::render::Ctx<'_>,
    legend: &[(String, Rgba)],
    (x_label, y_label): (&str, &str),
) -> f64 {
    let o = ctx.options;
    let title = (!ctx.resolved.title.is_empty()).then_some(ctx.resolved.title.as_str());
    let (plot, _) = layout(&FrameSpec {
        width: f64::from(o.width),
        height: f64::from(o.height),
        title,
        x_label,
        y_label,
        legend: if o.legend { legend } else { &[] },
        max_legend: o.max_legend,
        y_tick_width: 0.0,
        x_tick_height: 0.0,
    });
    plot.w
}

pub(crate) fn start(
    ctx: &crate::render::Ctx<'_>,
    legend: &[(String, Rgba)],
    y_tick_width: f64,
    (x_label, y_label): (&str, &str),
) -> Started {
    let o = ctx.options;
    let (w, h) = (f64::from(o.width), f64::from(o.height));
    let title = (!ctx.resolved.title.is_empty()).then_some(ctx.resolved.title.as_str());
    let (plot, legend_area) = layout(&FrameSpec {
        width: w,
        height: h,
        title,
        x_label,
        y_label,
        legend: if o.legend { legend } else { &[] },
        max_legend: o.max_legend,
        y_tick_width,
        x_tick_height: 0.0,
    });
    let mut scene = Scene::new(o.width, o.height, o.pixel_ratio, ctx.palette.background);
    if let Some(t) = title {
        draw_title(&mut scene, &ctx.palette, t, plot, w);
    }
    Started { scene, plot, legend: legend_area }
}
