//! Translation errors, each with the SQLSTATE PostgreSQL gives for it.

use crate::sqlstate::SqlState;
use crate::value::ValueError;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TranslateError {
    #[error("syntax error: {0}")]
    Syntax(String),
    #[error("statement is too deeply nested")]
    TooComplex,
    #[error("{0} is not supported by litegres")]
    Unsupported(String),
    /// A recursive query PostgreSQL refuses (42P19).
    #[error("{0}")]
    InvalidRecursion(String),
    /// What PostgreSQL itself refuses as not supported (0A000), in its words.
    #[error("{0}")]
    NotSupported(String),
    #[error("relation \"{0}\" does not exist")]
    UndefinedTable(String),
    #[error("relation \"{0}\" already exists")]
    DuplicateTable(String),
    #[error("column \"{0}\" does not exist")]
    UndefinedColumn(String),
    #[error("column \"{column}\" of relation \"{table}\" already exists")]
    DuplicateColumn { table: String, column: String },
    #[error("column reference \"{0}\" is ambiguous")]
    AmbiguousColumn(String),
    #[error("function {0} does not exist")]
    UndefinedFunction(String),
    #[error("more than one function named \"{0}\"")]
    AmbiguousFunction(String),
    #[error("type \"{0}\" does not exist")]
    UndefinedType(String),
    #[error("type \"{0}\" already exists")]
    DuplicateType(String),
    #[error("schema \"{0}\" does not exist")]
    UndefinedSchema(String),
    #[error("schema \"{0}\" already exists")]
    DuplicateSchema(String),
    #[error("{0}")]
    DatatypeMismatch(String),
    #[error("{0}")]
    Grouping(String),
    #[error("unrecognized configuration parameter \"{0}\"")]
    UndefinedParameter(String),
    #[error("could not determine data type of parameter ${0}")]
    IndeterminateParameter(usize),
    #[error("{0}")]
    InvalidParameterValue(String),
    #[error("cannot drop {0} because other objects depend on it")]
    DependentObjects(String),
    #[error("{0}")]
    Value(#[from] ValueError),
}

impl TranslateError {
    pub fn sqlstate(&self) -> SqlState {
        match self {
            TranslateError::Syntax(_) => SqlState::SYNTAX_ERROR,
            TranslateError::TooComplex => SqlState::STATEMENT_TOO_COMPLEX,
            TranslateError::Unsupported(_) | TranslateError::NotSupported(_) => SqlState::FEATURE_NOT_SUPPORTED,
            TranslateError::UndefinedTable(_) => SqlState::UNDEFINED_TABLE,
            TranslateError::DuplicateTable(_) => SqlState::DUPLICATE_TABLE,
            TranslateError::UndefinedColumn(_) => SqlState::UNDEFINED_COLUMN,
            TranslateError::DuplicateColumn { .. } => SqlState::DUPLICATE_COLUMN,
            TranslateError::AmbiguousColumn(_) => SqlState::AMBIGUOUS_COLUMN,
            TranslateError::UndefinedFunction(_) => SqlState::UNDEFINED_FUNCTION,
            TranslateError::AmbiguousFunction(_) => SqlState::AMBIGUOUS_FUNCTION,
            TranslateError::UndefinedType(_) => SqlState::UNDEFINED_OBJECT,
            TranslateError::DuplicateType(_) => SqlState::DUPLICATE_OBJECT,
            TranslateError::UndefinedSchema(_) => SqlState::INVALID_SCHEMA_NAME,
            TranslateError::DuplicateSchema(_) => SqlState::DUPLICATE_SCHEMA,
            TranslateError::DatatypeMismatch(_) => SqlState::DATATYPE_MISMATCH,
            TranslateError::Grouping(_) => SqlState::GROUPING_ERROR,
            TranslateError::InvalidRecursion(_) => SqlState::INVALID_RECURSION,
            TranslateError::UndefinedParameter(_) => SqlState::UNDEFINED_OBJECT,
            TranslateError::IndeterminateParameter(_) => SqlState::INDETERMINATE_DATATYPE,
            TranslateError::InvalidParameterValue(_) => SqlState::INVALID_PARAMETER_VALUE,
            TranslateError::DependentObjects(_) => SqlState::DEPENDENT_OBJECTS_STILL_EXIST,
            TranslateError::Value(v) => v.sqlstate(),
        }
    }

    pub fn detail(&self) -> Option<String> {
        match self {
            TranslateError::Value(v) => v.detail(),
            _ => None,
        }
    }
}
