//! Over-deep queries refused before they are parsed, and over-deep plans before they are
//! optimized.
//!
//! sqlparser builds operator chains (`1+1+…`), casts (`x::int::text`), subscripts and set
//! operations (`UNION ALL …`) in loops, not by recursion, so its own recursion limit does
//! not bound how deep the tree gets; DataFusion then plans, optimizes and drops that tree
//! recursively and overflows the stack. The check here works on the tokens, with no
//! recursion, and estimates the deepest the tree can be: the operators chained at each
//! parenthesis level, summed over the levels that enclose a point, plus the levels
//! themselves.

use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::logical_expr::LogicalPlan;
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};

use crate::error::{Result, SqlError};
use crate::limits::{QueryLimits, human_bytes};

/// What the token scan found: the estimated deepest expression and the number of
/// `JOIN`/`UNION`/`INTERSECT`/`EXCEPT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Nesting {
    /// Upper estimate of the expression tree's depth.
    pub expression_depth: usize,
    /// Relations combined: joins and set operations.
    pub combined: usize,
}

/// Measures `sql` without parsing it.
///
/// ```
/// let n = runql_sql::guard::measure("SELECT a + b + c FROM t JOIN u USING (k)")?;
/// assert_eq!((n.expression_depth, n.combined), (2, 1));
/// # Ok::<(), runql_sql::SqlError>(())
/// ```
///
/// # Errors
/// [`SqlError::DataFusion`] when the text cannot be tokenized (an unterminated string, …).
pub fn measure(sql: &str) -> Result<Nesting> {
    let dialect = GenericDialect {};
    let tokens = Tokenizer::new(&dialect, sql).tokenize().map_err(|e| {
        SqlError::DataFusion(datafusion::error::DataFusionError::SQL(Box::new(e.into()), None))
    })?;
    // Operators chained so far at each open parenthesis level (index 0: outside any).
    let mut chains: Vec<usize> = vec![0];
    let mut enclosing = 0usize; // sum of the chains of the levels below the current one
    let mut found = Nesting::default();
    for token in &tokens {
        match classify(token) {
            Role::Open => {
                let current = chains.last().copied().unwrap_or(0);
                enclosing = enclosing.saturating_add(current);
                chains.push(0);
            }
            Role::Close => {
                if chains.len() > 1 {
                    chains.pop();
                    let current = chains.last().copied().unwrap_or(0);
                    enclosing = enclosing.saturating_sub(current);
                }
            }
            Role::Separator => {
                if let Some(c) = chains.last_mut() {
                    *c = 0;
                }
            }
            Role::Operator => {
                if let Some(c) = chains.last_mut() {
                    *c = c.saturating_add(1);
                }
            }
            Role::Combine => {
                found.combined = found.combined.saturating_add(1);
                if let Some(c) = chains.last_mut() {
                    *c = 0;
                }
            }
            Role::Operand => {}
        }
        let current = chains.last().copied().unwrap_or(0);
        let depth = enclosing.saturating_add(current).saturating_add(chains.len() - 1);
        found.expression_depth = found.expression_depth.max(depth);
    }
    Ok(found)
}

/// Refuses `sql` when it is longer or nests deeper than `limits` allow.
///
/// ```
/// use runql_sql::QueryLimits;
/// let limits = QueryLimits { max_expression_depth: 10, ..QueryLimits::default() };
/// let deep = format!("SELECT 1{}", "+1".repeat(50));
/// let refused = runql_sql::guard::check_text(&deep, &limits).unwrap_err();
/// assert!(refused.to_string().contains("nests 50 deep"), "{refused}");
/// assert!(runql_sql::guard::check_text("SELECT 1+1", &limits).is_ok());
/// ```
///
/// # Errors
/// [`SqlError::Limit`] naming the limit; [`SqlError::DataFusion`] for text that does not
/// tokenize.
pub fn check_text(sql: &str, limits: &QueryLimits) -> Result<()> {
    if sql.len() > limits.max_sql_bytes {
        return Err(SqlError::Limit(format!(
            "the query is {} long; at most {} is accepted",
            human_bytes(sql.len()),
            human_bytes(limits.max_sql_bytes)
        )));
    }
    let found = measure(sql)?;
    if found.expression_depth > limits.max_expression_depth {
        return Err(SqlError::Limit(format!(
            "the query nests {} deep (operators chained without parentheses, parentheses and \
             function calls); at most {} is accepted — use IN (…) instead of long OR chains, \
             or split the expression",
            found.expression_depth, limits.max_expression_depth
        )));
    }
    if found.combined > limits.max_plan_depth {
        return Err(SqlError::Limit(format!(
            "the query combines {} relations with JOIN, UNION, INTERSECT or EXCEPT; at most {} \
             is accepted",
            found.combined, limits.max_plan_depth
        )));
    }
    Ok(())
}

