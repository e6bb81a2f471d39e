//! Plain tables as Parquet and Arrow IPC (long and wide, by the CSV reader's column rules),
//! and columnar bytes that are cut off, corrupt, empty, huge or hostile: a clear skip naming
//! the file, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::sync::Arc;

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{
    ArrayRef, DictionaryArray, Float64Array, Int32Array, RecordBatch, StringArray, TimestampSecondArray,
    types::Int32Type,
};
use common::{skipped, strings};
use proptest::prelude::*;
use runql_readers::columnar::{Container, read::decode_checked};
use runql_readers::{FileTree, LoadOptions, Loaded};

fn parquet_bytes(batch: &RecordBatch) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), None).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
    out
}

fn ipc_stream_bytes(batch: &RecordBatch) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = arrow_ipc::writer::StreamWriter::try_new(&mut out, &batch.schema()).unwrap();
    w.write(batch).unwrap();
    w.finish().unwrap();
    drop(w);
    out
}

fn long_batch() -> RecordBatch {
    let runs: DictionaryArray<Int32Type> = vec!["r1", "r1", "r1", "r2"].into_iter().collect();
    let cols: Vec<(&str, ArrayRef)> = vec![
        ("Run ID", Arc::new(runs)),
        ("metric", Arc::new(StringArray::from(vec!["loss", "loss", "loss", "acc"]))),
        ("step", Arc::new(Float64Array::from(vec![Some(0.0), Some(1.0), Some(2.5), None]))),
        (
            "timestamp",
            Arc::new(TimestampSecondArray::from(vec![
                Some(1_700_000_000),
                None,
                Some(1_700_000_002),
                Some(5),
            ])),
        ),
        ("value", Arc::new(Int32Array::from(vec![Some(3), Some(2), Some(1), None]))),
    ];
    RecordBatch::try_from_iter(cols).unwrap()
}

fn load(files: Vec<(&str, Vec<u8>)>) -> Loaded {
    let mut tree = FileTree::new("up");
    for (p, b) in files {
        tree.insert(p, b);
    }
    runql_readers::load(&[tree], &LoadOptions::default()).unwrap()
}

#[test]
fn long_parquet_and_ipc_stream_follow_the_csv_column_rules() {
    for (name, bytes) in
        [("hist.parquet", parquet_bytes(&long_batch())), ("hist.arrows", ipc_stream_bytes(&long_batch()))]
    {
        let mut tree = FileTree::new("up");
        tree.insert(name, bytes.clone());
        assert_eq!(found_formats(&tree), ["table"], "{name}");
        let l = load(vec![(name, bytes)]);
        let m = &l.tables.metrics;
        let steps: Vec<i64> = m.column_by_name("step").unwrap().as_primitive::<Int64Type>().values().to_vec();
        assert_eq!(steps, [0, 1], "{name}");
        let ts = m.column_by_name("timestamp").unwrap().as_primitive::<Int64Type>();
        assert_eq!(ts.value(0), 1_700_000_000_000);
        assert!(ts.is_null(1));
        let values: Vec<f64> =
            m.column_by_name("value").unwrap().as_primitive::<Float64Type>().values().to_vec();
        assert_eq!(values, [3.0, 2.0]);
        let s = skipped(&l);
        assert_eq!(s.len(), 2, "{s:?}");
        assert!(
            s[0].contains(&format!("up/{name}")) && s[0].contains("row 3") && s[0].contains("2.5"),
            "{s:?}"
        );
        assert!(s[1].contains("row 4") && s[1].contains("value"), "{s:?}");
    }
}

#[test]
fn wide_parquet_types_bare_columns_and_merges_with_a_long_csv() {
    let cols: Vec<(&str, ArrayRef)> = vec![
        ("run_id", Arc::new(StringArray::from(vec!["r1", "r2"]))),
        ("params.lr", Arc::new(Float64Array::from(vec![0.001, 0.1]))),
        ("metrics.acc", Arc::new(Float64Array::from(vec![Some(0.5), Some(f64::NAN)]))),
        ("optimizer", Arc::new(StringArray::from(vec![Some("adam"), None]))),
        ("epochs", Arc::new(Int32Array::from(vec![3, 4]))),
        ("tags.team", Arc::new(StringArray::from(vec!["a", "b"]))),
    ];
    let batch = RecordBatch::try_from_iter(cols).unwrap();
    let csv = b"run_id,key,step,value\nr1,loss,0,1.5\n".to_vec();
    let l = load(vec![("runs.parquet", parquet_bytes(&batch)), ("loss.csv", csv)]);
    assert_eq!(l.report.formats.get("table"), Some(&2), "{}", l.report);
    assert!(skipped(&l).is_empty(), "{:?}", skipped(&l));
    let p = &l.tables.params;
    let pairs: Vec<(Option<String>, Option<String>, Option<String>)> = strings(p, "run_id")
        .into_iter()
        .zip(strings(p, "key"))
        .zip(strings(p, "value"))
        .map(|((a, b), c)| (a, b, c))
        .collect();
    assert!(pairs.contains(&(Some("r1".into()), Some("lr".into()), Some("0.001".into()))), "{pairs:?}");
    assert!(pairs.contains(&(Some("r1".into()), Some("optimizer".into()), Some("adam".into()))), "{pairs:?}");
    // A numeric bare column is a metric, as in CSV.
    assert_eq!(l.tables.metric_summary.num_rows(), 2 + 2 + 1, "acc and epochs per run, loss of r1");
    assert_eq!(strings(&l.tables.tags, "value"), [Some("a".into()), Some("b".into())]);
}

