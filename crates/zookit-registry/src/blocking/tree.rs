//! Trees on the server through the blocking helper: import, export,
//! recursive deletion and walks.

use zookit::Acl;

use crate::tree::Node;
use crate::{ImportReport, Result, WalkEntry};

use super::ZooKeeper;

impl ZooKeeper {
    /// Imports a tree text under `path` (zc.zk's `import_tree(text, path,
    /// trim, acl, dry_run)`), returning the lines zc.zk prints; see
    /// [`crate::ZooKeeper::import_tree`].
    pub fn import_tree(
        &self,
        text: &str,
        path: &str,
        trim: Option<bool>,
        acl: Option<Vec<Acl>>,
        dry_run: bool,
    ) -> Result<ImportReport> {
        let (text, path) = (text.to_owned(), path.to_owned());
        self.run("import_tree", |zk| async move {
            zk.import_tree(&text, &path, trim, acl, dry_run).await
        })
    }

    /// Imports a parsed (or built) tree; see
    /// [`crate::ZooKeeper::import_node`].
    pub fn import_node(
        &self,
        tree: &Node,
        path: &str,
        trim: Option<bool>,
        acl: Option<Vec<Acl>>,
        dry_run: bool,
    ) -> Result<ImportReport> {
        let (tree, path) = (tree.clone(), path.to_owned());
        self.run("import_node", |zk| async move {
            zk.import_node(&tree, &path, trim, acl, dry_run).await
        })
    }

    /// The tree at `path` in the tree text format (zc.zk's
    /// `export_tree(path, ephemeral, name)`); see
    /// [`crate::ZooKeeper::export_tree`].
    pub fn export_tree(&self, path: &str, ephemeral: bool, name: Option<&str>) -> Result<String> {
        let (path, name) = (path.to_owned(), name.map(str::to_owned));
        self.run("export_tree", |zk| async move {
            zk.export_tree(&path, ephemeral, name.as_deref()).await
        })
    }

    /// Reads the tree at `path` into the [tree model](crate::tree); see
    /// [`crate::ZooKeeper::read_tree`].
    pub fn read_tree(&self, path: &str, ephemeral: bool) -> Result<Option<Node>> {
        let path = path.to_owned();
        self.run("read_tree", |zk| async move { zk.read_tree(&path, ephemeral).await })
    }

    /// What [`print_tree`](Self::print_tree) prints.
    pub fn print_tree_text(&self, path: &str) -> Result<String> {
        let path = path.to_owned();
        self.run("print_tree", |zk| async move { zk.print_tree_text(&path).await })
    }

    /// Prints the tree at `path`, ephemeral nodes included, to standard
    /// output (zc.zk's `print_tree`).
    pub fn print_tree(&self, path: &str) -> Result<()> {
        print!("{}", self.print_tree_text(path)?);
        Ok(())
    }

    /// Deletes the node at `path` and everything below it, sparing
    /// ephemeral nodes unless `force` (zc.zk's `delete_recursive(path,
    /// dry_run, force, ignore_if_ephemeral)`); returns the lines zc.zk
    /// prints. See [`crate::ZooKeeper::delete_recursive`].
    pub fn delete_recursive(
        &self,
        path: &str,
        dry_run: bool,
        force: bool,
        ignore_if_ephemeral: bool,
    ) -> Result<Vec<String>> {
        let path = path.to_owned();
        self.run("delete_recursive", |zk| async move {
            zk.delete_recursive(&path, dry_run, force, ignore_if_ephemeral).await
        })
    }

    /// Walks the tree at `path` lazily, in pre-order (zc.zk's `walk(path,
    /// ephemeral, children)`); see [`crate::ZooKeeper::walk`].
    ///
    /// ```no_run
    /// # fn example(zk: zookit_registry::blocking::ZooKeeper) -> zookit_registry::Result<()> {
    /// for path in zk.walk("/fooservice", true, false) {
    ///     println!("{}", path?);
    /// }
    /// let mut walk = zk.walk("/", true, true);
    /// while let Some(entry) = walk.next_entry() {
    ///     let entry = entry?;
    ///     entry.children.retain(|name| name != "zookeeper"); // don't go there
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn walk(&self, path: &str, ephemeral: bool, children: bool) -> Walk {
        Walk { walk: Some(self.async_helper().walk(path, ephemeral, children)), zk: self.clone() }
    }
}

/// A walk over a tree, from [`ZooKeeper::walk`]: an iterator of the paths,
/// or of the entries with [`next_entry`](Self::next_entry) (to prune).
/// Each step reads one node and is bounded by the command timeout; after a
/// step that timed out, the walk ends.
#[derive(Debug)]
pub struct Walk {
    walk: Option<crate::Walk>,
    zk: ZooKeeper,
}

impl Walk {
    /// The next node, or `None` at the end of the walk; see
    /// [`crate::Walk::next`]. With `children = true`, remove names from the
    /// entry's [`children`](WalkEntry::children) to prune.
    pub fn next_entry(&mut self) -> Option<Result<&mut WalkEntry>> {
        let mut walk = self.walk.take()?;
        let step = self.zk.run("walk", |_| async move {
            let step = walk.next().await.map(|entry| entry.map(|_| ()));
            Ok((walk, step))
        });
        match step {
            Ok((walk, step)) => {
                let walk = self.walk.insert(walk);
                match step? {
                    Ok(()) => walk.current_mut().map(Ok),
                    Err(err) => Some(Err(err)),
                }
            }
            Err(err) => Some(Err(err)),
        }
    }

    /// The paths of the rest of the walk; stops at the first error.
    pub fn paths(self) -> Result<Vec<String>> {
        self.collect()
    }
}

impl Iterator for Walk {
    type Item = Result<String>;

    /// The next node's path (zc.zk's `for path in zk.walk()`).
    fn next(&mut self) -> Option<Result<String>> {
        Some(self.next_entry()?.map(|entry| entry.path.clone()))
    }
}
