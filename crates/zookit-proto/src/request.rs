//! Request bodies, and [`Request`], which pairs each with its opcode.

use crate::redacted::Redacted;
use std::fmt;

use bytes::{BufMut, Bytes};

use crate::jute::jute_record;
use crate::{
    Acl, AddWatchMode, CONFIG_NODE, CreateMode, Decode, DecodeError, Encode, MultiRequest, OpCode,
    WatcherType,
};

jute_record! {
    /// `create`, `create2` and `createContainer`: make a znode.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct CreateRequest {
        /// Where (for sequential modes, the prefix of the name).
        pub path: String,
        /// The initial data.
        pub data: Bytes,
        /// The ACL; must not be empty.
        pub acl: Vec<Acl>,
        /// The kind of znode (the `flags` field on the wire).
        pub mode: CreateMode,
    }
}

jute_record! {
    /// `createTTL`: make a znode with a time to live.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct CreateTtlRequest {
        /// Where (for sequential modes, the prefix of the name).
        pub path: String,
        /// The initial data.
        pub data: Bytes,
        /// The ACL; must not be empty.
        pub acl: Vec<Acl>,
        /// One of the TTL modes.
        pub mode: CreateMode,
        /// The time to live, in milliseconds.
        pub ttl: i64,
    }
}

jute_record! {
    /// `delete`: remove a childless znode.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct DeleteRequest {
        /// The znode.
        pub path: String,
        /// The expected version, or -1 for any.
        pub version: i32,
    }
}

/// `deleteContainer`: the server's own request to reap an empty container.
///
/// Unlike every other body, the path travels as raw UTF-8 bytes filling the
/// rest of the frame, without a length prefix, as the Java server builds it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeleteContainerRequest {
    /// The container.
    pub path: String,
}

impl Encode for DeleteContainerRequest {
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        buf.put_slice(self.path.as_bytes());
    }
    fn encoded_len(&self) -> usize {
        self.path.len()
    }
}

impl Decode for DeleteContainerRequest {
    const MIN_LEN: usize = 0;
    fn decode(buf: &mut Bytes) -> Result<Self, DecodeError> {
        let bytes = buf.split_off(0);
        let path = String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::InvalidUtf8)?;
        Ok(Self { path })
    }
}

jute_record! {
    /// `exists`: stat a znode.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct ExistsRequest {
        /// The znode.
        pub path: String,
        /// Whether to leave a watch for its creation, change or deletion.
        pub watch: bool,
    }
}

jute_record! {
    /// `getData`: read a znode's data and stat.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct GetDataRequest {
        /// The znode.
        pub path: String,
        /// Whether to leave a watch for its change or deletion.
        pub watch: bool,
    }
}

jute_record! {
    /// `setData`: write a znode's data.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct SetDataRequest {
        /// The znode.
        pub path: String,
        /// The new data.
        pub data: Bytes,
        /// The expected version, or -1 for any.
        pub version: i32,
    }
}

jute_record! {
    /// `getACL`: read a znode's ACL.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct GetAclRequest {
        /// The znode.
        pub path: String,
    }
}

jute_record! {
    /// `setACL`: replace a znode's ACL.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct SetAclRequest {
        /// The znode.
        pub path: String,
        /// The new ACL.
        pub acl: Vec<Acl>,
        /// The expected ACL version (`aversion`), or -1 for any.
        pub version: i32,
    }
}

jute_record! {
    /// `getChildren` and `getChildren2`: list a znode's children.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct GetChildrenRequest {
        /// The znode.
        pub path: String,
        /// Whether to leave a watch for a change of its children or its deletion.
        pub watch: bool,
    }
}

jute_record! {
    /// `getAllChildrenNumber`: count a znode's descendants.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct GetAllChildrenNumberRequest {
        /// The znode.
        pub path: String,
    }
}

jute_record! {
    /// `getEphemerals`: list the session's ephemeral znodes under a prefix.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct GetEphemeralsRequest {
        /// A path prefix (not necessarily a whole znode name); `/` for all.
        pub prefix_path: String,
    }
}

jute_record! {
    /// `sync`: make the connected server catch up with the leader.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct SyncRequest {
        /// The znode (any path; the server echoes it).
        pub path: String,
    }
}

jute_record! {
    /// `check`: assert a znode's version (a multi operation).
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct CheckVersionRequest {
        /// The znode.
        pub path: String,
        /// The expected version, or -1 for any (the znode must exist).
        pub version: i32,
    }
}

