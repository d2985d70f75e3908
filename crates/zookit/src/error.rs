//! The one error type of the client.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use zookit_proto::{DecodeError, ErrorCode, PathError};

/// The underlying error, shared so that a session can hand the same cause
/// (a TLS failure) to every request it refuses.
type Cause = Arc<dyn StdError + Send + Sync>;

/// An error from a ZooKeeper operation or from the client itself.
///
/// It says what went wrong ([`kind`](Error::kind), and the ZooKeeper
/// [`code`](Error::code) when there is one), where known the operation and
/// the znode path (as the caller wrote it, without the chroot), and the
/// underlying error, if any, as its [`source`](StdError::source): a TLS
/// failure's `rustls::Error`, an I/O error, the rule a path breaks. Its
/// message says all of it: `getData /app/config: NoNode (node does not
/// exist)`. Predicates such as [`is_no_node`](Error::is_no_node) answer the
/// common questions.
#[doc(alias("KazooException", "ZookeeperError", "KeeperException"))]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    op: Option<&'static str>,
    path: Option<String>,
    /// What the kind alone does not say ("no session within 10s").
    detail: Option<String>,
    cause: Option<Cause>,
}

/// What went wrong: the class of an [`Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// ZooKeeper's answer, or the session's condition, as one of its error
    /// codes: `NoNode`, `NodeExists`, `BadVersion`, `ConnectionLoss`,
    /// `SessionExpired`, `OperationTimeout`, `AuthFailed`, ...
    Code(ErrorCode),
    /// The client was stopped or closed.
    Closed,
    /// A path ZooKeeper would refuse; nothing was sent. The source is the
    /// [`PathError`] naming the rule.
    InvalidPath,
    /// An argument ZooKeeper would refuse (data too large, a TTL without a
    /// TTL mode, ...); nothing was sent.
    InvalidArgument,
    /// A connection string that cannot be parsed.
    InvalidConnectString,
    /// A TLS connection could not be made: a bad certificate or key, or a
    /// server that failed verification. The message names the host; the
    /// source is the cause (a `rustls::Error`, or an I/O error).
    Tls,
    /// A bounded wait ran out, such as `start` not connecting in time, or a
    /// blocking call past its command timeout. (ZooKeeper's own
    /// `OperationTimeout` is a [`Code`](ErrorKind::Code).)
    Timeout,
    /// The retry policy gave up; the source is the last attempt's error.
    RetryFailed {
        /// How many times the operation ran.
        attempts: u32,
    },
    /// This operation of a transaction was not applied because another one
    /// failed.
    RolledBack,
    /// A retry loop was interrupted by its policy's interrupt check.
    Interrupted,
    /// A socket error (four-letter words and other direct connections); the
    /// source is the [`std::io::Error`].
    Io,
    /// The server sent bytes that are not valid ZooKeeper protocol; the
    /// source is the [`DecodeError`].
    Protocol,
    /// The server's reply does not fit its request: a reply of another
    /// kind, or one without what it must hold (valid protocol, but not an
    /// answer to what was asked).
    UnexpectedReply,
}

