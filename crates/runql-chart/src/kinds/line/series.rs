//! A line chart's series at full resolution: the query's rows grouped into one series per
//! `series` value, each a list of stretches of the query's own buffers (or one copy when
//! the rows are not grouped by series), in x order, with what one read of x said about
//! them (sorted, evenly spaced).

use std::borrow::Cow;

use arrow_buffer::ScalarBuffer;

use super::LineData;
use crate::data::{RowRun, Rows, Runs};
use crate::error::{ChartError, Result};
use crate::spec::Encoding;
use crate::xvalues::{XBuffer, XSlice};

/// One curve at full resolution, sorted by x.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    pub(super) key: String,
    pub(super) label: String,
    pub(super) group: Option<u32>,
    /// The points in x order, in stretches: the query's own buffers when its rows came
    /// grouped by series (no copy), else one stretch copied together.
    pub(super) parts: Vec<Part>,
}

/// A stretch of one series' points (x ascending, and not below the previous stretch's).
#[derive(Debug, Clone)]
pub(super) struct Part {
    /// Integer x (steps) stays integer: M4 reads only a few x per pixel column.
    pub(super) xs: XBuffer,
    pub(super) ys: ScalarBuffer<f64>,
    /// Known to be finite and in order inside (integer x, checked when it was read).
    ordered: bool,
    /// Integer x known to be evenly spaced, by this much (checked when it was read).
    stride: Option<i64>,
}

impl Part {
    /// The x values as M4 reads them: computed rather than read when evenly spaced.
    pub(super) fn x_view(&self) -> XSlice<'_> {
        match (&self.xs, self.stride) {
            (XBuffer::Int(v), Some(stride)) => match v.first() {
                Some(&first) => XSlice::Steps { first, stride, len: v.len() },
                None => self.xs.view(),
            },
            _ => self.xs.view(),
        }
    }
}

impl Series {
    /// All y values in one slice: borrowed when there is one stretch.
    pub(super) fn joined_ys(&self) -> Cow<'_, [f64]> {
        match self.parts.as_slice() {
            [one] => Cow::Borrowed(&one.ys),
            parts => Cow::Owned(parts.iter().flat_map(|p| p.ys.iter().copied()).collect()),
        }
    }

    /// All x values as `f64` in one slice: borrowed when there is one stretch of floats.
    pub(super) fn joined_xs(&self) -> Cow<'_, [f64]> {
        match self.parts.as_slice() {
            [one] => one.xs.view().to_f64(),
            parts => Cow::Owned(parts.iter().flat_map(|p| p.xs.view().iter()).collect()),
        }
    }
}

/// Below this many rows per run of one series on average, rows are copied into each
/// series instead of referenced in place (rows ordered by step rather than by run would
/// otherwise make one stretch per point).
const MIN_MEAN_RUN: usize = 64;

