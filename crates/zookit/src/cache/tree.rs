//! The node map of a cache: path -> data, stat and children, and how a
//! read from the server changes it (and which events that makes).
//!
//! Reads are applied in the order they were sent; on one session the server
//! answers them in that order, each from a state at least as recent as the
//! one before. The stat comparisons below are a second line of defence:
//! an answer about an older incarnation of a node (lower `czxid`), or older
//! data (lower `mzxid`), never replaces a newer one.

use std::collections::{BTreeSet, HashMap};

use bytes::Bytes;
use zookit_proto::{Stat, join_path, last_name, parent_path};

use super::events::TreeEvent;

/// The order of a node's states: a later incarnation, then later data,
/// then later children and ACL changes.
fn order(stat: &Stat) -> (i64, i64, i32, i64, i32, i32) {
    (stat.czxid, stat.mzxid, stat.version, stat.pzxid, stat.cversion, stat.aversion)
}

/// A cached node.
#[derive(Clone, Debug)]
pub(super) struct Node {
    pub(super) data: Bytes,
    pub(super) stat: Stat,
    /// The names of the cached children (always exactly those).
    pub(super) children: BTreeSet<String>,
}

/// What applying a read did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Applied {
    /// The node is new to the cache.
    Added,
    /// Its data changed.
    Updated,
    /// It is a new incarnation (deleted and created again).
    Replaced,
    /// Nothing that is reported: the same data, or an older answer.
    Unchanged,
    /// Its parent is not cached, so it was not added: the parent needs a
    /// load first.
    Orphan,
}

/// The node map of a subtree.
#[derive(Debug)]
pub(super) struct Tree {
    root: String,
    nodes: HashMap<String, Node>,
    closed: bool,
}

impl Tree {
    /// An empty tree of the subtree at `root`.
    pub(super) fn new(root: String) -> Self {
        Self { root, nodes: HashMap::new(), closed: false }
    }

    pub(super) fn is_closed(&self) -> bool {
        self.closed
    }

    /// Empties the tree for good.
    pub(super) fn close(&mut self) {
        self.closed = true;
        self.nodes = HashMap::new();
    }

