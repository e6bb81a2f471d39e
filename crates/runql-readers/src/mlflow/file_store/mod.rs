//! Reader for MLflow's file store (`mlruns/`), every layout from MLflow 1.x to 3.x.
//!
//! Each `meta.yaml` is recognized by its fields (experiment, run, logged model, registry
//! entry); every other file belongs to the nearest folder above it that has a `meta.yaml`.
//! That makes the reader indifferent to where the user pointed: at `mlruns/`, at one
//! experiment, at a single run folder, or at a folder holding several stores.

pub mod meta;
pub mod metric_file;
mod models;
mod run;
pub mod yaml;

use std::collections::{BTreeMap, HashMap};

use self::meta::{ExperimentMeta, Meta};
use self::yaml::FlatYaml;
use crate::reader::{ReadContext, Reader};
use runql_core::error::Result;
use runql_core::vfs::FileTree;

/// The name this format has in reports.
pub const FORMAT_NAME: &str = "mlflow-file-store";

/// This format in the [registry](crate::registry).
pub(crate) const READER: Reader = Reader {
    name: FORMAT_NAME,
    hint: "an MLflow file store (a folder with <experiment>/<run>/meta.yaml)",
    detect,
    read,
};

/// True when the tree holds at least one `meta.yaml` (the mark of an MLflow file store).
pub fn detect(tree: &FileTree) -> bool {
    tree.paths().any(is_meta_yaml)
}

fn is_meta_yaml(path: &str) -> bool {
    path == "meta.yaml" || path.ends_with("/meta.yaml")
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

fn name_of(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, name)| name)
}

/// What owns a folder: the kind of its `meta.yaml`.
enum Owner {
    Meta(Meta),
    /// The `meta.yaml` could not be read; the folder's own files are not loaded.
    Broken {
        meta_path: String,
    },
}

/// Reads every MLflow object in `tree` into `builder`, recording problems in `report` and
/// adding every file it took charge of to `claimed`.
///
/// # Errors
/// Only a failure to build Arrow data; problems with files are reported, not raised.
pub(crate) fn read(cx: ReadContext<'_>) -> Result<()> {
    let ReadContext { tree, builder, report, progress, claimed, .. } = cx;
    let mut owners: HashMap<String, Owner> = HashMap::new();
    for path in tree.paths().filter(|p| is_meta_yaml(p)) {
        let dir = parent(path).to_string();
        let owner = match tree.read(path) {
            Err(err) => {
                report.skip(tree.display_path(path), None, err.to_string());
                Owner::Broken { meta_path: path.to_string() }
            }
            Ok(bytes) => {
                report.files_read += 1;
                report.bytes_read += bytes.len() as u64;
                match FlatYaml::parse(&bytes) {
                    Err(err) => {
                        report.skip(
                            tree.display_path(path),
                            err.line,
                            format!("meta.yaml does not parse: {}", err.message),
                        );
                        Owner::Broken { meta_path: path.to_string() }
                    }
                    Ok(y) => match meta::classify(&y) {
                        Some(m) => Owner::Meta(m),
                        None => {
                            report.skip(
                                tree.display_path(path),
                                None,
                                "meta.yaml is not an MLflow experiment, run or model (no run_id, experiment_id or model fields)",
                            );
                            Owner::Broken { meta_path: path.to_string() }
                        }
                    },
                }
            }
        };
        progress.advance(1, tree.size(path).unwrap_or(0));
        owners.insert(dir, owner);
    }

    // Hand every other file to the nearest folder above it that has a meta.yaml.
    let mut owned: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for path in tree.paths().filter(|p| !is_meta_yaml(p)) {
        let mut dir = parent(path);
        let owner_dir = loop {
            if owners.contains_key(dir) {
                break Some(dir);
            }
            if dir.is_empty() {
                break None;
            }
            dir = parent(dir);
        };
        // Files under no meta.yaml are left unclaimed: another reader may know them, and the
        // loader reports whatever no reader claimed.
        if let Some(d) = owner_dir {
            owned.entry(d.to_string()).or_default().push(path.to_string());
        }
    }
    claimed.extend(
        owners
            .keys()
            .map(|dir| if dir.is_empty() { "meta.yaml".to_string() } else { format!("{dir}/meta.yaml") }),
    );
    claimed.extend(owned.values().flatten().cloned());

    let experiments: HashMap<&str, &ExperimentMeta> = owners
        .iter()
        .filter_map(|(dir, o)| match o {
            Owner::Meta(Meta::Experiment(e)) => Some((dir.as_str(), e)),
            _ => None,
        })
        .collect();

    let mut runs = Vec::new();
    let mut logged = Vec::new();
    let mut registered = Vec::new();
    let mut versions = Vec::new();
    let mut broken = Vec::new();
    let mut dirs: Vec<&String> = owners.keys().collect();
    dirs.sort();
    for dir in dirs {
        let files = owned.remove(dir.as_str()).unwrap_or_default();
        let Some(owner) = owners.get(dir) else { continue };
        match owner {
            Owner::Broken { meta_path } => {
                progress.advance(files.len() as u64, files.iter().filter_map(|p| tree.size(p)).sum());
                broken.push((meta_path.clone(), files.len() as u64));
            }
            Owner::Meta(Meta::Run(m)) => {
                let parent_dir = parent(dir);
                let experiment = experiments.get(parent_dir).copied();
                let in_trash = name_of(parent(parent_dir)) == ".trash";
                runs.push(run::RunJob {
                    dir: dir.clone(),
                    meta: m.clone(),
                    experiment: experiment.cloned(),
                    in_trash,
                    files,
                });
            }
            Owner::Meta(Meta::Experiment(_)) => {
                for f in &files {
                    let rel = f.strip_prefix(dir.as_str()).unwrap_or(f).trim_start_matches('/');
                    let what = match rel.split('/').next() {
                        Some("tags") => "MLflow experiment tag files",
                        Some("traces") => "MLflow trace files",
                        Some("datasets") => "MLflow dataset files",
                        _ => {
                            report.skip(
                                tree.display_path(f),
                                None,
                                "unexpected file in an MLflow experiment folder",
                            );
                            continue;
                        }
                    };
                    report.ignore(what, 1);
                }
                progress.advance(files.len() as u64, files.iter().filter_map(|p| tree.size(p)).sum());
            }
            Owner::Meta(Meta::LoggedModel(m)) => logged.push((dir.clone(), m.clone(), files)),
            Owner::Meta(Meta::RegisteredModel(m)) => registered.push((dir.clone(), m.clone(), files)),
            Owner::Meta(Meta::ModelVersion(m)) => versions.push((dir.clone(), m.clone(), files)),
            Owner::Meta(Meta::Other(what)) => {
                report.ignore(*what, 1 + files.len() as u64);
                progress.advance(files.len() as u64, files.iter().filter_map(|p| tree.size(p)).sum());
            }
        }
    }
    for (meta_path, files) in broken {
        if files > 0 {
            report.skip(
                tree.display_path(parent(&meta_path)),
                None,
                format!("{files} files not loaded because the folder's meta.yaml is unreadable"),
            );
        }
    }

    let loaded_runs = run::read_runs(tree, runs, builder, report, progress)?;
    *report.formats.entry(FORMAT_NAME.to_string()).or_default() += loaded_runs;
    models::read_models(tree, logged, registered, versions, builder, report, progress);
    Ok(())
}
