//! What a [`TreeCache`](super::TreeCache) reports: [`TreeEvent`], the
//! [`TreeEvents`] stream, and the bus that hands events to every stream.

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
/// after the cache started: until then its events are kept for it.
#[derive(Debug)]
pub(super) struct EventBus {
    inner: Mutex<Subscribers>,
}

#[derive(Debug)]
struct Subscribers {
    senders: Vec<mpsc::UnboundedSender<TreeEvent>>,
    /// The stream that receives everything since the start, until taken.
    first: Option<mpsc::UnboundedReceiver<TreeEvent>>,
    closed: bool,
}

impl EventBus {
    /// A bus; with `from_start`, the first subscriber gets every event
    /// published before it subscribed.
    pub(super) fn new(from_start: bool) -> Self {
        let mut subscribers = Subscribers { senders: Vec::new(), first: None, closed: false };
        if from_start {
            let (sender, receiver) = mpsc::unbounded_channel();
            subscribers.senders.push(sender);
            subscribers.first = Some(receiver);
        }
        Self { inner: Mutex::new(subscribers) }
    }

    fn lock(&self) -> MutexGuard<'_, Subscribers> {
        // Nothing panics while the lock is held; recover the data if it did.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A stream of the events from now on (for the first subscriber: since
    /// the start, if kept). Ended at once if the bus is closed.
    pub(super) fn subscribe(&self) -> TreeEvents {
        let mut subscribers = self.lock();
        if let Some(receiver) = subscribers.first.take() {
            return TreeEvents { receiver };
        }
        let (sender, receiver) = mpsc::unbounded_channel();
        if !subscribers.closed {
            subscribers.senders.push(sender);
        }
        TreeEvents { receiver }
    }

    /// Sends `events`, in order, to every live stream.
    pub(super) fn publish(&self, events: &mut Vec<TreeEvent>) {
        if events.is_empty() {
            return;
        }
        let mut subscribers = self.lock();
        for event in events.drain(..) {
            subscribers.senders.retain(|sender| sender.send(event.clone()).is_ok());
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
