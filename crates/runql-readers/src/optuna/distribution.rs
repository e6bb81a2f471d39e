//! Optuna's parameter distributions, as far as needed to turn a stored (internal) param
//! value back into the value the objective saw.
//!
//! The journal stores every param as a float ("internal representation") plus its
//! distribution as a JSON **string**: `{"name": "CategoricalDistribution", "attributes":
//! {"choices": ["adam", "sgd"]}}`. A categorical param is stored as the *index* of the
//! choice, so it must be decoded against `choices`; ints are stored as floats (`2.0`).
//! Optuna also reads an abbreviated form, `{"type": "categorical", "choices": [...]}`
//! (`optuna/distributions.py`, `json_to_distribution`).

use crate::json_lenient::{self, JsonValue, float_text};

/// How a param's internal float maps back to its value.
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    /// `FloatDistribution` and the pre-3.0 float classes: the float itself.
    Float,
    /// `IntDistribution` and the pre-3.0 int classes: the float truncated to an integer.
    Int,
    /// `CategoricalDistribution`: the float is an index into these choices.
    Categorical(Vec<JsonValue>),
}

const FLOAT_CLASSES: [&str; 4] =
    ["FloatDistribution", "UniformDistribution", "LogUniformDistribution", "DiscreteUniformDistribution"];
const INT_CLASSES: [&str; 3] = ["IntDistribution", "IntUniformDistribution", "IntLogUniformDistribution"];

impl Distribution {
    /// Parses the JSON text Optuna's `distribution_to_json` writes (or the abbreviated form).
    ///
    /// ```
    /// use runql_readers::optuna::distribution::Distribution;
    /// let d = Distribution::parse(r#"{"name": "CategoricalDistribution", "attributes": {"choices": ["a", null, 3]}}"#)?;
    /// assert_eq!(d.external(1.0)?, "null");
    /// assert_eq!(d.external(0.0)?, "a");
    /// assert_eq!(Distribution::parse(r#"{"type": "int", "low": 1, "high": 4}"#)?.external(2.0)?, "2");
    /// # Ok::<(), String>(())
    /// ```
    ///
    /// # Errors
    /// A message when the text is not JSON or names no known distribution.
    pub fn parse(text: &str) -> Result<Self, String> {
        let json = json_lenient::parse_str(text).map_err(|e| format!("distribution is not JSON: {e}"))?;
        let choices = |v: Option<&JsonValue>| match v {
            Some(JsonValue::Array(items)) => Ok(Distribution::Categorical(items.clone())),
            _ => Err("categorical distribution without a `choices` list".to_string()),
        };
        if let Some(name) = json.get("name").and_then(JsonValue::as_str) {
            if FLOAT_CLASSES.contains(&name) {
                return Ok(Distribution::Float);
            }
            if INT_CLASSES.contains(&name) {
                return Ok(Distribution::Int);
            }
            if name == "CategoricalDistribution" {
                return choices(json.get("attributes").and_then(|a| a.get("choices")));
            }
            return Err(format!("unknown distribution class {name:?}"));
        }
        match json.get("type").and_then(JsonValue::as_str) {
            Some("float") => Ok(Distribution::Float),
            Some("int") => Ok(Distribution::Int),
            Some("categorical") => choices(json.get("choices")),
            Some(other) => Err(format!("unknown distribution type {other:?}")),
            None => Err("distribution has neither `name` nor `type`".into()),
        }
    }

    /// The value as text for the `params` table: floats in shortest round-trip form, ints
    /// as integers, categorical choices as they are (strings) or as JSON (`true`, `null`, `64`).
    ///
    /// # Errors
    /// A message when the internal value cannot be decoded (non-finite int, index out of range).
    pub fn external(&self, internal: f64) -> Result<String, String> {
        match self {
            Distribution::Float => Ok(float_text(internal)),
            Distribution::Int => int_of(internal).map(|i| itoa::Buffer::new().format(i).to_string()),
            Distribution::Categorical(choices) => {
                let index = int_of(internal)?;
                usize::try_from(index)
                    .ok()
                    .and_then(|i| choices.get(i))
                    .map(JsonValue::to_text)
                    .ok_or_else(|| format!("choice index {index} outside the {} choices", choices.len()))
            }
        }
    }
}

/// Python's `int(x)`: truncation toward zero.
fn int_of(x: f64) -> Result<i64, String> {
    if x.is_finite() && x.abs() < 9.0e18 {
        Ok(x.trunc() as i64)
    } else {
        Err(format!("{} is not an integer value", float_text(x)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_and_decoding() {
        let f = Distribution::parse(
            r#"{"name": "FloatDistribution", "attributes": {"step": null, "low": 1e-05, "high": 0.1, "log": true}}"#,
        )
        .unwrap();
        assert_eq!(f.external(0.001).unwrap(), "0.001");
        let old =
            Distribution::parse(r#"{"name": "IntUniformDistribution", "attributes": {"low": 1, "high": 3}}"#);
        assert_eq!(old.unwrap().external(2.9).unwrap(), "2");
        let c = Distribution::parse(
            r#"{"name": "CategoricalDistribution", "attributes": {"choices": [true, false]}}"#,
        )
        .unwrap();
        assert_eq!(c.external(1.0).unwrap(), "false");
        assert!(c.external(2.0).unwrap_err().contains("outside"));
        assert!(c.external(-1.0).is_err());
        assert!(Distribution::Int.external(f64::NAN).is_err());
        assert!(Distribution::parse("{}").is_err());
        assert!(Distribution::parse("nope").is_err());
        assert!(Distribution::parse(r#"{"name": "Weird"}"#).unwrap_err().contains("Weird"));
        assert!(Distribution::parse(r#"{"type": "categorical"}"#).is_err());
    }
}
