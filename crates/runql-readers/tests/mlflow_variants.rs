//! Every MLflow file-store variant in docs/formats.md §1, built in memory.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::*;
use runql_readers::{FileTree, LoadOptions};

const RUN: &str = "0123456789abcdef0123456789abcdef";

#[test]
fn two_three_and_five_field_lines_nan_inf_and_duplicates() {
    let metric = b"1700000000000 0.5\n1700000000001 nan 1\n1700000000002 inf 2\n1700000000003 -inf 3\n1700000000004 0.25 4 train abc\n1700000000004 0.25 4 train abc\n";
    let l = load(tree(&[("0/r/meta.yaml", run_meta(RUN, "0", 3).as_bytes()), ("0/r/metrics/loss", metric)]));
    let p = points(&l, RUN, "loss");
    assert_eq!(p.len(), 6, "duplicates are kept, as MLflow's get_metric_history returns them");
    assert_eq!(p[0], (0, Some(1700000000000), 0.5));
    assert!(p[1].2.is_nan());
    assert_eq!((p[2].2, p[3].2), (f64::INFINITY, f64::NEG_INFINITY));
    assert_eq!(summary(&l, RUN, "loss", "last"), Some(0.25));
    assert_eq!(summary(&l, RUN, "loss", "nan_count"), Some(1.0));
    assert_eq!(summary(&l, RUN, "loss", "min"), Some(f64::NEG_INFINITY));
    assert_eq!(l.report.ignored.get("dataset references on metric points (MLflow 3)"), Some(&2));
    assert!(skipped(&l).is_empty(), "{:?}", skipped(&l));
}

#[test]
fn keys_with_slashes_become_nested_folders() {
    let l = load(tree(&[
        ("0/r/meta.yaml", run_meta(RUN, "0", 3).as_bytes()),
        ("0/r/metrics/val/acc/top1", b"1 0.9 0\n"),
        ("0/r/params/optimizer/lr", b"0.001"),
        ("0/r/tags/team/name", b"vision"),
    ]));
    assert_eq!(points(&l, RUN, "val/acc/top1"), [(0, Some(1), 0.9)]);
    assert_eq!(strings(&l.tables.params, "key"), [Some("optimizer/lr".into())]);
    assert_eq!(strings(&l.tables.tags, "key"), [Some("team/name".into())]);
}

#[test]
fn mlflow_1x_meta_with_int_ids_run_uuid_null_end_and_name_from_tag() {
    let meta = format!(
        "artifact_uri: file:///x\nend_time: null\nentry_point_name: ''\nexperiment_id: 0\nlifecycle_stage: active\nname: ''\nrun_uuid: {RUN}\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: 1600000000000\nstatus: 1\ntags: []\nuser_id: old\n"
    );
    let l = load(tree(&[("0/r/meta.yaml", meta.as_bytes()), ("0/r/tags/mlflow.runName", b"legacy-run")]));
    let runs = &l.tables.runs;
    assert_eq!(strings(runs, "run_id"), [Some(RUN.into())]);
    assert_eq!(strings(runs, "name"), [Some("legacy-run".into())]);
    assert_eq!(strings(runs, "experiment_id"), [Some("0".into())]);
    assert_eq!(strings(runs, "status"), [Some("RUNNING".into())]);
    assert_eq!(strings(runs, "project"), [Some("Default".into())]);
    let ended = runs.column_by_name("ended_at").unwrap();
    assert!(ended.is_null(0));
}

#[test]
fn int_status_enum_and_deleted_runs_are_kept_with_their_lifecycle() {
    let deleted = run_meta("d", "0", 5).replace("lifecycle_stage: active", "lifecycle_stage: deleted")
        + "deleted_time: 1700000200000\n";
    let l = load(tree(&[
        ("0/a/meta.yaml", run_meta("a", "0", 3).as_bytes()),
        ("0/b/meta.yaml", run_meta("b", "0", 4).as_bytes()),
        ("0/d/meta.yaml", deleted.as_bytes()),
    ]));
    let runs = &l.tables.runs;
    assert_eq!(
        strings(runs, "status"),
        [Some("FINISHED".into()), Some("FAILED".into()), Some("KILLED".into())]
    );
    assert_eq!(
        strings(runs, "lifecycle"),
        [Some("active".into()), Some("active".into()), Some("deleted".into())]
    );
}

#[test]
fn runs_of_trashed_experiments_are_deleted() {
    let exp = "artifact_location: x\nexperiment_id: '7'\nlifecycle_stage: deleted\nname: old\n";
    let l = load(tree(&[
        (".trash/7/meta.yaml", exp.as_bytes()),
        (".trash/7/t/meta.yaml", run_meta("t", "7", 3).as_bytes()),
    ]));
    assert_eq!(strings(&l.tables.runs, "lifecycle"), [Some("deleted".into())]);
    assert_eq!(strings(&l.tables.runs, "project"), [Some("old".into())]);
}

#[test]
fn nested_runs_get_parent_run_id() {
    let l = load(tree(&[
        ("0/p/meta.yaml", run_meta("p", "0", 3).as_bytes()),
        ("0/c/meta.yaml", run_meta("c", "0", 3).as_bytes()),
        ("0/c/tags/mlflow.parentRunId", b"p"),
    ]));
    let mut pairs: Vec<_> =
        strings(&l.tables.runs, "run_id").into_iter().zip(strings(&l.tables.runs, "parent_run_id")).collect();
    pairs.sort();
    assert_eq!(pairs, [(Some("c".into()), Some("p".into())), (Some("p".into()), None)]);
}

