//! Drawing a chart on an HTML canvas: plotters' canvas backend, except that a line is
//! handed to JavaScript in one call.
//!
//! plotters-canvas strokes a path with one `lineTo` call per point, each a crossing from
//! WebAssembly into JavaScript; a 10M-point chart draws about 400,000 points after M4, and
//! those crossings were the largest part of drawing it. Here the points go over as one
//! `Int32Array` (a view of wasm memory, not a copy) and a few lines of JavaScript walk it.
//! Everything else is drawn by plotters-canvas itself.

use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};
use plotters_canvas::CanvasBackend;
use wasm_bindgen::prelude::*;
use web_sys::CanvasRenderingContext2d;

#[wasm_bindgen(inline_js = "
export function strokePolyline(ctx, coords, color, width) {
  if (coords.length < 2) return;
  ctx.beginPath();
  ctx.moveTo(coords[0], coords[1]);
  for (let i = 2; i + 1 < coords.length; i += 2) ctx.lineTo(coords[i], coords[i + 1]);
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.stroke();
}
")]
extern "C" {
    /// Strokes the polyline `coords` (x0, y0, x1, y1, …) in `color` at `width` pixels.
    #[wasm_bindgen(js_name = strokePolyline)]
    fn stroke_polyline(ctx: &CanvasRenderingContext2d, coords: &[i32], color: &str, width: f64);
}

/// plotters' canvas backend with lines stroked in one JavaScript call each.
pub(crate) struct LineBatchingCanvas {
    inner: CanvasBackend,
    context: CanvasRenderingContext2d,
    /// Reused between lines.
    coords: Vec<i32>,
}

impl LineBatchingCanvas {
    /// The backend for `canvas`, or `None` when it has no 2D context.
    pub(crate) fn new(canvas: web_sys::HtmlCanvasElement) -> Option<LineBatchingCanvas> {
        let context = canvas.get_context("2d").ok()??.dyn_into::<CanvasRenderingContext2d>().ok()?;
        let inner = CanvasBackend::with_canvas_object(canvas)?;
        Some(LineBatchingCanvas { inner, context, coords: Vec::new() })
    }

    /// Clears the whole canvas (a transparent background must not show the last chart).
    pub(crate) fn clear(&self) {
        // Drawing leaves no transform behind, but a page may have set one on the context.
        let _ = self.context.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
        let canvas = self.context.canvas();
        let (w, h) = canvas.map_or((0.0, 0.0), |c| (f64::from(c.width()), f64::from(c.height())));
        self.context.clear_rect(0.0, 0.0, w, h);
    }
}

type Result<T> = std::result::Result<T, DrawingErrorKind<<CanvasBackend as DrawingBackend>::ErrorType>>;

impl DrawingBackend for LineBatchingCanvas {
    type ErrorType = <CanvasBackend as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<()> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<()> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<()> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Result<()> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<()> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<()> {
        // As plotters-canvas: nothing for a transparent style, the same color text.
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        // Filled as a local and put back: in WebAssembly the length of a vector behind
        // `self` would be stored and read back around every push.
        let mut coords = std::mem::take(&mut self.coords);
        coords.clear();
        let path = path.into_iter();
        // Room for the most the path can give, so the pushes never grow the vector.
        let (least, most) = path.size_hint();
        coords.reserve(2 * most.unwrap_or(least));
        for (x, y) in path {
            coords.push(x);
            coords.push(y);
        }
        let (r, g, b) = color.rgb;
        let css = format!("rgba({r},{g},{b},{})", color.alpha);
        stroke_polyline(&self.context, &coords, &css, f64::from(style.stroke_width()));
        self.coords = coords;
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<()> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<()> {
        self.inner.fill_polygon(vert, style)
    }

    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, pos: BackendCoord) -> Result<()> {
        self.inner.draw_text(text, style, pos)
    }

    fn estimate_text_size<S: BackendTextStyle>(&self, text: &str, style: &S) -> Result<(u32, u32)> {
        self.inner.estimate_text_size(text, style)
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Result<()> {
        self.inner.blit_bitmap(pos, size, src)
    }
}