jute_record! {
    /// `reconfig`: change the ensemble's membership, either incrementally
    /// (joining and leaving servers) or in bulk (new members); the fields of
    /// the other mode must be `None` (null on the wire). The answer is a
    /// [`GetDataResponse`](crate::GetDataResponse) holding the new configuration.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct ReconfigRequest {
        /// Comma-separated server specs to add (incremental mode).
        pub joining_servers: Option<String>,
        /// Comma-separated server ids to remove (incremental mode).
        pub leaving_servers: Option<String>,
        /// The whole new membership (bulk mode; `None` in incremental mode).
        pub new_members: Option<String>,
        /// The expected current config version, or -1 for any.
        pub cur_config_id: i64,
    }
}

jute_record! {
    /// `addWatch`: set a persistent or persistent recursive watch.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct AddWatchRequest {
        /// The znode (need not exist).
        pub path: String,
        /// Which kind of watch.
        pub mode: AddWatchMode,
    }
}

jute_record! {
    /// `removeWatches` and `checkWatches`: remove, or ask about, the
    /// session's watches of a kind on a znode.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct RemoveWatchesRequest {
        /// The znode.
        pub path: String,
        /// Which kind of watch.
        pub watcher_type: WatcherType,
    }
}

jute_record! {
    /// `setWatches`: re-arm watches after reconnecting to a server. The
    /// server fires at once those whose znode changed after `relative_zxid`.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct SetWatches {
        /// The last zxid the client saw.
        pub relative_zxid: i64,
        /// Paths with data watches (from `getData`).
        pub data_watches: Vec<String>,
        /// Paths with exists watches (from `exists`).
        pub exist_watches: Vec<String>,
        /// Paths with child watches (from `getChildren`).
        pub child_watches: Vec<String>,
    }
}

jute_record! {
    /// `setWatches2` (3.6+): [`SetWatches`] plus persistent watches.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct SetWatches2 {
        /// The last zxid the client saw.
        pub relative_zxid: i64,
        /// Paths with data watches (from `getData`).
        pub data_watches: Vec<String>,
        /// Paths with exists watches (from `exists`).
        pub exist_watches: Vec<String>,
        /// Paths with child watches (from `getChildren`).
        pub child_watches: Vec<String>,
        /// Paths with persistent watches.
        pub persistent_watches: Vec<String>,
        /// Paths with persistent recursive watches.
        pub persistent_recursive_watches: Vec<String>,
    }
}

jute_record! {
    /// `auth`: add credentials to the session, such as `digest` `user:password`.
    #[derive(Clone, Default, PartialEq, Eq)]
    pub struct AuthPacket {
        /// Always 0.
        pub auth_type: i32,
        /// The scheme, for example `digest`.
        pub scheme: String,
        /// The credentials (a secret).
        pub auth: Bytes,
    }
}

/// The credentials are a secret: `Debug` shows only their length.
impl fmt::Debug for AuthPacket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthPacket")
            .field("auth_type", &self.auth_type)
            .field("scheme", &self.scheme)
            .field("auth", &Redacted(self.auth.len()))
            .finish()
    }
}

jute_record! {
    /// `sasl`: one client step of a SASL exchange.
    #[derive(Clone, Default, PartialEq, Eq)]
    pub struct GetSaslRequest {
        /// The client's token (a secret).
        pub token: Bytes,
    }
}

/// The token is a secret: `Debug` shows only its length.
impl fmt::Debug for GetSaslRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetSaslRequest").field("token", &Redacted(self.token.len())).finish()
    }
}

/// A request body together with the operation it is for.
///
/// Several opcodes share a body record (`create`, `create2` and
/// `createContainer` all carry a [`CreateRequest`]); the variant says which
/// opcode goes in the [`RequestHeader`](crate::RequestHeader).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Request {
    /// `create`.
    Create(CreateRequest),
    /// `create2`: create and return the stat.
    Create2(CreateRequest),
    /// `createContainer`.
    CreateContainer(CreateRequest),
    /// `createTTL`.
    CreateTtl(CreateTtlRequest),
    /// `delete`.
    Delete(DeleteRequest),
    /// `deleteContainer` (server-internal).
    DeleteContainer(DeleteContainerRequest),
    /// `exists`.
    Exists(ExistsRequest),
    /// `getData` (also `getConfig`, see [`Request::get_config`]).
    GetData(GetDataRequest),
    /// `setData`.
    SetData(SetDataRequest),
    /// `getACL`.
    GetAcl(GetAclRequest),
    /// `setACL`.
    SetAcl(SetAclRequest),
    /// `getChildren`.
    GetChildren(GetChildrenRequest),
    /// `getChildren2`: children and the parent's stat.
    GetChildren2(GetChildrenRequest),
    /// `getAllChildrenNumber`.
    GetAllChildrenNumber(GetAllChildrenNumberRequest),
    /// `getEphemerals`.
    GetEphemerals(GetEphemeralsRequest),
    /// `sync`.
    Sync(SyncRequest),
    /// `check` (valid only inside a multi).
    Check(CheckVersionRequest),
    /// `multi`: a transaction.
    Multi(MultiRequest),
    /// `multiRead`: several reads.
    MultiRead(MultiRequest),
    /// `reconfig`.
    Reconfig(ReconfigRequest),
    /// `addWatch`.
    AddWatch(AddWatchRequest),
    /// `removeWatches`.
    RemoveWatches(RemoveWatchesRequest),
    /// `checkWatches`.
    CheckWatches(RemoveWatchesRequest),
    /// `setWatches`.
    SetWatches(SetWatches),
    /// `setWatches2`.
    SetWatches2(SetWatches2),
    /// `auth`.
    Auth(AuthPacket),
    /// `sasl`.
    Sasl(GetSaslRequest),
    /// `whoAmI` (no body).
    WhoAmI,
    /// `ping` (no body).
    Ping,
    /// `closeSession` (no body).
    CloseSession,
}

