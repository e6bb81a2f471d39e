//! runql's own tables: written as Parquet or Arrow IPC and loaded back, equal to the
//! original table for table; merged with other inputs; and cut off, corrupt, empty, huge or
//! hostile, reported with the file name, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use arrow_array::RecordBatch;
use runql_readers::columnar::{TableFormat, write_tables};
use runql_readers::{FileTree, LoadOptions, Loaded, RunTables, Severity};
use runql_synth::{SweepSpec, write_mlflow};

fn sweep(runs: usize) -> Loaded {
    let spec = SweepSpec { runs, metrics: 4, steps: 30, seed: 7 };
    let mut tree = FileTree::new("mlruns");
    write_mlflow(&spec, &mut |p: &str, b: &[u8]| {
        tree.insert(p, b.to_vec());
        Ok(())
    })
    .unwrap();
    runql_readers::load(&[tree], &LoadOptions::default()).unwrap()
}

fn written(tables: &RunTables, format: TableFormat, origin: &str) -> FileTree {
    let mut tree = FileTree::new(origin);
    write_tables(tables, format, &mut |name: &str, bytes: &[u8]| {
        tree.insert(name, bytes.to_vec());
        Ok(())
    })
    .unwrap();
    tree
}

fn assert_same(a: &RunTables, b: &RunTables) {
    for ((name, x), (_, y)) in a.tables().zip(b.tables()) {
        assert_eq!(x.schema(), y.schema(), "{name} schema");
        assert_eq!(x.num_rows(), y.num_rows(), "{name} rows");
        for (i, (cx, cy)) in x.columns().iter().zip(y.columns()).enumerate() {
            assert_eq!(cx.to_data(), cy.to_data(), "{name} column {}", x.schema().field(i).name());
        }
    }
}

/// The sweep with NaN/±inf, a null timestamp and a bare tag added, so the round trip sees them.
fn tricky() -> RunTables {
    use runql_core::model::{MetricSeries, RunData, RunInfo};
    let base = sweep(3);
    let mut b = runql_core::TablesBuilder::new();
    let mut s = MetricSeries::new("weird");
    s.push(0, None, f64::NAN);
    s.push(1, Some(1_700_000_000_000), f64::INFINITY);
    s.push(2, Some(-5), f64::NEG_INFINITY);
    s.push(i64::MAX, Some(i64::MIN), -0.0);
    b.add_run(RunData {
        info: RunInfo {
            run_id: "x".into(),
            source: "test".into(),
            origin: "o".into(),
            created_at_ms: Some(-1),
            ..Default::default()
        },
        params: vec![("lr".into(), "nan".into()), ("empty".into(), String::new())],
        tags: vec![("bare".into(), None), ("k".into(), Some("v".into()))],
        metrics: vec![s, MetricSeries::new("no points")],
    })
    .unwrap();
    b.add_model(runql_core::model::ModelRecord {
        kind: "logged_model".into(),
        name: "m".into(),
        version: Some(2),
        origin: "o".into(),
        ..Default::default()
    });
    let extra = b.finish().unwrap();
    // Two independent sets would merge; keep them apart and check each.
    let _ = base;
    extra
}

#[test]
fn parquet_round_trip_is_lossless() {
    let original = sweep(5).tables;
    let tree = written(&original, TableFormat::Parquet, "out");
    let loaded = runql_readers::load(&[tree], &LoadOptions::default()).unwrap();
    assert_eq!(loaded.report.issue_count(Severity::Skipped), 0, "{}", loaded.report);
    assert_eq!(loaded.report.formats.get("runql-tables"), Some(&5));
    assert_same(&original, &loaded.tables);
}

#[test]
fn arrow_round_trip_is_lossless() {
    let original = sweep(5).tables;
    let tree = written(&original, TableFormat::Arrow, "out");
    let loaded = runql_readers::load(&[tree], &LoadOptions::default()).unwrap();
    assert_same(&original, &loaded.tables);
}

#[test]
fn nan_inf_nulls_and_empty_series_survive_both_formats() {
    let original = tricky();
    for format in [TableFormat::Parquet, TableFormat::Arrow] {
        let loaded =
            runql_readers::load(&[written(&original, format, "out")], &LoadOptions::default()).unwrap();
        assert_same(&original, &loaded.tables);
    }
}

#[test]
fn merged_with_another_input_the_tables_are_rebuilt_equal() {
    let original = sweep(4).tables;
    let tree = written(&original, TableFormat::Parquet, "out");
    let other = written(&tricky(), TableFormat::Arrow, "other");
    let loaded = runql_readers::load(&[tree, other], &LoadOptions::default()).unwrap();
    assert_eq!(loaded.tables.runs.num_rows(), 5);
    // The first input's rows come first and equal the original.
    let metrics = loaded.tables.metrics.slice(0, original.metrics.num_rows());
    let want = arrow_cast::cast(original.metrics.column(2), metrics.column(2).data_type()).unwrap();
    assert_eq!(want.to_data(), metrics.column(2).to_data());
    assert_eq!(
        original.metric_summary.slice(0, original.metric_summary.num_rows()),
        loaded.tables.metric_summary.slice(0, original.metric_summary.num_rows())
    );
}

