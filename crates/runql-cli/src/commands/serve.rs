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
use std::sync::{Arc, Mutex};
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

/// The server's limits from the command line.
fn limits(args: &ServeArgs) -> ServerLimits {
    let defaults = ServerLimits::default();
    ServerLimits {
        max_connections: args.max_connections.map_or(defaults.max_connections, |n| n as usize),
        header_timeout: args.header_timeout.unwrap_or(defaults.header_timeout),
        io_timeout: args.io_timeout.unwrap_or(defaults.io_timeout),
        ..defaults
    }
}

/// Prints the portal's URL (the first line of stdout, which scripts and tests read).
fn announce(url: &str, www: &Path, watching: bool) {
    // Whoever started us may stop reading stdout after the URL line (a script, a test): a
    // closed pipe must not stop the server, so write errors are ignored here.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "runql portal: {url}");
    let what = if watching { ", watching for changes" } else { "" };
    let _ = writeln!(out, "(serving {} on 127.0.0.1 only{what}; Ctrl+C stops)", www.display());
    let _ = out.flush();
}

/// The pause between rounds where the system reports changes: a round then costs what
/// changed, so a short pause keeps a new point a quarter of a second from the page.
const EVENTS_INTERVAL: std::time::Duration = std::time::Duration::from_millis(250);

/// The pause between rounds where every file is listed each round (no change events).
const LISTING_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// The PATHs `--watch` can follow: local folders and files, at least one.
fn check_watched(args: &ServeArgs) -> Result<()> {
    if args.paths.is_empty() {
        return Err(CliError::Usage("--watch needs the folders or files to watch (PATH...)".into()));
    }
    if let Some(url) = args.paths.iter().filter_map(|p| p.to_str()).find(|p| runql_remote::is_remote(p)) {
        return Err(CliError::Usage(format!(
            "--watch follows folders and files; {url} is a tracking server, which `runql serve` reads once \
             (run it again to see new runs)"
        )));
    }
    Ok(())
}

/// `runql serve --watch PATH...`: the first load, then a round every `--interval` on a
/// thread of its own; the page follows through `/live/`.
fn run_watch(args: &ServeArgs, www: PathBuf) -> Result<()> {
    let started = Instant::now();
    let bar = if args.quiet { indicatif::ProgressBar::hidden() } else { indicatif::ProgressBar::new(0) };
    let progress = |p: runql_readers::LoadProgress| {
        bar.set_length(p.bytes_total);
        bar.set_position(p.bytes_done);
    };
    let options = LoadOptions { progress: Some(&progress), ..LoadOptions::default() };
    let (watch, loaded) = runql_live::Watch::open(&args.paths, &options).map_err(CliError::Live)?;
    bar.finish_and_clear();
    let skipped = loaded.report.issue_count(runql_readers::Severity::Skipped);
    if args.strict && skipped > 0 {
        eprint!("{}", loaded.report);
        return Err(CliError::Strict(skipped));
    }
    if !args.quiet {
        eprintln!("{}", input::summary_line(&loaded, started.elapsed()));
        for (path, why) in watch.without_events() {
            eprintln!(
                "watching {} by listing its files every round: the system gives no change events for it ({})",
                path.display(),
                crate::terminal::printable(why)
            );
        }
    }
    drop(loaded);
    let listing = !watch.without_events().is_empty();
    let watch = Arc::new(Mutex::new(watch));
    let (version_tx, version_rx) = tokio::sync::watch::channel(0u64);
    let rounds = Arc::clone(&watch);
    let interval = args.interval.unwrap_or(if listing { LISTING_INTERVAL } else { EVENTS_INTERVAL });
    let quiet = args.quiet;
    std::thread::Builder::new()
        .name("runql-watch".into())
        .spawn(move || watch_loop(&rounds, &version_tx, interval, quiet))
        .map_err(|e| CliError::Serve(format!("cannot start watching: {e}")))?;
    let bound = http::bind(args.port)?;
    let url = format!("http://127.0.0.1:{}/?live=/live/status", bound.port);
    announce(&url, &www, true);
    if args.open {
        open_browser(&url);
    }
    let live = http::live::Live::new(watch, version_rx, args.format.into());
    bound.serve(Site { root: www, memory: HashMap::new(), live: Some(live) }, limits(args))
}

/// A round every `interval`, for as long as the server runs; each round that changed
/// something is announced to the waiting pages and, unless `quiet`, on stderr.
fn watch_loop(
    watch: &Mutex<runql_live::Watch>,
    version: &tokio::sync::watch::Sender<u64>,
    interval: std::time::Duration,
    quiet: bool,
) {
    // A path that stays unreadable is said once, not every round, and so is its return.
    let mut failing: Vec<String> = Vec::new();
    loop {
        std::thread::sleep(interval);
        let round = watch.lock().unwrap_or_else(std::sync::PoisonError::into_inner).round();
        for error in round.errors.iter().filter(|e| !failing.contains(e)) {
            eprintln!("watch: {} (trying again every round)", crate::terminal::printable(error));
        }
        if !failing.is_empty() && round.errors.is_empty() {
            eprintln!("watch: every watched path can be read again");
        }
        failing = round.errors.clone();
        if round.version != *version.borrow() {
            if !quiet {
                eprintln!(
                    "watch: {} run(s) changed ({} file(s), {:.1} KB read) in {:.0} ms",
                    round.runs_changed,
                    round.files_read,
                    round.bytes_read as f64 / 1e3,
                    round.elapsed.as_secs_f64() * 1e3,
                );
            }
            // No receiver left only when the server is gone, and then so is this process.
            let _ = version.send(round.version);
        }
    }
}

pub fn run(args: ServeArgs) -> Result<()> {
    if args.watch {
        check_watched(&args)?;
    }
    let www = find_www(args.www.as_deref())?;
    if args.watch {
        return run_watch(&args, www);
    }
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
    announce(&url, &www, false);
    if args.open {
        open_browser(&url);
    }
    bound.serve(Site { root: www, memory, live: None }, limits(&args))
}
