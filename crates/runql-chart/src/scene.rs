//! [`Scene`]: a chart as a display list of shapes in CSS pixels, drawn onto any plotters
//! backend (SVG string, PNG bitmap, HTML canvas) or handed to JavaScript as is.
//!
//! Building the scene is where the chart logic lives; drawing it is a loop over shapes.
//! Keeping the two apart lets a Web Worker build the scene and the page draw it, and makes
//! every backend draw the same thing.

use std::borrow::Cow;

use plotters_backend::{BackendColor, BackendStyle, DrawingBackend, DrawingErrorKind};
use serde::Serialize;

use crate::color::Rgba;
use crate::error::{ChartError, Result};
use crate::text::{Align, Baseline, Flavor, TextStyle};

mod device_path;
use device_path::{device_path, device_pixel};

/// A point in CSS pixels.
pub type Point = [f32; 2];

/// One drawing primitive.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum Shape {
    /// An open polyline.
    Line {
        /// Vertices.
        points: Vec<Point>,
        /// Stroke color.
        color: Rgba,
        /// Stroke width in CSS pixels.
        width: f32,
    },
    /// A filled polygon (bands, areas).
    Area {
        /// Vertices (closed implicitly).
        points: Vec<Point>,
        /// Fill color.
        color: Rgba,
    },
    /// A rectangle, filled and/or outlined.
    Rect {
        /// Left.
        x: f32,
        /// Top.
        y: f32,
        /// Width.
        w: f32,
        /// Height.
        h: f32,
        /// Fill color.
        fill: Option<Rgba>,
        /// Outline color.
        stroke: Option<Rgba>,
    },
    /// A filled circle (scatter points, markers).
    Circle {
        /// Center x.
        x: f32,
        /// Center y.
        y: f32,
        /// Radius.
        r: f32,
        /// Fill color.
        fill: Rgba,
    },
    /// A line of text.
    Text {
        /// Anchor x.
        x: f32,
        /// Anchor y.
        y: f32,
        /// The text (drawn as text by every backend: never interpreted as markup).
        text: String,
        /// Pixels per em.
        size: f32,
        /// Color.
        color: Rgba,
        /// Horizontal alignment at the anchor.
        align: Align,
        /// Vertical alignment at the anchor.
        baseline: Baseline,
        /// Rotated a quarter turn counter-clockwise.
        vertical: bool,
        /// Bold.
        bold: bool,
    },
}

/// A rectangle in CSS pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rect {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

impl Rect {
    /// Right edge.
    pub fn right(&self) -> f64 {
        self.x + self.w
    }

    /// Bottom edge.
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }

    /// Whether (x, y) is inside.
    pub fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.x && x <= self.right() && y >= self.y && y <= self.bottom()
    }
}

/// A chart ready to draw: size, background and shapes in drawing order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scene {
    /// Width in CSS pixels.
    pub width: u32,
    /// Height in CSS pixels.
    pub height: u32,
    /// Device pixels per CSS pixel.
    pub pixel_ratio: f64,
    /// Background color.
    pub background: Rgba,
    /// Shapes, back to front.
    pub shapes: Vec<Shape>,
}

struct Stroke {
    color: BackendColor,
    width: u32,
}

impl BackendStyle for Stroke {
    fn color(&self) -> BackendColor {
        self.color
    }

    fn stroke_width(&self) -> u32 {
        self.width
    }
}

fn draw_err<E: std::error::Error + Send + Sync>(e: DrawingErrorKind<E>) -> ChartError {
    ChartError::Draw(e.to_string())
}

impl Scene {
    /// An empty scene.
    pub fn new(width: u32, height: u32, pixel_ratio: f64, background: Rgba) -> Scene {
        Scene { width, height, pixel_ratio, background, shapes: Vec::new() }
    }

    /// Size in device pixels.
    pub fn device_size(&self) -> (u32, u32) {
        let px = |v: u32| (f64::from(v) * self.pixel_ratio).round().max(1.0) as u32;
        (px(self.width), px(self.height))
    }

