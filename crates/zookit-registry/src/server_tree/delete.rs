//! Recursive deletion that spares ephemeral nodes.

use std::collections::HashMap;

use super::batch::{Write, apply};
use super::pipeline::{ReadOptions, Znode, read_subtrees};
use crate::{Result, ZooKeeper};
use zookit::join_path;

impl ZooKeeper {
    /// Deletes the node at `path` and everything below it (zc.zk's
    /// `delete_recursive`), returning the lines zc.zk prints, in its order.
    ///
    /// - Ephemeral nodes are not deleted, unless `force` is set: `Not
    ///   deleting /x because it's ephemeral.`; nor are the nodes above them:
    ///   `/x not deleted due to ephemeral descendent.`
    /// - `ignore_if_ephemeral`: no message if `path` itself is ephemeral (an
    ///   ephemeral node below it still gets one). Importing with `trim` uses
    ///   this.
    /// - `dry_run`: nothing is deleted; the lines say what would be: `would
    ///   delete /x.` and `wouldn't delete /x because it's ephemeral.` (plus
    ///   the `not deleted due to ephemeral descendent.` lines).
    ///
    /// Nodes are visited depth first, children in sorted order, each node
    /// after its children. The tree is read with many requests in flight,
    /// and the nodes are deleted in transactions of a few hundred; should
    /// one fail, its deletes are made one at a time, so that the error is
    /// that of the first node that cannot be deleted, with every node before
    /// it deleted. A missing `path` is a `NoNode` error; nodes that vanish
    /// meanwhile are skipped.
    pub async fn delete_recursive(
        &self,
        path: &str,
        dry_run: bool,
        force: bool,
        ignore_if_ephemeral: bool,
    ) -> Result<Vec<String>> {
        let options = ReadOptions {
            data: false,
            ephemeral: true,
            roots_must_exist: true,
            hide_reserved: false,
        };
        let tree = read_subtrees(self.client(), &[path.to_owned()], options).await?;
        let mut plan = DeletePlan::default();
        plan.node(&tree, path, dry_run, force, ignore_if_ephemeral);
        if !dry_run {
            apply(self.client(), &plan.writes).await?;
        }
        Ok(plan.messages)
    }
}

/// The messages and deletes of a recursive deletion.
#[derive(Debug, Default)]
pub(crate) struct DeletePlan {
    pub(crate) messages: Vec<String>,
    pub(crate) writes: Vec<Write>,
}

impl DeletePlan {
    /// Plans deleting the node at `path` of `tree` and its descendants, as
    /// zc.zk's `_delete_recursive`; returns whether something ephemeral was
    /// kept (which keeps the nodes above). A node missing from `tree`
    /// (vanished while it was read) is skipped. Deletes are only planned
    /// when not `dry_run`.
    pub(crate) fn node(
        &mut self,
        tree: &HashMap<String, Znode>,
        path: &str,
        dry_run: bool,
        force: bool,
        ignore_if_ephemeral: bool,
    ) -> bool {
        let Some(znode) = tree.get(path) else {
            return false;
        };
        let mut ephemeral_child = false;
        for name in &znode.children {
            let kept = self.node(tree, &join_path(path, name), dry_run, force, false);
            ephemeral_child |= kept;
        }
        if ephemeral_child {
            self.messages.push(format!("{path} not deleted due to ephemeral descendent."));
            return true;
        }
        let ephemeral = znode.is_ephemeral() && !force;
        if ephemeral && ignore_if_ephemeral {
            return false;
        }
        match (dry_run, ephemeral) {
            (true, true) => {
                self.messages.push(format!("wouldn't delete {path} because it's ephemeral."))
            }
            (true, false) => self.messages.push(format!("would delete {path}.")),
            (false, true) => {
                self.messages.push(format!("Not deleting {path} because it's ephemeral."))
            }
            (false, false) => self.writes.push(Write::Delete { path: path.to_owned() }),
        }
        ephemeral
    }
}
