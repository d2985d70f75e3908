//! The error type of this crate.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

/// Result alias used by this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why starting, stopping or waiting for a ZooKeeper server failed.
///
/// Messages are meant to be read in a failing test's output: they say what
/// failed and, where a server is involved, include the tail of its log.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A file needed to run ZooKeeper (a jar of the class path) does not exist.
    NotInstalled {
        /// The missing file.
        path: PathBuf,
        /// What to install to get it.
        hint: String,
    },
    /// An I/O operation failed.
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: io::Error,
    },
    /// A member's JVM exited while it was expected to run.
    Exited {
        /// Index of the member.
        member: usize,
        /// Exit status as reported by the OS.
        status: String,
        /// Last lines of the member's log.
        log_tail: String,
    },
    /// A bounded wait ran out.
    Timeout {
        /// What was awaited.
        what: String,
        /// How long it was awaited.
        waited: Duration,
        /// State of the members and tails of their logs.
        details: String,
    },
    /// The member is already running (it must be stopped first).
    AlreadyRunning {
        /// Index of the member.
        member: usize,
    },
    /// The embedded server could not start or open a port.
    Embedded(zookit_server::Error),
}

impl Error {
    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Self {
        Error::Io { context: context.into(), source }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotInstalled { path, hint } => {
                write!(f, "ZooKeeper cannot run: {} not found ({hint})", path.display())
            }
            Error::Io { context, source } => write!(f, "{context}: {source}"),
            Error::Exited { member, status, log_tail } => write!(
                f,
                "ZooKeeper member {member} exited unexpectedly ({status}); last log lines:\n{log_tail}"
            ),
            Error::Timeout { what, waited, details } => {
                write!(f, "timed out after {waited:?} waiting for {what}\n{details}")
            }
            Error::AlreadyRunning { member } => {
                write!(f, "ZooKeeper member {member} is already running")
            }
            Error::Embedded(e) => write!(f, "the embedded server: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Embedded(e) => Some(e),
            _ => None,
        }
    }
}
