//! The normalized run data model: what readers produce and the Arrow tables it becomes.

pub mod record;
pub mod replace;
pub mod schema;
pub mod summary;
pub mod tables;
pub mod value;
pub mod wide;

pub use record::{MetricSeries, ModelRecord, RunData, RunInfo};
pub use replace::Removal;
pub use tables::{RunTables, TablesBuilder};
