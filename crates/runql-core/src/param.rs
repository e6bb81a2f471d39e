//! Query parameters (`$1`, `$2`, …) as runql passes them around, free of any SQL engine's
//! value type: the CLI's `-p`, the browser's `params` array and the chart presets all make
//! these, and the SQL layer turns them into its own values.

/// One value bound to a `$n` placeholder.
///
/// ```
/// use runql_core::Param;
/// assert_eq!(Param::guess("3"), Param::Int(3));
/// assert_eq!(Param::guess("0.5"), Param::Float(0.5));
/// assert_eq!(Param::guess("7b"), Param::Text("7b".into()));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A 64-bit float.
    Float(f64),
    /// Text.
    Text(String),
    /// A UTC instant in milliseconds since the epoch (a JavaScript `Date`).
    TimestampMs(i64),
}

impl Param {
    /// A parameter typed from its text the way a command line means it: an integer if it
    /// reads as one, else a float if it reads as one, else text.
    pub fn guess(text: &str) -> Param {
        if let Ok(i) = text.parse::<i64>() {
            Param::Int(i)
        } else if let Ok(f) = text.parse::<f64>() {
            Param::Float(f)
        } else {
            Param::Text(text.to_string())
        }
    }
}

impl From<&str> for Param {
    fn from(text: &str) -> Self {
        Param::Text(text.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_line_value_keeps_numbers_numeric() {
        assert_eq!(Param::guess("3"), Param::Int(3));
        assert_eq!(Param::guess("-12"), Param::Int(-12));
        assert_eq!(Param::guess("0.5"), Param::Float(0.5));
        assert_eq!(Param::guess("1e-3"), Param::Float(0.001));
        assert_eq!(Param::guess("7b"), Param::Text("7b".into()));
        assert_eq!(Param::guess(""), Param::Text(String::new()));
    }
}
