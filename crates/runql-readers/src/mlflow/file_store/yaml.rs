//! A flat, non-expanding reader for MLflow's `meta.yaml` files.
//!
//! MLflow writes these with PyYAML `safe_dump`: a top-level mapping of scalars, with the odd
//! nested mapping (`aliases:`) or list (`tags: []`). We drive yaml-rust2's event parser
//! ourselves instead of building a document tree: the event loop is iterative (no recursion
//! on hostile nesting) and aliases are never expanded (no "billion laughs").

use std::collections::BTreeMap;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

/// Files larger than this are not MLflow metadata; refusing them bounds parse time.
pub const MAX_META_YAML_BYTES: usize = 1 << 20;

/// Deeper nesting than this is refused (MLflow's files nest at most two levels).
const MAX_DEPTH: usize = 64;

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
}

/// A value in a flat document: a scalar, a one-level mapping of scalars, or something deeper
/// that MLflow metadata never uses (kept only as a marker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A scalar.
    Scalar(Scalar),
    /// A mapping whose values are scalars (deeper values are dropped).
    Map(BTreeMap<String, Scalar>),
    /// A sequence, or an alias; contents are not kept.
    Other,
}

/// The top-level mapping of a `meta.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlatYaml {
    entries: BTreeMap<String, Value>,
}

/// Why a `meta.yaml` could not be read, with the 1-based line where it went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// Line of the problem, when known.
    pub line: Option<u64>,
    /// What went wrong.
    pub message: String,
}

