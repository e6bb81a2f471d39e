//! Reader for trackio (Hugging Face's local-first tracker): one SQLite database per
//! project, `<project>.db` under trackio's folder (`~/.cache/huggingface/trackio`, or
//! `$TRACKIO_DIR`), recognized by its `configs` and `metrics` tables whatever the folder.
//! Works natively and in WebAssembly, like the MLflow SQLite reader (the same bounded,
//! read-only opening: [`crate::sqlite::open`]).
//!
//! # What goes where
//! - `runs`: one per trackio run id (from `configs`, and any run that only has metrics).
//!   `name` = `run_name`, `project` = the database's file name without `.db` (trackio's
//!   project), `run_group` = config `_Group`, `user` = config `_Username`, `created_at` =
//!   config `_Created` (else the row's `created_at`). trackio records no end or state: both
//!   stay empty.
//! - `params`: the config's other keys, nested objects joined with `.` (`model.size`), lists
//!   and objects as JSON text.
//! - `metrics`: each `metrics` row's JSON object at its `step` and `timestamp`: numbers, and
//!   the strings `"NaN"`, `"Infinity"`, `"-Infinity"` trackio writes for non-finite values.
//!   Nested objects are joined with `.`; strings, booleans and media/table/histogram objects
//!   are counted in the report.
//! - System metrics (`system_metrics`, written by `log_system`, `log_gpu`, `log_cpu` and
//!   trackio's GPU monitor): `system/<key>` at the sample's time; the step counts the run's
//!   samples from 0, as for W&B and MLflow system metrics.
//! - Counted, not loaded: alerts, traces, artifacts and the other tables' rows.
//!
//! A damaged file keeps what was read before the damage; rows with unreadable JSON are
//! reported with the table and reason. Changes still in a `-wal` file beside the database
//! are not read (a warning says so; trackio folds them in when a run finishes).

use std::collections::HashMap;

use crate::json_lenient::{self, JsonValue};
use crate::reader::{ReadContext, Reader};
use crate::sqlite::cell::{int, text};
use crate::sqlite::open;
use crate::sqlite::rows::{Problems, each_row};
use runql_core::error::Result;
use runql_core::model::{MetricSeries, RunData, RunInfo};
use runql_core::report::LoadReport;
use runql_core::timefmt::parse_iso_ms;
use runql_core::vfs::FileTree;

/// The name this format has in reports, and the `source` of its runs.
pub const FORMAT_NAME: &str = "trackio";

/// This format in the [registry](crate::registry).
pub(crate) const READER: Reader =
    Reader { name: FORMAT_NAME, hint: "a trackio project database (<project>.db)", detect, read };

/// Bytes of the file's start searched for trackio's table definitions (the schema is on the
/// first pages of a database trackio created).
const SNIFF_BYTES: usize = 256 << 10;

/// Tables whose rows are counted in the report, not loaded.
const NOT_LOADED: [(&str, &str); 6] = [
    ("alerts", "trackio alerts (rows)"),
    ("traces", "trackio traces (rows)"),
    ("artifacts", "trackio artifacts (rows)"),
    ("artifact_versions", "trackio artifact versions (rows)"),
    ("run_artifact_links", "trackio run-artifact links (rows)"),
    ("pending_uploads", "trackio pending uploads (rows)"),
];

/// True when `head` (a file's first bytes) is an SQLite database defining trackio's
/// `configs` and `metrics` tables.
///
/// ```
/// use runql_readers::trackio::looks_like_trackio;
/// let head = b"SQLite format 3\0...CREATE TABLE configs (id INTEGER, run_id TEXT, run_name TEXT, config TEXT)\
///              ...CREATE TABLE metrics (id INTEGER, run_id TEXT, run_name TEXT, step INTEGER, metrics TEXT)";
/// assert!(looks_like_trackio(head));
/// assert!(!looks_like_trackio(b"SQLite format 3\0...CREATE TABLE metrics (key TEXT, value REAL)"));
/// ```
pub fn looks_like_trackio(head: &[u8]) -> bool {
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    open::is_sqlite(head) && has(b"CREATE TABLE configs") && has(b"CREATE TABLE metrics") && has(b"run_name")
}