#[test]
fn unrecognized_and_unreadable_columnar_files_are_reported() {
    let other =
        RecordBatch::try_from_iter(vec![("a", Arc::new(Int32Array::from(vec![1])) as ArrayRef)]).unwrap();
    let csv = b"run_id,key,value\nr1,loss,1\n".to_vec();
    let l = load(vec![
        ("notes.parquet", parquet_bytes(&other)),
        ("broken.parquet", b"PAR1garbagegarbage\x05\x00\x00\x00PAR1".to_vec()),
        ("cut.arrow", b"ARROW1\x00\x00\xff\xff\xff\xff".to_vec()),
        ("m.csv", csv),
    ]);
    let s = skipped(&l).join("\n");
    for f in ["up/notes.parquet", "up/broken.parquet", "up/cut.arrow"] {
        assert!(s.contains(f), "{f} not reported: {s}");
    }
}

#[test]
fn hostile_ipc_lengths_are_refused_before_allocating() {
    // A stream whose first message claims 2 GiB of metadata, and one whose body is negative.
    let mut s = vec![0xff, 0xff, 0xff, 0xff];
    s.extend(0x7fff_fff0i32.to_le_bytes());
    s.extend([0u8; 16]);
    assert!(decode_checked(bytes::Bytes::from(s), Container::IpcStream, None).is_err());
    let good = ipc_stream_bytes(&long_batch());
    for cut in [4, 9, good.len() / 2, good.len() - 9] {
        let r = decode_checked(bytes::Bytes::copy_from_slice(&good[..cut]), Container::IpcStream, None);
        assert!(r.is_err() || cut == good.len() - 9, "cut {cut}");
    }
}

#[test]
fn a_huge_declared_parquet_footer_is_refused() {
    let mut b = b"PAR1".to_vec();
    b.extend([0u8; 64]);
    b.extend(0x7fff_ffffu32.to_le_bytes());
    b.extend(b"PAR1");
    let e = decode_checked(bytes::Bytes::from(b), Container::Parquet, None).unwrap_err();
    assert!(e.contains("footer"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_between_par1_magics_never_panic(body in proptest::collection::vec(any::<u8>(), 0..600), len in any::<u32>(), small in 0u32..700) {
        for footer in [len, small] {
            let mut b = b"PAR1".to_vec();
            b.extend(&body);
            b.extend(footer.to_le_bytes());
            b.extend(b"PAR1");
            let _ = decode_checked(bytes::Bytes::from(b), Container::Parquet, None);
        }
    }

    /// Flipped bytes inside Parquet *pages* (bit widths of RLE runs, dictionary indices) reach
    /// the parquet crate's decoders, which assert on some of them; every size the footer
    /// declares is checked first, and `decode`'s unwind backstop turns the rest into a skip
    /// natively. (In wasm a panic aborts: a known gap, see columnar::read.)
    #[test]
    fn mutated_parquet_never_panics(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut b = parquet_bytes(&long_batch());
        for (at, x) in flips {
            let i = at.index(b.len());
            b[i] ^= x | 1;
        }
        let _ = runql_readers::columnar::decode(bytes::Bytes::from(b), Container::Parquet, None);
    }

    #[test]
    fn mutated_ipc_never_panics(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8), file in any::<bool>()) {
        let batch = long_batch();
        let mut b = if file {
            let mut out = Vec::new();
            let mut w = arrow_ipc::writer::FileWriter::try_new(&mut out, &batch.schema()).unwrap();
            w.write(&batch).unwrap();
            w.finish().unwrap();
            drop(w);
            out
        } else {
            ipc_stream_bytes(&batch)
        };
        for (at, x) in flips {
            let i = at.index(b.len());
            b[i] ^= x | 1;
        }
        let kind = if file { Container::IpcFile } else { Container::IpcStream };
        let _ = decode_checked(bytes::Bytes::from(b), kind, None);
    }
}

#[test]
fn a_single_file_is_recognized_by_magic_bytes_whatever_its_name() {
    let mut tree = FileTree::new("export.bin");
    tree.insert("export.bin", parquet_bytes(&long_batch()));
    assert_eq!(found_formats(&tree), ["table"]);
    let l = runql_readers::load(&[tree], &LoadOptions::default()).unwrap();
    assert_eq!(l.tables.metrics.num_rows(), 2);
    // A file named .parquet without the magic bytes is reported, not read.
    let l = load(vec![
        ("fake.parquet", b"run_id,key,value\n".to_vec()),
        ("m.csv", b"run_id,key,value\nr,k,1\n".to_vec()),
    ]);
    assert!(skipped(&l).iter().any(|s| s.contains("up/fake.parquet")), "{:?}", skipped(&l));
}

/// The names of the formats found in `tree`, in detection order.
fn found_formats(tree: &runql_readers::FileTree) -> Vec<&'static str> {
    runql_readers::registry::detect(tree).iter().map(|r| r.name).collect()
}
