//! What runql's fuzz targets do with one input, shared by the `cargo fuzz` targets
//! (`fuzz_targets/*.rs`) and the stable replay test `crates/runql-readers/tests/fuzz_corpus.rs`.
//!
//! Each driver puts the input's bytes where a user's file of that kind sits, loads it through
//! [`runql_readers::load`] — the path `runql info`, the portal and the Python package take, so
//! format detection and the report/skip logic are fuzzed along with the decoder — and checks
//! the robustness invariants of the readers:
//! - nothing panics (libFuzzer and the replay test both see any panic);
//! - every issue in the load report names the file, and a byte offset, when it has one, lies
//!   within the file;
//! - a load that fails as a whole names the file in its error.
//!
//! Lengths a file declares must be capped before allocating; libFuzzer's `-rss_limit_mb` and
//! `-malloc_limit_mb` turn a violation into a crash.
//!
//! Why one plain file that the test includes with `#[path]`, rather than a `fuzzing` feature
//! of runql-readers: the drivers need nothing but the readers' public API, so a feature would put
//! fuzz-only code into the library (and its WebAssembly build) for no access gained, and CI's
//! `cargo test --workspace` would have to remember to switch the feature on. Included by path,
//! this exact file is compiled, linted, formatted and run by CI's stable test on every change,
//! while the fuzz crate itself (nightly, libFuzzer) stays outside the workspace.

use runql_readers::columnar::{Container, container, read::decode_checked};
use runql_readers::{FileTree, LoadOptions, Loaded};

/// The `.wandb` input's place: a run folder inside a project's `wandb/` folder.
pub const WANDB_PATH: &str = "wandb/run-20240101_000000-abc/run-abc.wandb";
/// The origin (the folder the user loads) of the `.wandb` and TensorBoard trees.
pub const ORIGIN: &str = "project";
/// The event file's place: one run folder under a TensorBoard log dir.
pub const TFEVENTS_PATH: &str = "logs/run1/events.out.tfevents.1.host";
/// Names the columnar input is loaded under, each as the one file the user named (as in
/// `runql info out/runs.parquet`): as runql's own `runs` table (the `runql convert` reader)
/// and as a plain `metrics` table (the long/wide table reader). The content decides
/// the reader in the end; the names decide which readers look.
pub const COLUMNAR_NAMES: [&str; 2] = ["runs.parquet", "metrics.parquet"];

/// What one load did, for statistics; the invariants are already checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Outcome {
    /// Issues reported (skipped or warnings), including those not kept in detail.
    pub issues: u64,
    /// Metric points loaded.
    pub points: u64,
    /// True when the load failed as a whole (its error named the file).
    pub failed: bool,
}

impl Outcome {
    /// Adds `other` to `self`.
    pub fn add(&mut self, other: Outcome) {
        self.issues += other.issues;
        self.points += other.points;
        self.failed |= other.failed;
    }
}

/// Loads `data` as the `.wandb` log of a run folder and checks the invariants; and that the
/// part a watched folder's round takes of it (`complete_len`) is no longer than it and ends
/// where no record is cut.
pub fn wandb_log(data: &[u8]) -> Outcome {
    use runql_readers::wandb::framing::{Item, LogReader, complete_len};
    let taken = complete_len(data);
    assert!(taken <= data.len(), "complete_len {taken} past the end of {} bytes", data.len());
    if let Some(prefix) = data.get(..taken) {
        for item in LogReader::new(prefix) {
            if let Item::Issue(issue) = item {
                assert!(
                    issue.skipped,
                    "the part taken of a log being written ends inside a record: {issue:?}"
                );
            }
        }
    }
    load_one(ORIGIN, WANDB_PATH, data)
}

/// Loads `data` as a TensorBoard event file of a run and checks the invariants; and that
/// the part a watched folder's round takes of it ends at a whole record.
pub fn tfevents(data: &[u8]) -> Outcome {
    use runql_readers::tensorboard::record::{Problem, Records, complete_len};
    let taken = complete_len(data);
    assert!(taken <= data.len(), "complete_len {taken} past the end of {} bytes", data.len());
    if let Some(prefix) = data.get(..taken) {
        for item in Records::new(prefix) {
            assert!(
                !matches!(item, Err(Problem::Truncated { .. })),
                "the part taken of an event file being written ends inside a record"
            );
        }
    }
    load_one(ORIGIN, TFEVENTS_PATH, data)
}

/// Both halves of the columnar entry: [`parquet_decode`], then [`parquet_load`].
///
/// A panic in the bare decoder ends the call, except a [`KNOWN_PARQUET_PANICS`] one when
/// [`let_known_parquet_panics_unwind`] is installed (the `parquet_entry` fuzz target does):
/// that one unwinds to here and the load half still runs.
pub fn parquet_entry(data: &[u8]) -> Outcome {
    // Only Ok/Err, and only panics matter here.
    let _ = std::panic::catch_unwind(|| parquet_decode(data));
    parquet_load(data)
}

