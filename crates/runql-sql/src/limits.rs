//! [`QueryLimits`]: how much one query may take — text, nesting, memory — before a
//! [`crate::Session`] refuses it with [`crate::SqlError::Limit`].
//!
//! The limits exist because SQL arrives from outside (a chart spec, a URL, a notebook) and
//! one query must not be able to kill the process or the WebAssembly instance it runs in:
//! * **nesting** — DataFusion plans and optimizes recursively, so `1+1+…+1` with a few
//!   hundred terms or a thousand chained `UNION ALL` overflows the stack (in WebAssembly that
//!   traps the whole instance). Such queries are refused before they are parsed
//!   ([`crate::guard`]).
//! * **memory** — sorts, joins, aggregates and windows draw from DataFusion's memory pool of
//!   [`QueryLimits::memory_bytes`]; functions whose output size comes from an argument
//!   (`repeat`, `lpad`, `rpad`, `replace`, `regexp_replace`, `array_repeat`, `range`,
//!   `generate_series`) are checked before they allocate; a result is collected only while
//!   it stays under the limit.
//!
//! Time is bounded by the caller, who can stop waiting: `runql query --timeout`, the
//! JavaScript package's `AbortSignal` and query time limit.

/// How much one query may use. [`Default`] gives sane limits for the platform.
///
/// ```
/// use runql_sql::QueryLimits;
/// let limits = QueryLimits { memory_bytes: 512 << 20, ..QueryLimits::default() };
/// assert_eq!(limits.value_bytes(), 128 << 20);
/// assert!(QueryLimits::default().max_expression_depth >= 64);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    /// The memory pool of the session in bytes: what sorts, joins, aggregates and window
    /// functions may hold, and the largest result that is collected. Natively half of the
    /// machine's memory (4 GiB where that is unknown), 1 GiB in WebAssembly.
    pub memory_bytes: usize,
    /// The longest SQL text accepted, in bytes.
    pub max_sql_bytes: usize,
    /// How deeply an expression may nest: operators chained without parentheses
    /// (`a + b + c` is 2 deep), parentheses and function calls all count.
    pub max_expression_depth: usize,
    /// How many `JOIN`s, `UNION`s, `INTERSECT`s and `EXCEPT`s one query may combine, and how
    /// deep its plan may be.
    pub max_plan_depth: usize,
}

impl QueryLimits {
    /// The largest value one function call may produce (a quarter of the memory limit),
    /// checked by the guarded functions before they allocate.
    pub fn value_bytes(&self) -> usize {
        self.memory_bytes / 4
    }
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            memory_bytes: default_memory_bytes(),
            max_sql_bytes: 4 << 20,
            // Measured: the deepest expression that still plans inside the browser's stack
            // is several times these (see the browser tests); queries people write stay far
            // below.
            max_expression_depth: 128,
            max_plan_depth: 128,
        }
    }
}

/// Half of the machine's memory natively (from `/proc/meminfo` on Linux, 4 GiB elsewhere),
/// 1 GiB in WebAssembly (whose whole address space is 4 GiB, the loaded tables included).
pub fn default_memory_bytes() -> usize {
    #[cfg(target_arch = "wasm32")]
    {
        1 << 30
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        total_memory_bytes().map_or(4 << 30, |total| total / 2)
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn total_memory_bytes() -> Option<usize> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Parses a size such as `512M`, `2G`, `1.5GiB` or `1000000` (bytes).
///
/// ```
/// assert_eq!(runql_sql::limits::parse_size("2G"), Ok(2 << 30));
/// assert_eq!(runql_sql::limits::parse_size("512mb"), Ok(512 << 20));
/// assert!(runql_sql::limits::parse_size("lots").is_err());
/// ```
///
/// # Errors
/// A message naming the text when it is not a size.
pub fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number.parse().map_err(|_| format!("{text:?} is not a size (try 512M or 2G)"))?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => return Err(format!("{text:?}: unknown unit {other:?} (use K, M, G or T)")),
    };
    let bytes = number * scale;
    if !bytes.is_finite() || bytes < 1.0 || bytes > usize::MAX as f64 {
        return Err(format!("{text:?} is not a usable size"));
    }
    // In range and positive, checked above.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(bytes as usize)
}

/// A byte count for messages: `1.5 GiB`, `64 MiB`, `900 B`.
pub fn human_bytes(bytes: usize) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    let name = UNITS.get(unit).copied().unwrap_or("B");
    if unit == 0 || value >= 10.0 || (value - value.round()).abs() < 0.05 {
        format!("{value:.0} {name}")
    } else {
        format!("{value:.1} {name}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("64K"), Ok(64 << 10));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size(" 3 tb "), Ok(3 << 40));
        assert!(parse_size("0").is_err());
        assert!(parse_size("-1G").is_err());
        assert!(parse_size("2X").is_err());
        assert!(parse_size("").is_err());
    }

    #[test]
    fn bytes_print_readably() {
        assert_eq!(human_bytes(900), "900 B");
        assert_eq!(human_bytes(64 << 20), "64 MiB");
        assert_eq!(human_bytes(3 << 29), "1.5 GiB");
    }

    #[test]
    fn the_default_memory_limit_is_positive() {
        assert!(default_memory_bytes() >= 1 << 20);
        assert_eq!(QueryLimits::default().value_bytes(), default_memory_bytes() / 4);
    }
}
