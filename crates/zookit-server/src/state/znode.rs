//! A znode as the tree stores it, compactly: its fixed fields inline, its
//! name and data in one allocation, its children (if any) in a sorted,
//! chunked set.

use zookit_proto::Stat;

use super::acl::AclId;

/// The `ephemeralOwner` of containers (`EphemeralType.CONTAINER_EPHEMERAL_OWNER`).
pub(crate) const CONTAINER_OWNER: i64 = i64::MIN;

/// The fields of a znode's stat the server keeps (`dataLength` and
/// `numChildren` are derived), as ZooKeeper's `StatPersisted`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct NodeStat {
    pub(crate) czxid: i64,
    pub(crate) mzxid: i64,
    pub(crate) pzxid: i64,
    pub(crate) ctime: i64,
    pub(crate) mtime: i64,
    pub(crate) ephemeral_owner: i64,
    pub(crate) version: i32,
    pub(crate) cversion: i32,
    pub(crate) aversion: i32,
}

impl NodeStat {
    /// The stat of a znode created by `zxid` at `time` (`DataTree.createStat`).
    pub(crate) fn created(zxid: i64, time: i64, ephemeral_owner: i64) -> Self {
        Self {
            czxid: zxid,
            mzxid: zxid,
            pzxid: zxid,
            ctime: time,
            mtime: time,
            ephemeral_owner,
            ..Self::default()
        }
    }

    /// The stat clients see (`DataNode.copyStat`): with the derived
    /// fields, the cversion counting deletions too (each child still present
    /// was created and not deleted: `2 * creations - children`), and the
    /// owner of containers and TTL znodes hidden.
    pub(crate) fn to_stat(self, data_length: usize, num_children: usize) -> Stat {
        let owner = self.ephemeral_owner;
        let hidden = owner == CONTAINER_OWNER || (owner as u64) >> 56 == 0xff;
        Stat {
            czxid: self.czxid,
            mzxid: self.mzxid,
            ctime: self.ctime,
            mtime: self.mtime,
            version: self.version,
            cversion: self.cversion.wrapping_mul(2).wrapping_sub(saturate(num_children)),
            aversion: self.aversion,
            ephemeral_owner: if hidden { 0 } else { owner },
            data_length: saturate(data_length),
            num_children: saturate(num_children),
            pzxid: self.pzxid,
        }
    }
}

