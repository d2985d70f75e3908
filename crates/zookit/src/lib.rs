//! zookit: a ZooKeeper client for Rust.
//!
//! (Crate documentation is written as the client takes shape.)

mod builder;
mod chroot;
mod client;
mod driver;
mod error;
mod four_letter;
mod hosts;
mod hub;
mod ops;
mod retry;
mod session;
mod state;
mod transport;
mod watch;

pub use builder::{ClientBuilder, DEFAULT_MAX_REQUEST_LEN};
pub use client::{Client, StateChanges};
pub use error::{Error, ErrorKind, Result};
pub use four_letter::{four_letter_word, parse_server_version};
pub use hosts::{ConnectString, HostPort};
pub use hub::{ListenerId, StateChange};
pub use ops::{
    Create, CreateWithStat, Delete, OpOutcome, ReadOp, ReadOutcome, SetAcl, SetData, Transaction,
};
pub use retry::RetryPolicy;
pub use state::{ClientState, State};
pub use watch::{PersistentWatch, Watch, WatchedEvent};
pub use zookit_proto::{
    Acl, AddWatchMode, ClientInfo, CreateMode, ErrorCode, EventType, Id, KeeperState, Perms, Stat,
    WatcherType,
};
