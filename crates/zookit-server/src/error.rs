//! Why a server could not start.

use std::io;

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
}
