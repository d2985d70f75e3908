//! Importing a tree text into the server, zc.zk's `import_tree`.

use std::collections::HashMap;

use bytes::Bytes;
use zookit::acl::open_acl_unsafe;
use zookit::{Acl, Client, Stat};

use super::batch::{Write, apply};
use super::delete::DeletePlan;
use super::pipeline::{Pipeline, ReadOptions, Znode, children_of, read_subtrees};
use crate::tree::{Node, parse_tree};
use crate::value::{decode_node_data, encode_node_data};
use crate::{Result, ZooKeeper};
use zookit::join_path;

/// What an import did, or with `dry_run` would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportReport {
    /// The lines zc.zk prints, in its order, without line ends:
    /// `extra path not trimmed: /x`, the messages of trimming (see
    /// [`ZooKeeper::delete_recursive`]) and, in a dry run, `add /x`, `would
    /// delete /x.` and the property changes.
    pub messages: Vec<String>,
    /// The nodes created (none in a dry run).
    pub created: usize,
    /// The data and ACL updates of existing nodes (none in a dry run).
    pub updated: usize,
    /// The nodes deleted by trimming (none in a dry run).
    pub deleted: usize,
}

impl ImportReport {
    /// Prints the messages to standard output, one a line, as zc.zk prints
    /// them.
    pub fn print(&self) {
        for message in &self.messages {
            println!("{message}");
        }
    }
}

/// A node of the imported tree that exists on the server.
struct Existing {
    /// Its children, sorted.
    children: Vec<String>,
    /// Its data (read in dry runs, for the property changes).
    data: Bytes,
    /// Its ACL and stat (read for real imports, to set the ACL if it
    /// differs).
    acl: Option<(Vec<Acl>, Stat)>,
}

impl ZooKeeper {
    /// Imports a tree text (see [`tree`](crate::tree)) under `path` (zc.zk's
    /// `import_tree`; a trailing `/` is ignored), returning the lines zc.zk
    /// prints.
    ///
    /// For each node of the text, in order (parents first, siblings
    /// sorted): an existing node's data is replaced by the node's
    /// properties (with its `type`, links stored as `'name ->'` and property
    /// links as `'name =>'`) and its ACL set to `acl` if it differs; a
    /// missing node is created with them. Nodes not in the text, below the
    /// imported nodes, are:
    ///
    /// - with `trim = None`, left, each with an `extra path not trimmed: /x`
    ///   message;
    /// - with `trim = Some(false)`, left silently;
    /// - with `trim = Some(true)`, deleted with
    ///   [`delete_recursive`](Self::delete_recursive): ephemeral nodes and
    ///   the nodes containing them are kept.
    ///
    /// Nodes directly under `path` (the top-level nodes) are never trimmed.
    /// `acl` defaults to [`open_acl_unsafe`], zc.zk's default (everyone may
    /// do everything).
    ///
    /// A dry run changes nothing and says what would change: `add /x` for a
    /// missing node (and nothing for the nodes under it), `would delete
    /// /x.` for trimming, and for an existing node's properties zc.zk's
    /// lines: `/x remove property name = value`, `/x name change from old
    /// to new`, `/x add property name = value`, and for links `/x remove
    /// link name -> target`, `/x name link change from old to new`, `/x add
    /// link name -> target` (property links are worded as properties, as in
    /// zc.zk).
    ///
    /// Fast for large trees: the existing tree is read with many requests in
    /// flight, and the writes are made in order in transactions of a few
    /// hundred; should one fail, its writes are made one at a time, so that
    /// the error is that of the first write that fails, with every write
    /// before it applied (as zc.zk, which writes one node at a time).
    /// ACL changes are sent one at a time.
    pub async fn import_tree(
        &self,
        text: &str,
        path: &str,
        trim: Option<bool>,
        acl: Option<Vec<Acl>>,
        dry_run: bool,
    ) -> Result<ImportReport> {
        let tree = parse_tree(text)?;
        self.import_node(&tree, path, trim, acl, dry_run).await
    }

    /// [`import_tree`](Self::import_tree) of a parsed (or built) tree: the
    /// children of `tree` are the top-level nodes; `tree`'s own
    /// properties are ignored.
    pub async fn import_node(
        &self,
        tree: &Node,
        path: &str,
        trim: Option<bool>,
        acl: Option<Vec<Acl>>,
        dry_run: bool,
    ) -> Result<ImportReport> {
        let base = match path.trim_end_matches('/') {
            "" => "/",
            base => base,
        };
        let existing = read_existing(self.client(), tree, base, dry_run).await?;
        let extras = if trim == Some(true) {
            let roots = extra_paths(tree, base, &existing);
            let options = ReadOptions {
                data: false,
                ephemeral: true,
                roots_must_exist: false,
                hide_reserved: false,
            };
            read_subtrees(self.client(), &roots, options).await?
        } else {
            HashMap::new()
        };
        let mut planner = Planner {
            existing: &existing,
            extras: &extras,
            trim,
            dry_run,
            acl: acl.unwrap_or_else(open_acl_unsafe),
            plan: DeletePlan::default(),
        };
        planner.node(base, tree, true);
        let DeletePlan { messages, writes } = planner.plan;
        let applied = apply(self.client(), &writes).await?;
        Ok(ImportReport {
            messages,
            created: applied.created,
            updated: applied.updated,
            deleted: applied.deleted,
        })
    }
}

