//! Where answers go, and the reply bodies encoded straight from the tree.

use bytes::BufMut;
use zookit_proto::{Encode, ReplyHeader, Stat, WATCH_XID, WatcherEvent};

use super::ConnId;
use super::znode::Znode;

/// Receives what the state sends: frames for connections, and requests to
/// close them.
pub(crate) trait Outbound {
    /// Queues `record` as one frame for connection `conn`.
    fn send(&mut self, conn: ConnId, record: &impl Encode);

    /// Closes `conn` once the frames queued before are written.
    fn close(&mut self, conn: ConnId);
}

/// A notification frame.
pub(crate) fn event_frame(event: WatcherEvent) -> (ReplyHeader, WatcherEvent) {
    (ReplyHeader { xid: WATCH_XID, zxid: -1, err: Default::default() }, event)
}

fn put_bytes<B: BufMut + ?Sized>(buf: &mut B, bytes: &[u8]) {
    buf.put_i32(i32::try_from(bytes.len()).unwrap_or(i32::MAX));
    buf.put_slice(bytes);
}

/// The body of a `getData` answer, borrowing the data (`None`: null).
pub(crate) struct DataBody<'a> {
    pub(crate) data: Option<&'a [u8]>,
    pub(crate) stat: Stat,
}

impl<'a> DataBody<'a> {
    /// The answer for `node`.
    pub(crate) fn of(node: &'a Znode) -> Self {
        Self { data: node.nullable_data(), stat: node.full_stat() }
    }
}

impl Encode for DataBody<'_> {
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        match self.data {
            Some(data) => put_bytes(buf, data),
            None => buf.put_i32(-1),
        }
        self.stat.encode(buf);
    }

    fn encoded_len(&self) -> usize {
        4 + self.data.map_or(0, <[u8]>::len) + self.stat.encoded_len()
    }
}

/// The body of a `getChildren` (no stat) or `getChildren2` answer, listing
/// the names straight from the znode.
pub(crate) struct ChildrenBody<'a> {
    pub(crate) node: &'a Znode,
    pub(crate) stat: Option<Stat>,
}

impl Encode for ChildrenBody<'_> {
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        buf.put_i32(i32::try_from(self.node.num_children()).unwrap_or(i32::MAX));
        for child in self.node.children() {
            put_bytes(buf, child.name());
        }
        if let Some(stat) = &self.stat {
            stat.encode(buf);
        }
    }

    fn encoded_len(&self) -> usize {
        let names: usize = self.node.children().map(|c| 4 + c.name().len()).sum();
        4 + names + self.stat.as_ref().map_or(0, Encode::encoded_len)
    }
}
