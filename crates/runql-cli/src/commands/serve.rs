//! `runql serve [PATH...] [--port N] [--open] [--www DIR]`: the portal on 127.0.0.1 with
//! runs preloaded.
//!
//! The PATHs are loaded natively (all cores, any format runql reads) and the normalized
//! tables are written, in memory, as runql's own Parquet (or Arrow IPC) files under
//! `/data/`. The printed URL names them in the portal's `?data=` parameter, so the page
//! fetches them like any other data URL and its WebAssembly side reads them without
//! re-parsing the original formats. The portal itself stays a static site.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use runql_readers::{FileTree, LoadOptions, Loaded};
use runql_synth::{SweepSpec, write_mlflow};

use crate::args::{LoadArgs, ServeArgs};
use crate::error::{CliError, Result};
use crate::http::{self, ServerLimits, Site};
use crate::input;

/// Where the native load report is served (JSON, as `runql info --json` prints it).
const REPORT_PATH: &str = "/data/load-report.json";

/// Where the built portal is, in order: `--www`, `$RUNQL_WWW`, `./www/dist`, then `www/dist`
/// in the source tree this binary was built from (so `cargo run -- serve` works from
/// anywhere in a clone).
fn find_www(given: Option<&Path>) -> Result<PathBuf> {
    let built_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../www/dist");
    let candidates: Vec<PathBuf> = match (given, std::env::var_os("RUNQL_WWW")) {
        (Some(dir), _) => vec![dir.to_path_buf()],
        (None, Some(dir)) => vec![PathBuf::from(dir)],
        (None, None) => vec![PathBuf::from("www/dist"), built_in],
    };
    let found = candidates.iter().find(|d| d.join("index.html").is_file());
    // Shown to the user: an absolute path without `..` says plainly what is served.
    found.map(|d| d.canonicalize().unwrap_or_else(|_| d.clone())).ok_or_else(|| {
        let tried = candidates.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ");
        CliError::Usage(format!(
            "the portal is not built (no index.html in {tried}). Build it with scripts/portal.sh, \
             or `scripts/build-wasm.sh && (cd www && npm ci && npm run build)`, or pass --www DIR"
        ))
    })
}

/// The demo sweep `runql demo` ranks, through the same MLflow reader real folders use.
fn load_demo() -> Result<Loaded> {
    let spec = SweepSpec::default();
    let mut tree = FileTree::new("demo");
    write_mlflow(&spec, &mut |path: &str, bytes: &[u8]| {
        tree.insert(path, bytes.to_vec());
        Ok(())
    })?;
    Ok(runql_readers::load(&[tree], &LoadOptions::default())?)
}

/// The loaded tables as files under `/data/`, and the portal URL query that loads them.
fn data_files(loaded: &Loaded, args: &ServeArgs) -> Result<(HashMap<String, bytes::Bytes>, String)> {
    let mut files = HashMap::new();
    let mut query = Vec::new();
    runql_readers::columnar::write_tables(
        &loaded.tables,
        args.format.into(),
        &mut |name: &str, bytes: &[u8]| {
            files.insert(format!("/data/{name}"), bytes::Bytes::copy_from_slice(bytes));
            query.push(format!("data=/data/{name}"));
            Ok(())
        },
    )?;
    Ok((files, query.join("&")))
}

/// Opens `url` in the desktop's browser; failing to is only worth a message.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener).arg(url).spawn() {
        eprintln!("could not open a browser ({opener}: {e}); open the URL above yourself");
    }
}

pub fn run(args: ServeArgs) -> Result<()> {
    let www = find_www(args.www.as_deref())?;
    let started = Instant::now();
    let loaded = if args.paths.is_empty() {
        load_demo()?
    } else {
        let load = LoadArgs { paths: args.paths.clone(), strict: args.strict, quiet: args.quiet };
        input::load(&load)?.0
    };
    if !args.quiet {
        eprintln!("{}", input::summary_line(&loaded, started.elapsed()));
        if args.paths.is_empty() {
            eprintln!("no PATH given: serving the demo sweep");
        }
    }
    let (mut memory, query) = data_files(&loaded, &args)?;
    // The page reads runql's tables, so its own load report would only count those; the
    // report of the real load (formats, every skipped file and why) is handed over too.
    let report = super::info::report_json(&loaded.report, started.elapsed().as_secs_f64())?;
    memory.insert(REPORT_PATH.to_string(), report.into_bytes().into());
    let query = format!("{query}&report={REPORT_PATH}");
    let bound = http::bind(args.port)?;
    let url = format!("http://127.0.0.1:{}/?{query}", bound.port);
    // Whoever started us may stop reading stdout after the URL line (a script, a test): a
    // closed pipe must not stop the server, so write errors are ignored here.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "runql portal: {url}");
    let _ = writeln!(out, "(serving {} on 127.0.0.1 only; Ctrl+C stops)", www.display());
    let _ = out.flush();
    if args.open {
        open_browser(&url);
    }
    let defaults = ServerLimits::default();
    let limits = ServerLimits {
        max_connections: args.max_connections.map_or(defaults.max_connections, |n| n as usize),
        header_timeout: args.header_timeout.unwrap_or(defaults.header_timeout),
        io_timeout: args.io_timeout.unwrap_or(defaults.io_timeout),
        ..defaults
    };
    bound.serve(Site { root: www, memory }, limits)
}
