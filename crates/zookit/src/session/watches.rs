//! The session's watch registry: which watchers wait on which znodes, how a
//! server notification maps to them, and what to re-arm after a reconnect.

use std::collections::HashMap;

use tokio::sync::{mpsc, oneshot};
use zookit_proto::{EventType, KeeperState, SetWatches2, WatcherEvent, WatcherType};

use crate::chroot::Chroot;
use crate::watch::WatchedEvent;

/// The kind of watch, as the server keeps them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum WatchKind {
    /// From `getData`, or `exists` on a znode that exists: fires on a data
    /// change or deletion.
    Data,
    /// From `exists` on a znode that does not exist: fires on creation.
    Exist,
    /// From `getChildren`: fires on a change of the children or deletion.
    Child,
    /// From `addWatch(PERSISTENT)`: every change of the znode, repeatedly.
    Persistent,
    /// From `addWatch(PERSISTENT_RECURSIVE)`: every change of the znode and
    /// its descendants, repeatedly.
    PersistentRecursive,
}

/// Where a watcher's events go.
#[derive(Debug)]
pub(crate) enum WatchSender {
    /// A one-shot watch: fires once and is removed.
    Once(oneshot::Sender<WatchedEvent>),
    /// A persistent watch: fires repeatedly until removed or the session ends.
    Stream(mpsc::UnboundedSender<WatchedEvent>),
}

impl WatchSender {
    /// Whether the watcher's handle is gone.
    pub(crate) fn is_closed(&self) -> bool {
        match self {
            Self::Once(sender) => sender.is_closed(),
            Self::Stream(sender) => sender.is_closed(),
        }
    }
}

/// A watcher waiting for its request's reply to be registered.
#[derive(Debug)]
pub(crate) struct WatchRequest {
    /// Identifies the watcher for removal when its handle is dropped.
    pub(crate) id: u64,
    /// The kind requested; `exists` asks for `Data` and becomes `Exist`
    /// when the znode does not exist.
    pub(crate) kind: WatchKind,
    /// Where its events go.
    pub(crate) sender: WatchSender,
}

#[derive(Debug)]
struct Entry {
    id: u64,
    kind: WatchKind,
    sender: WatchSender,
}

/// Watchers by server path (chroot included).
#[derive(Debug, Default)]
pub(crate) struct WatchRegistry {
    by_path: HashMap<String, Vec<Entry>>,
    /// Paths with a persistent recursive watcher, to find the ancestors an
    /// event under them concerns.
    recursive_paths: usize,
}

/// Which watch kinds an event of `event_type` fires on its own path.
fn fires(kind: WatchKind, event_type: EventType) -> bool {
    use EventType::*;
    match kind {
        WatchKind::Data | WatchKind::Exist => {
            matches!(event_type, NodeCreated | NodeDataChanged | NodeDeleted)
        }
        WatchKind::Child => matches!(event_type, NodeChildrenChanged | NodeDeleted),
        WatchKind::Persistent => {
            matches!(event_type, NodeCreated | NodeDataChanged | NodeDeleted | NodeChildrenChanged)
        }
        WatchKind::PersistentRecursive => {
            matches!(event_type, NodeCreated | NodeDataChanged | NodeDeleted)
        }
    }
}

impl WatchRegistry {
    /// Registers a watcher on `server_path`.
    pub(crate) fn add(&mut self, server_path: &str, request: WatchRequest) {
        if request.kind == WatchKind::PersistentRecursive {
            self.recursive_paths += 1;
        }
        let entry = Entry { id: request.id, kind: request.kind, sender: request.sender };
        self.by_path.entry(server_path.to_owned()).or_default().push(entry);
    }

    /// Whether no watcher is registered.
    pub(crate) fn is_empty(&self) -> bool {
        self.by_path.is_empty()
    }

    /// Delivers a server notification to every watcher it concerns; one-shot
    /// watchers are removed.
    pub(crate) fn dispatch(&mut self, event: &WatcherEvent, chroot: &Chroot) {
        let delivered = WatchedEvent {
            event_type: event.event_type,
            state: event.state,
            path: Some(chroot.strip(&event.path)),
        };
        self.fire_path(&event.path, event.event_type, &delivered, false);
        if self.recursive_paths > 0 && event.event_type != EventType::NodeChildrenChanged {
            let mut ancestor = event.path.as_str();
            while let Some(i) = ancestor.rfind('/') {
                ancestor = if i == 0 { "/" } else { &ancestor[..i] };
                self.fire_path(ancestor, event.event_type, &delivered, true);
                if ancestor == "/" {
                    break;
                }
            }
        }
    }

