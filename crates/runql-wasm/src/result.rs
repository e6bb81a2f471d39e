//! [`QueryResult`]: a query's rows, held in WebAssembly memory until converted.

use runql_sql::QueryResult as SqlResult;
use wasm_bindgen::prelude::*;

use crate::convert;
use crate::error::Result;

/// The result of `Database.query`: column names and types, and the rows as columns for
/// JavaScript or as Arrow IPC bytes.
///
/// # JavaScript Examples
///
/// ```javascript
/// const r = db.query("SELECT run_id, last FROM metric_summary", []);
/// const bytes = r.toIpc();             // Uint8Array, an Arrow IPC stream
/// const table = arrow.tableFromIPC(bytes);
/// r.free();
/// ```
#[wasm_bindgen]
pub struct QueryResult {
    inner: SqlResult,
}

impl QueryResult {
    pub(crate) fn new(inner: SqlResult) -> Self {
        Self { inner }
    }
}

#[wasm_bindgen]
impl QueryResult {
    /// Number of rows.
    #[wasm_bindgen(getter, js_name = numRows)]
    pub fn num_rows(&self) -> f64 {
        self.inner.num_rows() as f64
    }

    /// The columns as `[{name, type, nullable}]` (`type` is Arrow's name of the type).
    pub fn columns(&self) -> js_sys::Array {
        convert::describe_schema(&self.inner.schema)
    }

    /// The rows as one object per column (`{name, kind, values, valid?, dict?, keys?}`),
    /// from which the JavaScript package builds row objects cheaply.
    ///
    /// # Errors
    /// `kind: "internal"` if a column cannot be converted.
    #[wasm_bindgen(js_name = toColumns)]
    pub fn to_columns(&self) -> Result<js_sys::Array> {
        convert::columns_to_js(&self.inner.schema, &self.inner.batches)
    }

    /// The rows as an Arrow IPC stream (schema + one record batch).
    ///
    /// # Errors
    /// `kind: "internal"` if Arrow cannot write the batches.
    #[wasm_bindgen(js_name = toIpc)]
    pub fn to_ipc(&self) -> Result<Vec<u8>> {
        convert::to_ipc(&self.inner.schema, &self.inner.batches)
    }
}
