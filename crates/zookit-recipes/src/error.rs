//! The one error type of the recipes.

use std::fmt;
use std::time::Duration;

use zookit::{ClientState, KeeperState};

/// Why a recipe did not do what was asked.
///
/// Opaque, as tokio-postgres's error is: predicates answer the common
/// questions ([`is_timeout`](Self::is_timeout),
/// [`is_cancelled`](Self::is_cancelled), [`is_closed`](Self::is_closed),
/// [`is_session_expired`](Self::is_session_expired), ...); when the client
/// failed, its error is [`client_error`](Self::client_error) and the
/// [`source`](std::error::Error::source). The message names the recipe's
/// path: `/lock: could not acquire within 500ms`.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: Kind,
    /// The recipe's path (a lock's, a counter's node, ...), once known.
    path: Option<String>,
    /// The client's error, for [`Kind::Client`].
    cause: Option<zookit::Error>,
}

#[derive(Debug)]
enum Kind {
    /// The client failed: the cause says how.
    Client,
    /// The client is stopped, closed, never started, or gone.
    Closed,
    /// The session expired (the client says so, or a watch's last event).
    SessionExpired,
    /// The server refused the session's credentials.
    AuthFailed,
    /// Not done within the time allowed.
    Timeout { what: &'static str, after: Duration },
    /// Given up on `cancel()`.
    Cancelled,
    /// The leader latch is not started, or closed.
    NotRunning,
    /// The semaphore's node stores another number of leases.
    MaxLeasesMismatch { stored: u64, expected: u32 },
    /// Data read from the server that the recipe cannot read.
    Corrupt(String),
    /// A change that leaves the counter's range; nothing was written.
    Overflow(String),
    /// Bad input, refused before anything was sent.
    InvalidArgument(String),
}

/// The result of a recipe's call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    fn new(kind: Kind) -> Self {
        Self { inner: Box::new(Inner { kind, path: None, cause: None }) }
    }

    /// The client is stopped, closed, never started, or gone.
    pub(crate) fn closed() -> Self {
        Self::new(Kind::Closed)
    }

    /// What a client in `state` will not get over by itself, if anything:
    /// stopped (or never started), expired, refused.
    pub(crate) fn from_client_state(state: ClientState) -> Option<Self> {
        match state {
            ClientState::Closed => Some(Self::closed()),
            ClientState::Expired => Some(Self::new(Kind::SessionExpired)),
            ClientState::AuthFailed => Some(Self::new(Kind::AuthFailed)),
            ClientState::Connecting | ClientState::Connected | ClientState::ConnectedReadOnly => {
                None
            }
        }
    }

    /// The end of the session a watch's last event tells of.
    pub(crate) fn session_ended(state: KeeperState) -> Self {
        match state {
            KeeperState::Expired => Self::new(Kind::SessionExpired),
            KeeperState::AuthFailed => Self::new(Kind::AuthFailed),
            _ => Self::closed(),
        }
    }

    /// `what` (`"could not acquire"`) was not done within `after`.
    pub(crate) fn timeout(what: &'static str, after: Duration) -> Self {
        Self::new(Kind::Timeout { what, after })
    }

    /// Given up on `cancel()`.
    pub(crate) fn cancelled() -> Self {
        Self::new(Kind::Cancelled)
    }

    /// The leader latch is not started, or closed.
    pub(crate) fn not_running() -> Self {
        Self::new(Kind::NotRunning)
    }

    /// The semaphore's node stores `stored` leases, not `expected`.
    pub(crate) fn max_leases_mismatch(stored: u64, expected: u32) -> Self {
        Self::new(Kind::MaxLeasesMismatch { stored, expected })
    }

    /// Data read from the server that the recipe cannot read.
    pub(crate) fn corrupt(what: impl Into<String>) -> Self {
        Self::new(Kind::Corrupt(what.into()))
    }

    /// A change that leaves the counter's range.
    pub(crate) fn overflow(what: impl Into<String>) -> Self {
        Self::new(Kind::Overflow(what.into()))
    }

    /// Bad input, refused before anything was sent.
    pub(crate) fn invalid_argument(what: impl Into<String>) -> Self {
        Self::new(Kind::InvalidArgument(what.into()))
    }

    /// Names the recipe's path, unless a path is named already.
    pub(crate) fn at(mut self, path: &str) -> Self {
        if self.inner.path.is_none() {
            self.inner.path = Some(path.to_owned());
        }
        self
    }

    /// The path of the recipe that failed (a lock's, a counter's node, ...).
    pub fn path(&self) -> Option<&str> {
        self.inner.path.as_deref()
    }

    /// The client's error, if the client failed.
    pub fn client_error(&self) -> Option<&zookit::Error> {
        self.inner.cause.as_ref()
    }

    /// Not done within the time allowed: a lock not acquired within its
    /// timeout, a blocking call past its bound.
    pub fn is_timeout(&self) -> bool {
        matches!(self.inner.kind, Kind::Timeout { .. })
    }

    /// Given up on `cancel()` (kazoo's `CancelledError`).
    pub fn is_cancelled(&self) -> bool {
        matches!(self.inner.kind, Kind::Cancelled)
    }

    /// The client is stopped, closed or was never started.
    pub fn is_closed(&self) -> bool {
        matches!(self.inner.kind, Kind::Closed) || self.client_error_is(zookit::Error::is_closed)
    }

    /// The connection was lost before the answer came: what was asked may
    /// or may not have been done.
    pub fn is_connection_loss(&self) -> bool {
        self.client_error_is(zookit::Error::is_connection_loss)
    }

    /// The session expired: its ephemeral nodes (locks, leases, members)
    /// are gone.
    pub fn is_session_expired(&self) -> bool {
        matches!(self.inner.kind, Kind::SessionExpired)
            || self.client_error_is(zookit::Error::is_session_expired)
    }

    /// The server refused the session's credentials.
    pub fn is_auth_failed(&self) -> bool {
        matches!(self.inner.kind, Kind::AuthFailed)
            || self.client_error_is(zookit::Error::is_auth_failed)
    }

    /// The leader latch is not started, or closed.
    pub fn is_not_running(&self) -> bool {
        matches!(self.inner.kind, Kind::NotRunning)
    }

    /// The semaphore's node stores another number of leases than the
    /// semaphore was given (kazoo's "Inconsistent max leases").
    pub fn is_max_leases_mismatch(&self) -> bool {
        matches!(self.inner.kind, Kind::MaxLeasesMismatch { .. })
    }

    /// Data read from the server that the recipe cannot read (a counter or
    /// a lease that does not parse): left as it is.
    pub fn is_corrupt(&self) -> bool {
        matches!(self.inner.kind, Kind::Corrupt(_))
    }

    /// A change that would leave the counter's range (or its format's):
    /// nothing was written.
    pub fn is_overflow(&self) -> bool {
        matches!(self.inner.kind, Kind::Overflow(_))
    }

    /// Bad input (a priority out of range, a name that cannot be a node's,
    /// no Tokio runtime, a request over the server's size limit): refused
    /// before anything was sent.
    pub fn is_invalid_argument(&self) -> bool {
        matches!(self.inner.kind, Kind::InvalidArgument(_))
            || self.client_error_is(zookit::Error::is_invalid_argument)
    }

    fn client_error_is(&self, predicate: impl Fn(&zookit::Error) -> bool) -> bool {
        self.inner.cause.as_ref().is_some_and(predicate)
    }
}

