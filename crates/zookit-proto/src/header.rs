//! Request and reply headers, and the reserved xids.

use crate::jute::jute_record;
use crate::{ErrorCode, OpCode};

/// The xid of watch notifications.
pub const WATCH_XID: i32 = -1;
/// The xid of pings and their replies.
pub const PING_XID: i32 = -2;
/// The xid of `auth` requests and their replies.
pub const AUTH_XID: i32 = -4;
/// The xid of `setWatches`/`setWatches2` requests and their replies.
pub const SET_WATCHES_XID: i32 = -8;

jute_record! {
    /// Precedes every request body (but not the connect request).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct RequestHeader {
        /// The request's id; the reply carries the same xid. Clients number
        /// requests from 1 and use the reserved negative xids for pings, auth
        /// and setWatches.
        pub xid: i32,
        /// What the request asks for.
        pub op_code: OpCode,
    }
}

jute_record! {
    /// Precedes every reply body (but not the connect response).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct ReplyHeader {
        /// The xid of the request answered, or a reserved xid.
        pub xid: i32,
        /// The last zxid the server had applied when it replied (-1 for
        /// notifications).
        pub zxid: i64,
        /// The outcome; a body follows only on success (and for multi).
        pub err: ErrorCode,
    }
}
