//! W&B input that is damaged, truncated, hand-written or unusual: the reader reports it
//! and loads everything else, and never panics.

// Test helpers live outside #[test] functions, where clippy's allow-*-in-tests does not reach;
// in a test, a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::PathBuf;

use common::wandb_log::*;
use common::*;
use runql_readers::wandb::framing::{BLOCK_SIZE, encode_log};
use runql_readers::{FileTree, LoadOptions, Loaded, Severity};

fn tree(files: &[(&str, &[u8])]) -> FileTree {
    let mut t = FileTree::new("wandb");
    for (p, b) in files {
        t.insert(p, b.to_vec());
    }
    t
}

fn load_tree(t: FileTree) -> Loaded {
    runql_readers::load(&[t], &LoadOptions::default()).expect("load")
}

fn run_ids(l: &Loaded) -> Vec<String> {
    strings(&l.tables.runs, "run_id").into_iter().flatten().collect()
}

fn status(l: &Loaded, run: &str) -> Option<String> {
    let ids = run_ids(l);
    let i = ids.iter().position(|r| r == run)?;
    strings(&l.tables.runs, "status")[i].clone()
}

fn issues_with(l: &Loaded, needle: &str) -> Vec<runql_core::Issue> {
    l.report.issues().iter().filter(|i| i.reason.contains(needle)).cloned().collect()
}

fn steps(l: &Loaded, run: &str, key: &str) -> Vec<i64> {
    points(l, run, key).into_iter().map(|p| p.0).collect()
}

const DIR: &str = "offline-run-20260101_000000-r1";

fn good_log(rows: usize) -> Vec<u8> {
    let mut recs = vec![run_record("r1", &[("lr", "0.1")], &["a:b"])];
    for i in 0..rows {
        let v = format!("{}", i as f64 * 0.5);
        recs.push(history(
            &[("loss", &v), ("_step", &i.to_string()), ("_timestamp", "1700000000.5")],
            Some(i as u64),
        ));
    }
    recs.push(exit(0));
    log(&recs)
}

fn fixture_log(run: &str) -> (String, Vec<u8>) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/wandb/wandb");
    let folder = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with(run) && n.starts_with("offline-run"))
        .unwrap();
    let bytes = std::fs::read(dir.join(&folder).join(format!("run-{run}.wandb"))).unwrap();
    (folder, bytes)
}

// ---- framing damage ---------------------------------------------------------------------

#[test]
fn truncated_log_keeps_what_was_written_and_says_so() {
    let (folder, bytes) = fixture_log("base7b01");
    let full = load_tree(tree(&[(&format!("{folder}/run-base7b01.wandb"), &bytes)]));
    let full_points = full.tables.metrics.num_rows();
    assert_eq!(status(&full, "base7b01").as_deref(), Some("FINISHED"));
    for cut in [bytes.len() / 3, bytes.len() - 1, 8] {
        let l = load_tree(tree(&[(&format!("{folder}/run-base7b01.wandb"), &bytes[..cut])]));
        assert!(l.tables.metrics.num_rows() <= full_points, "cut {cut}");
        if cut == bytes.len() / 3 {
            assert!(l.tables.metrics.num_rows() < full_points, "cut {cut}");
        }
        let ends = issues_with(&l, "the run was still writing or crashed");
        assert_eq!(ends.len(), 1, "cut {cut}: {:?}", l.report.issues());
        assert_eq!(ends[0].severity, Severity::Warning);
        assert!(ends[0].offset.is_some());
        // No exit record: the run is RUNNING (named by the log's file name if the run
        // record itself is lost).
        assert_eq!(status(&l, "base7b01").as_deref(), Some("RUNNING"), "cut {cut}");
    }
}