/// Lets the [`KNOWN_PARQUET_PANICS`] unwind, to be caught by [`parquet_entry`] or by runql's
/// own backstop on the load path, instead of aborting. libFuzzer's hook aborts on every
/// panic, which would stop a `parquet_entry` run at the first known one; every other panic
/// still goes to that hook and aborts.
pub fn let_known_parquet_panics_unwind() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let (location, message) = panic_parts(info);
        if !is_known_parquet_panic(&location, &message) {
            previous(info);
        }
    }));
}

/// Decodes `data` with [`decode_checked`], the columnar decoder *without* the unwind backstop
/// that [`runql_readers::columnar::decode`] adds, so that a panic in it (or in the parquet and
/// arrow crates below it) is seen rather than turned into a skip. `Ok` holds the row count.
///
/// # Errors
/// Why the bytes are not a readable Parquet or Arrow IPC file.
pub fn parquet_decode(data: &[u8]) -> Result<usize, String> {
    let kind: Container = container(data.get(..8).unwrap_or(data)).ok_or("no columnar magic bytes")?;
    decode_checked(bytes::Bytes::copy_from_slice(data), kind, None).map(|t| t.num_rows())
}

/// Loads `data` as a single columnar file under each of [`COLUMNAR_NAMES`] and checks the
/// invariants. (Inside [`runql_readers::load`] decoding goes through the unwind backstop.)
pub fn parquet_load(data: &[u8]) -> Outcome {
    let mut out = Outcome::default();
    for name in COLUMNAR_NAMES {
        // What `FileTree::from_path` makes of a single file: origin = the path given, one file.
        out.add(load_one(&format!("out/{name}"), name, data));
    }
    out
}

/// Panics inside the parquet crate's page decoders that runql cannot rule out before
/// decoding: they depend on page contents (page headers and encoded values), which only the
/// parquet crate parses, after every size the footer declares has been checked. Natively
/// `columnar::decode` (the load path) turns them into a reported skip; in WebAssembly a panic
/// aborts, so these are the known gap there. `(source file in the parquet crate, start of the
/// message)`; the replay test asserts that no other panic occurs and that these stay rare.
pub const KNOWN_PARQUET_PANICS: &[(&str, &str)] = &[
    // A data page declaring 0 values but holding bytes: `remaining_bytes * n / 0`.
    ("src/arrow/array_reader/byte_array.rs", "attempt to divide by zero"),
    // An RLE/bit-packed run whose bit width is over the value type's: a `debug_assert!`
    // (`num_bits <= size_of::<T>() * 8`) with debug assertions, else an `assert!`
    // (`num_bits <= T::BIT_CAPACITY`) a few lines on.
    ("src/util/bit_util.rs", "assertion failed: num_bits <= "),
];

/// Where a panic happened (`file:line:col`) and its message, as a panic hook sees them.
pub fn panic_parts(info: &std::panic::PanicHookInfo<'_>) -> (String, String) {
    let location = info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    (location.unwrap_or_default(), message)
}

/// True when a panic at `location` with `message` is one of [`KNOWN_PARQUET_PANICS`].
pub fn is_known_parquet_panic(location: &str, message: &str) -> bool {
    let location = location.replace('\\', "/");
    location.contains("/parquet-")
        && KNOWN_PARQUET_PANICS.iter().any(|(file, msg)| location.contains(file) && message.starts_with(msg))
}

/// Loads a tree holding only `data` at `path` and checks the invariants.
fn load_one(origin: &str, path: &str, data: &[u8]) -> Outcome {
    let mut tree = FileTree::new(origin);
    tree.insert(path, data.to_vec());
    let shown = tree.display_path(path);
    match runql_readers::load(&[tree], &LoadOptions::default()) {
        Ok(loaded) => check_report(&loaded, &shown, data.len()),
        Err(err) => {
            // A single-file input is named by its origin in errors about the whole input.
            let msg = err.to_string();
            assert!(
                msg.contains(&shown) || msg.contains(origin),
                "a failed load must name the file ({shown}): {msg}"
            );
            Outcome { failed: true, ..Outcome::default() }
        }
    }
}

fn check_report(loaded: &Loaded, shown: &str, len: usize) -> Outcome {
    let file_name = shown.rsplit('/').next().unwrap_or(shown);
    for issue in loaded.report.issues() {
        // Either the file itself, or its run folder with the file named in the reason (a run
        // skipped because none of its files could be read).
        let names_file = issue.path == shown
            || (shown.strip_prefix(issue.path.as_str()).is_some_and(|rest| rest.starts_with('/'))
                && issue.reason.contains(file_name));
        assert!(names_file, "an issue must name the file {shown}: {issue}");
        assert!(!issue.reason.is_empty(), "an issue must say why: {issue}");
        if let Some(offset) = issue.offset {
            assert!(offset <= len as u64, "offset past the end of the {len}-byte file: {issue}");
        }
    }
    let report = &loaded.report;
    let issues =
        report.issue_count(runql_core::Severity::Skipped) + report.issue_count(runql_core::Severity::Warning);
    assert!(issues >= report.issues().len() as u64, "issue totals below the issues kept");
    Outcome { issues, points: loaded.tables.metrics.num_rows() as u64, failed: false }
}
