//! Printing query results as a table, CSV or JSON.

use std::io::Write;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::util::pretty::pretty_format_batches_with_schema;

use crate::args::OutputFormat;
use crate::error::{CliError, Result};

fn out_err(e: impl std::fmt::Display) -> CliError {
    CliError::Output(e.to_string())
}

/// Writes `batches` to `out` in `format`. The schema is passed separately so that an empty
/// result still prints its column names.
pub fn write_batches(
    out: &mut dyn Write,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    format: OutputFormat,
) -> Result<()> {
    match format {
        OutputFormat::Table => {
            let table = pretty_format_batches_with_schema(schema.clone(), batches).map_err(out_err)?;
            let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
            // Run names and tags are anyone's text: no escape sequence reaches the terminal.
            writeln!(out, "{}", crate::terminal::printable(&table.to_string())).map_err(out_err)?;
            writeln!(out, "{rows} row{}", if rows == 1 { "" } else { "s" }).map_err(out_err)?;
        }
        OutputFormat::Csv => {
            if batches.is_empty() {
                // arrow-csv writes the header with the first batch; an empty result still
                // gets its column names.
                let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                writeln!(out, "{}", names.join(",")).map_err(out_err)?;
            }
            let mut writer = arrow_csv::WriterBuilder::new().with_header(true).build(&mut *out);
            for batch in batches {
                writer.write(batch).map_err(out_err)?;
            }
        }
        OutputFormat::Json => {
            let mut buffer = Vec::new();
            let mut writer = arrow_json::ArrayWriter::new(&mut buffer);
            let refs: Vec<&RecordBatch> = batches.iter().collect();
            writer.write_batches(&refs).map_err(out_err)?;
            writer.finish().map_err(out_err)?;
            if buffer.is_empty() {
                // arrow-json writes nothing when it saw no batch; an empty array is valid JSON.
                buffer.extend_from_slice(b"[]");
            }
            out.write_all(&buffer).map_err(out_err)?;
            writeln!(out).map_err(out_err)?;
        }
    }
    Ok(())
}
