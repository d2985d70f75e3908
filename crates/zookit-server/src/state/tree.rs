//! The data tree (ZooKeeper's `DataTree`): znodes by path, the ACLs they
//! share, and the indexes of ephemeral, container and TTL znodes. Changes
//! come in as applied transactions; checks happen before (see `prep`).

use std::collections::{BTreeSet, HashMap};

use zookit_proto::{Acl, CONFIG_NODE, ErrorCode, EventType};

use super::acl::{AclCache, AclId, open_acl_unsafe, read_acl_unsafe};
use super::java_hash::JavaStringSet;
use super::znode::{CONTAINER_OWNER, NodeStat, Znode};

/// ZooKeeper's own znode.
pub(crate) const ZOOKEEPER_NODE: &str = "/zookeeper";
/// The root of quota settings.
pub(crate) const QUOTA_NODE: &str = "/zookeeper/quota";

/// The high byte of the `ephemeralOwner` of TTL znodes.
const EXTENDED_MASK: i64 = 0xff00_0000_0000_0000_u64 as i64;
/// The bits of an extended `ephemeralOwner` that say which feature it is.
const RESERVED_BITS_MASK: i64 = 0x00ff_ff00_0000_0000;
/// The largest TTL, in milliseconds.
pub(crate) const MAX_TTL: i64 = !(EXTENDED_MASK | RESERVED_BITS_MASK);

/// What an `ephemeralOwner` says a znode is (`EphemeralType`, with
/// extended types enabled).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NodeKind {
    /// Persistent.
    Persistent,
    /// Ephemeral, owned by a session.
    Ephemeral,
    /// A container.
    Container,
    /// With a time to live, in milliseconds.
    Ttl(i64),
}

impl NodeKind {
    pub(crate) fn of(ephemeral_owner: i64, extended_types: bool) -> Self {
        if extended_types && ephemeral_owner & EXTENDED_MASK == EXTENDED_MASK {
            // Only the TTL feature (bits 0) exists; others are not created.
            return Self::Ttl(ephemeral_owner & MAX_TTL);
        }
        match ephemeral_owner {
            CONTAINER_OWNER => Self::Container,
            0 => Self::Persistent,
            _ => Self::Ephemeral,
        }
    }
}

/// The `ephemeralOwner` of a TTL znode.
pub(crate) fn ttl_owner(ttl: i64) -> i64 {
    EXTENDED_MASK | ttl
}

/// Which watch table a trigger goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WatchTable {
    Data,
    Child,
}

/// A watch trigger produced by a change, in the order ZooKeeper's
/// `DataTree` fires them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Trigger {
    pub(crate) table: WatchTable,
    pub(crate) path: String,
    pub(crate) event: EventType,
    /// Skip the watchers the previous trigger notified (a deletion's child
    /// watches after its data watches).
    pub(crate) suppress_previous: bool,
}

/// The watch triggers of a change, collected only while someone watches.
#[derive(Debug, Default)]
pub(crate) struct Triggers {
    /// Whether to collect (any watch exists).
    pub(crate) enabled: bool,
    pub(crate) list: Vec<Trigger>,
}

impl Triggers {
    /// Collects every trigger.
    #[cfg(test)]
    pub(crate) fn recording() -> Self {
        Self { enabled: true, list: Vec::new() }
    }

    fn push(&mut self, table: WatchTable, path: &str, event: EventType, suppress_previous: bool) {
        if self.enabled {
            self.list.push(Trigger { table, path: path.to_owned(), event, suppress_previous });
        }
    }
}

/// The parent path and the name of `path`, split at its last `/`
/// (`"/a"` has the parent `""`, ZooKeeper's alias of the root).
pub(crate) fn split(path: &str) -> Option<(&str, &str)> {
    let slash = path.rfind('/')?;
    Some((&path[..slash], &path[slash + 1..]))
}

/// The path watch triggers use for a parent (`""` is `/`).
fn watch_path(parent: &str) -> &str {
    if parent.is_empty() { "/" } else { parent }
}