impl LineData {
    pub(crate) fn prepare(enc: &Encoding, rows: &Rows) -> Result<LineData> {
        let x_col =
            enc.x.as_deref().ok_or_else(|| ChartError::Spec("a line chart needs encoding.x".into()))?;
        let y_col =
            enc.y.as_deref().ok_or_else(|| ChartError::Spec("a line chart needs encoding.y".into()))?;
        let xs = rows.x_chunks(x_col, "x")?;
        let ys = rows.number_chunks(y_col, "y")?;
        let runs = match enc.series.as_deref() {
            Some(col) => rows.runs(col, "series")?,
            None => Runs {
                runs: xs
                    .iter()
                    .enumerate()
                    .filter(|(_, (x, _))| !x.is_empty())
                    .map(|(batch, (x, _))| RowRun { batch, start: 0, len: x.len(), code: 0 })
                    .collect(),
                values: vec![Some(y_col.to_owned())],
            },
        };
        // Labels and groups are read at each series' first row, not row by row.
        let mut first_run: Vec<Option<RowRun>> = vec![None; runs.values.len()];
        for run in &runs.runs {
            if let Some(slot @ None) = first_run.get_mut(run.code as usize) {
                *slot = Some(*run);
            }
        }
        let at_first_row = |col: &str, role: &str| -> Result<Vec<Option<String>>> {
            if let (false, Some(table), Some(series_col)) = (rows.has(col), rows.series_table(), &enc.series)
                && table.has(col)
            {
                return per_series(table, series_col, col, role, &runs.values);
            }
            first_run
                .iter()
                .map(|run| match run {
                    Some(r) => rows.text_at(col, role, r.batch, r.start),
                    None => Ok(None),
                })
                .collect()
        };
        let labels = match enc.label.as_deref() {
            Some(col) => at_first_row(col, "label")?,
            None => runs.values.clone(),
        };
        let (group_of, groups) = match enc.group.as_deref() {
            Some(col) => {
                let mut groups: Vec<String> = Vec::new();
                let group_of = at_first_row(col, "group")?
                    .into_iter()
                    .map(|g| {
                        let g = g.unwrap_or_else(|| "(none)".into());
                        let code = groups.iter().position(|n| *n == g).unwrap_or_else(|| {
                            groups.push(g);
                            groups.len() - 1
                        });
                        u32::try_from(code).ok()
                    })
                    .collect();
                (group_of, groups)
            }
            None => (vec![None; runs.values.len()], Vec::new()),
        };
        let mut series: Vec<Series> = runs
            .values
            .iter()
            .zip(labels)
            .zip(group_of)
            .map(|((key, label), group)| {
                let key = key.clone().unwrap_or_else(|| "(none)".into());
                Series { label: label.unwrap_or_else(|| key.clone()), key, group, parts: Vec::new() }
            })
            .collect();
        let stretch = |run: &RowRun| -> Option<Part> {
            let ((x, notes), y) = (xs.get(run.batch)?, ys.get(run.batch)?);
            let end = run.start + run.len;
            let ordered = notes.as_ref().is_some_and(|n| n.ordered(run.start, end));
            let stride = match (x, notes) {
                (XBuffer::Int(ints), Some(n)) => n.stride(ints, run.start, end),
                _ => None,
            };
            // ScalarBuffer::slice asserts its bounds: check them here.
            if end > y.len() {
                return None;
            }
            let (xs, ys) = (x.slice(run.start, run.len)?, y.values().slice(run.start, run.len));
            Some(Part { xs, ys, ordered, stride })
        };
        if runs.runs.len().saturating_mul(MIN_MEAN_RUN) <= rows.num_rows() {
            for run in &runs.runs {
                if let (Some(s), Some(part)) = (series.get_mut(run.code as usize), stretch(run)) {
                    s.parts.push(part);
                }
            }
        } else {
            // Reserve each series' length up front: growing vectors by doubling while
            // copying millions of points costs more than the copy itself.
            let mut lengths = vec![0usize; series.len()];
            for run in &runs.runs {
                if let Some(n) = lengths.get_mut(run.code as usize) {
                    *n += run.len;
                }
            }
            let mut copied: Vec<(Vec<f64>, Vec<f64>)> =
                lengths.into_iter().map(|n| (Vec::with_capacity(n), Vec::with_capacity(n))).collect();
            for run in &runs.runs {
                if let (Some((cx, cy)), Some(part)) = (copied.get_mut(run.code as usize), stretch(run)) {
                    cx.extend(part.xs.view().iter());
                    cy.extend_from_slice(&part.ys);
                }
            }
            for (s, (cx, cy)) in series.iter_mut().zip(copied) {
                s.parts = vec![Part { xs: cx.into(), ys: cy.into(), ordered: false, stride: None }];
            }
        }
        for s in &mut series {
            s.parts = placed_in_order(std::mem::take(&mut s.parts));
        }
        series.retain(|s| !s.parts.is_empty());
        Ok(LineData { series, groups, smoothed: None })
    }
}