#[test]
fn bad_checksum_skips_one_record_with_its_offset() {
    let mut bytes = good_log(3);
    let l0 = load_tree(tree(&[(&format!("{DIR}/run-r1.wandb"), &bytes)]));
    assert_eq!(steps(&l0, "r1", "loss"), [0, 1, 2]);
    // Damage the value_json "0.5" of the second row (field 16, length 3).
    let pos = bytes.windows(6).position(|w| w == b"\x82\x01\x030.5").unwrap() + 3;
    bytes[pos] = b'9';
    let l = load_tree(tree(&[(&format!("{DIR}/run-r1.wandb"), &bytes)]));
    assert_eq!(steps(&l, "r1", "loss"), [0, 2]);
    let bad = issues_with(&l, "checksum mismatch");
    assert_eq!(bad.len(), 1, "{:?}", l.report.issues());
    assert_eq!(bad[0].severity, Severity::Skipped);
    let off = bad[0].offset.unwrap() as usize;
    assert!(off < pos && pos < off + 200, "offset {off} should be the chunk holding byte {pos}");
    assert!(bad[0].path.ends_with("run-r1.wandb"));
    assert_eq!(status(&l, "r1").as_deref(), Some("FINISHED"));
}

#[test]
fn huge_length_field_drops_only_the_rest_of_its_block() {
    // ~3 blocks of history rows.
    let bytes = good_log(1500);
    assert!(bytes.len() > 2 * BLOCK_SIZE);
    let all = load_tree(tree(&[(&format!("{DIR}/run-r1.wandb"), &bytes)]));
    let n = points(&all, "r1", "loss").len();
    assert_eq!(n, 1500);
    let mut bad = bytes.clone();
    // The first chunk header: right after the 7-byte file header; its length is at 7+4.
    bad[11] = 0xff;
    bad[12] = 0xff;
    let l = load_tree(tree(&[(&format!("{DIR}/run-r1.wandb"), &bad)]));
    let got = points(&l, "r1", "loss").len();
    assert!(got > 0 && got < n, "{got}");
    let issues = issues_with(&l, "runs past the end of its 32 KiB block");
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].offset, Some(7));
    // The run record was in the dropped block: the id comes from the file name.
    assert_eq!(run_ids(&l), ["r1"]);
}

#[test]
fn garbage_protobuf_is_a_skipped_record() {
    let recs = vec![
        run_record("r1", &[], &[]),
        history(&[("loss", "1"), ("_step", "0")], Some(0)),
        vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
        b"\x12\x05\x0a\x03".to_vec(), // history record whose length runs past the end
        history(&[("loss", "2"), ("_step", "1")], Some(1)),
    ];
    let l = load_tree(tree(&[(&format!("{DIR}/run-r1.wandb"), &log(&recs))]));
    assert_eq!(steps(&l, "r1", "loss"), [0, 1]);
    let bad = issues_with(&l, "not a W&B protobuf Record");
    assert_eq!(bad.len(), 2, "{:?}", l.report.issues());
    assert!(bad.iter().all(|i| i.offset.is_some() && i.severity == Severity::Skipped));
}

#[test]
fn unreadable_values_and_unknown_records_are_reported_not_fatal() {
    let recs = vec![
        run_record("r1", &[("ok", "1"), ("broken", "{nope")], &[]),
        history(&[("loss", "NaN"), ("bad", "[1,"), ("_step", "0")], None),
        ld(99, b"future record type"),
    ];
    let l = load_tree(tree(&[(&format!("{DIR}/run-r1.wandb"), &log(&recs))]));
    assert!(points(&l, "r1", "loss")[0].2.is_nan());
    assert_eq!(issues_with(&l, "value_json does not parse").len(), 2, "{:?}", l.report.issues());
    assert_eq!(pairs_of(&l.tables.params, "r1"), [("ok".to_string(), "1".to_string())]);
    assert!(l.report.ignored.keys().any(|k| k.contains("unknown to runql")), "{:?}", l.report.ignored);
}

fn pairs_of(batch: &arrow_array::RecordBatch, run: &str) -> Vec<(String, String)> {
    let (r, k, v) = (strings(batch, "run_id"), strings(batch, "key"), strings(batch, "value"));
    (0..batch.num_rows())
        .filter(|&i| r[i].as_deref() == Some(run))
        .map(|i| (k[i].clone().unwrap(), v[i].clone().unwrap_or_default()))
        .collect()
}

