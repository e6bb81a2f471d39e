//! Line chart of 100 runs × 100k points (10M), natively: preparing the series, the first
//! render (M4 + scene), a redraw after a smoothing change, zooms, and SVG/PNG output.
//! Then the same size as a loaded sweep charted through the "curves" preset (query
//! included). Prints numbers; asserts nothing.
//! `cargo bench -p runql --bench line_chart [-- RUNS STEPS] [--loaded-only] [--plots=N]`
//! (`--plots=N`: chart the loaded sweep N times, 2 by default; more for a profiler)
//! (the browser side, against uPlot, is scripts/bench/chart.mjs).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::Arc;
use std::time::Instant;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use runql::chart::spec::{Smoothing, SmoothingKind};
use runql::chart::{Chart, ChartSpec, data};
use runql::{Engine, FileTree, LoadOptions, SessionOptions};
use runql_synth as synth;

/// DataFusion's default batch size.
const BATCH_ROWS: usize = 8192;

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let runs = args.first().copied().unwrap_or(100);
    let steps = args.get(1).copied().unwrap_or(100_000);
    let plots = std::env::args().find_map(|a| a.strip_prefix("--plots=")?.parse().ok()).unwrap_or(2);
    if std::env::args().any(|a| a == "--loaded-only") {
        loaded_sweep(runs, steps, plots);
        return;
    }
    let n = runs * steps;
    // The same curves as scripts/bench/chart.html.
    let mut run = Vec::with_capacity(n);
    let mut xs = Vec::with_capacity(n);
    let mut ys = Vec::with_capacity(n);
    let names: Vec<String> = (0..runs).map(|r| r.to_string()).collect();
    for v in 0..n {
        let (r, x) = (v / steps, (v % steps) as f64);
        let rf = r as f64;
        let vf = v as f64;
        let spike = if x == 5000.0 + 731.0 * rf { 2.0 } else { 0.0 };
        run.push(names[r].as_str());
        xs.push(x);
        ys.push(
            1.0 / (1.0 + x / (500.0 + 37.0 * rf)) + 0.05 * (vf * 12.9898).sin() * (vf * 78.233).sin() + spike,
        );
    }
    let batch = RecordBatch::try_from_iter(vec![
        ("run", Arc::new(StringArray::from(run)) as ArrayRef),
        ("x", Arc::new(Float64Array::from(xs)) as ArrayRef),
        ("y", Arc::new(Float64Array::from(ys)) as ArrayRef),
    ])
    .unwrap();
    // In record batches of 8,192 rows, as a DataFusion query returns them.
    let batches = (0..n).step_by(BATCH_ROWS).map(|at| batch.slice(at, BATCH_ROWS.min(n - at))).collect();
    let rows = data::Rows::new(batch.schema(), batches);
    let spec = ChartSpec::from_json(
        r#"{"kind": "line", "data": {"sql": "-"}, "encoding": {"x": "x", "y": "y", "series": "run"},
            "options": {"width": 1000, "height": 500}}"#,
    )
    .unwrap();
    println!("line chart: {runs} runs x {steps} points = {n} points, 1000x500 px");
    let t = Instant::now();
    let mut chart = Chart::new(spec.clone(), rows).unwrap();
    println!("prepare (group into series, sort check): {:.1} ms", ms(t));
    let t = Instant::now();
    let shapes = chart.render().unwrap().shapes.len();
    println!("first render (M4 + y range + scene): {:.1} ms ({shapes} shapes)", ms(t));
    let mut options = spec.options.clone();
    options.smoothing = Smoothing { kind: SmoothingKind::TbEma, param: 0.6 };
    let t = Instant::now();
    chart.set_options(options).unwrap();
    chart.render().unwrap();
    println!(
        "redraw after a smoothing change (tb_ema over all points + raw and smoothed M4): {:.1} ms",
        ms(t)
    );
    for (a, b) in zoom_ranges(steps) {
        let t = Instant::now();
        chart.zoom(a, b).unwrap();
        chart.render().unwrap();
        println!("zoom to {a}..{b}: {:.1} ms", ms(t));
    }
    chart.reset();
    let t = Instant::now();
    let svg = chart.svg().unwrap();
    println!("full render + SVG: {:.1} ms ({} KB)", ms(t), svg.len() / 1024);
    let t = Instant::now();
    let png = chart.png().unwrap();
    println!("PNG from the rendered scene: {:.1} ms ({} KB)", ms(t), png.len() / 1024);

    loaded_sweep(runs, steps, plots);
}

/// The zoom ranges of scripts/bench/chart.html: 10%, narrow, the whole range, 100 steps.
fn zoom_ranges(steps: usize) -> [(f64, f64); 4] {
    let last = steps.saturating_sub(1) as f64;
    [(10_000.0, 20_000.0), (12_000.0, 12_500.0), (0.0, last), (50_000.0, 50_100.0)]
}

/// The case users have: curves of one metric of a loaded sweep (`runs` runs × 3 metrics ×
/// `steps` steps in runql's tables), through the "curves" preset: query + prepare, render;
/// `plots` times.
fn loaded_sweep(runs: usize, steps: usize, plots: usize) {
    let spec = synth::SweepSpec { runs, metrics: 3, steps, seed: 7 };
    let mut tree = FileTree::new("bench");
    let t = Instant::now();
    synth::write_sweep(&spec, synth::SweepFormat::Arrow, &mut |path, bytes| {
        tree.insert(path, bytes.to_vec());
        Ok(())
    })
    .unwrap();
    let loaded = runql::readers::load(&[tree], &LoadOptions::default()).unwrap();
    println!("loaded sweep: {runs} runs x 3 metrics x {steps} steps ({:.0} ms to generate and load)", ms(t));
    let t = Instant::now();
    let engine = Engine::with_tables(
        loaded.tables,
        SessionOptions { target_partitions: 1, read_only: true, ..SessionOptions::default() },
    )
    .unwrap();
    println!("tables registered (metrics' key stretches found) in {:.1} ms", ms(t));
    let spec = ChartSpec::from_json(
        r#"{"kind": "line", "data": {"preset": "curves", "metric": "val/loss"},
            "options": {"width": 1000, "height": 500}}"#,
    )
    .unwrap();
    for _ in 0..plots {
        let t = Instant::now();
        let mut chart = engine.chart(spec.clone()).unwrap();
        let built = ms(t);
        let t = Instant::now();
        chart.render().unwrap();
        println!(
            "curves of val/loss: preset query + prepare {built:.1} ms ({} rows), first render {:.1} ms",
            chart.rows(),
            ms(t)
        );
        let zooms: Vec<String> = zoom_ranges(steps)
            .into_iter()
            .map(|(a, b)| {
                let t = Instant::now();
                chart.zoom(a, b).unwrap();
                chart.render().unwrap();
                format!("{a}..{b} {:.1} ms", ms(t))
            })
            .collect();
        println!("  zooms: {}", zooms.join(", "));
    }
}
