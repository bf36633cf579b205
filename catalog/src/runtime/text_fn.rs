//! String functions with PostgreSQL's semantics (negative lengths, 1-based
//! positions, `format()` directives, POSIX regular expressions).

use super::{int, text, FunctionDef, RuntimeCtx};
use crate::value::{Value, ValueError, ValueRef};

fn opt_text(v: Option<String>) -> Result<Value, ValueError> {
    Ok(v.map(Value::Text).unwrap_or(Value::Null))
}

/// Every pure text function.
pub const TEXT_SCALARS: &[FunctionDef] = &[
    FunctionDef { name: "lg_substring", args: -1, f: substring },
    FunctionDef { name: "lg_split_part", args: 3, f: split_part },
    FunctionDef { name: "lg_left", args: 2, f: |a, _| lr(a, true) },
    FunctionDef { name: "lg_right", args: 2, f: |a, _| lr(a, false) },
    FunctionDef { name: "lg_lpad", args: -1, f: |a, _| pad(a, true) },
    FunctionDef { name: "lg_rpad", args: -1, f: |a, _| pad(a, false) },
    FunctionDef { name: "lg_repeat", args: 2, f: |a, _| opt_text(text(a, 0).zip(int(a, 1)?).map(|(s, n)| s.repeat(n.max(0) as usize))) },
    FunctionDef { name: "lg_reverse", args: 1, f: |a, _| opt_text(text(a, 0).map(|s| s.chars().rev().collect())) },
    FunctionDef { name: "lg_initcap", args: 1, f: |a, _| opt_text(text(a, 0).map(|s| initcap(&s))) },
    FunctionDef { name: "lg_md5", args: 1, f: |a, _| opt_text(text(a, 0).map(|s| format!("{:x}", md5::compute(s.as_bytes())))) },
    FunctionDef { name: "lg_sha256", args: 1, f: sha256 },
    FunctionDef { name: "lg_to_hex", args: 1, f: |a, _| opt_text(int(a, 0)?.map(|n| format!("{:x}", n))) },
    FunctionDef { name: "lg_quote_ident", args: 1, f: |a, _| opt_text(text(a, 0).map(|s| quote_ident(&s))) },
    FunctionDef { name: "lg_quote_literal", args: 1, f: |a, _| opt_text(text(a, 0).map(|s| quote_literal(&s))) },
    FunctionDef { name: "lg_quote_nullable", args: 1, f: |a, _| Ok(Value::Text(text(a, 0).map(|s| quote_literal(&s)).unwrap_or_else(|| "NULL".into()))) },
    FunctionDef { name: "lg_translate", args: 3, f: translate },
    FunctionDef { name: "lg_regex_match", args: 3, f: regex_match },
    FunctionDef { name: "lg_regexp_replace", args: -1, f: regexp_replace },
    FunctionDef { name: "lg_regexp_match", args: -1, f: regexp_match },
    FunctionDef { name: "lg_regexp_matches", args: -1, f: regexp_match },
    FunctionDef { name: "lg_encode", args: 2, f: encode },
    FunctionDef { name: "lg_decode", args: 2, f: decode },
    FunctionDef { name: "lg_format", args: -1, f: format },
    FunctionDef { name: "lg_regclass_named", args: 2, f: regclass },
    FunctionDef { name: "lg_regtype_named", args: 2, f: regtype },
];

/// A relation or type name as text (`"s"."t"`, `s.t`, `db.s.t`, `t`) in the
/// form the lookup maps use: `s.t` or `t`, unquoted parts folded to lower case.
fn name_key(text: &str) -> String {
    let mut parts = crate::types::split_qualified(text.trim());
    if parts.len() == 3 {
        parts.remove(0);
    }
    parts.join(".")
}

fn lookup_oid(map: &str, key: &str) -> Option<i64> {
    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(map).ok()?.get(key)?.as_i64()
}

/// `text::regclass` for a computed text: the map holds the relations the
/// session can name, built when the statement was translated.
fn regclass(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(name), Some(map)) = (text(a, 0), text(a, 1)) else { return Ok(Value::Null) };
    if let Ok(oid) = name.trim().parse::<i64>() {
        return Ok(Value::Int(oid));
    }
    lookup_oid(&map, &name_key(&name)).map(Value::Int).ok_or_else(|| ValueError::UndefinedRelation(name.to_string()))
}

