//! runql-live: tables that follow runs while they train.
//!
//! [`Watch`] loads folders and files the way `runql_readers::load` does, then looks at
//! them again each round (the caller sets the pace) and reads again only the runs whose
//! files changed: a run folder that grew, a new run folder, a database that was written.
//! The rest of the tables are not read again, so a round costs what changed, plus one
//! listing of the files.
//!
//! While a tracker writes, a file often ends inside a record: an event or a `.wandb`
//! record half written, a metric line without its line end. A round takes each such file
//! up to its last whole record and leaves the rest for the next round, so a write in
//! progress is never reported as damage; and problems in a run whose files are still
//! changing are reported once they hold still for a round.
//!
//! Rounds find what changed from the system's change events where it gives them (inotify,
//! FSEvents, ReadDirectoryChangesW): only the paths they name are looked at, so a round
//! costs what changed. Where it gives none (a watch limit reached, some network file
//! systems) rounds list every file; and with events too, every
//! [`FULL_LISTING_EVERY`] rounds, as a safety net for dropped events.
//!
//! Clients that hold the tables (a browser) ask [`Watch::since`] for the rows that changed
//! since their version and apply them with `RunTables::replace`.

mod counts;
mod error;
mod events;
mod scan;
mod tail;
mod watch;
mod watched;

pub use error::{LiveError, Result};
pub use watch::{Change, KEPT_CHANGES, KEPT_POINTS, Round, Since, Watch};
pub use watched::{Discovery, FULL_LISTING_EVERY, PathChange, WatchedPath};

/// The values of a text column (empty when there is none).
pub(crate) fn text_column<'a>(batch: &'a arrow_array::RecordBatch, name: &str) -> Vec<&'a str> {
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    let Some(column) = batch.column_by_name(name).and_then(|c| c.as_string_opt::<i32>()) else {
        return Vec::new();
    };
    (0..column.len()).filter(|i| !column.is_null(*i)).map(|i| column.value(i)).collect()
}
