//! Service-registry conventions for ZooKeeper: a Rust port of Python's
//! [zc.zk](https://pypi.org/project/zc.zk/) 2.1.0.
//!
//! This crate holds the server-free half of zc.zk:
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

mod callbacks;
mod children;
mod error;
mod keeper;
mod properties;
mod register;
mod resolve;
pub mod tree;
pub mod value;
mod zk;

pub use callbacks::CallbackResult;
pub use children::Children;
pub use error::{Error, Result};
pub use properties::Properties;
pub use register::RegisteringServer;
pub use zk::{
    CONNECTION_STRING_ENV, DEFAULT_CONNECTION_STRING, ZooKeeper, ZooKeeperBuilder,
    default_connection_string,
};