/// `text::regtype` for a computed text: built-in types by any of their
/// names, declared types through the map.
fn regtype(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(name), Some(map)) = (text(a, 0), text(a, 1)) else { return Ok(Value::Null) };
    if let Ok(oid) = name.trim().parse::<i64>() {
        return Ok(Value::Int(oid));
    }
    let key = name_key(&name);
    let bare = key.strip_prefix("pg_catalog.").unwrap_or(&key);
    if let Some(t) = crate::types::parse_type_name(bare).builtin() {
        return Ok(Value::Int(t.wire().oid() as i64));
    }
    lookup_oid(&map, &key).map(Value::Int).ok_or_else(|| ValueError::UndefinedType(name.to_string()))
}

/// `substring(s from start for count)`: positions before 1 shorten the result.
fn substring(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let Some(s) = text(a, 0) else { return Ok(Value::Null) };
    let Some(start) = int(a, 1)? else { return Ok(Value::Null) };
    let chars: Vec<char> = s.chars().collect();
    let end = match a.get(2) {
        Some(ValueRef::Null) => return Ok(Value::Null),
        Some(_) => {
            let n = int(a, 2)?.unwrap_or(0);
            if n < 0 {
                return Err(ValueError::Unsupported("negative substring length not allowed".into()));
            }
            start.saturating_add(n)
        }
        None => i64::MAX,
    };
    let from = start.max(1);
    if end <= from {
        return Ok(Value::Text(String::new()));
    }
    let lo = (from - 1) as usize;
    let hi = ((end - 1).min(chars.len() as i64)).max(0) as usize;
    Ok(Value::Text(if lo >= hi { String::new() } else { chars[lo..hi].iter().collect() }))
}

fn split_part(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(s), Some(d), Some(n)) = (text(a, 0), text(a, 1), int(a, 2)?) else { return Ok(Value::Null) };
    if n == 0 {
        return Err(ValueError::Unsupported("field position must not be zero".into()));
    }
    let parts: Vec<&str> = if d.is_empty() { vec![s.as_ref()] } else { s.split(d.as_ref()).collect() };
    let idx = if n > 0 { n - 1 } else { parts.len() as i64 + n };
    Ok(Value::Text(if idx >= 0 { parts.get(idx as usize).map(|p| p.to_string()).unwrap_or_default() } else { String::new() }))
}

fn lr(a: &[ValueRef<'_>], left: bool) -> Result<Value, ValueError> {
    let (Some(s), Some(n)) = (text(a, 0), int(a, 1)?) else { return Ok(Value::Null) };
    let chars: Vec<char> = s.chars().collect();
    let len = chars.len() as i64;
    let take = if n >= 0 { n.min(len) } else { (len + n).max(0) };
    Ok(Value::Text(if left { chars[..take as usize].iter().collect() } else { chars[(len - take) as usize..].iter().collect() }))
}

fn pad(a: &[ValueRef<'_>], left: bool) -> Result<Value, ValueError> {
    let (Some(s), Some(n)) = (text(a, 0), int(a, 1)?) else { return Ok(Value::Null) };
    let fill: Vec<char> = match a.get(2) {
        Some(ValueRef::Null) => return Ok(Value::Null),
        Some(_) => text(a, 2).unwrap_or_default().chars().collect(),
        None => vec![' '],
    };
    let chars: Vec<char> = s.chars().collect();
    let n = n.max(0) as usize;
    if chars.len() >= n || fill.is_empty() {
        return Ok(Value::Text(chars[..n.min(chars.len())].iter().collect()));
    }
    let padding: String = fill.iter().cycle().take(n - chars.len()).collect();
    let body: String = chars.iter().collect();
    Ok(Value::Text(if left { format!("{padding}{body}") } else { format!("{body}{padding}") }))
}

fn initcap(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if start {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            start = false;
        } else {
            out.push(c);
            start = true;
        }
    }
    out
}

pub fn quote_ident(s: &str) -> String {
    let plain = s.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('"', "\"\""))
    }
}

