//! The type map: PostgreSQL types as litegres knows them, how each is named,
//! which OID it carries on the wire, and how its values are stored in SQLite.
//!
//! OIDs and names come from `postgres_types::Type`, which is generated from
//! PostgreSQL's `pg_type.dat`; nothing here restates an OID by hand.

use postgres_types::{Kind, Type};
use std::fmt;
use std::sync::Arc;

/// The scalar part of a PostgreSQL type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scalar {
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Numeric,
    Text,
    Varchar,
    Bpchar,
    Name,
    /// The one-byte internal `"char"` type of the catalogs.
    Char,
    Bytea,
    Date,
    Time,
    Timestamp,
    Timestamptz,
    Interval,
    Uuid,
    Json,
    Jsonb,
    Oid,
    Regclass,
    Regtype,
    Regproc,
    /// The catalogs' `int2vector` (`pg_index.indkey`): always used with
    /// `array: true`, it behaves as an `int2[]` whose text form is `1 2`.
    Int2Vector,
    /// A user-declared enum: its OID and qualified name.
    Enum(EnumRef),
    /// A string literal or parameter whose type is not decided yet.
    Unknown,
    Void,
}

/// A reference to a declared enum type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnumRef {
    pub oid: u32,
    pub array_oid: u32,
    pub schema: Arc<str>,
    pub name: Arc<str>,
}

/// How values of a type are kept in SQLite. Every value stored in SQLite is in
/// the canonical form of its class, so comparisons and ordering inside SQLite
/// agree with PostgreSQL's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageClass {
    /// 64-bit integers (booleans as 0/1).
    Integer,
    /// IEEE doubles.
    Real,
    /// UTF-8 text in the type's canonical text form.
    Text,
    /// Exact decimals as canonical text, compared with the `lg_numeric` collation.
    Numeric,
    /// Raw bytes.
    Blob,
    /// A JSON array holding the elements (one-dimensional PostgreSQL arrays).
    JsonArray,
}

/// A PostgreSQL type with its modifier (`varchar(20)`, `numeric(10,2)`) and
/// whether it is a one-dimensional array of the scalar.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PgType {
    pub scalar: Scalar,
    pub array: bool,
    /// PostgreSQL's typmod: -1 when absent; varchar(n) is n+4; numeric(p,s) is ((p<<16)|s)+4.
    pub typmod: i32,
}

impl PgType {
    pub const fn scalar(scalar: Scalar) -> PgType {
        PgType { scalar, array: false, typmod: -1 }
    }
    pub const fn array_of(scalar: Scalar) -> PgType {
        PgType { scalar, array: true, typmod: -1 }
    }
    pub const BOOL: PgType = PgType::scalar(Scalar::Bool);
    pub const INT2: PgType = PgType::scalar(Scalar::Int2);
    pub const INT4: PgType = PgType::scalar(Scalar::Int4);
    pub const INT8: PgType = PgType::scalar(Scalar::Int8);
    pub const FLOAT4: PgType = PgType::scalar(Scalar::Float4);
    pub const FLOAT8: PgType = PgType::scalar(Scalar::Float8);
    pub const NUMERIC: PgType = PgType::scalar(Scalar::Numeric);
    pub const TEXT: PgType = PgType::scalar(Scalar::Text);
    pub const VARCHAR: PgType = PgType::scalar(Scalar::Varchar);
    pub const NAME: PgType = PgType::scalar(Scalar::Name);
    pub const BYTEA: PgType = PgType::scalar(Scalar::Bytea);
    pub const DATE: PgType = PgType::scalar(Scalar::Date);
    pub const TIME: PgType = PgType::scalar(Scalar::Time);
    pub const TIMESTAMP: PgType = PgType::scalar(Scalar::Timestamp);
    pub const TIMESTAMPTZ: PgType = PgType::scalar(Scalar::Timestamptz);
    pub const INTERVAL: PgType = PgType::scalar(Scalar::Interval);
    pub const UUID: PgType = PgType::scalar(Scalar::Uuid);
    pub const JSON: PgType = PgType::scalar(Scalar::Json);
    pub const JSONB: PgType = PgType::scalar(Scalar::Jsonb);
    pub const OID: PgType = PgType::scalar(Scalar::Oid);
    pub const UNKNOWN: PgType = PgType::scalar(Scalar::Unknown);
    pub const VOID: PgType = PgType::scalar(Scalar::Void);
    pub const INT2VECTOR: PgType = PgType::array_of(Scalar::Int2Vector);