#[test]
fn not_a_wandb_log_and_empty_files() {
    let l = load_tree(tree(&[
        (&format!("{DIR}/run-r1.wandb"), b"\x0a\x00\x00\x00\x00\x00\x00junk"),
        ("offline-run-20260101_000000-r2/run-r2.wandb", b""),
        ("offline-run-20260101_000000-r2/files/config.yaml", b""),
        ("offline-run-20260101_000000-r2/files/wandb-summary.json", b""),
        ("offline-run-20260101_000000-r3/run-r3.wandb", b":W&B"),
    ]));
    assert_eq!(issues_with(&l, "not a W&B transaction log")[0].offset, Some(0));
    assert_eq!(issues_with(&l, "empty file").len(), 3);
    assert_eq!(issues_with(&l, "shorter than the 7-byte W&B header").len(), 1);
    // The folders are still runs (with nothing in them), named by their folder.
    let mut ids = run_ids(&l);
    ids.sort();
    assert_eq!(ids, ["r1", "r2", "r3"]);
    assert_eq!(l.tables.metrics.num_rows(), 0);
}

#[test]
fn a_good_run_next_to_a_corrupt_one_still_loads() {
    let (folder, bytes) = fixture_log("expl0002");
    let mut noise = vec![0u8; 5000];
    let mut x: u32 = 12345;
    for b in noise.iter_mut() {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        *b = (x >> 16) as u8;
    }
    let mut corrupt = b":W&B\xe1\xbe\x00".to_vec();
    corrupt.extend_from_slice(&noise);
    let l = load_tree(tree(&[
        (&format!("{folder}/run-expl0002.wandb"), &bytes),
        ("offline-run-20260101_000000-bad1/run-bad1.wandb", &corrupt),
        ("offline-run-20260101_000000-bad1/files/config.yaml", b"a: [1, 2\nb: c: d\n"),
    ]));
    assert_eq!(steps(&l, "expl0002", "train/loss"), [0, 10, 20, 21]);
    assert_eq!(status(&l, "expl0002").as_deref(), Some("FAILED"));
    assert!(l.report.issues().iter().all(|i| i.path.contains("bad1")), "{:?}", l.report.issues());
    let yaml = issues_with(&l, "config.yaml does not parse");
    assert_eq!(yaml.len(), 1);
    assert!(yaml[0].line.is_some());
}

// ---- side files and legacy layouts ------------------------------------------------------

#[test]
fn summary_json_with_nan_tokens_and_no_log() {
    let l = load_tree(tree(&[(
        "run-20200101_000000-old1/files/wandb-summary.json",
        br#"{"loss": NaN, "best": Infinity, "worst": -Infinity, "acc": 0.5, "note": "x", "_wandb": {"runtime": 3}, "_step": 9}"#,
    )]));
    assert_eq!(run_ids(&l), ["old1"]);
    assert!(points(&l, "old1", "loss")[0].2.is_nan());
    assert_eq!(points(&l, "old1", "best")[0].2, f64::INFINITY);
    assert_eq!(points(&l, "old1", "worst")[0].2, f64::NEG_INFINITY);
    assert_eq!(
        points(&l, "old1", "acc"),
        [(9, None, 0.5)],
        "at the summary's _step when there is no history"
    );
    assert!(l.report.ignored.keys().any(|k| k.contains("summary string values")));
    assert_eq!(status(&l, "old1"), None, "no log, no metadata: status unknown");
}

