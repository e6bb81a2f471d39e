//! The load report: what was read, and every skipped file or line with the reason.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::FileTree;

/// At most this many issues are kept with full detail; the rest are only counted, so a
/// hostile file with millions of bad lines cannot exhaust memory through its own report.
pub const MAX_DETAILED_ISSUES: usize = 1000;

/// How serious a reported issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Severity {
    /// Something was read but looks off (e.g. a run's experiment id disagrees with its folder).
    Warning,
    /// A file, line or record was not loaded.
    Skipped,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Skipped => "skipped",
        })
    }
}

/// One problem found while loading, located as precisely as the format allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Issue {
    /// Skipped or only a warning.
    pub severity: Severity,
    /// The file, as `origin/relative/path`.
    pub path: String,
    /// 1-based line number for text formats.
    pub line: Option<u64>,
    /// Byte offset for binary formats.
    pub offset: Option<u64>,
    /// Why, in words a user can act on.
    pub reason: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity, self.path)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(offset) = self.offset {
            write!(f, " (byte {offset})")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Rows per table after a load.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TableCounts {
    /// Rows in `runs`.
    pub runs: u64,
    /// Rows in `params`.
    pub params: u64,
    /// Rows in `metrics` (metric points).
    pub metrics: u64,
    /// Rows in `tags`.
    pub tags: u64,
    /// Rows in `metric_summary` (one per run and key).
    pub metric_summary: u64,
    /// Rows in `models`.
    pub models: u64,
}

/// What a load read, produced and skipped.
///
/// ```
/// use runql_core::{LoadReport, Severity};
/// let mut report = LoadReport::default();
/// report.skip("mlruns/0/abc/metrics/loss", Some(3), "expected 2, 3 or 5 fields, found 1");
/// assert_eq!(report.issue_count(Severity::Skipped), 1);
/// assert!(report.to_string().contains("mlruns/0/abc/metrics/loss:3"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    /// Formats found, with the number of runs each contributed, e.g. `mlflow-file-store → 12`.
    pub formats: BTreeMap<String, u64>,
    /// Files opened and parsed.
    pub files_read: u64,
    /// Bytes of those files.
    pub bytes_read: u64,
    /// Rows per output table.
    pub rows: TableCounts,
    /// Content that was recognized but is not tabulated (e.g. artifact files), with counts.
    pub ignored: BTreeMap<String, u64>,
    issues: Vec<Issue>,
    issue_totals: BTreeMap<Severity, u64>,
}