    /// Adds a polyline, cut where it leaves `clip` (and where a point is not finite). Given
    /// as a vector, a line wholly inside is kept as it is, not copied.
    ///
    /// ```
    /// use runql_chart::{color::Rgba, scene::{Rect, Scene}};
    /// let mut scene = Scene::new(100, 100, 1.0, Rgba::rgb(255, 255, 255));
    /// let plot = Rect { x: 10.0, y: 10.0, w: 80.0, h: 80.0 };
    /// scene.line_clipped(vec![[20.0, 20.0], [50.0, 80.0]], plot, Rgba::rgb(0, 0, 0), 1.5);
    /// scene.line_clipped(&[[0.0, 50.0], [50.0, 50.0]][..], plot, Rgba::rgb(0, 0, 0), 1.5);
    /// assert_eq!(scene.shapes.len(), 2);
    /// ```
    pub fn line_clipped<'p>(
        &mut self,
        points: impl Into<Cow<'p, [Point]>>,
        clip: Rect,
        color: Rgba,
        width: f32,
    ) {
        let points = points.into();
        if wholly_inside(&points, clip) {
            self.shapes.push(Shape::Line { points: points.into_owned(), color, width });
            return;
        }
        for piece in clip_pieces(&points, clip) {
            if piece.len() >= 2 {
                self.shapes.push(Shape::Line { points: piece, color, width });
            }
        }
    }

    /// Adds a filled polygon cut to `clip`.
    pub fn area_clipped(&mut self, points: &[Point], clip: Rect, color: Rgba) {
        let cut = clip_polygon(points, clip);
        if cut.len() >= 3 {
            self.shapes.push(Shape::Area { points: cut, color });
        }
    }

    /// Adds a text.
    #[allow(clippy::too_many_arguments)]
    pub fn text(
        &mut self,
        x: f64,
        y: f64,
        text: impl Into<String>,
        size: f64,
        color: Rgba,
        align: Align,
        baseline: Baseline,
    ) {
        self.shapes.push(Shape::Text {
            x: x as f32,
            y: y as f32,
            text: text.into(),
            size: size as f32,
            color,
            align,
            baseline,
            vertical: false,
            bold: false,
        });
    }

    /// Draws the scene onto a plotters backend of [`Scene::device_size`]. `flavor` says how
    /// the backend reads text sizes.
    ///
    /// # Errors
    /// [`ChartError::Draw`] with the backend's message.
    pub fn draw<B: DrawingBackend>(&self, backend: &mut B, flavor: Flavor) -> Result<()> {
        let k = self.pixel_ratio;
        let at = |p: &Point| device_pixel(p, k);
        let (w, h) = self.device_size();
        let bg = Stroke { color: self.background.backend(), width: 1 };
        backend.draw_rect((0, 0), (w as i32, h as i32), &bg, true).map_err(draw_err)?;
        // One buffer for every line's device pixels.
        let mut path = Vec::new();
        for shape in &self.shapes {
            match shape {
                Shape::Line { points, color, width } => {
                    let style = Stroke {
                        color: color.backend(),
                        width: ((f64::from(*width) * k).round() as u32).max(1),
                    };
                    device_path(points, k, &mut path);
                    if flavor == Flavor::Bitmap && style.width > 1 {
                        for pair in path.windows(2) {
                            if let &[from, to] = pair {
                                backend.draw_line(from, to, &style).map_err(draw_err)?;
                            }
                        }
                    } else {
                        backend.draw_path(path.iter().copied(), &style).map_err(draw_err)?;
                    }
                }
                Shape::Area { points, color } => {
                    let style = Stroke { color: color.backend(), width: 1 };
                    backend.fill_polygon(points.iter().map(at), &style).map_err(draw_err)?;
                }
                Shape::Rect { x, y, w, h, fill, stroke } => {
                    let p0 = at(&[*x, *y]);
                    let p1 = at(&[*x + *w, *y + *h]);
                    if let Some(fill) = fill {
                        backend
                            .draw_rect(p0, p1, &Stroke { color: fill.backend(), width: 1 }, true)
                            .map_err(draw_err)?;
                    }
                    if let Some(stroke) = stroke {
                        let style = Stroke { color: stroke.backend(), width: (k.round() as u32).max(1) };
                        backend.draw_rect(p0, p1, &style, false).map_err(draw_err)?;
                    }
                }
                Shape::Circle { x, y, r, fill } => {
                    let radius = ((f64::from(*r) * k).round() as u32).max(1);
                    backend
                        .draw_circle(at(&[*x, *y]), radius, &Stroke { color: fill.backend(), width: 1 }, true)
                        .map_err(draw_err)?;
                }
                Shape::Text { x, y, text, size, color, align, baseline, vertical, bold } => {
                    let style = TextStyle {
                        size_px: f64::from(*size) * k,
                        color: *color,
                        align: *align,
                        baseline: *baseline,
                        vertical: *vertical,
                        bold: *bold,
                        flavor,
                    };
                    // plotters-svg escapes markup but writes control characters as they
                    // are, which no XML parser accepts.
                    let text = match flavor {
                        Flavor::Svg => crate::text::xml_safe(text),
                        Flavor::Pixels | Flavor::Bitmap => Cow::Borrowed(text.as_str()),
                    };
                    backend.draw_text(&text, &style, at(&[*x, *y])).map_err(draw_err)?;
                }
            }
        }
        backend.present().map_err(draw_err)
    }

    /// The scene as an SVG document.
    ///
    /// # Errors
    /// [`ChartError::Draw`] if the SVG backend fails.
    pub fn to_svg(&self) -> Result<String> {
        let mut out = String::new();
        {
            let mut backend = plotters_svg::SVGBackend::with_string(&mut out, self.device_size());
            self.draw(&mut backend, Flavor::Svg)?;
        }
        Ok(out)
    }

    /// The scene as a PNG image (text rasterized with the embedded DejaVu Sans, so the
    /// output does not depend on installed fonts).
    ///
    /// # Errors
    /// [`ChartError::Draw`] if drawing or encoding fails.
    #[cfg(feature = "png")]
    pub fn to_png(&self) -> Result<Vec<u8>> {
        let (w, h) = self.device_size();
        let mut rgb = vec![0u8; (w as usize) * (h as usize) * 3];
        {
            let mut backend = plotters_bitmap::BitMapBackend::with_buffer(&mut rgb, (w, h));
            self.draw(&mut backend, Flavor::Bitmap)?;
        }
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| ChartError::Draw(format!("png: {e}")))?;
        writer.write_image_data(&rgb).map_err(|e| ChartError::Draw(format!("png: {e}")))?;
        writer.finish().map_err(|e| ChartError::Draw(format!("png: {e}")))?;
        Ok(out)
    }
}

