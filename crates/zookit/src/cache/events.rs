//! What a [`TreeCache`](super::TreeCache) reports: [`TreeEvent`], the
//! [`TreeEvents`] stream, and the bus that hands events to every stream.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use tokio::sync::mpsc;
use zookit_proto::Stat;

/// A change of a [`TreeCache`](super::TreeCache), as kazoo's `TreeEvent`
/// types name them (`NODE_ADDED`, `NODE_UPDATED`, ...).
///
/// Node events carry the node's path (as the client sees it, without the
/// chroot), its data and its stat: the new ones for `NodeAdded` and
/// `NodeUpdated`, the last ones cached for `NodeRemoved`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TreeEvent {
    /// A node appeared in the cache: found by the initial load or a
    /// resynchronisation, or created.
    NodeAdded {
        /// The node's path.
        path: String,
        /// Its data.
        data: Bytes,
        /// Its stat.
        stat: Stat,
    },
    /// A cached node's data changed (its `mzxid` moved on).
    NodeUpdated {
        /// The node's path.
        path: String,
        /// Its new data.
        data: Bytes,
        /// Its new stat.
        stat: Stat,
    },
    /// A node left the cache: it was deleted. (A node deleted and created
    /// again is reported as removed, then added.)
    NodeRemoved {
        /// The node's path.
        path: String,
        /// Its last data.
        data: Bytes,
        /// Its last stat.
        stat: Stat,
    },
    /// The initial load is complete: the cache holds the whole subtree.
    Initialized,
    /// The client's connection dropped; the cache keeps its contents and
    /// catches up once reconnected.
    ConnectionSuspended,
    /// The client is connected again and the cache has caught up: every
    /// difference found was reported before this event.
    ConnectionReconnected,
    /// The session is lost (expired, closed, or disconnected for longer
    /// than the session timeout). The cache keeps its contents, and catches
    /// up when the client connects again (after
    /// [`Client::restart`](crate::Client::restart) for an ended session).
    ConnectionLost,
}

impl TreeEvent {
    /// The node's path for node events; `None` for the others.
    pub fn path(&self) -> Option<&str> {
        match self {
            Self::NodeAdded { path, .. }
            | Self::NodeUpdated { path, .. }
            | Self::NodeRemoved { path, .. } => Some(path),
            _ => None,
        }
    }
}

/// The events of a [`TreeCache`](super::TreeCache), from
/// [`TreeCache::events`](super::TreeCache::events): a stream, or `next()`
/// in a loop. It ends when the cache is closed.
#[must_use = "a stream does nothing unless polled"]
#[derive(Debug)]
pub struct TreeEvents {
    receiver: mpsc::UnboundedReceiver<TreeEvent>,
}

impl TreeEvents {
    /// The next event; `None` once the cache is closed.
    pub async fn next(&mut self) -> Option<TreeEvent> {
        self.receiver.recv().await
    }

    /// The next event if one is ready, without waiting.
    pub fn try_next(&mut self) -> Option<TreeEvent> {
        self.receiver.try_recv().ok()
    }
}

impl Stream for TreeEvents {
    type Item = TreeEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<TreeEvent>> {
        self.receiver.poll_recv(cx)
    }
}

/// Hands every event to every live stream. The first stream may be taken
/// after the cache started: until then its events are kept for it, as a
/// [`Backlog`].
#[derive(Debug)]
pub(super) struct EventBus {
    inner: Mutex<Subscribers>,
}

#[derive(Debug)]
struct Subscribers {
    senders: Vec<mpsc::UnboundedSender<TreeEvent>>,
    /// What the first stream gets, until it is taken.
    backlog: Option<Backlog>,
    closed: bool,
}

/// The events kept for a first stream not taken yet. Until `Initialized`
/// every event is kept (the initial load: as many as the subtree had
/// nodes). After it, changes are folded into the nodes' `NodeAdded` (an
/// update replaces the data and stat, a removal drops the node) and
/// connection events are not kept, so that a cache nobody streams stays
/// as big as its subtree: a late first stream gets the load, `Initialized`,
/// and one `NodeAdded` per node added since, with the current data.
#[derive(Debug, Default)]
struct Backlog {
    events: Vec<Option<TreeEvent>>,
    /// Where each kept node's `NodeAdded` is.
    added: HashMap<String, usize>,
    initialized: bool,
    /// Entries emptied by a removal.
    holes: usize,
}

impl Backlog {
    fn keep(&mut self, event: TreeEvent) {
        if !self.initialized {
            self.initialized = event == TreeEvent::Initialized;
            if let TreeEvent::NodeAdded { path, .. } = &event {
                self.added.insert(path.clone(), self.events.len());
            }
            self.events.push(Some(event));
            return;
        }
        match event {
            TreeEvent::NodeAdded { ref path, .. } => {
                if let Some(&i) = self.added.get(path) {
                    self.events[i] = Some(event);
                } else {
                    self.added.insert(path.clone(), self.events.len());
                    self.events.push(Some(event));
                }
            }
            TreeEvent::NodeUpdated { path, data, stat } => match self.added.get(&path) {
                Some(&i) => self.events[i] = Some(TreeEvent::NodeAdded { path, data, stat }),
                None => {
                    self.added.insert(path.clone(), self.events.len());
                    self.events.push(Some(TreeEvent::NodeAdded { path, data, stat }));
                }
            },
            TreeEvent::NodeRemoved { path, .. } => {
                if let Some(i) = self.added.remove(&path) {
                    self.events[i] = None;
                    self.holes += 1;
                }
            }
            _ => {}
        }
        if self.holes > 64 && self.holes > self.events.len() / 2 {
            self.compact();
        }
    }