    fn fire_path(
        &mut self,
        path: &str,
        event_type: EventType,
        event: &WatchedEvent,
        ancestors_only: bool,
    ) {
        let Some(entries) = self.by_path.get_mut(path) else { return };
        let mut i = 0;
        while i < entries.len() {
            let entry = &entries[i];
            let concerned = if ancestors_only {
                entry.kind == WatchKind::PersistentRecursive && fires(entry.kind, event_type)
            } else {
                fires(entry.kind, event_type)
            };
            if !concerned {
                i += 1;
                continue;
            }
            match &entries[i].sender {
                WatchSender::Stream(sender) => {
                    // A closed stream is removed when its guard reports the drop.
                    let _ = sender.send(event.clone());
                    i += 1;
                }
                WatchSender::Once(_) => {
                    if let WatchSender::Once(sender) = entries.swap_remove(i).sender {
                        let _ = sender.send(event.clone());
                    }
                }
            }
        }
        if entries.is_empty() {
            self.by_path.remove(path);
        }
    }

    /// Removes the watcher `id` (its handle was dropped); returns its path
    /// and kind.
    pub(crate) fn remove(&mut self, id: u64) -> Option<(String, WatchKind)> {
        let (path, position) = self.by_path.iter().find_map(|(path, entries)| {
            entries.iter().position(|e| e.id == id).map(|i| (path.clone(), i))
        })?;
        let entries = self.by_path.get_mut(&path)?;
        let removed = entries.swap_remove(position);
        if removed.kind == WatchKind::PersistentRecursive {
            self.recursive_paths -= 1;
        }
        if entries.is_empty() {
            self.by_path.remove(&path);
        }
        Some((path, removed.kind))
    }

    /// The server-side watch to remove once no local watcher needs the
    /// server's watch of `kind` on `path`; `None` while one does.
    pub(crate) fn unneeded(&self, path: &str, kind: WatchKind) -> Option<WatcherType> {
        let entries = self.by_path.get(path).map_or(&[][..], Vec::as_slice);
        let still = |kinds: &[WatchKind]| entries.iter().any(|e| kinds.contains(&e.kind));
        match kind {
            WatchKind::Data | WatchKind::Exist if !still(&[WatchKind::Data, WatchKind::Exist]) => {
                Some(WatcherType::Data)
            }
            WatchKind::Child if !still(&[WatchKind::Child]) => Some(WatcherType::Children),
            // ZooKeeper 3.8 can remove persistent watches only together with
            // every other watch on the path.
            WatchKind::Persistent | WatchKind::PersistentRecursive if entries.is_empty() => {
                Some(WatcherType::Any)
            }
            _ => None,
        }
    }

    /// The watches to re-arm on a new connection of the same session, with
    /// watchers whose handles are gone left out.
    pub(crate) fn rearm_list(&mut self, relative_zxid: i64) -> SetWatches2 {
        self.prune();
        let mut set = SetWatches2 { relative_zxid, ..SetWatches2::default() };
        for (path, entries) in &self.by_path {
            let has = |kind: WatchKind| entries.iter().any(|e| e.kind == kind);
            let lists = [
                (WatchKind::Data, &mut set.data_watches),
                (WatchKind::Exist, &mut set.exist_watches),
                (WatchKind::Child, &mut set.child_watches),
                (WatchKind::Persistent, &mut set.persistent_watches),
                (WatchKind::PersistentRecursive, &mut set.persistent_recursive_watches),
            ];
            for (kind, list) in lists {
                if has(kind) {
                    list.push(path.clone());
                }
            }
        }
        set
    }

    fn prune(&mut self) {
        let mut recursive_removed = 0;
        self.by_path.retain(|_, entries| {
            entries.retain(|e| {
                let closed = e.sender.is_closed();
                if closed && e.kind == WatchKind::PersistentRecursive {
                    recursive_removed += 1;
                }
                !closed
            });
            !entries.is_empty()
        });
        self.recursive_paths -= recursive_removed;
    }

