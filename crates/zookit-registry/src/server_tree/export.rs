//! Reading a tree from the server into the model, and exporting it as text.

use std::collections::HashMap;

use super::pipeline::{ReadOptions, Znode, read_subtrees};
use crate::tree::{ExportOptions, Node, export_text};
use crate::value::decode_node_data;
use crate::{Result, ZooKeeper};
use zookit::{join_path, last_name};

impl ZooKeeper {
    /// Reads the tree at `path` into the [tree model](crate::tree): each
    /// node's properties, links and property links decoded from its data
    /// (as [`Node::from_properties`] reads them), its sub-nodes by name.
    ///
    /// Ephemeral nodes are left out unless `ephemeral` is set, at every
    /// depth; `None` when the node at `path` is itself ephemeral and left
    /// out. Reading `/` leaves out the reserved `/zookeeper` node; the
    /// returned node is then named `""`. Nodes are read with many requests
    /// in flight; nodes that vanish meanwhile are left out. A missing `path`
    /// is a `NoNode` error.
    pub async fn read_tree(&self, path: &str, ephemeral: bool) -> Result<Option<Node>> {
        let options = ReadOptions {
            data: true,
            ephemeral,
            roots_must_exist: true,
            hide_reserved: path == "/",
        };
        let mut nodes = read_subtrees(self.client(), &[path.to_owned()], options).await?;
        let name = last_name(path).to_owned();
        Ok(build(&mut nodes, path, name))
    }

    /// The tree at `path` in the tree text format (zc.zk's `export_tree`):
    /// each node as a `/name` line (`/name : type` for a node with a
    /// `type`), then two spaces deeper its properties sorted by name, its
    /// links (`name -> target`), its property links (`name => target`) and
    /// its sub-nodes, sorted by name.
    ///
    /// - Ephemeral nodes are left out unless `ephemeral` is set (an
    ///   ephemeral `path` left out gives `"\n"`).
    /// - Exporting `/` writes the top-level nodes (without the reserved
    ///   `/zookeeper`), or, when a `name` is given, a `/name` line with them
    ///   under it.
    /// - `name` renames the top node, to import the text somewhere else.
    ///
    /// The text always ends with a newline. See [`export_text`] for the two
    /// deliberate differences from zc.zk's layout (property links and odd
    /// types are written so that they parse back).
    pub async fn export_tree(
        &self,
        path: &str,
        ephemeral: bool,
        name: Option<&str>,
    ) -> Result<String> {
        let Some(node) = self.read_tree(path, ephemeral).await? else {
            return Ok("\n".to_owned());
        };
        let mut options = if path == "/" { ExportOptions::root() } else { ExportOptions::new() };
        if let Some(name) = name {
            options = options.with_name(name);
        }
        Ok(export_text(&node, &options))
    }

    /// What [`print_tree`](Self::print_tree) prints: the export of `path`
    /// with ephemeral nodes.
    pub async fn print_tree_text(&self, path: &str) -> Result<String> {
        self.export_tree(path, true, None).await
    }

    /// Prints the tree at `path` (ephemeral nodes included) to standard
    /// output, as zc.zk's `print_tree` does.
    pub async fn print_tree(&self, path: &str) -> Result<()> {
        print!("{}", self.print_tree_text(path).await?);
        Ok(())
    }
}

/// Assembles the model of the node at `path` from the nodes read.
fn build(nodes: &mut HashMap<String, Znode>, path: &str, name: String) -> Option<Node> {
    let znode = nodes.remove(path)?;
    let mut node = Node::from_properties(name, decode_node_data(&znode.data));
    for child in znode.children {
        let child_path = join_path(path, &child);
        if let Some(child_node) = build(nodes, &child_path, child.clone()) {
            node.children.insert(child, child_node);
        }
    }
    Some(node)
}
