//! The session's watch registry: which watchers wait on which znodes, how a
//! server notification maps to them, and what to re-arm after a reconnect.
//! Watchers are ids: their events go out as [`Output::Watch`], and the
//! driver routes them to the handles.

use std::collections::{HashMap, VecDeque};

use zookit_proto::{EventType, KeeperState, SetWatches2, Stat, WatcherEvent, WatcherType};

use super::Output;
use super::catch_up::missed_events;
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

impl WatchKind {
    /// Whether a watcher of this kind fires repeatedly (else once).
    pub(crate) fn is_persistent(self) -> bool {
        matches!(self, Self::Persistent | Self::PersistentRecursive)
    }
}

/// A watcher waiting for its request's reply to be registered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WatchRequest {
    /// Identifies the watcher: its events, and its removal when its handle
    /// is dropped.
    pub(crate) id: u64,
    /// The kind requested; `exists` asks for `Data` and becomes `Exist`
    /// when the znode does not exist.
    pub(crate) kind: WatchKind,
}

#[derive(Debug)]
struct Entry {
    id: u64,
    kind: WatchKind,
}

/// What the session knows of a znode with persistent (one-node) watchers,
/// to tell them what they missed while disconnected (see `catch_up`).
#[derive(Debug, Default)]
struct Persisted {
    /// Whether the znode exists, as of the last event or read; `None` until
    /// the session has read it.
    exists: Option<bool>,
    /// The catch-up after a reconnect, until its read is answered.
    catch_up: Option<CatchUp>,
}

#[derive(Debug)]
struct CatchUp {
    /// The last zxid seen before the disconnection.
    since: i64,
    /// Whether the znode existed then.
    known: Option<bool>,
    /// The watchers the missed events are for (those of the disconnection).
    ids: Vec<u64>,
    /// Events received since the watch was registered again, held back
    /// until the missed ones are told, with the watchers they are for.
    held: Vec<(WatchedEvent, Vec<u64>)>,
}

/// Watchers by server path (chroot included).
#[derive(Debug, Default)]
pub(crate) struct WatchRegistry {
    by_path: HashMap<String, Vec<Entry>>,
    /// Paths with a persistent recursive watcher, to find the ancestors an
    /// event under them concerns.
    recursive_paths: usize,
    /// Paths with a persistent one-node watcher.
    persisted: HashMap<String, Persisted>,
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

/// Whether a znode exists after an event of `event_type` on it.
fn exists_after(event_type: EventType) -> bool {
    event_type != EventType::NodeDeleted
}

/// Tells watcher `id` of `event`.
fn deliver(out: &mut VecDeque<Output>, id: u64, event: &WatchedEvent) {
    out.push_back(Output::Watch { id, event: event.clone() });
}

impl WatchRegistry {
    /// Registers a watcher on `server_path`. Returns whether the session
    /// should read whether the znode exists (a first persistent one-node
    /// watcher: what it knows then lets it tell what a disconnection hid).
    pub(crate) fn add(&mut self, server_path: &str, request: WatchRequest) -> bool {
        let mut read = false;
        match request.kind {
            WatchKind::PersistentRecursive => self.recursive_paths += 1,
            WatchKind::Persistent => {
                let persisted = self.persisted.entry(server_path.to_owned()).or_default();
                read = persisted.exists.is_none() && persisted.catch_up.is_none();
            }
            _ => {}
        }
        let entry = Entry { id: request.id, kind: request.kind };
        self.by_path.entry(server_path.to_owned()).or_default().push(entry);
        read
    }

    /// Whether no watcher is registered.
    pub(crate) fn is_empty(&self) -> bool {
        self.by_path.is_empty()
    }

    /// Delivers a server notification to every watcher it concerns; one-shot
    /// watchers are removed.
    pub(crate) fn dispatch(
        &mut self,
        event: &WatcherEvent,
        chroot: &Chroot,
        out: &mut VecDeque<Output>,
    ) {
        let event_type = event.event_type;
        let delivered =
            WatchedEvent { event_type, state: event.state, path: Some(chroot.strip(&event.path)) };
        // Persistent one-node watchers catching up get it after what they
        // missed.
        let mut held = false;
        if let Some(persisted) = self.persisted.get_mut(&event.path) {
            match &mut persisted.catch_up {
                Some(catch_up) => {
                    let ids = self.by_path.get(&event.path).map_or_else(Vec::new, |entries| {
                        entries
                            .iter()
                            .filter(|e| e.kind == WatchKind::Persistent)
                            .map(|e| e.id)
                            .collect()
                    });
                    catch_up.held.push((delivered.clone(), ids));
                    held = true;
                }
                None => persisted.exists = Some(exists_after(event_type)),
            }
        }
        self.fire_path(&event.path, &delivered, out, |kind| {
            fires(kind, event_type) && !(held && kind == WatchKind::Persistent)
        });
        if self.recursive_paths > 0 && event_type != EventType::NodeChildrenChanged {
            let mut ancestor = event.path.as_str();
            while let Some(i) = ancestor.rfind('/') {
                ancestor = if i == 0 { "/" } else { &ancestor[..i] };
                self.fire_path(ancestor, &delivered, out, |kind| {
                    kind == WatchKind::PersistentRecursive && fires(kind, event_type)
                });
                if ancestor == "/" {
                    break;
                }
            }
        }
    }

