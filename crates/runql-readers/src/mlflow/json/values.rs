//! Protobuf-JSON values as MLflow's REST API and export tools write them: int64 as a
//! number or a string, NaN/±infinity as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.

use crate::json_lenient::JsonValue;

/// A double: a number, or one of the protobuf-JSON strings (a decimal string too).
///
/// ```
/// use runql_readers::json_lenient::JsonValue;
/// use runql_readers::mlflow::json::values::double;
/// assert!(double(&JsonValue::Str("NaN".into())).unwrap().is_nan());
/// assert_eq!(double(&JsonValue::Str("-Infinity".into())), Some(f64::NEG_INFINITY));
/// assert_eq!(double(&JsonValue::Int(3)), Some(3.0));
/// assert_eq!(double(&JsonValue::Str("abc".into())), None);
/// ```
pub fn double(v: &JsonValue) -> Option<f64> {
    match v {
        JsonValue::Str(s) => match s.trim() {
            "NaN" | "nan" => Some(f64::NAN),
            "Infinity" | "inf" => Some(f64::INFINITY),
            "-Infinity" | "-inf" => Some(f64::NEG_INFINITY),
            other => other.parse().ok().filter(|f: &f64| f.is_finite()),
        },
        other => other.as_f64(),
    }
}

/// An int64: a number or a decimal string (protobuf JSON writes int64 as strings).
pub fn int64(v: &JsonValue) -> Option<i64> {
    match v {
        JsonValue::Str(s) => s.trim().parse().ok(),
        other => other.as_i64(),
    }
}

/// A text field: strings as they are, numbers and bools as text (an `experiment_id` may
/// come as a number), `null` as `None`.
pub fn text(v: &JsonValue) -> Option<String> {
    match v {
        JsonValue::Null => None,
        other => Some(other.to_text()),
    }
}

/// The `(key, value)` pairs of a params/tags field written either as a list of
/// `{"key": …, "value": …}` (REST) or as a `{key: value}` map (export tools).
pub fn pairs(v: &JsonValue) -> Vec<(String, Option<String>)> {
    match v {
        JsonValue::Array(items) => items
            .iter()
            .filter_map(|item| {
                let key = item.get("key").and_then(text)?;
                Some((key, item.get("value").and_then(text)))
            })
            .collect(),
        JsonValue::Object(entries) => entries.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_lenient::parse;

    #[test]
    fn int64_and_pairs() {
        assert_eq!(int64(&JsonValue::Str("1670301595769".into())), Some(1_670_301_595_769));
        assert_eq!(int64(&JsonValue::Float(2.5)), None);
        let list = parse(br#"[{"key": "lr", "value": "0.1"}, {"value": "no key"}]"#).unwrap();
        assert_eq!(pairs(&list), [("lr".to_string(), Some("0.1".to_string()))]);
        let map = parse(br#"{"lr": "0.1", "n": 3}"#).unwrap();
        assert_eq!(pairs(&map).len(), 2);
        assert_eq!(text(&JsonValue::Int(2)).as_deref(), Some("2"));
    }
}