/// The data tree.
#[derive(Debug)]
pub(crate) struct DataTree {
    root: Znode,
    /// Znodes, the root included.
    count: usize,
    pub(crate) acls: AclCache,
    /// Paths of each session's ephemeral znodes (kept, even empty, until
    /// the session ends, as ZooKeeper keeps its sets).
    ephemerals: HashMap<i64, JavaStringSet>,
    containers: BTreeSet<String>,
    ttls: BTreeSet<String>,
    /// The sum of path and data lengths (`approximateDataSize`).
    data_size: usize,
    extended_types: bool,
}

impl DataTree {
    /// A tree with the root, `/zookeeper`, `/zookeeper/quota` and
    /// `/zookeeper/config`.
    pub(crate) fn new(extended_types: bool) -> Self {
        let mut acls = AclCache::default();
        let open = acls.intern(&open_acl_unsafe());
        let mut root = Znode::new("", Some(b""), NodeStat::default(), open);
        let mut zookeeper = Znode::new(
            "zookeeper",
            Some(b""),
            NodeStat::default(),
            acls.intern(&open_acl_unsafe()),
        );
        zookeeper.add_child(Znode::new(
            "quota",
            Some(b""),
            NodeStat::default(),
            acls.intern(&open_acl_unsafe()),
        ));
        // As DataTree.addConfigNode: setACL(READ_ACL_UNSAFE, version -1).
        let config_stat = NodeStat { aversion: -1, ..NodeStat::default() };
        zookeeper.add_child(Znode::new(
            "config",
            Some(b""),
            config_stat,
            acls.intern(&read_acl_unsafe()),
        ));
        root.add_child(zookeeper);
        // ZooKeeper counts the root's alias `/` too.
        let data_size = 1 + ZOOKEEPER_NODE.len() + QUOTA_NODE.len() + CONFIG_NODE.len();
        Self {
            root,
            count: 4,
            acls,
            ephemerals: HashMap::new(),
            containers: BTreeSet::new(),
            ttls: BTreeSet::new(),
            data_size,
            extended_types,
        }
    }

    /// Whether TTL znodes are enabled (`zookeeper.extendedTypesEnabled`).
    pub(crate) fn extended_types(&self) -> bool {
        self.extended_types
    }

    /// The znode at `path`, as ZooKeeper's path map finds it: `""` and `/`
    /// are the root; anything not a well-formed path is absent.
    pub(crate) fn get(&self, path: &str) -> Option<&Znode> {
        if path.is_empty() || path == "/" {
            return Some(&self.root);
        }
        let mut node = &self.root;
        for name in path.strip_prefix('/')?.split('/') {
            node = node.child(name.as_bytes())?;
        }
        Some(node)
    }

    fn get_mut(&mut self, path: &str) -> Option<&mut Znode> {
        if path.is_empty() || path == "/" {
            return Some(&mut self.root);
        }
        let mut node = &mut self.root;
        for name in path.strip_prefix('/')?.split('/') {
            node = node.child_mut(name.as_bytes())?;
        }
        Some(node)
    }

    /// The ACL of a znode.
    pub(crate) fn acl_of(&self, node: &Znode) -> &[Acl] {
        self.acls.get(node.acl)
    }

    /// The number of znodes as ZooKeeper counts them (its path map holds the
    /// root twice, as `""` and `/`).
    pub(crate) fn node_count(&self) -> usize {
        self.count + 1
    }

    /// `approximateDataSize`: the lengths of all paths and data.
    pub(crate) fn approximate_data_size(&self) -> usize {
        self.data_size
    }

    /// How many znodes are below `path` (`getAllChildrenNumber`).
    pub(crate) fn descendants(&self, path: &str) -> usize {
        match path {
            "/" => return self.count - 1,
            // Every path starts with "" + "/", the root's alias `/` too.
            "" => return self.count,
            _ => {}
        }
        fn count(node: &Znode) -> usize {
            node.children().map(|child| 1 + count(child)).sum()
        }
        self.get(path).map_or(0, count)
    }

