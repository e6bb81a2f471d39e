//! The fuzz targets of `fuzz/` on stable Rust, as CI runs them: every file of
//! `fuzz/corpus/<target>/` replayed through the target's driver, then a deterministic
//! mutational run — for each corpus file a fixed-seed set of truncations, bit flips, byte
//! overwrites, length fields inflated to huge values, splices, duplications and
//! checksum-preserving record mutations — asserting that nothing panics and that every
//! reported error or skip names the file (the drivers check that; see `fuzz/src/lib.rs`).
//!
//! `cargo +nightly fuzz run <target>` explores far more; this keeps the same invariants
//! checked on every change in a few seconds. A failing case is written to
//! `$CARGO_TARGET_TMPDIR/fuzz-failures/` so it can be minimized (`cargo fuzz tmin`) and added
//! to the corpus.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

// The drivers are the fuzz targets' own code, compiled here by path (why: see that file).
// `let_known_parquet_panics_unwind` is for the fuzz target's `init` only.
#[allow(dead_code)]
#[path = "../../../fuzz/src/lib.rs"]
mod targets;

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::{Mutex, Once};
use std::time::Instant;

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use runql_readers::tensorboard::record::{Records, encode_record};
use runql_readers::wandb::framing::{Item, LogReader, encode_log};

// ---- corpus --------------------------------------------------------------------------------

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus").join(target)
}

/// `(file name, bytes)` of a target's corpus, in name order.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(corpus_dir(target))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "{target}: the corpus should hold a few real files");
    files
}

// ---- panics --------------------------------------------------------------------------------

/// Where a panic happened (`file:line:col`), its message, and whether it is a known one.
#[derive(Debug, Clone)]
struct PanicInfo {
    location: String,
    message: String,
    known: bool,
}

/// Panics seen by the hook since the last [`take_panics`] (from any thread: with the
/// `parallel` feature row groups decode on rayon's threads).
static PANICS: Mutex<Vec<PanicInfo>> = Mutex::new(Vec::new());

/// Records every panic; prints the ones that are not the parquet crate's known asserts, so a
/// real failure anywhere in this test binary still shows its message.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let (location, message) = targets::panic_parts(info);
            let known = targets::is_known_parquet_panic(&location, &message);
            if !known {
                default(info);
            }
            let p = PanicInfo { location, message, known };
            PANICS.lock().unwrap_or_else(|e| e.into_inner()).push(p);
        }));
    });
}

fn take_panics() -> Vec<PanicInfo> {
    std::mem::take(&mut *PANICS.lock().unwrap_or_else(|e| e.into_inner()))
}

// ---- mutations -----------------------------------------------------------------------------

/// One mutated input and how it was made (for the failure message).
struct Case {
    what: String,
    bytes: Vec<u8>,
}

