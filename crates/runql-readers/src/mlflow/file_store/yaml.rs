//! MLflow's `meta.yaml` files, read with the crate's one YAML reader ([`crate::yaml`]) as a
//! flat view: a top-level mapping of scalars, with the odd nested mapping (`aliases:`) or
//! list (`tags: []`), which is what MLflow writes (PyYAML `safe_dump`).

use std::collections::BTreeMap;

use crate::yaml::YamlNode;
pub use crate::yaml::{Scalar, YamlError};

/// Files larger than this are not MLflow metadata; refusing them bounds parse time.
pub const MAX_META_YAML_BYTES: usize = 1 << 20;

/// A value in a flat document: a scalar, a one-level mapping of scalars, or something deeper
/// that MLflow metadata never uses (kept only as a marker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A scalar.
    Scalar(Scalar),
    /// A mapping whose values are scalars (deeper values are dropped).
    Map(BTreeMap<String, Scalar>),
    /// A sequence, or a mapping inside a sequence; contents are not kept.
    Other,
}

/// The top-level mapping of a `meta.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlatYaml {
    entries: BTreeMap<String, Value>,
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
    /// A [`YamlError`] for non-UTF-8 input, oversized input, syntax errors, excessive nesting,
    /// aliases beyond [`crate::yaml`]'s budgets, collections or aliases used as keys, or a top
    /// level that is not a mapping.
    pub fn parse(bytes: &[u8]) -> Result<Self, YamlError> {
        let top = |message: &str| YamlError { line: Some(1), message: message.to_owned() };
        let entries = match crate::yaml::parse(bytes, MAX_META_YAML_BYTES, "a meta.yaml")? {
            YamlNode::Map(entries) => entries,
            YamlNode::Seq(_) => return Err(top("top level is a list, expected key: value lines")),
            YamlNode::Scalar(_) => return Err(top("expected key: value lines, found a single value")),
        };
        let value = |node: YamlNode| match node {
            YamlNode::Scalar(s) => Value::Scalar(s),
            YamlNode::Map(nested) => Value::Map(
                nested
                    .into_iter()
                    .filter_map(|(k, v)| match v {
                        YamlNode::Scalar(s) => Some((k, s)),
                        _ => None,
                    })
                    .collect(),
            ),
            YamlNode::Seq(_) => Value::Other,
        };
        // A repeated key keeps its last value, as PyYAML's loader does.
        Ok(FlatYaml { entries: entries.into_iter().map(|(k, v)| (k, value(v))).collect() })
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
    fn hostile_inputs_are_refused_and_aliases_bounded() {
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
