//! Text: measuring (the same numbers on every target, so layouts and golden SVGs do not
//! depend on installed fonts) and the text style handed to plotters backends.
//!
//! Widths come from DejaVu Sans's advance table for U+0020–U+007E and U+00A0–U+017F
//! (font units, 2048 per em; a test checks them against the font file). Other characters
//! count as 0.6 em, or 1 em for wide scripts (CJK, emoji). Only PNG output rasterizes
//! glyphs (with the embedded font, feature `png`); SVG and canvas leave drawing to the
//! viewer's font engine, asking for DejaVu Sans first.

use plotters_backend::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendTextStyle, FontFamily, FontStyle, FontTransform};

use crate::color::Rgba;

/// Font units per em of the width tables.
pub const UNITS_PER_EM: f64 = 2048.0;
/// Ascent − descent of DejaVu Sans, in em: the height of a line of text.
pub const LINE_HEIGHT_EM: f64 = (1901.0 + 483.0) / UNITS_PER_EM;
/// The font family written into SVG and canvas text.
pub const FONT_FAMILY: &str = "DejaVu Sans, Verdana, sans-serif";

/// Advance widths of U+0020..=U+007E.
const ASCII_WIDTHS: [u16; 95] = [
    651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690, 1303, 1303, 1303,
    1303, 1303, 1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716, 1716, 1087, 2048, 1401, 1405, 1430, 1577,
    1294, 1178, 1587, 1540, 604, 604, 1343, 1141, 1767, 1532, 1612, 1235, 1612, 1423, 1300, 1251, 1499, 1401,
    2025, 1403, 1251, 1403, 799, 690, 799, 1716, 1024, 1024, 1255, 1300, 1126, 1300, 1260, 721, 1300, 1298,
    569, 569, 1186, 569, 1995, 1298, 1253, 1300, 1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075,
    1303, 690, 1303, 1716,
];

/// Advance widths of U+00A0..=U+017F.
const LATIN_WIDTHS: [u16; 224] = [
    651, 821, 1303, 1303, 1303, 1303, 690, 1024, 1024, 2048, 965, 1253, 1716, 739, 2048, 1024, 1024, 1716,
    821, 821, 1024, 1303, 1303, 651, 1024, 821, 965, 1253, 1985, 1985, 1985, 1087, 1401, 1401, 1401, 1401,
    1401, 1401, 1995, 1430, 1294, 1294, 1294, 1294, 604, 604, 604, 604, 1587, 1532, 1612, 1612, 1612, 1612,
    1612, 1716, 1612, 1499, 1499, 1499, 1499, 1251, 1239, 1290, 1255, 1255, 1255, 1255, 1255, 1255, 2011,
    1126, 1260, 1260, 1260, 1260, 569, 569, 569, 569, 1253, 1298, 1253, 1253, 1253, 1253, 1253, 1716, 1253,
    1298, 1298, 1298, 1298, 1212, 1300, 1212, 1401, 1255, 1401, 1255, 1401, 1255, 1430, 1126, 1430, 1126,
    1430, 1126, 1430, 1126, 1577, 1300, 1587, 1300, 1294, 1260, 1294, 1260, 1294, 1260, 1294, 1260, 1294,
    1260, 1587, 1300, 1587, 1300, 1587, 1300, 1587, 1300, 1540, 1298, 1876, 1423, 604, 569, 604, 569, 604,
    569, 604, 569, 604, 569, 1208, 1138, 604, 569, 1343, 1186, 1186, 1141, 569, 1141, 569, 1141, 768, 1141,
    700, 1151, 582, 1532, 1298, 1532, 1298, 1532, 1298, 1666, 1532, 1298, 1612, 1253, 1612, 1253, 1612, 1253,
    2191, 2095, 1423, 842, 1423, 842, 1423, 842, 1300, 1067, 1300, 1067, 1300, 1067, 1300, 1067, 1251, 803,
    1251, 803, 1251, 803, 1499, 1298, 1499, 1298, 1499, 1298, 1499, 1298, 1499, 1298, 1499, 1298, 2025, 1675,
    1251, 1212, 1251, 1403, 1075, 1403, 1075, 1403, 1075, 721,
];

/// Advance width of `c` in font units.
pub fn advance(c: char) -> f64 {
    let code = u32::from(c);
    let from_table = match code {
        0x20..=0x7e => ASCII_WIDTHS.get((code - 0x20) as usize),
        0xa0..=0x17f => LATIN_WIDTHS.get((code - 0xa0) as usize),
        _ => None,
    };
    match from_table {
        Some(&w) => f64::from(w),
        // East Asian scripts and emoji are about one em wide; the rest about 0.6 em.
        None if (0x2e80..=0xa4cf).contains(&code) || (0xac00..=0xd7a3).contains(&code) || code >= 0x1f300 => {
            UNITS_PER_EM
        }
        None => 0.6 * UNITS_PER_EM,
    }
}

/// Width of `text` at `size_px` pixels per em.
///
/// ```
/// use runql_chart::text::measure;
/// assert!((measure("0", 10.0) - 10.0 * 1303.0 / 2048.0).abs() < 1e-9);
/// assert!(measure("val/loss", 12.0) > measure("lr", 12.0));
/// ```
pub fn measure(text: &str, size_px: f64) -> f64 {
    text.chars().map(advance).sum::<f64>() * size_px / UNITS_PER_EM
}

