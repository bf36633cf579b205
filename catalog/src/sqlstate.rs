//! SQLSTATE codes, generated at build time from PostgreSQL's `errcodes.txt`.

/// A five-character PostgreSQL error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SqlState(pub &'static str);

impl SqlState {
    pub fn code(self) -> &'static str {
        self.0
    }
}

include!(concat!(env!("OUT_DIR"), "/sqlstate_table.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_postgres_codes() {
        assert_eq!(SqlState::UNIQUE_VIOLATION.code(), "23505");
        assert_eq!(SqlState::UNDEFINED_TABLE.code(), "42P01");
        assert_eq!(SqlState::IN_FAILED_SQL_TRANSACTION.code(), "25P02");
        assert!(ALL.len() > 200);
    }
}