    fn compact(&mut self) {
        self.events.retain(Option::is_some);
        self.holes = 0;
        self.added.clear();
        for (i, event) in self.events.iter().enumerate() {
            if let Some(TreeEvent::NodeAdded { path, .. }) = event {
                self.added.insert(path.clone(), i);
            }
        }
    }
}

impl EventBus {
    /// A bus; with `from_start`, the first subscriber gets the events
    /// published before it subscribed (see [`Backlog`]).
    pub(super) fn new(from_start: bool) -> Self {
        let backlog = from_start.then(Backlog::default);
        Self { inner: Mutex::new(Subscribers { senders: Vec::new(), backlog, closed: false }) }
    }

    fn lock(&self) -> MutexGuard<'_, Subscribers> {
        // Nothing panics while the lock is held; recover the data if it did.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A stream of the events from now on (for the first subscriber: the
    /// backlog first, if kept). Ended at once if the bus is closed (after
    /// the backlog).
    pub(super) fn subscribe(&self) -> TreeEvents {
        let mut subscribers = self.lock();
        let (sender, receiver) = mpsc::unbounded_channel();
        if let Some(backlog) = subscribers.backlog.take() {
            for event in backlog.events.into_iter().flatten() {
                let _ = sender.send(event);
            }
        }
        if !subscribers.closed {
            subscribers.senders.push(sender);
        }
        TreeEvents { receiver }
    }

    /// Sends `events`, in order, to every live stream (and keeps them for
    /// a first stream not taken yet).
    pub(super) fn publish(&self, events: &mut Vec<TreeEvent>) {
        if events.is_empty() {
            return;
        }
        let mut subscribers = self.lock();
        for event in events.drain(..) {
            subscribers.senders.retain(|sender| sender.send(event.clone()).is_ok());
            if let Some(backlog) = &mut subscribers.backlog {
                backlog.keep(event);
            }
        }
    }

    /// Ends every stream (after the events already sent).
    pub(super) fn close(&self) {
        let mut subscribers = self.lock();
        subscribers.closed = true;
        subscribers.senders.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn added(path: &str) -> TreeEvent {
        TreeEvent::NodeAdded { path: path.into(), data: Bytes::new(), stat: Stat::default() }
    }

    #[test]
    fn the_first_stream_gets_everything_since_the_start_and_later_ones_from_then_on() {
        let bus = EventBus::new(true);
        bus.publish(&mut vec![added("/a")]);
        let mut first = bus.subscribe();
        let mut second = bus.subscribe();
        bus.publish(&mut vec![added("/b"), TreeEvent::Initialized]);
        assert_eq!(first.try_next(), Some(added("/a")));
        assert_eq!(first.try_next(), Some(added("/b")));
        assert_eq!(first.try_next(), Some(TreeEvent::Initialized));
        assert_eq!(second.try_next(), Some(added("/b")));
        assert_eq!(second.try_next(), Some(TreeEvent::Initialized));
        assert_eq!(second.try_next(), None);

        bus.close();
        assert!(
            second.receiver.try_recv().is_err_and(|e| e == mpsc::error::TryRecvError::Disconnected)
        );
        let mut late = bus.subscribe();
        assert!(
            late.receiver.try_recv().is_err_and(|e| e == mpsc::error::TryRecvError::Disconnected)
        );
    }

    fn updated(path: &str, data: &'static str) -> TreeEvent {
        TreeEvent::NodeUpdated { path: path.into(), data: Bytes::from(data), stat: Stat::default() }
    }

    fn removed(path: &str) -> TreeEvent {
        TreeEvent::NodeRemoved { path: path.into(), data: Bytes::new(), stat: Stat::default() }
    }

    /// Found by the soak (every seed, both servers): a cache used only for
    /// its queries kept every event for a first stream nobody took, and
    /// its process grew by about 1 MiB a minute.
    #[test]
    fn a_stream_nobody_takes_keeps_no_more_than_the_subtree() {
        let bus = EventBus::new(true);
        bus.publish(&mut vec![added("/a"), added("/a/x"), TreeEvent::Initialized]);
        for i in 0..10_000 {
            let name = format!("/a/n{}", i % 10);
            bus.publish(&mut vec![added(&name), updated(&name, "v"), removed(&name)]);
            bus.publish(&mut vec![updated("/a/x", "latest"), TreeEvent::ConnectionSuspended]);
        }
        bus.publish(&mut vec![added("/a/y")]);
        let kept = bus.lock().backlog.as_ref().map(|b| b.events.len()).unwrap();
        assert!(kept < 100, "{kept} events kept");
        // The late first stream: the load, Initialized, then the node
        // added since; the current data of each.
        let mut first = bus.subscribe();
        let mut got = Vec::new();
        while let Some(event) = first.try_next() {
            got.push(event);
        }
        let x = TreeEvent::NodeAdded {
            path: "/a/x".into(),
            data: Bytes::from("latest"),
            stat: Stat::default(),
        };
        assert_eq!(got, vec![added("/a"), x, TreeEvent::Initialized, added("/a/y")]);
        // From then on, live events.
        bus.publish(&mut vec![removed("/a/y")]);
        assert_eq!(first.try_next(), Some(removed("/a/y")));
    }

    #[test]
    fn without_a_backlog_nothing_is_kept_and_dropped_streams_are_forgotten() {
        let bus = EventBus::new(false);
        bus.publish(&mut vec![added("/a")]);
        let mut stream = bus.subscribe();
        assert_eq!(stream.try_next(), None);
        drop(bus.subscribe());
        bus.publish(&mut vec![added("/b")]);
        assert_eq!(stream.try_next(), Some(added("/b")));
        assert_eq!(bus.lock().senders.len(), 1);
        assert_eq!(added("/b").path(), Some("/b"));
        assert_eq!(TreeEvent::Initialized.path(), None);
    }
}
