//! What the `runql` binary's end-to-end tests share: running it, and the MLflow fixture.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

pub mod mlflow_server;
pub mod served;

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs the built `runql` with `args` and waits for it.
pub fn runql(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_runql")).args(args).output().expect("run runql")
}

/// The MLflow file store fixture (`tests/fixtures/mlflow/mlruns`).
pub fn fixture() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/mlflow/mlruns").display().to_string()
}

/// What the command printed on stdout.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// What the command printed on stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
