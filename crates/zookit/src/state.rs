//! The session's states: the simple model of kazoo and Curator, and the raw
//! client state.

use std::fmt;

/// The simple connection state, as kazoo's `KazooState` and Curator's
/// `ConnectionState` model it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[doc(alias("KazooState", "ConnectionState"))]
pub enum State {
    /// Connected to a server; the session is alive.
    Connected,
    /// The connection dropped; the session may still be alive and the client
    /// is reconnecting. Ephemeral nodes and watches are kept if it succeeds
    /// within the session timeout.
    Suspended,
    /// The session is gone or given up: it expired, the client was stopped,
    /// or the client has been disconnected for longer than the session
    /// timeout (then it keeps trying, and reports `Connected` again if the
    /// session turns out to be alive).
    Lost,
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connected => "CONNECTED",
            Self::Suspended => "SUSPENDED",
            Self::Lost => "LOST",
        })
    }
}

/// The client's raw state, as ZooKeeper's own clients report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientState {
    /// Connecting or reconnecting to a server.
    Connecting,
    /// Connected to a read-write server.
    Connected,
    /// Connected to a read-only server (reads only; writes fail with
    /// `NotReadOnly`). The client keeps looking for a read-write server.
    ConnectedReadOnly,
    /// Stopped or closed by the application (also before the first start).
    Closed,
    /// The server expired the session.
    Expired,
    /// The server refused the session's credentials.
    AuthFailed,
}

impl ClientState {
    /// Whether the client is connected to a server, read-write or read-only.
    pub fn is_connected(self) -> bool {
        matches!(self, Self::Connected | Self::ConnectedReadOnly)
    }
}

impl fmt::Display for ClientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connecting => "CONNECTING",
            Self::Connected => "CONNECTED",
            Self::ConnectedReadOnly => "CONNECTED_READ_ONLY",
            Self::Closed => "CLOSED",
            Self::Expired => "EXPIRED_SESSION",
            Self::AuthFailed => "AUTH_FAILED",
        })
    }
}
