//! The ZooKeeper wire protocol, without I/O.
//!
//! `zookit-proto` encodes and decodes every record a ZooKeeper client or server
//! exchanges, from 3.4 to 3.9: the connect handshake, request and reply headers,
//! the request and response bodies of every operation, multi (transactions and
//! multiRead), watcher events, `Stat`, ACLs, the server's error codes, create
//! modes, and the 4-byte length-prefixed frames they travel in. It also enforces
//! ZooKeeper's path rules.
//!
//! # Behaviour
//!
//! - **Jute**, ZooKeeper's record encoding: big-endian `int`/`long`, one-byte
//!   `boolean`, length-prefixed `buffer`, `ustring` and `vector` (a length of
//!   `-1` means null and decodes as empty). See [`Encode`] and [`Decode`].
//! - **Decoding never panics** and never allocates more than the input could
//!   hold: every length is checked against the bytes that remain, and frames
//!   longer than the configured maximum are refused before anything is
//!   buffered ([`FrameDecoder`]).
//! - **Zero-copy payloads**: znode data decodes as [`bytes::Bytes`] slices of
//!   the frame it arrived in.
//! - **No I/O**: this crate never touches a socket, a clock or a runtime; the
//!   client (`zookit`) and the embedded server drive it.
//!
//! # Example
//!
//! Encode a `getData` request and decode the server's reply:
//!
//! ```
//! use bytes::BytesMut;
//! use zookit_proto::{
//!     Decode, FrameDecoder, GetDataRequest, GetDataResponse, OpCode, ReplyHeader,
//!     Request, RequestHeader, Stat, encode_frame,
//! };
//!
//! let mut out = BytesMut::new();
//! let request = Request::GetData(GetDataRequest { path: "/app".into(), watch: true });
//! let header = RequestHeader { xid: 1, op_code: request.op_code() };
//! encode_frame(&mut out, &(header, request));
//!
//! // What a server would answer.
//! let reply = GetDataResponse { data: "hello".into(), stat: Stat::default() };
//! let mut incoming = BytesMut::new();
//! encode_frame(&mut incoming, &(ReplyHeader { xid: 1, zxid: 7, err: Default::default() }, reply));
//!
//! let mut frame = FrameDecoder::default().decode(&mut incoming)?.expect("a whole frame");
//! let header = ReplyHeader::decode(&mut frame)?;
//! assert_eq!(header.xid, 1);
//! let response = GetDataResponse::decode(&mut frame)?;
//! assert_eq!(&response.data[..], b"hello");
//! # Ok::<(), zookit_proto::DecodeError>(())
//! ```

mod connect;
mod create_mode;
mod data;
pub mod digest_md5;
mod error;
mod error_code;
mod frame;
mod header;
mod jute;
mod multi;
mod opcode;
mod path;
mod redacted;
mod request;
mod response;
mod watcher;

pub use connect::{ConnectRequest, ConnectResponse};
pub use create_mode::CreateMode;
pub use data::{Acl, ClientInfo, Id, Perms, Stat};
pub use error::DecodeError;
pub use error_code::ErrorCode;
pub use frame::{DEFAULT_MAX_FRAME_LEN, FrameDecoder, encode_frame};
pub use header::{AUTH_XID, PING_XID, ReplyHeader, RequestHeader, SET_WATCHES_XID, WATCH_XID};
pub use jute::{Decode, Encode};
pub use multi::{MultiHeader, MultiRequest, MultiResponse, Op, OpResult};
pub use opcode::OpCode;
pub use path::{
    PathError, PathRule, is_within, join_path, last_name, parent_path, validate_path,
    validate_sequential_path,
};
pub use request::{
    AddWatchRequest, AuthPacket, CheckVersionRequest, CreateRequest, CreateTtlRequest,
    DeleteContainerRequest, DeleteRequest, ExistsRequest, GetAclRequest,
    GetAllChildrenNumberRequest, GetChildrenRequest, GetDataRequest, GetEphemeralsRequest,
    GetSaslRequest, ReconfigRequest, RemoveWatchesRequest, Request, SetAclRequest, SetDataRequest,
    SetWatches, SetWatches2, SyncRequest,
};
pub use response::{
    Create2Response, CreateResponse, ErrorResponse, ExistsResponse, GetAclResponse,
    GetAllChildrenNumberResponse, GetChildren2Response, GetChildrenResponse, GetDataResponse,
    GetEphemeralsResponse, Response, SetAclResponse, SetDataResponse, SetSaslResponse,
    SyncResponse, WhoAmIResponse,
};
pub use watcher::{AddWatchMode, EventType, KeeperState, WatcherEvent, WatcherType};

/// The path of the node that holds the ensemble's dynamic configuration
/// (`getConfig` is a `getData` of this node).
pub const CONFIG_NODE: &str = "/zookeeper/config";

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
