//! The registry for synchronous code, as zc.zk is: [`ZooKeeper`] has zc.zk's
//! names and arguments, and blocks until each call is done.
//!
//! ```no_run
//! use std::time::Duration;
//! use zookit_registry::blocking::ZooKeeper;
//! use zookit_registry::value::Map;
//!
//! # fn example() -> zookit_registry::Result<()> {
//! // zc.zk.ZooKeeper('zookeeper.example.com:2181', wait=True)
//! let zk = ZooKeeper::connect(Some("zookeeper.example.com:2181"), None, Some(Duration::from_secs(60)))?;
//!
//! // zk.register('/fooservice/providers', ('192.168.0.42', 8080))
//! zk.register("/fooservice/providers", "192.168.0.42:8080", None, Map::new())?;
//!
//! // @zk.children('/fooservice/providers')
//! // def addresses_updated(addresses): ...
//! let addresses = zk.children("/fooservice/providers")?;
//! addresses.on_change(|addresses| {
//!     println!("addresses changed");
//!     println!("{:?}", addresses.names());
//! })?;
//!
//! // data = zk.properties('/fooservice'); data['threads'] = 1
//! let data = zk.properties("/fooservice", true)?;
//! println!("{:?}", data.get("database"));
//! data.on_change(|data| println!("data updated: {:?}", data.to_map()))?;
//! data.insert("threads", 1)?;
//!
//! // zk.import_tree(tree_text, trim=True, dry_run=True); print zk.export_tree(),
//! zk.import_tree("/lb : ipvs\n  /pools\n", "/", Some(true), None, true)?.print();
//! print!("{}", zk.export_tree("/", false, None)?);
//! println!("{}", zk.resolve("/lb/pools/cms/providers")?);
//! for path in zk.walk("/fooservice", true, false) {
//!     println!("{}", path?);
//! }
//! zk.close()?;
//! # Ok(())
//! # }
//! ```
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
//!   the session timeout, at least 5 s; set it with
//!   [`ZooKeeperBuilder::command_timeout`]); past it the call fails with
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
