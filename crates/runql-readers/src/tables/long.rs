//! Long tables: one row per metric point, `run_id,key,step,timestamp,value` (CSV with a
//! header, or JSON lines with those keys).

use super::cells;
use super::header::LongColumns;
use super::runs::{RunAcc, Runs};
use crate::json_lenient::{self, JsonValue};
use crate::text_lines::{MAX_LINE_BYTES, lines};
use runql_core::report::LoadReport;

/// One parsed row, before it is added.
struct Point<'a> {
    run: &'a str,
    name: Option<&'a str>,
    group: Option<&'a str>,
    key: &'a str,
    step: Option<i64>,
    timestamp: Option<i64>,
    value: f64,
}

fn add(runs: &mut Runs, p: Point<'_>, origin: &str) {
    let run = runs.run(p.run, origin);
    if let Some(n) = p.name {
        RunAcc::fill(&mut run.info.name, n);
    }
    if let Some(g) = p.group {
        RunAcc::fill(&mut run.info.run_group, g);
        if p.name.is_none() && p.run.strip_prefix("group:") == Some(g) {
            RunAcc::fill(&mut run.info.name, g);
        }
    }
    let series = run.series(p.key);
    // Without a step column, points count up per run and key, in file order.
    let step = p.step.unwrap_or(series.len() as i64);
    series.push(step, p.timestamp, p.value);
}

/// Reads a long CSV whose header gave `cols`, row by row as `input` gives it.
pub(crate) fn read_csv(
    input: impl std::io::Read,
    cols: &LongColumns,
    shown: &str,
    runs: &mut Runs,
    report: &mut LoadReport,
) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(input);
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() + 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                report.skip(shown, Some(line), format!("not a CSV row: {e}"));
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // Text cells too may carry the MLflow UI's `'` guard (`'-run`).
        let cell = |i: usize| record.get(i).map_or("", |c| cells::unguard(c.trim()));
        let opt = |i: Option<usize>| i.map(cell).filter(|c| !c.is_empty());
        // A group row of an MLflow chart download has no run id (see `mlflow_ui`).
        let run = super::mlflow_ui::run_id_or_group(cell(cols.run), opt(cols.group)).unwrap_or_default();
        match point(
            &run,
            opt(cols.name),
            opt(cols.group),
            cell(cols.key),
            opt(cols.step),
            opt(cols.timestamp),
            cell(cols.value),
        ) {
            Ok(mut p) => {
                if cols.mlflow_chart {
                    p.value = crate::mlflow::sqlite::runs::logged_value(p.value, false);
                }
                add(runs, p, shown);
            }
            Err(why) => report.skip(shown, Some(line), why),
        }
    }
}

/// Checks one row's cells; `Err` says why the row is skipped.
fn point<'a>(
    run: &'a str,
    name: Option<&'a str>,
    group: Option<&'a str>,
    key: &'a str,
    step: Option<&str>,
    timestamp: Option<&str>,
    value: &str,
) -> Result<Point<'a>, String> {
    if run.is_empty() {
        return Err("empty run id".into());
    }
    if key.is_empty() {
        return Err("empty metric key".into());
    }
    let value = cells::number(value).ok_or_else(|| format!("value {value:?} is not a number"))?;
    let step = match step {
        None => None,
        Some(s) => Some(cells::step(s).ok_or_else(|| format!("step {s:?} is not an integer"))?),
    };
    let timestamp = match timestamp {
        None => None,
        Some(t) => Some(cells::timestamp(t).ok_or_else(|| format!("timestamp {t:?} is not a time"))?),
    };
    Ok(Point { run, name, group, key, step, timestamp, value })
}

/// The first non-blank line of `head` is a JSON object with `run_id`, `key` and `value`.
pub(crate) fn looks_like_jsonl(head: &[u8]) -> bool {
    let Some(first) = lines(head).find(|l| !l.is_blank()) else { return false };
    first.text.first() == Some(&b'{')
        && json_lenient::parse(first.text).is_ok_and(|v| {
            ["run_id", "key", "value"].iter().all(|k| v.get(k).is_some()) && v.get("op_code").is_none()
        })
}

/// A JSON scalar as cell text: strings as they are, numbers in Python's spelling.
fn text(v: Option<&JsonValue>) -> Option<String> {
    match v? {
        JsonValue::Null => None,
        JsonValue::Str(s) => Some(s.clone()),
        other => Some(other.to_json()),
    }
}

