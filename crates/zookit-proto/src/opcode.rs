//! Operation codes: what a request asks the server to do.

use crate::jute::int_enum;

int_enum! {
    /// The operation of a request, carried in its [`RequestHeader`](crate::RequestHeader).
    pub enum OpCode ("opcode") {
        /// A watch notification (replies only).
        Notification = 0,
        /// Create a znode.
        Create = 1,
        /// Delete a znode.
        Delete = 2,
        /// Stat a znode, optionally watching for its creation, change or deletion.
        Exists = 3,
        /// Read a znode's data and stat.
        GetData = 4,
        /// Write a znode's data.
        SetData = 5,
        /// Read a znode's ACL.
        GetAcl = 6,
        /// Write a znode's ACL.
        SetAcl = 7,
        /// List a znode's children.
        GetChildren = 8,
        /// Make the server catch up with the leader.
        Sync = 9,
        /// Keep the session alive.
        Ping = 11,
        /// List a znode's children, with its stat.
        GetChildren2 = 12,
        /// Check a znode's version (within a multi).
        Check = 13,
        /// A transaction: write operations applied atomically.
        Multi = 14,
        /// Create a znode and return its stat.
        Create2 = 15,
        /// Change the ensemble's membership.
        Reconfig = 16,
        /// Ask whether a watch is set.
        CheckWatches = 17,
        /// Remove watches.
        RemoveWatches = 18,
        /// Create a container znode.
        CreateContainer = 19,
        /// Delete an empty container znode (server-internal).
        DeleteContainer = 20,
        /// Create a znode with a time to live.
        CreateTtl = 21,
        /// Several reads in one request.
        MultiRead = 22,
        /// Add authentication data to the session.
        Auth = 100,
        /// Re-arm watches after a reconnect.
        SetWatches = 101,
        /// A SASL authentication step.
        Sasl = 102,
        /// List the session's ephemeral znodes.
        GetEphemerals = 103,
        /// Count all descendants of a znode.
        GetAllChildrenNumber = 104,
        /// Re-arm watches, persistent ones included, after a reconnect.
        SetWatches2 = 105,
        /// Add a persistent or persistent recursive watch.
        AddWatch = 106,
        /// Ask which identities the session is authenticated as.
        WhoAmI = 107,
        /// Session creation (server-internal).
        CreateSession = -10,
        /// Close the session.
        CloseSession = -11,
        /// An error result within a multi response.
        Error = -1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_zookeeper() {
        assert_eq!(OpCode::GetData.code(), 4);
        assert_eq!(OpCode::WhoAmI.code(), 107);
        assert_eq!(OpCode::CloseSession.code(), -11);
        assert_eq!(OpCode::from_code(106), Some(OpCode::AddWatch));
        assert_eq!(OpCode::from_code(10), None);
    }
}
