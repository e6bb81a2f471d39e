//! JSON as Python writes it: standard JSON plus the bare `NaN`, `Infinity` and `-Infinity`
//! tokens (`json.dumps(allow_nan=True)`, W&B's `value_json`, `wandb-summary.json`, Neptune
//! 1.x operation logs).
//!
//! A pre-pass rewrites those tokens, outside strings only, into marker strings that start
//! with U+0001; serde_json parses the result; the conversion into [`JsonValue`] turns the
//! markers back into floats. Real strings that happen to start with U+0001 get one extra
//! U+0001 in the pre-pass and lose it again in the conversion, so no input string can be
//! mistaken for a marker. Nesting is bounded by serde_json's recursion limit (128).

use std::borrow::Cow;

/// A parsed JSON value in which numbers may be NaN or ±infinity.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonValue {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits in `i64`.
    Int(i64),
    /// Any other number, including `NaN`, `Infinity` and `-Infinity`.
    Float(f64),
    /// A string.
    Str(String),
    /// An array.
    Array(Vec<JsonValue>),
    /// An object; keys in the order serde_json yields them (sorted).
    Object(Vec<(String, JsonValue)>),
}

/// Why a text is not (lenient) JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// 1-based line of the problem (0 when unknown).
    pub line: u64,
    /// 1-based column of the problem (0 when unknown).
    pub column: u64,
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "{} at line {} column {}", self.message, self.line, self.column)
        } else {
            f.write_str(&self.message)
        }
    }
}

const MARK: char = '\u{1}';
const MARK_ESCAPE: &[u8] = b"\\u0001";

/// Parses `bytes` as JSON that may contain `NaN`, `Infinity` and `-Infinity` tokens.
///
/// ```
/// use runql_codecs::json_lenient::{parse, JsonValue};
/// let v = parse(br#"{"loss": NaN, "best": -Infinity, "note": "NaN stays text"}"#)?;
/// let JsonValue::Object(entries) = v else { panic!() };
/// assert!(matches!(entries[0], (ref k, JsonValue::Float(f)) if k == "best" && f == f64::NEG_INFINITY));
/// assert!(matches!(entries[1], (_, JsonValue::Float(f)) if f.is_nan()));
/// assert_eq!(entries[2].1, JsonValue::Str("NaN stays text".into()));
/// # Ok::<(), runql_codecs::json_lenient::JsonError>(())
/// ```
///
/// # Errors
/// A [`JsonError`] with line and column for anything that is not JSON after the pre-pass
/// (including nesting deeper than 128 levels).
pub fn parse(bytes: &[u8]) -> Result<JsonValue, JsonError> {
    if let Some(v) = parse_scalar_fast(bytes) {
        return Ok(v);
    }
    let text = prepass(bytes);
    let value: serde_json::Value = serde_json::from_slice(&text).map_err(|e| JsonError {
        line: e.line() as u64,
        column: e.column() as u64,
        message: strip_position(&e.to_string()),
    })?;
    Ok(convert(value, 0))
}

/// Parses a string (see [`parse`]).
///
/// # Errors
/// As [`parse`].
pub fn parse_str(text: &str) -> Result<JsonValue, JsonError> {
    parse(text.as_bytes())
}

