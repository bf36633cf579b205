//! Generates the SQLSTATE table from PostgreSQL's own `errcodes.txt` and the
//! catalog relation OIDs from its `postgres.bki` (both copied verbatim from
//! PostgreSQL), so no code or OID is typed by hand.
use std::fmt::Write as _;
use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=errcodes.txt");
    let text = fs::read_to_string("errcodes.txt").expect("errcodes.txt is part of the crate");
    let mut out = String::from("impl SqlState {\n");
    let mut all = String::from("/// Every SQLSTATE PostgreSQL defines.\npub const ALL: &[SqlState] = &[\n");
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        let (Some(code), Some(_class), Some(macro_name)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        if code.len() != 5 || !macro_name.starts_with("ERRCODE_") {
            continue;
        }
        let name = macro_name.trim_start_matches("ERRCODE_");
        let condition = fields.next().unwrap_or("");
        writeln!(out, "    /// `{code}` {condition}\n    pub const {name}: SqlState = SqlState(\"{code}\");").unwrap();
        writeln!(all, "    SqlState::{name},").unwrap();
    }
    out.push_str("}\n");
    all.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("sqlstate_table.rs");
    fs::write(dest, out + &all).unwrap();
    catalog_relations();
    builtin_functions();
    operator_classes();
}

/// PostgreSQL's operator classes (catalog/pg_opclass.txt, the pg_opclass rows
/// of postgres.bki extracted by scripts/extract-catalog).
fn operator_classes() {
    println!("cargo:rerun-if-changed=pg_opclass.txt");
    let text = fs::read_to_string("pg_opclass.txt").expect("pg_opclass.txt is part of the crate");
    let mut out = String::from("/// PostgreSQL's operator classes: oid, method, name, namespace, owner, family, input type, default, key type.\n");
    out.push_str("#[allow(clippy::type_complexity)]\n");
    out.push_str("pub const OPERATOR_CLASSES: &[(u32, u32, &str, u32, u32, u32, u32, bool, u32)] = &[\n");
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let [oid, method, name, nsp, owner, family, intype, default, keytype] = f.as_slice() else { continue };
        writeln!(out, "    ({oid}, {method}, \"{name}\", {nsp}, {owner}, {family}, {intype}, {}, {keytype}),", *default == "t").unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("operator_classes.rs");
    fs::write(dest, out).unwrap();
}

/// PostgreSQL's built-in functions (catalog/pg_proc.txt, extracted from the
/// pg_proc rows of postgres.bki by scripts/extract-catalog).
fn builtin_functions() {
    println!("cargo:rerun-if-changed=pg_proc.txt");
    let text = fs::read_to_string("pg_proc.txt").expect("pg_proc.txt is part of the crate");
    let mut out = String::from("/// PostgreSQL's built-in functions: oid, name, prokind, proretset, prorettype, proargtypes.\n");
    out.push_str("#[allow(clippy::type_complexity)]\n");
    out.push_str("pub const BUILTIN_FUNCTIONS: &[(u32, &str, char, bool, u32, &[u32])] = &[\n");
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let [oid, name, kind, retset, ret, args] = f.as_slice() else { continue };
        let args = if *args == "-" { String::new() } else { args.to_string() };
        writeln!(out, "    ({oid}, \"{name}\", '{kind}', {}, {ret}, &[{args}]),", *retset == "t").unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("builtin_functions.rs");
    fs::write(dest, out).unwrap();
}

/// PostgreSQL's catalog tables, their fixed OIDs and columns, from the
/// `create` blocks of its `postgres.bki`:
/// `create pg_class 1259 bootstrap ...` then ` (`, ` name = type ,` lines, ` )`.
fn catalog_relations() {
    println!("cargo:rerun-if-changed=catalog_relations.txt");
    let text = fs::read_to_string("catalog_relations.txt").expect("catalog_relations.txt is part of the crate");
    let mut out = String::from("/// PostgreSQL's catalog tables: name, fixed OID, and (column, bki type) pairs.\n");
    out.push_str("#[allow(clippy::type_complexity)]\n");
    out.push_str("pub const CATALOG_RELATIONS: &[(&str, u32, &[(&str, &str)])] = &[\n");
    let mut open = false;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("create ") {
            let mut f = rest.split_whitespace();
            let (Some(name), Some(oid)) = (f.next(), f.next().and_then(|o| o.parse::<u32>().ok())) else { continue };
            if open {
                out.push_str("]),\n");
            }
            write!(out, "    (\"{name}\", {oid}, &[").unwrap();
            open = true;
        } else if open {
            let mut f = line.split_whitespace();
            if let (Some(col), Some("="), Some(ty)) = (f.next(), f.next(), f.next()) {
                write!(out, "(\"{col}\", \"{ty}\"), ").unwrap();
            }
        }
    }
    if open {
        out.push_str("]),\n");
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("catalog_relations.rs");
    fs::write(dest, out).unwrap();
}