fn saturate(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// One znode. Its name (the last component of its path) and its data share
/// one allocation; a leaf has no children allocation at all.
#[derive(Debug)]
pub(crate) struct Znode {
    pub(crate) stat: NodeStat,
    pub(crate) acl: AclId,
    /// The name's length, and in the high bit whether the data is null
    /// (ZooKeeper keeps null apart from empty).
    name_len: u32,
    bytes: Box<[u8]>,
    children: Option<Box<Children>>,
}

impl Znode {
    /// A childless znode; `None` data is null.
    pub(crate) fn new(name: &str, data: Option<&[u8]>, stat: NodeStat, acl: AclId) -> Self {
        let content = data.unwrap_or_default();
        let mut bytes = Vec::with_capacity(name.len() + content.len());
        bytes.extend_from_slice(name.as_bytes());
        bytes.extend_from_slice(content);
        // Names come from frames of at most jute.maxbuffer bytes.
        let name_len = u32::try_from(name.len()).unwrap_or(NULL_DATA - 1).min(NULL_DATA - 1);
        Self {
            stat,
            acl,
            name_len: name_len | if data.is_none() { NULL_DATA } else { 0 },
            bytes: bytes.into_boxed_slice(),
            children: None,
        }
    }

    fn name_end(&self) -> usize {
        (self.name_len & !NULL_DATA) as usize
    }

    /// The znode's name, as UTF-8 bytes.
    pub(crate) fn name(&self) -> &[u8] {
        &self.bytes[..self.name_end()]
    }

    /// The znode's data (empty if null).
    pub(crate) fn data(&self) -> &[u8] {
        &self.bytes[self.name_end()..]
    }

    /// The znode's data, `None` if null.
    pub(crate) fn nullable_data(&self) -> Option<&[u8]> {
        (self.name_len & NULL_DATA == 0).then(|| self.data())
    }

    /// Replaces the data; `None` is null.
    pub(crate) fn set_data(&mut self, data: Option<&[u8]>) {
        let name_end = self.name_end();
        let content = data.unwrap_or_default();
        let mut bytes = Vec::with_capacity(name_end + content.len());
        bytes.extend_from_slice(&self.bytes[..name_end]);
        bytes.extend_from_slice(content);
        self.bytes = bytes.into_boxed_slice();
        self.name_len = name_end as u32 | if data.is_none() { NULL_DATA } else { 0 };
    }

    /// The full stat.
    pub(crate) fn full_stat(&self) -> Stat {
        self.stat.to_stat(self.data().len(), self.num_children())
    }

    /// How many children the znode has.
    pub(crate) fn num_children(&self) -> usize {
        self.children.as_ref().map_or(0, |c| c.len())
    }

    /// The child called `name`.
    pub(crate) fn child(&self, name: &[u8]) -> Option<&Znode> {
        self.children.as_ref()?.get(name)
    }

    /// The child called `name`, to change it.
    pub(crate) fn child_mut(&mut self, name: &[u8]) -> Option<&mut Znode> {
        self.children.as_mut()?.get_mut(name)
    }

    /// Adds `child`; the caller has checked that no child has its name.
    pub(crate) fn add_child(&mut self, child: Znode) {
        self.children.get_or_insert_with(Default::default).insert(child);
    }

    /// Removes and returns the child called `name`.
    pub(crate) fn remove_child(&mut self, name: &[u8]) -> Option<Znode> {
        let children = self.children.as_mut()?;
        let removed = children.remove(name);
        if children.len() == 0 {
            self.children = None;
        }
        removed
    }

    /// The children, in name order.
    pub(crate) fn children(&self) -> impl Iterator<Item = &Znode> {
        self.children.iter().flat_map(|c| c.iter())
    }
}

/// The bit of `Znode::name_len` that marks null data.
const NULL_DATA: u32 = 1 << 31;

/// The most znodes one chunk of a children set holds.
const CHUNK: usize = 64;

/// A znode's children, sorted by name, in chunks of at most [`CHUNK`]
/// znodes: lookups are two binary searches, an insertion moves at most one
/// chunk, and children added in name order (sequential znodes) fill their
/// chunks completely.
#[derive(Debug, Default)]
pub(crate) struct Children {
    chunks: Vec<Vec<Znode>>,
    len: usize,
}

impl Children {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The chunk that holds `name`, or would: the last one whose first name
    /// is not after it.
    fn chunk_for(&self, name: &[u8]) -> usize {
        self.chunks.partition_point(|chunk| chunk[0].name() <= name).saturating_sub(1)
    }

    fn position(&self, name: &[u8]) -> Option<(usize, Result<usize, usize>)> {
        if self.chunks.is_empty() {
            return None;
        }
        let c = self.chunk_for(name);
        Some((c, self.chunks[c].binary_search_by(|node| node.name().cmp(name))))
    }

    pub(crate) fn get(&self, name: &[u8]) -> Option<&Znode> {
        match self.position(name)? {
            (c, Ok(i)) => Some(&self.chunks[c][i]),
            _ => None,
        }
    }

    pub(crate) fn get_mut(&mut self, name: &[u8]) -> Option<&mut Znode> {
        match self.position(name)? {
            (c, Ok(i)) => Some(&mut self.chunks[c][i]),
            _ => None,
        }
    }

    /// Inserts `node`, whose name must not be present.
    pub(crate) fn insert(&mut self, node: Znode) {
        self.len += 1;
        let Some((c, Err(i))) = self.position(node.name()) else {
            if self.chunks.is_empty() {
                self.chunks.push(vec![node]);
                return;
            }
            debug_assert!(false, "inserting a name that is present");
            return;
        };
        let last = c + 1 == self.chunks.len();
        let chunk = &mut self.chunks[c];
        if chunk.len() < CHUNK {
            chunk.insert(i, node);
        } else if last && i == chunk.len() {
            // Appending in name order: start a new chunk, keep this one full.
            let mut fresh = Vec::with_capacity(CHUNK);
            fresh.push(node);
            self.chunks.push(fresh);
        } else {
            let mut right = Vec::with_capacity(CHUNK);
            right.extend(chunk.drain(CHUNK / 2..));
            if i <= chunk.len() {
                chunk.insert(i, node);
            } else {
                right.insert(i - CHUNK / 2, node);
            }
            self.chunks.insert(c + 1, right);
        }
    }

    /// Removes the znode called `name`.
    pub(crate) fn remove(&mut self, name: &[u8]) -> Option<Znode> {
        let (c, Ok(i)) = self.position(name)? else {
            return None;
        };
        self.len -= 1;
        let node = self.chunks[c].remove(i);
        let len = self.chunks[c].len();
        if len == 0 {
            self.chunks.remove(c);
        } else if len <= CHUNK / 4 {
            // Keep chunks dense: merge a small chunk into a neighbour with
            // room, or give back the memory it no longer needs.
            if c + 1 < self.chunks.len() && len + self.chunks[c + 1].len() <= CHUNK {
                let next = self.chunks.remove(c + 1);
                self.chunks[c].extend(next);
            } else if c > 0 && len + self.chunks[c - 1].len() <= CHUNK {
                let this = self.chunks.remove(c);
                self.chunks[c - 1].extend(this);
            } else {
                self.chunks[c].shrink_to(CHUNK / 2);
            }
        }
        Some(node)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Znode> {
        self.chunks.iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str) -> Znode {
        Znode::new(name, Some(name.as_bytes()), NodeStat::default(), AclId::default())
    }

    fn names(children: &Children) -> Vec<String> {
        children.iter().map(|n| String::from_utf8(n.name().to_vec()).unwrap()).collect()
    }

    #[test]
    fn name_and_data_share_one_allocation() {
        let mut n = Znode::new("child", Some(b"data"), NodeStat::default(), AclId::default());
        assert_eq!((n.name(), n.data()), (&b"child"[..], &b"data"[..]));
        n.set_data(Some(b""));
        assert_eq!((n.name(), n.nullable_data()), (&b"child"[..], Some(&b""[..])));
        assert_eq!(n.full_stat().data_length, 0);
        n.set_data(None);
        assert_eq!((n.name(), n.nullable_data()), (&b"child"[..], None));
        let null = Znode::new("n", None, NodeStat::default(), AclId::default());
        assert_eq!((null.name(), null.nullable_data()), (&b"n"[..], None));
    }

    #[test]
    fn children_stay_sorted_whatever_the_insertion_order() {
        let mut children = Children::default();
        let mut expected = Vec::new();
        // A scrambled order covering inserts at the front, middle and end.
        for i in 0..1000_u32 {
            let name = format!("n{:04}", (i * 7919) % 1000);
            children.insert(node(&name));
            expected.push(name);
        }
        expected.sort();
        assert_eq!(names(&children), expected);
        assert_eq!(children.len(), 1000);
        for name in &expected {
            assert_eq!(children.get(name.as_bytes()).unwrap().data(), name.as_bytes());
        }
        assert!(children.get(b"n").is_none() && children.get(b"z").is_none());
        assert!(children.chunks.iter().all(|c| !c.is_empty() && c.len() <= CHUNK));
    }

    #[test]
    fn appending_in_order_fills_chunks() {
        let mut children = Children::default();
        for i in 0..(CHUNK * 10) {
            children.insert(node(&format!("seq-{i:010}")));
        }
        assert_eq!(children.chunks.len(), 10);
        assert!(children.chunks.iter().all(|c| c.len() == CHUNK));
    }

    #[test]
    fn removing_keeps_order_and_merges_small_chunks() {
        let mut children = Children::default();
        for i in 0..(CHUNK * 8) {
            children.insert(node(&format!("k{i:05}")));
        }
        for i in (0..(CHUNK * 8)).filter(|i| i % 8 != 0) {
            assert!(children.remove(format!("k{i:05}").as_bytes()).is_some());
        }
        assert!(children.remove(b"k00001").is_none());
        let left = names(&children);
        assert_eq!(left.len(), CHUNK);
        assert!(left.windows(2).all(|w| w[0] < w[1]));
        assert!(children.chunks.len() <= 2, "{} chunks", children.chunks.len());
        for name in left {
            assert!(children.remove(name.as_bytes()).is_some());
        }
        assert_eq!((children.len(), children.chunks.len()), (0, 0));
    }

    #[test]
    fn a_leaf_has_no_children_allocation() {
        let mut parent = node("p");
        assert!(parent.children.is_none());
        parent.add_child(node("c"));
        assert_eq!(parent.num_children(), 1);
        assert!(parent.remove_child(b"c").is_some());
        assert!(parent.children.is_none());
        assert!(parent.remove_child(b"c").is_none());
    }
}