    /// The paths of a session's ephemeral znodes, in the order ZooKeeper
    /// lists (and, when the session ends, deletes) them.
    pub(crate) fn ephemerals(&self, session: i64) -> Vec<&str> {
        self.ephemerals.get(&session).map(JavaStringSet::clone_order).unwrap_or_default()
    }

    /// Forgets a session that ended.
    pub(crate) fn forget_session(&mut self, session: i64) {
        self.ephemerals.remove(&session);
    }

    /// Every session that has had ephemeral znodes, and their paths.
    pub(crate) fn all_ephemerals(&self) -> impl Iterator<Item = (i64, &JavaStringSet)> {
        self.ephemerals.iter().map(|(session, paths)| (*session, paths))
    }

    /// The number of ephemeral znodes.
    pub(crate) fn ephemeral_count(&self) -> usize {
        self.ephemerals.values().map(JavaStringSet::len).sum()
    }

    /// Paths of containers and TTL znodes, candidates for reaping.
    pub(crate) fn containers_and_ttls(&self) -> (&BTreeSet<String>, &BTreeSet<String>) {
        (&self.containers, &self.ttls)
    }

    /// Creates a znode (`DataTree.createNode`). `parent_cversion` is the
    /// parent's new cversion, decided when the request was checked.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn create(
        &mut self,
        path: &str,
        data: Option<&[u8]>,
        acl: &[Acl],
        ephemeral_owner: i64,
        parent_cversion: i32,
        zxid: i64,
        time: i64,
        triggers: &mut Triggers,
    ) -> Result<&Znode, ErrorCode> {
        let (parent_path, name) = split(path).ok_or(ErrorCode::NoNode)?;
        if self.get(parent_path).ok_or(ErrorCode::NoNode)?.child(name.as_bytes()).is_some() {
            return Err(ErrorCode::NodeExists);
        }
        let acl = self.acls.intern(acl);
        let parent = self.get_mut(parent_path).ok_or(ErrorCode::NoNode)?;
        if parent_cversion > parent.stat.cversion {
            parent.stat.cversion = parent_cversion;
            parent.stat.pzxid = zxid;
        }
        let stat = NodeStat::created(zxid, time, ephemeral_owner);
        parent.add_child(Znode::new(name, data, stat, acl));
        self.added(path, data, ephemeral_owner);
        triggers.push(WatchTable::Data, path, EventType::NodeCreated, false);
        triggers.push(
            WatchTable::Child,
            watch_path(parent_path),
            EventType::NodeChildrenChanged,
            false,
        );
        self.get(path).ok_or(ErrorCode::NoNode)
    }

    /// Counts a znode just added and indexes it by kind.
    fn added(&mut self, path: &str, data: Option<&[u8]>, ephemeral_owner: i64) {
        self.count += 1;
        self.data_size += path.len() + data.map_or(0, <[u8]>::len);
        match NodeKind::of(ephemeral_owner, self.extended_types) {
            NodeKind::Container => {
                self.containers.insert(path.to_owned());
            }
            NodeKind::Ttl(_) => {
                self.ttls.insert(path.to_owned());
            }
            NodeKind::Ephemeral => {
                self.ephemerals.entry(ephemeral_owner).or_default().insert(path.to_owned());
            }
            NodeKind::Persistent => {}
        }
    }

    /// Puts a znode back as a snapshot holds it, stat and all, its parent
    /// restored before it; the znodes every tree has are overwritten.
    pub(crate) fn restore(
        &mut self,
        path: &str,
        data: Option<&[u8]>,
        acl: &[Acl],
        stat: NodeStat,
    ) -> Result<(), ErrorCode> {
        let acl = self.acls.intern(acl);
        if let Some(node) = self.get_mut(path) {
            let old_len = node.data().len();
            node.set_data(data);
            node.stat = stat;
            let old = std::mem::replace(&mut node.acl, acl);
            self.acls.release(old);
            self.data_size = (self.data_size + data.map_or(0, <[u8]>::len)).saturating_sub(old_len);
            return Ok(());
        }
        let parent = split(path).and_then(|(parent, name)| Some((self.get_mut(parent)?, name)));
        let Some((parent, name)) = parent else {
            self.acls.release(acl);
            return Err(ErrorCode::NoNode);
        };
        parent.add_child(Znode::new(name, data, stat, acl));
        self.added(path, data, stat.ephemeral_owner);
        Ok(())
    }

    /// Deletes a childless znode (`DataTree.deleteNode`).
    pub(crate) fn delete(
        &mut self,
        path: &str,
        zxid: i64,
        triggers: &mut Triggers,
    ) -> Result<(), ErrorCode> {
        let (parent_path, name) = split(path).ok_or(ErrorCode::NoNode)?;
        let parent = self.get_mut(parent_path).ok_or(ErrorCode::NoNode)?;
        let node = parent.remove_child(name.as_bytes());
        if zxid > parent.stat.pzxid {
            parent.stat.pzxid = zxid;
        }
        let node = node.ok_or(ErrorCode::NoNode)?;
        debug_assert_eq!(node.num_children(), 0, "only childless znodes are deleted");
        self.count -= 1;
        self.data_size = self.data_size.saturating_sub(path.len() + node.data().len());
        self.acls.release(node.acl);
        let owner = node.stat.ephemeral_owner;
        match NodeKind::of(owner, self.extended_types) {
            NodeKind::Container => {
                self.containers.remove(path);
            }
            NodeKind::Ttl(_) => {
                self.ttls.remove(path);
            }
            NodeKind::Ephemeral => {
                if let Some(paths) = self.ephemerals.get_mut(&owner) {
                    paths.remove(path);
                }
            }
            NodeKind::Persistent => {}
        }
        triggers.push(WatchTable::Data, path, EventType::NodeDeleted, false);
        triggers.push(WatchTable::Child, path, EventType::NodeDeleted, true);
        triggers.push(
            WatchTable::Child,
            watch_path(parent_path),
            EventType::NodeChildrenChanged,
            false,
        );
        Ok(())
    }

    /// Sets a znode's data (`DataTree.setData`).
    pub(crate) fn set_data(
        &mut self,
        path: &str,
        data: Option<&[u8]>,
        version: i32,
        zxid: i64,
        time: i64,
        triggers: &mut Triggers,
    ) -> Result<&Znode, ErrorCode> {
        let node = self.get_mut(path).ok_or(ErrorCode::NoNode)?;
        let old_len = node.data().len();
        node.set_data(data);
        node.stat.mtime = time;
        node.stat.mzxid = zxid;
        node.stat.version = version;
        self.data_size = (self.data_size + data.map_or(0, <[u8]>::len)).saturating_sub(old_len);
        triggers.push(WatchTable::Data, path, EventType::NodeDataChanged, false);
        self.get(path).ok_or(ErrorCode::NoNode)
    }

    /// Sets a znode's ACL (`DataTree.setACL`).
    pub(crate) fn set_acl(
        &mut self,
        path: &str,
        acl: &[Acl],
        aversion: i32,
    ) -> Result<&Znode, ErrorCode> {
        let new = self.acls.intern(acl);
        let Some(node) = self.get_mut(path) else {
            self.acls.release(new);
            return Err(ErrorCode::NoNode);
        };
        let old: AclId = std::mem::replace(&mut node.acl, new);
        node.stat.aversion = aversion;
        self.acls.release(old);
        self.get(path).ok_or(ErrorCode::NoNode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_tree_has_zookeepers_own_znodes() {
        let tree = DataTree::new(true);
        assert_eq!(tree.node_count(), 5, "as srvr's `Node count` on a fresh server");
        for path in ["", "/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"] {
            assert!(tree.get(path).is_some(), "{path}");
        }
        for path in ["zookeeper", "/zookeeper/", "//zookeeper", "/zookeeper//quota", "/x"] {
            assert!(tree.get(path).is_none(), "{path}");
        }
        let config = tree.get(CONFIG_NODE).unwrap();
        assert_eq!(config.stat.aversion, -1);
        assert_eq!(tree.acl_of(config), read_acl_unsafe().as_slice());
        assert_eq!(tree.descendants("/"), 3);
        assert_eq!(tree.descendants("/zookeeper"), 2);
        assert_eq!(tree.approximate_data_size(), 44, "as mntr's zk_approximate_data_size");
    }

    #[test]
    fn create_and_delete_keep_the_parent_stat_and_indexes() {
        let mut tree = DataTree::new(true);
        let acl = open_acl_unsafe();
        let mut triggers = Triggers::recording();
        tree.create("/a", Some(b"x"), &acl, 0, 1, 10, 100, &mut triggers).unwrap();
        tree.create("/a/e", Some(b""), &acl, 77, 1, 11, 101, &mut triggers).unwrap();
        tree.create("/a/c", Some(b""), &acl, CONTAINER_OWNER, 2, 12, 102, &mut triggers).unwrap();
        tree.create("/a/t", Some(b""), &acl, ttl_owner(5), 3, 13, 103, &mut triggers).unwrap();
        assert_eq!(
            tree.create("/a/e", Some(b""), &acl, 0, 4, 14, 104, &mut triggers).unwrap_err(),
            ErrorCode::NodeExists
        );
        let a = tree.get("/a").unwrap();
        assert_eq!((a.stat.cversion, a.stat.pzxid, a.num_children()), (3, 13, 3));
        assert_eq!(tree.ephemerals(77), ["/a/e"]);
        assert_eq!(NodeKind::of(ttl_owner(5), true), NodeKind::Ttl(5));
        assert_eq!(tree.containers_and_ttls().0.len() + tree.containers_and_ttls().1.len(), 2);
        tree.delete("/a/e", 20, &mut triggers).unwrap();
        let a = tree.get("/a").unwrap();
        assert_eq!(
            (a.stat.cversion, a.stat.pzxid, a.num_children()),
            (3, 20, 2),
            "delete leaves cversion"
        );
        assert!(tree.ephemerals(77).is_empty());
        assert_eq!(tree.delete("/a/e", 21, &mut triggers), Err(ErrorCode::NoNode));
        assert_eq!(tree.get("/a").unwrap().stat.pzxid, 21);
        assert_eq!(tree.descendants("/"), 6);
        assert_eq!(tree.descendants("/a"), 2);
    }

    #[test]
    fn triggers_come_in_datatree_order() {
        let mut tree = DataTree::new(true);
        let mut triggers = Triggers::recording();
        tree.create("/a", Some(b""), &open_acl_unsafe(), 0, 1, 1, 1, &mut triggers).unwrap();
        tree.set_data("/a", Some(b"y"), 1, 2, 2, &mut triggers).unwrap();
        tree.delete("/a", 3, &mut triggers).unwrap();
        let summary: Vec<_> = triggers
            .list
            .iter()
            .map(|t| (t.table, t.path.as_str(), t.event, t.suppress_previous))
            .collect();
        use EventType::*;
        use WatchTable::*;
        assert_eq!(
            summary,
            [
                (Data, "/a", NodeCreated, false),
                (Child, "/", NodeChildrenChanged, false),
                (Data, "/a", NodeDataChanged, false),
                (Data, "/a", NodeDeleted, false),
                (Child, "/a", NodeDeleted, true),
                (Child, "/", NodeChildrenChanged, false),
            ]
        );
    }

    #[test]
    fn acls_are_counted() {
        let mut tree = DataTree::new(true);
        let mut triggers = Triggers::recording();
        let before = tree.acls.len();
        let acl = read_acl_unsafe();
        tree.create("/a", Some(b""), &open_acl_unsafe(), 0, 1, 1, 1, &mut triggers).unwrap();
        tree.set_acl(
            "/a",
            &[Acl::new(zookit_proto::Perms::READ, zookit_proto::Id::new("ip", "1.2.3.4"))],
            1,
        )
        .unwrap();
        assert_eq!(tree.acls.len(), before + 1);
        tree.set_acl("/a", &acl, 2).unwrap();
        assert_eq!(tree.acls.len(), before);
        tree.delete("/a", 2, &mut triggers).unwrap();
        assert_eq!(tree.acls.len(), before);
    }
}
