//! Writing a tree in the text format.

use super::{LINK_SUFFIX, Node, PROPERTY_LINK_SUFFIX, TYPE_PROPERTY};
use crate::value::{Value, is_python_space, python_repr};

/// How [`export_text`] treats the top node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExportOptions {
    /// The name to write for the top node instead of its own (zc.zk's
    /// `name` option), to import the text somewhere else.
    pub name: Option<String>,
    /// The top node is the root of the tree (`/`, or the top of a parsed
    /// tree): its own properties are not written, and its children are the
    /// top-level nodes of the text, unless [`name`](Self::name) is set, in
    /// which case they are written under a `/name` line.
    pub root: bool,
}

impl ExportOptions {
    /// Export the top node itself, under its own name (zc.zk's
    /// `export_tree(path)`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Export the top node as the root: only its children (zc.zk's
    /// `export_tree('/')`).
    pub fn root() -> Self {
        Self { root: true, ..Self::default() }
    }

    /// Write the top node as `name` (zc.zk's `name` option).
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// Writes `node` in the tree text format, in the layout of zc.zk's
/// `export_tree`.
///
/// Each node is a `/name` line (`/name : type` when its `type` property is a
/// string that fits on the line), followed, two spaces deeper, by its
/// properties sorted by name (`name = <Python repr>`), its links sorted
/// (`name -> path`), its property links sorted (`name => path [property]`),
/// then its sub-nodes sorted by name. The text ends with a newline (and is
/// just `"\n"` when there is nothing to write).
///
/// Two deliberate differences from zc.zk, so that every exported tree parses
/// back to itself: zc.zk wrote property links as broken properties
/// (`threads => = '..'`), and dropped a `type` that was not a non-empty
/// string; here property links are written as `name => target`, and a
/// `type` that cannot go on the node line (not a string, empty, with
/// surrounding whitespace or a newline) is written as an ordinary property.
///
/// zc.zk's export also leaves out the reserved `/zookeeper` node and
/// ephemeral nodes; that is for whoever builds the tree from a server.
///
/// ```
/// use zookit_registry::tree::{ExportOptions, Node, export_text};
///
/// let service = Node::new("fooservice")
///     .with_property("threads", 3)
///     .with_property("secret", "1234")
///     .with_child(Node::new("providers"));
/// assert_eq!(
///     export_text(&service, &ExportOptions::new()),
///     "/fooservice\n  secret = '1234'\n  threads = 3\n  /providers\n"
/// );
/// ```
pub fn export_text(node: &Node, options: &ExportOptions) -> String {
    let mut out = String::new();
    if options.root {
        let mut indent = 0;
        if let Some(name) = &options.name {
            out.push('/');
            out.push_str(name);
            out.push('\n');
            indent = 1;
        }
        for (name, child) in &node.children {
            write_node(&mut out, child, name, indent);
        }
    } else {
        write_node(&mut out, node, options.name.as_deref().unwrap_or(&node.name), 0);
    }
    if out.is_empty() {
        out.push('\n');
    }
    out
}

/// Whether a `type` can be written on the node line and read back as the
/// same string.
fn type_fits_node_line(node_type: &str) -> bool {
    let (Some(first), Some(last)) = (node_type.chars().next(), node_type.chars().last()) else {
        return false;
    };
    !is_python_space(first) && !is_python_space(last) && !node_type.contains('\n')
}

fn write_node(out: &mut String, node: &Node, name: &str, depth: usize) {
    let indent = "  ".repeat(depth);
    let inner = "  ".repeat(depth + 1);
    out.push_str(&indent);
    out.push('/');
    out.push_str(name);
    let node_type = match node.properties.get(TYPE_PROPERTY) {
        Some(Value::String(t)) if type_fits_node_line(t) => Some(t),
        _ => None,
    };
    if let Some(node_type) = node_type {
        out.push_str(" : ");
        out.push_str(node_type);
    }
    out.push('\n');

    let mut properties: Vec<_> = node
        .properties
        .iter()
        .filter(|(name, _)| node_type.is_none() || name.as_str() != TYPE_PROPERTY)
        .collect();
    properties.sort_by(|a, b| a.0.cmp(b.0));
    for (name, value) in properties {
        out.push_str(&inner);
        out.push_str(name);
        out.push_str(" = ");
        out.push_str(&python_repr(value));
        out.push('\n');
    }

    // zc.zk sorts links by their stored keys (`name ->`), which differs from
    // sorting by name only for names with characters below the space.
    let mut links: Vec<_> = node.links.iter().collect();
    links.sort_by_cached_key(|(name, _)| format!("{name}{LINK_SUFFIX}"));
    for (name, target) in links {
        out.push_str(&inner);
        out.push_str(name);
        out.push_str(" -> ");
        out.push_str(target);
        out.push('\n');
    }

    let mut property_links: Vec<_> = node.property_links.iter().collect();
    property_links.sort_by_cached_key(|(name, _)| format!("{name}{PROPERTY_LINK_SUFFIX}"));
    for (name, link) in property_links {
        out.push_str(&inner);
        out.push_str(name);
        out.push_str(" => ");
        out.push_str(&link.to_string());
        out.push('\n');
    }

    for (name, child) in &node.children {
        write_node(out, child, name, depth + 1);
    }
}
