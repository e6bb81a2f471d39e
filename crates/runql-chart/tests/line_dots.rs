//! A line chart draws a series with a single finite point as a dot (a zero-length line
//! would be invisible), and any series with two or more as a line, however many NaNs
//! surround them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use runql_chart::data::Rows;
use runql_chart::{Chart, ChartSpec, Shape};

/// A line chart of `points` (run, x, y).
fn chart(points: &[(&str, f64, f64)]) -> Chart {
    let batch = RecordBatch::try_from_iter(vec![
        ("run", Arc::new(StringArray::from_iter_values(points.iter().map(|p| p.0))) as ArrayRef),
        ("x", Arc::new(Float64Array::from_iter_values(points.iter().map(|p| p.1))) as ArrayRef),
        ("y", Arc::new(Float64Array::from_iter_values(points.iter().map(|p| p.2))) as ArrayRef),
    ])
    .unwrap();
    let spec = ChartSpec::from_json(
        r#"{"kind": "line", "data": {"sql": "-"}, "encoding": {"x": "x", "y": "y", "series": "run"},
            "options": {"width": 400, "height": 250, "legend": false}}"#,
    )
    .unwrap();
    Chart::new(spec, Rows::new(batch.schema(), vec![batch])).unwrap()
}

/// The dots and the curve pieces drawn (a curve is 1.5 px wide; axes and grid are not).
fn counts(chart: &mut Chart) -> (usize, usize) {
    let scene = chart.render().unwrap();
    let dots = scene.shapes.iter().filter(|s| matches!(s, Shape::Circle { .. })).count();
    let lines =
        scene.shapes.iter().filter(|s| matches!(s, Shape::Line { width, .. } if *width == 1.5)).count();
    (dots, lines)
}

#[test]
fn one_finite_point_is_a_dot_and_two_are_a_line() {
    let nan = f64::NAN;
    let mut lone = chart(&[("a", 0.0, nan), ("a", 1.0, 2.0), ("a", 2.0, nan), ("a", 3.0, nan)]);
    assert_eq!(counts(&mut lone), (1, 0), "one finite point among NaNs is a dot, not a line");

    let mut pair = chart(&[("a", 0.0, nan), ("a", 1.0, 2.0), ("a", 2.0, 3.0), ("a", 3.0, nan)]);
    assert_eq!(counts(&mut pair), (0, 1), "two finite points are a line");

    // A long series with one NaN is a line too (its finite points are counted, not all).
    let long: Vec<(&str, f64, f64)> =
        (0..5000).map(|i| ("a", f64::from(i), if i == 10 { nan } else { f64::from(i % 7) })).collect();
    assert_eq!(counts(&mut chart(&long)), (0, 2), "a line, cut in two by the NaN");
}