/// Values written over length fields: the largest of each width, sign-bit values, "one more
/// than the file" and an absurd-but-plausible 1 TiB.
fn huge_values(len: usize) -> Vec<Vec<u8>> {
    vec![
        u32::MAX.to_le_bytes().to_vec(),
        (i32::MAX as u32).to_le_bytes().to_vec(),
        0x8000_0000u32.to_le_bytes().to_vec(),
        (len as u32 + 1).to_le_bytes().to_vec(),
        0xffffu16.to_le_bytes().to_vec(),
        u64::MAX.to_le_bytes().to_vec(),
        (1u64 << 40).to_le_bytes().to_vec(),
        // A protobuf varint of 2^63 (ten bytes), for length-delimited fields.
        vec![0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
        vec![0xff, 0xff, 0xff, 0xff, 0x0f],
    ]
}

fn overwrite(base: &[u8], at: usize, with: &[u8]) -> Vec<u8> {
    let mut b = base.to_vec();
    for (i, x) in with.iter().enumerate() {
        if let Some(slot) = b.get_mut(at + i) {
            *slot = *x;
        }
    }
    b
}

/// Structural offsets of one file that get their own truncations and huge lengths.
const MAX_BOUNDARIES: usize = 24;

/// Mutations of one byte string; `boundaries` are offsets where the format has structure
/// (record and chunk starts, footer positions), where cuts and huge lengths matter most.
fn byte_mutations(
    rng: &mut Pcg64Mcg,
    name: &str,
    data: &[u8],
    boundaries: &BTreeSet<usize>,
    per_kind: usize,
) -> Vec<Case> {
    let n = data.len();
    let mut out = Vec::new();
    // At most MAX_BOUNDARIES of them, evenly spread, so a file of many small records does not
    // multiply the cases.
    let step = boundaries.len().div_ceil(MAX_BOUNDARIES).max(1);
    let boundaries: BTreeSet<usize> = boundaries.iter().copied().step_by(step).collect();
    // Truncations: near both ends, at powers of two, on and just around every boundary, and
    // at an even spread.
    let mut cuts: BTreeSet<usize> = (0..=16.min(n)).chain(n.saturating_sub(16)..n).collect();
    cuts.extend((0..usize::BITS).map(|k| 1usize << k).flat_map(|p| [p - 1, p, p + 1]).filter(|&c| c < n));
    for &b in &boundaries {
        cuts.extend((b.saturating_sub(1)..=b + 12).filter(|&c| c < n));
    }
    cuts.extend((1..32).map(|i| i * n / 32));
    for c in cuts {
        out.push(Case { what: format!("{name} cut at {c}"), bytes: data[..c].to_vec() });
    }
    if n == 0 {
        return out;
    }
    // Single bit flips, then a few at once.
    for _ in 0..per_kind * 2 {
        let (at, bit) = (rng.random_range(0..n), rng.random_range(0..8u32));
        let mut b = data.to_vec();
        b[at] ^= 1 << bit;
        out.push(Case { what: format!("{name} bit {bit} of byte {at} flipped"), bytes: b });
    }
    for _ in 0..per_kind {
        let mut b = data.to_vec();
        let k = rng.random_range(2..9);
        for _ in 0..k {
            let at = rng.random_range(0..n);
            b[at] ^= 1 << rng.random_range(0..8u32);
        }
        out.push(Case { what: format!("{name} {k} random bit flips"), bytes: b });
    }
    // Bytes overwritten with edge values.
    for _ in 0..per_kind {
        let at = rng.random_range(0..n);
        let v = [0u8, 1, 0x7f, 0x80, 0xff, rng.random::<u8>()][rng.random_range(0..6)];
        out.push(Case {
            what: format!("{name} byte {at} set to {v:#04x}"),
            bytes: overwrite(data, at, &[v]),
        });
    }
    // Huge values over every boundary's first bytes (length fields sit there) and at random.
    let huge = huge_values(n);
    let mut spots: Vec<usize> = boundaries.iter().copied().filter(|&b| b < n).collect();
    spots.extend((0..per_kind).map(|_| rng.random_range(0..n)));
    for at in spots {
        for shift in [0usize, 4, 8, 12] {
            let v = &huge[rng.random_range(0..huge.len())];
            out.push(Case {
                what: format!("{name} {v:02x?} written at {}", at + shift),
                bytes: overwrite(data, at + shift, v),
            });
        }
    }
    // A stretch duplicated in place, a stretch deleted, random bytes inserted, the whole
    // file twice.
    for _ in 0..per_kind / 4 {
        let (a, b) = (rng.random_range(0..n), rng.random_range(0..n));
        let (a, b) = (a.min(b), a.max(b));
        let mut dup = data[..b].to_vec();
        dup.extend_from_slice(&data[a..]);
        out.push(Case { what: format!("{name} bytes {a}..{b} duplicated"), bytes: dup });
        let mut del = data[..a].to_vec();
        del.extend_from_slice(&data[b..]);
        out.push(Case { what: format!("{name} bytes {a}..{b} deleted"), bytes: del });
        let k = rng.random_range(1..64);
        let mut ins = data[..a].to_vec();
        ins.extend((0..k).map(|_| rng.random::<u8>()));
        ins.extend_from_slice(&data[a..]);
        out.push(Case { what: format!("{name} {k} random bytes inserted at {a}"), bytes: ins });
    }
    out.push(Case { what: format!("{name} twice"), bytes: [data, data].concat() });
    out
}

/// Prefix of one corpus file glued to a suffix of another.
fn splices(rng: &mut Pcg64Mcg, files: &[(String, Vec<u8>)], per_pair: usize) -> Vec<Case> {
    let mut out = Vec::new();
    for (na, a) in files {
        for (nb, b) in files {
            for _ in 0..per_pair {
                let (i, j) = (rng.random_range(0..=a.len()), rng.random_range(0..=b.len()));
                out.push(Case {
                    what: format!("{na}[..{i}] + {nb}[{j}..]"),
                    bytes: [&a[..i], &b[j..]].concat(),
                });
            }
        }
    }
    out
}

/// Mutations inside the records of a framed file, re-framed with valid checksums, so that
/// they reach the protobuf decoding behind the CRCs. `records` are the payloads.
fn record_mutations(
    rng: &mut Pcg64Mcg,
    name: &str,
    records: &[Vec<u8>],
    reframe: &dyn Fn(&[Vec<u8>]) -> Vec<u8>,
    cases: usize,
) -> Vec<Case> {
    let mut out = Vec::new();
    if records.is_empty() {
        return out;
    }
    let huge = huge_values(0);
    for _ in 0..cases {
        let mut recs = records.to_vec();
        let r = rng.random_range(0..recs.len());
        let what = match rng.random_range(0..6) {
            0 if !recs[r].is_empty() => {
                let at = rng.random_range(0..recs[r].len());
                recs[r][at] ^= 1 << rng.random_range(0..8u32);
                format!("bit flipped at {at}")
            }
            1 if !recs[r].is_empty() => {
                let at = rng.random_range(0..recs[r].len());
                let v = &huge[rng.random_range(0..huge.len())];
                recs[r] = overwrite(&recs[r], at, v);
                format!("{v:02x?} written at {at}")
            }
            2 => {
                let cut = rng.random_range(0..=recs[r].len());
                recs[r].truncate(cut);
                format!("cut at {cut}")
            }
            3 => {
                let copy = recs[r].clone();
                recs.insert(r, copy);
                "duplicated".to_string()
            }
            4 => {
                recs.remove(r);
                "dropped".to_string()
            }
            _ => {
                let k = rng.random_range(1..32);
                let at = rng.random_range(0..=recs[r].len());
                let junk: Vec<u8> = (0..k).map(|_| rng.random::<u8>()).collect();
                recs[r].splice(at..at, junk);
                format!("{k} random bytes inserted at {at}")
            }
        };
        out.push(Case { what: format!("{name} record {r} {what} (checksums fixed)"), bytes: reframe(&recs) });
    }
    out
}

/// Record payloads and chunk offsets of a `.wandb` log.
fn wandb_records(data: &[u8]) -> (Vec<Vec<u8>>, BTreeSet<usize>) {
    let mut recs = Vec::new();
    let mut offsets = BTreeSet::from([0, 4, 6, 7]);
    for item in LogReader::new(data) {
        match item {
            Item::Record(r) => {
                offsets.insert(r.offset as usize);
                recs.push(r.data.into_owned());
            }
            Item::Issue(i) => {
                offsets.insert(i.offset as usize);
            }
        }
    }
    (recs, offsets)
}

/// Record payloads and record offsets of an event file (length at +0, its CRC at +8).
fn tf_records(data: &[u8]) -> (Vec<Vec<u8>>, BTreeSet<usize>) {
    let mut recs = Vec::new();
    let mut offsets = BTreeSet::new();
    for r in Records::new(data).flatten() {
        offsets.insert(r.offset as usize);
        recs.push(r.data.to_vec());
    }
    (recs, offsets)
}

/// Positions of a Parquet or Arrow IPC file's structure: magic, footer, footer length.
fn columnar_boundaries(data: &[u8]) -> BTreeSet<usize> {
    let n = data.len();
    let mut b = BTreeSet::from([0, 4, 8, n.saturating_sub(10), n.saturating_sub(8), n.saturating_sub(4)]);
    let tail = |k: usize| data.get(n.saturating_sub(k)..n.saturating_sub(k - 4));
    // Parquet: `<footer><u32 footer length>PAR1`; Arrow IPC file: `<footer><i32 length>ARROW1`.
    for (len_at, end) in [(8usize, 8usize), (10, 10)] {
        if let Some(len) = tail(len_at).and_then(|t| <[u8; 4]>::try_from(t).ok()).map(u32::from_le_bytes) {
            let start = n.saturating_sub(end).saturating_sub(len as usize);
            b.extend([start, start + 1, start + 2]);
        }
    }
    b
}

/// All mutated cases of one target, deterministic for the corpus.
fn cases(target: &str, files: &[(String, Vec<u8>)], per_kind: usize) -> Vec<Case> {
    let mut out = Vec::new();
    for (name, data) in files {
        // One stream per (target, file name), so adding a corpus file leaves the others' cases
        // alone.
        let seed = format!("{target}/{name}")
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        let mut rng = Pcg64Mcg::seed_from_u64(seed);
        let (recs, boundaries) = match target {
            "wandb_log" => wandb_records(data),
            "tfevents" => tf_records(data),
            _ => (Vec::new(), columnar_boundaries(data)),
        };
        out.extend(byte_mutations(&mut rng, name, data, &boundaries, per_kind));
        match target {
            "wandb_log" => {
                let reframe = |r: &[Vec<u8>]| encode_log(&r.iter().map(Vec::as_slice).collect::<Vec<_>>());
                out.extend(record_mutations(&mut rng, name, &recs, &reframe, per_kind * 2));
            }
            "tfevents" => {
                let reframe = |r: &[Vec<u8>]| r.iter().flat_map(|d| encode_record(d)).collect();
                out.extend(record_mutations(&mut rng, name, &recs, &reframe, per_kind * 2));
            }
            _ => {}
        }
    }
    let mut rng = Pcg64Mcg::seed_from_u64(0x5eed);
    out.extend(splices(&mut rng, files, 2));
    out
}

// ---- running -------------------------------------------------------------------------------

/// Mutations of each kind per corpus file.
const PER_KIND: usize = 24;

/// Most mutated cases that may hit a `KNOWN_PARQUET_PANICS` entry: a handful in ~2000, so a
/// change that makes them common (or a new kind) fails the test rather than hiding behind
/// the backstop.
const MAX_KNOWN_PARQUET_PANICS: usize = 10;

/// Every test that can panic (caught by the load path's backstop, or on purpose) records
/// into the one panic record, so they take turns: the `known-` corpus files panic inside the
/// parquet crate while the corpus replay loads them, and `each_known_parquet_panic_…`
/// counts panics exactly.
static SERIAL: Mutex<()> = Mutex::new(());

fn save_failure(target: &str, i: usize, case: &Case, why: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{target}-{i}"));
    std::fs::write(&file, &case.bytes).unwrap();
    format!("{} -> {why} (input saved as {})", case.what, file.display())
}

/// One call made on every case: its name, the call, and whether a known parquet-crate panic
/// may escape it (true only for a call without runql's backstop).
type Step<'a> = (&'a str, &'a dyn Fn(&[u8]), bool);

/// Runs every mutated case of `target` through each step and asserts that nothing panicked
/// except as the steps allow. Returns the number of cases that hit a known parquet panic.
fn mutational_run(target: &str, steps: &[Step<'_>]) -> usize {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    install_hook();
    // Regression and known-panic inputs are replayed, not mutated: each is a seed with a few
    // bytes changed.
    let files: Vec<(String, Vec<u8>)> = corpus(target)
        .into_iter()
        .filter(|(n, _)| !n.starts_with("regress-") && !n.starts_with("known-"))
        .collect();
    let start = Instant::now();
    let cases = cases(target, &files, PER_KIND);
    let (mut failures, mut known_hits) = (Vec::new(), 0);
    for (i, case) in cases.iter().enumerate() {
        take_panics();
        let mut hit = false;
        for (step, drive, allow_known) in steps {
            let escaped = catch_unwind(AssertUnwindSafe(|| drive(&case.bytes))).is_err();
            let panics = take_panics();
            // Every panic, even one caught by runql's backstop, must be a known one.
            let unknown: Vec<&PanicInfo> = panics.iter().filter(|p| !p.known).collect();
            if !unknown.is_empty() || (escaped && !allow_known) {
                let shown: Vec<String> =
                    panics.iter().map(|p| format!("{:?} at {}", p.message, p.location)).collect();
                failures.push(save_failure(target, i, case, &format!("{step}: {}", shown.join("; "))));
            }
            hit |= !panics.is_empty() && unknown.is_empty();
        }
        known_hits += usize::from(hit);
    }
    eprintln!("{target}: {} mutated cases in {:.2?}", cases.len(), start.elapsed());
    assert!(cases.len() >= 1000, "{target}: only {} cases", cases.len());
    assert!(
        failures.is_empty(),
        "{target}: {} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    known_hits
}

#[test]
fn corpus_files_load_and_name_themselves_in_every_issue() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    type Driver = fn(&[u8]) -> targets::Outcome;
    let drivers: [(&str, Driver); 3] = [
        ("wandb_log", targets::wandb_log),
        ("tfevents", targets::tfevents),
        ("parquet_entry", targets::parquet_load),
    ];
    for (target, drive) in drivers {
        let mut points = 0;
        for (name, data) in corpus(target) {
            let o = drive(&data);
            points += o.points;
            if name.starts_with("regress-") || name.starts_with("known-") {
                // Inputs that once broke an invariant: unreadable, but reported.
                assert!(o.issues > 0 || o.failed, "{target}/{name}: {o:?}");
                continue;
            }
            assert!(!o.failed, "{target}/{name}: {o:?}");
            if target == "parquet_entry" {
                assert!(targets::parquet_decode(&data).unwrap() > 0, "{target}/{name}");
                assert_eq!(targets::parquet_entry(&data), o, "{target}/{name}");
            }
        }
        assert!(points > 0, "{target}: the corpus should load some metric points");
    }
}

/// Arrow IPC files whose footer schema has an Int of bit width 0, a dictionary index of an
/// odd width, or a dictionary without index type (one flipped bit or an overwritten length
/// each, in `fuzz/corpus/parquet_entry/regress-ipc-*.arrow`): arrow-ipc panics on such a
/// schema, and format detection handed it the footer unchecked, so `runql info` on such a
/// file panicked, natively and in the browser. Now it is a skip naming the file.
#[test]
fn ipc_footer_schemas_arrow_ipc_panics_on_are_refused_at_detection() {
    let regress: Vec<(String, Vec<u8>)> =
        corpus("parquet_entry").into_iter().filter(|(n, _)| n.starts_with("regress-ipc-")).collect();
    assert_eq!(regress.len(), 3);
    for (name, data) in regress {
        let mut tree = runql_core::FileTree::new("up");
        tree.insert(&name, data.clone());
        let (_, schema) = runql_readers::columnar::schema_of(&tree, &name).unwrap();
        let why = schema.unwrap_err();
        assert!(why.starts_with("column "), "{name}: {why}");
        let mut tree = runql_core::FileTree::new("up");
        tree.insert(&name, data);
        tree.insert("m.csv", b"run_id,key,value\nr,loss,1\n".to_vec());
        let l = runql_readers::load(&[tree], &runql_readers::LoadOptions::default()).unwrap();
        let issues: Vec<String> = l.report.issues().iter().map(ToString::to_string).collect();
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert!(issues[0].contains(&format!("up/{name}: column ")), "{issues:?}");
        assert_eq!(l.tables.metrics.num_rows(), 1);
    }
}

/// One input for each of `KNOWN_PARQUET_PANICS` (`corpus/parquet_entry/known-parquet-*`):
/// the bare decoder still panics there (when a parquet upgrade fixes one, this says so and
/// the entry can go), and the load path reports the file as a skip.
#[test]
fn each_known_parquet_panic_still_happens_and_loads_as_a_skip() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    install_hook();
    let known: Vec<(String, Vec<u8>)> =
        corpus("parquet_entry").into_iter().filter(|(n, _)| n.starts_with("known-parquet-")).collect();
    assert_eq!(known.len(), targets::KNOWN_PARQUET_PANICS.len());
    let mut seen = BTreeSet::new();
    for (name, data) in &known {
        take_panics();
        assert!(catch_unwind(|| targets::parquet_decode(data)).is_err(), "{name} no longer panics");
        let panics = take_panics();
        assert!(panics.len() == 1 && panics[0].known, "{name}: {panics:?}");
        seen.insert(panics[0].message.clone());
        let o = targets::parquet_load(data);
        assert!(o.issues > 0 && !o.failed, "{name}: {o:?}");
        let caught = take_panics();
        assert!(!caught.is_empty() && caught.iter().all(|p| p.known), "{name}: {caught:?}");
    }
    assert_eq!(seen.len(), targets::KNOWN_PARQUET_PANICS.len(), "{seen:?}");
}

/// A TensorBoard run none of whose event files holds a readable event is skipped as a run
/// (its folder is the run); the skip now names the files, as every other issue does.
#[test]
fn a_run_skipped_for_unreadable_event_files_names_them() {
    let o = targets::tfevents(b"");
    assert_eq!(o.issues, 2, "the empty file, then its run");
    let mut tree = runql_core::FileTree::new("logs");
    for f in ["a/events.out.tfevents.1.h", "a/events.out.tfevents.2.h", "b/events.out.tfevents.3.h"] {
        tree.insert(f, b"junk".to_vec());
    }
    tree.insert("c/events.out.tfevents.4.h", targets_good_tfevents());
    let l = runql_readers::load(&[tree], &runql_readers::LoadOptions::default()).unwrap();
    let runs: Vec<String> = l
        .report
        .issues()
        .iter()
        .filter(|i| i.reason.starts_with("run not loaded"))
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        runs,
        [
            "skipped: logs/a: run not loaded: no readable event in its 2 event files \
             (events.out.tfevents.1.h, events.out.tfevents.2.h)",
            "skipped: logs/b: run not loaded: no readable event in its event file events.out.tfevents.3.h",
        ]
    );
}

