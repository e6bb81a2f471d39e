//! The read-only policy: which statements an embedded (portal, notebook, browser) session
//! refuses, and the message it gives.
//!
//! A read-only session answers queries (`SELECT`, `WITH`, `VALUES`, `EXPLAIN`, `SHOW`,
//! `DESCRIBE`) and refuses everything that defines, changes or writes: DDL (`CREATE`/`DROP`
//! of tables, views, schemas, functions, including `CREATE EXTERNAL TABLE`, which would read
//! arbitrary files), DML (`INSERT`, `UPDATE`, `DELETE`, `TRUNCATE`, `MERGE`), `COPY ... TO`
//! (which would write files) and session statements (`SET`, `RESET`, `BEGIN`, `COMMIT`,
//! `PREPARE`, `EXECUTE`, `DEALLOCATE`).
//!
//! The check walks the whole logical plan including subqueries, so `EXPLAIN ANALYZE INSERT
//! ...` (which would run the insert) is refused too. [`sql_options`] gives the equivalent
//! DataFusion [`SQLOptions`], which [`crate::Session`] checks as a second line of defence.

use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::execution::context::SQLOptions;
use datafusion::logical_expr::logical_plan::dml::InsertOp;
use datafusion::logical_expr::{DdlStatement, LogicalPlan, Statement, TransactionConclusion, WriteOp};

use crate::error::{Result, SqlError};

/// The DataFusion [`SQLOptions`] for a session: everything allowed, or (read-only) no DDL,
/// no DML (which includes `COPY`) and no statements.
///
/// ```
/// let options = runql_sql::read_only::sql_options(true);
/// # let _ = options;
/// ```
pub fn sql_options(read_only: bool) -> SQLOptions {
    SQLOptions::new().with_allow_ddl(!read_only).with_allow_dml(!read_only).with_allow_statements(!read_only)
}

/// Returns [`SqlError::ReadOnly`] naming the first statement kind in `plan` that a read-only
/// session refuses, or `Ok(())` when the plan only reads.
///
/// # Errors
/// [`SqlError::ReadOnly`] for a refused statement; [`SqlError::DataFusion`] if walking the
/// plan fails.
pub fn check(plan: &LogicalPlan) -> Result<()> {
    let mut refused: Option<String> = None;
    plan.apply_with_subqueries(|node| {
        if let Some(kind) = refused_kind(node) {
            refused = Some(kind);
            return Ok(TreeNodeRecursion::Stop);
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    match refused {
        Some(statement) => Err(SqlError::ReadOnly { statement }),
        None => {
            // Second line of defence: DataFusion's own policy, in case a future plan node is
            // refused there but not named above.
            sql_options(true)
                .verify_plan(plan)
                .map_err(|e| SqlError::ReadOnly { statement: e.strip_backtrace() })
        }
    }
}

/// The SQL name of a plan node that a read-only session refuses, or `None` for a node that
/// only reads.
///
/// ```
/// use datafusion::logical_expr::LogicalPlanBuilder;
/// let plan = LogicalPlanBuilder::empty(false).build()?;
/// assert_eq!(runql_sql::read_only::refused_kind(&plan), None);
/// # Ok::<(), datafusion::error::DataFusionError>(())
/// ```
pub fn refused_kind(plan: &LogicalPlan) -> Option<String> {
    let kind = match plan {
        LogicalPlan::Ddl(ddl) => ddl_kind(ddl),
        LogicalPlan::Dml(dml) => match &dml.op {
            WriteOp::Insert(InsertOp::Append) => "INSERT",
            WriteOp::Insert(InsertOp::Overwrite) => "INSERT OVERWRITE",
            WriteOp::Insert(InsertOp::Replace) => "REPLACE INTO",
            WriteOp::Delete => "DELETE",
            WriteOp::Update => "UPDATE",
            WriteOp::Ctas => "CREATE TABLE AS",
            WriteOp::Truncate => "TRUNCATE",
            WriteOp::MergeInto(_) => "MERGE",
            other => return Some(other.name().to_uppercase()),
        },
        LogicalPlan::Copy(_) => "COPY",
        LogicalPlan::Statement(stmt) => statement_kind(stmt),
        _ => return None,
    };
    Some(kind.to_owned())
}

fn ddl_kind(ddl: &DdlStatement) -> &'static str {
    match ddl {
        DdlStatement::CreateExternalTable(_) => "CREATE EXTERNAL TABLE",
        DdlStatement::CreateMemoryTable(_) => "CREATE TABLE",
        DdlStatement::CreateView(_) => "CREATE VIEW",
        DdlStatement::CreateCatalogSchema(_) => "CREATE SCHEMA",
        DdlStatement::CreateCatalog(_) => "CREATE DATABASE",
        DdlStatement::CreateIndex(_) => "CREATE INDEX",
        DdlStatement::DropTable(_) => "DROP TABLE",
        DdlStatement::DropView(_) => "DROP VIEW",
        DdlStatement::DropCatalogSchema(_) => "DROP SCHEMA",
        DdlStatement::CreateFunction(_) => "CREATE FUNCTION",
        DdlStatement::DropFunction(_) => "DROP FUNCTION",
    }
}

fn statement_kind(stmt: &Statement) -> &'static str {
    match stmt {
        Statement::TransactionStart(_) => "BEGIN TRANSACTION",
        Statement::TransactionEnd(end) => match end.conclusion {
            TransactionConclusion::Commit => "COMMIT",
            TransactionConclusion::Rollback => "ROLLBACK",
        },
        Statement::SetVariable(_) => "SET",
        Statement::ResetVariable(_) => "RESET",
        Statement::Prepare(_) => "PREPARE",
        Statement::Execute(_) => "EXECUTE",
        Statement::Deallocate(_) => "DEALLOCATE",
    }
}
