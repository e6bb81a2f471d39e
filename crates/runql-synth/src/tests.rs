//! End-to-end tests of the generated MLflow store.

use std::collections::BTreeMap;

use super::{SweepSpec, SweepSummary, write_mlflow};
use runql_readers::{FileTree, LoadOptions, load};

type Files = BTreeMap<String, Vec<u8>>;

fn generate(spec: &SweepSpec) -> (Files, SweepSummary) {
    let mut files = Files::new();
    let summary = write_mlflow(spec, &mut |path, bytes| {
        assert!(files.insert(path.to_string(), bytes.to_vec()).is_none(), "{path} written twice");
        Ok(())
    })
    .unwrap();
    (files, summary)
}

fn text(files: &Files, path: &str) -> String {
    String::from_utf8(files[path].clone()).unwrap()
}

/// `run dir → (meta.yaml, params, final val/loss)` for every run.
struct Run {
    dir: String,
    meta: String,
    params: BTreeMap<String, String>,
    final_val_loss: f64,
}

fn runs(files: &Files, summary: &SweepSummary) -> Vec<Run> {
    let prefix = format!("mlruns/{}/", summary.experiment_id);
    files
        .keys()
        .filter(|p| p.starts_with(&prefix) && p.ends_with("/meta.yaml") && p.matches('/').count() == 3)
        .map(|meta_path| {
            let dir = meta_path.trim_end_matches("/meta.yaml").to_string();
            let params = files
                .iter()
                .filter_map(|(p, v)| {
                    let key = p.strip_prefix(&format!("{dir}/params/"))?;
                    Some((key.to_string(), String::from_utf8(v.clone()).unwrap()))
                })
                .collect();
            let loss = text(files, &format!("{dir}/metrics/val/loss"));
            let last = loss.lines().last().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
            Run { dir, meta: text(files, meta_path), params, final_val_loss: last }
        })
        .collect()
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = xs.collect();
    assert!(!v.is_empty());
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn same_seed_same_bytes_other_seed_differs() {
    let spec = SweepSpec { runs: 7, metrics: 9, steps: 30, seed: 42 };
    let (a, sa) = generate(&spec);
    let (b, sb) = generate(&spec);
    assert_eq!(a, b);
    assert_eq!(sa, sb);
    let (c, sc) = generate(&SweepSpec { seed: 43, ..spec });
    assert_ne!(sa.experiment_id, sc.experiment_id);
    assert_ne!(a.keys().collect::<Vec<_>>(), c.keys().collect::<Vec<_>>());
}

#[test]
fn counts_match_spec_and_keys_are_folders() {
    let spec = SweepSpec { runs: 10, metrics: 12, steps: 25, seed: 1 };
    let (files, summary) = generate(&spec);
    assert_eq!(summary.runs, 10);
    assert_eq!(summary.points, 10 * 12 * 25);
    assert_eq!(summary.files as usize, files.len());
    assert_eq!(summary.bytes as usize, files.values().map(Vec::len).sum::<usize>());
    assert_eq!(runs(&files, &summary).len(), 10);
    let metric_files: Vec<_> = files.keys().filter(|p| p.contains("/metrics/")).collect();
    assert_eq!(metric_files.len(), 10 * 12);
    let lines: usize = metric_files.iter().map(|p| files[*p].iter().filter(|b| **b == b'\n').count()).sum();
    assert_eq!(lines as u64, summary.points);
    for key in spec.metric_keys() {
        assert_eq!(files.keys().filter(|p| p.ends_with(&format!("/metrics/{key}"))).count(), 10, "{key}");
    }
    assert!(files.keys().any(|p| p.ends_with("/metrics/aux/metric_5")));
    assert!(!files.keys().any(|p| p.ends_with("/metrics/aux/metric_6")));
    assert!(files.contains_key("mlruns/0/meta.yaml"));
    assert!(files.contains_key(&format!("mlruns/{}/meta.yaml", summary.experiment_id)));
}

#[test]
fn metric_lines_have_three_fields() {
    let spec = SweepSpec { runs: 12, metrics: 8, steps: 40, seed: 5 };
    let (files, _) = generate(&spec);
    for (path, bytes) in files.iter().filter(|(p, _)| p.contains("/metrics/")) {
        let body = std::str::from_utf8(bytes).unwrap();
        assert!(body.ends_with('\n'));
        let mut last_ts = i64::MIN;
        for (i, line) in body.lines().enumerate() {
            let fields: Vec<&str> = line.split(' ').collect();
            assert_eq!(fields.len(), 3, "{path}: {line}");
            let ts: i64 = fields[0].parse().unwrap();
            assert!(ts > 1_700_000_000_000 && ts >= last_ts, "{path}: {line}");
            last_ts = ts;
            let value: f64 = fields[1].parse().unwrap();
            assert!(value.is_nan() || fields[1] == super::format::py_float(value), "{line}");
            assert_eq!(fields[2].parse::<usize>().unwrap(), i);
        }
    }
}

#[test]
fn meta_files_look_like_mlflow() {
    let spec = SweepSpec { runs: 4, metrics: 3, steps: 10, seed: 8 };
    let (files, summary) = generate(&spec);
    let exp = &summary.experiment_id;
    let default = text(&files, "mlruns/0/meta.yaml");
    assert_eq!(
        default,
        "artifact_location: mlflow-artifacts:/0\ncreation_time: 1764633600000\nexperiment_id: '0'\n\
         last_update_time: 1764633600000\nlifecycle_stage: active\nname: Default\n"
    );
    assert!(text(&files, &format!("mlruns/{exp}/meta.yaml")).contains(&format!("experiment_id: '{exp}'\n")));
    for run in runs(&files, &summary) {
        let keys: Vec<&str> = run.meta.lines().map(|l| l.split(':').next().unwrap()).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted);
        let id = run.dir.rsplit('/').next().unwrap();
        assert!(run.meta.contains(&format!("run_id: {id}\n")));
        assert!(run.meta.contains("source_type: 4\ntags: []\n") || run.meta.contains("source_type: 4\n"));
        assert!(run.meta.contains("status: 3\n") || run.meta.contains("status: 4\n"));
        let tag = |k: &str| text(&files, &format!("{}/tags/{k}", run.dir));
        assert_eq!(tag("mlflow.source.type"), "LOCAL");
        assert_eq!(tag("model_size"), run.params["model_size"]);
        assert!(run.meta.contains(&format!("run_name: {}\n", tag("mlflow.runName"))));
        assert!(run.meta.contains(&format!("user_id: {}\n", tag("mlflow.user"))));
        assert!(["baseline", "candidate"].contains(&tag("stage").as_str()));
        assert!(tag("sweep").starts_with("sweep-"));
        assert!(!tag("team").is_empty());
        assert_eq!(run.params.len(), 7);
        assert!(run.params.values().all(|v| !v.ends_with('\n')));
    }
}

