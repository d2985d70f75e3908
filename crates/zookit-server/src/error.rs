//! Why a server could not start.

use std::io;
use std::path::PathBuf;

/// A server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The address could not be bound (in use, not local, not resolvable).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address as given, `host:port`.
        addr: String,
        /// What the system said.
        source: io::Error,
    },
    /// A setting is out of range, such as a minimum session timeout above
    /// the maximum.
    #[error("invalid server setting: {0}")]
    Config(String),
    /// A configuration file (`zoo.cfg`, a JAAS file) has a bad line or
    /// value.
    #[error("{file}:{line}: {reason}: {text}")]
    ConfigFile {
        /// The file, as named.
        file: String,
        /// The line number, from 1.
        line: usize,
        /// The line.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The TLS settings cannot be used: a certificate or key that is not
    /// PEM, unreadable, encrypted, or does not match.
    #[error("invalid TLS setting: {0}")]
    Tls(String),
    /// The runtime of a blocking server could not be started.
    #[error("cannot start the server's runtime: {0}")]
    Runtime(io::Error),
    /// A file or directory of the data directory could not be read or
    /// written.
    #[error("data directory: {}: {source}", path.display())]
    Storage {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// A file of the data directory is damaged other than by a write a
    /// crash cut short: the server does not start rather than serve part
    /// of the tree.
    #[error("{} is corrupt at byte offset {offset}: {reason}", file.display())]
    Corrupt {
        /// The log or snapshot file.
        file: PathBuf,
        /// Where in it the damage starts (the damaged frame's first byte).
        offset: u64,
        /// What is wrong there.
        reason: String,
    },
    /// The server stopped by itself: its transaction log could not be
    /// written, so it could not answer writes durably.
    #[error("the server stopped: {0}")]
    Stopped(String),
}

impl Error {
    pub(crate) fn storage(path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |source| Self::Storage { path, source }
    }

    pub(crate) fn corrupt(
        file: impl Into<PathBuf>,
        offset: u64,
        reason: impl Into<String>,
    ) -> Self {
        Self::Corrupt { file: file.into(), offset, reason: reason.into() }
    }
}
