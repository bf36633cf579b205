use super::*;

fn call(name: &str, args: &[Value]) -> Result<Value, ValueError> {
    let f = all_scalars().find(|d| d.name == name).unwrap_or_else(|| panic!("no {name}"));
    let refs: Vec<ValueRef<'_>> = args.iter().map(Value::as_ref).collect();
    (f.f)(&refs, &RuntimeCtx::default())
}

fn t(s: &str) -> Value {
    Value::Text(s.into())
}

#[test]
fn casts_follow_postgres_rules() {
    assert_eq!(call("lg_cast", &[Value::Int(1), t("boolean"), t("text")]).unwrap(), t("true"));
    assert_eq!(call("lg_cast", &[Value::Real(2.5), t("double precision"), t("integer")]).unwrap(), Value::Int(2));
    assert_eq!(call("lg_cast", &[t("12.5"), t("numeric"), t("integer")]).unwrap(), Value::Int(13));
    assert_eq!(call("lg_cast", &[t("abcdef"), t("text"), t("character varying(3)")]).unwrap(), t("abc"));
    assert_eq!(call("lg_cast", &[t("abc"), t("text"), t("integer")]).unwrap_err().sqlstate().code(), "22P02");
    assert_eq!(call("lg_cast", &[t("2024-01-02 03:04:05.000000"), t("timestamp with time zone"), t("date")]).unwrap(), t("2024-01-02"));
}

#[test]
fn arithmetic_errors_like_postgres() {
    assert_eq!(call("lg_idiv", &[Value::Int(7), Value::Int(2)]).unwrap(), Value::Int(3));
    assert_eq!(call("lg_idiv", &[Value::Int(1), Value::Int(0)]).unwrap_err().sqlstate().code(), "22012");
    assert_eq!(call("lg_fdiv", &[Value::Real(1.0), Value::Int(0)]).unwrap_err().sqlstate().code(), "22012");
    assert_eq!(call("lg_iarith", &[t("+"), Value::Int(i32::MAX as i64), Value::Int(1), t("integer")]).unwrap_err().sqlstate().code(), "22003");
    assert_eq!(call("lg_num_add", &[t("0.10"), t("0.20")]).unwrap(), t("0.30"));
    assert_eq!(call("lg_num_floor", &[t("-1.5")]).unwrap(), t("-2"));
    assert_eq!(call("lg_num_ceil", &[t("1.2")]).unwrap(), t("2"));
    assert_eq!(call("lg_float_round", &[Value::Real(2.5)]).unwrap(), Value::Real(2.0));
}

#[test]
fn string_functions() {
    assert_eq!(call("lg_substring", &[t("hello"), Value::Int(0), Value::Int(3)]).unwrap(), t("he"));
    assert_eq!(call("lg_split_part", &[t("a,b,c"), t(","), Value::Int(-1)]).unwrap(), t("c"));
    assert_eq!(call("lg_left", &[t("hello"), Value::Int(-2)]).unwrap(), t("hel"));
    assert_eq!(call("lg_lpad", &[t("5"), Value::Int(3), t("0")]).unwrap(), t("005"));
    assert_eq!(call("lg_md5", &[t("abc")]).unwrap(), t("900150983cd24fb0d6963f7d28e17f72"));
    assert_eq!(call("lg_format", &[t("%s is %L, %I"), t("x"), t("it's"), t("Col")]).unwrap(), t("x is 'it''s', \"Col\""));
    assert_eq!(call("lg_regexp_replace", &[t("a1b22"), t("[0-9]+"), t("<\\&>"), t("g")]).unwrap(), t("a<1>b<22>"));
    assert_eq!(call("lg_initcap", &[t("hello WORLD")]).unwrap(), t("Hello World"));
}

#[test]
fn json_operators() {
    let d = t("{\"a\": {\"b\": [10, true, \"x\"]}, \"n\": 1.50}");
    assert_eq!(call("lg_json_get", &[d.clone(), t("a")]).unwrap(), t("{\"b\": [10, true, \"x\"]}"));
    assert_eq!(call("lg_json_get_text", &[d.clone(), t("n")]).unwrap(), t("1.50"));
    assert_eq!(call("lg_json_path_text", &[d.clone(), t("[\"a\",\"b\",\"1\"]")]).unwrap(), t("true"));
    assert_eq!(call("lg_json_path_text", &[d.clone(), t("[\"a\",\"b\",\"-1\"]")]).unwrap(), t("x"));
    assert_eq!(call("lg_jsonb_contains", &[d.clone(), t("{\"a\": {\"b\": [true]}}")]).unwrap(), Value::Int(1));
    assert_eq!(call("lg_jsonb_exists", &[d.clone(), t("n")]).unwrap(), Value::Int(1));
    assert_eq!(call("lg_jsonb_set", &[d, t("[\"n\"]"), t("2"), Value::Int(1)]).unwrap(), t("{\"a\": {\"b\": [10, true, \"x\"]}, \"n\": 2}"));
}

#[test]
fn time_functions() {
    let ts = t("2024-03-15 10:30:00.000000");
    assert_eq!(call("lg_date_trunc", &[t("month"), ts.clone(), t("timestamp with time zone")]).unwrap(), t("2024-03-01 00:00:00.000000"));
    assert_eq!(call("lg_extract", &[t("year"), ts.clone(), t("timestamp with time zone")]).unwrap(), t("2024"));
    assert_eq!(call("lg_ts_add", &[ts.clone(), t("1 day"), Value::Int(1), t("timestamp with time zone")]).unwrap(), t("2024-03-16 10:30:00.000000"));
    assert_eq!(call("lg_ts_diff", &[ts.clone(), t("timestamp"), t("2024-03-14 09:00:00"), t("timestamp")]).unwrap(), t("1 day 01:30:00"));
    assert_eq!(call("lg_to_char", &[ts, t("timestamp"), t("YYYY-MM-DD HH24:MI")]).unwrap(), t("2024-03-15 10:30"));
}

#[test]
fn every_function_name_is_unique() {
    let mut names: Vec<&str> = all_scalars().map(|d| d.name).collect();
    let n = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), n);
}

#[test]
fn sizes_print_as_postgres_prints_them() {
    // Values from PostgreSQL 15's pg_size_pretty.
    for (n, want) in [(0, "0 bytes"), (8192, "8192 bytes"), (10239, "10239 bytes"), (10240, "10 kB"), (16384, "16 kB"), (7_791_619, "7609 kB"), (20_970_496, "20 MB"), (1_073_741_824, "1024 MB"), (-20_000, "-20 kB")] {
        assert_eq!(super::size_pretty(n), want, "{n}");
    }
}