fn is_trackio(tree: &FileTree, path: &str) -> bool {
    crate::sqlite::is_candidate(tree, path)
        && tree.head(path, SNIFF_BYTES).is_ok_and(|h| looks_like_trackio(&h))
}

/// True when some file of the tree is a trackio project database.
pub fn detect(tree: &FileTree) -> bool {
    tree.paths().any(|p| is_trackio(tree, p))
}

/// The project a database holds: its file name without `.db`.
fn project_of(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".db").unwrap_or(name).to_string()
}

/// Reads every trackio database in `tree` into `builder`.
///
/// # Errors
/// Only a failure to build Arrow data; problems with files are reported, not raised.
pub(crate) fn read(mut cx: ReadContext<'_>) -> Result<()> {
    let files = cx.claim(is_trackio);
    let ReadContext { tree, builder, report, progress, claimed, .. } = cx;
    for path in files {
        let shown = tree.display_path(&path);
        progress.advance(1, tree.size(&path).unwrap_or(0));
        let lock = format!("{}.lock", path.strip_suffix(".db").unwrap_or(&path));
        crate::sqlite::claim_sidecars(
            tree,
            &path,
            &[lock],
            claimed,
            progress,
            report,
            "trackio folds them in when a run finishes; sqlite3 can do it too",
        );
        let Some(conn) = crate::sqlite::open_in_tree(tree, &path, report) else { continue };
        let mut problems = Problems::new(&shown);
        let runs = read_project(&conn, &project_of(&path), &shown, &mut problems, report);
        problems.finish(report);
        let added = crate::batch::add_parsed(runs, FORMAT_NAME, builder, report)?;
        if added == 0 {
            report.warn(shown, None, "a trackio project with no runs");
        }
    }
    Ok(())
}

/// Runs by id, in the order first seen.
#[derive(Default)]
struct Runs {
    runs: Vec<RunData>,
    index: HashMap<String, usize>,
    /// Per run: series index by key.
    series: Vec<HashMap<String, usize>>,
    /// Per run: system samples read so far.
    samples: Vec<i64>,
}

impl Runs {
    fn run(&mut self, run_id: &str, name: Option<String>, project: &str, origin: &str) -> usize {
        if let Some(&i) = self.index.get(run_id) {
            return i;
        }
        let info = RunInfo {
            run_id: run_id.to_string(),
            source: FORMAT_NAME.into(),
            project: Some(project.to_string()),
            name,
            origin: origin.to_string(),
            ..RunInfo::default()
        };
        self.index.insert(run_id.to_string(), self.runs.len());
        self.runs.push(RunData { info, ..RunData::default() });
        self.series.push(HashMap::new());
        self.samples.push(0);
        self.runs.len() - 1
    }

    fn push(&mut self, run: usize, key: String, step: i64, ts: Option<i64>, value: f64) {
        let (Some(data), Some(index)) = (self.runs.get_mut(run), self.series.get_mut(run)) else { return };
        let i = *index.entry(key.clone()).or_insert_with(|| {
            data.metrics.push(MetricSeries::new(key));
            data.metrics.len() - 1
        });
        if let Some(s) = data.metrics.get_mut(i) {
            s.push(step, ts, value);
        }
    }
}

