//! Golden pairs: PostgreSQL SQL in, SQLite SQL and types out.
