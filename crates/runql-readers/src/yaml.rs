//! The one YAML reader of runql-readers: bounded, for files of any tracker.
//!
//! The trackers write YAML with PyYAML (`meta.yaml` of MLflow's file store, `config.yaml`
//! and sweep configs of W&B). [`parse`] reads the first document into a [`YamlNode`] tree
//! whose scalars keep their text and whether they were quoted; each format then takes what
//! it needs: MLflow's flat view of a `meta.yaml`
//! ([`crate::mlflow::file_store::yaml::FlatYaml`]), W&B's typed values
//! ([`crate::wandb::yaml::parse`], typed as PyYAML reads them with [`Scalar::resolve`]).
//!
//! Nothing in a file can exhaust the stack or memory: yaml-rust2's event loop is driven with
//! an explicit stack (no recursion on input depth), nesting is capped at [`MAX_DEPTH`], the
//! input size by the caller, and aliases are expanded only within a budget of [`MAX_NODES`]
//! values and of bytes ([`EXPANSION_FACTOR`] times the input), so neither "billion laughs"
//! nor an alias to one large value repeated can exhaust memory.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

use crate::json_lenient::JsonValue;

/// Deeper nesting than this is refused.
pub const MAX_DEPTH: usize = 64;
/// At most this many values (after alias expansion) per document.
pub const MAX_NODES: usize = 1_000_000;
/// After alias expansion, a document's scalars hold at most this many times the bytes of
/// the file (and at least [`MIN_EXPANDED_BYTES`]): an alias to one large value, repeated,
/// is refused before it is copied into gigabytes.
pub const EXPANSION_FACTOR: usize = 4;
/// See [`EXPANSION_FACTOR`].
pub const MIN_EXPANDED_BYTES: usize = 16 << 20;

/// What a value costs once read: its values (collections count one) and its scalars' bytes.
#[derive(Debug, Clone, Copy, Default)]
struct Cost {
    nodes: usize,
    bytes: usize,
}

impl Cost {
    fn add(&mut self, other: Cost) {
        self.nodes = self.nodes.saturating_add(other.nodes);
        self.bytes = self.bytes.saturating_add(other.bytes);
    }
}

/// Why a YAML document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line of the problem, when known.
    pub line: Option<u64>,
    /// What went wrong.
    pub message: String,
}

/// A scalar as written, with whether it was quoted (quoted `'5'` is the string 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    /// The text of the scalar.
    pub text: String,
    /// True for plain (unquoted) scalars, which YAML resolves to null/bool/int/float.
    pub plain: bool,
}

