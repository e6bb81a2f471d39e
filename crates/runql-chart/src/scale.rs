//! Axis scales: data ↔ pixel mapping, "nice" ticks and tick labels.

use crate::spec::{ScaleKind, XAxisKind};

/// A mapping from a data interval onto a pixel interval (linear or log10).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Scale {
    /// Linear or log.
    pub kind: ScaleKind,
    /// Data value at `px0`.
    pub lo: f64,
    /// Data value at `px1`.
    pub hi: f64,
    /// Pixel position of `lo`.
    pub px0: f64,
    /// Pixel position of `hi` (smaller than `px0` for a y axis: pixels grow downwards).
    pub px1: f64,
    /// Ticks only at whole numbers (counts).
    pub integer: bool,
}

impl Scale {
    /// A scale from `[lo, hi]` to `[px0, px1]`. A degenerate or non-finite domain is widened
    /// so that mapping never divides by zero; on a log scale the domain is kept positive.
    pub fn new(kind: ScaleKind, lo: f64, hi: f64, px0: f64, px1: f64) -> Scale {
        let (lo, hi) = sane_domain(kind, lo, hi);
        Scale { kind, lo, hi, px0, px1, integer: false }
    }

    /// The same scale with ticks only at whole numbers (for counts).
    pub fn integers(self) -> Scale {
        Scale { integer: true, ..self }
    }

    #[inline]
    fn t(&self, v: f64) -> f64 {
        match self.kind {
            ScaleKind::Linear => (v - self.lo) / (self.hi - self.lo),
            ScaleKind::Log => (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10()),
        }
    }

    /// Pixel position of data value `v` (NaN when `v` cannot be placed: NaN, or ≤ 0 on a
    /// log scale).
    // Inlined, the log case out of line: M4 and the pixel mapping call it for every point.
    #[inline]
    pub fn map(&self, v: f64) -> f64 {
        match self.kind {
            ScaleKind::Linear => self.place(v),
            ScaleKind::Log => self.map_log(v),
        }
    }

    fn map_log(&self, v: f64) -> f64 {
        if v <= 0.0 { f64::NAN } else { self.place(v) }
    }

    /// `v` placed between the pixel ends.
    #[inline]
    fn place(&self, v: f64) -> f64 {
        self.px0 + self.t(v) * (self.px1 - self.px0)
    }

    /// Data value at pixel position `px`.
    pub fn invert(&self, px: f64) -> f64 {
        let t = (px - self.px0) / (self.px1 - self.px0);
        match self.kind {
            ScaleKind::Linear => self.lo + t * (self.hi - self.lo),
            ScaleKind::Log => 10f64.powf(self.lo.log10() + t * (self.hi.log10() - self.lo.log10())),
        }
    }

    /// Whether `v` can be drawn on this scale.
    #[inline]
    pub fn accepts(&self, v: f64) -> bool {
        v.is_finite() && (self.kind == ScaleKind::Linear || v > 0.0)
    }

    /// About `target` tick positions inside the domain.
    pub fn ticks(&self, target: usize) -> Vec<f64> {
        let ticks = match self.kind {
            ScaleKind::Linear => linear_ticks(self.lo, self.hi, target),
            ScaleKind::Log => log_ticks(self.lo, self.hi, target),
        };
        if self.integer { ticks.into_iter().filter(|t| t.fract() == 0.0).collect() } else { ticks }
    }
}

/// Widens empty or invalid domains: `[v, v]` becomes `[v − 1, v + 1]` (or ±10% of v),
/// non-finite bounds become `[0, 1]`, and log domains stay positive.
pub fn sane_domain(kind: ScaleKind, lo: f64, hi: f64) -> (f64, f64) {
    let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() {
        (lo.min(hi), lo.max(hi))
    } else if lo.is_finite() {
        (lo, lo)
    } else if hi.is_finite() {
        (hi, hi)
    } else {
        (0.0, 1.0)
    };
    if kind == ScaleKind::Log {
        if hi <= 0.0 {
            return (1.0, 10.0);
        }
        if lo <= 0.0 {
            lo = hi / 1000.0;
        }
        if lo == hi {
            return (lo / 10f64.sqrt(), hi * 10f64.sqrt());
        }
        return (lo, hi);
    }
    if lo == hi {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        lo -= pad;
        hi += pad;
    }
    // A span too small for f64 to tell the ends apart after mapping.
    if (hi - lo) <= f64::EPSILON * lo.abs().max(hi.abs()) * 16.0 {
        let pad = lo.abs().max(1e-300) * 1e-9;
        lo -= pad;
        hi += pad;
    }
    (lo, hi)
}

