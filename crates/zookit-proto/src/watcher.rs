//! Watch notifications and the kinds of watches.

use crate::jute::{int_enum, jute_record};

int_enum! {
    /// What happened to a watched znode.
    pub enum EventType ("event type") {
        /// No znode event: a change of the session's state.
        None = -1,
        /// The znode was created.
        NodeCreated = 1,
        /// The znode was deleted.
        NodeDeleted = 2,
        /// The znode's data changed.
        NodeDataChanged = 3,
        /// The znode's children changed.
        NodeChildrenChanged = 4,
        /// A data watch was removed.
        DataWatchRemoved = 5,
        /// A child watch was removed.
        ChildWatchRemoved = 6,
        /// A persistent watch was removed.
        PersistentWatchRemoved = 7,
    }
}

int_enum! {
    /// The state of the session a watch notification reports.
    pub enum KeeperState ("keeper state") {
        /// Unused since 3.1.
        Unknown = -1,
        /// Not connected to a server.
        Disconnected = 0,
        /// Unused since 3.1.
        NoSyncConnected = 1,
        /// Connected to a read-write server.
        SyncConnected = 3,
        /// Authentication failed.
        AuthFailed = 4,
        /// Connected to a read-only server.
        ConnectedReadOnly = 5,
        /// SASL authentication succeeded.
        SaslAuthenticated = 6,
        /// The session expired.
        Expired = -112,
        /// The client closed the session (client-side only).
        Closed = 7,
    }
}

int_enum! {
    /// The kind of watch to remove or check (`removeWatches`, `checkWatches`).
    #[derive(Default)]
    pub enum WatcherType ("watcher type") {
        /// Child watches.
        Children = 1,
        /// Data and exists watches.
        Data = 2,
        /// Every kind.
        #[default]
        Any = 3,
        /// Persistent watches (3.9+).
        Persistent = 4,
        /// Persistent recursive watches (3.9+).
        PersistentRecursive = 5,
    }
}

int_enum! {
    /// The kind of watch `addWatch` sets (3.6+).
    #[derive(Default)]
    pub enum AddWatchMode ("add watch mode") {
        /// Fires on every change of the znode's data and children, and stays.
        #[default]
        Persistent = 0,
        /// Fires on every change of the znode and all its descendants, and stays.
        PersistentRecursive = 1,
    }
}

jute_record! {
    /// A watch notification, sent by the server with the xid [`WATCH_XID`](crate::WATCH_XID).
    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    pub struct WatcherEvent {
        /// What happened.
        pub event_type: EventType,
        /// The session state when it happened.
        pub state: KeeperState,
        /// The znode it happened to (server-side path, chroot included).
        pub path: String,
    }
}
