//! The registry's errors.

use crate::tree::ParseError;

/// An error of the registry.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A ZooKeeper operation failed.
    #[error(transparent)]
    ZooKeeper(#[from] zookit::Error),
    /// No connection could be made (zc.zk's `FailedConnect`).
    #[error("can't connect to ZooKeeper at {hosts}: {cause}")]
    FailedConnect {
        /// The connection string.
        hosts: String,
        /// Why.
        cause: zookit::Error,
    },
    /// Tree text that cannot be parsed, with its line.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// Symbolic links that lead back to themselves.
    #[error("link loop: {}", .0.join(" -> "))]
    LinkLoop(Vec<String>),
    /// A path that neither exists nor resolves through a link.
    #[error("no node at {path} (not even through links)")]
    NoNode {
        /// The path as given.
        path: String,
    },
    /// A property link that cannot be followed.
    #[error("bad property link {name} => {target}: {reason}")]
    BadPropertyLink {
        /// The linking property's name.
        name: String,
        /// The link's target text.
        target: String,
        /// Why it cannot be followed.
        reason: String,
    },
    /// Callbacks on properties read with `watch = false`.
    #[error("can't set callbacks without watching")]
    NotWatching,
    /// The properties' node was deleted and its path resolves nowhere.
    #[error("the node {path} was deleted")]
    Deleted {
        /// The path the properties were made for.
        path: String,
    },
    /// An address that is not `host:port`.
    #[error("invalid address {0:?}: expected HOST:PORT")]
    InvalidAddress(String),
    /// A registration hook panicked; nothing was registered for the node.
    #[error("a registration hook panicked")]
    HookPanicked,
    /// The helper was dropped (its client with it) while something still
    /// used it, such as live properties.
    #[error("the client is closed")]
    Closed,
}

impl Error {
    /// The ZooKeeper error code, if the error is a ZooKeeper one (a path
    /// that resolves nowhere is `NoNode`).
    pub fn code(&self) -> Option<zookit::ErrorCode> {
        match self {
            Self::ZooKeeper(e) | Self::FailedConnect { cause: e, .. } => e.code(),
            Self::NoNode { .. } => Some(zookit::ErrorCode::NoNode),
            _ => None,
        }
    }
}

/// The result of a registry operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;
