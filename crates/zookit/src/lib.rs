//! zookit: a ZooKeeper client for Rust, async first.
//!
//! One [`Client`] holds one ZooKeeper session and keeps it alive across
//! reconnects: requests are pipelined, watches are re-armed on every new
//! connection so that no change is missed, and every request gets an answer
//! or an error, never a hang. The API follows kazoo's, the Python client.
//!
//! # Walk-through (kazoo's basic usage, in Rust)
//!
//! ```no_run
//! use std::time::Duration;
//! use zookit::{Client, CreateMode, State};
//!
//! # async fn walkthrough() -> zookit::Result<()> {
//! // Connect: a kazoo-style hosts string, with an optional chroot.
//! let zk = Client::builder("127.0.0.1:2181/my-app")
//!     .session_timeout(Duration::from_secs(10))
//!     .connect()
//!     .await?;
//!
//! // Listen for connection events.
//! zk.add_listener(|state| match state {
//!     State::Lost => eprintln!("session lost: ephemeral nodes are gone"),
//!     State::Suspended => eprintln!("disconnected; reconnecting"),
//!     State::Connected => eprintln!("connected"),
//! });
//!
//! // Create, read, update, delete.
//! zk.ensure_path("/my/favorite").await?;
//! zk.create("/my/favorite/node", "a value").await?;
//! if let Some(stat) = zk.exists("/my/favorite").await? {
//!     println!("version {}", stat.version);
//! }
//! let (data, stat) = zk.get("/my/favorite/node").await?;
//! println!("version {}, data {:?}", stat.version, data);
//! let children = zk.get_children("/my/favorite").await?;
//! println!("{} children: {children:?}", children.len());
//! zk.set("/my/favorite/node", "some data").await?;
//! zk.delete("/my/favorite/node").await?;
//!
//! // Retry after a connection loss.
//! let (data, _) = zk.retry(|| zk.get("/my/favorite")).await?;
//!
//! // Watch: a one-shot watch is a future...
//! let (_, _, watch) = zk.get_watch("/my/favorite").await?;
//! tokio::spawn(async move {
//!     let event = watch.await;
//!     println!("{:?} on {:?}", event.event_type, event.path);
//! });
//! // ...and a persistent watch a stream.
//! let mut changes = zk.add_watch("/my", zookit::AddWatchMode::PersistentRecursive).await?;
//! # let _ = &mut changes;
//!
//! // A transaction: all or nothing.
//! let results = zk
//!     .transaction()
//!     .check("/my/favorite", 0)
//!     .create("/my/favorite/tx", "", CreateMode::Persistent)
//!     .commit()
//!     .await?;
//! println!("{results:?}");
//!
//! zk.stop().await?;
//! # let _ = data;
//! # Ok(())
//! # }
//! ```
//!
//! A runnable version is `examples/walkthrough.rs`
//! (`ZOOKEEPER_HOSTS=127.0.0.1:2181 cargo run -p zookit --example walkthrough`).
//! Coming from kazoo or zc.zk? [`coming_from`] maps each of their names to
//! zookit's, with every deliberate difference and its reason.
//!
//! # Behaviour
//!
//! - **Sessions** survive reconnects. The client pings at a third of the
//!   granted session timeout, gives up a silent connection after two
//!   thirds, and moves to the next server; after a round of failures it
//!   backs off ([`ClientBuilder::connection_retry`]).
//! - **States**: [`State`] is kazoo's `Connected` / `Suspended` / `Lost`
//!   (`Lost` also when disconnected longer than the session timeout, which
//!   the client notices by itself); [`ClientState`] is the raw state.
//!   Listeners ([`Client::add_listener`]) hear the current state at once and
//!   may call the client; [`Client::state_changes`] is a stream.
//! - **Nothing hangs**: requests in flight when a connection drops fail with
//!   `ConnectionLoss` (applied or not); requests made while reconnecting
//!   wait, or fail once the session is `Lost`; an expired session fails
//!   everything with `SessionExpired` until [`Client::restart`].
//! - **Pipelining**: operations may run concurrently from any number of
//!   tasks (`join_all`, `buffer_unordered`); one driver task writes all
//!   that is queued in one system call and decodes every reply of a read.
//!   With 64 or more in flight (on Linux) it reads in batches, which costs a
//!   reply at most a pause of 1 to 2 ms and saves most of the CPU; while the
//!   server answers more slowly than the pause, it stops pausing
//!   (`BENCHMARKS.md`).
//! - **Watches are never silently lost**: after a reconnect every watch is
//!   re-armed from the last zxid seen; persistent watches get the missed
//!   events, a recursive one a reset signal ([`WatchedEvent::is_reset`]).
//!   Only the end of the session ends them ([`WatchedEvent::is_terminal`]).
//! - **Chroot**: every path in and out is relative to the hosts string's
//!   chroot.
//! - **Bad input is refused before anything is sent** (invalid paths, data
//!   over `jute.maxbuffer`, TTLs without a TTL mode); [`Error`]s name the
//!   operation and the path.
//! - **Read-only mode** ([`ClientBuilder::read_only`]): a member cut off from
//!   its quorum serves reads, and the client moves to a read-write server as
//!   soon as one answers.
//! - **Security**: TLS ([`TlsOptions`]), SASL DIGEST-MD5
//!   ([`SaslCredentials`]), digest credentials ([`Client::add_auth`]) and
//!   ACLs ([`acl`]). A certificate failure on every server ends the session
//!   with an [`ErrorKind::Tls`] error naming the host, its cause as the
//!   source. Secrets never appear in `Debug` output or errors.
//!
//! # More than requests
//!
//! - kazoo's watch helpers: [`DataWatch`](Client::data_watch),
//!   [`ChildrenWatch`](Client::children_watch) and
//!   [`patient_children`](Client::patient_children), with stream forms
//!   ([`Client::watch_data`], [`Client::watch_children`]).
//! - [`TreeCache`]: a local, always current copy of a subtree, with a stream
//!   of changes in the server's order (kazoo's `TreeCache`, Curator's
//!   `CuratorCache`); see [`cache`].
//! - [`blocking::Client`]: the same operations for code without an async
//!   runtime (`zk.get("/a")?`, `zk.create("/a", "x")?`,
//!   `zk.create_with("/a", "x").ephemeral().send()?`), run on a background
//!   thread so that the session lives while the caller blocks; its
//!   callbacks run on a thread of their own and may call it.
//!
//! # Runtime
//!
//! The async client runs on Tokio: create it within a runtime, where its
//! driver and listener tasks are spawned. The session closes when the last
//! clone is dropped, or at once with [`Client::stop`].
//!
//! # Known server limitations
//!
//! ZooKeeper before 3.9 keeps one watch mode per session and znode
//! (ZOOKEEPER-4466): a one-shot watch on a znode with a persistent watch
//! turns the persistent data watch into a one-shot one, and a persistent
//! recursive watch stops a child watch on the same znode from firing. With
//! 3.8 servers, do not mix the two kinds on one znode in one session.
//! Removing a persistent watch removes every watch of the session on that
//! znode, so zookit removes it only when no other watcher needs the znode.