    pub fn with_typmod(mut self, typmod: i32) -> PgType {
        self.typmod = typmod;
        self
    }

    /// The element type of an array type (the type itself otherwise).
    pub fn element(&self) -> PgType {
        let scalar = if self.scalar == Scalar::Int2Vector { Scalar::Int2 } else { self.scalar.clone() };
        PgType { scalar, array: false, typmod: self.typmod }
    }

    pub fn as_array(&self) -> PgType {
        PgType { scalar: self.scalar.clone(), array: true, typmod: self.typmod }
    }

    pub fn is_unknown(&self) -> bool {
        self.scalar == Scalar::Unknown && !self.array
    }

    pub fn is_numeric_family(&self) -> bool {
        !self.array
            && matches!(
                self.scalar,
                Scalar::Int2 | Scalar::Int4 | Scalar::Int8 | Scalar::Float4 | Scalar::Float8 | Scalar::Numeric | Scalar::Oid
            )
    }

    pub fn is_float(&self) -> bool {
        !self.array && matches!(self.scalar, Scalar::Float4 | Scalar::Float8)
    }

    pub fn is_integer(&self) -> bool {
        !self.array && matches!(self.scalar, Scalar::Int2 | Scalar::Int4 | Scalar::Int8 | Scalar::Oid)
    }

    pub fn is_text_family(&self) -> bool {
        !self.array && matches!(self.scalar, Scalar::Text | Scalar::Varchar | Scalar::Bpchar | Scalar::Name | Scalar::Char | Scalar::Unknown)
    }

    pub fn storage(&self) -> StorageClass {
        if self.array {
            return StorageClass::JsonArray;
        }
        match self.scalar {
            Scalar::Bool | Scalar::Int2 | Scalar::Int2Vector | Scalar::Int4 | Scalar::Int8 | Scalar::Oid | Scalar::Regclass | Scalar::Regtype | Scalar::Regproc => {
                StorageClass::Integer
            }
            Scalar::Float4 | Scalar::Float8 => StorageClass::Real,
            Scalar::Numeric => StorageClass::Numeric,
            Scalar::Bytea => StorageClass::Blob,
            Scalar::Text
            | Scalar::Varchar
            | Scalar::Bpchar
            | Scalar::Name
            | Scalar::Char
            | Scalar::Date
            | Scalar::Time
            | Scalar::Timestamp
            | Scalar::Timestamptz
            | Scalar::Interval
            | Scalar::Uuid
            | Scalar::Json
            | Scalar::Jsonb
            | Scalar::Enum(_)
            | Scalar::Unknown
            | Scalar::Void => StorageClass::Text,
        }
    }

