//! The harness's one error type: a message, with the cause folded in.

use std::fmt;

/// What went wrong, said in words (the harness only reports errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

/// The harness's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error saying `message`.
    pub fn msg(message: impl Into<String>) -> Self {
        Error(message.into())
    }

    /// This error, preceded by `context`.
    pub fn context(self, context: impl fmt::Display) -> Self {
        Error(format!("{context}: {}", self.0))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

macro_rules! from_error {
    ($($source:ty),* $(,)?) => {
        $(impl From<$source> for Error {
            fn from(error: $source) -> Self {
                Error(error.to_string())
            }
        })*
    };
}

from_error!(
    std::io::Error,
    zookit::Error,
    zookit_registry::Error,
    zookit_testing::Error,
    serde_json::Error,
    nix::Error,
    tokio::time::error::Elapsed,
    tokio::task::JoinError,
);

/// Adds context to errors of any displayable type.
pub trait Context<T> {
    /// The error, preceded by `context`.
    fn context(self, context: impl fmt::Display) -> Result<T>;
}

impl<T, E: fmt::Display> Context<T> for std::result::Result<T, E> {
    fn context(self, context: impl fmt::Display) -> Result<T> {
        self.map_err(|e| Error(format!("{context}: {e}")))
    }
}