#[test]
fn logged_models_and_registry_load_into_models() {
    let logged = "artifact_location: file:///x/models/m-1/artifacts\ncreation_timestamp: 1754898729951\nexperiment_id: '0'\nlast_updated_timestamp: 1\nmodel_id: m-1\nmodel_type: null\nname: RandomForest\nsource_run_id: r\nstatus: 2\nstatus_message: null\n";
    let reg = "aliases:\n  production: '1'\ncreation_timestamp: 1754898791673\ndescription: ''\nlast_updated_timestamp: 1\nname: iris\n";
    let v1 = "aliases: []\ncreation_timestamp: 1754898791686\ncurrent_stage: None\ndescription: ''\nlast_updated_timestamp: 1\nmetrics: null\nmodel_id: m-1\nname: iris\nparams: null\nrun_id: ''\nrun_link: ''\nsource: file:///x\nstatus: READY\nversion: 1\n";
    let v2 = v1
        .replace("version: 1", "version: 2")
        .replace("current_stage: None", "current_stage: Deleted_Internal");
    let l = load(tree(&[
        ("0/r/meta.yaml", run_meta("r", "0", 3).as_bytes()),
        ("0/r/outputs/m-1/meta.yaml", b"destination_id: m-1\ndestination_type: MODEL_OUTPUT\nsource_id: r\nsource_type: RUN_OUTPUT\nstep: 0\ntags: {}\n"),
        ("0/models/m-1/meta.yaml", logged.as_bytes()),
        ("0/models/m-1/metrics/accuracy", b"1754898729932 1.0 0 r\n"),
        ("models/iris/meta.yaml", reg.as_bytes()),
        ("models/iris/aliases/champion", b"1"),
        ("models/iris/version-1/meta.yaml", v1.as_bytes()),
        ("models/iris/version-2/meta.yaml", v2.as_bytes()),
    ]));
    let m = &l.tables.models;
    assert_eq!(strings(m, "kind"), [Some("logged_model".into()), Some("registered_version".into())]);
    assert_eq!(strings(m, "run_id"), [Some("r".into()), None]);
    assert_eq!(strings(m, "model_id"), [Some("m-1".into()), Some("m-1".into())]);
    // The aliases/ folder is MLflow's source of truth, over the meta.yaml mapping.
    assert_eq!(strings(m, "aliases"), [None, Some("champion".into())]);
    assert_eq!(l.report.ignored.get("soft-deleted model versions"), Some(&1));
    assert!(skipped(&l).is_empty(), "{:?}", skipped(&l));
}

#[test]
fn pointing_at_a_single_run_folder_works() {
    let mut t = FileTree::new("0/r");
    t.insert("meta.yaml", run_meta(RUN, "0", 3).into_bytes());
    t.insert("metrics/loss", b"1 0.5 0\n".to_vec());
    let l = runql_readers::load(&[t], &LoadOptions::default()).unwrap();
    assert_eq!(l.tables.runs.num_rows(), 1);
    assert_eq!(points(&l, RUN, "loss").len(), 1);
}

#[test]
fn artifacts_experiment_tags_and_dataset_metadata_are_counted_not_lost() {
    let l = load(tree(&[
        ("0/tags/mlflow.note.content", b"note"),
        ("0/datasets/abc/meta.yaml", b"digest: d\nname: ds\nsource_type: local\nsource: x\n"),
        ("0/r/meta.yaml", run_meta("r", "0", 3).as_bytes()),
        ("0/r/artifacts/model.pkl", b"\x00\x01"),
        (
            "0/r/inputs/abc/meta.yaml",
            b"destination_id: r\ndestination_type: RUN\nsource_id: abc\nsource_type: DATASET\ntags: {}\n",
        ),
    ]));
    assert_eq!(l.report.ignored.get("MLflow artifact files"), Some(&1));
    assert_eq!(l.report.ignored.get("MLflow experiment tag files"), Some(&1));
    assert_eq!(l.report.ignored.get("MLflow dataset metadata files"), Some(&1));
    assert_eq!(l.report.ignored.get("MLflow run input/output links"), Some(&1));
    assert!(skipped(&l).is_empty(), "{:?}", skipped(&l));
}

#[test]
fn runs_wide_has_mlflow_style_columns_typed_by_content() {
    let l = load(tree(&[
        ("0/a/meta.yaml", run_meta("a", "0", 3).as_bytes()),
        ("0/a/params/lr", b"0.001"),
        ("0/a/params/optimizer", b"adam"),
        ("0/a/tags/model_size", b"7b"),
        ("0/a/metrics/val/loss", b"1 0.9 0\n2 0.4 1\n"),
        ("0/b/meta.yaml", run_meta("b", "0", 3).as_bytes()),
        ("0/b/params/lr", b"1e-2"),
    ]));
    let w = &l.tables.runs_wide;
    let schema = w.schema();
    let ty = |n: &str| schema.field_with_name(n).map(|f| f.data_type().clone()).unwrap();
    assert_eq!(ty("params.lr"), arrow_schema::DataType::Float64);
    assert_eq!(ty("params.optimizer"), arrow_schema::DataType::Utf8);
    assert_eq!(ty("metrics.val/loss"), arrow_schema::DataType::Float64);
    assert_eq!(strings(w, "tags.model_size"), [Some("7b".into()), None]);
}
