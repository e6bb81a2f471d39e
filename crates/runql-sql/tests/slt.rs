//! SQL logic tests: runs every `tests/slt/*.slt` file at the repository root through the
//! `sqllogictest` crate, each on a fresh [`Session`], twice (target_partitions 4, then 1).
//!
//! * The MLflow fixture (`tests/fixtures/mlflow/mlruns`) is loaded into every session when
//!   it exists; files named `mlflow*.slt` are skipped (with a note) when it does not.
//! * Files named `read_only*.slt` run on a read-only session.
//! * Labels for `skipif`/`onlyif`: `partitions_4` or `partitions_1`, `read_only` or
//!   `writable`, and `fixture` when the fixture is loaded.
//! * A line `-- params: <SQL literals>` in a statement or query binds `$1`, `$2`, ... to
//!   those literals (evaluated as `SELECT <literals>` on the same session).
//! * Results: NULL is `NULL`, an empty string `(empty)`, floats are rounded to 12
//!   significant digits (`NaN`, `inf`, `-inf` for non-finite values); column types are `I`
//!   (integers), `R` (floats, decimals) and `T` (everything else), checked strictly.
//!
//! `cargo test -p runql-sql --test slt -- <substring>` runs only files whose name contains
//! the substring.

// A test binary (harness = false, so not `cfg(test)`): failing loudly is the point.
#![allow(clippy::expect_used, clippy::indexing_slicing, clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use runql_readers::{FileTree, LoadOptions, RunTables, load};
use runql_sql::datafusion::arrow::array::AsArray;
use runql_sql::datafusion::arrow::datatypes::{DataType, Float32Type, Float64Type};
use runql_sql::datafusion::arrow::record_batch::RecordBatch;
use runql_sql::datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use runql_sql::datafusion::scalar::ScalarValue;
use runql_sql::{QueryResult, Session, SessionOptions, SqlError};
use sqllogictest::{AsyncDB, DBOutput, DefaultColumnType, Runner, strict_column_validator};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture() -> Option<Arc<RunTables>> {
    static TABLES: OnceLock<Option<Arc<RunTables>>> = OnceLock::new();
    TABLES
        .get_or_init(|| {
            let path = repo_root().join("tests/fixtures/mlflow/mlruns");
            if !path.is_dir() {
                return None;
            }
            let tree = FileTree::from_path(&path).expect("read the MLflow fixture");
            let loaded = load(&[tree], &LoadOptions::default()).expect("load the MLflow fixture");
            Some(Arc::new(loaded.tables))
        })
        .clone()
}

struct SltDb {
    session: Session,
}

#[async_trait]
impl AsyncDB for SltDb {
    type Error = SqlError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SqlError> {
        let params = params_of(&self.session, sql).await?;
        let result = self.session.query(sql, &params).await?;
        if result.schema.fields().is_empty() {
            return Ok(DBOutput::StatementComplete(0));
        }
        Ok(to_output(&result))
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "runql"
    }
}

/// The values of a `-- params: ...` line, evaluated on the session.
async fn params_of(session: &Session, sql: &str) -> Result<Vec<ScalarValue>, SqlError> {
    let Some(literals) = sql.lines().find_map(|l| l.trim().strip_prefix("-- params:")) else {
        return Ok(Vec::new());
    };
    let row = session.query(&format!("SELECT {literals}"), &[]).await?;
    let Some(batch) = row.batches.first() else {
        return Err(SqlError::Params(format!("cannot evaluate params line: {literals}")));
    };
    batch.columns().iter().map(|c| Ok(ScalarValue::try_from_array(c, 0)?)).collect()
}

fn to_output(result: &QueryResult) -> DBOutput<DefaultColumnType> {
    let types = result.schema.fields().iter().map(|f| column_type(f.data_type())).collect();
    let mut rows = Vec::new();
    for batch in &result.batches {
        rows.extend(format_batch(batch));
    }
    DBOutput::Rows { types, rows }
}

