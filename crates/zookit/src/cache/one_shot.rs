//! The cache's watches on servers before 3.6 (or when asked for): one-shot
//! watches, a data watch (`getData`) and a children watch (`getChildren`)
//! per node, set again as they fire, as kazoo's `TreeCache` does. A missing
//! root gets an exists watch.
//!
//! A node has at most one watch of each kind at a time: a read asks for a
//! watch only when none is set or asked for. Fired watches come back to the
//! cache's task through a channel, each with the id it was set with, so
//! that a watch that is no longer the node's (its session ended) is told
//! apart and ignored.

use std::collections::HashMap;

use tokio::sync::mpsc;
use tracing::trace;

use super::refresh::Refresh;
use crate::{Watch, WatchedEvent};

/// The kinds of one-shot watches the cache sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// From `getData`: the node's data changed, or it was deleted.
    Data,
    /// From `getChildren`: a child was created or deleted, or the node was.
    Children,
    /// From `exists` on the missing root: it was created.
    Exists,
}

/// One watch kind of a node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Slot {
    #[default]
    Empty,
    /// A read asked for watch `id` and is not answered yet.
    Asked(u64),
    /// Watch `id` is set and has not fired.
    Set(u64),
}

#[derive(Debug, Default)]
struct Slots {
    data: Slot,
    children: Slot,
    exists: Slot,
}

impl Slots {
    fn get(&mut self, kind: Kind) -> &mut Slot {
        match kind {
            Kind::Data => &mut self.data,
            Kind::Children => &mut self.children,
            Kind::Exists => &mut self.exists,
        }
    }

    fn is_empty(&self) -> bool {
        [self.data, self.children, self.exists].iter().all(|s| *s == Slot::Empty)
    }
}

/// A watch that fired, on its way back to the cache's task.
#[derive(Debug)]
pub(super) struct Fired {
    id: u64,
    kind: Kind,
    path: String,
    event: WatchedEvent,
}

/// The one-shot watches of a cache.
#[derive(Debug)]
pub(super) struct OneShot {
    slots: HashMap<String, Slots>,
    next_id: u64,
    fired_sender: mpsc::UnboundedSender<Fired>,
    fired: mpsc::UnboundedReceiver<Fired>,
}

impl OneShot {
    pub(super) fn new() -> Self {
        let (fired_sender, fired) = mpsc::unbounded_channel();
        Self { slots: HashMap::new(), next_id: 1, fired_sender, fired }
    }

    /// The id of a watch of `kind` to ask for with a read of `path`, unless
    /// one is set or asked for already.
    pub(super) fn want(&mut self, path: &str, kind: Kind) -> Option<u64> {
        let slot = self.slots.entry(path.to_owned()).or_default().get(kind);
        if *slot != Slot::Empty {
            return None;
        }
        let id = self.next_id;
        self.next_id += 1;
        *slot = Slot::Asked(id);
        Some(id)
    }

    /// The read that asked for watch `id` was answered, with the watch if
    /// the server set it (`None` if the read failed).
    pub(super) fn settle(&mut self, path: &str, kind: Kind, id: u64, watch: Option<Watch>) {
        let Some(slots) = self.slots.get_mut(path) else { return };
        let slot = slots.get(kind);
        if *slot != Slot::Asked(id) {
            return; // (the watch, if any, is dropped: removed from the server)
        }
        match watch {
            Some(watch) => {
                *slot = Slot::Set(id);
                let fired = self.fired_sender.clone();
                tokio::spawn(forward(watch, id, kind, path.to_owned(), fired));
            }
            None => {
                *slot = Slot::Empty;
                if slots.is_empty() {
                    self.slots.remove(path);
                }
            }
        }
    }

    /// A new session began: the watches set in the old one are gone (they
    /// end with a terminal event, ignored). Reads still out keep their
    /// claim: their answers say whether they set a watch.
    pub(super) fn new_session(&mut self) {
        self.slots.retain(|_, slots| {
            for kind in [Kind::Data, Kind::Children, Kind::Exists] {
                let slot = slots.get(kind);
                if matches!(slot, Slot::Set(_)) {
                    *slot = Slot::Empty;
                }
            }
            !slots.is_empty()
        });
    }

