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
//! Charts take rows, not a database: [`ChartSpec::query`] says which SQL a spec runs, and
//! whoever ran it (the `runql` crate's `Engine::chart`) hands the result to [`Chart::new`].
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
//! use runql_chart::{Chart, ChartSpec, data::Rows};
//!
//! let columns: Vec<(&str, ArrayRef)> = vec![
//!     ("run", Arc::new(StringArray::from(vec!["a", "a", "b", "b"]))),
//!     ("step", Arc::new(Int64Array::from(vec![0, 1, 0, 1]))),
//!     ("loss", Arc::new(Float64Array::from(vec![0.9, 0.5, 0.8, 0.3]))),
//! ];
//! let batch = RecordBatch::try_from_iter(columns)?;
//! let spec = ChartSpec::from_json(r#"{"kind": "line",
//!     "data": {"sql": "SELECT run, step, loss FROM somewhere"},
//!     "encoding": {"x": "step", "y": "loss", "series": "run"},
//!     "options": {"smoothing": {"kind": "tb_ema", "param": 0.6}}}"#)?;
//! let mut chart = Chart::new(spec, Rows::new(batch.schema(), vec![batch]))?;
//! assert!(chart.svg()?.contains("<polyline"));
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
mod render;
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
