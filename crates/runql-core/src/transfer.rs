//! Loaded tables as Arrow IPC streams: how one program hands [`RunTables`] to another.
//!
//! In the browser runql is two WebAssembly modules: the query module (SQL and charts), which
//! every page needs at once, and the loader module (every reader and writer), fetched on the
//! first load. The loader encodes each table with [`encode_table_pieces`]: the stream's
//! framing and the table's own Arrow buffers, shared, not copied (no compression: both ends
//! are on the same machine); the query module joins the pieces into one buffer and takes
//! the tables back with a [`TablesDecoder`], which keeps the arrays in that buffer. So a
//! 10M-point `metrics` table is copied once on its way, and encoded not at all.
//!
//! Decoding trusts nothing: every table must be one of runql's, with runql's columns, and
//! arrays are validated, so bytes that are cut short, corrupt or from elsewhere give an
//! error naming the table and the byte offset instead of tables that break queries later.
//!
//! ```
//! use runql_core::model::{RunData, RunInfo, TablesBuilder};
//! use runql_core::transfer::{TablesDecoder, encode_table};
//!
//! let mut builder = TablesBuilder::new();
//! builder.add_run(RunData {
//!     info: RunInfo { run_id: "r1".into(), source: "mlflow".into(), origin: "mlruns".into(), ..Default::default() },
//!     ..Default::default()
//! })?;
//! let tables = builder.finish()?;
//!
//! let mut decoder = TablesDecoder::new();
//! for (name, batch) in tables.tables() {
//!     decoder.add(name, encode_table(name, batch)?)?;
//! }
//! let received = decoder.finish()?;
//! assert_eq!(received.runs, tables.runs);
//! # Ok::<(), runql_core::CoreError>(())
//! ```

use std::collections::BTreeMap;

use arrow_array::RecordBatch;
use arrow_buffer::Buffer;
use arrow_ipc::reader::StreamDecoder;
use arrow_ipc::writer::StreamEncoder;
use arrow_schema::{Field, SchemaRef};

use crate::error::{CoreError, Result};
use crate::ipc_check;
use crate::model::RunTables;
use crate::model::schema::{self, TABLE_NAMES};

fn transfer_error(table: &str, reason: impl Into<String>) -> CoreError {
    CoreError::Transfer { table: table.to_owned(), reason: reason.into() }
}

/// Encodes one table as an Arrow IPC stream (schema, dictionaries, one record batch), in
/// pieces: the stream is their concatenation. The pieces holding column values are the
/// table's own buffers, shared and not copied, so encoding a 10M-point `metrics` table costs
/// no memory beyond its few framing pieces and the (small) dictionaries.
///
/// ```
/// use runql_core::model::TablesBuilder;
/// use runql_core::transfer::{encode_table, encode_table_pieces};
///
/// let tables = TablesBuilder::new().finish()?;
/// let pieces = encode_table_pieces("metrics", &tables.metrics)?;
/// let joined: Vec<u8> = pieces.iter().flat_map(|p| p.as_slice()).copied().collect();
/// assert_eq!(joined, encode_table("metrics", &tables.metrics)?);
/// # Ok::<(), runql_core::CoreError>(())
/// ```
///
/// # Errors
/// [`CoreError::Transfer`] if Arrow cannot encode the batch (not expected for runql's tables).
pub fn encode_table_pieces(name: &str, batch: &RecordBatch) -> Result<Vec<Buffer>> {
    let encode = || -> std::result::Result<Vec<Buffer>, arrow_schema::ArrowError> {
        let mut encoder = StreamEncoder::try_new(&batch.schema())?;
        let mut pieces = encoder.encode(batch)?;
        pieces.extend(encoder.finish()?);
        Ok(pieces)
    };
    encode().map_err(|e| transfer_error(name, format!("cannot encode: {e}")))
}

