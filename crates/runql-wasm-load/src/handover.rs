//! The tables of a committed load, waiting to be handed to the query module one at a time.

use arrow_array::RecordBatch;
use arrow_buffer::Buffer;
use runql_core::RunTables;
use runql_core::transfer::encode_table_pieces;
use wasm_bindgen::JsCast;

use crate::error::{LoadError, Result};

/// Tables not yet taken, in registration order, and the pieces of those taken.
///
/// A table is encoded when it is taken, as Arrow IPC stream pieces that share its buffers
/// (no copy). The pieces stay until the load is settled, so that views of them handed to
/// JavaScript never see their memory reused by something else.
#[derive(Debug)]
pub struct PendingTables {
    tables: Vec<(&'static str, RecordBatch)>,
    taken: Vec<Buffer>,
}

impl PendingTables {
    /// Every table of `tables`, waiting.
    pub fn new(tables: RunTables) -> Self {
        Self { tables: tables.into_tables().into(), taken: Vec::new() }
    }

    /// Names of the tables still waiting.
    pub fn names(&self) -> Vec<String> {
        self.tables.iter().map(|(name, _)| (*name).to_owned()).collect()
    }

    /// Removes table `name` and returns it as the pieces of an Arrow IPC stream (the stream
    /// is their concatenation).
    ///
    /// # Errors
    /// [`LoadError::Input`] when no table of that name is waiting (never committed, or
    /// already taken); [`LoadError::Internal`] if Arrow cannot encode it.
    pub fn take(&mut self, name: &str) -> Result<&[Buffer]> {
        let Some(at) = self.tables.iter().position(|(n, _)| *n == name) else {
            return Err(LoadError::Input(format!(
                "no table {name:?} is waiting (waiting: {})",
                if self.tables.is_empty() { "none".to_owned() } else { self.names().join(", ") }
            )));
        };
        let (name, batch) = self.tables.remove(at);
        let pieces = encode_table_pieces(name, &batch).map_err(|e| LoadError::Internal(e.to_string()))?;
        let from = self.taken.len();
        self.taken.extend(pieces);
        Ok(self.taken.get(from..).unwrap_or_default())
    }
}

/// Views of `pieces` in this module's WebAssembly memory, for JavaScript to copy from
/// without a copy out first. A view stays valid until the memory grows (which empties it:
/// reading it then gives no bytes, never other bytes) or its piece is dropped.
pub fn memory_views(pieces: &[Buffer]) -> js_sys::Array {
    let memory = wasm_bindgen::memory().unchecked_into::<js_sys::WebAssembly::Memory>();
    pieces
        .iter()
        .map(|piece| {
            // In wasm32 an address is the byte offset in the module's memory. The buffer is
            // asked for each view: building the array may grow the memory, which detaches
            // the one before.
            let offset = piece.as_ptr() as usize;
            js_sys::Uint8Array::new_with_byte_offset_and_length(
                &memory.buffer(),
                offset as u32,
                piece.len() as u32,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use runql_core::model::{MetricSeries, RunData, RunInfo, TablesBuilder};
    use runql_core::transfer::TablesDecoder;

    fn tables() -> RunTables {
        let mut loss = MetricSeries::new("val/loss");
        for step in 0..100 {
            loss.push(step, Some(1_700_000_000_000 + step), 1.0 / (step as f64 + 1.0));
        }
        let mut builder = TablesBuilder::new();
        builder
            .add_run(RunData {
                info: RunInfo {
                    run_id: "r1".into(),
                    source: "mlflow".into(),
                    origin: "demo".into(),
                    ..Default::default()
                },
                params: vec![("lr".into(), "0.1".into())],
                metrics: vec![loss],
                ..Default::default()
            })
            .unwrap();
        builder.finish().unwrap()
    }

    #[test]
    fn each_table_is_taken_once_and_arrives_whole() {
        let sent = tables();
        let mut pending = PendingTables::new(sent.clone());
        assert_eq!(pending.names(), runql_core::model::schema::TABLE_NAMES.map(str::to_owned));
        let mut decoder = TablesDecoder::new();
        for name in pending.names() {
            let stream: Vec<u8> =
                pending.take(&name).unwrap().iter().flat_map(|p| p.as_slice()).copied().collect();
            decoder.add(&name, stream).unwrap();
        }
        assert!(pending.names().is_empty());
        let got = decoder.finish().unwrap();
        assert_eq!(got.counts(), sent.counts());
        assert_eq!(got.metrics, sent.metrics);
        assert_eq!(got.runs_wide, sent.runs_wide);
    }

    #[test]
    fn a_table_taken_twice_is_an_input_error() {
        let mut pending = PendingTables::new(tables());
        pending.take("runs").unwrap();
        let err = pending.take("runs").unwrap_err();
        assert_eq!(err.kind().as_str(), "input");
        assert!(
            err.to_string().starts_with("no table \"runs\" is waiting (waiting: params, metrics"),
            "{err}"
        );
    }
}
