//! Generates the SQLSTATE table from PostgreSQL's own `errcodes.txt`
//! (copied verbatim from the PostgreSQL sources), so no code is typed by hand.
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
}