/// Encodes one table as one Arrow IPC stream: [`encode_table_pieces`] joined (one copy of
/// the table).
///
/// # Errors
/// As [`encode_table_pieces`].
pub fn encode_table(name: &str, batch: &RecordBatch) -> Result<Vec<u8>> {
    let pieces = encode_table_pieces(name, batch)?;
    let mut stream = Vec::with_capacity(pieces.iter().map(Buffer::len).sum());
    for piece in &pieces {
        stream.extend_from_slice(piece.as_slice());
    }
    Ok(stream)
}

/// Collects the seven tables of a load, each as the Arrow IPC stream [`encode_table`]
/// wrote, and checks them; [`Self::finish`] gives the [`RunTables`].
#[derive(Debug, Default)]
pub struct TablesDecoder {
    tables: BTreeMap<&'static str, RecordBatch>,
}

impl TablesDecoder {
    /// A decoder holding no tables yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes table `name` from `ipc` (replacing an earlier table of that name). The
    /// arrays stay in `ipc`'s allocation where their alignment allows.
    ///
    /// # Errors
    /// [`CoreError::Transfer`] for a name that is not one of runql's tables, a stream that
    /// is empty, cut short or corrupt (with the byte offset), or columns that differ from
    /// runql's schema for that table.
    pub fn add(&mut self, name: &str, ipc: Vec<u8>) -> Result<()> {
        let Some(known) = TABLE_NAMES.into_iter().find(|t| *t == name) else {
            return Err(transfer_error(
                name,
                format!("not a runql table (expected one of {})", TABLE_NAMES.join(", ")),
            ));
        };
        let batch = decode_stream(known, ipc)?;
        check_columns(known, &batch.schema())?;
        self.tables.insert(known, batch);
        Ok(())
    }

    /// The tables, once all seven were added.
    ///
    /// # Errors
    /// [`CoreError::Transfer`] naming the first table that is missing.
    pub fn finish(mut self) -> Result<RunTables> {
        let mut take = |name: &str| {
            self.tables.remove(name).ok_or_else(|| transfer_error(name, "missing: it was never handed over"))
        };
        Ok(RunTables {
            runs: take("runs")?,
            params: take("params")?,
            metrics: take("metrics")?,
            tags: take("tags")?,
            metric_summary: take("metric_summary")?,
            runs_wide: take("runs_wide")?,
            models: take("models")?,
        })
    }
}

/// The 8 bytes an Arrow IPC stream ends with (continuation marker, zero length). The
/// encoder always writes it, so a stream without it was cut short, even at a message
/// boundary (where it would otherwise decode to a table missing its last batches).
const END_OF_STREAM: [u8; 8] = [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0];

/// Reads every message of one stream; several record batches are joined into one (runql's
/// tables are registered as one batch each).
fn decode_stream(name: &str, ipc: Vec<u8>) -> Result<RecordBatch> {
    let total = ipc.len();
    if total == 0 {
        return Err(transfer_error(name, "empty: no Arrow IPC stream"));
    }
    // arrow-ipc trusts the offsets and lengths a stream declares (and panics on some); they
    // are checked against the bytes first. Nothing is compressed, so the buffers cannot
    // decode to more bytes than arrived.
    ipc_check::check_stream(&ipc, total as u64)
        .map_err(|e| transfer_error(name, format!("not a readable Arrow IPC stream: {e}")))?;
    if !ipc.ends_with(&END_OF_STREAM) {
        return Err(transfer_error(
            name,
            format!("Arrow IPC stream cut short: no end-of-stream marker in its {total} bytes"),
        ));
    }
    let mut buffer = Buffer::from_vec(ipc);
    let mut decoder = StreamDecoder::new();
    let mut batches = Vec::new();
    let at = |buffer: &Buffer| total - buffer.len();
    while !buffer.is_empty() {
        let before = buffer.len();
        match decoder.decode(&mut buffer) {
            Ok(Some(batch)) => batches.push(batch),
            Ok(None) if buffer.len() == before => break,
            Ok(None) => {}
            Err(e) => {
                return Err(transfer_error(
                    name,
                    format!("corrupt Arrow IPC stream at byte {}: {e}", at(&buffer)),
                ));
            }
        }
    }
    if let Err(e) = decoder.finish() {
        return Err(transfer_error(name, format!("Arrow IPC stream cut short at byte {total}: {e}")));
    }
    let Some(schema) = decoder.schema() else {
        return Err(transfer_error(name, "the Arrow IPC stream has no schema"));
    };
    match batches.len() {
        0 => Ok(RecordBatch::new_empty(schema)),
        1 => batches.pop().ok_or_else(|| transfer_error(name, "record batch vanished")),
        _ => arrow_select::concat::concat_batches(&schema, &batches)
            .map_err(|e| transfer_error(name, format!("cannot join its record batches: {e}"))),
    }
}

