//! Response bodies, and [`Response`], which decodes the body for an opcode.

use crate::redacted::Redacted;
use std::fmt;

use bytes::{BufMut, Bytes};

use crate::jute::jute_record;
use crate::{Acl, ClientInfo, Decode, DecodeError, Encode, ErrorCode, MultiResponse, OpCode, Stat};

jute_record! {
    /// The answer to `create`: the znode's actual path (with the sequence
    /// number, for sequential modes).
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct CreateResponse {
        /// The created znode.
        pub path: String,
    }
}

jute_record! {
    /// The answer to `create2`, `createContainer` and `createTTL`.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct Create2Response {
        /// The created znode.
        pub path: String,
        /// Its stat.
        pub stat: Stat,
    }
}

jute_record! {
    /// The answer to `exists` for a znode that exists (a missing znode is
    /// the error `NoNode` with no body).
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct ExistsResponse {
        /// The znode's stat.
        pub stat: Stat,
    }
}

jute_record! {
    /// The answer to `getData`, `getConfig` and `reconfig`.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct GetDataResponse {
        /// The data.
        pub data: Bytes,
        /// The znode's stat.
        pub stat: Stat,
    }
}

jute_record! {
    /// The answer to `setData`.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct SetDataResponse {
        /// The znode's new stat.
        pub stat: Stat,
    }
}

jute_record! {
    /// The answer to `getACL`.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct GetAclResponse {
        /// The ACL.
        pub acl: Vec<Acl>,
        /// The znode's stat.
        pub stat: Stat,
    }
}

jute_record! {
    /// The answer to `setACL`.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct SetAclResponse {
        /// The znode's new stat.
        pub stat: Stat,
    }
}

jute_record! {
    /// The answer to `getChildren`.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct GetChildrenResponse {
        /// The children's names, in no particular order.
        pub children: Vec<String>,
    }
}

jute_record! {
    /// The answer to `getChildren2`.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct GetChildren2Response {
        /// The children's names, in no particular order.
        pub children: Vec<String>,
        /// The parent's stat.
        pub stat: Stat,
    }
}

jute_record! {
    /// The answer to `getAllChildrenNumber`.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct GetAllChildrenNumberResponse {
        /// The number of descendants.
        pub total_number: i32,
    }
}

jute_record! {
    /// The answer to `getEphemerals`.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct GetEphemeralsResponse {
        /// The session's ephemeral znodes under the prefix (full paths).
        pub ephemerals: Vec<String>,
    }
}

jute_record! {
    /// The answer to `sync`.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct SyncResponse {
        /// The path the request named.
        pub path: String,
    }
}

jute_record! {
    /// An error code as a body: a failed op's result in a multi, and the
    /// answer to `addWatch`.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct ErrorResponse {
        /// The code.
        pub err: ErrorCode,
    }
}

jute_record! {
    /// The answer to `sasl`: the server's next SASL token.
    #[derive(Clone, Default, PartialEq, Eq)]
    pub struct SetSaslResponse {
        /// The server's token (a secret).
        pub token: Bytes,
    }
}

/// The token is a secret: `Debug` shows only its length.
impl fmt::Debug for SetSaslResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetSaslResponse").field("token", &Redacted(self.token.len())).finish()
    }
}

jute_record! {
    /// The answer to `whoAmI`.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct WhoAmIResponse {
        /// Every identity the session is authenticated as.
        pub client_info: Vec<ClientInfo>,
    }
}

/// A successful reply's body, decoded for the opcode of the request it
/// answers.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Response {
    /// No body: `delete`, `check`, `setWatches`, `removeWatches`,
    /// `checkWatches`, `auth`, `ping`, `closeSession`, `deleteContainer`.
    Empty,
    /// `create`.
    Create(CreateResponse),
    /// `create2`, `createContainer`, `createTTL`.
    Create2(Create2Response),
    /// `exists`.
    Exists(ExistsResponse),
    /// `getData`, `getConfig`, `reconfig`.
    GetData(GetDataResponse),
    /// `setData`.
    SetData(SetDataResponse),
    /// `getACL`.
    GetAcl(GetAclResponse),
    /// `setACL`.
    SetAcl(SetAclResponse),
    /// `getChildren`.
    GetChildren(GetChildrenResponse),
    /// `getChildren2`.
    GetChildren2(GetChildren2Response),
    /// `getAllChildrenNumber`.
    GetAllChildrenNumber(GetAllChildrenNumberResponse),
    /// `getEphemerals`.
    GetEphemerals(GetEphemeralsResponse),
    /// `sync`.
    Sync(SyncResponse),
    /// `multi`, `multiRead`.
    Multi(MultiResponse),
    /// `addWatch`.
    AddWatch(ErrorResponse),
    /// `sasl`.
    Sasl(SetSaslResponse),
    /// `whoAmI`.
    WhoAmI(WhoAmIResponse),
}

