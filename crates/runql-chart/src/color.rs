//! Colors: themes, a categorical palette with a stable color per series key, and a
//! continuous scale (viridis) for numeric color encodings.

use plotters_backend::BackendColor;
use serde::Serialize;

use crate::spec::Theme;

/// An sRGB color with opacity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rgba {
    /// Red.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
    /// Opacity in thousandths (0–1000), so the type stays `Eq`-like and hashable in tests.
    pub a: u16,
}

impl Rgba {
    /// An opaque color.
    pub const fn rgb(r: u8, g: u8, b: u8) -> Rgba {
        Rgba { r, g, b, a: 1000 }
    }

    /// The color at opacity `alpha` (0–1).
    pub fn with_alpha(self, alpha: f64) -> Rgba {
        Rgba { a: (alpha.clamp(0.0, 1.0) * 1000.0).round() as u16, ..self }
    }

    /// Opacity 0–1.
    pub fn alpha(self) -> f64 {
        f64::from(self.a) / 1000.0
    }

    /// The (r, g, b) triple.
    pub fn rgb_tuple(self) -> (u8, u8, u8) {
        (self.r, self.g, self.b)
    }

    /// As plotters' color.
    pub fn backend(self) -> BackendColor {
        BackendColor { alpha: self.alpha(), rgb: self.rgb_tuple() }
    }

    /// `#rrggbb` (opacity not included).
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }

    /// Linear blend towards `other` by `t` (0 = self, 1 = other), opacity of `self`.
    pub fn mix(self, other: Rgba, t: f64) -> Rgba {
        let t = t.clamp(0.0, 1.0);
        let ch = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
        Rgba { r: ch(self.r, other.r), g: ch(self.g, other.g), b: ch(self.b, other.b), a: self.a }
    }
}

/// Colors of one theme.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    /// Background.
    pub background: Rgba,
    /// Titles, labels.
    pub text: Rgba,
    /// Tick labels and secondary text.
    pub muted: Rgba,
    /// Axis lines.
    pub axis: Rgba,
    /// Grid lines.
    pub grid: Rgba,
}

impl Palette {
    /// The palette of `theme`.
    pub fn of(theme: Theme) -> Palette {
        match theme {
            Theme::Light => Palette {
                background: Rgba::rgb(255, 255, 255),
                text: Rgba::rgb(33, 37, 41),
                muted: Rgba::rgb(95, 99, 104),
                axis: Rgba::rgb(134, 142, 150),
                grid: Rgba::rgb(233, 236, 239),
            },
            Theme::Dark => Palette {
                background: Rgba::rgb(24, 26, 31),
                text: Rgba::rgb(230, 232, 235),
                muted: Rgba::rgb(160, 166, 173),
                axis: Rgba::rgb(110, 116, 124),
                grid: Rgba::rgb(48, 52, 59),
            },
        }
    }
}

/// 20 distinguishable series colors (Tableau 10 and its light variants), readable on both
/// themes.
pub const SERIES_COLORS: [Rgba; 20] = [
    Rgba::rgb(31, 119, 180),
    Rgba::rgb(255, 127, 14),
    Rgba::rgb(44, 160, 44),
    Rgba::rgb(214, 39, 40),
    Rgba::rgb(148, 103, 189),
    Rgba::rgb(140, 86, 75),
    Rgba::rgb(227, 119, 194),
    Rgba::rgb(127, 127, 127),
    Rgba::rgb(188, 189, 34),
    Rgba::rgb(23, 190, 207),
    Rgba::rgb(174, 199, 232),
    Rgba::rgb(255, 187, 120),
    Rgba::rgb(152, 223, 138),
    Rgba::rgb(255, 152, 150),
    Rgba::rgb(197, 176, 213),
    Rgba::rgb(196, 156, 148),
    Rgba::rgb(247, 182, 210),
    Rgba::rgb(199, 199, 199),
    Rgba::rgb(219, 219, 141),
    Rgba::rgb(158, 218, 229),
];

/// The color of series `key`: the same key gets the same color in every chart and every
/// session (FNV-1a of the key picks from [`SERIES_COLORS`]), whatever else is drawn.
///
/// ```
/// use runql_chart::color::series_color;
/// assert_eq!(series_color("run-a"), series_color("run-a"));
/// ```
pub fn series_color(key: &str) -> Rgba {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let index = (hash % SERIES_COLORS.len() as u64) as usize;
    SERIES_COLORS.get(index).copied().unwrap_or(Rgba::rgb(31, 119, 180))
}

/// Viridis at 9 stops (perceptually uniform, color-blind safe).
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// Viridis at `t` in [0, 1] (clamped; NaN gives the middle).
pub fn viridis(t: f64) -> Rgba {
    let t = if t.is_nan() { 0.5 } else { t.clamp(0.0, 1.0) };
    let pos = t * (VIRIDIS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(VIRIDIS.len() - 2);
    let f = pos - i as f64;
    let (Some(&a), Some(&b)) = (VIRIDIS.get(i), VIRIDIS.get(i + 1)) else { return Rgba::rgb(33, 144, 141) };
    Rgba::rgb(a.0, a.1, a.2).mix(Rgba::rgb(b.0, b.1, b.2), f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colors_are_stable_and_spread() {
        let keys: Vec<String> = (0..200).map(|i| format!("run-{i}")).collect();
        let used: std::collections::HashSet<_> = keys.iter().map(|k| series_color(k).hex()).collect();
        assert!(used.len() >= 18, "200 keys use {} colors", used.len());
        // Pinned: a change here recolors every user's charts.
        assert_eq!(series_color("").hex(), series_color("").hex());
        assert_eq!(series_color("a"), SERIES_COLORS[(0xaf63dc4c8601ec8c_u64 % 20) as usize]);
    }

    #[test]
    fn viridis_ends_and_clamps() {
        assert_eq!(viridis(0.0), Rgba::rgb(68, 1, 84));
        assert_eq!(viridis(1.0), Rgba::rgb(253, 231, 37));
        assert_eq!(viridis(7.0), viridis(1.0));
        assert_eq!(viridis(-1.0), viridis(0.0));
        assert_eq!(viridis(f64::NAN), viridis(0.5));
    }
}
