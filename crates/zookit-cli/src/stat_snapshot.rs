//! What `watch --recursive` remembers of a subtree: each node's creation and
//! last data change (czxid, mzxid), to tell what changed while the client
//! was disconnected, and not to tell a change twice.

use std::collections::HashMap;

use zookit::{EventType, Stat};

/// A node's identity and version, as far as it is known: `None` for a node
/// reported as existing whose stat could not be read (it was already gone).
type Version = Option<(i64, i64)>;

fn version(stat: &Stat) -> (i64, i64) {
    (stat.czxid, stat.mzxid)
}

/// The nodes of a subtree by path.
#[derive(Debug, Default)]
pub(crate) struct StatSnapshot {
    nodes: HashMap<String, Version>,
}

impl StatSnapshot {
    /// A snapshot of the stats read, by path.
    pub(crate) fn new<'a>(stats: impl IntoIterator<Item = (String, &'a Stat)>) -> Self {
        Self { nodes: stats.into_iter().map(|(path, stat)| (path, Some(version(stat)))).collect() }
    }

    /// Replaces the snapshot with `now`, a new read of the subtree; returns
    /// what changed meanwhile, in path order: creations, data changes and
    /// deletions (a node deleted and created again is both).
    pub(crate) fn resync(&mut self, now: StatSnapshot) -> Vec<(EventType, String)> {
        let mut changes = Vec::new();
        for (path, new) in &now.nodes {
            match self.nodes.get(path) {
                None => changes.push((EventType::NodeCreated, path.clone())),
                Some(Some(old)) if new.is_some_and(|new| new.0 != old.0) => {
                    changes.push((EventType::NodeDeleted, path.clone()));
                    changes.push((EventType::NodeCreated, path.clone()));
                }
                Some(old) if old != new => changes.push((EventType::NodeDataChanged, path.clone())),
                Some(_) => {}
            }
        }
        for path in self.nodes.keys().filter(|path| !now.nodes.contains_key(*path)) {
            changes.push((EventType::NodeDeleted, path.clone()));
        }
        // Stable order: by path, a deletion before a creation.
        changes.sort_by(|a, b| a.1.cmp(&b.1));
        self.nodes = now.nodes;
        changes
    }

    /// Applies an event of the watch, with the node's stat read after it
    /// (`None`: gone by then); returns whether it is news, or was already
    /// told (by a resync that saw its result).
    pub(crate) fn apply(&mut self, event_type: EventType, path: &str, stat: Option<&Stat>) -> bool {
        let known = self.nodes.get(path).copied();
        let read = stat.map(version);
        let news = match event_type {
            EventType::NodeDeleted => known.is_some(),
            EventType::NodeCreated => {
                !matches!((known, read), (Some(Some(old)), Some(new)) if old.0 == new.0)
            }
            EventType::NodeDataChanged => read.is_none() || known != Some(read),
            _ => true,
        };
        match (event_type, read) {
            (EventType::NodeDeleted, _) => {
                self.nodes.remove(path);
            }
            (_, read) => {
                self.nodes.insert(path.to_owned(), read);
            }
        }
        news
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(czxid: i64, mzxid: i64) -> Stat {
        Stat { czxid, mzxid, ..Stat::default() }
    }

    fn snapshot(nodes: &[(&str, Stat)]) -> StatSnapshot {
        StatSnapshot::new(nodes.iter().map(|(path, stat)| ((*path).to_owned(), stat)))
    }

    #[test]
    fn a_resync_tells_creations_changes_replacements_and_deletions() {
        let mut known = snapshot(&[
            ("/r", stat(1, 1)),
            ("/r/same", stat(2, 2)),
            ("/r/changed", stat(3, 3)),
            ("/r/replaced", stat(4, 4)),
            ("/r/gone", stat(5, 5)),
        ]);
        let now = snapshot(&[
            ("/r", stat(1, 1)),
            ("/r/same", stat(2, 2)),
            ("/r/changed", stat(3, 9)),
            ("/r/replaced", stat(10, 10)),
            ("/r/new", stat(11, 11)),
        ]);
        assert_eq!(
            known.resync(now),
            [
                (EventType::NodeDataChanged, "/r/changed".to_owned()),
                (EventType::NodeDeleted, "/r/gone".to_owned()),
                (EventType::NodeCreated, "/r/new".to_owned()),
                (EventType::NodeDeleted, "/r/replaced".to_owned()),
                (EventType::NodeCreated, "/r/replaced".to_owned()),
            ]
        );
        assert_eq!(known.resync(snapshot(&[])).len(), 5, "everything left is deleted");
    }

    #[test]
    fn an_event_a_resync_already_told_is_not_news() {
        let mut known = snapshot(&[("/r", stat(1, 1))]);
        known.resync(snapshot(&[("/r", stat(1, 7)), ("/r/a", stat(6, 6))]));
        assert!(!known.apply(EventType::NodeCreated, "/r/a", Some(&stat(6, 6))));
        assert!(!known.apply(EventType::NodeDataChanged, "/r", Some(&stat(1, 7))));
        assert!(known.apply(EventType::NodeDataChanged, "/r", Some(&stat(1, 8))));
        assert!(known.apply(EventType::NodeDeleted, "/r/a", None));
        assert!(!known.apply(EventType::NodeDeleted, "/r/a", None), "told once");
    }

    #[test]
    fn a_node_created_and_deleted_before_its_read_is_told_both_ways() {
        let mut known = snapshot(&[("/r", stat(1, 1))]);
        assert!(known.apply(EventType::NodeCreated, "/r/brief", None));
        assert!(known.apply(EventType::NodeDeleted, "/r/brief", None));
        assert!(known.resync(snapshot(&[("/r", stat(1, 1))])).is_empty());
    }
}