#[test]
fn config_yaml_with_and_without_value_desc_wrapping() {
    let python_sdk = b"wandb_version: 1\n\nlog:\n  desc: null\n  value: true\nseed:\n  desc: null\n  value: 42\nopt:\n  desc: Optimizer settings\n  value:\n    lr: 0.001\n    betas:\n    - 0.9\n    - 0.999\n_wandb:\n  desc: null\n  value:\n    python_version: 3.8.18\n    cli_version: 0.16.0\n    t:\n      1:\n      - 1\n      - 55\n";
    let core = b"log:\n    value: true\nseed:\n    value: 42\nopt:\n    value:\n        betas:\n            - 0.9\n            - 0.999\n        lr: 0.001\n_wandb:\n    value:\n        cli_version: 0.31.0\n";
    let l = load_tree(tree(&[
        ("run-20230101_000000-py1/files/config.yaml", python_sdk),
        ("run-20230101_000000-co1/files/config.yaml", core),
    ]));
    let want = [
        ("log".to_string(), "true".to_string()),
        ("opt.betas".to_string(), "[0.9,0.999]".to_string()),
        ("opt.lr".to_string(), "0.001".to_string()),
        ("seed".to_string(), "42".to_string()),
    ];
    assert_eq!(pairs_of(&l.tables.params, "py1"), want);
    assert_eq!(pairs_of(&l.tables.params, "co1"), want);
    assert!(l.report.ignored.keys().any(|k| k.contains("_wandb")));
}