#[test]
fn diverged_runs_fail_with_nan() {
    let spec = SweepSpec { runs: 90, metrics: 5, steps: 40, seed: 2 };
    let (files, summary) = generate(&spec);
    let runs = runs(&files, &summary);
    let failed: Vec<_> = runs.iter().filter(|r| r.meta.contains("status: 4\n")).collect();
    assert_eq!(failed.len(), summary.failed_runs);
    assert!(!failed.is_empty());
    for run in &runs {
        let loss = text(&files, &format!("{}/metrics/train/loss", run.dir));
        let lr: f64 = run.params["lr"].parse().unwrap();
        if run.meta.contains("status: 4\n") {
            assert!(lr >= 3e-3);
            assert!(loss.contains(" inf "), "{}", run.dir);
            let first_nan = loss.lines().position(|l| l.contains(" nan ")).unwrap();
            assert!(loss.lines().skip(first_nan).all(|l| l.contains(" nan ")), "nan stays nan");
            assert!(run.final_val_loss.is_nan());
        } else {
            assert!(!loss.contains("nan") && !loss.contains("inf"), "{}", run.dir);
        }
    }
}

#[test]
fn hyperparameters_matter_and_best_run_is_reported() {
    let spec = SweepSpec { runs: 120, metrics: 3, steps: 40, seed: 42 };
    let (files, summary) = generate(&spec);
    let runs: Vec<Run> =
        runs(&files, &summary).into_iter().filter(|r| r.final_val_loss.is_finite()).collect();
    let by = |key: &str, value: &str| {
        mean(runs.iter().filter(|r| r.params[key] == value).map(|r| r.final_val_loss))
    };
    assert!(by("model_size", "7b") < by("model_size", "1.3b"));
    assert!(by("model_size", "1.3b") < by("model_size", "350m"));
    assert!(by("model_size", "350m") < by("model_size", "125m"));
    assert!(by("lr", "0.001") < by("lr", "0.0001"));
    assert!(by("batch_size", "256") < by("batch_size", "32"));
    assert!(by("optimizer", "adam") < by("optimizer", "sgd"));

    let best = runs.iter().min_by(|a, b| a.final_val_loss.total_cmp(&b.final_val_loss)).unwrap();
    let best_id = best.dir.rsplit('/').next().unwrap();
    assert_eq!(summary.best_run_id.as_deref(), Some(best_id));
    assert_eq!(summary.best_final_val_loss, best.final_val_loss);
    assert_eq!(best.params["model_size"], "7b");
}

