//! A nested, bounded YAML reader for W&B's `config.yaml`.
//!
//! The event loop of yaml-rust2 is driven with an explicit stack (no recursion on input
//! depth), nesting is capped at [`MAX_DEPTH`], and aliases are expanded only within a
//! budget of [`MAX_NODES`] values, so neither deep nesting nor "billion laughs" can exhaust
//! the stack or memory. Scalars are typed the way PyYAML (which wrote these files) reads
//! them back: plain `true`/`null`/`42`/`1.0e-05`/`.nan` become bool, null, int and float;
//! quoted scalars stay strings.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

use crate::json_lenient::JsonValue;

/// `config.yaml` files larger than this are refused.
pub const MAX_CONFIG_YAML_BYTES: usize = 16 << 20;
/// Deeper nesting than this is refused.
pub const MAX_DEPTH: usize = 64;
/// At most this many values (after alias expansion) per document.
pub const MAX_NODES: usize = 1_000_000;

/// Why a YAML document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line of the problem, when known.
    pub line: Option<u64>,
    /// What went wrong.
    pub message: String,
}

enum Frame {
    Map { entries: Vec<(String, JsonValue)>, key: Option<String>, anchor: usize, nodes: usize },
    Seq { items: Vec<JsonValue>, anchor: usize, nodes: usize },
}

/// Parses the first document of `bytes` into a [`JsonValue`] tree.
///
/// ```
/// use runql_readers::json_lenient::JsonValue;
/// use runql_readers::wandb::yaml::parse;
/// let v = parse(b"lr:\n  value: 0.001\nlayers: [1, 2]\nname: 'adam'\n").unwrap();
/// assert_eq!(v.get("lr").and_then(|x| x.get("value")), Some(&JsonValue::Float(0.001)));
/// assert_eq!(v.get("name"), Some(&JsonValue::Str("adam".into())));
/// ```
///
/// # Errors
/// A [`YamlError`] for oversized or non-UTF-8 input, syntax errors, nesting deeper than
/// [`MAX_DEPTH`], alias expansion beyond [`MAX_NODES`], or collections used as keys.
pub fn parse(bytes: &[u8]) -> Result<JsonValue, YamlError> {
    let fail = |line: Option<u64>, message: String| YamlError { line, message };
    if bytes.len() > MAX_CONFIG_YAML_BYTES {
        return Err(fail(None, format!("{} bytes is too large for a config.yaml", bytes.len())));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes.iter().take(e.valid_up_to()).filter(|b| **b == b'\n').count() as u64 + 1;
        fail(Some(line), "not valid UTF-8".into())
    })?;
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, (JsonValue, usize)> = HashMap::new();
    let mut total_nodes = 0usize;
    let mut root: Option<JsonValue> = None;
    loop {
        let (event, mark) =
            parser.next_token().map_err(|e| fail(Some(e.marker().line() as u64), e.info().to_string()))?;
        let line = Some(mark.line() as u64);
        // A finished value (and its node count) to hand to the enclosing collection.
        let finished: Option<(JsonValue, usize, usize)> = match event {
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart => None,
            Event::DocumentEnd => {
                if root.is_some() {
                    break;
                }
                None
            }
            Event::MappingStart(anchor, _) | Event::SequenceStart(anchor, _) => {
                if let Some(Frame::Map { key: None, .. }) = stack.last() {
                    return Err(fail(line, "a collection used as a mapping key".into()));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(fail(line, format!("nested deeper than {MAX_DEPTH} levels")));
                }
                stack.push(if matches!(event, Event::MappingStart(..)) {
                    Frame::Map { entries: Vec::new(), key: None, anchor, nodes: 1 }
                } else {
                    Frame::Seq { items: Vec::new(), anchor, nodes: 1 }
                });
                None
            }
            Event::MappingEnd | Event::SequenceEnd => match stack.pop() {
                Some(Frame::Map { entries, key, anchor, nodes }) => {
                    if key.is_some() {
                        return Err(fail(line, "a mapping key without a value".into()));
                    }
                    Some((JsonValue::Object(entries), anchor, nodes))
                }
                Some(Frame::Seq { items, anchor, nodes }) => Some((JsonValue::Array(items), anchor, nodes)),
                None => return Err(fail(line, "unbalanced end of collection".into())),
            },
            Event::Scalar(text, style, anchor, _) => {
                if let Some(Frame::Map { key: key @ None, .. }) = stack.last_mut() {
                    *key = Some(text);
                    None
                } else {
                    Some((resolve(text, style), anchor, 1))
                }
            }
            Event::Alias(id) => {
                if let Some(Frame::Map { key: None, .. }) = stack.last() {
                    return Err(fail(line, "an alias used as a mapping key".into()));
                }
                match anchors.get(&id) {
                    Some((v, n)) => Some((v.clone(), 0, *n)),
                    None => return Err(fail(line, "alias to an unknown anchor".into())),
                }
            }
        };
        let Some((value, anchor, nodes)) = finished else { continue };
        total_nodes = total_nodes.saturating_add(nodes);
        if total_nodes > MAX_NODES {
            return Err(fail(line, format!("more than {MAX_NODES} values (alias expansion?)")));
        }
        if anchor != 0 {
            anchors.insert(anchor, (value.clone(), nodes));
        }
        match stack.last_mut() {
            None => {
                if root.is_none() {
                    root = Some(value);
                }
            }
            Some(Frame::Seq { items, nodes: n, .. }) => {
                items.push(value);
                *n = n.saturating_add(nodes);
            }
            Some(Frame::Map { entries, key, nodes: n, .. }) => {
                if let Some(k) = key.take() {
                    entries.push((k, value));
                    *n = n.saturating_add(nodes);
                }
            }
        }
    }
    root.ok_or_else(|| fail(None, "empty document".into()))
}

