//! `runql query PATH... -e SQL`.

use datafusion::scalar::ScalarValue;
use runql_sql::{Session, SessionOptions};

use crate::args::QueryArgs;
use crate::error::Result;
use crate::{input, output};

/// Binds `--param` values: integers and floats as numbers, everything else as text.
pub fn parse_param(text: &str) -> ScalarValue {
    if let Ok(i) = text.parse::<i64>() {
        ScalarValue::Int64(Some(i))
    } else if let Ok(f) = text.parse::<f64>() {
        ScalarValue::Float64(Some(f))
    } else {
        ScalarValue::Utf8(Some(text.to_string()))
    }
}

pub fn run(args: QueryArgs) -> Result<()> {
    let (loaded, elapsed) = input::load(&args.load)?;
    if !args.load.quiet {
        eprintln!("{}", input::summary_line(&loaded, elapsed));
    }
    let session = Session::new(SessionOptions { read_only: !args.writable, ..SessionOptions::default() });
    session.register_tables(&loaded.tables)?;
    let params: Vec<ScalarValue> = args.params.iter().map(|p| parse_param(p)).collect();
    let result = session.sql_blocking(&args.sql, &params)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    output::write_batches(&mut out, &result.schema, &result.batches, args.format)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_keep_numbers_numeric() {
        assert_eq!(parse_param("3"), ScalarValue::Int64(Some(3)));
        assert_eq!(parse_param("0.5"), ScalarValue::Float64(Some(0.5)));
        assert_eq!(parse_param("7b"), ScalarValue::Utf8(Some("7b".into())));
    }
}
