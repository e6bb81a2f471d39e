//! Truncated, corrupt, absurd, empty and hostile TensorBoard event files: every problem is
//! reported with file and byte offset, good records and files next to it still load, nothing
//! panics.

// Test helpers live outside #[test] functions, where clippy's allow-*-in-tests does not reach;
// in a test, a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::PathBuf;

use common::*;
use proptest::prelude::*;
use runql_readers::tensorboard::record::{Records, encode_record, masked_crc32c};
use runql_readers::{FileTree, LoadOptions, Loaded, Severity};

const TRAIN: &str = "keras_style/train/events.out.tfevents.1767232800.runql-fixture.4242.0";

fn fixture_file(rel: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tensorboard/logs").join(rel);
    std::fs::read(p).unwrap()
}

/// Offsets of the records of a well-formed file.
fn offsets(file: &[u8]) -> Vec<usize> {
    Records::new(file).map(|r| r.unwrap().offset as usize).collect()
}

fn tree(files: &[(&str, &[u8])]) -> FileTree {
    let mut t = FileTree::new("logs");
    for (path, bytes) in files {
        t.insert(path, bytes.to_vec());
    }
    t
}

fn load_tree(t: FileTree) -> Loaded {
    runql_readers::load(&[t], &LoadOptions::default()).expect("load")
}

fn all_points(l: &Loaded, run: &str) -> usize {
    ["epoch_loss", "epoch_accuracy"].iter().map(|k| points(l, run, k).len()).sum()
}

/// Issues as `(severity, path, offset, reason)`.
fn issues(l: &Loaded) -> Vec<(Severity, String, Option<u64>, String)> {
    l.report.issues().iter().map(|i| (i.severity, i.path.clone(), i.offset, i.reason.clone())).collect()
}

// A minimal protobuf encoder, to build events the fixture does not have.
fn key(field: u32, wire: u32) -> Vec<u8> {
    varint(u64::from(field << 3 | wire))
}
fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return out;
        }
        out.push(b | 0x80);
    }
}
fn int(field: u32, v: u64) -> Vec<u8> {
    [key(field, 0), varint(v)].concat()
}
fn f64_field(field: u32, v: f64) -> Vec<u8> {
    [key(field, 1), v.to_le_bytes().to_vec()].concat()
}
fn f32_field(field: u32, v: f32) -> Vec<u8> {
    [key(field, 5), v.to_le_bytes().to_vec()].concat()
}
fn bytes(field: u32, b: &[u8]) -> Vec<u8> {
    [key(field, 2), varint(b.len() as u64), b.to_vec()].concat()
}
fn event(wall: f64, step: u64, what: Vec<u8>) -> Vec<u8> {
    encode_record(&[f64_field(1, wall), int(2, step), what].concat())
}
fn simple(wall: f64, step: u64, tag: &str, v: f32) -> Vec<u8> {
    let value = [bytes(1, tag.as_bytes()), f32_field(2, v)].concat();
    event(wall, step, bytes(5, &bytes(1, &value)))
}
fn plugin_md(plugin: &str) -> Vec<u8> {
    bytes(9, &bytes(1, &bytes(1, plugin.as_bytes())))
}
/// A tensor value of `plugin` with dtype DT_FLOAT, `dims` and `float_val`.
fn tensor(wall: f64, step: u64, tag: &str, plugin: Option<&str>, dims: &[u64], vals: &[f32]) -> Vec<u8> {
    let shape: Vec<u8> = dims.iter().flat_map(|&d| bytes(2, &int(1, d))).collect();
    let packed: Vec<u8> = vals.iter().flat_map(|v| v.to_le_bytes()).collect();
    let t = [int(1, 1), bytes(2, &shape), bytes(5, &packed)].concat();
    let md = plugin.map(plugin_md).unwrap_or_default();
    let value = [bytes(1, tag.as_bytes()), md, bytes(8, &t)].concat();
    event(wall, step, bytes(5, &bytes(1, &value)))
}

#[test]
fn a_truncated_last_record_is_a_warning_and_the_records_before_it_load() {
    let good = fixture_file(TRAIN);
    let last = *offsets(&good).last().unwrap();
    for cut in [1, 3, 4, 5, 20] {
        let l = load_tree(tree(&[("train/events.out.tfevents.1", &good[..good.len() - cut])]));
        assert_eq!(all_points(&l, "logs/train"), 9, "cut {cut}: all but the last point");
        let i = issues(&l);
        assert_eq!(i.len(), 1, "{i:?}");
        assert_eq!(i[0].0, Severity::Warning);
        assert_eq!(i[0].1, "logs/train/events.out.tfevents.1");
        assert_eq!(i[0].2, Some(last as u64));
        assert!(i[0].3.contains("file ends inside a record"), "{}", i[0].3);
    }
}