fn targets_good_tfevents() -> Vec<u8> {
    corpus("tfevents").into_iter().find(|(n, _)| n == "scalars.tfevents").unwrap().1
}

#[test]
fn wandb_log_mutations_never_panic_and_name_the_file() {
    mutational_run(
        "wandb_log",
        &[(
            "load",
            &|b| {
                targets::wandb_log(b);
            },
            false,
        )],
    );
}

#[test]
fn tfevents_mutations_never_panic_and_name_the_file() {
    mutational_run(
        "tfevents",
        &[(
            "load",
            &|b| {
                targets::tfevents(b);
            },
            false,
        )],
    );
}

#[test]
fn parquet_entry_mutations_never_panic_and_name_the_file() {
    let hits = mutational_run(
        "parquet_entry",
        &[
            // The bare decoder, without backstop: only the known parquet-crate panics may escape.
            ("decode_checked", &|b| drop(targets::parquet_decode(b)), true),
            // The load path: nothing may escape (the backstop catches the known ones).
            (
                "load",
                &|b| {
                    targets::parquet_load(b);
                },
                false,
            ),
        ],
    );
    eprintln!("parquet_entry: {hits} cases hit a known parquet-crate panic");
    assert!(hits <= MAX_KNOWN_PARQUET_PANICS, "{hits} cases hit a known parquet-crate panic");
}