/// Whether a polyline of at least two points lies wholly inside `clip`, every point finite.
fn wholly_inside(points: &[Point], clip: Rect) -> bool {
    let finite_inside =
        |p: &Point| p[0].is_finite() && p[1].is_finite() && clip.contains(f64::from(p[0]), f64::from(p[1]));
    points.len() >= 2 && points.iter().all(finite_inside)
}

/// Splits a polyline into the pieces inside `clip` (Liang–Barsky per segment). Non-finite
/// points break the line.
pub fn clip_polyline(points: &[Point], clip: Rect) -> Vec<Vec<Point>> {
    // Most lines lie wholly inside their plot: one check per point, then one copy.
    if wholly_inside(points, clip) {
        return vec![points.to_vec()];
    }
    clip_pieces(points, clip)
}

/// [`clip_polyline`] of a line known not to lie wholly inside `clip`: segment by segment.
fn clip_pieces(points: &[Point], clip: Rect) -> Vec<Vec<Point>> {
    let mut pieces: Vec<Vec<Point>> = Vec::new();
    let mut current: Vec<Point> = Vec::new();
    let finite = |p: &Point| p[0].is_finite() && p[1].is_finite();
    let mut flush = |current: &mut Vec<Point>| {
        if !current.is_empty() {
            pieces.push(std::mem::take(current));
        }
    };
    if points.len() == 1
        && let Some(p) = points.first()
        && finite(p)
        && clip.contains(f64::from(p[0]), f64::from(p[1]))
    {
        return vec![vec![*p]];
    }
    for pair in points.windows(2) {
        let [a, b] = pair else { continue };
        if !finite(a) || !finite(b) {
            flush(&mut current);
            continue;
        }
        match clip_segment(*a, *b, clip) {
            Some((p, q, p_moved, q_moved)) => {
                if p_moved || current.is_empty() {
                    flush(&mut current);
                    current.push(p);
                }
                current.push(q);
                if q_moved {
                    flush(&mut current);
                }
            }
            None => flush(&mut current),
        }
    }
    flush(&mut current);
    pieces
}

