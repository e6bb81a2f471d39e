//! Typing of text values (params as written) into numbers where they are numbers.

/// The type a param value was recognized as: `int`, `float`, `bool` or `str`.
///
/// ```
/// use runql_core::model::value::classify;
/// assert_eq!(classify("32"), ("int", Some(32.0)));
/// assert_eq!(classify("1e-3"), ("float", Some(0.001)));
/// assert_eq!(classify("True"), ("bool", Some(1.0)));
/// assert_eq!(classify("adam"), ("str", None));
/// ```
pub fn classify(text: &str) -> (&'static str, Option<f64>) {
    let t = text.trim();
    if t.is_empty() {
        return ("str", None);
    }
    if let Ok(i) = t.parse::<i64>() {
        return ("int", Some(i as f64));
    }
    match t {
        "true" | "True" | "TRUE" => return ("bool", Some(1.0)),
        "false" | "False" | "FALSE" => return ("bool", Some(0.0)),
        _ => {}
    }
    if let Some(f) = parse_float(t) {
        return ("float", Some(f));
    }
    ("str", None)
}

/// Parses a float the way Python writes them, including every NaN/inf spelling seen in
/// tracker exports (`nan`, `NaN`, `inf`, `-Infinity`, …). Rejects Rust-only forms that no
/// tracker writes, such as a bare `infinity` inside a word.
pub fn parse_float(t: &str) -> Option<f64> {
    let first = t.as_bytes().first()?;
    // Rust's parser accepts "inf"/"nan"/"infinity" in any case; require a digit, sign, dot
    // or one of those words so that strings like "information" stay text.
    let plausible = first.is_ascii_digit()
        || matches!(first, b'-' | b'+' | b'.')
        || t.eq_ignore_ascii_case("nan")
        || t.eq_ignore_ascii_case("inf")
        || t.eq_ignore_ascii_case("infinity");
    if !plausible {
        return None;
    }
    t.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_spellings_are_floats() {
        for s in ["nan", "NaN", "inf", "-inf", "Infinity", "-Infinity"] {
            let (ty, v) = classify(s);
            assert_eq!(ty, "float", "{s}");
            assert!(v.is_some_and(|v| v.is_nan() || v.is_infinite()), "{s}");
        }
    }

    #[test]
    fn words_that_start_like_numbers_stay_text() {
        assert_eq!(classify("information"), ("str", None));
        assert_eq!(classify("nano"), ("str", None));
        assert_eq!(classify("1.2.3"), ("str", None));
        assert_eq!(classify("{'lr': 0.1}"), ("str", None));
    }
}