/// Reads the nodes of the server that the tree's nodes would be imported
/// into (below `base`, not `base` itself), many at a time: their children,
/// and their data (dry run) or ACL. Nodes under a missing node are not read.
async fn read_existing(
    client: &Client,
    tree: &Node,
    base: &str,
    dry_run: bool,
) -> Result<HashMap<String, Existing>> {
    let mut existing = HashMap::new();
    let mut waiting = HashMap::new();
    let mut pipeline = Pipeline::new();
    read_children(client, &mut pipeline, &mut waiting, base, tree, dry_run);
    while let Some((path, read)) = pipeline.next().await {
        let node = waiting.remove(&path).expect("every read is of a node of the tree");
        match read {
            Ok(found) => {
                read_children(client, &mut pipeline, &mut waiting, &path, node, dry_run);
                existing.insert(path, found);
            }
            Err(e) if e.is_no_node() => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(existing)
}

/// Starts reading the nodes of the server that the children of `node`
/// would be imported into.
fn read_children<'a>(
    client: &Client,
    pipeline: &mut Pipeline<(String, zookit::Result<Existing>)>,
    waiting: &mut HashMap<String, &'a Node>,
    parent: &str,
    node: &'a Node,
    dry_run: bool,
) {
    for (name, child) in &node.children {
        let path = join_path(parent, name);
        pipeline.push(read_one(client.clone(), path.clone(), dry_run));
        waiting.insert(path, child);
    }
}

async fn read_one(
    client: Client,
    path: String,
    dry_run: bool,
) -> (String, zookit::Result<Existing>) {
    let read = read_node(&client, &path, dry_run).await;
    (path, read)
}

/// Reads a node's children, and its data (dry run) or ACL.
async fn read_node(client: &Client, path: &str, dry_run: bool) -> zookit::Result<Existing> {
    let (data, acl, stat) = if dry_run {
        let (data, stat) = client.get(path).await?;
        (data, None, stat)
    } else {
        let (acl, stat) = client.get_acls(path).await?;
        (Bytes::new(), Some(acl), stat)
    };
    let mut children = children_of(client, path, &stat).await?;
    children.sort_unstable();
    Ok(Existing { children, data, acl: acl.map(|acl| (acl, stat)) })
}

/// The paths of the existing nodes that are not in the tree, below its
/// existing nodes (the candidates for trimming).
fn extra_paths(tree: &Node, base: &str, existing: &HashMap<String, Existing>) -> Vec<String> {
    let mut extras = Vec::new();
    let mut stack: Vec<(String, &Node)> =
        tree.children.iter().map(|(name, child)| (join_path(base, name), child)).collect();
    while let Some((path, node)) = stack.pop() {
        let Some(found) = existing.get(&path) else { continue };
        for name in &found.children {
            if !node.children.contains_key(name) {
                extras.push(join_path(&path, name));
            }
        }
        stack.extend(node.children.iter().map(|(name, child)| (join_path(&path, name), child)));
    }
    extras
}

/// Plans an import the way zc.zk's `_import_tree` goes, from what was read.
struct Planner<'a> {
    existing: &'a HashMap<String, Existing>,
    extras: &'a HashMap<String, Znode>,
    trim: Option<bool>,
    dry_run: bool,
    acl: Vec<Acl>,
    plan: DeletePlan,
}

impl Planner<'_> {
    fn node(&mut self, path: &str, node: &Node, top: bool) {
        if !top {
            let children = self.existing.get(path).map_or(&[][..], |found| &found.children[..]);
            for name in children.iter().filter(|name| !node.children.contains_key(*name)) {
                let extra = join_path(path, name);
                match self.trim {
                    Some(true) => {
                        self.plan.node(self.extras, &extra, self.dry_run, false, true);
                    }
                    Some(false) => {}
                    None => self.plan.messages.push(format!("extra path not trimmed: {extra}")),
                }
            }
        }
        for (name, child) in &node.children {
            let path = join_path(path, name);
            let properties = child.stored_properties();
            match (self.existing.get(&path), self.dry_run) {
                (Some(found), true) => {
                    let old = decode_node_data(&found.data);
                    self.plan.messages.extend(super::diff::property_changes(
                        &path,
                        &old,
                        &properties,
                    ));
                }
                (Some(found), false) => {
                    let data = encode_node_data(&properties);
                    self.plan.writes.push(Write::Set { path: path.clone(), data });
                    if let Some((acl, stat)) = &found.acl {
                        if *acl != self.acl {
                            self.plan.writes.push(Write::SetAcl {
                                path: path.clone(),
                                acl: self.acl.clone(),
                                version: stat.aversion,
                            });
                        }
                    }
                }
                (None, true) => {
                    self.plan.messages.push(format!("add {path}"));
                    continue;
                }
                (None, false) => {
                    let data = encode_node_data(&properties);
                    let acl = self.acl.clone();
                    self.plan.writes.push(Write::Create { path: path.clone(), data, acl });
                }
            }
            self.node(&path, child, false);
        }
    }
}