/// The part of segment a→b inside `clip`, and whether each end was moved.
fn clip_segment(a: Point, b: Point, clip: Rect) -> Option<(Point, Point, bool, bool)> {
    // Most segments of a chart lie inside its plot: skip the four divisions for them.
    let inside = |p: Point| clip.contains(f64::from(p[0]), f64::from(p[1]));
    if inside(a) && inside(b) {
        return Some((a, b, false, false));
    }
    let (x0, y0) = (f64::from(a[0]), f64::from(a[1]));
    let (dx, dy) = (f64::from(b[0]) - x0, f64::from(b[1]) - y0);
    let mut t0 = 0.0f64;
    let mut t1 = 1.0f64;
    for (p, q) in [(-dx, x0 - clip.x), (dx, clip.right() - x0), (-dy, y0 - clip.y), (dy, clip.bottom() - y0)]
    {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                if r > t1 {
                    return None;
                }
                t0 = t0.max(r);
            } else {
                if r < t0 {
                    return None;
                }
                t1 = t1.min(r);
            }
        }
    }
    let at = |t: f64| [(x0 + t * dx) as f32, (y0 + t * dy) as f32];
    Some((if t0 > 0.0 { at(t0) } else { a }, if t1 < 1.0 { at(t1) } else { b }, t0 > 0.0, t1 < 1.0))
}

/// A polygon cut to `clip` (Sutherland–Hodgman). Non-finite vertices are dropped.
pub fn clip_polygon(points: &[Point], clip: Rect) -> Vec<Point> {
    let mut poly: Vec<[f64; 2]> = points
        .iter()
        .filter(|p| p[0].is_finite() && p[1].is_finite())
        .map(|p| [f64::from(p[0]), f64::from(p[1])])
        .collect();
    type Edge = (fn(&[f64; 2], f64) -> bool, fn(&[f64; 2], &[f64; 2], f64) -> [f64; 2], f64);
    let lerp_x = |a: &[f64; 2], b: &[f64; 2], x: f64| {
        let t = (x - a[0]) / (b[0] - a[0]);
        [x, a[1] + t * (b[1] - a[1])]
    };
    let lerp_y = |a: &[f64; 2], b: &[f64; 2], y: f64| {
        let t = (y - a[1]) / (b[1] - a[1]);
        [a[0] + t * (b[0] - a[0]), y]
    };
    let edges: [Edge; 4] = [
        (|p, v| p[0] >= v, lerp_x, clip.x),
        (|p, v| p[0] <= v, lerp_x, clip.right()),
        (|p, v| p[1] >= v, lerp_y, clip.y),
        (|p, v| p[1] <= v, lerp_y, clip.bottom()),
    ];
    for (inside, cross, v) in edges {
        let Some(&last) = poly.last() else { break };
        let mut out = Vec::with_capacity(poly.len() + 4);
        let mut prev = last;
        for &cur in &poly {
            match (inside(&cur, v), inside(&prev, v)) {
                (true, true) => out.push(cur),
                (true, false) => {
                    out.push(cross(&prev, &cur, v));
                    out.push(cur);
                }
                (false, true) => out.push(cross(&prev, &cur, v)),
                (false, false) => {}
            }
            prev = cur;
        }
        poly = out;
    }
    poly.into_iter().map(|p| [p[0] as f32, p[1] as f32]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOX: Rect = Rect { x: 0.0, y: 0.0, w: 10.0, h: 10.0 };

    #[test]
    fn polyline_inside_is_kept_whole() {
        let pts = [[1.0, 1.0], [5.0, 5.0], [9.0, 2.0]];
        assert_eq!(clip_polyline(&pts, BOX), vec![pts.to_vec()]);
    }

    #[test]
    fn polyline_leaving_and_reentering_is_split() {
        let pts = [[5.0, 5.0], [15.0, 5.0], [15.0, 8.0], [5.0, 8.0]];
        let pieces = clip_polyline(&pts, BOX);
        assert_eq!(pieces, vec![vec![[5.0, 5.0], [10.0, 5.0]], vec![[10.0, 8.0], [5.0, 8.0]]]);
    }

    #[test]
    fn nan_breaks_the_line_and_outside_vanishes() {
        let pts = [[1.0, 1.0], [2.0, 2.0], [f32::NAN, 3.0], [3.0, 3.0], [4.0, 4.0]];
        assert_eq!(clip_polyline(&pts, BOX).len(), 2);
        assert!(clip_polyline(&[[20.0, 20.0], [30.0, 30.0]], BOX).is_empty());
    }

    #[test]
    fn polygon_is_cut_to_the_box() {
        let poly = clip_polygon(&[[-5.0, 5.0], [5.0, -5.0], [15.0, 5.0], [5.0, 15.0]], BOX);
        assert!(poly.len() >= 4);
        assert!(poly.iter().all(|p| (0.0..=10.0).contains(&p[0]) && (0.0..=10.0).contains(&p[1])));
        assert!(clip_polygon(&[[20.0, 20.0], [30.0, 20.0], [30.0, 30.0]], BOX).is_empty());
    }
}