/// A "nice" step (1, 2 or 5 × 10^k) for about `target` ticks over `span`.
pub fn nice_step(span: f64, target: usize) -> f64 {
    let raw = span / target.max(1) as f64;
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let nice = if norm < 1.5 {
        1.0
    } else if norm < 3.0 {
        2.0
    } else if norm < 7.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// Ticks at multiples of a nice step inside `[lo, hi]`.
///
/// ```
/// assert_eq!(runql_chart::scale::linear_ticks(0.0, 1.0, 5), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
/// ```
pub fn linear_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let step = nice_step(hi - lo, target);
    let first = (lo / step).ceil();
    let last = (hi / step).floor();
    if !(first.is_finite() && last.is_finite()) || last - first > 1000.0 {
        return vec![lo, hi];
    }
    let mut out = Vec::new();
    let mut i = first;
    while i <= last {
        // Multiply instead of accumulating so 0.1 + 0.2 noise does not creep in.
        let v = i * step;
        // Round to the step's precision: 3 × 0.2 is 0.6000000000000001 in f64.
        let digits = (1.0 - step.log10().floor()).clamp(0.0, 15.0) as i32;
        let scale = 10f64.powi(digits);
        let rounded = (v * scale).round() / scale;
        let v = if rounded.is_finite() { rounded } else { v };
        out.push(if v.abs() < step * 1e-9 { 0.0 } else { v });
        i += 1.0;
    }
    out
}

/// Log ticks: every decade, thinned to about `target`; 2 and 5 in between when the range
/// spans few decades.
pub fn log_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let d0 = lo.log10().floor() as i32;
    let d1 = hi.log10().ceil() as i32;
    let decades = (d1 - d0).max(1);
    let mut out = Vec::new();
    let every = ((decades as usize).div_ceil(target.max(1))).max(1) as i32;
    let mults: &[f64] = if decades <= 2 { &[1.0, 2.0, 5.0] } else { &[1.0] };
    for d in (d0..=d1).filter(|d| (d - d0) % every == 0) {
        for &m in mults {
            let v = m * 10f64.powi(d);
            if v >= lo * (1.0 - 1e-12) && v <= hi * (1.0 + 1e-12) {
                out.push(v);
            }
        }
    }
    if out.len() < 2 {
        return linear_ticks(lo, hi, target).into_iter().filter(|v| *v > 0.0).collect();
    }
    out
}

/// A short label for a tick value, given the spacing of the ticks around it.
///
/// ```
/// use runql_chart::scale::format_number;
/// assert_eq!(format_number(0.30000000000000004, 0.1), "0.3");
/// assert_eq!(format_number(25000.0, 5000.0), "25k");
/// assert_eq!(format_number(0.0001, 0.0001), "1e-4");
/// assert_eq!(format_number(3.0e6, 1.0e6), "3M");
/// ```
pub fn format_number(v: f64, step: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e15).contains(&a) {
        return format_exp(v);
    }
    for (div, suffix) in [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")] {
        if a >= div && step.abs() >= div / 1000.0 {
            return format!("{}{suffix}", trim(v / div, step / div));
        }
    }
    trim(v, step)
}

fn trim(v: f64, step: f64) -> String {
    let decimals =
        if step.is_finite() && step > 0.0 { (-step.log10().floor()).clamp(0.0, 10.0) as usize } else { 3 };
    let s = format!("{v:.decimals$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s }
}

fn format_exp(v: f64) -> String {
    let e = v.abs().log10().floor() as i32;
    let m = v / 10f64.powi(e);
    let m = (m * 100.0).round() / 100.0;
    if (m.abs() - 1.0).abs() < 1e-9 {
        format!("{}e{e}", if m < 0.0 { "-1" } else { "1" })
    } else {
        format!("{m}e{e}")
    }
}

/// Tick labels for an x axis read as `kind`.
pub fn format_tick(kind: XAxisKind, v: f64, step: f64) -> String {
    match kind {
        XAxisKind::Number => format_number(v, step),
        XAxisKind::Time => format_time_ms(v, step),
        XAxisKind::Duration => format_duration_s(v),
    }
}

/// Epoch milliseconds as a UTC date/time, as precise as the tick step needs.
pub fn format_time_ms(ms: f64, step_ms: f64) -> String {
    if !ms.is_finite() {
        return format!("{ms}");
    }
    let secs = (ms / 1000.0).floor() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, mo, d) = civil_from_days(days);
    let (h, mi, s) = (rem / 3600, (rem / 60) % 60, rem % 60);
    if step_ms >= 86_400_000.0 {
        format!("{y:04}-{mo:02}-{d:02}")
    } else if step_ms >= 60_000.0 {
        format!("{mo:02}-{d:02} {h:02}:{mi:02}")
    } else {
        format!("{h:02}:{mi:02}:{s:02}")
    }
}