/// Refuses a plan deeper than `max_depth` nodes (comma joins, nested subqueries), walking it
/// without recursion so the walk itself cannot overflow.
///
/// ```
/// use datafusion::logical_expr::LogicalPlanBuilder;
/// let plan = LogicalPlanBuilder::empty(false).build()?;
/// assert!(runql_sql::guard::check_plan(&plan, 1).is_ok());
/// # Ok::<(), datafusion::error::DataFusionError>(())
/// ```
///
/// # Errors
/// [`SqlError::Limit`] naming the depth.
pub fn check_plan(plan: &LogicalPlan, max_depth: usize) -> Result<()> {
    // Nodes are cloned shallowly (their inputs are shared `Arc`s) so that subqueries, which
    // the plan only lends for the length of a callback, can wait on the same stack.
    let mut stack: Vec<(LogicalPlan, usize)> = vec![(plan.clone(), 1)];
    while let Some((node, depth)) = stack.pop() {
        if depth > max_depth {
            return Err(SqlError::Limit(format!(
                "the query's plan is more than {max_depth} operators deep; simplify the query \
                 (fewer nested subqueries or joined tables)"
            )));
        }
        for input in node.inputs() {
            stack.push((input.clone(), depth + 1));
        }
        // Subqueries in expressions are plans of their own, one level further down.
        node.apply_subqueries(|sub| {
            stack.push((sub.clone(), depth + 1));
            Ok(TreeNodeRecursion::Jump)
        })?;
    }
    Ok(())
}

enum Role {
    Open,
    Close,
    Separator,
    Operator,
    Combine,
    Operand,
}

