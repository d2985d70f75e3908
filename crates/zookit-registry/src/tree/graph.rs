//! The services a tree models and the links between them, as a Graphviz
//! graph (the idea of zc.zk's `zc.zk.graphvis` demo).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::{Node, resolve_link_target};

/// The name of the sub-node (or symbolic link) that makes a node a service.
const PROVIDERS: &str = "providers";

/// The services of a modelled tree and the links between them.
///
/// A *service* is a node with a `providers` sub-node (where servers register)
/// or a `providers` symbolic link (a service, such as a load-balancer pool,
/// whose providers are another service's). Every symbolic link and property
/// link held by a service or by a node inside it (but not inside a nested
/// service) is an edge from that service to the service whose subtree holds
/// the link's target, if any and if it is another service. Relative link
/// targets are resolved against the node holding the link.
///
/// zc.zk's demo drew only links whose target ends in `/providers`, from the
/// service holding them to the service those providers belong to; this also
/// draws links to anything else in a service (such as a database node) and
/// property links.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Graph {
    /// The services, by path, with their type.
    pub services: BTreeMap<String, Option<String>>,
    /// The links between services, sorted.
    pub edges: BTreeSet<GraphEdge>,
}

/// A link from one service to another.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GraphEdge {
    /// The path of the service holding the link.
    pub from: String,
    /// The path of the service the link points into.
    pub to: String,
    /// The link's name.
    pub name: String,
    /// What kind of link it is.
    pub kind: GraphEdgeKind,
}

/// The kind of a [`GraphEdge`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GraphEdgeKind {
    /// A symbolic link (`name -> path`).
    Link,
    /// A property link (`name => path [property]`) to `property`.
    PropertyLink {
        /// The linked property's name.
        property: String,
    },
}

impl Graph {
    /// The graph of the tree whose root is `root` (the top of a parsed tree,
    /// or the ZooKeeper root): its children are at `/name`.
    pub fn from_tree(root: &Node) -> Self {
        let mut graph = Graph::default();
        let mut nodes = Vec::new();
        collect(root, "/".to_owned(), &mut nodes);
        for (path, node) in &nodes {
            if node.children.contains_key(PROVIDERS) || node.links.contains_key(PROVIDERS) {
                graph.services.insert(path.clone(), node.node_type().map(str::to_owned));
            }
        }
        for (path, node) in &nodes {
            let Some(from) = graph.service_of(path).map(str::to_owned) else {
                continue;
            };
            let links = node.links.iter().map(|(name, target)| (name, target, GraphEdgeKind::Link));
            let property_links = node.property_links.iter().map(|(name, link)| {
                let property = link.property.clone().unwrap_or_else(|| name.clone());
                (name, &link.path, GraphEdgeKind::PropertyLink { property })
            });
            for (name, target, kind) in links.chain(property_links) {
                let target = resolve_link_target(path, target);
                let Some(to) = graph.service_of(&target).map(str::to_owned) else {
                    continue;
                };
                if to != from {
                    graph.edges.insert(GraphEdge {
                        from: from.clone(),
                        to,
                        name: name.clone(),
                        kind,
                    });
                }
            }
        }
        graph
    }

    /// The innermost service whose subtree holds `path`.
    fn service_of(&self, path: &str) -> Option<&str> {
        // Services nest, so the innermost one is the longest matching path;
        // `/` holds every path.
        let mut candidate = path;
        loop {
            if let Some((service, _)) = self.services.get_key_value(candidate) {
                return Some(service);
            }
            candidate = zookit::parent_path(candidate)?;
        }
    }

    /// The graph in Graphviz's dot language: each service (labelled with its
    /// type), then each edge (labelled with the link's name; property links
    /// dashed and labelled `name => property`), both sorted.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph g {\n");
        for (path, node_type) in &self.services {
            let _ = match node_type {
                Some(t) => {
                    writeln!(out, "  {} [label={}];", quote(path), quote(&format!("{path}\n{t}")))
                }
                None => writeln!(out, "  {};", quote(path)),
            };
        }
        for edge in &self.edges {
            let _ = match &edge.kind {
                GraphEdgeKind::Link => writeln!(
                    out,
                    "  {} -> {} [label={}];",
                    quote(&edge.from),
                    quote(&edge.to),
                    quote(&edge.name)
                ),
                GraphEdgeKind::PropertyLink { property } => writeln!(
                    out,
                    "  {} -> {} [label={}, style=dashed];",
                    quote(&edge.from),
                    quote(&edge.to),
                    quote(&format!("{} => {property}", edge.name))
                ),
            };
        }
        out.push_str("}\n");
        out
    }
}

/// Every node of the tree with its path, parents first.
fn collect<'a>(node: &'a Node, path: String, out: &mut Vec<(String, &'a Node)>) {
    for (name, child) in &node.children {
        collect(child, zookit::join_path(&path, name), out);
    }
    out.push((path, node));
}

/// A dot double-quoted string.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The Graphviz dot graph of the services `root`'s tree models and the
/// links between them (see [`Graph`]).
///
/// ```
/// use zookit_registry::tree::{graph_dot, parse_tree};
///
/// let tree = parse_tree(
///     "/cms : z4m cms\n  /providers\n/lb : ipvs\n  /pools\n    /cms\n      providers -> /cms/providers\n",
/// )
/// .unwrap();
/// assert_eq!(
///     graph_dot(&tree),
///     "digraph g {\n  \"/cms\" [label=\"/cms\\nz4m cms\"];\n  \"/lb/pools/cms\";\n  \"/lb/pools/cms\" -> \"/cms\" [label=\"providers\"];\n}\n"
/// );
/// ```
#[doc(alias("graphvis"))]
pub fn graph_dot(root: &Node) -> String {
    Graph::from_tree(root).to_dot()
}
