//! Which runs a sweep config belongs to, and the tags it gives them.
//!
//! A sweep config does not name its sweep: the id is assigned by the server when
//! `wandb sweep sweep.yaml` creates it. So a config is tied to runs like this:
//!
//! - a config inside a `sweep-<id>/` folder (where the agent keeps its files) is the config
//!   of sweep `<id>`: it goes to the runs whose sweep id is `<id>`;
//! - any other config goes to every sweep run (a run with a sweep id) whose params include
//!   **all** of the config's parameter names — the agent set them — so re-running one
//!   `sweep.yaml` as several sweeps gives all their runs its tags. A run that matches more
//!   than one config gets none and a warning names them.
//!
//! A run's sweep id is the `sweep_id` of its log; when the log has none, the agent's
//! `wandb/sweep-<id>/config-<run id>.yaml` ties the run to sweep `<id>` (it gets the tag
//! `wandb.sweep_id` and, without a group, `run_group` = `<id>`). A config that no loaded
//! run belongs to is a warning naming the file.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use super::sweep_config::SweepConfig;
use runql_core::model::RunData;
use runql_core::report::LoadReport;

/// One sweep config with where it came from.
#[derive(Debug)]
struct Entry {
    shown: String,
    sweep_id: Option<String>,
    config: SweepConfig,
    /// Runs given this config's tags (runs are read in parallel).
    matched: AtomicU64,
}

/// The sweep configs of a load and the agent's run → sweep links.
#[derive(Debug, Default)]
pub struct Sweeps {
    entries: Vec<Entry>,
    /// Run id → sweep id, from `wandb/sweep-<id>/config-<run id>.yaml` names.
    run_sweeps: HashMap<String, String>,
}

/// The sweep id a `sweep-<id>` folder in `path` names (the nearest one).
///
/// ```
/// use runql_readers::wandb::sweep_link::sweep_id_of_folder;
/// assert_eq!(sweep_id_of_folder("wandb/sweep-ab12cd34/sweep.yaml"), Some("ab12cd34"));
/// assert_eq!(sweep_id_of_folder("sweeps/sweep.yaml"), None);
/// assert_eq!(sweep_id_of_folder("sweep-/x.yaml"), None);
/// ```
pub fn sweep_id_of_folder(path: &str) -> Option<&str> {
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    dir.rsplit('/').find_map(|c| c.strip_prefix("sweep-")).filter(|id| !id.is_empty())
}

impl Sweeps {
    /// Adds a config read from the file shown as `shown` (at `path` in its tree).
    pub fn add_config(&mut self, path: &str, shown: String, config: SweepConfig) {
        let sweep_id = sweep_id_of_folder(path).map(str::to_string);
        self.entries.push(Entry { shown, sweep_id, config, matched: AtomicU64::new(0) });
    }

    /// Records that the agent ran `run_id` for `sweep_id`.
    pub fn add_run_link(&mut self, run_id: &str, sweep_id: &str) {
        self.run_sweeps.insert(run_id.to_string(), sweep_id.to_string());
    }

    /// Gives `run` its sweep's tags (see the module doc); problems go to `report`.
    pub fn attach(&self, run: &mut RunData, report: &mut LoadReport) {
        let mut sweep_id = run.tags.iter().find(|(k, _)| k == "wandb.sweep_id").and_then(|(_, v)| v.clone());
        if sweep_id.is_none()
            && let Some(id) = self.run_sweeps.get(&run.info.run_id)
        {
            run.tags.push(("wandb.sweep_id".into(), Some(id.clone())));
            run.info.run_group.get_or_insert_with(|| id.clone());
            sweep_id = Some(id.clone());
        }
        let Some(sweep_id) = sweep_id else { return };
        let keyed: Vec<&Entry> =
            self.entries.iter().filter(|e| e.sweep_id.as_deref() == Some(sweep_id.as_str())).collect();
        let found = if keyed.is_empty() {
            let has = |name: &String| run.params.iter().any(|(k, _)| k == name);
            self.entries
                .iter()
                .filter(|e| {
                    e.sweep_id.is_none() && !e.config.params.is_empty() && e.config.params.iter().all(has)
                })
                .collect()
        } else {
            keyed
        };
        match found.as_slice() {
            [] => {}
            [entry] => {
                entry.matched.fetch_add(1, Ordering::Relaxed);
                run.tags.push(("wandb.sweep.config".into(), Some(entry.shown.clone())));
                run.tags.extend(entry.config.tags.iter().map(|(k, v)| (k.clone(), Some(v.clone()))));
            }
            several => {
                let files: Vec<&str> = several.iter().map(|e| e.shown.as_str()).collect();
                report.warn(
                    run.info.origin.as_str(),
                    None,
                    format!(
                        "run {} (sweep {sweep_id}) fits several sweep configs ({}); none of them is attached",
                        run.info.run_id,
                        files.join(", ")
                    ),
                );
            }
        }
    }

    /// Reports every config that no run got, and counts config keys not tabulated.
    pub fn finish(&self, report: &mut LoadReport) {
        for e in &self.entries {
            for key in &e.config.other_keys {
                report.ignore(format!("W&B sweep config keys: {key} (not tabulated)"), 1);
            }
            if e.matched.load(Ordering::Relaxed) > 0 {
                continue;
            }
            let why = match &e.sweep_id {
                Some(id) => format!("no loaded run is of sweep {id}"),
                None => format!(
                    "no loaded sweep run has all of its parameters ({}) in its config",
                    e.config.params.join(", ")
                ),
            };
            report.warn(
                e.shown.as_str(),
                None,
                format!(
                    "a W&B sweep config (method {}, {} parameters) that no run was matched to: {why}; its search space is not in the tables",
                    e.config.method,
                    e.config.params.len()
                ),
            );
        }
    }
}