    /// The declared type of a SQLite column holding this type: it fixes the
    /// column affinity (and, for numeric, the collation that orders decimals).
    pub fn sqlite_decl(&self) -> &'static str {
        match self.storage() {
            StorageClass::Integer => "INTEGER",
            StorageClass::Real => "REAL",
            StorageClass::Text | StorageClass::JsonArray => "TEXT",
            StorageClass::Numeric => "TEXT COLLATE lg_numeric",
            StorageClass::Blob => "BLOB",
        }
    }

    /// The wire type (OID and name) of this type.
    pub fn wire(&self) -> Type {
        let t = match (&self.scalar, self.array) {
            (Scalar::Enum(e), false) => {
                return Type::new(e.name.to_string(), e.oid, Kind::Enum(Vec::new()), e.schema.to_string())
            }
            (Scalar::Enum(e), true) => {
                let elem = Type::new(e.name.to_string(), e.oid, Kind::Enum(Vec::new()), e.schema.to_string());
                return Type::new(format!("_{}", e.name), e.array_oid, Kind::Array(elem), e.schema.to_string());
            }
            (Scalar::Bool, false) => Type::BOOL,
            (Scalar::Bool, true) => Type::BOOL_ARRAY,
            (Scalar::Int2, false) => Type::INT2,
            (Scalar::Int2, true) => Type::INT2_ARRAY,
            (Scalar::Int2Vector, _) => Type::INT2_VECTOR,
            (Scalar::Int4, false) => Type::INT4,
            (Scalar::Int4, true) => Type::INT4_ARRAY,
            (Scalar::Int8, false) => Type::INT8,
            (Scalar::Int8, true) => Type::INT8_ARRAY,
            (Scalar::Float4, false) => Type::FLOAT4,
            (Scalar::Float4, true) => Type::FLOAT4_ARRAY,
            (Scalar::Float8, false) => Type::FLOAT8,
            (Scalar::Float8, true) => Type::FLOAT8_ARRAY,
            (Scalar::Numeric, false) => Type::NUMERIC,
            (Scalar::Numeric, true) => Type::NUMERIC_ARRAY,
            (Scalar::Text, false) => Type::TEXT,
            (Scalar::Text, true) => Type::TEXT_ARRAY,
            (Scalar::Varchar, false) => Type::VARCHAR,
            (Scalar::Varchar, true) => Type::VARCHAR_ARRAY,
            (Scalar::Bpchar, false) => Type::BPCHAR,
            (Scalar::Bpchar, true) => Type::BPCHAR_ARRAY,
            (Scalar::Name, false) => Type::NAME,
            (Scalar::Name, true) => Type::NAME_ARRAY,
            (Scalar::Char, false) => Type::CHAR,
            (Scalar::Char, true) => Type::CHAR_ARRAY,
            (Scalar::Bytea, false) => Type::BYTEA,
            (Scalar::Bytea, true) => Type::BYTEA_ARRAY,
            (Scalar::Date, false) => Type::DATE,
            (Scalar::Date, true) => Type::DATE_ARRAY,
            (Scalar::Time, false) => Type::TIME,
            (Scalar::Time, true) => Type::TIME_ARRAY,
            (Scalar::Timestamp, false) => Type::TIMESTAMP,
            (Scalar::Timestamp, true) => Type::TIMESTAMP_ARRAY,
            (Scalar::Timestamptz, false) => Type::TIMESTAMPTZ,
            (Scalar::Timestamptz, true) => Type::TIMESTAMPTZ_ARRAY,
            (Scalar::Interval, false) => Type::INTERVAL,
            (Scalar::Interval, true) => Type::INTERVAL_ARRAY,
            (Scalar::Uuid, false) => Type::UUID,
            (Scalar::Uuid, true) => Type::UUID_ARRAY,
            (Scalar::Json, false) => Type::JSON,
            (Scalar::Json, true) => Type::JSON_ARRAY,
            (Scalar::Jsonb, false) => Type::JSONB,
            (Scalar::Jsonb, true) => Type::JSONB_ARRAY,
            (Scalar::Oid, false) => Type::OID,
            (Scalar::Oid, true) => Type::OID_ARRAY,
            (Scalar::Regclass, false) => Type::REGCLASS,
            (Scalar::Regclass, true) => Type::REGCLASS_ARRAY,
            (Scalar::Regtype, false) => Type::REGTYPE,
            (Scalar::Regtype, true) => Type::REGTYPE_ARRAY,
            (Scalar::Regproc, false) => Type::REGPROC,
            (Scalar::Regproc, true) => Type::REGPROC_ARRAY,
            (Scalar::Unknown, false) => Type::UNKNOWN,
            (Scalar::Unknown, true) => Type::TEXT_ARRAY,
            (Scalar::Void, _) => Type::VOID,
        };
        t
    }

    /// The type for a wire OID sent by a client (Parse's parameter types).
    pub fn from_oid(oid: u32) -> Option<PgType> {
        if oid == 0 {
            return None;
        }
        let t = Type::from_oid(oid)?;
        let (name, array) = match t.kind() {
            Kind::Array(elem) => (elem.name().to_string(), true),
            _ => (t.name().to_string(), false),
        };
        let mut pt = PgType::from_builtin_name(&name)?;
        pt.array = array;
        Some(pt)
    }

    /// Resolves a built-in type name as PostgreSQL spells it in SQL or in
    /// `pg_type.typname` (`int4`, `integer`, `character varying`, `timestamptz`...).
    /// Modifiers and `[]` are handled by [`parse_type_name`].
    pub fn from_builtin_name(name: &str) -> Option<PgType> {
        let s = match name {
            "bool" | "boolean" => Scalar::Bool,
            "int2" | "smallint" | "smallserial" | "serial2" => Scalar::Int2,
            "int2vector" => return Some(PgType::INT2VECTOR),
            "int4" | "int" | "integer" | "serial" | "serial4" => Scalar::Int4,
            "int8" | "bigint" | "bigserial" | "serial8" => Scalar::Int8,
            "float4" | "real" => Scalar::Float4,
            "float8" | "double precision" | "float" => Scalar::Float8,
            "numeric" | "decimal" => Scalar::Numeric,
            "text" => Scalar::Text,
            "varchar" | "character varying" => Scalar::Varchar,
            "bpchar" | "char" | "character" => Scalar::Bpchar,
            "\"char\"" => Scalar::Char,
            "name" => Scalar::Name,
            "bytea" => Scalar::Bytea,
            "date" => Scalar::Date,
            "time" | "time without time zone" => Scalar::Time,
            "timestamp" | "timestamp without time zone" => Scalar::Timestamp,
            "timestamptz" | "timestamp with time zone" => Scalar::Timestamptz,
            "interval" => Scalar::Interval,
            "uuid" => Scalar::Uuid,
            "json" => Scalar::Json,
            "jsonb" => Scalar::Jsonb,
            "oid" => Scalar::Oid,
            "regclass" => Scalar::Regclass,
            "regtype" => Scalar::Regtype,
            "regproc" | "regprocedure" => Scalar::Regproc,
            "unknown" => Scalar::Unknown,
            "void" => Scalar::Void,
            _ => return None,
        };
        Some(PgType::scalar(s))
    }

    /// The name PostgreSQL's `format_type()` gives this type.
    pub fn format_type(&self) -> String {
        let base = match &self.scalar {
            Scalar::Bool => "boolean".to_string(),
            Scalar::Int2 => "smallint".into(),
            Scalar::Int2Vector => return "int2vector".into(),
            Scalar::Int4 => "integer".into(),
            Scalar::Int8 => "bigint".into(),
            Scalar::Float4 => "real".into(),
            Scalar::Float8 => "double precision".into(),
            Scalar::Numeric => match self.numeric_precision_scale() {
                Some((p, s)) => format!("numeric({p},{s})"),
                None => "numeric".into(),
            },
            Scalar::Text => "text".into(),
            Scalar::Varchar => match self.char_length() {
                Some(n) => format!("character varying({n})"),
                None => "character varying".into(),
            },
            Scalar::Bpchar => match self.char_length() {
                Some(n) => format!("character({n})"),
                None => "bpchar".into(),
            },
            Scalar::Name => "name".into(),
            Scalar::Char => "\"char\"".into(),
            Scalar::Bytea => "bytea".into(),
            Scalar::Date => "date".into(),
            Scalar::Time => format!("time{} without time zone", self.precision_suffix()),
            Scalar::Timestamp => format!("timestamp{} without time zone", self.precision_suffix()),
            Scalar::Timestamptz => format!("timestamp{} with time zone", self.precision_suffix()),
            Scalar::Interval => "interval".into(),
            Scalar::Uuid => "uuid".into(),
            Scalar::Json => "json".into(),
            Scalar::Jsonb => "jsonb".into(),
            Scalar::Oid => "oid".into(),
            Scalar::Regclass => "regclass".into(),
            Scalar::Regtype => "regtype".into(),
            Scalar::Regproc => "regproc".into(),
            Scalar::Enum(e) => crate::runtime::quote_ident(&e.name),
            Scalar::Unknown => "unknown".into(),
            Scalar::Void => "void".into(),
        };
        if self.array {
            format!("{base}[]")
        } else {
            base
        }
    }

    /// The fractional-second precision of a time or timestamp type, if declared.
    pub fn seconds_precision(&self) -> Option<u32> {
        match self.scalar {
            Scalar::Time | Scalar::Timestamp | Scalar::Timestamptz if self.typmod >= 0 => Some(self.typmod as u32),
            _ => None,
        }
    }

    fn precision_suffix(&self) -> String {
        self.seconds_precision().map(|p| format!("({p})")).unwrap_or_default()
    }

    /// `pg_type.typlen`: the fixed size of a value, or -1 for variable-length types.
    pub fn typlen(&self) -> i16 {
        if self.array {
            return -1;
        }
        match self.scalar {
            Scalar::Bool | Scalar::Char => 1,
            Scalar::Int2 => 2,
            Scalar::Int4 | Scalar::Float4 | Scalar::Date | Scalar::Oid | Scalar::Regclass | Scalar::Regtype | Scalar::Regproc | Scalar::Enum(_) => 4,
            Scalar::Int8 | Scalar::Float8 | Scalar::Time | Scalar::Timestamp | Scalar::Timestamptz => 8,
            Scalar::Interval | Scalar::Uuid => 16,
            Scalar::Name => 64,
            Scalar::Unknown => -2,
            _ => -1,
        }
    }

    /// pg_type.typstorage: plain for fixed-length types, main for numeric,
    /// extended for the other variable-length ones (as PostgreSQL's types have it).
    pub fn typstorage(&self) -> &'static str {
        if self.array {
            return "x";
        }
        match self.scalar {
            Scalar::Numeric => "m",
            _ if self.typlen() > 0 => "p",
            _ => "x",
        }
    }

    /// `varchar(n)` / `char(n)`: n.
    pub fn char_length(&self) -> Option<usize> {
        match self.scalar {
            Scalar::Varchar | Scalar::Bpchar if self.typmod >= 4 => Some((self.typmod - 4) as usize),
            _ => None,
        }
    }

    /// `numeric(p,s)`: (p, s).
    pub fn numeric_precision_scale(&self) -> Option<(u32, u32)> {
        if self.scalar == Scalar::Numeric && self.typmod >= 4 {
            let m = (self.typmod - 4) as u32;
            Some((m >> 16, m & 0xffff))
        } else {
            None
        }
    }
}

