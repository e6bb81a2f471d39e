//! Recognizing which tracker wrote the files in a [`FileTree`].

use crate::vfs::FileTree;

/// A source format runql can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// runql's own tables (`runs.parquet`, `metrics.parquet`, … or `.arrow`), as
    /// `runql convert` writes them.
    RunqlTables,
    /// MLflow's file store (`mlruns/`), MLflow 1.x–3.x.
    MlflowFileStore,
    /// MLflow's SQLite tracking store (`mlflow.db`), MLflow 1.x–3.x.
    MlflowSqlite,
    /// MLflow run data as JSON: REST responses (`runs/search`, `runs/get`,
    /// `metrics/get-history`) and mlflow-export-import `run.json` files.
    MlflowJson,
    /// TensorBoard event files (`events.out.tfevents.*`), one run per directory.
    TensorBoard,
    /// Weights & Biases run folders (`run-<id>.wandb` logs, `files/`), SDK 0.9–0.31.
    Wandb,
    /// Optuna journal storage files (`JournalFileBackend`, JSON lines), Optuna 3.x–4.x.
    Optuna,
    /// neptune-exporter Parquet (long, typed value columns), the export of Neptune runs.
    Neptune,
    /// Plain tables: long metric CSV/JSONL (`run_id,key,step,timestamp,value`), wide per-run
    /// CSV (`params.*`/`metrics.*`/`tags.*` or bare columns), MLflow UI CSV downloads, W&B
    /// line-plot panel CSV exports.
    Generic,
}

impl Format {
    /// Every format, in detection order.
    ///
    /// runql's own tables come first (they are recognized by name and magic bytes and are
    /// the fastest to load); MLflow JSON and the table formats come last: a JSON or CSV
    /// file kept in another tracker's run folder is claimed by that reader first.
    pub const ALL: [Format; 9] = [
        Format::RunqlTables,
        Format::MlflowFileStore,
        Format::MlflowSqlite,
        Format::TensorBoard,
        Format::Wandb,
        Format::Optuna,
        Format::Neptune,
        Format::MlflowJson,
        Format::Generic,
    ];

    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::RunqlTables => crate::runql_tables::FORMAT_NAME,
            Format::MlflowFileStore => crate::mlflow::FORMAT_NAME,
            Format::MlflowSqlite => crate::mlflow_sqlite::FORMAT_NAME,
            Format::MlflowJson => crate::mlflow_json::FORMAT_NAME,
            Format::TensorBoard => crate::tensorboard::FORMAT_NAME,
            Format::Wandb => crate::wandb::FORMAT_NAME,
            Format::Optuna => crate::optuna::FORMAT_NAME,
            Format::Neptune => crate::neptune::FORMAT_NAME,
            Format::Generic => crate::generic::FORMAT_NAME,
        }
    }

    /// What a user should point runql at for this format (used in "nothing found" errors).
    pub fn hint(self) -> &'static str {
        match self {
            Format::RunqlTables => {
                "runql's tables (runs.parquet, metrics.parquet, … as `runql convert` writes them)"
            }
            Format::MlflowFileStore => "an MLflow file store (a folder with <experiment>/<run>/meta.yaml)",
            Format::MlflowSqlite => "an MLflow SQLite store (mlflow.db)",
            Format::MlflowJson => {
                "MLflow JSON (a REST runs/search or metrics/get-history response, an mlflow-export-import run.json)"
            }
            Format::TensorBoard => "TensorBoard logs (folders with events.out.tfevents.* files)",
            Format::Wandb => "W&B run folders (wandb/run-*/run-<id>.wandb or files/wandb-summary.json)",
            Format::Optuna => "an Optuna journal file (JournalFileBackend, e.g. journal.log)",
            Format::Neptune => "neptune-exporter Parquet files (<project>/<run>_part_<n>.parquet)",
            Format::Generic => {
                "a CSV/JSONL table or its Parquet/Arrow form (run_id,key,step,timestamp,value or one row per run with run_id), or a W&B panel CSV export (Step,<run> - <metric>,…)"
            }
        }
    }
}

/// The formats present in `tree`, by content rather than by folder name.
///
/// ```
/// use runql_core::{detect::detect, FileTree, Format};
/// let mut tree = FileTree::new("upload");
/// tree.insert("mlruns/0/meta.yaml", b"experiment_id: '0'\nname: Default\n".to_vec());
/// assert_eq!(detect(&tree), [Format::MlflowFileStore]);
/// assert!(detect(&FileTree::new("empty")).is_empty());
/// ```
pub fn detect(tree: &FileTree) -> Vec<Format> {
    Format::ALL
        .into_iter()
        .filter(|f| match f {
            Format::RunqlTables => crate::runql_tables::detect(tree),
            Format::MlflowFileStore => crate::mlflow::detect(tree),
            Format::MlflowSqlite => crate::mlflow_sqlite::detect(tree),
            Format::MlflowJson => crate::mlflow_json::detect(tree),
            Format::TensorBoard => crate::tensorboard::detect(tree),
            Format::Wandb => crate::wandb::detect(tree),
            Format::Optuna => crate::optuna::detect(tree),
            Format::Neptune => crate::neptune::detect(tree),
            Format::Generic => crate::generic::detect(tree),
        })
        .collect()
}
