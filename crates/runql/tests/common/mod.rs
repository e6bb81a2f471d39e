//! What the engine's integration tests share: an engine over a generated demo sweep.

#![allow(dead_code, clippy::unwrap_used)]

use runql::{Engine, FileTree, LoadOptions, SessionOptions};
use runql_synth as synth;

/// An engine over `spec` written as an MLflow file store, read-only, one partition (so
/// results come in one deterministic order).
pub fn demo_engine(spec: synth::SweepSpec) -> Engine {
    let mut tree = FileTree::new("demo");
    synth::write_mlflow(&spec, &mut |path, bytes| {
        tree.insert(path, bytes.to_vec());
        Ok(())
    })
    .unwrap();
    Engine::load(&[tree], &LoadOptions::default(), options()).unwrap().0
}

/// The session options the tests use.
pub fn options() -> SessionOptions {
    SessionOptions { target_partitions: 1, read_only: true, ..SessionOptions::default() }
}