/// Column `col` of the per-series `table` for each of `keys` (the series column's values):
/// `None` for a series the table does not list.
fn per_series(
    table: &Rows,
    series_col: &str,
    col: &str,
    role: &str,
    keys: &[Option<String>],
) -> Result<Vec<Option<String>>> {
    let by_key: std::collections::HashMap<Option<String>, Option<String>> =
        table.texts(series_col, "series")?.into_iter().zip(table.texts(col, role)?).collect();
    Ok(keys.iter().map(|k| by_key.get(k).cloned().flatten()).collect())
}

/// Whether every x is finite and not below the one before it, over all stretches.
fn in_order(parts: &[Part]) -> bool {
    let mut previous = f64::NEG_INFINITY;
    for part in parts {
        let xs = part.xs.view();
        if part.ordered {
            // Known in order inside: only where it joins the stretch before.
            if xs.first().is_some_and(|first| first < previous) {
                return false;
            }
            previous = xs.last().unwrap_or(previous);
            continue;
        }
        let ascending = match xs {
            XSlice::Float(v) => ascending_from(&mut previous, v.iter().copied()),
            XSlice::Int(v) => ascending_from(&mut previous, v.iter().map(|&x| x as f64)),
            XSlice::Steps { .. } => ascending_from(&mut previous, xs.iter()),
        };
        if !ascending {
            return false;
        }
    }
    true
}

/// Whether `xs` are finite and ascending from `previous` (left at the last one). Checked a
/// block at a time without branching per point (NaN fails `>=` too).
fn ascending_from(previous: &mut f64, xs: impl Iterator<Item = f64>) -> bool {
    let mut ok = true;
    for (k, x) in xs.enumerate() {
        ok &= (x >= *previous) & x.is_finite();
        *previous = x;
        if k % 1024 == 1023 && !ok {
            return false;
        }
    }
    ok
}

