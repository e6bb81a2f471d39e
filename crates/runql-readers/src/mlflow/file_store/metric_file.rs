//! Parsing of `metrics/<key>` files: one point per line.
//!
//! MLflow writes `"{timestamp} {value} {step}\n"`, MLflow 3 may add `dataset_name
//! dataset_digest`, and very old files lack the step; logged-model metric files add the run id.
//! Values follow Python's `str(float)`, so `nan`, `inf` and `-inf` appear as words.

use runql_core::model::MetricSeries;

/// A line that could not be used, 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line number.
    pub line: u64,
    /// Why it was skipped.
    pub reason: String,
}

/// The result of parsing one metric file.
#[derive(Debug, Default)]
pub struct ParsedMetric {
    /// Points that parsed.
    pub series: MetricSeries,
    /// Lines that did not, with reasons.
    pub bad_lines: Vec<BadLine>,
    /// Number of bad lines beyond those kept in `bad_lines`.
    pub more_bad_lines: u64,
    /// Points that carried a dataset reference (MLflow 3 five-field lines).
    pub dataset_refs: u64,
}

/// Bad lines kept in detail per file; the rest are counted.
const MAX_BAD_LINES_PER_FILE: usize = 20;

/// How much of a bad line is quoted back in a reason.
const EXCERPT_CHARS: usize = 60;

/// Parses a metric file. `model_file` selects the logged-model grammar (a run id after the
/// step: 4 or 6 fields).
///
/// A final line without a newline that has fewer fields than the line before it is taken
/// as cut off mid-write (a 3-field line cut after the value reads like a valid 2-field
/// line with step 0) and skipped rather than loaded as a wrong point.
///
/// ```
/// use runql_readers::mlflow::file_store::metric_file::parse_metric_file;
/// let parsed = parse_metric_file("val/loss", b"1700000000000 0.5 0\n1700000000100 nan 1\n", false);
/// assert_eq!(parsed.series.steps, [0, 1]);
/// assert!(parsed.series.values[1].is_nan());
/// assert!(parsed.bad_lines.is_empty());
/// ```
pub fn parse_metric_file(key: &str, bytes: &[u8], model_file: bool) -> ParsedMetric {
    let mut out = ParsedMetric { series: MetricSeries::new(key), ..Default::default() };
    // A typical line is ~35 bytes; reserving avoids regrowth on large files.
    let estimate = bytes.len() / 32;
    out.series.steps.reserve(estimate);
    out.series.timestamps.reserve(estimate);
    out.series.values.reserve(estimate);
    let ends_with_newline = bytes.last() == Some(&b'\n');
    let mut lines = bytes.split(|b| *b == b'\n').peekable();
    let mut line_no = 0u64;
    let mut prev_fields = 0usize;
    while let Some(line) = lines.next() {
        line_no += 1;
        let is_last = lines.peek().is_none_or(|next| next.is_empty() && ends_with_newline);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        // Fast path for the line MLflow writes 99.9% of the time: `ts value step`. Anything
        // else (other field counts, odd spacing, bad numbers) takes the careful path below.
        if !model_file && let Some((ts, value, step)) = fast_three_fields(line) {
            prev_fields = 3;
            out.series.push(step, Some(ts), value);
            continue;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let mut fields = [&b""[..]; 6];
        let mut n = 0usize;
        for field in line.split(|b| *b == b' ' || *b == b'\t').filter(|f| !f.is_empty()) {
            if let Some(slot) = fields.get_mut(n) {
                *slot = field;
            }
            n += 1;
        }
        if is_last && !ends_with_newline && prev_fields > n {
            out.bad(
                line_no,
                format!("last line cut off (no newline, {n} fields after lines of {prev_fields})"),
                line,
            );
            continue;
        }
        prev_fields = n;
        match parse_fields(&fields, n, model_file) {
            Ok((ts, value, step, dataset)) => {
                out.series.push(step, Some(ts), value);
                out.dataset_refs += u64::from(dataset);
            }
            Err(reason) => out.bad(line_no, reason, line),
        }
    }
    out
}

impl ParsedMetric {
    fn bad(&mut self, line: u64, reason: String, text: &[u8]) {
        if self.bad_lines.len() >= MAX_BAD_LINES_PER_FILE {
            self.more_bad_lines += 1;
            return;
        }
        let excerpt: String = String::from_utf8_lossy(text).chars().take(EXCERPT_CHARS).collect();
        let ellipsis = if text.len() > EXCERPT_CHARS { "…" } else { "" };
        self.bad_lines.push(BadLine { line, reason: format!("{reason}: {excerpt:?}{ellipsis}") });
    }
}

type Point = (i64, f64, i64, bool);

/// `ts value step` separated by single spaces, with plain integers of at most 18 digits;
/// `None` sends the line to the general parser.
fn fast_three_fields(line: &[u8]) -> Option<(i64, f64, i64)> {
    let first = line.iter().position(|b| *b == b' ')?;
    let (ts, rest) = line.split_at(first);
    let rest = rest.get(1..)?;
    let second = rest.iter().position(|b| *b == b' ')?;
    let (value, step) = rest.split_at(second);
    let step = step.get(1..)?;
    let ts = small_int(ts)?;
    let step = small_int(step)?;
    let value = parse_value(value).ok()?;
    Some((ts, value, step))
}

/// A decimal integer of 1–18 digits (so it cannot overflow), optionally negative.
fn small_int(bytes: &[u8]) -> Option<i64> {
    let (negative, digits) = match bytes.first()? {
        b'-' => (true, bytes.get(1..)?),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut n: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(d - b'0');
    }
    Some(if negative { -n } else { n })
}

fn parse_fields(fields: &[&[u8]; 6], n: usize, model_file: bool) -> Result<Point, String> {
    let [ts, value, step, f3, _, _] = fields;
    let has_step = match (model_file, n) {
        (false, 2) => false,
        (false, 3 | 5) | (true, 4 | 6) => true,
        (false, _) => return Err(format!("expected 2, 3 or 5 space-separated fields, found {n}")),
        (true, _) => return Err(format!("expected 4 or 6 space-separated fields, found {n}")),
    };
    let ts = parse_timestamp(ts)?;
    let value = parse_value(value)?;
    let step = if has_step { parse_step(step)? } else { 0 };
    if model_file && f3.is_empty() {
        return Err("missing run id".into());
    }
    let dataset = (!model_file && n == 5) || (model_file && n == 6);
    Ok((ts, value, step, dataset))
}

fn ascii<'a>(field: &'a [u8], what: &str) -> Result<&'a str, String> {
    std::str::from_utf8(field).map_err(|_| format!("{what} is not valid text"))
}

