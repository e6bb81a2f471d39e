//! What a chart kind renders with and what it gives back: the resolved encodings and
//! titles ([`Resolved`]), the context of a render ([`Ctx`]), and the scene with its pickable
//! points ([`Rendered`]). `chart.rs` drives the kinds; the kinds and the frame drawing use
//! these, so none of them needs the other.

use serde::Serialize;

use crate::color::Palette;
use crate::scale::Scale;
use crate::scene::{Rect, Scene};
use crate::spec::{ChartOptions, Encoding, XAxisKind};

/// The encodings and titles a chart ends up with: the spec's own, completed by its preset.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Resolved {
    /// Encodings.
    pub encoding: Encoding,
    /// Title (may be empty).
    pub title: String,
    /// x axis title.
    pub x_label: String,
    /// y axis title.
    pub y_label: String,
    /// How x ticks are labelled.
    pub x_axis: XAxisKind,
}

/// A pickable point of a rendered chart.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub px: f32,
    pub py: f32,
    pub series: u32,
    pub x: f64,
    pub y: f64,
    pub raw: f64,
    /// For bars and cells: the rectangle that counts as a hit.
    pub rect: Option<Rect>,
}

/// The drawn points of one curve, for picking: a line chart keeps these instead of a
/// [`Hit`] per point, since it draws hundreds of thousands of points per frame.
pub(crate) struct CurvePoints {
    /// Index of the series in [`Rendered::series`].
    pub series: u32,
    /// Data (x, y) of each drawn point (placed in pixels by the rendering's scales when
    /// picked: a pick is rare, and keeping the pixels would copy every line).
    pub data: Vec<(f64, f64)>,
    /// The raw y of each point when the drawn y is smoothed; empty otherwise.
    pub raw: Vec<f64>,
}

/// What a kind's renderer produces.
pub(crate) struct Rendered {
    pub scene: Scene,
    pub hits: Vec<Hit>,
    /// Points of line charts' curves (pickable like `hits`, inside `plot`).
    pub curves: Vec<CurvePoints>,
    /// (key, label) of each series index in `hits`.
    pub series: Vec<(String, String)>,
    pub plot: Rect,
    pub x: Option<Scale>,
    pub y: Option<Scale>,
}

/// Everything a kind needs to render.
pub(crate) struct Ctx<'a> {
    pub options: &'a ChartOptions,
    pub resolved: &'a Resolved,
    pub palette: Palette,
    /// The x range to show (zoom), if any.
    pub x_range: Option<(f64, f64)>,
}
