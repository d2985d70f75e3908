//! The cache's watch on servers 3.6+: one persistent recursive watch on the
//! root, as Curator's `CuratorCache` sets it.
//!
//! It reports the creation, data change and deletion of the root and of
//! every node below it (never children changes: a child's creation is its
//! own event). Each event asks for a read of its node; the read's answer,
//! applied in order, says what changed. A deletion is read too, so that a
//! node deleted and created again at once is not lost: the read tells.
//!
//! The client re-arms the watch after a reconnect, but the server does not
//! report what changed while the client was away: the watch's reset signal,
//! once it is registered again, asks for a walk. The watch ends with its
//! session; a new session gets a new watch before its walk.

use tracing::debug;
use zookit_proto::EventType;

use super::refresh::Refresh;
use crate::{PersistentWatch, WatchedEvent};

/// The persistent recursive watch of a cache.
#[derive(Debug)]
pub(super) struct Persistent {
    watch: Option<PersistentWatch>,
    /// The session the watch was set in.
    session: Option<i64>,
}

impl Persistent {
    /// The strategy with `watch`, set in `session`.
    pub(super) fn new(watch: PersistentWatch, session: Option<i64>) -> Self {
        Self { watch: Some(watch), session }
    }

    /// Whether, connected in `session`, the watch must be set (again).
    pub(super) fn needs_watch(&self, session: Option<i64>) -> bool {
        self.watch.is_none() || self.session != session
    }

    /// A watch set in `session` (when the session is still the current
    /// one: an answer from an older session is dropped).
    pub(super) fn set(
        &mut self,
        watch: PersistentWatch,
        session: Option<i64>,
        current: Option<i64>,
    ) {
        if session == current {
            self.watch = Some(watch);
            self.session = session;
        }
    }

    /// The next change of a node; pending while there is no watch. A watch
    /// that ends (its session did) is dropped.
    pub(super) async fn next(&mut self, root: &str) -> Refresh {
        loop {
            let Some(watch) = self.watch.as_mut() else {
                return std::future::pending().await;
            };
            match watch.next().await {
                Some(event) if event.is_reset() => return Refresh::Resync,
                Some(event) if !event.is_terminal() => {
                    if let Some(refresh) = plan(&event, root) {
                        return refresh;
                    }
                }
                ended => {
                    debug!(?ended, "the persistent watch ended with its session");
                    self.watch = None;
                }
            }
        }
    }
}

/// What to read for `event`.
fn plan(event: &WatchedEvent, root: &str) -> Option<Refresh> {
    let path = event.path.clone()?;
    match event.event_type {
        // The root (re)appeared: everything below it is new.
        EventType::NodeCreated if path == root => Some(Refresh::Load(path)),
        EventType::NodeCreated | EventType::NodeDataChanged | EventType::NodeDeleted => {
            Some(Refresh::Data(path))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use zookit_proto::KeeperState;

    use super::*;

    fn event(event_type: EventType, path: &str) -> WatchedEvent {
        WatchedEvent { event_type, state: KeeperState::SyncConnected, path: Some(path.into()) }
    }

    #[test]
    fn every_node_event_asks_for_a_read_and_the_root_for_a_load() {
        assert_eq!(
            plan(&event(EventType::NodeCreated, "/r"), "/r"),
            Some(Refresh::Load("/r".into()))
        );
        for event_type in
            [EventType::NodeCreated, EventType::NodeDataChanged, EventType::NodeDeleted]
        {
            assert_eq!(plan(&event(event_type, "/r/a"), "/r"), Some(Refresh::Data("/r/a".into())));
        }
        assert_eq!(
            plan(&event(EventType::NodeDeleted, "/r"), "/r"),
            Some(Refresh::Data("/r".into()))
        );
        assert_eq!(plan(&event(EventType::NodeChildrenChanged, "/r"), "/r"), None);
    }

    #[tokio::test]
    async fn a_reset_asks_for_a_walk_and_a_terminal_event_ends_the_watch() {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let (dropped, _) = tokio::sync::mpsc::unbounded_channel();
        let watch = PersistentWatch::new(rx, crate::watch::WatchGuard::new(1, dropped));
        let mut persistent = Persistent::new(watch, Some(7));
        tx.send(WatchedEvent::reset("/r".into())).unwrap();
        tx.send(event(EventType::NodeDataChanged, "/r/a")).unwrap();
        tx.send(WatchedEvent::terminal(KeeperState::Expired)).unwrap();
        assert_eq!(persistent.next("/r").await, Refresh::Resync);
        assert_eq!(persistent.next("/r").await, Refresh::Data("/r/a".into()));
        assert!(!persistent.needs_watch(Some(7)));
        let pending =
            tokio::time::timeout(std::time::Duration::from_millis(50), persistent.next("/r"));
        assert!(pending.await.is_err(), "no refresh after the terminal event");
        assert!(persistent.needs_watch(Some(7)), "the ended watch must be set again");
    }
}
