//! The load report as a plain JavaScript object.

use std::collections::BTreeMap;

use runql_core::{LoadReport, Severity};
use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::error::Result;

/// The JSON shape of a [`LoadReport`] (camelCase, as the `LoadReport` TypeScript type).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportJs<'a> {
    /// Formats found with their run counts.
    pub formats: &'a BTreeMap<String, u64>,
    /// Files opened and parsed.
    pub files_read: u64,
    /// Bytes of those files.
    pub bytes_read: u64,
    /// Rows per table.
    pub rows: BTreeMap<&'static str, u64>,
    /// Recognized content that is not tabulated, with counts.
    pub ignored: &'a BTreeMap<String, u64>,
    /// How many files, lines or records were skipped (all of them).
    pub skipped: u64,
    /// How many warnings there were (all of them).
    pub warnings: u64,
    /// The issues kept in detail (the first 1,000).
    pub issues: Vec<IssueJs<'a>>,
    /// The report as text, as the CLI prints it.
    pub text: String,
}

/// One issue of the report.
#[derive(Debug, Serialize)]
pub struct IssueJs<'a> {
    /// `"skipped"` or `"warning"`.
    pub severity: String,
    /// `origin/relative/path`.
    pub path: &'a str,
    /// 1-based line, for text formats.
    pub line: Option<u64>,
    /// Byte offset, for binary formats.
    pub offset: Option<u64>,
    /// Why.
    pub reason: &'a str,
}

/// `report` as a plain object (maps become objects, numbers stay numbers).
///
/// # Errors
/// `kind: "internal"` if serialization fails (a count beyond 2^53).
pub fn report_to_js(report: &LoadReport) -> Result<JsValue> {
    let r = report.rows;
    let rows = BTreeMap::from([
        ("runs", r.runs),
        ("params", r.params),
        ("metrics", r.metrics),
        ("tags", r.tags),
        ("metric_summary", r.metric_summary),
        ("models", r.models),
    ]);
    let js = ReportJs {
        formats: &report.formats,
        files_read: report.files_read,
        bytes_read: report.bytes_read,
        rows,
        ignored: &report.ignored,
        skipped: report.issue_count(Severity::Skipped),
        warnings: report.issue_count(Severity::Warning),
        issues: report
            .issues()
            .iter()
            .map(|i| IssueJs {
                severity: i.severity.to_string(),
                path: &i.path,
                line: i.line,
                offset: i.offset,
                reason: &i.reason,
            })
            .collect(),
        text: report.to_string(),
    };
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    Ok(js.serialize(&serializer)?)
}
