//! Reading one SQLite cell as the type the tracker meant. SQLite columns take any type, so a
//! cell can hold something other than its declared type; each reader says which it got.

use rusqlite::types::ValueRef;

/// A cell as text: text as is (invalid UTF-8 replaced), numbers in their usual form,
/// `NULL` as `None`.
pub fn text(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
    }
}

/// A cell as an integer (`NULL` as `None`); a whole real or a decimal text is accepted.
///
/// # Errors
/// What the cell holds instead.
pub fn int(v: ValueRef<'_>) -> Result<Option<i64>, String> {
    match v {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(i) => Ok(Some(i)),
        // 2^63 as f64 is the first value past i64; the cast below is exact under it.
        #[allow(clippy::cast_possible_truncation)]
        ValueRef::Real(f) if f.fract() == 0.0 && f.abs() < 9.223_372_036_854_776e18 => Ok(Some(f as i64)),
        ValueRef::Text(t) => std::str::from_utf8(t)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .map(Some)
            .ok_or_else(|| format!("{:?} is not an integer", String::from_utf8_lossy(t))),
        other => Err(format!("{} is not an integer", describe(other))),
    }
}

/// A cell as a float (`NULL` as `None`); an integer or a decimal text is accepted.
///
/// # Errors
/// What the cell holds instead.
pub fn real(v: ValueRef<'_>) -> Result<Option<f64>, String> {
    match v {
        ValueRef::Null => Ok(None),
        #[allow(clippy::cast_precision_loss)]
        ValueRef::Integer(i) => Ok(Some(i as f64)),
        ValueRef::Real(f) => Ok(Some(f)),
        ValueRef::Text(t) => std::str::from_utf8(t)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .map(Some)
            .ok_or_else(|| format!("{:?} is not a number", String::from_utf8_lossy(t))),
        other => Err(format!("{} is not a number", describe(other))),
    }
}

fn describe(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(i) => format!("integer {i}"),
        ValueRef::Real(f) => format!("real {f}"),
        ValueRef::Text(t) => format!("text {:?}", String::from_utf8_lossy(t)),
        ValueRef::Blob(b) => format!("a {}-byte blob", b.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_by_type() {
        assert_eq!(text(ValueRef::Integer(3)).as_deref(), Some("3"));
        assert_eq!(text(ValueRef::Null), None);
        assert_eq!(int(ValueRef::Real(4.0)), Ok(Some(4)));
        assert!(int(ValueRef::Real(4.5)).is_err());
        assert!(int(ValueRef::Real(1e300)).is_err());
        assert_eq!(int(ValueRef::Text(b" 12 ")), Ok(Some(12)));
        assert!(int(ValueRef::Blob(b"x")).unwrap_err().contains("blob"));
        assert_eq!(real(ValueRef::Integer(2)), Ok(Some(2.0)));
        assert!(real(ValueRef::Text(b"abc")).is_err());
    }
}
