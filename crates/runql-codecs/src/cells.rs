//! Reading single CSV cells: numbers, steps and timestamps.

use runql_core::model::value::parse_float;
use runql_core::timefmt::parse_timestamp_ms;

/// The MLflow UI guards against CSV injection by prefixing cells that start with
/// `= + - @ \t \r` with `'` (so `-0.5` is exported as `'-0.5`); this undoes it.
///
/// ```
/// use runql_codecs::cells::unguard;
/// assert_eq!(unguard("'-0.5"), "-0.5");
/// assert_eq!(unguard("'quoted'"), "'quoted'");
/// ```
pub fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// A metric value: any float spelling, NaN and infinities included (`nan`, `NaN`, `inf`,
/// `-Infinity`, …), after [`unguard`].
pub fn number(cell: &str) -> Option<f64> {
    parse_float(unguard(cell.trim()))
}

/// A step: an integer, or a float with no fractional part (`3.0`, as pandas writes ints
/// in a column with gaps).
pub fn step(cell: &str) -> Option<i64> {
    let t = unguard(cell.trim());
    t.parse::<i64>().ok().or_else(|| {
        let f = parse_float(t)?;
        (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e18).then_some(f as i64)
    })
}

/// A timestamp: epoch seconds or milliseconds, or ISO-8601 (see [`runql_core::timefmt`]).
pub fn timestamp(cell: &str) -> Option<i64> {
    parse_timestamp_ms(unguard(cell.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells() {
        for s in ["nan", "NaN", "inf", "-inf", "Infinity", "-Infinity", "'-Infinity"] {
            assert!(number(s).is_some_and(|v| !v.is_finite()), "{s}");
        }
        assert_eq!(number(" '-0.5 "), Some(-0.5));
        assert_eq!(number("abc"), None);
        assert_eq!(step("3.0"), Some(3));
        assert_eq!(step("3.5"), None);
        assert_eq!(step("nan"), None);
        assert_eq!(timestamp("2026-01-01T00:00:00Z"), Some(1_767_225_600_000));
    }
}
