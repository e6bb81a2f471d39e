//! runql-codecs: the byte-level encodings runql reads (and, for its demo data and its own
//! tables, writes), free of any idea of runs: TensorBoard's TFRecord framing and event
//! protobufs, W&B's LevelDB-log framing and record protobufs, a lenient and bounded JSON
//! parser, Parquet and Arrow IPC files, and the parsing of numbers and timestamps in text
//! cells. `runql-readers` turns what these decode into runs; `runql-synth` writes its demo
//! sweeps with them.
//!
//! Every length a file declares is checked against the bytes really present before anything
//! is allocated for it, so hostile input is an error, never a panic or an out-of-memory abort.
//!
//! ```
//! use runql_codecs::json_lenient::{parse, JsonValue};
//! let v = parse(b"{\"loss\": NaN, \"step\": 3}")?;
//! assert_eq!(v.get("step"), Some(&JsonValue::Int(3)));
//! # Ok::<(), runql_codecs::json_lenient::JsonError>(())
//! ```
//!
//! # Features
//! - `parallel`: decode Parquet row groups on all cores (native only).

pub mod cells;
pub mod columnar;
pub mod json_lenient;
pub mod tensorboard;
pub mod wandb;
