//! The W&B line-plot panel's "Export CSV" (a wide table of one or more metrics over steps),
//! read by the table reader.
//!
//! The header is `Step` and then one column per plotted series, named
//! `<run display name> - <metric>`; each series may have `… - <metric>__MIN` and
//! `… - <metric>__MAX` companions (the band W&B draws when it buckets points, or the
//! min/max over a group's runs), and sometimes `<run> - _step`. Grouped plots name the
//! series `Group: <group name> - <metric>`. Cells of a series with no point at a step are
//! empty. The file carries neither run ids nor timestamps.
//!
//! - A column name is split at its **last** ` - `: run names often contain ` - `, metric
//!   keys rarely do (a metric key with ` - ` in it cannot be told apart and is cut).
//! - Each run becomes a run with `run_id` = `wandb-panel:<display name>`, `name` = the display
//!   name and `source` = `wandb-panel-csv`; a group becomes the run
//!   `wandb-panel-group:<group name>` with `run_group` = the group name and the tag
//!   `wandb.panel.group` = the group name, so aggregated series are never mistaken for one
//!   run's. Runs are made from the header, so a run with no point in the panel still
//!   appears; ids repeat across panel files, so the CSVs of several panels merge into one
//!   run per display name.
//! - `<metric>__MIN` / `<metric>__MAX` are kept as metrics of those names (they are what
//!   the panel drew; dropping them would lose the band); `… - _step` columns repeat the
//!   `Step` column and are only counted in the report.
//! - Step = the `Step` cell (an integer, or a float with no fraction); timestamps are none.
//!   A row whose step is not one, or whose cell count differs from the header's (a cut-off
//!   last row of a truncated file), is skipped and reported with file and line; a cell that
//!   is not a number is skipped and reported with file, line and column.

use super::cells;
use super::runs::{RunAcc, Runs};
use runql_core::report::LoadReport;

/// The `source` of runs read from a panel export, and its name in reports.
pub const SOURCE: &str = "wandb-panel-csv";

/// Separator between run name and metric in a column name.
const SEP: &str = " - ";
/// Prefix of a grouped series' name.
const GROUP: &str = "Group: ";

/// What a column of a panel export holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// Points of `key` of the run (or group) `run`.
    Series {
        /// Display name of the run, or the group name when `group`.
        run: String,
        /// The series aggregates a group of runs (`Group: <name> - …`).
        group: bool,
        /// Metric key, `__MIN`/`__MAX` suffix included.
        key: String,
    },
    /// A run's `_step` column (it repeats `Step`).
    Step,
    /// Not of the form `<run> - <metric>`.
    Other,
}

/// What the column named `name` holds.
///
/// ```
/// use runql_readers::tables::wandb_panel::{column, Column};
/// assert_eq!(
///     column("lr=0.1 - bs=32 - val/loss__MIN"),
///     Column::Series { run: "lr=0.1 - bs=32".into(), group: false, key: "val/loss__MIN".into() }
/// );
/// assert_eq!(
///     column("Group: sweep-a - loss"),
///     Column::Series { run: "sweep-a".into(), group: true, key: "loss".into() }
/// );
/// assert_eq!(column("run-1 - _step"), Column::Step);
/// assert_eq!(column("loss"), Column::Other);
/// assert_eq!(column(" - loss"), Column::Other);
/// ```
pub fn column(name: &str) -> Column {
    let Some((run, key)) = name.rsplit_once(SEP) else { return Column::Other };
    if run.trim().is_empty() || key.trim().is_empty() {
        return Column::Other;
    }
    if key == "_step" {
        return Column::Step;
    }
    let (run, group) = match run.strip_prefix(GROUP) {
        Some(g) if !g.trim().is_empty() => (g, true),
        _ => (run, false),
    };
    Column::Series { run: run.to_string(), group, key: key.to_string() }
}

/// True when a CSV header (cells as written) is a panel export: the first column is
/// `Step` and some other column is `<run> - <metric>`.
///
/// ```
/// use runql_readers::tables::wandb_panel::is_panel;
/// assert!(is_panel(&["Step", "run-1 - loss", "run-1 - loss__MIN"]));
/// assert!(is_panel(&["\u{feff}step", "Group: a - loss"]));
/// assert!(!is_panel(&["step", "run_id", "key", "value"]));
/// assert!(!is_panel(&["run - x", "Step"]));
/// ```
pub fn is_panel(header: &[&str]) -> bool {
    let [first, rest @ ..] = header else { return false };
    super::header::normalize(first) == "step"
        && rest.iter().any(|c| matches!(column(c), Column::Series { .. }))
}

