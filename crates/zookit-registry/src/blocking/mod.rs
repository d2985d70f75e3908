//! The registry for synchronous code, as zc.zk is: [`ZooKeeper`] has zc.zk's
//! names and arguments, and blocks until each call is done.
//!
//! The [crate documentation](crate#blocking) walks through zc.zk's README
//! with it.
//!
//! # How it works
//!
//! - **It wraps the async registry**: a [`zookit::blocking::Client`] runs
//!   the async [`crate::ZooKeeper`] on its runtime thread, where the
//!   session's pings, reconnects and watches go on while the caller blocks
//!   or sleeps; each method runs the async one there. Behaviour, messages
//!   and errors are the async registry's.
//! - **Every call is bounded** by the client's [command
//!   timeout](zookit::blocking::Client::command_timeout) (default: twice
//!   the session timeout, at least 5 s; set it on the client options:
//!   `ZooKeeper::builder().client(zookit::blocking::Client::builder("").command_timeout(..))`);
//!   past it the call fails with
//!   [`ErrorKind::Timeout`](zookit::ErrorKind::Timeout), and what it did
//!   may or may not have been applied. Imports, exports and deletions of
//!   large trees may need a longer one. Connecting waits at most the wait,
//!   plus the connection timeout and the command timeout.
//! - **Callbacks** of [`Children`] and [`Properties`] run on the client's
//!   callback thread, one after another: a callback may block and may call
//!   the helper (read, register, update properties...). `on_change`
//!   returns once the first call returned.
//! - **Not within an async runtime**: calls made there fail with
//!   [`ErrorKind::InvalidArgument`](zookit::ErrorKind::InvalidArgument)
//!   instead of blocking it; use the async [`crate::ZooKeeper`] there.
//! - **Sessions are kept** as by the async helper: after an expiry, a new
//!   session, registrations made again, live children and properties
//!   followed again.

mod live;
mod tree;
mod zk;

pub use live::{Children, Properties};
pub use tree::Walk;
pub use zk::{ZooKeeper, ZooKeeperBuilder};
