//! The one error type of the client.

use std::fmt;

use zookit_proto::{DecodeError, ErrorCode, PathError};

/// An error from a ZooKeeper operation or from the client itself.
///
/// Carries what went wrong ([`ErrorKind`]), and where known the operation
/// and the znode path (as the caller wrote it, without the chroot), so that
/// its message says all three: `getData /app/config: NoNode (node does not
/// exist)`. Predicates such as [`is_connection_loss`](Error::is_connection_loss)
/// answer the common questions.
#[doc(alias("KazooException", "ZookeeperError", "KeeperException"))]
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    op: Option<&'static str>,
    path: Option<String>,
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// ZooKeeper's answer, or the session's condition, as one of its error
    /// codes: `NoNode`, `NodeExists`, `BadVersion`, `ConnectionLoss`,
    /// `SessionExpired`, `OperationTimeout`, `AuthFailed`, ...
    #[error("{0}")]
    Code(ErrorCode),
    /// The client was stopped or closed.
    #[error("the client is closed")]
    Closed,
    /// A path ZooKeeper would refuse; nothing was sent.
    #[error(transparent)]
    InvalidPath(#[from] PathError),
    /// An argument ZooKeeper would refuse (data too large, a TTL without a
    /// TTL mode, ...); nothing was sent.
    #[error("{0}")]
    InvalidArgument(String),
    /// A connection string that cannot be parsed.
    #[error("invalid connection string: {0}")]
    InvalidConnectString(String),
    /// A TLS connection could not be made: a bad certificate or key, or a
    /// server that failed verification (the message names the host and the
    /// cause).
    #[error("TLS: {0}")]
    Tls(String),
    /// A bounded wait ran out, such as `start` not connecting in time.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The retry policy gave up; the last attempt's error is the source.
    #[error("gave up after {attempts} attempts: {last}")]
    RetryFailed {
        /// How many times the operation ran.
        attempts: u32,
        /// The last attempt's error.
        #[source]
        last: Error,
    },
    /// This operation of a transaction was not applied because another one
    /// failed.
    #[error("rolled back: another operation of the transaction failed")]
    RolledBack,
    /// A retry loop was interrupted by its policy's interrupt check.
    #[error("interrupted")]
    Interrupted,
    /// A socket error (four-letter words and other direct connections).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The server sent bytes that are not valid ZooKeeper protocol.
    #[error("protocol error: {0}")]
    Protocol(#[from] DecodeError),
}

impl Error {
    /// An error of `kind`, with no operation or path yet.
    pub fn new(kind: ErrorKind) -> Self {
        Self { inner: Box::new(Inner { kind, op: None, path: None }) }
    }

    /// An error for a ZooKeeper error code.
    pub fn from_code(code: ErrorCode) -> Self {
        Self::new(ErrorKind::Code(code))
    }

    /// An invalid argument, described by `message`.
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument(message.into()))
    }

    /// Names the operation that failed (ZooKeeper's name, e.g. `"getData"`).
    pub fn with_op(mut self, op: &'static str) -> Self {
        self.inner.op = Some(op);
        self
    }

    /// Names the path the failed operation was about.
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.inner.path = Some(path.into());
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// The operation that failed, if known (ZooKeeper's name, e.g. `"getData"`).
    pub fn op(&self) -> Option<&'static str> {
        self.inner.op
    }

    /// The path the failed operation was about, if any, without the chroot.
    pub fn path(&self) -> Option<&str> {
        self.inner.path.as_deref()
    }

    /// The ZooKeeper error code, if the error is one. A closed client
    /// reports `None`; retry failures report their last attempt's code.
    pub fn code(&self) -> Option<ErrorCode> {
        match &self.inner.kind {
            ErrorKind::Code(code) => Some(*code),
            ErrorKind::RetryFailed { last, .. } => last.code(),
            _ => None,
        }
    }

    fn is(&self, code: ErrorCode) -> bool {
        self.code() == Some(code)
    }

    /// The connection to the server was lost before the answer came; the
    /// operation may or may not have been applied.
    pub fn is_connection_loss(&self) -> bool {
        self.is(ErrorCode::ConnectionLoss)
    }

    /// The session expired: ephemeral nodes and watches are gone.
    pub fn is_session_expired(&self) -> bool {
        self.is(ErrorCode::SessionExpired)
    }

    /// The operation timed out.
    pub fn is_operation_timeout(&self) -> bool {
        self.is(ErrorCode::OperationTimeout)
    }

    /// The client was stopped or closed.
    pub fn is_closed(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::Closed)
    }

    /// The op of a transaction was not applied because another op of the
    /// transaction failed.
    pub fn is_rolled_back(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::RolledBack)
    }

    /// The node does not exist.
    pub fn is_no_node(&self) -> bool {
        self.is(ErrorCode::NoNode)
    }

    /// The node already exists.
    pub fn is_node_exists(&self) -> bool {
        self.is(ErrorCode::NodeExists)
    }

    /// The version did not match the node's.
    pub fn is_bad_version(&self) -> bool {
        self.is(ErrorCode::BadVersion)
    }

    /// The node has children.
    pub fn is_not_empty(&self) -> bool {
        self.is(ErrorCode::NotEmpty)
    }

    /// The session lacks the permission.
    pub fn is_no_auth(&self) -> bool {
        self.is(ErrorCode::NoAuth)
    }

    /// Authentication failed.
    pub fn is_auth_failed(&self) -> bool {
        self.is(ErrorCode::AuthFailed)
    }

    /// Whether retrying may succeed: connection loss and operation timeout
    /// (what kazoo's `KazooRetry` retries).
    pub fn is_retryable(&self) -> bool {
        matches!(self.code(), Some(ErrorCode::ConnectionLoss | ErrorCode::OperationTimeout))
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Self::new(kind)
    }
}

impl From<ErrorCode> for Error {
    fn from(code: ErrorCode) -> Self {
        Self::from_code(code)
    }
}

impl From<PathError> for Error {
    fn from(err: PathError) -> Self {
        Self::new(ErrorKind::InvalidPath(err))
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Self::new(ErrorKind::Io(err))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.inner.op, &self.inner.path) {
            (Some(op), Some(path)) => write!(f, "{op} {path}: ")?,
            (Some(op), None) => write!(f, "{op}: ")?,
            (None, Some(path)) => write!(f, "{path}: ")?,
            (None, None) => {}
        }
        fmt::Display::fmt(&self.inner.kind, f)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Error");
        debug.field("kind", &self.inner.kind);
        if let Some(op) = self.inner.op {
            debug.field("op", &op);
        }
        if let Some(path) = &self.inner.path {
            debug.field("path", path);
        }
        debug.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.inner.kind)
    }
}

/// The result of a client operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_operation_the_path_and_the_cause() {
        let err = Error::from_code(ErrorCode::NoNode).with_op("getData").with_path("/app/config");
        assert_eq!(err.to_string(), "getData /app/config: NoNode (node does not exist)");
        assert!(err.is_no_node());
        assert!(!err.is_retryable());
        assert_eq!(
            Error::new(ErrorKind::Closed).with_op("create").to_string(),
            "create: the client is closed"
        );
    }

    #[test]
    fn retry_failures_expose_the_last_code() {
        let last = Error::from_code(ErrorCode::ConnectionLoss);
        let err = Error::new(ErrorKind::RetryFailed { attempts: 3, last });
        assert!(err.is_connection_loss());
        assert_eq!(err.to_string(), "gave up after 3 attempts: ConnectionLoss (connection lost)");
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn errors_stay_small() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }
}