impl Scalar {
    /// True for YAML nulls: plain `null`, `Null`, `NULL`, `~` or an empty value.
    pub fn is_null(&self) -> bool {
        self.plain && matches!(self.text.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }

    /// The scalar as text, or `None` for null.
    pub fn as_str(&self) -> Option<&str> {
        (!self.is_null()).then_some(self.text.as_str())
    }

    /// The scalar as an integer: plain ints, and quoted ints too (ids are written both ways).
    pub fn as_i64(&self) -> Option<i64> {
        if self.is_null() {
            return None;
        }
        let t = self.text.trim();
        t.parse::<i64>().ok().or_else(|| {
            // PyYAML may write large epoch values as floats (e.g. `1.7e12`).
            let f = t.parse::<f64>().ok()?;
            (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.2e18).then_some(f as i64)
        })
    }

    /// The value PyYAML's safe loader reads this scalar as: plain `true`/`null`/`42`/
    /// `1.0e-05`/`.nan` become bool, null, int and float; quoted scalars stay strings.
    ///
    /// ```
    /// use runql_readers::json_lenient::JsonValue;
    /// use runql_readers::yaml::Scalar;
    /// let plain = |text: &str| Scalar { text: text.into(), plain: true };
    /// assert_eq!(plain("1_000").resolve(), JsonValue::Int(1000));
    /// assert_eq!(plain("3.8.18").resolve(), JsonValue::Str("3.8.18".into()));
    /// assert_eq!(Scalar { text: "42".into(), plain: false }.resolve(), JsonValue::Str("42".into()));
    /// ```
    pub fn resolve(&self) -> JsonValue {
        let text = self.text.as_str();
        if !self.plain {
            return JsonValue::Str(text.to_owned());
        }
        match text {
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
        JsonValue::Str(text.to_owned())
    }
}

/// A YAML value: a scalar as written, a sequence, or a mapping (entries in file order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YamlNode {
    /// A scalar.
    Scalar(Scalar),
    /// A sequence.
    Seq(Vec<YamlNode>),
    /// A mapping, in file order (a repeated key appears twice).
    Map(Vec<(String, YamlNode)>),
}

impl YamlNode {
    /// The value PyYAML's safe loader reads: scalars typed by [`Scalar::resolve`].
    pub fn into_json(self) -> JsonValue {
        match self {
            YamlNode::Scalar(s) => s.resolve(),
            YamlNode::Seq(items) => JsonValue::Array(items.into_iter().map(YamlNode::into_json).collect()),
            YamlNode::Map(entries) => {
                JsonValue::Object(entries.into_iter().map(|(k, v)| (k, v.into_json())).collect())
            }
        }
    }
}

enum Frame {
    Map { entries: Vec<(String, YamlNode)>, key: Option<String>, anchor: usize, cost: Cost },
    Seq { items: Vec<YamlNode>, anchor: usize, cost: Cost },
}

/// Parses the first document of `bytes`, refusing input over `max_bytes` (`what` names the
/// file in that message: "a meta.yaml").
///
/// ```
/// use runql_readers::yaml::{YamlNode, parse};
/// let doc = parse(b"lr: 0.10\nname: 'adam'\nlayers: [1, 2]\n", 1 << 20, "a config")?;
/// let YamlNode::Map(entries) = doc else { panic!("a mapping") };
/// assert_eq!(entries[0].0, "lr");
/// assert!(matches!(&entries[0].1, YamlNode::Scalar(s) if s.text == "0.10" && s.plain));
/// assert!(matches!(&entries[2].1, YamlNode::Seq(items) if items.len() == 2));
/// # Ok::<(), runql_readers::yaml::YamlError>(())
/// ```
///
/// # Errors
/// A [`YamlError`] for oversized or non-UTF-8 input, syntax errors, nesting deeper than
/// [`MAX_DEPTH`], alias expansion beyond [`MAX_NODES`] values or the byte budget of
/// [`EXPANSION_FACTOR`], aliases to unknown anchors,
/// collections or aliases used as keys, or no document at all.
pub fn parse(bytes: &[u8], max_bytes: usize, what: &str) -> Result<YamlNode, YamlError> {
    let fail = |line: Option<u64>, message: String| YamlError { line, message };
    if bytes.len() > max_bytes {
        return Err(fail(None, format!("{} bytes is too large for {what}", bytes.len())));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes.iter().take(e.valid_up_to()).filter(|b| **b == b'\n').count() as u64 + 1;
        fail(Some(line), "not valid UTF-8".into())
    })?;
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, (YamlNode, Cost)> = HashMap::new();
    let mut total = Cost::default();
    let max_expanded = max_bytes.saturating_mul(EXPANSION_FACTOR).max(MIN_EXPANDED_BYTES);
    let one = Cost { nodes: 1, bytes: 0 };
    let mut root: Option<YamlNode> = None;
    loop {
        let (event, mark) =
            parser.next_token().map_err(|e| fail(Some(e.marker().line() as u64), e.info().to_string()))?;
        let line = Some(mark.line() as u64);
        // A finished value (and its node count) to hand to the enclosing collection.
        let finished: Option<(YamlNode, usize, Cost)> = match event {
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart => None,
            Event::DocumentEnd => {
                // Only the first document counts, like PyYAML's safe_load.
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
                    Frame::Map { entries: Vec::new(), key: None, anchor, cost: one }
                } else {
                    Frame::Seq { items: Vec::new(), anchor, cost: one }
                });
                None
            }
            Event::MappingEnd | Event::SequenceEnd => match stack.pop() {
                Some(Frame::Map { entries, key, anchor, cost }) => {
                    if key.is_some() {
                        return Err(fail(line, "a mapping key without a value".into()));
                    }
                    Some((YamlNode::Map(entries), anchor, cost))
                }
                Some(Frame::Seq { items, anchor, cost }) => Some((YamlNode::Seq(items), anchor, cost)),
                None => return Err(fail(line, "unbalanced end of collection".into())),
            },
            Event::Scalar(text, style, anchor, _) => {
                if let Some(Frame::Map { key: key @ None, cost, .. }) = stack.last_mut() {
                    cost.add(Cost { nodes: 0, bytes: text.len() });
                    *key = Some(text);
                    None
                } else {
                    let cost = Cost { nodes: 1, bytes: text.len() };
                    let scalar = Scalar { text, plain: style == TScalarStyle::Plain };
                    Some((YamlNode::Scalar(scalar), anchor, cost))
                }
            }
            Event::Alias(id) => {
                if let Some(Frame::Map { key: None, .. }) = stack.last() {
                    return Err(fail(line, "an alias used as a mapping key".into()));
                }
                match anchors.get(&id) {
                    // Checked before the copy is made.
                    Some((v, c)) => {
                        let mut after = total;
                        after.add(*c);
                        check_budget(after, max_expanded, line)?;
                        Some((v.clone(), 0, *c))
                    }
                    None => return Err(fail(line, "alias to an unknown anchor".into())),
                }
            }
        };
        let Some((value, anchor, cost)) = finished else { continue };
        total.add(cost);
        check_budget(total, max_expanded, line)?;
        if anchor != 0 {
            anchors.insert(anchor, (value.clone(), cost));
        }
        match stack.last_mut() {
            None => {
                if root.is_none() {
                    root = Some(value);
                }
            }
            Some(Frame::Seq { items, cost: c, .. }) => {
                items.push(value);
                c.add(cost);
            }
            Some(Frame::Map { entries, key, cost: c, .. }) => {
                if let Some(k) = key.take() {
                    entries.push((k, value));
                    c.add(cost);
                }
            }
        }
    }
    root.ok_or_else(|| fail(None, "empty document".into()))
}