impl LoadReport {
    /// Reads `path` from `tree` for a reader: counts the file and its bytes as read, or
    /// records it as skipped with the reason and gives `None`, so no reader can drop an
    /// unreadable file without a word or forget to count what it read.
    pub fn read_file<'t>(&mut self, tree: &'t FileTree, path: &str) -> Option<Cow<'t, [u8]>> {
        match tree.read(path) {
            Ok(bytes) => {
                self.files_read += 1;
                self.bytes_read += bytes.len() as u64;
                Some(bytes)
            }
            Err(err) => {
                self.skip(tree.display_path(path), None, err.to_string());
                None
            }
        }
    }

    /// Opens `path` of `tree` for a reader that streams it, as [`Self::read_file`] reads it:
    /// counts the file and its size as read, or records it as skipped with the reason and
    /// gives `None`.
    pub fn open_file<'t>(&mut self, tree: &'t FileTree, path: &str) -> Option<Box<dyn std::io::Read + 't>> {
        match tree.open(path) {
            Ok(reader) => {
                self.files_read += 1;
                self.bytes_read += tree.size(path).unwrap_or(0);
                Some(reader)
            }
            Err(err) => {
                self.skip(tree.display_path(path), None, err.to_string());
                None
            }
        }
    }

    /// Records an issue; beyond [`MAX_DETAILED_ISSUES`] only the count is kept.
    pub fn push(&mut self, issue: Issue) {
        *self.issue_totals.entry(issue.severity).or_default() += 1;
        if self.issues.len() < MAX_DETAILED_ISSUES {
            self.issues.push(issue);
        }
    }

    /// Records that something at `path` (and `line`) was not loaded, and why.
    pub fn skip(&mut self, path: impl Into<String>, line: Option<u64>, reason: impl Into<String>) {
        self.push(Issue {
            severity: Severity::Skipped,
            path: path.into(),
            line,
            offset: None,
            reason: reason.into(),
        });
    }

    /// Records a warning about `path` (and `line`): loaded, but worth a look.
    pub fn warn(&mut self, path: impl Into<String>, line: Option<u64>, reason: impl Into<String>) {
        self.push(Issue {
            severity: Severity::Warning,
            path: path.into(),
            line,
            offset: None,
            reason: reason.into(),
        });
    }

    /// Counts `n` items of recognized-but-not-tabulated content of kind `what`.
    pub fn ignore(&mut self, what: impl Into<String>, n: u64) {
        if n > 0 {
            *self.ignored.entry(what.into()).or_default() += n;
        }
    }

    /// The issues kept in detail (at most [`MAX_DETAILED_ISSUES`]).
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// How many issues of `severity` there were in all, including those not kept in detail.
    pub fn issue_count(&self, severity: Severity) -> u64 {
        self.issue_totals.get(&severity).copied().unwrap_or(0)
    }

    /// Adds everything in `other` to `self` (used to merge per-file reports).
    pub fn merge(&mut self, other: LoadReport) {
        for (k, v) in other.formats {
            *self.formats.entry(k).or_default() += v;
        }
        self.files_read += other.files_read;
        self.bytes_read += other.bytes_read;
        for (k, v) in other.ignored {
            *self.ignored.entry(k).or_default() += v;
        }
        for (k, v) in other.issue_totals {
            *self.issue_totals.entry(k).or_default() += v;
        }
        let room = MAX_DETAILED_ISSUES.saturating_sub(self.issues.len());
        self.issues.extend(other.issues.into_iter().take(room));
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let formats: Vec<String> = self.formats.iter().map(|(k, v)| format!("{k} ({v} runs)")).collect();
        let formats = if formats.is_empty() { "none".to_string() } else { formats.join(", ") };
        writeln!(f, "formats:  {formats}")?;
        writeln!(f, "read:     {} files, {} bytes", self.files_read, self.bytes_read)?;
        let r = &self.rows;
        writeln!(
            f,
            "tables:   runs {}, params {}, metrics {}, tags {}, metric_summary {}, models {}",
            r.runs, r.params, r.metrics, r.tags, r.metric_summary, r.models
        )?;
        for (what, n) in &self.ignored {
            writeln!(f, "ignored:  {n} {what}")?;
        }
        let skipped = self.issue_count(Severity::Skipped);
        let warnings = self.issue_count(Severity::Warning);
        writeln!(f, "issues:   {skipped} skipped, {warnings} warnings")?;
        for issue in &self.issues {
            writeln!(f, "  {issue}")?;
        }
        let shown = self.issues.len() as u64;
        if skipped + warnings > shown {
            writeln!(f, "  … and {} more not shown", skipped + warnings - shown)?;
        }
        Ok(())
    }
}

/// The one serialized shape of a [`LoadReport`]: `runql info --json` prints it, the browser
/// package returns it as a plain object, the Python widget receives it as a dict. The JSON
/// Schema of the wire types (`packages/runql/wire.schema.json`) describes it as `LoadReport`.
///
/// ```
/// use runql_core::LoadReport;
/// let mut report = LoadReport::default();
/// report.skip("upload/a.csv", Some(2), "no value");
/// let json = serde_json::to_value(&report)?;
/// assert_eq!(json["skipped"], 1);
/// assert_eq!(json["issues"][0]["severity"], "skipped");
/// assert!(json["text"].as_str().unwrap_or_default().contains("upload/a.csv:2"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema), schemars(rename = "LoadReport"))]
pub struct ReportData {
    /// Formats found, with the number of runs each contributed, e.g. `mlflow-file-store → 12`.
    pub formats: BTreeMap<String, u64>,
    /// Files opened and parsed.
    pub files_read: u64,
    /// Bytes of those files.
    pub bytes_read: u64,
    /// Rows per output table.
    pub rows: TableCounts,
    /// Content that was recognized but is not tabulated (e.g. artifact files), with counts.
    pub ignored: BTreeMap<String, u64>,
    /// Files, lines or records skipped (all of them, also those not kept in `issues`).
    pub skipped: u64,
    /// Warnings (all of them).
    pub warnings: u64,
    /// The issues kept in detail (the first 1,000).
    pub issues: Vec<Issue>,
    /// The report as text, as the `runql` command prints it.
    pub text: String,
}

impl From<&LoadReport> for ReportData {
    fn from(report: &LoadReport) -> Self {
        ReportData {
            formats: report.formats.clone(),
            files_read: report.files_read,
            bytes_read: report.bytes_read,
            rows: report.rows,
            ignored: report.ignored.clone(),
            skipped: report.issue_count(Severity::Skipped),
            warnings: report.issue_count(Severity::Warning),
            issues: report.issues.clone(),
            text: report.to_string(),
        }
    }
}

impl Serialize for LoadReport {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ReportData::from(self).serialize(serializer)
    }
}