#[test]
fn a_bad_length_crc_skips_to_the_next_valid_record() {
    let mut bad = fixture_file(TRAIN);
    let offs = offsets(&bad);
    bad[offs[3] + 2] ^= 0x10; // length of record 3
    let l = load_tree(tree(&[("train/events.out.tfevents.1", &bad)]));
    assert_eq!(all_points(&l, "logs/train"), 9, "only record 3 is lost");
    let i = issues(&l);
    assert_eq!(i.len(), 1, "{i:?}");
    assert_eq!(i[0].0, Severity::Skipped);
    assert_eq!(i[0].2, Some(offs[3] as u64));
    let resumed = format!("next valid record at byte {}", offs[4]);
    assert!(i[0].3.contains("length fails its CRC") && i[0].3.contains(&resumed), "{}", i[0].3);
}

#[test]
fn a_bad_data_crc_skips_that_record_only() {
    let mut bad = fixture_file(TRAIN);
    let offs = offsets(&bad);
    bad[offs[5] + 14] ^= 0x01; // inside the body of record 5
    let l = load_tree(tree(&[("train/events.out.tfevents.1", &bad)]));
    assert_eq!(all_points(&l, "logs/train"), 9);
    let i = issues(&l);
    assert_eq!(i.len(), 1, "{i:?}");
    assert_eq!((i[0].0, i[0].2), (Severity::Skipped, Some(offs[5] as u64)));
    assert!(i[0].3.contains("data") && i[0].3.contains("CRC"), "{}", i[0].3);
}

#[test]
fn huge_lengths_are_refused_without_allocating() {
    let good = fixture_file(TRAIN);
    for length in [u64::MAX, 1u64 << 40, (64 << 20) + 1] {
        let len = length.to_le_bytes();
        let mut file = good.clone();
        file.extend_from_slice(&len);
        file.extend_from_slice(&masked_crc32c(&len).to_le_bytes());
        file.extend_from_slice(b"a few bytes, far fewer than claimed");
        let l = load_tree(tree(&[("train/events.out.tfevents.1", &file)]));
        assert_eq!(all_points(&l, "logs/train"), 10, "{length}");
        let i = issues(&l);
        assert_eq!(i.len(), 1, "{i:?}");
        assert_eq!((i[0].0, i[0].2), (Severity::Skipped, Some(good.len() as u64)));
        assert!(i[0].3.contains(&format!("claims {length} bytes")), "{}", i[0].3);
        assert!(i[0].3.contains("64 MiB") && i[0].3.contains("rest of the file"), "{}", i[0].3);
    }
}

#[test]
fn garbage_protobuf_under_a_good_crc_skips_that_record() {
    let good = fixture_file(TRAIN);
    let mut file = good.clone();
    file.extend(encode_record(b"\xff\xff\xff\xff not protobuf"));
    // A valid protobuf with invalid UTF-8 in a string (the tag) is refused by the decoder too.
    let bad_tag = {
        let value = [bytes(1, b"caf\xe9"), f32_field(2, 1.0)].concat();
        event(1.0e9, 2, bytes(5, &bytes(1, &value)))
    };
    file.extend(bad_tag);
    file.extend(simple(1.0e9, 3, "after", 2.0));
    let l = load_tree(tree(&[("train/events.out.tfevents.1", &file)]));
    assert_eq!(all_points(&l, "logs/train"), 10);
    assert_eq!(points(&l, "logs/train", "after"), [(3, Some(1_000_000_000_000), 2.0)]);
    let i = issues(&l);
    assert_eq!(i.len(), 2, "{i:?}");
    assert_eq!(i[0].2, Some(good.len() as u64));
    assert!(i[0].3.contains("not a TensorBoard event"), "{}", i[0].3);
    assert!(i[1].3.contains("not a TensorBoard event"), "{}", i[1].3);
}

