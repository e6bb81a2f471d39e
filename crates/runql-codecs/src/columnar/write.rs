//! Writing runql's tables as Parquet or Arrow IPC files, one file per table, for
//! `runql convert` and `runql gen --format parquet`, and for loading them back losslessly.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMillisecondType};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};

use runql_core::error::{CoreError, Result};
use runql_core::model::RunTables;
use runql_core::model::schema::timestamp_ms;

/// The file format of written tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TableFormat {
    /// Apache Parquet, zstd-compressed, with page statistics: what DuckDB, Spark, pandas and
    /// DataFusion read as they are.
    Parquet,
    /// Arrow IPC file format (Feather v2), uncompressed: the fastest to load back.
    Arrow,
}

impl TableFormat {
    /// File name extension, with the dot.
    pub fn extension(self) -> &'static str {
        match self {
            TableFormat::Parquet => ".parquet",
            TableFormat::Arrow => ".arrow",
        }
    }
}

/// One written table file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Table name (`metrics`, …).
    pub table: &'static str,
    /// File name (`metrics.parquet`, …).
    pub file: String,
    /// Rows written.
    pub rows: u64,
    /// Bytes of the file.
    pub bytes: u64,
}

fn external(e: impl std::error::Error + Send + Sync + 'static) -> CoreError {
    CoreError::Arrow(ArrowError::ExternalError(Box::new(e)))
}

/// In Parquet, `metrics.timestamp` (epoch ms as Int64 in memory, so time arithmetic stays
/// integer math) is written as `TIMESTAMP(MILLIS, UTC)`, the type other engines show as a
/// time; `runql_readers::runql_tables` turns it back into Int64 on load.
fn for_parquet(table: &str, batch: &RecordBatch) -> Result<RecordBatch> {
    if table != "metrics" {
        return Ok(batch.clone());
    }
    let schema = batch.schema();
    let mut fields: Vec<Field> = Vec::with_capacity(schema.fields().len());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        match column.as_primitive_opt::<Int64Type>() {
            Some(ints) if field.name() == "timestamp" => {
                let ts = ints.reinterpret_cast::<TimestampMillisecondType>().with_timezone("UTC");
                fields.push(Field::new(field.name(), timestamp_ms(), field.is_nullable()));
                columns.push(Arc::new(ts));
            }
            _ => {
                fields.push(field.as_ref().clone());
                columns.push(column.clone());
            }
        }
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?)
}

/// The bytes of one table file.
///
/// ```
/// use runql_codecs::columnar::{write::encode, TableFormat};
/// let tables = runql_core::TablesBuilder::new().finish()?;
/// let bytes = encode("runs", &tables.runs, TableFormat::Parquet)?;
/// assert!(bytes.starts_with(b"PAR1"));
/// # Ok::<(), runql_core::CoreError>(())
/// ```
///
/// # Errors
/// [`CoreError::Arrow`] when the encoder fails.
pub fn encode(table: &str, batch: &RecordBatch, format: TableFormat) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    match format {
        TableFormat::Parquet => {
            let batch = for_parquet(table, batch)?;
            let props = WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::default()))
                .set_statistics_enabled(EnabledStatistics::Page)
                .build();
            let mut writer = ArrowWriter::try_new(&mut out, batch.schema(), Some(props)).map_err(external)?;
            writer.write(&batch).map_err(external)?;
            writer.close().map_err(external)?;
        }
        TableFormat::Arrow => {
            let mut writer = arrow_ipc::writer::FileWriter::try_new(&mut out, &batch.schema())?;
            writer.write(batch)?;
            writer.finish()?;
        }
    }
    Ok(out)
}

/// Writes every table of `tables` through `sink(file name, bytes)`, one file per table.
///
/// ```
/// use runql_codecs::columnar::{write_tables, TableFormat};
/// let tables = runql_core::TablesBuilder::new().finish()?;
/// let mut files = Vec::new();
/// let written = write_tables(&tables, TableFormat::Arrow, &mut |name: &str, bytes: &[u8]| {
///     files.push((name.to_string(), bytes.len()));
///     Ok(())
/// })?;
/// assert_eq!(written.len(), 7);
/// assert_eq!(files[0].0, "runs.arrow");
/// # Ok::<(), runql_core::CoreError>(())
/// ```
///
/// # Errors
/// What `sink` or the encoder fails with.
pub fn write_tables(
    tables: &RunTables,
    format: TableFormat,
    sink: &mut dyn FnMut(&str, &[u8]) -> Result<()>,
) -> Result<Vec<Written>> {
    let mut written = Vec::new();
    for (table, batch) in tables.tables() {
        let bytes = encode(table, batch, format)?;
        let file = format!("{table}{}", format.extension());
        sink(&file, &bytes)?;
        written.push(Written { table, file, rows: batch.num_rows() as u64, bytes: bytes.len() as u64 });
    }
    Ok(written)
}