impl Request {
    /// `getConfig`: a `getData` of [`CONFIG_NODE`].
    pub fn get_config(watch: bool) -> Self {
        Self::GetData(GetDataRequest { path: CONFIG_NODE.to_owned(), watch })
    }

    /// The opcode that goes in the request's header.
    pub fn op_code(&self) -> OpCode {
        match self {
            Self::Create(_) => OpCode::Create,
            Self::Create2(_) => OpCode::Create2,
            Self::CreateContainer(_) => OpCode::CreateContainer,
            Self::CreateTtl(_) => OpCode::CreateTtl,
            Self::Delete(_) => OpCode::Delete,
            Self::DeleteContainer(_) => OpCode::DeleteContainer,
            Self::Exists(_) => OpCode::Exists,
            Self::GetData(_) => OpCode::GetData,
            Self::SetData(_) => OpCode::SetData,
            Self::GetAcl(_) => OpCode::GetAcl,
            Self::SetAcl(_) => OpCode::SetAcl,
            Self::GetChildren(_) => OpCode::GetChildren,
            Self::GetChildren2(_) => OpCode::GetChildren2,
            Self::GetAllChildrenNumber(_) => OpCode::GetAllChildrenNumber,
            Self::GetEphemerals(_) => OpCode::GetEphemerals,
            Self::Sync(_) => OpCode::Sync,
            Self::Check(_) => OpCode::Check,
            Self::Multi(_) => OpCode::Multi,
            Self::MultiRead(_) => OpCode::MultiRead,
            Self::Reconfig(_) => OpCode::Reconfig,
            Self::AddWatch(_) => OpCode::AddWatch,
            Self::RemoveWatches(_) => OpCode::RemoveWatches,
            Self::CheckWatches(_) => OpCode::CheckWatches,
            Self::SetWatches(_) => OpCode::SetWatches,
            Self::SetWatches2(_) => OpCode::SetWatches2,
            Self::Auth(_) => OpCode::Auth,
            Self::Sasl(_) => OpCode::Sasl,
            Self::WhoAmI => OpCode::WhoAmI,
            Self::Ping => OpCode::Ping,
            Self::CloseSession => OpCode::CloseSession,
        }
    }

    /// The znode path the request is about, if it has one.
    pub fn path(&self) -> Option<&str> {
        match self {
            Self::Create(r) | Self::Create2(r) | Self::CreateContainer(r) => Some(&r.path),
            Self::CreateTtl(r) => Some(&r.path),
            Self::Delete(r) => Some(&r.path),
            Self::DeleteContainer(r) => Some(&r.path),
            Self::Exists(r) => Some(&r.path),
            Self::GetData(r) => Some(&r.path),
            Self::SetData(r) => Some(&r.path),
            Self::GetAcl(r) => Some(&r.path),
            Self::SetAcl(r) => Some(&r.path),
            Self::GetChildren(r) | Self::GetChildren2(r) => Some(&r.path),
            Self::GetAllChildrenNumber(r) => Some(&r.path),
            Self::GetEphemerals(r) => Some(&r.prefix_path),
            Self::Sync(r) => Some(&r.path),
            Self::Check(r) => Some(&r.path),
            Self::AddWatch(r) => Some(&r.path),
            Self::RemoveWatches(r) | Self::CheckWatches(r) => Some(&r.path),
            Self::Multi(_)
            | Self::MultiRead(_)
            | Self::Reconfig(_)
            | Self::SetWatches(_)
            | Self::SetWatches2(_)
            | Self::Auth(_)
            | Self::Sasl(_)
            | Self::WhoAmI
            | Self::Ping
            | Self::CloseSession => None,
        }
    }

