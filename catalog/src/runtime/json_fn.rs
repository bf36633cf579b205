//! json/jsonb operators and functions with PostgreSQL's semantics (`->>`
//! gives text, not SQL numbers; negative array indexes count from the end).

use super::{text, FunctionDef, RuntimeCtx};
use crate::value::json::{contains, parse, write_jsonb};
use crate::value::{Value, ValueError, ValueRef};
use serde_json::Value as J;

pub const JSON_SCALARS: &[FunctionDef] = &[
    FunctionDef { name: "lg_json_get", args: 2, f: |a, _| get(a, false) },
    FunctionDef { name: "lg_json_get_text", args: 2, f: |a, _| get(a, true) },
    FunctionDef { name: "lg_json_path", args: 2, f: |a, _| path(a, false) },
    FunctionDef { name: "lg_json_path_text", args: 2, f: |a, _| path(a, true) },
    FunctionDef { name: "lg_json_typeof", args: 1, f: typeof_ },
    FunctionDef { name: "lg_jsonb_contains", args: 2, f: contains_fn },
    FunctionDef { name: "lg_jsonb_exists", args: 2, f: exists },
    FunctionDef { name: "lg_jsonb_exists_any", args: 2, f: |a, _| exists_many(a, true) },
    FunctionDef { name: "lg_jsonb_exists_all", args: 2, f: |a, _| exists_many(a, false) },
    FunctionDef { name: "lg_jsonb_set", args: 4, f: |a, _| set(a, false) },
    FunctionDef { name: "lg_jsonb_concat", args: 2, f: concat },
    FunctionDef { name: "lg_jsonb_delete", args: 2, f: delete },
    FunctionDef { name: "lg_jsonb_insert", args: 4, f: |a, _| set(a, true) },
    FunctionDef { name: "lg_jsonb_strip_nulls", args: 1, f: strip_nulls },
    FunctionDef { name: "lg_json_strip_nulls", args: 1, f: strip_nulls },
    FunctionDef { name: "lg_jsonb_pretty", args: 1, f: pretty },
    FunctionDef { name: "lg_json_value", args: 2, f: |a, _| each_value(a, false) },
    FunctionDef { name: "lg_json_value_text", args: 2, f: |a, _| each_value(a, true) },
    FunctionDef { name: "lg_json_build_style", args: 1, f: build_style },
];

fn doc(a: &[ValueRef<'_>], i: usize) -> Result<Option<J>, ValueError> {
    match text(a, i) {
        None => Ok(None),
        Some(s) => parse(&s).map(Some),
    }
}

fn out(v: Option<&J>, as_text: bool) -> Value {
    match v {
        None => Value::Null,
        Some(J::Null) if as_text => Value::Null,
        Some(J::String(s)) if as_text => Value::Text(s.clone()),
        Some(other) => {
            let mut s = String::new();
            write_jsonb(other, &mut s);
            Value::Text(s)
        }
    }
}

fn step<'a>(v: &'a J, key: &ValueRef<'_>) -> Option<&'a J> {
    match (v, key) {
        (J::Object(m), ValueRef::Text(k)) => m.get(*k),
        (J::Array(items), ValueRef::Int(i)) => {
            let idx = if *i < 0 { items.len() as i64 + i } else { *i };
            if idx < 0 {
                None
            } else {
                items.get(idx as usize)
            }
        }
        (J::Array(items), ValueRef::Text(k)) => {
            let i: i64 = k.parse().ok()?;
            let idx = if i < 0 { items.len() as i64 + i } else { i };
            if idx < 0 {
                None
            } else {
                items.get(idx as usize)
            }
        }
        _ => None,
    }
}

/// `jsonb || jsonb`: two objects merge (the right one's keys win); anything
/// else concatenates as arrays, a non-array counting as a one-element array.
fn concat(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(l), Some(r)) = (doc(a, 0)?, doc(a, 1)?) else { return Ok(Value::Null) };
    let joined = match (l, r) {
        (J::Object(mut l), J::Object(r)) => {
            l.extend(r);
            J::Object(l)
        }
        (l, r) => {
            let items = |v: J| match v {
                J::Array(items) => items,
                other => vec![other],
            };
            let mut all = items(l);
            all.extend(items(r));
            J::Array(all)
        }
    };
    Ok(out(Some(&joined), false))
}