fn column_type(t: &DataType) -> DefaultColumnType {
    match t {
        t if t.is_integer() => DefaultColumnType::Integer,
        t if t.is_floating() || t.is_decimal() => DefaultColumnType::FloatingPoint,
        _ => DefaultColumnType::Text,
    }
}

fn format_batch(batch: &RecordBatch) -> Vec<Vec<String>> {
    let options = FormatOptions::default().with_null("NULL");
    let cells: Vec<Vec<String>> = batch
        .columns()
        .iter()
        .map(|column| {
            let column = column.as_ref();
            match column.data_type() {
                DataType::Float64 => column
                    .as_primitive::<Float64Type>()
                    .iter()
                    .map(|v| v.map_or("NULL".into(), float))
                    .collect(),
                DataType::Float32 => column
                    .as_primitive::<Float32Type>()
                    .iter()
                    .map(|v| v.map_or("NULL".into(), |v| float(f64::from(v))))
                    .collect(),
                _ => {
                    let formatter = ArrayFormatter::try_new(column, &options).expect("formatter");
                    (0..column.len())
                        .map(|i| {
                            let s = formatter.value(i).to_string();
                            if s.is_empty() { "(empty)".to_owned() } else { s }
                        })
                        .collect()
                }
            }
        })
        .collect();
    (0..batch.num_rows()).map(|r| cells.iter().map(|c| c[r].clone()).collect()).collect()
}

/// A float rounded to 12 significant digits, without trailing zeros.
fn float(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v == 0.0 {
        return "0".into();
    }
    let magnitude = v.abs().log10().floor() as i32;
    if !(-5..15).contains(&magnitude) {
        let s = format!("{v:.11e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        return format!("{}e{exp}", trim_zeros(mantissa));
    }
    let decimals = (11 - magnitude).max(0) as usize;
    trim_zeros(&format!("{v:.decimals$}")).to_owned()
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { s }
}

struct Variant {
    target_partitions: usize,
}

async fn run_file(path: &Path, variant: &Variant) -> Result<(), String> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
    let read_only = name.starts_with("read_only");
    let tables = fixture();
    let options = SessionOptions {
        target_partitions: variant.target_partitions,
        read_only,
        ..SessionOptions::default()
    };
    let make_tables = tables.clone();
    let mut runner = Runner::new(move || {
        let tables = make_tables.clone();
        async move {
            let session = Session::new(options);
            if let Some(tables) = tables {
                session.register_tables(&tables)?;
            }
            Ok::<_, SqlError>(SltDb { session })
        }
    });
    runner.with_column_validator(strict_column_validator);
    runner.add_label(&format!("partitions_{}", variant.target_partitions));
    runner.add_label(if read_only { "read_only" } else { "writable" });
    if tables.is_some() {
        runner.add_label("fixture");
    }
    runner.run_file_async(path).await.map_err(|e| e.display(true).to_string())
}

fn main() {
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let dir = repo_root().join("tests/slt");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/slt exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "slt"))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()))
        })
        .collect();
    files.sort();
    let has_fixture = fixture().is_some();
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("tokio runtime");
    let mut failures = Vec::new();
    let mut passed = 0;
    for file in &files {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.starts_with("mlflow") && !has_fixture {
            println!("slt {name}: skipped (tests/fixtures/mlflow/mlruns is missing)");
            continue;
        }
        for variant in [Variant { target_partitions: 4 }, Variant { target_partitions: 1 }] {
            let label = format!("{name} [target_partitions={}]", variant.target_partitions);
            match runtime.block_on(run_file(file, &variant)) {
                Ok(()) => {
                    passed += 1;
                    println!("slt {label}: ok");
                }
                Err(e) => {
                    println!("slt {label}: FAILED");
                    failures.push(format!("{label}:\n{e}"));
                }
            }
        }
    }
    println!("slt: {passed} passed, {} failed ({} files)", failures.len(), files.len());
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("\n{f}");
        }
        std::process::exit(1);
    }
}
