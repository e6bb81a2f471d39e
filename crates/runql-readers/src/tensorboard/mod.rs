//! Reader for TensorBoard event files (`events.out.tfevents.*`), as written by TensorFlow,
//! Keras, PyTorch (`torch.utils.tensorboard`), tensorboardX, Lightning and Stable-Baselines3.
//!
//! A run is a directory holding at least one event file, as in TensorBoard: its files are read
//! in name (= creation time) order and merged. The run id is the directory's display path
//! (`origin/relative/dir`), unique across everything loaded together; the name is the relative
//! directory (the tree origin's last component for its root); the group is the parent directory
//! (so `logs/train` and `logs/validation` group together) unless the hparams plugin names a
//! session group. Created/ended times are the earliest and latest event wall times.
//!
//! What becomes data:
//! - scalars: `simple_value` (TF1, PyTorch, tensorboardX, Lightning, SB3) and one-element
//!   tensors of plugin `scalars` (TF2 `tensor_content` or `float_val`, PyTorch `new_style`
//!   `double_val`, half, bfloat16, integer and bool dtypes), keyed by tag, with the event's step
//!   and its wall time in milliseconds. Writers attach plugin metadata to the first value of a
//!   tag only, so the plugin is remembered per run and tag;
//! - hparams: `_hparams_/session_start_info` of the hparams plugin → `params` (numbers in
//!   shortest round-trip form, strings, `true`/`false`; PyTorch writes bools as 1.0/0.0).
//!
//! PyTorch Lightning's `hparams.yaml` next to an event file is claimed but not parsed: the
//! hparams come from the event file's hparams record, which Lightning writes too (the report
//! says so when a run lacks it).
//!
//! Everything else is counted in the report's `ignored` (histograms, images, audio, text and
//! other plugins' values, graphs, run metadata, session logs). Damaged files are reported with
//! the byte offset of the bad record (see [`record`]); a truncated last record is a warning,
//! since files that are still being written end that way.
//!
//! Unlike TensorBoard, runql does not hide points logged before a restart (`SessionLog START`):
//! it keeps them and warns. TensorBoard's server also keeps only a random sample of long series
//! (1000 points per scalar tag by default, `--samples_per_plugin`); runql keeps every point.

pub use runql_codecs::tensorboard::{proto, record};
mod run;
mod scalar;

use std::collections::BTreeMap;

use crate::reader::{ReadContext, Reader};
use runql_core::error::Result;
use runql_core::vfs::FileTree;

const LIGHTNING_HPARAMS: &str = "hparams.yaml";

/// The name this format has in reports.
pub const FORMAT_NAME: &str = "tensorboard";

/// This format in the [registry](crate::registry).
pub(crate) const READER: Reader = Reader {
    name: FORMAT_NAME,
    hint: "TensorBoard logs (folders with events.out.tfevents.* files)",
    detect,
    read,
};

/// True when the tree holds at least one event file (a file whose name contains `tfevents`,
/// TensorBoard's own test).
///
/// ```
/// use runql_core::FileTree;
/// let mut tree = FileTree::new("logs");
/// tree.insert("train/events.out.tfevents.1700000000.host.1.0", Vec::new());
/// assert!(runql_readers::tensorboard::detect(&tree));
/// ```
pub fn detect(tree: &FileTree) -> bool {
    tree.paths().any(is_event_file)
}

/// Whether `path` names a TensorBoard event file (`events.out.tfevents.*`).
pub(crate) fn is_event_file(path: &str) -> bool {
    path.rsplit('/').next().is_some_and(|name| name.contains("tfevents"))
}

/// Reads every run in `tree` into `builder`, recording problems in `report` and adding every
/// event file (and Lightning `hparams.yaml` next to one) to `claimed`.
///
/// # Errors
/// Only a failure to build Arrow data; problems with files are reported, not raised.
pub(crate) fn read(cx: ReadContext<'_>) -> Result<()> {
    let ReadContext { tree, builder, report, progress, claimed, .. } = cx;
    // Paths come sorted, so each directory's files are in name order.
    let mut dirs: BTreeMap<&str, Vec<(String, bool)>> = BTreeMap::new();
    // An event file another reader already claimed belongs to that reader's run (Keras and
    // PyTorch autologging keep one in an MLflow run's artifacts/): it is not a run of its own,
    // and that reader counts it.
    for path in tree.paths().filter(|p| is_event_file(p) && !claimed.contains(*p)) {
        let dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
        dirs.entry(dir).or_default().push((path.to_string(), true));
    }
    claimed.extend(dirs.values().flatten().map(|(p, _)| p.clone()));
    let jobs = dirs
        .into_iter()
        .map(|(dir, files)| {
            // PyTorch Lightning writes its hparams both into the event file (the hparams
            // plugin record, which is read) and into `hparams.yaml` next to it.
            let yaml = if dir.is_empty() {
                LIGHTNING_HPARAMS.to_string()
            } else {
                format!("{dir}/{LIGHTNING_HPARAMS}")
            };
            let hparams_yaml = tree.size(&yaml).is_some().then(|| {
                let counted = !claimed.contains(&yaml);
                claimed.insert(yaml.clone());
                (yaml, counted)
            });
            run::RunJob { dir: dir.to_string(), files, hparams_yaml }
        })
        .collect();
    let added = run::read_runs(tree, jobs, builder, report, progress)?;
    if added > 0 {
        *report.formats.entry(FORMAT_NAME.to_string()).or_default() += added;
    }
    Ok(())
}