/// The columns `name` must have: runql's schema, or for `runs_wide` the run columns first
/// (its `params.*`, `metrics.*` and `tags.*` columns depend on the data).
fn check_columns(name: &'static str, got: &SchemaRef) -> Result<()> {
    let expected: Vec<Field> = match name {
        "runs" => schema::run_fields(),
        "params" => fields_of(&schema::params()),
        "metrics" => fields_of(&schema::metrics()),
        "tags" => fields_of(&schema::tags()),
        "metric_summary" => fields_of(&schema::metric_summary()),
        "models" => fields_of(&schema::models()),
        _ => schema::run_fields(),
    };
    let exact = name != "runs_wide";
    if exact && got.fields().len() != expected.len() {
        return Err(transfer_error(
            name,
            format!("{} columns, runql's table has {}", got.fields().len(), expected.len()),
        ));
    }
    for (i, want) in expected.iter().enumerate() {
        let Some(have) = got.fields().get(i) else {
            return Err(transfer_error(name, format!("column {} ({}) is missing", i + 1, want.name())));
        };
        let same = have.name() == want.name()
            && have.data_type() == want.data_type()
            && have.is_nullable() == want.is_nullable();
        if !same {
            return Err(transfer_error(
                name,
                format!(
                    "column {} is {} {}{}, expected {} {}{}",
                    i + 1,
                    have.name(),
                    have.data_type(),
                    if have.is_nullable() { "" } else { " not null" },
                    want.name(),
                    want.data_type(),
                    if want.is_nullable() { "" } else { " not null" },
                ),
            ));
        }
    }
    Ok(())
}