/// Reads a long JSON-lines file: objects with `run_id`, `key`, `value` and optionally
/// `step`, `timestamp`, `run_name`.
pub(crate) fn read_jsonl(bytes: &[u8], shown: &str, runs: &mut Runs, report: &mut LoadReport) {
    for line in lines(bytes) {
        if line.is_blank() {
            continue;
        }
        if line.text.len() > MAX_LINE_BYTES {
            report.skip(shown, Some(line.number), format!("line is over the {MAX_LINE_BYTES}-byte limit"));
            continue;
        }
        let obj = match json_lenient::parse(line.text) {
            Ok(obj @ JsonValue::Object(_)) => obj,
            Ok(_) => {
                report.skip(shown, Some(line.number), "line is not a JSON object");
                continue;
            }
            Err(e) if !line.terminated => {
                report.skip(shown, Some(line.number), format!("last line is cut off (no newline): {e}"));
                continue;
            }
            Err(e) => {
                report.skip(shown, Some(line.number), format!("line is not JSON: {e}"));
                continue;
            }
        };
        let run = text(obj.get("run_id")).unwrap_or_default();
        let name = text(obj.get("run_name"));
        let group = text(obj.get("run_group"));
        let key = text(obj.get("key")).unwrap_or_default();
        let step = text(obj.get("step"));
        let timestamp = text(obj.get("timestamp"));
        let value = text(obj.get("value")).unwrap_or_default();
        match point(
            run.trim(),
            name.as_deref(),
            group.as_deref(),
            key.trim(),
            step.as_deref(),
            timestamp.as_deref(),
            &value,
        ) {
            Ok(p) => add(runs, p, shown),
            Err(why) => report.skip(shown, Some(line.number), why),
        }
    }
}

/// Reads a long Parquet/Arrow IPC table whose columns are `cols` (by position in its
/// schema). Typed cells are used as they are (an integer step needs no parsing); text cells
/// follow the CSV rules. A skipped row is reported as `row N` of the file.
pub(crate) fn read_table(
    table: &crate::columnar::Table,
    cols: &LongColumns,
    shown: &str,
    runs: &mut Runs,
    report: &mut LoadReport,
) {
    use crate::columnar::column::Cells;
    let mut row = 0u64;
    for batch in &table.batches {
        let cells = |i: usize| batch.columns().get(i).map(Cells::of);
        let opt = |i: Option<usize>| i.and_then(cells);
        let (Some(run), Some(key), Some(value)) = (cells(cols.run), cells(cols.key), cells(cols.value))
        else {
            report.skip(shown, None, "the table lacks a run id, key or value column");
            return;
        };
        let (name, group, step, ts) = (opt(cols.name), opt(cols.group), opt(cols.step), opt(cols.timestamp));
        for i in 0..batch.num_rows() {
            row += 1;
            let run_id = run.text(i).unwrap_or_default();
            let key_text = key.text(i).unwrap_or_default();
            let name = name.as_ref().and_then(|c| c.text(i));
            let group = group.as_ref().and_then(|c| c.text(i));
            let p = typed_point(&run_id, &key_text, &value, step.as_ref(), ts.as_ref(), i).map(|mut p| {
                p.name = name.as_deref().filter(|n| !n.is_empty());
                p.group = group.as_deref().filter(|g| !g.is_empty());
                p
            });
            match p {
                Ok(p) => add(runs, p, shown),
                Err(why) => report.skip(shown, None, format!("row {row}: {why}")),
            }
        }
    }
}

/// One row of a typed table; `Err` says why it is skipped.
fn typed_point<'a>(
    run: &'a str,
    key: &'a str,
    value: &crate::columnar::column::Cells,
    step: Option<&crate::columnar::column::Cells>,
    timestamp: Option<&crate::columnar::column::Cells>,
    i: usize,
) -> Result<Point<'a>, String> {
    let (run, key) = (run.trim(), key.trim());
    if run.is_empty() {
        return Err("empty run id".into());
    }
    if key.is_empty() {
        return Err("empty metric key".into());
    }
    let value = value
        .number(i)
        .ok_or_else(|| format!("value {:?} is not a number", value.text(i).unwrap_or_default()))?;
    let step = match step.filter(|s| !s.is_null(i)) {
        None => None,
        Some(s) => {
            let text = s.text(i).unwrap_or_default();
            Some(cells::step(&text).ok_or_else(|| format!("step {text:?} is not an integer"))?)
        }
    };
    let timestamp = match timestamp.filter(|t| !t.is_null(i)) {
        None => None,
        Some(t) => Some(
            t.millis(i)
                .ok_or_else(|| format!("timestamp {:?} is not a time", t.text(i).unwrap_or_default()))?,
        ),
    };
    Ok(Point { run, name: None, group: None, key, step, timestamp, value })
}