/// The run id of a panel series' run or group.
///
/// ```
/// use runql_readers::tables::wandb_panel::run_id;
/// assert_eq!(run_id("baseline-7b", false), "wandb-panel:baseline-7b");
/// assert_eq!(run_id("sweep-a", true), "wandb-panel-group:sweep-a");
/// ```
pub fn run_id(name: &str, group: bool) -> String {
    if group { format!("wandb-panel-group:{name}") } else { format!("wandb-panel:{name}") }
}

/// Where the cells of one column go.
enum Target {
    /// Into this run's series of this key.
    Series { run_id: String, key: String },
    /// Nowhere (reported once for the header).
    Skip,
}

/// Reads a panel export into `runs`.
pub(crate) fn read_csv(input: impl std::io::Read, shown: &str, runs: &mut Runs, report: &mut LoadReport) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(input);
    let mut header = csv::StringRecord::new();
    match reader.read_record(&mut header) {
        Ok(true) => {}
        Ok(false) => return report.skip(shown, None, "empty file"),
        Err(e) => return report.skip(shown, Some(1), format!("not a CSV header: {e}")),
    }
    let targets = header_targets(&header, shown, runs, report);
    let width = header.len();
    let mut record = csv::StringRecord::new();
    let mut rows = 0u64;
    loop {
        let line = reader.position().line();
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
        rows += 1;
        if record.len() != width {
            let why = if record.len() < width { " (a cut-off row: is the file truncated?)" } else { "" };
            report.skip(shown, Some(line), format!("{} cells, the header has {width}{why}", record.len()));
            continue;
        }
        let step_cell = record.get(0).unwrap_or("").trim();
        let Some(step) = cells::step(step_cell) else {
            report.skip(shown, Some(line), format!("Step {step_cell:?} is not an integer"));
            continue;
        };
        for (i, target) in targets.iter().enumerate() {
            let Target::Series { run_id, key } = target else { continue };
            let cell = record.get(i + 1).unwrap_or("").trim();
            if cell.is_empty() {
                continue;
            }
            match cells::number(cell) {
                Some(v) => runs.run(run_id, shown).series(key).push(step, None, v),
                None => report.skip(
                    shown,
                    Some(line),
                    format!("column {:?}: value {cell:?} is not a number", header.get(i + 1).unwrap_or("")),
                ),
            }
        }
    }
    if rows == 0 {
        report.warn(
            shown,
            None,
            "a W&B panel export with a header and no data rows: its runs have no points",
        );
    }
}

/// The target of each column after `Step`, creating the runs the header names.
fn header_targets(
    header: &csv::StringRecord,
    shown: &str,
    runs: &mut Runs,
    report: &mut LoadReport,
) -> Vec<Target> {
    let mut seen = std::collections::HashSet::new();
    let mut steps = 0u64;
    let mut targets = Vec::with_capacity(header.len().saturating_sub(1));
    for name in header.iter().skip(1) {
        let target = match column(name) {
            Column::Series { run, group, key } => {
                let id = run_id(&run, group);
                if !seen.insert((id.clone(), key.clone())) {
                    report.skip(
                        shown,
                        Some(1),
                        format!("column {name:?} repeats an earlier column's run and metric; not read"),
                    );
                    targets.push(Target::Skip);
                    continue;
                }
                let acc = runs.run(&id, shown);
                if acc.info.source == super::FORMAT_NAME {
                    acc.info.source = SOURCE.to_string();
                }
                RunAcc::fill(&mut acc.info.name, &run);
                if group {
                    RunAcc::fill(&mut acc.info.run_group, &run);
                    // The id is made from the name, so the value can never disagree.
                    let _ = acc.tag("wandb.panel.group", Some(&run));
                }
                Target::Series { run_id: id, key }
            }
            Column::Step => {
                steps += 1;
                Target::Skip
            }
            Column::Other => {
                report.skip(shown, Some(1), format!("column {name:?} is not `<run> - <metric>`; not read"));
                Target::Skip
            }
        };
        targets.push(target);
    }
    report.ignore("W&B panel `<run> - _step` columns (the Step column gives the step)", steps);
    targets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_column_names() {
        assert_eq!(column("a - b - "), Column::Other);
        assert_eq!(
            column("Group:  - x"),
            Column::Series { run: "Group: ".into(), group: false, key: "x".into() }
        );
        assert_eq!(
            column("a-b - c-d"),
            Column::Series { run: "a-b".into(), group: false, key: "c-d".into() }
        );
        assert!(!is_panel(&[]));
        assert!(!is_panel(&["Step"]));
        assert!(!is_panel(&["Step", "_step"]));
    }
}
