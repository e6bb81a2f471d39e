//! The load report as a plain JavaScript object, in its one serialized shape
//! ([`runql_core::ReportData`]: snake_case, as `runql info --json` prints it).

use runql_core::LoadReport;
use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::error::Result;

/// `report` as a plain object (maps become objects, numbers stay numbers).
///
/// # Errors
/// `kind: "internal"` if serialization fails (a count beyond 2^53).
pub fn report_to_js(report: &LoadReport) -> Result<JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    Ok(report.serialize(&serializer)?)
}
