//! Binding `$1`, `$2`, ... parameters, so that a portal never pastes user text into SQL.
//!
//! Values are given as [`ScalarValue`]s in order: the first is `$1`. Before binding, each
//! value is converted to the type DataFusion inferred for its placeholder (a JavaScript
//! number arrives as `Float64` and binds to `step > $1` as `Int64`); a value that does not
//! convert is an error naming the placeholder. Every placeholder must have a value, and every
//! value must be used by a placeholder, so that a mistake in a portal shows up at once.

use std::collections::HashMap;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ParamValues;
use datafusion::logical_expr::LogicalPlan;
use datafusion::scalar::ScalarValue;

use crate::error::{Result, SqlError};

/// Replaces the placeholders of `plan` with `params` (`$1` is `params[0]`).
///
/// ```
/// # use datafusion::prelude::SessionContext;
/// # use datafusion::scalar::ScalarValue;
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let ctx = SessionContext::new();
/// let plan = ctx.state().create_logical_plan("SELECT $1 + 1 AS x").await?;
/// let plan = runql_sql::params::bind(plan, &[ScalarValue::Int64(Some(41))])?;
/// let batches = ctx.execute_logical_plan(plan).await?.collect().await?;
/// assert_eq!(batches[0].num_rows(), 1);
/// # Ok::<(), runql_sql::SqlError>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`SqlError::Params`] when a placeholder has no value, a value has no placeholder, a
/// placeholder is not of the `$n` form, or a value cannot be converted to the placeholder's
/// type.
pub fn bind(plan: LogicalPlan, params: &[ScalarValue]) -> Result<LogicalPlan> {
    let types = plan.get_parameter_types()?;
    if types.is_empty() {
        if params.is_empty() {
            return Ok(plan);
        }
        return Err(SqlError::Params(format!(
            "{} value(s) given but the query has no $1-style placeholders",
            params.len()
        )));
    }
    let values = convert(&types, params)?;
    Ok(plan.with_param_values(ParamValues::from(values))?)
}

/// Checks placeholder ids against `params` and converts each value to its placeholder's type.
fn convert(types: &HashMap<String, Option<DataType>>, params: &[ScalarValue]) -> Result<Vec<ScalarValue>> {
    let mut used = vec![false; params.len()];
    let mut wanted: Vec<(usize, Option<&DataType>)> = Vec::with_capacity(types.len());
    for (id, data_type) in types {
        let index = placeholder_index(id)?;
        let Some(slot) = used.get_mut(index) else {
            return Err(SqlError::Params(format!(
                "the query uses {id} but {} value(s) were given",
                params.len()
            )));
        };
        *slot = true;
        wanted.push((index, data_type.as_ref()));
    }
    if let Some(unused) = used.iter().position(|u| !u) {
        return Err(SqlError::Params(format!(
            "${} was given but the query does not use it ({} value(s) given)",
            unused + 1,
            params.len()
        )));
    }
    let mut values = params.to_vec();
    for (index, data_type) in wanted {
        let (Some(value), Some(data_type)) = (values.get_mut(index), data_type) else { continue };
        if value.data_type() == *data_type {
            continue;
        }
        *value = value.cast_to(data_type).map_err(|e| {
            SqlError::Params(format!(
                "${}: cannot use {value:?} where the query needs {data_type}: {}",
                index + 1,
                e.strip_backtrace()
            ))
        })?;
    }
    Ok(values)
}

/// `"$3"` → `2`.
fn placeholder_index(id: &str) -> Result<usize> {
    id.strip_prefix('$').and_then(|n| n.parse::<usize>().ok()).and_then(|n| n.checked_sub(1)).ok_or_else(
        || SqlError::Params(format!("placeholder {id} is not supported: use $1, $2, ... (1-based)")),
    )
}

/// The DataFusion value of a runql [`Param`](runql_core::Param).
///
/// ```
/// use datafusion::scalar::ScalarValue;
/// use runql_core::Param;
/// assert_eq!(runql_sql::params::scalar(&Param::Int(3)), ScalarValue::Int64(Some(3)));
/// assert_eq!(runql_sql::params::scalar(&Param::Null), ScalarValue::Null);
/// ```
pub fn scalar(param: &runql_core::Param) -> ScalarValue {
    use runql_core::Param;
    match param {
        Param::Null => ScalarValue::Null,
        Param::Bool(b) => ScalarValue::Boolean(Some(*b)),
        Param::Int(i) => ScalarValue::Int64(Some(*i)),
        Param::Float(f) => ScalarValue::Float64(Some(*f)),
        Param::Text(s) => ScalarValue::Utf8(Some(s.clone())),
        Param::TimestampMs(ms) => ScalarValue::TimestampMillisecond(Some(*ms), Some("UTC".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_ids() {
        assert_eq!(placeholder_index("$1").ok(), Some(0));
        assert_eq!(placeholder_index("$12").ok(), Some(11));
        assert!(placeholder_index("$0").is_err());
        assert!(placeholder_index("$name").is_err());
        assert!(placeholder_index("?").is_err());
    }

    #[test]
    fn convert_checks_counts_and_casts() {
        let types: HashMap<String, Option<DataType>> =
            [("$1".to_owned(), Some(DataType::Int64)), ("$2".to_owned(), None)].into_iter().collect();
        let ok = convert(&types, &[ScalarValue::Float64(Some(3.0)), ScalarValue::from("a")]).unwrap();
        assert_eq!(ok, vec![ScalarValue::Int64(Some(3)), ScalarValue::from("a")]);
        let too_few = convert(&types, &[ScalarValue::Int64(Some(3))]).unwrap_err().to_string();
        assert!(too_few.contains("uses $2"), "{too_few}");
        let too_many =
            convert(&types, &[ScalarValue::Int64(Some(3)), ScalarValue::from("a"), ScalarValue::from("b")])
                .unwrap_err()
                .to_string();
        assert!(too_many.contains("$3 was given"), "{too_many}");
        let bad = convert(&types, &[ScalarValue::from("x"), ScalarValue::from("a")]).unwrap_err().to_string();
        assert!(bad.contains("$1: cannot use"), "{bad}");
    }
}