impl From<zookit::Error> for Error {
    fn from(err: zookit::Error) -> Self {
        Self { inner: Box::new(Inner { kind: Kind::Client, path: None, cause: Some(err) }) }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.inner.path {
            write!(f, "{path}: ")?;
        }
        match &self.inner.kind {
            Kind::Client => match &self.inner.cause {
                Some(cause) => fmt::Display::fmt(cause, f),
                None => f.write_str("the client failed"),
            },
            Kind::Closed => f.write_str("the client is closed"),
            Kind::SessionExpired => f.write_str("the session expired"),
            Kind::AuthFailed => f.write_str("the server refused the session's credentials"),
            Kind::Timeout { what, after } => write!(f, "{what} within {after:?}"),
            Kind::Cancelled => f.write_str("cancelled"),
            Kind::NotRunning => {
                f.write_str("the leader latch is not running (not started, or closed)")
            }
            Kind::MaxLeasesMismatch { stored, expected } => write!(
                f,
                "inconsistent max leases: the node stores {stored}, this semaphore has {expected}"
            ),
            Kind::Corrupt(what) => write!(f, "unreadable data: {what}"),
            Kind::Overflow(what) | Kind::InvalidArgument(what) => f.write_str(what),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Error");
        debug.field("kind", &self.inner.kind);
        if let Some(path) = &self.inner.path {
            debug.field("path", path);
        }
        if let Some(cause) = &self.inner.cause {
            debug.field("cause", cause);
        }
        debug.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.cause.as_ref().map(|cause| cause as _)
    }
}

/// Names the recipe's path in a result's error.
pub(crate) trait At<T> {
    /// The result, its error naming `path` (unless it names one already).
    fn at(self, path: &str) -> Result<T>;
}

impl<T, E: Into<Error>> At<T> for std::result::Result<T, E> {
    fn at(self, path: &str) -> Result<T> {
        self.map_err(|err| err.into().at(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_path() {
        let err = Error::timeout("could not acquire", Duration::from_millis(500)).at("/lock");
        assert_eq!(err.to_string(), "/lock: could not acquire within 500ms");
        assert!(err.is_timeout() && !err.is_cancelled());
        assert_eq!(err.at("/other").path(), Some("/lock"), "the first path stays");

        let own = Error::from_client_state(ClientState::Expired).expect("an error");
        assert!(own.is_session_expired() && own.client_error().is_none());
        assert!(Error::from_client_state(ClientState::Connecting).is_none());
        assert!(Error::session_ended(KeeperState::Closed).is_closed());
        assert!(Error::corrupt("x").is_corrupt() && !Error::corrupt("x").is_invalid_argument());
    }

    #[tokio::test]
    async fn the_clients_error_is_the_cause() {
        let never_started = zookit::Client::builder("127.0.0.1:2181").build().unwrap();
        let cause = never_started.get("/counter").await.unwrap_err();
        let message = cause.to_string();
        let err = Error::from(cause).at("/counter");
        assert!(err.is_closed() && !err.is_session_expired());
        assert!(err.client_error().is_some_and(zookit::Error::is_closed));
        let source = std::error::Error::source(&err).expect("a source");
        assert_eq!(source.to_string(), message);
        assert_eq!(err.to_string(), format!("/counter: {message}"));
    }

    #[test]
    fn errors_stay_small() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }
}
