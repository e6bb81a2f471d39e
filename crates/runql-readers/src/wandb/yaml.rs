//! W&B's YAML files (`config.yaml`, sweep configs) read with the crate's one YAML reader
//! ([`crate::yaml`]) and typed the way PyYAML (which wrote them) reads them back: plain
//! `true`/`null`/`42`/`1.0e-05`/`.nan` become bool, null, int and float; quoted scalars stay
//! strings.

use crate::json_lenient::JsonValue;
pub use crate::yaml::{MAX_DEPTH, MAX_NODES, YamlError};

/// `config.yaml` files larger than this are refused.
pub const MAX_CONFIG_YAML_BYTES: usize = 16 << 20;

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
    crate::yaml::parse(bytes, MAX_CONFIG_YAML_BYTES, "a config.yaml").map(crate::yaml::YamlNode::into_json)
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
}