/// Types a scalar the way PyYAML's safe loader would.
fn resolve(text: String, style: TScalarStyle) -> JsonValue {
    if style != TScalarStyle::Plain {
        return JsonValue::Str(text);
    }
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return JsonValue::Null,
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => {
            return JsonValue::Bool(true);
        }
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
            return JsonValue::Bool(false);
        }
        ".nan" | ".NaN" | ".NAN" => return JsonValue::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return JsonValue::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return JsonValue::Float(f64::NEG_INFINITY),
        _ => {}
    }
    let t = text.replace('_', "");
    if let Ok(i) = t.parse::<i64>() {
        return JsonValue::Int(i);
    }
    let numeric_start =
        t.bytes().next().is_some_and(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.'));
    let has_digit = t.bytes().any(|b| b.is_ascii_digit());
    if numeric_start
        && has_digit
        && let Ok(f) = t.parse::<f64>()
    {
        return JsonValue::Float(f);
    }
    JsonValue::Str(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_sdk_config_with_desc_and_value() {
        let y = b"wandb_version: 1\n\nlog:\n  desc: null\n  value: true\nseed:\n  desc: null\n  value: 42\nlog_dir:\n  desc: null\n  value: ./logs\n_wandb:\n  desc: null\n  value:\n    python_version: 3.8.18\n    start_time: 1702319000.003859\n    t:\n      1:\n      - 1\n      - 55\n";
        let v = parse(y).unwrap();
        assert_eq!(v.get("wandb_version"), Some(&JsonValue::Int(1)));
        assert_eq!(v.get("log").and_then(|x| x.get("value")), Some(&JsonValue::Bool(true)));
        assert_eq!(v.get("seed").and_then(|x| x.get("desc")), Some(&JsonValue::Null));
        assert_eq!(v.get("log_dir").and_then(|x| x.get("value")), Some(&JsonValue::Str("./logs".into())));
        let t = v.get("_wandb").and_then(|x| x.get("value")).and_then(|x| x.get("t")).unwrap();
        assert_eq!(t.get("1"), Some(&JsonValue::Array(vec![JsonValue::Int(1), JsonValue::Int(55)])));
    }

    #[test]
    fn scalars_are_typed_like_pyyaml() {
        let v = parse(b"a: 1.0e-05\nb: '42'\nc: .nan\nd: -.inf\ne: 3.8.18\nf: ~\ng: 1_000\nh: \"true\"\n")
            .unwrap();
        assert_eq!(v.get("a"), Some(&JsonValue::Float(1e-5)));
        assert_eq!(v.get("b"), Some(&JsonValue::Str("42".into())));
        assert!(v.get("c").and_then(JsonValue::as_f64).unwrap().is_nan());
        assert_eq!(v.get("d"), Some(&JsonValue::Float(f64::NEG_INFINITY)));
        assert_eq!(v.get("e"), Some(&JsonValue::Str("3.8.18".into())));
        assert_eq!(v.get("f"), Some(&JsonValue::Null));
        assert_eq!(v.get("g"), Some(&JsonValue::Int(1000)));
        assert_eq!(v.get("h"), Some(&JsonValue::Str("true".into())));
    }

    #[test]
    fn anchors_expand_within_budget() {
        let v = parse(b"a: &x [1, 2]\nb: *x\n").unwrap();
        assert_eq!(v.get("a"), v.get("b"));
        let mut laughs = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            laughs += &format!("a{i}: &a{i} [{}]\n", vec![format!("*a{}", i - 1); 10].join(", "));
        }
        let err = parse(laughs.as_bytes()).unwrap_err();
        assert!(err.message.contains("alias"), "{err:?}");
    }

    #[test]
    fn hostile_and_broken_inputs_are_errors() {
        let deep = "a: ".to_string() + &"[".repeat(10_000) + &"]".repeat(10_000);
        assert!(parse(deep.as_bytes()).is_err());
        assert!(parse(b"a: [1, 2\nb: 3\n").unwrap_err().line.is_some());
        assert!(parse(b"").is_err());
        assert!(parse(&[0xff, 0xfe]).is_err());
        assert!(parse(b"? [a]\n: 1\n").is_err());
        assert!(parse(b"*nope\n").is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn never_panics_on_yamlish_text(s in "[a-z0-9:'\"\\[\\]{}&*!|>#?\\-. \n]{0,200}") {
            let _ = parse(s.as_bytes());
        }
    }
}
