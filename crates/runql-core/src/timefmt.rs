//! Timestamps as trackers write them in text: ISO-8601 / RFC 3339 date-times and epoch numbers.

/// `2023-12-11T18:23:20.003859`, `2022-12-06 04:39:55.769000+00:00`, `2024-02-29T00:00:00Z`
/// or a bare date `2024-02-29` → epoch milliseconds. A time without a zone is taken as UTC:
/// W&B writes UTC without saying so, and Optuna and the MLflow UI write local time without
/// saying which, so UTC is the only choice that does not depend on the reading machine.
///
/// ```
/// use runql_core::timefmt::parse_iso_ms;
/// assert_eq!(parse_iso_ms("1970-01-01T00:00:01.5"), Some(1500));
/// assert_eq!(parse_iso_ms("1970-01-01 01:00:00+01:00"), Some(0));
/// assert_eq!(parse_iso_ms("yesterday"), None);
/// ```
pub fn parse_iso_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, time) = match s.split_once('T').or_else(|| s.split_once(' ')) {
        Some((d, t)) => (d, t.trim()),
        None => (s, "00:00:00"),
    };
    let mut d = date.splitn(3, '-').map(|x| x.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let (time, offset_ms) = split_zone(time)?;
    let mut t = time.splitn(3, ':');
    let h: i64 = t.next()?.parse().ok()?;
    let min: i64 = t.next()?.parse().ok()?;
    let sec: f64 = t.next().unwrap_or("0").parse().ok()?;
    if !(1..=12).contains(&m)
        || !(1..=31).contains(&day)
        || !(0..=23).contains(&h)
        || !(0..=59).contains(&min)
        || !(0.0..61.0).contains(&sec)
        || !(-999_999..=999_999).contains(&y)
    {
        return None;
    }
    let days = days_from_civil(y, m, day);
    Some(days * 86_400_000 + h * 3_600_000 + min * 60_000 + (sec * 1000.0).round() as i64 - offset_ms)
}

/// Splits a trailing `Z` or `±HH:MM` / `±HHMM` / `±HH` zone off a time of day.
fn split_zone(time: &str) -> Option<(&str, i64)> {
    if let Some(t) = time.strip_suffix('Z').or_else(|| time.strip_suffix('z')) {
        return Some((t, 0));
    }
    let Some(pos) = time.rfind(['+', '-']) else { return Some((time, 0)) };
    let (t, zone) = time.split_at(pos);
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let digits: String = zone.get(1..)?.chars().filter(|c| *c != ':').collect();
    if digits.len() != 2 && digits.len() != 4 {
        return None;
    }
    let hh: i64 = digits.get(..2)?.parse().ok()?;
    let mm: i64 = if digits.len() == 4 { digits.get(2..)?.parse().ok()? } else { 0 };
    if hh > 23 || mm > 59 {
        return None;
    }
    Some((t.trim_end(), sign * (hh * 3_600_000 + mm * 60_000)))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, day: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (inverse of
/// `days_from_civil`, same algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, day)
}

/// Epoch milliseconds as `YYYYMMDD_HHMMSS` in UTC, the stamp in W&B run folder names
/// (`run-20260101_000512-<id>`).
///
/// ```
/// use runql_core::timefmt::compact_utc;
/// assert_eq!(compact_utc(0), "19700101_000000");
/// assert_eq!(compact_utc(1_767_225_600_000 + 3_723_000), "20260101_010203");
/// assert_eq!(compact_utc(951_782_400_000), "20000229_000000");
/// ```
pub fn compact_utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    format!("{y:04}{m:02}{d:02}_{:02}{:02}{:02}", t / 3600, t % 3600 / 60, t % 60)
}

/// An epoch number of unknown unit → milliseconds. Below 10^11 it is taken as seconds
/// (TensorBoard `wall_time`, W&B `_timestamp`; 10^11 s is the year 5138), from there on as
/// milliseconds (MLflow, Neptune; 10^11 ms is 1973). Non-finite or out-of-range → `None`.
///
/// ```
/// use runql_core::timefmt::epoch_to_ms;
/// assert_eq!(epoch_to_ms(1_700_000_000.25), Some(1_700_000_000_250));
/// assert_eq!(epoch_to_ms(1_700_000_000_250.0), Some(1_700_000_000_250));
/// ```
pub fn epoch_to_ms(x: f64) -> Option<i64> {
    if !x.is_finite() || x.abs() > 9.0e15 {
        return None;
    }
    let ms = if x.abs() < 1.0e11 { x * 1000.0 } else { x };
    Some(ms.round() as i64)
}

/// A text timestamp: an epoch number (see [`epoch_to_ms`]) or an ISO-8601 date-time.
///
/// ```
/// use runql_core::timefmt::parse_timestamp_ms;
/// assert_eq!(parse_timestamp_ms("1700000000000"), Some(1_700_000_000_000));
/// assert_eq!(parse_timestamp_ms("1970-01-01T00:00:02Z"), Some(2000));
/// ```
pub fn parse_timestamp_ms(s: &str) -> Option<i64> {
    let t = s.trim();
    if let Ok(i) = t.parse::<i64>() {
        return epoch_to_ms(i as f64).map(|ms| if i.unsigned_abs() >= 100_000_000_000 { i } else { ms });
    }
    match t.parse::<f64>() {
        Ok(f) => epoch_to_ms(f),
        Err(_) => parse_iso_ms(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_forms() {
        assert_eq!(parse_iso_ms("1970-01-01T00:00:00"), Some(0));
        assert_eq!(parse_iso_ms("2023-12-11T18:23:20.003859"), Some(1_702_319_000_004));
        assert_eq!(parse_iso_ms("2024-02-29T00:00:00Z"), Some(1_709_164_800_000));
        assert_eq!(parse_iso_ms("2022-12-06 04:39:55.769000+00:00"), Some(1_670_301_595_769));
        assert_eq!(parse_iso_ms("1970-01-01T00:00:00-0130"), Some(5_400_000));
        assert_eq!(parse_iso_ms("2024-02-29"), Some(1_709_164_800_000));
        assert_eq!(parse_iso_ms("yesterday"), None);
        assert_eq!(parse_iso_ms("2024-13-01T00:00:00"), None);
        assert_eq!(parse_iso_ms("2024-01-01T00:00:00+99:00"), None);
        assert_eq!(parse_iso_ms("-"), None);
        assert_eq!(parse_iso_ms("9223372036854775807-01-01"), None);
    }

    #[test]
    fn epoch_units() {
        assert_eq!(parse_timestamp_ms("0"), Some(0));
        assert_eq!(parse_timestamp_ms("1700000000"), Some(1_700_000_000_000));
        assert_eq!(parse_timestamp_ms("1700000000123"), Some(1_700_000_000_123));
        assert_eq!(parse_timestamp_ms("1e300"), None);
        assert_eq!(parse_timestamp_ms("nan"), None);
        assert_eq!(parse_timestamp_ms(""), None);
    }
}
