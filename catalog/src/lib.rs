//! litegres's catalog crate: everything about PostgreSQL semantics that needs
//! no I/O. It owns the type map ([`types`]), value formats ([`value`]), the
//! SQLSTATE table ([`sqlstate`]), the schema model ([`schema`]) and the
//! translation of PostgreSQL SQL into SQLite SQL ([`translate`]).

pub mod builtin_functions;
pub mod information_schema;
pub mod pg_catalog;
pub mod runtime;
pub mod schema;
pub mod sqlstate;
pub mod translate;
pub mod types;
pub mod value;
