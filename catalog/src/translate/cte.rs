//! WITH queries: which recursive ones PostgreSQL refuses, and when one is
//! evaluated once for all its references.

use super::TranslateError;
use sqlparser::ast::{LimitClause, Query, SetExpr};

/// Refuses the recursive queries PostgreSQL refuses, in its words. SQLite
/// runs some of them (an ORDER BY orders its queue, an unbounded one never
/// ends), so they must not reach it.
pub(super) fn check_recursive(name: &str, q: &Query) -> Result<(), TranslateError> {
    use sqlparser::ast::{visit_relations, SetOperator};
    use std::ops::ControlFlow;
    if q.order_by.is_some() {
        return Err(TranslateError::NotSupported("ORDER BY in a recursive query is not implemented".into()));
    }
    match &q.limit_clause {
        Some(LimitClause::LimitOffset { offset: Some(_), .. }) => return Err(TranslateError::NotSupported("OFFSET in a recursive query is not implemented".into())),
        Some(_) => return Err(TranslateError::NotSupported("LIMIT in a recursive query is not implemented".into())),
        None => {}
    }
    // Whether a part of the query reads the CTE itself (an unqualified relation of its name).
    let reads_itself = |body: &SetExpr| {
        visit_relations(body, |r| if r.0.len() == 1 && r.0[0].to_string().trim_matches('"').to_lowercase() == name { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }).is_break()
    };
    let malformed = || TranslateError::InvalidRecursion(format!("recursive query \"{name}\" does not have the form non-recursive-term UNION [ALL] recursive-term"));
    let SetExpr::SetOperation { op, left, right, .. } = q.body.as_ref() else {
        return if reads_itself(q.body.as_ref()) { Err(malformed()) } else { Ok(()) };
    };
    if !reads_itself(right) {
        return Ok(());
    }
    if *op != SetOperator::Union || reads_itself(left) {
        return Err(malformed());
    }
    // At the recursive term's own level: an aggregate inside a subquery there is allowed.
    let aggregate = match right.as_ref() {
        SetExpr::Select(s) => super::grouping::aggregates_at_level(s),
        _ => false,
    };
    if aggregate {
        return Err(TranslateError::InvalidRecursion("aggregate functions are not allowed in a recursive query's recursive term".into()));
    }
    Ok(())
}

/// PostgreSQL evaluates a WITH query once when it is referenced more than
/// once or calls a volatile function (its rows are then the same for every
/// reference), unless NOT MATERIALIZED; SQLite would inline it into each
/// reference and evaluate `random()` anew each time.
pub(super) fn materialization(q: &Query, cte: &sqlparser::ast::Cte, name: &str) -> &'static str {
    use sqlparser::ast::{visit_relations, CteAsMaterialized};
    use std::ops::ControlFlow;
    match cte.materialized {
        Some(CteAsMaterialized::Materialized) => return "MATERIALIZED ",
        Some(CteAsMaterialized::NotMaterialized) => return "NOT MATERIALIZED ",
        None => {}
    }
    let mut refs = 0;
    let _ = visit_relations(q, |r| {
        if r.0.len() == 1 && r.0[0].to_string().trim_matches('"').to_lowercase() == name {
            refs += 1;
        }
        ControlFlow::<()>::Continue(())
    });
    let text = cte.query.to_string().to_lowercase();
    let volatile = ["random(", "gen_random_uuid(", "clock_timestamp(", "nextval(", "uuid_generate_v4("].iter().any(|f| text.contains(f));
    if refs > 1 || volatile {
        "MATERIALIZED "
    } else {
        ""
    }
}
