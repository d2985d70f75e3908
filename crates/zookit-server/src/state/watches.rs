//! Watches as ZooKeeper's `WatchManager` keeps them: per path, the
//! connections watching it, each in one mode (a later watch of another
//! mode on the same path replaces the earlier one).

use std::collections::{HashMap, HashSet};

use super::ConnId;

/// How a connection watches a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WatchMode {
    /// One-shot (`getData`, `exists`, `getChildren`).
    Standard,
    /// Persistent (`addWatch`).
    Persistent,
    /// Persistent, for the path and every path below it (`addWatch`).
    PersistentRecursive,
}

impl WatchMode {
    fn is_recursive(self) -> bool {
        self == Self::PersistentRecursive
    }

    fn is_persistent(self) -> bool {
        self != Self::Standard
    }
}

/// One table of watches (ZooKeeper keeps one for data and exists watches,
/// one for child watches; persistent watches are in both).
#[derive(Debug, Default)]
pub(crate) struct WatchManager {
    by_path: HashMap<String, Vec<(ConnId, WatchMode)>>,
    by_conn: HashMap<ConnId, HashSet<String>>,
    recursive: usize,
}

impl WatchManager {
    /// Whether there is no watch at all (writes then skip triggering).
    pub(crate) fn is_empty(&self) -> bool {
        self.by_path.is_empty()
    }

    /// Adds (or changes the mode of) `conn`'s watch on `path`.
    pub(crate) fn add(&mut self, path: &str, conn: ConnId, mode: WatchMode) {
        let watchers = self.by_path.entry(path.to_owned()).or_default();
        match watchers.iter_mut().find(|(c, _)| *c == conn) {
            Some((_, old)) => {
                self.recursive -= usize::from(old.is_recursive());
                *old = mode;
            }
            None => watchers.push((conn, mode)),
        }
        self.recursive += usize::from(mode.is_recursive());
        let paths = self.by_conn.entry(conn).or_default();
        if !paths.contains(path) {
            paths.insert(path.to_owned());
        }
    }

    /// Removes every watch of a connection that went away.
    pub(crate) fn remove_conn(&mut self, conn: ConnId) {
        for path in self.by_conn.remove(&conn).unwrap_or_default() {
            self.detach(&path, conn);
        }
    }

    /// Takes `conn` off `path`'s watchers; whether it was there.
    fn detach(&mut self, path: &str, conn: ConnId) -> bool {
        let Some(watchers) = self.by_path.get_mut(path) else { return false };
        let Some(at) = watchers.iter().position(|(c, _)| *c == conn) else { return false };
        let (_, mode) = watchers.swap_remove(at);
        self.recursive -= usize::from(mode.is_recursive());
        if watchers.is_empty() {
            self.by_path.remove(path);
        }
        true
    }

    /// Removes `conn`'s watch on `path` (`removeWatches`); whether there was one.
    pub(crate) fn remove(&mut self, path: &str, conn: ConnId) -> bool {
        let listed = self.by_conn.get_mut(&conn).is_some_and(|paths| paths.remove(path));
        if let Some(paths) = self.by_conn.get(&conn)
            && paths.is_empty()
        {
            self.by_conn.remove(&conn);
        }
        listed && self.detach(path, conn)
    }

    /// `checkWatches` as ZooKeeper 3.8 answers it: whether anyone watches
    /// exactly `path` (its `WatchManager.containsWatcher` does not look at
    /// which connection does).
    pub(crate) fn contains(&self, path: &str) -> bool {
        self.by_path.contains_key(path)
    }

    /// Fires the watches an event on `path` triggers: the path's own
    /// watches and, when any exist, recursive watches on its ancestors.
    /// One-shot watches are removed. Returns the connections to notify,
    /// each once, minus `suppress`.
    pub(crate) fn trigger(
        &mut self,
        path: &str,
        child_event: bool,
        suppress: &[ConnId],
        notified: &mut Vec<ConnId>,
    ) {
        notified.clear();
        let mut local = path;
        let mut at_parent = false;
        loop {
            if let Some(watchers) = self.by_path.get_mut(local) {
                let mut i = 0;
                while i < watchers.len() {
                    let (conn, mode) = watchers[i];
                    if mode.is_recursive() {
                        if !child_event && !notified.contains(&conn) {
                            notified.push(conn);
                        }
                    } else if !at_parent {
                        if !notified.contains(&conn) {
                            notified.push(conn);
                        }
                        if !mode.is_persistent() {
                            watchers.swap_remove(i);
                            if let Some(paths) = self.by_conn.get_mut(&conn) {
                                paths.remove(local);
                                if paths.is_empty() {
                                    self.by_conn.remove(&conn);
                                }
                            }
                            continue;
                        }
                    }
                    i += 1;
                }
                if watchers.is_empty() {
                    self.by_path.remove(local);
                }
            }
            if self.recursive == 0 || local.is_empty() {
                break;
            }
            local = match local {
                "/" => "",
                _ => match local.rfind('/') {
                    Some(0) => "/",
                    Some(i) => &local[..i],
                    None => "",
                },
            };
            if local.is_empty() {
                break;
            }
            at_parent = true;
        }
        notified.retain(|conn| !suppress.contains(conn));
    }