    /// Delivers `event` to the watchers of `path` whose kind is
    /// `concerned`; one-shot watchers are removed.
    fn fire_path(
        &mut self,
        path: &str,
        event: &WatchedEvent,
        out: &mut VecDeque<Output>,
        concerned: impl Fn(WatchKind) -> bool,
    ) {
        let Some(entries) = self.by_path.get_mut(path) else { return };
        let mut i = 0;
        while i < entries.len() {
            if !concerned(entries[i].kind) {
                i += 1;
                continue;
            }
            deliver(out, entries[i].id, event);
            if entries[i].kind.is_persistent() {
                i += 1;
            } else {
                entries.swap_remove(i);
            }
        }
        if entries.is_empty() {
            self.by_path.remove(path);
        }
    }

    /// After a reconnect: starts a catch-up for every persistent one-node
    /// watch, from `since`, the last zxid seen (a catch-up that another
    /// disconnection cut short goes on from its own). Returns the znodes
    /// whose existence the session must read, after re-arming the watches.
    pub(crate) fn begin_catch_up(&mut self, since: i64) -> Vec<String> {
        let mut paths = Vec::new();
        for (path, persisted) in &mut self.persisted {
            if persisted.catch_up.is_none() {
                let ids = self.by_path.get(path).map_or_else(Vec::new, |entries| {
                    entries
                        .iter()
                        .filter(|e| e.kind == WatchKind::Persistent)
                        .map(|e| e.id)
                        .collect()
                });
                persisted.catch_up =
                    Some(CatchUp { since, known: persisted.exists, ids, held: Vec::new() });
            }
            paths.push(path.clone());
        }
        paths
    }

    /// The session read whether `path` exists: `Some(stat)` if it does,
    /// `None` if not, `Err(())` if the read failed for another reason. For
    /// a catch-up read, tells the watchers what they missed, then what was
    /// held back.
    pub(crate) fn existence_read(
        &mut self,
        path: &str,
        catch_up: bool,
        found: Result<Option<Stat>, ()>,
        chroot: &Chroot,
        out: &mut VecDeque<Output>,
    ) {
        let Some(persisted) = self.persisted.get_mut(path) else { return };
        if !catch_up {
            // An answer from before a disconnection means nothing after it.
            if persisted.catch_up.is_none() {
                persisted.exists = found.ok().map(|stat| stat.is_some());
            }
            return;
        }
        let Some(caught) = persisted.catch_up.take() else { return };
        persisted.exists = found.as_ref().ok().map(Option::is_some);
        let missed = match &found {
            Ok(stat) => {
                let held: Vec<EventType> = caught.held.iter().map(|(e, _)| e.event_type).collect();
                missed_events(caught.known, caught.since, &held, stat.as_ref())
            }
            Err(()) => Vec::new(),
        };
        let Some(entries) = self.by_path.get(path) else { return };
        let mut send = |event: &WatchedEvent, ids: &[u64]| {
            for entry in entries.iter().filter(|e| ids.contains(&e.id)) {
                deliver(out, entry.id, event);
            }
        };
        for event_type in missed {
            let event = WatchedEvent {
                event_type,
                state: KeeperState::SyncConnected,
                path: Some(chroot.strip(path)),
            };
            send(&event, &caught.ids);
        }
        for (event, ids) in &caught.held {
            send(event, ids);
        }
    }

    /// The persistent recursive watchers, which are told to resynchronise
    /// once their watches are registered again after a reconnect.
    pub(crate) fn recursive_ids(&self) -> Vec<u64> {
        self.by_path
            .values()
            .flatten()
            .filter(|e| e.kind == WatchKind::PersistentRecursive)
            .map(|e| e.id)
            .collect()
    }