pub fn quote_literal(s: &str) -> String {
    if s.contains('\\') {
        format!("E'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

fn sha256(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    use sha2::Digest;
    let bytes: Vec<u8> = match a[0] {
        ValueRef::Null => return Ok(Value::Null),
        ValueRef::Blob(b) => b.to_vec(),
        ValueRef::Text(s) => s.as_bytes().to_vec(),
        other => format!("{other:?}").into_bytes(),
    };
    Ok(Value::Blob(sha2::Sha256::digest(&bytes).to_vec()))
}

fn translate(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(s), Some(from), Some(to)) = (text(a, 0), text(a, 1), text(a, 2)) else { return Ok(Value::Null) };
    let from: Vec<char> = from.chars().collect();
    let to: Vec<char> = to.chars().collect();
    Ok(Value::Text(
        s.chars()
            .filter_map(|c| match from.iter().position(|f| *f == c) {
                Some(i) => to.get(i).copied(),
                None => Some(c),
            })
            .collect(),
    ))
}

fn compile(pattern: &str, case_insensitive: bool) -> Result<regex::Regex, ValueError> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(case_insensitive)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| ValueError::Unsupported(format!("invalid regular expression: {e}")))
}

fn regex_match(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(s), Some(p)) = (text(a, 0), text(a, 1)) else { return Ok(Value::Null) };
    let ci = int(a, 2)?.unwrap_or(0) != 0;
    Ok(Value::Int(compile(&p, ci)?.is_match(&s) as i64))
}

fn flags(a: &[ValueRef<'_>], i: usize) -> (bool, bool) {
    let f = text(a, i).unwrap_or_default();
    (f.contains('g'), f.contains('i'))
}

fn regexp_replace(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(s), Some(p), Some(r)) = (text(a, 0), text(a, 1), text(a, 2)) else { return Ok(Value::Null) };
    let (global, ci) = flags(a, 3);
    let re = compile(&p, ci)?;
    // PostgreSQL writes back-references as \1; the regex crate as ${1}.
    let mut rep = String::new();
    let mut chars = r.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some(d) if d.is_ascii_digit() => {
                    rep.push_str(&format!("${{{d}}}"));
                    chars.next();
                }
                Some('&') => {
                    rep.push_str("${0}");
                    chars.next();
                }
                Some(_) => rep.push(chars.next().unwrap_or('\\')),
                None => rep.push('\\'),
            }
        } else if c == '$' {
            rep.push_str("$$");
        } else {
            rep.push(c);
        }
    }
    Ok(Value::Text(if global { re.replace_all(&s, rep.as_str()).into_owned() } else { re.replace(&s, rep.as_str()).into_owned() }))
}

fn regexp_match(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(s), Some(p)) = (text(a, 0), text(a, 1)) else { return Ok(Value::Null) };
    let (_, ci) = flags(a, 2);
    let re = compile(&p, ci)?;
    let Some(caps) = re.captures(&s) else { return Ok(Value::Null) };
    let items: Vec<serde_json::Value> = if caps.len() > 1 {
        (1..caps.len()).map(|i| caps.get(i).map(|m| serde_json::Value::String(m.as_str().into())).unwrap_or(serde_json::Value::Null)).collect()
    } else {
        vec![serde_json::Value::String(caps.get(0).map(|m| m.as_str().to_string()).unwrap_or_default())]
    };
    Ok(Value::Text(serde_json::Value::Array(items).to_string()))
}

fn encode(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let bytes: Vec<u8> = match a[0] {
        ValueRef::Null => return Ok(Value::Null),
        ValueRef::Blob(b) => b.to_vec(),
        ValueRef::Text(s) => s.as_bytes().to_vec(),
        _ => return Err(ValueError::invalid("bytea", "")),
    };
    let fmt = text(a, 1).unwrap_or_default().to_lowercase();
    Ok(Value::Text(match fmt.as_str() {
        "hex" => bytes.iter().map(|b| format!("{b:02x}")).collect(),
        "base64" => base64_encode(&bytes),
        "escape" => String::from_utf8_lossy(&bytes).replace('\\', "\\\\"),
        other => return Err(ValueError::Unsupported(format!("unrecognized encoding: \"{other}\""))),
    }))
}