#[test]
fn empty_and_random_files_next_to_good_ones() {
    let good = fixture_file(TRAIN);
    let l = load_tree(tree(&[
        ("train/events.out.tfevents.1", &good),
        ("train/events.out.tfevents.2", b""),
        ("bad/events.out.tfevents.1", b"just some text that is not a record"),
        ("empty/events.out.tfevents.1", b""),
    ]));
    assert_eq!(strings(&l.tables.runs, "run_id"), [Some("logs/train".into())]);
    assert_eq!(all_points(&l, "logs/train"), 10);
    let i = issues(&l);
    let find = |path: &str, what: &str| {
        i.iter().find(|x| x.1 == path && x.3.contains(what)).unwrap_or_else(|| panic!("{path} {what}: {i:?}"))
    };
    assert_eq!(find("logs/train/events.out.tfevents.2", "empty event file").0, Severity::Warning);
    let bad = find("logs/bad/events.out.tfevents.1", "length fails its CRC");
    assert_eq!((bad.0, bad.2), (Severity::Skipped, Some(0)));
    assert!(bad.3.contains("rest of the file (35 bytes)"), "{}", bad.3);
    assert_eq!(find("logs/bad", "run not loaded").0, Severity::Skipped);
    assert_eq!(find("logs/empty", "run not loaded").0, Severity::Skipped);
    assert_eq!(l.report.files_read, 4);
}

#[test]
fn scalar_tensors_that_are_not_one_number_are_reported_per_point() {
    let mut file = Vec::new();
    file.extend(tensor(1.0e9, 1, "acc", Some("scalars"), &[], &[0.5]));
    file.extend(tensor(1.0e9, 2, "acc", None, &[2], &[0.5, 0.6])); // metadata only on the first value
    file.extend(tensor(1.0e9, 3, "acc", None, &[1], &[0.7]));
    file.extend(tensor(1.0e9, 1, "embedding", Some("projector"), &[2], &[1.0, 2.0]));
    file.extend(tensor(1.0e9, 1, "raw", None, &[], &[1.0]));
    let l = load_tree(tree(&[("r/events.out.tfevents.1", &file)]));
    let acc = points(&l, "logs/r", "acc");
    assert_eq!(acc.iter().map(|p| (p.0, p.2)).collect::<Vec<_>>(), [(1, 0.5), (3, f64::from(0.7f32))]);
    let i = issues(&l);
    assert_eq!(i.len(), 1, "{i:?}");
    assert_eq!(i[0].2, Some(offsets(&file)[1] as u64));
    assert!(i[0].3.contains("scalar `acc` at step 2") && i[0].3.contains("1 value"), "{}", i[0].3);
    assert_eq!(l.report.ignored.get("TensorBoard `projector` plugin values"), Some(&1));
    assert_eq!(l.report.ignored.get("TensorBoard tensor values without a plugin"), Some(&1));
}

#[test]
fn a_restart_keeps_every_point_and_warns_once() {
    let session_start = bytes(7, &int(1, 1));
    let mut file = Vec::new();
    for step in 0..6 {
        file.extend(simple(1.0e9 + step as f64, step, "loss", step as f32));
    }
    file.extend(event(1.0e9 + 10.0, 3, session_start.clone()));
    file.extend(simple(1.0e9 + 11.0, 3, "loss", 30.0));
    file.extend(event(1.0e9 + 12.0, 2, session_start));
    let l = load_tree(tree(&[("r/events.out.tfevents.1", &file)]));
    let steps: Vec<i64> = points(&l, "logs/r", "loss").iter().map(|p| p.0).collect();
    assert_eq!(steps, [0, 1, 2, 3, 4, 5, 3]);
    let w = warnings(&l);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("restarted at step 3") && w[0].contains("keeps every point"), "{w:?}");
    assert_eq!(l.report.ignored.get("TensorBoard session log events"), Some(&2));
}

#[test]
fn a_run_at_the_root_is_named_after_the_origin_and_duplicates_are_refused() {
    let good = fixture_file(TRAIN);
    let mut t = FileTree::new("/data/exp1/");
    t.insert("events.out.tfevents.1", good.clone());
    let l = runql_readers::load(&[t.clone(), t], &LoadOptions::default()).unwrap();
    assert_eq!(strings(&l.tables.runs, "run_id"), [Some("/data/exp1/".into())]);
    assert_eq!(strings(&l.tables.runs, "name"), [Some("exp1".into())]);
    assert_eq!(strings(&l.tables.runs, "run_group"), [None]);
    assert!(skipped(&l).iter().any(|s| s.contains("duplicate run id")), "{:?}", skipped(&l));
}