/// Runs `$body` with `$r` bound to the record a [`Response`] holds, or
/// evaluates `$empty` for [`Response::Empty`].
macro_rules! with_record {
    ($response:expr, |$r:ident| $body:expr, $empty:expr) => {
        match $response {
            Response::Empty => $empty,
            Response::Create($r) => $body,
            Response::Create2($r) => $body,
            Response::Exists($r) => $body,
            Response::GetData($r) => $body,
            Response::SetData($r) => $body,
            Response::GetAcl($r) => $body,
            Response::SetAcl($r) => $body,
            Response::GetChildren($r) => $body,
            Response::GetChildren2($r) => $body,
            Response::GetAllChildrenNumber($r) => $body,
            Response::GetEphemerals($r) => $body,
            Response::Sync($r) => $body,
            Response::Multi($r) => $body,
            Response::AddWatch($r) => $body,
            Response::Sasl($r) => $body,
            Response::WhoAmI($r) => $body,
        }
    };
}

impl Response {
    /// Decodes the body of a successful reply to a request with `op_code`.
    ///
    /// Only replies whose header says [`ErrorCode::Ok`] carry a body
    /// (`multi` and `multiRead` report per-op errors inside theirs).
    pub fn decode(op_code: OpCode, buf: &mut Bytes) -> Result<Self, DecodeError> {
        Ok(match op_code {
            OpCode::Create => Self::Create(Decode::decode(buf)?),
            OpCode::Create2 | OpCode::CreateContainer | OpCode::CreateTtl => {
                Self::Create2(Decode::decode(buf)?)
            }
            OpCode::Exists => Self::Exists(Decode::decode(buf)?),
            OpCode::GetData | OpCode::Reconfig => Self::GetData(Decode::decode(buf)?),
            OpCode::SetData => Self::SetData(Decode::decode(buf)?),
            OpCode::GetAcl => Self::GetAcl(Decode::decode(buf)?),
            OpCode::SetAcl => Self::SetAcl(Decode::decode(buf)?),
            OpCode::GetChildren => Self::GetChildren(Decode::decode(buf)?),
            OpCode::GetChildren2 => Self::GetChildren2(Decode::decode(buf)?),
            OpCode::GetAllChildrenNumber => Self::GetAllChildrenNumber(Decode::decode(buf)?),
            OpCode::GetEphemerals => Self::GetEphemerals(Decode::decode(buf)?),
            OpCode::Sync => Self::Sync(Decode::decode(buf)?),
            OpCode::Multi | OpCode::MultiRead => Self::Multi(Decode::decode(buf)?),
            OpCode::AddWatch => Self::AddWatch(Decode::decode(buf)?),
            OpCode::Sasl => Self::Sasl(Decode::decode(buf)?),
            OpCode::WhoAmI => Self::WhoAmI(Decode::decode(buf)?),
            OpCode::Delete
            | OpCode::DeleteContainer
            | OpCode::Check
            | OpCode::SetWatches
            | OpCode::SetWatches2
            | OpCode::RemoveWatches
            | OpCode::CheckWatches
            | OpCode::Auth
            | OpCode::Ping
            | OpCode::CloseSession => Self::Empty,
            OpCode::Notification | OpCode::CreateSession | OpCode::Error => {
                return Err(DecodeError::UnknownValue {
                    kind: "response opcode",
                    value: op_code.code(),
                });
            }
        })
    }
}

/// Encodes the body only; the header is a [`ReplyHeader`](crate::ReplyHeader).
impl Encode for Response {
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        with_record!(self, |r| r.encode(buf), ())
    }

    fn encoded_len(&self) -> usize {
        with_record!(self, |r| r.encoded_len(), 0)
    }
}
