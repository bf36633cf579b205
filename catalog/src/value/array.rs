//! One-dimensional arrays, stored in SQLite as a JSON array of the elements'
//! stored values (numbers for integer, float and boolean elements, strings for
//! the rest, so numeric stays exact), which SQLite's json functions can walk.

use super::{FormatOptions, Value, ValueError, ValueRef};
use crate::types::{PgType, Scalar, StorageClass};
use serde_json::Value as J;

/// An element's stored value as a JSON item.
pub fn element_to_json(elem: &PgType, v: Value) -> J {
    match v {
        Value::Null => J::Null,
        Value::Int(i) if elem.scalar == crate::types::Scalar::Bool => J::Bool(i != 0),
        Value::Int(i) => J::from(i),
        Value::Real(f) => serde_json::Number::from_f64(f).map(J::Number).unwrap_or(J::Null),
        Value::Text(s) => J::String(s),
        Value::Blob(b) => J::String(b.iter().map(|x| format!("{x:02x}")).collect()),
    }
}

/// A JSON item back to the element's stored value.
pub fn json_to_element(elem: &PgType, j: &J) -> Value {
    match j {
        J::Null => Value::Null,
        J::Bool(b) => Value::Int(*b as i64),
        J::Number(n) => match (elem.storage(), n.as_i64()) {
            (StorageClass::Integer, Some(i)) => Value::Int(i),
            (StorageClass::Numeric | StorageClass::Text, _) => Value::Text(n.to_string()),
            _ => n.as_f64().map(Value::Real).unwrap_or(Value::Null),
        },
        J::String(s) if elem.storage() == StorageClass::Blob => {
            Value::Blob((0..s.len() / 2).filter_map(|i| u8::from_str_radix(&s[i * 2..i * 2 + 2], 16).ok()).collect())
        }
        J::String(s) => Value::Text(s.clone()),
        other => Value::Text(other.to_string()),
    }
}

fn elements(stored: &str) -> Result<Vec<J>, ValueError> {
    match serde_json::from_str::<J>(stored) {
        Ok(J::Array(items)) => Ok(items),
        _ => Err(ValueError::MalformedArray(stored.to_string())),
    }
}

fn needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.eq_ignore_ascii_case("null")
        || s.bytes().any(|b| matches!(b, b'{' | b'}' | b',' | b'"' | b'\\') || b.is_ascii_whitespace())
}

pub fn to_text(ty: &PgType, stored: &str, opts: &FormatOptions, out: &mut Vec<u8>) -> Result<(), ValueError> {
    let elem = ty.element();
    if ty.scalar == Scalar::Int2Vector {
        // int2vector prints as space-separated numbers, without braces.
        let items: Vec<String> = elements(stored)?.iter().map(|j| j.to_string()).collect();
        out.extend_from_slice(items.join(" ").as_bytes());
        return Ok(());
    }
    out.push(b'{');
    for (i, item) in elements(stored)?.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let v = json_to_element(&elem, item);
        if v == Value::Null {
            out.extend_from_slice(b"NULL");
            continue;
        }
        let s = super::to_text_string(&elem, v.as_ref(), opts)?;
        if needs_quotes(&s) {
            out.push(b'"');
            for c in s.bytes() {
                if c == b'"' || c == b'\\' {
                    out.push(b'\\');
                }
                out.push(c);
            }
            out.push(b'"');
        } else {
            out.extend_from_slice(s.as_bytes());
        }
    }
    out.push(b'}');
    Ok(())
}

/// Parses `{a,"b c",NULL}` into element strings (None for NULL).
pub fn split_literal(s: &str) -> Result<Vec<Option<String>>, ValueError> {
    let bad = || ValueError::MalformedArray(s.to_string());
    let t = s.trim();
    let inner = t.strip_prefix('{').and_then(|r| r.strip_suffix('}')).ok_or_else(bad)?;
    let mut items = Vec::new();
    if inner.trim().is_empty() {
        return Ok(items);
    }
    let mut chars = inner.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut cur = String::new();
        let mut quoted = false;
        if chars.peek() == Some(&'"') {
            quoted = true;
            chars.next();
            loop {
                match chars.next() {
                    Some('\\') => cur.push(chars.next().ok_or_else(bad)?),
                    Some('"') => break,
                    Some(c) => cur.push(c),
                    None => return Err(bad()),
                }
            }
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                if c == '{' || c == '}' || c == '"' {
                    return Err(bad());
                }
                if c == '\\' {
                    chars.next();
                    cur.push(chars.next().ok_or_else(bad)?);
                    continue;
                }
                cur.push(c);
                chars.next();
            }
            cur = cur.trim_end().to_string();
        }
        if !quoted && cur.eq_ignore_ascii_case("null") {
            items.push(None);
        } else {
            items.push(Some(cur));
        }
        match chars.next() {
            Some(',') => continue,
            None => break,
            Some(_) => return Err(bad()),
        }
    }
    Ok(items)
}

