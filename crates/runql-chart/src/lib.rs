//! runql-chart: the charts people compare runs with, drawn by plotters backends.
//!
//! A [`ChartSpec`] (JSON) names a kind, the data — any read-only SQL over runql's tables,
//! or a [`preset::Preset`] such as "curves of `val/loss` grouped by `params.lr`" — the
//! encodings (which columns are x, y, series, color, group) and options (size, theme,
//! log axes, smoothing, outlier-robust y range, bands). [`Chart`] binds a spec to its rows
//! and renders a [`Scene`]: a display list that becomes SVG ([`Scene::to_svg`]), PNG
//! ([`Scene::to_png`], feature `png`, text from an embedded DejaVu Sans), or canvas
//! drawing in the browser (runql-wasm). A rendered chart keeps its coordinate mapping:
//! [`Chart::pick`] says which run and point is under the mouse, [`Chart::zoom`] re-renders
//! an x range from the full-resolution data, [`Chart::reset`] goes back.
//!
//! Line charts smooth the full-resolution series (TensorBoard EMA, W&B time-weighted EMA,
//! Gaussian, running average — the same functions as runql's SQL windows), group runs
//! into mean/median/min/max lines with min–max, stddev or stderr bands, and decimate every
//! curve with M4 (first/min/max/last per pixel column) before drawing, so a spike is never
//! lost at any zoom and 10M points draw as a few thousand.
//!
//! ```
//! use runql_chart::{Chart, ChartSpec};
//! use runql_core::{load, synth, FileTree, LoadOptions};
//! use runql_sql::{Session, SessionOptions};
//!
//! let spec = synth::SweepSpec { runs: 6, metrics: 3, steps: 50, seed: 1 };
//! let mut tree = FileTree::new("demo");
//! synth::write_mlflow(&spec, &mut |path, bytes| { tree.insert(path, bytes.to_vec()); Ok(()) })?;
//! let loaded = load(&[tree], &LoadOptions::default())?;
//! let session = Session::with_tables(&loaded.tables, SessionOptions::default())?;
//! let chart_spec = ChartSpec::from_json(r#"{"kind": "line",
//!     "data": {"preset": "curves", "metric": "val/loss"},
//!     "options": {"smoothing": {"kind": "tb_ema", "param": 0.6}}}"#)?;
//! let mut chart = Chart::build(&session, chart_spec)?;
//! let svg = chart.svg()?;
//! assert!(svg.contains("<polyline"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod chart;
pub mod color;
pub mod data;
pub mod decimate;
pub mod error;
pub mod frame;
mod kinds;
pub mod preset;
mod raster;
pub mod scale;
pub mod scene;
pub mod spec;
pub mod stats;
pub mod text;
pub mod xvalues;

pub use chart::{Chart, ChartQuery, Pick, Resolved};
pub use error::{ChartError, Result};
pub use kinds::distribution::{BoxStats, box_stats};
pub use kinds::importance::{ParamImportance, importance};
pub use scene::{Scene, Shape};
pub use spec::{ChartKind, ChartOptions, ChartSpec, DataSpec, Encoding};