impl fmt::Display for PgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format_type())
    }
}

/// A type named in SQL, before enum names are resolved against the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeName {
    /// Lower-cased base name, with `pg_catalog.` removed; may be schema-qualified for user types.
    pub base: String,
    pub modifiers: Vec<i64>,
    pub array: bool,
    /// `serial`, `bigserial`, `smallserial`: the column gets a sequence.
    pub serial: bool,
}

/// Splits a SQL type name such as `numeric(10, 2)`, `character varying(20)[]`
/// or `timestamp(3) with time zone` into its parts.
pub fn parse_type_name(text: &str) -> TypeName {
    // Unquoted names fold to lower case; quoted ones ("Role") keep theirs.
    let mut quoted = false;
    let mut s: String = text
        .trim()
        .chars()
        .map(|c| {
            if c == '"' {
                quoted = !quoted;
            }
            if quoted { c } else { c.to_ascii_lowercase() }
        })
        .collect();
    let mut array = false;
    loop {
        let t = s.trim_end();
        if let Some(rest) = t.strip_suffix("[]") {
            s = rest.to_string();
            array = true;
        } else {
            s = t.to_string();
            break;
        }
    }
    if let Some(rest) = s.strip_suffix(" array") {
        s = rest.to_string();
        array = true;
    }
    let mut modifiers = Vec::new();
    if let (Some(open), Some(close)) = (s.find('('), s.rfind(')')) {
        if open < close {
            modifiers = s[open + 1..close].split(',').filter_map(|m| m.trim().parse::<i64>().ok()).collect();
            s = format!("{}{}", &s[..open], &s[close + 1..]);
        }
    }
    let collapsed: Vec<&str> = s.split_whitespace().collect();
    let mut base = collapsed.join(" ");
    for prefix in ["pg_catalog.", "\"pg_catalog\"."] {
        if let Some(rest) = base.strip_prefix(prefix) {
            base = rest.to_string();
        }
    }
    let serial = matches!(base.as_str(), "serial" | "bigserial" | "smallserial" | "serial2" | "serial4" | "serial8");
    TypeName { base, modifiers, array, serial }
}