    /// The number of watches (`getWatchCount` adds both tables).
    pub(crate) fn len(&self) -> usize {
        self.by_path.values().map(Vec::len).sum()
    }

    /// The number of watched paths.
    pub(crate) fn path_count(&self) -> usize {
        self.by_path.len()
    }

    /// The number of connections with watches.
    pub(crate) fn conn_count(&self) -> usize {
        self.by_conn.len()
    }

    /// Watched paths and their watchers, sorted by path.
    pub(crate) fn by_path(&self) -> Vec<(&str, Vec<ConnId>)> {
        let mut all: Vec<_> = self
            .by_path
            .iter()
            .map(|(path, watchers)| {
                let mut conns: Vec<_> = watchers.iter().map(|(c, _)| *c).collect();
                conns.sort_unstable();
                (path.as_str(), conns)
            })
            .collect();
        all.sort_unstable();
        all
    }

    /// Connections and the paths they watch, sorted.
    pub(crate) fn by_conn(&self) -> Vec<(ConnId, Vec<&str>)> {
        let mut all: Vec<_> = self
            .by_conn
            .iter()
            .map(|(conn, paths)| {
                let mut paths: Vec<_> = paths.iter().map(String::as_str).collect();
                paths.sort_unstable();
                (*conn, paths)
            })
            .collect();
        all.sort_unstable();
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fire(m: &mut WatchManager, path: &str, child_event: bool) -> Vec<ConnId> {
        let mut notified = Vec::new();
        m.trigger(path, child_event, &[], &mut notified);
        notified.sort_unstable();
        notified
    }

    #[test]
    fn standard_watches_fire_once() {
        let mut m = WatchManager::default();
        m.add("/a", 1, WatchMode::Standard);
        m.add("/a", 2, WatchMode::Standard);
        m.add("/a", 1, WatchMode::Standard);
        assert_eq!(m.len(), 2);
        assert_eq!(fire(&mut m, "/a", false), [1, 2]);
        assert_eq!(fire(&mut m, "/a", false), Vec::<ConnId>::new());
        assert!(m.is_empty() && m.conn_count() == 0);
    }

    #[test]
    fn persistent_watches_stay_and_modes_replace_each_other() {
        let mut m = WatchManager::default();
        m.add("/a", 1, WatchMode::Persistent);
        assert_eq!(fire(&mut m, "/a", false), [1]);
        assert_eq!(fire(&mut m, "/a", true), [1]);
        // A one-shot watch on the same path turns it into a one-shot watch.
        m.add("/a", 1, WatchMode::Standard);
        assert_eq!(fire(&mut m, "/a", false), [1]);
        assert!(m.is_empty());
    }

    #[test]
    fn recursive_watches_see_descendants_but_not_child_events() {
        let mut m = WatchManager::default();
        m.add("/", 1, WatchMode::PersistentRecursive);
        m.add("/a", 2, WatchMode::PersistentRecursive);
        m.add("/a/b", 3, WatchMode::Standard);
        m.add("/a", 4, WatchMode::Standard);
        assert_eq!(fire(&mut m, "/a/b", false), [1, 2, 3]);
        assert_eq!(fire(&mut m, "/a", true), [4], "recursive watches skip NodeChildrenChanged");
        assert_eq!(fire(&mut m, "/x", false), [1]);
        assert_eq!(m.len(), 2);
        m.remove_conn(1);
        m.remove_conn(2);
        assert!(m.is_empty());
        assert_eq!(fire(&mut m, "/a/b", false), Vec::<ConnId>::new());
    }

    #[test]
    fn suppressed_connections_are_not_notified_but_lose_one_shot_watches() {
        let mut m = WatchManager::default();
        m.add("/a", 1, WatchMode::Standard);
        m.add("/a", 2, WatchMode::Standard);
        let mut notified = Vec::new();
        m.trigger("/a", false, &[1], &mut notified);
        assert_eq!(notified, [2]);
        assert!(m.is_empty());
    }

    #[test]
    fn remove_and_contains() {
        let mut m = WatchManager::default();
        m.add("/a", 1, WatchMode::Standard);
        assert!(m.contains("/a"));
        assert!(!m.remove("/a", 2));
        assert!(m.remove("/a", 1));
        assert!(!m.remove("/a", 1));
        assert!(!m.contains("/a"));
        assert!(m.is_empty() && m.conn_count() == 0);
    }
}