/// `jsonb - text`: an object without that key, an array without the string
/// elements equal to it; `jsonb - int`: an array without that element
/// (negative counts from the end).
fn delete(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let Some(d) = doc(a, 0)? else { return Ok(Value::Null) };
    let out_doc = match (d, &a[1]) {
        (_, ValueRef::Null) => return Ok(Value::Null),
        (J::Object(mut m), ValueRef::Text(k)) => {
            m.remove(*k);
            J::Object(m)
        }
        (J::Array(items), ValueRef::Text(k)) => J::Array(items.into_iter().filter(|v| v.as_str() != Some(k)).collect()),
        (J::Array(mut items), ValueRef::Int(i)) => {
            let idx = if *i < 0 { items.len() as i64 + i } else { *i };
            if idx >= 0 && (idx as usize) < items.len() {
                items.remove(idx as usize);
            }
            J::Array(items)
        }
        (J::Object(_), ValueRef::Int(_)) => return Err(ValueError::Unsupported("cannot delete from object using integer index".into())),
        (other, _) if !other.is_object() && !other.is_array() => return Err(ValueError::Unsupported("cannot delete from scalar".into())),
        (other, _) => other,
    };
    Ok(out(Some(&out_doc), false))
}

fn get(a: &[ValueRef<'_>], as_text: bool) -> Result<Value, ValueError> {
    let Some(d) = doc(a, 0)? else { return Ok(Value::Null) };
    if a[1] == ValueRef::Null {
        return Ok(Value::Null);
    }
    Ok(out(step(&d, &a[1]), as_text))
}

/// The keys of a text[] path (stored as a JSON array).
fn path_keys(v: ValueRef<'_>) -> Result<Option<Vec<String>>, ValueError> {
    match v {
        ValueRef::Null => Ok(None),
        ValueRef::Text(s) => match serde_json::from_str::<J>(s) {
            Ok(J::Array(items)) => Ok(Some(items.iter().map(|i| i.as_str().map(str::to_string).unwrap_or_else(|| i.to_string())).collect())),
            _ => Err(ValueError::MalformedArray(s.to_string())),
        },
        _ => Err(ValueError::MalformedArray(String::new())),
    }
}

fn path(a: &[ValueRef<'_>], as_text: bool) -> Result<Value, ValueError> {
    let (Some(d), Some(keys)) = (doc(a, 0)?, path_keys(a[1])?) else { return Ok(Value::Null) };
    let mut cur = Some(&d);
    for k in &keys {
        cur = cur.and_then(|v| step(v, &ValueRef::Text(k)));
    }
    Ok(out(cur, as_text))
}

fn typeof_(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let Some(d) = doc(a, 0)? else { return Ok(Value::Null) };
    Ok(Value::Text(
        match d {
            J::Null => "null",
            J::Bool(_) => "boolean",
            J::Number(_) => "number",
            J::String(_) => "string",
            J::Array(_) => "array",
            J::Object(_) => "object",
        }
        .into(),
    ))
}

fn contains_fn(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    match (doc(a, 0)?, doc(a, 1)?) {
        (Some(x), Some(y)) => Ok(Value::Int(contains(&x, &y) as i64)),
        _ => Ok(Value::Null),
    }
}

fn has_key(d: &J, k: &str) -> bool {
    match d {
        J::Object(m) => m.contains_key(k),
        J::Array(items) => items.iter().any(|i| i.as_str() == Some(k)),
        J::String(s) => s == k,
        _ => false,
    }
}

fn exists(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(d), Some(k)) = (doc(a, 0)?, text(a, 1)) else { return Ok(Value::Null) };
    Ok(Value::Int(has_key(&d, &k) as i64))
}

fn exists_many(a: &[ValueRef<'_>], any: bool) -> Result<Value, ValueError> {
    let (Some(d), Some(keys)) = (doc(a, 0)?, path_keys(a[1])?) else { return Ok(Value::Null) };
    let r = if any { keys.iter().any(|k| has_key(&d, k)) } else { keys.iter().all(|k| has_key(&d, k)) };
    Ok(Value::Int(r as i64))
}

fn set(a: &[ValueRef<'_>], insert: bool) -> Result<Value, ValueError> {
    let (Some(mut d), Some(keys), Some(newv)) = (doc(a, 0)?, path_keys(a[1])?, doc(a, 2)?) else { return Ok(Value::Null) };
    let create = super::int(a, 3)?.unwrap_or(1) != 0;
    fn go(v: &mut J, keys: &[String], newv: J, create: bool, insert: bool) {
        let Some((k, rest)) = keys.split_first() else { return };
        match v {
            J::Object(m) => {
                if rest.is_empty() {
                    if m.contains_key(k) && !insert || create {
                        m.insert(k.clone(), newv);
                    }
                } else if let Some(child) = m.get_mut(k) {
                    go(child, rest, newv, create, insert);
                }
            }
            J::Array(items) => {
                let Ok(i) = k.parse::<i64>() else { return };
                let len = items.len() as i64;
                let idx = if i < 0 { len + i } else { i };
                if rest.is_empty() {
                    if insert {
                        let at = idx.clamp(0, len) as usize;
                        items.insert(at, newv);
                    } else if idx >= 0 && idx < len {
                        items[idx as usize] = newv;
                    } else if create {
                        if idx < 0 {
                            items.insert(0, newv);
                        } else {
                            items.push(newv);
                        }
                    }
                } else if idx >= 0 && idx < len {
                    go(&mut items[idx as usize], rest, newv, create, insert);
                }
            }
            _ => {}
        }
    }
    go(&mut d, &keys, newv, create, insert);
    Ok(out(Some(&d), false))
}

fn strip(v: J) -> J {
    match v {
        J::Object(m) => J::Object(m.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, strip(v))).collect()),
        J::Array(items) => J::Array(items.into_iter().map(strip).collect()),
        other => other,
    }
}

fn strip_nulls(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let Some(d) = doc(a, 0)? else { return Ok(Value::Null) };
    Ok(out(Some(&strip(d)), false))
}

fn pretty(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let Some(d) = doc(a, 0)? else { return Ok(Value::Null) };
    Ok(Value::Text(serde_json::to_string_pretty(&d).unwrap_or_default().replace("  ", "    ")))
}

/// json_build_object/json_build_array/json_agg print their top level as
/// PostgreSQL does: `[1, "a"]` and `{"k" : 1}`; nested values keep their text.
fn build_style(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let Some(text) = text(a, 0) else { return Ok(Value::Null) };
    let v = parse(&text)?;
    let compact = |v: &J| serde_json::to_string(v).unwrap_or_default();
    Ok(Value::Text(match &v {
        J::Array(items) => format!("[{}]", items.iter().map(compact).collect::<Vec<_>>().join(", ")),
        J::Object(map) => format!("{{{}}}", map.iter().map(|(k, v)| format!("{} : {}", compact(&J::String(k.clone())), compact(v))).collect::<Vec<_>>().join(", ")),
        other => compact(other),
    }))
}

/// A `json_each` value column (SQL value plus its JSON type) as jsonb text or as text.
fn each_value(a: &[ValueRef<'_>], as_text: bool) -> Result<Value, ValueError> {
    let kind = text(a, 1).unwrap_or_default();
    Ok(match (kind.as_ref(), a[0]) {
        ("null", _) => {
            if as_text {
                Value::Null
            } else {
                Value::Text("null".into())
            }
        }
        ("true", _) => Value::Text("true".into()),
        ("false", _) => Value::Text("false".into()),
        ("text", ValueRef::Text(s)) => {
            if as_text {
                Value::Text(s.to_string())
            } else {
                Value::Text(J::String(s.to_string()).to_string())
            }
        }
        ("object" | "array", ValueRef::Text(s)) => out(Some(&parse(s)?), false),
        (_, ValueRef::Int(i)) => Value::Text(i.to_string()),
        (_, ValueRef::Real(x)) => Value::Text(crate::value::float::format8(x, 1)),
        (_, ValueRef::Text(s)) => Value::Text(s.to_string()),
        _ => Value::Null,
    })
}
