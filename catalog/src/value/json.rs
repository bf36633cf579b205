//! json and jsonb text. json keeps the input text; jsonb is normalised the way
//! PostgreSQL prints it: keys unique (last wins) and ordered by length then
//! bytes, `", "` and `": "` separators, numbers kept as written.

use super::ValueError;
use serde_json::Value as J;

pub fn validate(s: &str) -> Result<(), ValueError> {
    serde_json::from_str::<J>(s).map(|_| ()).map_err(|e| ValueError::InvalidJson(e.to_string()))
}

pub fn parse(s: &str) -> Result<J, ValueError> {
    serde_json::from_str::<J>(s).map_err(|e| ValueError::InvalidJson(e.to_string()))
}

pub fn normalize(s: &str) -> Result<String, ValueError> {
    let v = parse(s)?;
    let mut out = String::with_capacity(s.len() + 8);
    write_jsonb(&v, &mut out);
    Ok(out)
}

/// Writes a value in jsonb's output form.
pub fn write_jsonb(v: &J, out: &mut String) {
    match v {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Number(n) => out.push_str(&n.to_string()),
        J::String(s) => out.push_str(&J::String(s.clone()).to_string()),
        J::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_jsonb(item, out);
            }
            out.push(']');
        }
        J::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.as_bytes().cmp(b.as_bytes())));
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&J::String((*k).clone()).to_string());
                out.push_str(": ");
                write_jsonb(&map[*k], out);
            }
            out.push('}');
        }
    }
}

/// `a @> b` for jsonb: containment as PostgreSQL defines it.
pub fn contains(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Object(x), J::Object(y)) => y.iter().all(|(k, vb)| x.get(k).is_some_and(|va| contains(va, vb))),
        (J::Array(x), J::Array(y)) => y.iter().all(|vb| x.iter().any(|va| contains(va, vb))),
        // A top-level array contains a primitive element.
        (J::Array(x), prim) if !prim.is_array() && !prim.is_object() => x.iter().any(|va| va == prim),
        (J::Number(x), J::Number(y)) => x.as_f64() == y.as_f64(),
        (x, y) => x == y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_like_jsonb_output() {
        assert_eq!(normalize("{\"b\":1,\"a\":{\"y\":[1,2.50],\"x\":null}}").unwrap(), "{\"a\": {\"x\": null, \"y\": [1, 2.50]}, \"b\": 1}");
        assert_eq!(normalize("{\"aa\":1,\"b\":2}").unwrap(), "{\"b\": 2, \"aa\": 1}");
        assert!(normalize("{bad").is_err());
    }

    #[test]
    fn containment() {
        let a = parse("{\"a\":1,\"tags\":[\"x\",\"y\"]}").unwrap();
        assert!(contains(&a, &parse("{\"tags\":[\"y\"]}").unwrap()));
        assert!(!contains(&a, &parse("{\"a\":2}").unwrap()));
    }
}