    /// Decodes the body of a request whose header carried `op_code`.
    ///
    /// `notification`, `createSession` and `error` are not requests a client
    /// sends and decode as [`DecodeError::UnknownValue`].
    pub fn decode(op_code: OpCode, buf: &mut Bytes) -> Result<Self, DecodeError> {
        Ok(match op_code {
            OpCode::Create => Self::Create(Decode::decode(buf)?),
            OpCode::Create2 => Self::Create2(Decode::decode(buf)?),
            OpCode::CreateContainer => Self::CreateContainer(Decode::decode(buf)?),
            OpCode::CreateTtl => Self::CreateTtl(Decode::decode(buf)?),
            OpCode::Delete => Self::Delete(Decode::decode(buf)?),
            OpCode::DeleteContainer => Self::DeleteContainer(Decode::decode(buf)?),
            OpCode::Exists => Self::Exists(Decode::decode(buf)?),
            OpCode::GetData => Self::GetData(Decode::decode(buf)?),
            OpCode::SetData => Self::SetData(Decode::decode(buf)?),
            OpCode::GetAcl => Self::GetAcl(Decode::decode(buf)?),
            OpCode::SetAcl => Self::SetAcl(Decode::decode(buf)?),
            OpCode::GetChildren => Self::GetChildren(Decode::decode(buf)?),
            OpCode::GetChildren2 => Self::GetChildren2(Decode::decode(buf)?),
            OpCode::GetAllChildrenNumber => Self::GetAllChildrenNumber(Decode::decode(buf)?),
            OpCode::GetEphemerals => Self::GetEphemerals(Decode::decode(buf)?),
            OpCode::Sync => Self::Sync(Decode::decode(buf)?),
            OpCode::Check => Self::Check(Decode::decode(buf)?),
            OpCode::Multi => Self::Multi(Decode::decode(buf)?),
            OpCode::MultiRead => Self::MultiRead(Decode::decode(buf)?),
            OpCode::Reconfig => Self::Reconfig(Decode::decode(buf)?),
            OpCode::AddWatch => Self::AddWatch(Decode::decode(buf)?),
            OpCode::RemoveWatches => Self::RemoveWatches(Decode::decode(buf)?),
            OpCode::CheckWatches => Self::CheckWatches(Decode::decode(buf)?),
            OpCode::SetWatches => Self::SetWatches(Decode::decode(buf)?),
            OpCode::SetWatches2 => Self::SetWatches2(Decode::decode(buf)?),
            OpCode::Auth => Self::Auth(Decode::decode(buf)?),
            OpCode::Sasl => Self::Sasl(Decode::decode(buf)?),
            OpCode::WhoAmI => Self::WhoAmI,
            OpCode::Ping => Self::Ping,
            OpCode::CloseSession => Self::CloseSession,
            OpCode::Notification | OpCode::CreateSession | OpCode::Error => {
                return Err(DecodeError::UnknownValue {
                    kind: "request opcode",
                    value: op_code.code(),
                });
            }
        })
    }
}

/// Runs `$body` with `$r` bound to the record a [`Request`] holds, or
/// evaluates `$empty` for the requests without a body.
macro_rules! with_record {
    ($request:expr, |$r:ident| $body:expr, $empty:expr) => {
        match $request {
            Request::Create($r) | Request::Create2($r) | Request::CreateContainer($r) => $body,
            Request::CreateTtl($r) => $body,
            Request::Delete($r) => $body,
            Request::DeleteContainer($r) => $body,
            Request::Exists($r) => $body,
            Request::GetData($r) => $body,
            Request::SetData($r) => $body,
            Request::GetAcl($r) => $body,
            Request::SetAcl($r) => $body,
            Request::GetChildren($r) | Request::GetChildren2($r) => $body,
            Request::GetAllChildrenNumber($r) => $body,
            Request::GetEphemerals($r) => $body,
            Request::Sync($r) => $body,
            Request::Check($r) => $body,
            Request::Multi($r) | Request::MultiRead($r) => $body,
            Request::Reconfig($r) => $body,
            Request::AddWatch($r) => $body,
            Request::RemoveWatches($r) | Request::CheckWatches($r) => $body,
            Request::SetWatches($r) => $body,
            Request::SetWatches2($r) => $body,
            Request::Auth($r) => $body,
            Request::Sasl($r) => $body,
            Request::WhoAmI | Request::Ping | Request::CloseSession => $empty,
        }
    };
}

/// Encodes the body only; the header is a [`RequestHeader`](crate::RequestHeader)
/// with [`Request::op_code`].
impl Encode for Request {
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        with_record!(self, |r| r.encode(buf), ())
    }

    fn encoded_len(&self) -> usize {
        with_record!(self, |r| r.encoded_len(), 0)
    }
}
