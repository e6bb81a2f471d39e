//! Reader for Weights & Biases run folders (`wandb/run-*`, `wandb/offline-run-*`).
//!
//! A run folder holds the binary transaction log `run-<id>.wandb` (the only complete record
//! of a run since SDK 0.10) and `files/` (`config.yaml`, `wandb-summary.json`,
//! `wandb-metadata.json`, media). SDKs before 0.10 wrote `wandb-history.jsonl` instead of the
//! log. Byte-level details are in `framing` and `docs/formats.md` §2.
//!
//! # What goes where
//! - `runs`: `run_id` = the W&B run id; `name` = display name; `project`; `run_group` = the
//!   group, else the sweep id; `user` = the OS user the SDK recorded; `created_at` = the
//!   run's start time. `status`: the exit record's code 0 → `FINISHED`, any other code →
//!   `FAILED`; a log **without** an exit record → `RUNNING` (a live run and one that died
//!   without `finish()` look the same on disk; W&B's own reader says "running" too).
//!   `ended_at`: for runs with an exit record, the latest `_timestamp` logged (else start +
//!   runtime); none for running runs.
//! - `params`: the config, nested dicts flattened to `a.b.c`, lists and other values as
//!   JSON text, strings as they are. `config.yaml`'s `value:`/`desc:` wrappers are removed.
//!   `_wandb` (SDK internals) and `wandb_version` are counted in the report, not tabulated.
//! - `tags`: W&B tags split on the first `:` (`model_size:7b` → `model_size` = `7b`; a bare
//!   tag has no value), plus run facts as `wandb.*` tags: `wandb.host`, `wandb.program`,
//!   `wandb.os`, `wandb.python`, `wandb.git.remote`, `wandb.git.commit`, `wandb.job_type`,
//!   `wandb.notes`, `wandb.entity`, `wandb.sweep_id`, `wandb.sdk_version`, …
//! - `metrics`: every numeric history value; nested keys are joined with `.` (`grad.norm`),
//!   `/` stays part of a key (`train/loss`). Step = the record's step field when present,
//!   else an integral `_step`, else counted on from the previous row. Timestamp = `_timestamp`.
//!   NaN/±inf are kept. Strings, booleans, nulls, lists and media/table/histogram objects
//!   (anything with a `_type`) are not points: they are counted per kind in the report
//!   (`_runtime` too, since it is `timestamp − start`). Media files stay where they are.
//! - The final summary: numbers whose key has **no** history get one point at the run's
//!   last step (the summary's `_step` when there is no history; timestamp = the summary's
//!   `_timestamp`), so `run.summary["best"] = 0.1` reaches `metric_summary` and `runs_wide`;
//!   summary values that differ from the last logged point (overrides, `define_metric`
//!   aggregates on the same key) are counted in the report, since the history is what the
//!   tables hold. Aggregates that W&B stores under a sub-key (`val/loss.min`) are their own
//!   key and so become one point.
//! - When a folder has both the log and `files/`, the log wins; `config.yaml` and
//!   `wandb-summary.json` only add keys the log does not have (offline runs often have a
//!   near-empty `wandb-summary.json`), and `wandb-history.jsonl` is read only when the log
//!   holds no history.
//! - The SDK's `wandb/latest-run` (and the `latest-run.<pid>` newer SDKs leave) points at a
//!   run folder beside it: a copy of it, with or without its log, is counted as ignored and
//!   not loaded again, and the link itself is ignored, not skipped. Only a `latest-run` with
//!   no run folder beside it is read, as the run it holds. Several folders of one run id side by side (a resumed run) are read in
//!   folder-name order into one run.
//! - **Sweeps**: a sweep config (`sweep.yaml`, a YAML with top-level `method:` and
//!   `parameters:`, anywhere in the load outside a run's `files/`) gives the runs of its sweep
//!   `wandb.sweep.*` tags: method, metric, goal, early termination and one
//!   `wandb.sweep.param.<name>` per parameter describing its search space
//!   (`log_uniform_values[0.0001,0.1]`, `values[16,32,64]`; see [`sweep_config`]). Tags,
//!   because the model has no per-sweep table and tags reach `runs_wide`, next to the
//!   `params.<name>` value the run drew. Which runs a config belongs to (it does not carry
//!   its sweep id) is decided in [`sweep_link`]; a config no run belongs to is a warning,
//!   never silently dropped. The agent's `wandb/sweep-<id>/config-<run>.yaml` files tie a
//!   run to its sweep and are otherwise counted (their values are in the run's config).