    pub(super) fn get(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path)
    }

    pub(super) fn contains(&self, path: &str) -> bool {
        self.nodes.contains_key(path)
    }

    pub(super) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Every cached path, sorted.
    pub(super) fn paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self.nodes.keys().cloned().collect();
        paths.sort_unstable();
        paths
    }

    /// Applies a read that found `path` with `data` and `stat`, reporting
    /// what changed to `events`.
    pub(super) fn apply_data(
        &mut self,
        path: &str,
        data: Bytes,
        stat: Stat,
        events: &mut Vec<TreeEvent>,
    ) -> Applied {
        let Some(old) = self.nodes.get(path).map(|node| node.stat) else {
            if path != self.root {
                match self.nodes.get_mut(parent_path(path).unwrap_or("/")) {
                    Some(parent) => parent.children.insert(last_name(path).to_owned()),
                    None => return Applied::Orphan,
                };
            }
            let children = BTreeSet::new();
            self.nodes.insert(path.to_owned(), Node { data: data.clone(), stat, children });
            events.push(TreeEvent::NodeAdded { path: path.to_owned(), data, stat });
            return Applied::Added;
        };
        if stat.czxid > old.czxid {
            // Deleted and created again since it was cached. Children
            // created before the new incarnation belonged to the old one.
            let old_children: Vec<String> = self.nodes[path]
                .children
                .iter()
                .map(|child| join_path(path, child))
                .filter(|child| self.nodes.get(child).is_some_and(|c| c.stat.czxid < stat.czxid))
                .collect();
            for child in old_children {
                self.remove(&child, events);
            }
            let Some(node) = self.nodes.get_mut(path) else { return Applied::Unchanged };
            let old_data = std::mem::replace(&mut node.data, data.clone());
            node.stat = stat;
            events.push(TreeEvent::NodeRemoved {
                path: path.to_owned(),
                data: old_data,
                stat: old,
            });
            events.push(TreeEvent::NodeAdded { path: path.to_owned(), data, stat });
            return Applied::Replaced;
        }
        if order(&stat) <= order(&old) {
            return Applied::Unchanged;
        }
        let data_changed = (stat.mzxid, stat.version) != (old.mzxid, old.version);
        let Some(node) = self.nodes.get_mut(path) else { return Applied::Unchanged };
        node.stat = stat;
        if !data_changed {
            // Only the children or the ACL changed: kept, not reported.
            return Applied::Unchanged;
        }
        node.data = data.clone();
        events.push(TreeEvent::NodeUpdated { path: path.to_owned(), data, stat });
        Applied::Updated
    }

    /// Removes `path` and everything cached below it, reporting each
    /// removal, deepest first (the order the server deleted them in).
    /// Returns whether `path` was cached.
    pub(super) fn remove(&mut self, path: &str, events: &mut Vec<TreeEvent>) -> bool {
        if !self.nodes.contains_key(path) {
            return false;
        }
        if path != self.root {
            if let Some(parent) = self.nodes.get_mut(parent_path(path).unwrap_or("/")) {
                parent.children.remove(last_name(path));
            }
        }
        // Pre-order, reversed: every node after all of its descendants.
        let mut order = Vec::new();
        let mut stack = vec![path.to_owned()];
        while let Some(next) = stack.pop() {
            if let Some(node) = self.nodes.get(&next) {
                stack.extend(node.children.iter().map(|child| join_path(&next, child)));
            }
            order.push(next);
        }
        for removed in order.into_iter().rev() {
            if let Some(node) = self.nodes.remove(&removed) {
                events.push(TreeEvent::NodeRemoved {
                    path: removed,
                    data: node.data,
                    stat: node.stat,
                });
            }
        }
        true
    }

    /// Applies a children list of `path` read from the server: removes the
    /// cached children that are not in it (they were deleted), and returns
    /// the paths of the listed children, sorted.
    pub(super) fn apply_children(
        &mut self,
        path: &str,
        mut names: Vec<String>,
        events: &mut Vec<TreeEvent>,
    ) -> Vec<String> {
        names.sort_unstable();
        let Some(node) = self.nodes.get(path) else { return Vec::new() };
        let gone: Vec<String> = node
            .children
            .iter()
            .filter(|cached| names.binary_search(cached).is_err())
            .map(|cached| join_path(path, cached))
            .collect();
        for child in gone {
            self.remove(&child, events);
        }
        names.iter().map(|child| join_path(path, child)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(czxid: i64, mzxid: i64, version: i32) -> Stat {
        Stat { czxid, mzxid, version, pzxid: czxid, ..Stat::default() }
    }

    fn kinds(events: &[TreeEvent]) -> Vec<String> {
        events
            .iter()
            .map(|e| match e {
                TreeEvent::NodeAdded { path, .. } => format!("+{path}"),
                TreeEvent::NodeUpdated { path, stat, .. } => format!("~{path}@{}", stat.version),
                TreeEvent::NodeRemoved { path, .. } => format!("-{path}"),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn reads_add_update_and_never_go_back() {
        let mut tree = Tree::new("/r".into());
        let mut events = Vec::new();
        assert_eq!(
            tree.apply_data("/r/a", "x".into(), stat(2, 2, 0), &mut events),
            Applied::Orphan
        );
        assert_eq!(tree.apply_data("/r", "".into(), stat(1, 1, 0), &mut events), Applied::Added);
        assert_eq!(tree.apply_data("/r/a", "x".into(), stat(2, 2, 0), &mut events), Applied::Added);
        assert_eq!(
            tree.apply_data("/r/a", "y".into(), stat(2, 5, 1), &mut events),
            Applied::Updated
        );
        // An older answer, and the same answer again, change nothing.
        assert_eq!(
            tree.apply_data("/r/a", "x".into(), stat(2, 2, 0), &mut events),
            Applied::Unchanged
        );
        assert_eq!(
            tree.apply_data("/r/a", "y".into(), stat(2, 5, 1), &mut events),
            Applied::Unchanged
        );
        // A children change of the node: kept, not reported.
        let newer = Stat { pzxid: 9, cversion: 1, ..stat(2, 5, 1) };
        assert_eq!(tree.apply_data("/r/a", "y".into(), newer, &mut events), Applied::Unchanged);
        assert_eq!(tree.get("/r/a").unwrap().stat.pzxid, 9);
        assert_eq!(&tree.get("/r/a").unwrap().data[..], b"y");
        assert_eq!(kinds(&events), ["+/r", "+/r/a", "~/r/a@1"]);
        assert_eq!(tree.get("/r").unwrap().children.iter().collect::<Vec<_>>(), ["a"]);
    }

    #[test]
    fn a_new_incarnation_replaces_the_old_one_and_its_old_children() {
        let mut tree = Tree::new("/".into());
        let mut events = Vec::new();
        tree.apply_data("/", "".into(), stat(0, 0, 0), &mut events);
        tree.apply_data("/p", "1".into(), stat(10, 10, 0), &mut events);
        tree.apply_data("/p/old", "".into(), stat(11, 11, 0), &mut events);
        tree.apply_data("/p/old/deep", "".into(), stat(12, 12, 0), &mut events);
        tree.apply_data("/p/new", "".into(), stat(21, 21, 0), &mut events);
        events.clear();
        assert_eq!(
            tree.apply_data("/p", "2".into(), stat(20, 20, 0), &mut events),
            Applied::Replaced
        );
        assert_eq!(kinds(&events), ["-/p/old/deep", "-/p/old", "-/p", "+/p"]);
        assert_eq!(tree.paths(), ["/", "/p", "/p/new"]);
        // The old incarnation, read late, is ignored.
        events.clear();
        assert_eq!(
            tree.apply_data("/p", "1".into(), stat(10, 10, 0), &mut events),
            Applied::Unchanged
        );
        assert!(events.is_empty());
    }

    #[test]
    fn removal_takes_the_subtree_deepest_first_and_children_lists_remove_the_missing() {
        let mut tree = Tree::new("/r".into());
        let mut events = Vec::new();
        for (path, zxid) in [("/r", 1), ("/r/a", 2), ("/r/a/b", 3), ("/r/a/b/c", 4), ("/r/d", 5)] {
            tree.apply_data(path, "".into(), stat(zxid, zxid, 0), &mut events);
        }
        events.clear();
        let listed = tree.apply_children("/r", vec!["e".into(), "d".into()], &mut events);
        assert_eq!(listed, ["/r/d", "/r/e"]);
        assert_eq!(kinds(&events), ["-/r/a/b/c", "-/r/a/b", "-/r/a"]);
        events.clear();
        assert!(tree.remove("/r", &mut events));
        assert!(!tree.remove("/r", &mut events));
        assert_eq!(kinds(&events), ["-/r/d", "-/r"]);
        assert_eq!(tree.len(), 0);
        assert!(tree.apply_children("/r", vec!["x".into()], &mut events).is_empty());
    }
}
