//! How a znode is created: persistent or ephemeral, sequential, container, TTL.

use crate::jute::int_enum;

int_enum! {
    /// The kind of znode a create makes, carried as the request's `flags`.
    #[derive(Default)]
    pub enum CreateMode ("create mode") {
        /// Outlives the session that created it.
        #[default]
        Persistent = 0,
        /// Deleted when the session that created it ends.
        Ephemeral = 1,
        /// Persistent, with a monotonically increasing counter appended to its name.
        PersistentSequential = 2,
        /// Ephemeral, with a monotonically increasing counter appended to its name.
        EphemeralSequential = 3,
        /// Deleted by the server once it has had children and has none left (3.5+).
        Container = 4,
        /// Persistent, deleted by the server when unmodified for its TTL and
        /// childless (3.5.3+, needs `zookeeper.extendedTypesEnabled`).
        PersistentWithTtl = 5,
        /// Like `PersistentWithTtl`, and sequential.
        PersistentSequentialWithTtl = 6,
    }
}

impl CreateMode {
    /// Whether the znode ends with the session.
    pub const fn is_ephemeral(self) -> bool {
        matches!(self, Self::Ephemeral | Self::EphemeralSequential)
    }

    /// Whether the server appends a sequence number to the name.
    pub const fn is_sequential(self) -> bool {
        matches!(
            self,
            Self::PersistentSequential
                | Self::EphemeralSequential
                | Self::PersistentSequentialWithTtl
        )
    }

    /// Whether the znode is a container.
    pub const fn is_container(self) -> bool {
        matches!(self, Self::Container)
    }

    /// Whether the znode has a time to live (and needs the `createTTL` opcode).
    pub const fn is_ttl(self) -> bool {
        matches!(self, Self::PersistentWithTtl | Self::PersistentSequentialWithTtl)
    }
}