pub use runql_codecs::wandb::{framing, proto};
mod run;
pub mod sweep_config;
pub mod sweep_link;
mod values;
pub mod yaml;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use self::run::{MAX_SIDE_FILE_BYTES, RunParts};
use self::sweep_link::Sweeps;
use crate::progress::ProgressTracker;
use crate::reader::{ReadContext, Reader};
use runql_core::error::Result;
use runql_core::model::RunData;
use runql_core::report::LoadReport;
use runql_core::vfs::FileTree;

/// The name this format has in reports.
pub const FORMAT_NAME: &str = "wandb";

/// This format in the [registry](crate::registry).
pub(crate) const READER: Reader = Reader {
    name: FORMAT_NAME,
    hint: "W&B run folders (wandb/run-*/run-<id>.wandb or files/wandb-summary.json)",
    detect,
    read,
};

/// Runs are parsed in batches of this many (in parallel when enabled) and then appended.
const BATCH: usize = 16;

/// True when the tree holds a `*.wandb` log, a W&B run folder's files or a sweep config.
///
/// ```
/// use runql_core::FileTree;
/// let mut tree = FileTree::new("upload");
/// tree.insert("wandb/offline-run-20260101_000000-abc12345/files/wandb-summary.json", b"{}".to_vec());
/// assert!(runql_readers::wandb::detect(&tree));
/// assert!(!runql_readers::wandb::detect(&FileTree::new("empty")));
/// let mut tree = FileTree::new("upload");
/// tree.insert("sweep.yaml", b"method: grid\nparameters:\n  lr: {values: [0.1, 0.01]}\n".to_vec());
/// assert!(runql_readers::wandb::detect(&tree));
/// ```
pub fn detect(tree: &FileTree) -> bool {
    tree.paths().any(|p| marker_dir(p).is_some()) || tree.paths().any(|p| is_sweep_config(tree, p))
}

/// A YAML file (by name and size) whose head has a sweep config's top-level keys.
fn is_sweep_config(tree: &FileTree, path: &str) -> bool {
    sweep_config::is_candidate_name(path)
        && tree.size(path).is_some_and(|s| s <= sweep_config::MAX_SWEEP_CONFIG_BYTES)
        && tree.head(path, 64 << 10).is_ok_and(|h| sweep_config::looks_like_sweep_config(&h))
}

/// Reads every sweep config in `paths` into `sweeps` (claiming them); problems are reported.
fn read_sweep_configs(
    tree: &FileTree,
    paths: &[&str],
    sweeps: &mut Sweeps,
    report: &mut LoadReport,
    progress: &ProgressTracker<'_>,
    claimed: &mut HashSet<String>,
) {
    for path in paths {
        claimed.insert(path.to_string());
        let shown = tree.display_path(path);
        progress.advance(1, tree.size(path).unwrap_or(0));
        let Some(bytes) = report.read_file(tree, path) else {
            continue;
        };
        match sweep_config::parse(&bytes) {
            Ok(config) => sweeps.add_config(path, shown, config),
            Err((line, why)) => report.skip(shown, line, why),
        }
    }
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

fn name_of(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, name)| name)
}

fn is_log_name(name: &str) -> bool {
    name.len() > ".wandb".len() && name.ends_with(".wandb")
}

/// If `path` is a file that marks a W&B run folder, that folder.
fn marker_dir(path: &str) -> Option<&str> {
    let name = name_of(path);
    let dir = parent(path);
    if is_log_name(name) {
        return Some(dir);
    }
    let in_files = name_of(dir) == "files";
    match name {
        "wandb-summary.json" | "config.yaml" | "wandb-metadata.json" if in_files => Some(parent(dir)),
        "wandb-history.jsonl" => Some(if in_files { parent(dir) } else { dir }),
        _ => None,
    }
}

/// The run id a folder's name or its log's name gives: `run-<id>.wandb`,
/// `run-<date>-<id>`, `offline-run-<date>-<id>`.
fn id_from_names(tree: &FileTree, dir: &str, files: &[String]) -> Option<String> {
    for f in files {
        if parent(f) == dir
            && let Some(id) = name_of(f).strip_prefix("run-").and_then(|n| n.strip_suffix(".wandb"))
            && !id.is_empty()
        {
            return Some(id.to_string());
        }
    }
    let folder = if dir.is_empty() { name_of(tree.origin().trim_end_matches('/')) } else { name_of(dir) };
    let rest = folder.strip_prefix("offline-").unwrap_or(folder);
    rest.strip_prefix("run-")
        .and_then(|r| r.rsplit_once('-'))
        .map(|(_, id)| id.to_string())
        .filter(|id| !id.is_empty())
}

