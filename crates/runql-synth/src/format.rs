//! Number formatting as MLflow (Python) writes it: `str(float)` and metric lines.

/// Appends `value` the way Python's `repr(float)` / `str(float)` prints it: shortest
/// round-trip digits, `1e-05` and `1e+16` style exponents outside `1e-4 <= |x| < 1e16`,
/// a trailing `.0` on whole numbers, and `nan`, `inf`, `-inf`.
pub(crate) fn push_py_float(out: &mut Vec<u8>, buf: &mut ryu::Buffer, value: f64) {
    if value.is_nan() {
        out.extend_from_slice(b"nan");
        return;
    }
    if value.is_infinite() {
        out.extend_from_slice(if value > 0.0 { b"inf" } else { b"-inf" });
        return;
    }
    if value.is_sign_negative() {
        out.push(b'-');
    }
    if value == 0.0 {
        out.extend_from_slice(b"0.0");
        return;
    }
    // ryu gives the shortest round-trip digits. Its layout is Python's for 1e-4 <= |x| < 1e16
    // (no exponent, and not the `0.0000…` form ryu uses down to 1e-5); elsewhere re-layout.
    let abs = value.abs();
    let text = buf.format_finite(abs).as_bytes();
    if (1e-4..1e16).contains(&abs) && !text.starts_with(b"0.0000") {
        out.extend_from_slice(text);
        return;
    }
    let (mantissa, exp10) = match text.iter().position(|b| *b == b'e') {
        Some(at) => {
            let (m, e) = text.split_at(at);
            (m, parse_exp(e.get(1..).unwrap_or_default()))
        }
        None => (text, 0),
    };
    let mut digits = [0u8; 24];
    let mut n = 0usize;
    let mut int_len = 0i32;
    let mut seen_point = false;
    let mut leading_zeros_after_point = 0i32;
    for &b in mantissa {
        if b == b'.' {
            seen_point = true;
            continue;
        }
        if n == 0 && b == b'0' {
            // Leading zeros: "0.00123" has digits "123" starting two places after the point.
            if seen_point {
                leading_zeros_after_point += 1;
            }
            continue;
        }
        if let Some(slot) = digits.get_mut(n) {
            *slot = b;
            n += 1;
        }
        if !seen_point {
            int_len += 1;
        }
    }
    while n > 1 && digits.get(n - 1) == Some(&b'0') {
        n -= 1;
    }
    let digits = digits.get(..n).unwrap_or_default();
    // value = 0.d1d2d3… × 10^decpt
    let decpt = if int_len > 0 { int_len + exp10 } else { exp10 - leading_zeros_after_point };
    push_layout(out, digits, decpt);
}

fn parse_exp(bytes: &[u8]) -> i32 {
    let (negative, rest) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, bytes),
    };
    let magnitude = rest.iter().fold(0i32, |acc, b| acc * 10 + i32::from(b.wrapping_sub(b'0')));
    if negative { -magnitude } else { magnitude }
}

/// Python's `format_float_short` in `'r'` mode for positive finite non-zero values.
fn push_layout(out: &mut Vec<u8>, digits: &[u8], decpt: i32) {
    let n = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    if decpt <= -4 || decpt > 16 {
        let (first, rest) = digits.split_first().unwrap_or((&b'0', &[]));
        out.push(*first);
        if !rest.is_empty() {
            out.push(b'.');
            out.extend_from_slice(rest);
        }
        let exp = decpt - 1;
        out.push(b'e');
        out.push(if exp < 0 { b'-' } else { b'+' });
        let exp = exp.unsigned_abs();
        if exp < 10 {
            out.push(b'0');
        }
        let mut itoa_buf = itoa::Buffer::new();
        out.extend_from_slice(itoa_buf.format(exp).as_bytes());
    } else if decpt <= 0 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', usize::try_from(-decpt).unwrap_or(0)));
        out.extend_from_slice(digits);
    } else if decpt >= n {
        out.extend_from_slice(digits);
        out.extend(std::iter::repeat_n(b'0', usize::try_from(decpt - n).unwrap_or(0)));
        out.extend_from_slice(b".0");
    } else {
        let (int_part, frac_part) = digits.split_at(usize::try_from(decpt).unwrap_or(0));
        out.extend_from_slice(int_part);
        out.push(b'.');
        out.extend_from_slice(frac_part);
    }
}

