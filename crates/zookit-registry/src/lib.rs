//! Service-registry conventions for ZooKeeper: a Rust port of Python's
//! [zc.zk](https://pypi.org/project/zc.zk/) 2.1.0.
//!
//! On the server, [`ZooKeeper`] is zc.zk's helper: service registration
//! and discovery, live children and properties, links, and trees imported,
//! exported, walked and deleted; [`blocking::ZooKeeper`] is the same for
//! synchronous code, as zc.zk is (see [Blocking](#blocking)). Without a
//! server:
//!
//! - [`value`]: node *properties*. zc.zk stores a node's properties as a JSON
//!   object in the node's data; people write the values as Python literals
//!   (`threads = 3`, `address = '1.2.3.4:80'`) and zc.zk prints them with
//!   Python's `repr`. This module parses those literals, prints Python 3 reprs
//!   and reads and writes node data byte for byte as zc.zk does.
//! - [`tree`]: the *tree text format*, a textual model of a ZooKeeper tree
//!   with node types, properties, symbolic links (`name -> path`) and property
//!   links (`name => path [property]`); its parser, its exporter (the layout of
//!   zc.zk's `export_tree`), and a Graphviz rendering of the modelled services.
//!
//! # Example
//!
//! ```
//! use zookit_registry::tree::{ExportOptions, export_text, parse_tree};
//!
//! let tree = parse_tree(
//!     "
//!     /cms : z4m cms
//!       threads = 3
//!       /providers
//!     /lb : ipvs
//!       /pools
//!         /cms
//!           providers -> /cms/providers
//!     ",
//! )
//! .unwrap();
//! assert_eq!(tree.children["lb"].node_type(), Some("ipvs"));
//! assert_eq!(tree.children["lb"].children["pools"].children["cms"].links["providers"], "/cms/providers");
//!
//! // Export it back: each node's properties, links, then sub-nodes, sorted.
//! assert_eq!(
//!     export_text(&tree, &ExportOptions::root()),
//!     "/cms : z4m cms
//!   threads = 3
//!   /providers
//! /lb : ipvs
//!   /pools
//!     /cms
//!       providers -> /cms/providers
//! "
//! );
//! ```
//!
//! # Trees on the server
//!
//! The [`ZooKeeper`] helper imports and exports tree texts and walks and
//! deletes trees, as zc.zk does, returning the lines zc.zk prints:
//!
//! - [`ZooKeeper::import_tree`] (and [`ZooKeeper::import_node`] for a
//!   model): creates and updates nodes, reports or trims (`trim`) the nodes
//!   not in the text, and says what it would do in a dry run
//!   ([`ImportReport`]);
//! - [`ZooKeeper::export_tree`], [`ZooKeeper::read_tree`] (into the
//!   [`tree`] model), [`ZooKeeper::print_tree`];
//! - [`ZooKeeper::delete_recursive`], which spares ephemeral nodes and
//!   their ancestors, and [`ZooKeeper::is_ephemeral`];
//! - [`ZooKeeper::walk`], a lazy pre-order [`Walk`] that can be pruned.
//!
//! Large trees are quick: trees are read with many requests in flight on
//! the one connection, and writes go in transactions of a few hundred
//! operations, in zc.zk's order (a failed transaction is replayed one write
//! at a time, so that what is applied and the error are what zc.zk's one
//! write at a time would give).
//!
//! ```no_run
//! # async fn example() -> zookit_registry::Result<()> {
//! use zookit_registry::ZooKeeper;
//!
//! let zk = ZooKeeper::connect(Some("127.0.0.1:2181")).await?;
//! let text = "/cms : z4m cms\n  threads = 4\n  /providers\n";
//! // zc.zk's `zk.import_tree(text, trim=True, dry_run=True)`:
//! zk.import_tree(text, "/", Some(true), None, true).await?.print();
//! zk.import_tree(text, "/", None, None, false).await?.print();
//! print!("{}", zk.export_tree("/cms", false, None).await?);
//! let mut walk = zk.walk("/", false, true);
//! while let Some(entry) = walk.next().await {
//!     let entry = entry?;
//!     println!("{}", entry.path);
//!     entry.children.retain(|name| name != "zookeeper");
//! }
//! # Ok(())
//! # }
//! ```
//!
//! ## Deliberate differences from zc.zk's trees on the server
//!
//! - `walk(path, ephemeral = false)` leaves out ephemeral nodes at every
//!   depth; zc.zk only checked the node the walk starts at (its recursion
//!   dropped the flag), so it listed every ephemeral node below.
//! - `walk(path, children = true)` gives every node's children to prune
//!   ([`WalkEntry::children`]); zc.zk gave only the first node's list and
//!   then plain paths.
//! - Exports write property links as `name => target`, and a `type` that
//!   does not fit the node line as a property (see
//!   [`export_text`](tree::export_text)), so that exports import back.
//! - Nodes deleted while a tree is read for an export, an import or a
//!   recursive deletion are skipped; zc.zk failed with `NoNodeError`.
//! - Messages are returned (and printed by [`ImportReport::print`]) rather
//!   than printed as the work goes; if an operation fails, its error is
//!   returned instead.
//!
//! # Registration and live data
//!
//! [`ZooKeeper::register`] makes a server's ephemeral node under a
//! service's providers, with zc.zk's `acl` argument (default: readable by
//! all) and properties, and makes it again after a session expiry;
//! [`ZooKeeper::children`] and [`ZooKeeper::properties`] are kept current,
//! follow symbolic links when their node moves, and call their callbacks at
//! once and on every change. [`ZooKeeper::create`] takes an ACL too.
//!
//! # Blocking
//!
//! [`blocking::ZooKeeper`] has zc.zk's names and arguments, for code
//! without an async runtime: it runs the async helper on a
//! [`zookit::blocking::Client`]'s background thread, bounds every call by
//! the client's command timeout, and runs the callbacks of live children
//! and properties on the client's callback thread, where they may block
//! and call the helper.
//!
//! ```no_run
//! use std::time::Duration;
//! use zookit_registry::blocking::ZooKeeper;
//! use zookit_registry::value::Map;
//!
//! # fn example() -> zookit_registry::Result<()> {
//! // >>> zk = zc.zk.ZooKeeper('zookeeper.example.com:2181')
//! let zk = ZooKeeper::connect(Some("zookeeper.example.com:2181"), None, None)?;
//!
//! // >>> zk.register('/fooservice/providers', ('192.168.0.42', 8080))
//! zk.register("/fooservice/providers", "192.168.0.42:8080", None, Map::new())?;
//!
//! // >>> addresses = zk.children('/fooservice/providers')
//! // >>> @zk.children('/fooservice/providers')
//! // ... def addresses_updated(addresses): ...
//! let addresses = zk.children("/fooservice/providers")?;
//! println!("{:?} ({} providers)", addresses.names(), addresses.len());
//! addresses.on_change(|addresses| {
//!     println!("addresses changed");
//!     println!("{:?}", addresses.names());
//! })?;
//!
//! // >>> data = zk.properties('/fooservice')
//! // >>> data.update(threads=2, secret='123'); data['threads'] = 1
//! let data = zk.properties("/fooservice", true)?;
//! data.on_change(|data| println!("data updated: {:?}", data.to_map()))?;
//! data.insert("threads", 1)?;
//!
//! // >>> zk.import_tree(tree_text, trim=True, dry_run=True)
//! // >>> print zk.export_tree('/fooservice', ephemeral=True),
//! zk.import_tree("/cms : z4m cms\n  threads = 3\n", "/", Some(true), None, true)?.print();
//! print!("{}", zk.export_tree("/fooservice", true, None)?);
//! zk.delete_recursive("/retail", false, false, false)?;
//!
//! // >>> for path in zk.walk('/fooservice'): print path
//! for path in zk.walk("/fooservice", true, false) {
//!     println!("{}", path?);
//! }
//! zk.close()?;
//! # Ok(())
//! # }
//! ```

pub mod blocking;
mod builder;
mod error;
mod links;
mod live;
mod nodes;
mod register;
mod server_tree;
pub mod tree;
pub mod value;
mod zk;

pub use builder::{
    CONNECTION_STRING_ENV, DEFAULT_CONNECTION_STRING, ZooKeeperBuilder, default_connection_string,
};
pub use error::{Error, Result};
pub use live::{CallbackResult, Children, Properties};
pub use register::RegisteringServer;
pub use server_tree::{ImportReport, Walk, WalkEntry};
pub use zk::ZooKeeper;
pub use zookit::acl::{open_acl_unsafe, read_acl_unsafe};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
