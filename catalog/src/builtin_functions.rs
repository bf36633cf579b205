//! The built-in functions litegres answers for, as `pg_proc` lists them.
//!
//! The candidates are PostgreSQL's own (OIDs, names, argument and result
//! types generated from its `postgres.bki`); a function is listed when the
//! translator accepts a call of it with arguments of its declared types, so
//! `pg_proc` says truthfully what a client may call.

use crate::schema::Schema;
use crate::translate::{translate, Context};
use crate::types::PgType;
use crate::value::FormatOptions;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/builtin_functions.rs"));

/// One listed function.
#[derive(Debug, Clone)]
pub struct BuiltinFunction {
    pub oid: u32,
    pub name: &'static str,
    pub kind: char,
    pub retset: bool,
    pub result: PgType,
    pub args: Vec<PgType>,
}

/// The built-in functions a client can call on litegres (computed once).
/// While the list is being computed it is empty: functions that read it
/// (pg_get_function_result...) are themselves probed.
pub fn supported() -> &'static [BuiltinFunction] {
    static LIST: OnceLock<Vec<BuiltinFunction>> = OnceLock::new();
    if PROBING.with(|p| p.get()) {
        return &[];
    }
    LIST.get_or_init(|| {
        PROBING.with(|p| p.set(true));
        let list = probe();
        PROBING.with(|p| p.set(false));
        list
    })
}

thread_local! {
    static PROBING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn probe() -> Vec<BuiltinFunction> {
    let schema = Schema::default();
    let path = vec!["public".to_string()];
    let format = FormatOptions::default();
    let ctx = Context { schema: &schema, search_path: &path, format: &format, param_hints: &[], current_user: "postgres", database: "postgres", databases: &[] };
    let mut out = Vec::new();
    for &(oid, name, kind, retset, ret, args) in BUILTIN_FUNCTIONS {
        // Aggregates and plain functions; window functions need OVER, set-returning ones FROM.
        if !matches!(kind, 'f' | 'a') || retset || name.starts_with('_') {
            continue;
        }
        let Some(result) = PgType::from_oid(ret) else { continue };
        let Some(args) = args.iter().map(|a| PgType::from_oid(*a)).collect::<Option<Vec<_>>>() else { continue };
        let call = args.iter().map(|a| format!("NULL::{}", a.format_type())).collect::<Vec<_>>().join(", ");
        if translate(&format!("SELECT {name}({call})"), &ctx).is_ok() {
            out.push(BuiltinFunction { oid, name, kind, retset, result, args });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_functions_are_the_ones_translated() {
        let list = supported();
        let has = |name: &str, args: &[PgType]| list.iter().any(|f| f.name == name && f.args == args);
        assert!(has("lower", &[PgType::TEXT]));
        assert!(has("length", &[PgType::TEXT]));
        assert!(has("sum", &[PgType::INT4]));
        assert!(has("now", &[]));
        // Internal functions (type input/output) are not callable from SQL here.
        assert!(!list.iter().any(|f| f.name == "boolin"));
        assert!(list.iter().all(|f| f.kind == 'f' || f.kind == 'a'));
    }
}