    /// Ends every watch with a terminal event (the session is over).
    pub(crate) fn terminate(&mut self, state: KeeperState) {
        let event = WatchedEvent::terminal(state);
        for (_, entries) in self.by_path.drain() {
            for entry in entries {
                match entry.sender {
                    WatchSender::Once(sender) => {
                        let _ = sender.send(event.clone());
                    }
                    WatchSender::Stream(sender) => {
                        let _ = sender.send(event.clone());
                    }
                }
            }
        }
        self.recursive_paths = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn once(
        registry: &mut WatchRegistry,
        id: u64,
        path: &str,
        kind: WatchKind,
    ) -> oneshot::Receiver<WatchedEvent> {
        let (tx, rx) = oneshot::channel();
        registry.add(path, WatchRequest { id, kind, sender: WatchSender::Once(tx) });
        rx
    }

    fn stream(
        registry: &mut WatchRegistry,
        id: u64,
        path: &str,
        kind: WatchKind,
    ) -> mpsc::UnboundedReceiver<WatchedEvent> {
        let (tx, rx) = mpsc::unbounded_channel();
        registry.add(path, WatchRequest { id, kind, sender: WatchSender::Stream(tx) });
        rx
    }

    fn event(event_type: EventType, path: &str) -> WatcherEvent {
        WatcherEvent { event_type, state: KeeperState::SyncConnected, path: path.into() }
    }

    #[test]
    fn one_shot_watches_fire_once_for_their_event_types() {
        let mut r = WatchRegistry::default();
        let chroot = Chroot::new(Some("/app".into()));
        let mut data = once(&mut r, 1, "/app/a", WatchKind::Data);
        let mut child = once(&mut r, 2, "/app/a", WatchKind::Child);

        r.dispatch(&event(EventType::NodeDataChanged, "/app/a"), &chroot);
        let fired = data.try_recv().expect("the data watch fired");
        assert_eq!(fired.path.as_deref(), Some("/a"), "the chroot is stripped");
        assert!(child.try_recv().is_err(), "a data change does not fire a child watch");

        r.dispatch(&event(EventType::NodeDeleted, "/app/a"), &chroot);
        assert_eq!(
            child.try_recv().expect("deletion fires the child watch").event_type,
            EventType::NodeDeleted
        );
        assert!(r.is_empty(), "one-shot watches are gone once fired");
    }

    #[test]
    fn persistent_recursive_watches_see_descendants_but_not_child_events() {
        let mut r = WatchRegistry::default();
        let chroot = Chroot::default();
        let mut rx = stream(&mut r, 1, "/a", WatchKind::PersistentRecursive);
        r.dispatch(&event(EventType::NodeCreated, "/a/b/c"), &chroot);
        r.dispatch(&event(EventType::NodeChildrenChanged, "/a/b"), &chroot);
        r.dispatch(&event(EventType::NodeDataChanged, "/a"), &chroot);
        r.dispatch(&event(EventType::NodeDataChanged, "/ab"), &chroot);
        assert_eq!(rx.try_recv().unwrap().path.as_deref(), Some("/a/b/c"));
        assert_eq!(rx.try_recv().unwrap().path.as_deref(), Some("/a"));
        assert!(rx.try_recv().is_err());
        assert!(!r.is_empty(), "persistent watches stay");

        let mut root = stream(&mut r, 2, "/", WatchKind::PersistentRecursive);
        r.dispatch(&event(EventType::NodeDeleted, "/x"), &chroot);
        assert_eq!(root.try_recv().unwrap().path.as_deref(), Some("/x"));
    }

    #[test]
    fn rearming_lists_live_watches_by_kind() {
        let mut r = WatchRegistry::default();
        let _d = once(&mut r, 1, "/d", WatchKind::Data);
        let _e = once(&mut r, 2, "/e", WatchKind::Exist);
        let _c = once(&mut r, 3, "/c", WatchKind::Child);
        let _p = stream(&mut r, 4, "/p", WatchKind::Persistent);
        let _r = stream(&mut r, 5, "/r", WatchKind::PersistentRecursive);
        drop(once(&mut r, 6, "/dropped", WatchKind::Data));
        let set = r.rearm_list(42);
        assert_eq!(set.relative_zxid, 42);
        assert_eq!(set.data_watches, ["/d"]);
        assert_eq!(set.exist_watches, ["/e"]);
        assert_eq!(set.child_watches, ["/c"]);
        assert_eq!(set.persistent_watches, ["/p"]);
        assert_eq!(set.persistent_recursive_watches, ["/r"]);
    }

    #[test]
    fn removing_the_last_watcher_of_a_kind_removes_it_server_side() {
        let mut r = WatchRegistry::default();
        let _a = once(&mut r, 1, "/n", WatchKind::Data);
        let _b = once(&mut r, 2, "/n", WatchKind::Exist);
        let _c = once(&mut r, 3, "/n", WatchKind::Child);
        let _p = stream(&mut r, 4, "/n", WatchKind::Persistent);
        assert_eq!(r.remove(1), Some(("/n".into(), WatchKind::Data)));
        assert_eq!(
            r.unneeded("/n", WatchKind::Data),
            None,
            "an exist watcher still needs the server's data watch"
        );
        r.remove(2);
        assert_eq!(r.unneeded("/n", WatchKind::Data), Some(WatcherType::Data));
        assert_eq!(
            r.unneeded("/n", WatchKind::Persistent),
            None,
            "3.8 removes persistent watches only with all"
        );
        r.remove(3);
        assert_eq!(r.unneeded("/n", WatchKind::Child), Some(WatcherType::Children));
        r.remove(4);
        assert_eq!(r.unneeded("/n", WatchKind::Persistent), Some(WatcherType::Any));
        assert_eq!(r.remove(3), None, "unknown ids are ignored");
        assert!(r.is_empty());
    }

    #[test]
    fn terminating_sends_every_watcher_a_terminal_event() {
        let mut r = WatchRegistry::default();
        let mut a = once(&mut r, 1, "/a", WatchKind::Data);
        let mut p = stream(&mut r, 2, "/p", WatchKind::Persistent);
        r.terminate(KeeperState::Expired);
        assert_eq!(a.try_recv().unwrap(), WatchedEvent::terminal(KeeperState::Expired));
        assert_eq!(p.try_recv().unwrap(), WatchedEvent::terminal(KeeperState::Expired));
        assert!(p.try_recv().is_err(), "the stream ends after its terminal event");
        assert!(r.is_empty());
    }
}

/// The most path bytes one `setWatches` request carries, as ZooKeeper's
/// Java client limits it, so that re-arming many watches stays far below
/// the server's frame limit.
pub(crate) const SET_WATCHES_MAX_BYTES: usize = 128 * 1024;

/// Splits the watches to re-arm into requests of at most `max_bytes` of
/// paths each: `setWatches` when there are no persistent watches (servers
/// before 3.6 know only that), else `setWatches2`.
pub(crate) fn set_watches_requests(
    all: SetWatches2,
    max_bytes: usize,
) -> Vec<zookit_proto::Request> {
    use zookit_proto::{Request, SetWatches};

    let persistent =
        !all.persistent_watches.is_empty() || !all.persistent_recursive_watches.is_empty();
    let zxid = all.relative_zxid;
    let mut batches = Vec::new();
    let mut batch = SetWatches2 { relative_zxid: zxid, ..SetWatches2::default() };
    let mut bytes = 0;
    let lists = [
        (0, all.data_watches),
        (1, all.exist_watches),
        (2, all.child_watches),
        (3, all.persistent_watches),
        (4, all.persistent_recursive_watches),
    ];
    for (list, paths) in lists {
        for path in paths {
            if bytes > 0 && bytes + path.len() > max_bytes {
                batches.push(std::mem::replace(
                    &mut batch,
                    SetWatches2 { relative_zxid: zxid, ..SetWatches2::default() },
                ));
                bytes = 0;
            }
            bytes += path.len();
            match list {
                0 => batch.data_watches.push(path),
                1 => batch.exist_watches.push(path),
                2 => batch.child_watches.push(path),
                3 => batch.persistent_watches.push(path),
                _ => batch.persistent_recursive_watches.push(path),
            }
        }
    }
    if bytes > 0 {
        batches.push(batch);
    }
    batches
        .into_iter()
        .map(|b| {
            if persistent {
                Request::SetWatches2(b)
            } else {
                Request::SetWatches(SetWatches {
                    relative_zxid: b.relative_zxid,
                    data_watches: b.data_watches,
                    exist_watches: b.exist_watches,
                    child_watches: b.child_watches,
                })
            }
        })
        .collect()
}

#[cfg(test)]
mod batch_tests {
    use zookit_proto::Request;

