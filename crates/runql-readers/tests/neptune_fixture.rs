//! neptune-exporter Parquet: the synthetic fixture of tests/fixtures/neptune (written from
//! the exporter's documented schema), and broken variants of it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type, TimestampMillisecondType};
use arrow_array::{Array, RecordBatch};
use common::{skipped, strings, warnings};
use runql_readers::{FileTree, LoadOptions, Loaded};

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/neptune")
}

fn load() -> Loaded {
    let tree = FileTree::from_path(&fixture_dir()).unwrap();
    runql_readers::load(&[tree], &LoadOptions::default()).unwrap()
}

fn dict_strings(batch: &RecordBatch, name: &str) -> Vec<String> {
    let c = arrow_cast::cast(batch.column_by_name(name).unwrap(), &arrow_schema::DataType::Utf8).unwrap();
    let c = c.as_string::<i32>();
    (0..c.len()).map(|i| c.value(i).to_string()).collect()
}

/// `(step, value)` of every point of `run`/`key`.
fn points(l: &Loaded, run: &str, key: &str) -> Vec<(i64, f64)> {
    let m = &l.tables.metrics;
    let (runs, keys) = (dict_strings(m, "run_id"), dict_strings(m, "key"));
    let steps = m.column_by_name("step").unwrap().as_primitive::<Int64Type>();
    let values = m.column_by_name("value").unwrap().as_primitive::<Float64Type>();
    (0..m.num_rows())
        .filter(|&i| runs[i] == run && keys[i] == key)
        .map(|i| (steps.value(i), values.value(i)))
        .collect()
}

fn kv(l: &Loaded, table: &str, run: &str) -> BTreeMap<String, Option<String>> {
    let t = if table == "params" { &l.tables.params } else { &l.tables.tags };
    let (runs, keys, values) = (strings(t, "run_id"), strings(t, "key"), strings(t, "value"));
    (0..t.num_rows())
        .filter(|&i| runs[i].as_deref() == Some(run))
        .map(|i| (keys[i].clone().unwrap(), values[i].clone()))
        .collect()
}

#[test]
fn detected_by_columns() {
    let tree = FileTree::from_path(&fixture_dir()).unwrap();
    assert_eq!(found_formats(&tree), ["neptune"]);
}

#[test]
fn runs_merge_parts_and_qualify_ids_used_in_two_projects() {
    let l = load();
    assert_eq!(l.report.formats.get("neptune"), Some(&3));
    let ids = strings(&l.tables.runs, "run_id");
    // Files in path order: acme_nlp-… sorts before acme_vision-….
    assert_eq!(ids, [Some("acme/nlp/VIS-1".into()), Some("acme/vision/VIS-1".into()), Some("VIS-2".into())]);
    // The loss curve continues across _part_0 and _part_1.
    let loss = points(&l, "acme/vision/VIS-1", "metrics/train/loss");
    assert_eq!(loss.iter().map(|p| p.0).collect::<Vec<_>>(), (0..10).collect::<Vec<_>>());
    assert_eq!(loss[9].1, 0.1);
    let names = strings(&l.tables.runs, "name");
    assert_eq!(names[1].as_deref(), Some("resnet-baseline"));
    assert_eq!(strings(&l.tables.runs, "project")[0].as_deref(), Some("acme/nlp"));
    assert_eq!(strings(&l.tables.runs, "run_group")[0].as_deref(), Some("bert-sweep"));
    assert_eq!(strings(&l.tables.runs, "status")[2].as_deref(), Some("FAILED"));
    assert_eq!(strings(&l.tables.runs, "user")[1].as_deref(), Some("ana"));
    let created =
        l.tables.runs.column_by_name("created_at").unwrap().as_primitive::<TimestampMillisecondType>();
    assert_eq!(created.value(1), 1_767_225_600_000);
}

