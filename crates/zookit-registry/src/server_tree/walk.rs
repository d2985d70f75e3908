//! Walking a tree lazily, with pruning.

use zookit::{Client, Stat};

use crate::{Result, ZooKeeper};
use zookit::join_path;

impl ZooKeeper {
    /// Walks the tree at `path` (zc.zk's `walk`): the node, then the
    /// subtree of each child in sorted order (pre-order).
    ///
    /// The walk is lazy: each [`Walk::next`] reads one node's children when
    /// it gets there, so changes made while walking are seen, and nodes
    /// deleted before the walk gets to them are skipped. Walking `/` goes
    /// into the reserved `/zookeeper` too, as in zc.zk (prune it with
    /// `children = true`).
    ///
    /// - `ephemeral = false` leaves out ephemeral nodes (at every depth;
    ///   zc.zk only checked the node the walk starts at).
    /// - `children = true` lets the caller prune: the walk continues into
    ///   the names left in [`WalkEntry::children`] after the caller edited
    ///   them, at every depth (zc.zk only gave the first node's list).
    ///   With `children = false`, edits are ignored.
    ///
    /// ```no_run
    /// # async fn example(zk: zookit_registry::ZooKeeper) -> zookit_registry::Result<()> {
    /// let mut walk = zk.walk("/", true, true);
    /// while let Some(entry) = walk.next().await {
    ///     let entry = entry?;
    ///     println!("{}", entry.path);
    ///     entry.children.retain(|name| name != "zookeeper"); // don't go there
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn walk(&self, path: &str, ephemeral: bool, children: bool) -> Walk {
        Walk {
            client: self.client().clone(),
            ephemeral,
            prune: children,
            pending: vec![path.to_owned()],
            current: None,
        }
    }
}

/// A walk over a tree: see [`ZooKeeper::walk`].
#[derive(Debug)]
pub struct Walk {
    client: Client,
    ephemeral: bool,
    prune: bool,
    /// Paths still to visit, the next last.
    pending: Vec<String>,
    /// The entry last returned, and (when edits are ignored) its children
    /// as read.
    current: Option<(WalkEntry, Option<Vec<String>>)>,
}

/// A node the walk is at.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WalkEntry {
    /// The node's path.
    pub path: String,
    /// The node's children's names, sorted. When the walk was made with
    /// `children = true`, the walk goes on into the names left here when
    /// [`Walk::next`] is called again: remove names to prune (names added
    /// that are not children are skipped).
    pub children: Vec<String>,
    /// The node's stat.
    pub stat: Stat,
}

impl Walk {
    /// The next node, or `None` at the end of the walk.
    ///
    /// An error (other than a node having vanished, which is skipped) is
    /// returned for the node it concerns; the walk can go on with the next.
    pub async fn next(&mut self) -> Option<Result<&mut WalkEntry>> {
        if let Some((entry, read)) = self.current.take() {
            let children = read.unwrap_or(entry.children);
            self.pending.extend(children.iter().rev().map(|name| join_path(&entry.path, name)));
        }
        loop {
            let path = self.pending.pop()?;
            let (mut children, stat) = match self.client.get_children_with_stat(&path).await {
                Ok(found) => found,
                Err(e) if e.is_no_node() => continue,
                Err(e) => return Some(Err(e.into())),
            };
            if stat.ephemeral_owner != 0 && !self.ephemeral {
                continue;
            }
            children.sort_unstable();
            let read = (!self.prune).then(|| children.clone());
            let (entry, _) = self.current.insert((WalkEntry { path, children, stat }, read));
            return Some(Ok(entry));
        }
    }

    /// The entry [`next`](Self::next) returned last.
    pub(crate) fn current_mut(&mut self) -> Option<&mut WalkEntry> {
        self.current.as_mut().map(|(entry, _)| entry)
    }

    /// The path of the next node, or `None` at the end of the walk.
    pub async fn next_path(&mut self) -> Option<Result<String>> {
        Some(self.next().await?.map(|entry| entry.path.clone()))
    }

    /// The paths of the rest of the walk; stops at the first error.
    pub async fn paths(mut self) -> Result<Vec<String>> {
        let mut paths = Vec::new();
        while let Some(path) = self.next_path().await {
            paths.push(path?);
        }
        Ok(paths)
    }
}