    use super::*;

    #[test]
    fn many_watches_are_split_below_the_limit() {
        let all = SetWatches2 {
            relative_zxid: 7,
            data_watches: (0..100).map(|i| format!("/data/{i:05}")).collect(),
            child_watches: (0..100).map(|i| format!("/kids/{i:05}")).collect(),
            ..SetWatches2::default()
        };
        let requests = set_watches_requests(all, 100);
        assert_eq!(requests.len(), 23, "200 paths of 11 bytes, at most 9 per batch");
        let mut total = 0;
        for request in &requests {
            let Request::SetWatches(set) = request else {
                panic!("no persistent watches: plain setWatches")
            };
            assert_eq!(set.relative_zxid, 7);
            let bytes: usize =
                set.data_watches.iter().chain(&set.child_watches).map(String::len).sum();
            assert!(bytes <= 100);
            total += set.data_watches.len() + set.child_watches.len();
        }
        assert_eq!(total, 200);
    }

    #[test]
    fn persistent_watches_need_set_watches2_and_nothing_means_no_request() {
        let all = SetWatches2 { persistent_watches: vec!["/p".into()], ..SetWatches2::default() };
        assert!(matches!(&set_watches_requests(all, 1024)[..], [Request::SetWatches2(_)]));
        assert!(set_watches_requests(SetWatches2::default(), 1024).is_empty());
    }
}