impl FlatYaml {
    /// Parses `bytes` as a YAML document whose top level is a mapping.
    ///
    /// ```
    /// use runql_readers::mlflow::file_store::yaml::FlatYaml;
    /// let y = FlatYaml::parse(b"experiment_id: '5'\nend_time: null\nstatus: 3\n")?;
    /// assert_eq!(y.str("experiment_id"), Some("5"));
    /// assert_eq!(y.str("end_time"), None);
    /// assert_eq!(y.int("status"), Some(3));
    /// # Ok::<(), runql_readers::mlflow::file_store::yaml::YamlError>(())
    /// ```
    ///
    /// # Errors
    /// A [`YamlError`] for non-UTF-8 input, oversized input, syntax errors, excessive nesting
    /// or a top level that is not a mapping.
    pub fn parse(bytes: &[u8]) -> Result<Self, YamlError> {
        let fail = |line: Option<u64>, message: String| YamlError { line, message };
        if bytes.len() > MAX_META_YAML_BYTES {
            return Err(fail(None, format!("{} bytes is too large for a meta.yaml", bytes.len())));
        }
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = bytes.iter().take(e.valid_up_to()).filter(|b| **b == b'\n').count() as u64 + 1;
            fail(Some(line), "not valid UTF-8".into())
        })?;
        let mut parser = Parser::new_from_str(text);
        let mut out = FlatYaml::default();
        // Depth 1 = inside the top mapping, 2 = inside a nested collection.
        let mut depth = 0usize;
        let mut saw_top = false;
        let mut pending_key: Option<String> = None;
        let mut nested_key: Option<String> = None;
        let mut nested: Option<(String, BTreeMap<String, Scalar>)> = None;
        loop {
            let (event, mark) = parser
                .next_token()
                .map_err(|e| fail(Some(e.marker().line() as u64), e.info().to_string()))?;
            let line = Some(mark.line() as u64);
            match event {
                Event::StreamEnd => break,
                Event::Nothing | Event::StreamStart | Event::DocumentStart => {}
                Event::DocumentEnd => {
                    // Only the first document counts, like PyYAML's safe_load.
                    if saw_top {
                        break;
                    }
                }
                Event::MappingStart(..) | Event::SequenceStart(..) => {
                    let is_map = matches!(event, Event::MappingStart(..));
                    if depth == 0 {
                        if !is_map {
                            return Err(fail(line, "top level is a list, expected key: value lines".into()));
                        }
                        saw_top = true;
                    } else if depth == 1 {
                        let Some(key) = pending_key.take() else {
                            return Err(fail(line, "a collection used as a mapping key".into()));
                        };
                        if is_map {
                            nested = Some((key, BTreeMap::new()));
                        } else {
                            out.entries.insert(key, Value::Other);
                        }
                    } else if depth == 2 {
                        // A collection inside a nested mapping: keep the key as present.
                        nested_key = None;
                    }
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(fail(line, format!("nested deeper than {MAX_DEPTH} levels")));
                    }
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    depth = depth.saturating_sub(1);
                    if depth == 1
                        && let Some((key, map)) = nested.take()
                    {
                        out.entries.insert(key, Value::Map(map));
                    }
                }
                Event::Scalar(text, style, ..) => {
                    let scalar = Scalar { text, plain: style == TScalarStyle::Plain };
                    match depth {
                        0 => {
                            return Err(fail(line, "expected key: value lines, found a single value".into()));
                        }
                        1 => match pending_key.take() {
                            None => pending_key = Some(scalar.text),
                            Some(key) => {
                                out.entries.insert(key, Value::Scalar(scalar));
                            }
                        },
                        2 => {
                            if let Some((_, map)) = nested.as_mut() {
                                match nested_key.take() {
                                    None => nested_key = Some(scalar.text),
                                    Some(k) => {
                                        map.insert(k, scalar);
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                }
                Event::Alias(_) => {
                    if depth == 1 {
                        match pending_key.take() {
                            None => return Err(fail(line, "an alias used as a mapping key".into())),
                            Some(key) => {
                                out.entries.insert(key, Value::Other);
                            }
                        }
                    } else if depth == 2 && nested.is_some() && nested_key.take().is_none() {
                        return Err(fail(line, "an alias used as a mapping key".into()));
                    }
                }
            }
        }
        if !saw_top {
            return Err(fail(None, "empty document".into()));
        }
        Ok(out)
    }

    /// The raw value under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.get(key)
    }

    /// True when `key` is present (even with a null value).
    pub fn has(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    /// The scalar under `key` as text (`None` if absent, null or not a scalar).
    pub fn str(&self, key: &str) -> Option<&str> {
        match self.entries.get(key)? {
            Value::Scalar(s) => s.as_str(),
            _ => None,
        }
    }

    /// The scalar under `key` as an integer.
    pub fn int(&self, key: &str) -> Option<i64> {
        match self.entries.get(key)? {
            Value::Scalar(s) => s.as_i64(),
            _ => None,
        }
    }

    /// The nested mapping under `key`, if it is one.
    pub fn map(&self, key: &str) -> Option<&BTreeMap<String, Scalar>> {
        match self.entries.get(key)? {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_real_mlflow_3_run_meta() {
        let y = FlatYaml::parse(
            b"artifact_uri: file:C:/Users/ydaram/OneDrive - OpenText/BITS WILP AIML/3rd Semester/MLOps/Assignment\n  1/mlops-iris-pipeline/mlruns/5/12bb/artifacts\nend_time: 1754898732335\nentry_point_name: ''\nexperiment_id: '559469742929684954'\nlifecycle_stage: active\nrun_id: 12bb12d6f62e434ab6b82762aeb0f6f9\nrun_name: RandomForest\nsource_type: 4\nstatus: 3\ntags: []\nuser_id: ydaram\n",
        )
        .unwrap();
        assert_eq!(y.str("run_id"), Some("12bb12d6f62e434ab6b82762aeb0f6f9"));
        assert_eq!(y.str("experiment_id"), Some("559469742929684954"));
        assert_eq!(y.str("entry_point_name"), Some(""));
        assert_eq!(y.int("status"), Some(3));
        assert!(
            y.str("artifact_uri")
                .unwrap()
                .ends_with("Assignment 1/mlops-iris-pipeline/mlruns/5/12bb/artifacts")
        );
        assert_eq!(y.get("tags"), Some(&Value::Other));
    }

    #[test]
    fn reads_nested_alias_map_of_the_registry() {
        let y = FlatYaml::parse(b"aliases:\n  production: '1'\n  staging: '2'\nname: iris\n").unwrap();
        let aliases = y.map("aliases").unwrap();
        assert_eq!(aliases.get("production").and_then(Scalar::as_str), Some("1"));
        assert_eq!(y.str("name"), Some("iris"));
    }

    #[test]
    fn mlflow_1x_int_ids_and_null_end_time() {
        let y = FlatYaml::parse(b"experiment_id: 0\nend_time: null\nrun_uuid: abc\nname: ''\n").unwrap();
        assert_eq!(y.str("experiment_id"), Some("0"));
        assert_eq!(y.int("end_time"), None);
        assert!(y.has("end_time"));
    }

    #[test]
    fn syntax_error_has_a_line() {
        let err = FlatYaml::parse(b"a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(err.line.is_some(), "{err:?}");
    }

    #[test]
    fn hostile_inputs_are_refused_not_expanded() {
        let deep = "a: ".to_string() + &"[".repeat(10_000) + &"]".repeat(10_000);
        assert!(FlatYaml::parse(deep.as_bytes()).is_err());
        let laughs = b"a: &a [x, x]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\nd: [*c, *c, *c, *c]\n";
        let y = FlatYaml::parse(laughs).unwrap();
        assert_eq!(y.get("d"), Some(&Value::Other));
        assert!(FlatYaml::parse(&[0xff, 0xfe, b'a']).is_err());
        assert!(FlatYaml::parse(b"").is_err());
        assert!(FlatYaml::parse(b"- a\n- b\n").is_err());
        assert!(FlatYaml::parse(b"just text").is_err());
        assert!(FlatYaml::parse(&vec![b'a'; MAX_META_YAML_BYTES + 1]).is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = FlatYaml::parse(&bytes);
        }

        #[test]
        fn never_panics_on_yamlish_text(s in "[a-z:'\"\\[\\]{}&*!|>#\\- \n]{0,200}") {
            let _ = FlatYaml::parse(s.as_bytes());
        }
    }
}