#[test]
fn the_log_wins_and_side_files_fill_gaps() {
    let l = load_tree(tree(&[
        (&format!("{DIR}/run-r1.wandb"), &good_log(2)),
        (&format!("{DIR}/files/config.yaml"), b"lr:\n  value: 99\nextra:\n  value: yes-from-yaml\n"),
        (&format!("{DIR}/files/wandb-summary.json"), br#"{"loss": 123, "only_in_json": 7}"#),
        (
            &format!("{DIR}/files/wandb-metadata.json"),
            br#"{"host": "h1", "username": "u1", "program": "train.py", "git": {"remote": "git@x:y.git", "commit": "abc"}, "cpu_count": 8, "disk": {"/": {"total": 1}}}"#,
        ),
        (&format!("{DIR}/wandb-history.jsonl"), b"{\"loss\": 5}\n"),
    ]));
    assert_eq!(
        pairs_of(&l.tables.params, "r1"),
        [("extra".to_string(), "yes-from-yaml".to_string()), ("lr".to_string(), "0.1".to_string())]
    );
    assert_eq!(steps(&l, "r1", "loss"), [0, 1], "wandb-history.jsonl is superseded by the log");
    assert_eq!(points(&l, "r1", "only_in_json").iter().map(|p| (p.0, p.2)).collect::<Vec<_>>(), [(1, 7.0)]);
    let tags = pairs_of(&l.tables.tags, "r1");
    assert!(tags.contains(&("a".to_string(), "b".to_string())));
    assert!(tags.contains(&("wandb.host".to_string(), "h1".to_string())));
    assert!(tags.contains(&("wandb.git.commit".to_string(), "abc".to_string())));
    assert_eq!(strings(&l.tables.runs, "user"), [Some("u1".to_string())]);
    assert!(l.report.ignored.keys().any(|k| k.contains("superseded")));
    assert!(l.report.ignored.keys().any(|k| k.contains("machine metadata")));
}

#[test]
fn legacy_history_jsonl_with_a_bad_line() {
    let l = load_tree(tree(&[
        (
            "run-20190101_000000-leg1/wandb-history.jsonl",
            b"{\"loss\": 1.0, \"_step\": 0, \"_timestamp\": 1546300800.0, \"_runtime\": 1}\n{oops\n{\"loss\": NaN, \"_timestamp\": 1546300801.0}\n\n[1]\n{\"loss\": 0.5, \"img\": {\"_type\": \"image-file\", \"path\": \"media/x.png\"}}\n",
        ),
        ("run-20190101_000000-leg1/config.yaml", b"lr:\n  desc: null\n  value: 0.1\n"),
        ("run-20190101_000000-leg1/wandb-metadata.json", br#"{"state": "finished", "startedAt": "2019-01-01T00:00:00"}"#),
        ("run-20190101_000000-leg1/wandb-events.jsonl", b"{}\n"),
    ]));
    let p = points(&l, "leg1", "loss");
    assert_eq!(p.iter().map(|x| x.0).collect::<Vec<_>>(), [0, 1, 2], "steps counted after _step 0");
    assert_eq!(p[0].1, Some(1_546_300_800_000));
    assert!(p[1].2.is_nan());
    let bad: Vec<Option<u64>> = l.report.issues().iter().map(|i| i.line).collect();
    assert_eq!(bad, [Some(2), Some(5)], "{:?}", l.report.issues());
    assert_eq!(pairs_of(&l.tables.params, "leg1"), [("lr".to_string(), "0.1".to_string())]);
    assert_eq!(status(&l, "leg1").as_deref(), Some("FINISHED"));
    assert!(l.report.ignored.keys().any(|k| k.contains("image-file")));
    assert!(l.report.ignored.keys().any(|k| k.contains("wandb-events.jsonl")));
}

// ---- step and key variants of newer SDKs ------------------------------------------------

#[test]
fn step_variants_presence_counting_and_junk() {
    let recs = vec![
        run_record("r1", &[], &[]),
        // `step {}` is step 0 even though `_step` says otherwise (presence, not value).
        history(&[("x", "1"), ("_step", "5")], Some(0)),
        // 2026 format: auto-step rows carry no step at all -> counted.
        history(&[("x", "2")], None),
        history(&[("x", "3")], None),
        // Explicit step without a `_step` item.
        history(&[("x", "4")], Some(10)),
        history(&[("x", "5")], None),
        // Junk `_step` values fall back to counting.
        history(&[("x", "6"), ("_step", "\"12\"")], None),
        history(&[("x", "7"), ("_step", "null")], None),
        history(&[("x", "8"), ("_step", "5.5")], None),
        history(&[("x", "9"), ("_step", "{\"a\": 1}")], None),
        history(&[("x", "10"), ("_step", "20")], None),
    ];
    let l = load_tree(tree(&[(&format!("{DIR}/run-r1.wandb"), &log(&recs))]));
    assert_eq!(steps(&l, "r1", "x"), [0, 1, 2, 10, 11, 12, 13, 14, 15, 20]);
    assert_eq!(status(&l, "r1").as_deref(), Some("RUNNING"));
}

#[test]
fn nested_keys_media_leaves_and_typed_values() {
    let mut typed_number = ld(1, b"typed");
    typed_number.push(6 << 3 | 1); // field 6 (double), wire type 1
    typed_number.extend_from_slice(&2.5f64.to_le_bytes());
    let recs = vec![
        run_record("r1", &[], &["bare", "k:v:w"]),
        history(
            &[
                ("train/loss", "0.5"),
                ("grad|norm", "1.5"),
                ("img|_type", "\"image-file\""),
                ("img|path", "\"media/images/img_0_abc.png\""),
                ("img|width", "4"),
                ("_step", "0"),
            ],
            Some(0),
        ),
        ld(2, &ld(1, &typed_number)),
        summary_record(&[("best", "0.1"), ("train/loss", "0.25"), ("_wandb|runtime", "3")]),
        exit(2),
    ];
    let l = load_tree(tree(&[(&format!("{DIR}/run-r1.wandb"), &log(&recs))]));
    assert_eq!(points(&l, "r1", "train/loss").len(), 1);
    assert_eq!(points(&l, "r1", "grad.norm")[0].2, 1.5);
    assert_eq!(points(&l, "r1", "typed"), [(1, None, 2.5)]);
    assert!(points(&l, "r1", "img.width").is_empty(), "media leaves are not points");
    assert_eq!(
        l.report.ignored.iter().filter(|(k, _)| k.contains("image-file")).map(|(_, v)| *v).sum::<u64>(),
        1
    );
    assert_eq!(points(&l, "r1", "best").iter().map(|p| (p.0, p.2)).collect::<Vec<_>>(), [(1, 0.1)]);
    assert!(l.report.ignored.keys().any(|k| k.contains("differ from the last logged")));
    assert_eq!(status(&l, "r1").as_deref(), Some("FAILED"));
    let tags = pairs_of(&l.tables.tags, "r1");
    assert!(tags.contains(&("bare".to_string(), String::new())));
    assert!(tags.contains(&("k".to_string(), "v:w".to_string())));
}

#[test]
fn a_bare_log_file_or_run_folder_as_the_root() {
    // Pointing runql at the .wandb file itself, or at the run folder.
    let l = load_tree(tree(&[("run-r1.wandb", &good_log(2))]));
    assert_eq!(run_ids(&l), ["r1"]);
    let l = load_tree(tree(&[
        ("run-r1.wandb", &good_log(2)),
        ("files/output.log", b"hi"),
        ("logs/debug.log", b"x"),
    ]));
    assert_eq!(steps(&l, "r1", "loss"), [0, 1]);
    assert!(l.report.issues().is_empty(), "{:?}", l.report.issues());
}

#[test]
fn the_same_run_in_two_places_is_reported_once() {
    let bytes = good_log(2);
    let l = load_tree(tree(&[
        (&format!("a/wandb/{DIR}/run-r1.wandb"), &bytes),
        (&format!("b/wandb/{DIR}/run-r1.wandb"), &bytes),
        ("a/wandb/latest-run/run-r1.wandb", &bytes),
    ]));
    assert_eq!(run_ids(&l), ["r1"]);
    let dup = issues_with(&l, "duplicate run id r1");
    assert_eq!(dup.len(), 1, "{:?}", l.report.issues());
    assert!(l.report.ignored.keys().any(|k| k.contains("latest-run")));
}

#[test]
fn the_wandb_folder_own_files_are_claimed() {
    let l = load_tree(tree(&[
        (&format!("wandb/{DIR}/run-r1.wandb"), &good_log(1)),
        ("wandb/debug.log", b"x"),
        ("wandb/debug-internal.log", b"x"),
        ("wandb/debug-cli.root.log", b""),
        ("wandb/sweep-abc123/config-r1.yaml", b"lr:\n  value: 0.1\n"),
        ("notes.txt", b"not W&B"),
    ]));
    assert_eq!(l.report.ignored.get("W&B debug logs"), Some(&3));
    assert!(l.report.ignored.keys().any(|k| k.contains("sweep agent run configs")));
    let skipped = skipped(&l);
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(skipped[0].contains("notes.txt"));
}

#[test]
fn a_resumed_run_in_two_folders_is_one_run() {
    let first = log(&[
        run_record("r1", &[("lr", "0.1")], &[]),
        history(&[("x", "1"), ("_step", "0")], Some(0)),
        history(&[("x", "2"), ("_step", "1")], Some(1)),
    ]);
    let mut resumed_run = ld(1, b"r1");
    resumed_run.extend(vi(14, 2)); // starting_step
    resumed_run.extend(vi(18, 1)); // resumed
    let second = log(&[ld(17, &resumed_run), history(&[("x", "3")], None), exit(0)]);
    let l = load_tree(tree(&[
        ("wandb/run-20260101_000000-r1/run-r1.wandb", &first),
        ("wandb/run-20260102_000000-r1/run-r1.wandb", &second),
    ]));
    assert_eq!(run_ids(&l), ["r1"]);
    assert_eq!(steps(&l, "r1", "x"), [0, 1, 2]);
    assert_eq!(status(&l, "r1").as_deref(), Some("FINISHED"));
    assert!(pairs_of(&l.tables.tags, "r1").contains(&("wandb.resumed".to_string(), "true".to_string())));
}

#[test]
fn files_another_reader_claimed_are_not_wandb_runs() {
    // An MLflow run whose artifacts happen to look like a W&B run folder.
    let t = common::tree(&[
        ("0/abc/meta.yaml", run_meta("abc", "0", 3).as_bytes()),
        ("0/abc/artifacts/files/config.yaml", b"lr:\n  value: 1\n"),
        ("0/abc/artifacts/run-x.wandb", b"not really"),
    ]);
    let l = load_tree(t);
    assert_eq!(run_ids(&l), ["abc"]);
    assert!(!l.report.formats.contains_key("wandb"), "{:?}", l.report.formats);
    assert!(l.report.issues().is_empty(), "{:?}", l.report.issues());
}

// ---- never panics ------------------------------------------------------------------------

// ---- system monitor samples -------------------------------------------------------------

#[test]
fn system_samples_with_bad_values_keep_the_good_ones_and_say_why() {
    let recs = vec![
        run_record("r1", &[], &[]),
        stats(1_700_000_000, 250_000_000, &[("cpu", "12.5"), ("gpu.0.gpu", "97")]),
        // Not JSON, not a number, no key, a huge number and NaN (the SDK's JSON writes it).
        stats(
            1_700_000_001,
            0,
            &[("cpu", "12.5.1"), ("gpu.0.gpu", "\"busy\""), ("", "1"), ("memory", "1e308"), ("disk", "NaN")],
        ),
        // A sample without a timestamp still counts as a sample.
        ld(7, &ld(3, &item("cpu", "30"))),
        exit(0),
    ];
    let l = load_tree(tree(&[(&format!("{DIR}/run-r1.wandb"), &log(&recs))]));
    assert_eq!(
        points(&l, "r1", "system/cpu"),
        [(0, Some(1_700_000_000_250), 12.5), (2, None, 30.0)],
        "the sample with a bad cpu value still advances the step"
    );
    assert_eq!(points(&l, "r1", "system/gpu.0.gpu"), [(0, Some(1_700_000_000_250), 97.0)]);
    assert_eq!(points(&l, "r1", "system/memory"), [(1, Some(1_700_000_001_000), 1e308)]);
    assert!(points(&l, "r1", "system/disk")[0].2.is_nan());
    let bad = issues_with(&l, "system metric cpu: value_json does not parse");
    assert_eq!(bad.len(), 1, "{:?}", l.report.issues());
    assert_eq!(bad[0].severity, Severity::Skipped);
    assert!(bad[0].path.ends_with("run-r1.wandb") && bad[0].offset.is_some(), "{:?}", bad[0]);
    let ig = &l.report.ignored;
    assert_eq!(ig.get("W&B system metric values that are not numbers"), Some(&1), "{ig:?}");
    assert_eq!(ig.get("W&B system metric items without a key"), Some(&1), "{ig:?}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    #[test]
    fn random_bytes_in_every_file_never_panic(
        log_bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..3000),
        side in proptest::collection::vec(proptest::num::u8::ANY, 0..400),
        with_header in proptest::bool::ANY,
    ) {
        let mut file = if with_header { b":W&B\xe1\xbe\x00".to_vec() } else { Vec::new() };
        file.extend_from_slice(&log_bytes);
        let t = tree(&[
            (&format!("{DIR}/run-r1.wandb"), &file),
            (&format!("{DIR}/files/config.yaml"), &side),
            (&format!("{DIR}/files/wandb-summary.json"), &side),
            (&format!("{DIR}/files/wandb-metadata.json"), &side),
            (&format!("{DIR}/wandb-history.jsonl"), &side),
        ]);
        let l = runql_readers::load(&[t], &LoadOptions::default());
        proptest::prop_assert!(l.is_ok());
    }

    #[test]
    fn random_records_in_valid_framing_never_panic(
        records in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..200), 0..20),
    ) {
        let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
        let t = tree(&[(&format!("{DIR}/run-r1.wandb"), &encode_log(&refs))]);
        proptest::prop_assert!(runql_readers::load(&[t], &LoadOptions::default()).is_ok());
    }

    #[test]
    fn any_cut_or_flip_of_a_real_log_never_panics(
        which in 0usize..2, cut in 0usize..200_000, flip in 0usize..200_000, bit in 0u8..8,
    ) {
        // The crashed run's long history, and the system-metrics run's stats records.
        let run = ["crash003", "sysm0005"][which];
        let (folder, mut bytes) = fixture_log(run);
        let n = bytes.len();
        bytes[flip % n] ^= 1 << bit;
        bytes.truncate(cut % (n + 1));
        let t = tree(&[(&format!("{folder}/run-{run}.wandb"), &bytes)]);
        let l = runql_readers::load(&[t], &LoadOptions::default());
        proptest::prop_assert!(l.is_ok());
    }
}