#[test]
fn tables_with_a_missing_summary_take_the_merge_path() {
    let original = sweep(3).tables;
    let mut tree = FileTree::new("out");
    write_tables(&original, TableFormat::Parquet, &mut |name: &str, bytes: &[u8]| {
        if name != "metric_summary.parquet" && name != "runs_wide.parquet" {
            tree.insert(name, bytes.to_vec());
        }
        Ok(())
    })
    .unwrap();
    let loaded = runql_readers::load(&[tree], &LoadOptions::default()).unwrap();
    assert_same(&original, &loaded.tables);
}

fn tree_with(files: &[(&str, Vec<u8>)]) -> FileTree {
    let mut t = FileTree::new("bad");
    for (p, b) in files {
        t.insert(p, b.clone());
    }
    t
}

fn good_files(format: TableFormat) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    write_tables(&sweep(2).tables, format, &mut |name: &str, bytes: &[u8]| {
        out.push((name.to_string(), bytes.to_vec()));
        Ok(())
    })
    .unwrap();
    out
}

fn load_with(replace: &str, bytes: Vec<u8>, format: TableFormat) -> Result<Loaded, runql_core::CoreError> {
    let files: Vec<(String, Vec<u8>)> = good_files(format)
        .into_iter()
        .map(|(n, b)| if n == replace { (n, bytes.clone()) } else { (n, b) })
        .collect();
    let refs: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    runql_readers::load(&[tree_with(&refs)], &LoadOptions::default())
}

fn skipped_text(l: &Loaded) -> String {
    l.report
        .issues()
        .iter()
        .filter(|i| i.severity == Severity::Skipped)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn truncated_metrics_file_is_a_skip_naming_it_and_runs_still_load() {
    for format in [TableFormat::Parquet, TableFormat::Arrow] {
        let name = format!("metrics{}", format.extension());
        let full = good_files(format).into_iter().find(|(n, _)| *n == name).unwrap().1;
        for cut in [full.len() / 2, full.len() - 1, 12, 9, 4] {
            let l = load_with(&name, full[..cut].to_vec(), format).unwrap();
            let s = skipped_text(&l);
            assert!(s.contains(&format!("bad/{name}")), "{format:?} cut {cut}: {s}");
            assert_eq!(l.tables.runs.num_rows(), 2);
            assert_eq!(l.tables.metrics.num_rows(), 0);
        }
    }
}

#[test]
fn corrupt_runs_file_skips_the_folder_with_reasons() {
    let mut bytes = b"PAR1".to_vec();
    bytes.extend(std::iter::repeat_n(0xAB, 200));
    bytes.extend(b"\x10\x00\x00\x00PAR1");
    let l = load_with("runs.parquet", bytes, TableFormat::Parquet);
    let l = l.unwrap();
    let s = skipped_text(&l);
    assert!(s.contains("bad/runs.parquet"), "{s}");
    assert!(s.contains("bad/metrics.parquet"), "{s}");
    assert_eq!(l.tables.runs.num_rows(), 0);
}

#[test]
fn hostile_footer_lengths_are_refused_before_allocating() {
    // A footer length of 4 GiB - 1 on a tiny file.
    let mut bytes = b"PAR1".to_vec();
    bytes.extend(b"\xff\xff\xff\xffPAR1");
    let l = load_with("metrics.parquet", bytes, TableFormat::Parquet).unwrap();
    assert!(skipped_text(&l).contains("footer"), "{}", skipped_text(&l));
    // Arrow IPC: a negative footer length, then one longer than the file.
    for len in [-7i32, 1 << 30] {
        let mut bytes = b"ARROW1\0\0".to_vec();
        bytes.extend(len.to_le_bytes());
        bytes.extend(b"ARROW1");
        let l = load_with("metrics.arrow", bytes, TableFormat::Arrow).unwrap();
        assert!(skipped_text(&l).contains("bad/metrics.arrow"), "{}", skipped_text(&l));
    }
}

#[test]
fn empty_table_files_are_reported() {
    let l = load_with("tags.parquet", Vec::new(), TableFormat::Parquet).unwrap();
    assert!(skipped_text(&l).contains("bad/tags.parquet"), "{}", skipped_text(&l));
    assert_eq!(l.tables.runs.num_rows(), 2);
}

#[test]
fn a_huge_wide_table_takes_the_merge_path_under_the_column_cap() {
    let original = sweep(3).tables;
    let tree = written(&original, TableFormat::Arrow, "out");
    let options = LoadOptions { max_wide_columns: 2, ..LoadOptions::default() };
    let l = runql_readers::load(&[tree], &options).unwrap();
    assert_eq!(l.tables.runs_wide.num_columns(), 15 + 2);
}

fn _unused(_: RecordBatch) {}

#[test]
fn tables_next_to_other_run_data_in_one_folder_are_merged() {
    let original = sweep(2).tables;
    let mut tree = written(&original, TableFormat::Parquet, "mixed");
    tree.insert("extra/m.csv", b"run_id,key,step,value\nz,loss,0,1.5\n".to_vec());
    let l = runql_readers::load(&[tree], &LoadOptions::default()).unwrap();
    assert_eq!(l.tables.runs.num_rows(), 3);
    assert_eq!(l.report.formats.get("runql-tables"), Some(&2));
    assert_eq!(l.report.formats.get("table"), Some(&1));
    assert_eq!(l.tables.metrics.num_rows(), original.metrics.num_rows() + 1);
}
