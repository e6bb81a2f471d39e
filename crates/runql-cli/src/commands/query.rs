//! `runql query PATH... -e SQL`.

use std::io::{IsTerminal, Write};

use runql::{Engine, Param};

use crate::args::{OutputFormat, QueryArgs};
use crate::error::{CliError, Result};
use crate::{input, output, run_sql};

pub fn run(args: QueryArgs) -> Result<()> {
    let (loaded, elapsed) = input::load(&args.load)?;
    if !args.load.quiet {
        eprintln!("{}", input::summary_line(&loaded, elapsed));
    }
    let engine = Engine::with_tables(loaded.tables, run_sql::session_options(&args.sql))?;
    // `--param` values: integers and floats as numbers, everything else as text.
    let params: Vec<Param> = args.params.iter().map(|p| Param::guess(p)).collect();
    let sql = args.sql_text.clone();
    let result = run_sql::with_timeout(args.sql.timeout, move || Ok(engine.query(&sql, &params)?))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if out.is_terminal() && args.format == OutputFormat::Csv {
        // CSV goes to a screen: run data must not send escape sequences to it (the table is
        // escaped in `output`, JSON escapes control characters itself).
        let mut text = Vec::new();
        output::write_batches(&mut text, &result.schema, &result.batches, args.format)?;
        let shown = crate::terminal::printable(&String::from_utf8_lossy(&text)).into_owned();
        out.write_all(shown.as_bytes()).map_err(|e| CliError::Output(e.to_string()))?;
    } else {
        output::write_batches(&mut out, &result.schema, &result.batches, args.format)?;
    }
    Ok(())
}