/// Stores a list of element values as the JSON array text.
pub fn store(elem: &PgType, values: Vec<Value>) -> String {
    J::Array(values.into_iter().map(|v| element_to_json(elem, v)).collect()).to_string()
}

pub fn from_text(ty: &PgType, s: &str, opts: &FormatOptions) -> Result<Value, ValueError> {
    let elem = ty.element();
    let mut values = Vec::new();
    for item in split_literal(s)? {
        values.push(match item {
            None => Value::Null,
            Some(text) => super::from_text(&elem, &text, opts)?,
        });
    }
    Ok(Value::Text(store(&elem, values)))
}

pub fn to_binary(ty: &PgType, stored: &str, opts: &FormatOptions, out: &mut Vec<u8>) -> Result<(), ValueError> {
    let elem = ty.element();
    let items = elements(stored)?;
    let has_null = items.iter().any(|j| j.is_null());
    out.extend_from_slice(&(if items.is_empty() { 0i32 } else { 1 }).to_be_bytes());
    out.extend_from_slice(&(has_null as i32).to_be_bytes());
    out.extend_from_slice(&elem.wire().oid().to_be_bytes());
    if !items.is_empty() {
        out.extend_from_slice(&(items.len() as i32).to_be_bytes());
        out.extend_from_slice(&1i32.to_be_bytes());
    }
    for item in &items {
        let v = json_to_element(&elem, item);
        if v == Value::Null {
            out.extend_from_slice(&(-1i32).to_be_bytes());
            continue;
        }
        let len_at = out.len();
        out.extend_from_slice(&[0, 0, 0, 0]);
        super::to_binary(&elem, v.as_ref(), opts, out)?;
        let len = (out.len() - len_at - 4) as i32;
        out[len_at..len_at + 4].copy_from_slice(&len.to_be_bytes());
    }
    Ok(())
}

pub fn from_binary(ty: &PgType, b: &[u8], opts: &FormatOptions) -> Result<Value, ValueError> {
    let bad = || ValueError::BinaryFormat("array");
    let rd = |i: usize| -> Result<i32, ValueError> {
        b.get(i..i + 4).and_then(|s| s.try_into().ok()).map(i32::from_be_bytes).ok_or_else(bad)
    };
    let elem = ty.element();
    let ndim = rd(0)?;
    if ndim == 0 {
        return Ok(Value::Text("[]".into()));
    }
    if ndim != 1 {
        return Err(ValueError::Unsupported("multidimensional arrays are not supported".into()));
    }
    let n = rd(12)?.max(0) as usize;
    let mut pos = 20;
    let mut values = Vec::with_capacity(n);
    for _ in 0..n {
        let len = rd(pos)?;
        pos += 4;
        if len < 0 {
            values.push(Value::Null);
            continue;
        }
        let body = b.get(pos..pos + len as usize).ok_or_else(bad)?;
        values.push(super::from_binary(&elem, body, opts)?);
        pos += len as usize;
    }
    Ok(Value::Text(store(&elem, values)))
}

/// A stored array read back as element values (for unnest, ANY, array_length...).
pub fn load(elem: &PgType, stored: ValueRef<'_>) -> Result<Vec<Value>, ValueError> {
    match stored {
        ValueRef::Text(s) => Ok(elements(s)?.iter().map(|j| json_to_element(elem, j)).collect()),
        _ => Err(ValueError::MalformedArray(String::new())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Scalar;

    #[test]
    fn literal_splitting_follows_postgres_quoting() {
        assert_eq!(
            split_literal(r#"{a, "b,c" ,NULL,"NULL",\"x}"#).unwrap(),
            vec![Some("a".into()), Some("b,c".into()), None, Some("NULL".into()), Some("\"x".into())]
        );
        assert!(split_literal("{a").is_err());
        assert_eq!(split_literal("{}").unwrap(), vec![]);
    }

    #[test]
    fn numeric_elements_stay_exact() {
        let ty = PgType::array_of(Scalar::Numeric);
        let v = from_text(&ty, "{1.10,2}", &FormatOptions::default()).unwrap();
        assert_eq!(v, Value::Text("[\"1.10\",\"2\"]".into()));
        let mut out = Vec::new();
        to_text(&ty, "[\"1.10\",\"2\"]", &FormatOptions::default(), &mut out).unwrap();
        assert_eq!(out, b"{1.10,2}");
    }
}