fn classify(token: &Token) -> Role {
    match token {
        Token::LParen | Token::LBracket | Token::LBrace => Role::Open,
        Token::RParen | Token::RBracket | Token::RBrace => Role::Close,
        Token::Comma | Token::SemiColon => Role::Separator,
        Token::Word(w) if w.quote_style.is_none() => match w.keyword {
            Keyword::AND
            | Keyword::OR
            | Keyword::XOR
            | Keyword::IS
            | Keyword::LIKE
            | Keyword::ILIKE
            | Keyword::SIMILAR
            | Keyword::BETWEEN
            | Keyword::IN
            | Keyword::COLLATE
            | Keyword::AT
            | Keyword::DIV
            | Keyword::REGEXP
            | Keyword::RLIKE
            | Keyword::OVERLAPS
            | Keyword::NOT => Role::Operator,
            // A CASE is a level of its own, like a parenthesis: its branches separate inside
            // it, and the chain around it goes on after END.
            Keyword::CASE => Role::Open,
            Keyword::END => Role::Close,
            Keyword::JOIN | Keyword::UNION | Keyword::INTERSECT | Keyword::EXCEPT | Keyword::MINUS => {
                Role::Combine
            }
            Keyword::SELECT
            | Keyword::FROM
            | Keyword::WHERE
            | Keyword::GROUP
            | Keyword::HAVING
            | Keyword::ORDER
            | Keyword::LIMIT
            | Keyword::OFFSET
            | Keyword::ON
            | Keyword::USING
            | Keyword::WHEN
            | Keyword::THEN
            | Keyword::ELSE
            | Keyword::WITH
            | Keyword::PARTITION
            | Keyword::WINDOW
            | Keyword::QUALIFY => Role::Separator,
            _ => Role::Operand,
        },
        Token::Whitespace(_) | Token::EOF => Role::Operand,
        Token::Word(_)
        | Token::Number(..)
        | Token::Char(_)
        | Token::SingleQuotedString(_)
        | Token::DoubleQuotedString(_)
        | Token::TripleSingleQuotedString(_)
        | Token::TripleDoubleQuotedString(_)
        | Token::DollarQuotedString(_)
        | Token::SingleQuotedByteStringLiteral(_)
        | Token::DoubleQuotedByteStringLiteral(_)
        | Token::TripleSingleQuotedByteStringLiteral(_)
        | Token::TripleDoubleQuotedByteStringLiteral(_)
        | Token::SingleQuotedRawStringLiteral(_)
        | Token::DoubleQuotedRawStringLiteral(_)
        | Token::TripleSingleQuotedRawStringLiteral(_)
        | Token::TripleDoubleQuotedRawStringLiteral(_)
        | Token::NationalStringLiteral(_)
        | Token::EscapedStringLiteral(_)
        | Token::UnicodeStringLiteral(_)
        | Token::HexStringLiteral(_)
        | Token::Placeholder(_)
        | Token::Period => Role::Operand,
        // Everything else is an operator symbol: + - * / % || = < :: -> @> …
        _ => Role::Operator,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn depth(sql: &str) -> usize {
        measure(sql).unwrap().expression_depth
    }

    #[test]
    fn chains_count_their_operators() {
        assert_eq!(depth("SELECT 1"), 0);
        assert_eq!(depth("SELECT 1 + 2 + 3"), 2);
        assert_eq!(depth(&format!("SELECT 1{}", "+1".repeat(799))), 799);
        assert_eq!(depth(&format!("SELECT x{}", "::int".repeat(300))), 300);
        assert_eq!(depth("SELECT a AND b OR c"), 2);
    }

    #[test]
    fn separators_end_a_chain() {
        // 200 separate columns of one operator each are shallow.
        let wide = (0..200).map(|i| format!("c{i} + 1")).collect::<Vec<_>>().join(", ");
        assert_eq!(depth(&format!("SELECT {wide} FROM t")), 1);
        let cases = (0..300).map(|i| format!("WHEN x = {i} THEN {i}")).collect::<Vec<_>>().join(" ");
        assert!(depth(&format!("SELECT CASE {cases} END FROM t")) <= 2);
    }

    #[test]
    fn parentheses_add_the_chains_around_them() {
        // (a + (b + (c + d))): each level adds its own chain and one for the parenthesis.
        assert_eq!(depth("SELECT (1 + (2 + (3 + 4)))"), 6);
        let nested = format!("SELECT {}1{}", "(1 + ".repeat(40), ")".repeat(40));
        assert_eq!(depth(&nested), 80);
        // A long chain inside one call is as deep as outside.
        assert_eq!(depth(&format!("SELECT f(1{})", "+1".repeat(500))), 501);
    }

    #[test]
    fn a_case_or_a_window_does_not_end_the_chain_around_it() {
        // Each CASE adds a level and its branches are separate, but the `+` around it chain on.
        let with_cases = format!("SELECT 1{}", "+1+CASE WHEN 1 THEN 1 ELSE 2 END".repeat(200));
        assert!(depth(&with_cases) >= 400, "{}", depth(&with_cases));
        let with_windows =
            format!("SELECT 1{} FROM t", "+sum(x) OVER (PARTITION BY y ORDER BY z)".repeat(300));
        assert!(depth(&with_windows) >= 300, "{}", depth(&with_windows));
        let with_casts = format!("SELECT 1{}", "+CAST(1 AS BIGINT)".repeat(300));
        assert!(depth(&with_casts) >= 300, "{}", depth(&with_casts));
        // A CASE's own branches stay shallow.
        let cases = (0..300).map(|i| format!("WHEN x = {i} THEN {i}")).collect::<Vec<_>>().join(" ");
        assert!(depth(&format!("SELECT CASE {cases} ELSE 0 END AS y FROM t")) <= 2);
    }

    #[test]
    fn joins_and_set_operations_are_counted() {
        let unions = vec!["SELECT 1"; 1000].join(" UNION ALL ");
        assert_eq!(measure(&unions).unwrap().combined, 999);
        assert_eq!(measure("SELECT * FROM a JOIN b ON a.k = b.k LEFT JOIN c USING (k)").unwrap().combined, 2);
    }

    #[test]
    fn unbalanced_parentheses_do_not_underflow() {
        assert_eq!(depth("SELECT ))) 1 + 1"), 1);
        assert!(depth(&"(".repeat(10_000)) >= 10_000);
    }

    #[test]
    fn quoted_keywords_are_names() {
        assert_eq!(depth(r#"SELECT "and", "or" FROM t"#), 0);
    }

    #[test]
    fn long_text_is_refused_by_size() {
        let limits = QueryLimits { max_sql_bytes: 100, ..QueryLimits::default() };
        let err = check_text(&"SELECT 1 ".repeat(20), &limits).unwrap_err();
        assert!(matches!(err, SqlError::Limit(_)), "{err}");
        assert!(err.to_string().contains("at most 100 B"), "{err}");
    }
}