/// A logged value as a number: numbers, and trackio's spellings of non-finite floats.
fn number(v: &JsonValue) -> Option<f64> {
    match v {
        JsonValue::Str(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        other => other.as_f64(),
    }
}

/// What a value that is not a number is, for the report.
fn kind(v: &JsonValue) -> String {
    match v {
        JsonValue::Str(_) => "trackio string values (not tabulated)".into(),
        JsonValue::Bool(_) => "trackio boolean values (not tabulated)".into(),
        JsonValue::Null => "trackio null values".into(),
        JsonValue::Array(_) => "trackio list values (not tabulated)".into(),
        JsonValue::Object(_) => match v.get("_type").and_then(JsonValue::as_str) {
            Some(t) => format!("trackio media/table/histogram values ({t}; not tabulated)"),
            None => "trackio object values (not tabulated)".into(),
        },
        _ => "trackio values of another kind".into(),
    }
}

/// Logged values as `(key, leaf)`: a nested object (`{"val": {"loss": 1}}`) is joined with
/// `.` as configs are, while media, tables and histograms (objects with a `_type`) stay whole
/// for the report. Nesting past 32 levels stays whole too.
fn flatten(key: String, v: JsonValue, depth: usize, out: &mut Vec<(String, JsonValue)>) {
    match v {
        JsonValue::Object(entries)
            if depth < 32 && !entries.is_empty() && !entries.iter().any(|(k, _)| k == "_type") =>
        {
            for (k, x) in entries {
                flatten(format!("{key}.{k}"), x, depth + 1, out);
            }
        }
        other => out.push((key, other)),
    }
}

/// Config leaves as params: nested objects joined with `.`, the rest as text.
fn params(prefix: &str, v: &JsonValue, out: &mut Vec<(String, String)>) {
    match v {
        JsonValue::Object(entries) if !entries.is_empty() => {
            for (k, x) in entries {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                params(&key, x, out);
            }
        }
        JsonValue::Null => {}
        JsonValue::Array(_) | JsonValue::Object(_) => out.push((prefix.to_string(), v.to_json())),
        other => out.push((prefix.to_string(), other.to_text())),
    }
}

/// A query with no rows, for a table the database lacks.
const NOTHING: &str = "SELECT NULL, NULL, NULL, NULL, NULL WHERE 0";

/// True when the database has `table` (older trackio versions lack some).
fn has_table(conn: &rusqlite::Connection, table: &str) -> bool {
    conn.query_row("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1", [table], |r| {
        r.get::<_, i64>(0)
    })
    .is_ok_and(|n| n > 0)
}

/// The run id column of `table`: `run_id`, or `run_name` in databases of trackio versions
/// from before run ids (where the name is the run's identity).
fn run_id_column(conn: &rusqlite::Connection, table: &str) -> &'static str {
    let has_run_id = conn
        .prepare(&format!("SELECT count(*) FROM pragma_table_info('{table}') WHERE name = 'run_id'"))
        .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)))
        .is_ok_and(|n| n > 0);
    if has_run_id { "run_id" } else { "run_name" }
}