    /// Sends the reset event to the persistent recursive watchers `ids`
    /// that are still there.
    pub(crate) fn reset(&self, ids: &[u64], chroot: &Chroot, out: &mut VecDeque<Output>) {
        for (path, entries) in &self.by_path {
            for entry in entries.iter().filter(|e| ids.contains(&e.id)) {
                deliver(out, entry.id, &WatchedEvent::reset(chroot.strip(path)));
            }
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
        self.forget_unwatched();
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

    /// The watches to re-arm on a new connection of the same session.
    pub(crate) fn rearm_list(&self, relative_zxid: i64) -> SetWatches2 {
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

    /// Forgets what it knew of znodes no persistent one-node watcher
    /// watches any more.
    fn forget_unwatched(&mut self) {
        let by_path = &self.by_path;
        self.persisted.retain(|path, _| {
            by_path
                .get(path)
                .is_some_and(|entries| entries.iter().any(|e| e.kind == WatchKind::Persistent))
        });
    }

    /// Ends every watch with a terminal event (the session is over).
    pub(crate) fn terminate(&mut self, state: KeeperState, out: &mut VecDeque<Output>) {
        let event = WatchedEvent::terminal(state);
        for entry in self.by_path.drain().flat_map(|(_, entries)| entries) {
            deliver(out, entry.id, &event);
        }
        self.recursive_paths = 0;
        self.persisted.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(registry: &mut WatchRegistry, id: u64, path: &str, kind: WatchKind) {
        registry.add(path, WatchRequest { id, kind });
    }

    fn event(event_type: EventType, path: &str) -> WatcherEvent {
        WatcherEvent { event_type, state: KeeperState::SyncConnected, path: path.into() }
    }

    /// The events told, as (watcher, event type, path).
    fn told(out: &mut VecDeque<Output>) -> Vec<(u64, EventType, Option<String>)> {
        out.drain(..)
            .map(|output| match output {
                Output::Watch { id, event } => (id, event.event_type, event.path),
                other => panic!("not a watch event: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn one_shot_watches_fire_once_for_their_event_types() {
        let mut r = WatchRegistry::default();
        let mut out = VecDeque::new();
        let chroot = Chroot::new(Some("/app".into()));
        add(&mut r, 1, "/app/a", WatchKind::Data);
        add(&mut r, 2, "/app/a", WatchKind::Child);

        r.dispatch(&event(EventType::NodeDataChanged, "/app/a"), &chroot, &mut out);
        assert_eq!(
            told(&mut out),
            [(1, EventType::NodeDataChanged, Some("/a".into()))],
            "the data watch fired, the chroot stripped; not the child watch"
        );
        r.dispatch(&event(EventType::NodeDeleted, "/app/a"), &chroot, &mut out);
        assert_eq!(told(&mut out), [(2, EventType::NodeDeleted, Some("/a".into()))]);
        assert!(r.is_empty(), "one-shot watches are gone once fired");
        r.dispatch(&event(EventType::NodeCreated, "/app/a"), &chroot, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn persistent_recursive_watches_see_descendants_but_not_child_events() {
        let mut r = WatchRegistry::default();
        let mut out = VecDeque::new();
        let chroot = Chroot::default();
        add(&mut r, 1, "/a", WatchKind::PersistentRecursive);
        r.dispatch(&event(EventType::NodeCreated, "/a/b/c"), &chroot, &mut out);
        r.dispatch(&event(EventType::NodeChildrenChanged, "/a/b"), &chroot, &mut out);
        r.dispatch(&event(EventType::NodeDataChanged, "/a"), &chroot, &mut out);
        r.dispatch(&event(EventType::NodeDataChanged, "/ab"), &chroot, &mut out);
        assert_eq!(
            told(&mut out),
            [
                (1, EventType::NodeCreated, Some("/a/b/c".into())),
                (1, EventType::NodeDataChanged, Some("/a".into()))
            ]
        );
        assert!(!r.is_empty(), "persistent watches stay");

        add(&mut r, 2, "/", WatchKind::PersistentRecursive);
        r.dispatch(&event(EventType::NodeDeleted, "/x"), &chroot, &mut out);
        assert_eq!(told(&mut out), [(2, EventType::NodeDeleted, Some("/x".into()))]);
    }

    #[test]
    fn rearming_lists_live_watches_by_kind() {
        let mut r = WatchRegistry::default();
        add(&mut r, 1, "/d", WatchKind::Data);
        add(&mut r, 2, "/e", WatchKind::Exist);
        add(&mut r, 3, "/c", WatchKind::Child);
        add(&mut r, 4, "/p", WatchKind::Persistent);
        add(&mut r, 5, "/r", WatchKind::PersistentRecursive);
        add(&mut r, 6, "/dropped", WatchKind::Data);
        r.remove(6);
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
        add(&mut r, 1, "/n", WatchKind::Data);
        add(&mut r, 2, "/n", WatchKind::Exist);
        add(&mut r, 3, "/n", WatchKind::Child);
        add(&mut r, 4, "/n", WatchKind::Persistent);
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
        let mut out = VecDeque::new();
        add(&mut r, 1, "/a", WatchKind::Data);
        add(&mut r, 2, "/p", WatchKind::Persistent);
        r.terminate(KeeperState::Expired, &mut out);
        let mut ended = told(&mut out);
        ended.sort_by_key(|(id, _, _)| *id);
        assert_eq!(ended, [(1, EventType::None, None), (2, EventType::None, None)]);
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