/// Numbers, the non-finite tokens and escape-free strings without serde: most W&B
/// `value_json` values are one of these, and this is several times faster. Anything it is
/// not sure about goes to the full parser.
fn parse_scalar_fast(bytes: &[u8]) -> Option<JsonValue> {
    let t = bytes.trim_ascii();
    match t {
        b"NaN" => return Some(JsonValue::Float(f64::NAN)),
        b"Infinity" => return Some(JsonValue::Float(f64::INFINITY)),
        b"-Infinity" => return Some(JsonValue::Float(f64::NEG_INFINITY)),
        b"true" => return Some(JsonValue::Bool(true)),
        b"false" => return Some(JsonValue::Bool(false)),
        b"null" => return Some(JsonValue::Null),
        _ => {}
    }
    let (&first, rest) = t.split_first()?;
    if first == b'"' {
        let inner = rest.strip_suffix(b"\"")?;
        if inner.iter().any(|b| *b == b'"' || *b == b'\\' || *b < 0x20) {
            return None;
        }
        return std::str::from_utf8(inner).ok().map(|s| JsonValue::Str(s.to_string()));
    }
    // JSON numbers only: -?digits[.digits][e[+-]digits], no leading zeros, no bare dots.
    let digits = if first == b'-' { rest } else { t };
    let int_end = digits.iter().position(|b| !b.is_ascii_digit()).unwrap_or(digits.len());
    let int_part = digits.get(..int_end)?;
    if int_part.is_empty() || (int_part.len() > 1 && int_part.first() == Some(&b'0')) {
        return None;
    }
    let tail = digits.get(int_end..)?;
    let text = std::str::from_utf8(t).ok()?;
    if tail.is_empty() {
        if text == "-0" {
            return Some(JsonValue::Float(-0.0));
        }
        return Some(match text.parse::<i64>() {
            Ok(i) => JsonValue::Int(i),
            Err(_) => JsonValue::Float(text.parse::<f64>().ok()?),
        });
    }
    let mut i = 0;
    let at = |i: usize| tail.get(i).copied();
    if at(i) == Some(b'.') {
        i += 1;
        let start = i;
        while at(i).is_some_and(|b| b.is_ascii_digit()) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if matches!(at(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(at(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while at(i).is_some_and(|b| b.is_ascii_digit()) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if i != tail.len() {
        return None;
    }
    let f = text.parse::<f64>().ok()?;
    // serde_json refuses literals that overflow; so does this path.
    f.is_finite().then_some(JsonValue::Float(f))
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg.get(..i).unwrap_or(msg).to_string(),
        None => msg.to_string(),
    }
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Rewrites bare non-finite tokens into marker strings; borrows when there is nothing to do.
fn prepass(input: &[u8]) -> Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0usize;
    let mut i = 0usize;
    let mut in_string = false;
    let emit = |out: &mut Option<Vec<u8>>, copied: &mut usize, upto: usize, insert: &[u8]| {
        let buf = out.get_or_insert_with(|| Vec::with_capacity(input.len() + 16));
        buf.extend_from_slice(input.get(*copied..upto).unwrap_or_default());
        buf.extend_from_slice(insert);
        *copied = upto;
    };
    while let Some(&b) = input.get(i) {
        if in_string {
            match b {
                b'\\' => i += 2,
                b'"' => {
                    in_string = false;
                    i += 1;
                }
                _ => i += 1,
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                i += 1;
                if input.get(i..i + MARK_ESCAPE.len()) == Some(MARK_ESCAPE) {
                    emit(&mut out, &mut copied, i, MARK_ESCAPE);
                }
            }
            b'N' | b'I' | b'-' => {
                let rest = input.get(i..).unwrap_or_default();
                let token: Option<(&[u8], &[u8])> = if rest.starts_with(b"NaN") {
                    Some((b"NaN", b"\"\\u0001N\""))
                } else if rest.starts_with(b"Infinity") {
                    Some((b"Infinity", b"\"\\u0001I\""))
                } else if rest.starts_with(b"-Infinity") {
                    Some((b"-Infinity", b"\"\\u0001-\""))
                } else {
                    None
                };
                let prev_ok = i == 0 || input.get(i - 1).is_none_or(|p| !is_ident_byte(*p) && *p != b'.');
                match token {
                    Some((tok, marker))
                        if prev_ok && input.get(i + tok.len()).is_none_or(|n| !is_ident_byte(*n)) =>
                    {
                        emit(&mut out, &mut copied, i, marker);
                        i += tok.len();
                        copied = i;
                    }
                    _ => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    match out {
        None => Cow::Borrowed(input),
        Some(mut buf) => {
            buf.extend_from_slice(input.get(copied..).unwrap_or_default());
            Cow::Owned(buf)
        }
    }
}

/// Undoes the pre-pass on a string: a marker or an escaped real string.
fn unmark(s: String) -> Result<String, f64> {
    let Some(rest) = s.strip_prefix(MARK) else { return Ok(s) };
    match rest {
        "N" => Err(f64::NAN),
        "I" => Err(f64::INFINITY),
        "-" => Err(f64::NEG_INFINITY),
        _ => Ok(rest.to_string()),
    }
}

/// serde_json stops at depth 128, so this recursion is bounded; the guard is belt and braces.
fn convert(v: serde_json::Value, depth: usize) -> JsonValue {
    use serde_json::Value as V;
    if depth > 256 {
        return JsonValue::Null;
    }
    match v {
        V::Null => JsonValue::Null,
        V::Bool(b) => JsonValue::Bool(b),
        V::Number(n) => match n.as_i64() {
            Some(i) => JsonValue::Int(i),
            None => JsonValue::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        V::String(s) => match unmark(s) {
            Ok(s) => JsonValue::Str(s),
            Err(f) => JsonValue::Float(f),
        },
        V::Array(items) => JsonValue::Array(items.into_iter().map(|x| convert(x, depth + 1)).collect()),
        V::Object(map) => JsonValue::Object(
            map.into_iter()
                .map(|(k, x)| {
                    let key = match unmark(k) {
                        Ok(k) => k,
                        Err(f) => float_text(f),
                    };
                    (key, convert(x, depth + 1))
                })
                .collect(),
        ),
    }
}

/// A float as Python's `json.dumps` writes it (`NaN`, `Infinity`, `-Infinity`, `0.001`).
pub fn float_text(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity".into() } else { "-Infinity".into() }
    } else {
        ryu::Buffer::new().format_finite(f).to_string()
    }
}

impl JsonValue {
    /// The value as a number: ints and floats (incl. NaN/±inf); not bools or numeric strings.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            JsonValue::Int(i) => Some(*i as f64),
            JsonValue::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The value as an integer: ints, and floats with no fractional part.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            JsonValue::Int(i) => Some(*i),
            JsonValue::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e18 => Some(*f as i64),
            _ => None,
        }
    }

    /// The string, if the value is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            JsonValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value under `key` of an object.
    pub fn get(&self, key: &str) -> Option<&JsonValue> {
        match self {
            JsonValue::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Compact JSON text, with non-finite floats as Python writes them.
    ///
    /// ```
    /// use runql_codecs::json_lenient::parse;
    /// let v = parse(br#"{"a": [1, 2.5, NaN], "b": "x\"y"}"#).unwrap();
    /// assert_eq!(v.to_json(), r#"{"a":[1,2.5,NaN],"b":"x\"y"}"#);
    /// ```
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out, 0);
        out
    }

    fn write_json(&self, out: &mut String, depth: usize) {
        if depth > 256 {
            out.push_str("null");
            return;
        }
        match self {
            JsonValue::Null => out.push_str("null"),
            JsonValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            JsonValue::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
            JsonValue::Float(f) => out.push_str(&float_text(*f)),
            JsonValue::Str(s) => write_json_string(out, s),
            JsonValue::Array(items) => {
                out.push('[');
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    x.write_json(out, depth + 1);
                }
                out.push(']');
            }
            JsonValue::Object(entries) => {
                out.push('{');
                for (i, (k, x)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_string(out, k);
                    out.push(':');
                    x.write_json(out, depth + 1);
                }
                out.push('}');
            }
        }
    }

    /// The value as text for a params table: strings as they are, everything else as JSON.
    pub fn to_text(&self) -> String {
        match self {
            JsonValue::Str(s) => s.clone(),
            other => other.to_json(),
        }
    }
}

fn write_json_string(out: &mut String, s: &str) {
    match serde_json::to_string(s) {
        Ok(quoted) => out.push_str(&quoted),
        Err(_) => out.push_str("\"\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: JsonValue) -> Vec<(String, JsonValue)> {
        match v {
            JsonValue::Object(e) => e,
            other => panic!("not an object: {other:?}"),
        }
    }

    #[test]
    fn python_tokens_become_floats() {
        let v = parse(b"[NaN, Infinity, -Infinity, 1, -1.5]").unwrap();
        let JsonValue::Array(items) = v else { panic!() };
        assert!(items[0].as_f64().unwrap().is_nan());
        assert_eq!(items[1].as_f64(), Some(f64::INFINITY));
        assert_eq!(items[2].as_f64(), Some(f64::NEG_INFINITY));
        assert_eq!(items[3], JsonValue::Int(1));
        assert_eq!(items[4], JsonValue::Float(-1.5));
        assert!(parse(b"1e400").is_err(), "out-of-range literals are errors (Python writes Infinity)");
    }

    #[test]
    fn tokens_inside_strings_stay_text() {
        let v = obj(parse(br#"{"NaN": "Infinity", "s": "a NaN -Infinity \" NaN"}"#).unwrap());
        assert_eq!(v[0], ("NaN".to_string(), JsonValue::Str("Infinity".into())));
        assert_eq!(v[1].1, JsonValue::Str("a NaN -Infinity \" NaN".into()));
    }

    #[test]
    fn strings_that_look_like_markers_survive() {
        let v = parse(br#"{"a": "\u0001N", "b": "\u0001\u0001x", "\u0001I": NaN}"#).unwrap();
        assert_eq!(v.get("a"), Some(&JsonValue::Str("\u{1}N".into())));
        assert_eq!(v.get("b"), Some(&JsonValue::Str("\u{1}\u{1}x".into())));
        assert!(v.get("\u{1}I").and_then(JsonValue::as_f64).unwrap().is_nan());
    }

    #[test]
    fn identifiers_that_merely_contain_tokens_are_errors() {
        assert!(parse(b"NaNa").is_err());
        assert!(parse(b"xNaN").is_err());
        assert!(parse(b"-Infinityx").is_err());
        assert!(parse(b"nan").is_err(), "only Python's spelling is accepted");
        assert!(parse(b"1.NaN").is_err());
    }

    #[test]
    fn errors_have_positions() {
        let err = parse(b"{\n  \"a\": [1,\n}").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert!(!err.message.contains("at line"));
    }

    #[test]
    fn fast_path_agrees_with_the_full_parser() {
        for text in [
            "0",
            "-0",
            "42",
            "-7",
            "1.5",
            "-1.5e-3",
            "1E10",
            "0.001",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775809",
            "\"adam\"",
            "\"\"",
            "\"caf\u{e9}\"",
            "true",
            "false",
            "null",
            "NaN",
            "-Infinity",
            " 3 ",
        ] {
            let fast = parse_scalar_fast(text.as_bytes());
            let full = serde_json::from_str::<serde_json::Value>(text).ok().map(|v| convert(v, 0));
            match (fast, full) {
                (Some(a), Some(b)) => assert_eq!(a, b, "{text}"),
                (Some(JsonValue::Float(f)), None) => assert!(!f.is_finite(), "{text}"),
                (a, b) => panic!("{text}: fast {a:?} vs full {b:?}"),
            }
        }
        for text in ["01", "1.", ".5", "+1", "1e", "--1", "1.5.5", "\"a\\\"b\"", "\"x", "1e400", "inf", "nan"]
        {
            assert_eq!(parse_scalar_fast(text.as_bytes()), None, "{text}");
        }
        assert_eq!(parse(br#""a\"b""#).unwrap(), JsonValue::Str("a\"b".into()));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = "[".repeat(100_000);
        assert!(parse(deep.as_bytes()).is_err());
        let ok = "[".repeat(100) + &"]".repeat(100);
        assert!(parse(ok.as_bytes()).is_ok());
    }

    #[test]
    fn text_forms() {
        assert_eq!(JsonValue::Float(0.001).to_text(), "0.001");
        assert_eq!(JsonValue::Float(1e-5).to_text(), "0.00001");
        assert_eq!(JsonValue::Float(1e-9).to_text(), "1e-9");
        assert_eq!(JsonValue::Float(f64::NAN).to_text(), "NaN");
        assert_eq!(JsonValue::Int(-3).to_text(), "-3");
        assert_eq!(JsonValue::Str("adam".into()).to_text(), "adam");
        assert_eq!(JsonValue::Null.to_text(), "null");
        let v = parse(br#"[0.9, 0.999]"#).unwrap();
        assert_eq!(v.to_text(), "[0.9,0.999]");
        assert_eq!(JsonValue::Float(2.5).as_i64(), None);
        assert_eq!(JsonValue::Float(5.0).as_i64(), Some(5));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn never_panics_on_jsonish_text(s in "[\\[\\]{}\":,NaInfity\\\\u0-9. -]{0,120}") {
            let _ = parse(s.as_bytes());
        }

        #[test]
        fn finite_numbers_round_trip(f in proptest::num::f64::NORMAL) {
            let v = parse(float_text(f).as_bytes()).unwrap();
            proptest::prop_assert_eq!(v.as_f64(), Some(f));
        }
    }
}