/// The role of a file inside its run folder, by its path relative to the folder.
enum Role {
    Log,
    ConfigYaml,
    SummaryJson,
    MetadataJson,
    HistoryJsonl,
    Ignored(&'static str),
    Unexpected,
}

fn role(rel: &str) -> Role {
    let top = !rel.contains('/');
    let legacy_or_files = |name: &str| rel == name || rel.strip_prefix("files/") == Some(name);
    if top && is_log_name(rel) {
        Role::Log
    } else if legacy_or_files("config.yaml") {
        Role::ConfigYaml
    } else if legacy_or_files("wandb-summary.json") {
        Role::SummaryJson
    } else if legacy_or_files("wandb-metadata.json") {
        Role::MetadataJson
    } else if legacy_or_files("wandb-history.jsonl") {
        Role::HistoryJsonl
    } else if rel.ends_with(".wandb.synced") {
        Role::Ignored("W&B sync markers (.wandb.synced)")
    } else if legacy_or_files("wandb-events.jsonl") {
        Role::Ignored("W&B system metrics files (wandb-events.jsonl; not tabulated)")
    } else if rel.starts_with("files/media/") || rel.starts_with("media/") {
        Role::Ignored("W&B media files (images, tables, histograms, …)")
    } else if legacy_or_files("output.log") {
        Role::Ignored("W&B console output files (output.log)")
    } else if rel.starts_with("logs/") || (top && rel.ends_with(".log")) {
        Role::Ignored("W&B debug logs")
    } else if legacy_or_files("requirements.txt")
        || legacy_or_files("conda-environment.yaml")
        || legacy_or_files("diff.patch")
        || rel.starts_with("files/upstream_diff_")
        || rel.starts_with("files/code/")
        || rel.starts_with("code/")
        || rel.starts_with("tmp/")
    {
        Role::Ignored("W&B environment and code files (requirements, diffs, code)")
    } else if rel.starts_with("files/") {
        Role::Ignored("W&B files saved with the run (files/)")
    } else {
        Role::Unexpected
    }
}

/// A run folder and the files in it.
type FolderFiles = (String, Vec<String>);

/// Folders of one run (usually one; several for a resumed run), with their files.
struct RunJob {
    fallback_id: String,
    dirs: Vec<FolderFiles>,
}

/// Reads every W&B run in `tree` into `builder`, recording problems in `report` and adding
/// every file it took charge of to `claimed`.
///
/// # Errors
/// Only a failure to build Arrow data; problems with files are reported, not raised.
pub(crate) fn read(cx: ReadContext<'_>) -> Result<()> {
    let ReadContext { tree, builder, report, progress, claimed, .. } = cx;
    // Files another reader already took (an MLflow artifact that happens to be named
    // `files/config.yaml`, say) neither mark run folders nor belong to one.
    let unclaimed = |p: &&str| !claimed.contains(*p);
    // Sweep configs first: a `sweep.yaml` next to a run's files is not one of them.
    let sweep_paths: Vec<&str> =
        tree.paths().filter(unclaimed).filter(|p| is_sweep_config(tree, p)).collect();
    let mut sweeps = Sweeps::default();
    read_sweep_configs(tree, &sweep_paths, &mut sweeps, report, progress, claimed);
    let unclaimed = |p: &&str| !claimed.contains(*p);
    let run_dirs: BTreeSet<&str> = tree.paths().filter(unclaimed).filter_map(marker_dir).collect();
    // Every file goes to the nearest run folder above it; the `wandb/` folder's own debug
    // logs (symlinks into the latest run) are claimed too.
    let wandb_dirs: BTreeSet<&str> = run_dirs.iter().filter(|d| !d.is_empty()).map(|d| parent(d)).collect();
    let mut owned: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let paths: Vec<&str> = tree.paths().filter(unclaimed).collect();
    for path in paths {
        let mut dir = parent(path);
        let owner = loop {
            if run_dirs.contains(dir) {
                break Some(dir);
            }
            if dir.is_empty() {
                break None;
            }
            dir = parent(dir);
        };
        if let Some(d) = owner {
            owned.entry(d).or_default().push(path.to_string());
            continue;
        }
        let name = name_of(path);
        let is_debug_log = name.starts_with("debug") && name.ends_with(".log");
        let sweep_folder = name_of(parent(path)).strip_prefix("sweep-").filter(|id| !id.is_empty());
        let agent_run =
            name.strip_prefix("config-").and_then(|n| n.strip_suffix(".yaml")).filter(|r| !r.is_empty());
        let what = if wandb_dirs.contains(parent(path)) && (is_debug_log || name == "settings") {
            "W&B debug logs"
        } else if let (Some(sweep_id), Some(run_id)) = (sweep_folder, agent_run) {
            // The agent's copy of the values it chose for the run (also in the run's config).
            sweeps.add_run_link(run_id, sweep_id);
            "W&B sweep agent run configs (wandb/sweep-<id>/config-<run>.yaml; the values are the run's params)"
        } else if wandb_dirs.contains(parent(parent(path))) && sweep_folder.is_some() {
            "W&B sweep files (wandb/sweep-<id>/; not tabulated)"
        } else {
            continue;
        };
        if claimed.insert(path.to_string()) {
            progress.advance(1, tree.size(path).unwrap_or(0));
            report.ignore(what, 1);
        }
    }

    // Group folders by (parent folder, run id from names); drop latest-run copies.
    let mut groups: BTreeMap<(String, String), Vec<FolderFiles>> = BTreeMap::new();
    for (dir, files) in owned {
        claimed.extend(files.iter().cloned());
        let id = id_from_names(tree, dir, &files).unwrap_or_else(|| dir.to_string());
        groups.entry((parent(dir).to_string(), id)).or_default().push((dir.to_string(), files));
    }
    // The SDK's `latest-run` (and the `latest-run.<pid>` it sometimes leaves) points at a run
    // folder beside it; a copy of one, with or without its log, is not a run of its own.
    let with_runs: BTreeSet<String> = groups
        .values()
        .flatten()
        .filter(|(d, _)| !is_latest_run_name(name_of(d)))
        .map(|(d, _)| parent(d).to_string())
        .collect();
    let mut jobs = Vec::new();
    for ((folder, id), mut dirs) in groups {
        if with_runs.contains(&folder) {
            dirs.retain(|(d, files)| {
                if is_latest_run_name(name_of(d)) {
                    progress.advance(files.len() as u64, files.iter().filter_map(|p| tree.size(p)).sum());
                    report.ignore(LATEST_RUN_COPY, files.len() as u64);
                    false
                } else {
                    true
                }
            });
        }
        if !dirs.is_empty() {
            jobs.push(RunJob { fallback_id: id, dirs });
        }
    }

    let read = |job| {
        let (mut run, mut run_report) = read_run(tree, job, progress);
        sweeps.attach(&mut run, &mut run_report);
        (Some(run), run_report)
    };
    let added = crate::batch::read_in_batches(jobs, BATCH, read, builder, report)?;
    sweeps.finish(report);
    if added > 0 {
        *report.formats.entry(FORMAT_NAME.to_string()).or_default() += added;
    }
    Ok(())
}

/// What a copy of `latest-run` is counted as.
const LATEST_RUN_COPY: &str = "W&B latest-run files (a copy of another run folder, not loaded twice)";

/// What the SDK's `latest-run` link is counted as when the folder walk does not follow it.
pub(crate) const LATEST_RUN_LINK: &str = "W&B latest-run links (to a run folder beside them; not followed)";

/// Whether `name` is the SDK's pointer to the current run: `latest-run`, or a
/// `latest-run.<pid>` that newer SDKs leave behind.
pub(crate) fn is_latest_run_name(name: &str) -> bool {
    name == "latest-run" || name.strip_prefix("latest-run.").is_some_and(|rest| !rest.is_empty())
}

fn read_run(tree: &FileTree, job: RunJob, progress: &ProgressTracker<'_>) -> (RunData, LoadReport) {
    let mut report = LoadReport::default();
    let mut parts = RunParts::default();
    let mut origin = tree.origin().to_string();
    let mut jsonl = Vec::new();
    let mut has_log_file = false;
    // The log read last: what a warning about the log names.
    let mut log_shown: Option<String> = None;
    for (dir, files) in &job.dirs {
        origin = tree.display_path(dir);
        let rel_of = |p: &str| -> String {
            if dir.is_empty() {
                p.to_string()
            } else {
                p.strip_prefix(dir.as_str()).unwrap_or(p).trim_start_matches('/').to_string()
            }
        };
        // Logs first: they are authoritative; the side files only fill gaps.
        let mut ordered: Vec<(u8, &String, Role)> = files
            .iter()
            .map(|p| {
                let r = role(&rel_of(p));
                let rank = match r {
                    Role::Log => 0,
                    Role::ConfigYaml | Role::SummaryJson | Role::MetadataJson => 1,
                    Role::HistoryJsonl => 2,
                    Role::Ignored(_) | Role::Unexpected => 3,
                };
                (rank, p, r)
            })
            .collect();
        ordered.sort_by_key(|(rank, p, _)| (*rank, p.as_str()));
        has_log_file |= ordered.iter().any(|(_, _, r)| matches!(r, Role::Log));
        for (_, path, role) in ordered {
            let size = tree.size(path).unwrap_or(0);
            progress.advance(1, size);
            let shown = tree.display_path(path);
            match role {
                Role::Ignored(what) => {
                    report.ignore(what, 1);
                    continue;
                }
                Role::Unexpected => {
                    report.skip(shown, None, "unexpected file in a W&B run folder");
                    continue;
                }
                Role::HistoryJsonl => {
                    jsonl.push(path.clone());
                    continue;
                }
                _ => {}
            }
            if !matches!(role, Role::Log) && size > MAX_SIDE_FILE_BYTES as u64 {
                report.skip(
                    shown,
                    None,
                    format!("{size} bytes is too large for this file (limit {MAX_SIDE_FILE_BYTES})"),
                );
                continue;
            }
            let Some(bytes) = report.read_file(tree, path) else {
                continue;
            };
            if bytes.is_empty() {
                report.skip(shown, None, "empty file");
                continue;
            }
            match role {
                Role::Log => {
                    parts.read_log(&bytes, &shown, &mut report);
                    log_shown = Some(shown.clone());
                }
                Role::ConfigYaml => parts.read_config_yaml(&bytes, &shown, &mut report),
                Role::SummaryJson => parts.read_summary_json(&bytes, &shown, &mut report),
                Role::MetadataJson => parts.read_metadata_json(&bytes, &shown, &mut report),
                Role::HistoryJsonl | Role::Ignored(_) | Role::Unexpected => {}
            }
        }
    }
    // Legacy history only when no log gave any rows.
    for path in jsonl {
        let shown = tree.display_path(&path);
        if parts.history.rows > 0 {
            report.ignore("W&B wandb-history.jsonl files (superseded by the .wandb log)", 1);
            continue;
        }
        if let Some(bytes) = report.read_file(tree, &path) {
            parts.read_history_jsonl(&bytes, &shown, &mut report);
        }
    }
    // A folder with no log file at all (lost in a copy): the history is missing, which the
    // side files cannot make up for. (An unreadable log is reported as such already.)
    if !has_log_file && parts.history.rows == 0 {
        report.warn(
            origin.clone(),
            None,
            "no .wandb log (and no wandb-history.jsonl): the run's history is missing; it is loaded \
             from its side files, with one point per summary value",
        );
    }
    let (run, ignored, warnings) = parts.into_run(&job.fallback_id, origin.clone());
    for (what, n) in ignored {
        report.ignore(what, n);
    }
    let about = log_shown.unwrap_or(origin);
    for warning in warnings {
        report.warn(about.clone(), None, warning);
    }
    (run, report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_and_roles() {
        assert_eq!(marker_dir("wandb/run-1-abc/run-abc.wandb"), Some("wandb/run-1-abc"));
        assert_eq!(marker_dir("run-abc.wandb"), Some(""));
        assert_eq!(marker_dir("files/config.yaml"), Some(""));
        assert_eq!(marker_dir("x/files/wandb-summary.json"), Some("x"));
        assert_eq!(marker_dir("x/config.yaml"), None);
        assert_eq!(marker_dir("x/wandb-history.jsonl"), Some("x"));
        assert_eq!(marker_dir(".wandb"), None);
        assert_eq!(marker_dir("x/run-abc.wandb.synced"), None);
        assert!(matches!(role("run-abc.wandb"), Role::Log));
        assert!(matches!(role("files/media/images/a.png"), Role::Ignored(_)));
        assert!(matches!(role("logs/debug-core.log"), Role::Ignored(_)));
        assert!(matches!(role("files/my_model.pt"), Role::Ignored(_)));
        assert!(matches!(role("weird.bin"), Role::Unexpected));
    }

    #[test]
    fn ids_from_folder_and_log_names() {
        let tree = FileTree::new("/data/wandb/offline-run-20260101_000000-zz9");
        assert_eq!(id_from_names(&tree, "w/run-20260101_000000-abc", &[]), Some("abc".into()));
        assert_eq!(id_from_names(&tree, "w/offline-run-20260101_000000-abc", &[]), Some("abc".into()));
        assert_eq!(
            id_from_names(&tree, "w/latest-run", &["w/latest-run/run-q1.wandb".into()]),
            Some("q1".into())
        );
        assert_eq!(id_from_names(&tree, "", &[]), Some("zz9".into()));
        assert_eq!(id_from_names(&tree, "w/other", &[]), None);
    }
}
