//! [`ChartHandle`]: a chart built from the loaded runs, drawn on an HTML canvas (through
//! plotters-canvas) or handed to JavaScript as a display list, with `pick`, `zoom` and
//! `reset` for interaction.

use runql_chart::scene::{Scene, Shape};
use runql_chart::text::{Align, Baseline, Flavor};
use runql_chart::{Chart, ChartOptions, Pick};
use wasm_bindgen::prelude::*;

use crate::error::{Result, WasmError};

/// A rendered chart that remembers its data and coordinate mapping.
///
/// # JavaScript Examples
///
/// ```javascript
/// const chart = db.chart(JSON.stringify({kind: "line", data: {preset: "curves", metric: "val/loss"}}));
/// chart.drawCanvas(document.querySelector("canvas"));
/// const hit = chart.pick(320, 140);   // {series, label, x, y, raw, distance} or null
/// chart.zoom(100, 500); chart.drawCanvas(canvas);
/// ```
#[wasm_bindgen]
pub struct ChartHandle {
    chart: Chart,
}

fn set(obj: &js_sys::Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = js_sys::Reflect::set(obj, &JsValue::from_str(key), value);
}

fn css(c: runql_chart::color::Rgba) -> String {
    format!("rgba({},{},{},{})", c.r, c.g, c.b, c.alpha())
}

fn points(pts: &[[f32; 2]]) -> js_sys::Float32Array {
    let flat: Vec<f32> = pts.iter().flat_map(|p| [p[0], p[1]]).collect();
    js_sys::Float32Array::from(flat.as_slice())
}

/// The scene as plain JavaScript objects: polylines and polygons as `Float32Array`s of
/// x, y pairs (a scene of 100 curves holds ~300k points; nested arrays would be slow).
pub fn scene_to_js(scene: &Scene) -> JsValue {
    let out = js_sys::Object::new();
    set(&out, "width", &JsValue::from(scene.width));
    set(&out, "height", &JsValue::from(scene.height));
    set(&out, "pixelRatio", &JsValue::from(scene.pixel_ratio));
    set(&out, "background", &JsValue::from_str(&css(scene.background)));
    let shapes = js_sys::Array::new();
    for shape in &scene.shapes {
        let o = js_sys::Object::new();
        match shape {
            Shape::Line { points: p, color, width } => {
                set(&o, "shape", &"line".into());
                set(&o, "points", &points(p));
                set(&o, "color", &css(*color).into());
                set(&o, "width", &JsValue::from(*width));
            }
            Shape::Area { points: p, color } => {
                set(&o, "shape", &"area".into());
                set(&o, "points", &points(p));
                set(&o, "color", &css(*color).into());
            }
            Shape::Rect { x, y, w, h, fill, stroke } => {
                set(&o, "shape", &"rect".into());
                for (k, v) in [("x", x), ("y", y), ("w", w), ("h", h)] {
                    set(&o, k, &JsValue::from(*v));
                }
                set(&o, "fill", &fill.map_or(JsValue::NULL, |c| css(c).into()));
                set(&o, "stroke", &stroke.map_or(JsValue::NULL, |c| css(c).into()));
            }
            Shape::Circle { x, y, r, fill } => {
                set(&o, "shape", &"circle".into());
                for (k, v) in [("x", x), ("y", y), ("r", r)] {
                    set(&o, k, &JsValue::from(*v));
                }
                set(&o, "fill", &css(*fill).into());
            }
            Shape::Text { x, y, text, size, color, align, baseline, vertical, bold } => {
                set(&o, "shape", &"text".into());
                for (k, v) in [("x", x), ("y", y), ("size", size)] {
                    set(&o, k, &JsValue::from(*v));
                }
                set(&o, "text", &text.as_str().into());
                set(&o, "color", &css(*color).into());
                let align = match align {
                    Align::Start => "start",
                    Align::Middle => "center",
                    Align::End => "end",
                };
                let baseline = match baseline {
                    Baseline::Top => "top",
                    Baseline::Middle => "middle",
                    Baseline::Bottom => "bottom",
                };
                set(&o, "align", &align.into());
                set(&o, "baseline", &baseline.into());
                set(&o, "vertical", &JsValue::from(*vertical));
                set(&o, "bold", &JsValue::from(*bold));
            }
        }
        shapes.push(&o);
    }
    set(&out, "shapes", &shapes);
    out.into()
}

fn pick_to_js(p: &Pick) -> JsValue {
    let o = js_sys::Object::new();
    set(&o, "series", &p.series.as_str().into());
    set(&o, "label", &p.label.as_str().into());
    set(&o, "x", &JsValue::from(p.x));
    set(&o, "y", &JsValue::from(p.y));
    set(&o, "raw", &p.raw.map_or(JsValue::NULL, JsValue::from));
    set(&o, "distance", &JsValue::from(p.distance));
    o.into()
}

impl ChartHandle {
    pub(crate) fn new(chart: Chart) -> ChartHandle {
        ChartHandle { chart }
    }
}

