//! Writing SQLite SQL text: quoting and literals.

use crate::value::Value;

pub fn ident(name: &str) -> String {
    let mut s = String::with_capacity(name.len() + 2);
    s.push('"');
    for c in name.chars() {
        if c == '"' {
            s.push('"');
        }
        s.push(c);
    }
    s.push('"');
    s
}

pub fn string(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('\'');
    for c in text.chars() {
        if c == '\'' {
            s.push('\'');
        }
        s.push(c);
    }
    s.push('\'');
    s
}

/// A stored value as a SQLite literal.
pub fn literal(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Int(i) => i.to_string(),
        Value::Real(f) if f.is_finite() => {
            let s = format!("{f:?}");
            if s.contains(['.', 'e', 'E']) {
                s
            } else {
                format!("{s}.0")
            }
        }
        // SQLite stores a NaN REAL as NULL: NaN is kept as the text 'NaN',
        // which also compares equal to itself and above every number, as
        // PostgreSQL orders it.
        Value::Real(f) if f.is_nan() => "'NaN'".into(),
        Value::Real(f) if *f > 0.0 => "9e999".into(),
        Value::Real(_) => "-9e999".into(),
        Value::Text(t) => string(t),
        Value::Blob(b) => format!("X'{}'", b.iter().map(|x| format!("{x:02X}")).collect::<String>()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_doubles_the_quote_character() {
        assert_eq!(ident("we\"ird"), "\"we\"\"ird\"");
        assert_eq!(string("it's"), "'it''s'");
        assert_eq!(literal(&Value::Real(1.0)), "1.0");
        assert_eq!(literal(&Value::Blob(vec![0xab])), "X'AB'");
    }
}