    /// The next fired watch that is still the node's, and what to read.
    pub(super) async fn next(&mut self) -> Refresh {
        loop {
            // The sender is kept here, so the channel never closes.
            let Some(fired) = self.fired.recv().await else {
                return std::future::pending().await;
            };
            if let Some(refresh) = self.fired(fired) {
                return refresh;
            }
        }
    }

    /// Frees the slot of a fired watch; what to read, if it was the one set.
    fn fired(&mut self, fired: Fired) -> Option<Refresh> {
        let slots = self.slots.get_mut(&fired.path)?;
        let slot = slots.get(fired.kind);
        if *slot != Slot::Set(fired.id) {
            return None;
        }
        *slot = Slot::Empty;
        if slots.is_empty() {
            self.slots.remove(&fired.path);
        }
        trace!(path = fired.path, kind = ?fired.kind, event = ?fired.event.event_type, "watch fired");
        // Whatever fired (a change, a deletion, the end of the session),
        // reading again tells what happened and sets the watch again.
        Some(match fired.kind {
            Kind::Data => Refresh::Data(fired.path),
            Kind::Children => Refresh::Children(fired.path),
            // The root was created (or, if it existed when the watch was
            // set, changed): load it all.
            Kind::Exists => Refresh::Load(fired.path),
        })
    }
}

/// Waits for watch `id` and sends it back; gives up (dropping the watch,
/// which removes it from the server) when the cache is gone.
async fn forward(
    watch: Watch,
    id: u64,
    kind: Kind,
    path: String,
    sender: mpsc::UnboundedSender<Fired>,
) {
    tokio::select! {
        event = watch => {
            let _ = sender.send(Fired { id, kind, path, event });
        }
        () = sender.closed() => {}
    }
}

#[cfg(test)]
mod tests {
    use zookit_proto::EventType;

    use super::*;

    #[test]
    fn one_watch_of_each_kind_per_node() {
        let mut watches = OneShot::new();
        let data = watches.want("/a", Kind::Data).unwrap();
        assert_eq!(watches.want("/a", Kind::Data), None, "already asked for");
        let children = watches.want("/a", Kind::Children).unwrap();
        assert_ne!(data, children);
        // The read failed: a watch may be asked for again.
        watches.settle("/a", Kind::Data, data, None);
        let again = watches.want("/a", Kind::Data).unwrap();
        assert_ne!(again, data);
        watches.settle("/a", Kind::Data, again, None);
        watches.settle("/a", Kind::Children, children, None);
        assert!(watches.slots.is_empty());
    }

    #[test]
    fn only_the_set_watch_counts_when_it_fires() {
        let mut watches = OneShot::new();
        let id = watches.want("/a", Kind::Children).unwrap();
        watches.slots.get_mut("/a").unwrap().children = Slot::Set(id);
        let event = WatchedEvent {
            event_type: EventType::NodeChildrenChanged,
            state: zookit_proto::KeeperState::SyncConnected,
            path: Some("/a".into()),
        };
        let fired =
            |id| Fired { id, kind: Kind::Children, path: "/a".into(), event: event.clone() };
        assert_eq!(watches.fired(fired(id + 1)), None, "not the node's watch");
        assert_eq!(watches.fired(fired(id)), Some(Refresh::Children("/a".into())));
        assert_eq!(watches.fired(fired(id)), None, "fired once");

        let id = watches.want("/b", Kind::Data).unwrap();
        watches.slots.get_mut("/b").unwrap().data = Slot::Set(id);
        let asked = watches.want("/b", Kind::Exists).unwrap();
        watches.new_session();
        assert_eq!(watches.slots["/b"].data, Slot::Empty, "gone with the old session");
        assert_eq!(watches.slots["/b"].exists, Slot::Asked(asked), "still asked for");
    }
}
