//! A blocking client, for code without an async runtime (shaped like
//! `reqwest::blocking`).
//!
//! [`Client`] has the operations, options, states and listeners of the
//! async [`crate::Client`], as methods that block until their answer comes.
//! The plain call does the work (`zk.create(path, data)?`,
//! `zk.delete(path)?`); a write with options is the async client's builder,
//! made by the `_with` form and ended by `send()`
//! (`zk.create_with(path, data).ephemeral().send()?`; a transaction by
//! `commit()`). Watches are waited for or given a function.
//!
//! # Walk-through (kazoo's basic usage, blocking)
//!
//! ```no_run
//! use std::time::Duration;
//! use zookit::blocking::Client;
//! use zookit::{AddWatchMode, CreateMode, State};
//!
//! # fn walkthrough() -> zookit::Result<()> {
//! // Connect: a kazoo-style hosts string, with an optional chroot.
//! let zk = Client::builder("127.0.0.1:2181/my-app")
//!     .session_timeout(Duration::from_secs(10))
//!     .connect()?;
//!
//! // Listen for connection events (on the client's callback thread).
//! zk.add_listener(|state| match state {
//!     State::Lost => eprintln!("session lost: ephemeral nodes are gone"),
//!     State::Suspended => eprintln!("disconnected; reconnecting"),
//!     State::Connected => eprintln!("connected"),
//! });
//!
//! // Create, read, update, delete.
//! zk.ensure_path("/my/favorite")?;
//! zk.create("/my/favorite/node", "a value")?;
//! if let Some(stat) = zk.exists("/my/favorite")? {
//!     println!("version {}", stat.version);
//! }
//! let (data, stat) = zk.get("/my/favorite/node")?;
//! println!("version {}, data {:?}", stat.version, data);
//! let children = zk.get_children("/my/favorite")?;
//! println!("{} children: {children:?}", children.len());
//! zk.set("/my/favorite/node", "some data")?;
//! zk.delete("/my/favorite/node")?;
//! let member = zk.create_with("/my/members/m-", "").ephemeral().sequential().makepath().send()?;
//! println!("joined as {member}");
//!
//! // Retry after a connection loss.
//! let (data, _) = zk.retry(|| zk.get("/my/favorite"))?;
//!
//! // Watch: wait for a one-shot watch...
//! let (_, _, mut watch) = zk.get_watch("/my/favorite")?;
//! if let Some(event) = watch.wait_timeout(Duration::from_secs(1)) {
//!     println!("{:?} on {:?}", event.event_type, event.path);
//! }
//! // ...or have a function called (kazoo's watch functions); it may call
//! // the client.
//! let (_, _, watch) = zk.get_watch("/my/favorite")?;
//! let client = zk.clone();
//! watch.on_event(move |event| {
//!     println!("{:?}; now {:?}", event.event_type, client.get("/my/favorite"));
//! });
//! // A persistent watch is an iterator.
//! let mut changes = zk.add_watch("/my", AddWatchMode::PersistentRecursive)?;
//! if let Ok(event) = changes.recv_timeout(Duration::from_secs(1)) {
//!     println!("{:?} on {:?}", event.event_type, event.path);
//! }
//!
//! // A transaction: all or nothing.
//! let results = zk
//!     .transaction()
//!     .check("/my/favorite", 0)
//!     .create("/my/favorite/tx", "", CreateMode::Persistent)
//!     .commit()?;
//! println!("{results:?}");
//!
//! zk.stop()?;
//! # let _ = data;
//! # Ok(())
//! # }
//! ```
//!
//! # How it works
//!
//! - **A background thread** runs a current-thread Tokio runtime for the
//!   client's whole life, and the async client in it. The session's pings,
//!   reconnects and watch deliveries go on there while the calling thread
//!   blocks, sleeps or computes. The thread ends when the last clone of the
//!   client is dropped, after the session is closed.
//! - **Each call** runs the async operation on that runtime and waits for
//!   its answer at most the [command timeout](crate::ClientBuilder::command_timeout)
//!   (default: twice the session timeout, at least 5 s); then it fails with
//!   [`ErrorKind::Timeout`](crate::ErrorKind::Timeout), naming the
//!   operation and the path, and the operation may or may not have been
//!   applied. Every other error is the async client's.
//! - **Callbacks** — listeners and watch functions — run on a thread of
//!   their own, one after another, never on the runtime thread: a callback
//!   may block and may call the client (a `get` in a watch function, `stop`
//!   in a listener) without stalling the session or deadlocking. A
//!   panicking callback is logged and the others still run.
//! - **Not within an async runtime**: a blocking call made where
//!   `tokio::runtime::Handle::try_current()` finds a runtime (an async task,
//!   but also `spawn_blocking`) fails with
//!   [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
//!   instead of blocking the runtime; use [`crate::Client`] there. Waiting
//!   on a [`Watch`] or iterating a [`PersistentWatch`] there panics, as
//!   Tokio's own blocking calls do.
//! - **Keeping the client alive**: a listener or a pending watch function
//!   that holds a clone of the client keeps the client (and its thread) as
//!   long as it is registered; remove the listener, or stop the session
//!   (which fires every watch with its terminal event).

mod builder;
mod callbacks;
mod client;
mod ops;
mod retry;
mod runtime;
mod watch;
mod write;

pub use builder::{Blocking, ClientBuilder};
pub use callbacks::CallbackThread;
pub use client::Client;
pub use watch::{PersistentWatch, StateChanges, Watch};
pub use write::{Create, CreateWithStat, Delete, SetAcl, SetData, Transaction};