#[test]
fn fractional_steps_are_micro_steps_with_a_tag_and_a_warning() {
    let l = load();
    let val = points(&l, "VIS-2", "metrics/val/loss");
    assert_eq!(val.iter().map(|p| p.0).collect::<Vec<_>>(), [500_000, 1_000_000, 1_500_000, 2_000_000]);
    assert!(val[2].1.is_nan() && val[3].1 == f64::INFINITY);
    // Integral series of the same run keep plain steps.
    assert_eq!(points(&l, "VIS-2", "metrics/train/loss"), [(0, f64::NEG_INFINITY), (1, 0.5)]);
    let tags = kv(&l, "tags", "VIS-2");
    assert_eq!(tags.get("runql.step_scale.metrics/val/loss"), Some(&Some("1000000".into())));
    assert!(
        warnings(&l).iter().any(|w| w.contains("metrics/val/loss has fractional steps")),
        "{:?}",
        warnings(&l)
    );
}

#[test]
fn atoms_are_params_and_string_sets_are_tags() {
    let l = load();
    let params = kv(&l, "params", "acme/nlp/VIS-1");
    assert_eq!(params.get("config/use_amp"), Some(&Some("false".into())));
    assert_eq!(params.get("eval/f1"), Some(&Some("0.875".into())));
    assert!(params.get("config/started").unwrap().as_deref().unwrap().starts_with("2026-01-01T00:00:00"));
    let vparams = kv(&l, "params", "acme/vision/VIS-1");
    assert_eq!(vparams.get("config/batch_size"), Some(&Some("64".into())));
    assert_eq!(vparams.get("config/lr"), Some(&Some("0.001".into())));
    let tags = kv(&l, "tags", "acme/nlp/VIS-1");
    assert_eq!(tags.get("nlp"), Some(&None));
    assert_eq!(tags.get("sys/group_tags"), Some(&Some("team-a,team-b".into())));
    assert_eq!(kv(&l, "tags", "acme/vision/VIS-1").get("model_size:7b"), Some(&None));
}

#[test]
fn untabulated_kinds_are_counted_and_the_tmp_part_is_reported() {
    let l = load();
    let ignored = &l.report.ignored;
    assert_eq!(ignored.get("neptune string_series values (not tabulated)"), Some(&2), "{ignored:?}");
    assert_eq!(ignored.get("neptune histogram_series values (not tabulated)"), Some(&1));
    assert_eq!(ignored.get("neptune file values (not tabulated)"), Some(&1));
    let s: Vec<String> = skipped(&l).into_iter().filter(|s| !s.contains("README.md")).collect();
    assert_eq!(s.len(), 1, "{s:?}");
    assert!(s[0].contains(".parquet.tmp"), "{s:?}");
}

fn fixture_files() -> Vec<(String, Vec<u8>)> {
    let tree = FileTree::from_path(&fixture_dir()).unwrap();
    tree.paths()
        .filter(|p| p.ends_with(".parquet"))
        .map(|p| (p.to_string(), tree.read(p).unwrap().into_owned()))
        .collect()
}

#[test]
fn truncated_corrupt_and_empty_parts_are_skips_naming_the_file() {
    let files = fixture_files();
    let (victim, bytes) = files.iter().find(|(p, _)| p.contains("VIS-2")).unwrap();
    let mut variants: Vec<Vec<u8>> =
        vec![bytes[..bytes.len() / 2].to_vec(), bytes[..bytes.len() - 3].to_vec(), Vec::new()];
    let mut corrupt = bytes.clone();
    let n = corrupt.len();
    for b in &mut corrupt[n / 3..n / 2] {
        *b ^= 0x5a;
    }
    variants.push(corrupt);
    for (k, broken) in variants.into_iter().enumerate() {
        let mut tree = FileTree::new("nep");
        for (p, b) in &files {
            tree.insert(p, if p == victim { broken.clone() } else { b.clone() });
        }
        let l = runql_readers::load(&[tree], &LoadOptions::default()).unwrap();
        let s = skipped(&l);
        assert!(s.iter().any(|s| s.contains("VIS-2")), "variant {k}: {s:?}");
        assert!(strings(&l.tables.runs, "run_id").contains(&Some("acme/vision/VIS-1".into())), "variant {k}");
    }
}

/// The names of the formats found in `tree`, in detection order.
fn found_formats(tree: &runql_readers::FileTree) -> Vec<&'static str> {
    runql_readers::registry::detect(tree).iter().map(|r| r.name).collect()
}
