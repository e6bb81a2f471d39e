//! MLflow: the file store (`mlruns/`), the SQLite tracking store (`mlflow.db`) and run data
//! saved as JSON (REST responses, mlflow-export-import). The MLflow UI's CSV downloads are
//! table dialects, read by [`crate::tables`].

pub mod file_store;
pub mod json;
pub mod sqlite;