#[test]
fn loads_back_without_issues() {
    let spec = SweepSpec { runs: 6, metrics: 7, steps: 20, seed: 3 };
    let mut tree = FileTree::new("synthetic");
    let summary = write_mlflow(&spec, &mut |path, bytes| {
        tree.insert(path, bytes.to_vec());
        Ok(())
    })
    .unwrap();
    let loaded = load(&[tree], &LoadOptions::default()).unwrap();
    assert!(loaded.report.issues().is_empty(), "{}", loaded.report);
    let counts = loaded.tables.counts();
    assert_eq!(counts.runs, 6);
    assert_eq!(counts.metrics, summary.points);
    assert_eq!(counts.params, 6 * 7);
    assert_eq!(counts.tags, 6 * 9);
}

#[test]
fn rejects_bad_specs() {
    for spec in [
        SweepSpec { runs: 0, ..SweepSpec::default() },
        SweepSpec { metrics: 2, ..SweepSpec::default() },
        SweepSpec { steps: 0, ..SweepSpec::default() },
        SweepSpec { runs: 100_000, metrics: 1000, steps: 1000, seed: 0 },
        SweepSpec { steps: usize::MAX, ..SweepSpec::default() },
    ] {
        let err = write_mlflow(&spec, &mut |_, _| panic!("nothing may be written")).unwrap_err();
        assert!(matches!(err, runql_core::CoreError::InvalidArgument(_)), "{err}");
    }
    assert!(SweepSpec::default().validate().is_ok());
}

#[test]
fn sink_errors_stop_generation() {
    let mut calls = 0;
    let err = write_mlflow(&SweepSpec::default(), &mut |_, _| {
        calls += 1;
        Err(runql_core::CoreError::InvalidArgument("disk full".into()))
    })
    .unwrap_err();
    assert_eq!(calls, 1);
    assert!(err.to_string().contains("disk full"));
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn writes_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let spec = SweepSpec { runs: 3, metrics: 4, steps: 10, seed: 4 };
    let summary = super::write_mlflow_dir(&spec, dir.path()).unwrap();
    let (files, _) = generate(&spec);
    for (path, bytes) in &files {
        assert_eq!(&std::fs::read(dir.path().join(path)).unwrap(), bytes, "{path}");
    }
    assert_eq!(summary.files as usize, files.len());
    let tree = FileTree::from_path(&dir.path().join("mlruns")).unwrap();
    assert_eq!(load(&[tree], &LoadOptions::default()).unwrap().tables.counts().runs, 3);
}

/// Pins the output of the default spec. Intentional changes to the generator change this
/// digest: update it (and any docs quoting generated values) in the same change. The same
/// bytes come out of native and wasm32 builds (all float math is IEEE-exact or `libm`).
#[test]
fn default_spec_output_is_pinned() {
    let (files, summary) = generate(&SweepSpec::default());
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (path, bytes) in &files {
        for b in path.as_bytes().iter().chain(&[0u8]).chain(bytes) {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    assert_eq!(format!("{hash:016x}"), "a7b7634f00c22279");
    assert_eq!(summary.experiment_id, "890253533502556494");
    assert_eq!(summary.best_run_id.as_deref(), Some("cd662b0340c344b3a773753de9957761"));
    assert_eq!((summary.runs, summary.failed_runs, summary.files, summary.bytes), (48, 7, 1106, 1_998_019));
}