/// `text` cut to at most `max_px` wide at `size_px`, ending in `…` when cut.
pub fn ellipsize(text: &str, size_px: f64, max_px: f64) -> String {
    if measure(text, size_px) <= max_px {
        return text.to_owned();
    }
    let budget = max_px - measure("…", size_px);
    let mut used = 0.0;
    let mut out = String::new();
    for c in text.chars() {
        let w = advance(c) * size_px / UNITS_PER_EM;
        if used + w > budget {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Whether XML 1.0 allows `c` in a document: not the C0 controls other than tab, newline
/// and carriage return, nor the noncharacters U+FFFE and U+FFFF (surrogates cannot be in a
/// `str`).
fn xml_char(c: char) -> bool {
    !matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

/// `text` with every character XML 1.0 does not allow (see [`xml_char`]) replaced by
/// U+FFFD, so an SVG holding it is well-formed: a run name with a terminal color code
/// (`\u{1b}[31m`) or a NUL otherwise made the whole SVG unreadable to browsers. Borrowed
/// when nothing needs replacing.
///
/// ```
/// use runql_chart::text::xml_safe;
/// assert_eq!(xml_safe("\u{1b}[31mrun-1\u{0}"), "\u{fffd}[31mrun-1\u{fffd}");
/// assert!(matches!(xml_safe("a\tb"), std::borrow::Cow::Borrowed("a\tb")));
/// ```
pub fn xml_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().all(xml_char) {
        std::borrow::Cow::Borrowed(text)
    } else {
        text.chars().map(|c| if xml_char(c) { c } else { char::REPLACEMENT_CHARACTER }).collect()
    }
}

/// Horizontal alignment of a text at its anchor point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    /// Text starts at the anchor.
    Start,
    /// Text is centered on the anchor.
    Middle,
    /// Text ends at the anchor.
    End,
}

/// Vertical alignment of a text at its anchor point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Baseline {
    /// The anchor is at the top of the text.
    Top,
    /// The anchor is at the middle of the text.
    Middle,
    /// The anchor is at the bottom of the text.
    Bottom,
}

/// Which backend a [`TextStyle`] is for: plotters' SVG backend writes `font-size` as
/// `size / 1.24`, its canvas backend as `size`, so the size handed over differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// plotters-svg.
    Svg,
    /// plotters-canvas and other backends that take the size as CSS pixels.
    Pixels,
    /// plotters-bitmap: sizes as pixels; thick polylines are drawn segment by segment,
    /// because its joins have no miter limit and sharp turns would grow long spikes.
    Bitmap,
}

/// A text style for plotters backends: size in pixels, color, alignment, rotation.
#[derive(Debug, Clone, Copy)]
pub struct TextStyle {
    /// Pixels per em.
    pub size_px: f64,
    /// Fill color.
    pub color: Rgba,
    /// Horizontal alignment.
    pub align: Align,
    /// Vertical alignment.
    pub baseline: Baseline,
    /// Rotated a quarter turn counter-clockwise (y axis titles).
    pub vertical: bool,
    /// Bold.
    pub bold: bool,
    /// The backend it is handed to.
    pub flavor: Flavor,
}

impl BackendTextStyle for TextStyle {
    type FontError = TextError;

    fn color(&self) -> BackendColor {
        self.color.backend()
    }

    fn size(&self) -> f64 {
        match self.flavor {
            Flavor::Svg => self.size_px * 1.24,
            Flavor::Pixels | Flavor::Bitmap => self.size_px,
        }
    }

    fn transform(&self) -> FontTransform {
        if self.vertical { FontTransform::Rotate270 } else { FontTransform::None }
    }

    fn style(&self) -> FontStyle {
        if self.bold { FontStyle::Bold } else { FontStyle::Normal }
    }

    fn anchor(&self) -> Pos {
        let h = match self.align {
            Align::Start => HPos::Left,
            Align::Middle => HPos::Center,
            Align::End => HPos::Right,
        };
        let v = match self.baseline {
            Baseline::Top => VPos::Top,
            Baseline::Middle => VPos::Center,
            Baseline::Bottom => VPos::Bottom,
        };
        Pos::new(h, v)
    }

    fn family(&self) -> FontFamily<'_> {
        FontFamily::Name(FONT_FAMILY)
    }

    fn layout_box(&self, text: &str) -> Result<((i32, i32), (i32, i32)), TextError> {
        let w = measure(text, self.size_px).ceil() as i32;
        let h = (LINE_HEIGHT_EM * self.size_px).ceil() as i32;
        Ok(((0, 0), (w, h)))
    }

    fn draw<E, F: FnMut(i32, i32, BackendColor) -> Result<(), E>>(
        &self,
        text: &str,
        pos: BackendCoord,
        draw: F,
    ) -> Result<Result<(), E>, TextError> {
        crate::raster::draw_text(text, self.size_px, self.color, pos, draw)
    }
}

/// Text cannot be rasterized (only PNG output rasterizes text, with feature `png`).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct TextError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ellipsize_fits_and_marks_the_cut() {
        let long = "a-very-long-run-name-that-does-not-fit";
        let cut = ellipsize(long, 12.0, 80.0);
        assert!(cut.ends_with('…'));
        assert!(measure(&cut, 12.0) <= 80.0);
        assert_eq!(ellipsize("lr", 12.0, 80.0), "lr");
    }

    #[test]
    fn unknown_characters_have_a_width() {
        assert_eq!(advance('中'), UNITS_PER_EM);
        assert!((advance('→') - 0.6 * UNITS_PER_EM).abs() < 1e-9);
    }

    #[cfg(feature = "png")]
    #[test]
    fn tables_match_the_embedded_font() {
        use ab_glyph::{Font, FontRef};
        let font = FontRef::try_from_slice(dejavu::sans::regular()).unwrap();
        assert_eq!(font.units_per_em(), Some(UNITS_PER_EM as f32));
        for c in (0x20u32..0x7f).chain(0xa0..0x180).filter_map(char::from_u32) {
            let want = font.h_advance_unscaled(font.glyph_id(c));
            assert_eq!(advance(c), f64::from(want), "{c:?}");
        }
    }
}
