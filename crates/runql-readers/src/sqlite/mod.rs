//! SQLite databases as the trackers keep them (MLflow's `mlflow.db`, trackio's
//! `<project>.db`): opened from their bytes, read-only and defended against hostile files
//! ([`open`]), cells read by type ([`cell`]), and queries over damaged files that keep what
//! they read ([`rows`]).

pub mod cell;
pub mod open;
pub mod rows;

/// Files SQLite keeps beside a database while it is open or was not closed cleanly.
pub const SIDECARS: [&str; 3] = ["-wal", "-shm", "-journal"];