#[wasm_bindgen]
impl ChartHandle {
    /// Draws the chart on `canvas` with plotters' canvas backend. The canvas is sized to
    /// the chart: `width × pixelRatio` device pixels, shown at `width` CSS pixels, so lines
    /// and text are sharp on HiDPI screens.
    ///
    /// # Errors
    /// `kind: "chart"` when the chart cannot be drawn.
    #[wasm_bindgen(js_name = drawCanvas)]
    pub fn draw_canvas(&mut self, canvas: web_sys::HtmlCanvasElement) -> Result<()> {
        let scene = self.chart.render()?;
        let (w, h) = scene.device_size();
        // Setting a canvas's size, even to the size it has, throws its bitmap away and makes
        // a new one: a redraw at the same size (zoom, reset) only clears it.
        let resized = canvas.width() != w || canvas.height() != h;
        if resized {
            canvas.set_width(w);
            canvas.set_height(h);
        }
        let style = canvas.style();
        let _ = style.set_property("width", &format!("{}px", scene.width));
        let _ = style.set_property("height", &format!("{}px", scene.height));
        let mut backend = crate::canvas::LineBatchingCanvas::new(canvas)
            .ok_or_else(|| WasmError::Chart("the canvas has no 2D context".into()))?;
        if !resized {
            backend.clear();
        }
        scene.draw(&mut backend, Flavor::Pixels)?;
        Ok(())
    }

    /// The chart as an SVG document (text stays text: names are escaped, never markup).
    ///
    /// # Errors
    /// `kind: "chart"` when the chart cannot be drawn.
    pub fn svg(&mut self) -> Result<String> {
        Ok(self.chart.svg()?)
    }

    /// The display list: `{width, height, pixelRatio, background, shapes: [...]}` (see
    /// the package's `Scene` type); what a Web Worker sends to the page to draw.
    ///
    /// # Errors
    /// `kind: "chart"` when the chart cannot be drawn.
    pub fn scene(&mut self) -> Result<JsValue> {
        Ok(scene_to_js(self.chart.render()?))
    }

    /// The data point nearest to (x, y) CSS pixels within 24 px, as
    /// `{series, label, x, y, raw, distance}`, or `null`.
    pub fn pick(&mut self, x: f64, y: f64) -> JsValue {
        self.chart.pick(x, y).as_ref().map_or(JsValue::NULL, pick_to_js)
    }

    /// Shows only x from `x0` to `x1` (data units), from the full-resolution data.
    ///
    /// # Errors
    /// `kind: "chart"` unless both are finite and different.
    pub fn zoom(&mut self, x0: f64, x1: f64) -> Result<()> {
        Ok(self.chart.zoom(x0, x1)?)
    }

    /// Back to the whole x range.
    pub fn reset(&mut self) {
        self.chart.reset();
    }

    /// Data coordinates `[x, y]` of CSS pixel (px, py), or `null` for charts without
    /// numeric axes.
    #[wasm_bindgen(js_name = toData)]
    pub fn to_data(&mut self, px: f64, py: f64) -> JsValue {
        match self.chart.to_data(px, py) {
            Some((x, y)) => js_sys::Array::of2(&x.into(), &y.into()).into(),
            None => JsValue::NULL,
        }
    }

    /// CSS pixel position `[px, py]` of data point (x, y), or `null`.
    #[wasm_bindgen(js_name = toPixels)]
    pub fn to_pixels(&mut self, x: f64, y: f64) -> JsValue {
        match self.chart.to_pixels(x, y) {
            Some((px, py)) => js_sys::Array::of2(&px.into(), &py.into()).into(),
            None => JsValue::NULL,
        }
    }

    /// The plot area `{x, y, w, h}` in CSS pixels.
    #[wasm_bindgen(js_name = plotArea)]
    pub fn plot_area(&mut self) -> JsValue {
        match self.chart.plot_area() {
            Some(r) => {
                let o = js_sys::Object::new();
                for (k, v) in [("x", r.x), ("y", r.y), ("w", r.w), ("h", r.h)] {
                    set(&o, k, &JsValue::from(v));
                }
                o.into()
            }
            None => JsValue::NULL,
        }
    }

    /// The x range shown `[lo, hi]`, or `null`.
    #[wasm_bindgen(js_name = xRange)]
    pub fn x_range(&mut self) -> JsValue {
        match self.chart.x_range() {
            Some((a, b)) => js_sys::Array::of2(&a.into(), &b.into()).into(),
            None => JsValue::NULL,
        }
    }

    /// Replaces the options (JSON of the spec's `options`) without re-running the query:
    /// smoothing, theme, size, scales...
    ///
    /// # Errors
    /// `kind: "chart"` for invalid options; the chart keeps its old ones.
    #[wasm_bindgen(js_name = setOptions)]
    pub fn set_options(&mut self, options_json: &str) -> Result<()> {
        let options: ChartOptions = serde_json::from_str(options_json)
            .map_err(|e| WasmError::Chart(format!("chart options: {e}")))?;
        Ok(self.chart.set_options(options)?)
    }

    /// The spec in effect, as JSON.
    ///
    /// # Errors
    /// `kind: "internal"` if serialization fails.
    pub fn spec(&self) -> Result<String> {
        self.chart.spec().to_json().map_err(|e| WasmError::Internal(e.to_string()))
    }
}