fn fields_of(schema: &SchemaRef) -> Vec<Field> {
    schema.fields().iter().map(|f| f.as_ref().clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MetricSeries, ModelRecord, RunData, RunInfo, TablesBuilder};
    use arrow_ipc::writer::StreamWriter;
    use proptest::prelude::*;

    fn run(id: &str, points: usize) -> RunData {
        let mut loss = MetricSeries::new("val/loss");
        for i in 0..points {
            let ts = if i % 7 == 3 { None } else { Some(1_700_000_000_000 + i as i64) };
            let v = match i % 11 {
                4 => f64::NAN,
                9 => f64::INFINITY,
                _ => 1.0 / (i as f64 + 1.0),
            };
            loss.push(i as i64, ts, v);
        }
        RunData {
            info: RunInfo {
                run_id: id.into(),
                source: "mlflow".into(),
                origin: "mlruns".into(),
                name: Some(format!("run {id}")),
                created_at_ms: Some(1_700_000_000_000),
                ..Default::default()
            },
            params: vec![("lr".into(), "0.01".into()), ("model_size".into(), "7b".into())],
            tags: vec![("team".into(), Some("vision".into())), ("bare".into(), None)],
            metrics: vec![loss],
        }
    }

    fn sample_tables() -> RunTables {
        let mut builder = TablesBuilder::new();
        for (i, id) in ["a", "b", "c"].iter().enumerate() {
            builder.add_run(run(id, 50 * (i + 1))).unwrap();
        }
        builder.add_model(ModelRecord {
            kind: "registered".into(),
            name: "m".into(),
            version: Some(1),
            origin: "mlruns".into(),
            ..Default::default()
        });
        builder.finish().unwrap()
    }

    fn encoded(tables: &RunTables) -> Vec<(&'static str, Vec<u8>)> {
        tables.tables().map(|(name, batch)| (name, encode_table(name, batch).unwrap())).collect()
    }

    fn decode_all(parts: Vec<(&'static str, Vec<u8>)>) -> Result<RunTables> {
        let mut decoder = TablesDecoder::new();
        for (name, bytes) in parts {
            decoder.add(name, bytes)?;
        }
        decoder.finish()
    }

    fn message(err: CoreError) -> String {
        err.to_string()
    }

    #[test]
    fn every_table_survives_the_round_trip() {
        let tables = sample_tables();
        let back = decode_all(encoded(&tables)).unwrap();
        for ((name, sent), (_, got)) in tables.tables().zip(back.tables()) {
            // RecordBatch equality is NaN-unaware in places; compare the IPC bytes again.
            assert_eq!(encode_table(name, got).unwrap(), encode_table(name, sent).unwrap(), "{name}");
            assert_eq!(got.num_rows(), sent.num_rows(), "{name}");
        }
        assert_eq!(back.metrics.num_rows(), 50 + 100 + 150);
        assert_eq!(back.runs_wide.schema(), tables.runs_wide.schema());
    }

    #[test]
    fn the_pieces_share_the_tables_buffers() {
        let tables = sample_tables();
        let pieces = encode_table_pieces("metrics", &tables.metrics).unwrap();
        for column in ["step", "timestamp", "value"] {
            let data = tables.metrics.column_by_name(column).unwrap().to_data();
            let values = data.buffers()[0].as_ptr();
            assert!(pieces.iter().any(|p| p.as_ptr() == values), "{column} was copied");
        }
    }

    #[test]
    fn the_joined_pieces_are_the_stream_arrow_writes() {
        let tables = sample_tables();
        for (name, batch) in tables.tables() {
            let mut writer = StreamWriter::try_new(Vec::new(), &batch.schema()).unwrap();
            writer.write(batch).unwrap();
            writer.finish().unwrap();
            assert_eq!(encode_table(name, batch).unwrap(), writer.into_inner().unwrap(), "{name}");
        }
    }

    #[test]
    fn empty_tables_round_trip() {
        let tables = TablesBuilder::new().finish().unwrap();
        let back = decode_all(encoded(&tables)).unwrap();
        assert_eq!(back.counts(), tables.counts());
        assert_eq!(back.metrics.schema().fields(), tables.metrics.schema().fields());
    }

    #[test]
    fn a_missing_table_is_named() {
        let mut parts = encoded(&sample_tables());
        parts.retain(|(name, _)| *name != "tags");
        let err = message(decode_all(parts).unwrap_err());
        assert_eq!(err, "table tags: missing: it was never handed over");
    }

    #[test]
    fn an_unknown_table_is_refused() {
        let err = message(TablesDecoder::new().add("experiments", vec![1, 2, 3]).unwrap_err());
        assert!(
            err.starts_with("table experiments: not a runql table (expected one of runs, params"),
            "{err}"
        );
    }

    #[test]
    fn empty_bytes_are_refused() {
        let err = message(TablesDecoder::new().add("runs", Vec::new()).unwrap_err());
        assert_eq!(err, "table runs: empty: no Arrow IPC stream");
    }

    #[test]
    fn a_table_under_the_wrong_name_is_refused() {
        let tables = sample_tables();
        let params = encode_table("params", &tables.params).unwrap();
        let err = message(TablesDecoder::new().add("tags", params).unwrap_err());
        assert_eq!(err, "table tags: 5 columns, runql's table has 3");
        let tags = encode_table("tags", &tables.tags).unwrap();
        let err = message(TablesDecoder::new().add("runs_wide", tags).unwrap_err());
        assert_eq!(err, "table runs_wide: column 2 is key Utf8 not null, expected source Utf8 not null");
        let run_ids = encode_table("runs", &tables.runs.project(&[0]).unwrap()).unwrap();
        let err = message(TablesDecoder::new().add("runs_wide", run_ids).unwrap_err());
        assert_eq!(err, "table runs_wide: column 2 (source) is missing");
    }

    #[test]
    fn a_changed_column_type_is_named() {
        let tables = sample_tables();
        let cast = arrow_cast::cast(tables.metrics.column(2), &arrow_schema::DataType::Float64).unwrap();
        let mut columns = tables.metrics.columns().to_vec();
        columns[2] = cast;
        let mut fields = fields_of(&tables.metrics.schema());
        fields[2] = Field::new("step", arrow_schema::DataType::Float64, false);
        let batch =
            RecordBatch::try_new(std::sync::Arc::new(arrow_schema::Schema::new(fields)), columns).unwrap();
        let err = message(
            TablesDecoder::new().add("metrics", encode_table("metrics", &batch).unwrap()).unwrap_err(),
        );
        assert_eq!(err, "table metrics: column 3 is step Float64 not null, expected step Int64 not null");
    }

    #[test]
    fn several_batches_are_joined() {
        let tables = sample_tables();
        let metrics = &tables.metrics;
        let mut writer = StreamWriter::try_new(Vec::new(), &metrics.schema()).unwrap();
        writer.write(&metrics.slice(0, 120)).unwrap();
        writer.write(&metrics.slice(120, metrics.num_rows() - 120)).unwrap();
        writer.finish().unwrap();
        let mut decoder = TablesDecoder::new();
        decoder.add("metrics", writer.into_inner().unwrap()).unwrap();
        let got = decoder.tables.remove("metrics").unwrap();
        assert_eq!(got.num_rows(), metrics.num_rows());
        assert_eq!(encode_table("metrics", &got).unwrap(), encode_table("metrics", metrics).unwrap());
    }

    #[test]
    fn a_stream_cut_short_names_the_table() {
        let tables = sample_tables();
        let full = encode_table("metrics", &tables.metrics).unwrap();
        for cut in [1, 7, 8, full.len() / 3, full.len() / 2, full.len() - 8, full.len() - 1] {
            let err = message(TablesDecoder::new().add("metrics", full[..cut].to_vec()).unwrap_err());
            assert!(err.starts_with("table metrics: "), "cut at {cut}: {err}");
        }
    }

    #[test]
    fn garbage_is_refused_with_an_offset() {
        let err =
            message(TablesDecoder::new().add("runs", b"not an arrow stream at all".to_vec()).unwrap_err());
        assert!(err.starts_with("table runs: "), "{err}");
        assert!(err.contains("byte"), "{err}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Flipped bytes anywhere in a stream never panic: the table is refused, or (a flip
        /// inside a value) it decodes with runql's columns and row count.
        #[test]
        fn corrupt_streams_never_panic(flips in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..6)) {
            let tables = sample_tables();
            let mut bytes = encode_table("metrics", &tables.metrics).unwrap();
            for (at, xor) in flips {
                let i = at.index(bytes.len());
                bytes[i] ^= xor;
            }
            let mut decoder = TablesDecoder::new();
            match decoder.add("metrics", bytes) {
                Ok(()) => {
                    let got = decoder.tables.remove("metrics").unwrap();
                    prop_assert_eq!(got.schema(), tables.metrics.schema());
                }
                Err(e) => prop_assert!(e.to_string().starts_with("table metrics: "), "{}", e),
            }
        }
    }
}