impl Error {
    /// An error of `kind`, with no operation, path, detail or cause yet.
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Self { inner: Box::new(Inner { kind, op: None, path: None, detail: None, cause: None }) }
    }

    /// An error for a ZooKeeper error code.
    pub(crate) fn from_code(code: ErrorCode) -> Self {
        Self::new(ErrorKind::Code(code))
    }

    /// The client is closed.
    pub(crate) fn closed() -> Self {
        Self::new(ErrorKind::Closed)
    }

    /// An invalid argument, described by `detail`.
    pub(crate) fn invalid_argument(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument).with_detail(detail)
    }

    /// A path that breaks one of ZooKeeper's rules.
    pub(crate) fn invalid_path(cause: PathError) -> Self {
        Self::new(ErrorKind::InvalidPath).caused_by(cause)
    }

    /// A connection string that cannot be parsed, for the reason `detail`.
    pub(crate) fn invalid_connect_string(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidConnectString).with_detail(detail)
    }

    /// A TLS failure, described by `detail` (the cause, if any, is added
    /// with [`caused_by`](Self::caused_by)).
    pub(crate) fn tls(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Tls).with_detail(detail)
    }

    /// A bounded wait that ran out, described by `detail`.
    pub(crate) fn timeout(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Timeout).with_detail(detail)
    }

    /// The retry policy gave up after `attempts`; `last` is the last error.
    pub(crate) fn retry_failed(attempts: u32, last: Error) -> Self {
        Self::new(ErrorKind::RetryFailed { attempts }).caused_by(last)
    }

    /// A socket error.
    pub(crate) fn io(cause: std::io::Error) -> Self {
        Self::new(ErrorKind::Io).caused_by(cause)
    }

    /// Bytes that are not valid ZooKeeper protocol.
    pub(crate) fn protocol(cause: DecodeError) -> Self {
        Self::new(ErrorKind::Protocol).caused_by(cause)
    }

    /// Adds the text that says what the kind alone does not.
    pub(crate) fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.inner.detail = Some(detail.into());
        self
    }

    /// Adds the underlying error.
    pub(crate) fn caused_by(self, cause: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        self.caused_by_shared(Arc::from(cause.into()))
    }

    /// Adds an underlying error that other errors share.
    fn caused_by_shared(mut self, cause: Cause) -> Self {
        self.inner.cause = Some(cause);
        self
    }

    /// Names the operation that failed (ZooKeeper's name, e.g. `"getData"`).
    pub(crate) fn with_op(mut self, op: &'static str) -> Self {
        self.inner.op = Some(op);
        self
    }

    /// Names the path the failed operation was about.
    pub(crate) fn with_path(mut self, path: impl Into<String>) -> Self {
        self.inner.path = Some(path.into());
        self
    }

    /// The same error again (the session hands one failure to every
    /// request it refuses); the cause is shared.
    pub(crate) fn duplicate(&self) -> Self {
        Self { inner: self.inner.clone() }
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The operation that failed, if known (ZooKeeper's name, e.g. `"getData"`).
    pub fn op(&self) -> Option<&'static str> {
        self.inner.op
    }

    /// The path the failed operation was about, if any, without the chroot.
    pub fn path(&self) -> Option<&str> {
        self.inner.path.as_deref()
    }

    /// The message without the operation and the path that the error's
    /// `Display` puts first: `NoNode (node does not exist)`, `timed out: no
    /// session within 10s`. For callers that name the context themselves.
    pub fn message(&self) -> impl fmt::Display + '_ {
        Message(&self.inner)
    }

    /// The ZooKeeper error code, if the error is one. A closed client
    /// reports `None`; retry failures report their last attempt's code.
    pub fn code(&self) -> Option<ErrorCode> {
        match self.inner.kind {
            ErrorKind::Code(code) => Some(code),
            ErrorKind::RetryFailed { .. } => self.last_attempt()?.code(),
            _ => None,
        }
    }

    /// A retry failure's last error.
    fn last_attempt(&self) -> Option<&Error> {
        self.inner.cause.as_deref()?.downcast_ref::<Error>()
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

    /// ZooKeeper's `OperationTimeout` (see [`is_timeout`](Self::is_timeout)
    /// for the client's own bounded waits).
    pub fn is_operation_timeout(&self) -> bool {
        self.is(ErrorCode::OperationTimeout)
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

    /// The client was stopped or closed.
    pub fn is_closed(&self) -> bool {
        self.inner.kind == ErrorKind::Closed
    }

    /// The op of a transaction was not applied because another op of the
    /// transaction failed.
    pub fn is_rolled_back(&self) -> bool {
        self.inner.kind == ErrorKind::RolledBack
    }

    /// A bounded wait of the client ran out ([`ErrorKind::Timeout`]).
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Timeout
    }

    /// A TLS connection could not be made ([`ErrorKind::Tls`]).
    pub fn is_tls(&self) -> bool {
        self.inner.kind == ErrorKind::Tls
    }

    /// A path ZooKeeper would refuse; nothing was sent.
    pub fn is_invalid_path(&self) -> bool {
        self.inner.kind == ErrorKind::InvalidPath
    }

    /// An argument ZooKeeper would refuse; nothing was sent.
    pub fn is_invalid_argument(&self) -> bool {
        self.inner.kind == ErrorKind::InvalidArgument
    }

    /// Whether retrying may succeed: connection loss and operation timeout
    /// (what kazoo's `KazooRetry` retries).
    pub fn is_retryable(&self) -> bool {
        matches!(self.code(), Some(ErrorCode::ConnectionLoss | ErrorCode::OperationTimeout))
    }
}

/// ZooKeeper's error codes are errors of their own: code that runs under a
/// retry policy may report `ConnectionLoss` to be retried.
impl From<ErrorCode> for Error {
    fn from(code: ErrorCode) -> Self {
        Self::from_code(code)
    }
}

