//! The error of reading a property value: the lexer's and the parser's.

/// Why a Python literal could not be read as a property value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (column {column})")]
pub struct LiteralError {
    /// What is wrong.
    pub message: String,
    /// The 1-based column (in characters) of the expression where it is.
    pub column: usize,
}

impl LiteralError {
    pub(crate) fn new(message: impl Into<String>, column: usize) -> Self {
        Self { message: message.into(), column }
    }
}