/// The error once `total` is over the value or byte budget of a document.
fn check_budget(total: Cost, max_bytes: usize, line: Option<u64>) -> Result<(), YamlError> {
    if total.nodes > MAX_NODES {
        return Err(YamlError { line, message: format!("more than {MAX_NODES} values (alias expansion?)") });
    }
    if total.bytes > max_bytes {
        return Err(YamlError {
            line,
            message: format!("more than {max_bytes} bytes of values (alias expansion?)"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: usize = 1 << 20;

    fn scalar(text: &str, plain: bool) -> YamlNode {
        YamlNode::Scalar(Scalar { text: text.into(), plain })
    }

    #[test]
    fn scalars_keep_their_text_and_quoting() {
        let doc = parse(b"a: 0.10\nb: '0.10'\nc:\nd: [x, 'y']\n", LIMIT, "a test").unwrap();
        assert_eq!(
            doc,
            YamlNode::Map(vec![
                ("a".into(), scalar("0.10", true)),
                ("b".into(), scalar("0.10", false)),
                ("c".into(), scalar("", true)),
                ("d".into(), YamlNode::Seq(vec![scalar("x", true), scalar("y", false)])),
            ])
        );
    }

    #[test]
    fn scalars_resolve_like_pyyaml() {
        let json = parse(
            b"a: 1.0e-05\nb: '42'\nc: .nan\nd: -.inf\ne: 3.8.18\nf: ~\ng: 1_000\nh: \"true\"\ni: yes\n",
            LIMIT,
            "x",
        )
        .unwrap()
        .into_json();
        assert_eq!(json.get("a"), Some(&JsonValue::Float(1e-5)));
        assert_eq!(json.get("b"), Some(&JsonValue::Str("42".into())));
        assert!(json.get("c").and_then(JsonValue::as_f64).unwrap().is_nan());
        assert_eq!(json.get("d"), Some(&JsonValue::Float(f64::NEG_INFINITY)));
        assert_eq!(json.get("e"), Some(&JsonValue::Str("3.8.18".into())));
        assert_eq!(json.get("f"), Some(&JsonValue::Null));
        assert_eq!(json.get("g"), Some(&JsonValue::Int(1000)));
        assert_eq!(json.get("h"), Some(&JsonValue::Str("true".into())));
        assert_eq!(json.get("i"), Some(&JsonValue::Bool(true)));
    }

    #[test]
    fn anchors_expand_within_the_budget() {
        let doc = parse(b"a: &x [1, 2]\nb: *x\n", LIMIT, "x").unwrap().into_json();
        assert_eq!(doc.get("a"), doc.get("b"));
        let mut laughs = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            laughs += &format!("a{i}: &a{i} [{}]\n", vec![format!("*a{}", i - 1); 10].join(", "));
        }
        let err = parse(laughs.as_bytes(), LIMIT, "x").unwrap_err();
        assert_eq!(err.message, format!("more than {MAX_NODES} values (alias expansion?)"));
        // Few values, each a copy of one large scalar: the bytes are what is refused.
        let big = format!("a: &a '{}'\nb: [{}]\n", "x".repeat(600_000), vec!["*a"; 100].join(", "));
        assert!(big.len() < LIMIT);
        let err = parse(big.as_bytes(), LIMIT, "x").unwrap_err();
        assert_eq!(err.message, format!("more than {MIN_EXPANDED_BYTES} bytes of values (alias expansion?)"));
        let few = format!("a: &a '{}'\nb: [*a, *a]\n", "x".repeat(600_000));
        assert!(parse(few.as_bytes(), LIMIT, "x").is_ok(), "a few copies are fine");
    }

    #[test]
    fn hostile_and_broken_inputs_are_errors_with_a_reason() {
        let message = |bytes: &[u8]| parse(bytes, LIMIT, "a test file").unwrap_err().message;
        let deep = "a: ".to_string() + &"[".repeat(10_000) + &"]".repeat(10_000);
        assert!(parse(deep.as_bytes(), LIMIT, "x").is_err(), "flow nesting (yaml-rust2 stops it first)");
        let block: String = (0..MAX_DEPTH + 1).map(|depth| format!("{}k:\n", "  ".repeat(depth))).collect();
        assert_eq!(message(block.as_bytes()), format!("nested deeper than {MAX_DEPTH} levels"));
        let allowed: String = (0..MAX_DEPTH - 1).map(|depth| format!("{}k:\n", "  ".repeat(depth))).collect();
        assert!(parse(allowed.as_bytes(), LIMIT, "x").is_ok(), "{MAX_DEPTH} levels are read");
        assert!(parse(b"a: [1, 2\nb: 3\n", LIMIT, "x").unwrap_err().line.is_some());
        assert_eq!(message(b""), "empty document");
        assert_eq!(message(&[0xff, 0xfe]), "not valid UTF-8");
        assert_eq!(message(b"? [a]\n: 1\n"), "a collection used as a mapping key");
        assert_eq!(message(b"*nope\n"), "while parsing node, found unknown anchor");
        assert_eq!(
            message(&vec![b'a'; LIMIT + 1]),
            format!("{} bytes is too large for a test file", LIMIT + 1)
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = parse(&bytes, LIMIT, "x");
        }

        #[test]
        fn never_panics_on_yamlish_text(s in "[a-z0-9:'\"\\[\\]{}&*!|>#?\\-. \n]{0,200}") {
            let _ = parse(s.as_bytes(), LIMIT, "x");
        }
    }
}
