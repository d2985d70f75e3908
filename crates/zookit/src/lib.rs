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
//! Coming from kazoo or zc.zk? [`coming_from`] maps each of their names to
//! zookit's, with every deliberate difference and its reason.
//!
//! A runnable version is `examples/walkthrough.rs`:
//! `ZOOKEEPER_HOSTS=127.0.0.1:2181 cargo run -p zookit --example walkthrough`.
//!
//! # Behaviour
//!
//! - **Sessions.** The server grants a session timeout; it governs: the
//!   client pings at a third of it when idle, and gives up a silent
//!   connection after two thirds (the read timeout), then reconnects to the
//!   next server, keeping the session. Each server gets the session timeout
//!   shared among the servers to accept a connection; after a round of
//!   failures the client backs off (the connection retry policy).
//! - **States.** [`State`] is kazoo's simple model: `Connected`, `Suspended`
//!   (disconnected, the session may live), `Lost` (expired, stopped, or
//!   disconnected for longer than the session timeout, which the client
//!   notices by itself). [`ClientState`] is the raw state. Listeners
//!   ([`Client::add_listener`]) run on their own task and may call the
//!   client; [`Client::state_changes`] is a stream.
//! - **Requests in flight** when a connection drops fail with
//!   `ConnectionLoss` (they may or may not have been applied); requests
//!   made while reconnecting wait for the connection, or fail with
//!   `ConnectionLoss` once the session is `Lost`. An expired session fails
//!   everything with `SessionExpired` until [`Client::restart`].
//! - **Pipelining.** Requests need not wait for each other: issue many
//!   futures at once (`join_all`, `buffer_unordered`) and the client writes
//!   all that are ready in one system call. While 64 or more are in flight,
//!   replies are read in batches (on Linux): the client waits until about
//!   half of what is in flight is answered, or 1 ms at most, instead of
//!   waking for every few replies. That costs a reply at most a millisecond,
//!   only when 64 requests are queued before it, and saves most of the
//!   client's CPU and some of the server's (see `BENCHMARKS.md`).
//! - **Watches are never silently lost.** After a reconnect within the
//!   session, every watch is re-armed (`setWatches`, in batches) from the
//!   last zxid seen, so a change made while disconnected still fires.
//!   ZooKeeper does that only for one-shot watches; for persistent ones the
//!   client reads the watched znodes itself and delivers the missed events,
//!   and a recursive watch gets a reset signal ([`WatchedEvent::is_reset`],
//!   see [`PersistentWatch`]). Only the end of the session ends them, with a
//!   terminal event ([`WatchedEvent::is_terminal`]). Dropping a watch
//!   removes it from the server when no other watcher of its kind needs it.
//! - **Chroot.** Every path in and out is relative to the chroot of the
//!   hosts string: results, sequential names, watch events, transaction
//!   results, ephemeral lists.
//! - **Bad input is refused before anything is sent**: invalid paths (with
//!   the rule they break), data over the server's `jute.maxbuffer`, TTLs
//!   without a TTL mode. Errors name the operation and the path.
//! - **Read-only mode** ([`ClientBuilder::read_only`]): a member cut off
//!   from its quorum serves reads; the client uses it (read-only servers
//!   cannot resume a session of the quorum, so a new session is taken once
//!   the old one is lost), keeps probing for a read-write server, and moves
//!   to one as soon as it answers.
//!
//! # Watch helpers (kazoo's `kazoo.recipe.watchers`)
//!
//! [`DataWatch`](Client::data_watch) and [`ChildrenWatch`](Client::children_watch)
//! call a function at once and after every change, across reconnects and new
//! sessions, never twice for the same value; returning `false` stops them.
//! [`Client::patient_children`] waits for the children to settle. Each has a
//! stream form ([`Client::watch_data`], [`Client::watch_children`]) and a
//! blocking form on [`blocking::Client`], whose functions run on a callback
//! thread.
//!
//! ```no_run
//! # async fn example(zk: zookit::Client) -> zookit::Result<()> {
//! // @zk.DataWatch('/path/to/watch')
//! let data_watch = zk
//!     .data_watch("/path/to/watch", |data, stat| {
//!         println!("Data is {data:?}");
//!         println!("Version is {:?}", stat.map(|s| s.version));
//!     })
//!     .await?;
//!
//! // @zk.ChildrenWatch('/path/to/watch')
//! let children_watch = zk
//!     .children_watch("/path/to/watch", |children| println!("Children are {children:?}"))
//!     .await?;
//!
//! // PatientChildrenWatch(zk, '/some/path', time_boundary=5)
//! let (children, changed) = zk.patient_children("/some/path", std::time::Duration::from_secs(5)).await?;
//! # let _ = (data_watch, children_watch, children, changed);
//! # Ok(())
//! # }
//! ```
//!
//! The same, blocking:
//!
//! ```no_run
//! # fn example(zk: zookit::blocking::Client) -> zookit::Result<()> {
//! let data_watch = zk.data_watch("/path/to/watch", |data, stat| {
//!     println!("Data is {data:?}, version {:?}", stat.map(|s| s.version));
//! })?;
//! let children_watch = zk.children_watch("/path/to/watch", |children| println!("Children are {children:?}"))?;
//! let (children, mut changed) = zk.patient_children("/some/path", std::time::Duration::from_secs(5))?;
//! let later = changed.wait(); // blocks until the children change
//! # let _ = (data_watch, children_watch, children, later);
//! # Ok(())
//! # }
//! ```
//!
//! # Security: TLS, SASL, ACLs
//!
//! ```no_run
//! use zookit::{Client, Perms, SaslCredentials, TlsOptions, acl};
//!
//! # async fn example() -> zookit::Result<()> {
//! // TLS to the secure client port, with a client certificate.
//! let tls = TlsOptions::new()
//!     .ca_file("ca.pem")
//!     .client_cert_file("client.pem", "client-key.pem")
//!     .key_password("key password");
//! // SASL DIGEST-MD5 (ZooKeeper's DigestLoginModule), on every connection.
//! let sasl = SaslCredentials::new("DIGEST-MD5", "alice", "alice's password")?;
//! let zk = Client::builder("zk1:2281,zk2:2281").tls(tls).sasl(sasl).connect().await?;
//!
//! // Digest credentials, also sent again after every reconnect.
//! zk.add_auth("digest", "bob:bob's password").await?;
//! zk.create("/private", "")
//!     .acl(vec![acl::make_digest_acl("bob", "bob's password", Perms::ALL)])
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! A certificate failure (unknown CA, expired, wrong hostname, a missing
//! client certificate) on every server ends the session at once with an
//! [`ErrorKind::Tls`] naming the host and the cause. A SASL refusal ends it
//! with `AuthFailed`. Only DIGEST-MD5 is supported; GSSAPI (Kerberos) is
//! refused with a clear error. Passwords, keys and session passwords never
//! appear in `Debug` output or errors, and are zeroed when dropped.
//!
//! # Known server limitations
//!
//! ZooKeeper before 3.9 keeps one watch mode per session and znode
//! (ZOOKEEPER-4466): a one-shot watch set on a znode that already has a
//! persistent watch turns the persistent data watch into a one-shot one, and
//! a persistent recursive watch on a znode with a child watch stops the
//! child watch from firing. With 3.8 servers, do not mix persistent and
//! one-shot watches on the same znode in one session (use a second client,
//! or one kind of watch). Removing a persistent watch also removes every
//! other watch of the session on that znode (3.8 has no persistent watcher
//! type), so zookit removes it from the server only when no other watcher
//! of the session needs the znode.
//!
//! # Pipelining
//!
//! Operations may run concurrently from any number of tasks: one driver task
//! owns the connection, encodes everything queued into one buffer, writes it
//! in one call, and decodes every reply that arrived from one read.
//!
//! # Runtime
//!
//! The client runs on Tokio: create it within a runtime; its driver and its
//! listener task are spawned there. The session closes when the last clone
//! of the client is dropped, or at once with [`Client::stop`].
//!
//! # Blocking client
//!
//! For code without an async runtime, [`blocking::Client`] has the same
//! operations as methods that block (`zk.get("/a")?`,
//! `zk.create_with("/a", "x").ephemeral().send()?`). It runs the async client on
//! a background thread of its own, so that the session stays alive while
//! the caller blocks or sleeps; listeners and watch functions run on a
//! callback thread and may call the client. Within an async runtime it
//! refuses to block: use [`Client`] there. See [`blocking`].
//!
//! # Tree cache
//!
//! [`TreeCache`] keeps a local, always current copy of a subtree (kazoo's
//! `TreeCache`, Curator's `CuratorCache`): data, stat and children of every
//! node, answered from memory, and a stream of [`TreeEvent`]s (`NodeAdded`,
//! `NodeUpdated`, `NodeRemoved`, `Initialized`, and the connection events).
//! On ZooKeeper 3.6+ it rests on one persistent recursive watch; older
//! servers get one-shot watches per node. Changes are applied and reported
//! in the order the server made them, and after every reconnect or new
//! session the cache catches up, reporting exactly what changed meanwhile.
//! See [`cache`].

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
#[doc(hidden)]
pub use error::transitional as __transitional;
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