impl TypeName {
    /// Resolves the name to a built-in type (user enums are resolved by the schema).
    pub fn builtin(&self) -> Option<PgType> {
        // A quoted built-in name ("int4") is the same type.
        let unquoted = match self.base.strip_prefix('"').and_then(|b| b.strip_suffix('"')) {
            Some(inner) if self.base != "\"char\"" && !inner.contains('"') => inner,
            _ => self.base.as_str(),
        };
        let mut t = PgType::from_builtin_name(unquoted)?;
        t.array = self.array;
        t.typmod = typmod_for(&t.scalar, &self.modifiers, &self.base);
        Some(t)
    }
}

fn typmod_for(scalar: &Scalar, mods: &[i64], base: &str) -> i32 {
    match scalar {
        Scalar::Varchar => mods.first().map(|n| *n as i32 + 4).unwrap_or(-1),
        // `char` without a length is char(1), as in PostgreSQL.
        Scalar::Bpchar => mods.first().map(|n| *n as i32 + 4).unwrap_or(if base == "bpchar" { -1 } else { 5 }),
        Scalar::Numeric => match mods {
            [p] => ((*p as i32) << 16) + 4,
            [p, s] => (((*p as i32) << 16) | (*s as i32 & 0xffff)) + 4,
            _ => -1,
        },
        // Fractional-second precision; PostgreSQL reduces more than 6 to 6.
        Scalar::Time | Scalar::Timestamp | Scalar::Timestamptz => mods.first().map(|p| (*p).clamp(0, 6) as i32).unwrap_or(-1),
        _ => -1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_type_names_with_modifiers_and_arrays() {
        let t = parse_type_name("Numeric(10, 2)").builtin().unwrap();
        assert_eq!(t.numeric_precision_scale(), Some((10, 2)));
        assert_eq!(t.format_type(), "numeric(10,2)");
        let t = parse_type_name("character varying(20)[]").builtin().unwrap();
        assert!(t.array);
        assert_eq!(t.char_length(), Some(20));
        assert_eq!(t.format_type(), "character varying(20)[]");
        assert_eq!(parse_type_name("timestamp(3) with time zone").builtin(), Some(PgType::TIMESTAMPTZ.with_typmod(3)));
        assert_eq!(PgType::TIMESTAMPTZ.with_typmod(3).format_type(), "timestamp(3) with time zone");
        assert_eq!(parse_type_name("pg_catalog.int8").builtin(), Some(PgType::INT8));
        assert!(parse_type_name("bigserial").serial);
        assert_eq!(parse_type_name("char").builtin().unwrap().char_length(), Some(1));
        assert_eq!(parse_type_name("\"char\"").builtin().unwrap().scalar, Scalar::Char);
    }

    #[test]
    fn wire_oids_come_from_postgres_tables() {
        assert_eq!(PgType::INT8.wire().oid(), 20);
        assert_eq!(PgType::TIMESTAMPTZ.wire().oid(), 1184);
        assert_eq!(PgType::array_of(Scalar::Int4).wire().oid(), 1007);
        assert_eq!(PgType::from_oid(1043).unwrap().scalar, Scalar::Varchar);
        assert_eq!(PgType::from_oid(1016), Some(PgType::array_of(Scalar::Int8)));
    }

    #[test]
    fn storage_classes_keep_ordering_in_sqlite() {
        assert_eq!(PgType::NUMERIC.sqlite_decl(), "TEXT COLLATE lg_numeric");
        assert_eq!(PgType::BOOL.storage(), StorageClass::Integer);
        assert_eq!(PgType::array_of(Scalar::Text).storage(), StorageClass::JsonArray);
    }
}

/// `"Public".t` into its parts: quoted parts keep their case, others fold to lower case.
pub fn split_qualified(name: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            '.' if !quoted => {
                parts.push(if was_quoted { std::mem::take(&mut cur) } else { std::mem::take(&mut cur).to_lowercase() });
                was_quoted = false;
            }
            c => cur.push(c),
        }
    }
    parts.push(if was_quoted { cur } else { cur.to_lowercase() });
    parts
}

#[cfg(test)]
mod qualified_tests {
    use super::*;

    #[test]
    fn quoted_qualified_type_names_split_into_parts() {
        let tn = parse_type_name("\"public\".\"Mood\"[]");
        assert!(tn.array);
        assert_eq!(split_qualified(&tn.base), vec!["public".to_string(), "Mood".to_string()]);
        assert_eq!(split_qualified(&parse_type_name("\"Role\"").base), vec!["Role".to_string()]);
        assert_eq!(split_qualified(&parse_type_name("Role").base), vec!["role".to_string()]);
        assert_eq!(parse_type_name("\"int4\"").builtin(), Some(PgType::INT4));
        assert_eq!(split_qualified("\"My\"\"S\".x"), vec!["My\"S".to_string(), "x".to_string()]);
        assert_eq!(split_qualified("Public.T"), vec!["public".to_string(), "t".to_string()]);
    }
}
