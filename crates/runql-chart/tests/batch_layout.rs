//! A line chart must not depend on how its rows arrive: in one record batch or in many
//! (a series then spans several, drawn from the batches in place), grouped by series or
//! ordered by step (copied together), with a text or dictionary series column. Every
//! layout must give the same SVG, byte for byte, full range and zoomed, with smoothing,
//! raw curves, groups and bands, gaps and unsorted steps.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, DictionaryArray, Float64Array, Int64Array, RecordBatch, StringArray};
use runql_chart::data::Rows;
use runql_chart::{Chart, ChartSpec};

const RUNS: usize = 7;
const STEPS: usize = 3000;

/// Row (run, step) of a run-major table; the y values have a spike, a NaN gap and a null.
fn row(run: usize, step: usize) -> (String, f64, Option<f64>, String) {
    let x = step as f64;
    let y = match step {
        s if s == 400 + 97 * run => Some(f64::NAN),
        s if s == 900 + 31 * run => None,
        s if s == 1500 + 13 * run => Some(5.0),
        _ => Some((x * 0.37 + run as f64).sin() / (1.0 + x / 300.0) + run as f64 * 0.1),
    };
    (format!("run-{run}"), x, y, format!("lr={}", run % 3))
}

/// The rows in `order`, cut into batches of `batch_rows`, the series column as text or
/// as a dictionary, x as Float64 or as Int64 (steps as stored).
fn rows(order: &[(usize, usize)], batch_rows: usize, dictionary: bool, int_x: bool) -> Rows {
    let table: Vec<_> = order.iter().map(|&(r, s)| row(r, s)).collect();
    let run: ArrayRef = if dictionary {
        let d: DictionaryArray<Int32Type> = table.iter().map(|t| t.0.as_str()).collect();
        Arc::new(d)
    } else {
        Arc::new(StringArray::from_iter_values(table.iter().map(|t| t.0.as_str())))
    };
    let batch = RecordBatch::try_from_iter(vec![
        ("run", run),
        (
            "x",
            if int_x {
                Arc::new(Int64Array::from_iter_values(table.iter().map(|t| t.1 as i64))) as ArrayRef
            } else {
                Arc::new(Float64Array::from_iter_values(table.iter().map(|t| t.1))) as ArrayRef
            },
        ),
        ("y", Arc::new(Float64Array::from(table.iter().map(|t| t.2).collect::<Vec<_>>())) as ArrayRef),
        ("lr", Arc::new(StringArray::from_iter_values(table.iter().map(|t| t.3.as_str()))) as ArrayRef),
    ])
    .unwrap();
    let n = batch.num_rows();
    let batches = (0..n).step_by(batch_rows).map(|at| batch.slice(at, batch_rows.min(n - at))).collect();
    Rows::new(batch.schema(), batches)
}

fn svgs(rows: Rows, options: &str, group: bool) -> Vec<String> {
    let group = if group { r#", "group": "lr""# } else { "" };
    let spec = ChartSpec::from_json(&format!(
        r#"{{"kind": "line", "data": {{"sql": "-"}},
            "encoding": {{"x": "x", "y": "y", "series": "run"{group}}},
            "options": {{"width": 400, "height": 250{options}}}}}"#
    ))
    .unwrap();
    let mut chart = Chart::new(spec, rows).unwrap();
    let mut out = vec![chart.svg().unwrap()];
    for (a, b) in [(390.0, 1510.0), (1000.0, 1004.5), (-50.0, 20.0)] {
        chart.zoom(a, b).unwrap();
        out.push(chart.svg().unwrap());
    }
    out
}

#[test]
fn every_row_layout_draws_the_same_chart() {
    let run_major: Vec<(usize, usize)> = (0..RUNS).flat_map(|r| (0..STEPS).map(move |s| (r, s))).collect();
    let step_major: Vec<(usize, usize)> = (0..STEPS).flat_map(|s| (0..RUNS).map(move |r| (r, s))).collect();
    // Run-major, but each run's steps logged out of order (a resumed run).
    let resumed: Vec<(usize, usize)> =
        (0..RUNS).flat_map(|r| (STEPS / 2..STEPS).chain(0..STEPS / 2).map(move |s| (r, s))).collect();
    let option_sets = [
        "",
        r#", "smoothing": {"kind": "tb_ema", "param": 0.8}"#,
        r#", "smoothing": {"kind": "gaussian", "param": 20}, "show_raw": false"#,
        r#", "ignore_outliers": true, "y_scale": "log""#,
    ];
    for options in option_sets {
        for group in [false, true] {
            let reference = svgs(rows(&run_major, RUNS * STEPS, false, false), options, group);
            assert!(reference[0].contains("<polyline") || reference[0].contains("<path"), "draws lines");
            for (name, order, batch_rows, dictionary, int_x) in [
                ("run-major, 8192-row batches", &run_major, 8192, false, false),
                ("run-major, 1000-row batches, dictionary", &run_major, 1000, true, false),
                ("run-major, 777-row batches", &run_major, 777, false, false),
                ("run-major, 777-row batches, integer x", &run_major, 777, true, true),
                ("run-major, one batch, integer x", &run_major, RUNS * STEPS, false, true),
                ("step-major, 8192-row batches", &step_major, 8192, false, false),
                ("step-major, one batch, dictionary", &step_major, RUNS * STEPS, true, false),
                ("step-major, integer x", &step_major, 4096, false, true),
                ("resumed runs, 1024-row batches", &resumed, 1024, false, false),
                ("resumed runs, integer x", &resumed, 1024, true, true),
                ("resumed runs, one batch, integer x", &resumed, RUNS * STEPS, false, true),
            ] {
                let got = svgs(rows(order, batch_rows, dictionary, int_x), options, group);
                for (view, (a, b)) in got.iter().zip(&reference).enumerate() {
                    assert!(a == b, "{name}, options {options:?}, group {group}: view {view} differs");
                }
            }
        }
    }
}
