//! What watchers receive: [`WatchedEvent`], the one-shot [`Watch`] future and
//! the [`PersistentWatch`] stream.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::sync::{mpsc, oneshot};
use zookit_proto::{EventType, KeeperState};

/// A change a watch reports: what happened, to which znode, and the state of
/// the session when it happened.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WatchedEvent {
    /// What happened. [`EventType::None`] for the terminal event a watch gets
    /// when its session ends.
    pub event_type: EventType,
    /// The session state: `SyncConnected` for znode events; `Expired`,
    /// `Closed` or `AuthFailed` for the terminal event.
    pub state: KeeperState,
    /// The znode, as the client sees it (without the chroot); `None` for
    /// the terminal event.
    pub path: Option<String>,
}

impl WatchedEvent {
    /// The event a watch gets when its session ends for good.
    pub(crate) fn terminal(state: KeeperState) -> Self {
        Self { event_type: EventType::None, state, path: None }
    }

    /// The event a persistent recursive watch on `path` gets once it is
    /// registered again after a reconnect.
    pub(crate) fn reset(path: String) -> Self {
        Self { event_type: EventType::None, state: KeeperState::SyncConnected, path: Some(path) }
    }

    /// Whether this is the terminal event of an ended session rather than a
    /// change of a znode.
    pub fn is_terminal(&self) -> bool {
        self.event_type == EventType::None && !self.is_reset()
    }

    /// Whether this is the reset signal of a persistent recursive watch:
    /// the client was disconnected, and ZooKeeper does not tell what changed
    /// below the watched znode meanwhile. The watch is registered again and
    /// goes on, but a consumer that keeps state must read the subtree again
    /// (as Curator's `PersistentWatcher` reset listeners do). Its `path` is
    /// the watched znode; its state `SyncConnected`.
    pub fn is_reset(&self) -> bool {
        self.event_type == EventType::None && self.state == KeeperState::SyncConnected
    }
}

/// A one-shot watch: resolves once, with the first change of the watched
/// znode (or its children), or with a terminal event if the session ends
/// first.
///
/// The watch survives reconnects: the client re-arms it on the new
/// connection, and a change made while disconnected still fires it.
/// Dropping it tells the server to forget the watch when no other watcher
/// of the same kind remains on the znode.
#[must_use = "a watch does nothing unless awaited"]
#[derive(Debug)]
pub struct Watch {
    receiver: oneshot::Receiver<WatchedEvent>,
    _guard: WatchGuard,
    runtime: tokio::runtime::Handle,
}

impl Watch {
    pub(crate) fn new(
        receiver: oneshot::Receiver<WatchedEvent>,
        guard: WatchGuard,
        runtime: tokio::runtime::Handle,
    ) -> Self {
        Self { receiver, _guard: guard, runtime }
    }

    /// Calls `callback` with the event when the watch fires (kazoo's watch
    /// functions), on a task of the client's runtime: the callback may
    /// block briefly or call the client without stalling the session.
    ///
    /// ```no_run
    /// # async fn example(client: zookit::Client) -> zookit::Result<()> {
    /// let (_, _, watch) = client.get_watch("/config").await?;
    /// watch.on_event(|event| println!("{:?} on {:?}", event.event_type, event.path));
    /// # Ok(())
    /// # }
    /// ```
    pub fn on_event(self, callback: impl FnOnce(WatchedEvent) + Send + 'static) {
        let runtime = self.runtime.clone();
        runtime.spawn(async move { callback(self.await) });
    }
}

impl Future for Watch {
    type Output = WatchedEvent;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<WatchedEvent> {
        Pin::new(&mut self.receiver)
            .poll(cx)
            .map(|event| event.unwrap_or_else(|_| WatchedEvent::terminal(KeeperState::Closed)))
    }
}

/// A persistent watch (ZooKeeper 3.6+): a stream of every change of a znode
/// (or, recursive, of a znode and all its descendants). It survives
/// reconnects, ends after a terminal event when the session ends, and is
/// removed from the server when dropped.
///
/// ZooKeeper does not tell a persistent watch what changed while its client
/// was disconnected; zookit makes sure it is told anyway:
///
/// - **On one znode** ([`AddWatchMode::Persistent`](crate::AddWatchMode)),
///   the client reads the znode's stat after each reconnect and delivers
///   the events the server did not: `NodeCreated`, `NodeDeleted`,
///   `NodeDataChanged` and `NodeChildrenChanged`, each at most once, before
///   any newer event of the znode. (A change undone while away, such as a
///   znode created and deleted again, leaves nothing to tell.)
/// - **Recursive** ([`AddWatchMode::PersistentRecursive`](crate::AddWatchMode)):
///   what changed below cannot be known without reading the subtree, so
///   once the watch is registered again the stream yields a reset event
///   ([`WatchedEvent::is_reset`]); events after it are new. A consumer that
///   keeps state reads the subtree again then ([`TreeCache`](crate::TreeCache)
///   does).
#[must_use = "a persistent watch does nothing unless polled"]
#[derive(Debug)]
#[doc(alias("PersistentWatcher"))]
pub struct PersistentWatch {
    receiver: mpsc::UnboundedReceiver<WatchedEvent>,
    _guard: WatchGuard,
}

impl PersistentWatch {
    pub(crate) fn new(receiver: mpsc::UnboundedReceiver<WatchedEvent>, guard: WatchGuard) -> Self {
        Self { receiver, _guard: guard }
    }

    /// The next event; `None` once the watch has ended (after its terminal
    /// event).
    pub async fn next(&mut self) -> Option<WatchedEvent> {
        self.receiver.recv().await
    }
}

impl Stream for PersistentWatch {
    type Item = WatchedEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<WatchedEvent>> {
        self.receiver.poll_recv(cx)
    }
}

/// Tells the session a watcher is gone when dropped.
#[derive(Debug)]
pub(crate) struct WatchGuard {
    id: u64,
    dropped: mpsc::UnboundedSender<u64>,
}

impl WatchGuard {
    pub(crate) fn new(id: u64, dropped: mpsc::UnboundedSender<u64>) -> Self {
        Self { id, dropped }
    }
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        // The session may already be gone; then there is nothing to remove.
        let _ = self.dropped.send(self.id);
    }
}
