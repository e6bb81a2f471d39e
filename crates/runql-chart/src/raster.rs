//! Glyph rasterization for bitmap (PNG) output, from the embedded DejaVu Sans. SVG and
//! canvas never get here: they hand text to the viewer's font engine.

use plotters_backend::BackendColor;

use crate::color::Rgba;
use crate::text::TextError;

/// Calls `draw(x, y, color)` for every covered pixel of `text`, with (0, 0) the top-left
/// of its layout box (see `TextStyle::layout_box`) and partial coverage as alpha.
#[cfg(feature = "png")]
pub(crate) fn draw_text<E, F: FnMut(i32, i32, BackendColor) -> Result<(), E>>(
    text: &str,
    size_px: f64,
    color: Rgba,
    pos: (i32, i32),
    mut draw: F,
) -> Result<Result<(), E>, TextError> {
    use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
    let font = FontRef::try_from_slice(dejavu::sans::regular())
        .map_err(|e| TextError(format!("embedded font: {e}")))?;
    let scaled = font.as_scaled(PxScale::from(size_px as f32));
    let ascent = scaled.ascent();
    let mut caret = 0.0f32;
    let mut result = Ok(());
    for c in text.chars() {
        let id = font.glyph_id(c);
        let glyph = id.with_scale_and_position(scaled.scale(), point(caret, ascent));
        caret += scaled.h_advance(id);
        let Some(outline) = font.outline_glyph(glyph) else { continue };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            if result.is_err() || coverage <= 0.0 {
                return;
            }
            let x = pos.0 + bounds.min.x as i32 + gx as i32;
            let y = pos.1 + bounds.min.y as i32 + gy as i32;
            let c =
                BackendColor { alpha: color.alpha() * f64::from(coverage.min(1.0)), rgb: color.rgb_tuple() };
            result = draw(x, y, c);
        });
        if result.is_err() {
            break;
        }
    }
    Ok(result)
}

/// Without the `png` feature there is nothing to rasterize with.
#[cfg(not(feature = "png"))]
pub(crate) fn draw_text<E, F: FnMut(i32, i32, BackendColor) -> Result<(), E>>(
    _text: &str,
    _size_px: f64,
    _color: Rgba,
    _pos: (i32, i32),
    _draw: F,
) -> Result<Result<(), E>, TextError> {
    Err(TextError("this build draws text only through SVG or canvas (feature `png` is off)".into()))
}
