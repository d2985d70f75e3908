//! zc.zk's tree text format: a textual model of a ZooKeeper tree.
//!
//! ```text
//! /lb : ipvs
//!   /pools
//!     /cms
//!       # The address is fixed because it's
//!       # exposed externally
//!       address = '1.2.3.4:80'
//!       providers -> /cms/providers
//!
//! /cms : z4m cms
//!   threads = 3
//!   timeout => /defaults timeout
//!   /providers
//! ```
//!
//! Each line is one of:
//!
//! - `/name` or `/name : type`: a node (the type becomes its `type`
//!   property);
//! - `name = value`: a property, the value a Python literal (see
//!   [`parse_python_literal`](crate::value::parse_python_literal));
//! - `name -> path`: a symbolic link (stored as the property `'name ->'`);
//! - `name => path [property]`: a property link (stored as the property
//!   `'name =>'`), whose value is the property `property` (by default
//!   `name`) of the node at `path`;
//! - `# comment`, or blank.
//!
//! Indentation defines nesting: a node's properties, links and sub-nodes are
//! indented more than the node, consistently. Paths in links may be relative
//! to the node holding the link, with `.` and `..`.
//!
//! [`parse_tree`] reads the format into a [`Node`] tree, [`export_text`]
//! writes one back in the layout of zc.zk's `export_tree`, and [`graph_dot`]
//! draws the services the tree models.

mod error;
mod export;
mod graph;
mod line;
mod node;
mod parse;
mod path;

pub use error::{ParseError, ParseErrorKind};
pub use export::{ExportOptions, export_text};
pub use graph::{Graph, GraphEdge, GraphEdgeKind, graph_dot};
pub use node::{LINK_SUFFIX, Node, PROPERTY_LINK_SUFFIX, PropertyLink, TYPE_PROPERTY};
pub use parse::parse_tree;
pub use path::{normalize_path, resolve_link_target};
