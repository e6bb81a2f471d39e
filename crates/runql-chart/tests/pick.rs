//! `Chart::pick` finds the drawn point (or bar) nearest the pointer, on a fresh rendering
//! and after a zoom, and nothing far from every mark.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use runql_chart::data::{f64_column, rows_from, text_column};
use runql_chart::{Chart, ChartSpec, Shape};

/// A line chart of two runs over steps 0, 1, 2.
fn lines() -> Chart {
    let spec = ChartSpec::from_json(
        r#"{"kind": "line", "data": {"sql": "-"}, "encoding": {"x": "step", "y": "loss", "series": "run"},
            "options": {"width": 500, "height": 300}}"#,
    )
    .unwrap();
    let rows = rows_from(vec![
        ("step", f64_column(vec![0.0, 1.0, 2.0, 0.0, 1.0, 2.0])),
        ("loss", f64_column(vec![1.0, 0.5, 0.25, 1.2, 0.9, 0.7])),
        ("run", text_column(vec!["a", "a", "a", "b", "b", "b"])),
    ])
    .unwrap();
    Chart::new(spec, rows).unwrap()
}

#[test]
fn a_line_chart_gives_the_nearest_run_and_step() {
    let mut chart = lines();
    for (run, step, loss) in [("a", 1.0, 0.5), ("b", 1.0, 0.9), ("b", 2.0, 0.7), ("a", 0.0, 1.0)] {
        let (px, py) = chart.to_pixels(step, loss).unwrap();
        let hit = chart.pick(px + 3.0, py + 4.0).expect("a point is near");
        assert_eq!((hit.series.as_str(), hit.x, hit.y), (run, step, loss));
        assert!((hit.distance - 5.0).abs() < 0.01, "{}", hit.distance);
    }
    assert!(chart.pick(-1000.0, -1000.0).is_none());
}

#[test]
fn after_a_zoom_the_pick_follows_the_new_scales() {
    let mut chart = lines();
    let before = chart.to_pixels(2.0, 0.25).unwrap();
    chart.zoom(1.5, 2.0).unwrap();
    let after = chart.to_pixels(2.0, 0.25).unwrap();
    assert_ne!(before, after);
    let hit = chart.pick(after.0, after.1).expect("a point is near");
    assert_eq!((hit.series.as_str(), hit.x, hit.y), ("a", 2.0, 0.25));
}

/// What a pick at the middle of each bar of a three-bar chart (runs a, b, c) with this
/// encoding returns: (series, value), sorted.
fn picks_at_bar_middles(encoding: &str) -> Vec<(String, f64)> {
    let spec = ChartSpec::from_json(&format!(
        r#"{{"kind": "bar", "data": {{"sql": "-"}}, "encoding": {encoding}, "options": {{"width": 500, "height": 300}}}}"#
    ))
    .unwrap();
    let rows =
        rows_from(vec![("run", text_column(vec!["a", "b", "c"])), ("loss", f64_column(vec![0.3, 0.1, 0.2]))])
            .unwrap();
    let mut chart = Chart::new(spec, rows).unwrap();
    let plot = chart.plot_area().unwrap();
    let bars: Vec<(f64, f64)> = chart
        .render()
        .unwrap()
        .shapes
        .iter()
        .filter_map(|s| match s {
            Shape::Rect { x, y, w, h, fill: Some(_), .. }
                if plot.contains(f64::from(*x), f64::from(*y)) && *w < plot.w as f32 =>
            {
                Some((f64::from(x + w / 2.0), f64::from(y + h / 2.0)))
            }
            _ => None,
        })
        .collect();
    assert_eq!(bars.len(), 3);
    let mut seen: Vec<(String, f64)> = bars
        .iter()
        .map(|&(x, y)| {
            let hit = chart.pick(x, y).expect("a bar is under the pointer");
            assert_eq!(hit.distance, 0.0);
            (hit.series, hit.y)
        })
        .collect();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    seen
}

#[test]
fn a_bar_chart_gives_the_bar_under_the_pointer() {
    let expected = vec![("a".to_owned(), 0.3), ("b".to_owned(), 0.1), ("c".to_owned(), 0.2)];
    assert_eq!(picks_at_bar_middles(r#"{"x": "run", "y": "loss", "series": "run"}"#), expected);
    // Without `series` the bars are named by `x`, not numbered.
    assert_eq!(picks_at_bar_middles(r#"{"x": "run", "y": "loss"}"#), expected);
    let numbered = picks_at_bar_middles(r#"{"y": "loss"}"#);
    assert_eq!(numbered.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>(), ["row 1", "row 2", "row 3"]);
}