/// An error's message without its operation and path: what the kind says,
/// then the detail, then the cause, joined by `: `.
struct Message<'a>(&'a Inner);

impl fmt::Display for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.0;
        let mut said = true;
        match inner.kind {
            ErrorKind::Code(code) => write!(f, "{code}")?,
            ErrorKind::Closed => f.write_str("the client is closed")?,
            ErrorKind::InvalidConnectString => f.write_str("invalid connection string")?,
            ErrorKind::Tls => f.write_str("TLS")?,
            ErrorKind::Timeout => f.write_str("timed out")?,
            ErrorKind::RetryFailed { attempts } => write!(f, "gave up after {attempts} attempts")?,
            ErrorKind::RolledBack => {
                f.write_str("rolled back: another operation of the transaction failed")?;
            }
            ErrorKind::Interrupted => f.write_str("interrupted")?,
            ErrorKind::Protocol => f.write_str("protocol error")?,
            ErrorKind::UnexpectedReply => f.write_str("unexpected reply")?,
            // Said by the detail or the cause alone.
            ErrorKind::InvalidPath | ErrorKind::InvalidArgument | ErrorKind::Io => said = false,
        }
        let rest = [
            inner.detail.as_ref().map(|d| d as &dyn fmt::Display),
            inner.cause.as_ref().map(|c| c as &dyn fmt::Display),
        ];
        for part in rest.into_iter().flatten() {
            if said {
                f.write_str(": ")?;
            }
            write!(f, "{part}")?;
            said = true;
        }
        Ok(())
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
        Message(&self.inner).fmt(f)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        let mut debug = f.debug_struct("Error");
        debug.field("kind", &inner.kind);
        if let Some(op) = inner.op {
            debug.field("op", &op);
        }
        if let Some(path) = &inner.path {
            debug.field("path", path);
        }
        if let Some(detail) = &inner.detail {
            debug.field("detail", detail);
        }
        if let Some(cause) = &inner.cause {
            debug.field("cause", cause);
        }
        debug.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner.cause.as_deref().map(|cause| cause as &(dyn StdError + 'static))
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
        assert_eq!(err.message().to_string(), "NoNode (node does not exist)");
        assert!(err.is_no_node());
        assert!(!err.is_retryable());
        assert_eq!(Error::closed().with_op("create").to_string(), "create: the client is closed");
        let timeout = Error::timeout("no session within 1s").with_op("start");
        assert_eq!(timeout.to_string(), "start: timed out: no session within 1s");
        assert!(timeout.is_timeout() && !timeout.is_operation_timeout());
        assert_eq!(Error::invalid_argument("too big").with_path("/a").to_string(), "/a: too big");
    }

    #[test]
    fn the_cause_is_the_source_and_part_of_the_message() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let err = Error::tls("reading the CA bundle ca.pem").caused_by(io);
        assert_eq!(err.to_string(), "TLS: reading the CA bundle ca.pem: no such file");
        let source = StdError::source(&err).expect("a source");
        assert!(source.downcast_ref::<std::io::Error>().is_some(), "{source:?}");
        assert_eq!(err.kind(), ErrorKind::Tls);

        let path = zookit_proto::validate_path("a").unwrap_err();
        let err = Error::invalid_path(path.clone());
        assert_eq!(err.to_string(), path.to_string());
        assert_eq!(StdError::source(&err).and_then(|s| s.downcast_ref::<PathError>()), Some(&path));
        let copy = err.duplicate();
        assert_eq!(copy.to_string(), err.to_string());
    }

    #[test]
    fn retry_failures_expose_the_last_code() {
        let last = Error::from_code(ErrorCode::ConnectionLoss);
        let err = Error::retry_failed(3, last);
        assert!(err.is_connection_loss());
        assert_eq!(err.kind(), ErrorKind::RetryFailed { attempts: 3 });
        assert_eq!(err.to_string(), "gave up after 3 attempts: ConnectionLoss (connection lost)");
        assert!(StdError::source(&err).is_some());
    }

    #[test]
    fn a_reply_of_the_wrong_shape_is_its_own_kind() {
        let err = Error::new(ErrorKind::UnexpectedReply).with_op("getData").with_path("/a");
        assert_eq!(err.kind(), ErrorKind::UnexpectedReply);
        assert!(err.to_string().starts_with("getData /a: unexpected reply"), "{err}");
        assert!(err.code().is_none());
    }

    #[test]
    fn errors_stay_small() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }
}
