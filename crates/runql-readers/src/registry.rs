//! The one registry of readers: every format runql reads, in detection order.
//!
//! Adding a format is one module with a [`Reader`] constant and one line in [`READERS`].

use runql_core::vfs::FileTree;

pub use crate::reader::Reader;

/// Every reader, in detection order.
///
/// runql's own tables come first (they are recognized by name and magic bytes and are the
/// fastest to load); MLflow JSON and the table formats come last: a JSON or CSV file kept in
/// another tracker's run folder is claimed by that reader first.
pub static READERS: &[Reader] = &[
    crate::runql_tables::READER,
    crate::mlflow::file_store::READER,
    // Before MLflow's SQLite reader, which takes every other SQLite database it is given.
    crate::trackio::READER,
    crate::mlflow::sqlite::READER,
    crate::tensorboard::READER,
    crate::wandb::READER,
    crate::optuna::READER,
    crate::neptune::READER,
    crate::mlflow::json::READER,
    crate::tables::READER,
];

/// The readers whose format is present in `tree`, in detection order.
pub fn detect(tree: &FileTree) -> Vec<&'static Reader> {
    READERS.iter().filter(|r| (r.detect)(tree)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reader_is_listed_once_in_the_documented_order() {
        let names: Vec<&str> = READERS.iter().map(|r| r.name).collect();
        let unique: std::collections::HashSet<&&str> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        // runql's own tables first (fastest, recognized by magic bytes); MLflow JSON and the
        // table formats last, so a JSON or CSV file in another tracker's run folder is that
        // tracker's.
        assert_eq!(names.first(), Some(&"runql-tables"));
        assert_eq!(&names[names.len() - 2..], ["mlflow-json", "table"]);
        assert!(READERS.iter().all(|r| !r.hint.is_empty()));
    }

    #[test]
    fn an_empty_tree_is_no_reader_s() {
        assert!(detect(&FileTree::new("empty")).is_empty());
    }
}