/// Seconds as `45s`, `12m 30s`, `3h 20m`, `2d 4h`.
pub fn format_duration_s(s: f64) -> String {
    if !s.is_finite() {
        return format!("{s}");
    }
    let sign = if s < 0.0 { "-" } else { "" };
    let t = s.abs().round() as i64;
    let (d, h, m, sec) = (t / 86_400, (t / 3600) % 24, (t / 60) % 60, t % 60);
    let body = if d > 0 {
        if h > 0 { format!("{d}d {h}h") } else { format!("{d}d") }
    } else if h > 0 {
        if m > 0 { format!("{h}h {m}m") } else { format!("{h}h") }
    } else if m > 0 {
        if sec > 0 { format!("{m}m {sec}s") } else { format!("{m}m") }
    } else {
        format!("{sec}s")
    };
    format!("{sign}{body}")
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_and_invert_round_trip() {
        for kind in [ScaleKind::Linear, ScaleKind::Log] {
            let s = Scale::new(kind, 0.001, 10.0, 50.0, 750.0);
            for v in [0.001, 0.01, 0.5, 3.0, 10.0] {
                let back = s.invert(s.map(v));
                assert!((back - v).abs() <= 1e-9 * v.max(1.0), "{kind:?} {v} -> {back}");
            }
        }
        let log = Scale::new(ScaleKind::Log, 1.0, 100.0, 0.0, 100.0);
        assert!(log.map(0.0).is_nan());
        assert!(log.map(-5.0).is_nan());
        assert_eq!(log.map(10.0), 50.0);
    }

    #[test]
    fn degenerate_domains_are_widened() {
        assert_eq!(sane_domain(ScaleKind::Linear, 5.0, 5.0), (4.5, 5.5));
        assert_eq!(sane_domain(ScaleKind::Linear, 0.0, 0.0), (-1.0, 1.0));
        assert_eq!(sane_domain(ScaleKind::Linear, f64::NAN, f64::INFINITY), (0.0, 1.0));
        assert_eq!(sane_domain(ScaleKind::Log, -3.0, -1.0), (1.0, 10.0));
        let (lo, hi) = sane_domain(ScaleKind::Log, 0.0, 10.0);
        assert!(lo > 0.0 && hi == 10.0);
        let s = Scale::new(ScaleKind::Linear, 1.0, 1.0, 0.0, 100.0);
        assert!(s.map(1.0).is_finite());
    }

    #[test]
    fn ticks_are_nice_and_inside() {
        assert_eq!(linear_ticks(0.0, 1000.0, 5), vec![0.0, 200.0, 400.0, 600.0, 800.0, 1000.0]);
        let t = linear_ticks(0.013, 0.87, 5);
        assert!(t.iter().all(|v| (0.013..=0.87).contains(v)));
        assert_eq!(log_ticks(1e-4, 1.0, 6), vec![1e-4, 1e-3, 1e-2, 1e-1, 1.0]);
        assert_eq!(log_ticks(1.0, 50.0, 6), vec![1.0, 2.0, 5.0, 10.0, 20.0, 50.0]);
        assert_eq!(linear_ticks(f64::MIN, f64::MAX, 5).len(), 2);
    }

    #[test]
    fn labels() {
        assert_eq!(format_number(-1500.0, 500.0), "-1.5k");
        assert_eq!(format_number(0.25, 0.05), "0.25");
        assert_eq!(format_number(120.0, 20.0), "120");
        assert_eq!(format_time_ms(1_700_000_000_000.0, 3_600_000.0), "11-14 22:13");
        assert_eq!(format_time_ms(1_700_000_000_000.0, 86_400_000.0), "2023-11-14");
        assert_eq!(format_duration_s(5400.0), "1h 30m");
        assert_eq!(format_duration_s(45.0), "45s");
        assert_eq!(format_duration_s(-90.0), "-1m 30s");
    }
}