#[test]
fn hparams_that_do_not_decode_are_reported() {
    let hp_md = bytes(9, &bytes(1, &[bytes(1, b"hparams"), bytes(2, b"\x1a\x05\x0a\xff\xff")].concat()));
    let value = [bytes(1, b"_hparams_/session_start_info"), hp_md].concat();
    let mut file = event(1.0e9, 0, bytes(5, &bytes(1, &value)));
    file.extend(simple(1.0e9, 1, "loss", 1.0));
    let l = load_tree(tree(&[("r/events.out.tfevents.1", &file)]));
    assert_eq!(points(&l, "logs/r", "loss").len(), 1);
    assert_eq!(l.tables.params.num_rows(), 0);
    let s = skipped(&l);
    assert!(s.len() == 1 && s[0].contains("hparams record") && s[0].contains("(byte 0)"), "{s:?}");
}

/// Autologged event files in an MLflow run's artifacts are that run's (as MLflow lists it),
/// not a second run.
#[test]
fn tensorboard_logs_inside_an_mlflow_run_are_that_runs_artifacts() {
    let good = fixture_file(TRAIN);
    let mut t = FileTree::new("mlruns");
    t.insert("0/meta.yaml", EXP0.as_bytes().to_vec());
    t.insert("0/abc/meta.yaml", run_meta("abc", "0", 3).into_bytes());
    t.insert("0/abc/artifacts/tb/events.out.tfevents.1", good);
    let l = load_tree(t);
    let ids: Vec<_> = strings(&l.tables.runs, "run_id").into_iter().flatten().collect();
    assert_eq!(ids, ["abc"]);
    let counted: u64 =
        l.report.ignored.iter().filter(|(k, _)| k.contains("TensorBoard event files")).map(|(_, n)| *n).sum();
    assert_eq!(counted, 1, "{:?}", l.report.ignored);
}

fn mutate(file: &[u8], flips: &[(usize, u8)], cut: usize) -> Vec<u8> {
    let mut f = file.to_vec();
    for &(at, x) in flips {
        let len = f.len();
        if len > 0 {
            f[at % len] ^= x;
        }
    }
    f.truncate(f.len().saturating_sub(cut));
    f
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let l = load_tree(tree(&[("r/events.out.tfevents.1", &bytes)]));
        prop_assert!(l.tables.runs.num_rows() <= 1);
    }

    #[test]
    fn damaged_real_files_never_panic_and_lose_at_most_what_is_damaged(
        flips in proptest::collection::vec((any::<usize>(), 1u8..=255), 0..4),
        cut in 0usize..64,
    ) {
        let file = fixture_file("lr=0.01/events.out.tfevents.1767225600.runql-fixture");
        let l = load_tree(tree(&[("r/events.out.tfevents.1", &mutate(&file, &flips, cut))]));
        let clean = load_tree(tree(&[("r/events.out.tfevents.1", &file)]));
        prop_assert!(l.tables.metrics.num_rows() <= clean.tables.metrics.num_rows());
        if flips.is_empty() && cut == 0 {
            prop_assert_eq!(l.report.issues().len(), 0);
        } else if l.tables.metrics.num_rows() < clean.tables.metrics.num_rows() {
            prop_assert!(!l.report.issues().is_empty(), "points lost without an issue");
        }
    }
}

#[test]
fn lightning_hparams_yaml_is_claimed_and_accounted_for() {
    let with_hp = fixture_file("lr=0.01/hparams/events.out.tfevents.1767226220.runql-fixture");
    let without = fixture_file(TRAIN);
    let yaml: &[u8] = b"lr: 0.01\nbatch_size: 32\n";
    let l = load_tree(tree(&[
        ("version_0/events.out.tfevents.1", &with_hp),
        ("version_0/hparams.yaml", yaml),
        ("version_1/events.out.tfevents.1", &without),
        ("version_1/hparams.yaml", yaml),
    ]));
    assert_eq!(l.tables.runs.num_rows(), 2);
    assert_eq!(
        l.report
            .ignored
            .get("Lightning hparams.yaml files (hparams read from the event file's hparams record)"),
        Some(&1)
    );
    let s = skipped(&l);
    assert_eq!(s.len(), 1, "{s:?}");
    assert!(s[0].contains("logs/version_1/hparams.yaml") && s[0].contains("no hparams record"), "{s:?}");
}