pub mod acl;
pub mod blocking;
mod builder;
pub mod cache;
mod chroot;
mod client;
#[doc = include_str!("coming_from.md")]
pub mod coming_from {}
mod driver;
mod error;
mod four_letter;
mod hosts;
mod hub;
mod ops;
mod pacing;
pub mod python;
mod retry;
mod sasl;
mod session;
mod state;
mod time;
mod tls;
mod transport;
mod waiters;
mod watch;
mod watchers;

pub use builder::{Async, ClientBuilder, DEFAULT_MAX_REQUEST_LEN};
pub use cache::{TreeCache, TreeCacheBuilder, TreeEvent, TreeEvents};
pub use client::{Client, StateChanges, WeakClient};
pub use error::{Error, ErrorKind, Result};
pub use four_letter::{four_letter_word, parse_server_version};
pub use hosts::{ConnectString, DEFAULT_HOSTS, HostPort};
pub use hub::{ListenerId, StateChange};
pub use ops::{
    Create, CreateWithStat, Delete, OpOutcome, ReadOp, ReadOutcome, SERVER_VERSION_RETRIES, SetAcl,
    SetData, Transaction, TransactionResults,
};
pub use retry::RetryPolicy;
pub use sasl::SaslCredentials;
pub use state::{ClientState, State};
pub use time::UtcTime;
pub use tls::TlsOptions;
pub use watch::{PersistentWatch, Watch, WatchedEvent};
pub use watchers::{
    ChildrenStream, ChildrenUpdate, ChildrenWatch, DataStream, DataUpdate, DataWatch, KeepWatching,
    UpdateStream,
};
pub use zookit_proto::{
    Acl, AddWatchMode, ClientInfo, CreateMode, DecodeError, ErrorCode, EventType, Id, KeeperState,
    PathError, PathRule, Perms, Stat, WatcherType, is_within, join_path, last_name, parent_path,
};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