fn read_project(
    conn: &rusqlite::Connection,
    project: &str,
    shown: &str,
    problems: &mut Problems,
    report: &mut LoadReport,
) -> Vec<RunData> {
    let mut runs = Runs::default();
    let mut internal = 0u64;
    let json_of = |s: Option<String>, what: &str| -> std::result::Result<JsonValue, String> {
        let s = s.ok_or_else(|| format!("a row without {what}"))?;
        json_lenient::parse_str(&s).map_err(|e| format!("{what} is not JSON: {e}"))
    };
    each_row(
        conn,
        &format!(
            "SELECT {}, run_name, config, created_at FROM configs ORDER BY id",
            run_id_column(conn, "configs")
        ),
        "configs",
        problems,
        report,
        |c| {
            let run_id = text(c.get(0)).filter(|r| !r.is_empty()).ok_or("a row without run_id")?;
            let config = json_of(text(c.get(2)), "config")?;
            let i = runs.run(&run_id, text(c.get(1)), project, shown);
            let Some(run) = runs.runs.get_mut(i) else { return Ok(()) };
            let field = |k: &str| config.get(k).and_then(JsonValue::as_str).map(str::to_string);
            // A run's later config row (trackio keeps one, but a merged or edited database may
            // hold more) wins field by field.
            if let Some(g) = field("_Group") {
                run.info.run_group = Some(g);
            }
            if let Some(u) = field("_Username") {
                run.info.user = Some(u);
            }
            if let Some(t) = field("_Created").or_else(|| text(c.get(3))).and_then(|t| parse_iso_ms(&t)) {
                run.info.created_at_ms = Some(t);
            }
            if let JsonValue::Object(entries) = &config {
                run.params.clear();
                for (k, v) in entries {
                    if k.starts_with('_') {
                        if !matches!(k.as_str(), "_Group" | "_Username" | "_Created") {
                            internal += 1;
                        }
                        continue;
                    }
                    params(k, v, &mut run.params);
                }
            }
            Ok(())
        },
    );
    report.ignore("trackio internal config keys (not tabulated)", internal);
    let mut ignored: HashMap<String, u64> = HashMap::new();
    let metrics = if has_table(conn, "metrics") {
        format!(
            "SELECT {}, run_name, step, timestamp, metrics FROM metrics ORDER BY id",
            run_id_column(conn, "metrics")
        )
    } else {
        problems.skip(report, "no metrics table: a trackio database without its metrics");
        NOTHING.to_string()
    };
    each_row(conn, &metrics, "metrics", problems, report, |c| {
        let run_id = text(c.get(0)).filter(|r| !r.is_empty()).ok_or("a row without run_id")?;
        let step = int(c.get(2)).map_err(|e| format!("step: {e}"))?.ok_or("a row without step")?;
        let ts = text(c.get(3)).and_then(|t| parse_iso_ms(&t));
        let values = json_of(text(c.get(4)), "metrics")?;
        let JsonValue::Object(entries) = values else {
            return Err("metrics is not a JSON object".into());
        };
        let i = runs.run(&run_id, text(c.get(1)), project, shown);
        let mut leaves = Vec::with_capacity(entries.len());
        for (key, v) in entries {
            flatten(key, v, 0, &mut leaves);
        }
        for (key, v) in leaves {
            match number(&v) {
                Some(x) => runs.push(i, key, step, ts, x),
                None => *ignored.entry(kind(&v)).or_default() += 1,
            }
        }
        Ok(())
    });
    let system = if has_table(conn, "system_metrics") {
        format!(
            "SELECT {}, run_name, timestamp, metrics FROM system_metrics ORDER BY id",
            run_id_column(conn, "system_metrics")
        )
    } else {
        // Older trackio versions have no system metrics table: nothing to read.
        NOTHING.to_string()
    };
    each_row(conn, &system, "system_metrics", problems, report, |c| {
        let run_id = text(c.get(0)).filter(|r| !r.is_empty()).ok_or("a row without run_id")?;
        let ts = text(c.get(2)).and_then(|t| parse_iso_ms(&t));
        let values = json_of(text(c.get(3)), "metrics")?;
        let JsonValue::Object(entries) = values else { return Err("metrics is not a JSON object".into()) };
        let i = runs.run(&run_id, text(c.get(1)), project, shown);
        let step = runs.samples.get(i).copied().unwrap_or(0);
        if let Some(n) = runs.samples.get_mut(i) {
            *n += 1;
        }
        for (key, v) in entries {
            match number(&v) {
                Some(x) => runs.push(i, format!("system/{key}"), step, ts, x),
                None => *ignored.entry(kind(&v)).or_default() += 1,
            }
        }
        Ok(())
    });
    for (what, n) in ignored {
        report.ignore(what, n);
    }
    for (table, what) in NOT_LOADED {
        // A table this version of trackio does not have counts as none.
        let rows: Option<i64> =
            conn.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| r.get(0)).ok();
        report.ignore(what, rows.and_then(|n| u64::try_from(n).ok()).unwrap_or(0));
    }
    runs.runs
}