/// Writes the columnar seeds of `fuzz/corpus/parquet_entry/`: runql's own tables of a tiny
/// sweep as `runql convert` writes them (Parquet and Arrow IPC file), and a plain long table
/// as Parquet and as an Arrow IPC stream. Run it by hand when the table layout changes:
/// `cargo test -p runql-readers --test fuzz_corpus -- --ignored write_columnar_seeds`.
#[test]
#[ignore = "rewrites files of the committed corpus"]
fn write_columnar_seeds() {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
    use runql_readers::columnar::{TableFormat, write_tables};
    use runql_readers::{FileTree, LoadOptions};
    use runql_synth::{SweepSpec, write_mlflow};

    let dir = corpus_dir("parquet_entry");
    std::fs::create_dir_all(&dir).unwrap();
    let spec = SweepSpec { runs: 2, metrics: 3, steps: 4, seed: 7 };
    let mut tree = FileTree::new("mlruns");
    write_mlflow(&spec, &mut |p: &str, b: &[u8]| {
        tree.insert(p, b.to_vec());
        Ok(())
    })
    .unwrap();
    let tables = runql_readers::load(&[tree], &LoadOptions::default()).unwrap().tables;
    for (format, keep) in
        [(TableFormat::Parquet, &["runs", "metrics"][..]), (TableFormat::Arrow, &["metrics"][..])]
    {
        write_tables(&tables, format, &mut |name: &str, bytes: &[u8]| {
            if keep.iter().any(|t| name.strip_prefix(t).is_some_and(|e| e.starts_with('.'))) {
                std::fs::write(dir.join(format!("runql-{name}")), bytes).unwrap();
            }
            Ok(())
        })
        .unwrap();
    }
    let cols: Vec<(&str, ArrayRef)> = vec![
        ("run_id", Arc::new(StringArray::from(vec!["r1", "r1", "r2"]))),
        ("key", Arc::new(StringArray::from(vec!["loss", "loss", "acc"]))),
        ("step", Arc::new(Int64Array::from(vec![0, 1, 0]))),
        ("value", Arc::new(Float64Array::from(vec![Some(0.5), Some(f64::NAN), None]))),
    ];
    let batch = RecordBatch::try_from_iter(cols).unwrap();
    let mut pq = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut pq, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    std::fs::write(dir.join("long-table.parquet"), pq).unwrap();
    let mut ipc = Vec::new();
    let mut w = arrow_ipc::writer::StreamWriter::try_new(&mut ipc, &batch.schema()).unwrap();
    w.write(&batch).unwrap();
    w.finish().unwrap();
    drop(w);
    std::fs::write(dir.join("long-table.arrows"), ipc).unwrap();
}