fn decode(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let Some(s) = text(a, 0) else { return Ok(Value::Null) };
    let fmt = text(a, 1).unwrap_or_default().to_lowercase();
    Ok(Value::Blob(match fmt.as_str() {
        "hex" => (0..s.len() / 2).map(|i| u8::from_str_radix(&s[i * 2..i * 2 + 2], 16)).collect::<Result<_, _>>().map_err(|_| ValueError::invalid("bytea", &s))?,
        "base64" => base64_decode(&s).ok_or_else(|| ValueError::invalid("bytea", &s))?,
        "escape" => s.as_bytes().to_vec(),
        other => return Err(ValueError::Unsupported(format!("unrecognized encoding: \"{other}\""))),
    }))
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(b: &[u8]) -> String {
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, x)| acc | (*x as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let clean: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut out = Vec::new();
    for chunk in clean.chunks(4) {
        let mut n = 0u32;
        let mut valid: usize = 0;
        for (i, c) in chunk.iter().enumerate() {
            if *c == b'=' {
                break;
            }
            let v = B64.iter().position(|x| x == c)? as u32;
            n |= v << (18 - 6 * i);
            valid += 1;
        }
        for i in 0..valid.saturating_sub(1) {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

/// `format(fmt, args...)`: %s, %I, %L and %% (with positional `n$`).
fn format(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let Some(fmt) = text(a, 0) else { return Ok(Value::Null) };
    let invalid = |m: String| ValueError::InvalidParameter(m);
    let arg = |n: usize| -> Result<Option<String>, ValueError> {
        if n >= a.len() {
            return Err(invalid("too few arguments for format()".into()));
        }
        Ok(text(a, n).map(|s| s.to_string()))
    };
    let mut out = String::new();
    let mut next = 1;
    let mut chars = fmt.chars().peekable();
    let digits = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        let mut n = String::new();
        while chars.peek().is_some_and(|c| c.is_ascii_digit()) {
            n.push(chars.next().unwrap_or('0'));
        }
        n
    };
    let unterminated = || invalid("unterminated format() type specifier".into());
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        // %[position$][-][width|*]type
        let mut num = digits(&mut chars);
        if !num.is_empty() && chars.peek() == Some(&'$') {
            chars.next();
            next = num.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| invalid("format specifies argument 0, but arguments are numbered from 1".into()))?;
            num = String::new();
        }
        let left = num.is_empty() && chars.peek() == Some(&'-');
        if left {
            chars.next();
        }
        let mut width: Option<i64> = if num.is_empty() { None } else { num.parse().ok() };
        if width.is_none() {
            if chars.peek() == Some(&'*') {
                chars.next();
                let w = arg(next)?;
                next += 1;
                width = Some(w.and_then(|w| w.trim().parse().ok()).unwrap_or(0));
            } else {
                let w = digits(&mut chars);
                width = (!w.is_empty()).then(|| w.parse().unwrap_or(0));
            }
        }
        let spec = chars.next().ok_or_else(unterminated)?;
        let value = arg(next)?;
        next += 1;
        let piece = match spec {
            's' => value.unwrap_or_default(),
            'I' => quote_ident(&value.ok_or_else(|| ValueError::NullNotAllowed("null values cannot be formatted as an SQL identifier".into()))?),
            'L' => value.map(|s| quote_literal(&s)).unwrap_or_else(|| "NULL".into()),
            other => return Err(invalid(format!("unrecognized format() type specifier \"{other}\""))),
        };
        let (left, width) = match width {
            Some(w) if w < 0 => (true, w.unsigned_abs() as usize),
            Some(w) => (left, w as usize),
            None => (left, 0),
        };
        let pad = width.saturating_sub(piece.chars().count());
        if left {
            out.push_str(&piece);
            out.extend(std::iter::repeat_n(' ', pad));
        } else {
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(&piece);
        }
    }
    Ok(Value::Text(out))
}