fn parse_timestamp(field: &[u8]) -> Result<i64, String> {
    let text = ascii(field, "timestamp")?;
    if let Ok(ts) = text.parse::<i64>() {
        return Ok(ts);
    }
    // Some writers emit float milliseconds; accept them when they are whole and in range.
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() && f.abs() < 9.2e18 => Ok(f.round() as i64),
        _ => Err("timestamp is not an integer number of milliseconds".into()),
    }
}

fn parse_value(field: &[u8]) -> Result<f64, String> {
    let text = ascii(field, "value")?;
    runql_core::model::value::parse_float(text).ok_or_else(|| "value is not a number".into())
}

fn parse_step(field: &[u8]) -> Result<i64, String> {
    let text = ascii(field, "step")?;
    text.parse::<i64>().map_err(|e| match e.kind() {
        std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
            "step does not fit in 64 bits".to_string()
        }
        _ => "step is not an integer".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ParsedMetric {
        parse_metric_file("k", text.as_bytes(), false)
    }

    #[test]
    fn two_three_and_five_field_lines() {
        let p = parse("100 0.5\n200 0.25 3\n300 1e-05 4 train_ds abc123\n");
        assert_eq!(p.series.steps, [0, 3, 4]);
        assert_eq!(p.series.values, [0.5, 0.25, 1e-5]);
        assert_eq!(p.series.timestamps, [Some(100), Some(200), Some(300)]);
        assert_eq!(p.dataset_refs, 1);
        assert!(p.bad_lines.is_empty());
    }

    #[test]
    fn python_non_finite_spellings() {
        let p = parse("1 nan 0\n2 inf 1\n3 -inf 2\n4 NaN 3\n5 -Infinity 4\n");
        let v = &p.series.values;
        assert!(v[0].is_nan() && v[3].is_nan());
        assert_eq!((v[1], v[2], v[4]), (f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY));
    }

    #[test]
    fn duplicates_and_negative_steps_are_kept() {
        let p = parse("1 1.0 0\n1 1.0 0\n2 0.5 -3\n");
        assert_eq!(p.series.steps, [0, 0, -3]);
    }

    #[test]
    fn garbage_lines_are_skipped_with_line_numbers_and_good_lines_kept() {
        let p = parse(
            "1 0.5 0\nhello world\n2 abc 1\n3 0.5 1.5\n4 0.5 99999999999999999999\n5 0.1 2 x y z w\n6 0.2 3\n",
        );
        assert_eq!(p.series.steps, [0, 3]);
        let lines: Vec<u64> = p.bad_lines.iter().map(|b| b.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6]);
        assert!(p.bad_lines[0].reason.contains("timestamp"), "{:?}", p.bad_lines[0]);
        assert!(p.bad_lines[1].reason.contains("value is not a number"));
        assert!(p.bad_lines[2].reason.contains("step is not an integer"));
        assert!(p.bad_lines[3].reason.contains("64 bits"));
        assert!(p.bad_lines[4].reason.contains("found 7"));
    }

    #[test]
    fn truncated_last_line_is_not_misread_as_a_two_field_line() {
        let p = parse("1 0.5 0\n2 0.25 1\n3 0.12");
        assert_eq!(p.series.steps, [0, 1]);
        assert_eq!(p.bad_lines.len(), 1);
        assert!(p.bad_lines[0].reason.contains("cut off"), "{:?}", p.bad_lines);
        // A complete file of 2-field lines without a final newline is fine.
        let p = parse("1 0.5\n2 0.25");
        assert_eq!(p.series.values, [0.5, 0.25]);
    }

    #[test]
    fn crlf_blank_lines_and_absurd_numbers() {
        let p = parse("1 0.5 0\r\n\r\n  \n2 1e400 1\n3 -1e400 2\n");
        assert_eq!(p.series.values, [0.5, f64::INFINITY, f64::NEG_INFINITY]);
        assert!(p.bad_lines.is_empty());
    }

    #[test]
    fn non_utf8_line_is_skipped() {
        let p = parse_metric_file("k", b"1 0.5 0\n\xff\xfe 0.5 1\n2 0.5 2\n", false);
        assert_eq!(p.series.steps, [0, 2]);
        assert_eq!(p.bad_lines[0].line, 2);
    }

    #[test]
    fn model_metric_grammar() {
        let p = parse_metric_file("k", b"1754898729932 1.0 0 12bb12d6\n1 2.0 1 12bb ds dg\n1 2.0 1\n", true);
        assert_eq!(p.series.values, [1.0, 2.0]);
        assert_eq!(p.bad_lines.len(), 1);
    }

    #[test]
    fn bad_lines_are_capped_but_counted() {
        let text = "x\n".repeat(1000);
        let p = parse(&text);
        assert_eq!(p.bad_lines.len(), MAX_BAD_LINES_PER_FILE);
        assert_eq!(p.more_bad_lines, 1000 - MAX_BAD_LINES_PER_FILE as u64);
    }

    #[test]
    fn huge_single_line_reason_is_short() {
        let text = "9".repeat(1 << 20);
        let p = parse(&text);
        assert_eq!(p.bad_lines.len(), 1);
        assert!(p.bad_lines[0].reason.len() < 200);
    }

    #[test]
    fn fast_path_agrees_with_the_general_parser() {
        for line in ["1 0.5 0", "-5 -1e-05 -3", "1700000000000 nan 999999999999999999", "1 inf 2", "12 3 4"] {
            let (ts, v, step) = fast_three_fields(line.as_bytes()).unwrap();
            let mut fields = [&b""[..]; 6];
            for (slot, f) in fields.iter_mut().zip(line.as_bytes().split(|b| *b == b' ')) {
                *slot = f;
            }
            let (ts2, v2, step2, _) = parse_fields(&fields, 3, false).unwrap();
            assert_eq!((ts, step), (ts2, step2), "{line}");
            assert!(v == v2 || (v.is_nan() && v2.is_nan()), "{line}");
        }
        for line in [
            "1  0.5 0",
            "1 0.5 0 x y",
            "1 0.5",
            "1 0.5 1.5",
            "1 0.5 9999999999999999999",
            "+1 0.5 0",
            " 1 0.5 0",
        ] {
            assert!(fast_three_fields(line.as_bytes()).is_none(), "{line}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let p = parse_metric_file("k", &bytes, false);
            proptest::prop_assert_eq!(p.series.steps.len(), p.series.values.len());
        }

        #[test]
        fn written_points_read_back(points in proptest::collection::vec((0i64..4_000_000_000_000, proptest::num::f64::ANY, proptest::num::i64::ANY), 0..50)) {
            let mut text = String::new();
            for (ts, v, s) in &points {
                let v = if v.is_nan() { "nan".to_string() } else if v.is_infinite() { if *v > 0.0 { "inf".into() } else { "-inf".into() } } else { format!("{v:?}") };
                text.push_str(&format!("{ts} {v} {s}\n"));
            }
            let p = parse(&text);
            proptest::prop_assert!(p.bad_lines.is_empty());
            proptest::prop_assert_eq!(p.series.len(), points.len());
            for (i, (ts, v, s)) in points.iter().enumerate() {
                proptest::prop_assert_eq!(p.series.steps[i], *s);
                proptest::prop_assert_eq!(p.series.timestamps[i], Some(*ts));
                proptest::prop_assert!(p.series.values[i] == *v || (v.is_nan() && p.series.values[i].is_nan()));
            }
        }
    }
}