/// `value` as Python's `str(float)` prints it (for params and tests).
pub(crate) fn py_float(value: f64) -> String {
    let mut out = Vec::with_capacity(24);
    push_py_float(&mut out, &mut ryu::Buffer::new(), value);
    String::from_utf8_lossy(&out).into_owned()
}

/// `value` as Python's `json.dumps` writes a float (W&B's `value_json`): `repr(float)`
/// for finite values, and the non-standard `NaN`, `Infinity`, `-Infinity` otherwise.
pub(crate) fn py_json_float(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "Infinity".into() } else { "-Infinity".into() }
    } else {
        py_float(value)
    }
}

/// A short formatted piece of a metric line (timestamp and space, or space, step and
/// newline), kept inline to avoid an allocation per piece.
#[derive(Clone, Copy)]
pub(crate) struct Piece {
    bytes: [u8; 24],
    len: u8,
}

impl Piece {
    fn new(parts: &[&[u8]]) -> Self {
        let mut piece = Self { bytes: [0; 24], len: 0 };
        for b in parts.iter().flat_map(|p| p.iter()) {
            if let Some(slot) = piece.bytes.get_mut(usize::from(piece.len)) {
                *slot = *b;
                piece.len += 1;
            }
        }
        piece
    }

    fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }
}

/// `"{timestamp} "` for each timestamp, formatted once and reused by every metric.
pub(crate) fn timestamp_pieces(timestamps: &[i64]) -> Vec<Piece> {
    let mut buf = itoa::Buffer::new();
    timestamps.iter().map(|ts| Piece::new(&[buf.format(*ts).as_bytes(), b" "])).collect()
}

/// `" {step}\n"` for steps `0..steps`.
pub(crate) fn step_pieces(steps: usize) -> Vec<Piece> {
    let mut buf = itoa::Buffer::new();
    (0..steps).map(|step| Piece::new(&[b" ", buf.format(step).as_bytes(), b"\n"])).collect()
}

/// Appends metric lines `"{timestamp} {value} {step}\n"`, one per value, from pieces made by
/// [`timestamp_pieces`] and [`step_pieces`].
pub(crate) fn push_metric_lines(out: &mut Vec<u8>, timestamps: &[Piece], values: &[f64], steps: &[Piece]) {
    let mut ryu_buf = ryu::Buffer::new();
    for ((ts, value), step) in timestamps.iter().zip(values).zip(steps) {
        out.extend_from_slice(ts.as_bytes());
        push_py_float(out, &mut ryu_buf, *value);
        out.extend_from_slice(step.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_python_repr() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (-2.5, "-2.5"),
            (3.0, "3.0"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.0003, "0.0003"),
            (1e-5, "1e-05"),
            (1.5e-5, "1.5e-05"),
            (0.00012345, "0.00012345"),
            (123.456, "123.456"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.2345e20, "1.2345e+20"),
            (1e100, "1e+100"),
            (2.5e-300, "2.5e-300"),
            (0.7858095765113831, "0.7858095765113831"),
            (1234567.0, "1234567.0"),
            (10.0, "10.0"),
            (9.99999e-5, "9.99999e-05"),
            (0.00001234, "1.234e-05"),
            (1e-4, "0.0001"),
            (9999999999999998.0, "9999999999999998.0"),
            (f64::MAX, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (f64::NAN, "nan"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (value, want) in cases {
            assert_eq!(py_float(*value), *want, "value {value:e}");
        }
    }

    #[test]
    fn round_trips() {
        let mut x = 1.234_567_890_123e-12_f64;
        while x < 1e20 {
            let text = py_float(x);
            assert_eq!(text.parse::<f64>().unwrap(), x, "{text}");
            x *= 3.3;
        }
    }

    #[test]
    fn metric_lines() {
        let mut out = Vec::new();
        let ts = timestamp_pieces(&[1700000000000, 1700000000100]);
        push_metric_lines(&mut out, &ts, &[0.5, f64::NAN], &step_pieces(2));
        assert_eq!(out, b"1700000000000 0.5 0\n1700000000100 nan 1\n");
    }
}