/// The stretches of a series with only placeable points (finite x) in x order: as they
/// are when they already are (one pass over x), else copied together, filtered and sorted.
fn placed_in_order(parts: Vec<Part>) -> Vec<Part> {
    if in_order(&parts) {
        return parts.into_iter().filter(|p| !p.xs.is_empty()).collect();
    }
    let mut points: Vec<(f64, f64)> = parts
        .iter()
        .flat_map(|p| p.xs.view().iter().zip(p.ys.iter().copied()))
        .filter(|(x, _)| x.is_finite())
        .collect();
    // Stable: points logged at the same x keep their logging order.
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    if points.is_empty() {
        return Vec::new();
    }
    let (xs, ys): (Vec<f64>, Vec<f64>) = points.into_iter().unzip();
    vec![Part { xs: xs.into(), ys: ys.into(), ordered: true, stride: None }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_groups_come_from_the_series_table_when_the_rows_lack_them() {
        use crate::data::{f64_column, rows_from, text_column};
        let points = rows_from(vec![
            ("run_id", text_column(vec!["r1", "r1", "r2", "r3"])),
            ("x", f64_column(vec![0.0, 1.0, 0.0, 0.0])),
            ("y", f64_column(vec![1.0, 2.0, 3.0, 4.0])),
        ])
        .unwrap();
        let table = rows_from(vec![
            ("run_id", text_column(vec!["r3", "r1"])),
            ("run", text_column(vec!["calm-owl", "bold-cat"])),
            ("grp", text_column(vec!["b", "a"])),
        ])
        .unwrap();
        let enc = Encoding {
            x: Some("x".into()),
            y: Some("y".into()),
            series: Some("run_id".into()),
            label: Some("run".into()),
            group: Some("grp".into()),
            ..Encoding::default()
        };
        let data = LineData::prepare(&enc, &points.with_series_table(table)).unwrap();
        let labels: Vec<&str> = data.series.iter().map(|s| s.label.as_str()).collect();
        // r2 is not in the table: its key stands in for the name, "(none)" for the group.
        assert_eq!(labels, ["bold-cat", "r2", "calm-owl"]);
        assert_eq!(data.groups, ["a", "(none)", "b"]);
        let groups: Vec<Option<u32>> = data.series.iter().map(|s| s.group).collect();
        assert_eq!(groups, [Some(0), Some(1), Some(2)]);
    }

    #[test]
    fn evenly_spaced_integer_steps_are_placed_by_arithmetic() {
        use crate::data::{f64_column, rows_from, text_column};
        use std::sync::Arc;
        // r1 logged every 10 steps, r2 with step 50 skipped, r3 in reverse; long enough
        // runs to be kept in place (MIN_MEAN_RUN).
        let r1: Vec<i64> = (0..100).map(|i| i * 10).collect();
        let r2: Vec<i64> = (0..101).filter(|&i| i != 50).collect();
        let r3: Vec<i64> = (0..100).rev().collect();
        let steps: Vec<i64> = [r1.clone(), r2.clone(), r3].concat();
        let names: Vec<&str> = ["r1"; 100].into_iter().chain(["r2"; 100]).chain(["r3"; 100]).collect();
        let rows = rows_from(vec![
            ("run_id", text_column(names)),
            ("step", Arc::new(arrow_array::Int64Array::from(steps)) as arrow_array::ArrayRef),
            ("y", f64_column((0..300).map(f64::from).collect())),
        ])
        .unwrap();
        let enc = Encoding {
            x: Some("step".into()),
            y: Some("y".into()),
            series: Some("run_id".into()),
            ..Encoding::default()
        };
        let data = LineData::prepare(&enc, &rows).unwrap();
        let views: Vec<Vec<XSlice<'_>>> =
            data.series.iter().map(|s| s.parts.iter().map(Part::x_view).collect()).collect();
        assert_eq!(views[0], [XSlice::Steps { first: 0, stride: 10, len: 100 }]);
        assert_eq!(
            views[0][0].iter().collect::<Vec<f64>>(),
            r1.iter().map(|&v| v as f64).collect::<Vec<_>>()
        );
        assert_eq!(views[1], [XSlice::Int(&r2)], "uneven: read from memory");
        // Sorted into a copy: read from memory, in order.
        let r3: Vec<f64> = views[2].iter().flat_map(|v| v.iter()).collect();
        assert_eq!(r3, (0..100).map(f64::from).collect::<Vec<_>>());
    }

    #[test]
    fn sorting_is_stable_for_equal_x() {
        let part =
            |xs: Vec<f64>, ys: Vec<f64>| Part { xs: xs.into(), ys: ys.into(), ordered: false, stride: None };
        let parts = placed_in_order(vec![part(vec![2.0, 1.0], vec![0.0, 1.0]), part(vec![1.0], vec![2.0])]);
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].xs.view().to_f64().as_ref(), [1.0, 1.0, 2.0]);
        assert_eq!(&parts[0].ys[..], [1.0, 2.0, 0.0]);
    }

    #[test]
    fn stretches_in_order_are_kept_as_they_are_and_bad_x_dropped() {
        let part =
            |xs: Vec<f64>, ys: Vec<f64>| Part { xs: xs.into(), ys: ys.into(), ordered: false, stride: None };
        let kept = placed_in_order(vec![
            part(vec![0.0, 1.0], vec![5.0, 6.0]),
            part(vec![], vec![]),
            part(vec![1.0, 3.0], vec![7.0, 8.0]),
        ]);
        assert_eq!(kept.len(), 2, "in order: the same stretches, minus the empty one");
        assert_eq!(&kept[1].ys[..], [7.0, 8.0]);
        let fixed = placed_in_order(vec![
            part(vec![0.0, 4.0], vec![5.0, 6.0]),
            part(vec![f64::NAN, 2.0, f64::INFINITY], vec![1.0, 2.0, 3.0]),
        ]);
        assert_eq!(fixed.len(), 1);
        assert_eq!(fixed[0].xs.view().to_f64().as_ref(), [0.0, 2.0, 4.0]);
        assert_eq!(&fixed[0].ys[..], [5.0, 2.0, 6.0]);
        assert!(placed_in_order(vec![part(vec![f64::NAN], vec![1.0])]).is_empty());
    }
}
